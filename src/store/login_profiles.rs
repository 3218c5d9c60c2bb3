//! Login profiles: a user's console password, kept as a salted hash only.

use std::sync::Arc;

use time::OffsetDateTime;

use super::users::user_id;
use super::{Store, from_millis, to_millis};
use crate::aws_error;
use crate::error::AwsError;
use crate::iam::passwords::PasswordHash;
use crate::view::{Change, LoginProfileRecord};

#[derive(Debug, Clone)]
pub struct LoginProfile {
    pub user_name: String,
    pub created_at: OffsetDateTime,
    pub password_reset_required: bool,
}

#[derive(sqlx::FromRow)]
struct ProfileRow {
    salt: String,
    password_hash: String,
    password_reset_required: bool,
    created_at: i64,
}

impl Store {
    pub async fn create_login_profile(
        &self,
        account_id: &str,
        user_name: &str,
        password: &PasswordHash,
        password_reset_required: bool,
        now: OffsetDateTime,
    ) -> Result<LoginProfile, AwsError> {
        let mut w = self.begin().await?;
        let user_id = user_id(&mut w.tx, &self.user_names, account_id, user_name).await?;
        let inserted = sqlx::query(
            "INSERT INTO login_profiles
                 (user_id, salt, password_hash, password_reset_required, created_at)
             VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(&user_id)
        .bind(&password.salt)
        .bind(&password.hash)
        .bind(password_reset_required)
        .bind(to_millis(now))
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Err(aws_error!(
                EntityAlreadyExists,
                "Login Profile for user {user_name} already exists."
            ));
        }
        remember(&mut w.tx, &user_id, password, now).await?;
        w.record(Change::LoginProfilePut(Arc::new(LoginProfileRecord {
            user_id,
            created_at: now,
            password_reset_required,
        })));
        w.commit().await?;
        Ok(LoginProfile {
            user_name: user_name.to_owned(),
            created_at: now,
            password_reset_required,
        })
    }

    /// `GetLoginProfile`'s answer (it lags with lagging reads; [`Store::login_password`],
    /// which checks passwords, never does).
    pub async fn login_profile(
        &self,
        account_id: &str,
        user_name: &str,
    ) -> Result<LoginProfile, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            let user = view
                .user_by_name(account_id, user_name)
                .ok_or_else(|| AwsError::no_such_user(user_name))?;
            let profile = view
                .login_profile(&user.user_id)
                .ok_or_else(|| no_login_profile(user_name))?;
            return Ok(LoginProfile {
                user_name: user.user_name.clone(),
                created_at: profile.created_at,
                password_reset_required: profile.password_reset_required,
            });
        }
        let (profile, _) = self.login_password(account_id, user_name).await?;
        Ok(profile)
    }

    /// The profile and the hash of its password, to check an old password against.
    pub async fn login_password(
        &self,
        account_id: &str,
        user_name: &str,
    ) -> Result<(LoginProfile, PasswordHash), AwsError> {
        let mut conn = self.read().await?;
        let user_id = user_id(&mut conn, &self.user_names, account_id, user_name).await?;
        let row: ProfileRow = sqlx::query_as(
            "SELECT salt, password_hash, password_reset_required, created_at
             FROM login_profiles WHERE user_id = ?",
        )
        .bind(&user_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| no_login_profile(user_name))?;
        Ok((
            LoginProfile {
                user_name: user_name.to_owned(),
                created_at: from_millis(row.created_at),
                password_reset_required: row.password_reset_required,
            },
            PasswordHash {
                salt: row.salt,
                hash: row.password_hash,
            },
        ))
    }

    /// Changes the password and/or whether it must be reset at next sign-in.
    pub async fn update_login_profile(
        &self,
        account_id: &str,
        user_name: &str,
        password: Option<&PasswordHash>,
        password_reset_required: Option<bool>,
        now: OffsetDateTime,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let user_id = user_id(&mut w.tx, &self.user_names, account_id, user_name).await?;
        let updated = sqlx::query(
            "UPDATE login_profiles
             SET salt = coalesce(?, salt), password_hash = coalesce(?, password_hash),
                 password_reset_required = coalesce(?, password_reset_required)
             WHERE user_id = ?",
        )
        .bind(password.map(|p| &p.salt))
        .bind(password.map(|p| &p.hash))
        .bind(password_reset_required)
        .bind(&user_id)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Err(no_login_profile(user_name));
        }
        if let Some(password) = password {
            remember(&mut w.tx, &user_id, password, now).await?;
        }
        let record = profile_record(&mut w.tx, &user_id).await?;
        w.record(Change::LoginProfilePut(Arc::new(record)));
        w.commit().await
    }

    /// The hashes of the user's last `n` passwords, the current one first.
    pub async fn recent_passwords(
        &self,
        account_id: &str,
        user_name: &str,
        n: i64,
    ) -> Result<Vec<PasswordHash>, AwsError> {
        let mut conn = self.read().await?;
        let user_id = user_id(&mut conn, &self.user_names, account_id, user_name).await?;
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT salt, password_hash FROM password_history WHERE user_id = ?
             ORDER BY rowid DESC LIMIT ?",
        )
        .bind(&user_id)
        .bind(n)
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(salt, hash)| PasswordHash { salt, hash })
            .collect())
    }

    pub async fn delete_login_profile(
        &self,
        account_id: &str,
        user_name: &str,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let user_id = user_id(&mut w.tx, &self.user_names, account_id, user_name).await?;
        let deleted = sqlx::query("DELETE FROM login_profiles WHERE user_id = ?")
            .bind(&user_id)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Err(no_login_profile(user_name));
        }
        w.record(Change::LoginProfileRemoved { user_id });
        w.commit().await
    }

    /// Every login profile, for the view's first build.
    pub(super) async fn login_profile_changes(&self) -> Result<Vec<Change>, AwsError> {
        let rows: Vec<(String, i64, bool)> = sqlx::query_as(
            "SELECT user_id, created_at, password_reset_required FROM login_profiles",
        )
        .fetch_all(&mut *self.read().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(user_id, created_at, password_reset_required)| {
                Change::LoginProfilePut(Arc::new(LoginProfileRecord {
                    user_id,
                    created_at: from_millis(created_at),
                    password_reset_required,
                }))
            })
            .collect())
    }
}

