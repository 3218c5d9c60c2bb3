//! `--consistency-lagging-reads` beyond users, roles and groups: managed policies and their
//! versions, inline policy documents, tags, instance profiles, OpenID Connect and SAML
//! providers answer what has propagated, as authorization does. A long delay and
//! `propagate` make every step deterministic.

use aws_sdk_iam::types::{
    AssertionEncryptionModeType, EncodingType, PolicyScopeType, StatusType, Tag,
};

use crate::common::{ACCOUNT, TestServer};
use crate::consistency::shown;

const LONG_MS: u64 = 60_000;
const AWS_POLICY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";
const GITHUB: &str = "https://token.actions.githubusercontent.com";

fn policy_arn() -> String {
    format!("arn:aws:iam::{ACCOUNT}:policy/team/p")
}

fn oidc_arn() -> String {
    format!("arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com")
}

fn saml_arn() -> String {
    format!("arn:aws:iam::{ACCOUNT}:saml-provider/idp")
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

fn allow(action: &str) -> String {
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "{action}", "Resource": "*"}}]}}"#
    )
}

const TRUST: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}"#;

/// Where each read is in what [`reads`] answers.
mod at {
    pub const POLICY: usize = 0;
    pub const LOCAL_POLICIES: usize = 1;
    pub const ATTACHED_AWS_POLICIES: usize = 2;
    pub const VERSION_1: usize = 3;
    pub const VERSION_2: usize = 4;
    pub const VERSIONS: usize = 5;
    pub const POLICY_TAGS: usize = 6;
    pub const USER_INLINE: usize = 7;
    pub const ROLE_INLINE: usize = 8;
    pub const GROUP_INLINE: usize = 9;
    pub const USER_TAGS: usize = 10;
    pub const ROLE_TAGS: usize = 11;
    pub const PROFILE: usize = 12;
    pub const PROFILES: usize = 13;
    pub const PROFILES_FOR_ROLE: usize = 14;
    pub const PROFILE_TAGS: usize = 15;
    pub const OIDC: usize = 16;
    pub const OIDC_LIST: usize = 17;
    pub const OIDC_TAGS: usize = 18;
    pub const SAML: usize = 19;
    pub const SAML_LIST: usize = 20;
    pub const SAML_TAGS: usize = 21;
    pub const POLICY_ENTITIES: usize = 22;
    pub const SUMMARY: usize = 23;
    pub const DETAILS: usize = 24;
    pub const LOGIN_PROFILE: usize = 25;
    pub const ALIASES: usize = 26;
    pub const PASSWORD_POLICY: usize = 27;
    pub const MFA_DEVICES: usize = 28;
    pub const VIRTUAL_MFA_DEVICES: usize = 29;
    pub const SSH_KEYS: usize = 30;
    pub const SSH_KEY: usize = 31;
    pub const SIGNING_CERTIFICATES: usize = 32;
    pub const ROOT_SIGNING_CERTIFICATES: usize = 33;
    pub const SERVICE_CREDENTIALS: usize = 34;
    pub const ALL_SERVICE_CREDENTIALS: usize = 35;
}

