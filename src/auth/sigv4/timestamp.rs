//! The request timestamp: `X-Amz-Date` (ISO 8601 basic format, `yyyyMMdd'T'HHmmss'Z'`) or
//! else the HTTP `Date` header (RFC 1123), and the two text forms SigV4 signs.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html>

use time::format_description::well_known::Rfc2822;
use time::{Date, Month, OffsetDateTime, Time, UtcOffset};

use crate::aws_error;
use crate::error::AwsError;

/// A date that does not parse. AWS (observed) answers in these words, for `X-Amz-Date` and
/// `Date` alike.
pub(super) fn malformed_date(got: &str) -> AwsError {
    aws_error!(
        IncompleteSignature,
        "Date must be in ISO-8601 'basic format'. Got '{got}'. \
         See http://en.wikipedia.org/wiki/ISO_8601"
    )
}

/// Parses `yyyyMMdd'T'HHmmss'Z'` exactly (16 ASCII characters, UTC).
pub(super) fn parse_amz_date(text: &str) -> Option<OffsetDateTime> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = &b[range];
        digits
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let year = i32::try_from(number(0..4)?).ok()?;
    let month = Month::try_from(u8::try_from(number(4..6)?).ok()?).ok()?;
    let day = u8::try_from(number(6..8)?).ok()?;
    let hour = u8::try_from(number(9..11)?).ok()?;
    let minute = u8::try_from(number(11..13)?).ok()?;
    let second = u8::try_from(number(13..15)?).ok()?;
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let time = Time::from_hms(hour, minute, second).ok()?;
    Some(date.with_time(time).assume_utc())
}

/// Parses the HTTP `Date` header: RFC 1123 (`Sun, 30 Aug 2015 12:36:00 GMT`), which the RFC
/// 2822 grammar covers. Some clients put the `X-Amz-Date` form there; that is accepted too.
pub(super) fn parse_http_date(text: &str) -> Option<OffsetDateTime> {
    parse_amz_date(text).or_else(|| {
        OffsetDateTime::parse(text, &Rfc2822)
            .ok()
            .map(|t| t.to_offset(UtcOffset::UTC))
    })
}

/// `yyyyMMdd'T'HHmmss'Z'`: the `<RequestDateTime>` line of the string to sign.
pub(super) fn format_amz_date(t: OffsetDateTime) -> String {
    AmzDate::new(t).as_str().to_owned()
}

/// `yyyyMMdd`: the date of the credential scope.
#[cfg(test)]
pub(super) fn format_date(t: OffsetDateTime) -> String {
    AmzDate::new(t).date().to_owned()
}

/// A timestamp as `yyyyMMdd'T'HHmmss'Z'`, written on the stack: every request needs it (and
/// its date) once or twice, so it is not worth an allocation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AmzDate([u8; 16]);

impl AmzDate {
    /// In UTC. Years are written with four digits: timestamps come from `X-Amz-Date` (four
    /// digits) or the `Date` header (RFC 2822, four digits), or from a clock near them.
    pub(super) fn new(t: OffsetDateTime) -> AmzDate {
        let t = t.to_offset(UtcOffset::UTC);
        let mut text = *b"00000000T000000Z";
        let mut put = |at: usize, width: usize, mut n: u32| {
            for i in (at..at + width).rev() {
                text[i] = b'0' + (n % 10) as u8;
                n /= 10;
            }
        };
        put(0, 4, t.year().clamp(0, 9999) as u32);
        put(4, 2, u32::from(u8::from(t.month())));
        put(6, 2, u32::from(t.day()));
        put(9, 2, u32::from(t.hour()));
        put(11, 2, u32::from(t.minute()));
        put(13, 2, u32::from(t.second()));
        AmzDate(text)
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ASCII digits")
    }

    /// `yyyyMMdd`
    pub(super) fn date(&self) -> &str {
        &self.as_str()[..8]
    }
}

impl std::fmt::Debug for AmzDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn amz_date_round_trips() {
        let t = parse_amz_date("20150830T123600Z").unwrap();
        assert_eq!(t, datetime!(2015-08-30 12:36:00 UTC));
        assert_eq!(format_amz_date(t), "20150830T123600Z");
        assert_eq!(format_date(t), "20150830");
    }

    #[test]
    fn amz_date_must_be_the_exact_basic_format() {
        for bad in [
            "",
            "20150830",
            "20150830T123600",
            "20150830T123600z",
            "2015-08-30T12:36:00Z",
            "20150830 123600Z",
            "2015083OT123600Z",
            "20151330T123600Z",
            "20150230T123600Z",
            "20150830T246000Z",
            "+0150830T123600Z",
            "20150830T12360éZ",
        ] {
            assert_eq!(parse_amz_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn http_date_accepts_rfc_1123_and_the_amz_form() {
        let expected = datetime!(2015-08-30 12:36:00 UTC);
        assert_eq!(
            parse_http_date("Sun, 30 Aug 2015 12:36:00 GMT"),
            Some(expected)
        );
        assert_eq!(parse_http_date("20150830T123600Z"), Some(expected));
        assert_eq!(parse_http_date("yesterday"), None);
    }

    #[test]
    fn every_field_is_zero_padded() {
        let t = datetime!(0999-01-02 03:04:05 UTC);
        assert_eq!(format_amz_date(t), "09990102T030405Z");
        assert_eq!(format_date(t), "09990102");
    }

    #[test]
    fn formatting_converts_to_utc() {
        let t = datetime!(2015-08-30 23:30:00 -02:00);
        assert_eq!(format_amz_date(t), "20150831T013000Z");
    }
}
