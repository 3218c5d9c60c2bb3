//! `AssumeRoleWithWebIdentity` with tokens of the built-in issuer (and of an issuer whose
//! keys are configured): verification, the trust policy's conditions, expiry.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::common::{ACCOUNT, RawRequest, TestServer, error_of};

/// The built-in issuer's URL, as its discovery document gives it.
pub(crate) async fn issuer(server: &TestServer) -> String {
    let url = format!("{}/.well-known/openid-configuration", server.endpoint());
    let text = reqwest::get(url).await.unwrap().text().await.unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["issuer"].as_str().unwrap().to_owned()
}

/// A token from the built-in issuer (`POST /_iamlocal/oidc/token`).
pub(crate) async fn mint(server: &TestServer, request: Value) -> String {
    let answer = server
        .admin()
        .post("oidc/token", &request.to_string())
        .await;
    answer["token"].as_str().unwrap().to_owned()
}

/// Registers the built-in issuer with `client_id`, and a role `ci` it may assume when the
/// token's subject is `repo:org/app:*` and its audience `client_id`. Returns (provider
/// URL without scheme, role ARN).
async fn provider_and_role(server: &TestServer, client_id: &str) -> (String, String) {
    let iam = server.iam();
    let issuer = issuer(server).await;
    let provider_arn = iam
        .create_open_id_connect_provider()
        .url(&issuer)
        .client_id_list(client_id)
        .send()
        .await
        .unwrap()
        .open_id_connect_provider_arn
        .unwrap();
    let url = issuer.trim_start_matches("http://").to_owned();
    assert_eq!(
        provider_arn,
        format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{url}")
    );
    let trust = json!({"Version": "2012-10-17", "Statement": {
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {format!("{url}:aud"): client_id},
            "StringLike": {format!("{url}:sub"): "repo:org/app:*"},
        },
    }});
    let role_arn = iam
        .create_role()
        .role_name("ci")
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
        .arn;
    (url, role_arn)
}

fn assume(
    server: &TestServer,
    role_arn: &str,
    token: &str,
) -> aws_sdk_sts::operation::assume_role_with_web_identity::builders::AssumeRoleWithWebIdentityFluentBuilder
{
    server
        .sts()
        .assume_role_with_web_identity()
        .role_arn(role_arn)
        .role_session_name("gha-run")
        .web_identity_token(token)
}

#[tokio::test]
async fn a_token_of_the_built_in_issuer_gets_the_role_s_credentials() {
    let server = TestServer::spawn().await;
    let (url, role_arn) = provider_and_role(&server, "sts.amazonaws.com").await;
    let token = mint(
        &server,
        json!({"sub": "repo:org/app:ref:refs/heads/main", "aud": "sts.amazonaws.com"}),
    )
    .await;

    let answer = assume(&server, &role_arn, &token).send().await.unwrap();
    assert_eq!(
        answer.subject_from_web_identity_token(),
        Some("repo:org/app:ref:refs/heads/main")
    );
    assert_eq!(
        answer.provider(),
        Some(&*format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{url}"))
    );
    assert_eq!(answer.audience(), Some("sts.amazonaws.com"));
    let session_arn = format!("arn:aws:sts::{ACCOUNT}:assumed-role/ci/gha-run");
    assert_eq!(answer.assumed_role_user().unwrap().arn(), session_arn);

    let me = server
        .sts_temp(answer.credentials().unwrap())
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.arn(), Some(&*session_arn));
}

#[tokio::test]
async fn the_action_is_answered_unsigned_and_others_are_not() {
    let server = TestServer::spawn().await;
    let (_, role_arn) = provider_and_role(&server, "sts.amazonaws.com").await;
    let token = mint(
        &server,
        json!({"sub": "repo:org/app:x", "aud": "sts.amazonaws.com"}),
    )
    .await;
    let form = |action: &str| {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("Action", action)
            .append_pair("Version", "2011-06-15")
            .append_pair("RoleArn", &role_arn)
            .append_pair("RoleSessionName", "raw")
            .append_pair("WebIdentityToken", &token)
            .finish();
        RawRequest::form(&body)
    };
    let raw = server.raw();
    let answer = raw.send(&form("AssumeRoleWithWebIdentity")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.element("SessionToken").is_some(), "{}", answer.body);

    let refused = raw
        .send(&RawRequest::form(
            "Action=GetCallerIdentity&Version=2011-06-15",
        ))
        .await;
    assert_eq!(
        (refused.status, refused.code()),
        (403, Some("MissingAuthenticationToken"))
    );
}

