//! The credential report: generated at most every four hours, read back as base64 CSV with
//! AWS's columns, the root first, never a secret.

use crate::common::{ACCOUNT, TestServer, error_of};

/// AWS's columns, in its order (IAM User Guide, "Understanding the report format").
const AWS_COLUMNS: &str = "user,arn,user_creation_time,password_enabled,password_last_used,\
password_last_changed,password_next_rotation,mfa_active,access_key_1_active,\
access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,\
access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,\
access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,\
cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

/// The report's lines, each split into fields by column name.
async fn report(iam: &aws_sdk_iam::Client) -> (String, Vec<Vec<(String, String)>>) {
    let got = iam.get_credential_report().send().await.unwrap();
    assert_eq!(got.report_format().map(|f| f.as_str()), Some("text/csv"));
    assert!(got.generated_time().is_some());
    let csv = String::from_utf8(got.content().unwrap().as_ref().to_vec()).unwrap();
    let mut lines = csv.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|line| {
            header
                .iter()
                .cloned()
                .zip(line.split(',').map(String::from))
                .collect()
        })
        .collect();
    (csv, rows)
}

fn field<'a>(row: &'a [(String, String)], column: &str) -> &'a str {
    &row.iter().find(|(c, _)| c == column).unwrap().1
}

fn row_of<'a>(rows: &'a [Vec<(String, String)>], user: &str) -> &'a [(String, String)] {
    rows.iter().find(|r| field(r, "user") == user).unwrap()
}

#[tokio::test]
async fn there_is_no_report_until_one_is_generated() {
    let server = TestServer::spawn().await;
    let (code, _) = error_of(server.iam().get_credential_report().send().await);
    assert_eq!(code, "ReportNotPresent");
}

#[tokio::test]
async fn generating_starts_then_completes_and_the_report_has_aws_columns() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("alice").send().await.unwrap();

    let started = iam.generate_credential_report().send().await.unwrap();
    assert_eq!(started.state().map(|s| s.as_str()), Some("STARTED"));
    assert!(started.description().is_some());
    let again = iam.generate_credential_report().send().await.unwrap();
    assert_eq!(again.state().map(|s| s.as_str()), Some("COMPLETE"));

    let (csv, rows) = report(&iam).await;
    assert_eq!(csv.lines().next(), Some(AWS_COLUMNS));
    let root = &rows[0];
    assert_eq!(field(root, "user"), "<root_account>");
    assert_eq!(field(root, "arn"), format!("arn:aws:iam::{ACCOUNT}:root"));
    assert_eq!(field(root, "password_enabled"), "not_supported");
    assert_eq!(field(root, "password_next_rotation"), "not_supported");

    let alice = row_of(&rows, "alice");
    assert_eq!(
        field(alice, "arn"),
        format!("arn:aws:iam::{ACCOUNT}:user/alice")
    );
    assert!(field(alice, "user_creation_time").ends_with("+00:00"));
    assert_eq!(field(alice, "password_enabled"), "false");
    assert_eq!(field(alice, "password_last_used"), "N/A");
    assert_eq!(field(alice, "password_last_changed"), "N/A");
    assert_eq!(field(alice, "mfa_active"), "false");
    assert_eq!(field(alice, "access_key_1_active"), "false");
    assert_eq!(field(alice, "access_key_1_last_used_date"), "N/A");
    assert_eq!(field(alice, "cert_1_active"), "false");
    assert_eq!(field(alice, "cert_2_last_rotated"), "N/A");

    // A report is kept for four hours: a user made since is not in it.
    iam.create_user().user_name("bob").send().await.unwrap();
    let (_, rows) = report(&iam).await;
    assert!(rows.iter().all(|r| field(r, "user") != "bob"));
}

#[tokio::test]
async fn a_used_key_and_a_password_show_in_the_report_but_no_secret() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("carol").send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name("carol")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let password = "Sup3r-Secret-Passw0rd!";
    iam.create_login_profile()
        .user_name("carol")
        .password(password)
        .send()
        .await
        .unwrap();
    server
        .sts_as(&key.access_key_id, &key.secret_access_key)
        .get_caller_identity()
        .send()
        .await
        .unwrap();

    iam.generate_credential_report().send().await.unwrap();
    let (csv, rows) = report(&iam).await;
    let carol = row_of(&rows, "carol");
    assert_eq!(field(carol, "password_enabled"), "true");
    assert_eq!(field(carol, "password_last_used"), "no_information");
    assert!(field(carol, "password_last_changed").ends_with("+00:00"));
    assert_eq!(field(carol, "access_key_1_active"), "true");
    assert!(field(carol, "access_key_1_last_rotated").ends_with("+00:00"));
    assert!(field(carol, "access_key_1_last_used_date").ends_with("+00:00"));
    assert_eq!(field(carol, "access_key_1_last_used_region"), "us-east-1");
    assert_eq!(field(carol, "access_key_1_last_used_service"), "sts");
    assert_eq!(field(carol, "access_key_2_active"), "false");
    assert_eq!(field(carol, "access_key_2_last_rotated"), "N/A");

    assert!(!csv.contains(&key.secret_access_key));
    assert!(!csv.contains(password));
}

#[tokio::test]
async fn a_report_expires_after_four_hours_and_is_generated_anew() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.generate_credential_report().send().await.unwrap();
    iam.create_user().user_name("dave").send().await.unwrap();

    server
        .admin()
        .post("clock/advance", r#"{"seconds": 14401}"#)
        .await;
    let (code, _) = error_of(iam.get_credential_report().send().await);
    assert_eq!(code, "ReportExpired");

    let started = iam.generate_credential_report().send().await.unwrap();
    assert_eq!(started.state().map(|s| s.as_str()), Some("STARTED"));
    let (_, rows) = report(&iam).await;
    assert!(rows.iter().any(|r| field(r, "user") == "dave"));
}

#[tokio::test]
async fn a_caller_without_permission_cannot_generate_or_read_the_report() {
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
    let (code, _) = error_of(eve.generate_credential_report().send().await);
    assert_eq!(code, "AccessDenied");
    let (code, _) = error_of(eve.get_credential_report().send().await);
    assert_eq!(code, "AccessDenied");
}

#[tokio::test]
async fn a_signing_certificate_shows_in_the_report() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("carol").send().await.unwrap();
    iam.create_user().user_name("dave").send().await.unwrap();
    iam.upload_signing_certificate()
        .user_name("carol")
        .certificate_body(include_str!("fixtures/server_cert.pem"))
        .send()
        .await
        .unwrap();
    iam.generate_credential_report().send().await.unwrap();
    let (_, rows) = report(&iam).await;
    let carol = row_of(&rows, "carol");
    assert_eq!(field(carol, "cert_1_active"), "true");
    assert_ne!(field(carol, "cert_1_last_rotated"), "N/A");
    assert_eq!(field(carol, "cert_2_active"), "false");
    assert_eq!(field(carol, "mfa_active"), "false");
    let dave = row_of(&rows, "dave");
    assert_eq!(field(dave, "cert_1_active"), "false");
    assert_eq!(field(dave, "cert_1_last_rotated"), "N/A");
}
