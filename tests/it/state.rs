//! `GET` and `PUT /_iamlocal/state`: the whole control plane as one document.

use aws_sdk_iam::types::Tag;
use serde_json::{Value, json};

use crate::common::{ACCOUNT, TestServer, error_of};
use crate::mfa::{enabled_device, fresh_step, totp};
use crate::sts::user_with_key;
use crate::web_identity::{issuer, mint};

const ALLOW_S3: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

/// One of each kind of entity, with every field the document carries set.
async fn populate(server: &TestServer) -> (String, String) {
    let iam = server.iam();
    let policy_arn = iam
        .create_policy()
        .policy_name("bounds")
        .path("/limits/")
        .description("the most anyone may do")
        .policy_document(ALLOW_ALL)
        .tags(tag("owner", "security"))
        .send()
        .await
        .unwrap()
        .policy
        .unwrap()
        .arn
        .unwrap();
    iam.create_policy_version()
        .policy_arn(&policy_arn)
        .policy_document(ALLOW_S3)
        .set_as_default(true)
        .send()
        .await
        .unwrap();
    iam.create_group()
        .group_name("readers")
        .path("/teams/")
        .send()
        .await
        .unwrap();
    iam.attach_group_policy()
        .group_name("readers")
        .policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
        .send()
        .await
        .unwrap();
    iam.put_group_policy()
        .group_name("readers")
        .policy_name("s3")
        .policy_document(ALLOW_S3)
        .send()
        .await
        .unwrap();
    iam.create_user()
        .user_name("alice")
        .path("/eng/")
        .permissions_boundary(&policy_arn)
        .tags(tag("team", "core"))
        .tags(tag("Cost Center", "42"))
        .send()
        .await
        .unwrap();
    iam.add_user_to_group()
        .group_name("readers")
        .user_name("alice")
        .send()
        .await
        .unwrap();
    iam.put_user_policy()
        .user_name("alice")
        .policy_name("everything")
        .policy_document(ALLOW_ALL)
        .send()
        .await
        .unwrap();
    iam.attach_user_policy()
        .user_name("alice")
        .policy_arn(&policy_arn)
        .send()
        .await
        .unwrap();
    let key = iam
        .create_access_key()
        .user_name("alice")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let old = iam
        .create_access_key()
        .user_name("alice")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    iam.update_access_key()
        .user_name("alice")
        .access_key_id(old.access_key_id)
        .status(aws_sdk_iam::types::StatusType::Inactive)
        .send()
        .await
        .unwrap();
    iam.create_role()
        .role_name("deploy")
        .path("/ci/")
        .description("what deployments run as")
        .max_session_duration(7200)
        .assume_role_policy_document(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:user/eng/alice"}},"Action":"sts:AssumeRole"}}]}}"#
        ))
        .permissions_boundary(&policy_arn)
        .tags(tag("env", "dev"))
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name("deploy")
        .policy_name("s3")
        .policy_document(ALLOW_S3)
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name("deploy")
        .policy_arn("arn:aws:iam::aws:policy/PowerUserAccess")
        .send()
        .await
        .unwrap();
    // The built-in issuer, whose tokens iamlocal can mint and verify.
    iam.create_open_id_connect_provider()
        .url(issuer(server).await)
        .client_id_list("sts.amazonaws.com")
        .thumbprint_list("a".repeat(40))
        .tags(tag("ci", "github"))
        .send()
        .await
        .unwrap();
    (key.access_key_id, key.secret_access_key)
}

fn account(state: &Value) -> &Value {
    state["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account_id"] == ACCOUNT)
        .expect("the configured account is exported")
}

