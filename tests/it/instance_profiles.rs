//! Instance profiles: their one role, tags, listings and the conflicts that guard deletion.

use aws_sdk_iam::types::Tag;

use crate::common::{ACCOUNT, TestServer, error_of};

const TRUST: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}}"#;

#[tokio::test]
async fn an_instance_profile_holds_one_role_and_guards_its_deletion() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let profile = iam
        .create_instance_profile()
        .instance_profile_name("web")
        .path("/app/")
        .tags(Tag::builder().key("team").value("web").build().unwrap())
        .send()
        .await
        .unwrap()
        .instance_profile
        .unwrap();
    assert_eq!(
        profile.arn,
        format!("arn:aws:iam::{ACCOUNT}:instance-profile/app/web")
    );
    assert!(profile.instance_profile_id.starts_with("AIPA"));
    assert!(profile.roles.is_empty());
    let (code, message) = error_of(
        iam.create_instance_profile()
            .instance_profile_name("WEB")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "EntityAlreadyExists",
            "Instance Profile WEB already exists."
        )
    );

    iam.create_role()
        .role_name("web-role")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap();
    iam.create_role()
        .role_name("other")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap();
    iam.add_role_to_instance_profile()
        .instance_profile_name("web")
        .role_name("web-role")
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        iam.add_role_to_instance_profile()
            .instance_profile_name("web")
            .role_name("other")
            .send()
            .await,
    );
    assert_eq!(code, "LimitExceeded");
    assert_eq!(
        message,
        "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"
    );

    let got = iam
        .get_instance_profile()
        .instance_profile_name("web")
        .send()
        .await
        .unwrap()
        .instance_profile
        .unwrap();
    assert_eq!(got.roles.len(), 1);
    assert_eq!(got.roles[0].role_name, "web-role");
    assert!(got.roles[0].assume_role_policy_document.is_some());
    assert_eq!(got.tags()[0].key, "team");
    let for_role = iam
        .list_instance_profiles_for_role()
        .role_name("web-role")
        .send()
        .await
        .unwrap();
    assert_eq!(for_role.instance_profiles[0].instance_profile_name, "web");
    assert!(
        iam.list_instance_profiles_for_role()
            .role_name("other")
            .send()
            .await
            .unwrap()
            .instance_profiles
            .is_empty()
    );

    let (code, message) = error_of(iam.delete_role().role_name("web-role").send().await);
    assert_eq!(code, "DeleteConflict");
    assert_eq!(
        message,
        "Cannot delete entity, must remove roles from instance profile first."
    );
    let (code, _) = error_of(
        iam.delete_instance_profile()
            .instance_profile_name("web")
            .send()
            .await,
    );
    assert_eq!(code, "DeleteConflict");
    let (code, _) = error_of(
        iam.remove_role_from_instance_profile()
            .instance_profile_name("web")
            .role_name("other")
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
    iam.remove_role_from_instance_profile()
        .instance_profile_name("web")
        .role_name("web-role")
        .send()
        .await
        .unwrap();
    iam.delete_instance_profile()
        .instance_profile_name("web")
        .send()
        .await
        .unwrap();
    iam.delete_role()
        .role_name("web-role")
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        iam.get_instance_profile()
            .instance_profile_name("web")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("NoSuchEntity", "Instance Profile web cannot be found.")
    );
}

#[tokio::test]
async fn instance_profiles_are_listed_by_path_a_page_at_a_time() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    for (name, path) in [("a", "/x/"), ("b", "/x/"), ("c", "/x/"), ("d", "/")] {
        iam.create_instance_profile()
            .instance_profile_name(name)
            .path(path)
            .send()
            .await
            .unwrap();
    }
    let page = iam
        .list_instance_profiles()
        .path_prefix("/x/")
        .max_items(2)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = page
        .instance_profiles
        .iter()
        .map(|p| p.instance_profile_name.as_str())
        .collect();
    assert_eq!(names, ["a", "b"]);
    assert!(page.is_truncated);
    let rest = iam
        .list_instance_profiles()
        .path_prefix("/x/")
        .marker(page.marker.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.instance_profiles.len(), 1);
    assert!(!rest.is_truncated);
    assert_eq!(
        iam.list_instance_profiles()
            .send()
            .await
            .unwrap()
            .instance_profiles
            .len(),
        4
    );
    let (code, message) = error_of(
        iam.create_instance_profile()
            .instance_profile_name("bad name")
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");
    assert!(message.contains("instanceProfileName"), "{message}");
}

