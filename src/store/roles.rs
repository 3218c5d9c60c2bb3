//! IAM roles and their tags.

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::SqliteConnection;
use time::OffsetDateTime;

use super::policies::stored_document;
use super::tags::{Tag, Tagged, all_tags, put_tags, remove_tags, tags_of};
use super::{Page, Store, from_millis, lagging, to_millis, unique_or};
use crate::arn;
use crate::aws_error;
use crate::consistency::ChangeKind;
use crate::error::AwsError;
use crate::ids::{IdKind, new_id};
use crate::policy::{NamedPolicy, Policy, PolicyKind};
use crate::view::{Change, Listing, RoleRecord};

#[derive(Debug, Clone)]
pub struct Role {
    pub role_id: String,
    pub account_id: String,
    pub role_name: String,
    pub path: String,
    pub arn: String,
    /// The trust policy as it was written.
    pub trust_policy: String,
    pub description: Option<String>,
    pub max_session_duration: i64,
    pub created_at: OffsetDateTime,
    /// The ARN of the managed policy that bounds the role's permissions.
    pub permissions_boundary: Option<String>,
    /// When and in which region the role was last assumed.
    pub last_used: Option<(OffsetDateTime, String)>,
    pub tags: Vec<Tag>,
}

/// What a new role is made of.
pub struct NewRole<'a> {
    pub role_name: &'a str,
    pub path: &'a str,
    pub trust_policy: &'a str,
    /// The trust policy, already parsed and validated by the caller.
    pub parsed_trust: Arc<Policy>,
    pub description: Option<&'a str>,
    pub max_session_duration: i64,
    pub permissions_boundary: Option<&'a str>,
    pub tags: &'a [Tag],
}

#[derive(sqlx::FromRow)]
struct RoleRow {
    role_id: String,
    account_id: String,
    role_name: String,
    path: String,
    trust_policy: String,
    description: Option<String>,
    max_session_duration: i64,
    created_at: i64,
    last_used_at: Option<i64>,
    last_used_region: Option<String>,
    permissions_boundary: Option<String>,
}

impl RoleRow {
    fn into_role(self, tags: Vec<Tag>) -> Role {
        Role {
            arn: arn::role(&self.account_id, &self.path, &self.role_name),
            role_id: self.role_id,
            account_id: self.account_id,
            role_name: self.role_name,
            path: self.path,
            trust_policy: self.trust_policy,
            description: self.description,
            max_session_duration: self.max_session_duration,
            created_at: from_millis(self.created_at),
            permissions_boundary: self.permissions_boundary,
            last_used: self
                .last_used_at
                .map(|at| (from_millis(at), self.last_used_region.unwrap_or_default())),
            tags,
        }
    }
}

impl Role {
    /// The data plane's record, given the parsed trust policy.
    fn record(&self, trust: Arc<Policy>) -> Change {
        Change::RolePut(Arc::new(RoleRecord {
            role_id: self.role_id.clone(),
            account_id: crate::view::account_id(&self.account_id),
            role_name: self.role_name.clone(),
            path: crate::view::path(&self.path),
            arn: self.arn.clone(),
            trust_policy: NamedPolicy::new(self.arn.as_str(), trust),
            trust_document: self.trust_policy.as_str().into(),
            description: self.description.clone(),
            created_at: self.created_at,
            max_session_duration: self.max_session_duration,
            permissions_boundary: self.permissions_boundary.clone(),
            tags: self
                .tags
                .iter()
                .map(|t| (t.key.clone(), t.value.clone()))
                .collect(),
        }))
    }

    /// The record again, parsing the stored trust policy (it was validated when written).
    fn reparsed_record(&self) -> Option<Change> {
        let trust = stored_document(&self.arn, &self.trust_policy, PolicyKind::Trust)?;
        Some(self.record(trust))
    }
}

/// `SELECT … FROM roles` followed by the rest of a query (sqlx takes only static SQL).
macro_rules! select_roles {
    ($rest:literal) => {
        concat!(
            "SELECT role_id, account_id, role_name, path, trust_policy, description,
                    max_session_duration, created_at, last_used_at, last_used_region,
                    permissions_boundary
             FROM roles ",
            $rest
        )
    };
}

