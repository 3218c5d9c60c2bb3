//! The AWS Query protocol's input side: a form (POST body or GET query string) of
//! `Action`, `Version` and parameters, with lists as `Name.member.N` and structures in lists
//! as `Name.member.N.Field`.
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/iam-api.pdf#CommonParameters>
//!
//! Typed inputs are read through [`Input`], which checks each value against its botocore
//! shape (length, pattern, range) and reports every failure at once, in AWS's words:
//! `2 validation errors detected: Value 'x' at 'userName' failed to satisfy constraint: …`.

use std::fmt::Write;
use std::ops::Range;

use crate::aws_error;
use crate::error::AwsError;

/// The most parameters one request may carry; far above what any IAM call needs. AWS
/// documents no number; the bound keeps the linear look-ups of [`Params::get`] cheap.
const MAX_PARAMS: usize = 1_000;

/// The decoded name/value pairs of one request, in the order they came.
#[derive(Debug, Default, Clone)]
pub struct Params {
    /// Every name and value, decoded, one after the other: two allocations for a request,
    /// not two per pair.
    text: String,
    /// Where each pair's name and value lie in `text`.
    pairs: Vec<(Range<usize>, Range<usize>)>,
}

impl Params {
    /// Decodes `application/x-www-form-urlencoded` text (a body or a query string) and adds
    /// its pairs. Invalid percent-encoded UTF-8 is refused rather than silently replaced.
    pub fn extend_from_form(&mut self, form: &[u8]) -> Result<(), AwsError> {
        self.text.reserve(form.len());
        let mut scratch = Vec::new();
        for part in form.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
            let (name, value) = match part.iter().position(|&b| b == b'=') {
                Some(eq) => (&part[..eq], &part[eq + 1..]),
                None => (part, &b""[..]),
            };
            if self.pairs.len() >= MAX_PARAMS {
                return Err(aws_error!(
                    InvalidQueryParameter,
                    "The request has more than {MAX_PARAMS} parameters."
                ));
            }
            let name = decode_into(&mut self.text, &mut scratch, name)?;
            let value = decode_into(&mut self.text, &mut scratch, value)?;
            self.pairs.push((name, value));
        }
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs
            .iter()
            .map(|(n, v)| (&self.text[n.clone()], &self.text[v.clone()]))
    }

    /// The `N`s of `{prefix}.member.N…` present, ascending and without repeats.
    fn member_indexes(&self, prefix: &str) -> Vec<u32> {
        let mut indexes: Vec<u32> = self
            .iter()
            .filter_map(|(n, _)| {
                let rest = n.strip_prefix(prefix)?.strip_prefix(".member.")?;
                rest.split('.').next()?.parse().ok()
            })
            .collect();
        indexes.sort_unstable();
        indexes.dedup();
        indexes
    }

    pub fn action(&self) -> Option<&str> {
        self.get("Action")
    }
}

/// Appends `raw` decoded to `text` and says where it lies: `+` is a space in forms, `%XX` is
/// a byte, and the bytes must be UTF-8. `scratch` holds the bytes of an escaped `raw`.
fn decode_into(
    text: &mut String,
    scratch: &mut Vec<u8>,
    raw: &[u8],
) -> Result<Range<usize>, AwsError> {
    let escaped = raw.iter().any(|&b| b == b'%' || b == b'+');
    let bytes = if escaped {
        scratch.clear();
        scratch.reserve(raw.len());
        decode(raw, scratch);
        &scratch[..]
    } else {
        raw
    };
    let decoded = std::str::from_utf8(bytes).map_err(|_| {
        aws_error!(
            InvalidQueryParameter,
            "The AWS query string is malformed or does not adhere to AWS standards: \
             parameters must be UTF-8."
        )
    })?;
    let start = text.len();
    text.push_str(decoded);
    Ok(start..text.len())
}

