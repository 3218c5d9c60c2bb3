//! SSH public keys of IAM users: the body as uploaded and the key's SSH wire form.

use sqlx::SqliteConnection;
use time::OffsetDateTime;

use std::sync::Arc;

use super::{Store, from_millis, lagging, to_millis, users};
use crate::aws_error;
use crate::error::AwsError;
use crate::ids::{IdKind, new_id};
use crate::view::{Change, SshPublicKeyRecord};

/// IAM allows five SSH public keys per user.
pub(crate) const SSH_KEYS_PER_USER: i64 = 5;

#[derive(Debug, Clone)]
pub struct SshPublicKey {
    pub ssh_public_key_id: String,
    pub user_name: String,
    /// The key as it was uploaded.
    pub body: String,
    /// The key in SSH wire form (RFC 4253), from which other encodings are made.
    pub key_blob: Vec<u8>,
    pub fingerprint: String,
    pub active: bool,
    pub uploaded_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    ssh_public_key_id: String,
    body: String,
    key_blob: Vec<u8>,
    fingerprint: String,
    status: String,
    uploaded_at: i64,
}

/// A key with its user's id, for the view's first build.
#[derive(sqlx::FromRow)]
struct OwnedKeyRow {
    user_id: String,
    #[sqlx(flatten)]
    key: KeyRow,
}

impl KeyRow {
    fn into_record(self, user_id: &str) -> SshPublicKeyRecord {
        SshPublicKeyRecord {
            ssh_public_key_id: self.ssh_public_key_id,
            user_id: user_id.to_owned(),
            body: self.body.into(),
            key_blob: self.key_blob,
            fingerprint: self.fingerprint,
            active: self.status == "Active",
            uploaded_at: from_millis(self.uploaded_at),
        }
    }

    fn into_key(self, user_name: &str) -> SshPublicKey {
        SshPublicKey {
            ssh_public_key_id: self.ssh_public_key_id,
            user_name: user_name.to_owned(),
            body: self.body,
            key_blob: self.key_blob,
            fingerprint: self.fingerprint,
            active: self.status == "Active",
            uploaded_at: from_millis(self.uploaded_at),
        }
    }
}

impl Store {
    pub async fn upload_ssh_public_key(
        &self,
        account_id: &str,
        user_name: &str,
        body: &str,
        key_blob: &[u8],
        fingerprint: &str,
        now: OffsetDateTime,
    ) -> Result<SshPublicKey, AwsError> {
        let mut w = self.begin().await?;
        let user_id = users::user_id(&mut w.tx, &self.user_names, account_id, user_name).await?;
        let (count, duplicates): (i64, i64) = sqlx::query_as(
            "SELECT count(*), count(*) FILTER (WHERE fingerprint = ?2)
             FROM ssh_public_keys WHERE user_id = ?1",
        )
        .bind(&user_id)
        .bind(fingerprint)
        .fetch_one(&mut *w.tx)
        .await?;
        if duplicates > 0 {
            return Err(aws_error!(
                DuplicateSSHPublicKey,
                "The SSH public key is already associated with the specified IAM user."
            ));
        }
        if count >= SSH_KEYS_PER_USER {
            return Err(aws_error!(
                LimitExceeded,
                "Cannot exceed quota for SSHPublicKeysPerUser: {SSH_KEYS_PER_USER}"
            ));
        }
        let id = new_id(IdKind::SshPublicKey, account_id);
        sqlx::query(
            "INSERT INTO ssh_public_keys
                 (ssh_public_key_id, user_id, body, key_blob, fingerprint, status, uploaded_at)
             VALUES (?, ?, ?, ?, ?, 'Active', ?)",
        )
        .bind(&id)
        .bind(&user_id)
        .bind(body)
        .bind(key_blob)
        .bind(fingerprint)
        .bind(to_millis(now))
        .execute(&mut *w.tx)
        .await?;
        w.record(Change::SshPublicKeyPut(Arc::new(SshPublicKeyRecord {
            ssh_public_key_id: id.clone(),
            user_id,
            body: body.into(),
            key_blob: key_blob.to_vec(),
            fingerprint: fingerprint.to_owned(),
            active: true,
            uploaded_at: now,
        })));
        w.commit().await?;
        Ok(SshPublicKey {
            ssh_public_key_id: id,
            user_name: user_name.to_owned(),
            body: body.to_owned(),
            key_blob: key_blob.to_vec(),
            fingerprint: fingerprint.to_owned(),
            active: true,
            uploaded_at: now,
        })
    }

