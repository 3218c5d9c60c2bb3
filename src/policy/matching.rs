//! Matching a request against the elements of a statement: `*`/`?` wildcards, ARNs segment
//! by segment, and principals.
//!
//! Patterns are compiled once when the policy is parsed (cedar's `ast/pattern.rs` model: a
//! list of literal runs and wildcards, never a regex), and matched without allocating.
//! - Actions are case-insensitive: `iam:getuser` matches `iam:GetUser`
//!   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html>).
//! - ARNs are case-sensitive, and each of the six colon-separated parts is matched on its
//!   own, the last one (the resource) keeping any further colons
//!   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>,
//!   and the `ArnLike` example in the condition-operator reference).
//! - Principals: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html>.

use super::context::{Principal, PrincipalKind};
use super::variables::{Token, Variable, Variables, tokenize};
use crate::text;

/// How letters compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fold {
    /// Exactly (ARNs, `StringEquals`, `StringLike`).
    None,
    /// ASCII letters ignore case (actions, `Bool`).
    Ascii,
    /// Any letter ignores case (`StringEqualsIgnoreCase`).
    Unicode,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Elem {
    Lit(Box<str>),
    /// `*`: any run of characters, including none, and including `:` and `/`.
    Star,
    /// `?`: exactly one character.
    One,
    Var(Variable),
}

/// The shapes most policy strings have, held flat so matching them is a compare or two.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    /// Just `*`.
    Any,
    /// One literal, no wildcard, no variable.
    Exact(Box<str>),
    /// A literal then `*`: the common `iam:Get*`.
    Prefix(Box<str>),
    General,
}

/// A compiled policy string: literal runs, wildcards and variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    elems: Box<[Elem]>,
    shape: Shape,
}

impl Pattern {
    /// Compiles `s`. With `wildcards`, `*` and `?` in the policy text are wildcards (`${*}`
    /// and `${?}` still stand for the characters themselves); with `variables`, `${…}` is
    /// substituted at match time.
    pub(crate) fn new(s: &str, variables: bool, wildcards: bool) -> Pattern {
        let mut elems = Vec::new();
        let mut lit = String::new();
        let flush = |lit: &mut String, elems: &mut Vec<Elem>| {
            if !lit.is_empty() {
                elems.push(Elem::Lit(std::mem::take(lit).into()));
            }
        };
        for token in tokenize(s, variables) {
            match token {
                Token::Text(text) if wildcards => {
                    for c in text.chars() {
                        match c {
                            '*' => {
                                flush(&mut lit, &mut elems);
                                if elems.last() != Some(&Elem::Star) {
                                    elems.push(Elem::Star);
                                }
                            }
                            '?' => {
                                flush(&mut lit, &mut elems);
                                elems.push(Elem::One);
                            }
                            c => lit.push(c),
                        }
                    }
                }
                Token::Text(text) => lit.push_str(text),
                Token::Escaped(c) => lit.push(c),
                Token::Variable(var) => {
                    flush(&mut lit, &mut elems);
                    elems.push(Elem::Var(var));
                }
            }
        }
        flush(&mut lit, &mut elems);
        if elems.is_empty() {
            elems.push(Elem::Lit("".into()));
        }
        let shape = match elems.as_slice() {
            [Elem::Star] => Shape::Any,
            [Elem::Lit(lit)] => Shape::Exact(lit.clone()),
            [Elem::Lit(lit), Elem::Star] => Shape::Prefix(lit.clone()),
            _ => Shape::General,
        };
        Pattern {
            elems: elems.into(),
            shape,
        }
    }

    /// Whether `text` matches. `None` when a variable in the pattern cannot be resolved: the
    /// caller treats that as "does not match" and, where AWS says so, as an invalid statement.
    #[inline]
    pub(crate) fn matches(&self, text: &str, fold: Fold, vars: &dyn Variables) -> Option<bool> {
        match &self.shape {
            Shape::Any => Some(true),
            Shape::Exact(lit) => Some(match fold {
                Fold::None => {
                    lit.len() == text.len() && bytes_equal(lit.as_bytes(), text.as_bytes())
                }
                Fold::Ascii => lit.eq_ignore_ascii_case(text),
                Fold::Unicode => lit_at(lit, text, 0, fold).is_some_and(|end| end == text.len()),
            }),
            Shape::Prefix(lit) => Some(lit_at(lit, text, 0, fold).is_some()),
            Shape::General => glob(&self.elems, text, fold, vars),
        }
    }