/// One pass: `+` is a space, `%XX` a byte, a `%` without two hex digits after it stays as it
/// is (as `percent_decode` reads it).
fn decode(raw: &[u8], bytes: &mut Vec<u8>) {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => bytes.push(b' '),
            b'%' => {
                let digit = |at: usize| raw.get(at).copied().and_then(hex);
                match (digit(i + 1), digit(i + 2)) {
                    (Some(high), Some(low)) => {
                        bytes.push(high << 4 | low);
                        i += 2;
                    }
                    _ => bytes.push(b'%'),
                }
            }
            b => bytes.push(b),
        }
        i += 1;
    }
}

/// A string shape of the service model: its length bounds and pattern.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub min: usize,
    pub max: usize,
    pub pattern: Option<Pattern>,
}

impl Shape {
    /// The constraints `value` fails, in AWS's words (`Member must …`).
    pub fn violations(&self, value: &str) -> Vec<String> {
        let mut failed = Vec::new();
        let len = value.chars().count();
        if len < self.min {
            failed.push(format!(
                "Member must have length greater than or equal to {}",
                self.min
            ));
        }
        if len > self.max {
            failed.push(format!(
                "Member must have length less than or equal to {}",
                self.max
            ));
        }
        if let Some(pattern) = self.pattern
            && !(pattern.matches)(value)
        {
            failed.push(format!(
                "Member must satisfy regular expression pattern: {}",
                pattern.text
            ));
        }
        failed
    }
}

/// A model pattern: the text AWS quotes in its message, and the check that implements it.
#[derive(Debug, Clone, Copy)]
pub struct Pattern {
    pub text: &'static str,
    pub matches: fn(&str) -> bool,
}

/// Reads typed values out of [`Params`], collecting every validation failure.
pub struct Input<'a> {
    params: &'a Params,
    errors: Vec<String>,
}

impl<'a> Input<'a> {
    pub fn new(params: &'a Params) -> Self {
        Input {
            params,
            errors: Vec::new(),
        }
    }

    /// An optional string member; checked against its shape when present.
    pub fn string(&mut self, name: &str, shape: &Shape) -> Option<String> {
        let value = self.params.get(name)?;
        self.check(|| member_path(name), value, shape);
        Some(value.to_owned())
    }

    /// An optional string member the model marks sensitive (a password): checked like
    /// [`Input::string`], but failures leave its value out of the message, as AWS's do.
    pub fn secret(&mut self, name: &str, shape: &Shape) -> Option<String> {
        let value = self.params.get(name)?;
        self.check_shown(|| member_path(name), value, None, shape);
        Some(value.to_owned())
    }

    /// [`Input::secret`] for a required member.
    pub fn required_secret(&mut self, name: &str, shape: &Shape) -> String {
        match self.secret(name, shape) {
            Some(value) => value,
            None => {
                self.null(&member_path(name));
                String::new()
            }
        }
    }

    /// A required string member: missing is `Value null … Member must not be null`.
    pub fn required(&mut self, name: &str, shape: &Shape) -> String {
        match self.string(name, shape) {
            Some(value) => value,
            None => {
                self.null(&member_path(name));
                String::new()
            }
        }
    }

    /// An optional enum member.
    pub fn enumeration(&mut self, name: &str, allowed: &[&str]) -> Option<String> {
        let value = self.params.get(name)?;
        if !allowed.contains(&value) {
            self.fail(
                &member_path(name),
                value,
                &format!(
                    "Member must satisfy enum value set: [{}]",
                    allowed.join(", ")
                ),
            );
        }
        Some(value.to_owned())
    }

    pub fn required_enum(&mut self, name: &str, allowed: &[&str]) -> String {
        self.enumeration(name, allowed).unwrap_or_else(|| {
            self.null(&member_path(name));
            String::new()
        })
    }

    /// An optional integer member within `min..=max`.
    pub fn integer(&mut self, name: &str, min: i64, max: i64) -> Option<i64> {
        let raw = self.params.get(name)?;
        let path = member_path(name);
        let Ok(value) = raw.trim().parse::<i64>() else {
            self.errors.push(format!(
                "Value '{raw}' at '{path}' failed to satisfy constraint: Member must be a number"
            ));
            return None;
        };
        if value < min {
            self.fail(
                &path,
                raw,
                &format!("Member must have value greater than or equal to {min}"),
            );
        } else if value > max {
            self.fail(
                &path,
                raw,
                &format!("Member must have value less than or equal to {max}"),
            );
        }
        Some(value)
    }

