//! Time-based one-time passwords as virtual MFA apps compute them: RFC 6238 over HMAC-SHA1,
//! 30-second steps, 6 digits, on iamlocal's virtual clock; and the RFC 4648 base32 that
//! seeds are shown in.
//! <https://datatracker.ietf.org/doc/html/rfc6238>

use ring::hmac;
use time::OffsetDateTime;

/// Seconds per time step (RFC 6238's X).
const STEP_SECONDS: i64 = 30;

/// AWS's virtual MFA seeds are 64 base32 characters: 40 random bytes.
const SEED_BYTES: usize = 40;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The time step `t` falls in: `floor(unix time / 30)` (RFC 6238's T, with T0 = 0).
pub fn step_at(t: OffsetDateTime) -> i64 {
    t.unix_timestamp().div_euclid(STEP_SECONDS)
}

/// The 6-digit code of `step` for `key` (RFC 4226's HOTP with the step as counter).
pub fn code(key: &[u8], step: i64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, key);
    let mac = hmac::sign(&key, &step.to_be_bytes());
    let mac = mac.as_ref();
    // Dynamic truncation (RFC 4226 §5.3).
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        mac[offset],
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]) & 0x7fff_ffff;
    format!("{:06}", binary % 1_000_000)
}

/// The first step of `steps` whose code is `code`.
pub fn matching_step(
    key: &[u8],
    code_given: &str,
    steps: impl IntoIterator<Item = i64>,
) -> Option<i64> {
    steps
        .into_iter()
        .find(|&step| code(key, step) == code_given)
}

/// How many steps either side of the expected one a code may be from: AWS, like RFC 6238
/// §5.2 advises, accepts the codes of the neighbouring steps.
pub const WINDOW: i64 = 1;

/// How many steps either side of now two consecutive codes may be found at when a device
/// is enabled or resynchronised: a device whose clock is off by up to five minutes.
// AWS does not document its window; five minutes covers clocks that drifted without
// accepting a pair of random wrong codes (one chance in 10^12 per step).
pub const SYNC_WINDOW: i64 = 10;

/// The first step of two consecutive codes, within [`SYNC_WINDOW`] of `now_step` and after
/// `last_step` (a code is good once).
pub fn matching_pair(
    key: &[u8],
    codes: (&str, &str),
    now_step: i64,
    last_step: i64,
) -> Option<i64> {
    (now_step - SYNC_WINDOW..=now_step + SYNC_WINDOW)
        .filter(|&step| step > last_step)
        .find(|&step| code(key, step) == codes.0 && code(key, step + 1) == codes.1)
}

/// How many steps a device's clock is off, from the step of a code it just showed: none
/// while that is within [`WINDOW`] (a request made across a step boundary is no drift).
pub fn drift(now_step: i64, device_step: i64) -> i64 {
    let off = device_step - now_step;
    if off.abs() <= WINDOW { 0 } else { off }
}

/// A new random seed, in base32 as `Base32StringSeed` shows it.
pub fn new_seed() -> String {
    let mut seed = [0u8; SEED_BYTES];
    rand::fill(&mut seed);
    base32_encode(&seed)
}

/// RFC 4648 base32, unpadded (a 40-byte seed needs no padding).
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes RFC 4648 base32 (padding optional); `None` for any other character.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.trim_end_matches('=').bytes() {
        let value = BASE32.iter().position(|&b| b == c)? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B: the SHA1 key and the 8-digit codes at its test times; a 6-digit
    /// code is the last six digits of the 8-digit one.
    #[test]
    fn codes_match_the_rfc_6238_sha1_test_vectors() {
        let key = b"12345678901234567890";
        for (unix, eight_digits) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            let t = OffsetDateTime::from_unix_timestamp(unix).unwrap();
            assert_eq!(code(key, step_at(t)), eight_digits[2..], "at {unix}");
        }
    }

    #[test]
    fn the_step_is_found_among_the_candidates() {
        let key = b"12345678901234567890";
        let step = step_at(OffsetDateTime::from_unix_timestamp(1_111_111_109).unwrap());
        assert_eq!(
            matching_step(key, "081804", step - 1..=step + 1),
            Some(step)
        );
        assert_eq!(matching_step(key, "081804", step + 1..=step + 2), None);
    }

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("MZXW6YTBOI======").unwrap(), b"foobar");
        let seed = new_seed();
        assert_eq!(seed.len(), 64);
        assert_eq!(base32_encode(&base32_decode(&seed).unwrap()), seed);
        assert_eq!(base32_decode("not base32!"), None);
    }
}
