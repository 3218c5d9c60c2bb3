//! Long-term access keys of IAM users and account roots, and when each was last used.

use std::sync::Arc;

use sqlx::SqliteConnection;
use time::OffsetDateTime;

use super::user_names::UserNames;
use super::{Store, from_millis, is_unique_violation, lagging, to_millis, users};
use crate::aws_error;
use crate::error::AwsError;
use crate::ids::{ID_ATTEMPTS, IdKind, new_id, new_secret};
use crate::view::{AccessKeyRecord, Change};

/// IAM allows two access keys per user.
pub(crate) const KEYS_PER_USER: i64 = 2;

/// An access key as the API shows it. The secret is only ever set on the value
/// `create_access_key` returns: it is shown once and never again.
#[derive(Debug, Clone)]
pub struct AccessKey {
    pub access_key_id: String,
    /// `None` for a key of the account's root user.
    pub user_name: Option<String>,
    pub active: bool,
    pub created_at: OffsetDateTime,
    pub secret_access_key: Option<String>,
}

/// When, where and for what service a key was last used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUse {
    pub at: OffsetDateTime,
    pub service: String,
    pub region: String,
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    access_key_id: String,
    account_id: String,
    user_id: Option<String>,
    secret_access_key: String,
    status: String,
    created_at: i64,
}

#[derive(sqlx::FromRow)]
struct LastUseRow {
    user_name: Option<String>,
    last_used_at: Option<i64>,
    last_used_service: Option<String>,
    last_used_region: Option<String>,
}

impl KeyRow {
    fn record(self) -> Change {
        Change::AccessKeyPut(Arc::new(AccessKeyRecord {
            active: self.status == "Active",
            access_key_id: self.access_key_id,
            account_id: crate::view::account_id(&self.account_id),
            user_id: self.user_id,
            secret_access_key: self.secret_access_key,
            created_at: from_millis(self.created_at),
        }))
    }
}

