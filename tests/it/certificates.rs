//! Server certificates (with the private key checked, never returned) and users' signing
//! certificates. Fixtures made with openssl: `server_cert.pem`/`server_key.pem` (RSA 2048,
//! PKCS#8; `server_key_pkcs1.pem` the same key in PKCS#1), `ec_cert.pem`/`ec_key.pem`
//! (P-256, SEC1; `ec_key_pkcs8.pem` the same key in PKCS#8), `other_key.pem` and
//! `ec_other_key.pem` (unrelated keys), `third_cert.pem`; all valid until 2126.

use aws_sdk_iam::types::{StatusType, Tag};

use crate::common::{ACCOUNT, TestServer, error_of};

const SERVER_CERT: &str = include_str!("fixtures/server_cert.pem");
const SERVER_KEY: &str = include_str!("fixtures/server_key.pem");
const SERVER_KEY_PKCS1: &str = include_str!("fixtures/server_key_pkcs1.pem");
const OTHER_KEY: &str = include_str!("fixtures/other_key.pem");
const EC_CERT: &str = include_str!("fixtures/ec_cert.pem");
const EC_KEY: &str = include_str!("fixtures/ec_key.pem");
const EC_KEY_PKCS8: &str = include_str!("fixtures/ec_key_pkcs8.pem");
const EC_OTHER_KEY: &str = include_str!("fixtures/ec_other_key.pem");
const THIRD_CERT: &str = include_str!("fixtures/third_cert.pem");

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

async fn summary(iam: &aws_sdk_iam::Client, key: &str) -> i32 {
    let summary = iam.get_account_summary().send().await.unwrap();
    summary.summary_map.unwrap()[&key.into()]
}

#[tokio::test]
async fn a_server_certificate_lives_through_upload_get_list_rename_and_delete() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let uploaded = iam
        .upload_server_certificate()
        .server_certificate_name("web")
        .path("/cdn/")
        .certificate_body(SERVER_CERT)
        .private_key(SERVER_KEY)
        .tags(tag("team", "edge"))
        .send()
        .await
        .unwrap();
    let meta = uploaded.server_certificate_metadata.unwrap();
    assert!(meta.server_certificate_id.starts_with("ASCA"));
    assert_eq!(
        meta.arn,
        format!("arn:aws:iam::{ACCOUNT}:server-certificate/cdn/web")
    );
    // openssl x509 -enddate: notAfter=Nov  3 10:30:46 2126 GMT
    assert_eq!(
        meta.expiration.unwrap().secs(),
        time::macros::datetime!(2126-11-03 10:30:46 UTC).unix_timestamp()
    );
    assert_eq!(uploaded.tags.unwrap(), vec![tag("team", "edge")]);
    assert_eq!(summary(&iam, "ServerCertificates").await, 1);

    let got = iam
        .get_server_certificate()
        .server_certificate_name("web")
        .send()
        .await
        .unwrap()
        .server_certificate
        .unwrap();
    assert_eq!(got.certificate_body, SERVER_CERT);
    assert_eq!(got.server_certificate_metadata.unwrap().path, "/cdn/");
    // The private key is in no answer.
    let raw = server
        .raw()
        .signed(
            &crate::common::RawRequest::form(
                "Action=GetServerCertificate&Version=2010-05-08&ServerCertificateName=web",
            ),
            &crate::common::Signing::iam(),
        )
        .await;
    assert_eq!(raw.status, 200);
    let key_line = SERVER_KEY.lines().nth(1).unwrap();
    assert!(!raw.body.contains(key_line) && !raw.body.contains("PRIVATE KEY"));

    iam.upload_server_certificate()
        .server_certificate_name("api")
        .certificate_body(EC_CERT)
        .private_key(EC_KEY)
        .certificate_chain(format!("{SERVER_CERT}{THIRD_CERT}"))
        .send()
        .await
        .unwrap();
    let page = iam
        .list_server_certificates()
        .max_items(1)
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.server_certificate_metadata_list[0].server_certificate_name,
        "api"
    );
    assert!(page.is_truncated);
    let rest = iam
        .list_server_certificates()
        .marker(page.marker.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        rest.server_certificate_metadata_list[0].server_certificate_name,
        "web"
    );
    let under_cdn = iam
        .list_server_certificates()
        .path_prefix("/cdn/")
        .send()
        .await
        .unwrap();
    assert_eq!(under_cdn.server_certificate_metadata_list.len(), 1);

    iam.update_server_certificate()
        .server_certificate_name("web")
        .new_server_certificate_name("www")
        .new_path("/edge/")
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(
        iam.get_server_certificate()
            .server_certificate_name("web")
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
    let (code, _) = error_of(
        iam.update_server_certificate()
            .server_certificate_name("www")
            .new_server_certificate_name("api")
            .send()
            .await,
    );
    assert_eq!(code, "EntityAlreadyExists");
    let www = iam
        .get_server_certificate()
        .server_certificate_name("www")
        .send()
        .await
        .unwrap()
        .server_certificate
        .unwrap();
    assert_eq!(
        www.server_certificate_metadata.unwrap().arn,
        format!("arn:aws:iam::{ACCOUNT}:server-certificate/edge/www")
    );
    assert_eq!(www.tags.unwrap(), vec![tag("team", "edge")]);

    iam.tag_server_certificate()
        .server_certificate_name("www")
        .tags(tag("env", "prod"))
        .send()
        .await
        .unwrap();
    iam.untag_server_certificate()
        .server_certificate_name("www")
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    let tags = iam
        .list_server_certificate_tags()
        .server_certificate_name("www")
        .send()
        .await
        .unwrap()
        .tags;
    assert_eq!(tags, vec![tag("env", "prod")]);

    iam.delete_server_certificate()
        .server_certificate_name("www")
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        iam.delete_server_certificate()
            .server_certificate_name("www")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "NoSuchEntity",
            "The Server Certificate with name www cannot be found."
        )
    );
    assert_eq!(summary(&iam, "ServerCertificates").await, 1);
    assert_eq!(summary(&iam, "ServerCertificatesQuota").await, 20);
}

