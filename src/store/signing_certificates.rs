//! X.509 signing certificates of IAM users and account roots (no user).

use sqlx::SqliteConnection;
use time::OffsetDateTime;

use std::sync::Arc;

use super::user_names::UserNames;
use super::{Store, from_millis, is_unique_violation, lagging, to_millis, users};
use crate::aws_error;
use crate::error::AwsError;
use crate::ids::{ID_ATTEMPTS, new_certificate_id};
use crate::view::{Change, SigningCertificateRecord};

/// IAM allows two signing certificates per user.
pub(crate) const SIGNING_CERTIFICATES_PER_USER: i64 = 2;

#[derive(Debug, Clone)]
pub struct SigningCertificate {
    pub certificate_id: String,
    /// `None` for a certificate of the account's root user.
    pub user_name: Option<String>,
    pub certificate_body: String,
    pub active: bool,
    pub uploaded_at: OffsetDateTime,
}

impl Store {
    /// A new active certificate for the user (or, with no user, for the account's root);
    /// `der_sha256` tells certificates apart: one belongs to one owner in the account.
    pub async fn upload_signing_certificate(
        &self,
        account_id: &str,
        user_name: Option<&str>,
        certificate_body: &str,
        der_sha256: &str,
        now: OffsetDateTime,
    ) -> Result<SigningCertificate, AwsError> {
        let mut w = self.begin().await?;
        let user_id = owner_id(&mut w.tx, &self.user_names, account_id, user_name).await?;
        let (count,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM signing_certificates WHERE account_id = ? AND user_id IS ?",
        )
        .bind(account_id)
        .bind(&user_id)
        .fetch_one(&mut *w.tx)
        .await?;
        let (duplicates,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM signing_certificates WHERE account_id = ? AND der_sha256 = ?",
        )
        .bind(account_id)
        .bind(der_sha256)
        .fetch_one(&mut *w.tx)
        .await?;
        if duplicates > 0 {
            return Err(aws_error!(
                DuplicateCertificate,
                "The same certificate is already associated with an IAM user in the account."
            ));
        }
        if count >= SIGNING_CERTIFICATES_PER_USER {
            return Err(aws_error!(
                LimitExceeded,
                "Cannot exceed quota for SigningCertificatesPerUser: {SIGNING_CERTIFICATES_PER_USER}"
            ));
        }
        let mut certificate_id = String::new();
        // A failed statement leaves the transaction usable: try again with another id.
        for attempt in 1..=ID_ATTEMPTS {
            certificate_id = new_certificate_id();
            let inserted = sqlx::query(
                "INSERT INTO signing_certificates
                     (certificate_id, account_id, user_id, certificate_body, der_sha256, status,
                      uploaded_at)
                 VALUES (?, ?, ?, ?, ?, 'Active', ?)",
            )
            .bind(&certificate_id)
            .bind(account_id)
            .bind(&user_id)
            .bind(certificate_body)
            .bind(der_sha256)
            .bind(to_millis(now))
            .execute(&mut *w.tx)
            .await;
            match inserted {
                Ok(_) => break,
                Err(e) if is_unique_violation(&e) && attempt < ID_ATTEMPTS => continue,
                Err(e) => return Err(e.into()),
            }
        }
        w.record(Change::SigningCertificatePut(Arc::new(
            SigningCertificateRecord {
                certificate_id: certificate_id.clone(),
                account_id: crate::view::account_id(account_id),
                user_id,
                body: certificate_body.into(),
                active: true,
                uploaded_at: now,
            },
        )));
        w.commit().await?;
        Ok(SigningCertificate {
            certificate_id,
            user_name: user_name.map(str::to_owned),
            certificate_body: certificate_body.to_owned(),
            active: true,
            uploaded_at: now,
        })
    }

