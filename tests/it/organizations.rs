//! What a standalone account (in no organization, not an IAM delegation partner) is
//! answered: centralized root access, Organizations access reports, `AssumeRoot`,
//! delegation requests and their summaries. Every one authorizes the caller first.

use aws_sdk_iam::types::{DelegationPermission, PolicyParameter};
use aws_sdk_sts::types::PolicyDescriptorType;

use crate::common::{ACCOUNT, TestServer, error_of};
use crate::sts::user_with_key;

const ORGANIZATION_NOT_FOUND: (&str, &str) = (
    "OrganizationNotFoundException",
    "The request was rejected because no organization is associated with your account.",
);

#[tokio::test]
async fn centralized_root_access_needs_an_organization() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let answers = [
        error_of(iam.list_organizations_features().send().await),
        error_of(
            iam.enable_organizations_root_credentials_management()
                .send()
                .await,
        ),
        error_of(
            iam.disable_organizations_root_credentials_management()
                .send()
                .await,
        ),
        error_of(iam.enable_organizations_root_sessions().send().await),
        error_of(iam.disable_organizations_root_sessions().send().await),
        error_of(
            iam.generate_organizations_access_report()
                .entity_path("o-a1b2c3d4e5/r-f6g7h8i9")
                .send()
                .await,
        ),
    ];
    for (code, message) in answers {
        assert_eq!((code.as_str(), message.as_str()), ORGANIZATION_NOT_FOUND);
    }
    let err = iam.list_organizations_features().send().await.unwrap_err();
    assert!(
        err.as_service_error()
            .unwrap()
            .is_organization_not_found_exception()
    );
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 400);

    let (code, _) = error_of(
        iam.get_organizations_access_report()
            .job_id("3f2f8a4e-6b7c-4d1e-9a0b-1c2d3e4f5a6b")
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
    let (code, _) = error_of(
        iam.generate_organizations_access_report()
            .entity_path("not-an-organization-path")
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");

    // Authorization comes first: a user with no permissions is denied, not told.
    let (key, secret) = user_with_key(&server, "alice").await;
    let (code, message) = error_of(
        server
            .iam_as(&key, &secret)
            .list_organizations_features()
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    assert!(
        message.contains("iam:ListOrganizationsFeatures"),
        "{message}"
    );
}

#[tokio::test]
async fn assume_root_needs_an_organizations_management_account() {
    let server = TestServer::spawn().await;
    let task = PolicyDescriptorType::builder()
        .arn("arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials")
        .build();
    let (code, _) = error_of(
        server
            .sts()
            .assume_root()
            .target_principal("111122223333")
            .task_policy_arn(task.clone())
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");

    let (key, secret) = user_with_key(&server, "admin").await;
    server
        .iam()
        .put_user_policy()
        .user_name("admin")
        .policy_name("root")
        .policy_document(r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sts:AssumeRoot", "Resource": "*"}}"#)
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        server
            .sts_as(&key, &secret)
            .assume_root()
            .target_principal(ACCOUNT)
            .task_policy_arn(task)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    assert!(message.contains("management account"), "{message}");
}

#[tokio::test]
async fn a_standalone_account_has_no_delegation_requests() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let listed = iam.list_delegation_requests().send().await.unwrap();
    assert!(listed.delegation_requests().is_empty());
    assert!(!listed.is_truncated());

    let id = "dr-0123456789abcdef";
    let answers = [
        error_of(
            iam.get_delegation_request()
                .delegation_request_id(id)
                .send()
                .await,
        ),
        error_of(
            iam.accept_delegation_request()
                .delegation_request_id(id)
                .send()
                .await,
        ),
        error_of(
            iam.reject_delegation_request()
                .delegation_request_id(id)
                .notes("not mine")
                .send()
                .await,
        ),
        error_of(
            iam.associate_delegation_request()
                .delegation_request_id(id)
                .send()
                .await,
        ),
        error_of(
            iam.update_delegation_request()
                .delegation_request_id(id)
                .send()
                .await,
        ),
        error_of(
            iam.send_delegation_token()
                .delegation_request_id(id)
                .send()
                .await,
        ),
    ];
    for (code, message) in answers {
        assert_eq!(code, "NoSuchEntity");
        assert!(message.contains(id), "{message}");
    }
    let (code, _) = error_of(
        iam.get_delegation_request()
            .delegation_request_id("short")
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");

    // Only onboarded partners create requests.
    let permissions = DelegationPermission::builder()
        .policy_template_arn("arn:aws:iam::aws:policy-template/Example")
        .parameters(
            PolicyParameter::builder()
                .name("bucket")
                .values("b")
                .build(),
        )
        .build();
    let (code, _) = error_of(
        iam.create_delegation_request()
            .description("deploy")
            .permissions(permissions)
            .requestor_workflow_id("workflow-1")
            .notification_channel("arn:aws:sns:us-east-1:111122223333:topic")
            .session_duration(3600)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");

    // No request was ever accepted, so no trade-in token exists.
    let (code, _) = error_of(
        server
            .sts()
            .get_delegated_access_token()
            .trade_in_token("anything")
            .send()
            .await,
    );
    assert_eq!(code, "ExpiredTradeInTokenException");
}

#[tokio::test]
async fn human_readable_summaries_are_of_delegation_requests_only() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let (code, message) = error_of(
        iam.get_human_readable_summary()
            .entity_arn(format!(
                "arn:aws:iam::{ACCOUNT}:delegation-request/dr-0123456789abcdef"
            ))
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
    assert!(message.contains("dr-0123456789abcdef"), "{message}");
    let (code, _) = error_of(
        iam.get_human_readable_summary()
            .entity_arn(format!("arn:aws:iam::{ACCOUNT}:user/alice"))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidInput");
}