/// Every read this module is about, on the entities [`create`] makes, in comparable form.
async fn reads(iam: &aws_sdk_iam::Client) -> Vec<String> {
    let arn = policy_arn();
    let policy = iam.get_policy().policy_arn(&arn).send().await;
    let local = iam.list_policies().scope(PolicyScopeType::Local).send();
    let local = local.await;
    let aws = iam.list_policies().scope(PolicyScopeType::Aws);
    let aws = aws.only_attached(true).send().await;
    let v1 = iam.get_policy_version().policy_arn(&arn).version_id("v1");
    let v1 = v1.send().await;
    let v2 = iam.get_policy_version().policy_arn(&arn).version_id("v2");
    let v2 = v2.send().await;
    let versions = iam.list_policy_versions().policy_arn(&arn).send().await;
    let policy_tags = iam.list_policy_tags().policy_arn(&arn).send().await;
    let user_inline = iam.get_user_policy().user_name("u").policy_name("inline");
    let user_inline = user_inline.send().await;
    let role_inline = iam.get_role_policy().role_name("r").policy_name("inline");
    let role_inline = role_inline.send().await;
    let group_inline = iam.get_group_policy().group_name("g").policy_name("inline");
    let group_inline = group_inline.send().await;
    let user_tags = iam.list_user_tags().user_name("u").send().await;
    let role_tags = iam.list_role_tags().role_name("r").send().await;
    let profile = iam.get_instance_profile().instance_profile_name("ip");
    let profile = profile.send().await;
    let profiles = iam.list_instance_profiles().send().await;
    let for_role = iam.list_instance_profiles_for_role().role_name("r");
    let for_role = for_role.send().await;
    let profile_tags = iam.list_instance_profile_tags().instance_profile_name("ip");
    let profile_tags = profile_tags.send().await;
    let oidc = iam.get_open_id_connect_provider();
    let oidc = oidc.open_id_connect_provider_arn(oidc_arn()).send().await;
    let oidc_list = iam.list_open_id_connect_providers().send().await;
    let oidc_tags = iam.list_open_id_connect_provider_tags();
    let oidc_tags = oidc_tags.open_id_connect_provider_arn(oidc_arn()).send();
    let oidc_tags = oidc_tags.await;
    let saml = iam.get_saml_provider().saml_provider_arn(saml_arn()).send();
    let saml = saml.await;
    let saml_list = iam.list_saml_providers().send().await;
    let saml_tags = iam.list_saml_provider_tags().saml_provider_arn(saml_arn());
    let saml_tags = saml_tags.send().await;
    let entities = iam.list_entities_for_policy().policy_arn(&arn).send().await;
    let summary = iam.get_account_summary().send().await;
    let details = iam.get_account_authorization_details().send().await;
    let login_profile = iam.get_login_profile().user_name("u").send().await;
    let aliases = iam.list_account_aliases().send().await;
    let password_policy = iam.get_account_password_policy().send().await;
    let mfa_devices = iam.list_mfa_devices().user_name("u").send().await;
    let virtual_mfa = iam.list_virtual_mfa_devices().send().await;
    let ssh_keys = iam.list_ssh_public_keys().user_name("u").send().await;
    let ssh_key_id = ssh_keys.as_ref().ok().and_then(|k| {
        let first = k.ssh_public_keys().first()?;
        Some(first.ssh_public_key_id().to_owned())
    });
    let ssh_key = iam
        .get_ssh_public_key()
        .user_name("u")
        .encoding(EncodingType::Pem);
    let ssh_key = ssh_key.ssh_public_key_id(ssh_key_id.unwrap_or("APKA0000000000000000".into()));
    let ssh_key = ssh_key.send().await;
    let certificates = iam.list_signing_certificates().user_name("u").send().await;
    let root_certificates = iam.list_signing_certificates().send().await;
    let service = iam.list_service_specific_credentials().user_name("u");
    let service = service.send().await;
    let all_service = iam.list_service_specific_credentials().all_users(true);
    let all_service = all_service.send().await;
    vec![
        shown(policy.map(|p| p.policy)),
        shown(local.map(|p| p.policies)),
        shown(aws.map(|p| p.policies)),
        shown(v1.map(|v| v.policy_version)),
        shown(v2.map(|v| v.policy_version)),
        shown(versions.map(|v| v.versions)),
        shown(policy_tags.map(|t| t.tags)),
        shown(user_inline.map(|p| p.policy_document)),
        shown(role_inline.map(|p| p.policy_document)),
        shown(group_inline.map(|p| p.policy_document)),
        shown(user_tags.map(|t| t.tags)),
        shown(role_tags.map(|t| t.tags)),
        shown(profile.map(|p| p.instance_profile)),
        shown(profiles.map(|p| p.instance_profiles)),
        shown(for_role.map(|p| p.instance_profiles)),
        shown(profile_tags.map(|t| t.tags)),
        shown(oidc.map(|o| (o.url, o.client_id_list, o.thumbprint_list, o.tags))),
        shown(oidc_list.map(|o| o.open_id_connect_provider_list)),
        shown(oidc_tags.map(|t| t.tags)),
        shown(saml.map(|s| {
            let keys: Vec<_> = s.private_key_list().iter().map(|k| k.key_id()).collect();
            let keys = format!("key_ids: {keys:?}");
            let document = s.saml_metadata_document.map(|d| d.len());
            (document, s.assertion_encryption_mode, keys, s.tags)
        })),
        shown(saml_list.map(|s| s.saml_provider_list)),
        shown(saml_tags.map(|t| t.tags)),
        shown(entities.map(|e| (e.policy_groups, e.policy_users, e.policy_roles))),
        shown(summary.map(|s| {
            let counts = s.summary_map.unwrap_or_default().into_iter();
            counts
                .map(|(k, v)| (k.as_str().to_owned(), v))
                .collect::<std::collections::BTreeMap<_, _>>()
        })),
        shown(details.map(|d| {
            let lists = (d.user_detail_list, d.group_detail_list, d.role_detail_list);
            (lists, d.policies)
        })),
        shown(login_profile.map(|p| p.login_profile)),
        shown(aliases.map(|a| a.account_aliases)),
        shown(password_policy.map(|p| p.password_policy)),
        shown(mfa_devices.map(|d| d.mfa_devices)),
        shown(virtual_mfa.map(|d| d.virtual_mfa_devices)),
        shown(ssh_keys.map(|k| k.ssh_public_keys)),
        shown(ssh_key.map(|k| k.ssh_public_key)),
        shown(certificates.map(|c| c.certificates)),
        shown(root_certificates.map(|c| c.certificates)),
        shown(service.map(|c| c.service_specific_credentials)),
        shown(all_service.map(|c| c.service_specific_credentials)),
    ]
}