#[tokio::test]
async fn an_export_imports_back_unchanged() {
    let server = TestServer::spawn().await;
    let (key_id, secret) = populate(&server).await;
    let admin = server.admin();
    let first = admin.get("state?secrets=true").await;

    let alice = &account(&first)["users"][0];
    assert_eq!(alice["name"], "alice");
    assert_eq!(alice["groups"], json!(["readers"]));
    assert_eq!(
        alice["tags"][1],
        json!({"key": "Cost Center", "value": "42"})
    );
    assert_eq!(
        alice["policies"]["everything"]["Statement"][0]["Action"],
        "*"
    );
    assert_eq!(alice["access_keys"].as_array().unwrap().len(), 2);
    let policy = &account(&first)["policies"][0];
    assert_eq!(policy["default_version"], "v2");
    assert_eq!(policy["versions"][0]["id"], "v1");
    assert_eq!(
        account(&first)["roles"][0]["trust_policy"]["Statement"][0]["Action"],
        "sts:AssumeRole"
    );
    let provider_url = issuer(&server)
        .await
        .trim_start_matches("http://")
        .to_owned();
    let provider = &account(&first)["oidc_providers"][0];
    assert_eq!(provider["url"], provider_url);
    assert_eq!(provider["client_ids"], json!(["sts.amazonaws.com"]));
    assert_eq!(provider["thumbprints"], json!(["a".repeat(40)]));
    assert_eq!(provider["tags"], json!([{"key": "ci", "value": "github"}]));

    admin.post("reset", "").await;
    assert!(account(&admin.get("state").await).get("users").is_none());
    let imported = admin.put("state", &first.to_string()).await;
    assert_eq!(imported["imported"]["users"], 1);
    assert_eq!(imported["imported"]["oidc_providers"], 1);
    assert_eq!(admin.get("state?secrets=true").await, first);

    // The data plane was rebuilt: the imported key signs, and alice can assume the role.
    let identity = server
        .sts_as(&key_id, &secret)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(
        identity.arn(),
        Some(format!("arn:aws:iam::{ACCOUNT}:user/eng/alice").as_str())
    );
    server
        .sts_as(&key_id, &secret)
        .assume_role()
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/ci/deploy"))
        .role_session_name("after-import")
        .send()
        .await
        .unwrap();
    let role = server
        .iam()
        .get_role()
        .role_name("deploy")
        .send()
        .await
        .unwrap();
    assert_eq!(role.role.unwrap().max_session_duration, Some(7200));

    // The imported provider is in the view: its tokens get a role's credentials.
    let provider_arn = format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{provider_url}");
    let trust = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
        "Principal": {"Federated": provider_arn}, "Action": "sts:AssumeRoleWithWebIdentity"}});
    let ci = server
        .iam()
        .create_role()
        .role_name("ci")
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    let token = mint(
        &server,
        json!({"sub": "repo:org/app", "aud": "sts.amazonaws.com"}),
    )
    .await;
    let answer = server
        .sts()
        .assume_role_with_web_identity()
        .role_arn(ci.arn)
        .role_session_name("after-import")
        .web_identity_token(token)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.provider(), Some(provider_arn.as_str()));
}

