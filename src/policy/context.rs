//! The request context a decision is made on: the action, the resource, the principal, and
//! the condition keys with their values. The caller fills it; the engine only reads it.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html#policy-eval-reqcontext>
//!
//! Key names are case-insensitive ("`aws:CurrentTime` is equivalent to `AWS:currenttime`"),
//! so keys are stored lowercased, and the parser lowercases the keys a policy names: a
//! lookup while evaluating is then one hash of a ready string. Values are strings, which is
//! what AWS compares; each operator reads them as numbers, dates, IPs … when it needs to.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::net::IpAddr;
use std::sync::OnceLock;

use time::OffsetDateTime;

use super::matching::split_arn;
use super::variables::Variables;

/// What kind of principal is calling, as far as policy evaluation tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    /// The account's root user.
    Root,
    User,
    /// A role session (`arn:aws:sts::…:assumed-role/Role/Session`).
    AssumedRole,
    /// A `GetFederationToken` session (`arn:aws:sts::…:federated-user/Name`).
    FederatedUser,
    /// An OIDC provider, when a token is presented to `AssumeRoleWithWebIdentity`.
    WebIdentity,
    /// A SAML provider, when an assertion is presented to `AssumeRoleWithSAML`.
    Saml,
    /// An AWS service principal such as `ec2.amazonaws.com`.
    Service,
    Anonymous,
}

impl PrincipalKind {
    /// Principals that IAM identity-based policies (and boundaries) can apply to.
    pub(crate) fn is_iam_identity(self) -> bool {
        matches!(
            self,
            PrincipalKind::Root
                | PrincipalKind::User
                | PrincipalKind::AssumedRole
                | PrincipalKind::FederatedUser
        )
    }
}

/// The caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// What AWS names the caller in `User: … is not authorized`: the user ARN, the
    /// assumed-role session ARN, the root ARN; the provider for web identity and SAML, the
    /// service name for a service, `anonymous` for no one.
    pub arn: String,
    /// The caller's account id, empty when it has none (a service, anonymous).
    pub account: String,
    pub kind: PrincipalKind,
    /// `aws:userid`: `AIDA…` for a user, `AROA…:session` for a role session, the account id
    /// for root, `account:name` for a federated user.
    pub user_id: Option<String>,
    /// For a session, the identity that issued it: the role ARN (with its path) of an
    /// assumed-role session, the IAM user ARN of a federated user.
    pub session_issuer_arn: Option<String>,
}

impl Principal {
    pub fn root(account: &str) -> Principal {
        Principal {
            arn: crate::arn::root(account),
            account: account.to_owned(),
            kind: PrincipalKind::Root,
            user_id: Some(account.to_owned()),
            session_issuer_arn: None,
        }
    }

    /// An IAM user; the account is read from the ARN.
    pub fn user(arn: &str, user_id: &str) -> Principal {
        Principal {
            arn: arn.to_owned(),
            account: account_of(arn),
            kind: PrincipalKind::User,
            user_id: Some(user_id.to_owned()),
            session_issuer_arn: None,
        }
    }

    /// A role session: `session_arn` is `arn:aws:sts::123456789012:assumed-role/Role/Session`,
    /// `role_arn` the role's own ARN (with its path), `user_id` is `AROA…:Session`.
    pub fn assumed_role(session_arn: &str, role_arn: &str, user_id: &str) -> Principal {
        Principal {
            arn: session_arn.to_owned(),
            account: account_of(session_arn),
            kind: PrincipalKind::AssumedRole,
            user_id: Some(user_id.to_owned()),
            session_issuer_arn: Some(role_arn.to_owned()),
        }
    }

    /// A `GetFederationToken` session of the IAM user `user_arn`.
    pub fn federated_user(arn: &str, user_arn: &str) -> Principal {
        let account = account_of(arn);
        let name = arn.rsplit('/').next().unwrap_or_default();
        Principal {
            arn: arn.to_owned(),
            user_id: Some(format!("{account}:{name}")),
            account,
            kind: PrincipalKind::FederatedUser,
            session_issuer_arn: Some(user_arn.to_owned()),
        }
    }

