//! JSON Web Tokens in compact form (RFC 7519): `header.payload.signature`, each part
//! base64url. Parsed here; the signature is checked against a [`KeySet`].

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use super::keys::KeySet;

/// A token, parsed but not yet verified.
#[derive(Debug)]
pub struct Token<'a> {
    /// `header.payload`, what the signature signs.
    signing_input: &'a str,
    signature: Vec<u8>,
    alg: String,
    kid: Option<String>,
    pub claims: Map<String, Value>,
}

/// The algorithms iamlocal verifies (AWS accepts these among others).
const ALGORITHMS: &[&str] = &["RS256", "ES256"];

impl<'a> Token<'a> {
    pub fn parse(text: &'a str) -> Result<Token<'a>, &'static str> {
        let mut parts = text.trim().split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("a JWT has three parts");
        };
        let header = decode_object(header).ok_or("the JWT header is not base64url JSON")?;
        let claims = decode_object(payload).ok_or("the JWT payload is not base64url JSON")?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| "the JWT signature is not base64url")?;
        let alg = header
            .get("alg")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !ALGORITHMS.contains(&alg) {
            return Err("the JWT algorithm must be RS256 or ES256");
        }
        let signing_input = &text.trim()[..header_len(text.trim())];
        Ok(Token {
            signing_input,
            signature,
            alg: alg.to_owned(),
            kid: header.get("kid").and_then(Value::as_str).map(str::to_owned),
            claims,
        })
    }

    /// Checks the signature against the issuer's keys.
    pub fn verify(&self, keys: &KeySet) -> Result<(), &'static str> {
        let kid = self.kid.as_deref().ok_or("the JWT header has no kid")?;
        keys.verify(
            kid,
            &self.alg,
            self.signing_input.as_bytes(),
            &self.signature,
        )
    }

    pub fn str_claim(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// A claim that is a string or a list of strings (`aud`, `amr`).
    pub fn str_list_claim(&self, name: &str) -> Vec<&str> {
        match self.claims.get(name) {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// A NumericDate claim (`exp`, `iat`), in whole seconds.
    pub fn time_claim(&self, name: &str) -> Option<i64> {
        let value = self.claims.get(name)?;
        value.as_i64().or_else(|| value.as_f64().map(|f| f as i64))
    }
}

/// The length of `header.payload` in a token already known to have three parts.
fn header_len(text: &str) -> usize {
    text.rfind('.').unwrap_or(0)
}

fn decode_object(part: &str) -> Option<Map<String, Value>> {
    let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// `header.payload.signature` of the given JSON parts, for a signer to complete.
pub fn signing_input(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

pub fn encode_signature(signature: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(signature)
}
