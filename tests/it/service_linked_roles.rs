//! Service-linked roles: named, placed and trusted as the service defines, protected from
//! changes, deleted through a deletion task.

use crate::common::{ACCOUNT, TestServer, decode, error_of};

const BEANSTALK: &str = "elasticbeanstalk.amazonaws.com";
const BEANSTALK_ROLE: &str = "AWSServiceRoleForElasticBeanstalk";
const ALLOW_S3: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;

async fn create_beanstalk_role(iam: &aws_sdk_iam::Client) -> aws_sdk_iam::types::Role {
    iam.create_service_linked_role()
        .aws_service_name(BEANSTALK)
        .description("for beanstalk")
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
}

#[tokio::test]
async fn a_service_linked_role_is_named_placed_and_trusted_as_aws_does() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let role = create_beanstalk_role(&iam).await;
    assert_eq!(role.role_name(), BEANSTALK_ROLE);
    assert_eq!(
        role.path(),
        "/aws-service-role/elasticbeanstalk.amazonaws.com/"
    );
    assert_eq!(
        role.arn(),
        format!(
            "arn:aws:iam::{ACCOUNT}:role/aws-service-role/elasticbeanstalk.amazonaws.com/{BEANSTALK_ROLE}"
        )
    );
    assert_eq!(role.description(), Some("for beanstalk"));
    let trust: serde_json::Value =
        serde_json::from_str(&decode(role.assume_role_policy_document().unwrap())).unwrap();
    let statement = &trust["Statement"][0];
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(statement["Principal"]["Service"], BEANSTALK);
    assert_eq!(statement["Action"], "sts:AssumeRole");

    let got = iam
        .get_role()
        .role_name(BEANSTALK_ROLE)
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    assert_eq!(got.role_id(), role.role_id());

    let (code, message) = error_of(
        iam.create_service_linked_role()
            .aws_service_name(BEANSTALK)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidInput");
    assert!(message.contains("has been taken"), "{message}");
}

#[tokio::test]
async fn unknown_services_and_unwanted_suffixes_are_invalid_input() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let (code, _) = error_of(
        iam.create_service_linked_role()
            .aws_service_name("nosuchservice.amazonaws.com")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidInput");

    let (code, message) = error_of(
        iam.create_service_linked_role()
            .aws_service_name(BEANSTALK)
            .custom_suffix("mine")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidInput");
    assert_eq!(
        message,
        format!("Custom suffix is not allowed for {BEANSTALK}")
    );

    // Auto Scaling takes a suffix, joined with an underscore.
    let role = iam
        .create_service_linked_role()
        .aws_service_name("autoscaling.amazonaws.com")
        .custom_suffix("fleet")
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    assert_eq!(role.role_name(), "AWSServiceRoleForAutoScaling_fleet");
}

#[tokio::test]
async fn a_service_linked_role_cannot_be_changed_or_deleted_as_a_plain_role() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    create_beanstalk_role(&iam).await;
    let expected = format!(
        "Cannot perform the operation on the protected role '{BEANSTALK_ROLE}' - this role is only modifiable by AWS"
    );
    let admin = "arn:aws:iam::aws:policy/AdministratorAccess";

    let refusals = [
        error_of(iam.delete_role().role_name(BEANSTALK_ROLE).send().await),
        error_of(
            iam.put_role_policy()
                .role_name(BEANSTALK_ROLE)
                .policy_name("extra")
                .policy_document(ALLOW_S3)
                .send()
                .await,
        ),
        error_of(
            iam.delete_role_policy()
                .role_name(BEANSTALK_ROLE)
                .policy_name("extra")
                .send()
                .await,
        ),
        error_of(
            iam.update_assume_role_policy()
                .role_name(BEANSTALK_ROLE)
                .policy_document(format!(
                    r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"sts:AssumeRole"}}]}}"#
                ))
                .send()
                .await,
        ),
        error_of(
            iam.attach_role_policy()
                .role_name(BEANSTALK_ROLE)
                .policy_arn(admin)
                .send()
                .await,
        ),
        error_of(
            iam.detach_role_policy()
                .role_name(BEANSTALK_ROLE)
                .policy_arn(admin)
                .send()
                .await,
        ),
        error_of(
            iam.put_role_permissions_boundary()
                .role_name(BEANSTALK_ROLE)
                .permissions_boundary(admin)
                .send()
                .await,
        ),
    ];
    for (code, message) in refusals {
        assert_eq!(code, "UnmodifiableEntity");
        assert_eq!(message, expected);
    }

    // The description stays the caller's to edit.
    iam.update_role_description()
        .role_name(BEANSTALK_ROLE)
        .description("edited")
        .send()
        .await
        .unwrap();

    // Nor can a plain role be put under the service-linked path.
    let (code, message) = error_of(
        iam.create_role()
            .role_name("impostor")
            .path("/aws-service-role/elasticbeanstalk.amazonaws.com/")
            .assume_role_policy_document(format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"sts:AssumeRole"}}]}}"#
            ))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidInput");
    assert!(message.contains("/aws-service-role/"), "{message}");
}

