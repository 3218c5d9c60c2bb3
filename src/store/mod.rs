//! The control plane: SQLite through sqlx, the source of truth for every IAM entity.
//! All SQL lives under this module and nowhere else.
//!
//! Writes go through [`Store::begin`]: one transaction, serialised by a lock, whose
//! [`Change`]s are published to the data plane after the commit and before the lock is
//! released, so the view sees changes in commit order. The busiest writes go through
//! [`Store::write`] instead, which commits concurrent writes together (`batch`), under the
//! same lock.

mod access_keys;
mod account_settings;
mod accounts;
mod authorization_details;
mod batch;
mod connections;
mod credential_reports;
mod deferred_rows;
mod direct;
mod groups;
mod identity_policies;
mod instance_profiles;
mod lagging;
mod login_profiles;
mod mfa_devices;
mod oidc_providers;
mod policies;
mod reset;
mod roles;
mod saml_providers;
mod server_certificates;
mod service_accesses;
mod service_credentials;
mod service_linked_roles;
mod sessions;
mod signing_certificates;
mod ssh_public_keys;
mod state;
mod tags;
mod user_names;
mod users;

use std::path::Path;
use std::sync::Arc;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, SqliteConnection};
use time::OffsetDateTime;
use tokio::sync::{Mutex, MutexGuard};

pub use access_keys::{AccessKey, KeyUse};
pub use account_settings::{AccountCounts, PasswordPolicy, no_password_policy};
pub use authorization_details::{
    AuthorizationDetails, DetailKinds, GroupDetail, OwnerPolicies, PolicyDetail, RoleDetail,
    UserDetail,
};
pub use credential_reports::{CredentialReport, CredentialRow, KeyColumns};
pub use groups::Group;
pub use identity_policies::Owner;
pub use instance_profiles::InstanceProfile;
pub use login_profiles::LoginProfile;
pub use mfa_devices::{Assignment, MfaDevice, VirtualMfaDevice};
pub use oidc_providers::{MAX_CLIENT_IDS, OidcProvider, OidcProviderLists};
pub use policies::{ManagedPolicy, NewPolicy, PolicyEntity, PolicyUsage, PolicyVersion};
pub use roles::{NewRole, Role, is_service_linked};
pub use saml_providers::{
    MAX_PRIVATE_KEYS, PrivateKeyChange, SamlPrivateKey, SamlProvider, SamlProviderDocument,
};
pub use server_certificates::{NewServerCertificate, ServerCertificate};
pub use service_credentials::{NewServiceCredential, ServiceCredential};
pub use service_linked_roles::{DeletionTask, NewServiceLinkedRole};
pub use sessions::NewSession;
pub use signing_certificates::SigningCertificate;
pub use ssh_public_keys::SshPublicKey;
pub use tags::Tag;
pub use users::{NewUser, User};

/// IAM's quotas, for checks made outside a write (a state document's).
pub(crate) use access_keys::KEYS_PER_USER;
pub(crate) use groups::GROUPS_PER_USER;
pub(crate) use identity_policies::ATTACHED_PER_OWNER;
pub(crate) use mfa_devices::DEVICES_PER_USER;
pub(crate) use policies::MAX_VERSIONS;
pub(crate) use server_certificates::SERVER_CERTIFICATES_PER_ACCOUNT;
pub(crate) use service_credentials::CREDENTIALS_PER_USER_PER_SERVICE;
pub(crate) use signing_certificates::SIGNING_CERTIFICATES_PER_USER;
pub(crate) use ssh_public_keys::SSH_KEYS_PER_USER;

use crate::consistency::{ChangeKind, Propagation};
use crate::error::AwsError;
use crate::view::Change;

pub struct Store {
    /// The one connection that writes. In memory it is also the one that reads: an in-memory
    /// database lives and dies with its connection.
    writer: connections::SharedWriter,
    readers: connections::Readers,
    /// Taken before the writer for a write, so that a writer can let go of the connection
    /// (for reads) and still keep others from writing.
    write_lock: Arc<Mutex<()>>,
    /// Writes waiting to be committed together (see [`batch`]).
    queue: batch::Queue,
    propagation: Arc<Propagation>,
    /// The key ids of the stored sessions (see [`sessions::KeyIds`]).
    session_key_ids: Arc<sessions::KeyIds>,
    /// Which user holds each name (see [`user_names`]).
    user_names: Arc<user_names::UserNames>,
}

