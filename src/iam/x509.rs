//! X.509 certificates as IAM reads them (RFC 5280): a walk of the DER down to the validity's
//! `notAfter` and the subject's public key, and whether a private key belongs to that key.
//!
//! RSA keys match when their modulus and exponent equal the certificate's; P-256 and P-384
//! keys when `ring` derives the certificate's point from the private scalar; keys on other
//! curves when the public key the private key carries equals the certificate's.

use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair,
    EcdsaSigningAlgorithm,
};
use sha2::{Digest, Sha256};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use super::der::{self, Der, Pem};
use crate::aws_error;
use crate::error::AwsError;

/// A parsed certificate: what IAM keeps and checks of it.
#[derive(Debug, Clone)]
pub struct Certificate {
    pub not_after: OffsetDateTime,
    pub public_key: PublicKey,
    /// SHA-256 of the DER, hex: tells one certificate from another whatever its PEM text.
    pub der_sha256: String,
}

/// The subject's public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    Rsa {
        modulus: Vec<u8>,
        exponent: Vec<u8>,
    },
    /// `curve` is the named curve's OID; `point` the encoded point.
    Ec {
        curve: Vec<u8>,
        point: Vec<u8>,
    },
    /// Another algorithm (DSA, Ed25519 …): kept, but no private key can be checked against it.
    Other,
}

fn malformed_certificate() -> AwsError {
    aws_error!(
        MalformedCertificate,
        "Unable to parse certificate. Please ensure the certificate is in PEM format."
    )
}

/// The one certificate of a PEM text (`CertificateBody`).
pub fn parse_certificate(pem: &str) -> Result<Certificate, AwsError> {
    match der::pem_blocks(pem).as_deref() {
        Some([block]) if block.label == "CERTIFICATE" => {
            certificate(&block.der).ok_or_else(malformed_certificate)
        }
        _ => Err(malformed_certificate()),
    }
}

/// Checks a `CertificateChain`: one or more PEM certificates.
pub fn check_chain(pem: &str) -> Result<(), AwsError> {
    let malformed = || {
        aws_error!(
            MalformedCertificate,
            "Unable to parse certificate chain. Please ensure the chain is in PEM format."
        )
    };
    let blocks = der::pem_blocks(pem).ok_or_else(malformed)?;
    if blocks.is_empty()
        || blocks
            .iter()
            .any(|b| b.label != "CERTIFICATE" || certificate(&b.der).is_none())
    {
        return Err(malformed());
    }
    Ok(())
}

/// AWS refuses a certificate whose `notAfter` has passed.
pub fn check_not_expired(cert: &Certificate, now: OffsetDateTime) -> Result<(), AwsError> {
    if cert.not_after <= now {
        return Err(aws_error!(
            MalformedCertificate,
            "Certificate is no longer valid. The 'Not After' date restriction on the certificate has passed."
        ));
    }
    Ok(())
}

fn certificate(bytes: &[u8]) -> Option<Certificate> {
    let mut outer = Der::new(bytes);
    let mut cert = outer.enter(der::SEQUENCE)?;
    if !outer.is_empty() {
        return None;
    }
    let mut tbs = cert.enter(der::SEQUENCE)?;
    tbs.skip_if(der::CONTEXT_0)?; // version
    tbs.expect(der::INTEGER)?; // serialNumber
    tbs.expect(der::SEQUENCE)?; // signature
    tbs.expect(der::SEQUENCE)?; // issuer
    let mut validity = tbs.enter(der::SEQUENCE)?;
    validity.read()?; // notBefore
    let not_after = time_of(validity.read()?)?;
    tbs.expect(der::SEQUENCE)?; // subject
    let public_key = subject_public_key(&mut tbs.enter(der::SEQUENCE)?)?;
    Some(Certificate {
        not_after,
        public_key,
        der_sha256: hex::encode(Sha256::digest(bytes)),
    })
}

/// A `SubjectPublicKeyInfo`'s key, also the body of a `PUBLIC KEY` PEM block.
pub fn subject_public_key(spki: &mut Der<'_>) -> Option<PublicKey> {
    let mut algorithm = spki.enter(der::SEQUENCE)?;
    let oid = algorithm.expect(der::OID)?;
    let key = spki.bit_string()?;
    Some(if oid == der::OID_RSA {
        let mut rsa = Der::new(key).enter(der::SEQUENCE)?;
        PublicKey::Rsa {
            modulus: rsa.unsigned()?.to_vec(),
            exponent: rsa.unsigned()?.to_vec(),
        }
    } else if oid == der::OID_EC {
        PublicKey::Ec {
            curve: algorithm.expect(der::OID)?.to_vec(),
            point: key.to_vec(),
        }
    } else {
        PublicKey::Other
    })
}

/// `UTCTime` (`YYMMDDHHMMSSZ`, years 1950–2049) or `GeneralizedTime` (`YYYYMMDDHHMMSSZ`).
fn time_of((tag, bytes): (u8, &[u8])) -> Option<OffsetDateTime> {
    let text = std::str::from_utf8(bytes).ok()?.strip_suffix('Z')?;
    let (year, rest) = match tag {
        der::UTC_TIME if text.len() == 12 => {
            let yy: i32 = text.get(..2)?.parse().ok()?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &text[2..])
        }
        der::GENERALIZED_TIME if text.len() == 14 => (text.get(..4)?.parse().ok()?, &text[4..]),
        _ => return None,
    };
    if !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |i: usize| rest[i..i + 2].parse::<u8>().ok();
    let date = Date::from_calendar_date(year, Month::try_from(n(0)?).ok()?, n(2)?).ok()?;
    let time = Time::from_hms(n(4)?, n(6)?, n(8)?).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

