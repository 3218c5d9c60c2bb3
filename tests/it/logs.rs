//! The request log: one line per API request with action, principal, outcome, status and
//! latency, and never a secret, a signature or a session token.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::common::{ACCOUNT, TestServer};

/// Log lines written into memory, for one test (the subscriber is this thread's only).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn request_lines(&self) -> Vec<Value> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|line| serde_json::from_str::<Value>(line).expect("a JSON log line"))
            .filter(|line| line["target"] == "iamlocal::request")
            .collect()
    }

    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

// A current-thread runtime (the default of `tokio::test`) runs the server on this thread, so
// the thread's subscriber sees its events.
#[tokio::test]
async fn each_request_logs_one_line_without_secrets_or_session_tokens() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
        .with_writer(move || writer.clone())
        .finish();
    let _logging = tracing::subscriber::set_default(subscriber);

    let server = TestServer::spawn().await;
    // Tests on other threads may have registered the request line's callsite while no
    // subscriber wanted it (a registration racing with `set_default` keeps that answer):
    // ask every callsite again, now that this thread's subscriber exists.
    tracing::callsite::rebuild_interest_cache();
    let iam = server.iam();
    iam.create_user().user_name("logan").send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name("logan")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let session = server
        .sts_as(&key.access_key_id, &key.secret_access_key)
        .get_session_token()
        .send()
        .await
        .unwrap();
    let temporary = session.credentials().unwrap();
    server
        .sts_temp(temporary)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    let refused = server
        .iam_as(&key.access_key_id, &key.secret_access_key)
        .list_users()
        .send()
        .await;
    assert!(refused.is_err());
    server.stop().await;

    let lines = captured.request_lines();
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
    let text = captured.text();
    for secret in [
        key.secret_access_key.as_str(),
        temporary.secret_access_key(),
        temporary.session_token(),
        "Signature=",
        "Credential=",
    ] {
        assert!(!text.contains(secret), "the log holds {secret:?}: {text}");
    }
}
