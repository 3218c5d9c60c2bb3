//! IAM SAML providers: the identity providers whose signed assertions
//! `AssumeRoleWithSAML` accepts, each with the metadata document that names its signing
//! certificates, and the private keys (two at most) its encrypted assertions are decrypted with.

use std::sync::Arc;

use sqlx::SqliteConnection;
use time::OffsetDateTime;

use super::tags::{
    Tagged, add_tags_within_quota, put_tags, remove_tags, resource_tags_change,
    resource_tags_changes, tags_of,
};
use super::{Store, Tag, from_millis, lagging, to_millis, unique_or};
use crate::aws_error;
use crate::error::AwsError;
use crate::saml::{DecryptionKey, Metadata};
use crate::view::{Change, SamlProviderRecord};

#[derive(Debug, Clone)]
pub struct SamlProvider {
    pub arn: String,
    /// AWS's id of the provider (`SAMLProviderUUID`).
    pub uuid: String,
    pub metadata: String,
    pub assertion_encryption_mode: Option<String>,
    pub valid_until: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub tags: Vec<Tag>,
    /// Oldest first.
    pub private_keys: Vec<SamlPrivateKey>,
}

/// A private key of a provider: its id, its PEM (a secret: never in an IAM answer) and when
/// it was added.
#[derive(Debug, Clone)]
pub struct SamlPrivateKey {
    pub key_id: String,
    pub private_key: String,
    pub added_at: OffsetDateTime,
}

/// What a create or an update writes.
pub struct SamlProviderDocument<'a> {
    pub metadata: &'a str,
    pub parsed: &'a Metadata,
    pub assertion_encryption_mode: Option<&'a str>,
    pub private_keys: &'a [SamlPrivateKey],
}

/// The private keys an update adds or removes.
#[derive(Default)]
pub struct PrivateKeyChange<'a> {
    pub add: Option<&'a SamlPrivateKey>,
    pub remove: Option<&'a str>,
}

/// How many private keys a provider may have (`privateKeyList`'s limit): two, so that one
/// can be rotated.
pub const MAX_PRIVATE_KEYS: usize = 2;

#[derive(sqlx::FromRow)]
struct ProviderRow {
    arn: String,
    account_id: String,
    uuid: String,
    metadata: String,
    assertion_encryption_mode: Option<String>,
    valid_until: Option<i64>,
    created_at: i64,
}

impl ProviderRow {
    /// The data plane's record: the keys are read from the metadata and the PEMs, which were
    /// checked when they were stored (a provider whose metadata no longer reads trusts no key).
    fn record(&self, private_keys: &[SamlPrivateKey]) -> Change {
        let metadata = Metadata::parse(&self.metadata).ok();
        Change::SamlProviderPut(Arc::new(SamlProviderRecord {
            arn: self.arn.clone(),
            account_id: self.account_id.clone(),
            entity_id: metadata
                .as_ref()
                .map(|m| m.entity_id.clone())
                .unwrap_or_default(),
            signing_keys: metadata.map(|m| m.signing_keys).unwrap_or_default(),
            decryption_keys: private_keys
                .iter()
                .filter_map(|k| DecryptionKey::from_pem(&k.private_key).ok())
                .collect(),
            private_key_stamps: private_keys
                .iter()
                .map(|k| (k.key_id.clone(), k.added_at))
                .collect(),
            uuid: self.uuid.clone(),
            metadata: self.metadata.as_str().into(),
            assertion_encryption_mode: self.assertion_encryption_mode.clone(),
            valid_until: self.valid_until.map(from_millis),
            created_at: from_millis(self.created_at),
        }))
    }

    fn into_provider(self, tags: Vec<Tag>, private_keys: Vec<SamlPrivateKey>) -> SamlProvider {
        SamlProvider {
            arn: self.arn,
            uuid: self.uuid,
            metadata: self.metadata,
            assertion_encryption_mode: self.assertion_encryption_mode,
            valid_until: self.valid_until.map(from_millis),
            created_at: from_millis(self.created_at),
            tags,
            private_keys,
        }
    }
}

