//! Temporary credentials: who may get them, what they may do, and when they stop working.

use aws_sdk_sts::types::Credentials;

use crate::common::{ACCOUNT, RawRequest, Signing, TestServer, error_of};
use crate::roles::trust;

const ALLOW_ALL_IAM: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}}"#;

/// A user with a key; returns its (key id, secret).
pub async fn user_with_key(server: &TestServer, name: &str) -> (String, String) {
    let iam = server.iam();
    iam.create_user().user_name(name).send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name(name)
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    (key.access_key_id, key.secret_access_key)
}

async fn role(server: &TestServer, name: &str, trust_policy: &str, permissions: &str) -> String {
    let iam = server.iam();
    let role = iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust_policy)
        .max_session_duration(43200)
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    iam.put_role_policy()
        .role_name(name)
        .policy_name("permissions")
        .policy_document(permissions)
        .send()
        .await
        .unwrap();
    role.arn
}

#[tokio::test]
async fn a_user_named_in_the_trust_policy_gets_the_roles_permissions() {
    let server = TestServer::spawn().await;
    let (key, secret) = user_with_key(&server, "alice").await;
    let user_arn = format!("arn:aws:iam::{ACCOUNT}:user/alice");
    let read_only = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:List*", "Resource": "*"}}"#;
    let role_arn = role(&server, "reader", &trust(&user_arn), read_only).await;

    let assumed = server
        .sts_as(&key, &secret)
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("alice-session")
        .send()
        .await
        .unwrap();
    let user = assumed.assumed_role_user().unwrap();
    let session_arn = format!("arn:aws:sts::{ACCOUNT}:assumed-role/reader/alice-session");
    assert_eq!(user.arn(), session_arn);
    assert!(
        user.assumed_role_id().starts_with("AROA")
            && user.assumed_role_id().ends_with(":alice-session")
    );
    let credentials = assumed.credentials().unwrap();
    assert!(credentials.access_key_id().starts_with("ASIA"));

    let me = server
        .sts_temp(credentials)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.arn(), Some(session_arn.as_str()));
    assert_eq!(me.user_id(), Some(user.assumed_role_id()));

    let iam = server.iam_temp(credentials);
    iam.list_users().send().await.unwrap();
    let (code, message) = error_of(iam.create_user().user_name("eve").send().await);
    assert_eq!(code, "AccessDenied");
    assert!(
        message.starts_with(&format!(
            "User: {session_arn} is not authorized to perform: iam:CreateUser"
        )),
        "{message}"
    );

    let role = server
        .iam()
        .get_role()
        .role_name("reader")
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    assert!(role.role_last_used().unwrap().last_used_date().is_some());
}

