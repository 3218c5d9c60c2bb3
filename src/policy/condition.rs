//! The `Condition` element: every operator, `…IfExists`, `ForAllValues:`/`ForAnyValue:`,
//! and `Null`.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html>
//!
//! The rules, as AWS states them:
//! - Several values for one key are ORed; several keys, and several operators, are ANDed.
//!   A negated operator (`StringNotEquals`, `ArnNotLike`, `NotIpAddress` …) is the negation
//!   of its positive twin, so its values are NORed: it holds when no value matches.
//! - "If the key that you specify in a policy condition is not present in the request
//!   context, the values do not match and the condition is false. If the policy condition
//!   requires that the key is not matched, such as `StringNotLike` or `ArnNotLike`, and the
//!   right key is not present, the condition is true."
//! - `…IfExists`: "If the key is not present, evaluate the condition element as true."
//! - `ForAllValues:` holds when every request value matches some policy value, and on an
//!   empty or missing key; `ForAnyValue:` holds when some request value does, and never on
//!   an empty or missing key. With a negated operator the negation applies to each request
//!   value ("no policy value matches it").
//! - Variables are substituted in the String, ARN and Bool operators only.

use std::cmp::Ordering;
use std::net::IpAddr;

use super::context::RequestContext;
use super::matching::{ArnPattern, Fold, Pattern, split_arn};
use super::variables::Variable;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Base {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

const OPERATORS: [(&str, Base); 27] = [
    ("StringEquals", Base::StringEquals),
    ("StringNotEquals", Base::StringNotEquals),
    ("StringEqualsIgnoreCase", Base::StringEqualsIgnoreCase),
    ("StringNotEqualsIgnoreCase", Base::StringNotEqualsIgnoreCase),
    ("StringLike", Base::StringLike),
    ("StringNotLike", Base::StringNotLike),
    ("NumericEquals", Base::NumericEquals),
    ("NumericNotEquals", Base::NumericNotEquals),
    ("NumericLessThan", Base::NumericLessThan),
    ("NumericLessThanEquals", Base::NumericLessThanEquals),
    ("NumericGreaterThan", Base::NumericGreaterThan),
    ("NumericGreaterThanEquals", Base::NumericGreaterThanEquals),
    ("DateEquals", Base::DateEquals),
    ("DateNotEquals", Base::DateNotEquals),
    ("DateLessThan", Base::DateLessThan),
    ("DateLessThanEquals", Base::DateLessThanEquals),
    ("DateGreaterThan", Base::DateGreaterThan),
    ("DateGreaterThanEquals", Base::DateGreaterThanEquals),
    ("Bool", Base::Bool),
    ("BinaryEquals", Base::BinaryEquals),
    ("IpAddress", Base::IpAddress),
    ("NotIpAddress", Base::NotIpAddress),
    ("ArnEquals", Base::ArnEquals),
    ("ArnLike", Base::ArnLike),
    ("ArnNotEquals", Base::ArnNotEquals),
    ("ArnNotLike", Base::ArnNotLike),
    ("Null", Base::Null),
];

impl Base {
    /// Operators that hold when their positive twin does not.
    fn negated(self) -> bool {
        matches!(
            self,
            Base::StringNotEquals
                | Base::StringNotEqualsIgnoreCase
                | Base::StringNotLike
                | Base::NumericNotEquals
                | Base::DateNotEquals
                | Base::NotIpAddress
                | Base::ArnNotEquals
                | Base::ArnNotLike
        )
    }

    pub(crate) fn is_date(self) -> bool {
        matches!(
            self,
            Base::DateEquals
                | Base::DateNotEquals
                | Base::DateLessThan
                | Base::DateLessThanEquals
                | Base::DateGreaterThan
                | Base::DateGreaterThanEquals
        )
    }

    /// For the ordering operators: whether `request` compared with the policy value passes.
    fn accepts(self, ordering: Ordering) -> bool {
        use Base::*;
        match self {
            NumericLessThan | DateLessThan => ordering == Ordering::Less,
            NumericLessThanEquals | DateLessThanEquals => ordering != Ordering::Greater,
            NumericGreaterThan | DateGreaterThan => ordering == Ordering::Greater,
            NumericGreaterThanEquals | DateGreaterThanEquals => ordering != Ordering::Less,
            _ => ordering == Ordering::Equal,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetOperator {
    None,
    ForAllValues,
    ForAnyValue,
}

/// A parsed operator name such as `ForAnyValue:StringLikeIfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Operator {
    pub(crate) base: Base,
    set: SetOperator,
    if_exists: bool,
}

impl Operator {
    /// `None` for a name IAM does not know; names are case-sensitive, as in moto's
    /// AWS-verified table. `NullIfExists` is not an operator ("You can add `IfExists` to the
    /// end of any condition operator name except the `Null` condition").
    pub(crate) fn parse(name: &str) -> Option<Operator> {
        let (set, rest) = if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (SetOperator::ForAnyValue, rest)
        } else if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (SetOperator::ForAllValues, rest)
        } else {
            (SetOperator::None, name)
        };
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(base) => (true, base),
            None => (false, rest),
        };
        let base = OPERATORS.iter().find(|(n, _)| *n == base)?.1;
        if base == Base::Null && if_exists {
            return None;
        }
        Some(Operator {
            base,
            set,
            if_exists,
        })
    }
}

