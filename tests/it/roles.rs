use aws_sdk_iam::types::Tag;

use crate::common::{ACCOUNT, TestServer, decode, error_of};

pub fn trust(principal: &str) -> String {
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"AWS": "{principal}"}}, "Action": "sts:AssumeRole"}}]}}"#
    )
}

#[tokio::test]
async fn a_role_lives_through_create_get_update_tag_and_delete() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let document = trust(&format!("arn:aws:iam::{ACCOUNT}:root"));
    let role = iam
        .create_role()
        .role_name("deployer")
        .path("/ci/")
        .description("deploys things")
        .assume_role_policy_document(&document)
        .tags(Tag::builder().key("team").value("core").build().unwrap())
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    assert_eq!(role.arn, format!("arn:aws:iam::{ACCOUNT}:role/ci/deployer"));
    assert!(role.role_id.starts_with("AROA"));
    assert_eq!(role.max_session_duration, Some(3600));

    let got = iam
        .get_role()
        .role_name("deployer")
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    let decoded = percent_encoding::percent_decode_str(got.assume_role_policy_document().unwrap())
        .decode_utf8()
        .unwrap();
    assert_eq!(decoded, document);
    assert_eq!(got.description(), Some("deploys things"));
    assert_eq!(got.tags().len(), 1);

    iam.update_role()
        .role_name("deployer")
        .max_session_duration(7200)
        .send()
        .await
        .unwrap();
    let updated = iam
        .update_role_description()
        .role_name("deployer")
        .description("ships")
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    assert_eq!(updated.description(), Some("ships"));
    assert_eq!(updated.max_session_duration, Some(7200));
    let (code, _) = error_of(
        iam.update_role()
            .role_name("deployer")
            .max_session_duration(60)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");

    let listed = iam.list_roles().path_prefix("/ci/").send().await.unwrap();
    assert_eq!(listed.roles().len(), 1);
    iam.untag_role()
        .role_name("deployer")
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    assert!(
        iam.list_role_tags()
            .role_name("deployer")
            .send()
            .await
            .unwrap()
            .tags()
            .is_empty()
    );

    iam.put_role_policy()
        .role_name("deployer")
        .policy_name("p")
        .policy_document(r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}}"#)
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(iam.delete_role().role_name("deployer").send().await);
    assert_eq!(code, "DeleteConflict");
    assert_eq!(message, "Cannot delete entity, must delete policies first.");
    assert_eq!(
        iam.list_role_policies()
            .role_name("deployer")
            .send()
            .await
            .unwrap()
            .policy_names(),
        ["p"]
    );
    iam.delete_role_policy()
        .role_name("deployer")
        .policy_name("p")
        .send()
        .await
        .unwrap();
    iam.delete_role()
        .role_name("deployer")
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(iam.get_role().role_name("deployer").send().await);
    assert_eq!(code, "NoSuchEntity");
    assert_eq!(message, "The role with name deployer cannot be found.");
}

#[tokio::test]
async fn a_trust_policy_must_name_a_principal_and_names_are_unique() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let no_principal = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole"}}"#;
    let (code, message) = error_of(
        iam.create_role()
            .role_name("r")
            .assume_role_policy_document(no_principal)
            .send()
            .await,
    );
    assert_eq!(code, "MalformedPolicyDocument");
    assert_eq!(message, "Missing required field Principal");

    let document = trust(&format!("arn:aws:iam::{ACCOUNT}:root"));
    iam.create_role()
        .role_name("r")
        .assume_role_policy_document(&document)
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        iam.create_role()
            .role_name("R")
            .assume_role_policy_document(&document)
            .send()
            .await,
    );
    assert_eq!(code, "EntityAlreadyExists");
    assert_eq!(message, "Role with name R already exists.");
}

async fn trust_answer(iam: &aws_sdk_iam::Client, role: &str, principal: &str) -> Option<String> {
    let created = iam
        .create_role()
        .role_name(role)
        .assume_role_policy_document(trust(principal))
        .send()
        .await;
    if created.is_ok() {
        return None;
    }
    let (code, message) = error_of(created);
    Some(format!("{code}: {message}"))
}