/// A page of a listing: the items and, when more remain, the marker to continue from.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub marker: Option<String>,
}

impl Store {
    /// Opens (or creates) the database and applies the embedded migrations.
    pub async fn open(
        path: Option<&Path>,
        propagation: Arc<Propagation>,
    ) -> Result<Store, sqlx::Error> {
        let (mut writer, readers) = match path {
            None => {
                // SQLite's `memdb` VFS rather than `:memory:`: a `:memory:` database keeps
                // every page in the page cache, and a commit after an index page split walks
                // that whole cache (see BENCHMARKS.md), so writes slowed as the database grew.
                // memdb keeps the pages in its own buffer under a bounded cache. A name
                // without a leading `/` is private to the connection. Its journal cannot be a
                // file of memdb's, so it is kept in memory.
                let options = SqliteConnectOptions::new()
                    .filename("iamlocal")
                    .vfs("memdb")
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Memory)
                    .foreign_keys(true);
                (options.connect().await?, connections::Readers::Writer)
            }
            Some(path) => {
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .foreign_keys(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    // With WAL, NORMAL survives a killed process; only power loss can lose
                    // the last commits.
                    .synchronous(SqliteSynchronous::Normal)
                    // A checkpoint (the WAL copied into the database) runs in the commit that
                    // crosses this many WAL pages. Each batch appends the pages it changed, a
                    // busy one (an index's last page) again and again, which a checkpoint
                    // copies once: fewer, bigger checkpoints copy less. 4,000 pages is 16 MiB.
                    .pragma("wal_autocheckpoint", "4000")
                    // Statement journals (undoing one statement of a transaction) in memory,
                    // not in a temporary file each.
                    .pragma("temp_store", "memory")
                    .busy_timeout(std::time::Duration::from_secs(10));
                let writer = options.connect().await?;
                let readers = SqlitePoolOptions::new()
                    .max_connections(4)
                    // A local file does not go away between uses: no ping before each one.
                    .test_before_acquire(false)
                    .connect_with(options.read_only(true))
                    .await?;
                (writer, connections::Readers::Pool(readers))
            }
        };
        match path {
            None => create_schema(&mut writer).await?,
            Some(_) => MIGRATIONS.run(&mut writer).await?,
        }
        Ok(Store {
            writer: connections::shared(writer, path.is_none()),
            readers,
            write_lock: Arc::new(Mutex::new(())),
            queue: batch::Queue::default(),
            propagation,
            session_key_ids: Arc::default(),
            user_names: Arc::default(),
        })
    }

    /// Starts a write: the caller runs its statements on [`Write::tx`], records the
    /// resulting changes, and calls [`Write::commit`].
    pub(crate) async fn begin(&self) -> Result<Write<'_>, AwsError> {
        let lock = self.write_lock.lock().await;
        let mut tx = connections::lock(&self.writer).await?;
        tx.begin().await?;
        Ok(Write {
            tx,
            changes: Vec::new(),
            user_names: user_names::PendingNames::new(self.user_names.clone()),
            propagation: &self.propagation,
            _lock: lock,
        })
    }

    /// A connection to read with (in memory, the writing one: it waits while a write holds it).
    async fn read(&self) -> Result<connections::ReadConn<'_>, sqlx::Error> {
        Ok(match &self.readers {
            connections::Readers::Writer => {
                connections::ReadConn::Writer(connections::lock(&self.writer).await?)
            }
            connections::Readers::Pool(pool) => {
                connections::ReadConn::Pooled(pool.acquire().await?)
            }
        })
    }

    /// Every change needed to build the data plane from scratch.
    pub async fn snapshot(&self) -> Result<Vec<Change>, AwsError> {
        let mut changes = self.account_changes().await?;
        changes.extend(self.user_changes().await?);
        changes.extend(self.access_key_changes().await?);
        changes.extend(self.managed_policy_changes().await?);
        changes.extend(self.role_changes().await?);
        changes.extend(self.group_changes().await?);
        changes.extend(self.identity_policy_changes().await?);
        changes.extend(self.session_changes().await?);
        changes.extend(self.oidc_provider_changes().await?);
        changes.extend(self.saml_provider_changes().await?);
        changes.extend(self.policy_tag_changes().await?);
        changes.extend(self.oidc_provider_tag_changes().await?);
        changes.extend(self.saml_provider_tag_changes().await?);
        changes.extend(self.instance_profile_changes().await?);
        changes.extend(self.instance_profile_tag_changes().await?);
        changes.extend(self.server_certificate_tag_changes().await?);
        changes.extend(self.mfa_device_tag_changes().await?);
        changes.extend(self.login_profile_changes().await?);
        changes.extend(self.mfa_device_changes().await?);
        changes.extend(self.ssh_public_key_changes().await?);
        changes.extend(self.signing_certificate_changes().await?);
        changes.extend(self.service_credential_changes().await?);
        changes.extend(self.account_setting_changes().await?);
        Ok(changes)
    }

    /// The writing connection, for tests that write around the store.
    #[cfg(test)]
    pub(crate) async fn lock_writer(&self) -> connections::Borrowed<'_> {
        connections::lock(&self.writer).await.unwrap()
    }

    pub async fn close(&self) {
        connections::close(&self.writer).await;
        if let connections::Readers::Pool(pool) = &self.readers {
            pool.close().await;
        }
    }
}

