//! Statements run on the caller's thread, through the connection's own SQLite handle, rather
//! than sent to sqlx-sqlite's worker thread.
//!
//! Every sqlx statement is a hand-off to that thread and back: two thread wake-ups, and on
//! two busy cores a wait to be scheduled each way. An in-memory write batch is a few tens of
//! microseconds of SQLite work, less than those hand-offs (BENCHMARKS.md item 50), so the
//! batch's task runs it itself. sqlx lends the handle for this
//! ([`SqliteConnection::lock_handle`]): while a [`Direct`] is held, the worker thread waits
//! on the connection's lock, so the store lets go of it before any sqlx use of the
//! connection (`connections::Locked`) and keeps it otherwise, from batch to batch.
//!
//! Only statements the store prepared here run here, each `&'static` text prepared once
//! while the handle is held and finalized when it is let go.
//!
//! [`SqliteConnection::lock_handle`]: sqlx::SqliteConnection::lock_handle

use std::ffi::{CStr, c_int};
use std::fmt;
use std::ptr::{self, NonNull};

use libsqlite3_sys as ffi;
use sqlx::sqlite::LockedSqliteHandle;

use super::deferred_rows::Cell;

pub(super) static BEGIN: &str = "BEGIN";
pub(super) static COMMIT: &str = "COMMIT";
pub(super) static ROLLBACK: &str = "ROLLBACK";

/// The writing connection's SQLite handle, lent by sqlx, and the statements prepared on it.
pub(crate) struct Direct {
    db: NonNull<ffi::sqlite3>,
    statements: Vec<(&'static str, NonNull<ffi::sqlite3_stmt>)>,
    /// Dropped after `statements` are finalized (see `Drop`), which gives the connection
    /// back to sqlx's worker thread.
    _handle: LockedSqliteHandle<'static>,
}

// SAFETY: the connection is opened without SQLite's own mutexes (sqlx's `NOMUTEX`), which
// allows its use from any thread, one at a time. The held lock keeps sqlx's worker thread
// out, and `&mut self` everywhere below keeps this value's users to one at a time.
unsafe impl Send for Direct {}

/// A failed statement: SQLite's extended result code and message.
#[derive(Debug)]
pub(crate) struct DirectError {
    code: c_int,
    message: String,
}

impl DirectError {
    /// A row broke a `UNIQUE` constraint (a name taken).
    pub(crate) fn is_unique_violation(&self) -> bool {
        matches!(
            self.code,
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        )
    }
}

impl fmt::Display for DirectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SQLite error {}: {}", self.code, self.message)
    }
}

impl Direct {
    /// Takes over the connection whose handle sqlx has locked out of its worker thread. The
    /// handle's lifetime is the caller's to keep: it must be dropped before the connection.
    pub(super) fn new(mut handle: LockedSqliteHandle<'static>) -> Direct {
        Direct {
            db: handle.as_raw_handle(),
            statements: Vec::new(),
            _handle: handle,
        }
    }

    /// Runs `sql`, one statement whose parameters are `params`, to its end (rows it returns
    /// are skipped).
    pub(crate) fn run(&mut self, sql: &'static str, params: &[Cell]) -> Result<(), DirectError> {
        let statement = self.prepared(sql)?.as_ptr();
        // SAFETY: `statement` was prepared on this connection and is not finalized before
        // `self` is dropped. A text parameter is bound without a copy (`SQLITE_STATIC`): the
        // cells outlive the step, and the bindings are cleared before returning.
        unsafe {
            let mut bound = Ok(());
            for (i, param) in params.iter().enumerate() {
                let index = i as c_int + 1;
                let rc = match param {
                    Cell::Text(text) => ffi::sqlite3_bind_text(
                        statement,
                        index,
                        text.as_ptr().cast(),
                        text.len() as c_int,
                        ffi::SQLITE_STATIC(),
                    ),
                    Cell::Int(n) => ffi::sqlite3_bind_int64(statement, index, *n),
                };
                if rc != ffi::SQLITE_OK {
                    bound = Err(self.error());
                    break;
                }
            }
            let mut ran = bound;
            while ran.is_ok() {
                match ffi::sqlite3_step(statement) {
                    ffi::SQLITE_ROW => {}
                    ffi::SQLITE_DONE => break,
                    _ => ran = Err(self.error()),
                }
            }
            ffi::sqlite3_reset(statement);
            ffi::sqlite3_clear_bindings(statement);
            ran
        }
    }

    /// No transaction is open.
    pub(crate) fn autocommit(&self) -> bool {
        // SAFETY: a read of the connection's state, which `self` has to itself.
        unsafe { ffi::sqlite3_get_autocommit(self.db.as_ptr()) != 0 }
    }

    /// `sql` prepared, once per holding of the handle: statements are told apart by their
    /// text's address, since each is a `'static` of the store's.
    fn prepared(&mut self, sql: &'static str) -> Result<NonNull<ffi::sqlite3_stmt>, DirectError> {
        if let Some((_, statement)) = self.statements.iter().find(|(s, _)| ptr::eq(*s, sql)) {
            return Ok(*statement);
        }
        let mut statement = ptr::null_mut();
        // SAFETY: `sql` is valid for its length; SQLite writes the statement to `statement`.
        let rc = unsafe {
            ffi::sqlite3_prepare_v3(
                self.db.as_ptr(),
                sql.as_ptr().cast(),
                sql.len() as c_int,
                ffi::SQLITE_PREPARE_PERSISTENT,
                &mut statement,
                ptr::null_mut(),
            )
        };
        match NonNull::new(statement) {
            Some(statement) if rc == ffi::SQLITE_OK => {
                self.statements.push((sql, statement));
                Ok(statement)
            }
            // An error, or a text with no statement in it (nothing was prepared).
            _ => Err(self.error()),
        }
    }

    /// The connection's last error.
    fn error(&self) -> DirectError {
        // SAFETY: reads of the connection's error state; the message is copied at once.
        unsafe {
            let db = self.db.as_ptr();
            DirectError {
                code: ffi::sqlite3_extended_errcode(db),
                message: CStr::from_ptr(ffi::sqlite3_errmsg(db))
                    .to_string_lossy()
                    .into_owned(),
            }
        }
    }
}

impl Drop for Direct {
    fn drop(&mut self) {
        // A transaction is only left open by a panic between `BEGIN` and its end: undone.
        if !self.autocommit() {
            let _ = self.run(ROLLBACK, &[]);
        }
        for (_, statement) in self.statements.drain(..) {
            // SAFETY: prepared on this connection, finalized once; sqlx's worker closes the
            // connection only with every statement finalized.
            unsafe { ffi::sqlite3_finalize(statement.as_ptr()) };
        }
    }
}
