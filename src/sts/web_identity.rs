//! `AssumeRoleWithWebIdentity`: temporary credentials for a role, in exchange for an OpenID
//! Connect ID token from a provider registered in the role's account. AWS answers it
//! unsigned: the token is the proof of identity.
//! <https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html>
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif>

use serde_json::Value;

use crate::api::{Ctx, FromQuery, Origin};
use crate::arn;
use crate::aws_error;
use crate::error::AwsError;
use crate::iam::shapes::{MAX_TAGS, TAG_KEY, TAG_VALUE};
use crate::oidc::{self, Token};
use crate::policy::{self, RequestContext};
use crate::protocol::query::{Input, Params, Shape};
use crate::protocol::xml::{ToXml, XmlWriter};
use crate::store::Tag;
use crate::view::OidcProviderRecord;

use super::role_session::{
    self, NewRoleSession, ROLE_ARN, RoleSession, SESSION_NAME, SessionPolicyInput, fits,
};

const WEB_IDENTITY_TOKEN: Shape = Shape {
    min: 4,
    max: 20_000,
    pattern: None,
};

const PROVIDER_ID: Shape = Shape {
    min: 4,
    max: 2048,
    pattern: None,
};

/// The claim AWS reads session tags from.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_adding-assume-role-idp>
const TAGS_CLAIM: &str = "https://aws.amazon.com/tags";
/// The claim AWS reads a source identity from.
const SOURCE_IDENTITY_CLAIM: &str = "https://aws.amazon.com/source_identity";

pub struct AssumeRoleWithWebIdentityInput {
    role_arn: String,
    session_name: String,
    token: String,
    provider_id: Option<String>,
    duration_seconds: Option<i64>,
    session_policies: SessionPolicyInput,
}

impl FromQuery for AssumeRoleWithWebIdentityInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let role_arn = input.required("RoleArn", &ROLE_ARN);
        let session_name = input.required("RoleSessionName", &SESSION_NAME);
        let token = input.required("WebIdentityToken", &WEB_IDENTITY_TOKEN);
        let provider_id = input.string("ProviderId", &PROVIDER_ID);
        let session_policies = SessionPolicyInput::read(&mut input);
        let duration_seconds = input.integer("DurationSeconds", 900, 43200);
        input.finish()?;
        Ok(AssumeRoleWithWebIdentityInput {
            role_arn,
            session_name,
            token,
            provider_id,
            duration_seconds,
            session_policies,
        })
    }
}

pub struct AssumeRoleWithWebIdentityOutput {
    session: RoleSession,
    subject: String,
    provider: String,
    audience: String,
}

impl ToXml for AssumeRoleWithWebIdentityOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        self.session.write_xml(w);
        w.field("SubjectFromWebIdentityToken", &self.subject);
        w.field("Provider", &self.provider);
        w.field("Audience", &self.audience);
    }

    fn size_hint(&self) -> usize {
        self.session.xml_bytes() + 200 + self.subject.len() + self.provider.len()
    }
}

/// The signed form: the signature names a caller, but only the token counts.
pub async fn assume_role_with_web_identity(
    cx: &Ctx<'_>,
    input: AssumeRoleWithWebIdentityInput,
) -> Result<AssumeRoleWithWebIdentityOutput, AwsError> {
    unsigned(&cx.origin(), input).await
}

