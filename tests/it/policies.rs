//! Policies that grant and deny, enforced on every call, explained on every denial.

use aws_sdk_iam::Client;

use crate::common::{ACCOUNT, TestServer, error_of};

/// A user with a key, and a client that signs as that user.
async fn user_with_client(server: &TestServer, name: &str) -> Client {
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
    server.iam_as(&key.access_key_id, &key.secret_access_key)
}

fn allow(action: &str, resource: &str) -> String {
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "{action}", "Resource": "{resource}"}}]}}"#
    )
}

#[tokio::test]
async fn an_inline_policy_grants_and_an_explicit_deny_wins() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let frank = user_with_client(&server, "frank").await;

    let (code, _) = error_of(frank.list_users().send().await);
    assert_eq!(code, "AccessDenied");

    iam.put_user_policy()
        .user_name("frank")
        .policy_name("read-users")
        .policy_document(allow("iam:ListUsers", "*"))
        .send()
        .await
        .unwrap();
    frank.list_users().send().await.unwrap();

    iam.put_user_policy()
        .user_name("frank")
        .policy_name("no-listing")
        .policy_document(
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "iam:List*", "Resource": "*"}}"#,
        )
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(frank.list_users().send().await);
    assert_eq!(code, "AccessDenied");
    assert_eq!(
        message,
        format!(
            "User: arn:aws:iam::{ACCOUNT}:user/frank is not authorized to perform: iam:ListUsers \
             on resource: arn:aws:iam::{ACCOUNT}:user/ with an explicit deny in an identity-based policy"
        )
    );

    iam.delete_user_policy()
        .user_name("frank")
        .policy_name("no-listing")
        .send()
        .await
        .unwrap();
    frank.list_users().send().await.unwrap();
    let names = iam
        .list_user_policies()
        .user_name("frank")
        .send()
        .await
        .unwrap();
    assert_eq!(names.policy_names(), ["read-users"]);
}

#[tokio::test]
async fn an_inline_policy_reads_back_url_encoded_as_iam_returns_it() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("gina").send().await.unwrap();
    let document = allow("iam:GetUser", "*");
    iam.put_user_policy()
        .user_name("gina")
        .policy_name("p")
        .policy_document(&document)
        .send()
        .await
        .unwrap();
    let got = iam
        .get_user_policy()
        .user_name("gina")
        .policy_name("p")
        .send()
        .await
        .unwrap();
    assert_eq!(got.user_name(), "gina");
    assert_eq!(got.policy_name(), "p");
    let decoded = percent_encoding::percent_decode_str(got.policy_document())
        .decode_utf8()
        .unwrap();
    assert_eq!(decoded, document);
    let (code, message) = error_of(
        iam.get_user_policy()
            .user_name("gina")
            .policy_name("q")
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
    assert_eq!(message, "The user policy with name q cannot be found.");
}

