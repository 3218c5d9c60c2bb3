//! A signature found in a request, from the `Authorization` header or a presigned URL, and the
//! choice between the two.

use std::borrow::Cow;
use std::fmt;

use axum::http::header::AUTHORIZATION;
use time::OffsetDateTime;

use super::request::HttpRequest;
use super::scope::CredentialScope;
use super::{header, presigned};
use crate::error::AwsError;
use crate::{aws_error, text};

/// Where the request carried its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureLocation {
    /// The `Authorization` header.
    Header,
    /// `X-Amz-*` query parameters: a presigned URL.
    Query,
}

/// A signature found in a request, from the `Authorization` header or a presigned URL.
///
/// Borrows from the request, so that parsing a header signature allocates nothing; a part is
/// owned only where it had to be percent-decoded (a presigned URL), canonicalised
/// (`signed_headers`) or repaired (a header that is not UTF-8).
#[derive(Clone, PartialEq, Eq)]
pub struct Signature<'a> {
    pub access_key_id: Cow<'a, str>,
    pub scope: CredentialScope<'a>,
    /// `SignedHeaders` in canonical form: lowercase, sorted, without duplicates, joined with
    /// `;`; always includes `host`. One string rather than one per name: it is written as is
    /// into the canonical request.
    pub signed_headers: Cow<'a, str>,
    /// The hex signature as sent.
    pub signature: Cow<'a, str>,
    /// From `X-Amz-Date`, or else the `Date` header; its date is the scope's date.
    pub timestamp: OffsetDateTime,
    /// `X-Amz-Security-Token` (header or query parameter), for temporary credentials.
    pub security_token: Option<Cow<'a, str>>,
    /// Presigned `X-Amz-Expires`, 1 to 604800 seconds. AWS enforces it for S3 only; see
    /// [`check_time`](super::check_time) for what IAM and STS do.
    pub expires: Option<u64>,
    pub location: SignatureLocation,
}

impl fmt::Debug for Signature<'_> {
    /// Like a derived `Debug`, but the session token is a credential: only its length shows.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signature")
            .field("access_key_id", &self.access_key_id)
            .field("scope", &self.scope)
            .field("signed_headers", &self.signed_headers)
            .field("signature", &self.signature)
            .field("timestamp", &self.timestamp)
            .field(
                "security_token",
                &self
                    .security_token
                    .as_ref()
                    .map(|t| format!("** redacted (length={}) **", t.len())),
            )
            .field("expires", &self.expires)
            .field("location", &self.location)
            .finish()
    }
}

impl Signature<'_> {
    /// The names of the signed headers, in canonical order.
    pub fn signed_header_names(&self) -> impl Iterator<Item = &str> {
        text::split(&self.signed_headers, b';')
    }

    /// A copy that owns its text: it outlives the request, or the repaired copy of a header
    /// that is not UTF-8.
    pub fn into_owned(self) -> Signature<'static> {
        let own = |text: Cow<'_, str>| Cow::Owned(text.into_owned());
        Signature {
            access_key_id: own(self.access_key_id),
            scope: self.scope.into_owned(),
            signed_headers: own(self.signed_headers),
            signature: own(self.signature),
            timestamp: self.timestamp,
            security_token: self.security_token.map(own),
            expires: self.expires,
            location: self.location,
        }
    }
}

/// Finds the signature of a request. `None` when the request carries none at all (no
/// `Authorization` header, no `X-Amz-Algorithm`/`X-Amz-Credential`/`X-Amz-Signature` query
/// parameter): the caller then answers `MissingAuthenticationToken`.
pub fn parse<'a>(req: &HttpRequest<'a>) -> Result<Option<Signature<'a>>, AwsError> {
    let authorization = req.header(AUTHORIZATION);
    match authorization {
        // AWS (observed): a request signed both ways is refused as a whole rather than one
        // signature being picked; S3 documents the same rule ("Only one auth mechanism
        // allowed"). Other `X-Amz-*` parameters next to a header signature are plain
        // parameters, signed like any other.
        Some(_) if req.query_param(presigned::X_AMZ_ALGORITHM).is_some() => {
            tracing::debug!(
                "request carries both an Authorization header and an X-Amz-Algorithm query \
                 parameter"
            );
            Err(AwsError::signature_does_not_match())
        }
        Some(Cow::Borrowed(authorization)) => header::parse(req, authorization).map(Some),
        // Not UTF-8, so repaired into a copy that the signature cannot borrow from.
        Some(Cow::Owned(authorization)) => header::parse(req, &authorization)
            .map(Signature::into_owned)
            .map(Some),
        None if presigned::is_presigned(req) => presigned::parse(req).map(Some),
        None => Ok(None),
    }
}

