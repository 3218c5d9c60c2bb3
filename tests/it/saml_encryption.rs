//! Encrypted SAML assertions: a provider's private keys (`AddPrivateKey`, `RemovePrivateKey`,
//! `PrivateKeyList`), `AssertionEncryptionMode`, and `AssumeRoleWithSAML` with assertions
//! encrypted by the built-in test IdP (RSA-OAEP + AES-256-GCM) or by this test itself
//! (rsa-oaep-mgf1p + AES-128-CBC, its key beside the data).

use aws_sdk_iam::types::AssertionEncryptionModeType::{Allowed, Required};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockEncryptMut, KeyIvInit};
use rsa::pkcs8::DecodePrivateKey;
use serde_json::{Value, json};

use crate::common::{RawRequest, Signing, TestServer, error_of};
use crate::saml::{SIGN_IN, assertion, assume, create_role, metadata};

const KEY_A: &str = include_str!("fixtures/saml_sp_key_a.pem");
/// PKCS #1 (`RSA PRIVATE KEY`).
const KEY_B: &str = include_str!("fixtures/saml_sp_key_b.pem");
const KEY_C: &str = include_str!("fixtures/other_key.pem");
const SMALL_KEY: &str = include_str!("fixtures/saml_sp_key_small.pem");

/// A provider `idp` with `key` (if any) and `mode`, and a role trusting it.
async fn provider(
    server: &TestServer,
    key: Option<&str>,
    mode: Option<aws_sdk_iam::types::AssertionEncryptionModeType>,
) -> (String, String) {
    let arn = server
        .iam()
        .create_saml_provider()
        .name("idp")
        .saml_metadata_document(metadata(server).await)
        .set_add_private_key(key.map(str::to_owned))
        .set_assertion_encryption_mode(mode)
        .send()
        .await
        .unwrap()
        .saml_provider_arn
        .unwrap();
    let role = create_role(server, &arn, json!({"StringEquals": {"SAML:aud": SIGN_IN}})).await;
    (arn, role)
}

/// An assertion of the test IdP for alice, encrypted to the provider's newest key if asked.
async fn saml(server: &TestServer, provider_arn: &str, role_arn: &str, encrypt: bool) -> String {
    assertion(
        server,
        json!({"role_arn": role_arn, "provider_arn": provider_arn, "subject": "alice",
               "session_name": "alice", "encrypt": encrypt}),
    )
    .await
}

async fn key_ids(server: &TestServer, arn: &str) -> Vec<String> {
    let got = server
        .iam()
        .get_saml_provider()
        .saml_provider_arn(arn)
        .send()
        .await
        .unwrap();
    got.private_key_list()
        .iter()
        .map(|k| {
            assert!(k.timestamp().is_some());
            k.key_id().unwrap().to_owned()
        })
        .collect()
}

fn update(
    server: &TestServer,
    arn: &str,
) -> aws_sdk_iam::operation::update_saml_provider::builders::UpdateSAMLProviderFluentBuilder {
    server.iam().update_saml_provider().saml_provider_arn(arn)
}