#[tokio::test]
async fn a_managed_policy_grants_while_attached() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let hank = user_with_client(&server, "hank").await;
    let policy = iam
        .create_policy()
        .policy_name("UserReader")
        .path("/team/")
        .description("reads users")
        .policy_document(allow("iam:GetUser", "*"))
        .send()
        .await
        .unwrap()
        .policy
        .unwrap();
    let arn = policy.arn().unwrap().to_owned();
    assert_eq!(
        arn,
        format!("arn:aws:iam::{ACCOUNT}:policy/team/UserReader")
    );
    assert_eq!(policy.default_version_id(), Some("v1"));
    assert!(policy.policy_id().unwrap().starts_with("ANPA"));

    let (code, _) = error_of(hank.get_user().send().await);
    assert_eq!(code, "AccessDenied");
    iam.attach_user_policy()
        .user_name("hank")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let me = hank.get_user().send().await.unwrap().user.unwrap();
    assert_eq!(me.user_name, "hank");

    let got = iam
        .get_policy()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap()
        .policy
        .unwrap();
    assert_eq!(got.attachment_count(), Some(1));
    assert_eq!(got.description(), Some("reads users"));
    let attached = iam
        .list_attached_user_policies()
        .user_name("hank")
        .send()
        .await
        .unwrap();
    assert_eq!(
        attached.attached_policies()[0].policy_arn(),
        Some(arn.as_str())
    );
    let listed = iam
        .list_policies()
        .scope(aws_sdk_iam::types::PolicyScopeType::Local)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.policies().len(), 1);
    let version = iam
        .get_policy_version()
        .policy_arn(&arn)
        .version_id("v1")
        .send()
        .await
        .unwrap();
    assert!(version.policy_version().unwrap().is_default_version());

    let (code, message) = error_of(iam.delete_policy().policy_arn(&arn).send().await);
    assert_eq!(code, "DeleteConflict");
    assert_eq!(message, "Cannot delete a policy attached to entities.");
    let (code, message) = error_of(iam.delete_user().user_name("hank").send().await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "DeleteConflict",
            "Cannot delete entity, must delete access keys first."
        )
    );

    iam.detach_user_policy()
        .user_name("hank")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(hank.get_user().send().await);
    assert_eq!(code, "AccessDenied");
    iam.delete_policy().policy_arn(&arn).send().await.unwrap();
    let (code, message) = error_of(iam.get_policy().policy_arn(&arn).send().await);
    assert_eq!(code, "NoSuchEntity");
    assert_eq!(
        message,
        format!("Policy {arn} does not exist or is not attachable.")
    );
}

#[tokio::test]
async fn malformed_documents_are_refused_with_aws_reasons() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("ivy").send().await.unwrap();
    let cases = [
        ("not json", "Syntax errors in policy."),
        // Without an Effect, IAM answers only this (moto's AWS-verified table).
        (
            r#"{"Version": "2012-10-17", "Statement": {"Action": "iam:*", "Resource": "*"}}"#,
            "Syntax errors in policy.",
        ),
        (
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Resource": "*"}}"#,
            "Policy statement must contain actions.",
        ),
        (
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:*", "Resource": "*", "Principal": "*"}}"#,
            "Policy document should not specify a principal.",
        ),
    ];
    for (document, reason) in cases {
        let (code, message) = error_of(
            iam.put_user_policy()
                .user_name("ivy")
                .policy_name("p")
                .policy_document(document)
                .send()
                .await,
        );
        assert_eq!(code, "MalformedPolicyDocument", "{document}");
        assert_eq!(message, reason, "{document}");
    }
    let old = r#"{"Version": "2008-10-17", "Statement": {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}}"#;
    let (code, message) = error_of(
        iam.create_policy()
            .policy_name("old")
            .policy_document(old)
            .send()
            .await,
    );
    assert_eq!(code, "MalformedPolicyDocument");
    assert_eq!(
        message,
        "Policy document must be version 2012-10-17 or greater."
    );
    // Inline policies may still be 2008-10-17.
    iam.put_user_policy()
        .user_name("ivy")
        .policy_name("old")
        .policy_document(old)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn policy_variables_are_literal_text_under_version_2008() {
    // The trap in AWS's troubleshooting guide: without "Version": "2012-10-17",
    // ${aws:username} is not a variable.
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let jane = user_with_client(&server, "jane").await;
    let own_user = format!("arn:aws:iam::{ACCOUNT}:user/${{aws:username}}");
    let old = format!(
        r#"{{"Version": "2008-10-17", "Statement": {{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "{own_user}"}}}}"#
    );
    iam.put_user_policy()
        .user_name("jane")
        .policy_name("self")
        .policy_document(old)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(jane.get_user().send().await);
    assert_eq!(code, "AccessDenied");

    iam.put_user_policy()
        .user_name("jane")
        .policy_name("self")
        .policy_document(allow("iam:GetUser", &own_user))
        .send()
        .await
        .unwrap();
    jane.get_user().send().await.unwrap();
    // The variable names jane, not anyone else.
    iam.create_user().user_name("kim").send().await.unwrap();
    let (code, _) = error_of(jane.get_user().user_name("kim").send().await);
    assert_eq!(code, "AccessDenied");
}