/// A user, role and group with an inline policy and tags; a managed policy (one version);
/// an instance profile, an OpenID Connect provider and a SAML provider, each tagged.
async fn create(server: &TestServer) {
    let iam = server.iam();
    iam.create_user()
        .user_name("u")
        .tags(tag("k", "1"))
        .send()
        .await
        .unwrap();
    iam.create_role()
        .role_name("r")
        .assume_role_policy_document(TRUST)
        .tags(tag("k", "1"))
        .send()
        .await
        .unwrap();
    iam.create_group().group_name("g").send().await.unwrap();
    put_inline(&iam, "s3:GetObject").await;
    iam.create_policy()
        .policy_name("p")
        .path("/team/")
        .policy_document(allow("s3:GetObject"))
        .tags(tag("k", "1"))
        .send()
        .await
        .unwrap();
    iam.create_instance_profile()
        .instance_profile_name("ip")
        .tags(tag("k", "1"))
        .send()
        .await
        .unwrap();
    iam.create_open_id_connect_provider()
        .url(GITHUB)
        .client_id_list("sts.amazonaws.com")
        .thumbprint_list("a".repeat(40))
        .tags(tag("k", "1"))
        .send()
        .await
        .unwrap();
    let ssh_key = include_str!("fixtures/ssh_keys.pub")
        .lines()
        .next()
        .unwrap();
    let upload = iam.upload_ssh_public_key().user_name("u");
    upload.ssh_public_key_body(ssh_key).send().await.unwrap();
    let certificate = iam.upload_signing_certificate().user_name("u");
    let certificate = certificate.certificate_body(include_str!("fixtures/ec_cert.pem"));
    certificate.send().await.unwrap();
    let root = iam.upload_signing_certificate();
    let root = root.certificate_body(include_str!("fixtures/third_cert.pem"));
    root.send().await.unwrap();
    let service = iam.create_service_specific_credential().user_name("u");
    let service = service.service_name("codecommit.amazonaws.com");
    service.send().await.unwrap();
    let login = iam.create_login_profile().user_name("u").password(PASSWORD);
    login.send().await.unwrap();
    let alias = iam.create_account_alias().account_alias("lagging-first");
    alias.send().await.unwrap();
    let policy = iam
        .update_account_password_policy()
        .minimum_password_length(8);
    policy.send().await.unwrap();
    let metadata = format!("{}/_iamlocal/saml/metadata", server.endpoint());
    let metadata = reqwest::get(metadata).await.unwrap().text().await.unwrap();
    iam.create_saml_provider()
        .name("idp")
        .saml_metadata_document(metadata)
        .tags(tag("k", "1"))
        .send()
        .await
        .unwrap();
}

const PASSWORD: &str = "Str0ng!Passw0rd";

