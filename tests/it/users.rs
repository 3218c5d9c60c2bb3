use aws_sdk_iam::types::Tag;

use crate::common::{ACCOUNT, TestServer, error_of};

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

#[tokio::test]
async fn a_user_lives_through_create_get_update_tag_and_delete() {
    let server = TestServer::spawn().await;
    let iam = server.iam();

    let created = iam
        .create_user()
        .user_name("alice")
        .path("/eng/")
        .tags(tag("team", "core"))
        .send()
        .await
        .unwrap();
    let user = created.user.unwrap();
    assert_eq!(user.user_name, "alice");
    assert_eq!(user.path, "/eng/");
    assert_eq!(user.arn, format!("arn:aws:iam::{ACCOUNT}:user/eng/alice"));
    assert!(user.user_id.starts_with("AIDA") && user.user_id.len() == 21);
    assert_eq!(user.tags().len(), 1);

    let got = iam
        .get_user()
        .user_name("alice")
        .send()
        .await
        .unwrap()
        .user
        .unwrap();
    assert_eq!(got.user_id, user.user_id);
    assert_eq!(got.create_date, user.create_date);
    assert_eq!(got.tags(), user.tags());

    iam.update_user()
        .user_name("alice")
        .new_user_name("alicia")
        .new_path("/ops/")
        .send()
        .await
        .unwrap();
    let renamed = iam
        .get_user()
        .user_name("alicia")
        .send()
        .await
        .unwrap()
        .user
        .unwrap();
    assert_eq!(
        renamed.arn,
        format!("arn:aws:iam::{ACCOUNT}:user/ops/alicia")
    );
    assert_eq!(renamed.user_id, user.user_id);

    iam.tag_user()
        .user_name("alicia")
        .tags(tag("Team", "platform"))
        .tags(tag("env", "dev"))
        .send()
        .await
        .unwrap();
    let tags = iam
        .list_user_tags()
        .user_name("alicia")
        .send()
        .await
        .unwrap();
    let pairs: Vec<_> = tags.tags().iter().map(|t| (t.key(), t.value())).collect();
    // Tag keys compare without case: "Team" replaced "team". Listings go by key.
    assert_eq!(pairs, [("env", "dev"), ("Team", "platform")]);

    iam.untag_user()
        .user_name("alicia")
        .tag_keys("TEAM")
        .send()
        .await
        .unwrap();
    let tags = iam
        .list_user_tags()
        .user_name("alicia")
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().len(), 1);

    iam.delete_user().user_name("alicia").send().await.unwrap();
    let (code, message) = error_of(iam.get_user().user_name("alicia").send().await);
    assert_eq!(code, "NoSuchEntity");
    assert_eq!(message, "The user with name alicia cannot be found.");
}

#[tokio::test]
async fn user_names_are_unique_regardless_of_case() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("Bob").send().await.unwrap();
    let (code, message) = error_of(iam.create_user().user_name("bob").send().await);
    assert_eq!(code, "EntityAlreadyExists");
    assert_eq!(message, "User with name bob already exists.");
    // And looked up regardless of case, as IAM does.
    let user = iam
        .get_user()
        .user_name("BOB")
        .send()
        .await
        .unwrap()
        .user
        .unwrap();
    assert_eq!(user.user_name, "Bob");
    // A rename frees the old name and takes the new one, case aside.
    iam.update_user()
        .user_name("bob")
        .new_user_name("carol")
        .send()
        .await
        .unwrap();
    iam.create_user().user_name("BOB").send().await.unwrap();
    let (code, message) = error_of(
        iam.update_user()
            .user_name("bob")
            .new_user_name("Carol")
            .send()
            .await,
    );
    assert_eq!(code, "EntityAlreadyExists");
    assert_eq!(message, "User with name Carol already exists.");
}

#[tokio::test]
async fn invalid_names_and_paths_are_validation_errors_in_aws_words() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let (code, message) = error_of(
        iam.create_user()
            .user_name("has space")
            .path("eng")
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");
    assert_eq!(
        message,
        "2 validation errors detected: \
         Value 'has space' at 'userName' failed to satisfy constraint: \
         Member must satisfy regular expression pattern: [\\w+=,.@-]+; \
         Value 'eng' at 'path' failed to satisfy constraint: \
         Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)"
    );
    let long = "a".repeat(65);
    let (code, message) = error_of(iam.create_user().user_name(&long).send().await);
    assert_eq!(code, "ValidationError");
    assert!(
        message.ends_with("Member must have length less than or equal to 64"),
        "{message}"
    );
}

