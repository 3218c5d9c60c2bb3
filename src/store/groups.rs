//! IAM groups and their members.

use std::sync::Arc;

use sqlx::SqliteConnection;
use time::OffsetDateTime;

use super::{Page, Store, User, from_millis, lagging, to_millis, unique_or, users};
use crate::arn;
use crate::aws_error;
use crate::error::AwsError;
use crate::ids::{IdKind, new_id};
use crate::view::{Change, GroupRecord, Listing};

/// A user may belong to ten groups at most.
pub(crate) const GROUPS_PER_USER: i64 = 10;

#[derive(Debug, Clone)]
pub struct Group {
    pub group_id: String,
    pub group_name: String,
    pub path: String,
    pub arn: String,
    pub created_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct GroupRow {
    group_id: String,
    account_id: String,
    group_name: String,
    path: String,
    created_at: i64,
}

impl GroupRow {
    fn into_group(self) -> Group {
        Group {
            arn: arn::group(&self.account_id, &self.path, &self.group_name),
            group_id: self.group_id,
            group_name: self.group_name,
            path: self.path,
            created_at: from_millis(self.created_at),
        }
    }

    fn record(&self) -> Change {
        Change::GroupPut(Arc::new(GroupRecord {
            group_id: self.group_id.clone(),
            account_id: self.account_id.clone(),
            group_name: self.group_name.clone(),
            path: self.path.clone(),
            arn: arn::group(&self.account_id, &self.path, &self.group_name),
            created_at: from_millis(self.created_at),
        }))
    }
}

/// `SELECT … FROM groups` followed by the rest of a query (sqlx takes only static SQL).
macro_rules! select_groups {
    ($rest:literal) => {
        concat!(
            "SELECT g.group_id, g.account_id, g.group_name, g.path, g.created_at FROM groups g ",
            $rest
        )
    };
}

impl Store {
    pub async fn create_group(
        &self,
        account_id: &str,
        group_name: &str,
        path: &str,
        now: OffsetDateTime,
    ) -> Result<Group, AwsError> {
        let mut w = self.begin().await?;
        let row = GroupRow {
            group_id: new_id(IdKind::Group, account_id),
            account_id: account_id.to_owned(),
            group_name: group_name.to_owned(),
            path: path.to_owned(),
            created_at: to_millis(now),
        };
        sqlx::query(
            "INSERT INTO groups (group_id, account_id, group_name, path, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&row.group_id)
        .bind(account_id)
        .bind(group_name)
        .bind(path)
        .bind(row.created_at)
        .execute(&mut *w.tx)
        .await
        .map_err(|e| unique_or(e, || {
                aws_error!(EntityAlreadyExists, "Group with name {group_name} already exists.")
            }))?;
        w.record(row.record());
        w.commit().await?;
        Ok(row.into_group())
    }

    /// A group and a page of its members, by name; `marker` is the user name to start at.
    pub async fn group(
        &self,
        account_id: &str,
        group_name: &str,
        marker: Option<&str>,
        max_items: usize,
    ) -> Result<(Group, Page<User>), AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            return lagging::group(view, account_id, group_name, marker, max_items);
        }
        let mut conn = self.read().await?;
        let row = group_row(&mut conn, account_id, group_name).await?;
        // In memory there is one connection: the members are read on the one held.
        let members = users::group_members(&mut conn, &row.group_id, marker, max_items).await?;
        Ok((row.into_group(), members))
    }

