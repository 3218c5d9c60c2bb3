//! Credential reports: what the report says of each user's credentials, read in one go, and
//! the account's most recent report, kept as generated.
//!
//! Only dates and states are read here, never a secret: no key secret, no password hash.

use std::collections::{HashMap, HashSet};

use time::OffsetDateTime;

use super::{KeyUse, Store, from_millis, to_millis};
use crate::arn;
use crate::error::AwsError;

/// A report as generated: its time and its CSV text.
#[derive(Debug, Clone)]
pub struct CredentialReport {
    pub generated_at: OffsetDateTime,
    pub content: String,
}

/// What the report says of one access key.
#[derive(Debug, Clone)]
pub struct KeyColumns {
    pub active: bool,
    pub created_at: OffsetDateTime,
    pub last_used: Option<KeyUse>,
}

/// One row of the report: a user, or the account's root (`user_name` `None`).
#[derive(Debug, Clone)]
pub struct CredentialRow {
    pub user_name: Option<String>,
    pub arn: String,
    pub created_at: OffsetDateTime,
    /// When the user's console password was last set; `None` without a login profile.
    pub password_last_changed: Option<OffsetDateTime>,
    /// The access keys, oldest first (`access_key_1` is the oldest).
    pub keys: Vec<KeyColumns>,
    /// Whether an MFA device is enabled for the user.
    pub mfa_active: bool,
    /// The signing certificates, oldest first: whether active, and when uploaded.
    pub certificates: Vec<(bool, OffsetDateTime)>,
}

#[derive(sqlx::FromRow)]
struct UserCredentialRow {
    user_id: String,
    user_name: String,
    path: String,
    created_at: i64,
    password_set_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    user_id: Option<String>,
    status: String,
    created_at: i64,
    last_used_at: Option<i64>,
    last_used_service: Option<String>,
    last_used_region: Option<String>,
}

impl Store {
    /// The root's row, then one per user by name.
    pub async fn credential_rows(&self, account_id: &str) -> Result<Vec<CredentialRow>, AwsError> {
        let mut conn = self.read().await?;
        let (account_created,): (i64,) =
            sqlx::query_as("SELECT created_at FROM accounts WHERE account_id = ?")
                .bind(account_id)
                .fetch_one(&mut *conn)
                .await?;
        // The password was last set by the newest entry of its history (creation, update,
        // change), or when the login profile was made.
        let users: Vec<UserCredentialRow> = sqlx::query_as(
            "SELECT u.user_id, u.user_name, u.path, u.created_at,
                    CASE WHEN l.user_id IS NULL THEN NULL ELSE
                        coalesce((SELECT max(h.set_at) FROM password_history h
                                  WHERE h.user_id = u.user_id), l.created_at)
                    END AS password_set_at
             FROM users u LEFT JOIN login_profiles l ON l.user_id = u.user_id
             WHERE u.account_id = ? ORDER BY u.user_name",
        )
        .bind(account_id)
        .fetch_all(&mut *conn)
        .await?;
        let keys: Vec<KeyRow> = sqlx::query_as(
            "SELECT user_id, status, created_at, last_used_at, last_used_service,
                    last_used_region
             FROM access_keys WHERE account_id = ? ORDER BY created_at, access_key_id",
        )
        .bind(account_id)
        .fetch_all(&mut *conn)
        .await?;
        let mut keys_of: HashMap<Option<String>, Vec<KeyColumns>> = HashMap::new();
        for key in keys {
            keys_of.entry(key.user_id).or_default().push(KeyColumns {
                active: key.status == "Active",
                created_at: from_millis(key.created_at),
                last_used: key.last_used_at.map(|at| KeyUse {
                    at: from_millis(at),
                    service: key.last_used_service.unwrap_or_default(),
                    region: key.last_used_region.unwrap_or_default(),
                }),
            });
        }
        // A device in use with no user is the root user's (`None`).
        let with_mfa: HashSet<Option<String>> = sqlx::query_scalar(
            "SELECT DISTINCT user_id FROM mfa_devices
             WHERE account_id = ? AND enabled_at IS NOT NULL",
        )
        .bind(account_id)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
        let certificates: Vec<(Option<String>, String, i64)> = sqlx::query_as(
            "SELECT user_id, status, uploaded_at FROM signing_certificates
             WHERE account_id = ? ORDER BY uploaded_at, certificate_id",
        )
        .bind(account_id)
        .fetch_all(&mut *conn)
        .await?;
        let mut certificates_of: HashMap<Option<String>, Vec<(bool, OffsetDateTime)>> =
            HashMap::new();
        for (user_id, status, uploaded_at) in certificates {
            certificates_of
                .entry(user_id)
                .or_default()
                .push((status == "Active", from_millis(uploaded_at)));
        }
        let mut rows = vec![CredentialRow {
            user_name: None,
            arn: arn::root(account_id),
            created_at: from_millis(account_created),
            password_last_changed: None,
            keys: keys_of.remove(&None).unwrap_or_default(),
            mfa_active: with_mfa.contains(&None),
            certificates: certificates_of.remove(&None).unwrap_or_default(),
        }];
        rows.extend(users.into_iter().map(|user| {
            CredentialRow {
                arn: arn::user(account_id, &user.path, &user.user_name),
                mfa_active: with_mfa.contains(&Some(user.user_id.clone())),
                certificates: certificates_of
                    .remove(&Some(user.user_id.clone()))
                    .unwrap_or_default(),
                keys: keys_of.remove(&Some(user.user_id)).unwrap_or_default(),
                user_name: Some(user.user_name),
                created_at: from_millis(user.created_at),
                password_last_changed: user.password_set_at.map(from_millis),
            }
        }));
        Ok(rows)
    }

    /// The account's most recent credential report, if one was generated.
    pub async fn credential_report(
        &self,
        account_id: &str,
    ) -> Result<Option<CredentialReport>, AwsError> {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT generated_at, content FROM credential_reports WHERE account_id = ?",
        )
        .bind(account_id)
        .fetch_optional(&mut *self.read().await?)
        .await?;
        Ok(row.map(|(at, content)| CredentialReport {
            generated_at: from_millis(at),
            content,
        }))
    }

    /// Keeps a newly generated report in place of the account's previous one.
    pub async fn save_credential_report(
        &self,
        account_id: &str,
        report: &CredentialReport,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        sqlx::query(
            "INSERT INTO credential_reports (account_id, generated_at, content) VALUES (?, ?, ?)
             ON CONFLICT (account_id)
             DO UPDATE SET generated_at = excluded.generated_at, content = excluded.content",
        )
        .bind(account_id)
        .bind(to_millis(report.generated_at))
        .bind(&report.content)
        .execute(&mut *w.tx)
        .await?;
        w.commit().await
    }
}