#[tokio::test]
async fn listing_users_filters_by_path_and_pages_with_a_marker() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    for (name, path) in [
        ("u1", "/eng/"),
        ("u2", "/eng/"),
        ("u3", "/eng/"),
        ("u4", "/ops/"),
        ("u5", "/"),
    ] {
        iam.create_user()
            .user_name(name)
            .path(path)
            .send()
            .await
            .unwrap();
    }
    let all = iam.list_users().send().await.unwrap();
    assert_eq!(all.users().len(), 5);
    assert!(!all.is_truncated());

    let first = iam
        .list_users()
        .path_prefix("/eng/")
        .max_items(2)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = first.users().iter().map(|u| u.user_name()).collect();
    assert_eq!(names, ["u1", "u2"]);
    assert!(first.is_truncated());
    let marker = first.marker().unwrap().to_owned();
    let rest = iam
        .list_users()
        .path_prefix("/eng/")
        .max_items(2)
        .marker(marker)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = rest.users().iter().map(|u| u.user_name()).collect();
    assert_eq!(names, ["u3"]);
    assert!(!rest.is_truncated());
    assert!(rest.marker().is_none());

    let (code, _) = error_of(iam.list_users().max_items(0).send().await);
    assert_eq!(code, "ValidationError");
}

#[tokio::test]
async fn a_user_with_access_keys_cannot_be_deleted() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("carol").send().await.unwrap();
    iam.create_access_key()
        .user_name("carol")
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(iam.delete_user().user_name("carol").send().await);
    assert_eq!(code, "DeleteConflict");
    assert_eq!(
        message,
        "Cannot delete entity, must delete access keys first."
    );
}

#[tokio::test]
async fn tags_are_limited_to_fifty_and_keys_must_be_unique() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("dave").send().await.unwrap();
    let mut request = iam.tag_user().user_name("dave");
    for i in 0..50 {
        request = request.tags(tag(&format!("k{i}"), "v"));
    }
    request.send().await.unwrap();
    let (code, message) = error_of(
        iam.tag_user()
            .user_name("dave")
            .tags(tag("one-more", "v"))
            .send()
            .await,
    );
    assert_eq!(code, "LimitExceeded");
    assert_eq!(message, "The number of tags has reached the maximum limit.");

    let (code, message) = error_of(
        iam.create_user()
            .user_name("erin")
            .tags(tag("Env", "a"))
            .tags(tag("env", "b"))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidInput");
    assert_eq!(
        message,
        "Duplicate tag keys found. Please note that Tag keys are case insensitive."
    );

    let page = iam
        .list_user_tags()
        .user_name("dave")
        .max_items(20)
        .send()
        .await
        .unwrap();
    assert_eq!(page.tags().len(), 20);
    assert!(page.is_truncated());
    let next = iam
        .list_user_tags()
        .user_name("dave")
        .marker(page.marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(next.tags().len(), 30);
    // Listings go by key: the next page starts at the 21st key in that order.
    let mut keys: Vec<String> = (0..50).map(|i| format!("k{i}")).collect();
    keys.sort();
    assert_eq!(next.tags()[0].key(), keys[20]);
}

#[tokio::test]
async fn get_user_without_a_name_describes_the_root_caller() {
    let server = TestServer::spawn().await;
    let user = server.iam().get_user().send().await.unwrap().user.unwrap();
    assert_eq!(user.arn, format!("arn:aws:iam::{ACCOUNT}:root"));
    assert_eq!(user.user_id, ACCOUNT);
}

#[tokio::test]
async fn a_user_without_policies_is_denied_in_aws_words() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("frank").send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name("frank")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let frank = server.iam_as(&key.access_key_id, &key.secret_access_key);

    let (code, message) = error_of(frank.create_user().user_name("gina").send().await);
    assert_eq!(code, "AccessDenied");
    assert_eq!(
        message,
        format!(
            "User: arn:aws:iam::{ACCOUNT}:user/frank is not authorized to perform: iam:CreateUser \
             on resource: arn:aws:iam::{ACCOUNT}:user/gina because no identity-based policy allows \
             the iam:CreateUser action"
        )
    );
    let (code, _) = error_of(frank.get_user().send().await);
    assert_eq!(code, "AccessDenied");
}
