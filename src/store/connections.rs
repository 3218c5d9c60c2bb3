//! The store's connections. The one that writes is owned by the store, not kept in a sqlx
//! pool: a pool pings a connection each time it is handed back, a round trip to the
//! connection's thread, which every write batch (and, in memory, every read) paid
//! (BENCHMARKS.md item 46). In memory the writer is also the one that reads; on a file the
//! readers are a pool of read-only connections.
//!
//! In memory, write batches run their statements themselves, through the connection's
//! SQLite handle ([`Direct`]); the handle is kept from batch to batch and let go before any
//! sqlx use of the connection.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::sqlite::LockedSqliteHandle;
use sqlx::{Sqlite, SqliteConnection, SqlitePool};
use tokio::sync::{Mutex, MutexGuard, OwnedMutexGuard};

use super::direct::Direct;

/// The writing connection, behind a lock of its own: writers take the store's write lock
/// first, readers in memory only this one.
pub(crate) struct Writer {
    /// The connection's handle, lent by sqlx for direct statements. Declared before `conn`,
    /// so dropped before it (the handle must not outlive the connection).
    direct: Option<Direct>,
    /// `None` once the store is closed.
    conn: Option<SqliteConnection>,
    /// A transaction was begun and neither committed nor rolled back: whoever held the lock
    /// went away (an error returned early, a cancelled call). The next holder rolls it back.
    in_transaction: bool,
    /// Whether batches may run statements directly: in memory. On a file a commit may
    /// checkpoint the WAL, I/O kept off the runtime's threads.
    direct_allowed: bool,
}

pub(super) type SharedWriter = Arc<Mutex<Writer>>;

pub(super) fn shared(conn: SqliteConnection, direct_allowed: bool) -> SharedWriter {
    Arc::new(Mutex::new(Writer {
        direct: None,
        conn: Some(conn),
        in_transaction: false,
        direct_allowed,
    }))
}

/// The writing connection, locked (`G` is the lock's guard): used as a `SqliteConnection`.
pub(crate) struct Locked<G>(G);

pub(super) type Borrowed<'s> = Locked<MutexGuard<'s, Writer>>;
pub(super) type Owned = Locked<OwnedMutexGuard<Writer>>;

/// Locks the writing connection, ready: any transaction left open rolled back.
pub(super) async fn lock(writer: &SharedWriter) -> Result<Borrowed<'_>, sqlx::Error> {
    Locked::ready(writer.lock().await).await
}

/// [`lock`] for a task of its own.
pub(super) async fn lock_owned(writer: SharedWriter) -> Result<Owned, sqlx::Error> {
    Locked::ready(writer.lock_owned().await).await
}

/// Closes the writing connection; later uses fail as on a closed pool.
pub(super) async fn close(writer: &SharedWriter) {
    let mut writer = writer.lock().await;
    writer.direct = None;
    if let Some(conn) = writer.conn.take() {
        let _ = sqlx::Connection::close(conn).await;
    }
}

impl<G: DerefMut<Target = Writer>> Locked<G> {
    async fn ready(mut guard: G) -> Result<Self, sqlx::Error> {
        let writer = &mut *guard;
        let conn = writer.conn.as_mut().ok_or(sqlx::Error::PoolClosed)?;
        if std::mem::take(&mut writer.in_transaction) {
            // Begun through sqlx, so the handle had been let go already.
            writer.direct = None;
            // It fails only when the transaction had ended after all (a `COMMIT` whose caller
            // went away before hearing back): nothing to undo then.
            let _ = sqlx::query("ROLLBACK").execute(conn).await;
        }
        Ok(Locked(guard))
    }

    /// Begins a transaction, rolled back by the next holder of the lock if this one lets go
    /// of it before [`Locked::commit`] or [`Locked::rollback`].
    pub async fn begin(&mut self) -> Result<(), sqlx::Error> {
        self.0.in_transaction = true;
        sqlx::query("BEGIN").execute(&mut **self).await?;
        Ok(())
    }

    pub async fn commit(&mut self) -> Result<(), sqlx::Error> {
        self.end("COMMIT").await
    }

    pub async fn rollback(&mut self) -> Result<(), sqlx::Error> {
        self.end("ROLLBACK").await
    }

    async fn end(&mut self, statement: &'static str) -> Result<(), sqlx::Error> {
        sqlx::query(statement).execute(&mut **self).await?;
        self.0.in_transaction = false;
        Ok(())
    }

    /// Whether a transaction begun by [`Locked::begin`] is open.
    pub fn in_transaction(&self) -> bool {
        self.0.in_transaction
    }

    /// The connection for direct statements, `None` on a file. The first call after a sqlx
    /// use waits for sqlx's worker thread to lend the handle.
    pub async fn direct(&mut self) -> Result<Option<&mut Direct>, sqlx::Error> {
        let writer = &mut *self.0;
        if !writer.direct_allowed {
            return Ok(None);
        }
        if writer.direct.is_none() {
            let conn = writer
                .conn
                .as_mut()
                .expect("checked when the lock was taken");
            let handle = conn.lock_handle().await?;
            // SAFETY: the handle borrows the connection only to reach the lock in the state
            // it shares with its worker thread, which stays where it is while the connection
            // lives. `Writer` drops the handle before the connection: `direct` is declared
            // first, and `close` takes it first.
            let handle: LockedSqliteHandle<'static> = unsafe { std::mem::transmute(handle) };
            writer.direct = Some(Direct::new(handle));
        }
        Ok(writer.direct.as_mut())
    }
}