/// `SAMLProviderUUID`: AWS's look, 26 upper-case letters and digits.
fn new_uuid() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..26].to_ascii_uppercase()
}

impl Store {
    pub async fn create_saml_provider(
        &self,
        account_id: &str,
        arn: &str,
        document: &SamlProviderDocument<'_>,
        tags: &[Tag],
        now: OffsetDateTime,
    ) -> Result<SamlProvider, AwsError> {
        let mut w = self.begin().await?;
        let (provider, change) =
            insert_provider(&mut w.tx, account_id, arn, document, tags, now).await?;
        w.record(change);
        if !tags.is_empty() {
            w.record(resource_tags_change(arn, tags));
        }
        w.commit().await?;
        Ok(provider)
    }

    pub async fn saml_provider(
        &self,
        account_id: &str,
        arn: &str,
    ) -> Result<SamlProvider, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            return lagging::saml_provider(view, account_id, arn);
        }
        let mut conn = self.read().await?;
        let row = provider_row(&mut conn, account_id, arn).await?;
        let tags = tags_of(&mut conn, Tagged::SamlProvider, arn).await?;
        let keys = private_keys_of(&mut conn, arn).await?;
        Ok(row.into_provider(tags, keys))
    }

    /// The account's providers in ARN order, without their tags or metadata.
    pub async fn list_saml_providers(
        &self,
        account_id: &str,
    ) -> Result<Vec<SamlProvider>, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            let providers = view.saml_providers_of(account_id);
            return Ok(providers
                .iter()
                .map(|p| lagging::listed_saml_provider(p))
                .collect());
        }
        let rows: Vec<ProviderRow> = sqlx::query_as(
            "SELECT arn, account_id, uuid, '' AS metadata, assertion_encryption_mode,
                    valid_until, created_at
             FROM saml_providers WHERE account_id = ? ORDER BY arn",
        )
        .bind(account_id)
        .fetch_all(&mut *self.read().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| row.into_provider(Vec::new(), Vec::new()))
            .collect())
    }

    pub async fn delete_saml_provider(&self, account_id: &str, arn: &str) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let deleted = sqlx::query("DELETE FROM saml_providers WHERE arn = ? AND account_id = ?")
            .bind(arn)
            .bind(account_id)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Err(no_such_provider(arn));
        }
        w.record(resource_tags_change(arn, &[]));
        w.record(Change::SamlProviderRemoved {
            arn: arn.to_owned(),
        });
        w.commit().await
    }

    /// Replaces the metadata (when given) and the assertion encryption mode (when given),
    /// and removes, then adds, a private key.
    pub async fn update_saml_provider(
        &self,
        account_id: &str,
        arn: &str,
        metadata: Option<(&str, &Metadata)>,
        assertion_encryption_mode: Option<&str>,
        keys: PrivateKeyChange<'_>,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let mut row = provider_row(&mut w.tx, account_id, arn).await?;
        if let Some((document, parsed)) = metadata {
            row.metadata = document.to_owned();
            row.valid_until = parsed.valid_until.map(to_millis);
        }
        if let Some(mode) = assertion_encryption_mode {
            row.assertion_encryption_mode = Some(mode.to_owned());
        }
        let mut private_keys = private_keys_of(&mut w.tx, arn).await?;
        if let Some(key_id) = keys.remove {
            let before = private_keys.len();
            private_keys.retain(|k| k.key_id != key_id);
            if private_keys.len() == before {
                return Err(aws_error!(
                    InvalidInput,
                    "The private key with ID {key_id} does not exist for this SAML provider."
                ));
            }
        }
        if let Some(key) = keys.add {
            if private_keys.iter().any(|k| k.key_id == key.key_id) {
                return Err(aws_error!(
                    InvalidInput,
                    "The private key {} is already added to this SAML provider.",
                    key.key_id
                ));
            }
            private_keys.push(key.clone());
        }
        check_private_keys(row.assertion_encryption_mode.as_deref(), &private_keys)?;
        sqlx::query(
            "UPDATE saml_providers SET metadata = ?, valid_until = ?, assertion_encryption_mode = ?
             WHERE arn = ?",
        )
        .bind(&row.metadata)
        .bind(row.valid_until)
        .bind(&row.assertion_encryption_mode)
        .bind(arn)
        .execute(&mut *w.tx)
        .await?;
        sqlx::query("DELETE FROM saml_provider_private_keys WHERE provider_arn = ?")
            .bind(arn)
            .execute(&mut *w.tx)
            .await?;
        put_private_keys(&mut w.tx, arn, &private_keys).await?;
        w.record(row.record(&private_keys));
        w.commit().await
    }

    pub async fn tag_saml_provider(
        &self,
        account_id: &str,
        arn: &str,
        tags: &[Tag],
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        provider_row(&mut w.tx, account_id, arn).await?;
        let tags = add_tags_within_quota(&mut w.tx, Tagged::SamlProvider, arn, tags).await?;
        w.record(resource_tags_change(arn, &tags));
        w.commit().await
    }

    pub async fn untag_saml_provider(
        &self,
        account_id: &str,
        arn: &str,
        keys: &[String],
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        provider_row(&mut w.tx, account_id, arn).await?;
        remove_tags(&mut w.tx, Tagged::SamlProvider, arn, keys).await?;
        let tags = tags_of(&mut w.tx, Tagged::SamlProvider, arn).await?;
        w.record(resource_tags_change(arn, &tags));
        w.commit().await
    }

    pub(super) async fn saml_provider_tag_changes(&self) -> Result<Vec<Change>, AwsError> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT provider_arn, tag_key, tag_value FROM saml_provider_tags ORDER BY rowid",
        )
        .fetch_all(&mut *self.read().await?)
        .await?;
        Ok(resource_tags_changes(rows))
    }

    pub(super) async fn saml_provider_changes(&self) -> Result<Vec<Change>, AwsError> {
        let rows: Vec<ProviderRow> = sqlx::query_as(
            "SELECT arn, account_id, uuid, metadata, assertion_encryption_mode, valid_until,
                    created_at
             FROM saml_providers",
        )
        .fetch_all(&mut *self.read().await?)
        .await?;
        let keys: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT provider_arn, key_id, private_key, added_at FROM saml_provider_private_keys
             ORDER BY added_at, key_id",
        )
        .fetch_all(&mut *self.read().await?)
        .await?;
        Ok(rows
            .iter()
            .map(|row| {
                let own: Vec<SamlPrivateKey> = keys
                    .iter()
                    .filter(|(arn, ..)| *arn == row.arn)
                    .map(|(_, key_id, private_key, added_at)| SamlPrivateKey {
                        key_id: key_id.clone(),
                        private_key: private_key.clone(),
                        added_at: from_millis(*added_at),
                    })
                    .collect();
                row.record(&own)
            })
            .collect())
    }
}

