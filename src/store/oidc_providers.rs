//! IAM OpenID Connect providers: the issuers whose ID tokens `AssumeRoleWithWebIdentity`
//! accepts, with the audiences (client ids) each may name.

use std::sync::Arc;

use sqlx::SqliteConnection;
use time::OffsetDateTime;

use super::tags::{
    Tagged, put_tags, remove_tags, resource_tags_change, resource_tags_changes, tags_of,
};
use super::{Store, Tag, from_millis, lagging, to_millis, unique_or};
use crate::aws_error;
use crate::error::AwsError;
use crate::iam::shapes::MAX_TAGS;
use crate::view::{Change, OidcProviderRecord};

/// A provider may list 100 client ids at most.
pub const MAX_CLIENT_IDS: usize = 100;

#[derive(Debug, Clone)]
pub struct OidcProvider {
    pub arn: String,
    /// The issuer without its scheme (`host/path`), as AWS returns it.
    pub url: String,
    pub client_ids: Vec<String>,
    pub thumbprints: Vec<String>,
    pub created_at: OffsetDateTime,
    pub tags: Vec<Tag>,
}

/// The lists of a provider that its update actions change.
#[derive(Debug, Clone)]
pub struct OidcProviderLists {
    pub client_ids: Vec<String>,
    pub thumbprints: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct ProviderRow {
    arn: String,
    account_id: String,
    url: String,
    client_ids: String,
    thumbprints: String,
    created_at: i64,
}

impl ProviderRow {
    fn lists(&self) -> OidcProviderLists {
        OidcProviderLists {
            client_ids: serde_json::from_str(&self.client_ids).unwrap_or_default(),
            thumbprints: serde_json::from_str(&self.thumbprints).unwrap_or_default(),
        }
    }

    fn record(&self) -> Change {
        let lists = self.lists();
        Change::OidcProviderPut(Arc::new(OidcProviderRecord {
            arn: self.arn.clone(),
            account_id: self.account_id.clone(),
            url: self.url.clone(),
            client_ids: lists.client_ids,
            thumbprints: lists.thumbprints,
            created_at: from_millis(self.created_at),
        }))
    }

    fn into_provider(self, tags: Vec<Tag>) -> OidcProvider {
        let lists = self.lists();
        OidcProvider {
            arn: self.arn,
            url: self.url,
            client_ids: lists.client_ids,
            thumbprints: lists.thumbprints,
            created_at: from_millis(self.created_at),
            tags,
        }
    }
}

fn to_json(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

impl Store {
    /// Registers a provider; `url` is the issuer without its scheme, `arn` the ARN it gives.
    pub async fn create_oidc_provider(
        &self,
        account_id: &str,
        arn: &str,
        url: &str,
        lists: &OidcProviderLists,
        tags: &[Tag],
        now: OffsetDateTime,
    ) -> Result<OidcProvider, AwsError> {
        let mut w = self.begin().await?;
        let (provider, change) =
            insert_provider(&mut w.tx, account_id, arn, url, lists, now, tags).await?;
        w.record(change);
        if !tags.is_empty() {
            w.record(resource_tags_change(arn, tags));
        }
        w.commit().await?;
        Ok(provider)
    }

    pub async fn oidc_provider(
        &self,
        account_id: &str,
        arn: &str,
    ) -> Result<OidcProvider, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            return lagging::oidc_provider(view, account_id, arn);
        }
        let mut conn = self.read().await?;
        let row = provider_row(&mut conn, account_id, arn).await?;
        let tags = tags_of(&mut conn, Tagged::OidcProvider, arn).await?;
        Ok(row.into_provider(tags))
    }

