//! `--bootstrap FILE`: a state document applied at start-up and by every reset.

use std::path::{Path, PathBuf};

use iamlocal::{Config, Server};

use crate::common::{ACCOUNT, TestServer, error_of};

const SEED: &str = r#"
accounts:
  - policies:
      # One document instead of versions, given as JSON text.
      - name: list-roles
        document: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"}]}'
    users:
      - name: seeded
        attached_policies: [arn:aws:iam::000000000000:policy/list-roles]
        access_keys:
          - id: AKIAIAMLOCALSEEDED01
            secret: seeded-secret
        policies:
          list-users:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: iam:ListUsers
                Resource: "*"
"#;

/// A file of its own for each test, in the temporary directory.
fn file(name: &str, contents: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("iamlocal-it-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// The error that stops start-up with this bootstrap file.
async fn start_error(path: &Path) -> String {
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        bootstrap: Some(path.to_owned()),
        ..Config::default()
    };
    match Server::bind(config).await {
        Ok(_) => panic!("the server started with {}", path.display()),
        Err(e) => e.to_string(),
    }
}

async fn user_names(server: &TestServer) -> Vec<String> {
    let users = server.iam().list_users().send().await.unwrap();
    users
        .users()
        .iter()
        .map(|u| u.user_name().to_owned())
        .collect()
}

#[tokio::test]
async fn the_bootstrap_file_is_applied_at_start_and_after_every_reset() {
    let path = file("seed.yaml", SEED);
    let server = TestServer::spawn_with(|c| c.bootstrap = Some(path.clone())).await;
    let seeded = server.iam_as("AKIAIAMLOCALSEEDED01", "seeded-secret");
    seeded.list_users().send().await.unwrap();
    seeded.list_roles().send().await.unwrap();
    assert_eq!(user_names(&server).await, ["seeded"]);
    let state = server.admin().get("state").await;
    let policy = &state["accounts"][0]["policies"][0];
    assert_eq!(policy["default_version"], "v1");
    assert_eq!(
        policy["versions"][0]["document"]["Statement"][0]["Action"],
        "iam:ListRoles"
    );

    server
        .iam()
        .create_user()
        .user_name("extra")
        .send()
        .await
        .unwrap();
    server
        .iam()
        .delete_access_key()
        .user_name("seeded")
        .access_key_id("AKIAIAMLOCALSEEDED01")
        .send()
        .await
        .unwrap();
    server.admin().post("reset", "").await;

    assert_eq!(user_names(&server).await, ["seeded"]);
    seeded.list_users().send().await.unwrap();
    // Ids and dates are generated once, when the file is read: a reset gives the same ones.
    assert_eq!(server.admin().get("state").await, state);
}

#[tokio::test]
async fn a_database_that_holds_state_is_not_seeded_again() {
    let path = file("seed.yaml", SEED);
    let db = path.with_file_name("state.db");
    let configure = |c: &mut Config| {
        c.bootstrap = Some(path.clone());
        c.db = Some(db.clone());
    };
    let first = TestServer::spawn_with(configure).await;
    first
        .iam()
        .create_user()
        .user_name("later")
        .send()
        .await
        .unwrap();
    first.stop().await;

    let second = TestServer::spawn_with(configure).await;
    assert_eq!(user_names(&second).await, ["later", "seeded"]);
}

#[tokio::test]
async fn a_json_file_is_read_as_json() {
    let path = file(
        "seed.json",
        r#"{"accounts": [{"roles": [{"name": "r", "trust_policy": {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}]}]}"#,
    );
    let server = TestServer::spawn_with(|c| c.bootstrap = Some(path.clone())).await;
    let role = server.iam().get_role().role_name("r").send().await.unwrap();
    assert_eq!(role.role.unwrap().max_session_duration, Some(3600));
}

#[tokio::test]
async fn a_bootstrap_file_declares_oidc_providers() {
    let path = file(
        "providers.yaml",
        "accounts:\n  - oidc_providers:\n      - url: https://token.actions.githubusercontent.com\n        client_ids: [sts.amazonaws.com]\n        tags: [{key: ci, value: github}]\n",
    );
    let server = TestServer::spawn_with(|c| c.bootstrap = Some(path.clone())).await;
    let arn = format!("arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com");
    let provider = server
        .iam()
        .get_open_id_connect_provider()
        .open_id_connect_provider_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(provider.url(), Some("token.actions.githubusercontent.com"));
    assert_eq!(provider.client_id_list(), ["sts.amazonaws.com"]);
    assert_eq!(provider.tags()[0].key(), "ci");

    // The checks of CreateOpenIDConnectProvider: no plain http for unknown issuers.
    let path = file(
        "http.yaml",
        "accounts:\n  - oidc_providers:\n      - url: http://example.com\n",
    );
    let error = start_error(&path).await;
    assert!(error.contains("oidc_providers[0].url"), "{error}");
    assert!(error.contains("https://"), "{error}");
}

#[tokio::test]
async fn a_yaml_syntax_error_names_the_file_and_line() {
    let path = file(
        "broken.yaml",
        "accounts:\n  - users:\n      - name: a\n     bad: [\n",
    );
    let error = start_error(&path).await;
    assert!(error.contains(&path.display().to_string()), "{error}");
    assert!(error.contains("line 4"), "{error}");

    // A field of the wrong type is a YAML error too, with its line.
    let path = file(
        "typed.yaml",
        "accounts:\n  - roles:\n      - name: r\n        max_session_duration: long\n",
    );
    let error = start_error(&path).await;
    assert!(error.contains("line 4"), "{error}");
    assert!(error.contains("max_session_duration"), "{error}");
}

#[tokio::test]
async fn a_json_syntax_error_names_the_file_and_line() {
    let path = file("broken.json", "{\"accounts\": [\n  {\"users\": [}\n]}\n");
    let error = start_error(&path).await;
    assert!(error.contains(&path.display().to_string()), "{error}");
    assert!(error.contains("line 2"), "{error}");
}

#[tokio::test]
async fn a_semantic_error_names_the_entity() {
    let path = file(
        "bad-policy.yaml",
        "accounts:\n  - users:\n      - name: a\n      - name: b\n      - name: c\n        policies:\n          s3-read:\n            Version: \"2012-10-17\"\n            Statement: []\n",
    );
    let error = start_error(&path).await;
    assert!(error.contains(&path.display().to_string()), "{error}");
    assert!(error.contains("users[2].policies.s3-read"), "{error}");
    // The policy's document starts on line 8.
    assert!(error.contains("line 8, column 13"), "{error}");
    assert!(error.contains("MalformedPolicyDocument"), "{error}");

    // In JSON too, down to the element that lacks something.
    let path = file(
        "keyless.json",
        "{\"accounts\": [{\"users\": [\n  {\"name\": \"a\"},\n  {\"name\": \"b\",\n   \"access_keys\": [{\"id\": \"AKIAIAMLOCALTEST0001\"}]}\n]}]}\n",
    );
    let error = start_error(&path).await;
    assert!(error.contains("line 4"), "{error}");
    assert!(error.contains("users[1].access_keys[0].secret"), "{error}");

    let error = start_error(&path.with_file_name("missing.yaml")).await;
    assert!(error.contains("missing.yaml"), "{error}");
}

/// The seed the compose example ships: its credentials work as its comments say.
#[tokio::test]
async fn the_docker_bootstrap_file_gives_working_credentials() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docker/bootstrap.yaml");
    let server = TestServer::spawn_with(|c| c.bootstrap = Some(path)).await;
    let (app_key, app_secret) = (
        "AKIAIAMLOCALAPPUSER1",
        "iamlocalAppUserSecretKey0000000000000001",
    );

    let app = server.sts_as(app_key, app_secret);
    let identity = app.get_caller_identity().send().await.unwrap();
    assert_eq!(
        identity.arn(),
        Some(format!("arn:aws:iam::{ACCOUNT}:user/services/app").as_str())
    );
    let deploy = app
        .assume_role()
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/deploy"))
        .role_session_name("release")
        .send()
        .await
        .unwrap()
        .credentials
        .unwrap();
    let as_deploy = server
        .sts_temp(&deploy)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(
        as_deploy.arn(),
        Some(format!("arn:aws:sts::{ACCOUNT}:assumed-role/deploy/release").as_str())
    );
    // PowerUserAccess: everything but IAM.
    let (code, _) = error_of(server.iam_temp(&deploy).list_users().send().await);
    assert_eq!(code, "AccessDenied");

    // The auditor reads through the readers group (ReadOnlyAccess), and writes nothing.
    let auditor = server.iam_as(
        "AKIAIAMLOCALAUDITOR1",
        "iamlocalAuditorSecretKey0000000000000001",
    );
    let users = auditor.list_users().send().await.unwrap();
    assert_eq!(users.users().len(), 2);
    let (code, _) = error_of(auditor.create_user().user_name("x").send().await);
    assert_eq!(code, "AccessDenied");

    // The auditor's console password, and the instance profile of `deploy`.
    let iam = server.iam();
    let login = iam.get_login_profile().user_name("auditor").send().await;
    assert_eq!(login.unwrap().login_profile.unwrap().user_name, "auditor");
    let profile = iam
        .get_instance_profile()
        .instance_profile_name("deploy-hosts");
    let profile = profile.send().await.unwrap().instance_profile.unwrap();
    assert_eq!(profile.roles[0].role_name, "deploy");
}