#[tokio::test]
async fn conditions_see_the_source_ip_and_the_principals_tags() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let lee = user_with_client(&server, "lee").await;
    let conditional = |condition: &str| {
        format!(
            r#"{{"Version": "2012-10-17", "Statement": {{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*", "Condition": {condition}}}}}"#
        )
    };
    let put = |document: String| {
        iam.put_user_policy()
            .user_name("lee")
            .policy_name("c")
            .policy_document(document)
            .send()
    };
    put(conditional(
        r#"{"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}"#,
    ))
    .await
    .unwrap();
    let (code, _) = error_of(lee.list_users().send().await);
    assert_eq!(code, "AccessDenied");
    put(conditional(
        r#"{"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "127.0.0.1/32"]}}"#,
    ))
    .await
    .unwrap();
    lee.list_users().send().await.unwrap();

    put(conditional(
        r#"{"StringEquals": {"aws:PrincipalTag/team": "core"}}"#,
    ))
    .await
    .unwrap();
    let (code, _) = error_of(lee.list_users().send().await);
    assert_eq!(code, "AccessDenied");
    iam.tag_user()
        .user_name("lee")
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
    lee.list_users().send().await.unwrap();
}

#[tokio::test]
async fn a_users_policies_must_go_before_the_user() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("max").send().await.unwrap();
    iam.put_user_policy()
        .user_name("max")
        .policy_name("p")
        .policy_document(allow("iam:GetUser", "*"))
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(iam.delete_user().user_name("max").send().await);
    assert_eq!(code, "DeleteConflict");
    assert_eq!(message, "Cannot delete entity, must delete policies first.");
    iam.delete_user_policy()
        .user_name("max")
        .policy_name("p")
        .send()
        .await
        .unwrap();
    iam.delete_user().user_name("max").send().await.unwrap();
}

#[tokio::test]
async fn a_users_inline_policies_share_one_size_quota() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("ned").send().await.unwrap();
    // Each document is about 1,100 characters: one fits, two do not.
    let resource = format!("arn:aws:iam::{ACCOUNT}:user/{}", "x".repeat(1000));
    iam.put_user_policy()
        .user_name("ned")
        .policy_name("one")
        .policy_document(allow("iam:GetUser", &resource))
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        iam.put_user_policy()
            .user_name("ned")
            .policy_name("two")
            .policy_document(allow("iam:GetUser", &resource))
            .send()
            .await,
    );
    assert_eq!(code, "LimitExceeded");
    assert_eq!(
        message,
        "Maximum policy size of 2048 bytes exceeded for user ned"
    );
}

#[tokio::test]
async fn a_permissions_boundary_caps_what_policies_grant() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let olga = user_with_client(&server, "olga").await;
    iam.put_user_policy()
        .user_name("olga")
        .policy_name("all")
        .policy_document(allow("iam:*", "*"))
        .send()
        .await
        .unwrap();
    let boundary = iam
        .create_policy()
        .policy_name("ListOnly")
        .policy_document(allow("iam:List*", "*"))
        .send()
        .await
        .unwrap()
        .policy
        .unwrap()
        .arn
        .unwrap();
    iam.put_user_permissions_boundary()
        .user_name("olga")
        .permissions_boundary(&boundary)
        .send()
        .await
        .unwrap();

    olga.list_users().send().await.unwrap();
    let (code, message) = error_of(olga.create_user().user_name("pat").send().await);
    assert_eq!(code, "AccessDenied");
    assert!(
        message.ends_with("because no permissions boundary allows the iam:CreateUser action"),
        "{message}"
    );
    let got = iam
        .get_user()
        .user_name("olga")
        .send()
        .await
        .unwrap()
        .user
        .unwrap();
    assert_eq!(
        got.permissions_boundary()
            .unwrap()
            .permissions_boundary_arn(),
        Some(boundary.as_str())
    );
    let policy = iam
        .get_policy()
        .policy_arn(&boundary)
        .send()
        .await
        .unwrap()
        .policy
        .unwrap();
    assert_eq!(policy.permissions_boundary_usage_count(), Some(1));
    let (code, _) = error_of(iam.delete_policy().policy_arn(&boundary).send().await);
    assert_eq!(code, "DeleteConflict");

    iam.delete_user_permissions_boundary()
        .user_name("olga")
        .send()
        .await
        .unwrap();
    olga.create_user().user_name("pat").send().await.unwrap();
}

