//! GetAccountAuthorizationDetails: every user, group, role and managed policy with their
//! relationships, filtered by kind and paged across the four lists together.

use aws_sdk_iam::types::{EntityType, Tag};

use crate::common::{ACCOUNT, RawRequest, Signing, TestServer, decode, error_of};

const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
const ALLOW_S3: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
const TRUST_EC2: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

/// A user in a group, a role in an instance profile, each with inline and attached policies;
/// a customer managed policy with two versions. Returns that policy's ARN.
async fn populate(iam: &aws_sdk_iam::Client) -> String {
    let policy = iam
        .create_policy()
        .policy_name("S3Access")
        .policy_document(ALLOW_S3)
        .description("s3 only")
        .send()
        .await
        .unwrap()
        .policy
        .unwrap();
    let policy_arn = policy.arn.unwrap();
    iam.create_policy_version()
        .policy_arn(&policy_arn)
        .policy_document(ALLOW_ALL)
        .set_as_default(true)
        .send()
        .await
        .unwrap();

    iam.create_user()
        .user_name("alice")
        .permissions_boundary(&policy_arn)
        .tags(tag("team", "blue"))
        .send()
        .await
        .unwrap();
    iam.put_user_policy()
        .user_name("alice")
        .policy_name("inline-alice")
        .policy_document(ALLOW_S3)
        .send()
        .await
        .unwrap();
    iam.attach_user_policy()
        .user_name("alice")
        .policy_arn(&policy_arn)
        .send()
        .await
        .unwrap();
    iam.create_group().group_name("devs").send().await.unwrap();
    iam.add_user_to_group()
        .group_name("devs")
        .user_name("alice")
        .send()
        .await
        .unwrap();
    iam.put_group_policy()
        .group_name("devs")
        .policy_name("inline-devs")
        .policy_document(ALLOW_S3)
        .send()
        .await
        .unwrap();
    iam.attach_group_policy()
        .group_name("devs")
        .policy_arn(ADMIN)
        .send()
        .await
        .unwrap();

    iam.create_role()
        .role_name("app")
        .assume_role_policy_document(TRUST_EC2)
        .tags(tag("env", "dev"))
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name("app")
        .policy_name("inline-app")
        .policy_document(ALLOW_S3)
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name("app")
        .policy_arn(&policy_arn)
        .send()
        .await
        .unwrap();
    iam.create_instance_profile()
        .instance_profile_name("app-profile")
        .send()
        .await
        .unwrap();
    iam.add_role_to_instance_profile()
        .instance_profile_name("app-profile")
        .role_name("app")
        .send()
        .await
        .unwrap();
    policy_arn
}

#[tokio::test]
async fn the_snapshot_shows_every_entity_and_how_they_relate() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let policy_arn = populate(&iam).await;

    let details = iam
        .get_account_authorization_details()
        .send()
        .await
        .unwrap();
    assert!(!details.is_truncated());

    let [user] = details.user_detail_list() else {
        panic!("one user: {details:?}")
    };
    assert_eq!(user.user_name(), Some("alice"));
    assert_eq!(
        user.arn(),
        Some(format!("arn:aws:iam::{ACCOUNT}:user/alice").as_str())
    );
    let inline = &user.user_policy_list()[0];
    assert_eq!(inline.policy_name(), Some("inline-alice"));
    assert_eq!(decode(inline.policy_document().unwrap()), ALLOW_S3);
    assert_eq!(user.group_list(), ["devs"]);
    assert_eq!(
        user.attached_managed_policies()[0].policy_arn(),
        Some(policy_arn.as_str())
    );
    assert_eq!(
        user.permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn()),
        Some(policy_arn.as_str())
    );
    assert_eq!(user.tags()[0].key(), "team");

    let [group] = details.group_detail_list() else {
        panic!("one group: {details:?}")
    };
    assert_eq!(group.group_name(), Some("devs"));
    assert_eq!(
        group.group_policy_list()[0].policy_name(),
        Some("inline-devs")
    );
    assert_eq!(
        group.attached_managed_policies()[0].policy_name(),
        Some("AdministratorAccess")
    );

    let [role] = details.role_detail_list() else {
        panic!("one role: {details:?}")
    };
    assert_eq!(role.role_name(), Some("app"));
    assert_eq!(
        decode(role.assume_role_policy_document().unwrap()),
        TRUST_EC2
    );
    let profile = &role.instance_profile_list()[0];
    assert_eq!(profile.instance_profile_name(), "app-profile");
    assert_eq!(profile.roles()[0].role_name(), "app");
    assert_eq!(role.role_policy_list()[0].policy_name(), Some("inline-app"));
    assert_eq!(
        role.attached_managed_policies()[0].policy_name(),
        Some("S3Access")
    );
    assert_eq!(role.tags()[0].value(), "dev");
    assert!(role.role_last_used().is_some());

    // The account's policy with both versions and their documents; of AWS's, only the one
    // attached to something.
    let names: Vec<_> = details
        .policies()
        .iter()
        .map(|p| p.policy_name().unwrap())
        .collect();
    assert_eq!(names, ["S3Access", "AdministratorAccess"]);
    let local = &details.policies()[0];
    assert_eq!(local.default_version_id(), Some("v2"));
    assert_eq!(local.attachment_count(), Some(2));
    assert_eq!(local.permissions_boundary_usage_count(), Some(1));
    assert_eq!(local.description(), Some("s3 only"));
    let versions = local.policy_version_list();
    assert_eq!(versions.len(), 2);
    let v1 = versions
        .iter()
        .find(|v| v.version_id() == Some("v1"))
        .unwrap();
    assert_eq!(decode(v1.document().unwrap()), ALLOW_S3);
    assert!(!v1.is_default_version());
    let admin = &details.policies()[1];
    assert_eq!(admin.arn(), Some(ADMIN));
    assert!(
        decode(admin.policy_version_list()[0].document().unwrap()).contains("\"Action\": \"*\"")
            || decode(admin.policy_version_list()[0].document().unwrap())
                .contains("\"Action\":\"*\"")
    );
}

