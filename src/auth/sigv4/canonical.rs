//! The canonical request and the string to sign, each a type whose `Display` is exactly the
//! spec text, so a stage can be asserted with `to_string()`, hashed, or logged with `{}`.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html>
//!
//! Where the spec leaves room, this follows the official signer, aws-sigv4, in its settings
//! for services other than S3 (IAM and STS among them): the path has its dot segments and
//! empty segments removed and is then percent-encoded again ("double encoding"); the query
//! is decoded and re-encoded; header values lose surrounding and repeated spaces.

use std::borrow::Cow;
use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_encode};
use sha2::{Digest, Sha256};

use super::presigned::X_AMZ_SIGNATURE;
use super::request::HttpRequest;
use super::scope::{AWS4_REQUEST, CredentialScope};
use super::signature::{Signature, SignatureLocation};
use super::timestamp::AmzDate;

/// The algorithm: the first line of the string to sign, and the only one iamlocal accepts.
pub(super) const AWS4_HMAC_SHA256: &str = "AWS4-HMAC-SHA256";

/// `UriEncode`: every byte but the unreserved `A-Za-z0-9-_.~` becomes `%XX`, uppercase.
const URI_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `UriEncode` for a path: `/` separates segments and stays as it is.
const URI_ENCODE_PATH: &AsciiSet = &URI_ENCODE.remove(b'/');

/// The canonical request the server computed for a signature. Its parts borrow from the
/// request and the signature wherever they are already canonical (the usual case), so
/// verifying a request allocates little.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalRequest<'a> {
    /// `<HTTPMethod>`
    pub method: &'a str,
    /// `<CanonicalURI>`
    pub uri: Cow<'a, str>,
    /// `<CanonicalQueryString>`
    pub query: Cow<'a, str>,
    /// `<CanonicalHeaders>`: each signed header, name and canonical value.
    pub headers: Vec<(&'a str, Cow<'a, str>)>,
    /// `<SignedHeaders>`
    pub signed_headers: &'a str,
    /// `<HashedPayload>`
    pub hashed_payload: Sha256Hex,
    /// Signed headers the request does not carry. They are written with an empty value, for
    /// the person reading the canonical request; such a request never verifies.
    pub absent_headers: Vec<&'a str>,
}

impl<'a> CanonicalRequest<'a> {
    pub fn new(req: &HttpRequest<'a>, sig: &'a Signature<'_>) -> Self {
        let mut headers = Vec::with_capacity(8);
        let mut absent_headers = Vec::new();
        for name in sig.signed_header_names() {
            let mut values = req.header_values(name);
            let value = match (values.next(), values.next()) {
                (None, _) => {
                    absent_headers.push(name);
                    Cow::Borrowed("")
                }
                (Some(value), None) if is_canonical_header_value(&value) => value,
                (Some(first), second) => {
                    let all: Vec<Cow<'_, str>> =
                        std::iter::once(first).chain(second).chain(values).collect();
                    Cow::Owned(canonical_header_value(&all))
                }
            };
            headers.push((name, value));
        }
        CanonicalRequest {
            method: req.method,
            uri: canonical_uri(req.path),
            query: canonical_query(req.query, sig.location),
            headers,
            signed_headers: &sig.signed_headers,
            hashed_payload: hashed_payload(req),
            absent_headers,
        }
    }

    /// The text, piece by piece: what `Display` shows and what the string to sign hashes,
    /// without building it.
    fn write(&self, put: &mut impl FnMut(&str) -> fmt::Result) -> fmt::Result {
        // <HTTPMethod>\n
        put(self.method)?;
        put("\n")?;
        // <CanonicalURI>\n
        put(&self.uri)?;
        put("\n")?;
        // <CanonicalQueryString>\n
        put(&self.query)?;
        put("\n")?;
        // <CanonicalHeaders>\n: one `name:value\n` line per signed header, then the newline
        // that ends the field.
        for (name, value) in &self.headers {
            put(name)?;
            put(":")?;
            put(value)?;
            put("\n")?;
        }
        put("\n")?;
        // <SignedHeaders>\n
        put(self.signed_headers)?;
        put("\n")?;
        // <HashedPayload>
        put(self.hashed_payload.as_str())
    }

