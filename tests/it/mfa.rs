//! Virtual MFA devices with real TOTP codes, and MFA in STS: the test computes each code
//! itself (RFC 6238) from the seed the server returned and the server's virtual clock.

use aws_sdk_iam::types::{AssignmentStatusType, Tag};
use ring::hmac;

use crate::common::{ACCOUNT, TestServer, error_of};
use crate::sts::user_with_key;

const ALLOW_ALL_IAM: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}}"#;

/// RFC 6238 with HMAC-SHA1, 30-second steps and 6 digits, apart from the server's own.
pub(crate) fn totp(seed_base32: &str, step: i64) -> String {
    let mut key = Vec::new();
    let (mut buffer, mut bits) = (0u64, 0);
    for c in seed_base32.bytes() {
        let value = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
            .iter()
            .position(|&b| b == c)
            .expect("base32") as u64;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            key.push((buffer >> bits) as u8);
        }
    }
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &key);
    let mac = hmac::sign(&key, &step.to_be_bytes());
    let mac = mac.as_ref();
    let at = usize::from(mac[19] & 0x0f);
    let n = u32::from_be_bytes(mac[at..at + 4].try_into().unwrap()) & 0x7fff_ffff;
    format!("{:06}", n % 1_000_000)
}

fn unix_seconds(clock: &serde_json::Value) -> i64 {
    let now = clock["now"].as_str().unwrap();
    time::OffsetDateTime::parse(now, &time::format_description::well_known::Rfc3339)
        .unwrap()
        .unix_timestamp()
}

