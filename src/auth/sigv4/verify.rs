//! Verification: the timestamp against the real clock, then the signature against the secret,
//! compared in constant time.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html>

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use time::{Duration, OffsetDateTime, UtcOffset};

use super::canonical::{CanonicalRequest, StringToSign};
use super::request::HttpRequest;
use super::scope::CredentialScope;
use super::signature::Signature;
use super::timestamp::format_amz_date;
use crate::aws_error;
use crate::error::AwsError;

pub type HmacSha256 = Hmac<Sha256>;

/// How far a request timestamp may be from the server's clock, either way.
pub const MAX_CLOCK_SKEW: Duration = Duration::minutes(15);

/// Checks the timestamp against `now`, the real wall clock, and the signature against
/// `secret`.
pub fn verify(
    sig: &Signature<'_>,
    req: &HttpRequest<'_>,
    secret: &str,
    now: OffsetDateTime,
) -> Result<(), AwsError> {
    verify_with_key(sig, req, &SigningKey::derive(secret, &sig.scope), now)
}

/// [`verify`] with the signing key already derived (see [`SigningKey`]): the key depends
/// only on the secret and the credential scope, so a server can keep it for the day.
pub fn verify_with_key(
    sig: &Signature<'_>,
    req: &HttpRequest<'_>,
    key: &SigningKey,
    now: OffsetDateTime,
) -> Result<(), AwsError> {
    check_time(sig, now)?;

    let canonical_request = CanonicalRequest::new(req, sig);
    let string_to_sign = StringToSign::new(sig, &canonical_request);
    if canonical_request.absent_headers.is_empty()
        && signature_matches(key, &string_to_sign, &sig.signature)
    {
        return Ok(());
    }

    // What a person signing by hand needs: the two texts the server derived (never the key).
    tracing::debug!(
        access_key_id = %sig.access_key_id,
        absent_signed_headers = ?canonical_request.absent_headers,
        "SigV4 signature does not match\ncanonical request:\n{canonical_request}\n\
         string to sign:\n{string_to_sign}"
    );
    // AWS (observed, IAM and STS among others) puts both texts in the message when the
    // signature differs, in these words; SDKs and the CLI show it as is.
    let message = AwsError::signature_does_not_match().message;
    Err(aws_error!(
        SignatureDoesNotMatch,
        "{message}\n\nThe Canonical String for this request should have been\n\
         '{canonical_request}'\n\nThe String-to-Sign should have been\n'{string_to_sign}'\n"
    ))
}

/// The 15-minute window, checked against `now` truncated to the second.
///
/// It applies to presigned URLs as well, whatever their `X-Amz-Expires` says: AWS enforces
/// `X-Amz-Expires` for S3 only; its other services, STS among them, hold every signature to
/// the same fixed window of about 15 minutes (aws-sdk-go's `Presign` documentation, after
/// aws/aws-sdk-go#2167; STS confirmed it in aws/aws-sdk-ruby#2887). An expired presigned STS
/// URL therefore gets the same `SignatureDoesNotMatch` "Signature expired" answer as a stale
/// header signature.
///
/// AWS (observed) words it as `Signature expired: 20130524T000000Z is now earlier than
/// 20130524T001501Z (20130524T003001Z - 15 min.)`, and `Signature not yet current: … is still
/// later than … (… + 15 min.)`. A timestamp exactly 15 minutes away is still accepted
/// (iamlocal's choice; AWS does not document the boundary).
pub fn check_time(sig: &Signature<'_>, now: OffsetDateTime) -> Result<(), AwsError> {
    let now = now.to_offset(UtcOffset::UTC);
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let earliest = now.checked_sub(MAX_CLOCK_SKEW).unwrap_or(now);
    let latest = now.checked_add(MAX_CLOCK_SKEW).unwrap_or(now);
    let minutes = MAX_CLOCK_SKEW.whole_minutes();
    if sig.timestamp < earliest {
        return Err(aws_error!(
            SignatureDoesNotMatch,
            "Signature expired: {} is now earlier than {} ({} - {minutes} min.)",
            format_amz_date(sig.timestamp),
            format_amz_date(earliest),
            format_amz_date(now),
        ));
    }
    if sig.timestamp > latest {
        return Err(aws_error!(
            SignatureDoesNotMatch,
            "Signature not yet current: {} is still later than {} ({} + {minutes} min.)",
            format_amz_date(sig.timestamp),
            format_amz_date(latest),
            format_amz_date(now),
        ));
    }
    Ok(())
}

