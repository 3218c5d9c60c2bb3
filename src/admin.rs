//! The admin API under `/_iamlocal/`: JSON for test suites and compose stacks. It resets
//! state between tests, moves the virtual clock, and reads, replaces and flushes the
//! propagation delay (see `consistency`). `GET /_iamlocal/health` lives in `server` and is
//! always open; with `--admin-token` every route here requires `Authorization: Bearer TOKEN`.
//!
//! Errors are `{"error": "…"}` with a 4xx or 5xx status; a bad body is a 400, never a panic.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
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
    if !(0.0..=MAX_ADVANCE_SECONDS).contains(&seconds) {
        return Err(AdminError::bad_request(format!(
            "seconds must be from 0 to {MAX_ADVANCE_SECONDS}: the clock only moves forward"
        )));
    }
    let by = time::Duration::seconds_f64(seconds);
    if app
        .clock
        .now()
        .checked_add(by)
        .is_none_or(|t| t.year() > 9000)
    {
        return Err(AdminError::bad_request(
            "the clock cannot move past the year 9000",
        ));
    }
    app.clock.advance(by);
    let applied = app.propagation.apply_due();
    let mut body = clock(&app);
    body["applied"] = json!(applied);
    Ok(ok(body))
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
}

impl AdminError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        AdminError {
            status,
            message: message.into(),
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
        json_response(self.status, &json!({ "error": self.message }))
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