/// The schema, as `migrations/` builds it step by step.
static MIGRATIONS: Migrator = sqlx::migrate!();

/// A new in-memory database gets its migrations in as few transactions and round trips to
/// the connection's thread as it can: sqlx's migrator takes five per migration (a fifth of
/// an in-memory start-up), to keep books that an in-memory database forgets at exit anyway.
async fn create_schema(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    let mut sql = String::new();
    for migration in MIGRATIONS.iter() {
        if !migration.migration_type.is_up_migration() {
            continue;
        }
        if migration.no_tx {
            // It runs its own transaction (see 0025): the ones before it are run first.
            run_in_transaction(conn, std::mem::take(&mut sql)).await?;
            sqlx::raw_sql(AssertSqlSafe(migration.sql.as_str()))
                .execute(&mut *conn)
                .await?;
            continue;
        }
        sql.push_str(migration.sql.as_str());
        // A newline first: a file may end in a comment.
        sql.push_str("\n;\n");
    }
    run_in_transaction(conn, sql).await
}

async fn run_in_transaction(conn: &mut SqliteConnection, sql: String) -> Result<(), sqlx::Error> {
    let mut tx = conn.begin().await?;
    sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *tx).await?;
    tx.commit().await
}

/// A write in progress: its transaction, on the writing connection (used as a
/// `SqliteConnection`), is rolled back if it is dropped before [`Write::commit`].
pub(crate) struct Write<'s> {
    pub tx: connections::Borrowed<'s>,
    changes: Vec<(Option<ChangeKind>, Change)>,
    /// The user names it takes and frees.
    user_names: user_names::PendingNames,
    propagation: &'s Propagation,
    _lock: MutexGuard<'s, ()>,
}

impl Write<'_> {
    pub fn record(&mut self, change: Change) {
        self.changes.push((change.kind(), change));
    }

    /// Records a change under a narrower kind than its variant's, for the delay model: a tag
    /// or trust-policy update reported as a whole new user or role record.
    pub fn record_as(&mut self, kind: ChangeKind, change: Change) {
        self.changes.push((Some(kind), change));
    }

    /// The id of the user with this name, this write's own changes included.
    pub fn user_name_holder(&self, account_id: &str, user_name: &str) -> Option<String> {
        self.user_names.holder(account_id, user_name)
    }

    /// Gives the user its name, once the write commits.
    pub fn take_user_name(&mut self, user: Arc<crate::view::UserRecord>) {
        self.user_names.take(0, user);
    }

    pub fn free_user_name(&mut self, account_id: &str, user_name: &str) {
        self.user_names.free(0, account_id, user_name);
    }

    pub async fn commit(mut self) -> Result<(), AwsError> {
        self.tx.commit().await?;
        // Before the connection is let go: in memory a read then sees the names and the
        // rows alike.
        self.user_names.committed();
        self.propagation.publish(self.changes);
        Ok(())
    }
}

