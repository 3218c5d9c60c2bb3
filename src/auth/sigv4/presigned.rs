//! The query form (a presigned URL): `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`,
//! `X-Amz-SignedHeaders`, `X-Amz-Signature`, and optionally `X-Amz-Expires` and
//! `X-Amz-Security-Token`, all in the query string.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html>
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html>

use std::borrow::Cow;

use super::canonical::AWS4_HMAC_SHA256;
use super::request::HttpRequest;
use super::scope::parse_credential;
use super::signature::{Signature, SignatureLocation, parse_signed_headers};
use super::timestamp::{malformed_date, parse_amz_date};
use crate::aws_error;
use crate::error::AwsError;

pub(super) const X_AMZ_ALGORITHM: &str = "X-Amz-Algorithm";
pub(super) const X_AMZ_CREDENTIAL: &str = "X-Amz-Credential";
pub(super) const X_AMZ_DATE: &str = "X-Amz-Date";
pub(super) const X_AMZ_EXPIRES: &str = "X-Amz-Expires";
pub(super) const X_AMZ_SECURITY_TOKEN: &str = "X-Amz-Security-Token";
pub(super) const X_AMZ_SIGNED_HEADERS: &str = "X-Amz-SignedHeaders";
pub(super) const X_AMZ_SIGNATURE: &str = "X-Amz-Signature";

/// The longest validity a presigned URL may claim: seven days, the life of a signing key.
const MAX_EXPIRES: u64 = 604_800;

/// Whether the query string carries (part of) a presigned signature.
pub(super) fn is_presigned(req: &HttpRequest<'_>) -> bool {
    req.query_pairs()
        .any(|(key, _)| key == X_AMZ_ALGORITHM || key == X_AMZ_CREDENTIAL || key == X_AMZ_SIGNATURE)
}

/// Parses the presigned signature of `req`. A repeated parameter counts by its first value.
pub(super) fn parse<'a>(req: &HttpRequest<'a>) -> Result<Signature<'a>, AwsError> {
    // One pass over the query; a value stays borrowed unless it had to be decoded.
    const NAMES: [&str; 7] = [
        X_AMZ_ALGORITHM,
        X_AMZ_CREDENTIAL,
        X_AMZ_DATE,
        X_AMZ_EXPIRES,
        X_AMZ_SECURITY_TOKEN,
        X_AMZ_SIGNED_HEADERS,
        X_AMZ_SIGNATURE,
    ];
    let mut found: [Option<Cow<'a, str>>; 7] = Default::default();
    for (key, value) in req.query_pairs() {
        if let Some(i) = NAMES.iter().position(|name| key == *name)
            && found[i].is_none()
        {
            found[i] = Some(value);
        }
    }
    let [
        algorithm,
        credential,
        date,
        expires,
        security_token,
        signed_headers,
        signature,
    ] = found;
    // AWS (observed): an `X-Amz-Algorithm` other than AWS4-HMAC-SHA256 is not read as a
    // signature at all, so the request is one without authentication.
    if let Some(algorithm) = algorithm.as_deref()
        && algorithm != AWS4_HMAC_SHA256
    {
        return Err(AwsError::missing_authentication_token());
    }

    let mut missing = String::new();
    for (name, present) in [
        (X_AMZ_ALGORITHM, algorithm.is_some()),
        (X_AMZ_CREDENTIAL, credential.is_some()),
        (X_AMZ_SIGNATURE, signature.is_some()),
        (X_AMZ_SIGNED_HEADERS, signed_headers.is_some()),
        (X_AMZ_DATE, date.is_some()),
    ] {
        if !present {
            missing.push_str(&format!(
                "AWS query-string parameters must include '{name}'. "
            ));
        }
    }
    let (Some(_), Some(credential), Some(signature), Some(signed_headers), Some(date)) =
        (algorithm, credential, signature, signed_headers, date)
    else {
        return Err(aws_error!(
            IncompleteSignature,
            "{missing}Re-examine the query-string parameters."
        ));
    };

    let signed_headers = parse_signed_headers(signed_headers)?;
    let timestamp = parse_amz_date(&date).ok_or_else(|| malformed_date(&date))?;
    let expires = expires.as_deref().map(parse_expires).transpose()?;
    let (access_key_id, scope) = match credential {
        Cow::Borrowed(credential) => {
            let (access_key_id, scope) = parse_credential(credential, timestamp)?;
            (Cow::Borrowed(access_key_id), scope)
        }
        // Decoded, as SDKs send the slashes as `%2F`: the parts are copied out, except the
        // key id, which leads the credential and so keeps the decoded copy.
        Cow::Owned(mut credential) => {
            let (access_key_id, scope) = parse_credential(&credential, timestamp)?;
            let (key_len, scope) = (access_key_id.len(), scope.into_owned());
            credential.truncate(key_len);
            (Cow::Owned(credential), scope)
        }
    };

    Ok(Signature {
        access_key_id,
        scope,
        signed_headers,
        signature,
        timestamp,
        security_token,
        expires,
        location: SignatureLocation::Query,
    })
}

