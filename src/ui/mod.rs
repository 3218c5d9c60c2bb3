//! The web console at `/_iamlocal/ui`: what was allowed or denied and why, a policy simulator,
//! the entities, and the clock. Server-rendered HTML with a little plain JS, all embedded in
//! the binary: it works offline and needs no build step.
//!
//! The admin token guards it as it guards the admin API. A browser cannot send
//! `Authorization: Bearer`, so the console also takes the token once as `?token=…`: it then
//! sets an HttpOnly, SameSite=Strict cookie scoped to `/_iamlocal/ui` and redirects to the
//! same address without the token (so it stays out of history and of the address bar).

mod decisions;
mod documents;
mod entities;
pub mod html;
mod simulator;
mod time;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::app::App;
use crate::auth::same_secret;

/// The cookie that carries the admin token once `?token=` gave it.
const COOKIE: &str = "iamlocal_admin_token";

pub fn routes(app: Arc<App>) -> Router<Arc<App>> {
    Router::new()
        .route("/_iamlocal/ui", get(index))
        .route("/_iamlocal/ui/", get(index))
        .route("/_iamlocal/ui/style.css", get(style))
        .route("/_iamlocal/ui/console.js", get(script))
        .route("/_iamlocal/ui/decisions", get(decisions::list))
        .route("/_iamlocal/ui/decisions/rows", get(decisions::rows))
        .route(
            "/_iamlocal/ui/decisions/policy",
            get(decisions::least_privilege),
        )
        .route("/_iamlocal/ui/decisions/{id}", get(decisions::detail))
        .route(
            "/_iamlocal/ui/simulator",
            get(simulator::form).post(simulator::run),
        )
        .route("/_iamlocal/ui/entities", get(entities::show))
        .route("/_iamlocal/ui/time", get(time::show))
        .route("/_iamlocal/ui/time/advance", post(time::advance))
        .route("/_iamlocal/ui/time/propagate", post(time::propagate))
        .route_layer(middleware::from_fn_with_state(app, require_token))
}

async fn index() -> Redirect {
    Redirect::to("/_iamlocal/ui/decisions")
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", include_str!("style.css"))
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", include_str!("console.js"))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// With `--admin-token`: the token as `Authorization: Bearer`, as the console's cookie, or
/// once as `?token=` (which sets the cookie); anything else is a 401 page that says how.
async fn require_token(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let Some(token) = app.config.admin_token.as_deref() else {
        return next.run(request).await;
    };
    let matches = |given: &str| same_secret(given.as_bytes(), token.as_bytes());
    let (query_token, rest) = split_token(request.uri().query().unwrap_or(""));
    if let Some(given) = query_token {
        if !matches(&given) {
            return unauthorized();
        }
        if request.method() == Method::GET {
            let path = request.uri().path();
            let to = if rest.is_empty() {
                path.to_owned()
            } else {
                format!("{path}?{rest}")
            };
            return with_cookie(Redirect::to(&to).into_response(), token);
        }
        return next.run(request).await;
    }
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .is_some_and(|(_, given)| matches(given.trim()));
    if bearer || cookie(&request).is_some_and(|given| matches(&given)) {
        next.run(request).await
    } else {
        unauthorized()
    }
}

/// The `token` parameter, and the query string without it.
fn split_token(query: &str) -> (Option<String>, String) {
    let mut token = None;
    let mut rest = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if name == "token" {
            token = Some(value.into_owned());
        } else {
            rest.append_pair(&name, &value);
        }
    }
    (token, rest.finish())
}

fn cookie(request: &Request) -> Option<String> {
    request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| percent_decode_str(value).decode_utf8_lossy().into_owned())
}

fn with_cookie(mut response: Response, token: &str) -> Response {
    let value = format!(
        "{COOKIE}={}; Path=/_iamlocal/ui; HttpOnly; SameSite=Strict",
        utf8_percent_encode(token, NON_ALPHANUMERIC)
    );
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

fn unauthorized() -> Response {
    let mut response = html::html_response(
        StatusCode::UNAUTHORIZED,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Admin token needed · iamlocal</title></head><body><main>\
         <h1>Admin token needed</h1><p>This iamlocal runs with <code>--admin-token</code>. \
         Open <code>/_iamlocal/ui?token=YOUR_TOKEN</code> once; the console remembers it \
         in a cookie for this browser session.</p></main></body></html>"
            .to_owned(),
    );
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// `name=value` pairs of a query string or a form body; the last of a repeated name wins
/// in [`Form::get`].
pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn parse(bytes: &[u8]) -> Form {
        Form(
            form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The value, trimmed; `None` when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_parameter_is_taken_out_of_the_query() {
        let (token, rest) = split_token("principal=arn%3Ax&token=s%26cret&effect=Allow");
        assert_eq!(token.as_deref(), Some("s&cret"));
        assert_eq!(rest, "principal=arn%3Ax&effect=Allow");
        assert_eq!(split_token(""), (None, String::new()));
    }
}