    /// Whether every variable in the pattern has a value (or a default) in `vars`.
    pub(crate) fn resolvable(&self, vars: &dyn Variables) -> bool {
        self.variables().all(|v| v.resolve(vars).is_some())
    }

    /// The variables this pattern refers to.
    pub(crate) fn variables(&self) -> impl Iterator<Item = &Variable> {
        self.elems.iter().filter_map(|e| match e {
            Elem::Var(v) => Some(v),
            _ => None,
        })
    }
}

/// Greedy matching that backtracks to the last `*` only: linear in the usual case, never
/// worse than text × pattern, and correct for patterns made of literals, `?` and `*`.
fn glob(elems: &[Elem], text: &str, fold: Fold, vars: &dyn Variables) -> Option<bool> {
    let (mut e, mut t) = (0, 0);
    // After the last `*` seen: the element that follows it, and where in the text that
    // element is being tried.
    let mut star: Option<(usize, usize)> = None;
    loop {
        if let Some(elem) = elems.get(e) {
            let advanced = match elem {
                Elem::Star => {
                    star = Some((e + 1, t));
                    e += 1;
                    continue;
                }
                Elem::One => next_char_end(text, t),
                Elem::Lit(lit) => lit_at(lit, text, t, fold),
                Elem::Var(var) => lit_at(var.resolve(vars)?, text, t, fold),
            };
            if let Some(end) = advanced {
                e += 1;
                t = end;
                continue;
            }
        } else if t == text.len() {
            return Some(true);
        }
        // Mismatch: let the last `*` swallow one more character, or fail.
        match star {
            Some((after, from)) => match next_char_end(text, from) {
                Some(next) => {
                    star = Some((after, next));
                    e = after;
                    t = next;
                }
                None => return Some(false),
            },
            None => return Some(false),
        }
    }
}

fn next_char_end(text: &str, at: usize) -> Option<usize> {
    text[at..].chars().next().map(|c| at + c.len_utf8())
}

/// If `lit` occurs in `text` at byte `at` (under `fold`), where it ends.
#[inline]
fn lit_at(lit: &str, text: &str, at: usize, fold: Fold) -> Option<usize> {
    // `at` is always a char boundary (the start, or the end of a previous match).
    let rest = text.as_bytes().get(at..).unwrap_or_default();
    let lit_bytes = lit.as_bytes();
    match fold {
        // Equal bytes to a whole `lit` end on a char boundary of `text`.
        Fold::None => rest
            .get(..lit_bytes.len())
            .is_some_and(|head| bytes_equal(head, lit_bytes))
            .then(|| at + lit.len()),
        // ASCII folding keeps byte lengths, and non-ASCII bytes must be equal, so the end is
        // a character boundary.
        Fold::Ascii => rest
            .get(..lit_bytes.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(lit_bytes))
            .then(|| at + lit.len()),
        Fold::Unicode => {
            let mut chars = text[at..].char_indices();
            let mut end = 0;
            for l in lit.chars() {
                let (i, c) = chars.next()?;
                if !chars_equal_ignoring_case(l, c) {
                    return None;
                }
                end = i + c.len_utf8();
            }
            Some(at + end)
        }
    }
}

/// Equality of two byte strings of the same length, inline and eight bytes at a time,
/// starting with the last eight: policy strings share long prefixes (`arn:aws:iam::…`,
/// `user/team`) and differ at their ends, and a libc `memcmp` call costs more than the
/// comparison for strings this short.
#[inline]
pub(crate) fn bytes_equal(a: &[u8], b: &[u8]) -> bool {
    debug_assert_eq!(a.len(), b.len());
    let n = a.len();
    if n < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    let word = |s: &[u8], i: usize| u64::from_le_bytes(s[i..i + 8].try_into().unwrap_or([0; 8]));
    if word(a, n - 8) != word(b, n - 8) {
        return false;
    }
    (0..n - 8).step_by(8).all(|i| word(a, i) == word(b, i))
}

