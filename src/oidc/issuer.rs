//! The built-in issuer: iamlocal signs OpenID Connect ID tokens itself, so a test suite can
//! exercise `AssumeRoleWithWebIdentity` without the internet. Its key pairs are made when
//! first needed (a P-384 key takes two point multiplications, a third of a start-up's CPU)
//! and live in memory only: tokens do not outlive a restart. ES256 signs the ID
//! tokens the admin API mints; ES384 signs the tokens of `GetWebIdentityToken` (outbound
//! federation), which AWS makes unusable for `AssumeRoleWithWebIdentity`: iamlocal's
//! verifier takes no ES384 signature.

use std::sync::OnceLock;

use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair,
    EcdsaSigningAlgorithm, KeyPair,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::jwt;
use super::keys::{Jwk, KeySet};

pub struct BuiltinIssuer {
    /// The `iss` of its tokens: the server's own base URL.
    pub url: String,
    keys: OnceLock<Keys>,
    rng: SystemRandom,
}

/// The key pairs and the key set that publishes them.
struct Keys {
    es256: SigningKey,
    es384: SigningKey,
    set: KeySet,
}

impl Keys {
    fn generate(rng: &SystemRandom) -> Result<Keys, String> {
        let es256 = SigningKey::generate(&ECDSA_P256_SHA256_FIXED_SIGNING, rng)?;
        let es384 = SigningKey::generate(&ECDSA_P384_SHA384_FIXED_SIGNING, rng)?;
        let set = KeySet::new(vec![
            Jwk::es256(&es256.kid, es256.point()),
            Jwk::es384(&es384.kid, es384.point()),
        ]);
        Ok(Keys { es256, es384, set })
    }
}

/// A key pair and the id its tokens name it by.
struct SigningKey {
    kid: String,
    pair: EcdsaKeyPair,
}

impl SigningKey {
    fn generate(alg: &'static EcdsaSigningAlgorithm, rng: &SystemRandom) -> Result<Self, String> {
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, rng)
            .map_err(|_| "could not generate the OIDC signing key")?;
        let pair = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), rng)
            .map_err(|_| "could not load the OIDC signing key")?;
        // The key's id: the start of its point's hash, stable for the key, new for each key.
        let kid = hex::encode(&Sha256::digest(pair.public_key().as_ref())[..8]);
        Ok(SigningKey { kid, pair })
    }

    fn point(&self) -> &[u8] {
        self.pair.public_key().as_ref()
    }
}

/// The algorithms the built-in issuer signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Es256,
    Es384,
}

impl BuiltinIssuer {
    /// The issuer at `url`; its keys are generated at first use.
    pub fn new(url: String) -> BuiltinIssuer {
        BuiltinIssuer {
            url,
            keys: OnceLock::new(),
            rng: SystemRandom::new(),
        }
    }

    /// The key pairs, generated now if not yet. Generating fails only when the system's
    /// random source does, which nothing can recover from.
    fn pairs(&self) -> &Keys {
        self.keys
            .get_or_init(|| Keys::generate(&self.rng).expect("the system's random source works"))
    }

    pub fn keys(&self) -> &KeySet {
        &self.pairs().set
    }

    /// A signed token with these claims (`iss` is added unless they name one).
    pub fn mint(&self, claims: serde_json::Map<String, Value>) -> Result<String, String> {
        self.mint_with(Algorithm::Es256, claims)
    }

    /// [`BuiltinIssuer::mint`], signed with `alg`.
    pub fn mint_with(
        &self,
        alg: Algorithm,
        mut claims: serde_json::Map<String, Value>,
    ) -> Result<String, String> {
        claims
            .entry("iss")
            .or_insert_with(|| Value::String(self.url.clone()));
        let keys = self.pairs();
        let (key, name) = match alg {
            Algorithm::Es256 => (&keys.es256, "ES256"),
            Algorithm::Es384 => (&keys.es384, "ES384"),
        };
        let header = json!({"alg": name, "typ": "JWT", "kid": key.kid});
        let input = jwt::signing_input(&header, &Value::Object(claims));
        let signature = key
            .pair
            .sign(&self.rng, input.as_bytes())
            .map_err(|_| "could not sign the token")?;
        Ok(format!(
            "{input}.{}",
            jwt::encode_signature(signature.as_ref())
        ))
    }

    /// The discovery document (`/.well-known/openid-configuration`), as far as a relying
    /// party that only verifies ID tokens needs it.
    pub fn openid_configuration(&self) -> Value {
        json!({
            "issuer": self.url,
            "jwks_uri": format!("{}/.well-known/jwks.json", self.url),
            "token_endpoint": format!("{}/_iamlocal/oidc/token", self.url),
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256", "ES384"],
            "claims_supported": ["sub", "aud", "exp", "iat", "iss", "amr"],
        })
    }
}
