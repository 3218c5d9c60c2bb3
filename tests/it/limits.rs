//! Limits on what one request may hold or take: each ends in an AWS error or a clean close,
//! never a panic, unbounded memory or a worker stuck on a client.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{RawRequest, Signing, TestServer, error_of};

#[tokio::test]
async fn a_form_with_too_many_parameters_is_refused() {
    let server = TestServer::spawn().await;
    let mut body = String::from("Action=ListUsers&Version=2010-05-08");
    for i in 0..1_000 {
        body.push_str(&format!("&P{i}=x"));
    }
    let response = server
        .raw()
        .signed(&RawRequest::form(&body), &Signing::iam())
        .await;
    assert_eq!(response.status, 400, "{}", response.body);
    assert_eq!(response.code(), Some("InvalidQueryParameter"));
    assert_eq!(
        response.element("Message"),
        Some("The request has more than 1000 parameters.")
    );
}

#[tokio::test]
async fn a_deeply_nested_policy_is_malformed_not_a_stack_overflow() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("deep").send().await.unwrap();
    for depth in [200, 50_000] {
        let document = format!(
            r#"{{"Version":"2012-10-17","Statement":{}{{"Effect":"Allow"}}{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let (code, _) = error_of(
            iam.put_user_policy()
                .user_name("deep")
                .policy_name("p")
                .policy_document(document)
                .send()
                .await,
        );
        // Past the document's 131072 characters the model's length check answers first.
        let expected = if depth < 60_000 {
            "MalformedPolicyDocument"
        } else {
            "ValidationError"
        };
        assert_eq!(code, expected, "depth {depth}");
    }
}

#[tokio::test]
async fn a_policy_over_the_models_length_is_a_validation_error() {
    let server = TestServer::spawn().await;
    let document = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"{}","Effect":"Allow","Action":"*","Resource":"*"}}]}}"#,
        "a".repeat(131_072)
    );
    let (code, message) = error_of(
        server
            .iam()
            .create_policy()
            .policy_name("big")
            .policy_document(document)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");
    assert!(
        message.contains("Member must have length less than or equal to 131072"),
        "{message}"
    );
}

/// Sends raw bytes and returns what the server wrote back before closing, or `None` when
/// it had not closed within `wait`.
async fn exchange(server: &TestServer, request: &[u8], wait: Duration) -> Option<String> {
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    // The server may close before it has read everything: a failed write is an answer too.
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    match tokio::time::timeout(wait, stream.read_to_end(&mut answer)).await {
        Ok(_) => Some(String::from_utf8_lossy(&answer).into_owned()),
        Err(_) => None,
    }
}

#[tokio::test]
async fn too_many_headers_get_431() {
    let server = TestServer::spawn().await;
    let mut request = String::from("GET /?Action=ListUsers HTTP/1.1\r\nHost: x\r\n");
    for i in 0..200 {
        request.push_str(&format!("x-h{i}: v\r\n"));
    }
    request.push_str("Connection: close\r\n\r\n");
    let answer = exchange(&server, request.as_bytes(), Duration::from_secs(5))
        .await
        .expect("the server answers and closes");
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    server.sts().get_caller_identity().send().await.unwrap();
}

#[tokio::test]
async fn a_huge_header_is_answered_or_closed_cleanly() {
    let server = TestServer::spawn().await;
    for size in [64 << 10, 1 << 20] {
        let request = format!(
            "GET /?Action=ListUsers HTTP/1.1\r\nHost: x\r\nx-big: {}\r\nConnection: close\r\n\r\n",
            "a".repeat(size)
        );
        let answer = exchange(&server, request.as_bytes(), Duration::from_secs(5))
            .await
            .expect("the server answers and closes");
        // An unsigned request (403) at 64 KiB; past hyper's buffer, 431 or a bare close.
        assert!(
            answer.is_empty()
                || answer.starts_with("HTTP/1.1 4") && !answer.starts_with("HTTP/1.1 5"),
            "{size}: {}",
            &answer[..answer.len().min(200)]
        );
    }
    server.sts().get_caller_identity().send().await.unwrap();
}

#[tokio::test]
async fn a_client_that_stalls_in_its_headers_is_dropped() {
    let server = TestServer::spawn_with(|c| c.request_timeout_secs = 1).await;
    let started = Instant::now();
    let answer = exchange(
        &server,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Ty",
        Duration::from_secs(10),
    )
    .await;
    assert!(answer.is_some(), "the connection is still open after 10 s");
    assert!(started.elapsed() < Duration::from_secs(5));
    server.sts().get_caller_identity().send().await.unwrap();
}

#[tokio::test]
async fn a_client_that_stalls_in_its_body_gets_request_timeout() {
    let server = TestServer::spawn_with(|c| c.request_timeout_secs = 1).await;
    let started = Instant::now();
    let answer = exchange(
        &server,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nAction=Li",
        Duration::from_secs(10),
    )
    .await
    .expect("the server answers and closes");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("<Code>RequestTimeout</Code>"), "{answer}");
    server.sts().get_caller_identity().send().await.unwrap();
}

/// A client may send its request and shut its side of the connection (`shutdown(SHUT_WR)`)
/// before reading the answer: the request has arrived, so it is answered, as AWS does. (The
/// server binary: in a test's single-threaded runtime the race this catches does not occur.)
#[tokio::test]
async fn a_request_whose_client_shuts_its_side_is_still_answered() {
    let server = crate::process::Process::start(&[]).await;
    let body = "Action=ListUsers&Version=2010-05-08";
    let request = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.shutdown().await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
        .await
        .expect("the server answers and closes")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    // Unsigned, so refused; what matters is that it is answered, not dropped.
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains("MissingAuthenticationToken"), "{answer}");
}
