//! Service-specific credentials of IAM users. The password (or API key secret) is kept as a
//! salted hash only: it is shown once, by the call that makes it.

use sqlx::SqliteConnection;
use time::OffsetDateTime;

use super::user_names::UserNames;
use super::{Store, from_millis, lagging, to_millis, users};
use crate::aws_error;
use crate::error::AwsError;
use crate::iam::passwords::PasswordHash;
use crate::ids::{IdKind, new_id};
use crate::view::{Change, ServiceCredentialRecord};

/// IAM allows two credentials per user for each service.
pub(crate) const CREDENTIALS_PER_USER_PER_SERVICE: i64 = 2;

#[derive(Debug, Clone)]
pub struct ServiceCredential {
    pub credential_id: String,
    pub user_name: String,
    pub service_name: String,
    pub service_user_name: Option<String>,
    pub service_credential_alias: Option<String>,
    /// `Active` or `Inactive` as set; whether it has expired is for the caller to tell.
    pub active: bool,
    pub created_at: OffsetDateTime,
    pub expires_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct CredentialRow {
    credential_id: String,
    user_name: String,
    service_name: String,
    service_user_name: Option<String>,
    service_credential_alias: Option<String>,
    status: String,
    created_at: i64,
    expires_at: Option<i64>,
}

impl From<CredentialRow> for ServiceCredential {
    fn from(row: CredentialRow) -> Self {
        ServiceCredential {
            credential_id: row.credential_id,
            user_name: row.user_name,
            service_name: row.service_name,
            service_user_name: row.service_user_name,
            service_credential_alias: row.service_credential_alias,
            active: row.status == "Active",
            created_at: from_millis(row.created_at),
            expires_at: row.expires_at.map(from_millis),
        }
    }
}

/// What `CreateServiceSpecificCredential` stores.
pub struct NewServiceCredential<'a> {
    pub user_name: &'a str,
    pub service_name: &'a str,
    pub service_user_name: Option<&'a str>,
    pub service_credential_alias: Option<&'a str>,
    pub secret: &'a PasswordHash,
    pub expires_at: Option<OffsetDateTime>,
}

/// `SELECT … FROM service_specific_credentials JOIN users` followed by the rest of a query.
macro_rules! select_credentials {
    ($rest:literal) => {
        concat!(
            "SELECT c.credential_id, u.user_name, c.service_name, c.service_user_name,
                    c.service_credential_alias, c.status, c.created_at, c.expires_at
             FROM service_specific_credentials c JOIN users u USING (user_id) ",
            $rest
        )
    };
}

impl Store {
    pub async fn create_service_credential(
        &self,
        account_id: &str,
        new: NewServiceCredential<'_>,
        now: OffsetDateTime,
    ) -> Result<ServiceCredential, AwsError> {
        let mut w = self.begin().await?;
        let user_id =
            users::user_id(&mut w.tx, &self.user_names, account_id, new.user_name).await?;
        let (count,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM service_specific_credentials
             WHERE user_id = ? AND service_name = ?",
        )
        .bind(&user_id)
        .bind(new.service_name)
        .fetch_one(&mut *w.tx)
        .await?;
        if count >= CREDENTIALS_PER_USER_PER_SERVICE {
            return Err(aws_error!(
                LimitExceeded,
                "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: {CREDENTIALS_PER_USER_PER_SERVICE}"
            ));
        }
        let credential = ServiceCredential {
            credential_id: new_id(IdKind::ServiceSpecificCredential, account_id),
            user_name: new.user_name.to_owned(),
            service_name: new.service_name.to_owned(),
            service_user_name: new.service_user_name.map(str::to_owned),
            service_credential_alias: new.service_credential_alias.map(str::to_owned),
            active: true,
            created_at: now,
            expires_at: new.expires_at,
        };
        sqlx::query(
            "INSERT INTO service_specific_credentials
                 (credential_id, user_id, service_name, service_user_name,
                  service_credential_alias, salt, secret_hash, status, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, 'Active', ?, ?)",
        )
        .bind(&credential.credential_id)
        .bind(&user_id)
        .bind(new.service_name)
        .bind(new.service_user_name)
        .bind(new.service_credential_alias)
        .bind(&new.secret.salt)
        .bind(&new.secret.hash)
        .bind(to_millis(now))
        .bind(new.expires_at.map(to_millis))
        .execute(&mut *w.tx)
        .await?;
        w.record(record_change(&user_id, &credential));
        w.commit().await?;
        Ok(credential)
    }

