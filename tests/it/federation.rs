//! `GetFederationToken`: who may call it, what its credentials may do, how long they last.

use std::sync::Arc;

use aws_sdk_sts::types::{Credentials, PolicyDescriptorType, Tag};
use iamlocal::api::{Ctx, Service};
use iamlocal::auth::Caller;
use iamlocal::view::Principal;

use crate::common::{ACCOUNT, TestServer, error_of};
use crate::sts::user_with_key;

/// Reads every S3 object; may also get federation tokens and tag their sessions.
const ISSUER_POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["sts:GetFederationToken", "sts:TagSession"], "Resource": "*"},
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#;

/// Any S3 read and write, in one bucket.
const BUCKET_POLICY: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::shared/*"}}"#;

/// A user `fred` with [`ISSUER_POLICY`]; returns his STS client.
async fn issuer(server: &TestServer) -> aws_sdk_sts::Client {
    let (key, secret) = user_with_key(server, "fred").await;
    server
        .iam()
        .put_user_policy()
        .user_name("fred")
        .policy_name("issuer")
        .policy_document(ISSUER_POLICY)
        .send()
        .await
        .unwrap();
    server.sts_as(&key, &secret)
}

/// Whether the engine lets these federation credentials do `action` on `resource`: asked
/// through the server's own authorization path, as a request signed with them would be (IAM
/// and STS refuse such credentials before any policy is read).
fn may(server: &TestServer, credentials: &Credentials, action: &str, resource: &str) -> bool {
    let app = &server.app;
    let session = app
        .view
        .session(credentials.access_key_id())
        .expect("the session is in the view");
    let caller = Caller {
        principal: Principal::FederatedUser(session.clone()),
        session: Some(Arc::clone(&session)),
        access_key_id: credentials.access_key_id().to_owned(),
        service: Service::Sts,
        region: "us-east-1".into(),
    };
    let cx = Ctx {
        app,
        caller: &caller,
        source_ip: None,
        user_agent: None,
        request_id: iamlocal::ids::request_id(),
        now: app.clock.now(),
    };
    cx.authorize(action, resource).is_ok()
}

#[tokio::test]
#[allow(
    deprecated,
    reason = "the SDK deprecates PackedPolicySize for a newer member; STS still returns it"
)]
async fn a_federated_user_may_do_what_both_its_issuer_and_its_session_policy_allow() {
    let server = TestServer::spawn().await;
    let fred = issuer(&server).await;

    let token = fred
        .get_federation_token()
        .name("web-visitor")
        .policy(BUCKET_POLICY)
        .send()
        .await
        .unwrap();
    let user = token.federated_user().unwrap();
    assert_eq!(
        user.arn(),
        format!("arn:aws:sts::{ACCOUNT}:federated-user/web-visitor")
    );
    assert_eq!(user.federated_user_id(), format!("{ACCOUNT}:web-visitor"));
    assert!(token.packed_policy_size().is_some());
    let credentials = token.credentials().unwrap();
    assert!(credentials.access_key_id().starts_with("ASIA"));

    // Allowed by both; by the session policy only; by the issuer only.
    assert!(may(
        &server,
        credentials,
        "s3:GetObject",
        "arn:aws:s3:::shared/a"
    ));
    assert!(!may(
        &server,
        credentials,
        "s3:PutObject",
        "arn:aws:s3:::shared/a"
    ));
    assert!(!may(
        &server,
        credentials,
        "s3:GetObject",
        "arn:aws:s3:::private/a"
    ));

    // Without a session policy a federated user may do nothing at all.
    let bare = fred
        .get_federation_token()
        .name("bare")
        .send()
        .await
        .unwrap();
    assert!(bare.packed_policy_size().is_none());
    let bare = bare.credentials().unwrap();
    assert!(!may(&server, bare, "s3:GetObject", "arn:aws:s3:::shared/a"));

    // A managed session policy works as well.
    let managed = server
        .iam()
        .create_policy()
        .policy_name("bucket")
        .policy_document(BUCKET_POLICY)
        .send()
        .await
        .unwrap()
        .policy
        .unwrap()
        .arn
        .unwrap();
    let via_arn = fred
        .get_federation_token()
        .name("via-arn")
        .policy_arns(PolicyDescriptorType::builder().arn(managed).build())
        .send()
        .await
        .unwrap();
    assert!(may(
        &server,
        via_arn.credentials().unwrap(),
        "s3:GetObject",
        "arn:aws:s3:::shared/a"
    ));
}

#[tokio::test]
async fn federated_credentials_call_only_get_caller_identity() {
    let server = TestServer::spawn().await;
    let fred = issuer(&server).await;
    let token = fred
        .get_federation_token()
        .name("visitor")
        .policy(r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#)
        .send()
        .await
        .unwrap();
    let credentials = token.credentials().unwrap();

    let me = server
        .sts_temp(credentials)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.arn(),
        Some(format!("arn:aws:sts::{ACCOUNT}:federated-user/visitor").as_str())
    );
    assert_eq!(me.user_id(), Some(format!("{ACCOUNT}:visitor").as_str()));
    assert_eq!(me.account(), Some(ACCOUNT));

    let (code, _) = error_of(server.iam_temp(credentials).list_users().send().await);
    assert_eq!(code, "InvalidClientTokenId");
    let (code, message) = error_of(
        server
            .sts_temp(credentials)
            .get_federation_token()
            .name("again")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    assert_eq!(
        message,
        "Cannot call GetFederationToken with session credentials"
    );
    let (code, _) = error_of(
        server
            .sts_temp(credentials)
            .get_session_token()
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
}

#[tokio::test]
async fn the_issuer_needs_permission_and_tags_need_tag_session() {
    let server = TestServer::spawn().await;
    let (key, secret) = user_with_key(&server, "nobody").await;
    let (code, message) = error_of(
        server
            .sts_as(&key, &secret)
            .get_federation_token()
            .name("visitor")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    assert_eq!(
        message,
        format!(
            "User: arn:aws:iam::{ACCOUNT}:user/nobody is not authorized to perform: sts:GetFederationToken on resource: arn:aws:sts::{ACCOUNT}:federated-user/visitor because no identity-based policy allows the sts:GetFederationToken action"
        )
    );

    server
        .iam()
        .put_user_policy()
        .user_name("nobody")
        .policy_name("federate")
        .policy_document(r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sts:GetFederationToken", "Resource": "*"}}"#)
        .send()
        .await
        .unwrap();
    let tagged = server
        .sts_as(&key, &secret)
        .get_federation_token()
        .name("visitor")
        .tags(Tag::builder().key("team").value("web").build().unwrap())
        .send()
        .await;
    let (code, message) = error_of(tagged);
    assert_eq!(code, "AccessDenied");
    assert!(message.contains("sts:TagSession"), "{message}");
}

#[tokio::test]
async fn durations_have_aws_limits() {
    let server = TestServer::spawn().await;
    let fred = issuer(&server).await;
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    };
    let lasts = |token: &aws_sdk_sts::operation::get_federation_token::GetFederationTokenOutput| {
        token.credentials().unwrap().expiration().secs() - now()
    };

    let default = fred
        .get_federation_token()
        .name("default")
        .send()
        .await
        .unwrap();
    assert!((43_190..=43_200).contains(&lasts(&default)));

    let longest = fred
        .get_federation_token()
        .name("longest")
        .duration_seconds(129_600)
        .send()
        .await
        .unwrap();
    assert!((129_590..=129_600).contains(&lasts(&longest)));

    for bad in [899, 129_601] {
        let (code, _) = error_of(
            fred.get_federation_token()
                .name("bad")
                .duration_seconds(bad)
                .send()
                .await,
        );
        assert_eq!(code, "ValidationError", "{bad}");
    }
    let (code, _) = error_of(fred.get_federation_token().name("x").send().await);
    assert_eq!(code, "ValidationError", "a one-character name");
    let (code, _) = error_of(fred.get_federation_token().name("a b").send().await);
    assert_eq!(code, "ValidationError", "a name with a space");

    // Root's federation sessions are cut to an hour.
    let root = server
        .sts()
        .get_federation_token()
        .name("root-visitor")
        .duration_seconds(7200)
        .send()
        .await
        .unwrap();
    assert!((3590..=3600).contains(&lasts(&root)));
}

#[tokio::test]
async fn a_root_federated_user_gets_what_its_session_policy_allows() {
    let server = TestServer::spawn().await;
    let token = server
        .sts()
        .get_federation_token()
        .name("ops")
        .policy(BUCKET_POLICY)
        .send()
        .await
        .unwrap();
    let credentials = token.credentials().unwrap();
    assert!(may(
        &server,
        credentials,
        "s3:PutObject",
        "arn:aws:s3:::shared/a"
    ));
    assert!(!may(
        &server,
        credentials,
        "s3:PutObject",
        "arn:aws:s3:::other/a"
    ));
}

#[tokio::test]
async fn federation_sessions_survive_a_restart_with_a_database_file() {
    let dir = std::env::temp_dir().join(format!("iamlocal-federation-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("state.db");
    let _ = std::fs::remove_file(&db);
    let credentials = {
        let server = TestServer::spawn_with(|c| c.db = Some(db.clone())).await;
        let token = issuer(&server)
            .await
            .get_federation_token()
            .name("kept")
            .policy(BUCKET_POLICY)
            .send()
            .await
            .unwrap();
        server.stop().await;
        token.credentials.unwrap()
    };
    let server = TestServer::spawn_with(|c| c.db = Some(db.clone())).await;
    let me = server
        .sts_temp(&credentials)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.arn(),
        Some(format!("arn:aws:sts::{ACCOUNT}:federated-user/kept").as_str())
    );
    assert!(may(
        &server,
        &credentials,
        "s3:GetObject",
        "arn:aws:s3:::shared/a"
    ));
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
