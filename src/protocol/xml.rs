//! Typed output → the Query protocol's XML: `<{Action}Response xmlns=…><{Action}Result>…`.
//!
//! Element names and their order are written explicitly at each call site, the way AWS's
//! responses are documented, instead of being derived by a serializer.

/// The bytes XML text must escape.
const SPECIAL: [bool; 256] = {
    let mut special = [false; 256];
    special[b'<' as usize] = true;
    special[b'>' as usize] = true;
    special[b'&' as usize] = true;
    special[b'\'' as usize] = true;
    special[b'"' as usize] = true;
    special
};

/// Appends `text` with XML's five special characters escaped, as quick-xml's `escape` does.
/// Text almost never has one, and a listing writes five fields of 100 items: a table lookup
/// a byte finds that out for less than an escaping loop (a ListUsers page of 100 users: 74k
/// instructions, quick-xml's `escape` 105k).
fn push_escaped(buf: &mut String, text: &str) {
    if !text.bytes().any(|byte| SPECIAL[usize::from(byte)]) {
        buf.push_str(text);
        return;
    }
    let mut plain = 0;
    for (at, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'&' => "&amp;",
            b'\'' => "&apos;",
            b'"' => "&quot;",
            _ => continue,
        };
        buf.push_str(&text[plain..at]);
        buf.push_str(entity);
        plain = at + 1;
    }
    buf.push_str(&text[plain..]);
}

/// Something that writes the inside of an `<{Action}Result>` element.
pub trait ToXml {
    fn write_xml(&self, w: &mut XmlWriter);

    /// About how many bytes the result takes, for the results longer than a few hundred:
    /// the response gets room for them at once (a growing buffer is copied each time, and
    /// past 1 KiB each new one is one of glibc's slower allocations).
    fn size_hint(&self) -> usize {
        0
    }
}

/// An action with nothing in its result, such as `DeleteUser`: AWS then sends no
/// `<{Action}Result>` element at all.
pub struct Empty;

impl ToXml for Empty {
    fn write_xml(&self, _: &mut XmlWriter) {}
}

#[derive(Default)]
pub struct XmlWriter {
    buf: String,
}

impl XmlWriter {
    pub fn new() -> Self {
        XmlWriter {
            buf: String::with_capacity(512),
        }
    }

    pub fn open(&mut self, tag: &str) {
        self.buf.push('<');
        self.buf.push_str(tag);
        self.buf.push('>');
    }

    pub fn close(&mut self, tag: &str) {
        self.buf.push_str("</");
        self.buf.push_str(tag);
        self.buf.push('>');
    }

    /// `<tag>text</tag>`, the text escaped.
    pub fn field(&mut self, tag: &str, text: &str) {
        self.open(tag);
        push_escaped(&mut self.buf, text);
        self.close(tag);
    }

    /// `<tag>` and a date as AWS writes them, `2026-11-27T09:56:00Z` (nothing to escape).
    pub fn date_field(&mut self, tag: &str, t: time::OffsetDateTime) {
        self.open(tag);
        crate::clock::write_iso8601(&mut self.buf, t);
        self.close(tag);
    }

    /// Escaped text where the writer stands, e.g. inside a `<member>`.
    pub fn text(&mut self, text: &str) {
        push_escaped(&mut self.buf, text);
    }

    /// A field that AWS leaves out when it has no value.
    pub fn opt_field(&mut self, tag: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.field(tag, text);
        }
    }

    pub fn bool_field(&mut self, tag: &str, value: bool) {
        self.field(tag, if value { "true" } else { "false" });
    }

    /// A number or other value whose text needs no escaping.
    pub fn num_field(&mut self, tag: &str, value: impl std::fmt::Display) {
        use std::fmt::Write;
        self.open(tag);
        let _ = write!(self.buf, "{value}");
        self.close(tag);
    }

    /// `<tag><member>…</member>…</tag>`: the Query protocol's list shape.
    pub fn members<T>(&mut self, tag: &str, items: &[T], mut each: impl FnMut(&mut Self, &T)) {
        self.open(tag);
        for item in items {
            self.open("member");
            each(self, item);
            self.close("member");
        }
        self.close(tag);
    }

    /// `<tag><entry><key>…</key><value>…</value></entry>…</tag>`: the Query protocol's map
    /// shape when the model does not flatten it (`EvalDecisionDetailsType`), as botocore and
    /// the SDKs read it.
    pub fn map<K: AsRef<str>, V: AsRef<str>>(&mut self, tag: &str, entries: &[(K, V)]) {
        self.open(tag);
        for (key, value) in entries {
            self.open("entry");
            self.field("key", key.as_ref());
            self.field("value", value.as_ref());
            self.close("entry");
        }
        self.close(tag);
    }

    pub fn finish(self) -> String {
        self.buf
    }
}

/// The room a response is made with: its result's, and about 300 bytes for the envelope and
/// the request id.
pub(crate) fn room_for(result: &dyn ToXml) -> usize {
    (result.size_hint() + 300).max(512)
}

/// Renders a successful response: the result (if any) and the request id, in the envelope
/// whose namespace is the service's.
pub fn response(action: &str, namespace: &str, request_id: &str, result: &dyn ToXml) -> String {
    let mut w = XmlWriter {
        buf: String::with_capacity(room_for(result)),
    };
    w.buf.push('<');
    w.buf.push_str(action);
    w.buf.push_str("Response xmlns=\"");
    w.buf.push_str(namespace);
    w.buf.push_str("\">");
    let before = w.buf.len();
    w.buf.push('<');
    w.buf.push_str(action);
    w.buf.push_str("Result>");
    let opened = w.buf.len();
    result.write_xml(&mut w);
    if w.buf.len() == opened {
        w.buf.truncate(before);
    } else {
        w.buf.push_str("</");
        w.buf.push_str(action);
        w.buf.push_str("Result>");
    }
    w.open("ResponseMetadata");
    w.field("RequestId", request_id);
    w.close("ResponseMetadata");
    w.buf.push_str("</");
    w.buf.push_str(action);
    w.buf.push_str("Response>");
    w.buf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_as_xml_requires() {
        let mut w = XmlWriter::new();
        w.field("T", "a<b>&'\"c é");
        w.text("plain");
        w.text("&&");
        assert_eq!(
            w.buf,
            "<T>a&lt;b&gt;&amp;&apos;&quot;c é</T>plain&amp;&amp;"
        );
    }

    struct Named(&'static str);
    impl ToXml for Named {
        fn write_xml(&self, w: &mut XmlWriter) {
            w.field("UserName", self.0);
        }
    }

    #[test]
    fn a_result_is_wrapped_in_the_action_envelope() {
        let xml = response("GetUser", "ns", "r1", &Named("a&b"));
        assert_eq!(
            xml,
            "<GetUserResponse xmlns=\"ns\"><GetUserResult><UserName>a&amp;b</UserName>\
             </GetUserResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata>\
             </GetUserResponse>"
        );
    }

    #[test]
    fn maps_are_entries_of_key_and_value() {
        let mut w = XmlWriter::new();
        w.map("Details", &[("IAM Policy", "allowed"), ("a<b", "c")]);
        assert_eq!(
            w.finish(),
            "<Details><entry><key>IAM Policy</key><value>allowed</value></entry>\
             <entry><key>a&lt;b</key><value>c</value></entry></Details>"
        );
    }

    #[test]
    fn an_empty_result_has_no_result_element() {
        let xml = response("DeleteUser", "ns", "r1", &Empty);
        assert!(!xml.contains("DeleteUserResult"));
        assert!(xml.contains("<RequestId>r1</RequestId>"));
    }
}
