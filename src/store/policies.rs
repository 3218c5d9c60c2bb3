//! Customer managed policies: the policy, its versions, its tags.

use std::sync::Arc;

use sqlx::SqliteConnection;
use time::OffsetDateTime;

use super::tags::{
    Tag, Tagged, add_tags_within_quota, put_tags, remove_tags, resource_tags_change,
    resource_tags_changes, tags_of,
};
use super::{Page, Store, from_millis, lagging, to_millis, unique_or};
use crate::arn;
use crate::aws_error;
use crate::aws_managed::{self, AwsManagedPolicy};
use crate::error::AwsError;
use crate::ids::{IdKind, new_id};
use crate::policy::{NamedPolicy, Policy, PolicyKind};
use crate::view::{Change, Listing, ManagedPolicyRecord, PolicyCounts, PolicyVersionRecord};

/// The version every new policy starts with.
const FIRST_VERSION: &str = "v1";
/// IAM keeps at most five versions of a managed policy.
pub(crate) const MAX_VERSIONS: i64 = 5;

#[derive(Debug, Clone)]
pub struct ManagedPolicy {
    pub policy_id: String,
    pub policy_name: String,
    pub path: String,
    pub arn: String,
    pub description: Option<String>,
    pub default_version_id: String,
    pub attachment_count: i64,
    /// How many users and roles it bounds.
    pub boundary_count: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub tags: Vec<Tag>,
}

/// `PolicyUsageFilter`: how a policy is used, as a permissions policy (attached) or as a
/// permissions boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyUsage {
    PermissionsPolicy,
    PermissionsBoundary,
}

impl ManagedPolicy {
    /// Is the policy used that way (any way, for `None`)?
    pub(super) fn is_used_as(&self, usage: Option<PolicyUsage>) -> bool {
        match usage {
            None => true,
            Some(PolicyUsage::PermissionsPolicy) => self.attachment_count > 0,
            Some(PolicyUsage::PermissionsBoundary) => self.boundary_count > 0,
        }
    }
}

/// A user, group or role that uses a managed policy, for `ListEntitiesForPolicy`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PolicyEntity {
    /// `Group`, `User` or `Role`.
    pub kind: String,
    pub name: String,
    pub id: String,
}

#[derive(Debug, Clone)]
pub struct PolicyVersion {
    pub version_id: String,
    /// The document; listings and `CreatePolicyVersion` leave it out, as AWS does.
    pub document: Option<String>,
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
    account_id: String,
    policy_name: String,
    path: String,
    arn: String,
    description: Option<String>,
    default_version_id: String,
    created_at: i64,
    updated_at: i64,
    attachment_count: i64,
    boundary_count: i64,
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
            boundary_count: self.boundary_count,
            created_at: from_millis(self.created_at),
            updated_at: from_millis(self.updated_at),
            tags,
        }
    }

    /// The data plane's record of the policy, given its versions (`version_id`, document,
    /// `created_at`) newest first, and its default version if the caller parsed it already.
    fn record(
        self,
        versions: Vec<(String, String, i64)>,
        parsed: Option<Arc<Policy>>,
    ) -> ManagedPolicyRecord {
        let parsed = parsed.or_else(|| {
            let (_, document, _) = versions
                .iter()
                .find(|(id, _, _)| *id == self.default_version_id)?;
            stored_document(&self.arn, document, PolicyKind::Identity { managed: true })
        });
        ManagedPolicyRecord {
            default: parsed.map(|parsed| NamedPolicy::new(self.arn.as_str(), parsed)),
            account_id: crate::view::account_id(&self.account_id),
            policy_id: self.policy_id,
            policy_name: self.policy_name,
            path: self.path,
            arn: self.arn,
            description: self.description,
            created_at: from_millis(self.created_at),
            updated_at: from_millis(self.updated_at),
            default_version_id: self.default_version_id,
            versions: versions
                .into_iter()
                .map(|(version_id, document, created_at)| PolicyVersionRecord {
                    version_id,
                    document: document.into(),
                    created_at: from_millis(created_at),
                })
                .collect(),
        }
    }
}

