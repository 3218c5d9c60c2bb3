//! Customer managed policies: the policy, its versions, its tags.

use std::sync::Arc;

use sqlx::SqliteConnection;
use time::OffsetDateTime;

use super::tags::{Tag, Tagged, put_tags, tags_of};
use super::{Page, Store, from_millis, is_unique_violation, to_millis};
use crate::arn;
use crate::aws_error;
use crate::error::AwsError;
use crate::ids::{IdKind, new_id};
use crate::policy::{NamedPolicy, Policy, PolicyKind};
use crate::view::Change;

/// The version every new policy starts with.
const FIRST_VERSION: &str = "v1";

#[derive(Debug, Clone)]
pub struct ManagedPolicy {
    pub policy_id: String,
    pub policy_name: String,
    pub path: String,
    pub arn: String,
    pub description: Option<String>,
    pub default_version_id: String,
    pub attachment_count: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone)]
pub struct PolicyVersion {
    pub version_id: String,
    pub document: String,
    pub is_default: bool,
    pub created_at: OffsetDateTime,
}

/// What a new managed policy is made of.
pub struct NewPolicy<'a> {
    pub policy_name: &'a str,
    pub path: &'a str,
    pub description: Option<&'a str>,
    pub document: &'a str,
    /// The document, already parsed and validated by the caller.
    pub parsed: Arc<Policy>,
    pub tags: &'a [Tag],
}

#[derive(sqlx::FromRow)]
pub(super) struct PolicyRow {
    policy_id: String,
    policy_name: String,
    path: String,
    arn: String,
    description: Option<String>,
    default_version_id: String,
    created_at: i64,
    updated_at: i64,
    attachment_count: i64,
}

impl PolicyRow {
    fn into_policy(self, tags: Vec<Tag>) -> ManagedPolicy {
        ManagedPolicy {
            policy_id: self.policy_id,
            policy_name: self.policy_name,
            path: self.path,
            arn: self.arn,
            description: self.description,
            default_version_id: self.default_version_id,
            attachment_count: self.attachment_count,
            created_at: from_millis(self.created_at),
            updated_at: from_millis(self.updated_at),
            tags,
        }
    }
}

/// `SELECT` of a policy with its attachment count, followed by the rest of a query.
macro_rules! select_policies {
    ($rest:literal) => {
        concat!(
            "SELECT p.policy_id, p.policy_name, p.path, p.arn, p.description,
                    p.default_version_id, p.created_at, p.updated_at,
                    (SELECT count(*) FROM attached_policies a WHERE a.policy_arn = p.arn)
                        AS attachment_count
             FROM policies p ",
            $rest
        )
    };
}