impl Store {
    pub async fn create_role(
        &self,
        account_id: &str,
        new: NewRole<'_>,
        now: OffsetDateTime,
    ) -> Result<Role, AwsError> {
        let mut w = self.begin().await?;
        let role = insert_role(&mut w, account_id, new, now).await?;
        w.commit().await?;
        Ok(role)
    }

    pub async fn role(&self, account_id: &str, role_name: &str) -> Result<Role, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            return lagging::role(view, account_id, role_name);
        }
        let mut conn = self.read().await?;
        let row = role_row(&mut conn, account_id, role_name).await?;
        let tags = tags_of(&mut conn, Tagged::Role, &row.role_id).await?;
        Ok(row.into_role(tags))
    }

    /// Roles whose path starts with `path_prefix`, by name; `marker` is the name to start at.
    pub async fn list_roles(
        &self,
        account_id: &str,
        path_prefix: &str,
        marker: Option<&str>,
        max_items: usize,
    ) -> Result<Page<Role>, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            let listing = Listing {
                account_id,
                path_prefix,
                marker,
                max_items,
            };
            return Ok(lagging::roles_page(view, &listing));
        }
        let mut rows: Vec<RoleRow> = sqlx::query_as(select_roles!(
            "WHERE account_id = ?1 AND substr(path, 1, length(?2)) = ?2 AND role_name >= ?3
             ORDER BY role_name LIMIT ?4"
        ))
        .bind(account_id)
        .bind(path_prefix)
        .bind(marker.unwrap_or(""))
        .bind(max_items as i64 + 1)
        .fetch_all(&mut *self.read().await?)
        .await?;
        let marker = (rows.len() > max_items).then(|| rows.pop().expect("len > max").role_name);
        Ok(Page {
            items: rows.into_iter().map(|r| r.into_role(Vec::new())).collect(),
            marker,
        })
    }

    /// Changes a role's description and/or maximum session duration.
    pub async fn update_role(
        &self,
        account_id: &str,
        role_name: &str,
        description: Option<&str>,
        max_session_duration: Option<i64>,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = role_row(&mut w.tx, account_id, role_name).await?;
        let description = description.map(str::to_owned).or(row.description.clone());
        let max = max_session_duration.unwrap_or(row.max_session_duration);
        sqlx::query("UPDATE roles SET description = ?, max_session_duration = ? WHERE role_id = ?")
            .bind(&description)
            .bind(max)
            .bind(&row.role_id)
            .execute(&mut *w.tx)
            .await?;
        let tags = tags_of(&mut w.tx, Tagged::Role, &row.role_id).await?;
        let role = RoleRow {
            description,
            max_session_duration: max,
            ..row
        }
        .into_role(tags);
        if let Some(change) = role.reparsed_record() {
            w.record(change);
        }
        w.commit().await
    }

    pub async fn update_trust_policy(
        &self,
        account_id: &str,
        role_name: &str,
        document: &str,
        parsed: Arc<Policy>,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = role_row(&mut w.tx, account_id, role_name).await?;
        refuse_service_linked(&row.role_name, &row.path)?;
        sqlx::query("UPDATE roles SET trust_policy = ? WHERE role_id = ?")
            .bind(document)
            .bind(&row.role_id)
            .execute(&mut *w.tx)
            .await?;
        let tags = tags_of(&mut w.tx, Tagged::Role, &row.role_id).await?;
        let role = RoleRow {
            trust_policy: document.to_owned(),
            ..row
        }
        .into_role(tags);
        w.record_as(ChangeKind::TrustPolicies, role.record(parsed));
        w.commit().await
    }

    /// Deletes a role that has no policies left, as IAM requires.
    pub async fn delete_role(&self, account_id: &str, role_name: &str) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = role_row(&mut w.tx, account_id, role_name).await?;
        refuse_service_linked(&row.role_name, &row.path)?;
        if let Some(conflict) =
            super::identity_policies::policy_conflict(&mut w.tx, &row.role_id).await?
        {
            return Err(conflict);
        }
        if let Some(conflict) =
            super::instance_profiles::role_conflict(&mut w.tx, &row.role_id).await?
        {
            return Err(conflict);
        }
        sqlx::query("DELETE FROM roles WHERE role_id = ?")
            .bind(&row.role_id)
            .execute(&mut *w.tx)
            .await?;
        w.record(Change::RoleRemoved {
            role_id: row.role_id,
        });
        w.commit().await
    }

    pub async fn tag_role(
        &self,
        account_id: &str,
        role_name: &str,
        tags: &[Tag],
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = role_row(&mut w.tx, account_id, role_name).await?;
        put_tags(&mut w.tx, Tagged::Role, &row.role_id, tags).await?;
        let tags = tags_of(&mut w.tx, Tagged::Role, &row.role_id).await?;
        if tags.len() > crate::iam::shapes::MAX_TAGS {
            return Err(aws_error!(
                LimitExceeded,
                "The number of tags has reached the maximum limit."
            ));
        }
        if let Some(change) = row.into_role(tags).reparsed_record() {
            w.record_as(ChangeKind::Tags, change);
        }
        w.commit().await
    }

    /// Sets (or, with `None`, removes) the role's permissions boundary, which must be a
    /// managed policy of the account.
    pub async fn set_role_boundary(
        &self,
        account_id: &str,
        role_name: &str,
        boundary: Option<&str>,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = role_row(&mut w.tx, account_id, role_name).await?;
        refuse_service_linked(&row.role_name, &row.path)?;
        if let Some(arn) = boundary {
            super::policies::check_attachable(&mut w.tx, account_id, arn).await?;
        }
        sqlx::query("UPDATE roles SET permissions_boundary = ? WHERE role_id = ?")
            .bind(boundary)
            .bind(&row.role_id)
            .execute(&mut *w.tx)
            .await?;
        let tags = tags_of(&mut w.tx, Tagged::Role, &row.role_id).await?;
        let role = RoleRow {
            permissions_boundary: boundary.map(str::to_owned),
            ..row
        }
        .into_role(tags);
        if let Some(change) = role.reparsed_record() {
            w.record_as(ChangeKind::Policies, change);
        }
        w.commit().await
    }

    pub async fn untag_role(
        &self,
        account_id: &str,
        role_name: &str,
        keys: &[String],
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = role_row(&mut w.tx, account_id, role_name).await?;
        remove_tags(&mut w.tx, Tagged::Role, &row.role_id, keys).await?;
        let tags = tags_of(&mut w.tx, Tagged::Role, &row.role_id).await?;
        if let Some(change) = row.into_role(tags).reparsed_record() {
            w.record_as(ChangeKind::Tags, change);
        }
        w.commit().await
    }

    pub(super) async fn role_changes(&self) -> Result<Vec<Change>, AwsError> {
        let mut conn = self.read().await?;
        let rows: Vec<RoleRow> = sqlx::query_as(select_roles!(""))
            .fetch_all(&mut *conn)
            .await?;
        let mut tags = all_tags(&mut conn, Tagged::Role).await?;
        // Roles often share a trust policy (one service, one account): each distinct text is
        // parsed once, and the parsed policy shared.
        let mut parsed: HashMap<String, Option<Arc<Policy>>> = HashMap::new();
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let tags = tags.remove(&row.role_id).unwrap_or_default();
                let role = row.into_role(tags);
                let trust = parsed
                    .entry(role.trust_policy.clone())
                    .or_insert_with(|| {
                        stored_document(&role.arn, &role.trust_policy, PolicyKind::Trust)
                    })
                    .clone()?;
                Some(role.record(trust))
            })
            .collect())
    }
}