/// The id of the user's SSH key (tests propagate before [`update`] and [`delete`], so
/// lagging reads show it too).
async fn ssh_key_id(iam: &aws_sdk_iam::Client) -> String {
    let keys = iam
        .list_ssh_public_keys()
        .user_name("u")
        .send()
        .await
        .unwrap();
    keys.ssh_public_keys()[0].ssh_public_key_id().to_owned()
}

/// The id of the signing certificate of a user (or of the root), as [`ssh_key_id`].
async fn signing_certificate_id(iam: &aws_sdk_iam::Client, user: Option<&str>) -> String {
    let list = iam
        .list_signing_certificates()
        .set_user_name(user.map(Into::into));
    let list = list.send().await.unwrap();
    list.certificates()[0].certificate_id().to_owned()
}

/// The id of the user's service-specific credential, as [`ssh_key_id`].
async fn service_credential_id(iam: &aws_sdk_iam::Client) -> String {
    let list = iam.list_service_specific_credentials().user_name("u");
    let list = list.send().await.unwrap();
    let credentials = list.service_specific_credentials();
    credentials[0].service_specific_credential_id().to_owned()
}

fn mfa_serial() -> String {
    format!("arn:aws:iam::{ACCOUNT}:mfa/u-phone")
}

async fn put_inline(iam: &aws_sdk_iam::Client, action: &str) {
    let document = allow(action);
    let user = iam.put_user_policy().user_name("u").policy_name("inline");
    user.policy_document(&document).send().await.unwrap();
    let role = iam.put_role_policy().role_name("r").policy_name("inline");
    role.policy_document(&document).send().await.unwrap();
    let group = iam.put_group_policy().group_name("g").policy_name("inline");
    group.policy_document(&document).send().await.unwrap();
}

/// A new default policy version, an attachment (and one of an AWS managed policy), the role
/// in the profile, new inline documents, a new thumbprint and client id, an encryption
/// mode, and a new value for every tag.
async fn update(server: &TestServer) {
    let iam = server.iam();
    let arn = policy_arn();
    iam.create_policy_version()
        .policy_arn(&arn)
        .policy_document(allow("s3:PutObject"))
        .set_as_default(true)
        .send()
        .await
        .unwrap();
    for policy in [arn.as_str(), AWS_POLICY] {
        let attach = iam.attach_user_policy().user_name("u").policy_arn(policy);
        attach.send().await.unwrap();
    }
    iam.add_role_to_instance_profile()
        .instance_profile_name("ip")
        .role_name("r")
        .send()
        .await
        .unwrap();
    put_inline(&iam, "s3:PutObject").await;
    iam.update_open_id_connect_provider_thumbprint()
        .open_id_connect_provider_arn(oidc_arn())
        .thumbprint_list("b".repeat(40))
        .send()
        .await
        .unwrap();
    iam.add_client_id_to_open_id_connect_provider()
        .open_id_connect_provider_arn(oidc_arn())
        .client_id("another")
        .send()
        .await
        .unwrap();
    iam.update_saml_provider()
        .saml_provider_arn(saml_arn())
        .assertion_encryption_mode(AssertionEncryptionModeType::Allowed)
        .add_private_key(include_str!("fixtures/saml_sp_key_a.pem"))
        .send()
        .await
        .unwrap();
    let login = iam.update_login_profile().user_name("u");
    login.password_reset_required(true).send().await.unwrap();
    let alias = iam.create_account_alias().account_alias("lagging-second");
    alias.send().await.unwrap();
    let policy = iam
        .update_account_password_policy()
        .minimum_password_length(12);
    policy.send().await.unwrap();
    let service = iam.update_service_specific_credential().user_name("u");
    let service = service.service_specific_credential_id(service_credential_id(&iam).await);
    service.status(StatusType::Inactive).send().await.unwrap();
    for user in [Some("u"), None] {
        let id = signing_certificate_id(&iam, user).await;
        let certificate = iam
            .update_signing_certificate()
            .set_user_name(user.map(Into::into));
        let certificate = certificate.certificate_id(id).status(StatusType::Inactive);
        certificate.send().await.unwrap();
    }
    let ssh_key_id = ssh_key_id(&iam).await;
    let ssh_key = iam
        .update_ssh_public_key()
        .user_name("u")
        .ssh_public_key_id(ssh_key_id);
    ssh_key.status(StatusType::Inactive).send().await.unwrap();
    let device = iam
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("u-phone");
    let device = device.send().await.unwrap().virtual_mfa_device.unwrap();
    let seed = String::from_utf8(device.base32_string_seed.unwrap().into_inner()).unwrap();
    let step = crate::mfa::fresh_step(server).await;
    iam.enable_mfa_device()
        .user_name("u")
        .serial_number(mfa_serial())
        .authentication_code1(crate::mfa::totp(&seed, step - 1))
        .authentication_code2(crate::mfa::totp(&seed, step))
        .send()
        .await
        .unwrap();
    let new = tag("k", "2");
    iam.tag_user()
        .user_name("u")
        .tags(new.clone())
        .send()
        .await
        .unwrap();
    iam.tag_role()
        .role_name("r")
        .tags(new.clone())
        .send()
        .await
        .unwrap();
    let policy = iam.tag_policy().policy_arn(&arn).tags(new.clone());
    policy.send().await.unwrap();
    let profile = iam.tag_instance_profile().instance_profile_name("ip");
    profile.tags(new.clone()).send().await.unwrap();
    let oidc = iam.tag_open_id_connect_provider();
    let oidc = oidc
        .open_id_connect_provider_arn(oidc_arn())
        .tags(new.clone());
    oidc.send().await.unwrap();
    let saml = iam.tag_saml_provider().saml_provider_arn(saml_arn());
    saml.tags(new).send().await.unwrap();
}

