//! Account-wide settings: the account alias, the password policy, the STS settings
//! (outbound web identity federation, the global endpoint's token version), and the counts
//! of `GetAccountSummary`.

use std::sync::Arc;

use super::Store;
use crate::aws_error;
use crate::error::AwsError;
use crate::view::Change;

/// The account's password policy, as `UpdateAccountPasswordPolicy` sets it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PasswordPolicy {
    pub minimum_password_length: i64,
    pub require_symbols: bool,
    pub require_numbers: bool,
    pub require_uppercase_characters: bool,
    pub require_lowercase_characters: bool,
    pub allow_users_to_change_password: bool,
    /// Days a password lasts; `None` when passwords do not expire.
    pub max_password_age: Option<i64>,
    pub password_reuse_prevention: Option<i64>,
    pub hard_expiry: bool,
}

/// The entities of an account, counted for `GetAccountSummary`.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct AccountCounts {
    pub users: i64,
    pub groups: i64,
    pub roles: i64,
    pub policies: i64,
    pub instance_profiles: i64,
    /// OpenID Connect providers (AWS counts SAML providers too; iamlocal has none).
    pub providers: i64,
    /// Managed policies (AWS's included) attached to the account's users, groups and roles.
    pub attached_policies: i64,
    pub server_certificates: i64,
    /// Signing certificates of the account's root user.
    pub root_signing_certificates: i64,
    /// Virtual MFA devices, and those of them enabled for a user.
    pub mfa_devices: i64,
    pub mfa_devices_in_use: i64,
    /// Devices enabled for the root user.
    pub root_mfa_devices: i64,
}