/// Inserts a new role and its tags in a write, and records it for the data plane.
pub(super) async fn insert_role(
    w: &mut super::Write<'_>,
    account_id: &str,
    new: NewRole<'_>,
    now: OffsetDateTime,
) -> Result<Role, AwsError> {
    if let Some(arn) = new.permissions_boundary {
        super::policies::check_attachable(&mut w.tx, account_id, arn).await?;
    }
    let role = Role {
        role_id: new_id(IdKind::Role, account_id),
        account_id: account_id.to_owned(),
        role_name: new.role_name.to_owned(),
        path: new.path.to_owned(),
        arn: arn::role(account_id, new.path, new.role_name),
        trust_policy: new.trust_policy.to_owned(),
        description: new.description.map(str::to_owned),
        max_session_duration: new.max_session_duration,
        created_at: now,
        permissions_boundary: new.permissions_boundary.map(str::to_owned),
        last_used: None,
        tags: new.tags.to_vec(),
    };
    sqlx::query(
        "INSERT INTO roles (role_id, account_id, role_name, path, trust_policy, description,
                                max_session_duration, created_at, permissions_boundary)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&role.role_id)
    .bind(account_id)
    .bind(&role.role_name)
    .bind(&role.path)
    .bind(&role.trust_policy)
    .bind(&role.description)
    .bind(role.max_session_duration)
    .bind(to_millis(now))
    .bind(new.permissions_boundary)
    .execute(&mut *w.tx)
    .await
    .map_err(|e| {
        unique_or(e, || {
            aws_error!(
                EntityAlreadyExists,
                "Role with name {} already exists.",
                new.role_name
            )
        })
    })?;
    put_tags(&mut w.tx, Tagged::Role, &role.role_id, new.tags).await?;
    w.record(role.record(new.parsed_trust));
    Ok(role)
}