#[tokio::test]
async fn private_keys_are_added_listed_by_id_and_removed_two_at_most() {
    let server = TestServer::spawn().await;
    let (arn, _) = provider(&server, Some(KEY_A), None).await;
    let first = key_ids(&server, &arn).await;
    assert_eq!(first.len(), 1);
    assert!(
        first[0].len() >= 22
            && first[0]
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    );

    update(&server, &arn)
        .add_private_key(KEY_B)
        .send()
        .await
        .unwrap();
    let both = key_ids(&server, &arn).await;
    assert_eq!(both.len(), 2);
    assert_eq!(both[0], first[0], "oldest first");

    let (code, _) = error_of(update(&server, &arn).add_private_key(KEY_C).send().await);
    assert_eq!(code, "LimitExceeded");
    let (code, message) = error_of(
        update(&server, &arn)
            .remove_private_key("A".repeat(32))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidInput", "{message}");

    update(&server, &arn)
        .remove_private_key(&first[0])
        .send()
        .await
        .unwrap();
    assert_eq!(key_ids(&server, &arn).await, [both[1].clone()]);
    let (code, _) = error_of(update(&server, &arn).add_private_key(KEY_B).send().await);
    assert_eq!(code, "InvalidInput", "the same key twice");

    for bad in [
        "not a key",
        SMALL_KEY,
        include_str!("fixtures/ec_key_pkcs8.pem"),
    ] {
        let (code, message) = error_of(update(&server, &arn).add_private_key(bad).send().await);
        assert_eq!(code, "InvalidInput", "{message}");
    }
    let (code, _) = error_of(
        update(&server, &arn)
            .remove_private_key("short")
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");

    // Required needs a key left to decrypt with.
    update(&server, &arn)
        .assertion_encryption_mode(Required)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(
        update(&server, &arn)
            .remove_private_key(&both[1])
            .send()
            .await,
    );
    assert_eq!(code, "InvalidInput");
    let got = server
        .iam()
        .get_saml_provider()
        .saml_provider_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(got.assertion_encryption_mode(), Some(&Required));
}

#[tokio::test]
async fn the_private_key_is_never_in_an_answer_and_travels_only_with_secrets() {
    let server = TestServer::spawn().await;
    let (arn, _) = provider(&server, Some(KEY_A), Some(Required)).await;
    let form = format!(
        "Action=GetSAMLProvider&Version=2010-05-08&SAMLProviderArn={}",
        arn.replace(':', "%3A").replace('/', "%2F")
    );
    let body = server
        .raw()
        .signed(&RawRequest::form(&form), &Signing::iam())
        .await
        .body;
    assert!(body.contains("<PrivateKeyList>"), "{body}");
    assert!(!body.contains("PRIVATE KEY"), "{body}");

    let admin = server.admin();
    let plain = admin.get("state").await;
    let exported = &plain["accounts"][0]["saml_providers"][0]["private_keys"][0];
    assert!(exported["key_id"].is_string());
    assert!(exported.get("private_key").is_none());
    let state = admin.get("state?secrets=true").await;
    assert_eq!(
        state["accounts"][0]["saml_providers"][0]["private_keys"][0]["private_key"],
        KEY_A
    );
    admin.post("reset", "").await;
    admin.put("state", &state.to_string()).await;
    assert_eq!(key_ids(&server, &arn).await.len(), 1);
    // Imported without it, a key could decrypt nothing.
    let (status, answer) = admin.call("PUT", "state", Some(&plain.to_string())).await;
    assert_eq!(status, 400, "{answer}");
}

#[tokio::test]
async fn required_refuses_a_plain_assertion_and_takes_an_encrypted_one() {
    let server = TestServer::spawn().await;
    let (arn, role) = provider(&server, Some(KEY_A), Some(Required)).await;
    let plain = saml(&server, &arn, &role, false).await;
    let (code, message) = error_of(assume(&server, &role, &arn, &plain).send().await);
    assert_eq!(code, "InvalidIdentityToken");
    assert!(message.contains("Required"), "{message}");

    let encrypted = saml(&server, &arn, &role, true).await;
    let xml = String::from_utf8(STANDARD.decode(&encrypted).unwrap()).unwrap();
    assert!(xml.contains("EncryptedAssertion") && !xml.contains("alice"));
    let answer = assume(&server, &role, &arn, &encrypted)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.subject(), Some("alice"));
}

#[tokio::test]
async fn allowed_takes_plain_and_encrypted_assertions() {
    let server = TestServer::spawn().await;
    let (arn, role) = provider(&server, Some(KEY_B), Some(Allowed)).await;
    for encrypt in [false, true] {
        let saml = saml(&server, &arn, &role, encrypt).await;
        assume(&server, &role, &arn, &saml).send().await.unwrap();
    }
}

#[tokio::test]
async fn an_assertion_encrypted_to_a_removed_key_no_longer_decrypts() {
    let server = TestServer::spawn().await;
    let (arn, role) = provider(&server, Some(KEY_A), None).await;
    let old = key_ids(&server, &arn).await.remove(0);
    let encrypted = saml(&server, &arn, &role, true).await;
    update(&server, &arn)
        .add_private_key(KEY_B)
        .send()
        .await
        .unwrap();
    // Both keys decrypt while both are there.
    assume(&server, &role, &arn, &encrypted)
        .send()
        .await
        .unwrap();
    update(&server, &arn)
        .remove_private_key(&old)
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(assume(&server, &role, &arn, &encrypted).send().await);
    assert_eq!(code, "InvalidIdentityToken");
    assert!(message.contains("decrypt"), "{message}");
}

/// The IdP's plain response with its assertion encrypted here, not by iamlocal: AES-128-CBC
/// data, its key wrapped with rsa-oaep-mgf1p (SHA-1) to `recipient` and placed beside the data.
fn encrypt_here(saml: &str, recipient: &str) -> String {
    let xml = String::from_utf8(STANDARD.decode(saml).unwrap()).unwrap();
    let start = xml.find("<saml:Assertion").unwrap();
    let end = xml.find("</saml:Assertion>").unwrap() + "</saml:Assertion>".len();
    let public = rsa::RsaPrivateKey::from_pkcs8_pem(recipient)
        .unwrap()
        .to_public_key();
    let data_key: [u8; 16] = rand::random();
    let iv: [u8; 16] = rand::random();
    let mut data = iv.to_vec();
    data.extend(
        cbc::Encryptor::<aes::Aes128>::new_from_slices(&data_key, &iv)
            .unwrap()
            .encrypt_padded_vec_mut::<Pkcs7>(&xml.as_bytes()[start..end]),
    );
    let wrapped = public
        .encrypt(
            &mut rsa::rand_core::OsRng,
            rsa::Oaep::new::<sha1::Sha1>(),
            &data_key,
        )
        .unwrap();
    let encrypted = format!(
        r##"<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Id="_d" Type="http://www.w3.org/2001/04/xmlenc#Element"><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:RetrievalMethod URI="#_k" Type="http://www.w3.org/2001/04/xmlenc#EncryptedKey"/></ds:KeyInfo><xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData><xenc:EncryptedKey xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Id="_k"><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/><xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData><xenc:ReferenceList><xenc:DataReference URI="#_d"/></xenc:ReferenceList></xenc:EncryptedKey></saml:EncryptedAssertion>"##,
        STANDARD.encode(data),
        STANDARD.encode(wrapped)
    );
    STANDARD.encode(format!("{}{encrypted}{}", &xml[..start], &xml[end..]))
}

#[tokio::test]
async fn an_assertion_encrypted_by_another_implementation_decrypts_with_the_right_key_only() {
    let server = TestServer::spawn().await;
    let (arn, role) = provider(&server, Some(KEY_A), Some(Required)).await;
    let plain = saml(&server, &arn, &role, false).await;
    let answer = assume(&server, &role, &arn, &encrypt_here(&plain, KEY_A))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.subject(), Some("alice"));

    let (code, message) = error_of(
        assume(&server, &role, &arn, &encrypt_here(&plain, KEY_C))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidIdentityToken");
    assert!(message.contains("private key"), "{message}");

    // Encrypted, and then changed: the signature inside still guards it.
    let xml = String::from_utf8(STANDARD.decode(&plain).unwrap()).unwrap();
    let forged = STANDARD.encode(xml.replace(">alice<", ">mallory<"));
    let (code, _) = error_of(
        assume(&server, &role, &arn, &encrypt_here(&forged, KEY_A))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidIdentityToken");
}

#[tokio::test]
async fn the_test_idp_encrypts_only_for_a_provider_with_a_key() {
    let server = TestServer::spawn().await;
    let (arn, role) = provider(&server, None, None).await;
    let request = json!({"role_arn": role, "provider_arn": arn, "subject": "alice",
                         "session_name": "alice", "encrypt": true});
    let (status, answer): (u16, Value) = server
        .admin()
        .call("POST", "saml/assertion", Some(&request.to_string()))
        .await;
    assert_eq!(status, 400, "{answer}");
}
