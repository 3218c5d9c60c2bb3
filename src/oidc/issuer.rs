//! The built-in issuer: iamlocal signs OpenID Connect ID tokens itself, so a test suite can
//! exercise `AssumeRoleWithWebIdentity` without the internet. Its key pair (ES256) is made
//! at start-up and lives in memory only: tokens do not outlive a restart.

use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::jwt;
use super::keys::{Jwk, KeySet};

pub struct BuiltinIssuer {
    /// The `iss` of its tokens: the server's own base URL.
    pub url: String,
    kid: String,
    key_pair: EcdsaKeyPair,
    keys: KeySet,
    rng: SystemRandom,
}

impl BuiltinIssuer {
    pub fn generate(url: String) -> Result<BuiltinIssuer, String> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| "could not generate the OIDC signing key")?;
        let key_pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
                .map_err(|_| "could not load the OIDC signing key")?;
        let point = key_pair.public_key().as_ref();
        // The key's id: the start of its point's hash, stable for the key, new for each key.
        let kid = hex::encode(&Sha256::digest(point)[..8]);
        let keys = KeySet::new(vec![Jwk::es256(&kid, point)]);
        Ok(BuiltinIssuer {
            url,
            kid,
            key_pair,
            keys,
            rng,
        })
    }

    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// A signed token with these claims (`iss` is added unless they name one).
    pub fn mint(&self, mut claims: serde_json::Map<String, Value>) -> Result<String, String> {
        claims
            .entry("iss")
            .or_insert_with(|| Value::String(self.url.clone()));
        let header = json!({"alg": "ES256", "typ": "JWT", "kid": self.kid});
        let input = jwt::signing_input(&header, &Value::Object(claims));
        let signature = self
            .key_pair
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
            "id_token_signing_alg_values_supported": ["ES256"],
            "claims_supported": ["sub", "aud", "exp", "iat", "iss", "amr"],
        })
    }
}
