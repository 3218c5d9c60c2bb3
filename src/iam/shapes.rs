//! String shapes of the IAM service model (botocore's `iam/2010-05-08/service-2.json`):
//! the lengths and patterns every input is checked against.

use crate::aws_error;
use crate::error::AwsError;
use crate::protocol::query::{Input, Pattern, Shape};
use crate::store::Tag;

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

pub const ROLE_NAME: Shape = USER_NAME;

pub const GROUP_NAME: Shape = EXISTING_USER_NAME;

pub const INSTANCE_PROFILE_NAME: Shape = EXISTING_USER_NAME;

/// `[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`
fn is_role_description(s: &str) -> bool {
    s.chars()
        .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7E}' | '\u{A1}'..='\u{FF}'))
}

pub const ROLE_DESCRIPTION: Shape = Shape {
    min: 0,
    max: 1000,
    pattern: Some(Pattern {
        text: r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*",
        matches: is_role_description,
    }),
};

/// A role's sessions last between one and twelve hours.
pub const MAX_SESSION_DURATION: (i64, i64) = (3600, 43200);

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

pub const SERVER_CERTIFICATE_NAME: Shape = EXISTING_USER_NAME;

/// `[\u0009\u000A\u000D\u0020-\u00FF]+`: PEM text, SSH keys.
fn is_key_text(s: &str) -> bool {
    s.chars()
        .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FF}'))
}

const KEY_TEXT: Pattern = Pattern {
    text: r"[\u0009\u000A\u000D\u0020-\u00FF]+",
    matches: is_key_text,
};

pub const CERTIFICATE_BODY: Shape = Shape {
    min: 1,
    max: 16384,
    pattern: Some(KEY_TEXT),
};

pub const PRIVATE_KEY: Shape = CERTIFICATE_BODY;

pub const SSH_PUBLIC_KEY_BODY: Shape = CERTIFICATE_BODY;

pub const CERTIFICATE_CHAIN: Shape = Shape {
    min: 1,
    max: 2_097_152,
    pattern: Some(KEY_TEXT),
};

const WORD_PATTERN: Pattern = Pattern {
    text: r"[\w]+",
    matches: is_word,
};

pub const CERTIFICATE_ID: Shape = Shape {
    min: 24,
    max: 128,
    pattern: Some(WORD_PATTERN),
};

/// The ids of SSH public keys and of service-specific credentials.
pub const CREDENTIAL_ID: Shape = Shape {
    min: 20,
    max: 128,
    pattern: Some(WORD_PATTERN),
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

pub const POLICY_NAME: Shape = Shape {
    min: 1,
    max: 128,
    pattern: Some(NAME_PATTERN),
};

/// `[\u0009\u000A\u000D\u0020-\u00FF]+`
fn is_document_text(s: &str) -> bool {
    s.chars()
        .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FF}'))
}

pub const POLICY_DOCUMENT: Shape = Shape {
    min: 1,
    max: 131_072,
    pattern: Some(Pattern {
        text: r"[\u0009\u000A\u000D\u0020-\u00FF]+",
        matches: is_document_text,
    }),
};

/// `((/[A-Za-z0-9\.,\+@=_-]+)*)/`
fn is_policy_path(s: &str) -> bool {
    s.ends_with('/')
        && s[..s.len() - 1].split('/').skip(1).all(|segment| {
            !segment.is_empty()
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".,+@=_-".contains(&b))
        })
        && s.starts_with('/')
}

pub const POLICY_PATH: Shape = Shape {
    min: 1,
    max: 512,
    pattern: Some(Pattern {
        text: r"((/[A-Za-z0-9\.,\+@=_-]+)*)/",
        matches: is_policy_path,
    }),
};

pub const POLICY_DESCRIPTION: Shape = Shape {
    min: 0,
    max: 1000,
    pattern: None,
};

/// `v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`
fn is_version_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('v') else {
        return false;
    };
    let (number, suffix) = rest.split_once('.').unwrap_or((rest, ""));
    number.starts_with(|c: char| ('1'..='9').contains(&c))
        && number.bytes().all(|b| b.is_ascii_digit())
        && suffix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