    /// An AWS service, `ec2.amazonaws.com`.
    pub fn service(name: &str) -> Principal {
        Principal::outside(name, PrincipalKind::Service)
    }

    /// An OIDC provider (`arn:aws:iam::…:oidc-provider/…`, or `accounts.google.com` …).
    pub fn web_identity(provider: &str) -> Principal {
        Principal::outside(provider, PrincipalKind::WebIdentity)
    }

    /// A SAML provider ARN.
    pub fn saml(provider_arn: &str) -> Principal {
        Principal::outside(provider_arn, PrincipalKind::Saml)
    }

    pub fn anonymous() -> Principal {
        Principal::outside("anonymous", PrincipalKind::Anonymous)
    }

    fn outside(name: &str, kind: PrincipalKind) -> Principal {
        Principal {
            arn: name.to_owned(),
            account: String::new(),
            kind,
            user_id: None,
            session_issuer_arn: None,
        }
    }

    /// `aws:PrincipalType`, where AWS sets it.
    pub fn principal_type(&self) -> Option<&'static str> {
        Some(match self.kind {
            PrincipalKind::Root => "Account",
            PrincipalKind::User => "User",
            PrincipalKind::AssumedRole => "AssumedRole",
            PrincipalKind::FederatedUser => "FederatedUser",
            PrincipalKind::Anonymous => "Anonymous",
            PrincipalKind::WebIdentity | PrincipalKind::Saml | PrincipalKind::Service => {
                return None;
            }
        })
    }

    /// `aws:PrincipalArn`: for a role session this is the role's ARN, not the session's.
    pub fn principal_arn(&self) -> Option<&str> {
        match self.kind {
            PrincipalKind::AssumedRole => self.session_issuer_arn.as_deref(),
            PrincipalKind::Root | PrincipalKind::User | PrincipalKind::FederatedUser => {
                Some(&self.arn)
            }
            _ => None,
        }
    }

    /// `aws:username`: only IAM users have one (its friendly name, the ARN's last part).
    pub fn user_name(&self) -> Option<&str> {
        (self.kind == PrincipalKind::User).then(|| self.arn.rsplit('/').next().unwrap_or(""))
    }
}

fn account_of(arn: &str) -> String {
    split_arn(arn).map(|p| p[4]).unwrap_or_default().to_owned()
}

/// The value of a condition key: one string, or a set of them (`aws:TagKeys`,
/// `aws:CalledVia` …). An empty set is treated as an absent key, as AWS's set operators do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextValue {
    Single(String),
    Multi(Vec<String>),
}

impl ContextValue {
    pub fn values(&self) -> &[String] {
        match self {
            ContextValue::Single(s) => std::slice::from_ref(s),
            ContextValue::Multi(v) => v,
        }
    }
}

impl From<&str> for ContextValue {
    fn from(s: &str) -> Self {
        ContextValue::Single(s.to_owned())
    }
}

impl From<String> for ContextValue {
    fn from(s: String) -> Self {
        ContextValue::Single(s)
    }
}

impl From<&String> for ContextValue {
    fn from(s: &String) -> Self {
        ContextValue::Single(s.clone())
    }
}

/// `"true"` / `"false"`, as `aws:SecureTransport` and `aws:MultiFactorAuthPresent` carry them.
impl From<bool> for ContextValue {
    fn from(b: bool) -> Self {
        ContextValue::Single(if b { "true" } else { "false" }.to_owned())
    }
}

impl From<i64> for ContextValue {
    fn from(n: i64) -> Self {
        ContextValue::Single(n.to_string())
    }
}

impl From<Vec<String>> for ContextValue {
    fn from(v: Vec<String>) -> Self {
        ContextValue::Multi(v)
    }
}

impl From<&[&str]> for ContextValue {
    fn from(v: &[&str]) -> Self {
        ContextValue::Multi(v.iter().map(|s| (*s).to_owned()).collect())
    }
}

