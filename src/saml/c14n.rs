//! Exclusive XML Canonicalization 1.0, without comments, of one element's subtree: the form
//! an XML signature digests and signs.
//! <https://www.w3.org/TR/xml-exc-c14n/>, on top of <https://www.w3.org/TR/xml-c14n/>.
//!
//! The parser has already done what canonicalization takes from the XML data model: entities
//! expanded, CDATA merged into text, line ends and attribute values normalized. What is left:
//! - a namespace declaration is written on an element only where it is *visibly utilized*
//!   (the element's or one of its attributes' prefix, or a prefix of the `InclusiveNamespaces`
//!   list) and an output ancestor has not already declared it with the same URI;
//! - namespace declarations sorted by prefix (the default one first), attributes by
//!   (namespace URI, local name), unqualified ones first;
//! - start and end tags always (no `<e/>`), attribute values in double quotes;
//! - the escapes of the spec, comments dropped.

use roxmltree::{Node, NodeId, NodeType};

const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// The canonical form of `apex` and its descendants, leaving out the subtree `exclude` (the
/// signature itself, for the enveloped-signature transform). `inclusive` is the
/// `InclusiveNamespaces PrefixList` (`#default` names the default namespace).
pub fn canonicalize(apex: Node<'_, '_>, exclude: Option<NodeId>, inclusive: &[&str]) -> String {
    let mut out = String::new();
    let mut rendered = Vec::new();
    element(apex, exclude, inclusive, &mut rendered, &mut out);
    out
}

/// `rendered` is the stack of (prefix, URI) declared by the output ancestors ("" = default).
fn element(
    node: Node<'_, '_>,
    exclude: Option<NodeId>,
    inclusive: &[&str],
    rendered: &mut Vec<(String, String)>,
    out: &mut String,
) {
    let qname = element_qname(node);
    let mut prefixes: Vec<&str> = vec![prefix_of(qname)];
    for attr in node.attributes() {
        let prefix = prefix_of(attr_qname(node, &attr));
        if !prefix.is_empty() && prefix != "xml" {
            prefixes.push(prefix);
        }
    }
    for p in inclusive {
        let p = if *p == "#default" { "" } else { p };
        if in_scope(node, p).is_some() {
            prefixes.push(p);
        }
    }
    prefixes.sort_unstable();
    prefixes.dedup();

    let depth = rendered.len();
    out.push('<');
    out.push_str(qname);
    for prefix in prefixes {
        let uri = in_scope(node, prefix).unwrap_or_default();
        let before = rendered
            .iter()
            .rev()
            .find(|(p, _)| p == prefix)
            .map(|(_, u)| u.as_str());
        let already = match before {
            Some(before) => before == uri,
            // An undeclared default namespace needs no `xmlns=""`.
            None => prefix.is_empty() && uri.is_empty(),
        };
        if already {
            continue;
        }
        if prefix.is_empty() {
            out.push_str(" xmlns=\"");
        } else {
            out.push_str(" xmlns:");
            out.push_str(prefix);
            out.push_str("=\"");
        }
        escape_attr(uri, out);
        out.push('"');
        rendered.push((prefix.to_owned(), uri.to_owned()));
    }

    let mut attrs: Vec<_> = node.attributes().collect();
    attrs.sort_by(|a, b| {
        (a.namespace().unwrap_or_default(), a.name())
            .cmp(&(b.namespace().unwrap_or_default(), b.name()))
    });
    for attr in attrs {
        out.push(' ');
        out.push_str(attr_qname(node, &attr));
        out.push_str("=\"");
        escape_attr(attr.value(), out);
        out.push('"');
    }
    out.push('>');

    for child in node.children() {
        match child.node_type() {
            NodeType::Element if Some(child.id()) == exclude => {}
            NodeType::Element => element(child, exclude, inclusive, rendered, out),
            NodeType::Text => escape_text(child.text().unwrap_or_default(), out),
            NodeType::PI => {
                if let Some(pi) = child.pi() {
                    out.push_str("<?");
                    out.push_str(pi.target);
                    if let Some(value) = pi.value.filter(|v| !v.is_empty()) {
                        out.push(' ');
                        out.push_str(value);
                    }
                    out.push_str("?>");
                }
            }
            NodeType::Comment | NodeType::Root => {}
        }
    }
    out.push_str("</");
    out.push_str(qname);
    out.push('>');
    rendered.truncate(depth);
}

/// The URI a prefix is bound to on `node` ("" = the default namespace), if any.
fn in_scope<'a>(node: Node<'a, '_>, prefix: &str) -> Option<&'a str> {
    if prefix == "xml" {
        return Some(XML_NS);
    }
    let name = (!prefix.is_empty()).then_some(prefix);
    node.namespaces()
        .find(|ns| ns.name() == name)
        .map(|ns| ns.uri())
}

/// The element's name as written (`saml:Assertion`): the parser keeps only its namespace
/// URI, but canonicalization writes the prefix the document used.
fn element_qname<'i>(node: Node<'_, 'i>) -> &'i str {
    let text = node.document().input_text();
    let start = node.range().start + 1;
    let rest = &text[start..];
    let end = rest
        .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
        .unwrap_or(rest.len());
    &rest[..end]
}