#[tokio::test]
async fn the_root_user_may_not_assume_roles() {
    let server = TestServer::spawn().await;
    let role_arn = role(
        &server,
        "r",
        &trust(&format!("arn:aws:iam::{ACCOUNT}:root")),
        ALLOW_ALL_IAM,
    )
    .await;
    let (code, message) = error_of(
        server
            .sts()
            .assume_role()
            .role_arn(&role_arn)
            .role_session_name("s1")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    assert_eq!(message, "Roles may not be assumed by root accounts.");
}

#[tokio::test]
async fn trusting_the_account_needs_an_identity_policy_too() {
    let server = TestServer::spawn().await;
    let (key, secret) = user_with_key(&server, "bob").await;
    let role_arn = role(
        &server,
        "r",
        &trust(&format!("arn:aws:iam::{ACCOUNT}:root")),
        ALLOW_ALL_IAM,
    )
    .await;
    let bob = server.sts_as(&key, &secret);
    let (code, message) = error_of(
        bob.assume_role()
            .role_arn(&role_arn)
            .role_session_name("s1")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    assert!(
        message.contains("is not authorized to perform: sts:AssumeRole on resource"),
        "{message}"
    );

    server
        .iam()
        .put_user_policy()
        .user_name("bob")
        .policy_name("assume")
        .policy_document(format!(
            r#"{{"Version": "2012-10-17", "Statement": {{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "{role_arn}"}}}}"#
        ))
        .send()
        .await
        .unwrap();
    bob.assume_role()
        .role_arn(&role_arn)
        .role_session_name("s1")
        .send()
        .await
        .unwrap();

    // A role that does not exist looks the same as one the caller may not assume.
    let missing = format!("arn:aws:iam::{ACCOUNT}:role/missing");
    let (code, _) = error_of(
        bob.assume_role()
            .role_arn(&missing)
            .role_session_name("s1")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
}

#[tokio::test]
async fn an_external_id_condition_must_be_met() {
    let server = TestServer::spawn().await;
    let (key, secret) = user_with_key(&server, "carol").await;
    let trust_policy = format!(
        r#"{{"Version": "2012-10-17", "Statement": {{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::{ACCOUNT}:user/carol"}}, "Action": "sts:AssumeRole", "Condition": {{"StringEquals": {{"sts:ExternalId": "s3cr3t-id"}}}}}}}}"#
    );
    let role_arn = role(&server, "partner", &trust_policy, ALLOW_ALL_IAM).await;
    let carol = server.sts_as(&key, &secret);
    for wrong in [None, Some("guess")] {
        let (code, _) = error_of(
            carol
                .assume_role()
                .role_arn(&role_arn)
                .role_session_name("s1")
                .set_external_id(wrong.map(Into::into))
                .send()
                .await,
        );
        assert_eq!(code, "AccessDenied");
    }
    carol
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("s1")
        .external_id("s3cr3t-id")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_role_in_another_account_needs_both_sides_to_agree() {
    let server = TestServer::spawn().await;
    let (key, secret) = user_with_key(&server, "dave").await;
    // The role lives in account 111122223333 and trusts this account.
    let other = server.iam_as("111122223333", "test");
    let role_arn = other
        .create_role()
        .role_name("cross")
        .assume_role_policy_document(trust(&format!("arn:aws:iam::{ACCOUNT}:root")))
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
        .arn;
    let dave = server.sts_as(&key, &secret);
    let (code, _) = error_of(
        dave.assume_role()
            .role_arn(&role_arn)
            .role_session_name("x1")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied", "no identity policy allows it yet");

    server
        .iam()
        .put_user_policy()
        .user_name("dave")
        .policy_name("assume")
        .policy_document(r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}}"#)
        .send()
        .await
        .unwrap();
    let assumed = dave
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("x1")
        .send()
        .await
        .unwrap();
    let me = server
        .sts_temp(assumed.credentials().unwrap())
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.account(), Some("111122223333"));
}

#[tokio::test]
async fn role_chains_are_capped_at_one_hour() {
    let server = TestServer::spawn().await;
    let (key, secret) = user_with_key(&server, "erin").await;
    let first = role(
        &server,
        "first",
        &trust(&format!("arn:aws:iam::{ACCOUNT}:user/erin")),
        ALLOW_ALL_IAM,
    )
    .await;
    let first_session = format!("arn:aws:sts::{ACCOUNT}:assumed-role/first/one");
    let second = role(&server, "second", &trust(&first_session), ALLOW_ALL_IAM).await;

    let one = server
        .sts_as(&key, &secret)
        .assume_role()
        .role_arn(&first)
        .role_session_name("one")
        .duration_seconds(7200)
        .send()
        .await
        .unwrap();
    let chained = server.sts_temp(one.credentials().unwrap());
    let (code, message) = error_of(
        chained
            .assume_role()
            .role_arn(&second)
            .role_session_name("two")
            .duration_seconds(7200)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");
    assert_eq!(
        message,
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
    );
    chained
        .assume_role()
        .role_arn(&second)
        .role_session_name("two")
        .send()
        .await
        .unwrap();

    let (code, message) = error_of(
        server
            .sts_as(&key, &secret)
            .assume_role()
            .role_arn(&first)
            .role_session_name("long")
            .duration_seconds(43201)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError", "{message}");
}

#[tokio::test]
async fn a_session_policy_narrows_the_roles_permissions() {
    let server = TestServer::spawn().await;
    let (key, secret) = user_with_key(&server, "fay").await;
    let role_arn = role(
        &server,
        "admin",
        &trust(&format!("arn:aws:iam::{ACCOUNT}:user/fay")),
        ALLOW_ALL_IAM,
    )
    .await;
    let assumed = server
        .sts_as(&key, &secret)
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("narrow")
        .policy(r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}}"#)
        .send()
        .await
        .unwrap();
    let iam = server.iam_temp(assumed.credentials().unwrap());
    iam.list_users().send().await.unwrap();
    let (code, message) = error_of(iam.list_roles().send().await);
    assert_eq!(code, "AccessDenied");
    assert!(
        message.ends_with("because no session policy allows the iam:ListRoles action"),
        "{message}"
    );
}

#[tokio::test]
async fn credentials_expire_when_the_clock_moves_past_them() {
    let server = TestServer::spawn().await;
    let (key, secret) = user_with_key(&server, "gus").await;
    let role_arn = role(
        &server,
        "r",
        &trust(&format!("arn:aws:iam::{ACCOUNT}:user/gus")),
        ALLOW_ALL_IAM,
    )
    .await;
    let assumed = server
        .sts_as(&key, &secret)
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("s1")
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    let sts = server.sts_temp(assumed.credentials().unwrap());
    sts.get_caller_identity().send().await.unwrap();

    server.app.clock.advance(time::Duration::seconds(901));
    let (code, message) = error_of(sts.get_caller_identity().send().await);
    assert_eq!(code, "ExpiredToken");
    assert_eq!(
        message,
        "The security token included in the request is expired"
    );
}

#[tokio::test]
async fn temporary_keys_need_their_own_session_token() {
    let server = TestServer::spawn().await;
    let (key, secret) = user_with_key(&server, "hal").await;
    let role_arn = role(
        &server,
        "r",
        &trust(&format!("arn:aws:iam::{ACCOUNT}:user/hal")),
        ALLOW_ALL_IAM,
    )
    .await;
    let assumed = server
        .sts_as(&key, &secret)
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("s1")
        .send()
        .await
        .unwrap();
    let credentials = assumed.credentials().unwrap();

    let (code, _) = error_of(
        server
            .sts_as(credentials.access_key_id(), credentials.secret_access_key())
            .get_caller_identity()
            .send()
            .await,
    );
    assert_eq!(code, "InvalidClientTokenId", "without its token");

    let altered = Credentials::builder()
        .access_key_id(credentials.access_key_id())
        .secret_access_key(credentials.secret_access_key())
        .session_token(format!("{}x", credentials.session_token()))
        .expiration(*credentials.expiration())
        .build()
        .unwrap();
    let (code, _) = error_of(server.sts_temp(&altered).get_caller_identity().send().await);
    assert_eq!(code, "InvalidClientTokenId", "with another token");
}

#[tokio::test]
async fn session_token_credentials_cannot_call_iam_without_mfa() {
    let server = TestServer::spawn().await;
    let (key, secret) = user_with_key(&server, "ida").await;
    server
        .iam()
        .put_user_policy()
        .user_name("ida")
        .policy_name("all")
        .policy_document(ALLOW_ALL_IAM)
        .send()
        .await
        .unwrap();
    let session = server
        .sts_as(&key, &secret)
        .get_session_token()
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    let credentials = session.credentials().unwrap();
    let me = server
        .sts_temp(credentials)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.arn(),
        Some(format!("arn:aws:iam::{ACCOUNT}:user/ida").as_str())
    );

    let (code, _) = error_of(server.iam_temp(credentials).list_users().send().await);
    assert_eq!(code, "InvalidClientTokenId");
    let (code, message) = error_of(
        server
            .sts_temp(credentials)
            .get_session_token()
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    assert_eq!(
        message,
        "Cannot call GetSessionToken with session credentials"
    );
}

#[tokio::test]
async fn sessions_survive_a_restart_with_a_database_file() {
    let dir = std::env::temp_dir().join(format!("iamlocal-sts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("state.db");
    let _ = std::fs::remove_file(&db);
    let first = TestServer::spawn_with(|c| c.db = Some(db.clone())).await;
    let (key, secret) = user_with_key(&first, "jo").await;
    let role_arn = role(
        &first,
        "r",
        &trust(&format!("arn:aws:iam::{ACCOUNT}:user/jo")),
        ALLOW_ALL_IAM,
    )
    .await;
    let assumed = first
        .sts_as(&key, &secret)
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("s1")
        .policy(r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}}"#)
        .send()
        .await
        .unwrap();
    first.stop().await;
    // The token was shown once: the database keeps only its digest.
    let token = assumed.credentials().unwrap().session_token().as_bytes();
    for file in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(file.unwrap().path()).unwrap();
        assert!(!bytes.windows(token.len()).any(|w| w == token));
    }

    let second = TestServer::spawn_with(|c| c.db = Some(db.clone())).await;
    let iam = second.iam_temp(assumed.credentials().unwrap());
    iam.list_users().send().await.unwrap();
    let (code, _) = error_of(iam.list_roles().send().await);
    assert_eq!(code, "AccessDenied", "the session policy came back too");
    second.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_presigned_get_caller_identity_works_with_temporary_credentials() {
    // The flow of aws-iam-authenticator and Vault: a presigned STS URL carries a token.
    let server = TestServer::spawn().await;
    let (key, secret) = user_with_key(&server, "kay").await;
    let role_arn = role(
        &server,
        "r",
        &trust(&format!("arn:aws:iam::{ACCOUNT}:user/kay")),
        ALLOW_ALL_IAM,
    )
    .await;
    let assumed = server
        .sts_as(&key, &secret)
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("s1")
        .send()
        .await
        .unwrap();
    let credentials = assumed.credentials().unwrap();
    let signing = Signing {
        key: credentials.access_key_id().into(),
        secret: credentials.secret_access_key().into(),
        session_token: Some(credentials.session_token().into()),
        presigned: true,
        ..Signing::sts()
    };
    let response = server
        .raw()
        .signed(
            &RawRequest::get("/?Action=GetCallerIdentity&Version=2011-06-15"),
            &signing,
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        response.element("Arn"),
        Some(format!("arn:aws:sts::{ACCOUNT}:assumed-role/r/s1").as_str())
    );
}

#[tokio::test]
async fn a_roles_boundary_bounds_its_sessions() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let (key, secret) = user_with_key(&server, "lou").await;
    let role_arn = role(
        &server,
        "bounded",
        &trust(&format!("arn:aws:iam::{ACCOUNT}:user/lou")),
        ALLOW_ALL_IAM,
    )
    .await;
    let boundary = iam
        .create_policy()
        .policy_name("ListUsersOnly")
        .policy_document(r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}}"#)
        .send()
        .await
        .unwrap()
        .policy
        .unwrap()
        .arn
        .unwrap();
    iam.put_role_permissions_boundary()
        .role_name("bounded")
        .permissions_boundary(&boundary)
        .send()
        .await
        .unwrap();
    let assumed = server
        .sts_as(&key, &secret)
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("s1")
        .send()
        .await
        .unwrap();
    let session = server.iam_temp(assumed.credentials().unwrap());
    session.list_users().send().await.unwrap();
    let (code, _) = error_of(session.list_roles().send().await);
    assert_eq!(code, "AccessDenied");
    let role = iam
        .get_role()
        .role_name("bounded")
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    assert_eq!(
        role.permissions_boundary()
            .unwrap()
            .permissions_boundary_arn(),
        Some(boundary.as_str())
    );
    iam.delete_role_permissions_boundary()
        .role_name("bounded")
        .send()
        .await
        .unwrap();
    let role = iam
        .get_role()
        .role_name("bounded")
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    assert!(role.permissions_boundary().is_none());
    session.list_roles().send().await.unwrap();
}

#[tokio::test]
async fn pruned_sessions_still_answer_expired_token() {
    let server = TestServer::spawn().await;
    let (key, secret) = user_with_key(&server, "max").await;
    let session = server
        .sts_as(&key, &secret)
        .get_session_token()
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    let sts = server.sts_temp(session.credentials().unwrap());
    server.app.clock.advance(time::Duration::days(2));
    server.app.prune_expired_sessions().await.unwrap();
    assert!(
        server
            .app
            .view
            .session(session.credentials().unwrap().access_key_id())
            .is_none()
    );
    let (code, _) = error_of(sts.get_caller_identity().send().await);
    assert_eq!(code, "ExpiredToken");
}

/// The SDK's profile chain: a profile with `role_arn` and `source_profile`, as people write in
/// `~/.aws/config`, gets its credentials from iamlocal's `AssumeRole`. The environment and
/// files are given to the loader, not set in the process.
#[tokio::test]
async fn the_sdk_assume_role_profile_works_against_iamlocal() {
    use aws_types::os_shim_internal::{Env, Fs};

    let server = TestServer::spawn().await;
    let (key, secret) = user_with_key(&server, "app").await;
    server
        .iam()
        .create_role()
        .role_name("deploy")
        .assume_role_policy_document(trust(&format!("arn:aws:iam::{ACCOUNT}:user/app")))
        .send()
        .await
        .unwrap();
    let config_file = format!(
        "[profile app]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n\
         [profile assumer]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/deploy\n\
         source_profile = app\nrole_session_name = sdk\n"
    );
    let endpoint = server.endpoint();
    let env = Env::from_slice(&[
        ("AWS_CONFIG_FILE", "/home/me/config"),
        ("AWS_PROFILE", "assumer"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL", &endpoint),
    ]);
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .env(env)
        .fs(Fs::from_slice(&[("/home/me/config", &config_file)]))
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .load()
        .await;
    let me = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.arn(),
        Some(&*format!("arn:aws:sts::{ACCOUNT}:assumed-role/deploy/sdk"))
    );
}