#[tokio::test]
async fn instance_profile_tags_are_added_listed_and_removed() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_instance_profile()
        .instance_profile_name("p")
        .send()
        .await
        .unwrap();
    for key in ["a", "b", "c"] {
        iam.tag_instance_profile()
            .instance_profile_name("p")
            .tags(Tag::builder().key(key).value("v").build().unwrap())
            .send()
            .await
            .unwrap();
    }
    let page = iam
        .list_instance_profile_tags()
        .instance_profile_name("p")
        .max_items(2)
        .send()
        .await
        .unwrap();
    assert_eq!(page.tags.len(), 2);
    assert!(page.is_truncated);
    iam.untag_instance_profile()
        .instance_profile_name("p")
        .tag_keys("a")
        .send()
        .await
        .unwrap();
    let tags = iam
        .list_instance_profile_tags()
        .instance_profile_name("p")
        .send()
        .await
        .unwrap()
        .tags;
    let keys: Vec<_> = tags.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(keys, ["b", "c"]);
    let (code, _) = error_of(
        iam.tag_instance_profile()
            .instance_profile_name("nope")
            .tags(Tag::builder().key("k").value("v").build().unwrap())
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
}

#[tokio::test]
async fn a_user_without_permission_cannot_create_an_instance_profile() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("eve").send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name("eve")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let eve = server.iam_as(&key.access_key_id, &key.secret_access_key);
    let (code, message) = error_of(
        eve.create_instance_profile()
            .instance_profile_name("p")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    assert!(
        message.contains(&format!(
            "iam:CreateInstanceProfile on resource: arn:aws:iam::{ACCOUNT}:instance-profile/p"
        )),
        "{message}"
    );

    // Putting a role in a profile also needs iam:PassRole on the role.
    iam.create_instance_profile()
        .instance_profile_name("p")
        .send()
        .await
        .unwrap();
    iam.create_role()
        .role_name("r")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap();
    iam.put_user_policy()
        .user_name("eve")
        .policy_name("profiles")
        .policy_document(
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:AddRoleToInstanceProfile", "Resource": "*"}}"#,
        )
        .send()
        .await
        .unwrap();
    let add = || {
        eve.add_role_to_instance_profile()
            .instance_profile_name("p")
            .role_name("r")
            .send()
    };
    let (code, message) = error_of(add().await);
    assert_eq!(code, "AccessDenied");
    assert!(
        message.contains(&format!(
            "iam:PassRole on resource: arn:aws:iam::{ACCOUNT}:role/r"
        )),
        "{message}"
    );
    iam.put_user_policy()
        .user_name("eve")
        .policy_name("pass")
        .policy_document(
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}}"#,
        )
        .send()
        .await
        .unwrap();
    add().await.unwrap();
}

#[tokio::test]
async fn instance_profile_tags_are_resource_tags_for_authorization() {
    let dir = std::env::temp_dir().join(format!(
        "iamlocal-it-profile-tags-{}-{:?}",
        std::process::id(),
        std::time::SystemTime::now()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("state.db");
    let server = TestServer::spawn_with(|c| c.db = Some(db.clone())).await;
    let iam = server.iam();
    for (name, team) in [("web", "web"), ("db", "db")] {
        iam.create_instance_profile()
            .instance_profile_name(name)
            .tags(Tag::builder().key("team").value(team).build().unwrap())
            .send()
            .await
            .unwrap();
    }
    iam.create_user().user_name("wendy").send().await.unwrap();
    iam.put_user_policy()
        .user_name("wendy")
        .policy_name("web-only")
        .policy_document(
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:GetInstanceProfile", "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/team": "web"}}}}"#,
        )
        .send()
        .await
        .unwrap();
    let key = iam
        .create_access_key()
        .user_name("wendy")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let check = |server: &TestServer| {
        let wendy = server.iam_as(&key.access_key_id, &key.secret_access_key);
        async move {
            wendy
                .get_instance_profile()
                .instance_profile_name("web")
                .send()
                .await
                .unwrap();
            let (code, _) = error_of(
                wendy
                    .get_instance_profile()
                    .instance_profile_name("db")
                    .send()
                    .await,
            );
            assert_eq!(code, "AccessDenied");
        }
    };
    check(&server).await;

    // Retagging takes effect, and the tags survive a restart.
    iam.tag_instance_profile()
        .instance_profile_name("db")
        .tags(Tag::builder().key("team").value("web").build().unwrap())
        .send()
        .await
        .unwrap();
    iam.untag_instance_profile()
        .instance_profile_name("web")
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    server.stop().await;
    let server = TestServer::spawn_with(|c| c.db = Some(db.clone())).await;
    let wendy = server.iam_as(&key.access_key_id, &key.secret_access_key);
    wendy
        .get_instance_profile()
        .instance_profile_name("db")
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(
        wendy
            .get_instance_profile()
            .instance_profile_name("web")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    server.stop().await;
    std::fs::remove_dir_all(&dir).ok();
}