#[tokio::test]
async fn secrets_are_exported_only_when_asked() {
    let server = TestServer::spawn().await;
    let (key_id, secret) = populate(&server).await;
    let admin = server.admin();

    let plain = admin.get("state").await;
    let keys = &account(&plain)["users"][0]["access_keys"];
    assert_eq!(keys[0]["id"], key_id);
    assert!(keys[0].get("secret").is_none(), "{keys}");
    assert!(!plain.to_string().contains(&secret));

    let full = admin.get("state?secrets=true").await;
    assert_eq!(
        account(&full)["users"][0]["access_keys"][0]["secret"],
        secret
    );

    let (status, body) = admin.call("GET", "state?secret=yes", None).await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn an_invalid_import_changes_nothing_and_names_the_problem() {
    let server = TestServer::spawn().await;
    populate(&server).await;
    let admin = server.admin();
    let before = admin.get("state?secrets=true").await;

    // A valid first user, then one whose inline policy the policy engine refuses.
    let mut document = json!({"accounts": [{"users": [
        {"name": "fine", "policies": {"ok": serde_json::from_str::<Value>(ALLOW_S3).unwrap()}},
        {"name": "broken", "policies": {"s3-read": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]}}},
    ]}]});
    let (status, body) = admin
        .call("PUT", "state", Some(&document.to_string()))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["path"], "accounts[0].users[1].policies.s3-read");
    assert_eq!(body["entity"], "user broken");
    let problem = body["problem"].as_str().unwrap();
    assert!(problem.starts_with("MalformedPolicyDocument"), "{problem}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("accounts[0].users[1].policies.s3-read"),
        "{body}"
    );

    // A key without its secret could never sign: refused, not given a fresh one.
    document["accounts"][0]["users"][1] =
        json!({"name": "keyed", "access_keys": [{"id": "AKIAIAMLOCALTEST0001"}]});
    let (status, body) = admin
        .call("PUT", "state", Some(&document.to_string()))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["path"], "accounts[0].users[1].access_keys[0].secret");
    assert!(
        body["problem"].as_str().unwrap().contains("secret"),
        "{body}"
    );

    // References and IAM's checks: a group that is not there, a bad name, an unknown field.
    for (user, path) in [
        (
            json!({"name": "x", "groups": ["nobody"]}),
            "accounts[0].users[1].groups[0]",
        ),
        (json!({"name": "x y"}), "accounts[0].users[1].name"),
        (
            json!({"name": "x", "attached_policies": ["arn:aws:iam::aws:policy/NoSuchThing"]}),
            "accounts[0].users[1].attached_policies[0]",
        ),
        (json!({"name": "FINE"}), "accounts[0].users[1]"),
    ] {
        document["accounts"][0]["users"][1] = user;
        let (status, body) = admin
            .call("PUT", "state", Some(&document.to_string()))
            .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["path"], path, "{body}");
    }
    let (status, body) = admin
        .call("PUT", "state", Some(r#"{"accounts": [{"usres": []}]}"#))
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("usres"), "{body}");

    assert_eq!(admin.get("state?secrets=true").await, before);
}

#[tokio::test]
async fn an_import_is_visible_at_once_whatever_the_delay() {
    let server = TestServer::spawn_with(|c| c.consistency_delay = Some(600_000)).await;
    let document = json!({"accounts": [{"users": [{
        "name": "ci",
        "access_keys": [{"id": "AKIAIAMLOCALCIUSER01", "secret": "ci-secret-for-tests"}],
    }]}]});
    server.admin().put("state", &document.to_string()).await;
    let identity = server
        .sts_as("AKIAIAMLOCALCIUSER01", "ci-secret-for-tests")
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(
        identity.arn(),
        Some(format!("arn:aws:iam::{ACCOUNT}:user/ci").as_str())
    );
}

