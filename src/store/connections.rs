//! The store's connections. The one that writes is owned by the store, not kept in a sqlx
//! pool: a pool pings a connection each time it is handed back, a round trip to the
//! connection's thread, which every write batch (and, in memory, every read) paid
//! (BENCHMARKS.md item 46). In memory the writer is also the one that reads; on a file the
//! readers are a pool of read-only connections.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqliteConnection, SqlitePool};
use tokio::sync::{Mutex, MutexGuard, OwnedMutexGuard};

/// The writing connection, behind a lock of its own: writers take the store's write lock
/// first, readers in memory only this one.
pub(crate) struct Writer {
    /// `None` once the store is closed.
    conn: Option<SqliteConnection>,
    /// A transaction was begun and neither committed nor rolled back: whoever held the lock
    /// went away (an error returned early, a cancelled call). The next holder rolls it back.
    in_transaction: bool,
}

pub(super) type SharedWriter = Arc<Mutex<Writer>>;

pub(super) fn shared(conn: SqliteConnection) -> SharedWriter {
    Arc::new(Mutex::new(Writer {
        conn: Some(conn),
        in_transaction: false,
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
    if let Some(conn) = writer.lock().await.conn.take() {
        let _ = sqlx::Connection::close(conn).await;
    }
}

impl<G: DerefMut<Target = Writer>> Locked<G> {
    async fn ready(mut guard: G) -> Result<Self, sqlx::Error> {
        let writer = &mut *guard;
        let conn = writer.conn.as_mut().ok_or(sqlx::Error::PoolClosed)?;
        if std::mem::take(&mut writer.in_transaction) {
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

impl<G: DerefMut<Target = Writer>> DerefMut for Locked<G> {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
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
