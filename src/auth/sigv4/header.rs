//! The header form: `Authorization: AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request,
//! SignedHeaders=content-type;host;x-amz-date, Signature=<hex>`, dated by `X-Amz-Date` or `Date`.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html>
//!
//! AWS (observed) checks, in this order, and iamlocal keeps its wording: the algorithm; every
//! parameter is `key=value`; then every missing part at once, each in its own sentence, the
//! header echoed at the end; `host` is signed; the date format; the credential.

use axum::http::HeaderName;
use axum::http::header::DATE;

use super::canonical::AWS4_HMAC_SHA256;
use super::request::HttpRequest;
use super::scope::parse_credential;
use super::signature::{Signature, SignatureLocation, parse_signed_headers};
use super::timestamp::{malformed_date, parse_amz_date, parse_http_date};
use crate::error::AwsError;
use crate::{aws_error, text};

const X_AMZ_DATE: HeaderName = HeaderName::from_static("x-amz-date");
const X_AMZ_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-amz-security-token");

/// The three parameters of the header, borrowed from it; `None` when absent.
#[derive(Debug, Default, PartialEq, Eq)]
struct AuthorizationParams<'a> {
    credential: Option<&'a str>,
    signed_headers: Option<&'a str>,
    signature: Option<&'a str>,
}

/// Reads the part after the algorithm: `,`-separated `key=value` pairs, blanks around each
/// pair ignored. A repeated key keeps its last value; an unknown key is ignored.
fn parse_params<'a>(params: &'a str, header: &str) -> Result<AuthorizationParams<'a>, AwsError> {
    let mut found = AuthorizationParams::default();
    for pair in text::split(params, b',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let Some((key, value)) = text::split_once(pair, b'=') else {
            return Err(aws_error!(
                IncompleteSignature,
                "'{pair}' not a valid key=value pair (missing equal-sign) in Authorization \
                 header: '{header}'"
            ));
        };
        match key {
            "Credential" => found.credential = Some(value),
            "SignedHeaders" => found.signed_headers = Some(value),
            "Signature" => found.signature = Some(value),
            _ => {}
        }
    }
    Ok(found)
}

