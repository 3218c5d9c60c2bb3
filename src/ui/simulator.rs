//! The simulator page: a form whose answer comes from `iam::simulate::simulate`, the very
//! function `SimulatePrincipalPolicy` and `SimulateCustomPolicy` call, so the page and the API
//! never differ. Matched statements are highlighted in their documents.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde_json::Value;

use super::Form;
use super::documents::{self, Owner};
use super::html::{Highlight, error_box, escape, page, policy_document};
use crate::app::App;
use crate::iam::simulate::{
    ContextEntry, Scenario, SimulatePolicyOutput, SimulationRequest, simulate, source_policy_type,
};
use crate::state::StateDocument;
use crate::state::export::export;

/// A line holding only this separates pasted identity policies.
const SEPARATOR: &str = "---";
/// The page shows every result at once: up to this many action × resource pairs.
const MAX_RESULTS: usize = 1000;

/// `GET /_iamlocal/ui/simulator[?principal=&actions=&resources=]`: the form, prefilled.
pub async fn form(State(app): State<Arc<App>>, RawQuery(query): RawQuery) -> Response {
    let query = Form::parse(query.unwrap_or_default().as_bytes());
    render(&app, &query, None).await
}

/// `POST /_iamlocal/ui/simulator`: the form again, with the answer.
pub async fn run(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let form = Form::parse(&body);
    let request = request(&form);
    let account = request
        .policy_source_arn
        .as_deref()
        .and_then(|arn| arn.split(':').nth(4))
        .filter(|a| !a.is_empty())
        .unwrap_or(&app.config.account_id)
        .to_owned();
    let answer = simulate(&app.view, &account, &request);
    render(&app, &form, Some((&request, &account, answer))).await
}

/// The form's fields as the engine's request.
fn request(form: &Form) -> SimulationRequest {
    let text = |name: &str| form.get(name).map(str::to_owned);
    let list = |name: &str| -> Vec<String> {
        form.get(name)
            .unwrap_or("")
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    SimulationRequest {
        policy_source_arn: text("principal"),
        policies: split_documents(form.get("policies").unwrap_or("")),
        boundaries: text("boundary").into_iter().collect(),
        organization: Vec::new(),
        scenario: Scenario {
            actions: list("actions"),
            resources: list("resources"),
            resource_policy: text("resource_policy"),
            resource_owner: None,
            caller_arn: text("caller"),
            context: context_entries(form.get("context").unwrap_or("")),
            marker: None,
            max_items: MAX_RESULTS,
        },
    }
}

fn split_documents(text: &str) -> Vec<String> {
    let mut documents = vec![String::new()];
    for line in text.lines() {
        if line.trim() == SEPARATOR {
            documents.push(String::new());
        } else if let Some(current) = documents.last_mut() {
            current.push_str(line);
            current.push('\n');
        }
    }
    documents.retain(|d| !d.trim().is_empty());
    documents
}

/// `key=value` lines; a key given on several lines is a list (`stringList`).
fn context_entries(text: &str) -> Vec<ContextEntry> {
    let mut entries: Vec<ContextEntry> = Vec::new();
    for (key, value) in text.lines().filter_map(|l| l.split_once('=')) {
        let (key, value) = (key.trim(), value.trim());
        match entries.iter_mut().find(|e| e.name == key) {
            Some(entry) => {
                entry.values.push(value.to_owned());
                entry.key_type = Some("stringList".to_owned());
            }
            None => entries.push(ContextEntry {
                name: key.to_owned(),
                values: vec![value.to_owned()],
                key_type: None,
            }),
        }
    }
    entries
}

type Answer<'a> = (
    &'a SimulationRequest,
    &'a str,
    Result<SimulatePolicyOutput, crate::error::AwsError>,
);

