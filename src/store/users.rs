//! IAM users and their tags.

use std::sync::Arc;

use sqlx::SqliteConnection;
use time::OffsetDateTime;

use super::batch::Staged;
use super::deferred_rows::{Cell, RowsInsert};
use super::tags::{Tag, Tagged, all_tags, put_tags, remove_tags, tags_of};
use super::user_names::UserNames;
use super::{Page, Store, from_millis, to_millis};
use crate::arn;
use crate::aws_error;
use crate::consistency::ChangeKind;
use crate::error::AwsError;
use crate::ids::{IdKind, new_id};
use crate::view::{Change, Listing, UserRecord};

#[derive(Debug, Clone)]
pub struct User {
    pub user_id: String,
    pub account_id: String,
    pub user_name: String,
    pub path: String,
    pub arn: String,
    pub created_at: OffsetDateTime,
    /// The ARN of the managed policy that bounds the user's permissions.
    pub permissions_boundary: Option<String>,
    pub tags: Vec<Tag>,
}

/// What a new user is made of.
pub struct NewUser<'a> {
    pub user_name: &'a str,
    pub path: &'a str,
    pub permissions_boundary: Option<&'a str>,
    pub tags: &'a [Tag],
}

#[derive(sqlx::FromRow)]
struct UserRow {
    user_id: String,
    account_id: String,
    user_name: String,
    path: String,
    created_at: i64,
    permissions_boundary: Option<String>,
}

impl UserRow {
    fn into_user(self, tags: Vec<Tag>) -> User {
        User {
            arn: arn::user(&self.account_id, &self.path, &self.user_name),
            user_id: self.user_id,
            account_id: self.account_id,
            user_name: self.user_name,
            path: self.path,
            created_at: from_millis(self.created_at),
            permissions_boundary: self.permissions_boundary,
            tags,
        }
    }
}

impl User {
    fn record(&self) -> Change {
        self.clone().into_record()
    }

    fn into_record(self) -> Change {
        Change::UserPut(Arc::new(self.into_user_record()))
    }

    fn into_user_record(self) -> UserRecord {
        UserRecord {
            user_id: self.user_id,
            account_id: crate::view::account_id(&self.account_id),
            user_name: self.user_name,
            path: crate::view::path(&self.path),
            arn: self.arn,
            created_at: self.created_at,
            permissions_boundary: self.permissions_boundary,
            tags: self.tags.into_iter().map(|t| (t.key, t.value)).collect(),
        }
    }
}

impl From<&UserRecord> for User {
    fn from(user: &UserRecord) -> User {
        User {
            user_id: user.user_id.clone(),
            account_id: user.account_id.to_string(),
            user_name: user.user_name.clone(),
            path: user.path.to_string(),
            arn: user.arn.clone(),
            created_at: user.created_at,
            permissions_boundary: user.permissions_boundary.clone(),
            tags: user
                .tags
                .iter()
                .map(|(key, value)| Tag {
                    key: key.clone(),
                    value: value.clone(),
                })
                .collect(),
        }
    }
}

/// `SELECT … FROM users` followed by the rest of a query (sqlx takes only static SQL).
macro_rules! select_users {
    ($rest:literal) => {
        concat!(
            "SELECT user_id, account_id, user_name, path, created_at, permissions_boundary
             FROM users ",
            $rest
        )
    };
}

fn user_name_taken(user_name: &str) -> AwsError {
    aws_error!(
        EntityAlreadyExists,
        "User with name {user_name} already exists."
    )
}

/// Gives a new user its name, or IAM's `EntityAlreadyExists` when a user has it (see
/// `user_names`).
fn take_name(w: &mut Staged, user: &Arc<UserRecord>) -> Result<(), AwsError> {
    if w.user_name_holder(&user.account_id, &user.user_name)
        .is_some()
    {
        return Err(user_name_taken(&user.user_name));
    }
    w.take_user_name(user.clone());
    Ok(())
}

/// New users without tags or boundary, written with the batch's other new users (see
/// `Staged::insert_later`).
static INSERT_USERS: RowsInsert = RowsInsert::new(
    "INTO users (user_id, account_id, user_name, path, created_at)",
    5,
);