#[tokio::test]
async fn a_trust_policy_naming_a_missing_user_or_role_of_a_known_account_is_malformed() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user()
        .user_name("alice")
        .path("/team/")
        .send()
        .await
        .unwrap();
    // Another account iamlocal holds, once its root has called.
    server
        .iam_as("222233334444", "test")
        .create_user()
        .user_name("carol")
        .send()
        .await
        .unwrap();

    for missing in [
        format!("arn:aws:iam::{ACCOUNT}:user/nobody"),
        format!("arn:aws:iam::{ACCOUNT}:role/ghost"),
        // The path is part of the principal's ARN.
        format!("arn:aws:iam::{ACCOUNT}:user/alice"),
        // A role cannot trust itself before it exists.
        format!("arn:aws:iam::{ACCOUNT}:role/selfish"),
        "arn:aws:iam::222233334444:user/nobody".to_owned(),
    ] {
        assert_eq!(
            trust_answer(&iam, "selfish", &missing).await.as_deref(),
            Some(&*format!(
                "MalformedPolicyDocument: Invalid principal in policy: \"AWS\":\"{missing}\""
            )),
        );
    }
    for accepted in [
        format!("arn:aws:iam::{ACCOUNT}:user/team/alice"),
        format!("arn:aws:iam::{ACCOUNT}:root"),
        ACCOUNT.to_owned(),
        "arn:aws:iam::222233334444:user/carol".to_owned(),
        // iamlocal cannot know an account it does not hold: taken as written.
        "arn:aws:iam::999988887777:role/elsewhere".to_owned(),
        "*".to_owned(),
    ] {
        assert_eq!(
            trust_answer(&iam, "trusting", &accepted).await,
            None,
            "{accepted}"
        );
        iam.delete_role()
            .role_name("trusting")
            .send()
            .await
            .unwrap();
    }
    let service = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}"#;
    iam.create_role()
        .role_name("svc")
        .assume_role_policy_document(service)
        .send()
        .await
        .unwrap();

    let (code, message) = error_of(
        iam.update_assume_role_policy()
            .role_name("svc")
            .policy_document(trust(&format!("arn:aws:iam::{ACCOUNT}:role/ghost")))
            .send()
            .await,
    );
    assert_eq!(code, "MalformedPolicyDocument");
    assert_eq!(
        message,
        format!("Invalid principal in policy: \"AWS\":\"arn:aws:iam::{ACCOUNT}:role/ghost\"")
    );
    iam.update_assume_role_policy()
        .role_name("svc")
        .policy_document(trust(&format!("arn:aws:iam::{ACCOUNT}:role/svc")))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_role_s_tags_and_policies_are_read_back() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_role()
        .role_name("reader")
        .assume_role_policy_document(trust(&format!("arn:aws:iam::{ACCOUNT}:root")))
        .send()
        .await
        .unwrap();

    iam.tag_role()
        .role_name("reader")
        .tags(Tag::builder().key("env").value("test").build().unwrap())
        .send()
        .await
        .unwrap();
    let tags = iam
        .list_role_tags()
        .role_name("reader")
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().len(), 1);
    assert_eq!(
        (tags.tags()[0].key(), tags.tags()[0].value()),
        ("env", "test")
    );
    let (code, _) = error_of(
        iam.tag_role()
            .role_name("reader")
            .tags(Tag::builder().key("aws:owner").value("x").build().unwrap())
            .send()
            .await,
    );
    assert_eq!(code, "InvalidInput", "the aws: prefix is AWS's");
    let (code, _) = error_of(
        iam.tag_role()
            .role_name("nobody")
            .tags(Tag::builder().key("env").value("x").build().unwrap())
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");

    iam.put_role_policy()
        .role_name("reader")
        .policy_name("read")
        .policy_document(r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}}"#)
        .send()
        .await
        .unwrap();
    let got = iam
        .get_role_policy()
        .role_name("reader")
        .policy_name("read")
        .send()
        .await
        .unwrap();
    assert_eq!(got.role_name(), "reader");
    assert!(decode(got.policy_document()).contains("iam:Get*"));
    let (code, _) = error_of(
        iam.get_role_policy()
            .role_name("reader")
            .policy_name("write")
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");

    let arn = "arn:aws:iam::aws:policy/IAMReadOnlyAccess";
    iam.attach_role_policy()
        .role_name("reader")
        .policy_arn(arn)
        .send()
        .await
        .unwrap();
    let attached = iam
        .list_attached_role_policies()
        .role_name("reader")
        .send()
        .await
        .unwrap();
    assert_eq!(attached.attached_policies().len(), 1);
    assert_eq!(attached.attached_policies()[0].policy_arn(), Some(arn));
    let (code, _) = error_of(
        iam.list_attached_role_policies()
            .role_name("nobody")
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
}
