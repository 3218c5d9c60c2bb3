//! AWS managed policies: the bundled catalogue, attachable by `arn:aws:iam::aws:policy/…`,
//! evaluated like any managed policy, readable and listable, never changeable.

use aws_sdk_iam::Client;
use aws_sdk_iam::types::PolicyScopeType;

use crate::common::{ACCOUNT, TestServer, decode, error_of};
use crate::roles::trust;

const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
const IAM_READ_ONLY: &str = "arn:aws:iam::aws:policy/IAMReadOnlyAccess";
const LAMBDA_BASIC: &str = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";

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

#[tokio::test]
async fn administrator_access_lets_a_user_do_anything_in_iam() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let ada = user_with_client(&server, "ada").await;
    let (code, _) = error_of(ada.create_user().user_name("bob").send().await);
    assert_eq!(code, "AccessDenied");

    iam.attach_user_policy()
        .user_name("ada")
        .policy_arn(ADMIN)
        .send()
        .await
        .unwrap();
    ada.create_user().user_name("bob").send().await.unwrap();
    ada.create_role()
        .role_name("anything")
        .assume_role_policy_document(trust(&format!("arn:aws:iam::{ACCOUNT}:root")))
        .send()
        .await
        .unwrap();
    ada.delete_user().user_name("bob").send().await.unwrap();

    let attached = iam
        .list_attached_user_policies()
        .user_name("ada")
        .send()
        .await
        .unwrap();
    let attached = attached.attached_policies();
    assert_eq!(attached.len(), 1);
    assert_eq!(attached[0].policy_name(), Some("AdministratorAccess"));
    assert_eq!(attached[0].policy_arn(), Some(ADMIN));

    let policy = iam.get_policy().policy_arn(ADMIN).send().await.unwrap();
    assert_eq!(policy.policy().unwrap().attachment_count(), Some(1));

    iam.detach_user_policy()
        .user_name("ada")
        .policy_arn(ADMIN)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(ada.create_user().user_name("carol").send().await);
    assert_eq!(code, "AccessDenied");
}