impl Store {
    pub async fn create_user(
        &self,
        account_id: &str,
        new: NewUser<'_>,
        now: OffsetDateTime,
    ) -> Result<Arc<UserRecord>, AwsError> {
        let NewUser {
            user_name,
            path,
            permissions_boundary,
            tags,
        } = new;
        let user = Arc::new(UserRecord {
            user_id: new_id(IdKind::User, account_id),
            account_id: crate::view::account_id(account_id),
            user_name: user_name.to_owned(),
            path: crate::view::path(path),
            arn: arn::user(account_id, path, user_name),
            created_at: now,
            permissions_boundary: permissions_boundary.map(str::to_owned),
            tags: tags
                .iter()
                .map(|t| (t.key.clone(), t.value.clone()))
                .collect(),
        });
        if user.tags.is_empty() && user.permissions_boundary.is_none() {
            // One row and nothing else: inserted with the batch's other new users.
            return self
                .write(false, move |w| {
                    Box::pin(async move {
                        take_name(w, &user)?;
                        let row = vec![
                            Cell::from(&*user.user_id),
                            Cell::Text(user.account_id.clone()),
                            Cell::from(&*user.user_name),
                            Cell::Text(user.path.clone()),
                            Cell::from(to_millis(user.created_at)),
                        ];
                        w.insert_later(&INSERT_USERS, row, |row| user_name_taken(row[2].text()));
                        w.record(Change::UserPut(user.clone()));
                        Ok(user)
                    })
                })
                .await;
        }
        let tags = tags.to_vec();
        // Tags are written after the user: undoing a failure among them takes a savepoint.
        self.write(true, move |w| {
            Box::pin(async move {
                take_name(w, &user)?;
                let tx = w.tx().await?;
                if let Some(arn) = &user.permissions_boundary {
                    super::policies::check_attachable(tx, &user.account_id, arn).await?;
                }
                sqlx::query(
                    "INSERT INTO users (user_id, account_id, user_name, path, created_at, permissions_boundary)
                     VALUES (?, ?, ?, ?, ?, ?)",
                )
                .bind(&user.user_id)
                .bind(&*user.account_id)
                .bind(&user.user_name)
                .bind(&*user.path)
                .bind(to_millis(now))
                .bind(&user.permissions_boundary)
                .execute(&mut *tx)
                .await?;
                put_tags(tx, Tagged::User, &user.user_id, &tags).await?;
                w.record(Change::UserPut(user.clone()));
                Ok(user)
            })
        })
        .await
    }

    /// The user, from the data plane when it is exact or reads lag (see
    /// [`Propagation::read_view`]).
    ///
    /// [`Propagation::read_view`]: crate::consistency::Propagation::read_view
    pub async fn user(&self, account_id: &str, user_name: &str) -> Result<User, AwsError> {
        Ok(User::from(&*self.user_record(account_id, user_name).await?))
    }

    /// [`Store::user`] as the data plane keeps it: from the view it is shared, not copied.
    pub async fn user_record(
        &self,
        account_id: &str,
        user_name: &str,
    ) -> Result<Arc<UserRecord>, AwsError> {
        if let Some(view) = self.propagation.read_view() {
            let user = view.user_by_name(account_id, user_name);
            return user.ok_or_else(|| AwsError::no_such_user(user_name));
        }
        let mut conn = self.read().await?;
        let row = user_row(&mut conn, &self.user_names, account_id, user_name).await?;
        let tags = tags_of(&mut conn, Tagged::User, &row.user_id).await?;
        Ok(Arc::new(row.into_user(tags).into_user_record()))
    }

    /// Users whose path starts with `path_prefix`, by name; `marker` is the name to start at.
    /// Records, as the view holds them (a listing shows no tags): from the view they are
    /// shared, not copied.
    pub async fn list_users(
        &self,
        account_id: &str,
        path_prefix: &str,
        marker: Option<&str>,
        max_items: usize,
    ) -> Result<Page<Arc<UserRecord>>, AwsError> {
        if let Some(view) = self.propagation.read_view() {
            let listing = Listing {
                account_id,
                path_prefix,
                marker,
                max_items,
            };
            let (items, marker) = view.users_page(&listing);
            return Ok(Page { items, marker });
        }
        // The names in memory hold the committed users (SQLite has no index by name).
        let (items, marker) = self
            .user_names
            .page(account_id, path_prefix, marker, max_items);
        Ok(Page { items, marker })
    }

