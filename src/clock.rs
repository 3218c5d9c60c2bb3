//! The one source of "now" for expiry, `aws:CurrentTime` and key last-used dates.
//!
//! Real time plus an offset that only moves forward, so a test can jump past a credential's
//! expiry without waiting. SigV4's 15-minute skew check is the one thing that reads the
//! real wall clock instead: SDKs sign with real time and must keep working after a jump.

use std::sync::atomic::{AtomicI64, Ordering};

use time::{Duration, OffsetDateTime};

#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    pub fn new() -> Self {
        Self::default()
    }

    /// The virtual now: wall clock plus every advance made so far.
    pub fn now(&self) -> OffsetDateTime {
        self.at(OffsetDateTime::now_utc())
    }

    /// The virtual time of a wall-clock reading, for a request that reads the wall clock once
    /// for both (date arithmetic is dearer than the reading; none is done without an advance).
    pub fn at(&self, wall_clock: OffsetDateTime) -> OffsetDateTime {
        match self.offset_ms.load(Ordering::Relaxed) {
            0 => wall_clock,
            ms => wall_clock + Duration::milliseconds(ms),
        }
    }

    pub fn offset(&self) -> Duration {
        Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves the clock forward; a negative or zero amount changes nothing, because time
    /// that runs backwards would un-expire credentials.
    pub fn advance(&self, by: Duration) {
        let ms = by.whole_milliseconds().clamp(0, i64::MAX as i128) as i64;
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

/// AWS's timestamp format in XML responses: ISO 8601, UTC, `Z`.
pub fn iso8601(t: OffsetDateTime) -> String {
    let mut out = String::with_capacity(20);
    write_iso8601(&mut out, t);
    out
}

/// [`iso8601`], appended to `out` (a listing writes one per item, without a `String` each).
pub fn write_iso8601(out: &mut String, t: OffsetDateTime) {
    // Written digit by digit: this runs for every item of a listing and in every
    // authorization (`aws:CurrentTime`), where a `time` format description costs ten times
    // as much.
    let t = t.to_offset(time::UtcOffset::UTC);
    let fields = [
        (t.year().clamp(0, 9999) as u32, 4, b'-'),
        (u32::from(u8::from(t.month())), 2, b'-'),
        (u32::from(t.day()), 2, b'T'),
        (u32::from(t.hour()), 2, b':'),
        (u32::from(t.minute()), 2, b':'),
        (u32::from(t.second()), 2, b'Z'),
    ];
    let mut text = [0u8; 20];
    let mut at = 0;
    for (mut n, width, after) in fields {
        for digit in text[at..at + width].iter_mut().rev() {
            *digit = b'0' + (n % 10) as u8;
            n /= 10;
        }
        text[at + width] = after;
        at += width + 1;
    }
    out.push_str(std::str::from_utf8(&text).expect("ASCII digits and separators"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_only_moves_forward() {
        let clock = Clock::new();
        clock.advance(Duration::hours(2));
        clock.advance(Duration::hours(-5));
        assert_eq!(clock.offset(), Duration::hours(2));
        assert!(clock.now() > OffsetDateTime::now_utc() + Duration::minutes(119));
    }

    #[test]
    fn timestamps_are_rendered_as_aws_does() {
        let t = time::macros::datetime!(2026-11-27 03:04:05.678 UTC);
        assert_eq!(iso8601(t), "2026-11-27T03:04:05Z");
    }
}