    /// An optional boolean member: `true` or `false`.
    pub fn boolean(&mut self, name: &str) -> Option<bool> {
        let raw = self.params.get(name)?;
        match raw {
            "true" => Some(true),
            "false" => Some(false),
            _ => {
                self.fail(&member_path(name), raw, "Member must be a boolean");
                None
            }
        }
    }

    /// A list of strings, `{name}.member.N`.
    pub fn string_list(&mut self, name: &str, max_items: usize, shape: &Shape) -> Vec<String> {
        self.string_list_at(name, &|| member_path(name), max_items, shape)
    }

    /// A list of strings on the wire at `wire`, named `path()` in messages.
    fn string_list_at(
        &mut self,
        wire: &str,
        path: &dyn Fn() -> String,
        max_items: usize,
        shape: &Shape,
    ) -> Vec<String> {
        let indexes = self.params.member_indexes(wire);
        self.check_list_size(path, indexes.len(), max_items);
        let mut values = Vec::with_capacity(indexes.len());
        for n in indexes {
            let key = format!("{wire}.member.{n}");
            if let Some(value) = self.params.get(&key) {
                self.check(|| format!("{}.{n}.member", path()), value, shape);
                values.push(value.to_owned());
            }
        }
        values
    }

    /// A list of structures, `{name}.member.N.{field}`, each read by `each` with a
    /// [`Member`] that prefixes its field names.
    pub fn struct_list<T>(
        &mut self,
        name: &str,
        max_items: usize,
        mut each: impl FnMut(&mut Member<'_, 'a>) -> T,
    ) -> Vec<T> {
        let indexes = self.params.member_indexes(name);
        self.check_list_size(|| member_path(name), indexes.len(), max_items);
        indexes
            .into_iter()
            .map(|n| {
                each(&mut Member {
                    input: self,
                    wire_prefix: format!("{name}.member.{n}."),
                    path_prefix: format!("{}.{n}.member.", member_path(name)),
                })
            })
            .collect()
    }

    /// Is the member present with a value?
    pub fn has_value(&self, name: &str) -> bool {
        self.params.get(name).is_some()
    }

    /// Records `Member must not be null` unless the member is present, as a value or a list.
    pub fn require_present(&mut self, name: &str) {
        if self.params.get(name).is_none() && self.params.member_indexes(name).is_empty() {
            self.null(&member_path(name));
        }
    }

    fn check_list_size(&mut self, path: impl FnOnce() -> String, len: usize, max_items: usize) {
        if len > max_items {
            self.errors.push(format!(
                "Value at '{}' failed to satisfy constraint: \
                 Member must have length less than or equal to {max_items}",
                path()
            ));
        }
    }

    /// Checks `value` against `shape`; `path` names the member in the messages, made only
    /// when there is one.
    fn check(&mut self, path: impl FnOnce() -> String, value: &str, shape: &Shape) {
        self.check_shown(path, value, Some(value), shape);
    }

    /// [`Input::check`], showing `shown` as the value in messages (`None`: no value).
    fn check_shown(
        &mut self,
        path: impl FnOnce() -> String,
        value: &str,
        shown: Option<&str>,
        shape: &Shape,
    ) {
        let failed = shape.violations(value);
        if failed.is_empty() {
            return;
        }
        let path = path();
        for constraint in failed {
            self.fail_shown(&path, shown, &constraint);
        }
    }

    fn null(&mut self, path: &str) {
        self.errors.push(format!(
            "Value null at '{path}' failed to satisfy constraint: Member must not be null"
        ));
    }

    fn fail(&mut self, path: &str, value: &str, constraint: &str) {
        self.fail_shown(path, Some(value), constraint);
    }

    fn fail_shown(&mut self, path: &str, value: Option<&str>, constraint: &str) {
        let value = value.map(|v| format!("'{v}' ")).unwrap_or_default();
        self.errors.push(format!(
            "Value {value}at '{path}' failed to satisfy constraint: {constraint}"
        ));
    }

