//! The `INSERT` that writes a batch's deferred rows (see `batch`): one statement for every
//! row of one kind, each column bound as a parameter of its own.
//!
//! A statement has a fixed number of parameters, so there is one per size, 1, 2, 4 … 128
//! rows, made on first use; a batch takes the smallest that fits, and the parameters of the
//! rows it does not fill are `NULL` and filtered out. Rows were a JSON array bound once and
//! read back column by column (`json_each`, `->>`) before: in SQLite's thread that decoding
//! was more work than the B-tree inserts themselves.
//!
//! Parameters are anonymous (`?`), bound in order: sqlx asks SQLite for the name of every
//! parameter it binds, and SQLite finds a numbered one (`?7`) by walking its list of names,
//! so numbered parameters made binding a batch quadratic in its size.

use std::fmt::Write;
use std::sync::{Arc, OnceLock};

use sqlx::sqlite::SqliteArguments;
use sqlx::{Sqlite, SqliteConnection};

use super::batch::update_role_uses;
use super::direct::{self, Direct, DirectError};

/// The most rows one statement writes; a bigger batch is written in several.
pub(super) const MAX_ROWS: usize = 128;

/// One column's value in a deferred row. Text is shared with the statement's arguments
/// (binding it again, when a batch is retried row by row, copies nothing).
#[derive(Debug, Clone)]
pub(crate) enum Cell {
    Text(Arc<str>),
    Int(i64),
}

impl Cell {
    /// The text of a text cell; empty for a number.
    pub(crate) fn text(&self) -> &str {
        match self {
            Cell::Text(text) => text,
            Cell::Int(_) => "",
        }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::Text(text.into())
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Int(n)
    }
}

/// The `INSERT` of one kind of row, `INTO table (column, …)`, at every size.
pub(crate) struct RowsInsert {
    into: &'static str,
    columns: usize,
    sized: OnceLock<Vec<SizedInsert>>,
    /// One row, `OR ROLLBACK`, for direct statements (see [`RowsInsert::insert_directly`]).
    one_row: OnceLock<String>,
}

/// The statements for up to `rows` rows.
struct SizedInsert {
    rows: usize,
    /// The insert alone: in the batch's transaction, or a transaction of its own.
    alone: String,
    /// The whole batch in one query: `BEGIN`, the insert, the role uses (the parameter after
    /// the rows'), `COMMIT`. The insert is `OR ROLLBACK`: a broken constraint undoes the whole
    /// transaction, which the batch would do anyway, so SQLite keeps no statement journal to
    /// undo the statement alone (a copy of every page it changes, in a temporary file once
    /// past 64 KiB).
    committed: String,
}

impl RowsInsert {
    /// `into` is `INTO table (column, …)` naming `columns` columns.
    pub(crate) const fn new(into: &'static str, columns: usize) -> RowsInsert {
        RowsInsert {
            into,
            columns,
            sized: OnceLock::new(),
            one_row: OnceLock::new(),
        }
    }