impl Store {
    /// Gives the account this alias, replacing the one it had (an account has one at most);
    /// an alias is unique across accounts.
    pub async fn set_account_alias(&self, account_id: &str, alias: &str) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let owner: Option<(String,)> =
            sqlx::query_as("SELECT account_id FROM account_aliases WHERE alias = ?")
                .bind(alias)
                .fetch_optional(&mut *w.tx)
                .await?;
        if owner.is_some_and(|(owner,)| owner != account_id) {
            return Err(aws_error!(
                EntityAlreadyExists,
                "The account alias {alias} already exists."
            ));
        }
        sqlx::query(
            "INSERT INTO account_aliases (account_id, alias) VALUES (?, ?)
             ON CONFLICT (account_id) DO UPDATE SET alias = excluded.alias",
        )
        .bind(account_id)
        .bind(alias)
        .execute(&mut *w.tx)
        .await?;
        w.record(Change::AccountAlias {
            account_id: account_id.to_owned(),
            alias: Some(alias.to_owned()),
        });
        w.commit().await
    }

    pub async fn delete_account_alias(
        &self,
        account_id: &str,
        alias: &str,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let deleted = sqlx::query("DELETE FROM account_aliases WHERE account_id = ? AND alias = ?")
            .bind(account_id)
            .bind(alias)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Err(aws_error!(
                NoSuchEntity,
                "The account alias {alias} cannot be found."
            ));
        }
        w.record(Change::AccountAlias {
            account_id: account_id.to_owned(),
            alias: None,
        });
        w.commit().await
    }

    /// The account's aliases: none or one.
    pub async fn account_aliases(&self, account_id: &str) -> Result<Vec<String>, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            return Ok(view.account_alias(account_id).into_iter().collect());
        }
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT alias FROM account_aliases WHERE account_id = ?")
                .bind(account_id)
                .fetch_all(&mut *self.read().await?)
                .await?;
        Ok(rows.into_iter().map(|(a,)| a).collect())
    }

    /// `GetAccountPasswordPolicy`'s answer: with lagging reads, what has propagated.
    /// Passwords are always checked against [`Store::password_policy`], the stored one.
    pub async fn account_password_policy(
        &self,
        account_id: &str,
    ) -> Result<Option<PasswordPolicy>, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            return Ok(view.password_policy(account_id).map(|p| (*p).clone()));
        }
        self.password_policy(account_id).await
    }

    /// The account's password policy, if it set one.
    pub async fn password_policy(
        &self,
        account_id: &str,
    ) -> Result<Option<PasswordPolicy>, AwsError> {
        Ok(sqlx::query_as(
            "SELECT minimum_password_length, require_symbols, require_numbers,
                    require_uppercase_characters, require_lowercase_characters,
                    allow_users_to_change_password, max_password_age,
                    password_reuse_prevention, hard_expiry
             FROM password_policies WHERE account_id = ?",
        )
        .bind(account_id)
        .fetch_optional(&mut *self.read().await?)
        .await?)
    }

    pub async fn set_password_policy(
        &self,
        account_id: &str,
        policy: &PasswordPolicy,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        sqlx::query(
            "INSERT OR REPLACE INTO password_policies
                 (account_id, minimum_password_length, require_symbols, require_numbers,
                  require_uppercase_characters, require_lowercase_characters,
                  allow_users_to_change_password, max_password_age, password_reuse_prevention,
                  hard_expiry)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(account_id)
        .bind(policy.minimum_password_length)
        .bind(policy.require_symbols)
        .bind(policy.require_numbers)
        .bind(policy.require_uppercase_characters)
        .bind(policy.require_lowercase_characters)
        .bind(policy.allow_users_to_change_password)
        .bind(policy.max_password_age)
        .bind(policy.password_reuse_prevention)
        .bind(policy.hard_expiry)
        .execute(&mut *w.tx)
        .await?;
        w.record(Change::PasswordPolicy {
            account_id: account_id.to_owned(),
            policy: Some(Arc::new(policy.clone())),
        });
        w.commit().await
    }

    pub async fn delete_password_policy(&self, account_id: &str) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let deleted = sqlx::query("DELETE FROM password_policies WHERE account_id = ?")
            .bind(account_id)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Err(no_password_policy(account_id));
        }
        w.record(Change::PasswordPolicy {
            account_id: account_id.to_owned(),
            policy: None,
        });
        w.commit().await
    }

    /// Every account's alias and password policy, for the view's first build.
    pub(super) async fn account_setting_changes(&self) -> Result<Vec<Change>, AwsError> {
        let aliases: Vec<(String, String)> =
            sqlx::query_as("SELECT account_id, alias FROM account_aliases")
                .fetch_all(&mut *self.read().await?)
                .await?;
        let mut changes: Vec<Change> = aliases
            .into_iter()
            .map(|(account_id, alias)| Change::AccountAlias {
                account_id,
                alias: Some(alias),
            })
            .collect();
        let accounts: Vec<(String,)> = sqlx::query_as("SELECT account_id FROM password_policies")
            .fetch_all(&mut *self.read().await?)
            .await?;
        for (account_id,) in accounts {
            let policy = self.password_policy(&account_id).await?;
            changes.push(Change::PasswordPolicy {
                account_id,
                policy: policy.map(Arc::new),
            });
        }
        Ok(changes)
    }

    /// Is outbound web identity federation on for the account?
    pub async fn outbound_federation_enabled(&self, account_id: &str) -> Result<bool, AwsError> {
        let row: Option<(bool,)> = sqlx::query_as(
            "SELECT outbound_web_identity_federation FROM accounts WHERE account_id = ?",
        )
        .bind(account_id)
        .fetch_optional(&mut *self.read().await?)
        .await?;
        Ok(row.is_some_and(|(on,)| on))
    }

    /// Turns outbound web identity federation on or off; false when it already was so.
    pub async fn set_outbound_federation(
        &self,
        account_id: &str,
        enabled: bool,
    ) -> Result<bool, AwsError> {
        let mut w = self.begin().await?;
        let changed = sqlx::query(
            "UPDATE accounts SET outbound_web_identity_federation = ?
             WHERE account_id = ? AND outbound_web_identity_federation <> ?",
        )
        .bind(enabled)
        .bind(account_id)
        .bind(enabled)
        .execute(&mut *w.tx)
        .await?
        .rows_affected()
            == 1;
        w.commit().await?;
        Ok(changed)
    }

    /// `v1Token` or `v2Token`: the version of the global endpoint's session tokens.
    pub async fn global_endpoint_token_version(
        &self,
        account_id: &str,
    ) -> Result<String, AwsError> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT global_endpoint_token_version FROM accounts WHERE account_id = ?",
        )
        .bind(account_id)
        .fetch_optional(&mut *self.read().await?)
        .await?;
        Ok(row.map_or_else(|| "v1Token".to_owned(), |(v,)| v))
    }

    pub async fn set_global_endpoint_token_version(
        &self,
        account_id: &str,
        version: &str,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        sqlx::query("UPDATE accounts SET global_endpoint_token_version = ? WHERE account_id = ?")
            .bind(version)
            .bind(account_id)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await
    }

    pub async fn account_counts(&self, account_id: &str) -> Result<AccountCounts, AwsError> {
        let counts = self.stored_account_counts(account_id).await?;
        Ok(match self.propagation.lagging_view() {
            Some(view) => super::lagging::account_counts(view, account_id, counts),
            None => counts,
        })
    }

    async fn stored_account_counts(&self, account_id: &str) -> Result<AccountCounts, AwsError> {
        Ok(sqlx::query_as(
            "SELECT (SELECT count(*) FROM users WHERE account_id = ?1) AS users,
                    (SELECT count(*) FROM groups WHERE account_id = ?1) AS groups,
                    (SELECT count(*) FROM roles WHERE account_id = ?1) AS roles,
                    (SELECT count(*) FROM policies WHERE account_id = ?1) AS policies,
                    (SELECT count(*) FROM instance_profiles WHERE account_id = ?1)
                        AS instance_profiles,
                    (SELECT count(*) FROM oidc_providers WHERE account_id = ?1)
                        + (SELECT count(*) FROM saml_providers WHERE account_id = ?1)
                        AS providers,
                    (SELECT count(*) FROM attached_policies a
                     WHERE a.owner_id IN (SELECT user_id FROM users WHERE account_id = ?1)
                        OR a.owner_id IN (SELECT role_id FROM roles WHERE account_id = ?1)
                        OR a.owner_id IN (SELECT group_id FROM groups WHERE account_id = ?1))
                        AS attached_policies,
                    (SELECT count(*) FROM server_certificates WHERE account_id = ?1)
                        AS server_certificates,
                    (SELECT count(*) FROM signing_certificates
                     WHERE account_id = ?1 AND user_id IS NULL) AS root_signing_certificates,
                    (SELECT count(*) FROM mfa_devices WHERE account_id = ?1) AS mfa_devices,
                    (SELECT count(*) FROM mfa_devices
                     WHERE account_id = ?1 AND enabled_at IS NOT NULL) AS mfa_devices_in_use,
                    (SELECT count(*) FROM mfa_devices
                     WHERE account_id = ?1 AND user_id IS NULL AND enabled_at IS NOT NULL)
                        AS root_mfa_devices",
        )
        .bind(account_id)
        .fetch_one(&mut *self.read().await?)
        .await?)
    }
}

/// IAM's answer when the account has no password policy.
pub fn no_password_policy(account_id: &str) -> AwsError {
    aws_error!(
        NoSuchEntity,
        "The Password Policy with domain name {account_id} cannot be found."
    )
}
