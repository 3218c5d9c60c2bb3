//! SAML metadata (<https://docs.oasis-open.org/security/saml/v2.0/saml-metadata-2.0-os.pdf>):
//! an `EntityDescriptor` whose `IDPSSODescriptor` names the certificates the IdP signs with.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;

use super::dsig::DSIG;
use super::{METADATA_NS, cert, children, date_time, first, text};

/// What iamlocal keeps of an IdP's metadata.
#[derive(Debug, Clone)]
pub struct Metadata {
    /// The IdP's `entityID`: the `Issuer` of its assertions.
    pub entity_id: String,
    /// The metadata's `validUntil`, if it says.
    pub valid_until: Option<OffsetDateTime>,
    /// The RSA public keys (`RSAPublicKey` DER) of its signing certificates.
    pub signing_keys: Vec<Vec<u8>>,
}

impl Metadata {
    /// Reads a metadata document; the error says what is wrong with it.
    pub fn parse(document: &str) -> Result<Metadata, String> {
        let doc = roxmltree::Document::parse(document)
            .map_err(|e| format!("the metadata is not well-formed XML ({e})"))?;
        let root = doc.root_element();
        if root.tag_name() != (METADATA_NS, "EntityDescriptor").into() {
            return Err("the metadata's root element must be an md:EntityDescriptor".into());
        }
        let entity_id = root
            .attribute("entityID")
            .ok_or("the EntityDescriptor has no entityID")?
            .to_owned();
        let valid_until = match root.attribute("validUntil") {
            None => None,
            Some(value) => Some(date_time(value).ok_or("validUntil is not a valid dateTime")?),
        };
        let idp = first(root, METADATA_NS, "IDPSSODescriptor")
            .ok_or("the EntityDescriptor has no IDPSSODescriptor")?;
        let mut signing_keys = Vec::new();
        for descriptor in children(idp, METADATA_NS, "KeyDescriptor") {
            if descriptor.attribute("use").is_some_and(|u| u != "signing") {
                continue;
            }
            let certificates = descriptor
                .descendants()
                .filter(|n| n.tag_name() == (DSIG, "X509Certificate").into());
            for certificate in certificates {
                let compact: String = text(certificate)
                    .chars()
                    .filter(|c| !c.is_ascii_whitespace())
                    .collect();
                let key = STANDARD
                    .decode(compact)
                    .ok()
                    .and_then(|der| cert::rsa_public_key(&der))
                    .ok_or("an X509Certificate is not a valid RSA certificate")?;
                signing_keys.push(key);
            }
        }
        if signing_keys.is_empty() {
            return Err("the IDPSSODescriptor has no signing X509Certificate".into());
        }
        Ok(Metadata {
            entity_id,
            valid_until,
            signing_keys,
        })
    }
}