/// The limit on private keys, and `Required` only with a key to decrypt with.
fn check_private_keys(mode: Option<&str>, keys: &[SamlPrivateKey]) -> Result<(), AwsError> {
    if keys.len() > MAX_PRIVATE_KEYS {
        return Err(aws_error!(
            LimitExceeded,
            "Cannot exceed quota for PrivateKeysPerSAMLProvider: {MAX_PRIVATE_KEYS}"
        ));
    }
    // iamlocal's choice (AWS does not say): `Required` takes encrypted assertions only, which
    // a provider without a private key could never read, so it needs one.
    if mode == Some("Required") && keys.is_empty() {
        return Err(aws_error!(
            InvalidInput,
            "AssertionEncryptionMode Required needs a private key: add one with AddPrivateKey."
        ));
    }
    Ok(())
}

async fn put_private_keys(
    conn: &mut SqliteConnection,
    arn: &str,
    keys: &[SamlPrivateKey],
) -> Result<(), AwsError> {
    for key in keys {
        sqlx::query(
            "INSERT INTO saml_provider_private_keys (provider_arn, key_id, private_key, added_at)
             VALUES (?, ?, ?, ?)",
        )
        .bind(arn)
        .bind(&key.key_id)
        .bind(&key.private_key)
        .bind(to_millis(key.added_at))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A provider's private keys, oldest first.
async fn private_keys_of(
    conn: &mut SqliteConnection,
    arn: &str,
) -> Result<Vec<SamlPrivateKey>, AwsError> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT key_id, private_key, added_at FROM saml_provider_private_keys
         WHERE provider_arn = ? ORDER BY added_at, key_id",
    )
    .bind(arn)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(key_id, private_key, added_at)| SamlPrivateKey {
            key_id,
            private_key,
            added_at: from_millis(added_at),
        })
        .collect())
}