#[tokio::test]
async fn an_upload_needs_a_pem_certificate_and_its_own_private_key() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let upload = |name: &str, body: &str, key: &str| {
        iam.upload_server_certificate()
            .server_certificate_name(name)
            .certificate_body(body)
            .private_key(key)
            .send()
    };
    let (code, _) = error_of(upload("a", "not a certificate", SERVER_KEY).await);
    assert_eq!(code, "MalformedCertificate");
    let (code, _) = error_of(upload("a", SERVER_KEY, SERVER_KEY).await);
    assert_eq!(code, "MalformedCertificate", "a key is no certificate");
    let (code, _) = error_of(upload("a", SERVER_CERT, "garbage").await);
    assert_eq!(code, "MalformedCertificate");
    let (code, _) = error_of(upload("a", SERVER_CERT, OTHER_KEY).await);
    assert_eq!(code, "KeyPairMismatch");
    let (code, _) = error_of(upload("a", SERVER_CERT, EC_KEY).await);
    assert_eq!(code, "KeyPairMismatch");
    let (code, _) = error_of(upload("a", EC_CERT, SERVER_KEY).await);
    assert_eq!(code, "KeyPairMismatch");
    let (code, _) = error_of(upload("a", EC_CERT, EC_OTHER_KEY).await);
    assert_eq!(code, "KeyPairMismatch");
    let (code, _) = error_of(
        iam.upload_server_certificate()
            .server_certificate_name("a")
            .certificate_body(SERVER_CERT)
            .private_key(SERVER_KEY)
            .certificate_chain("not a chain")
            .send()
            .await,
    );
    assert_eq!(code, "MalformedCertificate");

    upload("rsa-pkcs1", SERVER_CERT, SERVER_KEY_PKCS1)
        .await
        .unwrap();
    upload("ec", EC_CERT, EC_KEY).await.unwrap();
    upload("ec-pkcs8", EC_CERT, EC_KEY_PKCS8).await.unwrap();
    let (code, _) = error_of(upload("EC", EC_CERT, EC_KEY).await);
    assert_eq!(code, "EntityAlreadyExists", "names compare without case");
}

#[tokio::test]
async fn uploads_are_authorized_on_the_certificate_arn() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("ops").send().await.unwrap();
    iam.put_user_policy()
        .user_name("ops")
        .policy_name("cdn-certs")
        .policy_document(
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow",
                "Action": "iam:UploadServerCertificate",
                "Resource": "arn:aws:iam::*:server-certificate/cdn/*"}}"#,
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
    let upload = |path: &str| {
        ops.upload_server_certificate()
            .server_certificate_name("web")
            .path(path)
            .certificate_body(SERVER_CERT)
            .private_key(SERVER_KEY)
            .send()
    };
    let (code, _) = error_of(upload("/other/").await);
    assert_eq!(code, "AccessDenied");
    upload("/cdn/").await.unwrap();
}