    /// `Ok` when every value read so far was valid, else one `ValidationError` naming all.
    pub fn finish(self) -> Result<(), AwsError> {
        if self.errors.is_empty() {
            return Ok(());
        }
        let n = self.errors.len();
        let mut message = format!(
            "{n} validation error{} detected: ",
            if n == 1 { "" } else { "s" }
        );
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                message.push_str("; ");
            }
            let _ = write!(message, "{e}");
        }
        Err(AwsError::new(
            crate::error::ErrorCode::ValidationError,
            message,
        ))
    }
}

/// The error of a required member left out, for a member only the handler can tell is
/// required (it is optional for some callers).
pub fn missing_member(name: &str) -> AwsError {
    AwsError::new(
        crate::error::ErrorCode::ValidationError,
        format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: \
             Member must not be null",
            member_path(name)
        ),
    )
}

/// One structure of a list, read through its parent [`Input`].
pub struct Member<'i, 'a> {
    input: &'i mut Input<'a>,
    wire_prefix: String,
    path_prefix: String,
}

impl Member<'_, '_> {
    pub fn required(&mut self, field: &str, shape: &Shape) -> String {
        self.string(field, shape).unwrap_or_else(|| {
            let path = self.path(field);
            self.input.null(&path);
            String::new()
        })
    }

    /// An optional string field; checked against its shape when present.
    pub fn string(&mut self, field: &str, shape: &Shape) -> Option<String> {
        let value = self.input.params.get(&self.wire(field))?;
        let prefix = &self.path_prefix;
        self.input.check(|| field_path(prefix, field), value, shape);
        Some(value.to_owned())
    }

    /// An optional enum field.
    pub fn enumeration(&mut self, field: &str, allowed: &[&str]) -> Option<String> {
        let value = self.input.params.get(&self.wire(field))?;
        if !allowed.contains(&value) {
            self.input.fail(
                &self.path(field),
                value,
                &format!(
                    "Member must satisfy enum value set: [{}]",
                    allowed.join(", ")
                ),
            );
        }
        Some(value.to_owned())
    }

    /// A list of strings inside the structure, `….{field}.member.M`.
    pub fn string_list(&mut self, field: &str, max_items: usize, shape: &Shape) -> Vec<String> {
        let wire = self.wire(field);
        let prefix = &self.path_prefix;
        let path = || field_path(prefix, field);
        self.input.string_list_at(&wire, &path, max_items, shape)
    }

    fn wire(&self, field: &str) -> String {
        format!("{}{field}", self.wire_prefix)
    }

    fn path(&self, field: &str) -> String {
        field_path(&self.path_prefix, field)
    }
}

/// A field of a structure in a list, as messages name it: `tags.1.member.key`.
fn field_path(prefix: &str, field: &str) -> String {
    format!("{prefix}{}", lower_first(field))
}