/// The policy values of one condition, read once for what the operator compares.
#[derive(Debug, Clone)]
enum Values {
    Strings(Box<[Pattern]>, Fold),
    Numbers(Box<[Option<f64>]>),
    Dates(Box<[Option<i128>]>),
    Bools(Box<[Pattern]>),
    Binary(Box<[Option<Vec<u8>>]>),
    Ips(Box<[Option<Cidr>]>),
    Arns(Box<[ArnPattern]>),
    Null(Box<[Option<bool>]>),
}

/// One `"Operator": {"key": values}` entry.
#[derive(Debug, Clone)]
pub(crate) struct Condition {
    op: Operator,
    /// The key, lowercased.
    key: Box<str>,
    /// The key as written.
    pub(crate) name: Box<str>,
    values: Values,
    /// Whether any value holds a `${…}` to resolve first.
    has_variables: bool,
}

impl Condition {
    /// `variables`: whether the policy's version substitutes `${…}`. A value an operator
    /// cannot read (a number that is not one, an IP that is not one) never matches.
    pub(crate) fn new(op: Operator, key: &str, values: &[String], variables: bool) -> Condition {
        use Base::*;
        let patterns = |wildcards| {
            values
                .iter()
                .map(|v| Pattern::new(v, variables, wildcards))
                .collect()
        };
        let values = match op.base {
            StringEquals | StringNotEquals => Values::Strings(patterns(false), Fold::None),
            StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => {
                Values::Strings(patterns(false), Fold::Unicode)
            }
            StringLike | StringNotLike => Values::Strings(patterns(true), Fold::None),
            NumericEquals
            | NumericNotEquals
            | NumericLessThan
            | NumericLessThanEquals
            | NumericGreaterThan
            | NumericGreaterThanEquals => {
                Values::Numbers(values.iter().map(|v| v.trim().parse().ok()).collect())
            }
            DateEquals
            | DateNotEquals
            | DateLessThan
            | DateLessThanEquals
            | DateGreaterThan
            | DateGreaterThanEquals => {
                Values::Dates(values.iter().map(|v| parse_date(v)).collect())
            }
            Bool => Values::Bools(patterns(false)),
            BinaryEquals => Values::Binary(values.iter().map(|v| base64_decode(v)).collect()),
            IpAddress | NotIpAddress => {
                Values::Ips(values.iter().map(|v| Cidr::parse(v)).collect())
            }
            ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => Values::Arns(
                values
                    .iter()
                    .map(|v| ArnPattern::new(v, variables))
                    .collect(),
            ),
            Null => Values::Null(
                values
                    .iter()
                    .map(|v| match v.to_ascii_lowercase().as_str() {
                        "true" => Some(true),
                        "false" => Some(false),
                        _ => None,
                    })
                    .collect(),
            ),
        };
        let has_variables = match &values {
            Values::Strings(ps, _) | Values::Bools(ps) => {
                ps.iter().any(|p| p.variables().next().is_some())
            }
            Values::Arns(ps) => ps.iter().any(|p| p.variables().next().is_some()),
            _ => false,
        };
        Condition {
            op,
            has_variables,
            key: super::context::lowercase_key(key).into_owned().into(),
            name: key.into(),
            values,
        }
    }

