//! XML Signature (<https://www.w3.org/TR/xmldsig-core1/>) as SAML uses it: an enveloped
//! signature, a child of the element it signs, whose one `Reference` names that element by
//! its `ID`, with the enveloped-signature and exclusive canonicalization transforms.
//!
//! Only what the signer claims about the *algorithms* is read from the signature; the key
//! comes from the provider's metadata, never from the signature's own `KeyInfo`. The signed
//! element is the one that holds the signature, so a reference to some other element (the
//! "signature wrapping" attack) is refused.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::digest;
use ring::signature::{self, UnparsedPublicKey};
use roxmltree::Node;

use super::c14n::canonicalize;

pub const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
pub const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";

/// The `ds:Signature` child of `element`, if it has one.
pub fn signature_of<'a, 'i>(element: Node<'a, 'i>) -> Option<Node<'a, 'i>> {
    child(element, DSIG, "Signature")
}

fn child<'a, 'i>(node: Node<'a, 'i>, ns: &str, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|c| {
        c.is_element() && c.tag_name().namespace() == Some(ns) && c.tag_name().name() == name
    })
}

fn required<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Result<Node<'a, 'i>, String> {
    child(node, DSIG, name).ok_or_else(|| format!("the signature has no {name}"))
}

/// The `PrefixList` of a transform's `InclusiveNamespaces`.
fn inclusive_prefixes<'a>(method: Node<'a, '_>) -> Vec<&'a str> {
    method
        .children()
        .find(|c| c.is_element() && c.tag_name() == (EXC_C14N, "InclusiveNamespaces").into())
        .and_then(|n| n.attribute("PrefixList"))
        .map(|list| list.split_ascii_whitespace().collect())
        .unwrap_or_default()
}

fn base64(text: &str) -> Result<Vec<u8>, String> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD
        .decode(compact)
        .map_err(|_| "the signature holds invalid base64".to_owned())
}

/// Checks the enveloped signature of `signed` against the RSA public keys
/// (`RSAPublicKey` DER) the provider trusts; any one of them may have signed it.
pub fn verify(signed: Node<'_, '_>, keys: &[Vec<u8>]) -> Result<(), String> {
    let sig = signature_of(signed).ok_or("the element is not signed")?;
    let signed_info = required(sig, "SignedInfo")?;

    let c14n_method = required(signed_info, "CanonicalizationMethod")?;
    if c14n_method.attribute("Algorithm") != Some(EXC_C14N) {
        return Err("unsupported CanonicalizationMethod: iamlocal supports exclusive c14n".into());
    }
    let verification = match required(signed_info, "SignatureMethod")?.attribute("Algorithm") {
        Some(RSA_SHA256) => &signature::RSA_PKCS1_2048_8192_SHA256,
        Some(RSA_SHA1) => &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        _ => {
            return Err(
                "unsupported SignatureMethod: iamlocal supports rsa-sha256 and rsa-sha1".into(),
            );
        }
    };

    let mut references = signed_info
        .children()
        .filter(|c| c.is_element() && c.tag_name() == (DSIG, "Reference").into());
    let reference = references.next().ok_or("the signature has no Reference")?;
    if references.next().is_some() {
        return Err("the signature must have exactly one Reference".into());
    }
    let id = signed
        .attribute("ID")
        .ok_or("the signed element has no ID")?;
    if reference.attribute("URI") != Some(&format!("#{id}")) {
        return Err("the signature's Reference does not name the element that holds it".into());
    }

    // Transforms: the enveloped signature comes out, then exclusive canonicalization.
    let mut enveloped = false;
    let mut c14n_prefixes = None;
    if let Some(transforms) = child(reference, DSIG, "Transforms") {
        for transform in transforms.children().filter(Node::is_element) {
            match transform.attribute("Algorithm") {
                Some(ENVELOPED) => enveloped = true,
                Some(EXC_C14N) => c14n_prefixes = Some(inclusive_prefixes(transform)),
                _ => return Err("unsupported Transform: iamlocal supports enveloped-signature and exclusive c14n".into()),
            }
        }
    }
    let prefixes =
        c14n_prefixes.ok_or("the Reference must be canonicalized with exclusive c14n")?;
    let digest_algorithm = match required(reference, "DigestMethod")?.attribute("Algorithm") {
        Some(SHA256) => &digest::SHA256,
        Some(SHA1) => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        _ => return Err("unsupported DigestMethod: iamlocal supports sha256 and sha1".into()),
    };
    let expected = base64(
        required(reference, "DigestValue")?
            .text()
            .unwrap_or_default(),
    )?;
    let canonical = canonicalize(signed, enveloped.then(|| sig.id()), &prefixes);
    if digest::digest(digest_algorithm, canonical.as_bytes()).as_ref() != expected.as_slice() {
        return Err(
            "the digest of the signed element does not match: it was changed after signing".into(),
        );
    }

    let value = base64(required(sig, "SignatureValue")?.text().unwrap_or_default())?;
    let canonical_info = canonicalize(signed_info, None, &inclusive_prefixes(c14n_method));
    let verified = keys.iter().any(|key| {
        UnparsedPublicKey::new(verification, key)
            .verify(canonical_info.as_bytes(), &value)
            .is_ok()
    });
    if !verified {
        return Err("the signature does not verify with the provider's certificates".into());
    }
    Ok(())
}

/// The digest of `canonical` as a signer writes it in `DigestValue`.
pub fn sha256_base64(canonical: &str) -> String {
    STANDARD.encode(digest::digest(&digest::SHA256, canonical.as_bytes()))
}