async fn role_row(
    conn: &mut SqliteConnection,
    account_id: &str,
    role_name: &str,
) -> Result<RoleRow, AwsError> {
    sqlx::query_as(select_roles!("WHERE account_id = ? AND role_name = ?"))
        .bind(account_id)
        .bind(role_name)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| no_such_role(role_name))
}

pub(super) fn no_such_role(role_name: &str) -> AwsError {
    aws_error!(
        NoSuchEntity,
        "The role with name {role_name} cannot be found."
    )
}

/// Every role of the account with its tags, by name.
pub(super) async fn account_roles(
    conn: &mut SqliteConnection,
    account_id: &str,
) -> Result<Vec<Role>, AwsError> {
    let rows: Vec<RoleRow> =
        sqlx::query_as(select_roles!("WHERE account_id = ? ORDER BY role_name"))
            .bind(account_id)
            .fetch_all(&mut *conn)
            .await?;
    let mut tags = all_tags(conn, Tagged::Role).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let tags = tags.remove(&row.role_id).unwrap_or_default();
            row.into_role(tags)
        })
        .collect())
}

/// The path under which AWS keeps service-linked roles, and only them.
pub const SERVICE_LINKED_PATH_PREFIX: &str = "/aws-service-role/";

/// Is a role at this path service-linked? `CreateRole` refuses the prefix, so only
/// `CreateServiceLinkedRole` (and state documents) put roles there.
pub fn is_service_linked(path: &str) -> bool {
    path.starts_with(SERVICE_LINKED_PATH_PREFIX)
}

/// AWS protects service-linked roles: their trust policy, permissions and boundary are the
/// linked service's, and only `DeleteServiceLinkedRole` deletes them.
pub(super) fn refuse_service_linked(role_name: &str, path: &str) -> Result<(), AwsError> {
    if is_service_linked(path) {
        return Err(aws_error!(
            UnmodifiableEntity,
            "Cannot perform the operation on the protected role '{role_name}' - this role is only modifiable by AWS"
        ));
    }
    Ok(())
}

/// The id of a role whose permissions the caller may change (not a service-linked one).
pub(super) async fn modifiable_role_id(
    conn: &mut SqliteConnection,
    account_id: &str,
    role_name: &str,
) -> Result<String, AwsError> {
    let row = role_row(conn, account_id, role_name).await?;
    refuse_service_linked(&row.role_name, &row.path)?;
    Ok(row.role_id)
}

/// A role with its tags, read in a write.
pub(super) async fn role_in(
    conn: &mut SqliteConnection,
    account_id: &str,
    role_name: &str,
) -> Result<Role, AwsError> {
    let row = role_row(conn, account_id, role_name).await?;
    let tags = tags_of(conn, Tagged::Role, &row.role_id).await?;
    Ok(row.into_role(tags))
}

/// The id of a role, for other families that hang off roles.
pub(super) async fn role_id(
    conn: &mut SqliteConnection,
    account_id: &str,
    role_name: &str,
) -> Result<String, AwsError> {
    Ok(role_row(conn, account_id, role_name).await?.role_id)
}

/// A role by its unique id (without tags), for the instance profiles that hold it.
pub(super) async fn role_by_id(
    conn: &mut SqliteConnection,
    role_id: &str,
) -> Result<Option<Role>, AwsError> {
    let row: Option<RoleRow> = sqlx::query_as(select_roles!("WHERE role_id = ?"))
        .bind(role_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.into_role(Vec::new())))
}
