//! Accounts: created at start-up for the configured one, and on first use for others.

use time::OffsetDateTime;

use super::{Store, from_millis, to_millis};
use crate::error::AwsError;
use crate::view::Change;

impl Store {
    /// Creates the account unless it exists; true when it was created now.
    pub async fn ensure_account(
        &self,
        account_id: &str,
        now: OffsetDateTime,
    ) -> Result<bool, AwsError> {
        let mut w = self.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO accounts (account_id, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(account_id)
        .bind(to_millis(now))
        .execute(&mut *w.tx)
        .await?
        .rows_affected()
            == 1;
        if inserted {
            w.record(Change::AccountCreated {
                account_id: account_id.to_owned(),
            });
        }
        w.commit().await?;
        Ok(inserted)
    }

    pub async fn account_created_at(&self, account_id: &str) -> Result<OffsetDateTime, AwsError> {
        let (ms,): (i64,) = sqlx::query_as("SELECT created_at FROM accounts WHERE account_id = ?")
            .bind(account_id)
            .fetch_one(&mut *self.read().await?)
            .await?;
        Ok(from_millis(ms))
    }

    /// Does iamlocal hold this account (the configured one, or one used since)?
    pub async fn account_exists(&self, account_id: &str) -> Result<bool, AwsError> {
        let (exists,): (bool,) =
            sqlx::query_as("SELECT EXISTS (SELECT 1 FROM accounts WHERE account_id = ?)")
                .bind(account_id)
                .fetch_one(&mut *self.read().await?)
                .await?;
        Ok(exists)
    }

    /// Does the account have a user (`role: false`) or role with this path and name, as a
    /// principal ARN names it?
    pub async fn principal_exists(
        &self,
        account_id: &str,
        role: bool,
        path: &str,
        name: &str,
    ) -> Result<bool, AwsError> {
        // A user is found by id (see `user_names`), a role by its index.
        let (sql, found_by) = if role {
            (
                "SELECT EXISTS (SELECT 1 FROM roles WHERE account_id = ? AND path = ? AND role_name = ?)",
                account_id.to_owned(),
            )
        } else {
            let Some(user_id) = self.user_names.holder(account_id, name) else {
                return Ok(false);
            };
            (
                "SELECT EXISTS (SELECT 1 FROM users WHERE user_id = ? AND path = ? AND user_name = ?)",
                user_id,
            )
        };
        let (exists,): (bool,) = sqlx::query_as(sql)
            .bind(found_by)
            .bind(path)
            .bind(name)
            .fetch_one(&mut *self.read().await?)
            .await?;
        Ok(exists)
    }

    /// Does the database hold any state yet?
    pub async fn has_accounts(&self) -> Result<bool, AwsError> {
        let (any,): (bool,) = sqlx::query_as("SELECT EXISTS (SELECT 1 FROM accounts)")
            .fetch_one(&mut *self.read().await?)
            .await?;
        Ok(any)
    }

    pub(crate) async fn account_changes(&self) -> Result<Vec<Change>, AwsError> {
        let ids: Vec<(String,)> = sqlx::query_as("SELECT account_id FROM accounts")
            .fetch_all(&mut *self.read().await?)
            .await?;
        Ok(ids
            .into_iter()
            .map(|(account_id,)| Change::AccountCreated { account_id })
            .collect())
    }
}
