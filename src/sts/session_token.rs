//! `GetSessionToken`: short-lived credentials for the calling user (or root).
//! <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html>

use super::credentials::{Credentials, mint};
use super::mfa::MfaInput;
use crate::api::{Ctx, FromQuery};
use crate::aws_error;
use crate::error::AwsError;
use crate::ids::TokenDigest;
use crate::protocol::query::{Input, Params};
use crate::protocol::xml::{ToXml, XmlWriter};
use crate::store::NewSession;
use crate::view::{Principal, SessionOf, SessionRecord};

/// Users get 12 hours unless they ask otherwise; the root user at most one hour.
const USER_DEFAULT_SECONDS: i64 = 43_200;
const ROOT_MAX_SECONDS: i64 = 3600;

pub struct GetSessionTokenInput {
    duration_seconds: Option<i64>,
    mfa: MfaInput,
}

impl FromQuery for GetSessionTokenInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let duration_seconds = input.integer("DurationSeconds", 900, 129_600);
        let mfa = MfaInput::read(&mut input);
        input.finish()?;
        Ok(GetSessionTokenInput {
            duration_seconds,
            mfa,
        })
    }
}

pub struct GetSessionTokenOutput {
    credentials: Credentials,
}

impl ToXml for GetSessionTokenOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        self.credentials.write_xml(w);
    }

    fn size_hint(&self) -> usize {
        Credentials::XML_BYTES
    }
}

pub async fn get_session_token(
    cx: &Ctx<'_>,
    input: GetSessionTokenInput,
) -> Result<GetSessionTokenOutput, AwsError> {
    let caller = cx.caller;
    if caller.session.is_some() {
        return Err(AwsError::access_denied(
            "Cannot call GetSessionToken with session credentials",
        ));
    }
    // Needs no permission: AWS lets every user get session credentials for itself.
    let (user_id, default, max) = match &caller.principal {
        Principal::Root { .. } => (None, ROOT_MAX_SECONDS, ROOT_MAX_SECONDS),
        Principal::User(user) => (Some(user.user_id.clone()), USER_DEFAULT_SECONDS, 129_600),
        Principal::AssumedRole(_) | Principal::FederatedUser(_) => {
            unreachable!("sessions have session credentials")
        }
    };
    let duration = input.duration_seconds.unwrap_or(default);
    if duration > max {
        return Err(aws_error!(
            ValidationError,
            "The requested DurationSeconds exceeds the limit of {max} seconds for root credentials."
        ));
    }
    let mfa_authenticated_at = input.mfa.check(cx).await?;
    let now = cx.now();
    let account = caller.account_id();
    let credentials = mint(account, now, duration);
    let session = cx
        .app
        .store
        .create_session(NewSession {
            record: SessionRecord {
                access_key_id: credentials.access_key_id.clone(),
                secret_access_key: credentials.secret_access_key.clone(),
                token_digest: TokenDigest::of(&credentials.session_token),
                account_id: account.to_owned(),
                of: SessionOf::Caller { user_id },
                policies: None,
                tags: Vec::new(),
                transitive_tag_keys: Vec::new(),
                source_identity: None,
                mfa_authenticated_at,
                issued_at: now,
                expires_at: credentials.expiration,
            },
            inline_policy: None,
            policy_arns: Vec::new(),
            region: caller.region.clone(),
        })
        .await?;
    Ok(GetSessionTokenOutput {
        credentials: Credentials {
            access_key_id: session.access_key_id.clone(),
            ..credentials
        },
    })
}