#[tokio::test]
async fn deleting_runs_a_task_whose_status_can_be_read() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    create_beanstalk_role(&iam).await;

    let task_id = iam
        .delete_service_linked_role()
        .role_name(BEANSTALK_ROLE)
        .send()
        .await
        .unwrap()
        .deletion_task_id;
    let prefix = format!("task/aws-service-role/{BEANSTALK}/{BEANSTALK_ROLE}/");
    assert!(task_id.starts_with(&prefix), "{task_id}");
    let status = iam
        .get_service_linked_role_deletion_status()
        .deletion_task_id(&task_id)
        .send()
        .await
        .unwrap();
    assert_eq!(status.status().as_str(), "SUCCEEDED");
    assert!(status.reason().is_none());
    let (code, _) = error_of(iam.get_role().role_name(BEANSTALK_ROLE).send().await);
    assert_eq!(code, "NoSuchEntity");

    // The role can be made again, as the service would.
    create_beanstalk_role(&iam).await;

    let (code, _) = error_of(
        iam.get_service_linked_role_deletion_status()
            .deletion_task_id(format!("{prefix}00000000-0000-4000-8000-000000000000"))
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
    let (code, _) = error_of(
        iam.get_service_linked_role_deletion_status()
            .deletion_task_id("not-a-task")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidInput");
}

#[tokio::test]
async fn only_service_linked_roles_that_exist_can_be_deleted_so() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let (code, _) = error_of(
        iam.delete_service_linked_role()
            .role_name("AWSServiceRoleForNothing")
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");

    iam.create_role()
        .role_name("plain")
        .assume_role_policy_document(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"sts:AssumeRole"}}]}}"#
        ))
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(
        iam.delete_service_linked_role()
            .role_name("plain")
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
    iam.get_role().role_name("plain").send().await.unwrap();
}

#[tokio::test]
async fn a_deletion_fails_while_an_instance_profile_holds_the_role() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    create_beanstalk_role(&iam).await;
    iam.create_instance_profile()
        .instance_profile_name("eb")
        .send()
        .await
        .unwrap();
    iam.add_role_to_instance_profile()
        .instance_profile_name("eb")
        .role_name(BEANSTALK_ROLE)
        .send()
        .await
        .unwrap();

    let task_id = iam
        .delete_service_linked_role()
        .role_name(BEANSTALK_ROLE)
        .send()
        .await
        .unwrap()
        .deletion_task_id;
    let status = iam
        .get_service_linked_role_deletion_status()
        .deletion_task_id(&task_id)
        .send()
        .await
        .unwrap();
    assert_eq!(status.status().as_str(), "FAILED");
    assert!(status.reason().and_then(|r| r.reason()).is_some());
    iam.get_role()
        .role_name(BEANSTALK_ROLE)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn the_aws_service_name_condition_key_decides_who_creates_which_role() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("ops").send().await.unwrap();
    iam.put_user_policy()
        .user_name("ops")
        .policy_name("slr")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateServiceLinkedRole","Resource":"arn:aws:iam::*:role/aws-service-role/*","Condition":{"StringEquals":{"iam:AWSServiceName":"autoscaling.amazonaws.com"}}}]}"#,
        )
        .send()
        .await
        .unwrap();
    let key = iam
        .create_access_key()
        .user_name("ops")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let ops = server.iam_as(&key.access_key_id, &key.secret_access_key);

    ops.create_service_linked_role()
        .aws_service_name("autoscaling.amazonaws.com")
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        ops.create_service_linked_role()
            .aws_service_name(BEANSTALK)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    assert!(message.contains("iam:CreateServiceLinkedRole"), "{message}");
}
