//! Outbound web identity federation: the account switch, `GetWebIdentityToken`'s signed
//! tokens (verified here against the published keys), and the STS token preferences.

use aws_sdk_iam::types::{GlobalEndpointTokenVersion, SummaryKeyType};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{
    ECDSA_P384_SHA384_FIXED, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents, UnparsedPublicKey,
};
use serde_json::Value;

use crate::common::{ACCOUNT, TestServer, error_of};
use crate::sts::user_with_key;

/// May get tokens for one audience only, for at most ten minutes.
const TOKEN_POLICY: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow",
    "Action": "sts:GetWebIdentityToken", "Resource": "*",
    "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": "https://api.example.com"},
                  "NumericLessThanEquals": {"sts:DurationSeconds": 600}}}}"#;

fn part(token: &str, i: usize) -> Value {
    let text = token.split('.').nth(i).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(text).unwrap()).unwrap()
}

/// Checks the token's ES384 signature with the key the issuer publishes under its `kid`.
async fn verify(server: &TestServer, token: &str) {
    let url = format!("{}/.well-known/jwks.json", server.endpoint());
    let jwks: Value =
        serde_json::from_str(&reqwest::get(url).await.unwrap().text().await.unwrap()).unwrap();
    let header = part(token, 0);
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("the token's key is published");
    assert_eq!(
        (key["crv"].as_str(), key["alg"].as_str()),
        (Some("P-384"), Some("ES384"))
    );
    let mut point = vec![4];
    for c in ["x", "y"] {
        point.extend(URL_SAFE_NO_PAD.decode(key[c].as_str().unwrap()).unwrap());
    }
    let (input, signature) = token.rsplit_once('.').unwrap();
    UnparsedPublicKey::new(&ECDSA_P384_SHA384_FIXED, point)
        .verify(
            input.as_bytes(),
            &URL_SAFE_NO_PAD.decode(signature).unwrap(),
        )
        .expect("the signature verifies");
}

#[tokio::test]
async fn a_user_gets_a_signed_token_of_itself_once_the_account_enables_it() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let (key, secret) = user_with_key(&server, "alice").await;
    iam.put_user_policy()
        .user_name("alice")
        .policy_name("tokens")
        .policy_document(TOKEN_POLICY)
        .send()
        .await
        .unwrap();
    let sts = server.sts_as(&key, &secret);
    let ask = |audience: &str, seconds: i32| {
        sts.get_web_identity_token()
            .audience(audience)
            .duration_seconds(seconds)
            .signing_algorithm("ES384")
            .tags(
                aws_sdk_sts::types::Tag::builder()
                    .key("job")
                    .value("42")
                    .build()
                    .unwrap(),
            )
            .send()
    };

    // Off by default.
    let (code, _) = error_of(ask("https://api.example.com", 300).await);
    assert_eq!(code, "OutboundWebIdentityFederationDisabledException");
    let (code, _) = error_of(iam.get_outbound_web_identity_federation_info().send().await);
    assert_eq!(code, "FeatureDisabled");

    let issuer = iam
        .enable_outbound_web_identity_federation()
        .send()
        .await
        .unwrap()
        .issuer_identifier
        .unwrap();
    let (code, _) = error_of(iam.enable_outbound_web_identity_federation().send().await);
    assert_eq!(code, "FeatureEnabled");
    let info = iam
        .get_outbound_web_identity_federation_info()
        .send()
        .await
        .unwrap();
    assert_eq!(info.issuer_identifier(), Some(issuer.as_str()));
    assert!(info.jwt_vending_enabled());

    let answer = ask("https://api.example.com", 300).await.unwrap();
    let token = answer.web_identity_token().unwrap();
    verify(&server, token).await;
    let claims = part(token, 1);
    assert_eq!(claims["iss"], issuer.as_str());
    assert_eq!(claims["sub"], format!("arn:aws:iam::{ACCOUNT}:user/alice"));
    assert_eq!(claims["aud"], "https://api.example.com");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        300
    );
    let aws = &claims["https://sts.amazonaws.com/"];
    assert_eq!(aws["aws_account"], ACCOUNT);
    assert_eq!(aws["request_tags"]["job"], "42");
    assert_eq!(
        answer.expiration().unwrap().secs(),
        claims["exp"].as_i64().unwrap()
    );

    // The policy's conditions see the audience and the duration asked for.
    let (code, _) = error_of(ask("https://elsewhere.example.com", 300).await);
    assert_eq!(code, "AccessDenied");
    let (code, _) = error_of(ask("https://api.example.com", 900).await);
    assert_eq!(code, "AccessDenied");

    iam.disable_outbound_web_identity_federation()
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(ask("https://api.example.com", 300).await);
    assert_eq!(code, "OutboundWebIdentityFederationDisabledException");
    let (code, _) = error_of(iam.disable_outbound_web_identity_federation().send().await);
    assert_eq!(code, "FeatureDisabled");
}

