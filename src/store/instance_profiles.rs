//! Instance profiles, the role each holds (at most one), and their tags.

use std::sync::Arc;

use sqlx::SqliteConnection;
use time::OffsetDateTime;

use super::roles::{Role, role_by_id, role_id};
use super::tags::{
    Tag, Tagged, add_tags_within_quota, all_tags, put_tags, remove_tags, resource_tags_change,
    resource_tags_changes, tags_of,
};
use super::{Page, Store, from_millis, lagging, to_millis, unique_or};
use crate::arn;
use crate::aws_error;
use crate::error::AwsError;
use crate::ids::{IdKind, new_id};
use crate::view::{Change, InstanceProfileRecord, Listing};

#[derive(Debug, Clone)]
pub struct InstanceProfile {
    pub instance_profile_id: String,
    pub instance_profile_name: String,
    pub path: String,
    pub arn: String,
    pub created_at: OffsetDateTime,
    /// The role it holds: none or one.
    pub roles: Vec<Role>,
    pub tags: Vec<Tag>,
}

#[derive(sqlx::FromRow)]
struct ProfileRow {
    instance_profile_id: String,
    account_id: String,
    instance_profile_name: String,
    path: String,
    created_at: i64,
    role_id: Option<String>,
}

impl ProfileRow {
    fn arn(&self) -> String {
        arn::instance_profile(&self.account_id, &self.path, &self.instance_profile_name)
    }

    /// The data plane's record of the profile.
    fn record(&self) -> Change {
        Change::InstanceProfilePut(Arc::new(InstanceProfileRecord {
            instance_profile_id: self.instance_profile_id.clone(),
            account_id: crate::view::account_id(&self.account_id),
            instance_profile_name: self.instance_profile_name.clone(),
            path: self.path.clone(),
            arn: self.arn(),
            created_at: from_millis(self.created_at),
            role_id: self.role_id.clone(),
        }))
    }

    /// The profile with its role (read on `conn`) and the given tags.
    async fn into_profile(
        self,
        conn: &mut SqliteConnection,
        tags: Vec<Tag>,
    ) -> Result<InstanceProfile, AwsError> {
        let roles = match &self.role_id {
            Some(id) => role_by_id(conn, id).await?.into_iter().collect(),
            None => Vec::new(),
        };
        Ok(InstanceProfile {
            arn: self.arn(),
            instance_profile_id: self.instance_profile_id,
            instance_profile_name: self.instance_profile_name,
            path: self.path,
            created_at: from_millis(self.created_at),
            roles,
            tags,
        })
    }
}

/// `SELECT … FROM instance_profiles` followed by the rest of a query.
macro_rules! select_profiles {
    ($rest:literal) => {
        concat!(
            "SELECT instance_profile_id, account_id, instance_profile_name, path, created_at,
                    role_id
             FROM instance_profiles ",
            $rest
        )
    };
}