    /// Renames and/or moves a user.
    pub async fn update_user(
        &self,
        account_id: &str,
        user_name: &str,
        new_name: Option<&str>,
        new_path: Option<&str>,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = user_row(&mut w.tx, &self.user_names, account_id, user_name).await?;
        let name = new_name.unwrap_or(&row.user_name).to_owned();
        let path = new_path.unwrap_or(&row.path).to_owned();
        if w.user_name_holder(account_id, &name)
            .is_some_and(|holder| holder != row.user_id)
        {
            return Err(user_name_taken(&name));
        }
        sqlx::query("UPDATE users SET user_name = ?, path = ? WHERE user_id = ?")
            .bind(&name)
            .bind(&path)
            .bind(&row.user_id)
            .execute(&mut *w.tx)
            .await?;
        let tags = tags_of(&mut w.tx, Tagged::User, &row.user_id).await?;
        w.free_user_name(account_id, &row.user_name);
        let user = UserRow {
            user_name: name,
            path,
            ..row
        }
        .into_user(tags);
        let user = Arc::new(user.into_user_record());
        w.take_user_name(user.clone());
        w.record(Change::UserPut(user));
        w.commit().await
    }

    /// Deletes a user that owns nothing any more, as IAM requires.
    pub async fn delete_user(&self, account_id: &str, user_name: &str) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = user_row(&mut w.tx, &self.user_names, account_id, user_name).await?;
        let (keys,): (i64,) = sqlx::query_as("SELECT count(*) FROM access_keys WHERE user_id = ?")
            .bind(&row.user_id)
            .fetch_one(&mut *w.tx)
            .await?;
        if keys > 0 {
            return Err(aws_error!(
                DeleteConflict,
                "Cannot delete entity, must delete access keys first."
            ));
        }
        if let Some(conflict) =
            super::identity_policies::policy_conflict(&mut w.tx, &row.user_id).await?
        {
            return Err(conflict);
        }
        if let Some(conflict) = super::groups::membership_conflict(&mut w.tx, &row.user_id).await? {
            return Err(conflict);
        }
        if let Some(conflict) =
            super::login_profiles::login_profile_conflict(&mut w.tx, &row.user_id).await?
        {
            return Err(conflict);
        }
        if let Some(conflict) =
            super::signing_certificates::signing_certificate_conflict(&mut w.tx, &row.user_id)
                .await?
        {
            return Err(conflict);
        }
        if let Some(conflict) =
            super::ssh_public_keys::ssh_public_key_conflict(&mut w.tx, &row.user_id).await?
        {
            return Err(conflict);
        }
        if let Some(conflict) =
            super::service_credentials::service_credential_conflict(&mut w.tx, &row.user_id).await?
        {
            return Err(conflict);
        }
        if let Some(conflict) =
            super::mfa_devices::mfa_device_conflict(&mut w.tx, &row.user_id).await?
        {
            return Err(conflict);
        }
        sqlx::query("DELETE FROM users WHERE user_id = ?")
            .bind(&row.user_id)
            .execute(&mut *w.tx)
            .await?;
        w.free_user_name(account_id, &row.user_name);
        w.record(Change::UserRemoved {
            user_id: row.user_id,
        });
        w.commit().await
    }

    /// Adds tags, replacing the values of keys already present (keys compare without case).
    pub async fn tag_user(
        &self,
        account_id: &str,
        user_name: &str,
        tags: &[Tag],
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = user_row(&mut w.tx, &self.user_names, account_id, user_name).await?;
        put_tags(&mut w.tx, Tagged::User, &row.user_id, tags).await?;
        let tags = tags_of(&mut w.tx, Tagged::User, &row.user_id).await?;
        if tags.len() > crate::iam::shapes::MAX_TAGS {
            return Err(aws_error!(
                LimitExceeded,
                "The number of tags has reached the maximum limit."
            ));
        }
        w.record_as(ChangeKind::Tags, row.into_user(tags).record());
        w.commit().await
    }

    /// Sets (or, with `None`, removes) the user's permissions boundary, which must be a
    /// managed policy of the account.
    pub async fn set_user_boundary(
        &self,
        account_id: &str,
        user_name: &str,
        boundary: Option<&str>,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = user_row(&mut w.tx, &self.user_names, account_id, user_name).await?;
        if let Some(arn) = boundary {
            super::policies::check_attachable(&mut w.tx, account_id, arn).await?;
        }
        sqlx::query("UPDATE users SET permissions_boundary = ? WHERE user_id = ?")
            .bind(boundary)
            .bind(&row.user_id)
            .execute(&mut *w.tx)
            .await?;
        let tags = tags_of(&mut w.tx, Tagged::User, &row.user_id).await?;
        let user = UserRow {
            permissions_boundary: boundary.map(str::to_owned),
            ..row
        }
        .into_user(tags);
        w.record_as(ChangeKind::Policies, user.record());
        w.commit().await
    }

    pub async fn untag_user(
        &self,
        account_id: &str,
        user_name: &str,
        keys: &[String],
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = user_row(&mut w.tx, &self.user_names, account_id, user_name).await?;
        remove_tags(&mut w.tx, Tagged::User, &row.user_id, keys).await?;
        let tags = tags_of(&mut w.tx, Tagged::User, &row.user_id).await?;
        w.record_as(ChangeKind::Tags, row.into_user(tags).record());
        w.commit().await
    }

    /// Every stored user as a change for the view; the names in memory are made anew from
    /// the same rows (see `user_names`).
    pub(super) async fn user_changes(&self) -> Result<Vec<Change>, AwsError> {
        let mut conn = self.read().await?;
        let rows: Vec<UserRow> = sqlx::query_as(select_users!(""))
            .fetch_all(&mut *conn)
            .await?;
        let mut tags = all_tags(&mut conn, Tagged::User).await?;
        let users: Vec<_> = rows
            .into_iter()
            .map(|row| {
                let tags = tags.remove(&row.user_id).unwrap_or_default();
                Arc::new(row.into_user(tags).into_user_record())
            })
            .collect();
        self.user_names.replace(users.iter().cloned());
        Ok(users.into_iter().map(Change::UserPut).collect())
    }
}