/// Moves the server's clock just past the start of the next time step, so that the test
/// has most of a step before the codes change; returns that step.
pub(crate) async fn fresh_step(server: &TestServer) -> i64 {
    let admin = server.admin();
    let now = unix_seconds(&admin.get("clock").await);
    let seconds = 30 - now.rem_euclid(30) + 1;
    let clock = admin
        .post("clock/advance", &format!(r#"{{"seconds": {seconds}}}"#))
        .await;
    unix_seconds(&clock) / 30
}

/// A new virtual device: its serial number and base32 seed.
async fn new_device(server: &TestServer, name: &str) -> (String, String) {
    let device = server
        .iam()
        .create_virtual_mfa_device()
        .virtual_mfa_device_name(name)
        .send()
        .await
        .unwrap()
        .virtual_mfa_device
        .unwrap();
    let seed = String::from_utf8(device.base32_string_seed.unwrap().into_inner()).unwrap();
    (device.serial_number, seed)
}

/// A device enabled for the user with the two latest codes; returns (serial, seed).
pub(crate) async fn enabled_device(server: &TestServer, user: &str) -> (String, String) {
    let (serial, seed) = new_device(server, &format!("{user}-phone")).await;
    let step = fresh_step(server).await;
    server
        .iam()
        .enable_mfa_device()
        .user_name(user)
        .serial_number(&serial)
        .authentication_code1(totp(&seed, step - 1))
        .authentication_code2(totp(&seed, step))
        .send()
        .await
        .unwrap();
    (serial, seed)
}

async fn summary(server: &TestServer, key: &str) -> i32 {
    let summary = server.iam().get_account_summary().send().await.unwrap();
    summary.summary_map().unwrap()[&key.into()]
}

#[tokio::test]
async fn a_virtual_device_lives_through_create_enable_resync_deactivate_and_delete() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("mia").send().await.unwrap();
    let device = iam
        .create_virtual_mfa_device()
        .path("/team/")
        .virtual_mfa_device_name("mia-phone")
        .tags(Tag::builder().key("owner").value("mia").build().unwrap())
        .send()
        .await
        .unwrap()
        .virtual_mfa_device
        .unwrap();
    let serial = device.serial_number.clone();
    assert_eq!(serial, format!("arn:aws:iam::{ACCOUNT}:mfa/team/mia-phone"));
    let seed = String::from_utf8(device.base32_string_seed.unwrap().into_inner()).unwrap();
    assert_eq!(seed.len(), 64, "{seed}");
    let png = device.qr_code_png.unwrap().into_inner();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert_eq!(device.tags.unwrap()[0].value, "mia");
    let (code, message) = error_of(
        iam.create_virtual_mfa_device()
            .virtual_mfa_device_name("mia-phone")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "EntityAlreadyExists",
            "MFADevice entity at the same path and name already exists."
        )
    );
    let unassigned = iam
        .list_virtual_mfa_devices()
        .assignment_status(AssignmentStatusType::Unassigned)
        .send()
        .await
        .unwrap();
    assert_eq!(unassigned.virtual_mfa_devices[0].serial_number, serial);
    assert!(unassigned.virtual_mfa_devices[0].user.is_none());
    assert!(
        unassigned.virtual_mfa_devices[0]
            .base32_string_seed
            .is_none()
    );

    // Enabling needs two consecutive codes.
    let step = fresh_step(&server).await;
    for (first, second) in [
        (totp(&seed, step - 1), totp(&seed, step + 1)),
        (totp(&seed, step), totp(&seed, step - 1)),
        ("123456".into(), "654321".into()),
    ] {
        let (code, message) = error_of(
            iam.enable_mfa_device()
                .user_name("mia")
                .serial_number(&serial)
                .authentication_code1(first)
                .authentication_code2(second)
                .send()
                .await,
        );
        assert_eq!(
            (code.as_str(), message.as_str()),
            (
                "InvalidAuthenticationCode",
                "Authentication code for device is not valid."
            )
        );
    }
    iam.enable_mfa_device()
        .user_name("mia")
        .serial_number(&serial)
        .authentication_code1(totp(&seed, step - 1))
        .authentication_code2(totp(&seed, step))
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(
        iam.enable_mfa_device()
            .user_name("mia")
            .serial_number(&serial)
            .authentication_code1(totp(&seed, step))
            .authentication_code2(totp(&seed, step + 1))
            .send()
            .await,
    );
    assert_eq!(code, "EntityAlreadyExists");
    assert_eq!(summary(&server, "MFADevices").await, 1);
    assert_eq!(summary(&server, "MFADevicesInUse").await, 1);

    let assigned = iam
        .list_virtual_mfa_devices()
        .assignment_status(AssignmentStatusType::Assigned)
        .send()
        .await
        .unwrap();
    let listed = &assigned.virtual_mfa_devices[0];
    assert_eq!(listed.user.as_ref().unwrap().user_name, "mia");
    assert!(listed.enable_date.is_some());
    let unassigned = iam
        .list_virtual_mfa_devices()
        .assignment_status(AssignmentStatusType::Unassigned)
        .send()
        .await
        .unwrap();
    assert!(unassigned.virtual_mfa_devices.is_empty());
    let devices = iam
        .list_mfa_devices()
        .user_name("mia")
        .send()
        .await
        .unwrap();
    assert_eq!(devices.mfa_devices[0].serial_number, serial);
    let got = iam
        .get_mfa_device()
        .user_name("mia")
        .serial_number(&serial)
        .send()
        .await
        .unwrap();
    assert_eq!(got.user_name(), Some("mia"));

    // Tags, through the generic tag actions.
    iam.tag_mfa_device()
        .serial_number(&serial)
        .tags(Tag::builder().key("team").value("blue").build().unwrap())
        .send()
        .await
        .unwrap();
    iam.untag_mfa_device()
        .serial_number(&serial)
        .tag_keys("owner")
        .send()
        .await
        .unwrap();
    let tags = iam
        .list_mfa_device_tags()
        .serial_number(&serial)
        .send()
        .await
        .unwrap()
        .tags;
    assert_eq!(
        tags.iter()
            .map(|t| (t.key.as_str(), t.value.as_str()))
            .collect::<Vec<_>>(),
        [("team", "blue")]
    );

    // An enabled device holds on to its user, and the user to it.
    let (code, _) = error_of(
        iam.delete_virtual_mfa_device()
            .serial_number(&serial)
            .send()
            .await,
    );
    assert_eq!(code, "DeleteConflict");
    let (code, message) = error_of(iam.delete_user().user_name("mia").send().await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "DeleteConflict",
            "Cannot delete entity, must delete MFA device first."
        )
    );

    // Resynchronising also takes two consecutive codes.
    let step = fresh_step(&server).await;
    let (code, _) = error_of(
        iam.resync_mfa_device()
            .user_name("mia")
            .serial_number(&serial)
            .authentication_code1(totp(&seed, step + 1))
            .authentication_code2(totp(&seed, step + 3))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidAuthenticationCode");
    iam.resync_mfa_device()
        .user_name("mia")
        .serial_number(&serial)
        .authentication_code1(totp(&seed, step))
        .authentication_code2(totp(&seed, step + 1))
        .send()
        .await
        .unwrap();

    iam.deactivate_mfa_device()
        .user_name("mia")
        .serial_number(&serial)
        .send()
        .await
        .unwrap();
    assert!(
        iam.list_mfa_devices()
            .user_name("mia")
            .send()
            .await
            .unwrap()
            .mfa_devices
            .is_empty()
    );
    let (code, _) = error_of(
        iam.get_mfa_device()
            .user_name("mia")
            .serial_number(&serial)
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
    iam.delete_virtual_mfa_device()
        .serial_number(&serial)
        .send()
        .await
        .unwrap();
    iam.delete_user().user_name("mia").send().await.unwrap();
    assert_eq!(summary(&server, "MFADevices").await, 0);
    let (code, message) = error_of(
        iam.delete_virtual_mfa_device()
            .serial_number(&serial)
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "NoSuchEntity",
            format!("MFA Device with serial number {serial} does not exist.").as_str()
        )
    );
}