fn chars_equal_ignoring_case(a: char, b: char) -> bool {
    a == b || a.to_lowercase().eq(b.to_lowercase())
}

/// The six parts of an ARN, `arn:partition:service:region:account:resource`; the resource
/// keeps any further colons. `None` when `s` has fewer than six parts.
pub(crate) fn split_arn(s: &str) -> Option<[&str; 6]> {
    // Not `splitn(6, ':')`: every authorization splits several ARNs (`crate::text`).
    let mut parts = [""; 6];
    let mut rest = s;
    for part in &mut parts[..5] {
        (*part, rest) = text::split_once(rest, b':')?;
    }
    parts[5] = rest;
    Some(parts)
}

/// Splits a policy ARN like [`split_arn`], without counting colons inside `${…}` (a variable
/// such as `${aws:username}` holds one).
fn split_arn_pattern(s: &str, variables: bool) -> Option<[&str; 6]> {
    let mut bounds = [0usize; 5];
    let mut found = 0;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() && found < 5 {
        if variables && bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'{') {
            match s[i..].find('}') {
                Some(close) => {
                    i += close + 1;
                    continue;
                }
                None => break,
            }
        }
        if bytes[i] == b':' {
            bounds[found] = i;
            found += 1;
        }
        i += 1;
    }
    if found < 5 {
        return None;
    }
    Some([
        &s[..bounds[0]],
        &s[bounds[0] + 1..bounds[1]],
        &s[bounds[1] + 1..bounds[2]],
        &s[bounds[2] + 1..bounds[3]],
        &s[bounds[3] + 1..bounds[4]],
        &s[bounds[4] + 1..],
    ])
}

/// A `Resource` entry, or an `ArnEquals`/`ArnLike` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ArnPattern {
    /// `"*"`: every resource.
    Any,
    /// The first five parts are plain text (`arn:aws:iam::123456789012:`), compared at once;
    /// then the resource part. The common case, and the fast one.
    Literal { prefix: Box<str>, resource: Pattern },
    /// Six parts, each matched on its own: a wildcard cannot reach across a colon, except in
    /// the last part.
    Parts(Box<[Pattern; 6]>),
    /// Not shaped like an ARN (`arn:aws:s3:::*` has six parts; `arn:*` does not): matched
    /// against the whole string.
    Whole(Pattern),
}

impl ArnPattern {
    pub(crate) fn new(s: &str, variables: bool) -> ArnPattern {
        if s == "*" {
            return ArnPattern::Any;
        }
        let plain = |part: &str| !(part.contains(['*', '?']) || (variables && part.contains("${")));
        match split_arn_pattern(s, variables) {
            Some(parts) if parts[..5].iter().all(|p| plain(p)) => ArnPattern::Literal {
                prefix: format!("{}:", parts[..5].join(":")).into(),
                resource: Pattern::new(parts[5], variables, true),
            },
            Some(parts) => {
                ArnPattern::Parts(Box::new(parts.map(|p| Pattern::new(p, variables, true))))
            }
            None => ArnPattern::Whole(Pattern::new(s, variables, true)),
        }
    }

    /// Whether `arn` (already split into `parts` when it has six) matches.
    #[inline]
    pub(crate) fn matches(
        &self,
        arn: &str,
        parts: Option<&[&str; 6]>,
        vars: &dyn Variables,
    ) -> Option<bool> {
        match self {
            ArnPattern::Any => Some(true),
            // Five literal parts contain five colons, so the rest is the resource part.
            ArnPattern::Literal { prefix, resource } => {
                let n = prefix.len();
                if parts.is_none()
                    || arn.len() < n
                    || !bytes_equal(&arn.as_bytes()[..n], prefix.as_bytes())
                {
                    return Some(false);
                }
                // Equal bytes up to the end of a whole string: `n` is a char boundary.
                resource.matches(&arn[n..], Fold::None, vars)
            }
            ArnPattern::Parts(patterns) => {
                let Some(parts) = parts else {
                    return Some(false);
                };
                for (pattern, part) in patterns.iter().zip(parts) {
                    if !pattern.matches(part, Fold::None, vars)? {
                        return Some(false);
                    }
                }
                Some(true)
            }
            ArnPattern::Whole(pattern) => pattern.matches(arn, Fold::None, vars),
        }
    }

