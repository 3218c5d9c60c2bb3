//! JSON Web Keys: the public keys an issuer signs its tokens with, read from a JWKS
//! document (RFC 7517) and used to check JWS signatures (RFC 7515, RFC 7518).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents, UnparsedPublicKey,
};
use serde::Deserialize;
use serde_json::{Value, json};

/// A public key, by the algorithm it verifies.
#[derive(Debug, Clone)]
enum PublicKey {
    /// ES256: a P-256 point, uncompressed (`04 || x || y`).
    Es256(Vec<u8>),
    /// ES384: a P-384 point, uncompressed. Published, never accepted: only outbound tokens
    /// (`GetWebIdentityToken`) use it, and AWS refuses those for `AssumeRoleWithWebIdentity`.
    Es384(Vec<u8>),
    /// RS256: the modulus and exponent, big-endian.
    Rs256 { n: Vec<u8>, e: Vec<u8> },
}

#[derive(Debug, Clone)]
pub struct Jwk {
    pub kid: String,
    key: PublicKey,
}

/// An issuer's keys.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct RawSet {
    keys: Vec<RawKey>,
}

#[derive(Deserialize)]
struct RawKey {
    kty: String,
    kid: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

impl Jwk {
    /// An ES256 key from its uncompressed point.
    pub fn es256(kid: &str, point: &[u8]) -> Jwk {
        Jwk {
            kid: kid.to_owned(),
            key: PublicKey::Es256(point.to_vec()),
        }
    }

    /// An ES384 key from its uncompressed point.
    pub fn es384(kid: &str, point: &[u8]) -> Jwk {
        Jwk {
            kid: kid.to_owned(),
            key: PublicKey::Es384(point.to_vec()),
        }
    }

    /// An RS256 key from its modulus and exponent (big-endian).
    pub fn rs256(kid: &str, n: Vec<u8>, e: Vec<u8>) -> Jwk {
        Jwk {
            kid: kid.to_owned(),
            key: PublicKey::Rs256 { n, e },
        }
    }

    fn to_json(&self) -> Value {
        match &self.key {
            PublicKey::Es384(point) => json!({
                "kty": "EC", "crv": "P-384", "use": "sig", "alg": "ES384", "kid": self.kid,
                "x": URL_SAFE_NO_PAD.encode(&point[1..49]),
                "y": URL_SAFE_NO_PAD.encode(&point[49..]),
            }),
            PublicKey::Es256(point) => json!({
                "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": self.kid,
                "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
                "y": URL_SAFE_NO_PAD.encode(&point[33..]),
            }),
            PublicKey::Rs256 { n, e } => json!({
                "kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid,
                "n": URL_SAFE_NO_PAD.encode(n), "e": URL_SAFE_NO_PAD.encode(e),
            }),
        }
    }

    /// Does `signature` sign `message` with this key, under the token's `alg`?
    fn verifies(&self, alg: &str, message: &[u8], signature: &[u8]) -> bool {
        match (&self.key, alg) {
            (PublicKey::Es256(point), "ES256") => {
                UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
                    .verify(message, signature)
                    .is_ok()
            }
            (PublicKey::Rs256 { n, e }, "RS256") => RsaPublicKeyComponents { n, e }
                .verify(&RSA_PKCS1_2048_8192_SHA256, message, signature)
                .is_ok(),
            _ => false,
        }
    }
}

impl KeySet {
    pub fn new(keys: Vec<Jwk>) -> KeySet {
        KeySet { keys }
    }

    pub fn push(&mut self, key: Jwk) {
        self.keys.push(key);
    }

    /// Reads a JWKS document. Keys of other types or curves (and keys without a `kid`,
    /// which no token could name) are skipped; a document with no usable key is an error.
    pub fn parse(text: &str) -> Result<KeySet, String> {
        let raw: RawSet =
            serde_json::from_str(text).map_err(|e| format!("not a JWKS document: {e}"))?;
        let keys: Vec<Jwk> = raw.keys.into_iter().filter_map(RawKey::into_jwk).collect();
        if keys.is_empty() {
            return Err("no RS256 or ES256 (P-256) key with a kid".into());
        }
        Ok(KeySet { keys })
    }

    /// The JWKS document of these keys.
    pub fn to_json(&self) -> Value {
        json!({ "keys": self.keys.iter().map(Jwk::to_json).collect::<Vec<_>>() })
    }

    /// Is the signature made by the key named `kid`, with the algorithm `alg`?
    pub fn verify(
        &self,
        kid: &str,
        alg: &str,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), &'static str> {
        let key = self
            .keys
            .iter()
            .find(|k| k.kid == kid)
            .ok_or("the token's kid names no key of its issuer")?;
        if key.verifies(alg, message, signature) {
            Ok(())
        } else {
            Err("the token's signature does not verify")
        }
    }
}

impl RawKey {
    fn into_jwk(self) -> Option<Jwk> {
        let decode = |v: Option<String>| URL_SAFE_NO_PAD.decode(v?.trim_end_matches('=')).ok();
        let key = match (self.kty.as_str(), self.crv.as_deref()) {
            ("EC", Some("P-256")) => {
                let (x, y) = (decode(self.x)?, decode(self.y)?);
                if x.len() != 32 || y.len() != 32 {
                    return None;
                }
                let mut point = vec![4];
                point.extend(x);
                point.extend(y);
                PublicKey::Es256(point)
            }
            ("RSA", _) => PublicKey::Rs256 {
                n: decode(self.n)?,
                e: decode(self.e)?,
            },
            _ => return None,
        };
        Some(Jwk {
            kid: self.kid?,
            key,
        })
    }
}
