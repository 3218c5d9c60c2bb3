//! A SAML `Response` as an IdP posts it to AWS: verified, then its one assertion read.
//! <https://docs.oasis-open.org/security/saml/v2.0/saml-core-2.0-os.pdf>
//!
//! Either the response or its assertion (or both) must be signed; every signature present
//! must verify. The assertion read is the one the verified signature covers: the response's
//! only assertion, a child of the signed response, or the signed assertion itself.

use std::collections::HashSet;

use time::OffsetDateTime;

use super::dsig::{self, signature_of};
use super::xmlenc::{self, DecryptionKey};
use super::{ASSERTION_NS, PROTOCOL_NS, children, date_time, escape, first, text, too_deep};

const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";

/// What AWS reads of a verified assertion.
#[derive(Debug, Clone, Default)]
pub struct Assertion {
    pub issuer: String,
    /// The `NameID` and its `Format`.
    pub subject: String,
    pub subject_format: Option<String>,
    /// `SubjectConfirmationData`'s `Recipient` and `NotOnOrAfter`.
    pub recipient: Option<String>,
    pub confirmation_not_on_or_after: Option<OffsetDateTime>,
    /// `Conditions`: the time window and the audiences.
    pub not_before: Option<OffsetDateTime>,
    pub not_on_or_after: Option<OffsetDateTime>,
    pub audiences: Vec<String>,
    /// Attribute name → values, in document order.
    pub attributes: Vec<(String, Vec<String>)>,
    /// The `AuthnStatement`'s `SessionNotOnOrAfter`: when the IdP wants the session to end.
    pub session_not_on_or_after: Option<OffsetDateTime>,
    /// Was it an `EncryptedAssertion`?
    pub encrypted: bool,
}

impl Assertion {
    /// The values of an attribute, if the assertion has it.
    pub fn attribute(&self, name: &str) -> Option<&[String]> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, values)| values.as_slice())
    }

    /// Verifies `xml` (a `samlp:Response`) with the provider's signing keys and reads its
    /// assertion, decrypting it first with `decryption_keys` if it is an `EncryptedAssertion`.
    pub fn verify(
        xml: &str,
        keys: &[Vec<u8>],
        decryption_keys: &[DecryptionKey],
    ) -> Result<Assertion, String> {
        let doc = parse(xml, "response")?;
        let response = doc.root_element();
        if response.tag_name() != (PROTOCOL_NS, "Response").into() {
            return Err("the SAML response's root element must be a samlp:Response".into());
        }
        let status = first(response, PROTOCOL_NS, "Status")
            .and_then(|s| first(s, PROTOCOL_NS, "StatusCode"))
            .and_then(|c| c.attribute("Value"));
        if status != Some(SUCCESS) {
            return Err("the SAML response's status is not Success".into());
        }
        let plain = children(response, ASSERTION_NS, "Assertion").count();
        let mut encrypted = children(response, ASSERTION_NS, "EncryptedAssertion");
        let encrypted_assertion = encrypted.next();
        if plain + usize::from(encrypted_assertion.is_some()) + encrypted.count() != 1 {
            return Err("the SAML response must hold exactly one Assertion".into());
        }
        // A response signature covers the assertion as sent (encrypted or not).
        let response_signed = signature_of(response).is_some();
        if response_signed {
            dsig::verify(response, keys)?;
        }
        let Some(encrypted_assertion) = encrypted_assertion else {
            let assertion = first(response, ASSERTION_NS, "Assertion")
                .ok_or("the SAML response has no Assertion")?;
            return verified(assertion, response_signed, keys);
        };
        // The decrypted assertion is read where it stood: inside a stand-in for its context,
        // which declares the namespaces in scope there (exclusive c14n ignores the stand-in).
        let text = xmlenc::decrypt(encrypted_assertion, decryption_keys)?;
        let mut context = String::from("<context");
        for ns in encrypted_assertion.namespaces() {
            match ns.name() {
                Some("xml") => {}
                Some(prefix) => {
                    context.push_str(&format!(" xmlns:{prefix}=\"{}\"", escape(ns.uri())))
                }
                None => context.push_str(&format!(" xmlns=\"{}\"", escape(ns.uri()))),
            }
        }
        let wrapped = format!("{context}>{text}</context>");
        let doc = parse(&wrapped, "decrypted assertion")?;
        let mut elements = doc.root_element().children().filter(|n| n.is_element());
        let assertion = elements
            .next()
            .filter(|n| n.tag_name() == (ASSERTION_NS, "Assertion").into())
            .ok_or("the EncryptedAssertion does not hold a saml:Assertion")?;
        if elements.next().is_some() {
            return Err("the EncryptedAssertion must hold exactly one Assertion".into());
        }
        let mut read = verified(assertion, response_signed, keys)?;
        read.encrypted = true;
        Ok(read)
    }
}