/// The order versions are listed in: newest first.
macro_rules! newest_first {
    () => {
        "ORDER BY created_at DESC, CAST(substr(version_id, 2) AS INTEGER) DESC"
    };
}

/// `SELECT` of a policy for the data plane, which counts its uses itself (counting them here
/// would scan every user and role for each policy), followed by the rest of a query.
macro_rules! select_policy_records {
    ($rest:literal) => {
        concat!(
            "SELECT policy_id, account_id, policy_name, path, arn, description,
                    default_version_id, created_at, updated_at,
                    0 AS attachment_count, 0 AS boundary_count
             FROM policies ",
            $rest
        )
    };
}

/// `SELECT` of a policy with its attachment count, followed by the rest of a query.
macro_rules! select_policies {
    ($rest:literal) => {
        concat!(
            "SELECT p.policy_id, p.account_id, p.policy_name, p.path, p.arn, p.description,
                    p.default_version_id, p.created_at, p.updated_at,
                    (SELECT count(*) FROM attached_policies a WHERE a.policy_arn = p.arn)
                        AS attachment_count,
                    (SELECT count(*) FROM users u WHERE u.permissions_boundary = p.arn)
                    + (SELECT count(*) FROM roles r WHERE r.permissions_boundary = p.arn)
                        AS boundary_count
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
            boundary_count: 0,
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
            unique_or(e, || {
                aws_error!(
                    EntityAlreadyExists,
                    "A policy called {} already exists. Duplicate names are not allowed.",
                    new.policy_name
                )
            })
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
        if !new.tags.is_empty() {
            w.record(resource_tags_change(&policy.arn, new.tags));
        }
        let change = policy_change(&mut w.tx, &policy.arn, Some(new.parsed)).await?;
        w.record(change);
        w.commit().await?;
        Ok(policy)
    }

    pub async fn policy(
        &self,
        account_id: &str,
        policy_arn: &str,
    ) -> Result<ManagedPolicy, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            return lagging::policy(view, account_id, policy_arn);
        }
        let mut conn = self.read().await?;
        if let Some(aws) = aws_managed::by_arn(policy_arn) {
            return aws_policy(&mut conn, account_id, aws).await;
        }
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
        if let Some(aws) = aws_managed::by_arn(policy_arn) {
            if aws.version_id != version_id {
                return Err(no_such_version(policy_arn, version_id));
            }
            return Ok(aws_version(aws, true));
        }
        if let Some(view) = self.propagation.lagging_view() {
            return lagging::policy_version(view, account_id, policy_arn, version_id);
        }
        let mut conn = self.read().await?;
        let policy = policy_row(&mut conn, account_id, policy_arn).await?;
        let row: Option<(String, i64)> = sqlx::query_as(
            "SELECT document, created_at FROM policy_versions WHERE policy_id = ? AND version_id = ?",
        )
        .bind(&policy.policy_id)
        .bind(version_id)
        .fetch_optional(&mut *conn)
        .await?;
        let (document, created_at) = row.ok_or_else(|| no_such_version(policy_arn, version_id))?;
        Ok(PolicyVersion {
            is_default: policy.default_version_id == version_id,
            version_id: version_id.to_owned(),
            document: Some(document),
            created_at: from_millis(created_at),
        })
    }

    /// Deletes a policy that is attached to nothing, with its versions.
    pub async fn delete_policy(&self, account_id: &str, policy_arn: &str) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = policy_row(&mut w.tx, account_id, policy_arn).await?;
        if row.attachment_count > 0 || row.boundary_count > 0 {
            return Err(aws_error!(
                DeleteConflict,
                "Cannot delete a policy attached to entities."
            ));
        }
        let (versions,): (i64,) =
            sqlx::query_as("SELECT count(*) FROM policy_versions WHERE policy_id = ?")
                .bind(&row.policy_id)
                .fetch_one(&mut *w.tx)
                .await?;
        if versions > 1 {
            return Err(aws_error!(
                DeleteConflict,
                "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy."
            ));
        }
        sqlx::query("DELETE FROM policies WHERE policy_id = ?")
            .bind(&row.policy_id)
            .execute(&mut *w.tx)
            .await?;
        w.record(resource_tags_change(&row.arn, &[]));
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
        usage: Option<PolicyUsage>,
        marker: Option<&str>,
        max_items: usize,
    ) -> Result<Page<ManagedPolicy>, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            let filter = |p: &ManagedPolicy| {
                (!only_attached || p.attachment_count > 0) && p.is_used_as(usage)
            };
            let listing = Listing {
                account_id,
                path_prefix,
                marker,
                max_items,
            };
            return Ok(lagging::policies_page(view, &listing, filter));
        }
        let mut rows: Vec<PolicyRow> = sqlx::query_as(select_policies!(
            "WHERE p.account_id = ?1 AND substr(p.path, 1, length(?2)) = ?2
               AND p.policy_name >= ?3 AND (?4 = 0 OR attachment_count > 0)
               AND (?6 = 0 OR attachment_count > 0) AND (?7 = 0 OR boundary_count > 0)
             ORDER BY p.policy_name LIMIT ?5"
        ))
        .bind(account_id)
        .bind(path_prefix)
        .bind(marker.unwrap_or(""))
        .bind(only_attached)
        .bind(max_items as i64 + 1)
        .bind(usage == Some(PolicyUsage::PermissionsPolicy))
        .bind(usage == Some(PolicyUsage::PermissionsBoundary))
        .fetch_all(&mut *self.read().await?)
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

    /// The AWS managed policies of the catalogue by name, filtered by path prefix and, if
    /// asked, to those attached to something in the account; counts are the account's.
    pub async fn list_aws_policies(
        &self,
        account_id: &str,
        path_prefix: &str,
        only_attached: bool,
        usage: Option<PolicyUsage>,
    ) -> Result<Vec<ManagedPolicy>, AwsError> {
        // With lagging reads, the counts are of what has propagated.
        let counts = (self.propagation.lagging_view()).map(|view| view.policy_usage(account_id));
        let mut conn = self.read().await?;
        let mut policies = Vec::new();
        for aws in aws_managed::CATALOGUE {
            if !aws.path.starts_with(path_prefix) {
                continue;
            }
            let policy = match &counts {
                Some(counts) => aws_policy_counted(aws, counts.get(&aws.arn()).copied()),
                None => aws_policy(&mut conn, account_id, aws).await?,
            };
            if (!only_attached || policy.attachment_count > 0) && policy.is_used_as(usage) {
                policies.push(policy);
            }
        }
        // By name as the account's own list, ASCII case folded (SQLite's `NOCASE`).
        policies.sort_by_cached_key(|p| p.policy_name.to_ascii_lowercase());
        Ok(policies)
    }

    /// The groups, users and roles (in that order, each by name) that use a managed policy
    /// (AWS managed ones included) as asked: attached, as a permissions boundary, or both
    /// (`None`); only those whose path starts with `path_prefix`.
    pub async fn entities_for_policy(
        &self,
        account_id: &str,
        policy_arn: &str,
        usage: Option<PolicyUsage>,
        path_prefix: &str,
    ) -> Result<Vec<PolicyEntity>, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            return lagging::entities_for_policy(view, account_id, policy_arn, usage, path_prefix);
        }
        let mut conn = self.read().await?;
        check_attachable(&mut conn, account_id, policy_arn).await?;
        let attached = usage != Some(PolicyUsage::PermissionsBoundary);
        let boundary = usage != Some(PolicyUsage::PermissionsPolicy);
        Ok(sqlx::query_as(
            "SELECT kind, name, id FROM (
                 SELECT 0 AS rank, 'Group' AS kind, group_name AS name, group_id AS id, path
                 FROM groups WHERE account_id = ?1 AND ?3
                   AND group_id IN (SELECT owner_id FROM attached_policies WHERE policy_arn = ?2)
                 UNION ALL
                 SELECT 1, 'User', user_name, user_id, path
                 FROM users WHERE account_id = ?1
                   AND ((?3 AND user_id IN
                            (SELECT owner_id FROM attached_policies WHERE policy_arn = ?2))
                        OR (?4 AND permissions_boundary = ?2))
                 UNION ALL
                 SELECT 2, 'Role', role_name, role_id, path
                 FROM roles WHERE account_id = ?1
                   AND ((?3 AND role_id IN
                            (SELECT owner_id FROM attached_policies WHERE policy_arn = ?2))
                        OR (?4 AND permissions_boundary = ?2)))
             WHERE substr(path, 1, length(?5)) = ?5
             ORDER BY rank, name COLLATE NOCASE",
        )
        .bind(account_id)
        .bind(policy_arn)
        .bind(attached)
        .bind(boundary)
        .bind(path_prefix)
        .fetch_all(&mut *conn)
        .await?)
    }

    /// Adds tags to one of the account's managed policies (AWS managed ones have none).
    pub async fn tag_policy(
        &self,
        account_id: &str,
        policy_arn: &str,
        tags: &[Tag],
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = policy_row(&mut w.tx, account_id, policy_arn).await?;
        let tags = add_tags_within_quota(&mut w.tx, Tagged::Policy, &row.policy_id, tags).await?;
        w.record(resource_tags_change(&row.arn, &tags));
        w.commit().await
    }

    pub async fn untag_policy(
        &self,
        account_id: &str,
        policy_arn: &str,
        keys: &[String],
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = policy_row(&mut w.tx, account_id, policy_arn).await?;
        remove_tags(&mut w.tx, Tagged::Policy, &row.policy_id, keys).await?;
        let tags = tags_of(&mut w.tx, Tagged::Policy, &row.policy_id).await?;
        w.record(resource_tags_change(&row.arn, &tags));
        w.commit().await
    }

    pub(super) async fn policy_tag_changes(&self) -> Result<Vec<Change>, AwsError> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT p.arn, t.tag_key, t.tag_value
             FROM policy_tags t JOIN policies p USING (policy_id) ORDER BY t.rowid",
        )
        .fetch_all(&mut *self.read().await?)
        .await?;
        Ok(resource_tags_changes(rows))
    }

    /// The default version's document of a managed policy (AWS managed ones included), by
    /// ARN, if it exists.
    pub(super) async fn policy_default_document(
        &self,
        policy_arn: &str,
    ) -> Result<Option<String>, AwsError> {
        if let Some(aws) = aws_managed::by_arn(policy_arn) {
            return Ok(Some(aws.document.to_owned()));
        }
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT v.document FROM policies p
             JOIN policy_versions v ON v.policy_id = p.policy_id AND v.version_id = p.default_version_id
             WHERE p.arn = ?",
        )
        .bind(policy_arn)
        .fetch_optional(&mut *self.read().await?)
        .await?;
        Ok(row.map(|(d,)| d))
    }

    /// Adds a version to a policy (at most five are kept), making it the default if asked.
    pub async fn create_policy_version(
        &self,
        account_id: &str,
        policy_arn: &str,
        document: &str,
        parsed: Arc<Policy>,
        set_as_default: bool,
        now: OffsetDateTime,
    ) -> Result<PolicyVersion, AwsError> {
        let mut w = self.begin().await?;
        let policy = policy_row(&mut w.tx, account_id, policy_arn).await?;
        let (count, last): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM policy_versions WHERE policy_id = ?1),
                    (SELECT last_version FROM policies WHERE policy_id = ?1)",
        )
        .bind(&policy.policy_id)
        .fetch_one(&mut *w.tx)
        .await?;
        if count >= MAX_VERSIONS {
            return Err(aws_error!(
                LimitExceeded,
                "A managed policy can have up to {MAX_VERSIONS} versions. Before you create a new version, you must delete an existing version."
            ));
        }
        let version_id = format!("v{}", last + 1);
        sqlx::query(
            "INSERT INTO policy_versions (policy_id, version_id, document, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(&policy.policy_id)
        .bind(&version_id)
        .bind(document)
        .bind(to_millis(now))
        .execute(&mut *w.tx)
        .await?;
        sqlx::query(
            "UPDATE policies SET last_version = ?2,
                    default_version_id = CASE WHEN ?3 THEN ?4 ELSE default_version_id END,
                    updated_at = CASE WHEN ?3 THEN ?5 ELSE updated_at END
             WHERE policy_id = ?1",
        )
        .bind(&policy.policy_id)
        .bind(last + 1)
        .bind(set_as_default)
        .bind(&version_id)
        .bind(to_millis(now))
        .execute(&mut *w.tx)
        .await?;
        let parsed = set_as_default.then_some(parsed);
        let change = policy_change(&mut w.tx, &policy.arn, parsed).await?;
        w.record(change);
        w.commit().await?;
        Ok(PolicyVersion {
            version_id,
            document: None,
            is_default: set_as_default,
            created_at: now,
        })
    }

    /// Makes an existing version the one that applies.
    pub async fn set_default_policy_version(
        &self,
        account_id: &str,
        policy_arn: &str,
        version_id: &str,
        now: OffsetDateTime,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let policy = policy_row(&mut w.tx, account_id, policy_arn).await?;
        version_document(&mut w.tx, &policy.policy_id, policy_arn, version_id).await?;
        sqlx::query(
            "UPDATE policies SET default_version_id = ?, updated_at = ? WHERE policy_id = ?",
        )
        .bind(version_id)
        .bind(to_millis(now))
        .bind(&policy.policy_id)
        .execute(&mut *w.tx)
        .await?;
        let change = policy_change(&mut w.tx, &policy.arn, None).await?;
        w.record(change);
        w.commit().await
    }

    /// Deletes a version other than the default.
    pub async fn delete_policy_version(
        &self,
        account_id: &str,
        policy_arn: &str,
        version_id: &str,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let policy = policy_row(&mut w.tx, account_id, policy_arn).await?;
        version_document(&mut w.tx, &policy.policy_id, policy_arn, version_id).await?;
        if policy.default_version_id == version_id {
            return Err(aws_error!(
                DeleteConflict,
                "Cannot delete the default version of a policy."
            ));
        }
        sqlx::query("DELETE FROM policy_versions WHERE policy_id = ? AND version_id = ?")
            .bind(&policy.policy_id)
            .bind(version_id)
            .execute(&mut *w.tx)
            .await?;
        let change = policy_change(&mut w.tx, &policy.arn, None).await?;
        w.record(change);
        w.commit().await
    }

    /// A policy's versions, newest first, without their documents.
    pub async fn list_policy_versions(
        &self,
        account_id: &str,
        policy_arn: &str,
    ) -> Result<Vec<PolicyVersion>, AwsError> {
        if let Some(aws) = aws_managed::by_arn(policy_arn) {
            // The catalogue holds the default version only.
            return Ok(vec![aws_version(aws, false)]);
        }
        if let Some(view) = self.propagation.lagging_view() {
            return lagging::policy_versions(view, account_id, policy_arn);
        }
        let mut conn = self.read().await?;
        let policy = policy_row(&mut conn, account_id, policy_arn).await?;
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT version_id, created_at FROM policy_versions WHERE policy_id = ?
             ORDER BY created_at DESC, CAST(substr(version_id, 2) AS INTEGER) DESC",
        )
        .bind(&policy.policy_id)
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(version_id, created_at)| PolicyVersion {
                is_default: version_id == policy.default_version_id,
                version_id,
                document: None,
                created_at: from_millis(created_at),
            })
            .collect())
    }

    pub(super) async fn managed_policy_changes(&self) -> Result<Vec<Change>, AwsError> {
        let rows: Vec<PolicyRow> = sqlx::query_as(select_policy_records!(""))
            .fetch_all(&mut *self.read().await?)
            .await?;
        let versions: Vec<(String, String, String, i64)> = sqlx::query_as(concat!(
            "SELECT policy_id, version_id, document, created_at FROM policy_versions ",
            newest_first!()
        ))
        .fetch_all(&mut *self.read().await?)
        .await?;
        let mut by_policy: std::collections::HashMap<String, Vec<(String, String, i64)>> =
            std::collections::HashMap::new();
        for (policy_id, version_id, document, created_at) in versions {
            let versions = by_policy.entry(policy_id).or_default();
            versions.push((version_id, document, created_at));
        }
        Ok(rows
            .into_iter()
            .map(|row| {
                let versions = by_policy.remove(&row.policy_id).unwrap_or_default();
                Change::ManagedPolicyPut(Arc::new(row.record(versions, None)))
            })
            .collect())
    }
}