/// Writes a new provider and its tags: the provider, and the change that shows it.
pub(super) async fn insert_provider(
    conn: &mut SqliteConnection,
    account_id: &str,
    arn: &str,
    document: &SamlProviderDocument<'_>,
    tags: &[Tag],
    created_at: OffsetDateTime,
) -> Result<(SamlProvider, Change), AwsError> {
    check_private_keys(document.assertion_encryption_mode, document.private_keys)?;
    let row = ProviderRow {
        arn: arn.to_owned(),
        account_id: account_id.to_owned(),
        uuid: new_uuid(),
        metadata: document.metadata.to_owned(),
        assertion_encryption_mode: document.assertion_encryption_mode.map(str::to_owned),
        valid_until: document.parsed.valid_until.map(to_millis),
        created_at: to_millis(created_at),
    };
    sqlx::query(
        "INSERT INTO saml_providers
         (arn, account_id, uuid, metadata, assertion_encryption_mode, valid_until, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&row.arn)
    .bind(&row.account_id)
    .bind(&row.uuid)
    .bind(&row.metadata)
    .bind(&row.assertion_encryption_mode)
    .bind(row.valid_until)
    .bind(row.created_at)
    .execute(&mut *conn)
    .await
    .map_err(|e| {
        unique_or(e, || {
            let name = arn.rsplit('/').next().unwrap_or_default();
            aws_error!(
                EntityAlreadyExists,
                "SAMLProvider named {name} already exists"
            )
        })
    })?;
    put_tags(conn, Tagged::SamlProvider, arn, tags).await?;
    put_private_keys(conn, arn, document.private_keys).await?;
    let change = row.record(document.private_keys);
    Ok((
        row.into_provider(tags.to_vec(), document.private_keys.to_vec()),
        change,
    ))
}

/// The account's providers in ARN order, with their metadata and private keys but without
/// their tags.
pub(super) async fn providers_of(
    conn: &mut SqliteConnection,
    account_id: &str,
) -> Result<Vec<SamlProvider>, AwsError> {
    let rows: Vec<ProviderRow> = sqlx::query_as(
        "SELECT arn, account_id, uuid, metadata, assertion_encryption_mode, valid_until,
                created_at
         FROM saml_providers WHERE account_id = ? ORDER BY arn",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut providers = Vec::with_capacity(rows.len());
    for row in rows {
        let keys = private_keys_of(conn, &row.arn).await?;
        providers.push(row.into_provider(Vec::new(), keys));
    }
    Ok(providers)
}

/// AWS's answer for a provider ARN that names none.
pub(super) fn no_such_provider(arn: &str) -> AwsError {
    aws_error!(NoSuchEntity, "Manifest not found for arn {arn}")
}

async fn provider_row(
    conn: &mut SqliteConnection,
    account_id: &str,
    arn: &str,
) -> Result<ProviderRow, AwsError> {
    sqlx::query_as(
        "SELECT arn, account_id, uuid, metadata, assertion_encryption_mode, valid_until,
                created_at
         FROM saml_providers WHERE arn = ? AND account_id = ?",
    )
    .bind(arn)
    .bind(account_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| no_such_provider(arn))
}
