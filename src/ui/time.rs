//! The time and propagation page: the virtual clock with an "advance" form, the temporary
//! credentials and when they expire, and the changes still propagating with their countdowns.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::{Redirect, Response};
use time::OffsetDateTime;

use super::Form;
use super::html::{error_box, escape, page, url_encode};
use crate::app::App;
use crate::clock::iso8601;
use crate::view::SessionOf;

/// `GET /_iamlocal/ui/time[?error=…]`
pub async fn show(State(app): State<Arc<App>>, RawQuery(query): RawQuery) -> Response {
    let query = Form::parse(query.unwrap_or_default().as_bytes());
    let now = app.clock.now();
    let error = query
        .get("error")
        .map_or_else(String::new, |e| error_box("InvalidInput", e));
    let done = query.get("done").map_or_else(String::new, |d| {
        format!("<p class=\"done\" role=\"status\">{}</p>", escape(d))
    });
    let body = format!(
        "{error}{done}<dl class=\"record\"><dt>Now (virtual)</dt><dd id=\"now\">{now}</dd>\
         <dt>Ahead of the wall clock by</dt><dd>{offset} s</dd></dl>\
         <form method=\"post\" action=\"/_iamlocal/ui/time/advance\" class=\"inline\">\
         <label for=\"seconds\">Advance the clock by (seconds)</label>\
         <input id=\"seconds\" name=\"seconds\" type=\"number\" min=\"0\" step=\"any\" value=\"3600\" required>\
         <button type=\"submit\" id=\"advance\">Advance</button></form>\
         <h2>Temporary credentials</h2>{sessions}\
         <h2>Changes still propagating</h2>\
         <form method=\"post\" action=\"/_iamlocal/ui/time/propagate\" class=\"inline\">\
         <button type=\"submit\">Make every change visible now</button></form>{waiting}",
        now = escape(&iso8601(now)),
        offset = app.clock.offset().whole_seconds(),
        sessions = sessions(&app, now),
        waiting = waiting(&app, now),
    );
    page("Time and propagation", "time", &body)
}

fn sessions(app: &App, now: OffsetDateTime) -> String {
    let mut sessions = app.view.sessions();
    sessions.sort_by_key(|s| s.expires_at);
    let rows: String = sessions
        .iter()
        .map(|s| {
            let whose = match &s.of {
                SessionOf::Role { .. } => s.assumed_role_arn().unwrap_or_default(),
                SessionOf::Federated { .. } => s.federated_user_arn().unwrap_or_default(),
                SessionOf::Caller { user_id } => format!(
                    "session token of {}",
                    user_id.as_deref().unwrap_or("the account's root user")
                ),
            };
            let left = (s.expires_at - now).whole_seconds();
            let status = if left > 0 {
                format!("active, {left} s left")
            } else {
                "expired".to_owned()
            };
            format!(
                "<tr data-access-key-id=\"{key}\" class=\"{class}\"><td>{key}</td><td>{whose}</td>\
                 <td>{expires}</td><td class=\"status\">{status}</td></tr>",
                key = escape(&s.access_key_id),
                class = if left > 0 { "active" } else { "expired" },
                whose = escape(&whose),
                expires = escape(&iso8601(s.expires_at)),
            )
        })
        .collect();
    if rows.is_empty() {
        return "<p>None.</p>".to_owned();
    }
    format!(
        "<table class=\"sessions\"><thead><tr><th scope=\"col\">Access key id</th>\
         <th scope=\"col\">Principal</th><th scope=\"col\">Expires (virtual)</th>\
         <th scope=\"col\">Status</th></tr></thead><tbody>{rows}</tbody></table>"
    )
}

fn waiting(app: &App, now: OffsetDateTime) -> String {
    let now_ms = (now.unix_timestamp_nanos() / 1_000_000) as i64;
    let rows: String = app
        .propagation
        .waiting()
        .iter()
        .map(|w| {
            let left = w.due.saturating_sub(now_ms).max(0);
            format!(
                "<tr><td>{}</td><td>{}</td><td class=\"countdown\" data-remaining-ms=\"{left}\">{:.1} s</td></tr>",
                escape(&w.entity),
                w.kind.unwrap_or("credentials"),
                left as f64 / 1000.0,
            )
        })
        .collect();
    if rows.is_empty() {
        return "<p>None: every change is visible.</p>".to_owned();
    }
    format!(
        "<table class=\"waiting\"><thead><tr><th scope=\"col\">Entity</th><th scope=\"col\">Kind</th>\
         <th scope=\"col\">Visible in</th></tr></thead><tbody>{rows}</tbody></table>"
    )
}

/// `POST /_iamlocal/ui/time/advance` with `seconds=N`, then back to the page.
pub async fn advance(State(app): State<Arc<App>>, body: Bytes) -> Redirect {
    let form = Form::parse(&body);
    let seconds = form.get("seconds").and_then(|s| s.parse::<f64>().ok());
    let outcome = match seconds {
        Some(seconds) => crate::admin::advance(&app, seconds)
            .map(|applied| format!("Advanced by {seconds} s; {applied} waiting changes applied.")),
        None => Err("seconds must be a number".to_owned()),
    };
    back(outcome)
}

/// `POST /_iamlocal/ui/time/propagate`
pub async fn propagate(State(app): State<Arc<App>>) -> Redirect {
    let applied = app.propagation.propagate();
    back(Ok(format!("{applied} waiting changes applied.")))
}

fn back(outcome: Result<String, String>) -> Redirect {
    let (name, text) = match outcome {
        Ok(done) => ("done", done),
        Err(error) => ("error", error),
    };
    Redirect::to(&format!("/_iamlocal/ui/time?{name}={}", url_encode(&text)))
}