    /// One user's credentials (of one service, when named), oldest first.
    pub async fn list_service_credentials(
        &self,
        account_id: &str,
        user_name: &str,
        service_name: Option<&str>,
    ) -> Result<Vec<ServiceCredential>, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            let user = (view.user_by_name(account_id, user_name))
                .ok_or_else(|| AwsError::no_such_user(user_name))?;
            return Ok(lagging::service_credentials(view, &user, service_name));
        }
        let mut conn = self.read().await?;
        let user_id = users::user_id(&mut conn, &self.user_names, account_id, user_name).await?;
        let rows: Vec<CredentialRow> = sqlx::query_as(select_credentials!(
            "WHERE c.user_id = ?1 AND (?2 IS NULL OR c.service_name = ?2)
             ORDER BY c.created_at, c.credential_id"
        ))
        .bind(&user_id)
        .bind(service_name)
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Every user's credentials (of one service, when named), by user then age.
    pub async fn list_all_service_credentials(
        &self,
        account_id: &str,
        service_name: Option<&str>,
    ) -> Result<Vec<ServiceCredential>, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            return Ok(lagging::all_service_credentials(
                view,
                account_id,
                service_name,
            ));
        }
        let rows: Vec<CredentialRow> = sqlx::query_as(select_credentials!(
            "WHERE u.account_id = ?1 AND (?2 IS NULL OR c.service_name = ?2)
             ORDER BY u.user_name, c.created_at, c.credential_id"
        ))
        .bind(account_id)
        .bind(service_name)
        .fetch_all(&mut *self.read().await?)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Replaces the secret; returns the credential.
    pub async fn reset_service_credential(
        &self,
        account_id: &str,
        user_name: &str,
        credential_id: &str,
        secret: &PasswordHash,
    ) -> Result<ServiceCredential, AwsError> {
        let mut w = self.begin().await?;
        let credential = credential(
            &mut w.tx,
            &self.user_names,
            account_id,
            user_name,
            credential_id,
        )
        .await?;
        sqlx::query(
            "UPDATE service_specific_credentials SET salt = ?, secret_hash = ?
             WHERE credential_id = ?",
        )
        .bind(&secret.salt)
        .bind(&secret.hash)
        .bind(credential_id)
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;
        Ok(credential)
    }

    pub async fn set_service_credential_status(
        &self,
        account_id: &str,
        user_name: &str,
        credential_id: &str,
        active: bool,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let user_id = users::user_id(&mut w.tx, &self.user_names, account_id, user_name).await?;
        let found = credential(
            &mut w.tx,
            &self.user_names,
            account_id,
            user_name,
            credential_id,
        )
        .await?;
        sqlx::query("UPDATE service_specific_credentials SET status = ? WHERE credential_id = ?")
            .bind(if active { "Active" } else { "Inactive" })
            .bind(credential_id)
            .execute(&mut *w.tx)
            .await?;
        w.record(record_change(
            &user_id,
            &ServiceCredential { active, ..found },
        ));
        w.commit().await
    }

    pub async fn delete_service_credential(
        &self,
        account_id: &str,
        user_name: &str,
        credential_id: &str,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let user_id = users::user_id(&mut w.tx, &self.user_names, account_id, user_name).await?;
        credential(
            &mut w.tx,
            &self.user_names,
            account_id,
            user_name,
            credential_id,
        )
        .await?;
        sqlx::query("DELETE FROM service_specific_credentials WHERE credential_id = ?")
            .bind(credential_id)
            .execute(&mut *w.tx)
            .await?;
        w.record(Change::ServiceCredentialRemoved {
            user_id,
            credential_id: credential_id.to_owned(),
        });
        w.commit().await
    }

    /// Every service-specific credential, for the view's first build.
    pub(super) async fn service_credential_changes(&self) -> Result<Vec<Change>, AwsError> {
        #[derive(sqlx::FromRow)]
        struct OwnedRow {
            user_id: String,
            #[sqlx(flatten)]
            credential: CredentialRow,
        }
        let rows: Vec<OwnedRow> = sqlx::query_as(
            "SELECT c.user_id, c.credential_id, u.user_name, c.service_name, c.service_user_name,
                    c.service_credential_alias, c.status, c.created_at, c.expires_at
             FROM service_specific_credentials c JOIN users u ON u.user_id = c.user_id",
        )
        .fetch_all(&mut *self.read().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| record_change(&row.user_id, &row.credential.into()))
            .collect())
    }
}

/// A credential as the view keeps it: without its secret.
fn record_change(user_id: &str, credential: &ServiceCredential) -> Change {
    Change::ServiceCredentialPut(std::sync::Arc::new(ServiceCredentialRecord {
        credential_id: credential.credential_id.clone(),
        user_id: user_id.to_owned(),
        service_name: credential.service_name.clone(),
        service_user_name: credential.service_user_name.clone(),
        service_credential_alias: credential.service_credential_alias.clone(),
        active: credential.active,
        created_at: credential.created_at,
        expires_at: credential.expires_at,
    }))
}

/// The credential, if it belongs to the named user.
async fn credential(
    conn: &mut SqliteConnection,
    names: &UserNames,
    account_id: &str,
    user_name: &str,
    credential_id: &str,
) -> Result<ServiceCredential, AwsError> {
    let user_id = users::user_id(conn, names, account_id, user_name).await?;
    let row: Option<CredentialRow> = sqlx::query_as(select_credentials!(
        "WHERE c.user_id = ? AND c.credential_id = ?"
    ))
    .bind(&user_id)
    .bind(credential_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(Into::into).ok_or_else(|| {
        aws_error!(
            NoSuchEntity,
            "No such credential {credential_id} exists for user {user_name}."
        )
    })
}

/// `DeleteUser`'s conflict when the user still has service-specific credentials.
pub(super) async fn service_credential_conflict(
    conn: &mut SqliteConnection,
    user_id: &str,
) -> Result<Option<AwsError>, AwsError> {
    let (credentials,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM service_specific_credentials WHERE user_id = ?")
            .bind(user_id)
            .fetch_one(&mut *conn)
            .await?;
    Ok((credentials > 0).then(|| {
        aws_error!(
            DeleteConflict,
            "Cannot delete entity, must delete service specific credentials first."
        )
    }))
}