    pub(crate) fn resolvable(&self, vars: &dyn Variables) -> bool {
        match self {
            ArnPattern::Any => true,
            ArnPattern::Literal { resource, .. } => resource.resolvable(vars),
            ArnPattern::Parts(parts) => parts.iter().all(|p| p.resolvable(vars)),
            ArnPattern::Whole(p) => p.resolvable(vars),
        }
    }

    pub(crate) fn variables(&self) -> Box<dyn Iterator<Item = &Variable> + '_> {
        match self {
            ArnPattern::Any => Box::new(std::iter::empty()),
            ArnPattern::Literal { resource, .. } => Box::new(resource.variables()),
            ArnPattern::Parts(parts) => Box::new(parts.iter().flat_map(Pattern::variables)),
            ArnPattern::Whole(p) => Box::new(p.variables()),
        }
    }
}

/// Which key of a `Principal` object an entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalField {
    Aws,
    Service,
    Federated,
    CanonicalUser,
}

impl PrincipalField {
    pub(crate) fn from_key(key: &str) -> Option<PrincipalField> {
        Some(match key {
            "AWS" => PrincipalField::Aws,
            "Service" => PrincipalField::Service,
            "Federated" => PrincipalField::Federated,
            "CanonicalUser" => PrincipalField::CanonicalUser,
            _ => return None,
        })
    }

    /// The key as written in a policy (and in `Invalid principal in policy: "AWS":…`).
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalField::Aws => "AWS",
            PrincipalField::Service => "Service",
            PrincipalField::Federated => "Federated",
            PrincipalField::CanonicalUser => "CanonicalUser",
        }
    }
}

/// What one principal entry stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PrincipalPattern {
    /// `"*"` or `{"AWS": "*"}`: everyone, anonymous included.
    Any,
    /// `"123456789012"` or `arn:aws:iam::123456789012:root`: the account.
    Account(Box<str>),
    /// A user, role, assumed-role session or federated-user ARN, compared exactly.
    Arn(Box<str>),
    Service(Box<str>),
    Federated(Box<str>),
    /// S3's canonical user ids: no iamlocal caller has one, so it never matches.
    CanonicalUser,
}

impl PrincipalPattern {
    pub(crate) fn new(field: PrincipalField, value: &str) -> PrincipalPattern {
        match field {
            _ if value == "*" => PrincipalPattern::Any,
            PrincipalField::Aws => {
                if is_account_id(value) {
                    return PrincipalPattern::Account(value.into());
                }
                match split_arn(value) {
                    Some([_, _, "iam", "", account, "root"]) => {
                        PrincipalPattern::Account(account.into())
                    }
                    _ => PrincipalPattern::Arn(value.into()),
                }
            }
            PrincipalField::Service => PrincipalPattern::Service(value.into()),
            PrincipalField::Federated => PrincipalPattern::Federated(value.into()),
            PrincipalField::CanonicalUser => PrincipalPattern::CanonicalUser,
        }
    }

