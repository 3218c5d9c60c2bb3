//! Tags of managed policies, and who uses a policy (`ListEntitiesForPolicy`, the usage
//! filters of `ListPolicies`).

use aws_sdk_iam::types::{EntityType, PolicyUsageType, Tag};

use crate::common::{TestServer, error_of};

const DOC: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}"#;
const TRUST: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}}"#;

fn tag(key: &str) -> Tag {
    Tag::builder().key(key).value("v").build().unwrap()
}

#[tokio::test]
async fn policy_tags_are_added_listed_and_removed() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let arn = iam
        .create_policy()
        .policy_name("p")
        .policy_document(DOC)
        .tags(tag("a"))
        .send()
        .await
        .unwrap()
        .policy
        .unwrap()
        .arn
        .unwrap();
    iam.tag_policy()
        .policy_arn(&arn)
        .tags(tag("b"))
        .tags(tag("c"))
        .send()
        .await
        .unwrap();
    let page = iam
        .list_policy_tags()
        .policy_arn(&arn)
        .max_items(2)
        .send()
        .await
        .unwrap();
    assert_eq!(page.tags.len(), 2);
    assert!(page.is_truncated);
    iam.untag_policy()
        .policy_arn(&arn)
        .tag_keys("a")
        .send()
        .await
        .unwrap();
    let tags = iam
        .list_policy_tags()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap()
        .tags;
    let keys: Vec<_> = tags.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(keys, ["b", "c"]);

    let too_many: Vec<Tag> = (0..49).map(|i| tag(&format!("k{i}"))).collect();
    let (code, _) = error_of(
        iam.tag_policy()
            .policy_arn(&arn)
            .set_tags(Some(too_many))
            .send()
            .await,
    );
    assert_eq!(code, "LimitExceeded");
    let (code, _) = error_of(
        iam.tag_policy()
            .policy_arn("arn:aws:iam::000000000000:policy/nope")
            .tags(tag("a"))
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
    let (code, _) = error_of(
        iam.tag_policy()
            .policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
            .tags(tag("a"))
            .send()
            .await,
    );
    assert_eq!(
        code, "AccessDenied",
        "AWS managed policies are not the account's"
    );
}

#[tokio::test]
async fn entities_for_a_policy_are_listed_by_use_and_kind() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let arn = iam
        .create_policy()
        .policy_name("p")
        .policy_document(DOC)
        .send()
        .await
        .unwrap()
        .policy
        .unwrap()
        .arn
        .unwrap();
    iam.create_group().group_name("g").send().await.unwrap();
    iam.attach_group_policy()
        .group_name("g")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    iam.create_user().user_name("u").send().await.unwrap();
    iam.attach_user_policy()
        .user_name("u")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    iam.create_role()
        .role_name("r")
        .path("/svc/")
        .assume_role_policy_document(TRUST)
        .permissions_boundary(&arn)
        .send()
        .await
        .unwrap();

    let all = iam
        .list_entities_for_policy()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(all.policy_groups()[0].group_name(), Some("g"));
    assert_eq!(all.policy_users()[0].user_name(), Some("u"));
    assert_eq!(all.policy_roles()[0].role_name(), Some("r"));
    assert!(all.policy_roles()[0].role_id().unwrap().starts_with("AROA"));

    let attached = iam
        .list_entities_for_policy()
        .policy_arn(&arn)
        .policy_usage_filter(PolicyUsageType::PermissionsPolicy)
        .send()
        .await
        .unwrap();
    assert!(attached.policy_roles().is_empty());
    assert_eq!(attached.policy_users().len(), 1);
    let bounded = iam
        .list_entities_for_policy()
        .policy_arn(&arn)
        .policy_usage_filter(PolicyUsageType::PermissionsBoundary)
        .send()
        .await
        .unwrap();
    assert_eq!(bounded.policy_roles().len(), 1);
    assert!(bounded.policy_users().is_empty() && bounded.policy_groups().is_empty());
    let users = iam
        .list_entities_for_policy()
        .policy_arn(&arn)
        .entity_filter(EntityType::User)
        .send()
        .await
        .unwrap();
    assert!(users.policy_groups().is_empty() && users.policy_roles().is_empty());
    let by_path = iam
        .list_entities_for_policy()
        .policy_arn(&arn)
        .path_prefix("/svc/")
        .send()
        .await
        .unwrap();
    assert_eq!(
        (by_path.policy_roles().len(), by_path.policy_users().len()),
        (1, 0)
    );

    let first = iam
        .list_entities_for_policy()
        .policy_arn(&arn)
        .max_items(2)
        .send()
        .await
        .unwrap();
    assert!(first.is_truncated);
    assert_eq!(
        (first.policy_groups().len(), first.policy_users().len()),
        (1, 1)
    );
    let rest = iam
        .list_entities_for_policy()
        .policy_arn(&arn)
        .marker(first.marker().unwrap())
        .send()
        .await
        .unwrap();
    assert!(!rest.is_truncated);
    assert_eq!(rest.policy_roles().len(), 1);

    let (code, message) = error_of(
        iam.list_entities_for_policy()
            .policy_arn("arn:aws:iam::000000000000:policy/nope")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "NoSuchEntity",
            "Policy arn:aws:iam::000000000000:policy/nope does not exist or is not attachable."
        )
    );
}

