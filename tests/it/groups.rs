//! Groups, and the permissions they lend their members.

use crate::common::{ACCOUNT, TestServer, decode, error_of};

const READ_USERS: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": ["iam:ListUsers", "iam:GetUser"], "Resource": "*"}}"#;

#[tokio::test]
async fn a_group_lives_through_create_get_update_and_delete() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let group = iam
        .create_group()
        .group_name("devs")
        .path("/eng/")
        .send()
        .await
        .unwrap()
        .group
        .unwrap();
    assert_eq!(group.arn, format!("arn:aws:iam::{ACCOUNT}:group/eng/devs"));
    assert!(group.group_id.starts_with("AGPA"));
    let (code, message) = error_of(iam.create_group().group_name("DEVS").send().await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "EntityAlreadyExists",
            "Group with name DEVS already exists."
        )
    );

    for name in ["ann", "ben", "cat"] {
        iam.create_user().user_name(name).send().await.unwrap();
        iam.add_user_to_group()
            .group_name("devs")
            .user_name(name)
            .send()
            .await
            .unwrap();
    }
    let page = iam
        .get_group()
        .group_name("devs")
        .max_items(2)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = page.users().iter().map(|u| u.user_name()).collect();
    assert_eq!(names, ["ann", "ben"]);
    assert!(page.is_truncated());
    let rest = iam
        .get_group()
        .group_name("devs")
        .marker(page.marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.users().len(), 1);
    let groups = iam
        .list_groups_for_user()
        .user_name("ann")
        .send()
        .await
        .unwrap();
    assert_eq!(groups.groups()[0].group_name(), "devs");

    let (code, message) = error_of(iam.delete_user().user_name("ann").send().await);
    assert_eq!(code, "DeleteConflict");
    assert_eq!(
        message,
        "Cannot delete entity, must remove user from all groups first."
    );
    let (code, message) = error_of(iam.delete_group().group_name("devs").send().await);
    assert_eq!(code, "DeleteConflict");
    assert_eq!(
        message,
        "Cannot delete entity, must remove users from group first."
    );

    iam.update_group()
        .group_name("devs")
        .new_group_name("builders")
        .send()
        .await
        .unwrap();
    let listed = iam.list_groups().path_prefix("/eng/").send().await.unwrap();
    assert_eq!(listed.groups()[0].group_name(), "builders");
    for name in ["ann", "ben", "cat"] {
        iam.remove_user_from_group()
            .group_name("builders")
            .user_name(name)
            .send()
            .await
            .unwrap();
    }
    let (code, _) = error_of(
        iam.remove_user_from_group()
            .group_name("builders")
            .user_name("ann")
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
    iam.delete_group()
        .group_name("builders")
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(iam.get_group().group_name("builders").send().await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "NoSuchEntity",
            "The group with name builders cannot be found."
        )
    );
}

#[tokio::test]
async fn members_get_their_groups_policies_and_lose_them_on_leaving() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("dan").send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name("dan")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let dan = server.iam_as(&key.access_key_id, &key.secret_access_key);
    iam.create_group()
        .group_name("readers")
        .send()
        .await
        .unwrap();
    iam.put_group_policy()
        .group_name("readers")
        .policy_name("read")
        .policy_document(READ_USERS)
        .send()
        .await
        .unwrap();

    let (code, _) = error_of(dan.list_users().send().await);
    assert_eq!(code, "AccessDenied");
    iam.add_user_to_group()
        .group_name("readers")
        .user_name("dan")
        .send()
        .await
        .unwrap();
    dan.list_users().send().await.unwrap();

    // An attached managed policy of the group counts too.
    let policy = iam
        .create_policy()
        .policy_name("ListRoles")
        .policy_document(r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"}}"#)
        .send()
        .await
        .unwrap()
        .policy
        .unwrap();
    iam.attach_group_policy()
        .group_name("readers")
        .policy_arn(policy.arn().unwrap())
        .send()
        .await
        .unwrap();
    dan.list_roles().send().await.unwrap();
    let attached = iam
        .list_attached_group_policies()
        .group_name("readers")
        .send()
        .await
        .unwrap();
    assert_eq!(attached.attached_policies().len(), 1);

    iam.remove_user_from_group()
        .group_name("readers")
        .user_name("dan")
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(dan.list_users().send().await);
    assert_eq!(code, "AccessDenied");
    let (code, message) = error_of(iam.delete_group().group_name("readers").send().await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "DeleteConflict",
            "Cannot delete entity, must delete policies first."
        )
    );
}

#[tokio::test]
async fn a_group_s_policies_are_read_listed_detached_and_deleted() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_group().group_name("ops").send().await.unwrap();
    iam.put_group_policy()
        .group_name("ops")
        .policy_name("read")
        .policy_document(READ_USERS)
        .send()
        .await
        .unwrap();
    let got = iam
        .get_group_policy()
        .group_name("ops")
        .policy_name("read")
        .send()
        .await
        .unwrap();
    assert_eq!(got.group_name(), "ops");
    let document = decode(got.policy_document());
    assert!(document.contains("iam:ListUsers"), "{document}");
    let (code, _) = error_of(
        iam.get_group_policy()
            .group_name("ops")
            .policy_name("missing")
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
    let names = iam
        .list_group_policies()
        .group_name("ops")
        .send()
        .await
        .unwrap();
    assert_eq!(names.policy_names(), ["read"]);
    let (code, _) = error_of(iam.list_group_policies().group_name("nobody").send().await);
    assert_eq!(code, "NoSuchEntity");

    let arn = "arn:aws:iam::aws:policy/IAMReadOnlyAccess";
    let (code, _) = error_of(
        iam.detach_group_policy()
            .group_name("ops")
            .policy_arn(arn)
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity", "detaching what is not attached");
    iam.attach_group_policy()
        .group_name("ops")
        .policy_arn(arn)
        .send()
        .await
        .unwrap();
    iam.detach_group_policy()
        .group_name("ops")
        .policy_arn(arn)
        .send()
        .await
        .unwrap();
    let attached = iam
        .list_attached_group_policies()
        .group_name("ops")
        .send()
        .await
        .unwrap();
    assert!(attached.attached_policies().is_empty());

    iam.delete_group_policy()
        .group_name("ops")
        .policy_name("read")
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(
        iam.delete_group_policy()
            .group_name("ops")
            .policy_name("read")
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
    iam.delete_group().group_name("ops").send().await.unwrap();
}