#[tokio::test]
async fn session_credentials_made_with_mfa_may_call_iam_and_each_code_works_once() {
    let server = TestServer::spawn().await;
    let (key, secret) = user_with_key(&server, "ida").await;
    server
        .iam()
        .put_user_policy()
        .user_name("ida")
        .policy_name("all")
        .policy_document(ALLOW_ALL_IAM)
        .send()
        .await
        .unwrap();
    let (serial, seed) = enabled_device(&server, "ida").await;
    // A user lists their own devices without naming themselves.
    let own = server
        .iam_as(&key, &secret)
        .list_mfa_devices()
        .send()
        .await
        .unwrap();
    assert_eq!(own.mfa_devices[0].serial_number, serial);

    let sts = server.sts_as(&key, &secret);
    let plain = sts.get_session_token().send().await.unwrap();
    let (code, _) = error_of(
        server
            .iam_temp(plain.credentials().unwrap())
            .list_users()
            .send()
            .await,
    );
    assert_eq!(code, "InvalidClientTokenId");

    let step = fresh_step(&server).await;
    let invalid = (
        "AccessDenied".to_owned(),
        "MultiFactorAuthentication failed with invalid MFA one time pass code.".to_owned(),
    );
    // The code of a step already used (by EnableMFADevice) and a wrong code are refused.
    for code in [totp(&seed, step - 1), "000000".into()] {
        let refused = error_of(
            sts.get_session_token()
                .serial_number(&serial)
                .token_code(code)
                .send()
                .await,
        );
        assert_eq!(refused, invalid);
    }
    let (code, message) = error_of(
        sts.get_session_token()
            .serial_number(format!("arn:aws:iam::{ACCOUNT}:mfa/someone-else"))
            .token_code(totp(&seed, step))
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    assert!(message.contains("unable to validate MFA code"), "{message}");

    let with_mfa = sts
        .get_session_token()
        .serial_number(&serial)
        .token_code(totp(&seed, step))
        .send()
        .await
        .unwrap();
    let users = server
        .iam_temp(with_mfa.credentials().unwrap())
        .list_users()
        .send()
        .await
        .unwrap();
    assert_eq!(users.users[0].user_name, "ida");
    let reused = error_of(
        sts.get_session_token()
            .serial_number(&serial)
            .token_code(totp(&seed, step))
            .send()
            .await,
    );
    assert_eq!(reused, invalid);
}

#[tokio::test]
async fn a_device_whose_clock_drifted_works_again_after_a_resync() {
    let server = TestServer::spawn().await;
    let (key, secret) = user_with_key(&server, "dan").await;
    let (serial, seed) = enabled_device(&server, "dan").await;
    let sts = server.sts_as(&key, &secret);
    // The device runs three minutes ahead: six steps.
    let step = fresh_step(&server).await;
    let (code, _) = error_of(
        sts.get_session_token()
            .serial_number(&serial)
            .token_code(totp(&seed, step + 6))
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    server
        .iam()
        .resync_mfa_device()
        .user_name("dan")
        .serial_number(&serial)
        .authentication_code1(totp(&seed, step + 6))
        .authentication_code2(totp(&seed, step + 7))
        .send()
        .await
        .unwrap();
    sts.get_session_token()
        .serial_number(&serial)
        .token_code(totp(&seed, step + 8))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_trust_policy_requiring_mfa_lets_in_only_callers_who_used_it() {
    let server = TestServer::spawn().await;
    let (key, secret) = user_with_key(&server, "bob").await;
    server
        .iam()
        .put_user_policy()
        .user_name("bob")
        .policy_name("assume")
        .policy_document(r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}}"#)
        .send()
        .await
        .unwrap();
    let (serial, seed) = enabled_device(&server, "bob").await;
    let trust = format!(
        r#"{{"Version": "2012-10-17", "Statement": {{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::{ACCOUNT}:user/bob"}}, "Action": "sts:AssumeRole", "Condition": {{"Bool": {{"aws:MultiFactorAuthPresent": "true"}}}}}}}}"#
    );
    // The role's sessions may list users while they carry MFA, and roles only while their
    // MFA is less than five minutes old.
    let permissions = r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
        {"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*",
         "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "300"}}}]}"#;
    let iam = server.iam();
    let role_arn = iam
        .create_role()
        .role_name("guarded")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
        .arn;
    iam.put_role_policy()
        .role_name("guarded")
        .policy_name("p")
        .policy_document(permissions)
        .send()
        .await
        .unwrap();

    let sts = server.sts_as(&key, &secret);
    let assume = || {
        sts.assume_role()
            .role_arn(&role_arn)
            .role_session_name("bob")
    };
    let (code, message) = error_of(assume().send().await);
    assert_eq!(code, "AccessDenied");
    assert!(
        message.contains("is not authorized to perform: sts:AssumeRole"),
        "{message}"
    );
    let step = fresh_step(&server).await;
    let (code, message) = error_of(
        assume()
            .serial_number(&serial)
            .token_code(totp(&seed, step + 2))
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "AccessDenied",
            "MultiFactorAuthentication failed with invalid MFA one time pass code."
        )
    );
    let session = assume()
        .serial_number(&serial)
        .token_code(totp(&seed, step))
        .send()
        .await
        .unwrap();
    let role_iam = server.iam_temp(session.credentials().unwrap());
    role_iam.list_users().send().await.unwrap();
    role_iam.list_roles().send().await.unwrap();
    server
        .admin()
        .post("clock/advance", r#"{"seconds": 600}"#)
        .await;
    role_iam.list_users().send().await.unwrap();
    let (code, _) = error_of(role_iam.list_roles().send().await);
    assert_eq!(code, "AccessDenied");

    // Session credentials made with MFA carry it into the role they assume.
    let step = fresh_step(&server).await;
    let with_mfa = sts
        .get_session_token()
        .serial_number(&serial)
        .token_code(totp(&seed, step))
        .send()
        .await
        .unwrap();
    server
        .sts_temp(with_mfa.credentials().unwrap())
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("chained")
        .send()
        .await
        .unwrap();
    let without = sts.get_session_token().send().await.unwrap();
    let (code, _) = error_of(
        server
            .sts_temp(without.credentials().unwrap())
            .assume_role()
            .role_arn(&role_arn)
            .role_session_name("chained")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
}

#[tokio::test]
async fn a_deny_unless_mfa_policy_tells_mfa_sessions_from_plain_keys() {
    let server = TestServer::spawn().await;
    let (key, secret) = user_with_key(&server, "eve").await;
    // AWS's own pattern: allow everything, deny deleting users without MFA.
    let policy = r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:DeleteUser", "Resource": "*",
         "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}"#;
    let iam = server.iam();
    iam.put_user_policy()
        .user_name("eve")
        .policy_name("mfa")
        .policy_document(policy)
        .send()
        .await
        .unwrap();
    iam.create_user().user_name("victim").send().await.unwrap();
    let (serial, seed) = enabled_device(&server, "eve").await;

    let (code, message) = error_of(
        server
            .iam_as(&key, &secret)
            .delete_user()
            .user_name("victim")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    assert!(message.contains("explicit deny"), "{message}");
    let step = fresh_step(&server).await;
    let session = server
        .sts_as(&key, &secret)
        .get_session_token()
        .serial_number(&serial)
        .token_code(totp(&seed, step))
        .send()
        .await
        .unwrap();
    server
        .iam_temp(session.credentials().unwrap())
        .delete_user()
        .user_name("victim")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn mfa_session_credentials_keep_their_mfa_across_a_restart() {
    let dir = std::env::temp_dir().join(format!("iamlocal-mfa-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("state.db");
    let _ = std::fs::remove_file(&db);
    let first = TestServer::spawn_with(|c| c.db = Some(db.clone())).await;
    let (key, secret) = user_with_key(&first, "kim").await;
    first
        .iam()
        .put_user_policy()
        .user_name("kim")
        .policy_name("all")
        .policy_document(ALLOW_ALL_IAM)
        .send()
        .await
        .unwrap();
    let (serial, seed) = enabled_device(&first, "kim").await;
    let step = fresh_step(&first).await;
    let session = first
        .sts_as(&key, &secret)
        .get_session_token()
        .serial_number(&serial)
        .token_code(totp(&seed, step))
        .send()
        .await
        .unwrap();
    first.stop().await;

    let second = TestServer::spawn_with(|c| c.db = Some(db.clone())).await;
    let devices = second
        .iam_temp(session.credentials().unwrap())
        .list_mfa_devices()
        .send()
        .await
        .unwrap();
    assert_eq!(devices.mfa_devices[0].serial_number, serial);
    second.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn the_credential_report_shows_who_has_mfa() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("erin").send().await.unwrap();
    iam.create_user().user_name("frank").send().await.unwrap();
    enabled_device(&server, "erin").await;
    iam.generate_credential_report().send().await.unwrap();
    let report = iam.get_credential_report().send().await.unwrap();
    let csv = String::from_utf8(report.content().unwrap().as_ref().to_vec()).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = header.iter().position(|c| *c == "mfa_active").unwrap();
    let mfa_of = |user: &str| {
        csv.lines()
            .find(|line| line.starts_with(&format!("{user},")))
            .map(|line| line.split(',').nth(column).unwrap().to_owned())
            .unwrap()
    };
    assert_eq!(mfa_of("erin"), "true");
    assert_eq!(mfa_of("frank"), "false");
}

/// Devices travel in the state document; their seeds only with `?secrets=true`.
#[tokio::test]
async fn devices_and_their_seeds_import_back_unchanged() {
    let server = TestServer::spawn().await;
    let (key, secret) = user_with_key(&server, "ida").await;
    let (serial, seed) = enabled_device(&server, "ida").await;
    server
        .iam()
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("spare")
        .path("/shelf/")
        .tags(Tag::builder().key("kind").value("spare").build().unwrap())
        .send()
        .await
        .unwrap();
    let admin = server.admin();
    let first = admin.get("state?secrets=true").await;
    let devices = &first["accounts"][0]["mfa_devices"];
    assert_eq!(devices[0]["name"], "ida-phone");
    assert_eq!(devices[0]["user"], "ida");
    assert_eq!(devices[0]["seed"], seed.as_str());
    assert!(devices[0]["enabled"].is_string());
    assert_eq!(devices[1]["path"], "/shelf/");
    assert_eq!(devices[1]["tags"][0]["key"], "kind");
    let plain = admin.get("state").await;
    assert!(!plain.to_string().contains(&seed), "{plain}");
    assert!(plain["accounts"][0]["mfa_devices"][0].get("seed").is_none());

    admin.post("reset", "").await;
    let imported = admin.put("state", &first.to_string()).await;
    assert_eq!(imported["imported"]["mfa_devices"], 2);
    assert_eq!(admin.get("state?secrets=true").await, first);
    // The seed came back: ida's codes still work.
    let step = fresh_step(&server).await;
    server
        .sts_as(&key, &secret)
        .get_session_token()
        .serial_number(&serial)
        .token_code(totp(&seed, step))
        .send()
        .await
        .unwrap();
    assert_eq!(summary(&server, "MFADevicesInUse").await, 1);

    // Without its seed an assigned device is refused; an unassigned one gets a new seed.
    let mut plain = plain;
    plain["accounts"][0]["users"][0]
        .as_object_mut()
        .unwrap()
        .remove("access_keys");
    let (status, body) = admin.call("PUT", "state", Some(&plain.to_string())).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("mfa_devices[0].seed"), "{body}");
    let mut spare_only = plain.clone();
    spare_only["accounts"][0]["mfa_devices"] =
        serde_json::json!([plain["accounts"][0]["mfa_devices"][1]]);
    admin.put("state", &spare_only.to_string()).await;
    let again = admin.get("state?secrets=true").await;
    let new_seed = again["accounts"][0]["mfa_devices"][0]["seed"]
        .as_str()
        .unwrap();
    assert_eq!(new_seed.len(), seed.len());
    assert_eq!(
        again["accounts"][0]["mfa_devices"][0]["name"], "spare",
        "{again}"
    );
}

/// Root's MFA: AWS enables it in the console; iamlocal takes root's own `EnableMFADevice`
/// without `UserName` for that step. Everything after it is as AWS shows root's MFA.
#[tokio::test]
async fn the_root_user_enables_uses_and_deactivates_its_own_device() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let (serial, seed) = new_device(&server, "root-phone").await;
    assert_eq!(serial, format!("arn:aws:iam::{ACCOUNT}:mfa/root-phone"));
    assert_eq!(summary(&server, "AccountMFAEnabled").await, 0);
    let step = fresh_step(&server).await;
    iam.enable_mfa_device()
        .serial_number(&serial)
        .authentication_code1(totp(&seed, step - 1))
        .authentication_code2(totp(&seed, step))
        .send()
        .await
        .unwrap();

    let own = iam.list_mfa_devices().send().await.unwrap();
    assert_eq!(own.mfa_devices.len(), 1);
    assert_eq!(own.mfa_devices[0].serial_number, serial);
    assert_eq!(own.mfa_devices[0].user_name, ACCOUNT);
    let assigned = iam
        .list_virtual_mfa_devices()
        .assignment_status(AssignmentStatusType::Assigned)
        .send()
        .await
        .unwrap();
    let user = assigned.virtual_mfa_devices[0].user().unwrap();
    assert_eq!(user.arn, format!("arn:aws:iam::{ACCOUNT}:root"));
    assert_eq!(user.user_id, ACCOUNT);
    assert_eq!(summary(&server, "AccountMFAEnabled").await, 1);
    assert_eq!(summary(&server, "MFADevicesInUse").await, 1);
    let (code, _) = error_of(
        iam.delete_virtual_mfa_device()
            .serial_number(&serial)
            .send()
            .await,
    );
    assert_eq!(code, "DeleteConflict");

    iam.generate_credential_report().send().await.unwrap();
    let report = iam.get_credential_report().send().await.unwrap();
    let csv = String::from_utf8(report.content().unwrap().as_ref().to_vec()).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let column = header.iter().position(|c| *c == "mfa_active").unwrap();
    let root_row = csv
        .lines()
        .find(|line| line.starts_with("<root_account>,"))
        .unwrap();
    assert_eq!(root_row.split(',').nth(column).unwrap(), "true");

    // Session credentials may call IAM only when made with MFA: root's code counts.
    let plain = server.sts().get_session_token().send().await.unwrap();
    let (code, _) = error_of(
        server
            .iam_temp(plain.credentials().unwrap())
            .list_users()
            .send()
            .await,
    );
    assert_eq!(code, "InvalidClientTokenId");
    let step = fresh_step(&server).await;
    let with_mfa = server
        .sts()
        .get_session_token()
        .serial_number(&serial)
        .token_code(totp(&seed, step))
        .send()
        .await
        .unwrap();
    server
        .iam_temp(with_mfa.credentials().unwrap())
        .list_users()
        .send()
        .await
        .unwrap();

    // The device travels in the state document as root's.
    let admin = server.admin();
    let state = admin.get("state?secrets=true").await;
    let device = &state["accounts"][0]["mfa_devices"][0];
    assert_eq!(device["root"], true, "{device}");
    assert!(device.get("user").is_none());
    admin.post("reset", "").await;
    admin.put("state", &state.to_string()).await;
    assert_eq!(admin.get("state?secrets=true").await, state);

    iam.deactivate_mfa_device()
        .serial_number(&serial)
        .send()
        .await
        .unwrap();
    assert!(
        iam.list_mfa_devices()
            .send()
            .await
            .unwrap()
            .mfa_devices
            .is_empty()
    );
    assert_eq!(summary(&server, "AccountMFAEnabled").await, 0);
    iam.delete_virtual_mfa_device()
        .serial_number(&serial)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_user_must_name_whom_a_device_is_enabled_for() {
    let server = TestServer::spawn().await;
    let (key, secret) = user_with_key(&server, "gus").await;
    server
        .iam()
        .put_user_policy()
        .user_name("gus")
        .policy_name("all")
        .policy_document(ALLOW_ALL_IAM)
        .send()
        .await
        .unwrap();
    let (serial, seed) = new_device(&server, "gus-phone").await;
    let step = fresh_step(&server).await;
    let (code, message) = error_of(
        server
            .iam_as(&key, &secret)
            .enable_mfa_device()
            .serial_number(&serial)
            .authentication_code1(totp(&seed, step - 1))
            .authentication_code2(totp(&seed, step))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");
    assert!(message.contains("'userName'"), "{message}");
}
