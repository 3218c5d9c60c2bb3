//! The admin API under `/_iamlocal/`: JSON for test suites and compose stacks. It resets
//! state between tests, moves the virtual clock, reads, replaces and flushes the
//! propagation delay (see `consistency`), exports and imports the whole state (see
//! `state`), reads the decisions log, and mints tokens of the built-in OpenID Connect
//! issuer (see `oidc`) and assertions of the built-in test SAML IdP (see `saml`). `GET /_iamlocal/health` lives in `server` and is always open; with
//! `--admin-token` every route here requires `Authorization: Bearer TOKEN`, and so does
//! `GET /metrics` (Prometheus's text format), which lives here too.
//!
//! Errors are `{"error": "…"}` with a 4xx or 5xx status; a bad body is a 400, never a panic.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any, get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::app::App;
use crate::auth::same_secret;
use crate::clock::iso8601;
use crate::consistency::{DelayModel, ModelSpec};
use crate::decisions::{self, Filter};
use crate::state::export::export;
use crate::state::import::summary;
use crate::state::{Defaults, StateDocument, validate};

/// The largest single move of the clock: a century is past every credential's expiry, and
/// the limit keeps the virtual date far from the end of the calendar.
const MAX_ADVANCE_SECONDS: f64 = 100.0 * 366.0 * 86_400.0;

/// The admin routes, guarded by the admin token when one is configured.
pub fn routes(app: Arc<App>) -> Router<Arc<App>> {
    Router::new()
        .route("/_iamlocal/reset", only(post(reset)))
        .route(
            "/_iamlocal/consistency",
            only(get(get_consistency).put(put_consistency)),
        )
        .route("/_iamlocal/propagate", only(post(propagate)))
        .route("/_iamlocal/clock", only(get(get_clock)))
        .route("/_iamlocal/clock/advance", only(post(advance_clock)))
        .route("/_iamlocal/decisions", only(get(get_decisions)))
        .route("/_iamlocal/decisions/policy", only(get(least_privilege)))
        .route("/metrics", only(get(metrics)))
        .route("/_iamlocal/state", only(get(get_state).put(put_state)))
        .route("/_iamlocal/oidc/token", only(post(mint_token)))
        .route("/_iamlocal/saml/metadata", only(get(saml_metadata)))
        .route("/_iamlocal/saml/assertion", only(post(saml_assertion)))
        .route("/_iamlocal/{*rest}", any(not_found))
        .route_layer(middleware::from_fn_with_state(app, require_token))
}

/// `POST reset` → `{"account_id": "000000000000", "dropped": 0}`: every entity deleted, the
/// configured account created again, waiting changes dropped (`dropped` says how many).
async fn reset(State(app): State<Arc<App>>) -> Result<Response, AdminError> {
    let dropped = app.reset().await.map_err(AdminError::internal)?;
    Ok(ok(json!({
        "account_id": app.config.account_id,
        "dropped": dropped,
    })))
}

/// `GET state` → the whole control plane as a state document (see `state::model`); access
/// key secrets only with `?secrets=true`.
async fn get_state(
    State(app): State<Arc<App>>,
    RawQuery(query): RawQuery,
) -> Result<Response, AdminError> {
    let mut secrets = false;
    for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match (&*name, &*value) {
            ("secrets", "true") => secrets = true,
            ("secrets", "false") => secrets = false,
            _ => {
                return Err(AdminError::bad_request(format!(
                    "unknown query parameter {name}={value}: only secrets=true|false"
                )));
            }
        }
    }
    let document = export(&app.store, secrets)
        .await
        .map_err(AdminError::internal)?;
    Ok(ok(
        serde_json::to_value(document).map_err(AdminError::internal)?
    ))
}

/// `PUT state` with a state document → `{"imported": {"accounts": 1, "users": 2, …}}`: the
/// whole state replaced, in one transaction, once every entity passed IAM's checks. A 400
/// names the first entity refused (`path`, `entity`) and why (`problem`); nothing changed.
async fn put_state(State(app): State<Arc<App>>, body: Bytes) -> Result<Response, AdminError> {
    let document: StateDocument = parse(&body)?;
    let defaults = Defaults {
        account_id: &app.config.account_id,
        now: app.clock.now(),
        issuers: &app.oidc,
    };
    let state = validate(document, &defaults).map_err(|e| AdminError {
        status: StatusCode::BAD_REQUEST,
        message: e.to_string(),
        detail: Some(json!({ "path": e.path, "entity": e.entity, "problem": e.problem })),
    })?;
    let imported = summary(state.document());
    app.replace_state(&state)
        .await
        .map_err(AdminError::internal)?;
    Ok(ok(json!({ "imported": imported })))
}