#[tokio::test]
async fn iam_read_only_access_on_a_role_lets_its_sessions_read_but_not_write() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let role = iam
        .create_role()
        .role_name("auditor")
        .assume_role_policy_document(trust(&format!("arn:aws:iam::{ACCOUNT}:root")))
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    iam.attach_role_policy()
        .role_name("auditor")
        .policy_arn(IAM_READ_ONLY)
        .send()
        .await
        .unwrap();
    // A user allowed to assume it.
    let _ = user_with_client(&server, "eve").await;
    let key = iam
        .create_access_key()
        .user_name("eve")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    iam.put_user_policy()
        .user_name("eve")
        .policy_name("assume")
        .policy_document(format!(
            r#"{{"Version": "2012-10-17", "Statement": {{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "{}"}}}}"#,
            role.arn
        ))
        .send()
        .await
        .unwrap();
    let assumed = server
        .sts_as(&key.access_key_id, &key.secret_access_key)
        .assume_role()
        .role_arn(&role.arn)
        .role_session_name("audit")
        .send()
        .await
        .unwrap();
    let session = server.iam_temp(assumed.credentials().unwrap());

    session.list_users().send().await.unwrap();
    session
        .get_role()
        .role_name("auditor")
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(session.create_user().user_name("mallory").send().await);
    assert_eq!(code, "AccessDenied");
    assert!(message.contains("iam:CreateUser"), "{message}");

    // A session policy by ARN: the session may do only what both allow.
    let narrowed = server
        .sts_as(&key.access_key_id, &key.secret_access_key)
        .assume_role()
        .role_arn(&role.arn)
        .role_session_name("narrowed")
        .policy_arns(
            aws_sdk_sts::types::PolicyDescriptorType::builder()
                .arn("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let narrowed = server.iam_temp(narrowed.credentials().unwrap());
    let (code, _) = error_of(narrowed.list_users().send().await);
    assert_eq!(code, "AccessDenied");
}

#[tokio::test]
async fn a_permissions_boundary_may_be_an_aws_managed_policy() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let zed = user_with_client(&server, "zed").await;
    iam.put_user_permissions_boundary()
        .user_name("zed")
        .permissions_boundary(IAM_READ_ONLY)
        .send()
        .await
        .unwrap();
    iam.attach_user_policy()
        .user_name("zed")
        .policy_arn(ADMIN)
        .send()
        .await
        .unwrap();
    zed.list_users().send().await.unwrap();
    let (code, _) = error_of(zed.create_user().user_name("nope").send().await);
    assert_eq!(code, "AccessDenied");
    let policy = iam
        .get_policy()
        .policy_arn(IAM_READ_ONLY)
        .send()
        .await
        .unwrap();
    assert_eq!(
        policy.policy().unwrap().permissions_boundary_usage_count(),
        Some(1)
    );

    let (code, message) = error_of(
        iam.put_user_permissions_boundary()
            .user_name("zed")
            .permissions_boundary("arn:aws:iam::aws:policy/Nope")
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
    assert_eq!(
        message,
        "Policy arn:aws:iam::aws:policy/Nope does not exist or is not attachable."
    );
}

#[tokio::test]
async fn get_policy_and_get_policy_version_describe_the_bundled_document() {
    let server = TestServer::spawn().await;
    let iam = server.iam();

    let policy = iam
        .get_policy()
        .policy_arn(LAMBDA_BASIC)
        .send()
        .await
        .unwrap();
    let policy = policy.policy().unwrap();
    assert_eq!(policy.policy_name(), Some("AWSLambdaBasicExecutionRole"));
    assert_eq!(policy.path(), Some("/service-role/"));
    assert_eq!(policy.arn(), Some(LAMBDA_BASIC));
    assert_eq!(policy.default_version_id(), Some("v1"));
    assert_eq!(policy.attachment_count(), Some(0));
    assert!(policy.policy_id().unwrap().starts_with("ANPA"));

    let version = iam
        .get_policy_version()
        .policy_arn(LAMBDA_BASIC)
        .version_id("v1")
        .send()
        .await
        .unwrap();
    let version = version.policy_version().unwrap();
    assert!(version.is_default_version());
    let document = decode(version.document().unwrap());
    assert!(document.contains("logs:CreateLogStream"), "{document}");
    assert!(!version.document().unwrap().contains('{'), "URL-encoded");

    let (code, _) = error_of(
        iam.get_policy_version()
            .policy_arn(LAMBDA_BASIC)
            .version_id("v2")
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");

    let versions = iam
        .list_policy_versions()
        .policy_arn(IAM_READ_ONLY)
        .send()
        .await
        .unwrap();
    assert_eq!(versions.versions().len(), 1);
    assert_eq!(versions.versions()[0].version_id(), Some("v4"));
}

#[tokio::test]
async fn a_missing_aws_managed_policy_is_no_such_entity() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let (code, message) = error_of(
        iam.get_policy()
            .policy_arn("arn:aws:iam::aws:policy/Nope")
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
    assert_eq!(
        message,
        "Policy arn:aws:iam::aws:policy/Nope does not exist or is not attachable."
    );

    iam.create_user().user_name("u").send().await.unwrap();
    let (code, message) = error_of(
        iam.attach_user_policy()
            .user_name("u")
            .policy_arn("arn:aws:iam::aws:policy/Nope")
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
    assert_eq!(
        message,
        "Policy arn:aws:iam::aws:policy/Nope does not exist or is not attachable."
    );
}

#[tokio::test]
async fn list_policies_scopes_aws_and_local_apart() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_policy()
        .policy_name("mine")
        .policy_document(
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}"#,
        )
        .send()
        .await
        .unwrap();
    let names = |out: &aws_sdk_iam::operation::list_policies::ListPoliciesOutput| {
        out.policies()
            .iter()
            .map(|p| p.policy_name().unwrap().to_owned())
            .collect::<Vec<_>>()
    };

    let aws = iam
        .list_policies()
        .scope(PolicyScopeType::Aws)
        .max_items(1000)
        .send()
        .await
        .unwrap();
    let aws_names = names(&aws);
    assert!(aws_names.contains(&"AdministratorAccess".to_owned()));
    assert!(aws_names.contains(&"AWSLambdaBasicExecutionRole".to_owned()));
    assert!(!aws_names.contains(&"mine".to_owned()));
    // By name, case folded as IAM names compare.
    let mut sorted = aws_names.clone();
    sorted.sort_by_key(|n| n.to_ascii_lowercase());
    assert_eq!(aws_names, sorted);

    let local = iam
        .list_policies()
        .scope(PolicyScopeType::Local)
        .send()
        .await
        .unwrap();
    assert_eq!(names(&local), ["mine"]);

    let service_roles = iam
        .list_policies()
        .scope(PolicyScopeType::Aws)
        .path_prefix("/service-role/")
        .send()
        .await
        .unwrap();
    assert_eq!(names(&service_roles), ["AWSLambdaBasicExecutionRole"]);

    // OnlyAttached counts the account's attachments.
    iam.create_group().group_name("ops").send().await.unwrap();
    iam.attach_group_policy()
        .group_name("ops")
        .policy_arn(IAM_READ_ONLY)
        .send()
        .await
        .unwrap();
    let attached = iam
        .list_policies()
        .only_attached(true)
        .send()
        .await
        .unwrap();
    assert_eq!(names(&attached), ["IAMReadOnlyAccess"]);

    // Scope=All pages through both, by name, without losing or repeating any.
    let mut all = Vec::new();
    let mut marker = None;
    loop {
        let page = iam
            .list_policies()
            .max_items(3)
            .set_marker(marker)
            .send()
            .await
            .unwrap();
        assert!(page.policies().len() <= 3);
        all.extend(names(&page));
        if !page.is_truncated() {
            break;
        }
        marker = page.marker().map(str::to_owned);
    }
    let mut expected = aws_names;
    expected.push("mine".to_owned());
    expected.sort_by_key(|n| n.to_ascii_lowercase());
    assert_eq!(all, expected);
}

#[tokio::test]
async fn aws_managed_policies_cannot_be_changed_or_deleted() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let (code, message) = error_of(iam.delete_policy().policy_arn(ADMIN).send().await);
    assert_eq!(code, "AccessDenied");
    assert!(
        message.starts_with(&format!(
            "User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: iam:DeletePolicy \
             on resource: {ADMIN}"
        )),
        "{message}"
    );
    // Even for a user whose policies allow everything.
    let ada = user_with_client(&server, "ada").await;
    iam.attach_user_policy()
        .user_name("ada")
        .policy_arn(ADMIN)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(ada.delete_policy().policy_arn(ADMIN).send().await);
    assert_eq!(code, "AccessDenied");
    ada.get_policy().policy_arn(ADMIN).send().await.unwrap();
    let (code, _) = error_of(
        iam.create_policy_version()
            .policy_arn(ADMIN)
            .policy_document(
                r#"{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}"#,
            )
            .set_as_default(true)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    let (code, _) = error_of(
        iam.delete_policy_version()
            .policy_arn(IAM_READ_ONLY)
            .version_id("v4")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    let (code, _) = error_of(
        iam.set_default_policy_version()
            .policy_arn(IAM_READ_ONLY)
            .version_id("v1")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    // Still there, unchanged.
    let policy = iam.get_policy().policy_arn(ADMIN).send().await.unwrap();
    assert_eq!(policy.policy().unwrap().default_version_id(), Some("v1"));
}