/// Parses the `Authorization` header of `req` (whose value is `authorization`) into a
/// signature that borrows from both.
pub(super) fn parse<'a>(
    req: &HttpRequest<'a>,
    authorization: &'a str,
) -> Result<Signature<'a>, AwsError> {
    let header = authorization.trim();
    let (algorithm, params) = text::split_once(header, b' ').unwrap_or((header, ""));
    if algorithm != AWS4_HMAC_SHA256 {
        return Err(aws_error!(
            IncompleteSignature,
            "Unsupported AWS 'algorithm': '{algorithm}'."
        ));
    }
    let params = parse_params(params, header)?;

    // `X-Amz-Date` wins over `Date` when both are sent, even if it is malformed.
    let amz_date = req.header(X_AMZ_DATE);
    let date = amz_date.clone().or_else(|| req.header(DATE));

    let mut missing = String::new();
    if params.credential.is_none() {
        missing.push_str("Authorization header requires 'Credential' parameter. ");
    }
    if params.signature.is_none() {
        missing.push_str("Authorization header requires 'Signature' parameter. ");
    }
    if params.signed_headers.is_none() {
        missing.push_str("Authorization header requires 'SignedHeaders' parameter. ");
    }
    if date.is_none() {
        missing.push_str(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' \
             header. ",
        );
    }
    let (Some(credential), Some(signature), Some(signed_headers), Some(date)) = (
        params.credential,
        params.signature,
        params.signed_headers,
        date,
    ) else {
        return Err(aws_error!(
            IncompleteSignature,
            "{missing}Authorization={header}"
        ));
    };

    let signed_headers = parse_signed_headers(signed_headers.into())?;
    let date = date.trim();
    let timestamp = if amz_date.is_some() {
        parse_amz_date(date)
    } else {
        parse_http_date(date)
    }
    .ok_or_else(|| malformed_date(date))?;

    let (access_key_id, scope) = parse_credential(credential, timestamp)?;
    Ok(Signature {
        access_key_id: access_key_id.into(),
        scope,
        signed_headers,
        signature: signature.into(),
        timestamp,
        security_token: req.header(X_AMZ_SECURITY_TOKEN),
        expires: None,
        location: SignatureLocation::Header,
    })
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue};
    use time::macros::datetime;

    use super::*;
    use crate::error::ErrorCode;

    const GOOD: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
                        SignedHeaders=content-type;host;x-amz-date, \
                        Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn parse_with<'a>(
        headers: &'a HeaderMap,
        authorization: &'a str,
    ) -> Result<Signature<'a>, AwsError> {
        let req = HttpRequest {
            method: "GET",
            path: "/",
            query: "",
            headers,
            body: b"",
        };
        parse(&req, authorization)
    }

    #[test]
    fn the_aws_example_header_parses() {
        let h = headers(&[("x-amz-date", "20150830T123600Z")]);
        let sig = parse_with(&h, GOOD).unwrap();
        assert_eq!(sig.access_key_id, "AKIDEXAMPLE");
        assert_eq!(sig.scope.to_string(), "20150830/us-east-1/iam/aws4_request");
        assert_eq!(sig.signed_headers, "content-type;host;x-amz-date");
        assert_eq!(
            sig.signature,
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
        assert_eq!(sig.timestamp, datetime!(2015-08-30 12:36:00 UTC));
        assert_eq!(sig.security_token, None);
        assert_eq!(sig.expires, None);
        assert_eq!(sig.location, SignatureLocation::Header);
    }

    #[test]
    fn the_date_header_dates_the_request_when_x_amz_date_is_absent() {
        let h = headers(&[("date", "Sun, 30 Aug 2015 12:36:00 GMT")]);
        let sig = parse_with(&h, GOOD).unwrap();
        assert_eq!(sig.timestamp, datetime!(2015-08-30 12:36:00 UTC));
    }

    #[test]
    fn parameters_tolerate_blanks_and_any_order_and_keep_the_last_repeat() {
        let h = headers(&[
            ("x-amz-date", "20150830T123600Z"),
            ("x-amz-security-token", "token/+="),
        ]);
        let sig = parse_with(
            &h,
            "  AWS4-HMAC-SHA256   Signature=00 ,SignedHeaders=Host;X-Amz-Date,,  \
             Credential=AKID/20150830/eu-west-3/sts/aws4_request, Signature=abcd, Extra=1 ",
        )
        .unwrap();
        assert_eq!(sig.signature, "abcd");
        assert_eq!(sig.signed_headers, "host;x-amz-date");
        assert_eq!(sig.scope.service, "sts");
        assert_eq!(sig.security_token.as_deref(), Some("token/+="));
    }

    #[test]
    fn malformed_headers_are_incomplete_signatures_in_aws_words() {
        let dated = headers(&[("x-amz-date", "20150830T123600Z")]);
        let undated = headers(&[]);
        let extended = headers(&[("x-amz-date", "2015-08-30T12:36:00Z")]);
        let both = headers(&[
            ("x-amz-date", "yesterday"),
            ("date", "Sun, 30 Aug 2015 12:36:00 GMT"),
        ]);
        let cred = "Credential=AKID/20150830/us-east-1/iam/aws4_request";
        let cases: Vec<(&HeaderMap, String, String)> = vec![
            (
                &dated,
                "AWS4-HMAC-SHA1 Credential=x".into(),
                "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1'.".into(),
            ),
            (
                &dated,
                "Bearer eyJhbGciOiJIUzI1NiJ9".into(),
                "Unsupported AWS 'algorithm': 'Bearer'.".into(),
            ),
            (
                &dated,
                "AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=".into(),
                "Unsupported AWS 'algorithm': 'AWS'.".into(),
            ),
            (&dated, "".into(), "Unsupported AWS 'algorithm': ''.".into()),
            (
                &dated,
                format!("AWS4-HMAC-SHA256 {cred}, SignedHeaders"),
                format!(
                    "'SignedHeaders' not a valid key=value pair (missing equal-sign) in \
                     Authorization header: 'AWS4-HMAC-SHA256 {cred}, SignedHeaders'"
                ),
            ),
            (
                &dated,
                "AWS4-HMAC-SHA256".into(),
                "Authorization header requires 'Credential' parameter. \
                 Authorization header requires 'Signature' parameter. \
                 Authorization header requires 'SignedHeaders' parameter. \
                 Authorization=AWS4-HMAC-SHA256"
                    .into(),
            ),
            (
                &undated,
                format!("AWS4-HMAC-SHA256 {cred}, SignedHeaders=host"),
                format!(
                    "Authorization header requires 'Signature' parameter. \
                     Authorization header requires existence of either a 'X-Amz-Date' or a \
                     'Date' header. Authorization=AWS4-HMAC-SHA256 {cred}, SignedHeaders=host"
                ),
            ),
            (
                &extended,
                format!("AWS4-HMAC-SHA256 {cred}, SignedHeaders=host, Signature=00"),
                "Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'. \
                 See http://en.wikipedia.org/wiki/ISO_8601"
                    .into(),
            ),
            (
                // A malformed X-Amz-Date is not rescued by a good Date header.
                &both,
                format!("AWS4-HMAC-SHA256 {cred}, SignedHeaders=host, Signature=00"),
                "Date must be in ISO-8601 'basic format'. Got 'yesterday'. \
                 See http://en.wikipedia.org/wiki/ISO_8601"
                    .into(),
            ),
            (
                &dated,
                "AWS4-HMAC-SHA256 Credential=AKID/us-east-1/iam/aws4_request, \
                 SignedHeaders=host, Signature=00"
                    .into(),
                "Credential must have exactly 5 slash-delimited elements, \
                 e.g. keyid/date/region/service/term, got 'AKID/us-east-1/iam/aws4_request'"
                    .into(),
            ),
        ];
        for (h, authorization, message) in cases {
            let err = parse_with(h, &authorization).unwrap_err();
            assert_eq!(err.code, ErrorCode::IncompleteSignature, "{authorization}");
            assert_eq!(err.message, message, "{authorization}");
        }
    }

    #[test]
    fn an_unsigned_host_is_a_signature_mismatch() {
        let h = headers(&[("x-amz-date", "20150830T123600Z")]);
        for signed in ["x-amz-date", ""] {
            let err = parse_with(
                &h,
                &format!(
                    "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request, \
                     SignedHeaders={signed}, Signature=00"
                ),
            )
            .unwrap_err();
            assert_eq!(err.code, ErrorCode::SignatureDoesNotMatch);
            assert_eq!(
                err.message,
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
            );
        }
    }

    #[test]
    fn non_utf8_and_odd_bytes_never_panic() {
        let mut h = headers(&[("x-amz-date", "20150830T123600Z")]);
        h.insert(
            "x-amz-security-token",
            HeaderValue::from_bytes(b"\xff\xfe").unwrap(),
        );
        for authorization in [
            "AWS4-HMAC-SHA256 Credential=\u{fffd}/20150830/us-east-1/iam/aws4_request, \
             SignedHeaders=host, Signature=\u{fffd}",
            "AWS4-HMAC-SHA256 ,,,,=,=,==",
            "AWS4-HMAC-SHA256 Credential=////, SignedHeaders=;;;, Signature=",
            "\u{fffd}\u{fffd}",
        ] {
            let _ = parse_with(&h, authorization);
        }
        let long = format!("AWS4-HMAC-SHA256 {}", "Credential=a/".repeat(100_000));
        assert!(parse_with(&h, &long).is_err());
    }
}