/// The data plane's record of a policy as `conn` sees it now (see [`PolicyRow::record`]).
async fn policy_change(
    conn: &mut SqliteConnection,
    policy_arn: &str,
    parsed: Option<Arc<Policy>>,
) -> Result<Change, AwsError> {
    let row: PolicyRow = sqlx::query_as(select_policy_records!("WHERE arn = ?"))
        .bind(policy_arn)
        .fetch_one(&mut *conn)
        .await?;
    let versions: Vec<(String, String, i64)> = sqlx::query_as(concat!(
        "SELECT version_id, document, created_at FROM policy_versions WHERE policy_id = ? ",
        newest_first!()
    ))
    .bind(&row.policy_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Change::ManagedPolicyPut(Arc::new(
        row.record(versions, parsed),
    )))
}

/// Every managed policy of the account (without tags), by name, each with all its versions
/// and their documents, newest first.
pub(super) async fn account_policies_with_versions(
    conn: &mut SqliteConnection,
    account_id: &str,
) -> Result<Vec<(ManagedPolicy, Vec<PolicyVersion>)>, AwsError> {
    let rows: Vec<PolicyRow> = sqlx::query_as(select_policies!(
        "WHERE p.account_id = ? ORDER BY p.policy_name"
    ))
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    let versions: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT v.policy_id, v.version_id, v.document, v.created_at
         FROM policy_versions v JOIN policies p ON p.policy_id = v.policy_id
         WHERE p.account_id = ?
         ORDER BY v.created_at DESC, CAST(substr(v.version_id, 2) AS INTEGER) DESC",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut by_policy: std::collections::HashMap<String, Vec<PolicyVersion>> =
        std::collections::HashMap::new();
    for (policy_id, version_id, document, created_at) in versions {
        by_policy.entry(policy_id).or_default().push(PolicyVersion {
            version_id,
            document: Some(document),
            is_default: false,
            created_at: from_millis(created_at),
        });
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let policy = row.into_policy(Vec::new());
            let mut versions = by_policy.remove(&policy.policy_id).unwrap_or_default();
            for version in &mut versions {
                version.is_default = version.version_id == policy.default_version_id;
            }
            (policy, versions)
        })
        .collect())
}

