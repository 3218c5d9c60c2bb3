//! IAM OpenID Connect providers: create, read, list, update, tag, delete, and AWS's checks.

use crate::common::{ACCOUNT, TestServer, error_of};

const GITHUB: &str = "https://token.actions.githubusercontent.com";

fn github_arn() -> String {
    format!("arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com")
}

fn tag(key: &str, value: &str) -> aws_sdk_iam::types::Tag {
    aws_sdk_iam::types::Tag::builder()
        .key(key)
        .value(value)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_provider_is_created_read_updated_tagged_and_deleted() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let created = iam
        .create_open_id_connect_provider()
        .url(GITHUB)
        .client_id_list("sts.amazonaws.com")
        .thumbprint_list("a".repeat(40))
        .tags(tag("team", "ci"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.open_id_connect_provider_arn(), Some(&*github_arn()));
    assert_eq!(created.tags().len(), 1);

    let got = iam
        .get_open_id_connect_provider()
        .open_id_connect_provider_arn(github_arn())
        .send()
        .await
        .unwrap();
    // AWS shows the URL without its scheme, as the ARN does.
    assert_eq!(got.url(), Some("token.actions.githubusercontent.com"));
    assert_eq!(got.client_id_list(), ["sts.amazonaws.com"]);
    assert_eq!(got.thumbprint_list(), ["a".repeat(40)]);
    assert!(got.create_date().is_some());
    assert_eq!(got.tags()[0].key(), "team");

    let listed = iam.list_open_id_connect_providers().send().await.unwrap();
    let arns: Vec<_> = listed
        .open_id_connect_provider_list()
        .iter()
        .filter_map(|p| p.arn())
        .collect();
    assert_eq!(arns, [github_arn()]);

    iam.update_open_id_connect_provider_thumbprint()
        .open_id_connect_provider_arn(github_arn())
        .thumbprint_list("b".repeat(40))
        .thumbprint_list("c".repeat(40))
        .send()
        .await
        .unwrap();
    for _ in 0..2 {
        iam.add_client_id_to_open_id_connect_provider()
            .open_id_connect_provider_arn(github_arn())
            .client_id("my-app")
            .send()
            .await
            .unwrap();
    }
    iam.remove_client_id_from_open_id_connect_provider()
        .open_id_connect_provider_arn(github_arn())
        .client_id("sts.amazonaws.com")
        .send()
        .await
        .unwrap();
    // Removing a client id that is not there is not an error (AWS: idempotent).
    iam.remove_client_id_from_open_id_connect_provider()
        .open_id_connect_provider_arn(github_arn())
        .client_id("never-added")
        .send()
        .await
        .unwrap();
    let got = iam
        .get_open_id_connect_provider()
        .open_id_connect_provider_arn(github_arn())
        .send()
        .await
        .unwrap();
    assert_eq!(got.client_id_list(), ["my-app"]);
    assert_eq!(got.thumbprint_list(), ["b".repeat(40), "c".repeat(40)]);

    iam.tag_open_id_connect_provider()
        .open_id_connect_provider_arn(github_arn())
        .tags(tag("env", "dev"))
        .send()
        .await
        .unwrap();
    iam.untag_open_id_connect_provider()
        .open_id_connect_provider_arn(github_arn())
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    let tags = iam
        .list_open_id_connect_provider_tags()
        .open_id_connect_provider_arn(github_arn())
        .send()
        .await
        .unwrap();
    let tags: Vec<_> = tags.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(tags, [("env", "dev")]);

    iam.delete_open_id_connect_provider()
        .open_id_connect_provider_arn(github_arn())
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        iam.get_open_id_connect_provider()
            .open_id_connect_provider_arn(github_arn())
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
    assert_eq!(
        message,
        format!("OpenIDConnect Provider not found for arn {}", github_arn())
    );
    // Deleting what is not there is not an error (AWS: idempotent).
    iam.delete_open_id_connect_provider()
        .open_id_connect_provider_arn(github_arn())
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(
        iam.add_client_id_to_open_id_connect_provider()
            .open_id_connect_provider_arn(github_arn())
            .client_id("x")
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
}

#[tokio::test]
async fn provider_urls_and_lists_are_checked_like_aws() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let create = |url: &str| iam.create_open_id_connect_provider().url(url);

    let cases = [
        (
            "example.com",
            "ValidationError",
            "Invalid Open ID Connect Provider URL",
        ),
        (
            "http://example.com",
            "InvalidInput",
            "Invalid Open ID Connect Provider URL. The URL must begin with https://.",
        ),
        (
            "https://example.com:8443",
            "InvalidInput",
            "Invalid Open ID Connect Provider URL.",
        ),
        (
            "https://example.com?x=1",
            "InvalidInput",
            "Invalid Open ID Connect Provider URL.",
        ),
    ];
    for (url, code, message) in cases {
        let (c, m) = error_of(create(url).send().await);
        assert_eq!((c.as_str(), m.as_str()), (code, message), "{url}");
    }

    let mut six = create("https://example.com");
    for c in 'a'..='f' {
        six = six.thumbprint_list(c.to_string().repeat(40));
    }
    let (code, message) = error_of(six.send().await);
    assert_eq!(code, "InvalidInput");
    assert_eq!(
        message,
        "Thumbprint list must contain fewer than 5 entries."
    );

    let (code, message) = error_of(
        create("https://example.com")
            .thumbprint_list("abc")
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");
    assert!(
        message.contains("Member must have length greater than or equal to 40"),
        "{message}"
    );

    let mut many = create("https://example.com");
    for i in 0..101 {
        many = many.client_id_list(format!("client-{i}"));
    }
    let (code, message) = error_of(many.send().await);
    assert_eq!(code, "LimitExceeded");
    assert_eq!(
        message,
        "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100"
    );

    create("https://example.com/path/").send().await.unwrap();
    let (code, _) = error_of(create("https://example.com/path").send().await);
    assert_eq!(code, "EntityAlreadyExists");
}

#[tokio::test]
async fn managing_providers_takes_permission() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("dev").send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name("dev")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let dev = server.iam_as(&key.access_key_id, &key.secret_access_key);
    let (code, message) = error_of(
        dev.create_open_id_connect_provider()
            .url(GITHUB)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    assert!(
        message.contains("iam:CreateOpenIDConnectProvider") && message.contains(&github_arn()),
        "{message}"
    );
}
