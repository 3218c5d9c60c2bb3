//! Login profiles, checked against the password policy, and users changing their password.

use crate::common::{TestServer, error_of};

const CHANGE_OWN_PASSWORD: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:ChangePassword", "Resource": "arn:aws:iam::*:user/${aws:username}"}}"#;

#[tokio::test]
async fn a_login_profile_lives_through_create_get_update_and_delete() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("ann").send().await.unwrap();
    let (code, message) = error_of(
        iam.create_login_profile()
            .user_name("ann")
            .password("short")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "PasswordPolicyViolation",
            "Password does not conform to the account password policy."
        )
    );
    let profile = iam
        .create_login_profile()
        .user_name("ann")
        .password("Correct-Horse-1")
        .password_reset_required(true)
        .send()
        .await
        .unwrap()
        .login_profile
        .unwrap();
    assert_eq!(profile.user_name, "ann");
    assert!(profile.password_reset_required);
    let (code, message) = error_of(
        iam.create_login_profile()
            .user_name("ann")
            .password("Correct-Horse-1")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "EntityAlreadyExists",
            "Login Profile for user ann already exists."
        )
    );

    iam.update_account_password_policy()
        .minimum_password_length(20)
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        iam.update_login_profile()
            .user_name("ann")
            .password("Correct-Horse-2")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "PasswordPolicyViolation",
            "Password should have a minimum length of 20"
        )
    );
    iam.update_login_profile()
        .user_name("ann")
        .password_reset_required(false)
        .send()
        .await
        .unwrap();
    let profile = iam
        .get_login_profile()
        .user_name("ann")
        .send()
        .await
        .unwrap()
        .login_profile
        .unwrap();
    assert!(!profile.password_reset_required);

    let (code, message) = error_of(iam.delete_user().user_name("ann").send().await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "DeleteConflict",
            "Cannot delete entity, must delete login profile first."
        )
    );
    iam.delete_login_profile()
        .user_name("ann")
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(iam.get_login_profile().user_name("ann").send().await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "NoSuchEntity",
            "Login Profile for User ann cannot be found."
        )
    );
    iam.delete_user().user_name("ann").send().await.unwrap();
    let (code, _) = error_of(
        iam.create_login_profile()
            .user_name("ann")
            .password("Correct-Horse-Battery-Staple-1")
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
}

#[tokio::test]
async fn the_password_is_never_stored() {
    let dir = std::env::temp_dir().join(format!(
        "iamlocal-it-login-{}-{:?}",
        std::process::id(),
        std::time::SystemTime::now()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("state.db");
    let server = TestServer::spawn_with(|c| c.db = Some(db.clone())).await;
    let iam = server.iam();
    iam.create_user().user_name("ann").send().await.unwrap();
    iam.create_login_profile()
        .user_name("ann")
        .password("Very-Secret-Passw0rd")
        .send()
        .await
        .unwrap();
    server.stop().await;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes.windows(11).any(|w| w == b"Very-Secret"),
            "the password is in the database"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_user_changes_their_own_password_knowing_the_old_one() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("bob").send().await.unwrap();
    iam.create_login_profile()
        .user_name("bob")
        .password("First-Passw0rd")
        .password_reset_required(true)
        .send()
        .await
        .unwrap();
    let key = iam
        .create_access_key()
        .user_name("bob")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let bob = server.iam_as(&key.access_key_id, &key.secret_access_key);

    let (code, _) = error_of(
        bob.change_password()
            .old_password("First-Passw0rd")
            .new_password("Second-Passw0rd")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied", "no policy allows it yet");
    iam.put_user_policy()
        .user_name("bob")
        .policy_name("own-password")
        .policy_document(CHANGE_OWN_PASSWORD)
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        bob.change_password()
            .old_password("Wrong-Passw0rd")
            .new_password("Second-Passw0rd")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("AccessDenied", "The old password is incorrect.")
    );
    let (code, _) = error_of(
        bob.change_password()
            .old_password("First-Passw0rd")
            .new_password("weak")
            .send()
            .await,
    );
    assert_eq!(code, "PasswordPolicyViolation");
    bob.change_password()
        .old_password("First-Passw0rd")
        .new_password("Second-Passw0rd")
        .send()
        .await
        .unwrap();
    let profile = iam
        .get_login_profile()
        .user_name("bob")
        .send()
        .await
        .unwrap()
        .login_profile
        .unwrap();
    assert!(!profile.password_reset_required, "a new password clears it");
    let (code, _) = error_of(
        bob.change_password()
            .old_password("First-Passw0rd")
            .new_password("Third-Passw0rd")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied", "the old password changed");

    let (code, message) = error_of(
        iam.change_password()
            .old_password("a")
            .new_password("b")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "InvalidUserType",
            "Only IAM Users can change their own password."
        )
    );
}

#[tokio::test]
async fn an_invalid_password_is_not_echoed() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("ann").send().await.unwrap();
    let long = format!("Secret-{}", "x".repeat(130));
    let (code, message) = error_of(
        iam.create_login_profile()
            .user_name("ann")
            .password(&long)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");
    assert_eq!(
        message,
        "1 validation error detected: Value at 'password' failed to satisfy constraint: \
         Member must have length less than or equal to 128"
    );
}

#[tokio::test]
async fn the_password_policy_can_forbid_reusing_recent_passwords() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("dee").send().await.unwrap();
    iam.create_login_profile()
        .user_name("dee")
        .password("First-Passw0rd")
        .send()
        .await
        .unwrap();
    let key = iam
        .create_access_key()
        .user_name("dee")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let dee = server.iam_as(&key.access_key_id, &key.secret_access_key);
    iam.update_account_password_policy()
        .allow_users_to_change_password(true)
        .password_reuse_prevention(2)
        .send()
        .await
        .unwrap();
    let change = |old: &'static str, new: &'static str| {
        dee.change_password()
            .old_password(old)
            .new_password(new)
            .send()
    };
    change("First-Passw0rd", "Second-Passw0rd").await.unwrap();
    let (code, message) = error_of(change("Second-Passw0rd", "First-Passw0rd").await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "PasswordPolicyViolation",
            "Password cannot be one of the last 2 passwords used."
        )
    );
    change("Second-Passw0rd", "Third-Passw0rd").await.unwrap();
    // Two back is forgotten.
    change("Third-Passw0rd", "First-Passw0rd").await.unwrap();
}

#[tokio::test]
async fn the_password_policy_can_let_every_user_change_their_password() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("cy").send().await.unwrap();
    iam.create_login_profile()
        .user_name("cy")
        .password("First-Passw0rd")
        .send()
        .await
        .unwrap();
    let key = iam
        .create_access_key()
        .user_name("cy")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let cy = server.iam_as(&key.access_key_id, &key.secret_access_key);
    iam.update_account_password_policy()
        .allow_users_to_change_password(true)
        .send()
        .await
        .unwrap();
    cy.change_password()
        .old_password("First-Passw0rd")
        .new_password("Second-Passw0rd")
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(cy.get_login_profile().send().await);
    assert_eq!(code, "AccessDenied");
}