impl Store {
    pub async fn create_instance_profile(
        &self,
        account_id: &str,
        name: &str,
        path: &str,
        tags: &[Tag],
        now: OffsetDateTime,
    ) -> Result<InstanceProfile, AwsError> {
        let mut w = self.begin().await?;
        let id = new_id(IdKind::InstanceProfile, account_id);
        sqlx::query(
            "INSERT INTO instance_profiles
                 (instance_profile_id, account_id, instance_profile_name, path, created_at)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(account_id)
        .bind(name)
        .bind(path)
        .bind(to_millis(now))
        .execute(&mut *w.tx)
        .await
        .map_err(|e| {
            unique_or(e, || {
                aws_error!(
                    EntityAlreadyExists,
                    "Instance Profile {name} already exists."
                )
            })
        })?;
        put_tags(&mut w.tx, Tagged::InstanceProfile, &id, tags).await?;
        let arn = arn::instance_profile(account_id, path, name);
        if !tags.is_empty() {
            w.record(resource_tags_change(&arn, tags));
        }
        let row = ProfileRow {
            instance_profile_id: id.clone(),
            account_id: account_id.to_owned(),
            instance_profile_name: name.to_owned(),
            path: path.to_owned(),
            created_at: to_millis(now),
            role_id: None,
        };
        w.record(row.record());
        w.commit().await?;
        Ok(InstanceProfile {
            arn,
            instance_profile_id: id,
            instance_profile_name: name.to_owned(),
            path: path.to_owned(),
            created_at: now,
            roles: Vec::new(),
            tags: tags.to_vec(),
        })
    }

    pub async fn instance_profile(
        &self,
        account_id: &str,
        name: &str,
    ) -> Result<InstanceProfile, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            return lagging::instance_profile(view, account_id, name);
        }
        let mut conn = self.read().await?;
        let row = profile_row(&mut conn, account_id, name).await?;
        let tags = tags_of(&mut conn, Tagged::InstanceProfile, &row.instance_profile_id).await?;
        row.into_profile(&mut conn, tags).await
    }

    /// The path of a profile, if it exists: what authorization needs for its ARN.
    pub async fn instance_profile_path(
        &self,
        account_id: &str,
        name: &str,
    ) -> Result<Option<String>, AwsError> {
        let path: Option<(String,)> = sqlx::query_as(
            "SELECT path FROM instance_profiles
             WHERE account_id = ? AND instance_profile_name = ?",
        )
        .bind(account_id)
        .bind(name)
        .fetch_optional(&mut *self.read().await?)
        .await?;
        Ok(path.map(|(p,)| p))
    }

    /// Profiles whose path starts with `path_prefix`, by name; `marker` is the name to
    /// start at.
    pub async fn list_instance_profiles(
        &self,
        account_id: &str,
        path_prefix: &str,
        marker: Option<&str>,
        max_items: usize,
    ) -> Result<Page<InstanceProfile>, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            let listing = Listing {
                account_id,
                path_prefix,
                marker,
                max_items,
            };
            return Ok(lagging::instance_profiles_page(view, &listing));
        }
        let mut conn = self.read().await?;
        let rows: Vec<ProfileRow> = sqlx::query_as(select_profiles!(
            "WHERE account_id = ?1 AND substr(path, 1, length(?2)) = ?2
               AND instance_profile_name >= ?3
             ORDER BY instance_profile_name LIMIT ?4"
        ))
        .bind(account_id)
        .bind(path_prefix)
        .bind(marker.unwrap_or(""))
        .bind(max_items as i64 + 1)
        .fetch_all(&mut *conn)
        .await?;
        page_of_profiles(&mut conn, rows, max_items).await
    }

    /// The profiles that hold a role (at most one each), by name.
    pub async fn instance_profiles_for_role(
        &self,
        account_id: &str,
        role_name: &str,
        marker: Option<&str>,
        max_items: usize,
    ) -> Result<Page<InstanceProfile>, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            return lagging::instance_profiles_for_role(
                view, account_id, role_name, marker, max_items,
            );
        }
        let mut conn = self.read().await?;
        let role_id = role_id(&mut conn, account_id, role_name).await?;
        let rows: Vec<ProfileRow> = sqlx::query_as(select_profiles!(
            "WHERE role_id = ?1 AND instance_profile_name >= ?2
             ORDER BY instance_profile_name LIMIT ?3"
        ))
        .bind(&role_id)
        .bind(marker.unwrap_or(""))
        .bind(max_items as i64 + 1)
        .fetch_all(&mut *conn)
        .await?;
        page_of_profiles(&mut conn, rows, max_items).await
    }

    /// Deletes a profile that holds no role any more, as IAM requires.
    pub async fn delete_instance_profile(
        &self,
        account_id: &str,
        name: &str,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = profile_row(&mut w.tx, account_id, name).await?;
        if row.role_id.is_some() {
            return Err(aws_error!(
                DeleteConflict,
                "Cannot delete entity, must remove roles from instance profile first."
            ));
        }
        sqlx::query("DELETE FROM instance_profiles WHERE instance_profile_id = ?")
            .bind(&row.instance_profile_id)
            .execute(&mut *w.tx)
            .await?;
        w.record(resource_tags_change(&row.arn(), &[]));
        w.record(Change::InstanceProfileRemoved {
            instance_profile_id: row.instance_profile_id,
        });
        w.commit().await
    }

    /// Puts a role into a profile, which can hold only one.
    pub async fn add_role_to_instance_profile(
        &self,
        account_id: &str,
        name: &str,
        role_name: &str,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = profile_row(&mut w.tx, account_id, name).await?;
        let role_id = role_id(&mut w.tx, account_id, role_name).await?;
        if row.role_id.is_some() {
            return Err(aws_error!(
                LimitExceeded,
                "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"
            ));
        }
        sqlx::query("UPDATE instance_profiles SET role_id = ? WHERE instance_profile_id = ?")
            .bind(&role_id)
            .bind(&row.instance_profile_id)
            .execute(&mut *w.tx)
            .await?;
        w.record(
            ProfileRow {
                role_id: Some(role_id),
                ..row
            }
            .record(),
        );
        w.commit().await
    }

    pub async fn remove_role_from_instance_profile(
        &self,
        account_id: &str,
        name: &str,
        role_name: &str,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = profile_row(&mut w.tx, account_id, name).await?;
        let role_id = role_id(&mut w.tx, account_id, role_name).await?;
        if row.role_id.as_deref() != Some(role_id.as_str()) {
            return Err(aws_error!(
                NoSuchEntity,
                "The role with name {role_name} cannot be found in instance profile {name}."
            ));
        }
        sqlx::query("UPDATE instance_profiles SET role_id = NULL WHERE instance_profile_id = ?")
            .bind(&row.instance_profile_id)
            .execute(&mut *w.tx)
            .await?;
        w.record(
            ProfileRow {
                role_id: None,
                ..row
            }
            .record(),
        );
        w.commit().await
    }

    pub async fn tag_instance_profile(
        &self,
        account_id: &str,
        name: &str,
        tags: &[Tag],
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = profile_row(&mut w.tx, account_id, name).await?;
        let tags = add_tags_within_quota(
            &mut w.tx,
            Tagged::InstanceProfile,
            &row.instance_profile_id,
            tags,
        )
        .await?;
        w.record(resource_tags_change(&row.arn(), &tags));
        w.commit().await
    }

    pub async fn untag_instance_profile(
        &self,
        account_id: &str,
        name: &str,
        keys: &[String],
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = profile_row(&mut w.tx, account_id, name).await?;
        remove_tags(
            &mut w.tx,
            Tagged::InstanceProfile,
            &row.instance_profile_id,
            keys,
        )
        .await?;
        let tags = tags_of(&mut w.tx, Tagged::InstanceProfile, &row.instance_profile_id).await?;
        w.record(resource_tags_change(&row.arn(), &tags));
        w.commit().await
    }

    pub(super) async fn instance_profile_changes(&self) -> Result<Vec<Change>, AwsError> {
        let rows: Vec<ProfileRow> = sqlx::query_as(select_profiles!(""))
            .fetch_all(&mut *self.read().await?)
            .await?;
        Ok(rows.iter().map(ProfileRow::record).collect())
    }

    pub(super) async fn instance_profile_tag_changes(&self) -> Result<Vec<Change>, AwsError> {
        let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
            "SELECT i.account_id, i.path, i.instance_profile_name, t.tag_key, t.tag_value
             FROM instance_profile_tags t JOIN instance_profiles i USING (instance_profile_id)
             ORDER BY t.rowid",
        )
        .fetch_all(&mut *self.read().await?)
        .await?;
        Ok(resource_tags_changes(
            rows.into_iter()
                .map(|(account, path, name, key, value)| {
                    (arn::instance_profile(&account, &path, &name), key, value)
                })
                .collect(),
        ))
    }
}

