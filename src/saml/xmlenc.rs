//! XML Encryption (<https://www.w3.org/TR/xmlenc-core1/>) as SAML's `EncryptedAssertion`
//! uses it: an `EncryptedData` whose AES data key travels in an `EncryptedKey`, wrapped with
//! RSA-OAEP to the service provider's public key. AWS decrypts with the private keys added to
//! the SAML provider (`AddPrivateKey`), and takes AES-GCM or AES-CBC data.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml.html>
//!
//! The built-in test IdP encrypts with [`encrypt_element`], so that encrypted assertions can
//! be tested offline.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockDecryptMut, KeyIvInit};
use ring::aead::{self, AES_128_GCM, AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use roxmltree::Node;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{Oaep, RsaPrivateKey, RsaPublicKey};
use sha1::Sha1;
use sha2_oaep::Sha256;

use super::dsig::DSIG;

pub const XENC: &str = "http://www.w3.org/2001/04/xmlenc#";
pub const XENC11: &str = "http://www.w3.org/2009/xmlenc11#";
const ELEMENT: &str = "http://www.w3.org/2001/04/xmlenc#Element";

pub const RSA_OAEP_MGF1P: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
pub const RSA_OAEP: &str = "http://www.w3.org/2009/xmlenc11#rsa-oaep";
const MGF1_SHA1: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha1";
const MGF1_SHA256: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha256";
pub const DIGEST_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
pub const DIGEST_SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";

pub const AES128_CBC: &str = "http://www.w3.org/2001/04/xmlenc#aes128-cbc";
pub const AES256_CBC: &str = "http://www.w3.org/2001/04/xmlenc#aes256-cbc";
pub const AES128_GCM: &str = "http://www.w3.org/2009/xmlenc11#aes128-gcm";
pub const AES256_GCM: &str = "http://www.w3.org/2009/xmlenc11#aes256-gcm";

/// What AWS documents of `AddPrivateKey`'s key: RSA, as a PEM file. Smaller keys are refused.
const MIN_KEY_BITS: usize = 2048;

/// A private key a SAML provider decrypts assertions with.
#[derive(Clone)]
pub struct DecryptionKey {
    /// AWS's `KeyId`: derived from the public key, so adding one key twice is seen.
    pub id: String,
    key: RsaPrivateKey,
}

impl std::fmt::Debug for DecryptionKey {
    // The key itself is a secret: it never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecryptionKey")
            .field("id", &self.id)
            .finish()
    }
}

impl PartialEq for DecryptionKey {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for DecryptionKey {}

impl DecryptionKey {
    /// Reads an RSA private key PEM (`PRIVATE KEY`, PKCS #8, or `RSA PRIVATE KEY`, PKCS #1).
    pub fn from_pem(pem: &str) -> Result<DecryptionKey, String> {
        let pem = pem.trim();
        let key = if pem.starts_with("-----BEGIN RSA PRIVATE KEY-----") {
            RsaPrivateKey::from_pkcs1_pem(pem).map_err(|_| "not a valid PKCS #1 RSA key")?
        } else if pem.starts_with("-----BEGIN PRIVATE KEY-----") {
            RsaPrivateKey::from_pkcs8_pem(pem).map_err(|_| "not a valid PKCS #8 RSA key")?
        } else {
            return Err(
                "the private key must be an unencrypted RSA private key in PEM form".into(),
            );
        };
        if key.size() * 8 < MIN_KEY_BITS {
            return Err(format!(
                "the RSA key must have at least {MIN_KEY_BITS} bits"
            ));
        }
        let public = key
            .to_public_key()
            .to_pkcs1_der()
            .map_err(|_| "the RSA key has no public key")?;
        let digest = ring::digest::digest(&ring::digest::SHA256, public.as_bytes());
        let id = hex::encode_upper(&digest.as_ref()[..16]);
        Ok(DecryptionKey { id, key })
    }

    pub fn public_key(&self) -> RsaPublicKey {
        self.key.to_public_key()
    }
}

fn child<'a, 'i>(node: Node<'a, 'i>, ns: &str, name: &str) -> Option<Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name() == (ns, name).into())
}

fn algorithm<'a>(node: Node<'a, '_>) -> Result<&'a str, String> {
    child(node, XENC, "EncryptionMethod")
        .and_then(|m| m.attribute("Algorithm"))
        .ok_or_else(|| format!("the {} has no EncryptionMethod", node.tag_name().name()))
}

/// The bytes of `CipherData/CipherValue`.
fn cipher_value(node: Node<'_, '_>) -> Result<Vec<u8>, String> {
    let value = child(node, XENC, "CipherData")
        .and_then(|d| child(d, XENC, "CipherValue"))
        .ok_or_else(|| format!("the {} has no CipherValue", node.tag_name().name()))?;
    let compact: String = value
        .text()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    STANDARD
        .decode(compact)
        .map_err(|_| "a CipherValue holds invalid base64".to_owned())
}