fn malformed_key() -> AwsError {
    aws_error!(
        MalformedCertificate,
        "Unable to parse private key. Please ensure the key is an unencrypted PEM key."
    )
}

fn mismatch() -> AwsError {
    aws_error!(
        KeyPairMismatch,
        "Unable to validate certificate. The public key certificate and the private key do not match."
    )
}

/// Checks that the PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC, unencrypted) belongs to
/// the certificate. The key is only read here; nothing of it is kept or logged.
pub fn check_key_pair(cert: &Certificate, private_key: &str) -> Result<(), AwsError> {
    let blocks = der::pem_blocks(private_key).ok_or_else(malformed_key)?;
    let [Pem { label, der: key }] = blocks.as_slice() else {
        return Err(malformed_key());
    };
    let key = match label.as_str() {
        "PRIVATE KEY" => pkcs8(key),
        "RSA PRIVATE KEY" => rsa_private_key(key),
        "EC PRIVATE KEY" => ec_private_key(key, None),
        _ => None,
    }
    .ok_or_else(malformed_key)?;
    let matches = match (&cert.public_key, key) {
        (
            PublicKey::Rsa { modulus, exponent },
            PrivateKey::Rsa {
                modulus: m,
                exponent: e,
            },
        ) => *modulus == m && *exponent == e,
        (
            PublicKey::Ec { curve, point },
            PrivateKey::Ec {
                curve: c,
                scalar,
                public,
            },
        ) => *curve == c && ec_matches(curve, &scalar, public.as_deref(), point),
        _ => false,
    };
    if matches { Ok(()) } else { Err(mismatch()) }
}

enum PrivateKey {
    Rsa {
        modulus: Vec<u8>,
        exponent: Vec<u8>,
    },
    Ec {
        curve: Vec<u8>,
        scalar: Vec<u8>,
        public: Option<Vec<u8>>,
    },
}

/// `PrivateKeyInfo`: the algorithm, then the algorithm's own key structure.
fn pkcs8(bytes: &[u8]) -> Option<PrivateKey> {
    let mut info = Der::new(bytes).enter(der::SEQUENCE)?;
    info.expect(der::INTEGER)?;
    let mut algorithm = info.enter(der::SEQUENCE)?;
    let oid = algorithm.expect(der::OID)?;
    let inner = info.expect(der::OCTET_STRING)?;
    if oid == der::OID_RSA {
        rsa_private_key(inner)
    } else if oid == der::OID_EC {
        ec_private_key(inner, Some(algorithm.expect(der::OID)?))
    } else {
        None
    }
}

/// PKCS#1 `RSAPrivateKey`: version, modulus, publicExponent, ….
fn rsa_private_key(bytes: &[u8]) -> Option<PrivateKey> {
    let mut key = Der::new(bytes).enter(der::SEQUENCE)?;
    key.expect(der::INTEGER)?;
    Some(PrivateKey::Rsa {
        modulus: key.unsigned()?.to_vec(),
        exponent: key.unsigned()?.to_vec(),
    })
}

/// SEC1 `ECPrivateKey`: version, the scalar, `[0]` the curve (or PKCS#8's), `[1]` the point.
fn ec_private_key(bytes: &[u8], curve: Option<&[u8]>) -> Option<PrivateKey> {
    let mut key = Der::new(bytes).enter(der::SEQUENCE)?;
    key.expect(der::INTEGER)?;
    let scalar = key.expect(der::OCTET_STRING)?.to_vec();
    let mut curve = curve.map(<[u8]>::to_vec);
    let mut public = None;
    while let Some((tag, contents)) = key.read() {
        match tag {
            der::CONTEXT_0 => curve = Some(Der::new(contents).expect(der::OID)?.to_vec()),
            der::CONTEXT_1 => public = Some(Der::new(contents).bit_string()?.to_vec()),
            _ => {}
        }
    }
    Some(PrivateKey::Ec {
        curve: curve?,
        scalar,
        public,
    })
}

fn ec_matches(curve: &[u8], scalar: &[u8], public: Option<&[u8]>, point: &[u8]) -> bool {
    let algorithm: &'static EcdsaSigningAlgorithm = if curve == der::OID_P256 {
        &ECDSA_P256_SHA256_FIXED_SIGNING
    } else if curve == der::OID_P384 {
        &ECDSA_P384_SHA384_FIXED_SIGNING
    } else {
        return public == Some(point);
    };
    // ring derives the public point from the scalar and refuses a pair that differs.
    EcdsaKeyPair::from_private_key_and_public_key(algorithm, scalar, point, &SystemRandom::new())
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_time_forms_are_read() {
        let utc = time_of((der::UTC_TIME, b"491231235959Z")).unwrap();
        assert_eq!(utc.year(), 2049);
        let utc = time_of((der::UTC_TIME, b"500101000000Z")).unwrap();
        assert_eq!(utc.year(), 1950);
        let general = time_of((der::GENERALIZED_TIME, b"21261103103046Z")).unwrap();
        assert_eq!((general.year(), general.hour()), (2126, 10));
        assert_eq!(time_of((der::UTC_TIME, b"4912312359Z")), None);
        assert_eq!(time_of((der::UTC_TIME, b"491331235959Z")), None);
    }

    #[test]
    fn text_that_is_no_certificate_is_malformed() {
        for body in [
            "hello",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
        ] {
            assert_eq!(
                parse_certificate(body).unwrap_err().code,
                crate::error::ErrorCode::MalformedCertificate
            );
        }
    }
}