#[tokio::test]
async fn a_user_has_at_most_two_signing_certificates_each_used_once() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    for name in ["ann", "bob"] {
        iam.create_user().user_name(name).send().await.unwrap();
    }
    let upload = |user: &str, body: &str| {
        iam.upload_signing_certificate()
            .user_name(user)
            .certificate_body(body)
            .send()
    };
    let first = upload("ann", SERVER_CERT)
        .await
        .unwrap()
        .certificate
        .unwrap();
    assert_eq!(first.user_name, "ann");
    assert_eq!(first.certificate_id.len(), 24);
    assert_eq!(first.status, StatusType::Active);
    assert_eq!(first.certificate_body, SERVER_CERT);

    let (code, _) = error_of(upload("bob", SERVER_CERT).await);
    assert_eq!(code, "DuplicateCertificate", "one certificate, one user");
    let (code, _) = error_of(
        upload(
            "ann",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
        )
        .await,
    );
    assert_eq!(code, "MalformedCertificate");
    let (code, _) = error_of(upload("nobody", EC_CERT).await);
    assert_eq!(code, "NoSuchEntity");
    upload("ann", EC_CERT).await.unwrap();
    let (code, message) = error_of(upload("ann", THIRD_CERT).await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "LimitExceeded",
            "Cannot exceed quota for SigningCertificatesPerUser: 2"
        )
    );

    iam.update_signing_certificate()
        .user_name("ann")
        .certificate_id(&first.certificate_id)
        .status(StatusType::Inactive)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(
        iam.update_signing_certificate()
            .user_name("ann")
            .certificate_id(&first.certificate_id)
            .status(StatusType::Expired)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidInput");
    let (code, _) = error_of(
        iam.update_signing_certificate()
            .user_name("bob")
            .certificate_id(&first.certificate_id)
            .status(StatusType::Active)
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity", "another user's certificate");

    // Without a name, the calling user's own.
    iam.put_user_policy()
        .user_name("ann")
        .policy_name("own-certs")
        .policy_document(
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow",
                "Action": "iam:ListSigningCertificates",
                "Resource": "arn:aws:iam::*:user/${aws:username}"}}"#,
        )
        .send()
        .await
        .unwrap();
    let key = iam
        .create_access_key()
        .user_name("ann")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let ann = server.iam_as(&key.access_key_id, &key.secret_access_key);
    let listed = ann
        .list_signing_certificates()
        .send()
        .await
        .unwrap()
        .certificates;
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].certificate_id, first.certificate_id);
    assert_eq!(listed[0].status, StatusType::Inactive);
    let (code, _) = error_of(
        ann.list_signing_certificates()
            .user_name("bob")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");

    iam.delete_access_key()
        .user_name("ann")
        .access_key_id(&key.access_key_id)
        .send()
        .await
        .unwrap();
    iam.delete_user_policy()
        .user_name("ann")
        .policy_name("own-certs")
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(iam.delete_user().user_name("ann").send().await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "DeleteConflict",
            "Cannot delete entity, must delete signing certificates first."
        )
    );
    for certificate in listed {
        iam.delete_signing_certificate()
            .user_name("ann")
            .certificate_id(certificate.certificate_id)
            .send()
            .await
            .unwrap();
    }
    iam.delete_user().user_name("ann").send().await.unwrap();
}

#[tokio::test]
async fn the_root_user_can_have_signing_certificates() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    assert_eq!(summary(&iam, "AccountSigningCertificatesPresent").await, 0);
    let certificate = iam
        .upload_signing_certificate()
        .certificate_body(EC_CERT)
        .send()
        .await
        .unwrap()
        .certificate
        .unwrap();
    assert_eq!(certificate.user_name, "root");
    assert_eq!(summary(&iam, "AccountSigningCertificatesPresent").await, 1);
    let listed = iam.list_signing_certificates().send().await.unwrap();
    assert_eq!(listed.certificates.len(), 1);
    iam.delete_signing_certificate()
        .certificate_id(certificate.certificate_id)
        .send()
        .await
        .unwrap();
    assert_eq!(summary(&iam, "AccountSigningCertificatesPresent").await, 0);
}