pub async fn unsigned(
    origin: &Origin<'_>,
    input: AssumeRoleWithWebIdentityInput,
) -> Result<AssumeRoleWithWebIdentityOutput, AwsError> {
    if input.provider_id.is_some() {
        return Err(aws_error!(
            NotImplemented,
            "iamlocal verifies OpenID Connect ID tokens only: ProviderId (OAuth 2.0 access \
             tokens of Login with Amazon and Facebook) is not supported."
        ));
    }
    let app = origin.app;
    let not_authorized =
        || AwsError::access_denied("Not authorized to perform sts:AssumeRoleWithWebIdentity");
    let token = Token::parse(&input.token).map_err(invalid_token)?;
    let issuer = token
        .str_claim("iss")
        .ok_or_else(|| invalid_token("the token has no iss claim"))?;
    // The provider must be registered in the role's account.
    let (account, _) =
        role_session::role_account_and_name(&input.role_arn).ok_or_else(not_authorized)?;
    let provider = registered_provider(origin, account, issuer)?;
    let keys = app.oidc.keys_for(issuer).ok_or_else(|| {
        invalid_token(
            "Couldn't retrieve verification key from your identity provider, please reference \
             AssumeRoleWithWebIdentity documentation for requirements (iamlocal knows the keys \
             of its built-in issuer and of those given with --oidc-jwks)",
        )
    })?;
    token.verify(keys).map_err(invalid_token)?;
    let claims = Claims::check(&token, &provider, origin.now().unix_timestamp())?;

    let role = role_session::find_role(&app.view, &input.role_arn).ok_or_else(not_authorized)?;
    let duration = input.duration_seconds.unwrap_or(3600);
    role_session::check_duration(&role, duration)?;
    let (policies, packed) =
        role_session::session_policies(&app.view, &input.session_policies, &claims.tags)?;

    // The trust policy must let the provider in for each thing the token asks for.
    let asks = role_session::asks(
        "sts:AssumeRoleWithWebIdentity",
        !claims.tags.is_empty(),
        claims.source_identity.is_some(),
    );
    let trusted = role_session::trusts(&role, &asks, |action| {
        trust_request(origin, action, &role.arn, &provider, &claims, &input)
    });
    if !trusted {
        return Err(not_authorized());
    }

    let session = role_session::start(
        origin,
        NewRoleSession {
            role: &role,
            session_name: &input.session_name,
            duration,
            session_policies: &input.session_policies,
            policies,
            tags: claims
                .tags
                .iter()
                .map(|t| (t.key.clone(), t.value.clone()))
                .collect(),
            transitive_tag_keys: claims.transitive_tag_keys.clone(),
            source_identity: claims.source_identity.clone(),
            mfa_authenticated_at: None,
            packed_policy_size: packed,
        },
    )
    .await?;
    Ok(AssumeRoleWithWebIdentityOutput {
        session,
        subject: claims.sub,
        provider: provider.arn.clone(),
        audience: claims.aud,
    })
}

fn invalid_token(message: &str) -> AwsError {
    aws_error!(InvalidIdentityToken, "{message}")
}

/// The provider registered in `account` for the token's issuer. AWS takes `https://`
/// issuers only; iamlocal also takes the plain-`http://` issuers whose keys it knows.
fn registered_provider(
    origin: &Origin<'_>,
    account: &str,
    issuer: &str,
) -> Result<std::sync::Arc<OidcProviderRecord>, AwsError> {
    let app = origin.app;
    let usable = issuer.starts_with("https://")
        || (issuer.starts_with("http://") && app.oidc.is_known(issuer));
    usable
        .then(|| arn::oidc_provider(account, oidc::provider_url(issuer)))
        .and_then(|arn| app.view.oidc_provider(&arn))
        .ok_or_else(|| {
            aws_error!(
                InvalidIdentityToken,
                "No OpenIDConnect provider found in your account for {issuer}"
            )
        })
}

/// How far ahead of iamlocal's clock a token's `nbf` or `iat` may be: the issuer's clock may
/// run a little ahead. AWS (chosen): five minutes, the skew SigV4 allows.
const CLOCK_SKEW_SECONDS: i64 = 300;

/// A token is not valid before its `nbf` (RFC 7519 §4.1.5), and cannot have been issued
/// (`iat`) in the future, nor expire before it was issued. STS answers `IDPRejectedClaim`, its
/// error for claims that are invalid; a claim that is no NumericDate is `InvalidIdentityToken`.
fn check_not_early(token: &Token<'_>, now: i64) -> Result<(), AwsError> {
    let claim = |name: &str| match token.claims.get(name) {
        None => Ok(None),
        Some(_) => token.time_claim(name).map(Some).ok_or_else(|| {
            invalid_token(&format!("the token's {name} claim is not a NumericDate"))
        }),
    };
    let latest = now + CLOCK_SKEW_SECONDS;
    if let Some(nbf) = claim("nbf")?
        && nbf > latest
    {
        return Err(aws_error!(
            IDPRejectedClaim,
            "Token is not valid yet: current date/time {now} must be after the not-before date/time {nbf}"
        ));
    }
    if let Some(iat) = claim("iat")? {
        if iat > latest {
            return Err(aws_error!(
                IDPRejectedClaim,
                "Token issued in the future: current date/time {now} must be after the issue date/time {iat}"
            ));
        }
        let exp = token.time_claim("exp").unwrap_or(i64::MAX);
        if iat > exp {
            return Err(invalid_token("the token expires before it was issued"));
        }
    }
    Ok(())
}

/// The claims of a verified token that AWS checks and passes on.
struct Claims {
    sub: String,
    /// The audience the provider registered, of those the token names.
    aud: String,
    amr: Vec<String>,
    tags: Vec<Tag>,
    transitive_tag_keys: Vec<String>,
    source_identity: Option<String>,
}