/// Undoes [`update`]'s attachments and profile membership, then deletes what [`create`]
/// made but the principals.
async fn delete(server: &TestServer) {
    let iam = server.iam();
    let arn = policy_arn();
    for policy in [arn.as_str(), AWS_POLICY] {
        let detach = iam.detach_user_policy().user_name("u").policy_arn(policy);
        detach.send().await.unwrap();
    }
    let v1 = iam
        .delete_policy_version()
        .policy_arn(&arn)
        .version_id("v1");
    v1.send().await.unwrap();
    iam.delete_policy().policy_arn(&arn).send().await.unwrap();
    iam.remove_role_from_instance_profile()
        .instance_profile_name("ip")
        .role_name("r")
        .send()
        .await
        .unwrap();
    let profile = iam.delete_instance_profile().instance_profile_name("ip");
    profile.send().await.unwrap();
    iam.delete_open_id_connect_provider()
        .open_id_connect_provider_arn(oidc_arn())
        .send()
        .await
        .unwrap();
    iam.delete_saml_provider()
        .saml_provider_arn(saml_arn())
        .send()
        .await
        .unwrap();
    let service = iam.delete_service_specific_credential().user_name("u");
    let service = service.service_specific_credential_id(service_credential_id(&iam).await);
    service.send().await.unwrap();
    for user in [Some("u"), None] {
        let id = signing_certificate_id(&iam, user).await;
        let certificate = iam
            .delete_signing_certificate()
            .set_user_name(user.map(Into::into));
        certificate.certificate_id(id).send().await.unwrap();
    }
    let ssh_key_id = ssh_key_id(&iam).await;
    let ssh_key = iam.delete_ssh_public_key().user_name("u");
    ssh_key.ssh_public_key_id(ssh_key_id).send().await.unwrap();
    let deactivate = iam.deactivate_mfa_device().user_name("u");
    deactivate.serial_number(mfa_serial()).send().await.unwrap();
    let device = iam.delete_virtual_mfa_device().serial_number(mfa_serial());
    device.send().await.unwrap();
    let login = iam.delete_login_profile().user_name("u");
    login.send().await.unwrap();
    let alias = iam.delete_account_alias().account_alias("lagging-second");
    alias.send().await.unwrap();
    iam.delete_account_password_policy().send().await.unwrap();
    let user = iam
        .delete_user_policy()
        .user_name("u")
        .policy_name("inline");
    user.send().await.unwrap();
    let role = iam
        .delete_role_policy()
        .role_name("r")
        .policy_name("inline");
    role.send().await.unwrap();
    let group = iam
        .delete_group_policy()
        .group_name("g")
        .policy_name("inline");
    group.send().await.unwrap();
}