/// The AWS managed policies of the catalogue attached to something in the account, by
/// name, each with its one version (the catalogue holds only the default).
pub(super) async fn attached_aws_policies_with_versions(
    conn: &mut SqliteConnection,
    account_id: &str,
) -> Result<Vec<(ManagedPolicy, Vec<PolicyVersion>)>, AwsError> {
    let mut policies = Vec::new();
    for aws in aws_managed::CATALOGUE {
        let policy = aws_policy(conn, account_id, aws).await?;
        if policy.attachment_count > 0 {
            policies.push((policy, vec![aws_version(aws, true)]));
        }
    }
    policies.sort_by_cached_key(|(p, _)| p.policy_name.to_ascii_lowercase());
    Ok(policies)
}

/// Checks that a policy can be attached (or used as a permissions boundary): one of the
/// account's own, or an AWS managed policy of the catalogue; else IAM's `NoSuchEntity`.
pub(super) async fn check_attachable(
    conn: &mut SqliteConnection,
    account_id: &str,
    policy_arn: &str,
) -> Result<(), AwsError> {
    if aws_managed::by_arn(policy_arn).is_some() {
        return Ok(());
    }
    policy_row(conn, account_id, policy_arn).await.map(|_| ())
}

/// An AWS managed policy as the account sees it: its attachments and boundary uses are
/// the account's own.
async fn aws_policy(
    conn: &mut SqliteConnection,
    account_id: &str,
    aws: &AwsManagedPolicy,
) -> Result<ManagedPolicy, AwsError> {
    let arn = aws.arn();
    let (attachment_count, boundary_count): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM attached_policies a WHERE a.policy_arn = ?1
                   AND (a.owner_id IN (SELECT user_id FROM users WHERE account_id = ?2)
                        OR a.owner_id IN (SELECT role_id FROM roles WHERE account_id = ?2)
                        OR a.owner_id IN (SELECT group_id FROM groups WHERE account_id = ?2))),
                (SELECT count(*) FROM users WHERE account_id = ?2 AND permissions_boundary = ?1)
                + (SELECT count(*) FROM roles WHERE account_id = ?2 AND permissions_boundary = ?1)",
    )
    .bind(&arn)
    .bind(account_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(aws_policy_counted(
        aws,
        Some(PolicyCounts {
            attachments: attachment_count,
            boundaries: boundary_count,
        }),
    ))
}