/// Instance profiles, console passwords, service-specific credentials and the account
/// settings travel with the rest.
#[tokio::test]
async fn instance_profiles_login_profiles_and_settings_import_back_unchanged() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let trust = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}});
    iam.create_role()
        .role_name("web")
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .unwrap();
    iam.create_instance_profile()
        .instance_profile_name("web-hosts")
        .path("/ec2/")
        .tags(tag("tier", "web"))
        .send()
        .await
        .unwrap();
    iam.add_role_to_instance_profile()
        .instance_profile_name("web-hosts")
        .role_name("web")
        .send()
        .await
        .unwrap();
    iam.create_instance_profile()
        .instance_profile_name("empty")
        .send()
        .await
        .unwrap();
    iam.create_user().user_name("bob").send().await.unwrap();
    iam.create_login_profile()
        .user_name("bob")
        .password("Bob-Secret-1")
        .password_reset_required(true)
        .send()
        .await
        .unwrap();
    iam.create_service_specific_credential()
        .user_name("bob")
        .service_name("codecommit.amazonaws.com")
        .send()
        .await
        .unwrap();
    let api_key = iam
        .create_service_specific_credential()
        .user_name("bob")
        .service_name("bedrock.amazonaws.com")
        .credential_age_days(30)
        .send()
        .await
        .unwrap()
        .service_specific_credential
        .unwrap();
    iam.create_account_alias()
        .account_alias("my-shop")
        .send()
        .await
        .unwrap();
    iam.update_account_password_policy()
        .minimum_password_length(10)
        .require_symbols(true)
        .password_reuse_prevention(3)
        .send()
        .await
        .unwrap();
    iam.set_security_token_service_preferences()
        .global_endpoint_token_version(aws_sdk_iam::types::GlobalEndpointTokenVersion::V2Token)
        .send()
        .await
        .unwrap();
    iam.enable_outbound_web_identity_federation()
        .send()
        .await
        .unwrap();
    let admin = server.admin();
    let first = admin.get("state?secrets=true").await;
    let exported = account(&first);
    assert_eq!(exported["alias"], "my-shop");
    assert_eq!(exported["password_policy"]["minimum_password_length"], 10);
    assert_eq!(exported["global_endpoint_token_version"], "v2Token");
    assert_eq!(exported["outbound_web_identity_federation"], true);
    let profile = &exported["instance_profiles"][1];
    assert_eq!(
        (&profile["name"], &profile["path"], &profile["role"]),
        (&json!("web-hosts"), &json!("/ec2/"), &json!("web"))
    );
    assert_eq!(profile["tags"], json!([{"key": "tier", "value": "web"}]));
    let login = &exported["users"][0]["login_profile"];
    assert_eq!(login["password_reset_required"], true);
    assert_eq!(login["password_hash"].as_str().unwrap().len(), 64);
    assert!(!first.to_string().contains("Bob-Secret-1"));
    let credentials = &exported["users"][0]["service_specific_credentials"];
    assert_eq!(
        credentials[0]["service_user_name"],
        format!("bob-at-{ACCOUNT}")
    );
    assert_eq!(credentials[1]["service_name"], "bedrock.amazonaws.com");
    assert!(credentials[1]["expires"].is_string(), "{credentials}");
    assert_eq!(credentials[1]["secret_hash"].as_str().unwrap().len(), 64);
    let api_secret = api_key.service_credential_secret.unwrap();
    assert!(!first.to_string().contains(&api_secret));

    // Without ?secrets=true: the profile is there, its hash is not.
    let plain = admin.get("state").await;
    let login = &account(&plain)["users"][0]["login_profile"];
    assert_eq!(login["password_reset_required"], true);
    assert!(login.get("password_hash").is_none() && login.get("salt").is_none());
    let credential = &account(&plain)["users"][0]["service_specific_credentials"][1];
    assert!(credential.get("secret_hash").is_none() && credential.get("salt").is_none());
    assert_eq!(credential["status"], "Active");
    let hash = account(&first)["users"][0]["login_profile"]["password_hash"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!plain.to_string().contains(&hash));

    admin.post("reset", "").await;
    let imported = admin.put("state", &first.to_string()).await;
    assert_eq!(imported["imported"]["instance_profiles"], 2);
    assert_eq!(admin.get("state?secrets=true").await, first);
    let got = iam
        .get_instance_profile()
        .instance_profile_name("web-hosts")
        .send()
        .await
        .unwrap()
        .instance_profile
        .unwrap();
    assert_eq!(got.roles[0].role_name, "web");
    let listed = iam
        .list_service_specific_credentials()
        .user_name("bob")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.service_specific_credentials.unwrap().len(), 2);
    let aliases = iam.list_account_aliases().send().await.unwrap();
    assert_eq!(aliases.account_aliases, ["my-shop"]);
    let summary = iam.get_account_summary().send().await.unwrap();
    let summary = summary.summary_map.unwrap();
    assert_eq!(
        summary[&aws_sdk_iam::types::SummaryKeyType::GlobalEndpointTokenVersion],
        2
    );

    // A plain export lacks the hashes, so it does not import: nobody could log in.
    let (status, body) = admin.call("PUT", "state", Some(&plain.to_string())).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("?secrets=true"), "{body}");
}

