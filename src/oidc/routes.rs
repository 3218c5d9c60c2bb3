//! The built-in issuer's public documents, open to anyone as an issuer's are:
//! `GET /.well-known/openid-configuration` and `GET /.well-known/jwks.json`.
//! Tokens are minted by the admin API (`POST /_iamlocal/oidc/token`).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app::App;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .route("/.well-known/jwks.json", get(jwks))
}

async fn openid_configuration(State(app): State<Arc<App>>) -> Response {
    json(app.oidc.builtin.openid_configuration())
}

async fn jwks(State(app): State<Arc<App>>) -> Response {
    let keys = match super::prepare_rs256().await {
        Ok(()) => app.oidc.builtin.jwks(),
        Err(e) => Err(e),
    };
    match keys {
        Ok(keys) => json(keys),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
    }
}

fn json(body: serde_json::Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}
