//! SAML 2.0 as `AssumeRoleWithSAML` needs it: reading an IdP's metadata (its signing
//! certificates), verifying a signed response and reading its assertion (decrypting it first
//! when it is encrypted), and a built-in test IdP that signs (and encrypts) responses offline.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_saml.html>

pub mod c14n;
mod cert;
pub mod dsig;
pub mod idp;
mod metadata;
mod response;
pub mod xmlenc;

pub use idp::TestIdp;
pub use metadata::Metadata;
pub use response::Assertion;
pub use xmlenc::DecryptionKey;

pub const METADATA_NS: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
pub const ASSERTION_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
pub const PROTOCOL_NS: &str = "urn:oasis:names:tc:SAML:2.0:protocol";

/// The children of `node` named `name` in namespace `ns`.
fn children<'a, 'i: 'a>(
    node: roxmltree::Node<'a, 'i>,
    ns: &'a str,
    name: &'a str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> + 'a {
    node.children().filter(move |c| {
        c.is_element() && c.tag_name().namespace() == Some(ns) && c.tag_name().name() == name
    })
}

fn first<'a, 'i: 'a>(
    node: roxmltree::Node<'a, 'i>,
    ns: &'a str,
    name: &'a str,
) -> Option<roxmltree::Node<'a, 'i>> {
    children(node, ns, name).next()
}

/// Deeper than any SAML document nests: canonicalization recurses, so a response nested
/// thousands deep is refused before it could exhaust the stack.
const MAX_DEPTH: usize = 64;

fn too_deep(doc: &roxmltree::Document<'_>) -> bool {
    // Parents come before their children in document order: one pass, no recursion.
    let mut depths = vec![0usize; doc.descendants().count()];
    for node in doc.descendants() {
        let depth = node
            .parent()
            .map_or(0, |parent| depths[parent.id().get_usize()] + 1);
        if depth > MAX_DEPTH {
            return true;
        }
        depths[node.id().get_usize()] = depth;
    }
    false
}

/// An element's text content, trimmed.
fn text(node: roxmltree::Node<'_, '_>) -> String {
    node.descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect::<String>()
        .trim()
        .to_owned()
}

/// An `xs:dateTime` as SAML writes it (UTC, `Z`).
fn date_time(value: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339).ok()
}

/// Text escaped for XML content or a double-quoted attribute value.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