/// What only guards against reuse travels too, with `?secrets=true`: a password used
/// before stays refused, and an MFA code used before stays used.
#[tokio::test]
async fn password_history_and_the_mfa_replay_guard_import_back() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.update_account_password_policy()
        .allow_users_to_change_password(true)
        .password_reuse_prevention(3)
        .send()
        .await
        .unwrap();
    let (key, secret) = user_with_key(&server, "ida").await;
    let create = iam.create_login_profile().user_name("ida");
    create.password("First-Pass-1").send().await.unwrap();
    let ida = server.iam_as(&key, &secret);
    let change = |old: &str, new: &str| {
        ida.change_password()
            .old_password(old)
            .new_password(new)
            .send()
    };
    change("First-Pass-1", "Second-Pass-2").await.unwrap();
    let (serial, seed) = enabled_device(&server, "ida").await;
    let step = fresh_step(&server).await;
    let sts = server.sts_as(&key, &secret);
    let with_code = || {
        sts.get_session_token()
            .serial_number(&serial)
            .token_code(totp(&seed, step))
            .send()
    };
    with_code().await.unwrap();

    let admin = server.admin();
    let first = admin.get("state?secrets=true").await;
    let history = &account(&first)["users"][0]["password_history"];
    assert_eq!(history.as_array().map(Vec::len), Some(2), "{history}");
    assert_eq!(history[1]["password_hash"].as_str().unwrap().len(), 64);
    assert_eq!(account(&first)["mfa_devices"][0]["last_step"], step);
    let plain = admin.get("state").await;
    assert!(
        account(&plain)["users"][0]
            .get("password_history")
            .is_none()
    );
    assert!(account(&plain)["mfa_devices"][0].get("last_step").is_none());

    admin.post("reset", "").await;
    admin.put("state", &first.to_string()).await;
    assert_eq!(admin.get("state?secrets=true").await, first);
    let (code, _) = error_of(with_code().await);
    assert_eq!(code, "AccessDenied");
    let (code, message) = error_of(change("Second-Pass-2", "First-Pass-1").await);
    assert_eq!(code, "PasswordPolicyViolation");
    assert!(message.contains("last 3 passwords"), "{message}");
    change("Second-Pass-2", "Third-Pass-3").await.unwrap();
}

/// A clear password may be imported: checked against the document's policy, kept hashed.
#[tokio::test]
async fn an_imported_clear_password_is_checked_and_hashed() {
    let server = TestServer::spawn().await;
    let admin = server.admin();
    let document = |password: &str| {
        json!({"accounts": [{
            "password_policy": {"minimum_password_length": 12, "allow_users_to_change_password": true},
            "users": [{"name": "carol",
                "access_keys": [{"id": "AKIAIMPORTEDCAROL001", "secret": "carol-secret"}],
                "login_profile": {"password": password}}],
        }]})
        .to_string()
    };
    let (status, body) = admin.call("PUT", "state", Some(&document("Short-1"))).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.to_string()
            .contains("accounts[0].users[0].login_profile.password"),
        "{body}"
    );

    admin.put("state", &document("Carol-Long-Pass-1")).await;
    let state = admin.get("state?secrets=true").await;
    assert!(!state.to_string().contains("Carol-Long-Pass-1"));
    // The hash is of that password: carol changes it, giving it as her old one.
    server
        .iam_as("AKIAIMPORTEDCAROL001", "carol-secret")
        .change_password()
        .old_password("Carol-Long-Pass-1")
        .new_password("Carol-New-Pass-22")
        .send()
        .await
        .unwrap();
}
