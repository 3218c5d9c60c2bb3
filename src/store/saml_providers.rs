//! IAM SAML providers: the identity providers whose signed assertions
//! `AssumeRoleWithSAML` accepts, each with the metadata document that names its signing
//! certificates.

use std::sync::Arc;

use sqlx::SqliteConnection;
use time::OffsetDateTime;

use super::tags::{Tagged, add_tags_within_quota, put_tags, remove_tags, tags_of};
use super::{Store, Tag, from_millis, to_millis, unique_or};
use crate::aws_error;
use crate::error::AwsError;
use crate::saml::Metadata;
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
}

/// What a create or an update writes.
pub struct SamlProviderDocument<'a> {
    pub metadata: &'a str,
    pub parsed: &'a Metadata,
    pub assertion_encryption_mode: Option<&'a str>,
}

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
    /// The data plane's record: the keys are read from the metadata, which was checked when
    /// it was stored (a provider whose metadata no longer reads trusts no key).
    fn record(&self) -> Change {
        let metadata = Metadata::parse(&self.metadata).ok();
        Change::SamlProviderPut(Arc::new(SamlProviderRecord {
            arn: self.arn.clone(),
            account_id: self.account_id.clone(),
            entity_id: metadata
                .as_ref()
                .map(|m| m.entity_id.clone())
                .unwrap_or_default(),
            signing_keys: metadata.map(|m| m.signing_keys).unwrap_or_default(),
        }))
    }

    fn into_provider(self, tags: Vec<Tag>) -> SamlProvider {
        SamlProvider {
            arn: self.arn,
            uuid: self.uuid,
            metadata: self.metadata,
            assertion_encryption_mode: self.assertion_encryption_mode,
            valid_until: self.valid_until.map(from_millis),
            created_at: from_millis(self.created_at),
            tags,
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
        w.commit().await?;
        Ok(provider)
    }

    pub async fn saml_provider(
        &self,
        account_id: &str,
        arn: &str,
    ) -> Result<SamlProvider, AwsError> {
        let mut conn = self.reader.acquire().await?;
        let row = provider_row(&mut conn, account_id, arn).await?;
        let tags = tags_of(&mut conn, Tagged::SamlProvider, arn).await?;
        Ok(row.into_provider(tags))
    }

    /// The account's providers in ARN order, without their tags or metadata.
    pub async fn list_saml_providers(
        &self,
        account_id: &str,
    ) -> Result<Vec<SamlProvider>, AwsError> {
        let rows: Vec<ProviderRow> = sqlx::query_as(
            "SELECT arn, account_id, uuid, '' AS metadata, assertion_encryption_mode,
                    valid_until, created_at
             FROM saml_providers WHERE account_id = ? ORDER BY arn",
        )
        .bind(account_id)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| row.into_provider(Vec::new()))
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
        w.record(Change::SamlProviderRemoved {
            arn: arn.to_owned(),
        });
        w.commit().await
    }

    /// Replaces the metadata (when given) and the assertion encryption mode (when given).
    pub async fn update_saml_provider(
        &self,
        account_id: &str,
        arn: &str,
        metadata: Option<(&str, &Metadata)>,
        assertion_encryption_mode: Option<&str>,
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
        w.record(row.record());
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
        add_tags_within_quota(&mut w.tx, Tagged::SamlProvider, arn, tags).await?;
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
        w.commit().await
    }

    pub(super) async fn saml_provider_changes(&self) -> Result<Vec<Change>, AwsError> {
        let rows: Vec<ProviderRow> = sqlx::query_as(
            "SELECT arn, account_id, uuid, metadata, assertion_encryption_mode, valid_until,
                    created_at
             FROM saml_providers",
        )
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.iter().map(ProviderRow::record).collect())
    }
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
    let change = row.record();
    Ok((row.into_provider(tags.to_vec()), change))
}

/// The account's providers in ARN order, with their metadata but without their tags.
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
    Ok(rows
        .into_iter()
        .map(|row| row.into_provider(Vec::new()))
        .collect())
}

/// AWS's answer for a provider ARN that names none.
fn no_such_provider(arn: &str) -> AwsError {
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