pub(crate) fn to_millis(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

pub(crate) fn from_millis(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Is this a `UNIQUE` violation (a name already taken)?
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// A database error as the caller's error `taken` when it broke a `UNIQUE` constraint (a
/// name already in use), else as an internal one.
pub(crate) fn unique_or(e: sqlx::Error, taken: impl FnOnce() -> AwsError) -> AwsError {
    if is_unique_violation(&e) {
        taken()
    } else {
        e.into()
    }
}

/// An empty in-memory store with its account, for unit tests.
#[cfg(test)]
pub(crate) async fn test_store(account_id: &str) -> Store {
    open_test_store(None, account_id).await
}

/// [`test_store`] on a database file.
#[cfg(test)]
pub(crate) async fn test_store_at(path: &Path, account_id: &str) -> Store {
    open_test_store(Some(path), account_id).await
}

#[cfg(test)]
async fn open_test_store(path: Option<&Path>, account_id: &str) -> Store {
    use crate::clock::Clock;
    use crate::consistency::DelayModel;
    let view = Arc::new(crate::view::View::new());
    let clock = Arc::new(Clock::new());
    let propagation = Arc::new(Propagation::new(view, clock, DelayModel::default()));
    let store = Store::open(path, propagation).await.unwrap();
    store
        .ensure_account(account_id, OffsetDateTime::now_utc())
        .await
        .unwrap();
    store
}

/// A database file at `dir/state.db` migrated by the migrations before `before` (a file name
/// prefix, `"0024"`), for tests of a later migration; the migrations are copied to `dir`.
#[cfg(test)]
pub(crate) async fn database_before(dir: &Path, before: &str) -> sqlx::SqlitePool {
    let old_migrations = dir.join("migrations");
    std::fs::create_dir_all(&old_migrations).unwrap();
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name.as_str() < before {
            std::fs::copy(&path, old_migrations.join(name)).unwrap();
        }
    }
    let options = SqliteConnectOptions::new()
        .filename(dir.join("state.db"))
        .create_if_missing(true)
        .foreign_keys(true);
    let old = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let migrator = Migrator::new(old_migrations.as_path()).await.unwrap();
    migrator.run(&old).await.unwrap();
    old
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store at `path` (in memory for `None`) with its own empty data plane.
    async fn open(path: Option<&Path>) -> Store {
        let view = Arc::new(crate::view::View::new());
        let clock = Arc::new(crate::clock::Clock::new());
        let model = crate::consistency::DelayModel::default();
        Store::open(path, Arc::new(Propagation::new(view, clock, model)))
            .await
            .unwrap()
    }

    async fn schema(path: Option<&Path>) -> Vec<(String, String, Option<String>)> {
        let store = open(path).await;
        let rows = sqlx::query_as(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name != '_sqlx_migrations'
             ORDER BY type, name",
        )
        .fetch_all(&mut *store.lock_writer().await)
        .await
        .unwrap();
        store.close().await;
        rows
    }

    /// In memory the migrations run in one go, not through sqlx's migrator: the schema must
    /// come out the same, to the text of every statement.
    #[tokio::test]
    async fn the_in_memory_schema_is_the_migrated_one() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir =
            std::env::temp_dir().join(format!("iamlocal-schema-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let migrated = schema(Some(&dir.join("state.db"))).await;
        let in_memory = schema(None).await;
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(migrated.len() > 40, "{migrated:?}");
        assert_eq!(in_memory, migrated);
    }

    /// A file's writer checkpoints in big steps and keeps statement journals in memory (the
    /// write path's throughput on a file depends on both: BENCHMARKS.md item 22).
    #[tokio::test]
    async fn a_file_checkpoints_in_big_steps_and_journals_statements_in_memory() {
        let dir = std::env::temp_dir().join(format!("iamlocal-pragmas-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = open(Some(&dir.join("state.db"))).await;
        let (checkpoint,): (i64,) = sqlx::query_as("PRAGMA wal_autocheckpoint")
            .fetch_one(&mut *store.lock_writer().await)
            .await
            .unwrap();
        // 2 is MEMORY.
        let (temp_store,): (i64,) = sqlx::query_as("PRAGMA temp_store")
            .fetch_one(&mut *store.lock_writer().await)
            .await
            .unwrap();
        store.close().await;
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!((checkpoint, temp_store), (4000, 2));
    }
}
