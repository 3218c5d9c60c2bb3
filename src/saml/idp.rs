//! The built-in test IdP: it signs SAML responses so that tests (and users) can exercise
//! `AssumeRoleWithSAML` offline. Register its metadata (`GET /_iamlocal/saml/metadata`) as
//! a SAML provider, then ask the admin API for an assertion (`POST /_iamlocal/saml/assertion`),
//! encrypted to the provider's private key if asked.
//!
//! Its RSA key is a FIXED, WELL-KNOWN key shipped in the source (`test_idp_key.pem`), for
//! tests only: anyone can sign assertions with it, so a provider made from this metadata
//! trusts everyone. It is fixed because `ring` cannot generate RSA keys (and AWS takes RSA
//! signatures only); the upside is metadata that stays the same across restarts.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use time::OffsetDateTime;

use super::c14n::canonicalize;
use super::dsig::{self, DSIG, ENVELOPED, EXC_C14N, RSA_SHA256, SHA256};
use super::{ASSERTION_NS, METADATA_NS, PROTOCOL_NS, escape, xmlenc};
use crate::clock::iso8601;

const KEY_PEM: &str = include_str!("test_idp_key.pem");
const CERT_PEM: &str = include_str!("test_idp_cert.pem");

/// The entity id of the test IdP: the `Issuer` of its assertions.
pub const ENTITY_ID: &str = "urn:iamlocal:test-idp";

fn pem_body(pem: &str) -> String {
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

/// The IdP's certificate, DER.
pub fn certificate_der() -> Vec<u8> {
    STANDARD.decode(pem_body(CERT_PEM)).unwrap_or_default()
}

/// What one signed response asserts.
pub struct AssertionSpec<'a> {
    pub subject: &'a str,
    pub subject_format: &'a str,
    /// The audience and the recipient (AWS's sign-in endpoint for SAML).
    pub audience: &'a str,
    pub issued_at: OffsetDateTime,
    pub not_on_or_after: OffsetDateTime,
    /// Attribute name → values, in order.
    pub attributes: &'a [(String, Vec<String>)],
    /// The `AuthnStatement`'s `SessionNotOnOrAfter`, if the session should end then.
    pub session_not_on_or_after: Option<OffsetDateTime>,
    /// The service provider's key to encrypt the signed assertion to, if any.
    pub encrypt_to: Option<&'a rsa::RsaPublicKey>,
}

pub struct TestIdp {
    key_pair: RsaKeyPair,
    rng: SystemRandom,
}

impl TestIdp {
    pub fn new() -> Result<TestIdp, String> {
        let der = STANDARD
            .decode(pem_body(KEY_PEM))
            .map_err(|_| "the test IdP's key is not base64")?;
        let key_pair =
            RsaKeyPair::from_pkcs8(&der).map_err(|e| format!("the test IdP's key: {e}"))?;
        Ok(TestIdp {
            key_pair,
            rng: SystemRandom::new(),
        })
    }