/// `GET consistency` → the delay model in full, and how many changes wait.
async fn get_consistency(State(app): State<Arc<App>>) -> Result<Response, AdminError> {
    consistency(&app, &app.propagation.model())
}

/// `PUT consistency` with a model (`{"profile", "delay_ms", "jitter_ms", "seed", "kinds"}`,
/// each optional) → the resolved model, as `GET` shows it. Waiting changes keep their
/// due times.
async fn put_consistency(State(app): State<Arc<App>>, body: Bytes) -> Result<Response, AdminError> {
    let spec: ModelSpec = parse(&body)?;
    let model = DelayModel::from_spec(&spec).map_err(AdminError::bad_request)?;
    app.propagation.set_model(model.clone());
    consistency(&app, &model)
}

fn consistency(app: &App, model: &DelayModel) -> Result<Response, AdminError> {
    let mut body = serde_json::to_value(model.to_spec()).map_err(AdminError::internal)?;
    body["pending"] = json!(app.propagation.pending());
    Ok(ok(body))
}

/// `POST propagate` → `{"applied": N}`: every waiting change is visible now.
async fn propagate(State(app): State<Arc<App>>) -> Response {
    ok(json!({ "applied": app.propagation.propagate() }))
}

/// `GET clock` → `{"now": "2026-01-01T00:00:00Z", "offset_seconds": 0}`.
async fn get_clock(State(app): State<Arc<App>>) -> Response {
    ok(clock(&app))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: f64,
}

/// `POST clock/advance` with `{"seconds": N}` (N ≥ 0, fractions allowed) → the clock as
/// `GET clock` shows it, and `applied`: how many waiting changes fell due on the way.
async fn advance_clock(State(app): State<Arc<App>>, body: Bytes) -> Result<Response, AdminError> {
    let Advance { seconds } = parse(&body)?;
    let applied = advance(&app, seconds).map_err(AdminError::bad_request)?;
    let mut body = clock(&app);
    body["applied"] = json!(applied);
    Ok(ok(body))
}

/// Moves the clock forward (for the admin API and the console) and applies the changes that
/// fell due on the way; returns how many.
pub(crate) fn advance(app: &App, seconds: f64) -> Result<usize, String> {
    if !(0.0..=MAX_ADVANCE_SECONDS).contains(&seconds) {
        return Err(format!(
            "seconds must be from 0 to {MAX_ADVANCE_SECONDS}: the clock only moves forward"
        ));
    }
    let by = time::Duration::seconds_f64(seconds);
    if app
        .clock
        .now()
        .checked_add(by)
        .is_none_or(|t| t.year() > 9000)
    {
        return Err("the clock cannot move past the year 9000".to_owned());
    }
    app.clock.advance(by);
    Ok(app.propagation.apply_due())
}

fn clock(app: &App) -> Value {
    let offset_ms = app.clock.offset().whole_milliseconds();
    let offset_seconds = if offset_ms % 1000 == 0 {
        json!(offset_ms / 1000)
    } else {
        json!(offset_ms as f64 / 1000.0)
    };
    json!({
        "now": iso8601(app.clock.now()),
        "offset_seconds": offset_seconds,
    })
}