/// The OAEP padding an `EncryptedKey`'s method names: its digest (SHA-1 unless it says),
/// its mask generation (always MGF1-SHA1 for `rsa-oaep-mgf1p`) and its label.
fn oaep(method: Node<'_, '_>) -> Result<Oaep, String> {
    let digest = child(method, DSIG, "DigestMethod")
        .and_then(|d| d.attribute("Algorithm"))
        .unwrap_or(DIGEST_SHA1);
    let mgf = match method.attribute("Algorithm") {
        Some(RSA_OAEP) => child(method, XENC11, "MGF")
            .and_then(|m| m.attribute("Algorithm"))
            .unwrap_or(MGF1_SHA1),
        _ => MGF1_SHA1,
    };
    let mut padding = match (digest, mgf) {
        (DIGEST_SHA1, MGF1_SHA1) => Oaep::new::<Sha1>(),
        (DIGEST_SHA256, MGF1_SHA1) => Oaep::new_with_mgf_hash::<Sha256, Sha1>(),
        (DIGEST_SHA256, MGF1_SHA256) => Oaep::new::<Sha256>(),
        (DIGEST_SHA1, MGF1_SHA256) => Oaep::new_with_mgf_hash::<Sha1, Sha256>(),
        _ => {
            return Err(
                "unsupported RSA-OAEP digest or mask: iamlocal supports SHA-1 and SHA-256".into(),
            );
        }
    };
    if let Some(params) = child(method, XENC, "OAEPparams") {
        let compact: String = params
            .text()
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        let label = STANDARD
            .decode(compact)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or("the OAEPparams are not a base64 text")?;
        if !label.is_empty() {
            padding.label = Some(label);
        }
    }
    Ok(padding)
}

/// The data key of an `EncryptedKey`, unwrapped by whichever private key it was made for.
fn unwrap_key(encrypted_key: Node<'_, '_>, keys: &[DecryptionKey]) -> Result<Vec<u8>, String> {
    let method = child(encrypted_key, XENC, "EncryptionMethod")
        .ok_or("the EncryptedKey has no EncryptionMethod")?;
    match method.attribute("Algorithm") {
        Some(RSA_OAEP_MGF1P | RSA_OAEP) => {}
        _ => {
            return Err(
                "unsupported key transport: iamlocal supports rsa-oaep-mgf1p and rsa-oaep".into(),
            );
        }
    }
    let wrapped = cipher_value(encrypted_key)?;
    // OAEP's padding check tells a wrong key from the right one.
    keys.iter()
        .find_map(|key| key.key.decrypt(oaep(method).ok()?, &wrapped).ok())
        .ok_or_else(|| "no private key of the provider decrypts the assertion's key".into())
}

/// Decrypts the `EncryptedData` of `encrypted` (an `EncryptedAssertion`) and returns the
/// element it holds, as XML text.
pub fn decrypt(encrypted: Node<'_, '_>, keys: &[DecryptionKey]) -> Result<String, String> {
    if keys.is_empty() {
        return Err(
            "the assertion is encrypted, but the SAML provider has no private key to decrypt it"
                .into(),
        );
    }
    let data = child(encrypted, XENC, "EncryptedData")
        .ok_or("the EncryptedAssertion has no EncryptedData")?;
    if data.attribute("Type").is_some_and(|t| t != ELEMENT) {
        return Err("the EncryptedData must hold an element".into());
    }
    let cipher = algorithm(data)?;
    // The key is in the data's KeyInfo, or beside the data (SAML's other place for it).
    let key_info = child(data, DSIG, "KeyInfo");
    let candidates = key_info
        .into_iter()
        .flat_map(|info| info.children())
        .chain(encrypted.children())
        .filter(|n| n.is_element() && n.tag_name() == (XENC, "EncryptedKey").into())
        // Each try is an RSA decryption per key: a response cannot ask for thousands.
        .take(MAX_ENCRYPTED_KEYS);
    let mut last_error = "the EncryptedAssertion has no EncryptedKey".to_owned();
    let mut data_key = None;
    for candidate in candidates {
        match unwrap_key(candidate, keys) {
            Ok(key) => {
                data_key = Some(key);
                break;
            }
            Err(e) => last_error = e,
        }
    }
    let data_key = data_key.ok_or(last_error)?;
    let ciphertext = cipher_value(data)?;
    let plaintext = match cipher {
        AES128_GCM => open_gcm(&AES_128_GCM, &data_key, ciphertext)?,
        AES256_GCM => open_gcm(&AES_256_GCM, &data_key, ciphertext)?,
        AES128_CBC => open_cbc::<aes::Aes128>(&data_key, &ciphertext)?,
        AES256_CBC => open_cbc::<aes::Aes256>(&data_key, &ciphertext)?,
        _ => {
            return Err(
                "unsupported data encryption: iamlocal supports aes128/256-gcm and aes128/256-cbc"
                    .into(),
            );
        }
    };
    String::from_utf8(plaintext).map_err(|_| "the decrypted assertion is not UTF-8".into())
}

/// More than an IdP writes (one per recipient, SAML has one).
const MAX_ENCRYPTED_KEYS: usize = 4;
const GCM_IV: usize = 12;
const CBC_IV: usize = 16;
const WRONG: &str = "the assertion does not decrypt with its key";