#[tokio::test]
async fn a_forged_token_is_an_invalid_identity_token() {
    let server = TestServer::spawn().await;
    let (_, role_arn) = provider_and_role(&server, "sts.amazonaws.com").await;
    let token = mint(
        &server,
        json!({"sub": "repo:evil/app:x", "aud": "sts.amazonaws.com"}),
    )
    .await;
    let parts: Vec<&str> = token.split('.').collect();

    // The payload changed to a subject the trust policy accepts, the signature kept.
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["sub"] = json!("repo:org/app:x");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );
    // The signature of another token.
    let other = mint(
        &server,
        json!({"sub": "repo:org/app:x", "aud": "sts.amazonaws.com"}),
    )
    .await;
    let mut signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    signature[10] ^= 1;
    let bad_signature = format!(
        "{}.{}",
        other.rsplit_once('.').unwrap().0,
        URL_SAFE_NO_PAD.encode(signature)
    );
    // No signature at all.
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    for forged in [tampered, bad_signature, unsigned, "not.a-token".to_owned()] {
        let (code, message) = error_of(assume(&server, &role_arn, &forged).send().await);
        assert_eq!(code, "InvalidIdentityToken", "{forged}: {message}");
    }
}

#[tokio::test]
async fn audience_subject_and_issuer_must_match() {
    let server = TestServer::spawn().await;
    let (_, role_arn) = provider_and_role(&server, "sts.amazonaws.com").await;

    let other_audience = mint(
        &server,
        json!({"sub": "repo:org/app:x", "aud": "someone-else"}),
    )
    .await;
    let (code, message) = error_of(assume(&server, &role_arn, &other_audience).send().await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("InvalidIdentityToken", "Incorrect token audience")
    );

    let other_repo = mint(
        &server,
        json!({"sub": "repo:evil/app:x", "aud": "sts.amazonaws.com"}),
    )
    .await;
    let (code, message) = error_of(assume(&server, &role_arn, &other_repo).send().await);
    assert_eq!(code, "AccessDenied");
    assert_eq!(
        message,
        "Not authorized to perform sts:AssumeRoleWithWebIdentity"
    );

    // Signed by the built-in key, but naming an issuer with no provider in the account.
    let other_issuer = mint(
        &server,
        json!({"sub": "repo:org/app:x", "aud": "sts.amazonaws.com",
               "claims": {"iss": "https://issuer.example.com"}}),
    )
    .await;
    let (code, message) = error_of(assume(&server, &role_arn, &other_issuer).send().await);
    assert_eq!(code, "InvalidIdentityToken");
    assert_eq!(
        message,
        "No OpenIDConnect provider found in your account for https://issuer.example.com"
    );
}