/// AWS names members in messages in lower camel case: `UserName` → `userName`.
fn member_path(name: &str) -> String {
    lower_first(name)
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(form: &str) -> Params {
        let mut p = Params::default();
        p.extend_from_form(form.as_bytes()).unwrap();
        p
    }

    const NAME: Shape = Shape {
        min: 1,
        max: 5,
        pattern: Some(Pattern {
            text: "[a-z]+",
            matches: |s| s.bytes().all(|b| b.is_ascii_lowercase()),
        }),
    };

    #[test]
    fn forms_decode_plus_and_percent() {
        let p = params("Action=ListUsers&PathPrefix=%2Fa+b%2F&Empty=&Flag");
        assert_eq!(p.action(), Some("ListUsers"));
        assert_eq!(p.get("PathPrefix"), Some("/a b/"));
        assert_eq!(p.get("Empty"), Some(""));
        assert_eq!(p.get("Flag"), Some(""));
    }

    #[test]
    fn decoding_reads_escapes_as_percent_decode_does() {
        for raw in [
            "",
            "a",
            "%",
            "%2",
            "%2B",
            "%2b+",
            "%zz",
            "%+1",
            "a%",
            "%%41",
            "%41%",
            "+%2",
            "%e2%82%ac",
            "100%+sure",
            "%4",
        ] {
            let plus_as_space = raw.replace('+', " ");
            let expected = percent_encoding::percent_decode_str(&plus_as_space)
                .decode_utf8()
                .unwrap()
                .into_owned();
            let mut text = "before".to_owned();
            let at = decode_into(&mut text, &mut Vec::new(), raw.as_bytes()).unwrap();
            assert_eq!(text[at], expected, "{raw:?}");
        }
    }

    #[test]
    fn invalid_utf8_is_refused() {
        let mut p = Params::default();
        let err = p.extend_from_form(b"Action=%FF%FE").unwrap_err();
        assert_eq!(err.code, crate::error::ErrorCode::InvalidQueryParameter);
        // Raw bytes are checked as well as escaped ones.
        let err = p.extend_from_form(b"Action=\xFF").unwrap_err();
        assert_eq!(err.code, crate::error::ErrorCode::InvalidQueryParameter);
    }

    #[test]
    fn list_members_are_read_in_index_order() {
        let p = params("Keys.member.2=b&Keys.member.10=c&Keys.member.1=a");
        let mut input = Input::new(&p);
        assert_eq!(input.string_list("Keys", 50, &NAME), ["a", "b", "c"]);
        input.finish().unwrap();
    }

    #[test]
    fn every_failure_is_reported_in_aws_words() {
        let p = params("Name=ABCDEFG");
        let mut input = Input::new(&p);
        input.string("Name", &NAME);
        input.required("Other", &NAME);
        let err = input.finish().unwrap_err();
        assert_eq!(
            err.message,
            "3 validation errors detected: \
             Value 'ABCDEFG' at 'name' failed to satisfy constraint: Member must have length less than or equal to 5; \
             Value 'ABCDEFG' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+; \
             Value null at 'other' failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn struct_lists_name_their_members_like_aws() {
        let p = params("Tags.member.1.Key=ok&Tags.member.1.Value=&Tags.member.2.Key=BAD");
        let mut input = Input::new(&p);
        let tags = input.struct_list("Tags", 50, |m| {
            (m.required("Key", &NAME), m.required("Value", &NAME))
        });
        assert_eq!(tags.len(), 2);
        let err = input.finish().unwrap_err();
        assert!(
            err.message.contains("at 'tags.1.member.value'"),
            "{}",
            err.message
        );
        assert!(err.message.contains("Value 'BAD' at 'tags.2.member.key'"));
        assert!(err.message.contains("Value null at 'tags.2.member.value'"));
    }

    #[test]
    fn lists_inside_struct_lists_are_read_and_named_like_aws() {
        let p = params(
            "E.member.1.Name=ok&E.member.1.Values.member.2=b&E.member.1.Values.member.1=a\
             &E.member.1.Kind=x&E.member.2.Values.member.1=BAD",
        );
        let mut input = Input::new(&p);
        let entries = input.struct_list("E", 50, |m| {
            (
                m.string("Name", &NAME),
                m.string_list("Values", 50, &NAME),
                m.enumeration("Kind", &["x", "y"]),
            )
        });
        assert_eq!(
            entries[0],
            (
                Some("ok".into()),
                vec!["a".into(), "b".into()],
                Some("x".into())
            )
        );
        assert_eq!(entries[1], (None, vec!["BAD".into()], None));
        let err = input.finish().unwrap_err();
        assert!(
            err.message
                .contains("Value 'BAD' at 'e.2.member.values.1.member'"),
            "{}",
            err.message
        );
    }

    #[test]
    fn integers_are_range_checked() {
        let p = params("MaxItems=0&Other=x");
        let mut input = Input::new(&p);
        input.integer("MaxItems", 1, 1000);
        input.integer("Other", 1, 1000);
        let err = input.finish().unwrap_err();
        assert!(err.message.starts_with("2 validation errors detected"));
        assert!(
            err.message
                .contains("Member must have value greater than or equal to 1")
        );
    }
}
