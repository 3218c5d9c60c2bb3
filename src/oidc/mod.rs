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

pub use issuer::{Algorithm, BuiltinIssuer, prepare_rs256};
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
            builtin: BuiltinIssuer::new(normalize(url).to_owned()),
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

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::{Value, json};

    use super::*;

    fn claims(sub: &str) -> serde_json::Map<String, Value> {
        match json!({"sub": sub, "aud": "sts.amazonaws.com", "exp": 2_000_000_000}) {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    #[test]
    fn a_minted_token_verifies_with_the_published_keys_and_no_others() {
        let issuers = Issuers::start("http://127.0.0.1:4599/", &[]).unwrap();
        let token = issuers.builtin.mint(claims("alice")).unwrap();
        let parsed = Token::parse(&token).unwrap();
        assert_eq!(parsed.str_claim("iss"), Some("http://127.0.0.1:4599"));
        assert_eq!(parsed.str_list_claim("aud"), ["sts.amazonaws.com"]);
        assert_eq!(parsed.time_claim("exp"), Some(2_000_000_000));

        // The JWKS document as served, read back, verifies the token.
        let published = KeySet::parse(&issuers.builtin.keys().to_json().to_string()).unwrap();
        assert_eq!(parsed.verify(&published), Ok(()));
        let keys = issuers.keys_for("http://127.0.0.1:4599").unwrap();
        assert_eq!(parsed.verify(keys), Ok(()));
        assert!(issuers.keys_for("https://elsewhere.example.com").is_none());

        // Another key pair: its kid names no key of this issuer.
        let other = BuiltinIssuer::new("http://127.0.0.1:4599".into());
        assert!(parsed.verify(other.keys()).is_err());
    }

    #[test]
    fn a_changed_payload_breaks_the_signature() {
        let issuer = BuiltinIssuer::new("http://127.0.0.1:4599".into());
        let alice = issuer.mint(claims("alice")).unwrap();
        let bob = issuer.mint(claims("bob")).unwrap();
        let alice: Vec<&str> = alice.split('.').collect();
        let bob: Vec<&str> = bob.split('.').collect();
        let forged = format!("{}.{}.{}", alice[0], bob[1], alice[2]);
        let parsed = Token::parse(&forged).unwrap();
        assert_eq!(
            parsed.verify(issuer.keys()),
            Err("the token's signature does not verify")
        );
    }

    #[test]
    fn only_three_part_rs256_or_es256_tokens_parse() {
        let part = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
        let body = part(json!({"sub": "x"}));
        for (token, reason) in [
            ("a.b".to_owned(), "a JWT has three parts"),
            ("a.b.c.d".to_owned(), "a JWT has three parts"),
            (
                format!("{}.{body}.", part(json!({"alg": "none"}))),
                "the JWT algorithm must be RS256 or ES256",
            ),
            (
                format!("{}.{body}.", part(json!({"alg": "HS256"}))),
                "the JWT algorithm must be RS256 or ES256",
            ),
            (
                format!("{}.%%%.", part(json!({"alg": "ES256"}))),
                "the JWT payload is not base64url JSON",
            ),
        ] {
            assert_eq!(Token::parse(&token).unwrap_err(), reason, "{token}");
        }
    }

    #[test]
    fn provider_urls_lose_the_scheme_and_a_trailing_slash() {
        assert_eq!(
            provider_url("https://token.actions.githubusercontent.com"),
            "token.actions.githubusercontent.com"
        );
        assert_eq!(
            provider_url("https://example.com/realms/dev/"),
            "example.com/realms/dev"
        );
        assert_eq!(provider_url("http://127.0.0.1:4599"), "127.0.0.1:4599");
    }

    #[test]
    fn jwks_documents_need_a_usable_key() {
        assert!(KeySet::parse(r#"{"keys": []}"#).is_err());
        assert!(
            KeySet::parse(r#"{"keys": [{"kty": "oct", "kid": "k", "k": "c2VjcmV0"}]}"#).is_err()
        );
        assert!(KeySet::parse("not json").is_err());
        assert!(
            KeySet::parse(r#"{"keys": [{"kty": "RSA", "kid": "k", "n": "AQAB", "e": "AQAB"}]}"#)
                .is_ok()
        );
    }
}