impl<G: Deref<Target = Writer>> Deref for Locked<G> {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        self.0
            .conn
            .as_ref()
            .expect("checked when the lock was taken")
    }
}

/// The connection for sqlx, which runs every statement through `&mut`: the handle lent for
/// direct statements is given back first, or sqlx's worker thread would wait for it forever.
impl<G: DerefMut<Target = Writer>> DerefMut for Locked<G> {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.0.direct = None;
        self.0
            .conn
            .as_mut()
            .expect("checked when the lock was taken")
    }
}

/// Where reads go.
pub(super) enum Readers {
    /// In memory: the writing connection (the database lives and dies with it).
    Writer,
    /// On a file: a pool of read-only connections, beside the writer.
    Pool(SqlitePool),
}

/// A connection to read with, used as a `SqliteConnection`.
pub(crate) enum ReadConn<'s> {
    Writer(Borrowed<'s>),
    Pooled(PoolConnection<Sqlite>),
}

impl Deref for ReadConn<'_> {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        match self {
            ReadConn::Writer(conn) => conn,
            ReadConn::Pooled(conn) => conn,
        }
    }
}

impl DerefMut for ReadConn<'_> {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        match self {
            ReadConn::Writer(conn) => conn,
            ReadConn::Pooled(conn) => conn,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::store::test_store;

    async fn users(store: &crate::store::Store) -> i64 {
        let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM users")
            .fetch_one(&mut *store.read().await.unwrap())
            .await
            .unwrap();
        count
    }

    async fn insert_user(w: &mut crate::store::Write<'_>, user_id: &str) {
        sqlx::query(
            "INSERT INTO users (user_id, account_id, user_name, path, created_at)
             VALUES (?, '123456789012', ?, '/', 0)",
        )
        .bind(user_id)
        .bind(user_id)
        .execute(&mut *w.tx)
        .await
        .unwrap();
    }

    /// A write that lets go of the connection without committing (an early return, a
    /// cancelled call) leaves nothing behind, and the next one commits alone.
    #[tokio::test]
    async fn a_write_dropped_before_its_commit_is_rolled_back() {
        let store = test_store("123456789012").await;
        let mut w = store.begin().await.unwrap();
        insert_user(&mut w, "AIDAGONE").await;
        drop(w);
        assert_eq!(users(&store).await, 0);

        let mut w = store.begin().await.unwrap();
        insert_user(&mut w, "AIDAKEPT").await;
        w.commit().await.unwrap();
        assert_eq!(users(&store).await, 1);
    }

    fn new_user(user_name: &str) -> crate::store::NewUser<'_> {
        crate::store::NewUser {
            user_name,
            path: "/",
            permissions_boundary: None,
            tags: &[],
        }
    }

    async fn holds_the_handle(store: &crate::store::Store) -> bool {
        store.lock_writer().await.0.direct.is_some()
    }

    /// In memory a batch writes through the handle sqlx lends and keeps it for the next
    /// batch; a sqlx use of the connection gives it back first (or it would wait for it
    /// forever: hence the timeout).
    #[tokio::test]
    async fn a_batch_in_memory_writes_directly_and_sqlx_gets_the_connection_back() {
        let store = test_store("123456789012").await;
        let now = time::OffsetDateTime::now_utc();
        store
            .create_user("123456789012", new_user("alice"), now)
            .await
            .unwrap();
        assert!(holds_the_handle(&store).await);

        let read = tokio::time::timeout(std::time::Duration::from_secs(10), users(&store));
        assert_eq!(read.await.expect("sqlx has the connection"), 1);
        assert!(!holds_the_handle(&store).await);

        store
            .create_user("123456789012", new_user("bob"), now)
            .await
            .unwrap();
        assert!(holds_the_handle(&store).await);
        let mut w = store.begin().await.unwrap();
        insert_user(&mut w, "AIDACAROL").await;
        w.commit().await.unwrap();
        assert_eq!(users(&store).await, 3);
    }

    /// On a file a commit may checkpoint the WAL: batches stay on sqlx's thread.
    #[tokio::test]
    async fn a_batch_on_a_file_does_not_write_directly() {
        let dir = std::env::temp_dir().join(format!("iamlocal-direct-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("store.db");
        let _ = std::fs::remove_file(&path);
        let store = crate::store::test_store_at(&path, "123456789012").await;
        let now = time::OffsetDateTime::now_utc();
        store
            .create_user("123456789012", new_user("alice"), now)
            .await
            .unwrap();
        assert!(!holds_the_handle(&store).await);
        assert_eq!(users(&store).await, 1);
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_closed_store_answers_with_errors() {
        let store = test_store("123456789012").await;
        store.close().await;
        assert!(matches!(
            store.read().await.err(),
            Some(sqlx::Error::PoolClosed)
        ));
        assert!(store.begin().await.is_err());
    }
}