/// `kSigning`: the key derived from the secret for one day, region and service.
pub fn signing_key(secret: &str, scope: &CredentialScope<'_>) -> Vec<u8> {
    // kDate = HMAC("AWS4" + kSecret, Date)
    let k_date = hmac_sha256(format!("AWS4{secret}").as_bytes(), scope.date.as_bytes());
    // kRegion = HMAC(kDate, Region)
    let k_region = hmac_sha256(&k_date, scope.region.as_bytes());
    // kService = HMAC(kRegion, Service)
    let k_service = hmac_sha256(&k_region, scope.service.as_bytes());
    // kSigning = HMAC(kService, "aws4_request")
    hmac_sha256(&k_service, b"aws4_request")
}

fn mac(key: &[u8], data: &[u8]) -> HmacSha256 {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key)
        .expect("HMAC-SHA256 takes a key of any length");
    mac.update(data);
    mac
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    mac(key, data).finalize().into_bytes().to_vec()
}

/// `kSigning`, ready to sign with: the HMAC's key schedule (two SHA-256 blocks) is done once,
/// and each signature starts from a copy of it.
#[derive(Clone)]
pub struct SigningKey(HmacSha256);

impl SigningKey {
    pub fn new(k_signing: &[u8]) -> SigningKey {
        SigningKey(mac(k_signing, b""))
    }

    /// An HMAC keyed with `kSigning`, ready for the string to sign.
    pub fn mac(&self) -> HmacSha256 {
        self.0.clone()
    }

    /// Derives the key for `secret` and `scope` ([`signing_key`]).
    pub fn derive(secret: &str, scope: &CredentialScope<'_>) -> SigningKey {
        SigningKey::new(&signing_key(secret, scope))
    }
}

