//! SAML providers (`Create/Get/List/Update/DeleteSAMLProvider`, their tags) and
//! `AssumeRoleWithSAML` with responses of the built-in test IdP: signature, audience, time
//! window, the Role attribute and the trust policy's `saml:` keys.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::common::{ACCOUNT, RawRequest, TestServer, error_of};

pub(crate) const SIGN_IN: &str = "https://signin.aws.amazon.com/saml";

/// The built-in test IdP's metadata (`GET /_iamlocal/saml/metadata`).
pub(crate) async fn metadata(server: &TestServer) -> String {
    let url = format!("{}/_iamlocal/saml/metadata", server.endpoint());
    reqwest::get(url).await.unwrap().text().await.unwrap()
}

pub(crate) async fn create_provider(server: &TestServer, name: &str) -> String {
    server
        .iam()
        .create_saml_provider()
        .name(name)
        .saml_metadata_document(metadata(server).await)
        .send()
        .await
        .unwrap()
        .saml_provider_arn
        .unwrap()
}

/// A role `saml-role` whose trust policy lets `provider_arn` in, with `condition`.
pub(crate) async fn create_role(
    server: &TestServer,
    provider_arn: &str,
    condition: Value,
) -> String {
    let trust = json!({"Version": "2012-10-17", "Statement": {
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": "sts:AssumeRoleWithSAML",
        "Condition": condition,
    }});
    server
        .iam()
        .create_role()
        .role_name("saml-role")
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
        .arn
}

/// A base64 SAML response of the test IdP (`POST /_iamlocal/saml/assertion`).
pub(crate) async fn assertion(server: &TestServer, request: Value) -> String {
    let answer = server
        .admin()
        .post("saml/assertion", &request.to_string())
        .await;
    answer["saml_response"].as_str().unwrap().to_owned()
}

/// A provider `idp`, a role trusting it when `saml:aud` is AWS's sign-in endpoint, and an
/// assertion for alice naming both. Returns (provider ARN, role ARN, assertion).
pub(crate) async fn setup(server: &TestServer) -> (String, String, String) {
    let provider_arn = create_provider(server, "idp").await;
    let role_arn = create_role(
        server,
        &provider_arn,
        json!({"StringEquals": {"SAML:aud": SIGN_IN}}),
    )
    .await;
    let saml = assertion(
        server,
        json!({"role_arn": role_arn, "provider_arn": provider_arn,
               "subject": "alice@example.com", "session_name": "alice"}),
    )
    .await;
    (provider_arn, role_arn, saml)
}

pub(crate) fn assume(
    server: &TestServer,
    role_arn: &str,
    provider_arn: &str,
    saml: &str,
) -> aws_sdk_sts::operation::assume_role_with_saml::builders::AssumeRoleWithSAMLFluentBuilder {
    server
        .sts()
        .assume_role_with_saml()
        .role_arn(role_arn)
        .principal_arn(provider_arn)
        .saml_assertion(saml)
}

#[tokio::test]
async fn saml_providers_are_created_read_listed_tagged_updated_and_deleted() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let document = metadata(&server).await;
    let created = iam
        .create_saml_provider()
        .name("corp-idp")
        .saml_metadata_document(&document)
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("team")
                .value("core")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let arn = created.saml_provider_arn().unwrap().to_owned();
    assert_eq!(
        arn,
        format!("arn:aws:iam::{ACCOUNT}:saml-provider/corp-idp")
    );
    assert_eq!(created.tags().len(), 1);

    let got = iam
        .get_saml_provider()
        .saml_provider_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(got.saml_metadata_document(), Some(document.as_str()));
    assert!(got.create_date().is_some());
    assert!(got.saml_provider_uuid().is_some_and(|u| u.len() >= 22));
    assert_eq!(got.tags()[0].key(), "team");

    let listed = iam.list_saml_providers().send().await.unwrap();
    let arns: Vec<_> = listed
        .saml_provider_list()
        .iter()
        .filter_map(|p| p.arn())
        .collect();
    assert_eq!(arns, [arn.as_str()]);
    let summary = iam.get_account_summary().send().await.unwrap();
    let providers = summary
        .summary_map()
        .unwrap()
        .get(&aws_sdk_iam::types::SummaryKeyType::Providers);
    assert_eq!(providers, Some(&1));

    iam.tag_saml_provider()
        .saml_provider_arn(&arn)
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("env")
                .value("dev")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    iam.untag_saml_provider()
        .saml_provider_arn(&arn)
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    let tags = iam
        .list_saml_provider_tags()
        .saml_provider_arn(&arn)
        .send()
        .await
        .unwrap();
    let keys: Vec<_> = tags.tags().iter().map(|t| t.key()).collect();
    assert_eq!(keys, ["env"]);

    let updated_document = document.replace("<md:NameIDFormat>", "<md:NameIDFormat> ");
    let updated = iam
        .update_saml_provider()
        .saml_provider_arn(&arn)
        .saml_metadata_document(&updated_document)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.saml_provider_arn(), Some(arn.as_str()));
    let got = iam
        .get_saml_provider()
        .saml_provider_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.saml_metadata_document(),
        Some(updated_document.as_str())
    );

    iam.delete_saml_provider()
        .saml_provider_arn(&arn)
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(iam.get_saml_provider().saml_provider_arn(&arn).send().await);
    assert_eq!(code, "NoSuchEntity");
    assert!(message.contains(&arn), "{message}");
    let (code, _) = error_of(
        iam.delete_saml_provider()
            .saml_provider_arn(&arn)
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
}