    pub async fn ssh_public_key(
        &self,
        account_id: &str,
        user_name: &str,
        ssh_public_key_id: &str,
    ) -> Result<SshPublicKey, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            let keys = lagging::ssh_public_keys(view, account_id, user_name)?;
            return (keys.into_iter())
                .find(|k| k.ssh_public_key_id == ssh_public_key_id)
                .ok_or_else(|| no_such_key(ssh_public_key_id));
        }
        let mut conn = self.read().await?;
        let user_id = users::user_id(&mut conn, &self.user_names, account_id, user_name).await?;
        let row: KeyRow = sqlx::query_as(
            "SELECT ssh_public_key_id, body, key_blob, fingerprint, status, uploaded_at
             FROM ssh_public_keys WHERE user_id = ? AND ssh_public_key_id = ?",
        )
        .bind(&user_id)
        .bind(ssh_public_key_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| no_such_key(ssh_public_key_id))?;
        Ok(row.into_key(user_name))
    }

    /// The user's keys, oldest first.
    pub async fn list_ssh_public_keys(
        &self,
        account_id: &str,
        user_name: &str,
    ) -> Result<Vec<SshPublicKey>, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            return lagging::ssh_public_keys(view, account_id, user_name);
        }
        let mut conn = self.read().await?;
        let user_id = users::user_id(&mut conn, &self.user_names, account_id, user_name).await?;
        let rows: Vec<KeyRow> = sqlx::query_as(
            "SELECT ssh_public_key_id, body, key_blob, fingerprint, status, uploaded_at
             FROM ssh_public_keys WHERE user_id = ? ORDER BY uploaded_at, ssh_public_key_id",
        )
        .bind(&user_id)
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows.into_iter().map(|r| r.into_key(user_name)).collect())
    }

    pub async fn set_ssh_public_key_status(
        &self,
        account_id: &str,
        user_name: &str,
        ssh_public_key_id: &str,
        active: bool,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let user_id = users::user_id(&mut w.tx, &self.user_names, account_id, user_name).await?;
        let updated = sqlx::query(
            "UPDATE ssh_public_keys SET status = ? WHERE user_id = ? AND ssh_public_key_id = ?",
        )
        .bind(if active { "Active" } else { "Inactive" })
        .bind(&user_id)
        .bind(ssh_public_key_id)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Err(no_such_key(ssh_public_key_id));
        }
        let row: KeyRow = sqlx::query_as(
            "SELECT ssh_public_key_id, body, key_blob, fingerprint, status, uploaded_at
             FROM ssh_public_keys WHERE ssh_public_key_id = ?",
        )
        .bind(ssh_public_key_id)
        .fetch_one(&mut *w.tx)
        .await?;
        w.record(Change::SshPublicKeyPut(Arc::new(row.into_record(&user_id))));
        w.commit().await
    }

    pub async fn delete_ssh_public_key(
        &self,
        account_id: &str,
        user_name: &str,
        ssh_public_key_id: &str,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let user_id = users::user_id(&mut w.tx, &self.user_names, account_id, user_name).await?;
        let deleted =
            sqlx::query("DELETE FROM ssh_public_keys WHERE user_id = ? AND ssh_public_key_id = ?")
                .bind(&user_id)
                .bind(ssh_public_key_id)
                .execute(&mut *w.tx)
                .await?
                .rows_affected();
        if deleted == 0 {
            return Err(no_such_key(ssh_public_key_id));
        }
        w.record(Change::SshPublicKeyRemoved {
            user_id,
            ssh_public_key_id: ssh_public_key_id.to_owned(),
        });
        w.commit().await
    }

    /// Every SSH public key, for the view's first build.
    pub(super) async fn ssh_public_key_changes(&self) -> Result<Vec<Change>, AwsError> {
        let rows: Vec<OwnedKeyRow> = sqlx::query_as(
            "SELECT user_id, ssh_public_key_id, body, key_blob, fingerprint, status, uploaded_at
             FROM ssh_public_keys",
        )
        .fetch_all(&mut *self.read().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| Change::SshPublicKeyPut(Arc::new(row.key.into_record(&row.user_id))))
            .collect())
    }
}

fn no_such_key(ssh_public_key_id: &str) -> AwsError {
    aws_error!(
        NoSuchEntity,
        "The Public Key with id {ssh_public_key_id} cannot be found."
    )
}

/// `DeleteUser`'s conflict when the user still has SSH public keys.
pub(super) async fn ssh_public_key_conflict(
    conn: &mut SqliteConnection,
    user_id: &str,
) -> Result<Option<AwsError>, AwsError> {
    let (keys,): (i64,) = sqlx::query_as("SELECT count(*) FROM ssh_public_keys WHERE user_id = ?")
        .bind(user_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok((keys > 0).then(|| {
        aws_error!(
            DeleteConflict,
            "Cannot delete entity, must delete SSH public keys first."
        )
    }))
}
