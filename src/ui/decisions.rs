//! The decisions page: the log of recent authorization decisions, filtered by GET parameters
//! and refreshed by polling its rows; one decision in detail with the policy documents
//! involved and their matched statements highlighted.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Form;
use super::documents::{self, Owner};
use super::html::{Highlight, error_box, escape, page, policy_document, pretty, url_encode};
use crate::app::App;
use crate::decisions::{
    DecisionRecord, Filter, effect_name, least_privilege_policy, policy_type_name,
};
use crate::policy::PolicyType;
use crate::state::export::export;

/// The most rows the list shows.
const ROWS: usize = 200;
const EFFECTS: &[&str] = &["Allow", "ExplicitDeny", "ImplicitDeny"];

fn filter(query: &Form) -> Filter {
    Filter {
        principal: query.get("principal").map(str::to_owned),
        action: query.get("action").map(str::to_owned),
        effect: query.get("effect").map(str::to_owned),
        since: None,
        limit: Some(ROWS),
    }
}

/// `GET /_iamlocal/ui/decisions?principal=&action=&effect=`
pub async fn list(State(app): State<Arc<App>>, RawQuery(query): RawQuery) -> Response {
    let query = Form::parse(query.unwrap_or_default().as_bytes());
    let field = |name: &str| escape(query.get(name).unwrap_or(""));
    let effect = query.get("effect").unwrap_or("");
    let options: String = std::iter::once(("", "any"))
        .chain(EFFECTS.iter().map(|e| (*e, *e)))
        .map(|(value, label)| {
            let selected = if value == effect { " selected" } else { "" };
            format!("<option value=\"{value}\"{selected}>{label}</option>")
        })
        .collect();
    let body = format!(
        "<form method=\"get\" class=\"filters\" aria-label=\"Filter decisions\">\
         <label>Principal ARN <input name=\"principal\" value=\"{principal}\" size=\"50\"></label>\
         <label>Action <input name=\"action\" value=\"{action}\" placeholder=\"iam:GetUser\"></label>\
         <label>Effect <select name=\"effect\">{options}</select></label>\
         <button type=\"submit\">Filter</button> <a href=\"/_iamlocal/ui/decisions\">Clear</a></form>\
         <p><label><input type=\"checkbox\" id=\"live\" checked> Refresh every 2 seconds</label></p>\
         <table class=\"decisions\"><caption>The most recent {ROWS} decisions, newest first</caption>\
         <thead><tr><th scope=\"col\">#</th><th scope=\"col\">Time (virtual)</th>\
         <th scope=\"col\">Principal</th><th scope=\"col\">Action</th><th scope=\"col\">Resource</th>\
         <th scope=\"col\">Effect</th></tr></thead>\
         <tbody id=\"decision-rows\" data-poll=\"/_iamlocal/ui/decisions/rows\">{rows}</tbody></table>",
        principal = field("principal"),
        action = field("action"),
        rows = rows_html(&app, &query),
    );
    page("Decisions", "decisions", &body)
}

/// `GET /_iamlocal/ui/decisions/rows?…`: the table's rows alone, for the page to poll.
pub async fn rows(State(app): State<Arc<App>>, RawQuery(query): RawQuery) -> Response {
    let query = Form::parse(query.unwrap_or_default().as_bytes());
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        rows_html(&app, &query),
    )
        .into_response()
}

fn rows_html(app: &App, query: &Form) -> String {
    let records = app.decisions.query(&filter(query));
    if records.is_empty() {
        return "<tr><td colspan=\"6\">No decisions yet.</td></tr>".to_owned();
    }
    records
        .iter()
        .rev()
        .map(|r| {
            let effect = effect_name(r.decision.effect);
            format!(
                "<tr class=\"effect-{effect}\" data-id=\"{id}\"><td><a href=\"/_iamlocal/ui/decisions/{id}\">{id}</a></td>\
                 <td>{time}</td><td>{principal}</td><td>{action}</td><td>{resource}</td><td>{effect}</td></tr>",
                id = r.id,
                time = escape(&crate::clock::iso8601(r.time)),
                principal = escape(r.principal()),
                action = escape(r.request.action()),
                resource = escape(r.request.resource()),
            )
        })
        .collect()
}

