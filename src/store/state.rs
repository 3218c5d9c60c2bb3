//! The whole control plane at once, for `GET` and `PUT /_iamlocal/state` and the
//! `--bootstrap` file: read as one [`StateDocument`], or replaced by one in a single
//! transaction, after which the data plane is rebuilt from scratch, as after a restart.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;
use sqlx::SqliteConnection;

use super::oidc_providers::{insert_provider, providers_of};
use super::reset::RESET;
use super::saml_providers::{self, SamlPrivateKey, SamlProviderDocument};
use super::tags::{Tagged, all_tags, put_tags};
use super::{OidcProviderLists, Store, Write, from_millis, to_millis};
use crate::arn;
use crate::error::AwsError;
use crate::iam::{openssh, x509};
use crate::state::ValidState;
use crate::state::import::{format_date, parse_date};
use crate::state::model::{self as doc, KeyStatus, StateDocument};

impl Store {
    /// Deletes everything (temporary credentials too), writes the document, and shows the
    /// result to the data plane at once. Returns how many waiting changes were dropped.
    pub async fn replace_state(&self, state: &ValidState) -> Result<usize, AwsError> {
        let Write {
            mut tx,
            _lock: lock,
            ..
        } = self.begin().await?;
        for statement in RESET {
            sqlx::query(*statement).execute(&mut *tx).await?;
        }
        for account in &state.document().accounts {
            insert_account(&mut tx, account).await?;
        }
        tx.commit().await?;
        // The snapshot reads on the writing connection in memory: let go of it. The write
        // lock is still held: no write slips in before the view is rebuilt.
        drop(tx);
        let snapshot = self.snapshot().await?;
        let dropped = self.propagation.rebuild(snapshot);
        drop(lock);
        Ok(dropped)
    }

