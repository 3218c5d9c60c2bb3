//! `GET /metrics`: Prometheus's text format, guarded like the admin API.

use std::time::Duration;

use crate::common::{TestServer, error_of};
use crate::sts::user_with_key;

async fn scrape(server: &TestServer, token: Option<&str>) -> (u16, String) {
    let mut request = reqwest::Client::new()
        .get(format!("{}/metrics", server.endpoint()))
        .timeout(Duration::from_secs(10));
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The value of the series written exactly as `series` (name and labels), 0 when absent.
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |v| v.parse().unwrap())
}

#[tokio::test]
async fn counters_move_after_requests() {
    let server = TestServer::spawn().await;
    let (_, before) = scrape(&server, None).await;
    assert_eq!(
        value(&before, "iamlocal_request_duration_seconds_count"),
        0.0
    );

    let (key, secret) = user_with_key(&server, "mia").await;
    let (code, _) = error_of(server.iam_as(&key, &secret).list_users().send().await);
    assert_eq!(code, "AccessDenied");
    server.iam().list_users().send().await.unwrap();
    server.iam().list_users().send().await.unwrap();

    let (status, text) = scrape(&server, None).await;
    assert_eq!(status, 200);
    assert!(text.contains("# TYPE iamlocal_requests_total counter"));
    assert_eq!(
        value(
            &text,
            r#"iamlocal_requests_total{action="ListUsers",code="OK"}"#
        ),
        2.0
    );
    assert_eq!(
        value(
            &text,
            r#"iamlocal_requests_total{action="ListUsers",code="AccessDenied"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &text,
            r#"iamlocal_requests_total{action="CreateUser",code="OK"}"#
        ),
        1.0
    );
    // user_with_key made two requests; then three more.
    assert_eq!(value(&text, "iamlocal_request_duration_seconds_count"), 5.0);
    assert_eq!(
        value(
            &text,
            r#"iamlocal_request_duration_seconds_bucket{le="+Inf"}"#
        ),
        5.0
    );
    assert_eq!(
        value(&text, r#"iamlocal_decisions_total{effect="ImplicitDeny"}"#),
        1.0
    );
    assert_eq!(
        value(&text, r#"iamlocal_decisions_total{effect="Allow"}"#),
        4.0
    );
}

#[tokio::test]
async fn propagation_gauges_show_waiting_changes_and_their_age() {
    let server = TestServer::spawn().await;
    let admin = server.admin();
    admin.put("consistency", r#"{"delay_ms": 600000}"#).await;
    server
        .iam()
        .create_user()
        .user_name("late")
        .send()
        .await
        .unwrap();
    admin.post("clock/advance", r#"{"seconds": 30}"#).await;

    let (_, text) = scrape(&server, None).await;
    assert_eq!(value(&text, "iamlocal_propagation_pending"), 1.0);
    let lag = value(&text, "iamlocal_propagation_lag_seconds");
    assert!((30.0..40.0).contains(&lag), "lag {lag}");

    admin.propagate().await;
    let (_, text) = scrape(&server, None).await;
    assert_eq!(value(&text, "iamlocal_propagation_pending"), 0.0);
    assert_eq!(value(&text, "iamlocal_propagation_lag_seconds"), 0.0);
}

#[tokio::test]
async fn metrics_need_the_admin_token_when_one_is_set() {
    let server = TestServer::spawn_with(|c| c.admin_token = Some("s3cret".into())).await;
    let (status, _) = scrape(&server, None).await;
    assert_eq!(status, 401);
    let (status, text) = scrape(&server, Some("s3cret")).await;
    assert_eq!(status, 200);
    assert!(text.contains("iamlocal_propagation_pending"));
}