/// `GET /_iamlocal/ui/decisions/{id}`
pub async fn detail(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let Some(record) = id.parse().ok().and_then(|id| app.decisions.get(id)) else {
        let body = error_box(
            "NotFound",
            &format!("no decision {id} in the log (it keeps the most recent ones)"),
        );
        let mut response = page("Decision", "decisions", &body);
        *response.status_mut() = StatusCode::NOT_FOUND;
        return response;
    };
    let documents = match export(&app.store, false).await {
        Ok(state) => involved_documents(&state, &record),
        Err(e) => error_box(e.code.as_str(), &e.message),
    };
    let effect = effect_name(record.decision.effect);
    let message = record.message.as_deref().map_or_else(String::new, |m| {
        format!(
            "<h2>AWS's message</h2><p class=\"message\" id=\"denial-message\">{}</p>",
            escape(m)
        )
    });
    let matched: String = record
        .decision
        .matched
        .iter()
        .map(|m| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:?}</td></tr>",
                policy_type_name(m.policy_type),
                escape(&m.policy_id),
                m.statement_index + 1,
                escape(m.sid.as_deref().unwrap_or("")),
                m.effect,
            )
        })
        .collect();
    let matched = if matched.is_empty() {
        "<p>No statement matched: nothing allowed the request (an implicit deny).</p>".to_owned()
    } else {
        format!(
            "<table><thead><tr><th scope=\"col\">Policy type</th><th scope=\"col\">Policy</th>\
             <th scope=\"col\">Statement</th><th scope=\"col\">Sid</th><th scope=\"col\">Effect</th>\
             </tr></thead><tbody>{matched}</tbody></table>"
        )
    };
    let context: String = record
        .request
        .iter()
        .map(|(key, value)| {
            format!(
                "<tr><td>{}</td><td>{}</td></tr>",
                escape(key),
                escape(&value.values().join(", "))
            )
        })
        .collect();
    let principal = record.principal();
    let body = format!(
        "<dl class=\"record\"><dt>Time (virtual)</dt><dd>{time}</dd><dt>Request id</dt><dd>{request_id}</dd>\
         <dt>Principal</dt><dd>{principal_html}</dd><dt>Action</dt><dd>{action}</dd>\
         <dt>Resource</dt><dd>{resource}</dd><dt>Effect</dt><dd id=\"effect\">{effect}</dd>\
         <dt>Deciding policy type</dt><dd id=\"decided-by\">{decided_by}</dd></dl>{message}\
         <p><a href=\"/_iamlocal/ui/decisions/policy?principal={principal_q}\">Least-privilege policy for this principal</a>\
         · <a href=\"/_iamlocal/ui/simulator?principal={principal_q}&amp;actions={action_q}&amp;resources={resource_q}\">Try it in the simulator</a></p>\
         <h2>Matched statements</h2>{matched}<h2>Policy documents</h2>\
         <p class=\"note\">The current documents; they may have changed since the decision.</p>{documents}\
         <details><summary>Request context</summary><table><tbody>{context}</tbody></table></details>",
        time = escape(&crate::clock::iso8601(record.time)),
        request_id = escape(&record.request_id),
        principal_html = escape(principal),
        action = escape(record.request.action()),
        resource = escape(record.request.resource()),
        decided_by = policy_type_name(record.decision.decided_by),
        principal_q = escape(&url_encode(principal)),
        action_q = escape(&url_encode(record.request.action())),
        resource_q = escape(&url_encode(record.request.resource())),
    );
    page(&format!("Decision {}", record.id), "decisions", &body)
}

/// The documents of the matched statements, highlighted; for an implicit deny (nothing
/// matched), the principal's own identity-based policies, to read what is missing.
fn involved_documents(state: &crate::state::StateDocument, record: &DecisionRecord) -> String {
    let Some(account) = documents::account(state, record.account()) else {
        return "<p>The principal's account is not in the store.</p>".to_owned();
    };
    let owner = documents::owner(account, record.principal());
    let mut ids: Vec<(PolicyType, &str)> = Vec::new();
    for m in &record.decision.matched {
        if !ids.contains(&(m.policy_type, &*m.policy_id)) {
            ids.push((m.policy_type, &m.policy_id));
        }
    }
    let mut html = String::new();
    for (policy_type, id) in ids {
        let document = if id.starts_with("arn:") {
            documents::by_arn(account, id)
        } else {
            owner
                .as_ref()
                .and_then(|o| documents::inline(account, o, id))
        };
        let highlights: Vec<Highlight> = record
            .decision
            .matched
            .iter()
            .filter(|m| &*m.policy_id == id)
            .map(|m| Highlight {
                statement_index: m.statement_index,
                effect: m.effect,
            })
            .collect();
        let title = format!("{} policy {id}", policy_type_name(policy_type));
        html.push_str(&match document {
            Some(document) => policy_document(&title, &document, &highlights),
            None => format!(
                "<p>{}: not in the store (deleted since, or a session policy, which is not kept).</p>",
                escape(&title)
            ),
        });
    }
    if record.decision.matched.is_empty() {
        html.push_str(&own_policies(account, owner.as_ref()));
    }
    html
}

/// The inline and attached policies of a user or role, none highlighted.
fn own_policies(account: &crate::state::model::Account, owner: Option<&Owner<'_>>) -> String {
    let (inline, attached) = match owner {
        Some(Owner::User(u)) => (&u.policies, &u.attached_policies),
        Some(Owner::Role(r)) => (&r.policies, &r.attached_policies),
        Some(Owner::Group(g)) => (&g.policies, &g.attached_policies),
        None => return String::new(),
    };
    let mut html = String::new();
    for (name, document) in inline {
        html.push_str(&policy_document(
            &format!("inline policy {name}"),
            document,
            &[],
        ));
    }
    for arn in attached {
        if let Some(document) = documents::by_arn(account, arn) {
            html.push_str(&policy_document(
                &format!("managed policy {arn}"),
                &document,
                &[],
            ));
        }
    }
    if html.is_empty() {
        html.push_str("<p>The principal has no identity-based policy of its own.</p>");
    }
    html
}

/// `GET /_iamlocal/ui/decisions/policy?principal=ARN`: what `GET /_iamlocal/decisions/policy`
/// answers, as a page.
pub async fn least_privilege(State(app): State<Arc<App>>, RawQuery(query): RawQuery) -> Response {
    let query = Form::parse(query.unwrap_or_default().as_bytes());
    let principal = query.get("principal").unwrap_or("");
    let records = app.decisions.query(&Filter {
        principal: Some(principal.to_owned()),
        ..Filter::default()
    });
    let body = match least_privilege_policy(&records) {
        Some(policy) => format!(
            "<p>Every action <code>{p}</code> was seen asking for, allowed or denied, among the \
             logged decisions (also as JSON: <code>GET /_iamlocal/decisions/policy?principal=…</code>).</p>\
             <pre id=\"least-privilege\">{policy}</pre>",
            p = escape(principal),
            policy = escape(&pretty(&policy)),
        ),
        None => error_box(
            "NotFound",
            &format!("no decisions are logged for {principal}"),
        ),
    };
    page("Least-privilege policy", "decisions", &body)
}