#[tokio::test]
async fn administrators_can_be_made_to_attach_a_boundary() {
    // AWS's delegation pattern: iam:CreateUser only with iam:PermissionsBoundary set.
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let boundary = iam
        .create_policy()
        .policy_name("Bound")
        .policy_document(allow("iam:GetUser", "*"))
        .send()
        .await
        .unwrap()
        .policy
        .unwrap()
        .arn
        .unwrap();
    let quinn = user_with_client(&server, "quinn").await;
    iam.put_user_policy()
        .user_name("quinn")
        .policy_name("delegate")
        .policy_document(format!(
            r#"{{"Version": "2012-10-17", "Statement": {{"Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*", "Condition": {{"StringEquals": {{"iam:PermissionsBoundary": "{boundary}"}}}}}}}}"#
        ))
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(quinn.create_user().user_name("free").send().await);
    assert_eq!(code, "AccessDenied");
    let bounded = quinn
        .create_user()
        .user_name("bounded")
        .permissions_boundary(&boundary)
        .send()
        .await
        .unwrap()
        .user
        .unwrap();
    assert_eq!(
        bounded
            .permissions_boundary()
            .unwrap()
            .permissions_boundary_arn(),
        Some(boundary.as_str())
    );
}

#[tokio::test]
async fn policy_versions_change_what_a_policy_grants() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let rita = user_with_client(&server, "rita").await;
    let arn = iam
        .create_policy()
        .policy_name("Evolving")
        .policy_document(allow("iam:ListUsers", "*"))
        .send()
        .await
        .unwrap()
        .policy
        .unwrap()
        .arn
        .unwrap();
    iam.attach_user_policy()
        .user_name("rita")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    rita.list_users().send().await.unwrap();

    // A new version that is not the default changes nothing yet.
    let v2 = iam
        .create_policy_version()
        .policy_arn(&arn)
        .policy_document(allow("iam:ListRoles", "*"))
        .send()
        .await
        .unwrap()
        .policy_version
        .unwrap();
    assert_eq!(v2.version_id(), Some("v2"));
    assert!(!v2.is_default_version());
    rita.list_users().send().await.unwrap();

    iam.set_default_policy_version()
        .policy_arn(&arn)
        .version_id("v2")
        .send()
        .await
        .unwrap();
    rita.list_roles().send().await.unwrap();
    let (code, _) = error_of(rita.list_users().send().await);
    assert_eq!(code, "AccessDenied");

    let (code, message) = error_of(
        iam.delete_policy_version()
            .policy_arn(&arn)
            .version_id("v2")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "DeleteConflict",
            "Cannot delete the default version of a policy."
        )
    );
    for _ in 3..=5 {
        iam.create_policy_version()
            .policy_arn(&arn)
            .policy_document(allow("iam:GetUser", "*"))
            .send()
            .await
            .unwrap();
    }
    let (code, _) = error_of(
        iam.create_policy_version()
            .policy_arn(&arn)
            .policy_document(allow("iam:GetUser", "*"))
            .send()
            .await,
    );
    assert_eq!(code, "LimitExceeded");
    let versions = iam
        .list_policy_versions()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(versions.versions().len(), 5);
    assert_eq!(
        versions
            .versions()
            .iter()
            .filter(|v| v.is_default_version())
            .count(),
        1
    );

    iam.delete_policy_version()
        .policy_arn(&arn)
        .version_id("v5")
        .send()
        .await
        .unwrap();
    let v6 = iam
        .create_policy_version()
        .policy_arn(&arn)
        .policy_document(allow("iam:GetUser", "*"))
        .set_as_default(true)
        .send()
        .await
        .unwrap()
        .policy_version
        .unwrap();
    assert_eq!(v6.version_id(), Some("v6"), "version ids are never reused");
    rita.get_user().send().await.unwrap();
    iam.detach_user_policy()
        .user_name("rita")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(iam.delete_policy().policy_arn(&arn).send().await);
    assert_eq!(code, "DeleteConflict", "other versions must go first");
}