/// The reads whose entity does not exist (yet, or any more).
fn missing(reads: &[String]) -> Vec<usize> {
    (0..reads.len())
        .filter(|&i| reads[i] == "NoSuchEntity")
        .collect()
}

#[tokio::test]
async fn policies_versions_documents_tags_profiles_and_providers_lag_until_they_propagate() {
    let server = TestServer::spawn_with(|c| {
        c.consistency_delay = Some(LONG_MS);
        c.consistency_lagging_reads = true;
    })
    .await;
    let iam = server.iam();
    let admin = server.admin();
    let nothing = reads(&iam).await;
    assert_eq!(nothing.len(), 36);

    // Created: nothing is found, nothing is listed, until propagated.
    create(&server).await;
    assert_eq!(reads(&iam).await, nothing);
    assert_eq!(missing(&nothing).len(), 25, "{nothing:?}");
    assert_eq!(nothing[at::ALIASES], "[]");
    assert!(
        !nothing[at::SUMMARY].contains("\"Users\": 1"),
        "{nothing:?}"
    );
    assert!(
        !nothing[at::DETAILS].contains("user_name: Some(\"u\")"),
        "{nothing:?}"
    );
    assert!(!nothing[at::LOCAL_POLICIES].contains("team"), "{nothing:?}");
    assert!(!nothing[at::PROFILES].contains("\"ip\""), "{nothing:?}");
    assert!(!nothing[at::OIDC_LIST].contains(&oidc_arn()), "{nothing:?}");
    assert!(!nothing[at::SAML_LIST].contains(&saml_arn()), "{nothing:?}");
    admin.propagate().await;
    let created = reads(&iam).await;
    // Version 2 does not exist yet; nothing is attached.
    assert_eq!(missing(&created), [at::VERSION_2]);
    assert!(!created[at::ATTACHED_AWS_POLICIES].contains("ReadOnlyAccess"));
    assert!(created[at::POLICY].contains("default_version_id: Some(\"v1\")"));
    assert!(created[at::POLICY].contains("attachment_count: Some(0)"));
    assert!(created[at::SUMMARY].contains("\"Users\": 1"), "{created:?}");
    let login = &created[at::LOGIN_PROFILE];
    assert!(login.contains("password_reset_required: false"), "{login}");
    assert!(
        created[at::ALIASES].contains("lagging-first"),
        "{created:?}"
    );
    let password_policy = &created[at::PASSWORD_POLICY];
    assert!(
        password_policy.contains("minimum_password_length: Some(8)"),
        "{password_policy}"
    );
    assert!(
        created[at::SUMMARY].contains("\"Providers\": 2"),
        "{created:?}"
    );
    let details = &created[at::DETAILS];
    assert!(details.contains("user_name: Some(\"u\")"), "{details}");
    assert!(details.contains("s3%3AGetObject"), "{details}");
    assert!(!details.contains("ReadOnlyAccess"), "{details}");
    assert!(
        created[at::USER_INLINE].contains("s3%3AGetObject"),
        "{created:?}"
    );
    assert!(created[at::PROFILE].contains("roles: []"), "{created:?}");
    assert!(created[at::PROFILES].contains("\"ip\""), "{created:?}");
    assert!(created[at::OIDC].contains(&"a".repeat(40)), "{created:?}");
    assert!(created[at::SAML_LIST].contains(&saml_arn()), "{created:?}");
    for tags in [
        at::POLICY_TAGS,
        at::USER_TAGS,
        at::PROFILE_TAGS,
        at::SAML_TAGS,
    ] {
        assert!(created[tags].contains("value: \"1\""), "{}", created[tags]);
    }

    // Updated: the old state, until propagated.
    update(&server).await;
    assert_eq!(reads(&iam).await, created);
    admin.propagate().await;
    let updated = reads(&iam).await;
    assert_eq!(missing(&updated), Vec::<usize>::new(), "{updated:?}");
    for (i, (before, after)) in created.iter().zip(&updated).enumerate() {
        if i != at::OIDC_LIST && i != at::SAML_LIST {
            assert_ne!(before, after, "read {i} did not change");
        }
    }
    assert!(updated[at::POLICY].contains("default_version_id: Some(\"v2\")"));
    assert!(updated[at::POLICY].contains("attachment_count: Some(1)"));
    assert!(updated[at::ATTACHED_AWS_POLICIES].contains("ReadOnlyAccess"));
    let login = &updated[at::LOGIN_PROFILE];
    assert!(login.contains("password_reset_required: true"), "{login}");
    assert_eq!(updated[at::ALIASES], "[\"lagging-second\"]");
    let password_policy = &updated[at::PASSWORD_POLICY];
    assert!(
        password_policy.contains("minimum_password_length: Some(12)"),
        "{password_policy}"
    );
    assert!(
        created[at::SSH_KEY].contains("BEGIN PUBLIC KEY"),
        "{created:?}"
    );
    assert!(updated[at::SSH_KEY].contains("Inactive"), "{updated:?}");
    let devices = &updated[at::MFA_DEVICES];
    assert!(devices.contains(&mfa_serial()), "{devices}");
    let devices = &updated[at::VIRTUAL_MFA_DEVICES];
    assert!(devices.contains("user_name: \"u\""), "{devices}");
    assert!(updated[at::SUMMARY].contains("\"MFADevicesInUse\": 1"));
    let entities = &updated[at::POLICY_ENTITIES];
    assert!(entities.contains("user_name: Some(\"u\")"), "{entities}");
    let summary = &updated[at::SUMMARY];
    assert!(summary.contains("\"PolicyVersionsInUse\": 2"), "{summary}");
    let details = &updated[at::DETAILS];
    assert!(details.contains("ReadOnlyAccess"), "{details}");
    assert!(
        details.contains("instance_profile_name: \"ip\""),
        "{details}"
    );
    assert!(
        updated[at::VERSION_2].contains("s3%3APutObject"),
        "{updated:?}"
    );
    assert!(updated[at::VERSION_1].contains("is_default_version: false"));
    let versions = &updated[at::VERSIONS];
    assert!(versions.contains("\"v2\"") && versions.contains("\"v1\""));
    for inline in [at::USER_INLINE, at::ROLE_INLINE, at::GROUP_INLINE] {
        assert!(updated[inline].contains("s3%3APutObject"), "{updated:?}");
    }
    assert!(
        updated[at::PROFILE].contains("role_name: \"r\""),
        "{updated:?}"
    );
    assert!(
        updated[at::PROFILES_FOR_ROLE].contains("\"ip\""),
        "{updated:?}"
    );
    assert!(updated[at::OIDC].contains(&"b".repeat(40)), "{updated:?}");
    assert!(updated[at::OIDC].contains("another"), "{updated:?}");
    assert!(updated[at::SAML].contains("Allowed"), "{updated:?}");
    assert!(created[at::SAML].contains("key_ids: []"), "{created:?}");
    assert!(!updated[at::SAML].contains("key_ids: []"), "{updated:?}");
    for tags in [at::ROLE_TAGS, at::OIDC_TAGS, at::SAML_TAGS] {
        assert!(updated[tags].contains("value: \"2\""), "{}", updated[tags]);
    }

    // Deleted: still there, until propagated.
    delete(&server).await;
    assert_eq!(reads(&iam).await, updated);
    admin.propagate().await;
    let deleted = reads(&iam).await;
    let kept = [
        at::ATTACHED_AWS_POLICIES,
        at::LOCAL_POLICIES,
        at::USER_TAGS,
        at::ROLE_TAGS,
        at::PROFILES,
        at::PROFILES_FOR_ROLE,
        at::OIDC_LIST,
        at::SAML_LIST,
        at::SUMMARY,
        at::DETAILS,
        at::ALIASES,
        at::MFA_DEVICES,
        at::VIRTUAL_MFA_DEVICES,
        at::SSH_KEYS,
        at::SIGNING_CERTIFICATES,
        at::ROOT_SIGNING_CERTIFICATES,
        at::SERVICE_CREDENTIALS,
        at::ALL_SERVICE_CREDENTIALS,
    ];
    let gone: Vec<usize> = (0..deleted.len()).filter(|i| !kept.contains(i)).collect();
    assert_eq!(missing(&deleted), gone, "{deleted:?}");
    assert_eq!(
        deleted[at::ATTACHED_AWS_POLICIES],
        created[at::ATTACHED_AWS_POLICIES]
    );
    assert_eq!(deleted[at::OIDC_LIST], nothing[at::OIDC_LIST]);
    assert_eq!(deleted[at::SAML_LIST], nothing[at::SAML_LIST]);
    assert_eq!(deleted[at::PROFILES], nothing[at::PROFILES]);
    assert_eq!(deleted[at::ALIASES], nothing[at::ALIASES]);
    assert_eq!(deleted[at::SSH_KEYS], "Some([])");
    assert_eq!(deleted[at::SIGNING_CERTIFICATES], "[]");
    assert_eq!(deleted[at::ROOT_SIGNING_CERTIFICATES], "[]");
    assert_eq!(deleted[at::SERVICE_CREDENTIALS], "Some([])");
    let service = &updated[at::ALL_SERVICE_CREDENTIALS];
    assert!(
        service.contains("Inactive") && service.contains("user_name: \"u\""),
        "{service}"
    );
    assert!(created[at::SUMMARY].contains("\"AccountSigningCertificatesPresent\": 1"));
    assert!(deleted[at::SUMMARY].contains("\"AccountSigningCertificatesPresent\": 0"));
    assert_eq!(
        deleted[at::VIRTUAL_MFA_DEVICES],
        nothing[at::VIRTUAL_MFA_DEVICES]
    );
    assert_eq!(deleted[at::MFA_DEVICES], created[at::MFA_DEVICES]);
    let summary = &deleted[at::SUMMARY];
    assert!(summary.contains("\"Policies\": 0"), "{summary}");
    assert!(summary.contains("\"InstanceProfiles\": 0"), "{summary}");
}