/// AES-GCM: a 96-bit IV, the ciphertext, then the 128-bit tag.
fn open_gcm(
    cipher: &'static aead::Algorithm,
    key: &[u8],
    data: Vec<u8>,
) -> Result<Vec<u8>, String> {
    if data.len() < GCM_IV + cipher.tag_len() {
        return Err(WRONG.into());
    }
    let key = UnboundKey::new(cipher, key).map_err(|_| WRONG)?;
    let (iv, sealed) = data.split_at(GCM_IV);
    let nonce = Nonce::try_assume_unique_for_key(iv).map_err(|_| WRONG)?;
    let mut in_out = sealed.to_vec();
    let plain = LessSafeKey::new(key)
        .open_in_place(nonce, Aad::empty(), &mut in_out)
        .map_err(|_| WRONG)?;
    Ok(plain.to_vec())
}

/// AES-CBC: a 128-bit IV, then the blocks; XML Encryption's padding says its length in its
/// last byte only (the others are arbitrary, so this is not PKCS #7's check).
fn open_cbc<C>(key: &[u8], data: &[u8]) -> Result<Vec<u8>, String>
where
    C: cbc::cipher::BlockDecrypt + cbc::cipher::BlockCipher + cbc::cipher::KeyInit,
{
    if data.len() < 2 * CBC_IV || !data.len().is_multiple_of(CBC_IV) {
        return Err(WRONG.into());
    }
    let (iv, blocks) = data.split_at(CBC_IV);
    let mut plain = cbc::Decryptor::<C>::new_from_slices(key, iv)
        .map_err(|_| WRONG)?
        .decrypt_padded_vec_mut::<NoPadding>(blocks)
        .map_err(|_| WRONG)?;
    let pad = usize::from(*plain.last().ok_or(WRONG)?);
    if pad == 0 || pad > CBC_IV {
        return Err(WRONG.into());
    }
    plain.truncate(plain.len() - pad);
    Ok(plain)
}

/// Encrypts `element` (XML text) to `recipient` as an `EncryptedData` with AES-256-GCM,
/// its key wrapped with RSA-OAEP (SHA-256 digest, MGF1-SHA1) in the data's `KeyInfo`.
pub fn encrypt_element(element: &str, recipient: &RsaPublicKey) -> Result<String, String> {
    let rng = SystemRandom::new();
    let failed = |_| "could not encrypt the assertion".to_owned();
    let mut data_key = [0u8; 32];
    let mut iv = [0u8; GCM_IV];
    rng.fill(&mut data_key).map_err(failed)?;
    rng.fill(&mut iv).map_err(failed)?;
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &data_key).map_err(failed)?);
    let mut sealed = element.as_bytes().to_vec();
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(iv), Aad::empty(), &mut sealed)
        .map_err(failed)?;
    let mut data = iv.to_vec();
    data.extend(sealed);
    let wrapped = recipient
        .encrypt(
            &mut rsa::rand_core::OsRng,
            Oaep::new_with_mgf_hash::<Sha256, Sha1>(),
            &data_key,
        )
        .map_err(|_| "could not wrap the assertion's key")?;
    Ok(format!(
        r#"<xenc:EncryptedData xmlns:xenc="{XENC}" Type="{ELEMENT}"><xenc:EncryptionMethod Algorithm="{AES256_GCM}"/><ds:KeyInfo xmlns:ds="{DSIG}"><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="{RSA_OAEP}"><ds:DigestMethod Algorithm="{DIGEST_SHA256}"/></xenc:EncryptionMethod><xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo><xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>"#,
        STANDARD.encode(wrapped),
        STANDARD.encode(data)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = include_str!("../../tests/it/fixtures/saml_sp_key_a.pem");

    fn encrypted(element: &str, key: &DecryptionKey) -> String {
        format!(
            r#"<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">{}</saml:EncryptedAssertion>"#,
            encrypt_element(element, &key.public_key()).unwrap()
        )
    }

    #[test]
    fn what_is_encrypted_to_a_key_decrypts_with_it_only() {
        let key = DecryptionKey::from_pem(KEY).unwrap();
        assert_eq!(key.id.len(), 32);
        let xml = encrypted("<a>secret</a>", &key);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        assert_eq!(
            decrypt(doc.root_element(), std::slice::from_ref(&key)).unwrap(),
            "<a>secret</a>"
        );
        assert!(decrypt(doc.root_element(), &[]).is_err());
    }

    #[test]
    fn a_changed_ciphertext_does_not_decrypt() {
        let key = DecryptionKey::from_pem(KEY).unwrap();
        let xml = encrypted("<a>secret</a>", &key);
        let last = xml.rfind("</xenc:CipherValue>").unwrap();
        let mut bytes = xml.into_bytes();
        bytes[last - 3] = if bytes[last - 3] == b'A' { b'B' } else { b'A' };
        let xml = String::from_utf8(bytes).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        assert!(decrypt(doc.root_element(), &[key]).is_err());
    }

    #[test]
    fn garbage_keys_are_refused() {
        assert!(DecryptionKey::from_pem("hello").is_err());
        assert!(
            DecryptionKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")
                .is_err()
        );
    }
}