/// A user's login profile as the view keeps it.
async fn profile_record(
    conn: &mut sqlx::SqliteConnection,
    user_id: &str,
) -> Result<LoginProfileRecord, AwsError> {
    let (created_at, password_reset_required): (i64, bool) = sqlx::query_as(
        "SELECT created_at, password_reset_required FROM login_profiles WHERE user_id = ?",
    )
    .bind(user_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(LoginProfileRecord {
        user_id: user_id.to_owned(),
        created_at: from_millis(created_at),
        password_reset_required,
    })
}

/// Keeps a password's hash for `PasswordReusePrevention`: 24 at most are ever compared.
async fn remember(
    conn: &mut sqlx::SqliteConnection,
    user_id: &str,
    password: &PasswordHash,
    now: OffsetDateTime,
) -> Result<(), AwsError> {
    sqlx::query(
        "INSERT INTO password_history (user_id, salt, password_hash, set_at) VALUES (?, ?, ?, ?)",
    )
    .bind(user_id)
    .bind(&password.salt)
    .bind(&password.hash)
    .bind(to_millis(now))
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "DELETE FROM password_history WHERE user_id = ?1 AND rowid NOT IN
             (SELECT rowid FROM password_history WHERE user_id = ?1 ORDER BY rowid DESC LIMIT 24)",
    )
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn no_login_profile(user_name: &str) -> AwsError {
    aws_error!(
        NoSuchEntity,
        "Login Profile for User {user_name} cannot be found."
    )
}

/// `DeleteUser`'s conflict when the user still has a console password.
pub(super) async fn login_profile_conflict(
    conn: &mut sqlx::SqliteConnection,
    user_id: &str,
) -> Result<Option<AwsError>, AwsError> {
    let (profiles,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM login_profiles WHERE user_id = ?")
            .bind(user_id)
            .fetch_one(&mut *conn)
            .await?;
    Ok((profiles > 0).then(|| {
        aws_error!(
            DeleteConflict,
            "Cannot delete entity, must delete login profile first."
        )
    }))
}