pub const POLICY_VERSION_ID: Shape = Shape {
    min: 0,
    max: usize::MAX,
    pattern: Some(Pattern {
        text: r"v[1-9][0-9]*(\.[A-Za-z0-9-]*)?",
        matches: is_version_id,
    }),
};

/// `ActionNameType`: an action a simulation evaluates, `iam:CreateUser`.
pub const ACTION_NAME: Shape = Shape {
    min: 3,
    max: 128,
    pattern: None,
};

/// `ResourceNameType`: a simulated resource's ARN, a resource owner, a caller's ARN.
pub const RESOURCE_NAME: Shape = Shape {
    min: 1,
    max: 2048,
    pattern: None,
};

/// `ContextKeyNameType`: `aws:SourceIp`.
pub const CONTEXT_KEY_NAME: Shape = Shape {
    min: 5,
    max: 256,
    pattern: None,
};

/// `ContextKeyValueType`: unconstrained.
pub const CONTEXT_KEY_VALUE: Shape = Shape {
    min: 0,
    max: usize::MAX,
    pattern: None,
};

/// `ContextKeyTypeEnum`.
pub const CONTEXT_KEY_TYPES: &[&str] = &[
    "string",
    "stringList",
    "numeric",
    "numericList",
    "boolean",
    "booleanList",
    "ip",
    "ipList",
    "binary",
    "binaryList",
    "date",
    "dateList",
];

/// `ResourceHandlingOptionType`: an EC2 scenario name.
pub const RESOURCE_HANDLING_OPTION: Shape = Shape {
    min: 1,
    max: 64,
    pattern: None,
};

/// The most tags an IAM entity can have.
pub const MAX_TAGS: usize = 50;

/// The `Tags` member (`tagListType`) every taggable entity's actions take.
pub fn read_tags(input: &mut Input<'_>) -> Vec<Tag> {
    input.struct_list("Tags", MAX_TAGS, |m| Tag {
        key: m.required("Key", &TAG_KEY),
        value: m.required("Value", &TAG_VALUE),
    })
}

/// IAM refuses two tags whose keys differ only in case, and keys in the `aws:` namespace,
/// which AWS reserves for its own tags in any case (the message is iamlocal's wording).
pub fn check_tag_keys(tags: &[Tag]) -> Result<(), AwsError> {
    match tag_key_problem(tags) {
        None => Ok(()),
        Some(TagKeyProblem::Reserved(key)) => Err(aws_error!(
            InvalidInput,
            "Tag keys starting with 'aws:' are reserved for AWS use: {key}"
        )),
        Some(TagKeyProblem::Duplicate) => Err(aws_error!(
            InvalidInput,
            "Duplicate tag keys found. Please note that Tag keys are case insensitive."
        )),
    }
}

/// What IAM and STS both refuse in a list of tags (each with its own error).
pub enum TagKeyProblem<'a> {
    /// A key in the namespace AWS keeps for itself.
    Reserved(&'a str),
    /// Two keys that differ only in case.
    Duplicate,
}

/// The first problem of the tags' keys, if any.
pub fn tag_key_problem(tags: &[Tag]) -> Option<TagKeyProblem<'_>> {
    tags.iter().enumerate().find_map(|(i, tag)| {
        if is_reserved_tag_key(&tag.key) {
            Some(TagKeyProblem::Reserved(&tag.key))
        } else if tags[..i]
            .iter()
            .any(|t| t.key.eq_ignore_ascii_case(&tag.key))
        {
            Some(TagKeyProblem::Duplicate)
        } else {
            None
        }
    })
}

/// Whether a tag key is in the namespace AWS keeps for itself.
pub fn is_reserved_tag_key(key: &str) -> bool {
    key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:"))
}

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
        assert!(is_policy_path("/") && is_policy_path("/a/b-c/") && !is_policy_path("//"));
        assert!(!is_policy_path("/a") && !is_policy_path("a/"));
        assert!(is_version_id("v1") && is_version_id("v12.x-1") && !is_version_id("v0"));
        assert!(!is_version_id("1") && !is_version_id("v"));
        assert!(is_document_text("{\n\t\"é\"}") && !is_document_text("\u{0100}"));
    }
}