    /// `Lowercase(HexEncode(SHA256(CanonicalRequest)))`
    fn hash(&self) -> Sha256Hex {
        let mut hasher = Sha256::new();
        let _ = self.write(&mut |text| {
            hasher.update(text);
            Ok(())
        });
        Sha256Hex::of_digest(hasher)
    }
}

impl fmt::Display for CanonicalRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(&mut |text| f.write_str(text))
    }
}

/// The string to sign: what the signing key signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringToSign<'a> {
    /// `<RequestDateTime>`, `yyyyMMdd'T'HHmmss'Z'`.
    pub request_date_time: AmzDate,
    /// `<CredentialScope>`
    pub scope: &'a CredentialScope<'a>,
    /// `<HashedCanonicalRequest>` = `Lowercase(HexEncode(SHA256(CanonicalRequest)))`
    pub hashed_canonical_request: Sha256Hex,
}

impl<'a> StringToSign<'a> {
    pub fn new(sig: &'a Signature<'_>, canonical_request: &CanonicalRequest<'_>) -> Self {
        StringToSign {
            request_date_time: AmzDate::new(sig.timestamp),
            scope: &sig.scope,
            hashed_canonical_request: canonical_request.hash(),
        }
    }

    /// The text, piece by piece: what `Display` shows and what the signing key signs.
    pub(super) fn write(&self, put: &mut impl FnMut(&str) -> fmt::Result) -> fmt::Result {
        // <Algorithm>\n
        put(AWS4_HMAC_SHA256)?;
        put("\n")?;
        // <RequestDateTime>\n
        put(self.request_date_time.as_str())?;
        put("\n")?;
        // <CredentialScope>\n
        let scope = self.scope;
        for part in [&scope.date, &scope.region, &scope.service] {
            put(part)?;
            put("/")?;
        }
        put(AWS4_REQUEST)?;
        put("\n")?;
        // <HashedCanonicalRequest>
        put(self.hashed_canonical_request.as_str())
    }
}

impl fmt::Display for StringToSign<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(&mut |text| f.write_str(text))
    }
}

/// `Lowercase(HexEncode(SHA256(data)))`, kept on the stack.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Sha256Hex([u8; 64]);

impl Sha256Hex {
    pub(super) fn of(data: &[u8]) -> Sha256Hex {
        Sha256Hex::of_digest(Sha256::new_with_prefix(data))
    }

    fn of_digest(hasher: Sha256) -> Sha256Hex {
        let mut text = [0u8; 64];
        hex::encode_to_slice(hasher.finalize(), &mut text).expect("32 bytes are 64 hex digits");
        Sha256Hex(text)
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("hex digits")
    }
}

impl fmt::Debug for Sha256Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `<HashedPayload>`: the SHA-256 of the body, always computed here.
///
/// IAM and STS clients send no `x-amz-content-sha256` header (aws-sigv4's "normal mode …
/// for services other than S3"). A client that does send it puts the same body hash there,
/// so hashing the body gives what it signed. A value such as `UNSIGNED-PAYLOAD` is not
/// honoured, for either form: IAM and STS carry the action and its parameters in the body,
/// and an unsigned body would let anyone rewrite the call under a valid signature. (A
/// presigned URL of these services signs the hash of its empty body, as aws-sigv4 does.)
fn hashed_payload(req: &HttpRequest<'_>) -> Sha256Hex {
    Sha256Hex::of(req.body)
}

/// `<CanonicalURI>`: the raw path as on the wire, dot segments and empty segments removed
/// (RFC 3986 §5.2.4, as the official signer does for services other than S3), then
/// `UriEncode`d again, `%` included: a segment sent as `a%20b` is signed as `a%2520b`.
/// Encoded dots (`%2E`) are not dot segments.
pub(super) fn canonical_uri(path: &str) -> Cow<'_, str> {
    match remove_dot_segments(path) {
        // Borrowed again when there is nothing to encode, as for `/`.
        Cow::Borrowed(path) => percent_encode(path.as_bytes(), URI_ENCODE_PATH).into(),
        Cow::Owned(path) => percent_encode(path.as_bytes(), URI_ENCODE_PATH)
            .to_string()
            .into(),
    }
}

