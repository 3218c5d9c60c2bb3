//! Account settings: the alias, the password policy and the account summary.

use aws_sdk_iam::types::SummaryKeyType;

use crate::common::{TestServer, error_of};

#[tokio::test]
async fn an_account_has_one_alias_that_no_other_account_can_take() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    assert!(
        iam.list_account_aliases()
            .send()
            .await
            .unwrap()
            .account_aliases
            .is_empty()
    );
    iam.create_account_alias()
        .account_alias("my-corp")
        .send()
        .await
        .unwrap();
    iam.create_account_alias()
        .account_alias("my-corp-2")
        .send()
        .await
        .unwrap();
    let aliases = iam.list_account_aliases().send().await.unwrap();
    assert_eq!(aliases.account_aliases, ["my-corp-2"]);
    assert!(!aliases.is_truncated);

    // Another account: a 12-digit key id signed with the root secret is that account's root.
    let other = server.iam_as("111111111111", "test");
    let (code, message) = error_of(
        other
            .create_account_alias()
            .account_alias("my-corp-2")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "EntityAlreadyExists",
            "The account alias my-corp-2 already exists."
        )
    );

    for bad in ["My-Corp", "a--b", "-ab", "ab"] {
        let (code, _) = error_of(iam.create_account_alias().account_alias(bad).send().await);
        assert_eq!(code, "ValidationError", "{bad}");
    }
    let (code, message) = error_of(
        iam.delete_account_alias()
            .account_alias("my-corp")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("NoSuchEntity", "The account alias my-corp cannot be found.")
    );
    iam.delete_account_alias()
        .account_alias("my-corp-2")
        .send()
        .await
        .unwrap();
    other
        .create_account_alias()
        .account_alias("my-corp-2")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn the_password_policy_is_set_read_and_deleted() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let missing = "The Password Policy with domain name 000000000000 cannot be found.";
    let (code, message) = error_of(iam.get_account_password_policy().send().await);
    assert_eq!((code.as_str(), message.as_str()), ("NoSuchEntity", missing));
    iam.update_account_password_policy()
        .minimum_password_length(12)
        .require_symbols(true)
        .max_password_age(90)
        .allow_users_to_change_password(true)
        .send()
        .await
        .unwrap();
    let policy = iam
        .get_account_password_policy()
        .send()
        .await
        .unwrap()
        .password_policy
        .unwrap();
    assert_eq!(policy.minimum_password_length, Some(12));
    assert!(policy.require_symbols && !policy.require_numbers);
    assert!(policy.allow_users_to_change_password && policy.expire_passwords);
    assert_eq!(policy.max_password_age, Some(90));
    assert_eq!(policy.password_reuse_prevention, None);

    // Members left out go back to their defaults.
    iam.update_account_password_policy()
        .require_numbers(true)
        .send()
        .await
        .unwrap();
    let policy = iam
        .get_account_password_policy()
        .send()
        .await
        .unwrap()
        .password_policy
        .unwrap();
    assert_eq!(policy.minimum_password_length, Some(6));
    assert!(!policy.require_symbols && policy.require_numbers && !policy.expire_passwords);

    let (code, _) = error_of(
        iam.update_account_password_policy()
            .minimum_password_length(5)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");
    iam.delete_account_password_policy().send().await.unwrap();
    let (code, message) = error_of(iam.delete_account_password_policy().send().await);
    assert_eq!((code.as_str(), message.as_str()), ("NoSuchEntity", missing));
}

#[tokio::test]
async fn the_account_summary_counts_what_the_account_holds() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    for name in ["a", "b"] {
        iam.create_user().user_name(name).send().await.unwrap();
    }
    iam.create_group().group_name("g").send().await.unwrap();
    iam.create_instance_profile()
        .instance_profile_name("p")
        .send()
        .await
        .unwrap();
    iam.attach_user_policy()
        .user_name("a")
        .policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
        .send()
        .await
        .unwrap();
    iam.create_open_id_connect_provider()
        .url("https://token.actions.githubusercontent.com")
        .client_id_list("sts.amazonaws.com")
        .send()
        .await
        .unwrap();
    let summary = iam
        .get_account_summary()
        .send()
        .await
        .unwrap()
        .summary_map
        .unwrap();
    let get = |k: &str| summary[&SummaryKeyType::from(k)];
    assert_eq!(get("Users"), 2);
    assert_eq!(get("Groups"), 1);
    assert_eq!(get("Roles"), 0);
    assert_eq!(get("InstanceProfiles"), 1);
    assert_eq!(get("PolicyVersionsInUse"), 1);
    assert_eq!(get("Providers"), 1);
    assert_eq!(get("AccessKeysPerUserQuota"), 2);
    assert_eq!(get("UsersQuota"), 5000);
    assert_eq!(summary.len(), 34, "every key of AWS's SummaryMap");
}

#[tokio::test]
async fn a_user_without_permission_cannot_read_account_settings() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
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
    let (code, _) = error_of(eve.get_account_summary().send().await);
    assert_eq!(code, "AccessDenied");
    let (code, _) = error_of(
        eve.create_account_alias()
            .account_alias("x-y-z")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
}