impl<const N: usize> From<[&str; N]> for ContextValue {
    fn from(v: [&str; N]) -> Self {
        ContextValue::Multi(v.iter().map(|s| (*s).to_owned()).collect())
    }
}

/// The Fx hash (rustc's): context keys are short and chosen by the caller and the policy
/// writer, not by an attacker flooding a table, so eight bytes at a time beat SipHash here.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl KeyHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])));
        }
        let mut last = [0u8; 8];
        let rest = chunks.remainder();
        last[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(last) ^ rest.len() as u64);
    }
}

/// Keys as set, lowercased.
type KeyMap = HashMap<String, ContextValue, BuildHasherDefault<KeyHasher>>;

/// Where and when a request was made: what the global condition keys are read from.
#[derive(Debug, Clone)]
pub struct RequestOrigin {
    pub now: OffsetDateTime,
    pub region: String,
    pub source_ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

/// One request as the policy engine sees it.
///
/// The keys that follow from the principal and the origin (`aws:PrincipalArn`,
/// `aws:CurrentTime` …) are each made the first time a policy asks for it: most decisions
/// read none, or one or two.
#[derive(Debug, Clone)]
pub struct RequestContext {
    action: String,
    resource: String,
    principal: Principal,
    origin: Option<RequestOrigin>,
    /// Keys set by the caller (tags, session and request keys); they take precedence over a
    /// derived key of the same name.
    keys: KeyMap,
    /// The value of each of [`DERIVED_KEYS`], once asked for (`None`: the request has none).
    derived: [OnceLock<Option<ContextValue>>; DERIVED_KEYS.len()],
}

/// The keys [`RequestContext::derive`] makes.
const DERIVED_KEYS: [&str; 13] = [
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principaltype",
    "aws:userid",
    "aws:username",
    "aws:principalisawsservice",
    "aws:currenttime",
    "aws:epochtime",
    "aws:securetransport",
    "aws:requestedregion",
    "aws:viaawsservice",
    "aws:sourceip",
    "aws:useragent",
];

impl RequestContext {
    /// A context for `action` (`iam:CreateUser`) on `resource` (an ARN) by `principal`, with
    /// the principal's global keys, as AWS's table has them: `aws:PrincipalArn`,
    /// `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:userid`, `aws:username` (users
    /// only), `aws:PrincipalIsAWSService`.
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#principaltable>
    pub fn new(action: &str, resource: &str, principal: Principal) -> RequestContext {
        RequestContext {
            action: action.to_owned(),
            resource: resource.to_owned(),
            principal,
            origin: None,
            keys: KeyMap::default(),
            derived: Default::default(),
        }
    }

    /// Adds the global keys every request has, whoever makes it: `aws:CurrentTime`,
    /// `aws:EpochTime`, `aws:SecureTransport`, `aws:RequestedRegion`, `aws:ViaAWSService`,
    /// and `aws:SourceIp` and `aws:UserAgent` when known.
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html>
    pub fn set_origin(&mut self, origin: RequestOrigin) {
        self.origin = Some(origin);
        self.derived = Default::default();
    }

    pub fn action(&self) -> &str {
        &self.action
    }

    pub fn resource(&self) -> &str {
        &self.resource
    }

    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// Sets a condition key (any case), replacing any value it had.
    pub fn insert(&mut self, key: &str, value: impl Into<ContextValue>) -> &mut Self {
        self.keys
            .insert(lowercase_key(key).into_owned(), value.into());
        self
    }

    /// [`insert`](Self::insert), for building a context in one expression.
    pub fn with(mut self, key: &str, value: impl Into<ContextValue>) -> Self {
        self.insert(key, value);
        self
    }

    pub fn remove(&mut self, key: &str) -> Option<ContextValue> {
        let key = lowercase_key(key);
        let set = self.keys.remove(&*key);
        let derived = derived_index(&key).and_then(|i| {
            let value = self.derived[i].take().unwrap_or_else(|| self.derive(&key));
            // Known, and absent from now on.
            self.derived[i] = OnceLock::from(None);
            value
        });
        set.or(derived)
    }