impl Claims {
    fn check(
        token: &Token<'_>,
        provider: &OidcProviderRecord,
        now: i64,
    ) -> Result<Claims, AwsError> {
        let exp = token
            .time_claim("exp")
            .ok_or_else(|| invalid_token("the token has no exp claim"))?;
        if now >= exp {
            return Err(aws_error!(
                ExpiredTokenException,
                "Token expired: current date/time {now} must be before the expiration date/time {exp}"
            ));
        }
        check_not_early(token, now)?;
        let aud = token
            .str_list_claim("aud")
            .into_iter()
            .find(|aud| provider.client_ids.iter().any(|id| id == aud))
            .ok_or_else(|| invalid_token("Incorrect token audience"))?
            .to_owned();
        let sub = token
            .str_claim("sub")
            .filter(|sub| !sub.is_empty())
            .ok_or_else(|| invalid_token("the token has no sub claim"))?
            .to_owned();
        let (tags, transitive_tag_keys) = session_tags(token.claims.get(TAGS_CLAIM))?;
        Ok(Claims {
            sub,
            aud,
            amr: token
                .str_list_claim("amr")
                .into_iter()
                .map(str::to_owned)
                .collect(),
            tags,
            transitive_tag_keys,
            source_identity: source_identity(token)?,
        })
    }
}

/// The source identity a token sets, if any: a string of a session name's shape.
fn source_identity(token: &Token<'_>) -> Result<Option<String>, AwsError> {
    match token.claims.get(SOURCE_IDENTITY_CLAIM) {
        None => Ok(None),
        Some(Value::String(s)) if fits(&SESSION_NAME, s) => Ok(Some(s.clone())),
        Some(_) => Err(invalid_token(
            "the https://aws.amazon.com/source_identity claim is malformed",
        )),
    }
}

/// Session tags from the `https://aws.amazon.com/tags` claim:
/// `{"principal_tags": {"Key": ["Value"]}, "transitive_tag_keys": ["Key"]}`.
fn session_tags(claim: Option<&Value>) -> Result<(Vec<Tag>, Vec<String>), AwsError> {
    let Some(claim) = claim else {
        return Ok((Vec::new(), Vec::new()));
    };
    let malformed = || invalid_token("the https://aws.amazon.com/tags claim is malformed");
    let mut tags = Vec::new();
    if let Some(principal_tags) = claim.get("principal_tags") {
        for (key, value) in principal_tags.as_object().ok_or_else(malformed)? {
            let value = match value {
                Value::String(v) => v.as_str(),
                Value::Array(values) if values.len() == 1 => {
                    values[0].as_str().ok_or_else(malformed)?
                }
                _ => return Err(malformed()),
            };
            if !fits(&TAG_KEY, key) || !fits(&TAG_VALUE, value) {
                return Err(malformed());
            }
            tags.push(Tag {
                key: key.clone(),
                value: value.to_owned(),
            });
        }
    }
    let transitive = match claim.get("transitive_tag_keys") {
        None => Vec::new(),
        Some(keys) => keys
            .as_array()
            .ok_or_else(malformed)?
            .iter()
            .map(|k| k.as_str().map(str::to_owned).ok_or_else(malformed))
            .collect::<Result<_, _>>()?,
    };
    if tags.len() > MAX_TAGS {
        return Err(malformed());
    }
    role_session::check_session_tags(&tags, &transitive)?;
    Ok((tags, transitive))
}

/// The request the trust policy is evaluated on: the provider as the principal, and the
/// token's claims under the provider's condition keys (`host/path:sub`, `:aud`, `:amr`).
fn trust_request(
    origin: &Origin<'_>,
    action: &str,
    role_arn: &str,
    provider: &OidcProviderRecord,
    claims: &Claims,
    input: &AssumeRoleWithWebIdentityInput,
) -> RequestContext {
    let mut request = RequestContext::new(
        action,
        role_arn,
        policy::Principal::web_identity(&provider.arn),
    );
    origin.add_global_keys(&mut request);
    let url = &provider.url;
    request.insert(&format!("{url}:sub"), &claims.sub);
    request.insert(&format!("{url}:aud"), &claims.aud);
    if !claims.amr.is_empty() {
        request.insert(&format!("{url}:amr"), claims.amr.clone());
    }
    request.insert("aws:FederatedProvider", &provider.arn);
    role_session::add_session_keys(
        &mut request,
        &input.session_name,
        claims.source_identity.as_deref(),
        &claims.tags,
        &claims.transitive_tag_keys,
    );
    request
}
