//! String shapes of the IAM service model (botocore's `iam/2010-05-08/service-2.json`):
//! the lengths and patterns every input is checked against.

use crate::protocol::query::{Pattern, Shape};

/// `[\w+=,.@-]+` — `\w` is ASCII here, as in the Java regexes AWS validates with.
fn is_name(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

fn is_word(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`
fn is_path(s: &str) -> bool {
    s == "/"
        || (s.len() >= 3
            && s.starts_with('/')
            && s.ends_with('/')
            && s.bytes().all(|b| (0x21..=0x7E).contains(&b)))
}

/// `\u002F[\u0021-\u007F]*`
fn is_path_prefix(s: &str) -> bool {
    s.starts_with('/') && s.bytes().all(|b| (0x21..=0x7F).contains(&b))
}

/// `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`
fn is_tag_text(s: &str) -> bool {
    s.chars().all(|c| {
        c.is_alphanumeric() || (c.is_whitespace() && !c.is_control()) || "_.:/=+-@".contains(c)
    })
}

/// `[\u0020-\u00FF]+`
fn is_marker(s: &str) -> bool {
    s.chars().all(|c| ('\u{20}'..='\u{FF}').contains(&c))
}

const NAME_PATTERN: Pattern = Pattern {
    text: r"[\w+=,.@-]+",
    matches: is_name,
};

pub const USER_NAME: Shape = Shape {
    min: 1,
    max: 64,
    pattern: Some(NAME_PATTERN),
};

/// Names of entities that already exist are checked more loosely than new ones (128).
pub const EXISTING_USER_NAME: Shape = Shape {
    min: 1,
    max: 128,
    pattern: Some(NAME_PATTERN),
};

pub const PATH: Shape = Shape {
    min: 1,
    max: 512,
    pattern: Some(Pattern {
        text: r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)",
        matches: is_path,
    }),
};

pub const PATH_PREFIX: Shape = Shape {
    min: 1,
    max: 512,
    pattern: Some(Pattern {
        text: r"\u002F[\u0021-\u007F]*",
        matches: is_path_prefix,
    }),
};

pub const MARKER: Shape = Shape {
    min: 1,
    max: 320,
    pattern: Some(Pattern {
        text: r"[\u0020-\u00FF]+",
        matches: is_marker,
    }),
};

pub const ACCESS_KEY_ID: Shape = Shape {
    min: 16,
    max: 128,
    pattern: Some(Pattern {
        text: r"[\w]+",
        matches: is_word,
    }),
};

pub const ARN: Shape = Shape {
    min: 20,
    max: 2048,
    pattern: None,
};

pub const TAG_KEY: Shape = Shape {
    min: 1,
    max: 128,
    pattern: Some(Pattern {
        text: r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+",
        matches: is_tag_text,
    }),
};

pub const TAG_VALUE: Shape = Shape {
    min: 0,
    max: 256,
    pattern: Some(Pattern {
        text: r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*",
        matches: is_tag_text,
    }),
};

/// The most tags an IAM entity can have.
pub const MAX_TAGS: usize = 50;

/// Access key statuses; `Expired` exists in the model but cannot be set by a caller.
pub const KEY_STATUSES: &[&str] = &["Active", "Inactive", "Expired"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_follow_the_model() {
        assert!(is_name("alice+ops=x,y.z@corp-1_"));
        assert!(!is_name("alice smith"));
        assert!(!is_name("älice"));
        assert!(is_path("/") && is_path("/eng/") && is_path("/a/b/"));
        assert!(!is_path("//") && !is_path("/eng") && !is_path("eng/") && !is_path("/a b/"));
        assert!(is_path_prefix("/") && is_path_prefix("/eng") && !is_path_prefix("eng"));
        assert!(is_tag_text("Cost Center:é/=+-@_.1") && !is_tag_text("a*b"));
        assert!(is_tag_text(""));
    }
}
