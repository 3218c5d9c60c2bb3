//! The rules every session tag obeys, however it is passed: AWS's `aws:` namespace, case-
//! insensitive keys, transitive keys that name passed tags, and the count and size limits.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html>

use aws_sdk_sts::types::Tag;

use crate::common::{ACCOUNT, TestServer, error_of};
use crate::sts::user_with_key;

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

/// A role `tagged` that the user `alice` may assume with session tags; returns its ARN and
/// alice's (key, secret).
async fn taggable_role(server: &TestServer) -> (String, String, String) {
    let (key, secret) = user_with_key(server, "alice").await;
    let trust = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::{ACCOUNT}:user/alice"}}, "Action": ["sts:AssumeRole", "sts:TagSession"]}}]}}"#
    );
    let arn = server
        .iam()
        .create_role()
        .role_name("tagged")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
        .arn;
    (arn, key, secret)
}

#[tokio::test]
async fn assume_role_refuses_tags_that_break_the_session_tag_rules() {
    let server = TestServer::spawn().await;
    let (role, key, secret) = taggable_role(&server).await;
    let sts = server.sts_as(&key, &secret);
    let assume = || {
        sts.assume_role()
            .role_arn(&role)
            .role_session_name("tagged-session")
    };

    let (code, message) = error_of(assume().tags(tag("aws:team", "x")).send().await);
    assert_eq!(code, "InvalidParameterValue");
    assert!(message.contains("aws:team"), "{message}");
    let (code, _) = error_of(assume().tags(tag("AWS:team", "x")).send().await);
    assert_eq!(code, "InvalidParameterValue");

    let (code, message) = error_of(
        assume()
            .tags(tag("Team", "a"))
            .tags(tag("team", "b"))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        message,
        "Duplicate tag keys found. Please note that Tag keys are case insensitive."
    );

    let (code, message) = error_of(
        assume()
            .tags(tag("team", "a"))
            .transitive_tag_keys("project")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        message,
        "The specified transitive tag key must be included in the requested tags."
    );
    // A transitive key names its tag in any case.
    assume()
        .tags(tag("Team", "a"))
        .transitive_tag_keys("team")
        .send()
        .await
        .unwrap();

    let mut too_many = assume();
    for i in 0..51 {
        too_many = too_many.tags(tag(&format!("k{i}"), "v"));
    }
    let (code, _) = error_of(too_many.send().await);
    assert_eq!(code, "ValidationError");

    let (code, _) = error_of(assume().tags(tag(&"k".repeat(129), "v")).send().await);
    assert_eq!(code, "ValidationError");
    let (code, _) = error_of(assume().tags(tag("k", &"v".repeat(257))).send().await);
    assert_eq!(code, "ValidationError");
    let (code, _) = error_of(assume().tags(tag("a*b", "v")).send().await);
    assert_eq!(code, "ValidationError");

    // 50 tags of the longest keys and values fit the count but not the packed space.
    let mut too_big = assume();
    for i in 0..50 {
        too_big = too_big.tags(tag(&format!("{i:0>128}"), &"v".repeat(256)));
    }
    let (code, message) = error_of(too_big.send().await);
    assert_eq!(code, "PackedPolicyTooLarge", "{message}");
}

#[tokio::test]
async fn a_chained_session_cannot_overwrite_an_inherited_transitive_tag() {
    let server = TestServer::spawn().await;
    let (role, key, secret) = taggable_role(&server).await;
    let session = format!("arn:aws:sts::{ACCOUNT}:assumed-role/tagged/first");
    let trust = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"AWS": "{session}"}}, "Action": ["sts:AssumeRole", "sts:TagSession"]}}]}}"#
    );
    let next = server
        .iam()
        .create_role()
        .role_name("next")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
        .arn;
    server
        .iam()
        .put_role_policy()
        .role_name("tagged")
        .policy_name("chain")
        .policy_document(r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"], "Resource": "*"}}"#)
        .send()
        .await
        .unwrap();
    let first = server
        .sts_as(&key, &secret)
        .assume_role()
        .role_arn(&role)
        .role_session_name("first")
        .tags(tag("Project", "one"))
        .transitive_tag_keys("Project")
        .send()
        .await
        .unwrap();
    let chained = server.sts_temp(first.credentials().unwrap());
    for key in ["Project", "project"] {
        let (code, message) = error_of(
            chained
                .assume_role()
                .role_arn(&next)
                .role_session_name("second")
                .tags(tag(key, "two"))
                .send()
                .await,
        );
        assert_eq!(code, "InvalidParameterValue");
        assert_eq!(
            message,
            "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session."
        );
    }
    chained
        .assume_role()
        .role_arn(&next)
        .role_session_name("second")
        .tags(tag("other", "two"))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn get_federation_token_refuses_reserved_and_duplicate_tag_keys() {
    let server = TestServer::spawn().await;
    let sts = server.sts();
    let (code, message) = error_of(
        sts.get_federation_token()
            .name("fed")
            .tags(tag("aws:x", "y"))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterValue", "{message}");
    let (code, _) = error_of(
        sts.get_federation_token()
            .name("fed")
            .tags(tag("x", "1"))
            .tags(tag("X", "2"))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterValue");
    sts.get_federation_token()
        .name("fed")
        .tags(tag("x", "1"))
        .send()
        .await
        .unwrap();
}
