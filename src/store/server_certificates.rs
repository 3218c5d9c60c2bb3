//! Server certificates and their tags. The private key is never stored.

use sqlx::SqliteConnection;
use time::OffsetDateTime;

use super::tags::{
    Tag, Tagged, add_tags_within_quota, put_tags, remove_tags, resource_tags_change,
    resource_tags_changes, tags_of,
};
use super::{Page, Store, from_millis, to_millis, unique_or};
use crate::arn;
use crate::aws_error;
use crate::error::AwsError;
use crate::ids::{IdKind, new_id};
use crate::view::Change;

/// IAM's default quota of server certificates per account.
pub(crate) const SERVER_CERTIFICATES_PER_ACCOUNT: i64 = 20;

#[derive(Debug, Clone)]
pub struct ServerCertificate {
    pub server_certificate_id: String,
    pub name: String,
    pub path: String,
    pub arn: String,
    pub uploaded_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub certificate_body: String,
    pub certificate_chain: Option<String>,
    pub tags: Vec<Tag>,
}

/// What `UploadServerCertificate` stores.
pub struct NewServerCertificate<'a> {
    pub name: &'a str,
    pub path: &'a str,
    pub certificate_body: &'a str,
    pub certificate_chain: Option<&'a str>,
    pub expires_at: OffsetDateTime,
    pub tags: &'a [Tag],
}

#[derive(sqlx::FromRow)]
struct CertificateRow {
    server_certificate_id: String,
    account_id: String,
    server_certificate_name: String,
    path: String,
    certificate_body: String,
    certificate_chain: Option<String>,
    expires_at: i64,
    uploaded_at: i64,
}

impl CertificateRow {
    fn arn(&self) -> String {
        arn::server_certificate(&self.account_id, &self.path, &self.server_certificate_name)
    }

    fn into_certificate(self, tags: Vec<Tag>) -> ServerCertificate {
        ServerCertificate {
            arn: self.arn(),
            server_certificate_id: self.server_certificate_id,
            name: self.server_certificate_name,
            path: self.path,
            uploaded_at: from_millis(self.uploaded_at),
            expires_at: from_millis(self.expires_at),
            certificate_body: self.certificate_body,
            certificate_chain: self.certificate_chain,
            tags,
        }
    }
}

macro_rules! select_certificates {
    ($rest:literal) => {
        concat!(
            "SELECT server_certificate_id, account_id, server_certificate_name, path,
                    certificate_body, certificate_chain, expires_at, uploaded_at
             FROM server_certificates ",
            $rest
        )
    };
}

fn already_exists(name: &str) -> AwsError {
    aws_error!(
        EntityAlreadyExists,
        "The Server Certificate with name {name} already exists."
    )
}

