//! `GetFederationToken`: credentials for a federated user, issued by an IAM user (or, not
//! recommended but allowed, by root) with its long-term keys.
//! <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html>
//!
//! The federated user may do what both the issuer's policies and the session policies passed
//! here allow; without a session policy, nothing. Its credentials cannot call IAM, nor STS
//! but `GetCallerIdentity` (see `api::check_credential_kind`).

use super::credentials::{Credentials, mint};
use super::role_session::{
    SessionPolicyInput, check_session_tags, is_session_name, session_policies,
};
use crate::api::{Ctx, FromQuery, RequestKeys};
use crate::arn;
use crate::error::AwsError;
use crate::iam::shapes::read_tags;
use crate::ids::TokenDigest;
use crate::protocol::query::{Input, Params, Pattern, Shape};
use crate::protocol::xml::{ToXml, XmlWriter};
use crate::store::{NewSession, Tag};
use crate::view::{Principal, SessionOf, SessionRecord};

const DEFAULT_SECONDS: i64 = 43_200;
/// "Temporary credentials obtained by using the root user credentials have a maximum
/// duration of 3,600 seconds": a longer request is cut to it, not refused.
const ROOT_MAX_SECONDS: i64 = 3600;

const FEDERATED_NAME: Shape = Shape {
    min: 2,
    max: 32,
    pattern: Some(Pattern {
        text: r"[\w+=,.@-]*",
        matches: is_session_name,
    }),
};

pub struct GetFederationTokenInput {
    name: String,
    session_policies: SessionPolicyInput,
    duration_seconds: Option<i64>,
    tags: Vec<Tag>,
}

impl FromQuery for GetFederationTokenInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let name = input.required("Name", &FEDERATED_NAME);
        let session_policies = SessionPolicyInput::read(&mut input);
        let duration_seconds = input.integer("DurationSeconds", 900, 129_600);
        let tags = read_tags(&mut input);
        input.finish()?;
        Ok(GetFederationTokenInput {
            name,
            session_policies,
            duration_seconds,
            tags,
        })
    }
}

pub struct GetFederationTokenOutput {
    credentials: Credentials,
    federated_user_id: String,
    arn: String,
    packed_policy_size: Option<usize>,
}

impl ToXml for GetFederationTokenOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        self.credentials.write_xml(w);
        w.open("FederatedUser");
        w.field("FederatedUserId", &self.federated_user_id);
        w.field("Arn", &self.arn);
        w.close("FederatedUser");
        if let Some(size) = self.packed_policy_size {
            w.num_field("PackedPolicySize", size);
        }
    }

    fn size_hint(&self) -> usize {
        Credentials::XML_BYTES + 150 + self.federated_user_id.len() + self.arn.len()
    }
}

pub async fn get_federation_token(
    cx: &Ctx<'_>,
    input: GetFederationTokenInput,
) -> Result<GetFederationTokenOutput, AwsError> {
    let caller = cx.caller;
    if caller.session.is_some() {
        return Err(AwsError::access_denied(
            "Cannot call GetFederationToken with session credentials",
        ));
    }
    check_session_tags(&input.tags, &[])?;
    let account = caller.account_id().to_owned();
    let arn = arn::federated_user(&account, &input.name);
    cx.authorize("sts:GetFederationToken", &arn)?;
    if !input.tags.is_empty() {
        cx.authorize_with(
            "sts:TagSession",
            &arn,
            RequestKeys::default().tags(&input.tags),
        )?;
    }
    let (user_id, duration) = match &caller.principal {
        Principal::Root { .. } => (
            None,
            input
                .duration_seconds
                .unwrap_or(ROOT_MAX_SECONDS)
                .min(ROOT_MAX_SECONDS),
        ),
        Principal::User(user) => (
            Some(user.user_id.clone()),
            input.duration_seconds.unwrap_or(DEFAULT_SECONDS),
        ),
        Principal::AssumedRole(_) | Principal::FederatedUser(_) => {
            unreachable!("sessions have session credentials")
        }
    };
    let (policies, packed) = session_policies(&cx.app.view, &input.session_policies, &input.tags)?;

    let now = cx.now();
    let minted = mint(&account, now, duration);
    let session = cx
        .app
        .store
        .create_session(NewSession {
            record: SessionRecord {
                access_key_id: minted.access_key_id.clone(),
                secret_access_key: minted.secret_access_key.clone(),
                token_digest: TokenDigest::of(&minted.session_token),
                account_id: account.clone(),
                of: SessionOf::Federated {
                    user_id,
                    name: input.name.clone(),
                },
                policies,
                tags: input
                    .tags
                    .iter()
                    .map(|t| (t.key.clone(), t.value.clone()))
                    .collect(),
                transitive_tag_keys: Vec::new(),
                source_identity: None,
                mfa_authenticated_at: None,
                issued_at: now,
                expires_at: minted.expiration,
            },
            inline_policy: input.session_policies.policy,
            policy_arns: input.session_policies.policy_arns,
            region: caller.region.clone(),
        })
        .await?;
    Ok(GetFederationTokenOutput {
        credentials: Credentials {
            access_key_id: session.access_key_id.clone(),
            ..minted
        },
        federated_user_id: format!("{account}:{}", input.name),
        arn,
        packed_policy_size: packed,
    })
}
