//! The entities page: the state export (without secrets), account by account.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;

use super::html::{error_box, escape, page, pretty};
use crate::app::App;
use crate::state::export::export;
use crate::state::model::{Account, InlinePolicies, Tag};

/// `GET /_iamlocal/ui/entities`
pub async fn show(State(app): State<Arc<App>>) -> Response {
    let state = match export(&app.store, false).await {
        Ok(state) => state,
        Err(e) => {
            return page(
                "Entities",
                "entities",
                &error_box(e.code.as_str(), &e.message),
            );
        }
    };
    let body: String = state.accounts.iter().map(account).collect();
    page("Entities", "entities", &body)
}

fn account(account: &Account) -> String {
    let id = &account.account_id;
    let mut html = format!(
        "<section class=\"account\"><h2>Account {} <small>created {}</small></h2>",
        escape(id),
        escape(&account.created)
    );
    html.push_str("<h3>Users</h3>");
    html.push_str(&table(
        &[
            "Name",
            "ARN",
            "Groups",
            "Access keys",
            "Boundary",
            "Policies",
            "Tags",
        ],
        account.users.iter().map(|u| {
            let keys: Vec<String> = u
                .access_keys
                .iter()
                .map(|k| format!("{} ({:?})", k.id, k.status))
                .collect();
            vec![
                escape(&u.name),
                escape(&crate::arn::user(id, &u.path, &u.name)),
                escape(&u.groups.join(", ")),
                escape(&keys.join(", ")),
                escape(u.permissions_boundary.as_deref().unwrap_or("")),
                policies(&u.policies, &u.attached_policies),
                tags(&u.tags),
            ]
        }),
    ));
    html.push_str("<h3>Groups</h3>");
    html.push_str(&table(
        &["Name", "ARN", "Members", "Policies"],
        account.groups.iter().map(|g| {
            let members: Vec<&str> = account
                .users
                .iter()
                .filter(|u| u.groups.contains(&g.name))
                .map(|u| u.name.as_str())
                .collect();
            vec![
                escape(&g.name),
                escape(&crate::arn::group(id, &g.path, &g.name)),
                escape(&members.join(", ")),
                policies(&g.policies, &g.attached_policies),
            ]
        }),
    ));
    html.push_str("<h3>Roles</h3>");
    html.push_str(&table(
        &[
            "Name",
            "ARN",
            "Trust policy",
            "Boundary",
            "Policies",
            "Tags",
        ],
        account.roles.iter().map(|r| {
            vec![
                escape(&r.name),
                escape(&crate::arn::role(id, &r.path, &r.name)),
                format!(
                    "<details><summary>trust policy</summary><pre>{}</pre></details>",
                    escape(&pretty(&r.trust_policy))
                ),
                escape(r.permissions_boundary.as_deref().unwrap_or("")),
                policies(&r.policies, &r.attached_policies),
                tags(&r.tags),
            ]
        }),
    ));
    html.push_str("<h3>Managed policies</h3>");
    html.push_str(&table(
        &["Name", "ARN", "Versions", "Attached to", "Tags"],
        account.policies.iter().map(|p| {
            let arn = crate::arn::policy(id, &p.path, &p.name);
            let versions: String = p
                .versions
                .iter()
                .map(|v| {
                    let default = if v.id == p.default_version {
                        " (default)"
                    } else {
                        ""
                    };
                    format!(
                        "<details><summary>{}{default}</summary><pre>{}</pre></details>",
                        escape(&v.id),
                        escape(&pretty(&v.document))
                    )
                })
                .collect();
            let attached: Vec<String> = account
                .users
                .iter()
                .filter(|u| u.attached_policies.contains(&arn))
                .map(|u| format!("user {}", u.name))
                .chain(
                    account
                        .groups
                        .iter()
                        .filter(|g| g.attached_policies.contains(&arn))
                        .map(|g| format!("group {}", g.name)),
                )
                .chain(
                    account
                        .roles
                        .iter()
                        .filter(|r| r.attached_policies.contains(&arn))
                        .map(|r| format!("role {}", r.name)),
                )
                .collect();
            vec![
                escape(&p.name),
                escape(&arn),
                versions,
                escape(&attached.join(", ")),
                tags(&p.tags),
            ]
        }),
    ));
    html.push_str("</section>");
    html
}

/// A table whose cells are already HTML.
fn table(headers: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let head: String = headers
        .iter()
        .map(|h| format!("<th scope=\"col\">{h}</th>"))
        .collect();
    let body: String = rows
        .map(|cells| {
            let cells: String = cells.iter().map(|c| format!("<td>{c}</td>")).collect();
            format!("<tr>{cells}</tr>")
        })
        .collect();
    if body.is_empty() {
        return "<p>None.</p>".to_owned();
    }
    format!("<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
}

fn policies(inline: &InlinePolicies, attached: &[String]) -> String {
    let inline: String = inline
        .iter()
        .map(|(name, document)| {
            format!(
                "<details><summary>inline {}</summary><pre>{}</pre></details>",
                escape(name),
                escape(&pretty(document))
            )
        })
        .collect();
    let attached: Vec<String> = attached.iter().map(|a| escape(a)).collect();
    format!("{inline}{}", attached.join("<br>"))
}

fn tags(tags: &[Tag]) -> String {
    let list: Vec<String> = tags
        .iter()
        .map(|t| format!("{}={}", escape(&t.key), escape(&t.value)))
        .collect();
    list.join("<br>")
}