    /// Whether the condition holds for this request.
    pub(crate) fn holds(&self, ctx: &RequestContext) -> bool {
        let requested = ctx.values_lowercase(&self.key);
        if let Values::Null(expected) = &self.values {
            // `"true"`: the key is absent; `"false"`: it is present.
            let absent = requested.is_empty();
            return expected.contains(&Some(absent));
        }
        // A variable that cannot be resolved makes the statement invalid (AWS, policy
        // variables): the condition does not hold, whichever way it is phrased.
        if self.has_variables && !self.resolvable(ctx) {
            return false;
        }
        let negated = self.op.base.negated();
        let matches = |v: &str| self.matches_any(v, ctx) == Some(true);
        match self.op.set {
            SetOperator::None => {
                if requested.is_empty() {
                    return self.op.if_exists || negated;
                }
                requested.iter().any(|v| matches(v)) != negated
            }
            SetOperator::ForAllValues => {
                if requested.is_empty() {
                    return true;
                }
                requested.iter().all(|v| matches(v) != negated)
            }
            SetOperator::ForAnyValue => {
                if requested.is_empty() {
                    return self.op.if_exists;
                }
                requested.iter().any(|v| matches(v) != negated)
            }
        }
    }

    fn resolvable(&self, ctx: &RequestContext) -> bool {
        match &self.values {
            Values::Strings(ps, _) | Values::Bools(ps) => ps.iter().all(|p| p.resolvable(ctx)),
            Values::Arns(ps) => ps.iter().all(|p| p.resolvable(ctx)),
            _ => true,
        }
    }

    /// Whether one request value matches any policy value, under the positive operator;
    /// `None` when a policy value holds a variable that cannot be resolved.
    fn matches_any(&self, v: &str, ctx: &RequestContext) -> Option<bool> {
        let base = self.op.base;
        match &self.values {
            Values::Strings(patterns, fold) => any(patterns, |p| p.matches(v, *fold, ctx)),
            Values::Bools(patterns) => any(patterns, |p| p.matches(v, Fold::Ascii, ctx)),
            Values::Arns(patterns) => {
                let parts = split_arn(v);
                any(patterns, |p| match p {
                    ArnPattern::Any => Some(true),
                    // `ArnLike` compares ARNs: a value that is not one never matches.
                    _ if parts.is_none() => Some(false),
                    _ => p.matches(v, parts.as_ref(), ctx),
                })
            }
            Values::Numbers(numbers) => {
                let Ok(x) = v.trim().parse::<f64>() else {
                    return Some(false);
                };
                Some(numbers.iter().flatten().any(|n| {
                    x.partial_cmp(n)
                        .is_some_and(|ordering| base.accepts(ordering))
                }))
            }
            Values::Dates(dates) => {
                let Some(x) = parse_date(v) else {
                    return Some(false);
                };
                Some(dates.iter().flatten().any(|d| base.accepts(x.cmp(d))))
            }
            Values::Binary(blobs) => {
                let decoded = base64_decode(v);
                let x = decoded.as_deref().unwrap_or(v.as_bytes());
                Some(blobs.iter().flatten().any(|b| b == x))
            }
            Values::Ips(cidrs) => {
                let Ok(ip) = v.trim().parse::<IpAddr>() else {
                    return Some(false);
                };
                Some(cidrs.iter().flatten().any(|c| c.contains(ip)))
            }
            Values::Null(_) => Some(false),
        }
    }

    /// The variables the values refer to.
    pub(crate) fn variables(&self) -> Vec<&Variable> {
        match &self.values {
            Values::Strings(ps, _) | Values::Bools(ps) => {
                ps.iter().flat_map(Pattern::variables).collect()
            }
            Values::Arns(ps) => ps.iter().flat_map(ArnPattern::variables).collect(),
            _ => Vec::new(),
        }
    }
}

fn any<T>(items: &[T], f: impl Fn(&T) -> Option<bool>) -> Option<bool> {
    let mut unresolved = false;
    for item in items {
        match f(item) {
            Some(true) => return Some(true),
            Some(false) => {}
            None => unresolved = true,
        }
    }
    if unresolved { None } else { Some(false) }
}

/// An `IpAddress` value: `203.0.113.0/24`, `2001:DB8:1234:5678::/64`, or a bare address
/// ("IAM uses the default prefix value of /32").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    v6: bool,
    network: u128,
    prefix: u8,
}

impl Cidr {
    pub(crate) fn parse(s: &str) -> Option<Cidr> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let (v6, network) = match addr.parse::<IpAddr>().ok()? {
            IpAddr::V4(a) => (false, u128::from(u32::from(a))),
            IpAddr::V6(a) => (true, u128::from(a)),
        };
        let width = if v6 { 128 } else { 32 };
        let prefix = match prefix {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok()?,
            Some(_) => return None,
            None => width,
        };
        if prefix > width {
            return None;
        }
        Some(Cidr {
            v6,
            network: network & mask(prefix, width),
            prefix,
        })
    }

    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) is the IPv4 address.
        let (v6, addr) = match ip.to_canonical() {
            IpAddr::V4(a) => (false, u128::from(u32::from(a))),
            IpAddr::V6(a) => (true, u128::from(a)),
        };
        let width = if v6 { 128 } else { 32 };
        v6 == self.v6 && addr & mask(self.prefix, width) == self.network
    }
}