#[tokio::test]
async fn a_token_expires_on_the_virtual_clock() {
    let server = TestServer::spawn().await;
    let (_, role_arn) = provider_and_role(&server, "sts.amazonaws.com").await;
    let token = mint(
        &server,
        json!({"sub": "repo:org/app:x", "aud": "sts.amazonaws.com", "expires_in": 60}),
    )
    .await;
    assume(&server, &role_arn, &token).send().await.unwrap();

    server
        .admin()
        .post("clock/advance", r#"{"seconds": 61}"#)
        .await;
    let (code, message) = error_of(assume(&server, &role_arn, &token).send().await);
    assert_eq!(code, "ExpiredTokenException");
    assert!(
        message.starts_with("Token expired: current date/time"),
        "{message}"
    );
}

/// The `iat` of a token: the virtual clock's now when it was minted.
fn issued_at(token: &str) -> i64 {
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["iat"].as_i64().unwrap()
}

#[tokio::test]
async fn a_token_is_refused_before_its_nbf_or_when_issued_in_the_future() {
    let server = TestServer::spawn().await;
    let (_, role_arn) = provider_and_role(&server, "sts.amazonaws.com").await;
    let base = json!({"sub": "repo:org/app:x", "aud": "sts.amazonaws.com", "expires_in": 7200});
    let now = issued_at(&mint(&server, base.clone()).await);
    let minted = |claims: Value| {
        let mut request = base.clone();
        request["claims"] = claims;
        mint(&server, request)
    };

    // A few minutes ahead is the issuer's clock running fast: accepted.
    let slightly_early = minted(json!({"nbf": now + 60, "iat": now + 60})).await;
    assume(&server, &role_arn, &slightly_early)
        .send()
        .await
        .unwrap();

    let not_yet = minted(json!({"nbf": now + 3600})).await;
    let (code, message) = error_of(assume(&server, &role_arn, &not_yet).send().await);
    assert_eq!(code, "IDPRejectedClaim");
    assert_eq!(
        message,
        format!(
            "Token is not valid yet: current date/time {now} must be after the not-before date/time {}",
            now + 3600
        )
    );
    let from_the_future = minted(json!({"iat": now + 3600})).await;
    let (code, message) = error_of(assume(&server, &role_arn, &from_the_future).send().await);
    assert_eq!(code, "IDPRejectedClaim");
    assert!(
        message.starts_with("Token issued in the future"),
        "{message}"
    );

    for (claims, reason) in [
        (
            json!({"nbf": "soon"}),
            "the token's nbf claim is not a NumericDate",
        ),
        (
            json!({"iat": now + 200, "exp": now + 100}),
            "the token expires before it was issued",
        ),
    ] {
        let token = minted(claims).await;
        let (code, message) = error_of(assume(&server, &role_arn, &token).send().await);
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("InvalidIdentityToken", reason)
        );
    }

    // Once the virtual clock reaches its nbf, the token is good.
    server
        .admin()
        .post("clock/advance", r#"{"seconds": 3600}"#)
        .await;
    assume(&server, &role_arn, &not_yet).send().await.unwrap();
}

#[tokio::test]
async fn session_tags_from_the_token_need_tag_session_in_the_trust_policy() {
    let server = TestServer::spawn().await;
    let (url, role_arn) = provider_and_role(&server, "sts.amazonaws.com").await;
    let token = mint(
        &server,
        json!({"sub": "repo:org/app:x", "aud": "sts.amazonaws.com",
               "claims": {"https://aws.amazon.com/tags": {"principal_tags": {"team": ["ci"]}}}}),
    )
    .await;
    let (code, _) = error_of(assume(&server, &role_arn, &token).send().await);
    assert_eq!(code, "AccessDenied");

    let provider_arn = format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{url}");
    let trust = json!({"Version": "2012-10-17", "Statement": {
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
        "Condition": {"StringEquals": {"aws:RequestTag/team": "ci"}},
    }});
    server
        .iam()
        .update_assume_role_policy()
        .role_name("ci")
        .policy_document(trust.to_string())
        .send()
        .await
        .unwrap();
    // The session carries the tag: a permission that needs it works.
    let needs_tag = json!({"Version": "2012-10-17", "Statement": {
        "Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "ci"}},
    }});
    server
        .iam()
        .put_role_policy()
        .role_name("ci")
        .policy_name("tagged")
        .policy_document(needs_tag.to_string())
        .send()
        .await
        .unwrap();
    let answer = assume(&server, &role_arn, &token).send().await.unwrap();
    server
        .iam_temp(answer.credentials().unwrap())
        .list_users()
        .send()
        .await
        .unwrap();
}

const GITHUB: &str = "https://token.actions.githubusercontent.com";

/// An issuer that signs elsewhere, as GitHub Actions does: its RSA key (a test fixture) and
/// its keys published in a JWKS file, for `--oidc-jwks ISSUER=FILE`.
struct ExternalIssuer {
    key: ring::signature::RsaKeyPair,
    dir: std::path::PathBuf,
}

impl ExternalIssuer {
    fn new() -> ExternalIssuer {
        use ring::signature::{RsaKeyPair, RsaPublicKeyComponents};

        let pem = include_str!("fixtures/oidc_rsa_key.pem");
        let der: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(der)
            .unwrap();
        let key = RsaKeyPair::from_pkcs8(&der).unwrap();
        let public: RsaPublicKeyComponents<Vec<u8>> = key.public().into();
        let jwks = json!({"keys": [{"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
            "n": URL_SAFE_NO_PAD.encode(&public.n), "e": URL_SAFE_NO_PAD.encode(&public.e)}]});
        let unique = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir =
            std::env::temp_dir().join(format!("iamlocal-jwks-{}-{unique}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("jwks.json"), jwks.to_string()).unwrap();
        ExternalIssuer { key, dir }
    }

    /// The `--oidc-jwks` value.
    fn flag(&self) -> String {
        format!("{GITHUB}={}", self.dir.join("jwks.json").display())
    }

    /// An RS256 token for `sub`, valid for five minutes from `now`.
    fn token(&self, sub: &str, now: i64) -> String {
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": "k1"});
        let claims = json!({"iss": GITHUB, "sub": sub, "aud": "sts.amazonaws.com",
            "iat": now, "exp": now + 300});
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0; self.key.public().modulus_len()];
        let rng = ring::rand::SystemRandom::new();
        self.key
            .sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &rng,
                input.as_bytes(),
                &mut signature,
            )
            .unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(&signature))
    }
}