#[tokio::test]
async fn an_expired_certificate_is_refused() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("ann").send().await.unwrap();
    // Past the fixtures' notAfter, in 2126: two steps of a little over 51 years.
    for _ in 0..2 {
        server
            .admin()
            .post("clock/advance", r#"{"seconds": 1625000000}"#)
            .await;
    }
    let (code, message) = error_of(
        iam.upload_server_certificate()
            .server_certificate_name("old")
            .certificate_body(SERVER_CERT)
            .private_key(SERVER_KEY)
            .send()
            .await,
    );
    assert_eq!(code, "MalformedCertificate");
    assert!(message.contains("'Not After'"), "{message}");
    let (code, _) = error_of(
        iam.upload_signing_certificate()
            .user_name("ann")
            .certificate_body(EC_CERT)
            .send()
            .await,
    );
    assert_eq!(code, "MalformedCertificate");
}

#[tokio::test]
async fn certificates_and_ssh_keys_go_through_a_state_document_and_back() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("ann").send().await.unwrap();
    iam.upload_server_certificate()
        .server_certificate_name("web")
        .path("/cdn/")
        .certificate_body(SERVER_CERT)
        .private_key(SERVER_KEY)
        .certificate_chain(THIRD_CERT)
        .tags(tag("team", "edge"))
        .send()
        .await
        .unwrap();
    let signing = iam
        .upload_signing_certificate()
        .user_name("ann")
        .certificate_body(EC_CERT)
        .send()
        .await
        .unwrap()
        .certificate
        .unwrap();
    iam.update_signing_certificate()
        .user_name("ann")
        .certificate_id(&signing.certificate_id)
        .status(StatusType::Inactive)
        .send()
        .await
        .unwrap();
    iam.upload_signing_certificate()
        .certificate_body(THIRD_CERT)
        .send()
        .await
        .unwrap();
    let ssh_key = include_str!("fixtures/ssh_keys.pub")
        .lines()
        .next()
        .unwrap();
    let ssh = iam
        .upload_ssh_public_key()
        .user_name("ann")
        .ssh_public_key_body(ssh_key)
        .send()
        .await
        .unwrap()
        .ssh_public_key
        .unwrap();

    let admin = server.admin();
    let exported = admin.get("state").await;
    let text = exported.to_string();
    assert!(!text.contains("PRIVATE KEY"), "no private key is exported");
    let account = &exported["accounts"][0];
    assert_eq!(account["server_certificates"][0]["name"], "web");
    assert_eq!(account["server_certificates"][0]["path"], "/cdn/");
    assert_eq!(
        account["root_signing_certificates"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let user = &account["users"][0];
    assert_eq!(
        user["signing_certificates"][0]["id"],
        *signing.certificate_id
    );
    assert_eq!(user["signing_certificates"][0]["status"], "Inactive");
    assert_eq!(user["ssh_public_keys"][0]["body"], ssh_key);

    admin.put("state", &text).await;
    assert_eq!(
        admin.get("state").await,
        exported,
        "an export imports back unchanged"
    );
    let web = iam
        .get_server_certificate()
        .server_certificate_name("web")
        .send()
        .await
        .unwrap()
        .server_certificate
        .unwrap();
    assert_eq!(web.certificate_chain.as_deref(), Some(THIRD_CERT));
    assert_eq!(web.tags.unwrap(), vec![tag("team", "edge")]);
    assert!(
        web.server_certificate_metadata
            .unwrap()
            .expiration
            .is_some()
    );
    let key = iam
        .get_ssh_public_key()
        .user_name("ann")
        .ssh_public_key_id(&ssh.ssh_public_key_id)
        .encoding(aws_sdk_iam::types::EncodingType::Ssh)
        .send()
        .await
        .unwrap()
        .ssh_public_key
        .unwrap();
    assert_eq!(key.fingerprint, ssh.fingerprint);
    let (code, _) = error_of(
        iam.upload_signing_certificate()
            .user_name("ann")
            .certificate_body(EC_CERT)
            .send()
            .await,
    );
    assert_eq!(
        code, "DuplicateCertificate",
        "the imported certificate counts"
    );

    let mut refused = exported.clone();
    refused["accounts"][0]["users"][0]["ssh_public_keys"][0]["body"] = "ssh-dss AAAA".into();
    let (status, answer) = admin.call("PUT", "state", Some(&refused.to_string())).await;
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer.to_string().contains("ssh_public_keys[0].body"),
        "{answer}"
    );
}