async fn render(app: &App, form: &Form, answer: Option<Answer<'_>>) -> Response {
    let state = export(&app.store, false).await.unwrap_or_default();
    let field = |name: &str| escape(form.get(name).unwrap_or(""));
    let chosen = form.get("principal").map(|p| entity_arn(&state, p));
    let mut options = String::from("<option value=\"\">None: only the pasted policies</option>");
    for (arn, label) in principals(&state) {
        let selected = if chosen.as_deref() == Some(arn.as_str()) {
            " selected"
        } else {
            ""
        };
        options.push_str(&format!(
            "<option value=\"{a}\"{selected}>{l}: {a}</option>",
            a = escape(&arn),
            l = label
        ));
    }
    let answer_html = match answer {
        None => String::new(),
        Some((_, _, Err(e))) => error_box(e.code.as_str(), &e.message),
        Some((request, account, Ok(output))) => results(&state, request, account, &output),
    };
    let body = format!(
        "<form method=\"post\" action=\"/_iamlocal/ui/simulator\" class=\"simulator\">\
         <label for=\"principal\">Principal (its policies and permissions boundary are used)</label>\
         <select id=\"principal\" name=\"principal\">{options}</select>\
         <label for=\"policies\">Identity-based policies to add (JSON; separate several with a line <code>---</code>)</label>\
         <textarea id=\"policies\" name=\"policies\" rows=\"6\">{policies}</textarea>\
         <label for=\"resource_policy\">Resource-based policy (optional)</label>\
         <textarea id=\"resource_policy\" name=\"resource_policy\" rows=\"4\">{resource_policy}</textarea>\
         <label for=\"caller\">Caller ARN (an IAM user; needed with a resource policy unless the principal is a user)</label>\
         <input id=\"caller\" name=\"caller\" value=\"{caller}\">\
         <label for=\"boundary\">Permissions boundary (optional; replaces the principal's)</label>\
         <textarea id=\"boundary\" name=\"boundary\" rows=\"4\">{boundary}</textarea>\
         <label for=\"actions\">Actions (space, comma or line separated)</label>\
         <textarea id=\"actions\" name=\"actions\" rows=\"2\" required>{actions}</textarea>\
         <label for=\"resources\">Resource ARNs (empty: <code>*</code>)</label>\
         <textarea id=\"resources\" name=\"resources\" rows=\"2\">{resources}</textarea>\
         <label for=\"context\">Context keys, one <code>key=value</code> a line (repeat a key for a list)</label>\
         <textarea id=\"context\" name=\"context\" rows=\"3\">{context}</textarea>\
         <p><button type=\"submit\" id=\"simulate\">Simulate</button></p></form>\
         <div id=\"answer\" aria-live=\"polite\">{answer_html}</div>",
        policies = field("policies"),
        resource_policy = field("resource_policy"),
        caller = field("caller"),
        boundary = field("boundary"),
        actions = field("actions"),
        resources = field("resources"),
        context = field("context"),
    );
    page("Policy simulator", "simulator", &body)
}

/// Users, roles and groups of every account, by ARN.
fn principals(state: &StateDocument) -> Vec<(String, &'static str)> {
    let mut list = Vec::new();
    for account in &state.accounts {
        let id = &account.account_id;
        for u in &account.users {
            list.push((crate::arn::user(id, &u.path, &u.name), "user"));
        }
        for r in &account.roles {
            list.push((crate::arn::role(id, &r.path, &r.name), "role"));
        }
        for g in &account.groups {
            list.push((crate::arn::group(id, &g.path, &g.name), "group"));
        }
    }
    list
}

/// The IAM entity behind a principal ARN: a role session's role, else the ARN itself.
fn entity_arn(state: &StateDocument, principal: &str) -> String {
    let account_id = principal.split(':').nth(4).unwrap_or("");
    let role =
        documents::account(state, account_id).and_then(|a| match documents::owner(a, principal) {
            Some(Owner::Role(r)) => Some(format!(
                "arn:aws:iam::{account_id}:role{}{}",
                r.path, r.name
            )),
            _ => None,
        });
    role.unwrap_or_else(|| principal.to_owned())
}