impl Store {
    pub async fn create_policy(
        &self,
        account_id: &str,
        new: NewPolicy<'_>,
        now: OffsetDateTime,
    ) -> Result<ManagedPolicy, AwsError> {
        let mut w = self.begin().await?;
        let policy = ManagedPolicy {
            policy_id: new_id(IdKind::Policy, account_id),
            policy_name: new.policy_name.to_owned(),
            path: new.path.to_owned(),
            arn: arn::policy(account_id, new.path, new.policy_name),
            description: new.description.map(str::to_owned),
            default_version_id: FIRST_VERSION.to_owned(),
            attachment_count: 0,
            created_at: now,
            updated_at: now,
            tags: new.tags.to_vec(),
        };
        sqlx::query(
            "INSERT INTO policies (policy_id, account_id, policy_name, path, arn, description,
                                   default_version_id, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&policy.policy_id)
        .bind(account_id)
        .bind(&policy.policy_name)
        .bind(&policy.path)
        .bind(&policy.arn)
        .bind(&policy.description)
        .bind(FIRST_VERSION)
        .bind(to_millis(now))
        .bind(to_millis(now))
        .execute(&mut *w.tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                aws_error!(
                    EntityAlreadyExists,
                    "A policy called {} already exists. Duplicate names are not allowed.",
                    new.policy_name
                )
            } else {
                e.into()
            }
        })?;
        sqlx::query(
            "INSERT INTO policy_versions (policy_id, version_id, document, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(&policy.policy_id)
        .bind(FIRST_VERSION)
        .bind(new.document)
        .bind(to_millis(now))
        .execute(&mut *w.tx)
        .await?;
        put_tags(&mut w.tx, Tagged::Policy, &policy.policy_id, new.tags).await?;
        w.record(Change::ManagedPolicyPut(NamedPolicy::new(
            policy.arn.as_str(),
            new.parsed,
        )));
        w.commit().await?;
        Ok(policy)
    }

    pub async fn policy(
        &self,
        account_id: &str,
        policy_arn: &str,
    ) -> Result<ManagedPolicy, AwsError> {
        let mut conn = self.reader.acquire().await?;
        let row = policy_row(&mut conn, account_id, policy_arn).await?;
        let tags = tags_of(&mut conn, Tagged::Policy, &row.policy_id).await?;
        Ok(row.into_policy(tags))
    }

    pub async fn policy_version(
        &self,
        account_id: &str,
        policy_arn: &str,
        version_id: &str,
    ) -> Result<PolicyVersion, AwsError> {
        let mut conn = self.reader.acquire().await?;
        let policy = policy_row(&mut conn, account_id, policy_arn).await?;
        let row: Option<(String, i64)> = sqlx::query_as(
            "SELECT document, created_at FROM policy_versions WHERE policy_id = ? AND version_id = ?",
        )
        .bind(&policy.policy_id)
        .bind(version_id)
        .fetch_optional(&mut *conn)
        .await?;
        let (document, created_at) = row.ok_or_else(|| {
            aws_error!(
                NoSuchEntity,
                "Policy {policy_arn} version {version_id} does not exist or is not attachable."
            )
        })?;
        Ok(PolicyVersion {
            is_default: policy.default_version_id == version_id,
            version_id: version_id.to_owned(),
            document,
            created_at: from_millis(created_at),
        })
    }

    /// Deletes a policy that is attached to nothing, with its versions.
    pub async fn delete_policy(&self, account_id: &str, policy_arn: &str) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = policy_row(&mut w.tx, account_id, policy_arn).await?;
        if row.attachment_count > 0 {
            return Err(aws_error!(
                DeleteConflict,
                "Cannot delete a policy attached to entities."
            ));
        }
        sqlx::query("DELETE FROM policies WHERE policy_id = ?")
            .bind(&row.policy_id)
            .execute(&mut *w.tx)
            .await?;
        w.record(Change::ManagedPolicyRemoved {
            policy_arn: row.arn,
        });
        w.commit().await
    }

    /// The account's managed policies by name, filtered by path prefix and, if asked, to
    /// those attached to something; `marker` is the name to start at.
    pub async fn list_policies(
        &self,
        account_id: &str,
        path_prefix: &str,
        only_attached: bool,
        marker: Option<&str>,
        max_items: usize,
    ) -> Result<Page<ManagedPolicy>, AwsError> {
        let mut rows: Vec<PolicyRow> = sqlx::query_as(select_policies!(
            "WHERE p.account_id = ?1 AND substr(p.path, 1, length(?2)) = ?2
               AND p.policy_name >= ?3 AND (?4 = 0 OR attachment_count > 0)
             ORDER BY p.policy_name LIMIT ?5"
        ))
        .bind(account_id)
        .bind(path_prefix)
        .bind(marker.unwrap_or(""))
        .bind(only_attached)
        .bind(max_items as i64 + 1)
        .fetch_all(&self.reader)
        .await?;
        let marker = (rows.len() > max_items).then(|| rows.pop().expect("len > max").policy_name);
        Ok(Page {
            items: rows
                .into_iter()
                .map(|r| r.into_policy(Vec::new()))
                .collect(),
            marker,
        })
    }

    /// The default version's document of a managed policy, by ARN, if it exists.
    pub(super) async fn policy_default_document(
        &self,
        policy_arn: &str,
    ) -> Result<Option<String>, AwsError> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT v.document FROM policies p
             JOIN policy_versions v ON v.policy_id = p.policy_id AND v.version_id = p.default_version_id
             WHERE p.arn = ?",
        )
        .bind(policy_arn)
        .fetch_optional(&self.reader)
        .await?;
        Ok(row.map(|(d,)| d))
    }

    pub(super) async fn managed_policy_changes(&self) -> Result<Vec<Change>, AwsError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT p.arn, v.document FROM policies p
             JOIN policy_versions v ON v.policy_id = p.policy_id AND v.version_id = p.default_version_id",
        )
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(arn, document)| {
                let parsed =
                    stored_document(&arn, &document, PolicyKind::Identity { managed: true })?;
                Some(Change::ManagedPolicyPut(NamedPolicy::new(arn, parsed)))
            })
            .collect())
    }
}

/// The policy with this ARN in the account, or IAM's `NoSuchEntity`.
pub(super) async fn policy_row(
    conn: &mut SqliteConnection,
    account_id: &str,
    policy_arn: &str,
) -> Result<PolicyRow, AwsError> {
    sqlx::query_as(select_policies!("WHERE p.account_id = ? AND p.arn = ?"))
        .bind(account_id)
        .bind(policy_arn)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| no_such_policy(policy_arn))
}

pub(super) fn no_such_policy(policy_arn: &str) -> AwsError {
    aws_error!(
        NoSuchEntity,
        "Policy {policy_arn} does not exist or is not attachable."
    )
}

/// Parses a document read back from the database. Every stored document was validated when
/// written; one that no longer parses (a stricter engine after an upgrade) is left out of
/// the data plane, loudly, rather than stopping the server.
pub(super) fn stored_document(id: &str, document: &str, kind: PolicyKind) -> Option<Arc<Policy>> {
    match Policy::parse(document, kind) {
        Ok(policy) => Some(Arc::new(policy)),
        Err(e) => {
            tracing::error!(policy = id, error = %e, "a stored policy no longer parses; it grants nothing");
            None
        }
    }
}
