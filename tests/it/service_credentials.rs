//! Service-specific credentials: passwords for CodeCommit and Keyspaces, API keys for
//! Bedrock, each secret shown once.

use aws_sdk_iam::types::StatusType;

use crate::common::{ACCOUNT, TestServer, error_of};

const CODECOMMIT: &str = "codecommit.amazonaws.com";

#[tokio::test]
async fn a_codecommit_password_is_shown_once_reset_disabled_and_deleted() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("ann").send().await.unwrap();
    let created = iam
        .create_service_specific_credential()
        .user_name("ann")
        .service_name(CODECOMMIT)
        .send()
        .await
        .unwrap()
        .service_specific_credential
        .unwrap();
    assert!(created.service_specific_credential_id.starts_with("ACCA"));
    assert_eq!(created.service_user_name, format!("ann-at-{ACCOUNT}"));
    let password = created.service_password.clone();
    assert_eq!(password.len(), 44);
    assert_eq!(created.status, StatusType::Active);
    assert_eq!(created.service_name, CODECOMMIT);
    assert_eq!(created.service_credential_secret, None);
    let id = created.service_specific_credential_id;

    let listed = iam
        .list_service_specific_credentials()
        .user_name("ann")
        .send()
        .await
        .unwrap()
        .service_specific_credentials
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].service_specific_credential_id, id);
    assert_eq!(listed[0].service_user_name, format!("ann-at-{ACCOUNT}"));

    let reset = iam
        .reset_service_specific_credential()
        .user_name("ann")
        .service_specific_credential_id(&id)
        .send()
        .await
        .unwrap()
        .service_specific_credential
        .unwrap();
    let new_password = reset.service_password;
    assert_eq!(new_password.len(), 44);
    assert_ne!(new_password, password);

    iam.update_service_specific_credential()
        .user_name("ann")
        .service_specific_credential_id(&id)
        .status(StatusType::Inactive)
        .send()
        .await
        .unwrap();
    let listed = iam
        .list_service_specific_credentials()
        .user_name("ann")
        .service_name(CODECOMMIT)
        .send()
        .await
        .unwrap()
        .service_specific_credentials
        .unwrap();
    assert_eq!(listed[0].status, StatusType::Inactive);

    let (code, message) = error_of(iam.delete_user().user_name("ann").send().await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "DeleteConflict",
            "Cannot delete entity, must delete service specific credentials first."
        )
    );
    iam.delete_service_specific_credential()
        .user_name("ann")
        .service_specific_credential_id(&id)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(
        iam.delete_service_specific_credential()
            .user_name("ann")
            .service_specific_credential_id(&id)
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
    iam.delete_user().user_name("ann").send().await.unwrap();
}

#[tokio::test]
async fn two_credentials_per_user_and_service_of_supported_services_only() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("ann").send().await.unwrap();
    iam.create_user().user_name("bob").send().await.unwrap();
    let create = |user: &str, service: &str| {
        iam.create_service_specific_credential()
            .user_name(user)
            .service_name(service)
            .send()
    };
    let (code, _) = error_of(create("ann", "s3.amazonaws.com").await);
    assert_eq!(code, "NotSupportedService");
    let (code, _) = error_of(create("nobody", CODECOMMIT).await);
    assert_eq!(code, "NoSuchEntity");
    create("ann", CODECOMMIT).await.unwrap();
    create("ann", CODECOMMIT).await.unwrap();
    let (code, message) = error_of(create("ann", CODECOMMIT).await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "LimitExceeded",
            "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2"
        )
    );
    create("ann", "cassandra.amazonaws.com").await.unwrap();
    create("bob", CODECOMMIT).await.unwrap();

    let keyspaces = iam
        .list_service_specific_credentials()
        .user_name("ann")
        .service_name("cassandra.amazonaws.com")
        .send()
        .await
        .unwrap();
    assert_eq!(keyspaces.service_specific_credentials.unwrap().len(), 1);
    let everyone = iam
        .list_service_specific_credentials()
        .all_users(true)
        .service_name(CODECOMMIT)
        .send()
        .await
        .unwrap()
        .service_specific_credentials
        .unwrap();
    let users: Vec<_> = everyone.iter().map(|c| c.user_name.as_str()).collect();
    assert_eq!(users, ["ann", "ann", "bob"]);
    let (code, _) = error_of(
        iam.list_service_specific_credentials()
            .all_users(true)
            .user_name("ann")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidInput");
    let (code, _) = error_of(
        iam.list_service_specific_credentials()
            .user_name("ann")
            .service_name("s3.amazonaws.com")
            .send()
            .await,
    );
    assert_eq!(code, "NotSupportedService");
}

#[tokio::test]
async fn a_bedrock_api_key_has_an_alias_a_secret_and_expires() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("ml").send().await.unwrap();
    let (code, _) = error_of(
        iam.create_service_specific_credential()
            .user_name("ml")
            .service_name(CODECOMMIT)
            .credential_age_days(30)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidInput", "only API keys expire");
    let created = iam
        .create_service_specific_credential()
        .user_name("ml")
        .service_name("bedrock.amazonaws.com")
        .credential_age_days(1)
        .send()
        .await
        .unwrap()
        .service_specific_credential
        .unwrap();
    let alias = created.service_credential_alias.unwrap();
    assert!(alias.starts_with("BedrockAPIKey-ml-"), "{alias}");
    assert!(alias.ends_with(&format!("-at-{ACCOUNT}")), "{alias}");
    assert!(created.service_credential_secret.is_some());
    // The SDK's model still calls these required: absent, they read as empty.
    assert_eq!(created.service_password, "");
    assert_eq!(created.service_user_name, "");
    let expires = created.expiration_date.unwrap();
    assert_eq!(expires.secs() - created.create_date.secs(), 86_400);

    server
        .admin()
        .post("clock/advance", r#"{"seconds": 86401}"#)
        .await;
    let listed = iam
        .list_service_specific_credentials()
        .user_name("ml")
        .send()
        .await
        .unwrap()
        .service_specific_credentials
        .unwrap();
    assert_eq!(listed[0].status, StatusType::Expired);
    assert!(listed[0].service_credential_alias.is_some());
}