/// The user's row, or IAM's `NoSuchEntity`. Found by id (see `user_names`); the name is
/// checked again in case the row was renamed after `names` was read (by a reader on a file).
async fn user_row(
    conn: &mut SqliteConnection,
    names: &UserNames,
    account_id: &str,
    user_name: &str,
) -> Result<UserRow, AwsError> {
    let no_such_user = || AwsError::no_such_user(user_name);
    let user_id = names
        .holder(account_id, user_name)
        .ok_or_else(no_such_user)?;
    sqlx::query_as(select_users!("WHERE user_id = ? AND user_name = ?"))
        .bind(user_id)
        .bind(user_name)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(no_such_user)
}

/// Every user of the account with its tags, by name.
pub(super) async fn account_users(
    conn: &mut SqliteConnection,
    account_id: &str,
) -> Result<Vec<User>, AwsError> {
    let rows: Vec<UserRow> =
        sqlx::query_as(select_users!("WHERE account_id = ? ORDER BY user_name"))
            .bind(account_id)
            .fetch_all(&mut *conn)
            .await?;
    let mut tags = all_tags(conn, Tagged::User).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let tags = tags.remove(&row.user_id).unwrap_or_default();
            row.into_user(tags)
        })
        .collect())
}
/// A user by unique id (without tags), for other families that hang off users.
pub(super) async fn user_by_id(
    conn: &mut SqliteConnection,
    user_id: &str,
) -> Result<Option<User>, AwsError> {
    let row: Option<UserRow> = sqlx::query_as(select_users!("WHERE user_id = ?"))
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.into_user(Vec::new())))
}

/// The id of a user, for other families that hang off users.
pub(super) async fn user_id(
    conn: &mut SqliteConnection,
    names: &UserNames,
    account_id: &str,
    user_name: &str,
) -> Result<String, AwsError> {
    Ok(user_row(conn, names, account_id, user_name).await?.user_id)
}