/// `GET decisions?principal=ARN&action=iam:GetUser&effect=ImplicitDeny&since=ID&limit=N` →
/// `{"decisions": [...]}`, oldest first: the logged authorization decisions that match every
/// filter given (`since`: ids above it; `limit`: the most recent N).
async fn get_decisions(
    State(app): State<Arc<App>>,
    filter: Result<Query<Filter>, QueryRejection>,
) -> Result<Response, AdminError> {
    let Query(filter) = filter.map_err(|e| AdminError::bad_request(e.body_text()))?;
    let records = app.decisions.query(&filter);
    let list: Vec<Value> = records.iter().map(|r| r.to_json(&app.decisions)).collect();
    Ok(ok(json!({ "decisions": list })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFor {
    principal: String,
}

/// `GET decisions/policy?principal=ARN` → a least-privilege policy document for every action
/// the principal was seen asking for, allowed or denied, among the logged decisions.
async fn least_privilege(
    State(app): State<Arc<App>>,
    query: Result<Query<PolicyFor>, QueryRejection>,
) -> Result<Response, AdminError> {
    let Query(PolicyFor { principal }) =
        query.map_err(|e| AdminError::bad_request(e.body_text()))?;
    let records = app.decisions.query(&Filter {
        principal: Some(principal.clone()),
        ..Filter::default()
    });
    let policy = decisions::least_privilege_policy(&records).ok_or_else(|| {
        AdminError::new(
            StatusCode::NOT_FOUND,
            format!("no decisions are logged for {principal}"),
        )
    })?;
    Ok(ok(policy))
}

/// `GET /metrics`: request, decision and propagation series in Prometheus's text format.
async fn metrics(State(app): State<Arc<App>>) -> Response {
    let propagation = crate::metrics::Propagation {
        pending: app.propagation.pending(),
        lag_seconds: app.propagation.lag().as_secs_f64(),
    };
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(&propagation),
    )
        .into_response()
}

/// The longest lifetime of a minted token: a year.
const MAX_TOKEN_SECONDS: i64 = 366 * 86_400;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    sub: String,
    /// One audience or a list of them.
    aud: Value,
    /// Seconds from now (on the virtual clock) until `exp`; an hour by default.
    expires_in: Option<i64>,
    /// More claims (`amr`, `https://aws.amazon.com/tags` …), merged last: they may replace
    /// the standard ones, to make tokens that must be refused.
    #[serde(default)]
    claims: serde_json::Map<String, Value>,
}

/// `POST oidc/token` with `{"sub", "aud", "expires_in"?, "claims"?}` → `{"token", "issuer",
/// "expires_at"}`: an ID token signed by the built-in issuer, for `AssumeRoleWithWebIdentity`.
async fn mint_token(State(app): State<Arc<App>>, body: Bytes) -> Result<Response, AdminError> {
    let request: TokenRequest = parse(&body)?;
    let audience_ok = match &request.aud {
        Value::String(_) => true,
        Value::Array(items) => !items.is_empty() && items.iter().all(Value::is_string),
        _ => false,
    };
    if !audience_ok {
        return Err(AdminError::bad_request(
            "aud must be a string or a non-empty list of strings",
        ));
    }
    let expires_in = request.expires_in.unwrap_or(3600);
    if !(1..=MAX_TOKEN_SECONDS).contains(&expires_in) {
        return Err(AdminError::bad_request(format!(
            "expires_in must be from 1 to {MAX_TOKEN_SECONDS} seconds"
        )));
    }
    let now = app.clock.now();
    let expires_at = now + time::Duration::seconds(expires_in);
    let mut claims = serde_json::Map::new();
    claims.insert("iss".into(), json!(app.oidc.builtin.url));
    claims.insert("sub".into(), json!(request.sub));
    claims.insert("aud".into(), request.aud);
    claims.insert("iat".into(), json!(now.unix_timestamp()));
    claims.insert("exp".into(), json!(expires_at.unix_timestamp()));
    claims.extend(request.claims);
    let token = app
        .oidc
        .builtin
        .mint(claims)
        .map_err(AdminError::internal)?;
    Ok(ok(json!({
        "token": token,
        "issuer": app.oidc.builtin.url,
        "expires_at": iso8601(expires_at),
    })))
}

/// `GET saml/metadata`: the built-in test IdP's SAML metadata, for `CreateSAMLProvider`.
async fn saml_metadata(State(app): State<Arc<App>>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/samlmetadata+xml")],
        app.saml_idp.metadata(),
    )
        .into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssertionRequest {
    role_arn: String,
    provider_arn: String,
    subject: String,
    session_name: String,
    /// The audience and recipient; AWS's sign-in endpoint by default.
    audience: Option<String>,
    /// Seconds from now (on the virtual clock) until the assertion expires; 5 minutes by
    /// default.
    lifetime: Option<i64>,
    subject_format: Option<String>,
    /// More attributes (name → value or values), merged last: they may replace the `Role`
    /// and `RoleSessionName` ones, to make assertions that must be refused.
    #[serde(default)]
    attributes: serde_json::Map<String, Value>,
    /// Seconds from now until the `AuthnStatement`'s `SessionNotOnOrAfter`; none by default.
    session_seconds: Option<i64>,
    /// Encrypt the signed assertion to the public half of the provider's newest private key
    /// (`AddPrivateKey`), as an IdP does for a provider with encryption on.
    #[serde(default)]
    encrypt: bool,
}

/// `POST saml/assertion` with `{"role_arn", "provider_arn", "subject", "session_name",
/// "audience"?, "lifetime"?, "subject_format"?, "attributes"?, "session_seconds"?,
/// "encrypt"?}` → `{"saml_response", "issuer", "expires_at"}`: a base64 SAML response signed
/// (and, if asked, encrypted) by the built-in test IdP, for `AssumeRoleWithSAML`.
async fn saml_assertion(State(app): State<Arc<App>>, body: Bytes) -> Result<Response, AdminError> {
    use crate::saml::idp::{AssertionSpec, ENTITY_ID};
    let request: AssertionRequest = parse(&body)?;
    let lifetime = request.lifetime.unwrap_or(300);
    if !(1..=MAX_TOKEN_SECONDS).contains(&lifetime) {
        return Err(AdminError::bad_request(format!(
            "lifetime must be from 1 to {MAX_TOKEN_SECONDS} seconds"
        )));
    }
    let mut attributes = vec![
        (
            "https://aws.amazon.com/SAML/Attributes/Role".to_owned(),
            vec![format!("{},{}", request.role_arn, request.provider_arn)],
        ),
        (
            "https://aws.amazon.com/SAML/Attributes/RoleSessionName".to_owned(),
            vec![request.session_name],
        ),
    ];
    for (name, value) in request.attributes {
        let values = match value {
            Value::String(v) => vec![v],
            Value::Array(items) => items
                .into_iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<_>>()
                .ok_or_else(|| AdminError::bad_request("attribute values must be strings"))?,
            _ => return Err(AdminError::bad_request("attribute values must be strings")),
        };
        attributes.retain(|(n, _)| *n != name);
        attributes.push((name, values));
    }
    let recipient = if request.encrypt {
        let key = app
            .view
            .saml_provider(&request.provider_arn)
            .and_then(|p| p.decryption_keys.last().map(|k| k.public_key()))
            .ok_or_else(|| {
                AdminError::bad_request(
                    "to encrypt, the provider needs a private key (AddPrivateKey)",
                )
            })?;
        Some(key)
    } else {
        None
    };
    let now = app.clock.now();
    let expires_at = now + time::Duration::seconds(lifetime);
    let xml = app
        .saml_idp
        .response(&AssertionSpec {
            subject: &request.subject,
            subject_format: request
                .subject_format
                .as_deref()
                .unwrap_or("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"),
            audience: request
                .audience
                .as_deref()
                .unwrap_or("https://signin.aws.amazon.com/saml"),
            issued_at: now,
            not_on_or_after: expires_at,
            attributes: &attributes,
            session_not_on_or_after: request
                .session_seconds
                .map(|seconds| now + time::Duration::seconds(seconds)),
            encrypt_to: recipient.as_ref(),
        })
        .map_err(AdminError::internal)?;
    Ok(ok(json!({
        "saml_response": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, xml),
        "issuer": ENTITY_ID,
        "expires_at": iso8601(expires_at),
    })))
}

