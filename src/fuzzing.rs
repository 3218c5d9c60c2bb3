//! Entry points for the fuzz targets in `fuzz/` and for the tests that replay their corpus
//! (`tests/it/fuzzing.rs`). Each takes arbitrary bytes, drives one parser of untrusted input
//! the way the server does, and must never panic, hang or allocate without bound; whatever
//! it finds wrong is a bug in the code it calls, not here.

use std::path::Path;
use std::sync::LazyLock;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use time::OffsetDateTime;

use crate::auth::sigv4::{self, CanonicalRequest, HttpRequest, StringToSign};
use crate::iam::shapes;
use crate::oidc::Issuers;
use crate::policy::{
    EvaluationInput, NamedPolicy, Policy, PolicyKind, Principal, RequestContext, denial_message,
    evaluate,
};
use crate::protocol::query::{Input, Params};
use crate::state::{Defaults, bootstrap};

/// A Query form (`Action=…&Name.member.1=…`): decoded as a request body, then read as typed
/// input of every kind handlers use (strings, lists, lists of structures, numbers, booleans).
pub fn query_form(data: &[u8]) {
    let mut params = Params::default();
    if params.extend_from_form(data).is_err() {
        return;
    }
    let _ = params.action();
    let mut input = Input::new(&params);
    let _ = input.required("UserName", &shapes::USER_NAME);
    let _ = input.string("Path", &shapes::PATH);
    let _ = input.integer("MaxItems", 1, 1000);
    let _ = input.boolean("SetAsDefault");
    let _ = input.enumeration("Status", &["Active", "Inactive"]);
    let _ = input.string_list("ActionNames", 100, &shapes::ACTION_NAME);
    let _ = input.struct_list("Tags", 50, |tag| {
        (
            tag.required("Key", &shapes::TAG_KEY),
            tag.string("Value", &shapes::TAG_VALUE),
        )
    });
    input.require_present("PolicyArns");
    let _ = input.finish();
}

/// An HTTP request as text: the first line is `METHOD PATH[?QUERY]`, then `name: value`
/// header lines, an empty line, and the body. Its signature (header or presigned URL) is
/// parsed, the canonical request and string to sign built, and the signature verified
/// against a fixed secret at the signature's own time, so every stage runs.
pub fn sigv4_request(data: &[u8]) {
    let (head, body) = match find(data, b"\n\n") {
        Some(at) => (&data[..at], &data[at + 2..]),
        None => (data, &b""[..]),
    };
    let mut lines = head.split(|&b| b == b'\n');
    let request_line = String::from_utf8_lossy(lines.next().unwrap_or_default());
    let (method, target) = request_line.split_once(' ').unwrap_or((&request_line, "/"));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers = HeaderMap::new();
    for line in lines {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(&line[..colon]),
            HeaderValue::from_bytes(line[colon + 1..].trim_ascii()),
        ) else {
            continue;
        };
        headers.append(name, value);
    }
    let request = HttpRequest {
        method,
        path,
        query,
        headers: &headers,
        body,
    };
    let Ok(Some(signature)) = sigv4::parse(&request) else {
        return;
    };
    let canonical = CanonicalRequest::new(&request, &signature);
    let _ = StringToSign::new(&signature, &canonical).to_string();
    let _ = sigv4::check_time(&signature, OffsetDateTime::UNIX_EPOCH);
    let _ = sigv4::verify(&signature, &request, "secret", signature.timestamp);
}

/// A policy document and a request to evaluate it against. The first byte picks the kind of
/// policy; then come a line with the action, a line with the resource, a line of
/// `key=value` context entries separated by `&`, and the JSON document.
pub fn policy(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let mut parts = text.splitn(4, '\n');
    let action = parts.next().unwrap_or_default();
    let resource = parts.next().unwrap_or_default();
    let context = parts.next().unwrap_or_default();
    let json = parts.next().unwrap_or_default();
    let kind = match selector % 7 {
        0 => PolicyKind::Identity { managed: false },
        1 => PolicyKind::Identity { managed: true },
        2 => PolicyKind::Boundary,
        3 => PolicyKind::Session,
        4 => PolicyKind::Scp,
        5 => PolicyKind::Resource,
        _ => PolicyKind::Trust,
    };
    let Ok(parsed) = Policy::parse(json, kind) else {
        return;
    };
    let _ = parsed.context_keys();
    let _ = parsed.principals().count();
    let mut ctx = RequestContext::new(
        action,
        resource,
        Principal::user("arn:aws:iam::000000000000:user/alice", "AIDAEXAMPLE"),
    );
    for entry in context.split('&').filter(|e| !e.is_empty()) {
        let (key, value) = entry.split_once('=').unwrap_or((entry, ""));
        if let Some((first, more)) = value.split_once(',') {
            let values = std::iter::once(first).chain(more.split(','));
            ctx.insert(key, values.map(str::to_owned).collect::<Vec<_>>());
        } else {
            ctx.insert(key, value);
        }
    }
    let named = [NamedPolicy::new("fuzzed", parsed)];
    let input = match kind {
        PolicyKind::Resource | PolicyKind::Trust => EvaluationInput {
            resource: Some(&named[0]),
            resource_policy_must_name_caller: kind == PolicyKind::Trust,
            ..EvaluationInput::default()
        },
        PolicyKind::Boundary => EvaluationInput {
            identity: &named,
            boundary: Some(&named[0]),
            ..EvaluationInput::default()
        },
        PolicyKind::Session => EvaluationInput {
            identity: &named,
            session: Some(&named),
            ..EvaluationInput::default()
        },
        PolicyKind::Scp => EvaluationInput {
            identity: &named,
            scp: Some(&named),
            ..EvaluationInput::default()
        },
        PolicyKind::Identity { .. } => EvaluationInput {
            identity: &named,
            ..EvaluationInput::default()
        },
    };
    let decision = evaluate(&ctx, &input);
    let _ = denial_message(&ctx, &decision);
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A state document, as `--bootstrap` reads it and `PUT /_iamlocal/state` (its JSON form)
/// takes it: the first byte picks the file name the format is told by (`.json`, `.yaml`,
/// or none: JSON if it parses, else YAML), the rest is the text, parsed and validated, with
/// the place of any error looked up in the text again.
pub fn state_document(data: &[u8]) {
    static ISSUERS: LazyLock<Issuers> =
        LazyLock::new(|| Issuers::start("http://127.0.0.1:4599", &[]).expect("an issuer"));
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let file = match selector % 3 {
        0 => "state.json",
        1 => "state.yaml",
        _ => "state",
    };
    let defaults = Defaults {
        account_id: "000000000000",
        now: OffsetDateTime::UNIX_EPOCH,
        issuers: &ISSUERS,
    };
    let _ = bootstrap::read(Path::new(file), text, &defaults);
}