/// `signature = HexEncode(HMAC(kSigning, StringToSign))`, compared in constant time.
/// Anything but 64 lowercase hex digits is simply a mismatch: AWS compares the lowercase text.
fn signature_matches(key: &SigningKey, string_to_sign: &StringToSign<'_>, provided: &str) -> bool {
    if !provided
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return false;
    }
    let mut provided_bytes = [0u8; 32];
    if hex::decode_to_slice(provided, &mut provided_bytes).is_err() {
        return false;
    }
    let mut mac = key.mac();
    let _ = string_to_sign.write(&mut |text| {
        mac.update(text.as_bytes());
        Ok(())
    });
    mac.verify_slice(&provided_bytes).is_ok()
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::auth::sigv4::testing::{AWS_EXAMPLE_SIGNATURE, aws_example};
    use crate::error::ErrorCode;

    const EXAMPLE_TIME: OffsetDateTime = datetime!(2015-08-30 12:36:00 UTC);
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    #[test]
    fn aws_example_signing_key() {
        let example = aws_example();
        let sig = example.signature();
        assert_eq!(
            hex::encode(signing_key(SECRET, &sig.scope)),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
    }

    #[test]
    fn aws_example_signature() {
        let example = aws_example();
        let sig = example.signature();
        let creq = CanonicalRequest::new(&example.request(), &sig);
        let sts = StringToSign::new(&sig, &creq);
        let key = signing_key(SECRET, &sig.scope);
        assert_eq!(
            hex::encode(
                mac(&key, sts.to_string().as_bytes())
                    .finalize()
                    .into_bytes()
            ),
            AWS_EXAMPLE_SIGNATURE
        );
        assert!(signature_matches(
            &SigningKey::new(&key),
            &sts,
            AWS_EXAMPLE_SIGNATURE
        ));
    }

    #[test]
    fn aws_example_verifies() {
        let example = aws_example();
        let sig = example.signature();
        assert_eq!(
            verify(&sig, &example.request(), SECRET, EXAMPLE_TIME),
            Ok(())
        );
    }

    #[test]
    fn a_wrong_secret_is_a_mismatch_that_shows_the_servers_texts() {
        let example = aws_example();
        let sig = example.signature();
        let err = verify(&sig, &example.request(), "not-the-secret", EXAMPLE_TIME).unwrap_err();
        assert_eq!(err.code, ErrorCode::SignatureDoesNotMatch);
        assert_eq!(
            err.message,
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method. \
             Consult the service documentation for details.\n\
             \n\
             The Canonical String for this request should have been\n\
             'GET\n\
             /\n\
             Action=ListUsers&Version=2010-05-08\n\
             content-type:application/x-www-form-urlencoded; charset=utf-8\n\
             host:iam.amazonaws.com\n\
             x-amz-date:20150830T123600Z\n\
             \n\
             content-type;host;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'\n\
             \n\
             The String-to-Sign should have been\n\
             'AWS4-HMAC-SHA256\n\
             20150830T123600Z\n\
             20150830/us-east-1/iam/aws4_request\n\
             f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59'\n"
        );
        assert!(!err.message.contains("not-the-secret"));
    }

    #[test]
    fn a_malformed_signature_is_just_a_mismatch() {
        let example = aws_example();
        for provided in [
            "",
            "zz",
            "5d6",
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d",
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d700",
            "5D672D79C15B13162D9279B0855CFBA6789A8EDB4C82C400E06B5924A6F2B5D7",
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d\u{37}\u{301}",
        ] {
            let mut sig = example.signature();
            sig.signature = provided.into();
            let err = verify(&sig, &example.request(), SECRET, EXAMPLE_TIME).unwrap_err();
            assert_eq!(err.code, ErrorCode::SignatureDoesNotMatch, "{provided:?}");
        }
    }

    #[test]
    fn a_signed_header_the_request_lacks_never_verifies() {
        let example = aws_example();
        let mut sig = example.signature();
        sig.signed_headers.to_mut().push_str(";x-signed-but-absent");
        let err = verify(&sig, &example.request(), SECRET, EXAMPLE_TIME).unwrap_err();
        assert_eq!(err.code, ErrorCode::SignatureDoesNotMatch);
        assert!(
            err.message.contains("\nx-signed-but-absent:\n"),
            "{}",
            err.message
        );
    }

    fn signed_at(timestamp: OffsetDateTime) -> Signature<'static> {
        let mut sig = aws_example().signature().into_owned();
        sig.timestamp = timestamp;
        sig
    }

    #[test]
    fn a_timestamp_more_than_15_minutes_old_has_expired() {
        let sig = signed_at(datetime!(2013-05-24 00:00:00 UTC));
        let err = check_time(&sig, datetime!(2013-05-24 00:30:01 UTC)).unwrap_err();
        assert_eq!(err.code, ErrorCode::SignatureDoesNotMatch);
        assert_eq!(
            err.message,
            "Signature expired: 20130524T000000Z is now earlier than 20130524T001501Z \
             (20130524T003001Z - 15 min.)"
        );
    }

    #[test]
    fn a_timestamp_more_than_15_minutes_ahead_is_not_yet_current() {
        let sig = signed_at(datetime!(2013-05-24 00:30:00 UTC));
        let err = check_time(&sig, datetime!(2013-05-24 00:00:00 UTC)).unwrap_err();
        assert_eq!(err.code, ErrorCode::SignatureDoesNotMatch);
        assert_eq!(
            err.message,
            "Signature not yet current: 20130524T003000Z is still later than 20130524T001500Z \
             (20130524T000000Z + 15 min.)"
        );
    }

    #[test]
    fn the_window_is_15_minutes_either_way_inclusive() {
        let t = datetime!(2013-05-24 12:00:00 UTC);
        let sig = signed_at(t);
        for now in [
            t,
            t + Duration::minutes(15),
            t + Duration::minutes(15) + Duration::milliseconds(999),
            t - Duration::minutes(15),
        ] {
            assert_eq!(check_time(&sig, now), Ok(()), "{now}");
        }
        for now in [
            t + Duration::minutes(15) + Duration::seconds(1),
            t - Duration::minutes(15) - Duration::seconds(1),
        ] {
            assert!(check_time(&sig, now).is_err(), "{now}");
        }
    }

    #[test]
    fn the_window_is_read_in_utc() {
        let sig = signed_at(datetime!(2013-05-24 00:00:00 UTC));
        let err = check_time(&sig, datetime!(2013-05-24 02:30:01 +02:00)).unwrap_err();
        assert!(
            err.message
                .ends_with("20130524T001501Z (20130524T003001Z - 15 min.)"),
            "{}",
            err.message
        );
    }

    #[test]
    fn verify_checks_the_time_first() {
        let example = aws_example();
        let sig = example.signature();
        let err = verify(
            &sig,
            &example.request(),
            SECRET,
            EXAMPLE_TIME + Duration::hours(1),
        )
        .unwrap_err();
        assert!(
            err.message.starts_with("Signature expired: "),
            "{}",
            err.message
        );
    }
}
