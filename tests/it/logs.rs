//! The request log: one line per API request with action, principal, outcome, status and
//! latency, and never a secret, a signature or a session token.

use std::fs::File;
use std::process::Stdio;
use std::time::Duration;

use aws_credential_types::Credentials;
use serde_json::Value;

use crate::common::{ACCOUNT, ROOT_KEY, ROOT_SECRET, iam_at, sts_at, temporary};
use crate::process::{Process, TempDir};

/// The JSON log lines of the server's API requests.
fn request_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("a JSON log line"))
        .filter(|line| line["target"] == "iamlocal::request")
        .collect()
}

// The real binary, so its log is its own (`--log-format json`, as a collector reads it) and
// no other test's tracing can reach it.
#[tokio::test]
async fn each_request_logs_one_line_without_secrets_or_session_tokens() {
    let dir = TempDir::new();
    let log = dir.path().join("iamlocal.log");
    let mut server = Process::start_logging(
        &["--log-format", "json"],
        "info",
        Stdio::from(File::create(&log).unwrap()),
    )
    .await;
    let endpoint = format!("http://{}", server.addr);
    let as_user = |key: &str, secret: &str| Credentials::new(key, secret, None, None, "test");
    let iam = iam_at(&endpoint, as_user(ROOT_KEY, ROOT_SECRET));
    iam.create_user().user_name("logan").send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name("logan")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let session = sts_at(
        &endpoint,
        as_user(&key.access_key_id, &key.secret_access_key),
    )
    .get_session_token()
    .send()
    .await
    .unwrap();
    let temporary_credentials = session.credentials().unwrap();
    sts_at(&endpoint, temporary(temporary_credentials))
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    let refused = iam_at(
        &endpoint,
        as_user(&key.access_key_id, &key.secret_access_key),
    )
    .list_users()
    .send()
    .await;
    assert!(refused.is_err());
    server.signal("TERM");
    assert!(
        server
            .exited_within(Duration::from_secs(10))
            .await
            .is_some(),
        "the server stops on SIGTERM"
    );

    let text = std::fs::read_to_string(&log).unwrap();
    let lines = request_lines(&text);
    let summary: Vec<(&str, &str, &str, u64)> = lines
        .iter()
        .map(|l| {
            (
                l["action"].as_str().unwrap(),
                l["principal"].as_str().unwrap(),
                l["outcome"].as_str().unwrap(),
                l["status"].as_u64().unwrap(),
            )
        })
        .collect();
    let root = format!("arn:aws:iam::{ACCOUNT}:root");
    let logan = format!("arn:aws:iam::{ACCOUNT}:user/logan");
    assert_eq!(
        summary,
        [
            ("CreateUser", root.as_str(), "OK", 200),
            ("CreateAccessKey", root.as_str(), "OK", 200),
            ("GetSessionToken", logan.as_str(), "OK", 200),
            ("GetCallerIdentity", logan.as_str(), "OK", 200),
            ("ListUsers", logan.as_str(), "AccessDenied", 403),
        ]
    );
    assert!(lines.iter().all(|l| l["latency_us"].is_u64()));
    for secret in [
        key.secret_access_key.as_str(),
        temporary_credentials.secret_access_key(),
        temporary_credentials.session_token(),
        "Signature=",
        "Credential=",
    ] {
        assert!(!text.contains(secret), "the log holds {secret:?}: {text}");
    }
}