impl Drop for ExternalIssuer {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

/// Registers GitHub's issuer and a role `deploy` for the main branch of `org/app`; returns
/// (provider ARN, role ARN).
async fn github_provider_and_role(server: &TestServer) -> (String, String) {
    let iam = server.iam();
    let provider_arn = iam
        .create_open_id_connect_provider()
        .url(GITHUB)
        .client_id_list("sts.amazonaws.com")
        .send()
        .await
        .unwrap()
        .open_id_connect_provider_arn
        .unwrap();
    let trust = json!({"Version": "2012-10-17", "Statement": {
        "Effect": "Allow", "Principal": {"Federated": provider_arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:org/app:ref:refs/heads/main"}},
    }});
    let role_arn = iam
        .create_role()
        .role_name("deploy")
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
        .arn;
    (provider_arn, role_arn)
}

/// An issuer whose keys are given as a JWKS file (`--oidc-jwks ISSUER=FILE`): its RS256
/// tokens verify without the network, as a GitHub Actions token would.
#[tokio::test]
async fn tokens_of_a_configured_jwks_issuer_verify() {
    let github = ExternalIssuer::new();
    let server = TestServer::spawn_with(|config| config.oidc_jwks = vec![github.flag()]).await;
    let (provider_arn, role_arn) = github_provider_and_role(&server).await;
    let now = server.app.clock.now().unix_timestamp();

    let main = github.token("repo:org/app:ref:refs/heads/main", now);
    let answer = assume(&server, &role_arn, &main).send().await.unwrap();
    assert_eq!(answer.provider(), Some(&*provider_arn));

    let branch = github.token("repo:org/app:ref:refs/heads/feature", now);
    let (code, _) = error_of(assume(&server, &role_arn, &branch).send().await);
    assert_eq!(code, "AccessDenied");
}

#[tokio::test]
async fn a_registered_provider_survives_a_restart() {
    let github = ExternalIssuer::new();
    let db = github.dir.join("state.db");
    let first = TestServer::spawn_with(|config| {
        config.oidc_jwks = vec![github.flag()];
        config.db = Some(db.clone());
    })
    .await;
    let (_, role_arn) = github_provider_and_role(&first).await;
    first.stop().await;

    let second = TestServer::spawn_with(|config| {
        config.oidc_jwks = vec![github.flag()];
        config.db = Some(db.clone());
    })
    .await;
    let now = second.app.clock.now().unix_timestamp();
    let token = github.token("repo:org/app:ref:refs/heads/main", now);
    assume(&second, &role_arn, &token).send().await.unwrap();
    second.stop().await;
}

/// The SDK's own web identity credential provider (`AWS_ROLE_ARN` and
/// `AWS_WEB_IDENTITY_TOKEN_FILE`, as GitHub Actions and EKS set them) gets its credentials
/// from iamlocal. The environment and files are given to the loader, not set in the process.
#[tokio::test]
async fn the_sdk_web_identity_credential_provider_works_against_iamlocal() {
    use aws_types::os_shim_internal::{Env, Fs};

    let server = TestServer::spawn().await;
    let (_, role_arn) = provider_and_role(&server, "sts.amazonaws.com").await;
    let token = mint(
        &server,
        json!({"sub": "repo:org/app:sdk", "aud": "sts.amazonaws.com"}),
    )
    .await;
    let endpoint = server.endpoint();
    let env = Env::from_slice(&[
        ("AWS_ROLE_ARN", &role_arn),
        ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token"),
        ("AWS_ROLE_SESSION_NAME", "sdk"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL", &endpoint),
    ]);
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .env(env)
        .fs(Fs::from_slice(&[("/var/run/token", &token)]))
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .load()
        .await;
    let me = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.arn(),
        Some(&*format!("arn:aws:sts::{ACCOUNT}:assumed-role/ci/sdk"))
    );
}

#[tokio::test]
async fn session_tags_from_a_token_obey_the_session_tag_rules() {
    let server = TestServer::spawn().await;
    let (_, role_arn) = provider_and_role(&server, "sts.amazonaws.com").await;
    for tags in [
        json!({"principal_tags": {"aws:team": ["ci"]}}),
        json!({"principal_tags": {"team": ["ci"], "Team": ["cd"]}}),
        json!({"principal_tags": {"team": ["ci"]}, "transitive_tag_keys": ["project"]}),
    ] {
        let token = mint(
            &server,
            json!({"sub": "repo:org/app:x", "aud": "sts.amazonaws.com",
                   "claims": {"https://aws.amazon.com/tags": tags}}),
        )
        .await;
        let (code, message) = error_of(assume(&server, &role_arn, &token).send().await);
        assert_eq!(code, "InvalidParameterValue", "{tags}: {message}");
    }
}