/// `X-Amz-Expires`: whole seconds, 1 to 604800. The limits are the ones S3 documents (the
/// SigV4 pages name no others); the first two messages are S3's, the third iamlocal's.
fn parse_expires(value: &str) -> Result<u64, AwsError> {
    let seconds: u64 = value
        .parse()
        .map_err(|_| aws_error!(IncompleteSignature, "X-Amz-Expires should be a number"))?;
    if seconds > MAX_EXPIRES {
        return Err(aws_error!(
            IncompleteSignature,
            "X-Amz-Expires must be less than a week (in seconds) that is {MAX_EXPIRES}"
        ));
    }
    if seconds == 0 {
        return Err(aws_error!(
            IncompleteSignature,
            "X-Amz-Expires must be at least 1 second"
        ));
    }
    Ok(seconds)
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use axum::http::HeaderMap;
    use time::macros::datetime;

    use super::*;
    use crate::error::ErrorCode;

    const GOOD: &str = "X-Amz-Algorithm=AWS4-HMAC-SHA256\
                        &X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fsts%2Faws4_request\
                        &X-Amz-Date=20150830T123600Z&X-Amz-Expires=60\
                        &X-Amz-SignedHeaders=host%3Bx-k8s-aws-id\
                        &X-Amz-Security-Token=tok%2Bon%2Fa\
                        &X-Amz-Signature=abc123\
                        &Action=GetCallerIdentity&Version=2011-06-15";

    fn parse_query(query: &str) -> Result<Signature<'_>, AwsError> {
        static NO_HEADERS: LazyLock<HeaderMap> = LazyLock::new(HeaderMap::new);
        parse(&HttpRequest {
            method: "GET",
            path: "/",
            query,
            headers: &NO_HEADERS,
            body: b"",
        })
    }

    fn presigned(query: &str) -> bool {
        let headers = HeaderMap::new();
        is_presigned(&HttpRequest {
            method: "GET",
            path: "/",
            query,
            headers: &headers,
            body: b"",
        })
    }

    #[test]
    fn a_presigned_sts_url_parses() {
        let sig = parse_query(GOOD).unwrap();
        assert_eq!(sig.access_key_id, "AKIDEXAMPLE");
        assert_eq!(sig.scope.to_string(), "20150830/us-east-1/sts/aws4_request");
        assert_eq!(sig.signed_headers, "host;x-k8s-aws-id");
        assert_eq!(sig.signature, "abc123");
        assert_eq!(sig.timestamp, datetime!(2015-08-30 12:36:00 UTC));
        assert_eq!(sig.expires, Some(60));
        assert_eq!(sig.security_token.as_deref(), Some("tok+on/a"));
        assert_eq!(sig.location, SignatureLocation::Query);
    }

    #[test]
    fn any_of_algorithm_credential_or_signature_marks_a_presigned_url() {
        assert!(presigned(GOOD));
        assert!(presigned("X-Amz-Credential=x"));
        assert!(presigned("X-Amz-Signature="));
        assert!(presigned("X-Amz-Algorithm"));
        assert!(!presigned(""));
        assert!(!presigned("Action=ListUsers&X-Amz-Date=20150830T123600Z"));
        assert!(!presigned("x-amz-signature=lowercase-is-another-name"));
    }

    #[test]
    fn another_algorithm_is_a_missing_authentication_token() {
        let err =
            parse_query("X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&X-Amz-Credential=x").unwrap_err();
        assert_eq!(err, AwsError::missing_authentication_token());
    }

    #[test]
    fn missing_parameters_are_listed_together() {
        let err = parse_query("X-Amz-Credential=AKID%2F20150830%2Fus-east-1%2Fsts%2Faws4_request")
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::IncompleteSignature);
        assert_eq!(
            err.message,
            "AWS query-string parameters must include 'X-Amz-Algorithm'. \
             AWS query-string parameters must include 'X-Amz-Signature'. \
             AWS query-string parameters must include 'X-Amz-SignedHeaders'. \
             AWS query-string parameters must include 'X-Amz-Date'. \
             Re-examine the query-string parameters."
        );
    }

    #[test]
    fn malformed_parameters_are_incomplete_signatures() {
        let cases = [
            (
                GOOD.replace("20150830T123600Z", "2015-08-30"),
                "Date must be in ISO-8601 'basic format'. Got '2015-08-30'. \
                 See http://en.wikipedia.org/wiki/ISO_8601",
            ),
            (
                GOOD.replace("Expires=60", "Expires=soon"),
                "X-Amz-Expires should be a number",
            ),
            (
                GOOD.replace("Expires=60", "Expires=-1"),
                "X-Amz-Expires should be a number",
            ),
            (
                GOOD.replace("Expires=60", "Expires=604801"),
                "X-Amz-Expires must be less than a week (in seconds) that is 604800",
            ),
            (
                GOOD.replace("Expires=60", "Expires=0"),
                "X-Amz-Expires must be at least 1 second",
            ),
        ];
        for (query, message) in cases {
            let err = parse_query(&query).unwrap_err();
            assert_eq!(err.code, ErrorCode::IncompleteSignature, "{query}");
            assert_eq!(err.message, message, "{query}");
        }
        assert_eq!(
            parse_query(&GOOD.replace("Expires=60", "Expires=604800"))
                .unwrap()
                .expires,
            Some(604_800)
        );
    }

    #[test]
    fn the_first_of_repeated_parameters_counts() {
        let query = format!("{GOOD}&X-Amz-Signature=second");
        let sig = parse_query(&query).unwrap();
        assert_eq!(sig.signature, "abc123");
    }

    #[test]
    fn odd_percent_encodings_never_panic() {
        for query in [
            "X-Amz-Algorithm=%",
            "X-Amz-Credential=%zz%2",
            "X-Amz-Signature=%FF%FE&X-Amz-Algorithm=AWS4-HMAC-SHA256",
            "%58-Amz-Algorithm=AWS4-HMAC-SHA256&&&=&X-Amz-Credential",
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a/b/c/d/e&X-Amz-Signature=\
             &X-Amz-SignedHeaders=&X-Amz-Date=20150830T123600Z",
        ] {
            assert!(parse_query(query).is_err(), "{query}");
        }
    }
}