#[tokio::test]
async fn list_policies_filters_by_how_policies_are_used() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let mut arns = Vec::new();
    for name in ["attached", "boundary", "unused"] {
        arns.push(
            iam.create_policy()
                .policy_name(name)
                .policy_document(DOC)
                .send()
                .await
                .unwrap()
                .policy
                .unwrap()
                .arn
                .unwrap(),
        );
    }
    iam.create_user()
        .user_name("u")
        .permissions_boundary(&arns[1])
        .send()
        .await
        .unwrap();
    iam.attach_user_policy()
        .user_name("u")
        .policy_arn(&arns[0])
        .send()
        .await
        .unwrap();
    iam.attach_user_policy()
        .user_name("u")
        .policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
        .send()
        .await
        .unwrap();
    let names = |policies: &[aws_sdk_iam::types::Policy]| -> Vec<String> {
        policies
            .iter()
            .map(|p| p.policy_name().unwrap().to_owned())
            .collect()
    };
    let local = iam
        .list_policies()
        .scope(aws_sdk_iam::types::PolicyScopeType::Local)
        .send()
        .await
        .unwrap();
    assert_eq!(names(local.policies()), ["attached", "boundary", "unused"]);
    let permissions = iam
        .list_policies()
        .policy_usage_filter(PolicyUsageType::PermissionsPolicy)
        .send()
        .await
        .unwrap();
    assert_eq!(
        names(permissions.policies()),
        ["attached", "ReadOnlyAccess"]
    );
    let boundaries = iam
        .list_policies()
        .policy_usage_filter(PolicyUsageType::PermissionsBoundary)
        .send()
        .await
        .unwrap();
    assert_eq!(names(boundaries.policies()), ["boundary"]);
    let only_attached = iam
        .list_policies()
        .scope(aws_sdk_iam::types::PolicyScopeType::Local)
        .only_attached(true)
        .send()
        .await
        .unwrap();
    assert_eq!(names(only_attached.policies()), ["attached"]);
}

#[tokio::test]
async fn a_user_without_permission_cannot_tag_a_policy() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let arn = iam
        .create_policy()
        .policy_name("p")
        .policy_document(DOC)
        .send()
        .await
        .unwrap()
        .policy
        .unwrap()
        .arn
        .unwrap();
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
    let (code, _) = error_of(
        eve.tag_policy()
            .policy_arn(&arn)
            .tags(tag("a"))
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    let (code, _) = error_of(eve.list_entities_for_policy().policy_arn(&arn).send().await);
    assert_eq!(code, "AccessDenied");

    // With read access, AWS managed policies read as the account's own.
    iam.attach_user_policy()
        .user_name("eve")
        .policy_arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        .send()
        .await
        .unwrap();
    let tags = eve
        .list_policy_tags()
        .policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
        .send()
        .await
        .unwrap();
    assert!(tags.tags.is_empty());
    eve.list_entities_for_policy()
        .policy_arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn policy_tags_are_resource_tags_for_authorization() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let mut arns = Vec::new();
    for (name, team) in [("web", "web"), ("db", "db")] {
        arns.push(
            iam.create_policy()
                .policy_name(name)
                .policy_document(DOC)
                .tags(Tag::builder().key("team").value(team).build().unwrap())
                .send()
                .await
                .unwrap()
                .policy
                .unwrap()
                .arn
                .unwrap(),
        );
    }
    iam.create_user().user_name("wendy").send().await.unwrap();
    iam.put_user_policy()
        .user_name("wendy")
        .policy_name("web-only")
        .policy_document(
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:GetPolicy", "Resource": "*", "Condition": {"StringEquals": {"iam:ResourceTag/team": "web"}}}}"#,
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
    let wendy = server.iam_as(&key.access_key_id, &key.secret_access_key);
    wendy
        .get_policy()
        .policy_arn(&arns[0])
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(wendy.get_policy().policy_arn(&arns[1]).send().await);
    assert_eq!(code, "AccessDenied");
    iam.untag_policy()
        .policy_arn(&arns[0])
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(wendy.get_policy().policy_arn(&arns[0]).send().await);
    assert_eq!(code, "AccessDenied", "untagged");
}
