//! The credential, `<AccessKeyId>/<Date>/<Region>/<Service>/aws4_request`, and the credential
//! scope it ends with, which binds a signature to one day, one region and one service.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html>

use std::borrow::Cow;
use std::fmt;

use time::OffsetDateTime;

use super::timestamp::AmzDate;
use crate::error::AwsError;
use crate::{aws_error, text};

/// The terminator every SigV4 credential scope ends with.
pub(super) const AWS4_REQUEST: &str = "aws4_request";

/// `<Date>/<Region>/<Service>`: whose `Display` is the `<CredentialScope>` line of the string
/// to sign, terminator included.
///
/// Borrowed from the request, as the `Authorization` header sends it; owned where the
/// credential had to be percent-decoded (a presigned URL) or is kept (the signing key cache).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialScope<'a> {
    /// `yyyyMMdd`; always equal to the date of the request timestamp.
    pub date: Cow<'a, str>,
    /// Any non-empty region: users configure many, and iamlocal serves them all.
    pub region: Cow<'a, str>,
    /// The signing name (`iam`, `sts`, …), non-empty. The caller routes by it.
    pub service: Cow<'a, str>,
}

impl CredentialScope<'_> {
    /// A copy that outlives the request, for keeping next to a derived key.
    pub fn into_owned(self) -> CredentialScope<'static> {
        CredentialScope {
            date: Cow::Owned(self.date.into_owned()),
            region: Cow::Owned(self.region.into_owned()),
            service: Cow::Owned(self.service.into_owned()),
        }
    }
}

impl fmt::Display for CredentialScope<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}/{AWS4_REQUEST}",
            self.date, self.region, self.service
        )
    }
}

/// Splits a credential into its access key id and scope, checked against the request
/// timestamp.
///
/// AWS (observed, wording kept): a credential that is not five `/`-separated parts is
/// `IncompleteSignature`; a wrong region, terminator or date is `SignatureDoesNotMatch`, each
/// reason a sentence ending in ". ", all reasons of one request reported together. (The
/// five-part message is the one people meet when they send their secret key, which may hold a
/// `/`, as the key id.)
pub(super) fn parse_credential(
    credential: &str,
    timestamp: OffsetDateTime,
) -> Result<(&str, CredentialScope<'_>), AwsError> {
    let mut parts = text::split(credential, b'/');
    let mut part = || parts.next();
    let (Some(access_key_id), Some(date), Some(region), Some(service), Some(terminator), None) =
        (part(), part(), part(), part(), part(), part())
    else {
        return Err(aws_error!(
            IncompleteSignature,
            "Credential must have exactly 5 slash-delimited elements, \
             e.g. keyid/date/region/service/term, got '{credential}'"
        ));
    };

    let mut reasons = String::new();
    // iamlocal accepts every region (AWS would name the one it expects); only an empty one
    // is not a region.
    if region.is_empty() {
        reasons.push_str("Credential should be scoped to a valid region, not ''. ");
    }
    // AWS names the service it expected ("… correct service: 'iam'. "); which service that is
    // is the caller's to say, so for a missing one iamlocal words it like the region case.
    if service.is_empty() {
        reasons.push_str("Credential should be scoped to a valid service, not ''. ");
    }
    if terminator != AWS4_REQUEST {
        reasons.push_str(&format!(
            "Credential should be scoped with a valid terminator: '{AWS4_REQUEST}', \
             not '{terminator}'. "
        ));
    }
    // The scope date must be the timestamp's own date: a key derived for another day would
    // outlive the 15-minute window. AWS answers SignatureDoesNotMatch in these words.
    let amz_date = AmzDate::new(timestamp);
    let expected_date = amz_date.date();
    if date != expected_date {
        reasons.push_str(&format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
             from HTTP: '{date}' != '{expected_date}', from '{}'. ",
            amz_date.as_str()
        ));
    }
    if !reasons.is_empty() {
        return Err(aws_error!(SignatureDoesNotMatch, "{reasons}"));
    }

    Ok((
        access_key_id,
        CredentialScope {
            date: date.into(),
            region: region.into(),
            service: service.into(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::error::ErrorCode;

    const AT: OffsetDateTime = datetime!(2015-08-30 12:36:00 UTC);

    #[test]
    fn a_credential_splits_into_key_and_scope() {
        let (key, scope) =
            parse_credential("AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request", AT).unwrap();
        assert_eq!(key, "AKIDEXAMPLE");
        assert_eq!(scope.to_string(), "20150830/us-east-1/iam/aws4_request");
    }

    #[test]
    fn any_non_empty_region_is_accepted() {
        let (_, scope) =
            parse_credential("AKID/20150830/my-local-region-9/sts/aws4_request", AT).unwrap();
        assert_eq!(scope.region, "my-local-region-9");
    }

    #[test]
    fn a_credential_without_five_parts_is_an_incomplete_signature() {
        for credential in [
            "",
            "AKID",
            "AKID/20150830/us-east-1/iam",
            "AKID/20150830/us-east-1/iam/aws4_request/extra",
            "wJalr/XUtn/20150830/us-east-1/iam/aws4_request",
        ] {
            let err = parse_credential(credential, AT).unwrap_err();
            assert_eq!(err.code, ErrorCode::IncompleteSignature, "{credential:?}");
            assert_eq!(
                err.message,
                format!(
                    "Credential must have exactly 5 slash-delimited elements, \
                     e.g. keyid/date/region/service/term, got '{credential}'"
                )
            );
        }
    }

    #[test]
    fn a_wrong_terminator_is_a_signature_mismatch() {
        let err = parse_credential("AKID/20150830/us-east-1/iam/aws5_request", AT).unwrap_err();
        assert_eq!(err.code, ErrorCode::SignatureDoesNotMatch);
        assert_eq!(
            err.message,
            "Credential should be scoped with a valid terminator: 'aws4_request', \
             not 'aws5_request'. "
        );
    }

    #[test]
    fn a_scope_date_other_than_the_timestamp_date_is_a_signature_mismatch() {
        let err = parse_credential("AKID/20150831/us-east-1/iam/aws4_request", AT).unwrap_err();
        assert_eq!(err.code, ErrorCode::SignatureDoesNotMatch);
        assert_eq!(
            err.message,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
             from HTTP: '20150831' != '20150830', from '20150830T123600Z'. "
        );
    }

    #[test]
    fn every_scope_fault_is_reported_at_once() {
        let err = parse_credential("AKID/2015/", AT).unwrap_err();
        assert_eq!(err.code, ErrorCode::IncompleteSignature);

        let err = parse_credential("AKID/x///term", AT).unwrap_err();
        assert_eq!(err.code, ErrorCode::SignatureDoesNotMatch);
        assert_eq!(
            err.message,
            "Credential should be scoped to a valid region, not ''. \
             Credential should be scoped to a valid service, not ''. \
             Credential should be scoped with a valid terminator: 'aws4_request', not 'term'. \
             Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
             from HTTP: 'x' != '20150830', from '20150830T123600Z'. "
        );
    }
}
