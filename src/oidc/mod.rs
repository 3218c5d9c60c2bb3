//! OpenID Connect issuers whose ID tokens `AssumeRoleWithWebIdentity` can verify without
//! the network: the built-in issuer (iamlocal itself) and issuers whose keys are configured
//! as JWKS files (`--oidc-jwks ISSUER=FILE`).
//!
//! AWS fetches a provider's keys from its `jwks_uri`; iamlocal never goes online, so a
//! registered provider verifies only if its issuer is one of these.

mod issuer;
mod jwt;
mod keys;
pub mod routes;

use std::collections::HashMap;

pub use issuer::BuiltinIssuer;
pub use jwt::Token;
pub use keys::KeySet;

pub struct Issuers {
    pub builtin: BuiltinIssuer,
    /// Issuer URL (without a trailing `/`) → its keys.
    external: HashMap<String, KeySet>,
}

impl Issuers {
    /// The built-in issuer at `url`, and the keys of each `ISSUER=FILE` given.
    pub fn start(url: &str, jwks: &[String]) -> Result<Issuers, String> {
        let mut external = HashMap::new();
        for spec in jwks {
            let (issuer, file) = spec
                .split_once('=')
                .ok_or_else(|| format!("--oidc-jwks {spec}: expected ISSUER=FILE"))?;
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("--oidc-jwks {spec}: cannot read {file}: {e}"))?;
            let keys = KeySet::parse(&text).map_err(|e| format!("--oidc-jwks {spec}: {e}"))?;
            external.insert(normalize(issuer).to_owned(), keys);
        }
        Ok(Issuers {
            builtin: BuiltinIssuer::generate(normalize(url).to_owned())?,
            external,
        })
    }

    /// The keys of the issuer a token names, if iamlocal knows them.
    pub fn keys_for(&self, issuer: &str) -> Option<&KeySet> {
        let issuer = normalize(issuer);
        if issuer == self.builtin.url {
            return Some(self.builtin.keys());
        }
        self.external.get(issuer)
    }

    /// Is this the URL of an issuer iamlocal knows the keys of? These may be plain
    /// `http://` and carry a port, which AWS refuses of any other provider URL.
    pub fn is_known(&self, url: &str) -> bool {
        self.keys_for(url).is_some()
    }
}

/// Issuer URLs compare without a trailing `/`.
fn normalize(url: &str) -> &str {
    url.trim_end_matches('/')
}

/// An issuer URL without its scheme (`host/path`): how provider ARNs and condition keys
/// name it.
pub fn provider_url(issuer: &str) -> &str {
    let rest = issuer
        .strip_prefix("https://")
        .or_else(|| issuer.strip_prefix("http://"))
        .unwrap_or(issuer);
    normalize(rest)
}