/// A page of profiles from `max_items + 1` rows, each with its role (tags are left out of
/// listings, as AWS does).
async fn page_of_profiles(
    conn: &mut SqliteConnection,
    mut rows: Vec<ProfileRow>,
    max_items: usize,
) -> Result<Page<InstanceProfile>, AwsError> {
    let marker =
        (rows.len() > max_items).then(|| rows.pop().expect("len > max").instance_profile_name);
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        items.push(row.into_profile(conn, Vec::new()).await?);
    }
    Ok(Page { items, marker })
}

async fn profile_row(
    conn: &mut SqliteConnection,
    account_id: &str,
    name: &str,
) -> Result<ProfileRow, AwsError> {
    sqlx::query_as(select_profiles!(
        "WHERE account_id = ? AND instance_profile_name = ?"
    ))
    .bind(account_id)
    .bind(name)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| no_such_profile(name))
}

pub(super) fn no_such_profile(name: &str) -> AwsError {
    aws_error!(NoSuchEntity, "Instance Profile {name} cannot be found.")
}

/// Every instance profile of the account that holds a role, with its role and tags, by
/// name.
pub(super) async fn account_role_profiles(
    conn: &mut SqliteConnection,
    account_id: &str,
) -> Result<Vec<InstanceProfile>, AwsError> {
    let rows: Vec<ProfileRow> = sqlx::query_as(select_profiles!(
        "WHERE account_id = ? AND role_id IS NOT NULL ORDER BY instance_profile_name"
    ))
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut tags = all_tags(conn, Tagged::InstanceProfile).await?;
    let mut profiles = Vec::with_capacity(rows.len());
    for row in rows {
        let tags = tags.remove(&row.instance_profile_id).unwrap_or_default();
        profiles.push(row.into_profile(conn, tags).await?);
    }
    Ok(profiles)
}

/// `DeleteRole`'s conflict when the role is still in an instance profile.
pub(super) async fn role_conflict(
    conn: &mut SqliteConnection,
    role_id: &str,
) -> Result<Option<AwsError>, AwsError> {
    let (profiles,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM instance_profiles WHERE role_id = ?")
            .bind(role_id)
            .fetch_one(&mut *conn)
            .await?;
    Ok((profiles > 0).then(|| {
        aws_error!(
            DeleteConflict,
            "Cannot delete entity, must remove roles from instance profile first."
        )
    }))
}
