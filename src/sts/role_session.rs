//! What every way of assuming a role shares (`AssumeRole`, `AssumeRoleWithWebIdentity`):
//! finding the role, the duration rules, the session policies and their packed size, and
//! minting the session's credentials.

use std::sync::Arc;

use crate::api::Origin;
use crate::aws_error;
use crate::error::AwsError;
use crate::iam::shapes::{TagKeyProblem, tag_key_problem};
use crate::ids::TokenDigest;
use crate::policy::{
    self, EvaluationInput, NamedPolicy, Policy, PolicyKind, RequestContext, policy_size,
};
use crate::protocol::query::{Input, Pattern, Shape};
use crate::protocol::xml::XmlWriter;
use crate::store::{NewSession, Tag};
use crate::view::{RoleRecord, SessionOf, SessionRecord, View};

use super::credentials::{self, Credentials, mint};

/// The id an inline session policy is reported under.
pub const SESSION_POLICY_ID: &str = "SessionPolicy";

/// Session policies and tags are packed into this many characters' worth of space.
// AWS compresses them into a binary format it does not document; iamlocal counts plain
// characters against the documented 2,048-character limit, so the percentage it reports is
// an approximation that grows the same way.
const PACKED_POLICY_SPACE: usize = 2048;

/// `[\w+=,.@-]*`, as STS checks session names and source identities.
pub fn is_session_name(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

pub const SESSION_NAME: Shape = Shape {
    min: 2,
    max: 64,
    pattern: Some(Pattern {
        text: r"[\w+=,.@-]*",
        matches: is_session_name,
    }),
};

pub const ROLE_ARN: Shape = Shape {
    min: 20,
    max: 2048,
    pattern: None,
};

const SESSION_POLICY: Shape = Shape {
    min: 1,
    max: usize::MAX,
    pattern: None,
};

/// The session policies a request passes: `Policy` and `PolicyArns`.
pub struct SessionPolicyInput {
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
}

impl SessionPolicyInput {
    pub fn read(input: &mut Input<'_>) -> SessionPolicyInput {
        SessionPolicyInput {
            policy: input.string("Policy", &SESSION_POLICY),
            policy_arns: input
                .struct_list("PolicyArns", usize::MAX, |m| m.required("arn", &ROLE_ARN)),
        }
    }
}

/// Does `value` have the length and pattern of `shape`?
pub fn fits(shape: &Shape, value: &str) -> bool {
    let len = value.chars().count();
    (shape.min..=shape.max).contains(&len)
        && shape.pattern.as_ref().is_none_or(|p| (p.matches)(value))
}

/// The actions a federated request asks the trust policy for: the assume action, then
/// `sts:TagSession` when it sets session tags and `sts:SetSourceIdentity` when it sets a
/// source identity.
pub fn asks(assume: &'static str, tags: bool, source_identity: bool) -> Vec<&'static str> {
    let mut asks = vec![assume];
    if tags {
        asks.push("sts:TagSession");
    }
    if source_identity {
        asks.push("sts:SetSourceIdentity");
    }
    asks
}

/// Does the role's trust policy allow every one of `actions`, each on the request
/// `request_for` builds for it?
pub fn trusts(
    role: &RoleRecord,
    actions: &[&str],
    request_for: impl Fn(&str) -> RequestContext,
) -> bool {
    actions.iter().all(|action| {
        policy::evaluate(
            &request_for(action),
            &EvaluationInput {
                resource: Some(&role.trust_policy),
                resource_owner: Some(&role.account_id),
                resource_policy_must_name_caller: true,
                ..EvaluationInput::default()
            },
        )
        .is_allowed()
    })
}

/// The condition keys of what a session asks for: its name, source identity and tags.
pub fn add_session_keys(
    request: &mut RequestContext,
    session_name: &str,
    source_identity: Option<&str>,
    tags: &[Tag],
    transitive_tag_keys: &[String],
) {
    request.insert("sts:RoleSessionName", session_name);
    if let Some(source_identity) = source_identity {
        request.insert("sts:SourceIdentity", source_identity);
    }
    for tag in tags {
        request.insert(&format!("aws:RequestTag/{}", tag.key), &tag.value);
    }
    if !tags.is_empty() {
        let keys: Vec<String> = tags.iter().map(|t| t.key.clone()).collect();
        request.insert("aws:TagKeys", keys);
    }
    if !transitive_tag_keys.is_empty() {
        request.insert("sts:TransitiveTagKeys", transitive_tag_keys.to_vec());
    }
}

/// The rules every way of passing session tags shares: no key in the `aws:` namespace, no
/// two keys that differ only in case, and every transitive key one of the tags (in any case).
/// The codes and the last two messages are AWS's (observed); the first message is iamlocal's.
pub fn check_session_tags(tags: &[Tag], transitive_tag_keys: &[String]) -> Result<(), AwsError> {
    match tag_key_problem(tags) {
        None => {}
        Some(TagKeyProblem::Reserved(key)) => {
            return Err(aws_error!(
                InvalidParameterValue,
                "Session tag keys starting with 'aws:' are reserved for AWS use: {key}"
            ));
        }
        Some(TagKeyProblem::Duplicate) => {
            return Err(aws_error!(
                InvalidParameterValue,
                "Duplicate tag keys found. Please note that Tag keys are case insensitive."
            ));
        }
    }
    let tagged = |key: &String| tags.iter().any(|t| t.key.eq_ignore_ascii_case(key));
    if !transitive_tag_keys.iter().all(tagged) {
        return Err(aws_error!(
            InvalidParameterValue,
            "The specified transitive tag key must be included in the requested tags."
        ));
    }
    Ok(())
}

/// The account and name in `arn:aws:iam::ACCOUNT:role/PATH/NAME`.
pub fn role_account_and_name(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let path_and_name = resource.strip_prefix("role/")?;
    Some((account, path_and_name.rsplit('/').next()?))
}

/// The visible role an ARN names exactly (its path too).
pub fn find_role(view: &View, role_arn: &str) -> Option<Arc<RoleRecord>> {
    role_account_and_name(role_arn)
        .and_then(|(account, name)| view.role_by_name(account, name))
        .filter(|role| role.arn == role_arn)
}

/// A session may not outlast the role's maximum.
pub fn check_duration(role: &RoleRecord, duration: i64) -> Result<(), AwsError> {
    if duration > role.max_session_duration {
        return Err(aws_error!(
            ValidationError,
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
        ));
    }
    Ok(())
}

/// The session policies passed (inline and managed), and the packed size AWS reports for
/// them and the session tags, as a percentage of the space they may take.
pub fn session_policies(
    view: &View,
    input: &SessionPolicyInput,
    tags: &[Tag],
) -> Result<(Option<Vec<NamedPolicy>>, Option<usize>), AwsError> {
    if input.policy.is_none() && input.policy_arns.is_empty() && tags.is_empty() {
        return Ok((None, None));
    }
    let mut policies = Vec::new();
    let mut used = 0;
    if let Some(document) = &input.policy {
        policies.push(NamedPolicy::new(
            SESSION_POLICY_ID,
            Policy::parse(document, PolicyKind::Session)?,
        ));
        used += policy_size(document);
    }
    for arn in &input.policy_arns {
        let managed = view.managed_policy(arn).ok_or_else(|| {
            aws_error!(
                MalformedPolicyDocument,
                "Policy {arn} does not exist or is not attachable."
            )
        })?;
        policies.push(managed);
        used += arn.len();
    }
    used += tags
        .iter()
        .map(|t| t.key.len() + t.value.len())
        .sum::<usize>();
    let packed = (used * 100).div_ceil(PACKED_POLICY_SPACE);
    if packed > 100 {
        return Err(aws_error!(
            PackedPolicyTooLarge,
            "Packed policy consumes {packed}% of allotted space, please use smaller policy."
        ));
    }
    let has_policies = input.policy.is_some() || !input.policy_arns.is_empty();
    Ok((has_policies.then_some(policies), Some(packed)))
}

/// A role session to start, once the trust policy has let the caller in.
pub struct NewRoleSession<'a> {
    pub role: &'a RoleRecord,
    pub session_name: &'a str,
    pub duration: i64,
    pub session_policies: &'a SessionPolicyInput,
    pub policies: Option<Vec<NamedPolicy>>,
    pub tags: Vec<(String, String)>,
    pub transitive_tag_keys: Vec<String>,
    pub source_identity: Option<String>,
    pub mfa_authenticated_at: Option<time::OffsetDateTime>,
    pub packed_policy_size: Option<usize>,
}

/// A started role session: what every `AssumeRole*` action answers.
pub struct RoleSession {
    /// The stored session: its credentials and source identity are the answer's.
    pub session: Arc<SessionRecord>,
    /// The session's token, which the stored session keeps only a digest of.
    pub session_token: String,
    pub assumed_role_id: String,
    pub arn: String,
    pub packed_policy_size: Option<usize>,
}

impl RoleSession {
    /// About the length of what `write_xml` writes.
    pub fn xml_bytes(&self) -> usize {
        Credentials::XML_BYTES + 100 + self.assumed_role_id.len() + self.arn.len()
    }

    /// `Credentials`, `AssumedRoleUser`, `PackedPolicySize` and `SourceIdentity`.
    pub fn write_xml(&self, w: &mut XmlWriter) {
        let session = &*self.session;
        credentials::write_xml(
            w,
            &session.access_key_id,
            &session.secret_access_key,
            &self.session_token,
            session.expires_at,
        );
        w.open("AssumedRoleUser");
        w.field("AssumedRoleId", &self.assumed_role_id);
        w.field("Arn", &self.arn);
        w.close("AssumedRoleUser");
        if let Some(size) = self.packed_policy_size {
            w.num_field("PackedPolicySize", size);
        }
        w.opt_field("SourceIdentity", session.source_identity.as_deref());
    }
}

/// Mints the session's credentials, stores the session and notes the role's use.
pub async fn start(origin: &Origin<'_>, new: NewRoleSession<'_>) -> Result<RoleSession, AwsError> {
    let role = new.role;
    let now = origin.now();
    let minted = mint(&role.account_id, now, new.duration);
    let session = SessionRecord {
        access_key_id: minted.access_key_id,
        secret_access_key: minted.secret_access_key,
        token_digest: TokenDigest::of(&minted.session_token),
        account_id: role.account_id.to_string(),
        of: SessionOf::Role {
            role_id: role.role_id.clone(),
            role_name: role.role_name.clone(),
            role_arn: role.arn.clone(),
            session_name: new.session_name.to_owned(),
        },
        policies: new.policies,
        tags: new.tags,
        transitive_tag_keys: new.transitive_tag_keys,
        source_identity: new.source_identity,
        mfa_authenticated_at: new.mfa_authenticated_at,
        issued_at: now,
        expires_at: minted.expiration,
    };
    let arn = session.assumed_role_arn().unwrap_or_default();
    let store = &origin.app.store;
    let session = store
        .create_session(NewSession {
            record: session,
            inline_policy: new.session_policies.policy.clone(),
            policy_arns: new.session_policies.policy_arns.clone(),
            region: origin.region.to_owned(),
        })
        .await?;
    Ok(RoleSession {
        session,
        session_token: minted.session_token,
        assumed_role_id: format!("{}:{}", role.role_id, new.session_name),
        arn,
        packed_policy_size: new.packed_policy_size,
    })
}