#[tokio::test]
async fn a_filter_keeps_only_the_kinds_it_names() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    populate(&iam).await;

    let roles_only = iam
        .get_account_authorization_details()
        .filter(EntityType::Role)
        .send()
        .await
        .unwrap();
    assert_eq!(roles_only.role_detail_list().len(), 1);
    assert!(roles_only.user_detail_list().is_empty());
    assert!(roles_only.group_detail_list().is_empty());
    assert!(roles_only.policies().is_empty());

    let policies = iam
        .get_account_authorization_details()
        .filter(EntityType::AwsManagedPolicy)
        .filter(EntityType::User)
        .send()
        .await
        .unwrap();
    assert_eq!(policies.user_detail_list().len(), 1);
    assert!(policies.role_detail_list().is_empty());
    let names: Vec<_> = policies
        .policies()
        .iter()
        .map(|p| p.policy_name().unwrap())
        .collect();
    assert_eq!(names, ["AdministratorAccess"]);

    let local = iam
        .get_account_authorization_details()
        .filter(EntityType::LocalManagedPolicy)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = local
        .policies()
        .iter()
        .map(|p| p.policy_name().unwrap())
        .collect();
    assert_eq!(names, ["S3Access"]);
}

#[tokio::test]
async fn pages_of_one_item_add_up_to_the_whole_snapshot() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    populate(&iam).await;
    iam.create_user().user_name("bob").send().await.unwrap();

    let whole = iam
        .get_account_authorization_details()
        .send()
        .await
        .unwrap();
    let (mut users, mut groups, mut roles, mut policies) = (vec![], vec![], vec![], vec![]);
    let mut marker = None;
    let mut pages = 0;
    loop {
        let page = iam
            .get_account_authorization_details()
            .max_items(1)
            .set_marker(marker)
            .send()
            .await
            .unwrap();
        pages += 1;
        let items = page.user_detail_list().len()
            + page.group_detail_list().len()
            + page.role_detail_list().len()
            + page.policies().len();
        assert_eq!(items, 1, "one item a page: {page:?}");
        users.extend(page.user_detail_list().iter().cloned());
        groups.extend(page.group_detail_list().iter().cloned());
        roles.extend(page.role_detail_list().iter().cloned());
        policies.extend(page.policies().iter().cloned());
        if !page.is_truncated() {
            assert!(page.marker().is_none());
            break;
        }
        marker = page.marker().map(str::to_owned);
        assert!(pages < 20, "paging ends");
    }
    // alice, bob, devs, app, S3Access, AdministratorAccess
    assert_eq!(pages, 6);
    assert_eq!(users, whole.user_detail_list());
    assert_eq!(groups, whole.group_detail_list());
    assert_eq!(roles, whole.role_detail_list());
    assert_eq!(policies, whole.policies());
}

#[tokio::test]
async fn no_secret_appears_in_the_snapshot() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    populate(&iam).await;
    let key = iam
        .create_access_key()
        .user_name("alice")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let password = "Corr3ct-Horse-Battery!";
    iam.create_login_profile()
        .user_name("alice")
        .password(password)
        .send()
        .await
        .unwrap();
    iam.update_assume_role_policy()
        .role_name("app")
        .policy_document(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"sts:AssumeRole"}}]}}"#
        ))
        .send()
        .await
        .unwrap();
    // Roles are assumed by users, not by root.
    let session = server
        .sts_as(&key.access_key_id, &key.secret_access_key)
        .assume_role()
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/app"))
        .role_session_name("snapshot")
        .send()
        .await
        .unwrap()
        .credentials
        .unwrap();

    let response = server
        .raw()
        .signed(
            &RawRequest::form("Action=GetAccountAuthorizationDetails&Version=2010-05-08"),
            &Signing::iam(),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let body = &response.body;
    assert!(body.contains("<UserName>alice</UserName>"));
    for secret in [
        key.secret_access_key.as_str(),
        password,
        session.secret_access_key.as_str(),
        session.session_token.as_str(),
    ] {
        assert!(!body.contains(secret), "a secret is in the snapshot");
    }
    // Nor anything that is only about credentials.
    assert!(!body.contains(&key.access_key_id));
    assert!(!body.contains("PasswordHash") && !body.contains("Salt"));
}

#[tokio::test]
async fn a_bad_filter_or_marker_and_a_caller_without_permission_are_refused() {
    let server = TestServer::spawn().await;
    let iam = server.iam();

    let (code, message) = error_of(
        iam.get_account_authorization_details()
            .filter(EntityType::from("Everything"))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");
    assert!(message.contains("Everything"), "{message}");

    let (code, _) = error_of(
        iam.get_account_authorization_details()
            .marker("not-a-marker")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidInput");

    iam.create_user().user_name("nobody").send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name("nobody")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let (code, message) = error_of(
        server
            .iam_as(&key.access_key_id, &key.secret_access_key)
            .get_account_authorization_details()
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    assert!(
        message.contains("iam:GetAccountAuthorizationDetails"),
        "{message}"
    );
}