/// A page of a group's members, by name; `marker` is the name to start at.
pub(super) async fn group_members(
    conn: &mut SqliteConnection,
    group_id: &str,
    marker: Option<&str>,
    max_items: usize,
) -> Result<Page<User>, AwsError> {
    let mut rows: Vec<UserRow> = sqlx::query_as(
        "SELECT u.user_id, u.account_id, u.user_name, u.path, u.created_at, u.permissions_boundary
         FROM users u JOIN group_members m ON m.user_id = u.user_id
         WHERE m.group_id = ?1 AND u.user_name >= ?2
         ORDER BY u.user_name LIMIT ?3",
    )
    .bind(group_id)
    .bind(marker.unwrap_or(""))
    .bind(max_items as i64 + 1)
    .fetch_all(&mut *conn)
    .await?;
    let marker = (rows.len() > max_items).then(|| rows.pop().expect("len > max").user_name);
    Ok(Page {
        items: rows.into_iter().map(|r| r.into_user(Vec::new())).collect(),
        marker,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::error::ErrorCode;

    const ACCOUNT: &str = "123456789012";

    /// A database file made before migration 0025 keeps its users through it, with what
    /// hangs off them (their foreign keys did not cascade), and their names stay taken.
    #[tokio::test]
    async fn users_stored_before_the_name_index_went_survive_its_migration() {
        let dir = std::env::temp_dir().join(format!("iamlocal-0025-{}", std::process::id()));
        let old = crate::store::database_before(&dir, "0025").await;
        for statement in [
            "INSERT INTO accounts (account_id, created_at) VALUES ('123456789012', 0)",
            "INSERT INTO users (user_id, account_id, user_name, path, created_at)
             VALUES ('AIDAOLD', '123456789012', 'Alice', '/', 0)",
            "INSERT INTO user_tags (user_id, tag_key, tag_value) VALUES ('AIDAOLD', 'team', 'core')",
        ] {
            sqlx::query(statement).execute(&old).await.unwrap();
        }
        old.close().await;

        let view = Arc::new(crate::view::View::new());
        let clock = Arc::new(crate::clock::Clock::new());
        let model = crate::consistency::DelayModel::default();
        let propagation = Arc::new(crate::consistency::Propagation::new(
            view.clone(),
            clock,
            model,
        ));
        let store = Store::open(Some(&dir.join("state.db")), propagation)
            .await
            .unwrap();
        view.apply(store.snapshot().await.unwrap());
        let indexes: Vec<(String,)> = sqlx::query_as("SELECT name FROM pragma_index_list('users')")
            .fetch_all(&mut *store.read().await.unwrap())
            .await
            .unwrap();
        let (foreign_keys,): (bool,) = sqlx::query_as("PRAGMA foreign_keys")
            .fetch_one(&mut *store.read().await.unwrap())
            .await
            .unwrap();
        let kept = store.user(ACCOUNT, "ALICE").await;
        // Found through the names in memory, then by id.
        let found = store.set_user_boundary(ACCOUNT, "alice", None).await;
        let taken = store
            .create_user(ACCOUNT, new_user("alice"), OffsetDateTime::now_utc())
            .await;
        store.close().await;
        std::fs::remove_dir_all(&dir).unwrap();

        assert_eq!(indexes.len(), 1, "the primary key's alone: {indexes:?}");
        assert!(foreign_keys, "foreign keys are on again");
        let kept = kept.unwrap();
        assert_eq!(kept.user_id, "AIDAOLD");
        assert_eq!(kept.tags.len(), 1);
        found.unwrap();
        assert_eq!(taken.unwrap_err().code, ErrorCode::EntityAlreadyExists);
    }

    /// Renaming and deleting free a name; a look-up by an old name finds nothing.
    #[tokio::test]
    async fn a_renamed_or_deleted_users_name_is_free_again() {
        let store = crate::store::test_store(ACCOUNT).await;
        let now = OffsetDateTime::now_utc();
        let alice = store
            .create_user(ACCOUNT, new_user("alice"), now)
            .await
            .unwrap();
        store
            .create_user(ACCOUNT, new_user("carol"), now)
            .await
            .unwrap();

        let onto_carol = store
            .update_user(ACCOUNT, "alice", Some("CAROL"), None)
            .await;
        assert_eq!(onto_carol.unwrap_err().code, ErrorCode::EntityAlreadyExists);
        store
            .update_user(ACCOUNT, "alice", Some("bob"), None)
            .await
            .unwrap();
        // A change of case alone keeps the name.
        store
            .update_user(ACCOUNT, "BOB", Some("Bob"), None)
            .await
            .unwrap();
        let no_alice = store.set_user_boundary(ACCOUNT, "alice", None).await;
        assert_eq!(no_alice.unwrap_err().code, ErrorCode::NoSuchEntity);
        store.set_user_boundary(ACCOUNT, "bob", None).await.unwrap();
        let again = store
            .create_user(ACCOUNT, new_user("alice"), now)
            .await
            .unwrap();
        assert_ne!(again.user_id, alice.user_id);

        store.delete_user(ACCOUNT, "Bob").await.unwrap();
        let gone = store.set_user_boundary(ACCOUNT, "bob", None).await;
        assert_eq!(gone.unwrap_err().code, ErrorCode::NoSuchEntity);
        store
            .create_user(ACCOUNT, new_user("bob"), now)
            .await
            .unwrap();
        let taken = store.create_user(ACCOUNT, new_user("BOB"), now).await;
        assert_eq!(taken.unwrap_err().code, ErrorCode::EntityAlreadyExists);
    }

    fn new_user(user_name: &str) -> NewUser<'_> {
        NewUser {
            user_name,
            path: "/",
            permissions_boundary: None,
            tags: &[],
        }
    }
}