fn results(
    state: &StateDocument,
    request: &SimulationRequest,
    account: &str,
    output: &SimulatePolicyOutput,
) -> String {
    let rows: String = output
        .results
        .iter()
        .map(|r| {
            let matched: Vec<String> = r
                .matched
                .iter()
                .map(|m| {
                    format!(
                        "{} ({}) statement {}",
                        escape(&m.policy_id),
                        source_policy_type(m.policy_type),
                        m.statement_index + 1
                    )
                })
                .collect();
            format!(
                "<tr class=\"result\" data-action=\"{action}\" data-resource=\"{resource}\" data-decision=\"{decision}\">\
                 <td>{action}</td><td>{resource}</td><td class=\"decision {decision}\">{decision}</td>\
                 <td>{matched}</td><td>{missing}</td></tr>",
                action = escape(&r.action),
                resource = escape(&r.resource),
                decision = r.decision.as_str(),
                matched = matched.join("<br>"),
                missing = escape(&r.missing.join(", ")),
            )
        })
        .collect();
    let mut ids: Vec<&str> = Vec::new();
    for m in output.results.iter().flat_map(|r| &r.matched) {
        if !ids.contains(&&*m.policy_id) {
            ids.push(&m.policy_id);
        }
    }
    let mut documents_html = String::new();
    for id in ids {
        let highlights: Vec<Highlight> = output
            .results
            .iter()
            .flat_map(|r| &r.matched)
            .filter(|m| &*m.policy_id == id)
            .map(|m| Highlight {
                statement_index: m.statement_index,
                effect: m.effect,
            })
            .collect();
        match document(state, request, account, id) {
            Some(document) => {
                documents_html.push_str(&policy_document(id, &document, &highlights));
            }
            None => documents_html.push_str(&format!(
                "<p>{}: the document is not in the store.</p>",
                escape(id)
            )),
        }
    }
    format!(
        "<h2>Results</h2><table class=\"results\"><thead><tr><th scope=\"col\">Action</th>\
         <th scope=\"col\">Resource</th><th scope=\"col\">Decision</th>\
         <th scope=\"col\">Matched statements</th><th scope=\"col\">Missing context values</th>\
         </tr></thead><tbody>{rows}</tbody></table><h2>Matched statements</h2>{documents_html}"
    )
}

/// The document a simulation's `SourcePolicyId` names (see `iam::simulate`).
fn document(
    state: &StateDocument,
    request: &SimulationRequest,
    account: &str,
    id: &str,
) -> Option<Value> {
    let pasted = |text: &str| Some(documents::parse_text(text));
    if let Some(n) = id.strip_prefix("PolicyInputList.") {
        let n: usize = n.parse().ok()?;
        return pasted(request.policies.get(n.checked_sub(1)?)?);
    }
    if id == "ResourcePolicy" {
        return pasted(request.scenario.resource_policy.as_deref()?);
    }
    if id == "PermissionsBoundaryPolicyInputList.1" {
        return pasted(request.boundaries.first()?);
    }
    let account = documents::account(state, account)?;
    if let Some(owner) = request
        .policy_source_arn
        .as_deref()
        .and_then(|arn| documents::owner(account, arn))
    {
        let (kind, name) = match &owner {
            Owner::User(u) => ("user", &u.name),
            Owner::Role(r) => ("role", &r.name),
            Owner::Group(g) => ("group", &g.name),
        };
        if let Some(policy) = id.strip_prefix(&format!("{kind}_{name}_"))
            && let Some(document) = documents::inline(account, &owner, policy)
        {
            return Some(document);
        }
    }
    documents::managed_by_name(account, id).or_else(|| documents::by_arn(account, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_policies_split_on_a_separator_line() {
        let docs = split_documents("{\"a\":1}\n---\n{\"b\":2}\n---\n\n");
        assert_eq!(docs, vec!["{\"a\":1}\n", "{\"b\":2}\n"]);
    }

    #[test]
    fn a_repeated_context_key_is_a_list() {
        let entries = context_entries("aws:SourceIp = 10.0.0.1\nk=a\nk=b\nno equals sign");
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].values, ["10.0.0.1"]);
        assert_eq!(entries[1].values, ["a", "b"]);
        assert_eq!(entries[1].key_type.as_deref(), Some("stringList"));
    }
}