/// With no delay, the view is the store: the same answers with lagging reads or without.
#[tokio::test]
async fn with_no_delay_lagging_reads_answer_what_the_store_does() {
    let server = TestServer::spawn_with(|c| c.consistency_lagging_reads = true).await;
    let iam = server.iam();
    let admin = server.admin();
    create(&server).await;
    let lagging = reads(&iam).await;
    assert_eq!(missing(&lagging), [at::VERSION_2]);
    admin
        .put("consistency", r#"{"lagging_reads": false}"#)
        .await;
    assert_eq!(reads(&iam).await, lagging);

    admin.put("consistency", r#"{"lagging_reads": true}"#).await;
    update(&server).await;
    let lagging = reads(&iam).await;
    assert_eq!(missing(&lagging), Vec::<usize>::new(), "{lagging:?}");
    admin
        .put("consistency", r#"{"lagging_reads": false}"#)
        .await;
    assert_eq!(reads(&iam).await, lagging);
}

/// Without the option, reads answer from the store whatever waits: at once.
#[tokio::test]
async fn without_lagging_reads_every_write_is_read_at_once() {
    let server = TestServer::spawn_with(|c| c.consistency_delay = Some(LONG_MS)).await;
    let iam = server.iam();
    create(&server).await;
    update(&server).await;
    let read = reads(&iam).await;
    assert_eq!(missing(&read), Vec::<usize>::new(), "{read:?}");
    assert!(read[at::POLICY].contains("default_version_id: Some(\"v2\")"));
    assert!(server.admin().get("consistency").await["pending"].as_u64() > Some(0));
    assert!(server.admin().propagate().await > 0);
    assert_eq!(reads(&iam).await, read);
}

/// The view built from a database file at start-up holds what every lagging read shows.
#[tokio::test]
async fn after_a_restart_lagging_reads_show_what_the_database_holds() {
    let dir = std::env::temp_dir().join(format!("iamlocal-it-lagging-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("state.db");
    let _ = std::fs::remove_file(&db);
    let first = TestServer::spawn_with(|c| c.db = Some(db.clone())).await;
    create(&first).await;
    update(&first).await;
    let stored = reads(&first.iam()).await;
    assert_eq!(missing(&stored), Vec::<usize>::new(), "{stored:?}");
    first.stop().await;

    let second = TestServer::spawn_with(|c| {
        c.db = Some(db.clone());
        c.consistency_delay = Some(LONG_MS);
        c.consistency_lagging_reads = true;
    })
    .await;
    assert_eq!(reads(&second.iam()).await, stored);
    second.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