async fn not_found() -> AdminError {
    AdminError::new(StatusCode::NOT_FOUND, "no such admin route")
}

/// A route's methods, answering any other method with a JSON 405.
fn only(methods: MethodRouter<Arc<App>>) -> MethodRouter<Arc<App>> {
    methods.fallback(|| async {
        AdminError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed on this admin route",
        )
    })
}

async fn require_token(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    if let Some(token) = &app.config.admin_token {
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, given)| given.trim());
        if !given.is_some_and(|given| same_secret(given.as_bytes(), token.as_bytes())) {
            let mut response = AdminError::new(
                StatusCode::UNAUTHORIZED,
                "the admin API needs Authorization: Bearer <the --admin-token>",
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return response;
        }
    }
    next.run(request).await
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, AdminError> {
    serde_json::from_slice(body)
        .map_err(|e| AdminError::bad_request(format!("the body is not the expected JSON: {e}")))
}

fn ok(body: Value) -> Response {
    json_response(StatusCode::OK, &body)
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

#[derive(Debug)]
struct AdminError {
    status: StatusCode,
    message: String,
    /// More fields for the body, next to `error`.
    detail: Option<Value>,
}

impl AdminError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        AdminError {
            status,
            message: message.into(),
            detail: None,
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        AdminError::new(StatusCode::BAD_REQUEST, message)
    }

    fn internal(source: impl std::fmt::Display) -> Self {
        tracing::error!(error = %source, "admin request failed");
        AdminError::new(StatusCode::INTERNAL_SERVER_ERROR, source.to_string())
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let mut body = self.detail.unwrap_or_else(|| json!({}));
        body["error"] = json!(self.message);
        json_response(self.status, &body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"token", b"token"));
        assert!(!same_secret(b"token", b"tokem"));
        assert!(!same_secret(b"token", b"token2"));
        assert!(!same_secret(b"", b"t"));
    }
}
