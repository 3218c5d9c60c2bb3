//! `AssumeRole`: temporary credentials for a role, if its trust policy lets the caller in.
//! <https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html>

use crate::api::{CallerPolicies, Ctx, FromQuery, add_mfa_keys};
use crate::aws_error;
use crate::error::AwsError;
use crate::iam::shapes::{MAX_TAGS, TAG_KEY, read_tags};
use crate::policy::{self, EvaluationInput};
use crate::protocol::query::{Input, Params, Pattern, Shape};
use crate::protocol::xml::{ToXml, XmlWriter};
use crate::store::Tag;
use crate::view::{Principal, SessionOf};

use super::mfa::MfaInput;
use super::role_session::{
    self, NewRoleSession, ROLE_ARN, RoleSession, SESSION_NAME, SessionPolicyInput,
};

/// A role chain (a role session assuming a role) lasts one hour at most.
const CHAINED_MAX_SECONDS: i64 = 3600;

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

pub struct AssumeRoleInput {
    role_arn: String,
    session_name: String,
    duration_seconds: Option<i64>,
    session_policies: SessionPolicyInput,
    tags: Vec<Tag>,
    transitive_tag_keys: Vec<String>,
    external_id: Option<String>,
    source_identity: Option<String>,
    mfa: MfaInput,
}

impl FromQuery for AssumeRoleInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let role_arn = input.required("RoleArn", &ROLE_ARN);
        let session_name = input.required("RoleSessionName", &SESSION_NAME);
        let duration_seconds = input.integer("DurationSeconds", 900, 43200);
        let session_policies = SessionPolicyInput::read(&mut input);
        let tags = read_tags(&mut input);
        let transitive_tag_keys = input.string_list("TransitiveTagKeys", MAX_TAGS, &TAG_KEY);
        let external_id = input.string("ExternalId", &EXTERNAL_ID);
        let source_identity = input.string("SourceIdentity", &SESSION_NAME);
        let mfa = MfaInput::read(&mut input);
        input.finish()?;
        Ok(AssumeRoleInput {
            role_arn,
            session_name,
            duration_seconds,
            session_policies,
            tags,
            transitive_tag_keys,
            external_id,
            source_identity,
            mfa,
        })
    }
}

pub struct AssumeRoleOutput(RoleSession);

impl ToXml for AssumeRoleOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        self.0.write_xml(w);
    }

    fn size_hint(&self) -> usize {
        self.0.xml_bytes()
    }
}

pub async fn assume_role(
    cx: &Ctx<'_>,
    input: AssumeRoleInput,
) -> Result<AssumeRoleOutput, AwsError> {
    role_session::check_session_tags(&input.tags, &input.transitive_tag_keys)?;
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
    let role = role_session::find_role(&cx.app.view, &input.role_arn).ok_or_else(not_authorized)?;

    let chained = caller
        .session
        .as_ref()
        .filter(|s| matches!(s.of, SessionOf::Role { .. }));
    let duration = input.duration_seconds.unwrap_or(3600);
    role_session::check_duration(&role, duration)?;
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
                "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session."
            ));
        }
        tags.push((tag.key.clone(), tag.value.clone()));
    }

    let (policies, packed) =
        role_session::session_policies(&cx.app.view, &input.session_policies, &input.tags)?;

    // MFA used now, or earlier for the credentials the caller signs with (GetSessionToken's
    // with MFA, or a role session that had it), goes on into the new session.
    let fresh_mfa = input.mfa.check(cx).await?;
    let mfa_authenticated_at =
        fresh_mfa.or_else(|| caller.session.as_ref().and_then(|s| s.mfa_authenticated_at));

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
        if fresh_mfa.is_some() {
            add_mfa_keys(&mut caller_policies.request, fresh_mfa, cx.now());
        }
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

    let session = role_session::start(
        &cx.origin(),
        NewRoleSession {
            role: &role,
            session_name: &input.session_name,
            duration,
            session_policies: &input.session_policies,
            policies,
            tags,
            transitive_tag_keys: transitive,
            source_identity,
            mfa_authenticated_at,
            packed_policy_size: packed,
        },
    )
    .await?;
    Ok(AssumeRoleOutput(session))
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use time::OffsetDateTime;

    use super::*;
    use crate::protocol::xml;
    use crate::sts::credentials::mint;
    use crate::view::{SessionOf, SessionRecord};

    /// The response is made with room for the whole result, so it is never copied to grow.
    #[test]
    fn a_role_session_fits_the_room_its_response_gets() {
        let minted = mint("123456789012", OffsetDateTime::UNIX_EPOCH, 3600);
        let session = SessionRecord {
            access_key_id: minted.access_key_id,
            secret_access_key: minted.secret_access_key,
            token_digest: crate::ids::TokenDigest::of(&minted.session_token),
            account_id: "123456789012".into(),
            of: SessionOf::Caller { user_id: None },
            policies: None,
            tags: Vec::new(),
            transitive_tag_keys: Vec::new(),
            source_identity: Some("someone".into()),
            mfa_authenticated_at: None,
            issued_at: OffsetDateTime::UNIX_EPOCH,
            expires_at: minted.expiration,
        };
        let output = AssumeRoleOutput(RoleSession {
            session: Arc::new(session),
            session_token: minted.session_token,
            assumed_role_id: "AROAEXAMPLEEXAMPLE123:a-session-name-of-some-length".into(),
            arn: "arn:aws:sts::123456789012:assumed-role/a-role/a-session-name-of-some-length"
                .into(),
            packed_policy_size: Some(6),
        });
        let room = xml::room_for(&output);
        let namespace = "https://sts.amazonaws.com/doc/2011-06-15/";
        let request_id = "c6104cbe-af31-11e0-8154-cbc7ccf896c7";
        let rendered = xml::response("AssumeRole", namespace, request_id, &output);
        assert!(rendered.len() <= room, "{} > {room}", rendered.len());
        assert_eq!(rendered.capacity(), room);
    }
}
