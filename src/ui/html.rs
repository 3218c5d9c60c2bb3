//! The console's HTML: one escaping function that every interpolated value goes through, the
//! page layout, and the policy-document view shared by the decisions and simulator pages.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::policy::Effect;

/// Text made safe for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A query-string value, for links built by hand.
pub fn url_encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The console's pages, in the order the navigation lists them.
const NAV: &[(&str, &str)] = &[
    ("decisions", "Decisions"),
    ("simulator", "Simulator"),
    ("entities", "Entities"),
    ("time", "Time and propagation"),
];

/// A whole page: the navigation with `active` marked, and `body` (already HTML).
pub fn page(title: &str, active: &str, body: &str) -> Response {
    let nav: String = NAV
        .iter()
        .map(|(path, label)| {
            let current = if *path == active {
                " aria-current=\"page\""
            } else {
                ""
            };
            format!("<li><a href=\"/_iamlocal/ui/{path}\"{current}>{label}</a></li>")
        })
        .collect();
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · iamlocal</title>\
         <link rel=\"stylesheet\" href=\"/_iamlocal/ui/style.css\">\
         <script src=\"/_iamlocal/ui/console.js\" defer></script></head>\
         <body><header><span class=\"brand\">iamlocal</span><nav aria-label=\"Console\"><ul>{nav}</ul></nav></header>\
         <main id=\"main\"><h1>{title}</h1>{body}</main></body></html>",
        title = escape(title),
    );
    html_response(StatusCode::OK, html)
}

pub fn html_response(status: StatusCode, html: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response()
}

/// An error shown inside the page, in AWS's words.
pub fn error_box(code: &str, message: &str) -> String {
    format!(
        "<div class=\"error\" role=\"alert\"><strong>{}</strong>: {}</div>",
        escape(code),
        escape(message)
    )
}

/// One statement the engine matched: which statement of a policy, and its effect.
pub struct Highlight {
    pub statement_index: usize,
    pub effect: Effect,
}

/// A policy document with its statements shown one by one; the matched ones are highlighted
/// (a class for the eye, the word "matched" for everyone else).
pub fn policy_document(title: &str, document: &Value, highlights: &[Highlight]) -> String {
    let statements: Vec<&Value> = match document.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    };
    let mut head = document.clone();
    if let Some(map) = head.as_object_mut() {
        map.remove("Statement");
    }
    let mut html = format!(
        "<section class=\"policy\"><h3>{}</h3><pre class=\"head\">{}</pre>",
        escape(title),
        escape(&pretty(&head))
    );
    for (index, statement) in statements.iter().enumerate() {
        let matched = highlights.iter().find(|h| h.statement_index == index);
        let sid = statement.get("Sid").and_then(Value::as_str).unwrap_or("");
        let (class, badge) = match matched {
            Some(h) if h.effect == Effect::Deny => {
                (" matched deny", " <strong>matched (Deny)</strong>")
            }
            Some(_) => (" matched allow", " <strong>matched (Allow)</strong>"),
            None => ("", ""),
        };
        html.push_str(&format!(
            "<div class=\"statement{class}\" data-index=\"{index}\" data-sid=\"{sid}\">\
             <p class=\"label\">Statement {number}{sid_text}{badge}</p><pre>{body}</pre></div>",
            sid = escape(sid),
            number = index + 1,
            sid_text = if sid.is_empty() {
                String::new()
            } else {
                format!(" · Sid <code>{}</code>", escape(sid))
            },
            body = escape(&pretty(statement)),
        ));
    }
    html.push_str("</section>");
    html
}

pub fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escape_neutralises_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert('x') & "y"</script>"#),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
        assert_eq!(escape("plain text é"), "plain text é");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn policy_document_highlights_the_matched_statement_and_escapes_sids() {
        let document = json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "Open", "Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Sid": "<b>No</b>", "Effect": "Deny", "Action": "iam:*", "Resource": "*"},
            ]
        });
        let html = policy_document(
            "p",
            &document,
            &[Highlight {
                statement_index: 1,
                effect: Effect::Deny,
            }],
        );
        assert!(html.contains("class=\"statement matched deny\" data-index=\"1\""));
        assert!(html.contains("class=\"statement\" data-index=\"0\""));
        assert!(html.contains("&lt;b&gt;No&lt;/b&gt;"));
        assert!(!html.contains("<b>No"));
    }
}