    /// Groups whose path starts with `path_prefix`, by name; `marker` is the name to start at.
    pub async fn list_groups(
        &self,
        account_id: &str,
        path_prefix: &str,
        marker: Option<&str>,
        max_items: usize,
    ) -> Result<Page<Group>, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            let listing = Listing {
                account_id,
                path_prefix,
                marker,
                max_items,
            };
            return Ok(lagging::groups_page(view, &listing));
        }
        let rows: Vec<GroupRow> = sqlx::query_as(select_groups!(
            "WHERE g.account_id = ?1 AND substr(g.path, 1, length(?2)) = ?2 AND g.group_name >= ?3
             ORDER BY g.group_name LIMIT ?4"
        ))
        .bind(account_id)
        .bind(path_prefix)
        .bind(marker.unwrap_or(""))
        .bind(max_items as i64 + 1)
        .fetch_all(&mut *self.read().await?)
        .await?;
        Ok(page_of_groups(rows, max_items))
    }

    /// The groups a user belongs to, by name.
    pub async fn groups_for_user(
        &self,
        account_id: &str,
        user_name: &str,
        marker: Option<&str>,
        max_items: usize,
    ) -> Result<Page<Group>, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            return lagging::groups_for_user(view, account_id, user_name, marker, max_items);
        }
        let mut conn = self.read().await?;
        let user_id = users::user_id(&mut conn, &self.user_names, account_id, user_name).await?;
        let rows: Vec<GroupRow> = sqlx::query_as(select_groups!(
            "JOIN group_members m ON m.group_id = g.group_id
             WHERE m.user_id = ?1 AND g.group_name >= ?2
             ORDER BY g.group_name LIMIT ?3"
        ))
        .bind(&user_id)
        .bind(marker.unwrap_or(""))
        .bind(max_items as i64 + 1)
        .fetch_all(&mut *conn)
        .await?;
        Ok(page_of_groups(rows, max_items))
    }

    pub async fn update_group(
        &self,
        account_id: &str,
        group_name: &str,
        new_name: Option<&str>,
        new_path: Option<&str>,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = group_row(&mut w.tx, account_id, group_name).await?;
        let row = GroupRow {
            group_name: new_name.unwrap_or(&row.group_name).to_owned(),
            path: new_path.unwrap_or(&row.path).to_owned(),
            ..row
        };
        sqlx::query("UPDATE groups SET group_name = ?, path = ? WHERE group_id = ?")
            .bind(&row.group_name)
            .bind(&row.path)
            .bind(&row.group_id)
            .execute(&mut *w.tx)
            .await
            .map_err(|e| {
                unique_or(e, || {
                    aws_error!(
                        EntityAlreadyExists,
                        "Group with name {} already exists.",
                        row.group_name
                    )
                })
            })?;
        w.record(row.record());
        w.commit().await
    }

    /// Deletes a group that has no members and no policies left, as IAM requires.
    pub async fn delete_group(&self, account_id: &str, group_name: &str) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = group_row(&mut w.tx, account_id, group_name).await?;
        let (members,): (i64,) =
            sqlx::query_as("SELECT count(*) FROM group_members WHERE group_id = ?")
                .bind(&row.group_id)
                .fetch_one(&mut *w.tx)
                .await?;
        if members > 0 {
            return Err(aws_error!(
                DeleteConflict,
                "Cannot delete entity, must remove users from group first."
            ));
        }
        if let Some(conflict) =
            super::identity_policies::policy_conflict(&mut w.tx, &row.group_id).await?
        {
            return Err(conflict);
        }
        sqlx::query("DELETE FROM groups WHERE group_id = ?")
            .bind(&row.group_id)
            .execute(&mut *w.tx)
            .await?;
        w.record(Change::GroupRemoved {
            group_id: row.group_id,
        });
        w.commit().await
    }

    /// Adds a user to a group (a no-op when it is a member already), or removes it.
    pub async fn set_membership(
        &self,
        account_id: &str,
        group_name: &str,
        user_name: &str,
        member: bool,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let group = group_row(&mut w.tx, account_id, group_name).await?;
        let user_id = users::user_id(&mut w.tx, &self.user_names, account_id, user_name).await?;
        if member {
            let (count,): (i64,) = sqlx::query_as(
                "SELECT count(*) FROM group_members WHERE user_id = ? AND group_id <> ?",
            )
            .bind(&user_id)
            .bind(&group.group_id)
            .fetch_one(&mut *w.tx)
            .await?;
            if count >= GROUPS_PER_USER {
                return Err(aws_error!(
                    LimitExceeded,
                    "Cannot exceed quota for GroupsPerUser: {GROUPS_PER_USER}"
                ));
            }
            sqlx::query("INSERT INTO group_members (group_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING")
                .bind(&group.group_id)
                .bind(&user_id)
                .execute(&mut *w.tx)
                .await?;
        } else {
            let removed =
                sqlx::query("DELETE FROM group_members WHERE group_id = ? AND user_id = ?")
                    .bind(&group.group_id)
                    .bind(&user_id)
                    .execute(&mut *w.tx)
                    .await?
                    .rows_affected();
            if removed == 0 {
                return Err(aws_error!(
                    NoSuchEntity,
                    "The user with name {user_name} cannot be found in group {group_name}."
                ));
            }
        }
        w.record(Change::GroupMembership {
            group_id: group.group_id,
            user_id,
            member,
        });
        w.commit().await
    }

    pub(super) async fn group_changes(&self) -> Result<Vec<Change>, AwsError> {
        let rows: Vec<GroupRow> = sqlx::query_as(select_groups!(""))
            .fetch_all(&mut *self.read().await?)
            .await?;
        let members: Vec<(String, String)> =
            sqlx::query_as("SELECT group_id, user_id FROM group_members ORDER BY rowid")
                .fetch_all(&mut *self.read().await?)
                .await?;
        let groups = rows.iter().map(GroupRow::record);
        let members = members
            .into_iter()
            .map(|(group_id, user_id)| Change::GroupMembership {
                group_id,
                user_id,
                member: true,
            });
        Ok(groups.chain(members).collect())
    }
}

fn page_of_groups(mut rows: Vec<GroupRow>, max_items: usize) -> Page<Group> {
    let marker = (rows.len() > max_items).then(|| rows.pop().expect("len > max").group_name);
    Page {
        items: rows.into_iter().map(GroupRow::into_group).collect(),
        marker,
    }
}

async fn group_row(
    conn: &mut SqliteConnection,
    account_id: &str,
    group_name: &str,
) -> Result<GroupRow, AwsError> {
    sqlx::query_as(select_groups!(
        "WHERE g.account_id = ? AND g.group_name = ?"
    ))
    .bind(account_id)
    .bind(group_name)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| no_such_group(group_name))
}

pub(super) fn no_such_group(group_name: &str) -> AwsError {
    aws_error!(
        NoSuchEntity,
        "The group with name {group_name} cannot be found."
    )
}

/// Every group of the account, by name.
pub(super) async fn account_groups(
    conn: &mut SqliteConnection,
    account_id: &str,
) -> Result<Vec<Group>, AwsError> {
    let rows: Vec<GroupRow> = sqlx::query_as(select_groups!(
        "WHERE g.account_id = ? ORDER BY g.group_name"
    ))
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(GroupRow::into_group).collect())
}

/// The id of a group, for other families that hang off groups.
pub(super) async fn group_id(
    conn: &mut SqliteConnection,
    account_id: &str,
    group_name: &str,
) -> Result<String, AwsError> {
    Ok(group_row(conn, account_id, group_name).await?.group_id)
}

/// Why a user still cannot be deleted, if its group memberships are the reason.
pub(super) async fn membership_conflict(
    conn: &mut SqliteConnection,
    user_id: &str,
) -> Result<Option<AwsError>, AwsError> {
    let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM group_members WHERE user_id = ?")
        .bind(user_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok((count > 0).then(|| {
        aws_error!(
            DeleteConflict,
            "Cannot delete entity, must remove user from all groups first."
        )
    }))
}