    /// The IdP's SAML metadata: what `CreateSAMLProvider` takes.
    pub fn metadata(&self) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="{METADATA_NS}" entityID="{ENTITY_ID}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="{DSIG}">
        <ds:X509Data>
          <ds:X509Certificate>{cert}</ds:X509Certificate>
        </ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="urn:iamlocal:test-idp:sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"#,
            cert = pem_body(CERT_PEM)
        )
    }

    /// A `samlp:Response` whose assertion is signed (enveloped signature, exclusive c14n,
    /// RSA-SHA256), as an IdP posts it to AWS's sign-in endpoint.
    pub fn response(&self, spec: &AssertionSpec<'_>) -> Result<String, String> {
        let assertion_id = format!("_{}", uuid::Uuid::new_v4().simple());
        let assertion = |signature: &str| assertion_xml(&assertion_id, spec, signature);

        let unsigned = assertion("");
        let doc = roxmltree::Document::parse(&unsigned).map_err(|e| e.to_string())?;
        let digest = dsig::sha256_base64(&canonicalize(doc.root_element(), None, &[]));
        let signed_info = format!(
            r##"<ds:SignedInfo xmlns:ds="{DSIG}"><ds:CanonicalizationMethod Algorithm="{EXC_C14N}"></ds:CanonicalizationMethod><ds:SignatureMethod Algorithm="{RSA_SHA256}"></ds:SignatureMethod><ds:Reference URI="#{assertion_id}"><ds:Transforms><ds:Transform Algorithm="{ENVELOPED}"></ds:Transform><ds:Transform Algorithm="{EXC_C14N}"></ds:Transform></ds:Transforms><ds:DigestMethod Algorithm="{SHA256}"></ds:DigestMethod><ds:DigestValue>{digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>"##
        );
        // Canonicalized as the verifier will: where it sits, `ds` is declared by `Signature`,
        // which exclusive c14n renders on `SignedInfo` all the same.
        let info_doc = roxmltree::Document::parse(&signed_info).map_err(|e| e.to_string())?;
        let canonical_info = canonicalize(info_doc.root_element(), None, &[]);
        let mut value = vec![0; self.key_pair.public().modulus_len()];
        self.key_pair
            .sign(
                &RSA_PKCS1_SHA256,
                &self.rng,
                canonical_info.as_bytes(),
                &mut value,
            )
            .map_err(|_| "could not sign the assertion")?;
        let signature = format!(
            r#"<ds:Signature xmlns:ds="{DSIG}">{signed_info}<ds:SignatureValue>{}</ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>"#,
            STANDARD.encode(value),
            pem_body(CERT_PEM)
        );
        let mut assertion = assertion(&signature);
        if let Some(recipient) = spec.encrypt_to {
            // Signed, then encrypted: the signature covers the assertion in clear.
            assertion = format!(
                r#"<saml:EncryptedAssertion xmlns:saml="{ASSERTION_NS}">{}</saml:EncryptedAssertion>"#,
                xmlenc::encrypt_element(&assertion, recipient)?
            );
        }
        Ok(format!(
            r#"<samlp:Response xmlns:samlp="{PROTOCOL_NS}" ID="_{}" Version="2.0" IssueInstant="{}" Destination="{}"><saml:Issuer xmlns:saml="{ASSERTION_NS}">{ENTITY_ID}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>{}</samlp:Response>"#,
            uuid::Uuid::new_v4().simple(),
            iso8601(spec.issued_at),
            escape(spec.audience),
            assertion
        ))
    }
}

/// The assertion, with `signature` in its place after the `Issuer` (the schema's order).
fn assertion_xml(id: &str, spec: &AssertionSpec<'_>, signature: &str) -> String {
    let issued = iso8601(spec.issued_at);
    let expires = iso8601(spec.not_on_or_after);
    let audience = escape(spec.audience);
    let session_end = spec
        .session_not_on_or_after
        .map(|end| format!(r#" SessionNotOnOrAfter="{}""#, iso8601(end)))
        .unwrap_or_default();
    let mut attributes = String::new();
    for (name, values) in spec.attributes {
        attributes.push_str(&format!(r#"<saml:Attribute Name="{}">"#, escape(name)));
        for value in values {
            attributes.push_str(&format!(
                r#"<saml:AttributeValue xsi:type="xs:string">{}</saml:AttributeValue>"#,
                escape(value)
            ));
        }
        attributes.push_str("</saml:Attribute>");
    }
    format!(
        r#"<saml:Assertion xmlns:saml="{ASSERTION_NS}" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="{id}" Version="2.0" IssueInstant="{issued}"><saml:Issuer>{ENTITY_ID}</saml:Issuer>{signature}<saml:Subject><saml:NameID Format="{format}">{subject}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{expires}" Recipient="{audience}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{issued}" NotOnOrAfter="{expires}"><saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="{issued}"{session_end}><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>{attributes}</saml:AttributeStatement></saml:Assertion>"#,
        format = escape(spec.subject_format),
        subject = escape(spec.subject),
    )
}