impl Store {
    /// A new active key for the user (or, with no user, for the account's root).
    pub async fn create_access_key(
        &self,
        account_id: &str,
        user_name: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<AccessKey, AwsError> {
        let mut w = self.begin().await?;
        let user_id = match user_name {
            Some(name) => {
                Some(users::user_id(&mut w.tx, &self.user_names, account_id, name).await?)
            }
            None => None,
        };
        let (count,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM access_keys WHERE account_id = ? AND user_id IS ?",
        )
        .bind(account_id)
        .bind(&user_id)
        .fetch_one(&mut *w.tx)
        .await?;
        if count >= KEYS_PER_USER {
            return Err(aws_error!(
                LimitExceeded,
                "Cannot exceed quota for AccessKeysPerUser: {KEYS_PER_USER}"
            ));
        }
        let mut row = KeyRow {
            access_key_id: String::new(),
            account_id: account_id.to_owned(),
            user_id,
            secret_access_key: new_secret(),
            status: "Active".into(),
            created_at: to_millis(now),
        };
        // A failed statement leaves the transaction usable: try again with another id.
        for attempt in 1..=ID_ATTEMPTS {
            row.access_key_id = new_id(IdKind::AccessKey, account_id);
            let inserted = sqlx::query(
                "INSERT INTO access_keys (access_key_id, account_id, user_id, secret_access_key, status, created_at)
                 VALUES (?, ?, ?, ?, 'Active', ?)",
            )
            .bind(&row.access_key_id)
            .bind(account_id)
            .bind(&row.user_id)
            .bind(&row.secret_access_key)
            .bind(to_millis(now))
            .execute(&mut *w.tx)
            .await;
            match inserted {
                Ok(_) => break,
                Err(e) if is_unique_violation(&e) && attempt < ID_ATTEMPTS => continue,
                Err(e) => return Err(e.into()),
            }
        }
        let key = AccessKey {
            access_key_id: row.access_key_id.clone(),
            user_name: user_name.map(str::to_owned),
            active: true,
            created_at: now,
            secret_access_key: Some(row.secret_access_key.clone()),
        };
        w.record(row.record());
        w.commit().await?;
        Ok(key)
    }

    /// The keys of a user (or of the root), oldest first, without their secrets.
    pub async fn list_access_keys(
        &self,
        account_id: &str,
        user_name: Option<&str>,
    ) -> Result<Vec<AccessKey>, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            return lagging::access_keys(view, account_id, user_name);
        }
        let mut conn = self.read().await?;
        let user_id = match user_name {
            Some(name) => {
                Some(users::user_id(&mut conn, &self.user_names, account_id, name).await?)
            }
            None => None,
        };
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT access_key_id, status, created_at FROM access_keys
             WHERE account_id = ? AND user_id IS ? ORDER BY created_at, access_key_id",
        )
        .bind(account_id)
        .bind(&user_id)
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(access_key_id, status, created_at)| AccessKey {
                access_key_id,
                user_name: user_name.map(str::to_owned),
                active: status == "Active",
                created_at: from_millis(created_at),
                secret_access_key: None,
            })
            .collect())
    }

    pub async fn set_access_key_status(
        &self,
        account_id: &str,
        user_name: Option<&str>,
        access_key_id: &str,
        active: bool,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let mut row = key_row(
            &mut w.tx,
            &self.user_names,
            account_id,
            user_name,
            access_key_id,
        )
        .await?;
        row.status = if active { "Active" } else { "Inactive" }.into();
        sqlx::query("UPDATE access_keys SET status = ? WHERE access_key_id = ?")
            .bind(&row.status)
            .bind(access_key_id)
            .execute(&mut *w.tx)
            .await?;
        w.record(row.record());
        w.commit().await
    }

    pub async fn delete_access_key(
        &self,
        account_id: &str,
        user_name: Option<&str>,
        access_key_id: &str,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        key_row(
            &mut w.tx,
            &self.user_names,
            account_id,
            user_name,
            access_key_id,
        )
        .await?;
        sqlx::query("DELETE FROM access_keys WHERE access_key_id = ?")
            .bind(access_key_id)
            .execute(&mut *w.tx)
            .await?;
        w.record(Change::AccessKeyRemoved {
            access_key_id: access_key_id.to_owned(),
        });
        w.commit().await
    }

    /// The owner's user name (`None` for root) and the last use of a key of this account.
    pub async fn access_key_last_used(
        &self,
        account_id: &str,
        access_key_id: &str,
    ) -> Result<(Option<String>, Option<KeyUse>), AwsError> {
        let row: Option<LastUseRow> = sqlx::query_as(
            "SELECT u.user_name, k.last_used_at, k.last_used_service, k.last_used_region
             FROM access_keys k LEFT JOIN users u ON u.user_id = k.user_id
             WHERE k.account_id = ? AND k.access_key_id = ?",
        )
        .bind(account_id)
        .bind(access_key_id)
        .fetch_optional(&mut *self.read().await?)
        .await?;
        let row = row.ok_or_else(|| no_such_key(access_key_id))?;
        let last_use = row.last_used_at.map(|at| KeyUse {
            at: from_millis(at),
            service: row.last_used_service.unwrap_or_default(),
            region: row.last_used_region.unwrap_or_default(),
        });
        Ok((row.user_name, last_use))
    }

    /// Stores when keys were last used. Not a change the data plane needs.
    pub async fn record_key_uses(&self, uses: &[(String, KeyUse)]) -> Result<(), AwsError> {
        if uses.is_empty() {
            return Ok(());
        }
        let mut w = self.begin().await?;
        for (access_key_id, key_use) in uses {
            sqlx::query(
                "UPDATE access_keys SET last_used_at = ?, last_used_service = ?, last_used_region = ?
                 WHERE access_key_id = ?",
            )
            .bind(to_millis(key_use.at))
            .bind(&key_use.service)
            .bind(&key_use.region)
            .bind(access_key_id)
            .execute(&mut *w.tx)
            .await?;
        }
        w.commit().await
    }

    pub(super) async fn access_key_changes(&self) -> Result<Vec<Change>, AwsError> {
        let rows: Vec<KeyRow> = sqlx::query_as(
            "SELECT access_key_id, account_id, user_id, secret_access_key, status, created_at FROM access_keys",
        )
        .fetch_all(&mut *self.read().await?)
        .await?;
        Ok(rows.into_iter().map(KeyRow::record).collect())
    }
}

/// The key, if it belongs to the named user (or, with no name, to the root).
async fn key_row(
    conn: &mut SqliteConnection,
    names: &UserNames,
    account_id: &str,
    user_name: Option<&str>,
    access_key_id: &str,
) -> Result<KeyRow, AwsError> {
    let user_id = match user_name {
        Some(name) => Some(users::user_id(conn, names, account_id, name).await?),
        None => None,
    };
    sqlx::query_as(
        "SELECT access_key_id, account_id, user_id, secret_access_key, status, created_at FROM access_keys
         WHERE account_id = ? AND user_id IS ? AND access_key_id = ?",
    )
    .bind(account_id)
    .bind(&user_id)
    .bind(access_key_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| no_such_key(access_key_id))
}

fn no_such_key(access_key_id: &str) -> AwsError {
    aws_error!(
        NoSuchEntity,
        "The Access Key with id {access_key_id} cannot be found."
    )
}

#[cfg(test)]
mod tests {
    use crate::ids::tests::force_ids;
    use crate::store::test_store;

    #[tokio::test]
    async fn a_key_id_collision_is_retried_with_a_fresh_id() {
        let store = test_store("123456789012").await;
        let now = time::OffsetDateTime::now_utc();
        let taken = "AKIAAAAAAAAAAAAAAAAA";
        force_ids(&[taken, taken]);
        let first = store.create_access_key("123456789012", None, now).await;
        assert_eq!(first.unwrap().access_key_id, taken);
        let second = store.create_access_key("123456789012", None, now).await;
        let second = second.unwrap().access_key_id;
        assert_ne!(second, taken);
        assert!(second.starts_with("AKIA") && second.len() == 20, "{second}");
    }
}