/// `SignedHeaders` / `X-Amz-SignedHeaders`: `;`-separated names, read case-insensitively
/// into the canonical form (lowercase, sorted, each once). Already canonical, as every signer
/// sends it, the value is returned as it came, without a copy.
///
/// AWS (observed, wording kept): `host` must be signed, else `SignatureDoesNotMatch`; this is
/// what keeps a signature from being replayed against another endpoint.
pub(super) fn parse_signed_headers(value: Cow<'_, str>) -> Result<Cow<'_, str>, AwsError> {
    // One pass for both questions: every request asks them.
    let mut host_signed = false;
    let mut canonical = true;
    let mut previous = "";
    for name in text::split(&value, b';') {
        host_signed |= name.eq_ignore_ascii_case("host") || name.eq_ignore_ascii_case(":authority");
        // Already lowercase, non-empty names in strictly ascending order?
        canonical &=
            !name.is_empty() && name > previous && !name.bytes().any(|b| b.is_ascii_uppercase());
        previous = name;
    }
    if !host_signed {
        return Err(aws_error!(
            SignatureDoesNotMatch,
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        ));
    }
    if canonical {
        return Ok(value);
    }
    let mut names: Vec<String> = text::split(&value, b';')
        .filter(|name| !name.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    names.sort_unstable();
    names.dedup();
    Ok(Cow::Owned(names.join(";")))
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue};

    use super::*;
    use crate::error::ErrorCode;

    fn parse_request<'a>(
        headers: &'a HeaderMap,
        query: &'a str,
    ) -> Result<Option<Signature<'a>>, AwsError> {
        parse(&HttpRequest {
            method: "POST",
            path: "/",
            query,
            headers,
            body: b"Action=ListUsers&Version=2010-05-08",
        })
    }

    const AUTHORIZATION: &str = "AWS4-HMAC-SHA256 \
        Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
        SignedHeaders=host;x-amz-date, Signature=00";

    fn signed_headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("authorization", HeaderValue::from_static(AUTHORIZATION));
        h.insert("x-amz-date", HeaderValue::from_static("20150830T123600Z"));
        h
    }

    #[test]
    fn a_request_without_any_signature_has_none() {
        let mut h = HeaderMap::new();
        h.insert("x-amz-date", HeaderValue::from_static("20150830T123600Z"));
        h.insert("x-amz-security-token", HeaderValue::from_static("t"));
        assert_eq!(parse_request(&h, ""), Ok(None));
        assert_eq!(
            parse_request(&h, "Action=ListUsers&X-Amz-Date=20150830T123600Z"),
            Ok(None)
        );
    }

    #[test]
    fn a_header_signature_is_found() {
        let headers = signed_headers();
        let sig = parse_request(&headers, "").unwrap().unwrap();
        assert_eq!(sig.location, SignatureLocation::Header);
        assert_eq!(sig.scope.service, "iam");
    }

    #[test]
    fn a_header_that_is_not_utf8_is_read_with_replacement_characters() {
        let mut h = signed_headers();
        h.insert(
            "authorization",
            HeaderValue::from_bytes(
                b"AWS4-HMAC-SHA256 Credential=AKID\xff/20150830/us-east-1/iam/aws4_request, \
                  SignedHeaders=host;x-amz-date, Signature=00",
            )
            .unwrap(),
        );
        let sig = parse_request(&h, "").unwrap().unwrap();
        assert_eq!(sig.access_key_id, "AKID\u{fffd}");
        assert_eq!(sig.scope.region, "us-east-1");
    }

    #[test]
    fn a_request_signed_both_ways_is_a_signature_mismatch() {
        let err = parse_request(&signed_headers(), "X-Amz-Algorithm=AWS4-HMAC-SHA256").unwrap_err();
        assert_eq!(err, AwsError::signature_does_not_match());
    }

    #[test]
    fn other_x_amz_parameters_next_to_a_header_signature_are_plain_parameters() {
        let headers = signed_headers();
        let sig = parse_request(&headers, "X-Amz-Signature=x&X-Amz-Credential=y")
            .unwrap()
            .unwrap();
        assert_eq!(sig.location, SignatureLocation::Header);
    }

    #[test]
    fn a_partial_presigned_url_is_an_incomplete_signature() {
        let err = parse_request(&HeaderMap::new(), "X-Amz-Signature=abc").unwrap_err();
        assert_eq!(err.code, ErrorCode::IncompleteSignature);
    }

    #[test]
    fn signed_headers_are_canonicalised() {
        assert_eq!(
            parse_signed_headers("X-Amz-Date;Host;content-type;host;;".into()).unwrap(),
            "content-type;host;x-amz-date"
        );
        // Already canonical: kept as sent, not copied.
        assert!(matches!(
            parse_signed_headers("content-type;host;x-amz-date".into()).unwrap(),
            Cow::Borrowed("content-type;host;x-amz-date")
        ));
        for not_canonical in ["host;content-type", "host;host", "Host", "host;;x-amz-date"] {
            assert!(
                matches!(
                    parse_signed_headers(not_canonical.into()),
                    Ok(Cow::Owned(_))
                ),
                "{not_canonical}"
            );
        }
        assert!(parse_signed_headers(":authority".into()).is_ok());
        assert_eq!(
            parse_signed_headers("hostname;x-host".into())
                .unwrap_err()
                .code,
            ErrorCode::SignatureDoesNotMatch
        );
    }

    #[test]
    fn debug_output_hides_the_session_token() {
        let mut h = signed_headers();
        h.insert(
            "x-amz-security-token",
            HeaderValue::from_static("FQoGZXIvYXdzEXAMPLE"),
        );
        let sig = parse_request(&h, "").unwrap().unwrap();
        let debug = format!("{sig:?}");
        assert!(!debug.contains("FQoGZXIvYXdzEXAMPLE"), "{debug}");
        assert!(debug.contains("length=19"), "{debug}");
    }
}
