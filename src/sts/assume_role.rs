//! `AssumeRole`: temporary credentials for a role, if its trust policy lets the caller in.
//! <https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html>

use crate::api::{CallerPolicies, Ctx, FromQuery};
use crate::aws_error;
use crate::error::AwsError;
use crate::iam::shapes::{MAX_TAGS, TAG_KEY, read_tags};
use crate::policy::{self, EvaluationInput, NamedPolicy, Policy, PolicyKind, policy_size};
use crate::protocol::query::{Input, Params, Pattern, Shape};
use crate::protocol::xml::{ToXml, XmlWriter};
use crate::store::{NewSession, Tag};
use crate::view::{Principal, SessionOf, SessionRecord};

use super::credentials::{Credentials, mint};

/// The id an inline session policy is reported under.
pub const SESSION_POLICY_ID: &str = "SessionPolicy";

/// A role chain (a role session assuming a role) lasts one hour at most.
const CHAINED_MAX_SECONDS: i64 = 3600;
/// Session policies and tags are packed into this many characters' worth of space.
// AWS compresses them into a binary format it does not document; iamlocal counts plain
// characters against the documented 2,048-character limit, so the percentage it reports is
// an approximation that grows the same way.
const PACKED_POLICY_SPACE: usize = 2048;

/// `[\w+=,.@-]*`, as STS checks session names and source identities.
fn is_session_name(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

const SESSION_NAME: Shape = Shape {
    min: 2,
    max: 64,
    pattern: Some(Pattern {
        text: r"[\w+=,.@-]*",
        matches: is_session_name,
    }),
};

/// `[\w+=,.@:\/-]*`
fn is_external_id(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@:/-".contains(&b))
}

const EXTERNAL_ID: Shape = Shape {
    min: 2,
    max: 1224,
    pattern: Some(Pattern {
        text: r"[\w+=,.@:\/-]*",
        matches: is_external_id,
    }),
};

const ROLE_ARN: Shape = Shape {
    min: 20,
    max: 2048,
    pattern: None,
};

const SESSION_POLICY: Shape = Shape {
    min: 1,
    max: usize::MAX,
    pattern: None,
};

pub struct AssumeRoleInput {
    role_arn: String,
    session_name: String,
    duration_seconds: Option<i64>,
    policy: Option<String>,
    policy_arns: Vec<String>,
    tags: Vec<Tag>,
    transitive_tag_keys: Vec<String>,
    external_id: Option<String>,
    source_identity: Option<String>,
    mfa: bool,
}

impl FromQuery for AssumeRoleInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let role_arn = input.required("RoleArn", &ROLE_ARN);
        let session_name = input.required("RoleSessionName", &SESSION_NAME);
        let duration_seconds = input.integer("DurationSeconds", 900, 43200);
        let policy = input.string("Policy", &SESSION_POLICY);
        let policy_arns =
            input.struct_list("PolicyArns", usize::MAX, |m| m.required("arn", &ROLE_ARN));
        let tags = read_tags(&mut input);
        let transitive_tag_keys = input.string_list("TransitiveTagKeys", MAX_TAGS, &TAG_KEY);
        let external_id = input.string("ExternalId", &EXTERNAL_ID);
        let source_identity = input.string("SourceIdentity", &SESSION_NAME);
        let mfa = input.has_value("SerialNumber") || input.has_value("TokenCode");
        input.finish()?;
        Ok(AssumeRoleInput {
            role_arn,
            session_name,
            duration_seconds,
            policy,
            policy_arns,
            tags,
            transitive_tag_keys,
            external_id,
            source_identity,
            mfa,
        })
    }
}

pub struct AssumeRoleOutput {
    credentials: Credentials,
    assumed_role_id: String,
    arn: String,
    packed_policy_size: Option<usize>,
    source_identity: Option<String>,
}

impl ToXml for AssumeRoleOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        self.credentials.write_xml(w);
        w.open("AssumedRoleUser");
        w.field("AssumedRoleId", &self.assumed_role_id);
        w.field("Arn", &self.arn);
        w.close("AssumedRoleUser");
        if let Some(size) = self.packed_policy_size {
            w.num_field("PackedPolicySize", size);
        }
        w.opt_field("SourceIdentity", self.source_identity.as_deref());
    }
}