#[tokio::test]
async fn conditions_see_resource_tags_request_tags_and_the_policy_arn() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let tom = user_with_client(&server, "tom").await;
    let statement = |action: &str, condition: &str| {
        format!(
            r#"{{"Effect": "Allow", "Action": "{action}", "Resource": "*", "Condition": {condition}}}"#
        )
    };
    let policy = |statements: &[String]| {
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
            statements.join(",")
        )
    };
    let managed = iam
        .create_policy()
        .policy_name("Attachable")
        .policy_document(allow("iam:GetUser", "*"))
        .send()
        .await
        .unwrap()
        .policy
        .unwrap()
        .arn
        .unwrap();
    let document = policy(&[
        statement(
            "iam:GetUser",
            r#"{"StringEquals": {"aws:ResourceTag/team": "core"}}"#,
        ),
        statement(
            "iam:CreateUser",
            r#"{"StringEquals": {"aws:RequestTag/team": "core"}, "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}"#,
        ),
        statement(
            "iam:AttachUserPolicy",
            &format!(r#"{{"ArnEquals": {{"iam:PolicyARN": "{managed}"}}}}"#),
        ),
    ]);
    iam.put_user_policy()
        .user_name("tom")
        .policy_name("abac")
        .policy_document(document)
        .send()
        .await
        .unwrap();
    let tag = |key: &str, value: &str| {
        aws_sdk_iam::types::Tag::builder()
            .key(key)
            .value(value)
            .build()
            .unwrap()
    };

    // aws:ResourceTag: only users tagged team=core can be read.
    iam.create_user()
        .user_name("tagged")
        .tags(tag("team", "core"))
        .send()
        .await
        .unwrap();
    iam.create_user()
        .user_name("untagged")
        .send()
        .await
        .unwrap();
    tom.get_user().user_name("tagged").send().await.unwrap();
    let (code, _) = error_of(tom.get_user().user_name("untagged").send().await);
    assert_eq!(code, "AccessDenied");

    // aws:RequestTag and aws:TagKeys: new users must carry team=core and nothing else.
    let (code, _) = error_of(tom.create_user().user_name("bare").send().await);
    assert_eq!(code, "AccessDenied");
    let (code, _) = error_of(
        tom.create_user()
            .user_name("extra")
            .tags(tag("team", "core"))
            .tags(tag("cost", "x"))
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    tom.create_user()
        .user_name("good")
        .tags(tag("team", "core"))
        .send()
        .await
        .unwrap();

    // iam:PolicyARN: only the named policy may be attached.
    let other = iam
        .create_policy()
        .policy_name("Other")
        .policy_document(allow("iam:GetUser", "*"))
        .send()
        .await
        .unwrap()
        .policy
        .unwrap()
        .arn
        .unwrap();
    let (code, _) = error_of(
        tom.attach_user_policy()
            .user_name("good")
            .policy_arn(&other)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    tom.attach_user_policy()
        .user_name("good")
        .policy_arn(&managed)
        .send()
        .await
        .unwrap();
}
