//! Policy variables: `${aws:username}`, `${aws:PrincipalTag/team, 'none'}`, and the three
//! escapes `${*}`, `${?}`, `${$}`.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html>
//!
//! Variables exist only under `"Version": "2012-10-17"`: "If you don't include the `Version`
//! element and set it to an appropriate version date, variables like `${aws:username}` are
//! treated as literal strings in the policy." The parser therefore tokenizes with
//! `enabled = false` for older or absent versions, and the text stays as written.
//!
//! A variable is substituted when a statement is matched, from the request context. Its key
//! is case-insensitive, as every context key is. A key absent from the context (or
//! multi-valued, which AWS cannot substitute) takes the default if one is given; otherwise
//! "any attempt to match it fails and causes the statement to be invalid" (AWS, "Principal
//! key values"): the value it sits in never matches.

/// A `${key}` or `${key, 'default'}` reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Variable {
    /// The key, lowercased: what the context is searched for.
    pub(crate) key: Box<str>,
    /// The key as the policy wrote it, for `GetContextKeysFor*Policy`.
    pub(crate) name: Box<str>,
    pub(crate) default: Option<Box<str>>,
}

impl Variable {
    /// The value this variable stands for in `vars`, or `None` when it cannot be resolved.
    pub(crate) fn resolve<'a>(&'a self, vars: &'a dyn Variables) -> Option<&'a str> {
        vars.single_value(&self.key).or(self.default.as_deref())
    }
}

/// Where variables get their values: the request context.
pub(crate) trait Variables {
    /// The value of a single-valued key given in lowercase; `None` when the key is absent or
    /// multi-valued.
    fn single_value(&self, key: &str) -> Option<&str>;
}

/// For strings that can hold no variables (actions, or any policy before 2012-10-17).
pub(crate) struct NoVariables;

impl Variables for NoVariables {
    fn single_value(&self, _key: &str) -> Option<&str> {
        None
    }
}

/// A piece of a policy string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    /// Text as written, where `*` and `?` keep whatever wildcard meaning the element gives them.
    Text(&'a str),
    /// `${*}`, `${?}`, `${$}`: the character itself, never a wildcard.
    Escaped(char),
    Variable(Variable),
}

/// Splits `s` into text, escapes and variables. With `enabled = false` (a policy older than
/// 2012-10-17) the whole string is one `Text`.
pub(crate) fn tokenize(s: &str, enabled: bool) -> Vec<Token<'_>> {
    if !enabled || !s.contains("${") {
        return vec![Token::Text(s)];
    }
    let mut tokens = Vec::new();
    let mut text_start = 0;
    let mut search_from = 0;
    while let Some(found) = s[search_from..].find("${") {
        let open = search_from + found;
        let Some(close) = s[open + 2..].find('}').map(|i| open + 2 + i) else {
            break;
        };
        match parse_reference(&s[open + 2..close]) {
            Some(token) => {
                if open > text_start {
                    tokens.push(Token::Text(&s[text_start..open]));
                }
                tokens.push(token);
                text_start = close + 1;
                search_from = close + 1;
            }
            // Not a variable (`${}`, `${a, b}` …): the characters stay text.
            None => search_from = open + 2,
        }
    }
    if text_start < s.len() {
        tokens.push(Token::Text(&s[text_start..]));
    }
    tokens
}

/// The inside of `${…}`.
fn parse_reference(inner: &str) -> Option<Token<'static>> {
    match inner {
        "*" => return Some(Token::Escaped('*')),
        "?" => return Some(Token::Escaped('?')),
        "$" => return Some(Token::Escaped('$')),
        _ => {}
    }
    // `${key, 'default'}`: AWS's form is a comma, a space, and the default in single quotes.
    let (key, default) = match inner.split_once(',') {
        Some((key, rest)) => {
            let rest = rest.trim();
            let quoted = rest.strip_prefix('\'')?.strip_suffix('\'')?;
            (key.trim(), Some(quoted))
        }
        None => (inner.trim(), None),
    };
    if key.is_empty() || key.contains(['$', '{', '\'']) {
        return None;
    }
    Some(Token::Variable(Variable {
        key: key.to_lowercase().into(),
        name: key.into(),
        default: default.map(Into::into),
    }))
}

#[cfg(test)]
mod tests;
