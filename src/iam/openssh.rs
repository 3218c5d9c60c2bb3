//! SSH public keys as IAM takes them: RSA only, in OpenSSH's one-line `ssh-rsa` form or as
//! PEM (`PUBLIC KEY` or `RSA PUBLIC KEY`), at least 2048 bits. The fingerprint is the MD5
//! of the key's SSH wire form, hex with colons, as `ssh-keygen -E md5 -l` prints it.
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_UploadSSHPublicKey.html>

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest, Md5};

use super::der::{self, Der};
use super::x509::{self, PublicKey};
use crate::aws_error;
use crate::error::AwsError;

const SSH_RSA: &str = "ssh-rsa";
const MIN_BITS: usize = 2048;

/// An RSA public key: its exponent and modulus, unsigned big-endian.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsaKey {
    pub exponent: Vec<u8>,
    pub modulus: Vec<u8>,
}

fn unrecognized() -> AwsError {
    aws_error!(
        UnrecognizedPublicKeyEncoding,
        "The public key encoding format is unsupported or unrecognized. Use an ssh-rsa key in OpenSSH or PEM format."
    )
}

fn invalid() -> AwsError {
    aws_error!(
        InvalidPublicKey,
        "The public key is malformed or otherwise invalid."
    )
}

/// Reads an uploaded body; `Ok(true)` beside the key when it was in the SSH form.
pub fn parse(body: &str) -> Result<(RsaKey, bool), AwsError> {
    let text = body.trim();
    let (key, ssh) = if let Some(rest) = text.strip_prefix(SSH_RSA) {
        let encoded = rest
            .split_whitespace()
            .next()
            .filter(|_| rest.starts_with([' ', '\t']))
            .ok_or_else(invalid)?;
        let blob = STANDARD.decode(encoded).map_err(|_| invalid())?;
        (from_blob(&blob).ok_or_else(invalid)?, true)
    } else if text.starts_with("-----BEGIN ") {
        (from_pem(text)?, false)
    } else {
        return Err(unrecognized());
    };
    if bits(&key.modulus) < MIN_BITS {
        return Err(aws_error!(
            InvalidPublicKey,
            "The public key must be at least {MIN_BITS} bits long."
        ));
    }
    Ok((key, ssh))
}

fn from_pem(text: &str) -> Result<RsaKey, AwsError> {
    let blocks = der::pem_blocks(text).ok_or_else(invalid)?;
    let [block] = blocks.as_slice() else {
        return Err(invalid());
    };
    match block.label.as_str() {
        "PUBLIC KEY" => {
            match x509::subject_public_key(
                &mut Der::new(&block.der)
                    .enter(der::SEQUENCE)
                    .ok_or_else(invalid)?,
            ) {
                Some(PublicKey::Rsa { modulus, exponent }) => Ok(RsaKey { exponent, modulus }),
                Some(_) => Err(unrecognized()),
                None => Err(invalid()),
            }
        }
        "RSA PUBLIC KEY" => {
            let mut key = Der::new(&block.der)
                .enter(der::SEQUENCE)
                .ok_or_else(invalid)?;
            let modulus = key.unsigned().ok_or_else(invalid)?.to_vec();
            let exponent = key.unsigned().ok_or_else(invalid)?.to_vec();
            Ok(RsaKey { exponent, modulus })
        }
        _ => Err(unrecognized()),
    }
}

/// The SSH wire form: `string "ssh-rsa"`, `mpint e`, `mpint n` (RFC 4253 §6.6).
fn from_blob(blob: &[u8]) -> Option<RsaKey> {
    let mut rest = blob;
    let mut field = || {
        let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        let value = rest.get(4..4 + len)?;
        rest = &rest[4 + len..];
        Some(value)
    };
    if field()? != SSH_RSA.as_bytes() {
        return None;
    }
    let exponent = magnitude(field()?);
    let modulus = magnitude(field()?);
    (rest.is_empty() && !modulus.is_empty()).then_some(RsaKey { exponent, modulus })
}

fn magnitude(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes[start..].to_vec()
}

fn bits(magnitude: &[u8]) -> usize {
    magnitude
        .first()
        .map_or(0, |&b| magnitude.len() * 8 - b.leading_zeros() as usize)
}

impl RsaKey {
    /// The SSH wire form of the key.
    pub fn blob(&self) -> Vec<u8> {
        let mut blob = Vec::new();
        let mut put = |bytes: &[u8]| {
            blob.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
            blob.extend_from_slice(bytes);
        };
        put(SSH_RSA.as_bytes());
        put(&mpint(&self.exponent));
        put(&mpint(&self.modulus));
        blob
    }

    /// `ab:cd:…`: the MD5 of the wire form.
    pub fn fingerprint(&self) -> String {
        Md5::digest(self.blob())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    }

    /// `ssh-rsa AAAA…`
    pub fn to_ssh(&self) -> String {
        format!("{SSH_RSA} {}", STANDARD.encode(self.blob()))
    }

    /// A `PUBLIC KEY` (SubjectPublicKeyInfo) PEM block.
    pub fn to_pem(&self) -> String {
        let rsa = der::tlv(
            der::SEQUENCE,
            &[
                der::unsigned_integer(&self.modulus),
                der::unsigned_integer(&self.exponent),
            ]
            .concat(),
        );
        let algorithm = der::tlv(
            der::SEQUENCE,
            &[der::tlv(der::OID, der::OID_RSA), der::tlv(der::NULL, &[])].concat(),
        );
        let key = der::tlv(der::BIT_STRING, &[&[0][..], &rsa].concat());
        der::to_pem(
            "PUBLIC KEY",
            &der::tlv(der::SEQUENCE, &[algorithm, key].concat()),
        )
    }
}

/// An SSH `mpint` of a non-negative number: a zero byte first when the top bit is set.
fn mpint(magnitude: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(magnitude.len() + 1);
    if magnitude.first().is_some_and(|&b| b & 0x80 != 0) {
        out.push(0);
    }
    out.extend_from_slice(magnitude);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> RsaKey {
        let mut modulus = vec![0xC5; 256];
        modulus[255] = 0x01;
        RsaKey {
            exponent: vec![1, 0, 1],
            modulus,
        }
    }

    #[test]
    fn both_forms_read_back_the_same_key() {
        let key = key();
        assert_eq!(parse(&key.to_ssh()).unwrap(), (key.clone(), true));
        assert_eq!(
            parse(&format!("{} comment@host\n", key.to_ssh()))
                .unwrap()
                .0,
            key
        );
        assert_eq!(parse(&key.to_pem()).unwrap(), (key.clone(), false));
        assert_eq!(key.fingerprint().len(), 47);
    }

    #[test]
    fn short_garbled_and_foreign_keys_are_refused() {
        use crate::error::ErrorCode::{InvalidPublicKey, UnrecognizedPublicKeyEncoding};
        let short = RsaKey {
            exponent: vec![3],
            modulus: vec![0xFF; 128],
        };
        assert_eq!(parse(&short.to_ssh()).unwrap_err().code, InvalidPublicKey);
        assert_eq!(parse("ssh-rsa !!!").unwrap_err().code, InvalidPublicKey);
        assert_eq!(parse("ssh-rsa AAAA").unwrap_err().code, InvalidPublicKey);
        assert_eq!(
            parse("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA")
                .unwrap_err()
                .code,
            UnrecognizedPublicKeyEncoding
        );
    }
}