/// An attribute's name as written. The parser records a name's length in 16 bits: a longer
/// one falls back to the local name (and a signature over it fails instead of a panic).
fn attr_qname<'i>(node: Node<'_, 'i>, attr: &roxmltree::Attribute<'_, 'i>) -> &'i str {
    node.document()
        .input_text()
        .get(attr.range_qname())
        .filter(|qname| qname.ends_with(attr.name()))
        .unwrap_or(attr.name())
}

fn prefix_of(qname: &str) -> &str {
    qname.split_once(':').map_or("", |(prefix, _)| prefix)
}

fn escape_text(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

fn escape_attr(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every expected form below is what libxml2's exclusive c14n (lxml) gives for the input.

    /// The canonical form of the first element named `local` in `xml`.
    fn c14n(xml: &str, local: &str, inclusive: &[&str]) -> String {
        let doc = roxmltree::Document::parse(xml).unwrap();
        let node = doc
            .descendants()
            .find(|n| n.is_element() && n.tag_name().name() == local)
            .unwrap();
        canonicalize(node, None, inclusive)
    }

    #[test]
    fn empty_elements_get_end_tags_and_attributes_double_quotes() {
        assert_eq!(
            c14n("<a><b x='1'/></a>", "a", &[]),
            r#"<a><b x="1"></b></a>"#
        );
    }

    #[test]
    fn attributes_sort_by_namespace_uri_then_local_name() {
        // `b:attr` is bound to "http://a" and `a:attr` to "http://b": the URI decides, not
        // the prefix; unqualified attributes come first.
        let xml =
            r#"<e xmlns:b="http://a" xmlns:a="http://b" a:attr="2" b:attr="1" z="0" attr="x"/>"#;
        assert_eq!(
            c14n(xml, "e", &[]),
            r#"<e xmlns:a="http://b" xmlns:b="http://a" attr="x" z="0" b:attr="1" a:attr="2"></e>"#
        );
    }

    #[test]
    fn only_visibly_utilized_namespaces_are_declared_once() {
        // The apex inherits `saml` from outside and does not use `unused`; the child uses
        // `saml` again (already rendered) and `xs` through an attribute only.
        let xml = r#"<r xmlns:saml="urn:saml" xmlns:unused="urn:u" xmlns:xs="urn:xs">
<saml:Assertion><saml:A xs:type="t">v</saml:A></saml:Assertion></r>"#;
        assert_eq!(
            c14n(xml, "Assertion", &[]),
            r#"<saml:Assertion xmlns:saml="urn:saml"><saml:A xmlns:xs="urn:xs" xs:type="t">v</saml:A></saml:Assertion>"#
        );
    }

    #[test]
    fn inclusive_prefixes_are_declared_where_in_scope() {
        let xml = r#"<r xmlns:xs="urn:xs" xmlns="urn:d"><a><b>xs:string</b></a></r>"#;
        assert_eq!(
            c14n(xml, "a", &["xs", "#default"]),
            r#"<a xmlns="urn:d" xmlns:xs="urn:xs"><b>xs:string</b></a>"#
        );
    }

    #[test]
    fn a_default_namespace_is_undeclared_only_after_an_output_ancestor_declared_one() {
        let xml = r#"<a xmlns="urn:d"><b xmlns=""><c/></b></a>"#;
        assert_eq!(
            c14n(xml, "a", &[]),
            r#"<a xmlns="urn:d"><b xmlns=""><c></c></b></a>"#
        );
        assert_eq!(c14n(xml, "b", &[]), "<b><c></c></b>");
    }

    #[test]
    fn text_and_attribute_values_are_escaped_as_the_spec_says() {
        let xml =
            "<a t=\"&quot;&lt;&gt;&amp;&#9;&#10;&#13;'\">&lt;&gt;&amp;&#13;\"'<![CDATA[<x>]]></a>";
        assert_eq!(
            c14n(xml, "a", &[]),
            "<a t=\"&quot;&lt;>&amp;&#x9;&#xA;&#xD;'\">&lt;&gt;&amp;&#xD;\"'&lt;x&gt;</a>"
        );
    }

    #[test]
    fn comments_are_dropped_and_whitespace_kept() {
        let xml = "<a>\n  <!-- note -->\n  <b>x</b>\r\n</a>";
        assert_eq!(c14n(xml, "a", &[]), "<a>\n  \n  <b>x</b>\n</a>");
    }

    #[test]
    fn a_prefix_redeclared_with_another_uri_is_declared_again() {
        let xml = r#"<p:a xmlns:p="urn:1"><p:b xmlns:p="urn:2"><p:c xmlns:p="urn:2"/></p:b></p:a>"#;
        assert_eq!(
            c14n(xml, "a", &[]),
            r#"<p:a xmlns:p="urn:1"><p:b xmlns:p="urn:2"><p:c></p:c></p:b></p:a>"#
        );
    }
}