    /// The value of a key, whatever the case it is asked in.
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        self.lookup(&lowercase_key(key))
    }

    /// Every key (lowercased) with its value.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextValue)> {
        let derived = DERIVED_KEYS
            .iter()
            .filter(|key| !self.keys.contains_key(**key))
            .filter_map(|key| Some((*key, self.derived_value(key)?)));
        self.keys.iter().map(|(k, v)| (&**k, v)).chain(derived)
    }

    /// The values of a key the parser already lowercased; empty when absent.
    pub(crate) fn values_lowercase(&self, key: &str) -> &[String] {
        self.lookup(key).map_or(&[], ContextValue::values)
    }

    fn lookup(&self, key: &str) -> Option<&ContextValue> {
        match self.keys.get(key) {
            Some(value) => Some(value),
            None => self.derived_value(key),
        }
    }

    /// A derived key's value, made on first use.
    fn derived_value(&self, key: &str) -> Option<&ContextValue> {
        let i = derived_index(key)?;
        self.derived[i].get_or_init(|| self.derive(key)).as_ref()
    }

    /// The value of one of [`DERIVED_KEYS`], from the principal and the origin.
    fn derive(&self, key: &str) -> Option<ContextValue> {
        let p = &self.principal;
        let origin = self.origin.as_ref();
        Some(match key {
            "aws:principalarn" => p.principal_arn()?.into(),
            "aws:principalaccount" => (!p.account.is_empty()).then(|| (&p.account).into())?,
            "aws:principaltype" => p.principal_type()?.into(),
            "aws:userid" => p.user_id.as_ref()?.into(),
            "aws:username" => p.user_name()?.into(),
            "aws:principalisawsservice" => (p.kind == PrincipalKind::Service).into(),
            "aws:currenttime" => crate::clock::iso8601(origin?.now).into(),
            "aws:epochtime" => origin?.now.unix_timestamp().into(),
            "aws:securetransport" | "aws:viaawsservice" => origin.map(|_| false)?.into(),
            "aws:requestedregion" => (&origin?.region).into(),
            "aws:sourceip" => ip_text(origin?.source_ip?).into(),
            "aws:useragent" => origin?.user_agent.as_ref()?.into(),
            _ => return None,
        })
    }
}

fn derived_index(key: &str) -> Option<usize> {
    DERIVED_KEYS.iter().position(|k| *k == key)
}

/// An address as `Display` writes it; IPv4 by hand, which is several times quicker.
fn ip_text(ip: IpAddr) -> String {
    let IpAddr::V4(v4) = ip else {
        return ip.to_string();
    };
    let mut text = String::with_capacity(15);
    for (i, octet) in v4.octets().into_iter().enumerate() {
        if i > 0 {
            text.push('.');
        }
        if octet >= 100 {
            text.push(char::from(b'0' + octet / 100));
        }
        if octet >= 10 {
            text.push(char::from(b'0' + octet / 10 % 10));
        }
        text.push(char::from(b'0' + octet % 10));
    }
    text
}

impl Variables for RequestContext {
    fn single_value(&self, key: &str) -> Option<&str> {
        match self.lookup(key)? {
            ContextValue::Single(s) => Some(s),
            // AWS cannot substitute a multivalued key into a policy.
            ContextValue::Multi(_) => None,
        }
    }
}

/// Context keys are compared case-insensitively; both sides are lowercased this way.
pub(crate) fn lowercase_key(key: &str) -> Cow<'_, str> {
    // Keys are ASCII but for the odd tag key: bytes first, Unicode's tables only if needed.
    if key.is_ascii() {
        if key.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(key.to_ascii_lowercase())
        } else {
            Cow::Borrowed(key)
        }
    } else if key.chars().any(char::is_uppercase) {
        Cow::Owned(key.to_lowercase())
    } else {
        Cow::Borrowed(key)
    }
}

#[cfg(test)]
mod tests;
