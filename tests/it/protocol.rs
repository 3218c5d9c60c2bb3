use crate::common::{RawRequest, Signing, TestServer};

#[tokio::test]
async fn errors_are_aws_error_documents_with_the_request_id() {
    let server = TestServer::spawn().await;
    let response = server
        .raw()
        .signed(
            &RawRequest::form("Action=FlyToTheMoon&Version=2010-05-08"),
            &Signing::iam(),
        )
        .await;
    assert_eq!(response.status, 400);
    assert!(
        response.body.starts_with("<ErrorResponse"),
        "{}",
        response.body
    );
    assert_eq!(response.element("Type"), Some("Sender"));
    assert_eq!(response.code(), Some("InvalidAction"));
    assert_eq!(
        response.element("Message"),
        Some("Could not find operation FlyToTheMoon for version 2010-05-08")
    );
    let request_id = response
        .request_id
        .clone()
        .expect("x-amzn-RequestId is set");
    assert_eq!(response.element("RequestId"), Some(request_id.as_str()));
}

#[tokio::test]
async fn a_request_without_an_action_is_missing_action() {
    let server = TestServer::spawn().await;
    let response = server
        .raw()
        .signed(&RawRequest::form("garbage%%%&&=="), &Signing::iam())
        .await;
    assert_eq!(response.status, 400);
    assert_eq!(response.code(), Some("MissingAction"));
}

#[tokio::test]
async fn invalid_utf8_is_refused_cleanly() {
    let server = TestServer::spawn().await;
    let response = server
        .raw()
        .signed(
            &RawRequest::form("Action=CreateUser&UserName=%C3%28"),
            &Signing::iam(),
        )
        .await;
    assert_eq!(response.status, 400);
    assert_eq!(response.code(), Some("InvalidQueryParameter"));
}

#[tokio::test]
async fn iam_actions_are_not_found_under_sts() {
    let server = TestServer::spawn().await;
    let response = server
        .raw()
        .signed(
            &RawRequest::form("Action=ListUsers&Version=2011-06-15"),
            &Signing::sts(),
        )
        .await;
    assert_eq!(response.code(), Some("InvalidAction"));
    let response = server
        .raw()
        .signed(
            &RawRequest::form("Action=ListUsers&Version=2011-06-15"),
            &Signing::iam(),
        )
        .await;
    assert_eq!(
        response.code(),
        Some("InvalidAction"),
        "a wrong Version is refused too"
    );
}

#[tokio::test]
async fn a_get_with_a_query_string_works_like_a_post() {
    let server = TestServer::spawn().await;
    let response = server
        .raw()
        .signed(
            &RawRequest::get("/?Action=ListUsers&Version=2010-05-08"),
            &Signing::iam(),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(response.body.starts_with(
        "<ListUsersResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><ListUsersResult><Users></Users>"
    ), "{}", response.body);
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_without_harm() {
    let server = TestServer::spawn_with(|c| c.max_body_bytes = 1024).await;
    let body = format!(
        "Action=ListUsers&Version=2010-05-08&Pad={}",
        "x".repeat(4096)
    );
    let response = server
        .raw()
        .signed(&RawRequest::form(&body), &Signing::iam())
        .await;
    assert_eq!(response.status, 413);
    assert_eq!(response.code(), Some("RequestEntityTooLarge"));
    // The server is still fine.
    server.sts().get_caller_identity().send().await.unwrap();
}

#[tokio::test]
async fn the_health_route_answers_without_credentials() {
    let server = TestServer::spawn().await;
    let response = server
        .raw()
        .send(&RawRequest::get("/_iamlocal/health"))
        .await;
    assert_eq!(response.status, 200);
    assert!(response.body.contains("\"status\":\"ok\""));
}