    /// The certificates of a user (or of the root), oldest first.
    pub async fn list_signing_certificates(
        &self,
        account_id: &str,
        user_name: Option<&str>,
    ) -> Result<Vec<SigningCertificate>, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            return lagging::signing_certificates(view, account_id, user_name);
        }
        let mut conn = self.read().await?;
        let user_id = owner_id(&mut conn, &self.user_names, account_id, user_name).await?;
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT certificate_id, certificate_body, status, uploaded_at
             FROM signing_certificates WHERE account_id = ? AND user_id IS ?
             ORDER BY uploaded_at, certificate_id",
        )
        .bind(account_id)
        .bind(&user_id)
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(certificate_id, certificate_body, status, uploaded_at)| SigningCertificate {
                    certificate_id,
                    user_name: user_name.map(str::to_owned),
                    certificate_body,
                    active: status == "Active",
                    uploaded_at: from_millis(uploaded_at),
                },
            )
            .collect())
    }

    pub async fn set_signing_certificate_status(
        &self,
        account_id: &str,
        user_name: Option<&str>,
        certificate_id: &str,
        active: bool,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let user_id = owner_id(&mut w.tx, &self.user_names, account_id, user_name).await?;
        let updated = sqlx::query(
            "UPDATE signing_certificates SET status = ?
             WHERE account_id = ? AND user_id IS ? AND certificate_id = ?",
        )
        .bind(if active { "Active" } else { "Inactive" })
        .bind(account_id)
        .bind(&user_id)
        .bind(certificate_id)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Err(no_such_certificate(certificate_id));
        }
        let row: CertificateRow = sqlx::query_as(select_certificates!("WHERE certificate_id = ?"))
            .bind(certificate_id)
            .fetch_one(&mut *w.tx)
            .await?;
        w.record(row.into_change());
        w.commit().await
    }

    pub async fn delete_signing_certificate(
        &self,
        account_id: &str,
        user_name: Option<&str>,
        certificate_id: &str,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let user_id = owner_id(&mut w.tx, &self.user_names, account_id, user_name).await?;
        let deleted = sqlx::query(
            "DELETE FROM signing_certificates
             WHERE account_id = ? AND user_id IS ? AND certificate_id = ?",
        )
        .bind(account_id)
        .bind(&user_id)
        .bind(certificate_id)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if deleted == 0 {
            return Err(no_such_certificate(certificate_id));
        }
        w.record(Change::SigningCertificateRemoved {
            certificate_id: certificate_id.to_owned(),
            account_id: account_id.to_owned(),
            user_id,
        });
        w.commit().await
    }

    /// Every signing certificate, for the view's first build.
    pub(super) async fn signing_certificate_changes(&self) -> Result<Vec<Change>, AwsError> {
        let rows: Vec<CertificateRow> = sqlx::query_as(select_certificates!(""))
            .fetch_all(&mut *self.read().await?)
            .await?;
        Ok(rows.into_iter().map(CertificateRow::into_change).collect())
    }
}

macro_rules! select_certificates {
    ($rest:literal) => {
        concat!(
            "SELECT certificate_id, account_id, user_id, certificate_body, status, uploaded_at
             FROM signing_certificates ",
            $rest
        )
    };
}
use select_certificates;

#[derive(sqlx::FromRow)]
struct CertificateRow {
    certificate_id: String,
    account_id: String,
    user_id: Option<String>,
    certificate_body: String,
    status: String,
    uploaded_at: i64,
}

impl CertificateRow {
    /// The certificate as the view keeps it.
    fn into_change(self) -> Change {
        Change::SigningCertificatePut(Arc::new(SigningCertificateRecord {
            certificate_id: self.certificate_id,
            account_id: crate::view::account_id(&self.account_id),
            user_id: self.user_id,
            body: self.certificate_body.into(),
            active: self.status == "Active",
            uploaded_at: from_millis(self.uploaded_at),
        }))
    }
}

/// The user's id, or `None` for the root.
async fn owner_id(
    conn: &mut SqliteConnection,
    names: &UserNames,
    account_id: &str,
    user_name: Option<&str>,
) -> Result<Option<String>, AwsError> {
    Ok(match user_name {
        Some(name) => Some(users::user_id(conn, names, account_id, name).await?),
        None => None,
    })
}

fn no_such_certificate(certificate_id: &str) -> AwsError {
    aws_error!(
        NoSuchEntity,
        "The Certificate with id {certificate_id} cannot be found."
    )
}

/// `DeleteUser`'s conflict when the user still has signing certificates.
pub(super) async fn signing_certificate_conflict(
    conn: &mut SqliteConnection,
    user_id: &str,
) -> Result<Option<AwsError>, AwsError> {
    let (certificates,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM signing_certificates WHERE user_id = ?")
            .bind(user_id)
            .fetch_one(&mut *conn)
            .await?;
    Ok((certificates > 0).then(|| {
        aws_error!(
            DeleteConflict,
            "Cannot delete entity, must delete signing certificates first."
        )
    }))
}