fn remove_dot_segments(path: &str) -> Cow<'_, str> {
    let path: Cow<'_, str> = if path.starts_with('/') {
        Cow::Borrowed(path)
    } else {
        // An empty path is `/`; a relative one is made absolute.
        Cow::Owned(format!("/{path}"))
    };
    let bytes = path.as_bytes();
    if !bytes.contains(&b'.') && !bytes.windows(2).any(|pair| pair == b"//") {
        return path;
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            segment => segments.push(segment),
        }
    }
    let mut normalized = String::with_capacity(path.len());
    for segment in &segments {
        normalized.push('/');
        normalized.push_str(segment);
    }
    // A path that names a directory (`/a/`, `/a/.`, `/a/b/..`) keeps its trailing slash.
    let names_a_directory = ["/", "/.", "/./", "/..", "/../"]
        .iter()
        .any(|end| path.ends_with(end));
    if normalized.is_empty() || (names_a_directory && !normalized.ends_with('/')) {
        normalized.push('/');
    }
    Cow::Owned(normalized)
}

/// `<CanonicalQueryString>`: every `name=value` pair decoded, `UriEncode`d, and sorted by
/// name then value; repeated names are all kept; a name without `=` gets an empty value. A
/// presigned URL leaves out `X-Amz-Signature`: the signature cannot be computed from a string
/// that contains itself.
pub(super) fn canonical_query(query: &str, location: SignatureLocation) -> Cow<'_, str> {
    if query.is_empty() {
        return Cow::Borrowed("");
    }
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .filter(|(name, _)| !(location == SignatureLocation::Query && name == X_AMZ_SIGNATURE))
        .map(|(name, value)| (uri_encode(&name), uri_encode(&value)))
        .collect();
    // Sorting the encoded pairs is sorting by code point of the encoded text, as the spec
    // asks and aws-sigv4 does.
    pairs.sort_unstable();
    let mut out = String::with_capacity(query.len());
    for (name, value) in &pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    Cow::Owned(out)
}

fn uri_encode(text: &str) -> String {
    percent_encode(text.as_bytes(), URI_ENCODE).to_string()
}

/// The canonical value of a header: each value with its leading and trailing spaces removed
/// and inner runs of spaces made one, the values joined with `,` in the order received. Only
/// spaces are touched, not other whitespace, as in aws-sigv4.
pub(super) fn canonical_header_value(values: &[Cow<'_, str>]) -> String {
    let mut out = String::with_capacity(values.iter().map(|v| v.len() + 1).sum());
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let mut previous_space = false;
        for c in value.trim_matches(' ').chars() {
            if c == ' ' && previous_space {
                continue;
            }
            previous_space = c == ' ';
            out.push(c);
        }
    }
    out
}

