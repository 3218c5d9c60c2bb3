use crate::common::TestServer;

#[tokio::test]
async fn a_database_file_keeps_users_and_keys_across_restarts() {
    let dir = std::env::temp_dir().join(format!("iamlocal-it-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("state.db");

    let first = TestServer::spawn_with(|c| c.db = Some(db.clone())).await;
    let iam = first.iam();
    iam.create_user()
        .user_name("alice")
        .path("/eng/")
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("team")
                .value("core")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    // Grants only through the tag, so the data plane must rebuild tags and policies.
    iam.put_user_policy()
        .user_name("alice")
        .policy_name("by-tag")
        .policy_document(
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "core"}}}}"#,
        )
        .send()
        .await
        .unwrap();
    let key = iam
        .create_access_key()
        .user_name("alice")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    first
        .sts_as(&key.access_key_id, &key.secret_access_key)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    first.stop().await;

    let second = TestServer::spawn_with(|c| c.db = Some(db.clone())).await;
    let user = second
        .iam()
        .get_user()
        .user_name("alice")
        .send()
        .await
        .unwrap()
        .user
        .unwrap();
    assert_eq!(user.path, "/eng/");
    let me = second
        .sts_as(&key.access_key_id, &key.secret_access_key)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.arn(), Some(user.arn.as_str()));
    second
        .iam_as(&key.access_key_id, &key.secret_access_key)
        .list_users()
        .send()
        .await
        .unwrap();
    // The use before the restart was written on the way down.
    let last = second
        .iam()
        .get_access_key_last_used()
        .access_key_id(&key.access_key_id)
        .send()
        .await
        .unwrap();
    assert!(
        last.access_key_last_used()
            .unwrap()
            .last_used_date()
            .is_some()
    );
    second.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// With a database file the view is built after the port opens: a request that needs it
/// waits for it, so a stored user's key works from the first request on.
#[tokio::test]
async fn after_a_restart_requests_wait_for_the_stored_state_to_load() {
    let dir = std::env::temp_dir().join(format!("iamlocal-it-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("state.db");

    let first = TestServer::spawn_with(|c| c.db = Some(db.clone())).await;
    let users: Vec<_> = (0..3000)
        .map(|i| serde_json::json!({"name": format!("user-{i:04}"), "tags": [{"key": "n", "value": i.to_string()}]}))
        .collect();
    let state = serde_json::json!({"accounts": [{"users": users}]});
    first.admin().put("state", &state.to_string()).await;
    let key = first
        .iam()
        .create_access_key()
        .user_name("user-2999")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    first.stop().await;

    let second = TestServer::spawn_with(|c| c.db = Some(db.clone())).await;
    let view = second.admin().get("health").await["view"].clone();
    assert!(view == "loading" || view == "ready", "{view}");
    let me = second
        .sts_as(&key.access_key_id, &key.secret_access_key)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert!(me.arn().unwrap().ends_with(":user/user-2999"), "{me:?}");
    assert_eq!(second.admin().get("health").await["view"], "ready");
    let user = second
        .iam()
        .get_user()
        .user_name("user-1234")
        .send()
        .await
        .unwrap()
        .user
        .unwrap();
    assert_eq!(user.tags()[0].value(), "1234");
    second.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

fn uuid_like() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}