/// An AWS managed policy, with how the account uses it (none: not at all).
pub(super) fn aws_policy_counted(
    aws: &AwsManagedPolicy,
    counts: Option<PolicyCounts>,
) -> ManagedPolicy {
    let counts = counts.unwrap_or_default();
    ManagedPolicy {
        policy_id: aws.policy_id.to_owned(),
        policy_name: aws.name.to_owned(),
        path: aws.path.to_owned(),
        description: Some(aws.description.to_owned()),
        default_version_id: aws.version_id.to_owned(),
        attachment_count: counts.attachments,
        boundary_count: counts.boundaries,
        arn: aws.arn(),
        created_at: aws.created_at,
        updated_at: aws.updated_at,
        tags: Vec::new(),
    }
}

/// The default (and only bundled) version of an AWS managed policy.
pub(super) fn aws_version(aws: &AwsManagedPolicy, with_document: bool) -> PolicyVersion {
    PolicyVersion {
        version_id: aws.version_id.to_owned(),
        document: with_document.then(|| aws.document.to_owned()),
        is_default: true,
        created_at: aws.updated_at,
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

/// The document of one version of a policy, or IAM's `NoSuchEntity` for it.
async fn version_document(
    conn: &mut SqliteConnection,
    policy_id: &str,
    policy_arn: &str,
    version_id: &str,
) -> Result<String, AwsError> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT document FROM policy_versions WHERE policy_id = ? AND version_id = ?",
    )
    .bind(policy_id)
    .bind(version_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|(document,)| document)
        .ok_or_else(|| no_such_version(policy_arn, version_id))
}

pub(super) fn no_such_version(policy_arn: &str, version_id: &str) -> AwsError {
    aws_error!(
        NoSuchEntity,
        "Policy {policy_arn} version {version_id} does not exist or is not attachable."
    )
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
