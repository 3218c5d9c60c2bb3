use std::time::{Duration, SystemTime};

use crate::common::{ACCOUNT, RawRequest, Signing, TestServer, error_of};

const CALLER_IDENTITY: &str = "Action=GetCallerIdentity&Version=2011-06-15";

#[tokio::test]
async fn a_wrong_secret_is_signature_does_not_match() {
    let server = TestServer::spawn().await;
    let (code, message) = error_of(
        server
            .sts_as("test", "wrong")
            .get_caller_identity()
            .send()
            .await,
    );
    assert_eq!(code, "SignatureDoesNotMatch");
    assert!(
        message.starts_with("The request signature we calculated does not match"),
        "{message}"
    );
}

#[tokio::test]
async fn an_unknown_key_is_invalid_client_token_id() {
    let server = TestServer::spawn().await;
    let (code, message) = error_of(
        server
            .iam_as("AKIAIOSFODNN7EXAMPLE", "x")
            .list_users()
            .send()
            .await,
    );
    assert_eq!(code, "InvalidClientTokenId");
    assert_eq!(
        message,
        "The security token included in the request is invalid."
    );
}

#[tokio::test]
async fn an_unsigned_request_is_missing_its_token() {
    let server = TestServer::spawn().await;
    let response = server.raw().send(&RawRequest::form(CALLER_IDENTITY)).await;
    assert_eq!(response.status, 403);
    assert_eq!(response.code(), Some("MissingAuthenticationToken"));
    assert_eq!(
        response.element("Message"),
        Some("Request is missing Authentication Token")
    );
}

#[tokio::test]
async fn a_request_signed_twenty_minutes_ago_has_expired() {
    let server = TestServer::spawn().await;
    let signing = Signing {
        time: SystemTime::now() - Duration::from_secs(20 * 60),
        ..Signing::sts()
    };
    let response = server
        .raw()
        .signed(&RawRequest::form(CALLER_IDENTITY), &signing)
        .await;
    assert_eq!(response.status, 403);
    assert_eq!(response.code(), Some("SignatureDoesNotMatch"));
    let message = response.element("Message").unwrap();
    assert!(message.starts_with("Signature expired: "), "{message}");
    assert!(message.ends_with(" - 15 min.)"), "{message}");

    let future = Signing {
        time: SystemTime::now() + Duration::from_secs(20 * 60),
        ..Signing::sts()
    };
    let response = server
        .raw()
        .signed(&RawRequest::form(CALLER_IDENTITY), &future)
        .await;
    assert_eq!(response.code(), Some("SignatureDoesNotMatch"));
    assert!(
        response
            .element("Message")
            .unwrap()
            .starts_with("Signature not yet current: ")
    );
}

#[tokio::test]
async fn a_tampered_body_fails_even_when_it_asks_for_nothing_known() {
    let server = TestServer::spawn().await;
    let raw = server.raw();
    let mut signed = raw.sign(&RawRequest::form(CALLER_IDENTITY), &Signing::sts());
    signed.body = b"Action=NoSuchThing&Version=2011-06-15".to_vec();
    let response = raw.send(&signed).await;
    assert_eq!(
        response.code(),
        Some("SignatureDoesNotMatch"),
        "{}",
        response.body
    );

    let mut signed = raw.sign(&RawRequest::form(CALLER_IDENTITY), &Signing::sts());
    signed.path_and_query = "/elsewhere".into();
    assert_eq!(
        raw.send(&signed).await.code(),
        Some("SignatureDoesNotMatch")
    );
}

#[tokio::test]
async fn a_presigned_url_is_honoured_and_cannot_be_altered() {
    let server = TestServer::spawn().await;
    let raw = server.raw();
    let signing = Signing {
        presigned: true,
        ..Signing::sts()
    };
    let request = RawRequest::get(&format!("/?{CALLER_IDENTITY}"));
    let signed = raw.sign(&request, &signing);
    assert!(signed.path_and_query.contains("X-Amz-Signature="));
    let response = raw.send(&signed).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.element("Account"), Some(ACCOUNT));

    let mut altered = signed.clone();
    altered.path_and_query = altered.path_and_query.replace("2011-06-15", "2011-06-16");
    assert_eq!(
        raw.send(&altered).await.code(),
        Some("SignatureDoesNotMatch")
    );
}

#[tokio::test]
async fn a_session_token_on_a_long_term_key_is_refused() {
    let server = TestServer::spawn().await;
    let signing = Signing {
        session_token: Some("forged".into()),
        ..Signing::sts()
    };
    let response = server
        .raw()
        .signed(&RawRequest::form(CALLER_IDENTITY), &signing)
        .await;
    assert_eq!(response.code(), Some("InvalidClientTokenId"));
}

#[tokio::test]
async fn any_twelve_digit_key_is_the_root_of_its_account_unless_turned_off() {
    let server = TestServer::spawn().await;
    let me = server
        .sts_as("111122223333", "test")
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.account(), Some("111122223333"));
    assert_eq!(me.arn(), Some("arn:aws:iam::111122223333:root"));
    // Its users live in its own account.
    let iam = server.iam_as("111122223333", "test");
    let user = iam
        .create_user()
        .user_name("alice")
        .send()
        .await
        .unwrap()
        .user
        .unwrap();
    assert_eq!(user.arn, "arn:aws:iam::111122223333:user/alice");
    let (code, _) = error_of(server.iam().get_user().user_name("alice").send().await);
    assert_eq!(code, "NoSuchEntity");

    let single = TestServer::spawn_with(|c| c.single_account = true).await;
    let (code, _) = error_of(
        single
            .sts_as("111122223333", "test")
            .get_caller_identity()
            .send()
            .await,
    );
    assert_eq!(code, "InvalidClientTokenId");
}

#[tokio::test]
async fn accepting_any_signature_is_a_switch() {
    let server = TestServer::spawn_with(|c| c.accept_any_signature = true).await;
    let me = server
        .sts_as("test", "not-the-secret")
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.account(), Some(ACCOUNT));
    // The key must still be known: the signature is what is waived, not the identity.
    let (code, _) = error_of(
        server
            .sts_as("AKIANOTAKEY123456789", "x")
            .get_caller_identity()
            .send()
            .await,
    );
    assert_eq!(code, "InvalidClientTokenId");
}

#[tokio::test]
async fn custom_root_credentials_replace_the_defaults() {
    let server = TestServer::spawn_with(|c| {
        c.account_id = "123456789012".into();
        c.root_access_key = "AKIAROOTROOTROOTROOT".into();
        c.root_secret_key = "s3cret".into();
    })
    .await;
    let me = server
        .sts_as("AKIAROOTROOTROOTROOT", "s3cret")
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.account(), Some("123456789012"));
    let (code, _) = error_of(server.sts().get_caller_identity().send().await);
    assert_eq!(code, "InvalidClientTokenId");
}