#[tokio::test]
async fn a_role_session_token_names_the_role_and_cannot_outlive_the_session() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.enable_outbound_web_identity_federation()
        .send()
        .await
        .unwrap();
    let trust = crate::roles::trust(&format!("arn:aws:iam::{ACCOUNT}:root"));
    let role_arn = iam
        .create_role()
        .role_name("worker")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
        .arn;
    iam.put_role_policy()
        .role_name("worker")
        .policy_name("tokens")
        .policy_document(TOKEN_POLICY)
        .send()
        .await
        .unwrap();
    let (key, secret) = user_with_key(&server, "bob").await;
    iam.put_user_policy()
        .user_name("bob")
        .policy_name("assume")
        .policy_document(r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}}"#)
        .send()
        .await
        .unwrap();
    let credentials = server
        .sts_as(&key, &secret)
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("s1")
        .duration_seconds(900)
        .send()
        .await
        .unwrap()
        .credentials
        .unwrap();
    let sts = server.sts_temp(&credentials);
    let token = sts
        .get_web_identity_token()
        .audience("https://api.example.com")
        .signing_algorithm("ES384")
        .send()
        .await
        .unwrap()
        .web_identity_token
        .unwrap();
    assert_eq!(part(&token, 1)["sub"], role_arn.as_str());
    // Ten minutes fit in the policy but not in what is left of a fifteen-minute session
    // once the clock has moved on.
    server.app.clock.advance(time::Duration::seconds(600));
    let (code, _) = error_of(
        sts.get_web_identity_token()
            .audience("https://api.example.com")
            .duration_seconds(600)
            .signing_algorithm("ES384")
            .send()
            .await,
    );
    assert_eq!(code, "SessionDurationEscalationException");
}

#[tokio::test]
async fn the_global_endpoint_token_version_is_stored_and_summarised() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let version = || async {
        iam.get_account_summary()
            .send()
            .await
            .unwrap()
            .summary_map
            .unwrap()[&SummaryKeyType::GlobalEndpointTokenVersion]
    };
    assert_eq!(version().await, 1);
    iam.set_security_token_service_preferences()
        .global_endpoint_token_version(GlobalEndpointTokenVersion::V2Token)
        .send()
        .await
        .unwrap();
    assert_eq!(version().await, 2);
    let (code, _) = error_of(
        iam.set_security_token_service_preferences()
            .global_endpoint_token_version(GlobalEndpointTokenVersion::from("v3Token"))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");
    let (key, secret) = user_with_key(&server, "carol").await;
    let (code, _) = error_of(
        server
            .iam_as(&key, &secret)
            .set_security_token_service_preferences()
            .global_endpoint_token_version(GlobalEndpointTokenVersion::V1Token)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    assert_eq!(version().await, 2);
}

#[tokio::test]
async fn an_rs256_token_verifies_with_the_rsa_key_the_issuer_publishes() {
    let server = TestServer::spawn().await;
    server
        .iam()
        .enable_outbound_web_identity_federation()
        .send()
        .await
        .unwrap();
    let ask = |alg: &'static str| {
        server
            .sts()
            .get_web_identity_token()
            .audience("https://api.example.com")
            .signing_algorithm(alg)
            .send()
    };
    let token = ask("RS256").await.unwrap().web_identity_token.unwrap();
    let header = part(&token, 0);
    assert_eq!(header["alg"], "RS256");

    let url = format!("{}/.well-known/jwks.json", server.endpoint());
    let jwks: Value =
        serde_json::from_str(&reqwest::get(url).await.unwrap().text().await.unwrap()).unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    let key = keys
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("the token's key is published");
    assert_eq!(
        (key["kty"].as_str(), key["alg"].as_str()),
        (Some("RSA"), Some("RS256"))
    );
    // Beside the EC keys, under its own kid.
    let es384 = part(&ask("ES384").await.unwrap().web_identity_token.unwrap(), 0);
    assert_ne!(es384["kid"], header["kid"]);
    assert!(keys.iter().any(|k| k["kid"] == es384["kid"]));

    let number = |name: &str| URL_SAFE_NO_PAD.decode(key[name].as_str().unwrap()).unwrap();
    let (input, signature) = token.rsplit_once('.').unwrap();
    RsaPublicKeyComponents {
        n: number("n"),
        e: number("e"),
    }
    .verify(
        &RSA_PKCS1_2048_8192_SHA256,
        input.as_bytes(),
        &URL_SAFE_NO_PAD.decode(signature).unwrap(),
    )
    .expect("the signature verifies");

    let (code, _) = error_of(ask("PS256").await);
    assert_eq!(code, "ValidationError");
}