/// The example of README.md's state document section starts a server as it says.
#[tokio::test]
async fn the_readme_example_declares_profiles_devices_and_settings() {
    let readme = include_str!("../../README.md");
    let section = &readme[readme.find("## State documents and `--bootstrap`").unwrap()..];
    let start = section.find("```yaml\n").unwrap() + "```yaml\n".len();
    let example = &section[start..start + section[start..].find("```").unwrap()];
    let path = file("readme.yaml", example);
    let server = TestServer::spawn_with(|c| c.bootstrap = Some(path.clone())).await;
    let iam = server.iam();
    let profile = iam
        .get_instance_profile()
        .instance_profile_name("deploy-hosts")
        .send()
        .await
        .unwrap()
        .instance_profile
        .unwrap();
    assert_eq!(profile.roles[0].role_name, "deploy");
    assert_eq!(profile.tags()[0].key(), "tier");
    let aliases = iam.list_account_aliases().send().await.unwrap();
    assert_eq!(aliases.account_aliases, ["my-shop"]);
    let policy = iam.get_account_password_policy().send().await.unwrap();
    assert_eq!(
        policy.password_policy.unwrap().minimum_password_length,
        Some(12)
    );
    let devices = iam.list_virtual_mfa_devices().send().await.unwrap();
    assert!(
        devices.virtual_mfa_devices[0]
            .serial_number
            .ends_with(":mfa/spare-token")
    );
}