    /// How this entry names `caller`, if it does.
    fn grant(&self, caller: &Principal) -> Option<Grant> {
        let grant = match self {
            PrincipalPattern::Any => Grant::Direct,
            PrincipalPattern::Account(account) => {
                if caller.account != **account || !caller.kind.is_iam_identity() {
                    return None;
                }
                // The root user is the account itself; anyone else in it gets what the
                // account delegates through identity-based policies.
                if caller.kind == PrincipalKind::Root {
                    Grant::Direct
                } else {
                    Grant::Account
                }
            }
            PrincipalPattern::Arn(arn) => {
                if caller.arn == **arn && caller.kind.is_iam_identity() {
                    Grant::Direct
                } else if caller.session_issuer_arn.as_deref() == Some(&**arn) {
                    Grant::Issuer
                } else {
                    return None;
                }
            }
            // AWS (observed): service principal names are DNS names; compared ignoring case.
            PrincipalPattern::Service(name) => {
                if caller.kind == PrincipalKind::Service && name.eq_ignore_ascii_case(&caller.arn) {
                    Grant::Direct
                } else {
                    return None;
                }
            }
            PrincipalPattern::Federated(provider) => {
                if matches!(
                    caller.kind,
                    PrincipalKind::WebIdentity | PrincipalKind::Saml
                ) && caller.arn == **provider
                {
                    Grant::Direct
                } else {
                    return None;
                }
            }
            PrincipalPattern::CanonicalUser => return None,
        };
        Some(grant)
    }

    /// Whether this entry lists one link of a caller's chain (see [`Principals::excludes`]).
    fn lists(&self, link: &Link<'_>) -> bool {
        match (self, link) {
            (PrincipalPattern::Any, _) => true,
            (PrincipalPattern::Account(a), Link::Account(b)) => **a == **b,
            (PrincipalPattern::Arn(a), Link::Arn(b)) => **a == **b,
            (PrincipalPattern::Service(a), Link::Service(b)) => a.eq_ignore_ascii_case(b),
            (PrincipalPattern::Federated(a), Link::Federated(b)) => **a == **b,
            _ => false,
        }
    }
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// How a resource-based policy statement names the caller, weakest first. It decides which
/// implicit denies elsewhere still count (same-account rules of
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Grant {
    /// The caller's account: an identity-based policy must allow too.
    Account,
    /// The role the session belongs to (or the IAM user a federated user came from):
    /// passes the identity-based policy, not the permissions boundary or session policy.
    Issuer,
    /// The caller itself (user, session, `*`): nothing else needs to allow.
    Direct,
}

/// One entry of a `Principal`/`NotPrincipal` element, as written and as compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PrincipalEntry {
    pub(crate) field: Option<PrincipalField>,
    pub(crate) written: Box<str>,
    pub(crate) pattern: PrincipalPattern,
}

/// A `Principal` or `NotPrincipal` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Principals {
    pub(crate) negated: bool,
    pub(crate) entries: Box<[PrincipalEntry]>,
}

impl Principals {
    /// How the statement names `caller`; `None` when it does not apply to them.
    pub(crate) fn grant(&self, caller: &Principal) -> Option<Grant> {
        if self.negated {
            return (!self.excludes(caller)).then_some(Grant::Direct);
        }
        self.entries
            .iter()
            .filter_map(|e| e.pattern.grant(caller))
            .max()
    }

    /// `NotPrincipal` spares a caller only when every link of its chain is listed: AWS's
    /// examples list the user *and* its account, or the assumed-role session, its role *and*
    /// the account; listing only the user still leaves the account, and with it the user,
    /// covered.
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html>
    fn excludes(&self, caller: &Principal) -> bool {
        let account = Link::Account(&caller.account);
        let chain: &[Link<'_>] = match caller.kind {
            PrincipalKind::Root => &[account],
            PrincipalKind::User | PrincipalKind::FederatedUser => {
                &[Link::Arn(&caller.arn), account]
            }
            PrincipalKind::AssumedRole => &[
                Link::Arn(&caller.arn),
                Link::Arn(caller.session_issuer_arn.as_deref().unwrap_or("")),
                account,
            ],
            PrincipalKind::Service => &[Link::Service(&caller.arn)],
            PrincipalKind::WebIdentity | PrincipalKind::Saml => &[Link::Federated(&caller.arn)],
            PrincipalKind::Anonymous => &[Link::Anonymous],
        };
        chain
            .iter()
            .all(|link| self.entries.iter().any(|e| e.pattern.lists(link)))
    }
}

/// One link of the chain a caller is evaluated as.
enum Link<'a> {
    Arn(&'a str),
    Account(&'a str),
    Service(&'a str),
    Federated(&'a str),
    /// Listed only by `*`.
    Anonymous,
}

#[cfg(test)]
mod tests;