/// Parses a document of the response, refusing what could be abused: nesting too deep, and
/// two elements with one ID (a signature names its element by ID).
fn parse<'i>(xml: &'i str, what: &str) -> Result<roxmltree::Document<'i>, String> {
    let doc = roxmltree::Document::parse(xml)
        .map_err(|e| format!("the SAML {what} is not well-formed XML ({e})"))?;
    if too_deep(&doc) {
        return Err(format!("the SAML {what} nests too deep"));
    }
    let mut ids = HashSet::new();
    for id in doc.descendants().filter_map(|n| n.attribute("ID")) {
        if !ids.insert(id) {
            return Err(format!("the SAML {what} has two elements with one ID"));
        }
    }
    Ok(doc)
}

/// The assertion read, once its signature (if it has one) verifies; it must have one unless
/// the response's verified.
fn verified(
    assertion: roxmltree::Node<'_, '_>,
    response_signed: bool,
    keys: &[Vec<u8>],
) -> Result<Assertion, String> {
    let assertion_signed = signature_of(assertion).is_some();
    if !response_signed && !assertion_signed {
        return Err("neither the SAML response nor its assertion is signed".into());
    }
    if assertion_signed {
        dsig::verify(assertion, keys)?;
    }
    read(assertion)
}

fn time_attr(node: roxmltree::Node<'_, '_>, name: &str) -> Result<Option<OffsetDateTime>, String> {
    match node.attribute(name) {
        None => Ok(None),
        Some(value) => date_time(value)
            .map(Some)
            .ok_or_else(|| format!("{name} is not a valid dateTime")),
    }
}