/// Whether a single header value is its own canonical value: no space to trim or squeeze.
fn is_canonical_header_value(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.first() != Some(&b' ')
        && bytes.last() != Some(&b' ')
        && !bytes.windows(2).any(|pair| pair == b"  ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::sigv4::testing::aws_example;

    #[test]
    fn aws_example_canonical_request() {
        let example = aws_example();
        let sig = example.signature();
        assert_eq!(
            CanonicalRequest::new(&example.request(), &sig).to_string(),
            "GET\n\
             /\n\
             Action=ListUsers&Version=2010-05-08\n\
             content-type:application/x-www-form-urlencoded; charset=utf-8\n\
             host:iam.amazonaws.com\n\
             x-amz-date:20150830T123600Z\n\
             \n\
             content-type;host;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn aws_example_string_to_sign() {
        let example = aws_example();
        let sig = example.signature();
        let creq = CanonicalRequest::new(&example.request(), &sig);
        assert_eq!(
            StringToSign::new(&sig, &creq).to_string(),
            "AWS4-HMAC-SHA256\n\
             20150830T123600Z\n\
             20150830/us-east-1/iam/aws4_request\n\
             f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        );
    }

    #[test]
    fn the_uri_loses_dot_and_empty_segments() {
        for (path, canonical) in [
            ("", "/"),
            ("/", "/"),
            ("foo", "/foo"),
            ("/foo/bar/", "/foo/bar/"),
            ("/./", "/"),
            ("/.", "/"),
            ("/..", "/"),
            ("/../foo", "/foo"),
            ("/foo/bar/.", "/foo/bar/"),
            ("/foo/bar/..", "/foo/"),
            ("/foo/../bar/../", "/"),
            ("/example1/example2/../..", "/"),
            ("/a/b/c/./../../g", "/a/g"),
            ("mid/content=5/../6", "/mid/6"),
            ("//foo//", "/foo/"),
            ("/a%20b/../c", "/c"),
        ] {
            assert_eq!(canonical_uri(path), canonical, "{path:?}");
        }
    }

    #[test]
    fn the_uri_is_encoded_a_second_time() {
        assert_eq!(canonical_uri("/a%20b"), "/a%2520b");
        assert_eq!(
            canonical_uri("/test/@connections/JBDvjfGEIAMCERw%3D"),
            "/test/%40connections/JBDvjfGEIAMCERw%253D"
        );
        assert_eq!(canonical_uri("/ሴ"), "/%E1%88%B4");
        assert_eq!(canonical_uri("/-_.~AZaz09"), "/-_.~AZaz09");
        assert_eq!(canonical_uri("/foo%2F.%2Fbar"), "/foo%252F.%252Fbar");
        assert_eq!(canonical_uri("/%zz/%"), "/%25zz/%25");
    }

    #[test]
    fn the_query_is_decoded_re_encoded_and_sorted() {
        let canonical = |q| canonical_query(q, SignatureLocation::Header);
        assert_eq!(canonical(""), "");
        assert_eq!(
            canonical("Version=2010-05-08&Action=ListUsers"),
            "Action=ListUsers&Version=2010-05-08"
        );
        assert_eq!(canonical("b=2&a=2&a=1&B=0"), "B=0&a=1&a=2&b=2");
        assert_eq!(canonical("k=a+b&k2=a%20b&k3"), "k=a%20b&k2=a%20b&k3=");
        assert_eq!(canonical("%7e%2a=%2f:,@"), "~%2A=%2F%3A%2C%40");
        assert_eq!(canonical("q=ሴ&&="), "=&q=%E1%88%B4");
        assert_eq!(canonical("bad=%zz&lone=%"), "bad=%25zz&lone=%25");
    }

    #[test]
    fn a_presigned_query_leaves_out_only_its_signature() {
        let query = "X-Amz-Signature=abc&Action=GetCallerIdentity&X-Amz-Date=20150830T123600Z";
        assert_eq!(
            canonical_query(query, SignatureLocation::Query),
            "Action=GetCallerIdentity&X-Amz-Date=20150830T123600Z"
        );
        assert_eq!(
            canonical_query(query, SignatureLocation::Header),
            "Action=GetCallerIdentity&X-Amz-Date=20150830T123600Z&X-Amz-Signature=abc"
        );
    }

    #[test]
    fn header_values_lose_surrounding_and_repeated_spaces_only() {
        let value = |values: &[&'static str]| {
            let values: Vec<Cow<'_, str>> = values.iter().map(|v| Cow::Borrowed(*v)).collect();
            canonical_header_value(&values)
        };
        assert_eq!(value(&["  a   b  c "]), "a b c");
        assert_eq!(
            value(&["value2", "value2", "value1"]),
            "value2,value2,value1"
        );
        assert_eq!(value(&[" x ", "", "y"]), "x,,y");
        assert_eq!(value(&["a\t \tb"]), "a\t \tb");
        assert_eq!(value(&[]), "");
    }
}