#[tokio::test]
async fn bad_metadata_and_encryption_without_a_key_are_refused() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let create = |name: &str, document: String| {
        iam.create_saml_provider()
            .name(name)
            .saml_metadata_document(document)
            .send()
    };
    let not_xml = "x".repeat(1000);
    let (code, message) = error_of(create("idp", not_xml).await);
    assert_eq!(code, "InvalidInput");
    assert!(message.starts_with("Could not parse metadata"), "{message}");

    // Well-formed, but with no signing certificate.
    let no_certificate = format!(
        r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="urn:x"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/><!--{}--></md:EntityDescriptor>"#,
        "pad".repeat(400)
    );
    let (code, message) = error_of(create("idp", no_certificate).await);
    assert_eq!(code, "InvalidInput");
    assert!(message.contains("X509Certificate"), "{message}");

    let (code, _) = error_of(create("idp", "<short/>".into()).await);
    assert_eq!(code, "ValidationError");
    let (code, _) = error_of(create("bad name!", metadata(&server).await).await);
    assert_eq!(code, "ValidationError");

    create("idp", metadata(&server).await).await.unwrap();
    let (code, _) = error_of(create("idp", metadata(&server).await).await);
    assert_eq!(code, "EntityAlreadyExists");

    let (code, message) = error_of(
        iam.create_saml_provider()
            .name("encrypted")
            .saml_metadata_document(metadata(&server).await)
            .assertion_encryption_mode(aws_sdk_iam::types::AssertionEncryptionModeType::Required)
            .send()
            .await,
    );
    // Required with no private key to decrypt with.
    assert_eq!(code, "InvalidInput");
    assert!(message.contains("private key"), "{message}");
}

#[tokio::test]
async fn an_assertion_of_the_test_idp_gives_credentials_for_the_role() {
    let server = TestServer::spawn().await;
    let (provider_arn, role_arn, saml) = setup(&server).await;
    let answer = assume(&server, &role_arn, &provider_arn, &saml)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.subject(), Some("alice@example.com"));
    assert_eq!(answer.subject_type(), Some("persistent"));
    assert_eq!(answer.issuer(), Some("urn:iamlocal:test-idp"));
    assert_eq!(answer.audience(), Some(SIGN_IN));
    // BASE64(SHA1(Issuer + account + "/" + provider name)), as AWS documents it.
    let expected = STANDARD.encode(ring::digest::digest(
        &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
        format!("urn:iamlocal:test-idp{ACCOUNT}/idp").as_bytes(),
    ));
    assert_eq!(answer.name_qualifier(), Some(expected.as_str()));
    let assumed = answer.assumed_role_user().unwrap().arn().to_owned();
    assert_eq!(
        assumed,
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/saml-role/alice")
    );

    let identity = server
        .sts_temp(answer.credentials().unwrap())
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(identity.arn(), Some(assumed.as_str()));
}

#[tokio::test]
async fn an_assertion_changed_after_signing_is_an_invalid_identity_token() {
    let server = TestServer::spawn().await;
    let (provider_arn, role_arn, saml) = setup(&server).await;
    let xml = String::from_utf8(STANDARD.decode(&saml).unwrap()).unwrap();
    let tampered = xml.replace(">alice<", ">admin<");
    assert_ne!(tampered, xml);
    let (code, message) = error_of(
        assume(
            &server,
            &role_arn,
            &provider_arn,
            &STANDARD.encode(tampered),
        )
        .send()
        .await,
    );
    assert_eq!(code, "InvalidIdentityToken");
    assert!(message.contains("changed after signing"), "{message}");
}