    /// The statements for `rows` rows, `None` past [`MAX_ROWS`].
    fn sized(&'static self, rows: usize) -> Option<&'static SizedInsert> {
        let all = self.sized.get_or_init(|| {
            std::iter::successors(Some(1), |n| (n * 2 <= MAX_ROWS).then_some(n * 2))
                .map(|n| SizedInsert {
                    rows: n,
                    alone: self.text("", n),
                    committed: format!(
                        "BEGIN; {}; {}; COMMIT",
                        self.text(" OR ROLLBACK", n),
                        update_role_uses!("?")
                    ),
                })
                .collect()
        });
        all.iter().find(|s| s.rows >= rows)
    }

    /// `INSERT{or} {into} SELECT * FROM (VALUES (?, …), …) WHERE column1 IS NOT NULL`:
    /// the rows not filled are all `NULL`, and no row has a `NULL` first column.
    fn text(&self, or: &str, rows: usize) -> String {
        let mut sql = format!("INSERT{or} {} SELECT * FROM (VALUES ", self.into);
        let row = vec!["?"; self.columns].join(", ");
        for n in 0..rows {
            let _ = write!(sql, "{}({row})", if n == 0 { "" } else { ", " });
        }
        sql.push_str(") WHERE column1 IS NOT NULL");
        sql
    }

    /// Inserts `rows` (at most [`MAX_ROWS`]) in the transaction open on `conn`, or in one of
    /// their own.
    pub(super) async fn insert(
        &'static self,
        conn: &mut SqliteConnection,
        rows: &[&[Cell]],
    ) -> Result<(), sqlx::Error> {
        let sized = self.sized(rows.len()).ok_or_else(too_many)?;
        let query = sqlx::query(sized.alone.as_str());
        bind(query, rows).execute(conn).await?;
        Ok(())
    }

    /// Begins, inserts `rows`, writes the role uses `uses` (see `update_role_uses!`) and
    /// commits, in one query. After a broken constraint nothing is written and no transaction
    /// is left open.
    pub(super) async fn insert_committed(
        &'static self,
        conn: &mut SqliteConnection,
        rows: &[&[Cell]],
        uses: String,
    ) -> Result<(), sqlx::Error> {
        let sized = self.sized(rows.len()).ok_or_else(too_many)?;
        let mut query = bind(sqlx::query(sized.committed.as_str()), rows);
        // The rows not filled, so that the role uses come after all the insert's parameters.
        for _ in rows.len() * self.columns..sized.rows * self.columns {
            query = query.bind(None::<i64>);
        }
        query.bind(uses).execute(conn).await?;
        Ok(())
    }
}

impl RowsInsert {
    /// [`RowsInsert::insert_committed`] run directly on the connection's handle (see
    /// `direct`): one statement per row, no hand-off to sqlx's thread to save by joining
    /// them. `uses` are the role uses, if any. After a failure nothing is written and no
    /// transaction is left open.
    pub(super) fn insert_directly(
        &'static self,
        direct: &mut Direct,
        rows: &[&[Cell]],
        uses: Option<String>,
    ) -> Result<(), DirectError> {
        static UPDATE_ROLE_USES: &str = update_role_uses!("?");
        let one_row = self.one_row.get_or_init(|| {
            let columns = vec!["?"; self.columns].join(", ");
            format!("INSERT OR ROLLBACK {} VALUES ({columns})", self.into)
        });
        let mut written = direct.run(direct::BEGIN, &[]);
        for row in rows {
            written = written.and_then(|()| direct.run(one_row, row));
        }
        if let Some(uses) = uses {
            let uses = [Cell::Text(uses.into())];
            written = written.and_then(|()| direct.run(UPDATE_ROLE_USES, &uses));
        }
        written = written.and_then(|()| direct.run(direct::COMMIT, &[]));
        if written.is_err() && !direct.autocommit() {
            let _ = direct.run(direct::ROLLBACK, &[]);
        }
        written
    }
}

fn too_many() -> sqlx::Error {
    sqlx::Error::Protocol(format!("more than {MAX_ROWS} rows in one insert"))
}

type Query<'q> = sqlx::query::Query<'q, Sqlite, SqliteArguments>;

fn bind<'q>(mut query: Query<'q>, rows: &[&[Cell]]) -> Query<'q> {
    for cell in rows.iter().flat_map(|row| row.iter()) {
        query = match cell {
            Cell::Text(text) => query.bind(text.clone()),
            Cell::Int(n) => query.bind(*n),
        };
    }
    query
}

#[cfg(test)]
mod tests {
    use super::*;

    static TWO_COLUMNS: RowsInsert = RowsInsert::new("INTO t (a, b)", 2);

    #[test]
    fn a_batch_takes_the_smallest_statement_that_fits() {
        assert_eq!(TWO_COLUMNS.sized(1).unwrap().rows, 1);
        assert_eq!(TWO_COLUMNS.sized(3).unwrap().rows, 4);
        assert_eq!(TWO_COLUMNS.sized(MAX_ROWS).unwrap().rows, MAX_ROWS);
        assert!(TWO_COLUMNS.sized(MAX_ROWS + 1).is_none());
        assert_eq!(
            TWO_COLUMNS.sized(2).unwrap().alone,
            "INSERT INTO t (a, b) SELECT * FROM (VALUES (?, ?), (?, ?)) \
             WHERE column1 IS NOT NULL"
        );
        assert!(TWO_COLUMNS.sized(2).unwrap().committed.starts_with(
            "BEGIN; INSERT OR ROLLBACK INTO t (a, b) SELECT * FROM (VALUES (?, ?), (?, ?))"
        ));
    }
}
