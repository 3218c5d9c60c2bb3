use aws_sdk_iam::types::StatusType;

use crate::common::{ACCOUNT, RawRequest, Signing, TestServer, error_of};

#[tokio::test]
async fn a_new_key_works_at_once_and_names_its_user() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let user = iam
        .create_user()
        .user_name("alice")
        .send()
        .await
        .unwrap()
        .user
        .unwrap();
    let key = iam
        .create_access_key()
        .user_name("alice")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    assert!(key.access_key_id.starts_with("AKIA") && key.access_key_id.len() == 20);
    assert_eq!(key.secret_access_key.len(), 40);
    assert_eq!(key.status, StatusType::Active);
    assert_eq!(key.user_name, "alice");

    let me = server
        .sts_as(&key.access_key_id, &key.secret_access_key)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.arn(), Some(user.arn.as_str()));
    assert_eq!(me.user_id(), Some(user.user_id.as_str()));
    assert_eq!(me.account(), Some(ACCOUNT));

    let info = server
        .sts()
        .get_access_key_info()
        .access_key_id(&key.access_key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(info.account(), Some(ACCOUNT));
}

#[tokio::test]
async fn the_secret_is_shown_once_and_never_listed() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("bob").send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name("bob")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();

    let listed = iam
        .list_access_keys()
        .user_name("bob")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.access_key_metadata().len(), 1);
    assert_eq!(
        listed.access_key_metadata()[0].access_key_id(),
        Some(key.access_key_id.as_str())
    );

    // The SDK has no field for a secret in listings; the raw XML must not carry it either.
    for action in ["ListAccessKeys&UserName=bob", "GetUser&UserName=bob"] {
        let response = server
            .raw()
            .signed(
                &RawRequest::form(&format!("Action={action}&Version=2010-05-08")),
                &Signing::iam(),
            )
            .await;
        assert_eq!(response.status, 200, "{}", response.body);
        assert!(!response.body.contains(&key.secret_access_key));
    }
}

#[tokio::test]
async fn a_user_has_at_most_two_keys() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("carol").send().await.unwrap();
    for _ in 0..2 {
        iam.create_access_key()
            .user_name("carol")
            .send()
            .await
            .unwrap();
    }
    let (code, message) = error_of(iam.create_access_key().user_name("carol").send().await);
    assert_eq!(code, "LimitExceeded");
    assert_eq!(message, "Cannot exceed quota for AccessKeysPerUser: 2");
}

#[tokio::test]
async fn an_inactive_or_deleted_key_is_refused() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("dave").send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name("dave")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let dave = server.sts_as(&key.access_key_id, &key.secret_access_key);

    iam.update_access_key()
        .user_name("dave")
        .access_key_id(&key.access_key_id)
        .status(StatusType::Inactive)
        .send()
        .await
        .unwrap();
    let listed = iam
        .list_access_keys()
        .user_name("dave")
        .send()
        .await
        .unwrap();
    assert_eq!(
        listed.access_key_metadata()[0].status(),
        Some(&StatusType::Inactive)
    );
    let (code, message) = error_of(dave.get_caller_identity().send().await);
    assert_eq!(code, "InvalidClientTokenId");
    assert_eq!(
        message,
        "The security token included in the request is invalid."
    );

    iam.update_access_key()
        .user_name("dave")
        .access_key_id(&key.access_key_id)
        .status(StatusType::Active)
        .send()
        .await
        .unwrap();
    dave.get_caller_identity().send().await.unwrap();

    iam.delete_access_key()
        .user_name("dave")
        .access_key_id(&key.access_key_id)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(dave.get_caller_identity().send().await);
    assert_eq!(code, "InvalidClientTokenId");
    let (code, message) = error_of(
        iam.delete_access_key()
            .user_name("dave")
            .access_key_id(&key.access_key_id)
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
    assert_eq!(
        message,
        format!(
            "The Access Key with id {} cannot be found.",
            key.access_key_id
        )
    );
}

#[tokio::test]
async fn last_use_is_recorded_with_service_and_region() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("erin").send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name("erin")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();

    let before = iam
        .get_access_key_last_used()
        .access_key_id(&key.access_key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(before.user_name(), Some("erin"));
    let unused = before.access_key_last_used().unwrap();
    assert_eq!(unused.service_name(), "N/A");
    assert!(unused.last_used_date().is_none());

    server
        .sts_as(&key.access_key_id, &key.secret_access_key)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    let after = iam
        .get_access_key_last_used()
        .access_key_id(&key.access_key_id)
        .send()
        .await
        .unwrap();
    let used = after.access_key_last_used().unwrap();
    assert_eq!(used.service_name(), "sts");
    assert_eq!(used.region(), "us-east-1");
    assert!(used.last_used_date().is_some());

    // The same key with STS, then with IAM before the uses are read: the last use is IAM's
    // (erin may not GetUser, having no policy, but the key was used all the same).
    let sts = server.sts_as(&key.access_key_id, &key.secret_access_key);
    sts.get_caller_identity().send().await.unwrap();
    let _ = server
        .iam_as(&key.access_key_id, &key.secret_access_key)
        .get_user()
        .send()
        .await;
    let again = iam
        .get_access_key_last_used()
        .access_key_id(&key.access_key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(again.access_key_last_used().unwrap().service_name(), "iam");
}

#[tokio::test]
async fn keys_of_another_user_are_not_found() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    for name in ["frank", "gina"] {
        iam.create_user().user_name(name).send().await.unwrap();
    }
    let key = iam
        .create_access_key()
        .user_name("frank")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let (code, _) = error_of(
        iam.update_access_key()
            .user_name("gina")
            .access_key_id(&key.access_key_id)
            .status(StatusType::Inactive)
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
    let (code, message) = error_of(iam.create_access_key().user_name("nobody").send().await);
    assert_eq!(code, "NoSuchEntity");
    assert_eq!(message, "The user with name nobody cannot be found.");
}

#[tokio::test]
async fn the_root_user_can_have_its_own_keys() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let key = iam
        .create_access_key()
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let me = server
        .sts_as(&key.access_key_id, &key.secret_access_key)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.arn(),
        Some(format!("arn:aws:iam::{ACCOUNT}:root").as_str())
    );
    let listed = iam.list_access_keys().send().await.unwrap();
    assert_eq!(listed.access_key_metadata().len(), 1);
}