fn mask(prefix: u8, width: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        (u128::MAX >> (128 - width)) & (u128::MAX << (width - prefix))
    }
}

/// `BinaryEquals` values are base64 (standard or URL-safe alphabet, padding optional).
pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim().trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

const NANOS_PER_SECOND: i128 = 1_000_000_000;

/// A date value, as nanoseconds since the Unix epoch: epoch seconds (`1700000000`) or one of
/// the W3C profiles of ISO 8601 (`2020`, `2020-01`, `2020-01-01`, `2020-01-01T12:00Z`,
/// `2020-01-01T12:00:00.5+02:00` …). What this refuses, IAM refuses with "The policy failed
/// legacy parsing" (the rules follow moto's AWS-verified table: a value with `T` or `-` is a
/// date, anything else epoch seconds; fractions up to nine digits; zones `Z`, `±hh`, `±hh:mm`).
pub(crate) fn parse_date(s: &str) -> Option<i128> {
    if !s.contains(['t', 'T', '-']) {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let seconds: i64 = s.parse().ok()?;
        return Some(i128::from(seconds) * NANOS_PER_SECOND);
    }
    let (date, time) = match s.find(['t', 'T']) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    let (negative, date) = match date.strip_prefix('-') {
        Some(date) => (true, date),
        None => (false, date),
    };
    let mut fields = date.split('-');
    let year = number(fields.next()?)?;
    let year = if negative { -year } else { year };
    if !(-292_275_054..=292_278_993).contains(&year) {
        return None;
    }
    let month = fields.next().map_or(Some(1), |m| ranged(m, 1, 12))?;
    let day = fields.next().map_or(Some(1), |d| ranged(d, 1, 31))?;
    if fields.next().is_some() {
        return None;
    }
    let (clock, offset) = split_zone(time)?;
    let mut fields = clock.split(':');
    let hour = match fields.next() {
        None | Some("") => 0,
        Some(h) => ranged(h, 0, 23)?,
    };
    let minute = fields.next().map_or(Some(0), |m| ranged(m, 0, 59))?;
    let (second, nanos) = fields.next().map_or(Some((0, 0)), seconds)?;
    if fields.next().is_some() {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let total = i128::from(days) * 86_400 + i128::from(hour * 3_600 + minute * 60 + second)
        - i128::from(offset);
    Some(total * NANOS_PER_SECOND + i128::from(nanos))
}

fn number(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn ranged(s: &str, low: i64, high: i64) -> Option<i64> {
    number(s).filter(|n| (low..=high).contains(n))
}

/// `ss` or `ss.fffffffff`: the seconds and the nanoseconds.
fn seconds(s: &str) -> Option<(i64, i64)> {
    let (whole, fraction) = match s.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (s, None),
    };
    let second = ranged(whole, 0, 59)?;
    let nanos = match fraction {
        None => 0,
        Some(f) if (1..=9).contains(&f.len()) => number(f)? * 10_i64.pow(9 - f.len() as u32),
        Some(_) => return None,
    };
    Some((second, nanos))
}

/// Splits the zone off a time: `12:00:00Z`, `12:00:00+02`, `12:00:00-05:30`. Returns the
/// clock and the zone's offset in seconds.
fn split_zone(time: &str) -> Option<(&str, i64)> {
    let Some(i) = time.find(['z', 'Z', '+', '-']) else {
        return Some((time, 0));
    };
    let (clock, zone) = time.split_at(i);
    let sign = match zone.as_bytes()[0] {
        b'z' | b'Z' => return (zone.len() == 1).then_some((clock, 0)),
        b'+' => 1,
        _ => -1,
    };
    let zone = &zone[1..];
    let (hours, minutes) = match zone.split_once(':') {
        Some((h, m)) => (h, Some(m)),
        None => (zone, None),
    };
    if hours.len() != 2 || minutes.is_some_and(|m| m.len() != 2) {
        return None;
    }
    let hours = ranged(hours, 0, 23)?;
    let minutes = minutes.map_or(Some(0), |m| ranged(m, 0, 59))?;
    Some((clock, sign * (hours * 3_600 + minutes * 60)))
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = if year >= 0 { year } else { year - 399 } / 400;
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests;
