//! Users' SSH public keys. Fixtures made with ssh-keygen: `ssh_keys.pub` (six RSA 2048
//! keys, one a line), `ssh_key1_pem.pub` (the first, `ssh-keygen -e -m PKCS8`),
//! `ssh_rsa_1024.pub`, `ssh_ed25519.pub`.

use aws_sdk_iam::types::{EncodingType, StatusType};

use crate::common::{TestServer, error_of};

const KEYS: &str = include_str!("fixtures/ssh_keys.pub");
const KEY1_PEM: &str = include_str!("fixtures/ssh_key1_pem.pub");
const SHORT_KEY: &str = include_str!("fixtures/ssh_rsa_1024.pub");
const ED25519_KEY: &str = include_str!("fixtures/ssh_ed25519.pub");
/// `ssh-keygen -l -E md5` of the first key.
const KEY1_FINGERPRINT: &str = "8b:c7:ab:f3:35:94:b0:67:93:8f:1f:c2:d1:87:e6:da";

fn key(n: usize) -> &'static str {
    KEYS.lines().nth(n).unwrap()
}

#[tokio::test]
async fn an_ssh_key_is_uploaded_read_in_both_encodings_updated_and_deleted() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("dev").send().await.unwrap();
    let uploaded = iam
        .upload_ssh_public_key()
        .user_name("dev")
        .ssh_public_key_body(key(0))
        .send()
        .await
        .unwrap()
        .ssh_public_key
        .unwrap();
    assert!(uploaded.ssh_public_key_id.starts_with("APKA"));
    assert_eq!(uploaded.fingerprint, KEY1_FINGERPRINT);
    assert_eq!(uploaded.ssh_public_key_body, key(0));
    assert_eq!(uploaded.status, StatusType::Active);
    let id = uploaded.ssh_public_key_id;

    let get = |encoding: EncodingType| {
        iam.get_ssh_public_key()
            .user_name("dev")
            .ssh_public_key_id(&id)
            .encoding(encoding)
            .send()
    };
    let ssh = get(EncodingType::Ssh)
        .await
        .unwrap()
        .ssh_public_key
        .unwrap();
    assert_eq!(ssh.ssh_public_key_body, key(0));
    let pem = get(EncodingType::Pem)
        .await
        .unwrap()
        .ssh_public_key
        .unwrap();
    assert_eq!(
        pem.ssh_public_key_body, KEY1_PEM,
        "what ssh-keygen -e writes"
    );
    assert_eq!(pem.fingerprint, KEY1_FINGERPRINT);

    let (code, _) = error_of(
        iam.upload_ssh_public_key()
            .user_name("dev")
            .ssh_public_key_body(KEY1_PEM)
            .send()
            .await,
    );
    assert_eq!(code, "DuplicateSSHPublicKey", "the same key in PEM");

    iam.update_ssh_public_key()
        .user_name("dev")
        .ssh_public_key_id(&id)
        .status(StatusType::Inactive)
        .send()
        .await
        .unwrap();
    let listed = iam
        .list_ssh_public_keys()
        .user_name("dev")
        .send()
        .await
        .unwrap()
        .ssh_public_keys
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].status, StatusType::Inactive);

    let (code, message) = error_of(iam.delete_user().user_name("dev").send().await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "DeleteConflict",
            "Cannot delete entity, must delete SSH public keys first."
        )
    );
    iam.delete_ssh_public_key()
        .user_name("dev")
        .ssh_public_key_id(&id)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(get(EncodingType::Ssh).await);
    assert_eq!(code, "NoSuchEntity");
    iam.delete_user().user_name("dev").send().await.unwrap();
}

#[tokio::test]
async fn a_key_in_pem_is_shown_in_ssh_form_too() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("dev").send().await.unwrap();
    let uploaded = iam
        .upload_ssh_public_key()
        .user_name("dev")
        .ssh_public_key_body(KEY1_PEM)
        .send()
        .await
        .unwrap()
        .ssh_public_key
        .unwrap();
    assert_eq!(uploaded.fingerprint, KEY1_FINGERPRINT);
    let ssh = iam
        .get_ssh_public_key()
        .user_name("dev")
        .ssh_public_key_id(uploaded.ssh_public_key_id)
        .encoding(EncodingType::Ssh)
        .send()
        .await
        .unwrap()
        .ssh_public_key
        .unwrap();
    // The uploaded line without its comment.
    let without_comment = key(0).rsplit_once(' ').unwrap().0;
    assert_eq!(ssh.ssh_public_key_body, without_comment);
}

#[tokio::test]
async fn keys_must_be_rsa_of_2048_bits_and_five_at_most() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("dev").send().await.unwrap();
    let upload = |body: &str| {
        iam.upload_ssh_public_key()
            .user_name("dev")
            .ssh_public_key_body(body)
            .send()
    };
    let (code, _) = error_of(upload("hello").await);
    assert_eq!(code, "UnrecognizedPublicKeyEncoding");
    let (code, _) = error_of(upload(ED25519_KEY).await);
    assert_eq!(code, "UnrecognizedPublicKeyEncoding");
    let (code, _) = error_of(upload(SHORT_KEY).await);
    assert_eq!(code, "InvalidPublicKey");
    let (code, _) = error_of(upload("ssh-rsa AAAAB3NzaC1yc2EAAAADAQAB").await);
    assert_eq!(code, "InvalidPublicKey");

    for n in 0..5 {
        upload(key(n)).await.unwrap();
    }
    let (code, message) = error_of(upload(key(5)).await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "LimitExceeded",
            "Cannot exceed quota for SSHPublicKeysPerUser: 5"
        )
    );
    let page = iam
        .list_ssh_public_keys()
        .user_name("dev")
        .max_items(3)
        .send()
        .await
        .unwrap();
    assert_eq!(page.ssh_public_keys.unwrap().len(), 3);
    assert!(page.is_truncated);
    let rest = iam
        .list_ssh_public_keys()
        .user_name("dev")
        .marker(page.marker.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.ssh_public_keys.unwrap().len(), 2);
    assert!(!rest.is_truncated);
    let (code, _) = error_of(
        iam.upload_ssh_public_key()
            .user_name("nobody")
            .ssh_public_key_body(key(5))
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
}

#[tokio::test]
async fn a_user_lists_their_own_keys_when_allowed() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("dev").send().await.unwrap();
    iam.upload_ssh_public_key()
        .user_name("dev")
        .ssh_public_key_body(key(1))
        .send()
        .await
        .unwrap();
    let access = iam
        .create_access_key()
        .user_name("dev")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let dev = server.iam_as(&access.access_key_id, &access.secret_access_key);
    let (code, _) = error_of(dev.list_ssh_public_keys().send().await);
    assert_eq!(code, "AccessDenied");
    iam.put_user_policy()
        .user_name("dev")
        .policy_name("own-keys")
        .policy_document(
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow",
                "Action": "iam:ListSSHPublicKeys",
                "Resource": "arn:aws:iam::*:user/${aws:username}"}}"#,
        )
        .send()
        .await
        .unwrap();
    let listed = dev
        .list_ssh_public_keys()
        .send()
        .await
        .unwrap()
        .ssh_public_keys
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].user_name, "dev");
}