#[tokio::test]
async fn an_assertion_past_its_time_is_an_expired_token() {
    let server = TestServer::spawn().await;
    let (provider_arn, role_arn, saml) = setup(&server).await;
    server
        .admin()
        .post("clock/advance", r#"{"seconds": 301}"#)
        .await;
    let (code, _) = error_of(
        assume(&server, &role_arn, &provider_arn, &saml)
            .send()
            .await,
    );
    assert_eq!(code, "ExpiredTokenException");
}

#[tokio::test]
async fn a_role_that_does_not_trust_the_provider_is_access_denied() {
    let server = TestServer::spawn().await;
    let provider_arn = create_provider(&server, "idp").await;
    let other = create_provider(&server, "other-idp").await;
    let role_arn = create_role(&server, &other, json!({})).await;
    let saml = assertion(
        &server,
        json!({"role_arn": role_arn, "provider_arn": provider_arn,
               "subject": "alice", "session_name": "alice"}),
    )
    .await;
    let (code, _) = error_of(
        assume(&server, &role_arn, &provider_arn, &saml)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");

    // Nor is it any use presented for `other-idp`, which the role trusts: its Role
    // attribute pairs the role with `idp`.
    let (code, _) = error_of(assume(&server, &role_arn, &other, &saml).send().await);
    assert_eq!(code, "AccessDenied");
}

#[tokio::test]
async fn the_trust_policy_reads_saml_aud_and_saml_sub() {
    let server = TestServer::spawn().await;
    let provider_arn = create_provider(&server, "idp").await;
    let role_arn = create_role(
        &server,
        &provider_arn,
        json!({"StringEquals": {"SAML:aud": SIGN_IN, "saml:sub": "alice"}}),
    )
    .await;
    let request = |audience: &str, subject: &str| {
        json!({"role_arn": role_arn, "provider_arn": provider_arn, "subject": subject,
               "session_name": "s1", "audience": audience})
    };
    // A regional sign-in endpoint is a valid audience, but not the one the role names.
    let regional = assertion(
        &server,
        request("https://eu-west-1.signin.aws.amazon.com/saml", "alice"),
    )
    .await;
    let (code, _) = error_of(
        assume(&server, &role_arn, &provider_arn, &regional)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    let bob = assertion(&server, request(SIGN_IN, "bob")).await;
    let (code, _) = error_of(assume(&server, &role_arn, &provider_arn, &bob).send().await);
    assert_eq!(code, "AccessDenied");
    let alice = assertion(&server, request(SIGN_IN, "alice")).await;
    assume(&server, &role_arn, &provider_arn, &alice)
        .send()
        .await
        .unwrap();

    // An audience that is not AWS's is refused before any policy.
    let elsewhere = assertion(&server, request("https://example.com/saml", "alice")).await;
    let (code, _) = error_of(
        assume(&server, &role_arn, &provider_arn, &elsewhere)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidIdentityToken");
}

#[tokio::test]
async fn the_role_attribute_must_name_the_role_and_the_provider() {
    let server = TestServer::spawn().await;
    let (provider_arn, role_arn, _) = setup(&server).await;
    let other_role = format!("arn:aws:iam::{ACCOUNT}:role/other");
    // Either order is fine; another role is not.
    let reversed = assertion(
        &server,
        json!({"role_arn": role_arn, "provider_arn": provider_arn, "subject": "alice",
               "session_name": "alice",
               "attributes": {"https://aws.amazon.com/SAML/Attributes/Role":
                   [format!("{other_role},{provider_arn}"), format!("{provider_arn},{role_arn}")]}}),
    )
    .await;
    assume(&server, &role_arn, &provider_arn, &reversed)
        .send()
        .await
        .unwrap();
    let wrong = assertion(
        &server,
        json!({"role_arn": other_role, "provider_arn": provider_arn, "subject": "alice",
               "session_name": "alice"}),
    )
    .await;
    let (code, message) = error_of(
        assume(&server, &role_arn, &provider_arn, &wrong)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    assert!(message.contains("Role attribute"), "{message}");
}

#[tokio::test]
async fn an_unknown_provider_is_an_invalid_identity_token() {
    let server = TestServer::spawn().await;
    let answer = server
        .raw()
        .send(&RawRequest::form(
            "Action=AssumeRoleWithSAML&Version=2011-06-15\
             &RoleArn=arn%3Aaws%3Aiam%3A%3A000000000000%3Arole%2Fr\
             &PrincipalArn=arn%3Aaws%3Aiam%3A%3A000000000000%3Asaml-provider%2Fp\
             &SAMLAssertion=PHNhbWw%2B",
        ))
        .await;
    assert_eq!(
        (answer.status, answer.code()),
        (400, Some("InvalidIdentityToken"))
    );
}

#[tokio::test]
async fn saml_providers_travel_in_state_documents() {
    let server = TestServer::spawn().await;
    let (provider_arn, role_arn, _) = setup(&server).await;
    server
        .iam()
        .tag_saml_provider()
        .saml_provider_arn(&provider_arn)
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("team")
                .value("core")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let admin = server.admin();
    let state = admin.get("state").await;
    let exported = &state["accounts"][0]["saml_providers"][0];
    assert_eq!(exported["name"], "idp");
    assert_eq!(exported["tags"][0]["key"], "team");
    admin.post("reset", "").await;
    let imported = admin.put("state", &state.to_string()).await;
    assert_eq!(imported["imported"]["saml_providers"], 1);

    let got = server
        .iam()
        .get_saml_provider()
        .saml_provider_arn(&provider_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(got.tags().len(), 1);
    let saml = assertion(
        &server,
        json!({"role_arn": role_arn, "provider_arn": provider_arn,
               "subject": "alice", "session_name": "alice"}),
    )
    .await;
    assume(&server, &role_arn, &provider_arn, &saml)
        .send()
        .await
        .unwrap();

    // Metadata that `CreateSAMLProvider` refuses is refused in a document too.
    let mut bad = state.clone();
    bad["accounts"][0]["saml_providers"][0]["metadata"] = json!("x".repeat(1000));
    let (status, answer) = admin.call("PUT", "state", Some(&bad.to_string())).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["path"], "accounts[0].saml_providers[0].metadata");
}

#[tokio::test]
async fn an_assertion_whose_issuer_is_not_the_metadata_entity_id_is_refused() {
    let server = TestServer::spawn().await;
    // The test IdP's certificate, under another entityID.
    let other = metadata(&server).await.replace(
        r#"entityID="urn:iamlocal:test-idp""#,
        r#"entityID="urn:example:other-idp""#,
    );
    let provider_arn = server
        .iam()
        .create_saml_provider()
        .name("other")
        .saml_metadata_document(other)
        .send()
        .await
        .unwrap()
        .saml_provider_arn
        .unwrap();
    let role_arn = create_role(&server, &provider_arn, json!({})).await;
    let saml = assertion(
        &server,
        json!({"role_arn": role_arn, "provider_arn": provider_arn,
               "subject": "alice", "session_name": "alice"}),
    )
    .await;
    let (code, message) = error_of(
        assume(&server, &role_arn, &provider_arn, &saml)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidIdentityToken");
    assert!(message.contains("Issuer"), "{message}");
}

#[tokio::test]
async fn the_session_ends_at_session_not_on_or_after_when_that_is_sooner() {
    let server = TestServer::spawn().await;
    let (provider_arn, role_arn, _) = setup(&server).await;
    let saml = |session_seconds: i64| {
        assertion(
            &server,
            json!({"role_arn": role_arn, "provider_arn": provider_arn, "subject": "alice",
                   "session_name": "alice", "session_seconds": session_seconds}),
        )
    };
    let lasts =
        |answer: aws_sdk_sts::operation::assume_role_with_saml::AssumeRoleWithSamlOutput| {
            answer.credentials().unwrap().expiration().secs()
                - server.app.clock.now().unix_timestamp()
        };
    let sooner = saml(1000).await;
    let answer = assume(&server, &role_arn, &provider_arn, &sooner)
        .duration_seconds(3600)
        .send()
        .await
        .unwrap();
    assert!((998..=1000).contains(&lasts(answer)));
    let later = saml(7200).await;
    let answer = assume(&server, &role_arn, &provider_arn, &later)
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    assert!((898..=900).contains(&lasts(answer)));

    // A session that would already be over.
    let over = saml(60).await;
    server.app.clock.advance(time::Duration::seconds(61));
    let (code, _) = error_of(
        assume(&server, &role_arn, &provider_arn, &over)
            .send()
            .await,
    );
    assert_eq!(code, "ExpiredTokenException");
}