    /// Every account and its entities, secrets included, ordered by name.
    pub async fn state_document(&self) -> Result<StateDocument, AwsError> {
        let mut conn = self.read().await?;
        let mut read = Reader::load(&mut conn).await?;
        let accounts: Vec<AccountRow> = sqlx::query_as(
            "SELECT account_id, created_at, outbound_web_identity_federation,
                    global_endpoint_token_version
             FROM accounts ORDER BY account_id",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut document = StateDocument::default();
        for row in accounts {
            document.accounts.push(read.account(&mut conn, row).await?);
        }
        Ok(document)
    }
}

async fn insert_account(
    conn: &mut SqliteConnection,
    account: &doc::Account,
) -> Result<(), AwsError> {
    let account_id = account.account_id.as_str();
    sqlx::query(
        "INSERT INTO accounts (account_id, created_at, outbound_web_identity_federation,
                               global_endpoint_token_version)
         VALUES (?, ?, ?, ?)",
    )
    .bind(account_id)
    .bind(millis(&account.created))
    .bind(account.outbound_web_identity_federation)
    .bind(&account.global_endpoint_token_version)
    .execute(&mut *conn)
    .await?;
    insert_settings(conn, account).await?;
    for policy in &account.policies {
        insert_policy(conn, account_id, policy).await?;
    }
    for group in &account.groups {
        sqlx::query(
            "INSERT INTO groups (group_id, account_id, group_name, path, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&group.id)
        .bind(account_id)
        .bind(&group.name)
        .bind(&group.path)
        .bind(millis(&group.created))
        .execute(&mut *conn)
        .await?;
        insert_policies(conn, &group.id, &group.policies, &group.attached_policies).await?;
    }
    for user in &account.users {
        sqlx::query(
            "INSERT INTO users (user_id, account_id, user_name, path, created_at, permissions_boundary)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&user.id)
        .bind(account_id)
        .bind(&user.name)
        .bind(&user.path)
        .bind(millis(&user.created))
        .bind(&user.permissions_boundary)
        .execute(&mut *conn)
        .await?;
        put_tags(conn, Tagged::User, &user.id, &tags(&user.tags)).await?;
        for group in &user.groups {
            // Group names ignore case (`NOCASE`), as the document's references do.
            sqlx::query(
                "INSERT INTO group_members (group_id, user_id)
                 SELECT group_id, ? FROM groups WHERE account_id = ? AND group_name = ?",
            )
            .bind(&user.id)
            .bind(account_id)
            .bind(group)
            .execute(&mut *conn)
            .await?;
        }
        insert_policies(conn, &user.id, &user.policies, &user.attached_policies).await?;
        insert_keys(conn, account_id, Some(&user.id), &user.access_keys).await?;
        insert_signing_certificates(conn, account_id, Some(&user.id), &user.signing_certificates)
            .await?;
        insert_ssh_public_keys(conn, &user.id, &user.ssh_public_keys).await?;
        for credential in &user.service_specific_credentials {
            // Validated: a clear secret was hashed.
            sqlx::query(
                "INSERT INTO service_specific_credentials
                     (credential_id, user_id, service_name, service_user_name,
                      service_credential_alias, salt, secret_hash, status, created_at, expires_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&credential.id)
            .bind(&user.id)
            .bind(&credential.service_name)
            .bind(&credential.service_user_name)
            .bind(&credential.service_credential_alias)
            .bind(credential.salt.as_deref().unwrap_or_default())
            .bind(credential.secret_hash.as_deref().unwrap_or_default())
            .bind(status(credential.status))
            .bind(millis(&credential.created))
            .bind(credential.expires.as_deref().map(millis))
            .execute(&mut *conn)
            .await?;
        }
        if let Some(profile) = &user.login_profile {
            // Validated: a clear password was hashed.
            sqlx::query(
                "INSERT INTO login_profiles
                     (user_id, salt, password_hash, password_reset_required, created_at)
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(&user.id)
            .bind(profile.salt.as_deref().unwrap_or_default())
            .bind(profile.password_hash.as_deref().unwrap_or_default())
            .bind(profile.password_reset_required)
            .bind(millis(&profile.created))
            .execute(&mut *conn)
            .await?;
        }
        for past in &user.password_history {
            sqlx::query(
                "INSERT INTO password_history (user_id, salt, password_hash, set_at)
                 VALUES (?, ?, ?, ?)",
            )
            .bind(&user.id)
            .bind(&past.salt)
            .bind(&past.password_hash)
            .bind(millis(&past.set))
            .execute(&mut *conn)
            .await?;
        }
    }
    for role in &account.roles {
        sqlx::query(
            "INSERT INTO roles (role_id, account_id, role_name, path, trust_policy, description,
                                max_session_duration, created_at, permissions_boundary)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&role.id)
        .bind(account_id)
        .bind(&role.name)
        .bind(&role.path)
        .bind(role.trust_policy.to_string())
        .bind(&role.description)
        .bind(role.max_session_duration)
        .bind(millis(&role.created))
        .bind(&role.permissions_boundary)
        .execute(&mut *conn)
        .await?;
        put_tags(conn, Tagged::Role, &role.id, &tags(&role.tags)).await?;
        insert_policies(conn, &role.id, &role.policies, &role.attached_policies).await?;
    }
    for profile in &account.instance_profiles {
        // The role by name, ignoring case as IAM does (`NOCASE`); validated to exist.
        sqlx::query(
            "INSERT INTO instance_profiles
                 (instance_profile_id, account_id, instance_profile_name, path, created_at, role_id)
             VALUES (?, ?, ?, ?, ?,
                     (SELECT role_id FROM roles WHERE account_id = ? AND role_name = ?))",
        )
        .bind(&profile.id)
        .bind(account_id)
        .bind(&profile.name)
        .bind(&profile.path)
        .bind(millis(&profile.created))
        .bind(account_id)
        .bind(&profile.role)
        .execute(&mut *conn)
        .await?;
        put_tags(
            conn,
            Tagged::InstanceProfile,
            &profile.id,
            &tags(&profile.tags),
        )
        .await?;
    }
    for device in &account.mfa_devices {
        // Validated: every device has a seed, and its user is in the account.
        let serial_number = arn::mfa(account_id, &device.path, &device.name);
        sqlx::query(
            "INSERT INTO mfa_devices
                 (serial_number, account_id, device_name, path, seed, created_at, user_id,
                  enabled_at, last_step, drift_steps)
             VALUES (?, ?, ?, ?, ?, ?,
                     (SELECT user_id FROM users WHERE account_id = ? AND user_name = ?), ?, ?, ?)",
        )
        .bind(&serial_number)
        .bind(account_id)
        .bind(&device.name)
        .bind(&device.path)
        .bind(device.seed.as_deref().unwrap_or_default())
        .bind(millis(&device.created))
        .bind(account_id)
        .bind(&device.user)
        .bind(device.enabled.as_deref().map(millis))
        .bind(device.last_step.unwrap_or(0))
        .bind(device.drift_steps.unwrap_or(0))
        .execute(&mut *conn)
        .await?;
        put_tags(conn, Tagged::MfaDevice, &serial_number, &tags(&device.tags)).await?;
    }
    for provider in &account.oidc_providers {
        let lists = OidcProviderLists {
            client_ids: provider.client_ids.clone(),
            thumbprints: provider.thumbprints.clone(),
        };
        let arn = arn::oidc_provider(account_id, &provider.url);
        let created = parse_date(&provider.created);
        let tags = tags(&provider.tags);
        insert_provider(
            conn,
            account_id,
            &arn,
            &provider.url,
            &lists,
            created,
            &tags,
        )
        .await?;
    }
    for certificate in &account.server_certificates {
        let parsed = x509::parse_certificate(&certificate.certificate_body)?;
        sqlx::query(
            "INSERT INTO server_certificates
                 (server_certificate_id, account_id, server_certificate_name, path,
                  certificate_body, certificate_chain, expires_at, uploaded_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&certificate.id)
        .bind(account_id)
        .bind(&certificate.name)
        .bind(&certificate.path)
        .bind(&certificate.certificate_body)
        .bind(&certificate.certificate_chain)
        .bind(to_millis(parsed.not_after))
        .bind(millis(&certificate.uploaded))
        .execute(&mut *conn)
        .await?;
        put_tags(
            conn,
            Tagged::ServerCertificate,
            &certificate.id,
            &tags(&certificate.tags),
        )
        .await?;
    }
    insert_signing_certificates(conn, account_id, None, &account.root_signing_certificates).await?;
    for provider in &account.saml_providers {
        // Checked on import, so it reads.
        let parsed = crate::saml::Metadata::parse(&provider.metadata)
            .map_err(|e| crate::aws_error!(InvalidInput, "Could not parse metadata: {e}."))?;
        // Checked on import, so each has its PEM.
        let private_keys: Vec<SamlPrivateKey> = provider
            .private_keys
            .iter()
            .map(|key| SamlPrivateKey {
                key_id: key.key_id.clone(),
                private_key: key.private_key.clone().unwrap_or_default(),
                added_at: parse_date(&key.created),
            })
            .collect();
        let document = SamlProviderDocument {
            metadata: &provider.metadata,
            parsed: &parsed,
            assertion_encryption_mode: provider.assertion_encryption_mode.as_deref(),
            private_keys: &private_keys,
        };
        let arn = arn::saml_provider(account_id, &provider.name);
        let created = parse_date(&provider.created);
        let tags = tags(&provider.tags);
        saml_providers::insert_provider(conn, account_id, &arn, &document, &tags, created).await?;
    }
    insert_keys(conn, account_id, None, &account.root_access_keys).await
}

/// The alias and the password policy.
async fn insert_settings(
    conn: &mut SqliteConnection,
    account: &doc::Account,
) -> Result<(), AwsError> {
    if let Some(alias) = &account.alias {
        sqlx::query("INSERT INTO account_aliases (account_id, alias) VALUES (?, ?)")
            .bind(&account.account_id)
            .bind(alias)
            .execute(&mut *conn)
            .await?;
    }
    if let Some(policy) = &account.password_policy {
        sqlx::query(
            "INSERT INTO password_policies
                 (account_id, minimum_password_length, require_symbols, require_numbers,
                  require_uppercase_characters, require_lowercase_characters,
                  allow_users_to_change_password, max_password_age, password_reuse_prevention,
                  hard_expiry)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&account.account_id)
        .bind(policy.minimum_password_length)
        .bind(policy.require_symbols)
        .bind(policy.require_numbers)
        .bind(policy.require_uppercase_characters)
        .bind(policy.require_lowercase_characters)
        .bind(policy.allow_users_to_change_password)
        .bind(policy.max_password_age)
        .bind(policy.password_reuse_prevention)
        .bind(policy.hard_expiry)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Certificates of a validated document (each parses).
async fn insert_signing_certificates(
    conn: &mut SqliteConnection,
    account_id: &str,
    user_id: Option<&str>,
    certificates: &[doc::SigningCertificate],
) -> Result<(), AwsError> {
    for certificate in certificates {
        let parsed = x509::parse_certificate(&certificate.certificate_body)?;
        sqlx::query(
            "INSERT INTO signing_certificates
                 (certificate_id, account_id, user_id, certificate_body, der_sha256, status,
                  uploaded_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&certificate.id)
        .bind(account_id)
        .bind(user_id)
        .bind(&certificate.certificate_body)
        .bind(&parsed.der_sha256)
        .bind(status(certificate.status))
        .bind(millis(&certificate.uploaded))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Keys of a validated document (each parses).
async fn insert_ssh_public_keys(
    conn: &mut SqliteConnection,
    user_id: &str,
    keys: &[doc::SshPublicKey],
) -> Result<(), AwsError> {
    for key in keys {
        let (parsed, _) = openssh::parse(&key.body)?;
        sqlx::query(
            "INSERT INTO ssh_public_keys
                 (ssh_public_key_id, user_id, body, key_blob, fingerprint, status, uploaded_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&key.id)
        .bind(user_id)
        .bind(&key.body)
        .bind(parsed.blob())
        .bind(parsed.fingerprint())
        .bind(status(key.status))
        .bind(millis(&key.uploaded))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

fn status(status: KeyStatus) -> &'static str {
    match status {
        KeyStatus::Active => "Active",
        KeyStatus::Inactive => "Inactive",
    }
}

fn key_status(status: &str) -> KeyStatus {
    if status == "Active" {
        KeyStatus::Active
    } else {
        KeyStatus::Inactive
    }
}

async fn insert_policy(
    conn: &mut SqliteConnection,
    account_id: &str,
    policy: &doc::ManagedPolicy,
) -> Result<(), AwsError> {
    let last_version = policy
        .versions
        .iter()
        .filter_map(|v| v.id[1..].split('.').next()?.parse::<i64>().ok())
        .max()
        .unwrap_or(1);
    sqlx::query(
        "INSERT INTO policies (policy_id, account_id, policy_name, path, arn, description,
                               default_version_id, created_at, updated_at, last_version)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&policy.id)
    .bind(account_id)
    .bind(&policy.name)
    .bind(&policy.path)
    .bind(arn::policy(account_id, &policy.path, &policy.name))
    .bind(&policy.description)
    .bind(&policy.default_version)
    .bind(millis(&policy.created))
    .bind(millis(&policy.updated))
    .bind(last_version)
    .execute(&mut *conn)
    .await?;
    for version in &policy.versions {
        sqlx::query(
            "INSERT INTO policy_versions (policy_id, version_id, document, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(&policy.id)
        .bind(&version.id)
        .bind(version.document.to_string())
        .bind(millis(&version.created))
        .execute(&mut *conn)
        .await?;
    }
    put_tags(conn, Tagged::Policy, &policy.id, &tags(&policy.tags)).await
}

async fn insert_policies(
    conn: &mut SqliteConnection,
    owner_id: &str,
    inline: &BTreeMap<String, Value>,
    attached: &[String],
) -> Result<(), AwsError> {
    for (name, document) in inline {
        sqlx::query(
            "INSERT INTO inline_policies (owner_id, policy_name, document) VALUES (?, ?, ?)",
        )
        .bind(owner_id)
        .bind(name)
        .bind(document.to_string())
        .execute(&mut *conn)
        .await?;
    }
    for policy_arn in attached {
        sqlx::query("INSERT INTO attached_policies (owner_id, policy_arn) VALUES (?, ?)")
            .bind(owner_id)
            .bind(policy_arn)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn insert_keys(
    conn: &mut SqliteConnection,
    account_id: &str,
    user_id: Option<&str>,
    keys: &[doc::AccessKey],
) -> Result<(), AwsError> {
    for key in keys {
        sqlx::query(
            "INSERT INTO access_keys (access_key_id, account_id, user_id, secret_access_key, status, created_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&key.id)
        .bind(account_id)
        .bind(user_id)
        .bind(key.secret.as_deref().unwrap_or_default())
        .bind(status(key.status))
        .bind(millis(&key.created))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

fn tags(tags: &[doc::Tag]) -> Vec<super::Tag> {
    tags.iter()
        .map(|t| super::Tag {
            key: t.key.clone(),
            value: t.value.clone(),
        })
        .collect()
}

fn millis(date: &str) -> i64 {
    to_millis(parse_date(date))
}

fn date(ms: i64) -> String {
    format_date(from_millis(ms))
}

/// A stored document as a JSON value (every stored document was JSON when written).
fn json(document: String) -> Value {
    serde_json::from_str(&document).unwrap_or(Value::String(document))
}

/// What every account shares: tags, policies, memberships and keys, by owner id, read
/// once for all accounts.
struct Reader {
    tags: HashMap<Tagged, HashMap<String, Vec<super::Tag>>>,
    inline: HashMap<String, BTreeMap<String, Value>>,
    attached: HashMap<String, Vec<String>>,
    memberships: HashMap<String, Vec<String>>,
    keys: HashMap<Option<String>, Vec<(String, doc::AccessKey)>>,
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    account_id: String,
    created_at: i64,
    outbound_web_identity_federation: bool,
    global_endpoint_token_version: String,
}

#[derive(sqlx::FromRow)]
struct DeviceRow {
    serial_number: String,
    device_name: String,
    path: String,
    seed: String,
    created_at: i64,
    user_name: Option<String>,
    enabled_at: Option<i64>,
    last_step: i64,
    drift_steps: i64,
}

#[derive(sqlx::FromRow)]
struct EntityRow {
    id: String,
    name: String,
    path: String,
    created_at: i64,
    permissions_boundary: Option<String>,
}

#[derive(sqlx::FromRow)]
struct RoleRow {
    role_id: String,
    role_name: String,
    path: String,
    created_at: i64,
    description: Option<String>,
    max_session_duration: i64,
    trust_policy: String,
    permissions_boundary: Option<String>,
}

#[derive(sqlx::FromRow)]
struct PolicyRow {
    policy_id: String,
    policy_name: String,
    path: String,
    description: Option<String>,
    default_version_id: String,
    created_at: i64,
    updated_at: i64,
}

impl Reader {
    async fn load(conn: &mut SqliteConnection) -> Result<Reader, AwsError> {
        let mut tags = HashMap::new();
        for of in [
            Tagged::User,
            Tagged::Role,
            Tagged::Policy,
            Tagged::OidcProvider,
            Tagged::ServerCertificate,
            Tagged::SamlProvider,
            Tagged::InstanceProfile,
            Tagged::MfaDevice,
        ] {
            tags.insert(of, all_tags(conn, of).await?);
        }
        let mut inline: HashMap<String, BTreeMap<String, Value>> = HashMap::new();
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT owner_id, policy_name, document FROM inline_policies")
                .fetch_all(&mut *conn)
                .await?;
        for (owner, name, document) in rows {
            inline
                .entry(owner)
                .or_default()
                .insert(name, json(document));
        }
        let mut attached: HashMap<String, Vec<String>> = HashMap::new();
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT owner_id, policy_arn FROM attached_policies ORDER BY rowid")
                .fetch_all(&mut *conn)
                .await?;
        for (owner, arn) in rows {
            attached.entry(owner).or_default().push(arn);
        }
        let mut memberships: HashMap<String, Vec<String>> = HashMap::new();
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT m.user_id, g.group_name FROM group_members m
             JOIN groups g ON g.group_id = m.group_id ORDER BY g.group_name",
        )
        .fetch_all(&mut *conn)
        .await?;
        for (user, group) in rows {
            memberships.entry(user).or_default().push(group);
        }
        let mut keys: HashMap<Option<String>, Vec<(String, doc::AccessKey)>> = HashMap::new();
        let rows: Vec<(String, String, Option<String>, String, String, i64)> = sqlx::query_as(
            "SELECT access_key_id, account_id, user_id, secret_access_key, status, created_at
             FROM access_keys ORDER BY created_at, rowid",
        )
        .fetch_all(&mut *conn)
        .await?;
        for (id, account_id, user_id, secret, status, created) in rows {
            let key = doc::AccessKey {
                id,
                secret: Some(secret),
                status: key_status(&status),
                created: date(created),
            };
            keys.entry(user_id).or_default().push((account_id, key));
        }
        Ok(Reader {
            tags,
            inline,
            attached,
            memberships,
            keys,
        })
    }

    fn tags(&mut self, of: Tagged, id: &str) -> Vec<doc::Tag> {
        let tags = self.tags.get_mut(&of).and_then(|t| t.remove(id));
        tags.unwrap_or_default()
            .into_iter()
            .map(|t| doc::Tag {
                key: t.key,
                value: t.value,
            })
            .collect()
    }

    fn inline(&mut self, owner: &str) -> BTreeMap<String, Value> {
        self.inline.remove(owner).unwrap_or_default()
    }

    fn attached(&mut self, owner: &str) -> Vec<String> {
        self.attached.remove(owner).unwrap_or_default()
    }

    fn keys(&mut self, account_id: &str, user_id: Option<&str>) -> Vec<doc::AccessKey> {
        let keys = self.keys.get_mut(&user_id.map(str::to_owned));
        let Some(keys) = keys else {
            return Vec::new();
        };
        let (mine, others) = std::mem::take(keys)
            .into_iter()
            .partition(|(account, _)| account == account_id);
        *keys = others;
        mine.into_iter().map(|(_, key)| key).collect()
    }

    async fn account(
        &mut self,
        conn: &mut SqliteConnection,
        row: AccountRow,
    ) -> Result<doc::Account, AwsError> {
        let account_id = row.account_id;
        let users: Vec<EntityRow> = sqlx::query_as(
            "SELECT user_id AS id, user_name AS name, path, created_at, permissions_boundary
             FROM users WHERE account_id = ? ORDER BY user_name",
        )
        .bind(&account_id)
        .fetch_all(&mut *conn)
        .await?;
        let groups: Vec<EntityRow> = sqlx::query_as(
            "SELECT group_id AS id, group_name AS name, path, created_at, NULL AS permissions_boundary
             FROM groups WHERE account_id = ? ORDER BY group_name",
        )
        .bind(&account_id)
        .fetch_all(&mut *conn)
        .await?;
        let roles: Vec<RoleRow> = sqlx::query_as(
            "SELECT role_id, role_name, path, created_at, description, max_session_duration,
                    trust_policy, permissions_boundary
             FROM roles WHERE account_id = ? ORDER BY role_name",
        )
        .bind(&account_id)
        .fetch_all(&mut *conn)
        .await?;
        let policies: Vec<PolicyRow> = sqlx::query_as(
            "SELECT policy_id, policy_name, path, description, default_version_id, created_at,
                    updated_at
             FROM policies WHERE account_id = ? ORDER BY policy_name",
        )
        .bind(&account_id)
        .fetch_all(&mut *conn)
        .await?;
        let mut signing_certificates = signing_certificates_of(conn, &account_id).await?;
        let mut ssh_public_keys = ssh_public_keys_of(conn, &account_id).await?;
        let mut login_profiles = login_profiles_of(conn, &account_id).await?;
        let mut password_history = password_history_of(conn, &account_id).await?;
        let mut service_credentials = service_credentials_of(conn, &account_id).await?;
        let mut account = doc::Account {
            root_signing_certificates: signing_certificates.remove(&None).unwrap_or_default(),
            created: date(row.created_at),
            root_access_keys: self.keys(&account_id, None),
            outbound_web_identity_federation: row.outbound_web_identity_federation,
            global_endpoint_token_version: row.global_endpoint_token_version,
            alias: alias_of(conn, &account_id).await?,
            password_policy: password_policy_of(conn, &account_id).await?,
            ..doc::Account::default()
        };
        for row in policies {
            let versions: Vec<(String, String, i64)> = sqlx::query_as(
                "SELECT version_id, document, created_at FROM policy_versions WHERE policy_id = ?
                 ORDER BY CAST(substr(version_id, 2) AS INTEGER), version_id",
            )
            .bind(&row.policy_id)
            .fetch_all(&mut *conn)
            .await?;
            account.policies.push(doc::ManagedPolicy {
                tags: self.tags(Tagged::Policy, &row.policy_id),
                name: row.policy_name,
                id: row.policy_id,
                path: row.path,
                description: row.description,
                created: date(row.created_at),
                updated: date(row.updated_at),
                document: None,
                versions: versions
                    .into_iter()
                    .map(|(id, document, created)| doc::PolicyVersion {
                        id,
                        document: json(document),
                        created: date(created),
                    })
                    .collect(),
                default_version: row.default_version_id,
            });
        }
        for row in groups {
            account.groups.push(doc::Group {
                policies: self.inline(&row.id),
                attached_policies: self.attached(&row.id),
                name: row.name,
                id: row.id,
                path: row.path,
                created: date(row.created_at),
            });
        }
        for row in users {
            account.users.push(doc::User {
                tags: self.tags(Tagged::User, &row.id),
                groups: self.memberships.remove(&row.id).unwrap_or_default(),
                policies: self.inline(&row.id),
                attached_policies: self.attached(&row.id),
                access_keys: self.keys(&account_id, Some(&row.id)),
                signing_certificates: signing_certificates
                    .remove(&Some(row.id.clone()))
                    .unwrap_or_default(),
                ssh_public_keys: ssh_public_keys.remove(&row.id).unwrap_or_default(),
                login_profile: login_profiles.remove(&row.id),
                password_history: password_history.remove(&row.id).unwrap_or_default(),
                service_specific_credentials: service_credentials
                    .remove(&row.id)
                    .unwrap_or_default(),
                name: row.name,
                id: row.id,
                path: row.path,
                created: date(row.created_at),
                permissions_boundary: row.permissions_boundary,
            });
        }
        for row in roles {
            account.roles.push(doc::Role {
                tags: self.tags(Tagged::Role, &row.role_id),
                policies: self.inline(&row.role_id),
                attached_policies: self.attached(&row.role_id),
                name: row.role_name,
                id: row.role_id,
                path: row.path,
                created: date(row.created_at),
                description: row.description,
                max_session_duration: row.max_session_duration,
                trust_policy: json(row.trust_policy),
                permissions_boundary: row.permissions_boundary,
            });
        }
        for provider in providers_of(conn, &account_id).await? {
            account.oidc_providers.push(doc::OidcProvider {
                tags: self.tags(Tagged::OidcProvider, &provider.arn),
                url: provider.url,
                client_ids: provider.client_ids,
                thumbprints: provider.thumbprints,
                created: format_date(provider.created_at),
            });
        }
        let certificates: Vec<(String, String, String, i64, String, Option<String>)> =
            sqlx::query_as(
                "SELECT server_certificate_id, server_certificate_name, path, uploaded_at,
                        certificate_body, certificate_chain
                 FROM server_certificates WHERE account_id = ? ORDER BY server_certificate_name",
            )
            .bind(&account_id)
            .fetch_all(&mut *conn)
            .await?;
        for (id, name, path, uploaded, certificate_body, certificate_chain) in certificates {
            account.server_certificates.push(doc::ServerCertificate {
                tags: self.tags(Tagged::ServerCertificate, &id),
                name,
                id,
                path,
                uploaded: date(uploaded),
                certificate_body,
                certificate_chain,
            });
        }
        for provider in saml_providers::providers_of(conn, &account_id).await? {
            account.saml_providers.push(doc::SamlProvider {
                tags: self.tags(Tagged::SamlProvider, &provider.arn),
                name: provider
                    .arn
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
                metadata: provider.metadata,
                assertion_encryption_mode: provider.assertion_encryption_mode,
                created: format_date(provider.created_at),
                private_keys: provider
                    .private_keys
                    .into_iter()
                    .map(|key| doc::SamlPrivateKey {
                        key_id: key.key_id,
                        private_key: Some(key.private_key),
                        created: format_date(key.added_at),
                    })
                    .collect(),
            });
        }
        let profiles: Vec<(String, String, String, i64, Option<String>)> = sqlx::query_as(
            "SELECT p.instance_profile_id, p.instance_profile_name, p.path, p.created_at,
                    r.role_name
             FROM instance_profiles p LEFT JOIN roles r USING (role_id)
             WHERE p.account_id = ? ORDER BY p.instance_profile_name",
        )
        .bind(&account_id)
        .fetch_all(&mut *conn)
        .await?;
        for (id, name, path, created, role) in profiles {
            account.instance_profiles.push(doc::InstanceProfile {
                tags: self.tags(Tagged::InstanceProfile, &id),
                name,
                id,
                path,
                created: date(created),
                role,
            });
        }
        let devices: Vec<DeviceRow> = sqlx::query_as(
            "SELECT d.serial_number, d.device_name, d.path, d.seed, d.created_at, u.user_name,
                    d.enabled_at, d.last_step, d.drift_steps
             FROM mfa_devices d LEFT JOIN users u USING (user_id)
             WHERE d.account_id = ? ORDER BY d.device_name",
        )
        .bind(&account_id)
        .fetch_all(&mut *conn)
        .await?;
        for row in devices {
            account.mfa_devices.push(doc::MfaDevice {
                tags: self.tags(Tagged::MfaDevice, &row.serial_number),
                name: row.device_name,
                path: row.path,
                seed: Some(row.seed),
                created: date(row.created_at),
                // In use with no user: the root user's.
                root: row.user_name.is_none() && row.enabled_at.is_some(),
                user: row.user_name,
                enabled: row.enabled_at.map(date),
                last_step: (row.last_step != 0).then_some(row.last_step),
                drift_steps: (row.drift_steps != 0).then_some(row.drift_steps),
            });
        }
        account.account_id = account_id;
        Ok(account)
    }
}

/// The console passwords of the account's users, by user: hashes only.
async fn login_profiles_of(
    conn: &mut SqliteConnection,
    account_id: &str,
) -> Result<HashMap<String, doc::LoginProfile>, AwsError> {
    let rows: Vec<(String, String, String, bool, i64)> = sqlx::query_as(
        "SELECT l.user_id, l.salt, l.password_hash, l.password_reset_required, l.created_at
         FROM login_profiles l JOIN users u USING (user_id) WHERE u.account_id = ?",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    let profiles = rows
        .into_iter()
        .map(|(user_id, salt, hash, reset, created)| {
            let profile = doc::LoginProfile {
                password: None,
                salt: Some(salt),
                password_hash: Some(hash),
                password_reset_required: reset,
                created: date(created),
            };
            (user_id, profile)
        });
    Ok(profiles.collect())
}

/// The password history of the account's users, by user, oldest first: hashes only.
async fn password_history_of(
    conn: &mut SqliteConnection,
    account_id: &str,
) -> Result<HashMap<String, Vec<doc::PastPassword>>, AwsError> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT h.user_id, h.salt, h.password_hash, h.set_at
         FROM password_history h JOIN users u USING (user_id) WHERE u.account_id = ?
         ORDER BY h.rowid",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut history: HashMap<String, Vec<doc::PastPassword>> = HashMap::new();
    for (user_id, salt, password_hash, set) in rows {
        history.entry(user_id).or_default().push(doc::PastPassword {
            salt,
            password_hash,
            set: date(set),
        });
    }
    Ok(history)
}

/// The service-specific credentials of the account's users, by user, oldest first: hashes
/// only.
async fn service_credentials_of(
    conn: &mut SqliteConnection,
    account_id: &str,
) -> Result<HashMap<String, Vec<doc::ServiceCredential>>, AwsError> {
    type Row = (
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        String,
        String,
        String,
        i64,
        Option<i64>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT c.user_id, c.credential_id, c.service_name, c.service_user_name,
                c.service_credential_alias, c.salt, c.secret_hash, c.status, c.created_at,
                c.expires_at
         FROM service_specific_credentials c JOIN users u USING (user_id)
         WHERE u.account_id = ? ORDER BY c.created_at, c.credential_id",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut by_user: HashMap<_, Vec<_>> = HashMap::new();
    for (user_id, id, service_name, user_name, alias, salt, hash, state, created, expires) in rows {
        by_user
            .entry(user_id)
            .or_default()
            .push(doc::ServiceCredential {
                id,
                service_name,
                service_user_name: user_name,
                service_credential_alias: alias,
                secret: None,
                salt: Some(salt),
                secret_hash: Some(hash),
                status: key_status(&state),
                created: date(created),
                expires: expires.map(date),
            });
    }
    Ok(by_user)
}

async fn alias_of(
    conn: &mut SqliteConnection,
    account_id: &str,
) -> Result<Option<String>, AwsError> {
    Ok(
        sqlx::query_scalar("SELECT alias FROM account_aliases WHERE account_id = ?")
            .bind(account_id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

async fn password_policy_of(
    conn: &mut SqliteConnection,
    account_id: &str,
) -> Result<Option<doc::PasswordPolicy>, AwsError> {
    let policy: Option<super::PasswordPolicy> = sqlx::query_as(
        "SELECT minimum_password_length, require_symbols, require_numbers,
                require_uppercase_characters, require_lowercase_characters,
                allow_users_to_change_password, max_password_age, password_reuse_prevention,
                hard_expiry
         FROM password_policies WHERE account_id = ?",
    )
    .bind(account_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(policy.map(|p| doc::PasswordPolicy {
        minimum_password_length: p.minimum_password_length,
        require_symbols: p.require_symbols,
        require_numbers: p.require_numbers,
        require_uppercase_characters: p.require_uppercase_characters,
        require_lowercase_characters: p.require_lowercase_characters,
        allow_users_to_change_password: p.allow_users_to_change_password,
        max_password_age: p.max_password_age,
        password_reuse_prevention: p.password_reuse_prevention,
        hard_expiry: p.hard_expiry,
    }))
}

/// The account's signing certificates by owner (`None`: the root), oldest first.
async fn signing_certificates_of(
    conn: &mut SqliteConnection,
    account_id: &str,
) -> Result<HashMap<Option<String>, Vec<doc::SigningCertificate>>, AwsError> {
    let rows: Vec<(Option<String>, String, String, String, i64)> = sqlx::query_as(
        "SELECT user_id, certificate_id, certificate_body, status, uploaded_at
         FROM signing_certificates WHERE account_id = ? ORDER BY uploaded_at, certificate_id",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut by_owner: HashMap<_, Vec<_>> = HashMap::new();
    for (user_id, id, certificate_body, status, uploaded) in rows {
        by_owner
            .entry(user_id)
            .or_default()
            .push(doc::SigningCertificate {
                id,
                certificate_body,
                status: key_status(&status),
                uploaded: date(uploaded),
            });
    }
    Ok(by_owner)
}

/// The SSH public keys of the account's users by user, oldest first.
async fn ssh_public_keys_of(
    conn: &mut SqliteConnection,
    account_id: &str,
) -> Result<HashMap<String, Vec<doc::SshPublicKey>>, AwsError> {
    let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
        "SELECT k.user_id, k.ssh_public_key_id, k.body, k.status, k.uploaded_at
         FROM ssh_public_keys k JOIN users u USING (user_id) WHERE u.account_id = ?
         ORDER BY k.uploaded_at, k.ssh_public_key_id",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut by_user: HashMap<_, Vec<_>> = HashMap::new();
    for (user_id, id, body, status, uploaded) in rows {
        by_user.entry(user_id).or_default().push(doc::SshPublicKey {
            id,
            body,
            status: key_status(&status),
            uploaded: date(uploaded),
        });
    }
    Ok(by_user)
}