    /// The ARNs of the account's providers, in order.
    pub async fn list_oidc_providers(&self, account_id: &str) -> Result<Vec<String>, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            let providers = view.oidc_providers_of(account_id);
            return Ok(providers.iter().map(|p| p.arn.clone()).collect());
        }
        let arns: Vec<(String,)> =
            sqlx::query_as("SELECT arn FROM oidc_providers WHERE account_id = ? ORDER BY arn")
                .bind(account_id)
                .fetch_all(&mut *self.read().await?)
                .await?;
        Ok(arns.into_iter().map(|(arn,)| arn).collect())
    }

    /// Deletes the provider if there is one (AWS's delete is idempotent).
    pub async fn delete_oidc_provider(&self, account_id: &str, arn: &str) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let deleted = sqlx::query("DELETE FROM oidc_providers WHERE arn = ? AND account_id = ?")
            .bind(arn)
            .bind(account_id)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
        if deleted > 0 {
            w.record(resource_tags_change(arn, &[]));
            w.record(Change::OidcProviderRemoved {
                arn: arn.to_owned(),
            });
        }
        w.commit().await
    }

    /// Changes a provider's client ids or thumbprints with `edit`, which may refuse.
    pub async fn update_oidc_provider(
        &self,
        account_id: &str,
        arn: &str,
        edit: impl FnOnce(&mut OidcProviderLists) -> Result<(), AwsError>,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = provider_row(&mut w.tx, account_id, arn).await?;
        let mut lists = row.lists();
        edit(&mut lists)?;
        let row = ProviderRow {
            client_ids: to_json(&lists.client_ids),
            thumbprints: to_json(&lists.thumbprints),
            ..row
        };
        sqlx::query("UPDATE oidc_providers SET client_ids = ?, thumbprints = ? WHERE arn = ?")
            .bind(&row.client_ids)
            .bind(&row.thumbprints)
            .bind(arn)
            .execute(&mut *w.tx)
            .await?;
        w.record(row.record());
        w.commit().await
    }

    pub async fn tag_oidc_provider(
        &self,
        account_id: &str,
        arn: &str,
        tags: &[Tag],
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        provider_row(&mut w.tx, account_id, arn).await?;
        put_tags(&mut w.tx, Tagged::OidcProvider, arn, tags).await?;
        let tags = tags_of(&mut w.tx, Tagged::OidcProvider, arn).await?;
        if tags.len() > MAX_TAGS {
            return Err(aws_error!(
                LimitExceeded,
                "The number of tags has reached the maximum limit."
            ));
        }
        w.record(resource_tags_change(arn, &tags));
        w.commit().await
    }

    pub async fn untag_oidc_provider(
        &self,
        account_id: &str,
        arn: &str,
        keys: &[String],
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        provider_row(&mut w.tx, account_id, arn).await?;
        remove_tags(&mut w.tx, Tagged::OidcProvider, arn, keys).await?;
        let tags = tags_of(&mut w.tx, Tagged::OidcProvider, arn).await?;
        w.record(resource_tags_change(arn, &tags));
        w.commit().await
    }

    pub(super) async fn oidc_provider_tag_changes(&self) -> Result<Vec<Change>, AwsError> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT provider_arn, tag_key, tag_value FROM oidc_provider_tags ORDER BY rowid",
        )
        .fetch_all(&mut *self.read().await?)
        .await?;
        Ok(resource_tags_changes(rows))
    }

    pub(super) async fn oidc_provider_changes(&self) -> Result<Vec<Change>, AwsError> {
        let rows: Vec<ProviderRow> = sqlx::query_as(
            "SELECT arn, account_id, url, client_ids, thumbprints, created_at FROM oidc_providers",
        )
        .fetch_all(&mut *self.read().await?)
        .await?;
        Ok(rows.iter().map(ProviderRow::record).collect())
    }
}

/// Writes a new provider and its tags: the provider, and the change that shows it.
pub(super) async fn insert_provider(
    conn: &mut SqliteConnection,
    account_id: &str,
    arn: &str,
    url: &str,
    lists: &OidcProviderLists,
    created_at: OffsetDateTime,
    tags: &[Tag],
) -> Result<(OidcProvider, Change), AwsError> {
    let row = ProviderRow {
        arn: arn.to_owned(),
        account_id: account_id.to_owned(),
        url: url.to_owned(),
        client_ids: to_json(&lists.client_ids),
        thumbprints: to_json(&lists.thumbprints),
        created_at: to_millis(created_at),
    };
    sqlx::query(
        "INSERT INTO oidc_providers (arn, account_id, url, client_ids, thumbprints, created_at)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(&row.arn)
    .bind(&row.account_id)
    .bind(&row.url)
    .bind(&row.client_ids)
    .bind(&row.thumbprints)
    .bind(row.created_at)
    .execute(&mut *conn)
    .await
    .map_err(|e| {
        unique_or(e, || {
            aws_error!(
                EntityAlreadyExists,
                "Provider with url {url} already exists."
            )
        })
    })?;
    put_tags(conn, Tagged::OidcProvider, arn, tags).await?;
    let change = row.record();
    Ok((row.into_provider(tags.to_vec()), change))
}

/// The account's providers in ARN order, without their tags.
pub(super) async fn providers_of(
    conn: &mut SqliteConnection,
    account_id: &str,
) -> Result<Vec<OidcProvider>, AwsError> {
    let rows: Vec<ProviderRow> = sqlx::query_as(
        "SELECT arn, account_id, url, client_ids, thumbprints, created_at FROM oidc_providers
         WHERE account_id = ? ORDER BY arn",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| row.into_provider(Vec::new()))
        .collect())
}

async fn provider_row(
    conn: &mut SqliteConnection,
    account_id: &str,
    arn: &str,
) -> Result<ProviderRow, AwsError> {
    sqlx::query_as(
        "SELECT arn, account_id, url, client_ids, thumbprints, created_at FROM oidc_providers
         WHERE arn = ? AND account_id = ?",
    )
    .bind(arn)
    .bind(account_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| no_such_provider(arn))
}

pub(super) fn no_such_provider(arn: &str) -> AwsError {
    aws_error!(
        NoSuchEntity,
        "OpenIDConnect Provider not found for arn {arn}"
    )
}