pub async fn assume_role(
    cx: &Ctx<'_>,
    input: AssumeRoleInput,
) -> Result<AssumeRoleOutput, AwsError> {
    let caller = cx.caller;
    if matches!(caller.principal, Principal::Root { .. }) {
        return Err(AwsError::access_denied(
            "Roles may not be assumed by root accounts.",
        ));
    }
    let not_authorized = || {
        AwsError::access_denied(format!(
            "User: {} is not authorized to perform: sts:AssumeRole on resource: {}",
            caller.arn(),
            input.role_arn
        ))
    };
    // AWS does not tell a role that does not exist from one the caller may not assume.
    let role = role_account_and_name(&input.role_arn)
        .and_then(|(account, name)| cx.app.view.role_by_name(account, name))
        .filter(|role| role.arn == input.role_arn)
        .ok_or_else(not_authorized)?;
    if input.mfa {
        return Err(AwsError::access_denied(
            "MultiFactorAuthentication failed with invalid MFA one time pass code.",
        ));
    }

    let chained = caller
        .session
        .as_ref()
        .filter(|s| matches!(s.of, SessionOf::Role { .. }));
    let duration = input.duration_seconds.unwrap_or(3600);
    if duration > role.max_session_duration {
        return Err(aws_error!(
            ValidationError,
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
        ));
    }
    if chained.is_some() && duration > CHAINED_MAX_SECONDS {
        return Err(aws_error!(
            ValidationError,
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
        ));
    }

    // Tags and source identity pass on along a role chain.
    let (mut tags, mut transitive) = (Vec::new(), input.transitive_tag_keys.clone());
    let mut source_identity = input.source_identity.clone();
    if let Some(previous) = chained {
        for (key, value) in &previous.tags {
            if previous
                .transitive_tag_keys
                .iter()
                .any(|k| k.eq_ignore_ascii_case(key))
            {
                tags.push((key.clone(), value.clone()));
                transitive.push(key.clone());
            }
        }
        if let Some(sticky) = &previous.source_identity {
            if source_identity.as_ref().is_some_and(|s| s != sticky) {
                return Err(aws_error!(
                    ValidationError,
                    "The source identity of a role chain cannot be changed once set."
                ));
            }
            source_identity = Some(sticky.clone());
        }
    }
    for tag in &input.tags {
        if tags.iter().any(|(k, _)| k.eq_ignore_ascii_case(&tag.key)) {
            return Err(aws_error!(
                InvalidParameterValue,
                "Cannot overwrite a transitive session tag: {}",
                tag.key
            ));
        }
        tags.push((tag.key.clone(), tag.value.clone()));
    }

    let (policies, packed) = session_policies(cx, &input)?;

    // The trust policy must let the caller in for each thing it asks for.
    let mut asks = vec!["sts:AssumeRole"];
    if !input.tags.is_empty() {
        asks.push("sts:TagSession");
    }
    if input.source_identity.is_some() {
        asks.push("sts:SetSourceIdentity");
    }
    for action in asks {
        let mut caller_policies = cx.caller_policies(action, &role.arn);
        add_assume_role_keys(&mut caller_policies, &input, &transitive);
        let decision = policy::evaluate(
            &caller_policies.request,
            &EvaluationInput {
                resource: Some(&role.trust_policy),
                resource_owner: Some(&role.account_id),
                resource_policy_must_name_caller: true,
                ..caller_policies.input()
            },
        );
        if !decision.is_allowed() {
            return Err(AwsError::access_denied(policy::denial_message(
                &caller_policies.request,
                &decision,
            )));
        }
    }

    let now = cx.now();
    let minted = mint(&role.account_id, now, duration);
    let session = SessionRecord {
        access_key_id: minted.access_key_id.clone(),
        secret_access_key: minted.secret_access_key.clone(),
        session_token: minted.session_token.clone(),
        account_id: role.account_id.clone(),
        of: SessionOf::Role {
            role_id: role.role_id.clone(),
            role_name: role.role_name.clone(),
            role_arn: role.arn.clone(),
            session_name: input.session_name.clone(),
        },
        policies,
        tags,
        transitive_tag_keys: transitive,
        source_identity: source_identity.clone(),
        issued_at: now,
        expires_at: minted.expiration,
    };
    let arn = session.assumed_role_arn().unwrap_or_default();
    let store = &cx.app.store;
    let session = store
        .create_session(NewSession {
            record: session,
            inline_policy: input.policy.clone(),
            policy_arns: input.policy_arns.clone(),
            region: caller.region.clone(),
        })
        .await?;
    Ok(AssumeRoleOutput {
        credentials: Credentials {
            access_key_id: session.access_key_id.clone(),
            ..minted
        },
        assumed_role_id: format!("{}:{}", role.role_id, input.session_name),
        arn,
        packed_policy_size: packed,
        source_identity,
    })
}

/// The account and name in `arn:aws:iam::ACCOUNT:role/PATH/NAME`.
fn role_account_and_name(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let path_and_name = resource.strip_prefix("role/")?;
    Some((account, path_and_name.rsplit('/').next()?))
}

/// The condition keys `AssumeRole` adds to the request: what the trust policy can test.
fn add_assume_role_keys(
    caller: &mut CallerPolicies,
    input: &AssumeRoleInput,
    transitive: &[String],
) {
    let request = &mut caller.request;
    request.insert("sts:RoleSessionName", &input.session_name);
    if let Some(external_id) = &input.external_id {
        request.insert("sts:ExternalId", external_id);
    }
    if let Some(source_identity) = &input.source_identity {
        request.insert("sts:SourceIdentity", source_identity);
    }
    for tag in &input.tags {
        request.insert(&format!("aws:RequestTag/{}", tag.key), &tag.value);
    }
    if !input.tags.is_empty() {
        let keys: Vec<String> = input.tags.iter().map(|t| t.key.clone()).collect();
        request.insert("aws:TagKeys", keys);
    }
    if !transitive.is_empty() {
        request.insert("sts:TransitiveTagKeys", transitive.to_vec());
    }
}

/// The session policies passed (inline and managed), and the packed size AWS reports for
/// them and the session tags, as a percentage of the space they may take.
fn session_policies(
    cx: &Ctx<'_>,
    input: &AssumeRoleInput,
) -> Result<(Option<Vec<NamedPolicy>>, Option<usize>), AwsError> {
    if input.policy.is_none() && input.policy_arns.is_empty() && input.tags.is_empty() {
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
        let managed = cx.app.view.managed_policy(arn).ok_or_else(|| {
            aws_error!(
                MalformedPolicyDocument,
                "Policy {arn} does not exist or is not attachable."
            )
        })?;
        policies.push(managed);
        used += arn.len();
    }
    used += input
        .tags
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
