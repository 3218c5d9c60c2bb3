//! The request as the server received it: the only input the verifier reads.

use std::borrow::Cow;

use axum::http::header::AsHeaderName;
use axum::http::{HeaderMap, HeaderValue};

/// What the server received, borrowed from the HTTP request.
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    /// `"GET"`, `"POST"`, … as on the wire.
    pub method: &'a str,
    /// The raw path as on the wire, still percent-encoded, e.g. `"/"` or `"/a%20b"`.
    pub path: &'a str,
    /// The raw query string without the `?`, still percent-encoded; may be `""`.
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// A header value as text, borrowed unless it holds bytes that are not UTF-8 (visible ASCII,
/// the usual case, is checked first: it is quicker than a UTF-8 decode).
fn header_text(value: &HeaderValue) -> Cow<'_, str> {
    match value.to_str() {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(value.as_bytes()),
    }
}

impl<'a> HttpRequest<'a> {
    /// The first value of a header as text. Bytes that are not UTF-8 become U+FFFD: such a
    /// value can then only fail to match, never panic. A `HeaderName` constant such as
    /// `header::AUTHORIZATION` spares the lookup the parsing of a `&str` name.
    pub(super) fn header(&self, name: impl AsHeaderName) -> Option<Cow<'a, str>> {
        self.headers.get(name).map(header_text)
    }

    /// Every value of a header, in the order received.
    pub(super) fn header_values(&self, name: &str) -> impl Iterator<Item = Cow<'a, str>> {
        self.headers.get_all(name).into_iter().map(header_text)
    }

    /// The query parameters in wire order, percent-decoded, `+` read as a space. An invalid
    /// escape such as `%zz` or a lone `%` is kept as literal text, which is what the official
    /// signer (aws-sigv4, through `form_urlencoded`) does when it signs such a URL.
    pub(super) fn query_pairs(&self) -> form_urlencoded::Parse<'a> {
        form_urlencoded::parse(self.query.as_bytes())
    }

    /// The first value of a query parameter, matched by its exact (decoded) name.
    pub(super) fn query_param(&self, name: &str) -> Option<Cow<'a, str>> {
        self.query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }
}