fn read(assertion: roxmltree::Node<'_, '_>) -> Result<Assertion, String> {
    let issuer = first(assertion, ASSERTION_NS, "Issuer")
        .map(text)
        .ok_or("the assertion has no Issuer")?;
    let subject =
        first(assertion, ASSERTION_NS, "Subject").ok_or("the assertion has no Subject")?;
    let name_id = first(subject, ASSERTION_NS, "NameID").ok_or("the Subject has no NameID")?;
    // A bearer confirmation is what a browser post carries.
    let confirmation = children(subject, ASSERTION_NS, "SubjectConfirmation")
        .find(|c| c.attribute("Method") == Some("urn:oasis:names:tc:SAML:2.0:cm:bearer"))
        .ok_or("the Subject has no bearer SubjectConfirmation")?;
    let data = first(confirmation, ASSERTION_NS, "SubjectConfirmationData");
    let mut out = Assertion {
        issuer,
        subject: text(name_id),
        subject_format: name_id.attribute("Format").map(str::to_owned),
        recipient: data
            .and_then(|d| d.attribute("Recipient"))
            .map(str::to_owned),
        confirmation_not_on_or_after: match data {
            Some(data) => time_attr(data, "NotOnOrAfter")?,
            None => None,
        },
        ..Assertion::default()
    };
    if let Some(conditions) = first(assertion, ASSERTION_NS, "Conditions") {
        out.not_before = time_attr(conditions, "NotBefore")?;
        out.not_on_or_after = time_attr(conditions, "NotOnOrAfter")?;
        for restriction in children(conditions, ASSERTION_NS, "AudienceRestriction") {
            out.audiences
                .extend(children(restriction, ASSERTION_NS, "Audience").map(text));
        }
    }
    // Of several authentication statements, the earliest end counts.
    for statement in children(assertion, ASSERTION_NS, "AuthnStatement") {
        if let Some(end) = time_attr(statement, "SessionNotOnOrAfter")? {
            out.session_not_on_or_after =
                Some(out.session_not_on_or_after.map_or(end, |e| e.min(end)));
        }
    }
    for statement in children(assertion, ASSERTION_NS, "AttributeStatement") {
        for attribute in children(statement, ASSERTION_NS, "Attribute") {
            let name = attribute
                .attribute("Name")
                .ok_or("an Attribute has no Name")?
                .to_owned();
            let values = children(attribute, ASSERTION_NS, "AttributeValue")
                .map(text)
                .collect();
            out.attributes.push((name, values));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::{Metadata, TestIdp, idp::AssertionSpec};
    use super::*;

    fn signed() -> (String, Vec<Vec<u8>>) {
        let idp = TestIdp::new().unwrap();
        let keys = Metadata::parse(&idp.metadata()).unwrap().signing_keys;
        let now = OffsetDateTime::now_utc();
        let attributes = vec![(
            "https://aws.amazon.com/SAML/Attributes/RoleSessionName".to_owned(),
            vec!["alice".to_owned()],
        )];
        let xml = idp
            .response(&AssertionSpec {
                subject: "alice@example.com",
                subject_format: "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
                audience: "https://signin.aws.amazon.com/saml",
                issued_at: now,
                not_on_or_after: now + time::Duration::minutes(5),
                attributes: &attributes,
                session_not_on_or_after: None,
                encrypt_to: None,
            })
            .unwrap();
        (xml, keys)
    }

    #[test]
    fn a_response_of_the_test_idp_verifies_and_reads() {
        let (xml, keys) = signed();
        let assertion = Assertion::verify(&xml, &keys, &[]).unwrap();
        assert_eq!(assertion.subject, "alice@example.com");
        assert_eq!(assertion.issuer, super::super::idp::ENTITY_ID);
        assert_eq!(assertion.audiences, ["https://signin.aws.amazon.com/saml"]);
        assert_eq!(
            assertion.attribute("https://aws.amazon.com/SAML/Attributes/RoleSessionName"),
            Some(&["alice".to_owned()][..])
        );
    }

    #[test]
    fn reformatting_that_canonicalization_undoes_still_verifies() {
        // Single quotes, and a self-closing tag instead of an empty pair.
        let (xml, keys) = signed();
        let xml = xml
            .replace(r#"Version="2.0" IssueInstant"#, "Version='2.0' IssueInstant")
            .replace(
                "<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"></ds:DigestMethod>",
                "<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>",
            );
        Assertion::verify(&xml, &keys, &[]).unwrap();
    }

    #[test]
    fn a_changed_assertion_does_not_verify() {
        let (xml, keys) = signed();
        let tampered = xml.replace(">alice<", ">mallory<");
        assert_ne!(tampered, xml);
        let err = Assertion::verify(&tampered, &keys, &[]).unwrap_err();
        assert!(err.contains("digest"), "{err}");
    }

    #[test]
    fn a_wrapped_assertion_is_refused() {
        // A second, unsigned assertion next to the signed one.
        let (xml, keys) = signed();
        let start = xml.find("<saml:Assertion").unwrap();
        let copy = xml[start..xml.find("</samlp:Response>").unwrap()].replace("ID=\"_", "ID=\"_x");
        let wrapped = xml.replace("</samlp:Response>", &format!("{copy}</samlp:Response>"));
        assert!(Assertion::verify(&wrapped, &keys, &[]).is_err());
    }

    /// Signed by another implementation: libxml2's exclusive c14n (lxml) and Python's
    /// `cryptography`, with the test IdP's key (`testdata/sign_with_libxml2.py`). It has
    /// indentation, a comment, escapes, namespaces declared on the response only and an
    /// `InclusiveNamespaces` prefix list.
    #[test]
    fn a_response_signed_by_libxml2_verifies() {
        let idp = TestIdp::new().unwrap();
        let keys = Metadata::parse(&idp.metadata()).unwrap().signing_keys;
        let xml = include_str!("testdata/libxml2_signed_response.xml");
        let assertion = Assertion::verify(xml, &keys, &[]).unwrap();
        assert_eq!(assertion.subject, "carol & co");
        assert_eq!(assertion.attribute("note").unwrap()[0], "a < b, \"quoted\"");
        let tampered = xml.replace("carol &amp; co", "carol &amp; cp");
        assert!(Assertion::verify(&tampered, &keys, &[]).is_err());
    }

    #[test]
    fn a_response_nested_thousands_deep_is_refused_not_a_stack_overflow() {
        let (_, keys) = signed();
        let xml = format!(
            r#"<samlp:Response xmlns:samlp="{PROTOCOL_NS}">{}{}</samlp:Response>"#,
            "<a>".repeat(20_000),
            "</a>".repeat(20_000)
        );
        let err = Assertion::verify(&xml, &keys, &[]).unwrap_err();
        assert!(err.contains("too deep"), "{err}");
    }

    #[test]
    fn another_key_does_not_verify() {
        let (xml, mut keys) = signed();
        let last = keys[0].len() - 5;
        keys[0][last] ^= 1;
        let err = Assertion::verify(&xml, &keys, &[]).unwrap_err();
        assert!(err.contains("does not verify"), "{err}");
    }
}