impl Store {
    pub async fn upload_server_certificate(
        &self,
        account_id: &str,
        new: NewServerCertificate<'_>,
        now: OffsetDateTime,
    ) -> Result<ServerCertificate, AwsError> {
        let mut w = self.begin().await?;
        let (count,): (i64,) =
            sqlx::query_as("SELECT count(*) FROM server_certificates WHERE account_id = ?")
                .bind(account_id)
                .fetch_one(&mut *w.tx)
                .await?;
        if count >= SERVER_CERTIFICATES_PER_ACCOUNT {
            return Err(aws_error!(
                LimitExceeded,
                "Cannot exceed quota for ServerCertificatesPerAccount: {SERVER_CERTIFICATES_PER_ACCOUNT}"
            ));
        }
        let row = CertificateRow {
            server_certificate_id: new_id(IdKind::ServerCertificate, account_id),
            account_id: account_id.to_owned(),
            server_certificate_name: new.name.to_owned(),
            path: new.path.to_owned(),
            certificate_body: new.certificate_body.to_owned(),
            certificate_chain: new.certificate_chain.map(str::to_owned),
            expires_at: to_millis(new.expires_at),
            uploaded_at: to_millis(now),
        };
        sqlx::query(
            "INSERT INTO server_certificates
                 (server_certificate_id, account_id, server_certificate_name, path,
                  certificate_body, certificate_chain, expires_at, uploaded_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&row.server_certificate_id)
        .bind(account_id)
        .bind(new.name)
        .bind(new.path)
        .bind(new.certificate_body)
        .bind(new.certificate_chain)
        .bind(row.expires_at)
        .bind(row.uploaded_at)
        .execute(&mut *w.tx)
        .await
        .map_err(|e| unique_or(e, || already_exists(new.name)))?;
        put_tags(
            &mut w.tx,
            Tagged::ServerCertificate,
            &row.server_certificate_id,
            new.tags,
        )
        .await?;
        if !new.tags.is_empty() {
            w.record(resource_tags_change(&row.arn(), new.tags));
        }
        w.commit().await?;
        Ok(row.into_certificate(new.tags.to_vec()))
    }

    pub async fn server_certificate(
        &self,
        account_id: &str,
        name: &str,
    ) -> Result<ServerCertificate, AwsError> {
        let mut conn = self.read().await?;
        let row = certificate_row(&mut conn, account_id, name).await?;
        let tags = tags_of(
            &mut conn,
            Tagged::ServerCertificate,
            &row.server_certificate_id,
        )
        .await?;
        Ok(row.into_certificate(tags))
    }

    /// The path of a certificate, if it exists: what authorization needs for its ARN.
    pub async fn server_certificate_path(
        &self,
        account_id: &str,
        name: &str,
    ) -> Result<Option<String>, AwsError> {
        let path: Option<(String,)> = sqlx::query_as(
            "SELECT path FROM server_certificates
             WHERE account_id = ? AND server_certificate_name = ?",
        )
        .bind(account_id)
        .bind(name)
        .fetch_optional(&mut *self.read().await?)
        .await?;
        Ok(path.map(|(p,)| p))
    }

    /// Certificates whose path starts with `path_prefix`, by name, without tags.
    pub async fn list_server_certificates(
        &self,
        account_id: &str,
        path_prefix: &str,
        marker: Option<&str>,
        max_items: usize,
    ) -> Result<Page<ServerCertificate>, AwsError> {
        let mut rows: Vec<CertificateRow> = sqlx::query_as(select_certificates!(
            "WHERE account_id = ?1 AND substr(path, 1, length(?2)) = ?2
               AND server_certificate_name >= ?3
             ORDER BY server_certificate_name LIMIT ?4"
        ))
        .bind(account_id)
        .bind(path_prefix)
        .bind(marker.unwrap_or(""))
        .bind(max_items as i64 + 1)
        .fetch_all(&mut *self.read().await?)
        .await?;
        let marker = (rows.len() > max_items)
            .then(|| rows.pop().expect("len > max").server_certificate_name);
        Ok(Page {
            items: rows
                .into_iter()
                .map(|row| row.into_certificate(Vec::new()))
                .collect(),
            marker,
        })
    }

    /// Renames a certificate and/or moves it to another path.
    pub async fn update_server_certificate(
        &self,
        account_id: &str,
        name: &str,
        new_name: Option<&str>,
        new_path: Option<&str>,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = certificate_row(&mut w.tx, account_id, name).await?;
        let old_arn = row.arn();
        let renamed = CertificateRow {
            server_certificate_name: new_name.unwrap_or(name).to_owned(),
            path: new_path.unwrap_or(&row.path).to_owned(),
            ..row
        };
        sqlx::query(
            "UPDATE server_certificates SET server_certificate_name = ?, path = ?
             WHERE server_certificate_id = ?",
        )
        .bind(&renamed.server_certificate_name)
        .bind(&renamed.path)
        .bind(&renamed.server_certificate_id)
        .execute(&mut *w.tx)
        .await
        .map_err(|e| unique_or(e, || already_exists(&renamed.server_certificate_name)))?;
        let tags = tags_of(
            &mut w.tx,
            Tagged::ServerCertificate,
            &renamed.server_certificate_id,
        )
        .await?;
        if !tags.is_empty() {
            w.record(resource_tags_change(&old_arn, &[]));
            w.record(resource_tags_change(&renamed.arn(), &tags));
        }
        w.commit().await
    }

    pub async fn delete_server_certificate(
        &self,
        account_id: &str,
        name: &str,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = certificate_row(&mut w.tx, account_id, name).await?;
        sqlx::query("DELETE FROM server_certificates WHERE server_certificate_id = ?")
            .bind(&row.server_certificate_id)
            .execute(&mut *w.tx)
            .await?;
        w.record(resource_tags_change(&row.arn(), &[]));
        w.commit().await
    }

    pub async fn tag_server_certificate(
        &self,
        account_id: &str,
        name: &str,
        tags: &[Tag],
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = certificate_row(&mut w.tx, account_id, name).await?;
        let tags = add_tags_within_quota(
            &mut w.tx,
            Tagged::ServerCertificate,
            &row.server_certificate_id,
            tags,
        )
        .await?;
        w.record(resource_tags_change(&row.arn(), &tags));
        w.commit().await
    }

    pub async fn untag_server_certificate(
        &self,
        account_id: &str,
        name: &str,
        keys: &[String],
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = certificate_row(&mut w.tx, account_id, name).await?;
        let id = &row.server_certificate_id;
        remove_tags(&mut w.tx, Tagged::ServerCertificate, id, keys).await?;
        let tags = tags_of(&mut w.tx, Tagged::ServerCertificate, id).await?;
        w.record(resource_tags_change(&row.arn(), &tags));
        w.commit().await
    }

    pub(super) async fn server_certificate_tag_changes(&self) -> Result<Vec<Change>, AwsError> {
        let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
            "SELECT c.account_id, c.path, c.server_certificate_name, t.tag_key, t.tag_value
             FROM server_certificate_tags t JOIN server_certificates c USING (server_certificate_id)
             ORDER BY t.rowid",
        )
        .fetch_all(&mut *self.read().await?)
        .await?;
        Ok(resource_tags_changes(
            rows.into_iter()
                .map(|(account, path, name, key, value)| {
                    (arn::server_certificate(&account, &path, &name), key, value)
                })
                .collect(),
        ))
    }
}

async fn certificate_row(
    conn: &mut SqliteConnection,
    account_id: &str,
    name: &str,
) -> Result<CertificateRow, AwsError> {
    sqlx::query_as(select_certificates!(
        "WHERE account_id = ? AND server_certificate_name = ?"
    ))
    .bind(account_id)
    .bind(name)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| {
        aws_error!(
            NoSuchEntity,
            "The Server Certificate with name {name} cannot be found."
        )
    })
}
