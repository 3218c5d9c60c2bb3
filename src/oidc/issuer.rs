//! The built-in issuer: iamlocal signs OpenID Connect ID tokens itself, so a test suite can
//! exercise `AssumeRoleWithWebIdentity` without the internet. Its key pairs are made when
//! first needed (a P-384 key takes two point multiplications, a third of a start-up's CPU)
//! and live in memory only: tokens do not outlive a restart. ES256 signs the ID
//! tokens the admin API mints; ES384 and RS256 sign the tokens of `GetWebIdentityToken`
//! (outbound federation), which AWS makes unusable for `AssumeRoleWithWebIdentity`: their
//! keys are published, never accepted. The RSA key is made on first use only (generating one
//! takes a while, and most runs never need it) and kept for the life of the process.

use std::sync::OnceLock;

use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair,
    EcdsaSigningAlgorithm, KeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
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

/// The EC key pairs and the key set that publishes them.
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

    fn sign(&self, rng: &SystemRandom, message: &str) -> Result<Vec<u8>, String> {
        let signature = self
            .pair
            .sign(rng, message.as_bytes())
            .map_err(|_| "could not sign the token")?;
        Ok(signature.as_ref().to_vec())
    }
}

/// The RS256 key pair, its id and its public numbers.
struct RsaSigningKey {
    kid: String,
    pair: RsaKeyPair,
    jwk: Jwk,
}

impl RsaSigningKey {
    fn sign(&self, rng: &SystemRandom, message: &str) -> Result<Vec<u8>, String> {
        let mut signature = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(&RSA_PKCS1_SHA256, rng, message.as_bytes(), &mut signature)
            .map_err(|_| "could not sign the token")?;
        Ok(signature)
    }
}

static RSA_KEY: OnceLock<Result<RsaSigningKey, String>> = OnceLock::new();

/// Made by the first caller: ring cannot generate RSA keys, the `rsa` crate can.
fn rsa_key() -> Result<&'static RsaSigningKey, String> {
    RSA_KEY
        .get_or_init(|| {
            let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)
                .map_err(|e| format!("could not generate the RS256 key: {e}"))?;
            let der = key
                .to_pkcs1_der()
                .map_err(|e| format!("could not encode the RS256 key: {e}"))?;
            let pair = RsaKeyPair::from_der(der.as_bytes())
                .map_err(|e| format!("could not load the RS256 key: {e}"))?;
            let (n, e) = (key.n().to_bytes_be(), key.e().to_bytes_be());
            let kid = hex::encode(&Sha256::digest(&n)[..8]);
            let jwk = Jwk::rs256(&kid, n, e);
            Ok(RsaSigningKey { kid, pair, jwk })
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Makes the RS256 key unless it is made already, off the async workers (it can take a
/// second or more); `jwks` and RS256 signing then find it ready.
pub async fn prepare_rs256() -> Result<(), String> {
    if RSA_KEY.get().is_some() {
        return Ok(());
    }
    tokio::task::spawn_blocking(|| rsa_key().map(|_| ()))
        .await
        .map_err(|e| e.to_string())?
}

/// The algorithms the built-in issuer signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Es256,
    Es384,
    Rs256,
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

    /// The EC key pairs, generated now if not yet. Generating fails only when the system's
    /// random source does, which nothing can recover from.
    fn pairs(&self) -> &Keys {
        self.keys
            .get_or_init(|| Keys::generate(&self.rng).expect("the system's random source works"))
    }

    /// The keys its ID tokens verify with (`AssumeRoleWithWebIdentity`).
    pub fn keys(&self) -> &KeySet {
        &self.pairs().set
    }

    /// The JWKS document it publishes: its keys and the RS256 key of outbound tokens.
    pub fn jwks(&self) -> Result<Value, String> {
        let mut published = self.keys().clone();
        published.push(rsa_key()?.jwk.clone());
        Ok(published.to_json())
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
        let (name, kid) = match alg {
            Algorithm::Es256 => ("ES256", &keys.es256.kid),
            Algorithm::Es384 => ("ES384", &keys.es384.kid),
            Algorithm::Rs256 => ("RS256", &rsa_key()?.kid),
        };
        let header = json!({"alg": name, "typ": "JWT", "kid": kid});
        let input = jwt::signing_input(&header, &Value::Object(claims));
        let signature = match alg {
            Algorithm::Es256 => keys.es256.sign(&self.rng, &input)?,
            Algorithm::Es384 => keys.es384.sign(&self.rng, &input)?,
            Algorithm::Rs256 => rsa_key()?.sign(&self.rng, &input)?,
        };
        Ok(format!("{input}.{}", jwt::encode_signature(&signature)))
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
            "id_token_signing_alg_values_supported": ["ES256", "ES384", "RS256"],
            "claims_supported": ["sub", "aud", "exp", "iat", "iss", "amr"],
        })
    }
}
