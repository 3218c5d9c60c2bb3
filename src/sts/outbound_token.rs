//! `GetWebIdentityToken`: a signed JSON Web Token that says who the caller is, for services
//! outside AWS that trust the account's issuer (outbound web identity federation, which the
//! account must have enabled).
//! <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetWebIdentityToken.html>
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_outbound_token_claims.html>

use serde_json::{Map, Value, json};

use crate::api::{Ctx, FromQuery, RequestKeys};
use crate::aws_error;
use crate::error::AwsError;
use crate::iam::shapes::read_tags;
use crate::oidc::Algorithm;
use crate::protocol::query::{Input, Params, Shape};
use crate::protocol::xml::{ToXml, XmlWriter};
use crate::store::Tag;
use crate::view::{Principal, SessionOf};

/// Tokens last five minutes unless asked otherwise.
const DEFAULT_SECONDS: i64 = 300;

const AUDIENCE: Shape = Shape {
    min: 1,
    max: 1000,
    pattern: None,
};

const SIGNING_ALGORITHM: Shape = Shape {
    min: 5,
    max: 5,
    pattern: None,
};

/// The claims AWS nests under its own namespace.
const NAMESPACE: &str = "https://sts.amazonaws.com/";

pub struct GetWebIdentityTokenInput {
    audience: Vec<String>,
    duration_seconds: Option<i64>,
    signing_algorithm: String,
    tags: Vec<Tag>,
}

impl FromQuery for GetWebIdentityTokenInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        input.require_present("Audience");
        let audience = input.string_list("Audience", 10, &AUDIENCE);
        let duration_seconds = input.integer("DurationSeconds", 60, 3600);
        let signing_algorithm = input.required("SigningAlgorithm", &SIGNING_ALGORITHM);
        let tags = read_tags(&mut input);
        input.finish()?;
        Ok(GetWebIdentityTokenInput {
            audience,
            duration_seconds,
            signing_algorithm,
            tags,
        })
    }
}

pub struct GetWebIdentityTokenOutput {
    token: String,
    expiration: time::OffsetDateTime,
}

impl ToXml for GetWebIdentityTokenOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.field("WebIdentityToken", &self.token);
        w.field("Expiration", &crate::clock::iso8601(self.expiration));
    }
}

pub async fn get_web_identity_token(
    cx: &Ctx<'_>,
    input: GetWebIdentityTokenInput,
) -> Result<GetWebIdentityTokenOutput, AwsError> {
    let duration = input.duration_seconds.unwrap_or(DEFAULT_SECONDS);
    let keys = RequestKeys::default()
        .with("sts:IdentityTokenAudience", input.audience.clone())
        .with("sts:DurationSeconds", duration)
        .with("sts:SigningAlgorithm", input.signing_algorithm.as_str())
        .tags(&input.tags);
    cx.authorize_with("sts:GetWebIdentityToken", "*", keys)?;
    let alg = match input.signing_algorithm.as_str() {
        "ES384" => Algorithm::Es384,
        "RS256" => Algorithm::Rs256,
        other => {
            return Err(aws_error!(
                ValidationError,
                "1 validation error detected: Value '{other}' at 'signingAlgorithm' failed to \
                 satisfy constraint: Member must satisfy enum value set: [RS256, ES384]"
            ));
        }
    };
    if !cx
        .app
        .store
        .outbound_federation_enabled(cx.account_id())
        .await?
    {
        return Err(aws_error!(
            OutboundWebIdentityFederationDisabledException,
            "Outbound web identity federation is disabled for this account."
        ));
    }
    let now = cx.now();
    let expiration = now + time::Duration::seconds(duration);
    if let Some(session) = &cx.caller.session
        && expiration > session.expires_at
    {
        return Err(aws_error!(
            SessionDurationEscalationException,
            "The requested token duration would extend the session beyond its original \
             expiration time."
        ));
    }
    let claims = claims(cx, &input, now, expiration);
    if alg == Algorithm::Rs256 {
        crate::oidc::prepare_rs256()
            .await
            .map_err(AwsError::internal)?;
    }
    let token = cx
        .app
        .oidc
        .builtin
        .mint_with(alg, claims)
        .map_err(AwsError::internal)?;
    Ok(GetWebIdentityTokenOutput { token, expiration })
}

/// `sub` is the principal's ARN (a role session's is its role's); AWS's own claims go under
/// its namespace.
fn claims(
    cx: &Ctx<'_>,
    input: &GetWebIdentityTokenInput,
    now: time::OffsetDateTime,
    expiration: time::OffsetDateTime,
) -> Map<String, Value> {
    let caller = cx.caller;
    let (subject, principal_tags) = match &caller.principal {
        Principal::User(user) => (user.arn.clone(), user.tags.clone()),
        Principal::AssumedRole(session) => match &session.of {
            SessionOf::Role {
                role_id, role_arn, ..
            } => (
                role_arn.clone(),
                cx.app
                    .view
                    .role(role_id)
                    .map(|r| r.tags.clone())
                    .unwrap_or_default(),
            ),
            _ => (caller.arn(), Vec::new()),
        },
        _ => (caller.arn(), Vec::new()),
    };
    let mut aws = Map::new();
    aws.insert("aws_account".into(), json!(caller.account_id()));
    aws.insert("source_region".into(), json!(caller.region));
    if !principal_tags.is_empty() {
        let tags: Map<String, Value> = principal_tags
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        aws.insert("principal_tags".into(), Value::Object(tags));
    }
    if !input.tags.is_empty() {
        let tags: Map<String, Value> = input
            .tags
            .iter()
            .map(|t| (t.key.clone(), Value::String(t.value.clone())))
            .collect();
        aws.insert("request_tags".into(), Value::Object(tags));
    }
    let audience = match input.audience.as_slice() {
        [one] => json!(one),
        many => json!(many),
    };
    let mut claims = Map::new();
    claims.insert("aud".into(), audience);
    claims.insert("sub".into(), json!(subject));
    claims.insert("iat".into(), json!(now.unix_timestamp()));
    claims.insert("exp".into(), json!(expiration.unix_timestamp()));
    claims.insert("jti".into(), json!(uuid::Uuid::new_v4().to_string()));
    claims.insert(NAMESPACE.into(), Value::Object(aws));
    claims
}
