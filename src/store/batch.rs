//! Group commit: concurrent writes share one transaction.
//!
//! Every statement is a round trip to sqlx-sqlite's worker thread (a channel and a thread
//! wake each way), and `BEGIN` and `COMMIT` are two more per write. [`Store::write`] queues
//! its job instead. One task, started by the first job queued while none runs, lets every
//! other ready task run (those about to queue a write join the batch), takes the write
//! lock and runs every queued job in one transaction, commits once, publishes the
//! jobs' changes in order and answers each caller; then it lets go of the lock and goes on
//! with the jobs queued meanwhile, until none are left: the next batch starts as soon as the
//! last is answered, with no hand-over to another task. A job that fails with the caller's
//! error (a name already taken) is undone alone, through a savepoint when it asked for one,
//! and its batch-mates commit; an internal error rolls the whole batch back and fails every
//! job in it.
//!
//! Two kinds of statement are shared by the whole batch rather than run per job: a job that
//! inserts one row and changes nothing else leaves it to [`Staged::insert_later`] (one
//! `INSERT` of every such row, see `deferred_rows`), and a job that changes a role's last
//! use says so with [`Staged::note_role_use`] (each role's latest use written once per
//! batch, not once per `AssumeRole`).
//!
//! The transaction is begun when a job first asks for it ([`Staged::tx`]). A batch whose jobs
//! only deferred rows of one kind (the busy case: `CreateUser`s, or `AssumeRole`s) is written
//! by one query: the `INSERT` alone, a transaction of its own, or with role uses `BEGIN`, the
//! rows, the role uses, `COMMIT`; one round trip to the SQLite thread instead of one for
//! each. When a row breaks a `UNIQUE` constraint that query is rolled back and the batch is
//! written the general way.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use sqlx::SqliteConnection;
use time::OffsetDateTime;
use tokio::sync::oneshot;

use super::Store;
use super::connections::{self, Owned, SharedWriter};
use super::deferred_rows::{Cell, MAX_ROWS, RowsInsert};
use super::user_names::{PendingNames, UserNames};
use crate::consistency::{ChangeKind, Propagation};
use crate::error::{AwsError, Fault};
use crate::view::Change;

type JobFuture<'w> =
    Pin<Box<dyn Future<Output = Result<Box<dyn Any + Send>, AwsError>> + Send + 'w>>;
type JobFn = Box<dyn for<'w> FnOnce(&'w mut Staged) -> JobFuture<'w> + Send>;
type Answer = Result<Box<dyn Any + Send>, AwsError>;

/// A write waiting for its batch.
pub(super) struct Job {
    run: JobFn,
    savepoint: bool,
    done: oneshot::Sender<Answer>,
}

/// Writes waiting for their batch, and whether a task runs batches (see [`run_batches`]).
pub(super) type Queue = Arc<Mutex<Pending>>;

#[derive(Default)]
pub(super) struct Pending {
    jobs: Vec<Job>,
    running: bool,
}

/// What a job writes with: the batch's transaction, and the changes it records.
pub(crate) struct Staged {
    /// The writing connection; its transaction is begun by the first job that needs it (see
    /// [`Staged::tx`]).
    conn: Owned,
    /// The job running now: what it records is undone with it.
    job: usize,
    changes: Vec<(usize, Option<ChangeKind>, Change)>,
    role_uses: Vec<(usize, String, OffsetDateTime, String)>,
    deferred: Vec<Deferred>,
    user_names: PendingNames,
}

/// A row a job leaves to one `INSERT` for the whole batch (see [`Staged::insert_later`]).
struct Deferred {
    job: usize,
    sql: &'static RowsInsert,
    row: Vec<Cell>,
    on_conflict: OnConflict,
}

/// The error of a deferred row that breaks a `UNIQUE` constraint, made from the row: only
/// then (a message naming the entity is an allocation every write would pay for).
pub(crate) type OnConflict = fn(&[Cell]) -> AwsError;

/// The roles' latest uses, one row per element of a JSON array `[role_id, millis, region]`
/// bound to the parameter `$param`.
macro_rules! update_role_uses {
    ($param:literal) => {
        concat!(
            "UPDATE roles SET last_used_at = used.value ->> 1, last_used_region = used.value ->> 2
             FROM json_each(",
            $param,
            ") AS used WHERE roles.role_id = used.value ->> 0"
        )
    };
}
pub(super) use update_role_uses;

impl Staged {
    /// The batch's transaction, begun on first use.
    pub async fn tx(&mut self) -> Result<&mut SqliteConnection, AwsError> {
        if !self.conn.in_transaction() {
            self.conn.begin().await?;
        }
        Ok(&mut self.conn)
    }

    pub fn record(&mut self, change: Change) {
        self.changes.push((self.job, change.kind(), change));
    }

    /// The id of the user with this name, the batch's own changes included.
    pub fn user_name_holder(&self, account_id: &str, user_name: &str) -> Option<String> {
        self.user_names.holder(account_id, user_name)
    }

    /// Gives the name to the user, once the batch commits (unless this job fails).
    pub fn take_user_name(&mut self, user: Arc<crate::view::UserRecord>) {
        self.user_names.take(self.job, user);
    }

    /// A role's last use (`RoleLastUsed`), written when the batch commits.
    pub fn note_role_use(&mut self, role_id: &str, at: OffsetDateTime, region: &str) {
        self.role_uses
            .push((self.job, role_id.to_owned(), at, region.to_owned()));
    }

    /// Inserts `row` (its columns in `sql`'s order) with the batch's other rows for `sql`:
    /// one statement, so one round trip, for the batch. When a row breaks a `UNIQUE`
    /// constraint its job fails with `on_conflict(row)`, and the job's changes are undone: a
    /// job that defers a row makes no other change to the database.
    pub fn insert_later(
        &mut self,
        sql: &'static RowsInsert,
        row: Vec<Cell>,
        on_conflict: OnConflict,
    ) {
        self.deferred.push(Deferred {
            job: self.job,
            sql,
            row,
            on_conflict,
        });
    }

    fn undo(&mut self, job: usize) {
        self.changes.retain(|(j, ..)| *j != job);
        self.role_uses.retain(|(j, ..)| *j != job);
        self.deferred.retain(|d| d.job != job);
        self.user_names.undo(job);
    }
}

impl Store {
    /// Runs `job` in the next batch and answers once that batch has committed (see the
    /// module's documentation). A job whose statements can fail after an earlier one of them
    /// changed something asks for a `savepoint`; a job that fails on its first change, or
    /// whose later statements cannot fail but for an internal error, need not. A job uses
    /// only `w.tx`: in memory the store has one connection, and the batch holds it.
    pub(crate) async fn write<T, F>(&self, savepoint: bool, job: F) -> Result<T, AwsError>
    where
        T: Send + 'static,
        F: for<'w> FnOnce(
                &'w mut Staged,
            )
                -> Pin<Box<dyn Future<Output = Result<T, AwsError>> + Send + 'w>>
            + Send
            + 'static,
    {
        let (done, answer) = oneshot::channel();
        let run: JobFn = Box::new(move |staged| {
            Box::pin(async move {
                let value = job(staged).await?;
                Ok(Box::new(value) as Box<dyn Any + Send>)
            })
        });
        let start = {
            let mut pending = lock(&self.queue);
            pending.jobs.push(Job {
                run,
                savepoint,
                done,
            });
            !std::mem::replace(&mut pending.running, true)
        };
        if start {
            // A task of its own: a caller that goes away (a client hanging up) must not cut
            // its batch-mates' batch short between the commit and publishing.
            tokio::spawn(run_batches(Batches {
                writer: self.writer.clone(),
                write_lock: self.write_lock.clone(),
                queue: self.queue.clone(),
                propagation: self.propagation.clone(),
                user_names: self.user_names.clone(),
            }));
        }
        unpack(answer.await)
    }
}

/// What the task that runs batches needs of the store.
struct Batches {
    writer: SharedWriter,
    write_lock: Arc<tokio::sync::Mutex<()>>,
    queue: Queue,
    propagation: Arc<Propagation>,
    user_names: Arc<UserNames>,
}

/// Runs batches until no job is left, each under the write lock, which is let go between
/// batches so that writes outside batches ([`Store::begin`]) take their turn.
async fn run_batches(batches: Batches) {
    let mut running = Running(Some(batches.queue.clone()));
    loop {
        // Every other ready task runs first: requests already read and about to queue a
        // write then join this batch. Each commit copies pages to the journal and back, so
        // small batches are dear; at 16 clients batches grew from about two writes to nine
        // and each write took 12-15 % less CPU (BENCHMARKS.md, item 53).
        tokio::task::yield_now().await;
        let guard = batches.write_lock.lock().await;
        let jobs = {
            let mut pending = lock(&batches.queue);
            let jobs = std::mem::take(&mut pending.jobs);
            // Under the queue's lock: a job queued after this starts a new task.
            pending.running = !jobs.is_empty();
            jobs
        };
        if jobs.is_empty() {
            running.0 = None;
            return;
        }
        run_batch(&batches, jobs).await;
        drop(guard);
    }
}

/// Ends the run when its task ends early (a panic, the runtime shutting down): the jobs
/// left are dropped (their callers hear of an internal error) and the next one starts a task.
struct Running(Option<Queue>);

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(queue) = self.0.take() {
            let jobs = {
                let mut pending = lock(&queue);
                pending.running = false;
                std::mem::take(&mut pending.jobs)
            };
            drop(jobs);
        }
    }
}

fn lock(queue: &Queue) -> std::sync::MutexGuard<'_, Pending> {
    queue.lock().unwrap_or_else(|e| e.into_inner())
}

fn unpack<T: 'static>(answer: Result<Answer, oneshot::error::RecvError>) -> Result<T, AwsError> {
    let value = answer.map_err(AwsError::internal)??;
    value
        .downcast::<T>()
        .map(|value| *value)
        .map_err(|_| AwsError::internal("a batched write answered with the wrong type"))
}

/// Runs the jobs in one transaction (the caller holds the write lock), publishes their
/// changes after the commit (in order, before the lock is released), then answers each
/// caller.
async fn run_batch(batches: &Batches, jobs: Vec<Job>) {
    let mut answers = Vec::with_capacity(jobs.len());
    let names = PendingNames::new(batches.user_names.clone());
    let outcome = match connections::lock_owned(batches.writer.clone()).await {
        Ok(conn) => run_jobs(conn, names, jobs, &mut answers).await,
        Err(e) => {
            let e = AwsError::from(e);
            answers.extend(jobs.into_iter().map(|job| (job.done, Err(e.clone()))));
            Err(e)
        }
    };
    match outcome {
        Ok(changes) => {
            batches.propagation.publish(changes);
            for (done, answer) in answers {
                let _ = done.send(answer);
            }
        }
        Err(e) => {
            for (done, _) in answers {
                let _ = done.send(Err(e.clone()));
            }
        }
    }
}

type Answers = Vec<(oneshot::Sender<Answer>, Answer)>;

/// The jobs' answers go into `answers` (the senders of those not reached too, when the batch
/// fails); the changes of the committed batch are returned.
async fn run_jobs(
    conn: Owned,
    user_names: PendingNames,
    jobs: Vec<Job>,
    answers: &mut Answers,
) -> Result<Vec<(Option<ChangeKind>, Change)>, AwsError> {
    let mut jobs = jobs.into_iter();
    let mut staged = Staged {
        conn,
        job: 0,
        changes: Vec::new(),
        role_uses: Vec::new(),
        deferred: Vec::new(),
        user_names,
    };
    while let Some(job) = jobs.next() {
        if job.done.is_closed() {
            // Its caller went away (a client hanging up) before it ran: as a write cancelled
            // before its commit, it does not happen.
            continue;
        }
        staged.job = answers.len();
        let result = run_one(&mut staged, job.run, job.savepoint).await;
        match result {
            Ok(answer) => {
                if answer.is_err() {
                    staged.undo(staged.job);
                }
                answers.push((job.done, answer));
            }
            Err(e) => {
                // The transaction cannot be trusted any more: nothing of the batch commits.
                answers.push((job.done, Err(e.clone())));
                answers.extend(jobs.by_ref().map(|job| (job.done, Err(e.clone()))));
                rollback(&mut staged).await;
                return Err(e);
            }
        }
    }
    if !staged.conn.in_transaction() && committed_at_once(&mut staged).await? {
        return Ok(staged.into_changes());
    }
    if let Err(e) = finish(&mut staged, answers).await {
        rollback(&mut staged).await;
        return Err(e);
    }
    if staged.conn.in_transaction() {
        staged.conn.commit().await?;
    }
    Ok(staged.into_changes())
}

impl Staged {
    /// What the committed batch changed; its names are applied first, while it still holds
    /// the connection (in memory a read then sees the names and the rows alike).
    fn into_changes(self) -> Vec<(Option<ChangeKind>, Change)> {
        self.user_names.committed();
        self.changes
            .into_iter()
            .map(|(_, kind, change)| (kind, change))
            .collect()
    }
}

async fn rollback(staged: &mut Staged) {
    if staged.conn.in_transaction() {
        let _ = staged.conn.rollback().await;
    }
}

/// Writes and commits a batch whose jobs only deferred rows of one kind in one query (see
/// the module's documentation). `false` when the batch is not of that kind, or when a row
/// broke a `UNIQUE` constraint: nothing was written then, and the caller writes the batch the
/// general way, which finds the culprits.
async fn committed_at_once(staged: &mut Staged) -> Result<bool, AwsError> {
    let Some(first) = staged.deferred.first() else {
        // Nothing to write (every job failed), or role uses alone: the general way.
        return Ok(staged.role_uses.is_empty());
    };
    let sql = first.sql;
    if staged.deferred.len() > MAX_ROWS || staged.deferred.iter().any(|d| !same(d.sql, sql)) {
        return Ok(false);
    }
    let rows: Vec<&[Cell]> = staged.deferred.iter().map(|d| &d.row[..]).collect();
    if let Some(direct) = staged.conn.direct().await? {
        let uses = (!staged.role_uses.is_empty()).then(|| role_uses(&staged.role_uses));
        return match sql.insert_directly(direct, &rows, uses) {
            Ok(()) => Ok(true),
            Err(e) if e.is_unique_violation() => Ok(false),
            Err(e) => Err(AwsError::internal(e)),
        };
    }
    let conn = &mut *staged.conn;
    let written = if staged.role_uses.is_empty() {
        // One statement is a transaction of its own: nothing to begin or commit, and nothing
        // to keep for undoing the statement alone (a statement journal) either.
        sql.insert(conn, &rows).await
    } else {
        let uses = role_uses(&staged.role_uses);
        sql.insert_committed(conn, &rows, uses).await
    };
    match written {
        Ok(_) => Ok(true),
        Err(e) => {
            // A broken constraint has undone the whole transaction already; after any other
            // failure the transaction may still be open.
            let _ = sqlx::query("ROLLBACK").execute(&mut *staged.conn).await;
            if super::is_unique_violation(&e) {
                Ok(false)
            } else {
                Err(e.into())
            }
        }
    }
}

/// The same kind of row: each kind's insert is a `static` of its own.
fn same(a: &'static RowsInsert, b: &'static RowsInsert) -> bool {
    std::ptr::eq(a, b)
}

/// Each role's latest use in the batch, as the JSON array `update_role_uses!` reads.
fn role_uses(uses: &[(usize, String, OffsetDateTime, String)]) -> String {
    let mut latest: HashMap<&str, (i64, &str)> = HashMap::new();
    for (_, role_id, at, region) in uses {
        latest.insert(role_id, (super::to_millis(*at), region));
    }
    let uses: Vec<_> = latest
        .into_iter()
        .map(|(role_id, (at, region))| (role_id, at, region))
        .collect();
    serde_json::to_string(&uses).unwrap_or_else(|_| "[]".to_owned())
}

/// The batch's own statements, once every job has run: the deferred rows, then each role's
/// latest use.
async fn finish(staged: &mut Staged, answers: &mut Answers) -> Result<(), AwsError> {
    while let Some(first) = staged.deferred.first() {
        let sql = first.sql;
        let (rows, rest): (Vec<Deferred>, Vec<Deferred>) = std::mem::take(&mut staged.deferred)
            .into_iter()
            .partition(|d| same(d.sql, sql));
        staged.deferred = rest;
        let all: Vec<&[Cell]> = rows.iter().map(|d| &d.row[..]).collect();
        let mut written = 0;
        let mut inserted = Ok(());
        for chunk in all.chunks(MAX_ROWS) {
            inserted = sql.insert(&mut *staged.tx().await?, chunk).await;
            if inserted.is_err() {
                break;
            }
            written += chunk.len();
        }
        match inserted {
            Ok(()) => continue,
            Err(e) if super::is_unique_violation(&e) => {}
            Err(e) => return Err(e.into()),
        }
        // A failed statement leaves no row behind (the chunks before it stay): insert its
        // rows and the rest one by one to find the culprits.
        for row in rows.into_iter().skip(written) {
            match sql.insert(&mut *staged.tx().await?, &[&row.row]).await {
                Ok(()) => {}
                Err(e) if super::is_unique_violation(&e) => {
                    staged.undo(row.job);
                    answers[row.job].1 = Err((row.on_conflict)(&row.row));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    if !staged.role_uses.is_empty() {
        let uses = role_uses(&staged.role_uses);
        let tx = staged.tx().await?;
        sqlx::query(update_role_uses!("?1"))
            .bind(uses)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// One job: `Ok` with its answer (its own failure included), or `Err` when the batch must
/// be abandoned.
async fn run_one(staged: &mut Staged, run: JobFn, savepoint: bool) -> Result<Answer, AwsError> {
    if savepoint {
        sqlx::query("SAVEPOINT job")
            .execute(&mut *staged.tx().await?)
            .await?;
    }
    let answer = run(staged).await;
    match &answer {
        Err(e) if e.code.fault() == Fault::Receiver => return Err(e.clone()),
        Err(_) if savepoint => {
            let tx = staged.tx().await?;
            sqlx::query("ROLLBACK TO job").execute(&mut *tx).await?;
            sqlx::query("RELEASE job").execute(&mut *tx).await?;
        }
        Ok(_) if savepoint => {
            sqlx::query("RELEASE job")
                .execute(&mut *staged.tx().await?)
                .await?;
        }
        _ => {}
    }
    Ok(answer)
}

/// Holds the write lock (`held`) until `jobs` writes are queued, so they all run in one batch.
#[cfg(test)]
pub(super) async fn release_when_queued(store: &Store, held: super::Write<'_>, jobs: usize) {
    while lock(&store.queue).jobs.len() < jobs {
        tokio::task::yield_now().await;
    }
    drop(held);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws_error;
    use crate::error::ErrorCode;
    use crate::store::{test_store, unique_or};

    const ACCOUNT: &str = "123456789012";

    async fn insert_user(w: &mut Staged, user_id: &str, name: &str) -> Result<(), AwsError> {
        sqlx::query(
            "INSERT INTO users (user_id, account_id, user_name, path, created_at)
             VALUES (?, ?, ?, '/', 0)",
        )
        .bind(user_id)
        .bind(ACCOUNT)
        .bind(name)
        .execute(&mut *w.tx().await?)
        .await
        .map_err(|e| unique_or(e, || aws_error!(EntityAlreadyExists, "{user_id} is taken.")))?;
        Ok(())
    }

    async fn user_ids(store: &Store) -> Vec<String> {
        let rows: Vec<(String,)> = sqlx::query_as("SELECT user_id FROM users ORDER BY user_id")
            .fetch_all(&mut *store.read().await.unwrap())
            .await
            .unwrap();
        rows.into_iter().map(|(id,)| id).collect()
    }

    #[tokio::test]
    async fn a_failing_write_does_not_fail_its_batch_mates() {
        let store = test_store(ACCOUNT).await;
        let held = store.begin().await.unwrap();
        let (undone, first, taken, tagged, ()) = tokio::join!(
            // Changes something, then fails: its savepoint undoes the change.
            store.write(true, |w| Box::pin(async move {
                insert_user(w, "AIDA1", "one").await?;
                Err::<(), _>(aws_error!(LimitExceeded, "Cannot exceed quota."))
            })),
            store.write(false, |w| Box::pin(insert_user(w, "AIDA2", "two"))),
            // Its one statement fails on an id taken earlier in the same batch.
            store.write(false, |w| Box::pin(insert_user(w, "AIDA2", "three"))),
            store.write(true, |w| Box::pin(insert_user(w, "AIDA4", "four"))),
            release_when_queued(&store, held, 4),
        );
        assert_eq!(undone.unwrap_err().code, ErrorCode::LimitExceeded);
        first.unwrap();
        assert_eq!(taken.unwrap_err().code, ErrorCode::EntityAlreadyExists);
        tagged.unwrap();
        assert_eq!(user_ids(&store).await, ["AIDA2", "AIDA4"]);
    }

    /// A bug in a job ends the task that runs batches; the store must still write after it.
    #[tokio::test]
    async fn a_job_that_panics_fails_its_caller_and_later_writes_still_run() {
        let store = test_store(ACCOUNT).await;
        let failed: Result<(), _> = store
            .write(false, |_| Box::pin(async { panic!("a bug in a job") }))
            .await;
        assert_eq!(failed.unwrap_err().code, ErrorCode::InternalFailure);
        let later = store.write(false, |w| Box::pin(insert_user(w, "AIDA1", "one")));
        tokio::time::timeout(std::time::Duration::from_secs(5), later)
            .await
            .expect("a write after the panic runs")
            .unwrap();
        assert_eq!(user_ids(&store).await, ["AIDA1"]);
    }

    /// A write queued by a task that became ready after the batch's task was started joins
    /// that batch rather than waiting for the next one.
    #[tokio::test]
    async fn a_write_queued_by_a_task_ready_meanwhile_joins_the_batch() {
        let store = Arc::new(test_store(ACCOUNT).await);
        let first_queued = Arc::new(tokio::sync::Notify::new());
        /// A job that answers with its place in its batch.
        fn place(
            w: &mut Staged,
        ) -> Pin<Box<dyn Future<Output = Result<usize, AwsError>> + Send + '_>> {
            let place = w.job;
            Box::pin(async move { Ok(place) })
        }
        let second = tokio::spawn({
            let (store, first_queued) = (store.clone(), first_queued.clone());
            async move {
                first_queued.notified().await;
                store.write(false, place).await
            }
        });
        // The first write starts the batch's task; only then is the second task woken, so
        // it runs after that task was scheduled.
        let first = tokio::spawn({
            let store = store.clone();
            let write = async move { store.write(false, place).await };
            async move {
                let mut write = std::pin::pin!(write);
                std::future::poll_fn(|cx| {
                    let answer = write.as_mut().poll(cx);
                    assert!(answer.is_pending(), "the write waits for its batch");
                    std::task::Poll::Ready(())
                })
                .await;
                first_queued.notify_one();
                write.await
            }
        });
        assert_eq!(first.await.unwrap().unwrap(), 0);
        assert_eq!(second.await.unwrap().unwrap(), 1, "the same batch");
    }

    #[tokio::test]
    async fn an_internal_failure_fails_the_whole_batch() {
        let store = test_store(ACCOUNT).await;
        let held = store.begin().await.unwrap();
        let (first, broken, ()) = tokio::join!(
            store.write(false, |w| Box::pin(insert_user(w, "AIDA1", "one"))),
            store.write(false, |w| Box::pin(async move {
                insert_user(w, "AIDA2", "two").await?;
                Err::<(), _>(AwsError::internal("the disk is on fire"))
            })),
            release_when_queued(&store, held, 2),
        );
        assert_eq!(first.unwrap_err().code, ErrorCode::InternalFailure);
        assert_eq!(broken.unwrap_err().code, ErrorCode::InternalFailure);
        assert!(user_ids(&store).await.is_empty());
        // The store still writes afterwards.
        store
            .write(false, |w| Box::pin(insert_user(w, "AIDA3", "three")))
            .await
            .unwrap();
        assert_eq!(user_ids(&store).await, ["AIDA3"]);
    }

    fn new_user(user_name: &str) -> crate::store::NewUser<'_> {
        crate::store::NewUser {
            user_name,
            path: "/",
            permissions_boundary: None,
            tags: &[],
        }
    }

    static INSERT_USER: RowsInsert = RowsInsert::new(
        "INTO users (user_id, account_id, user_name, path, created_at)",
        5,
    );

    /// A job that leaves its user's row to the batch's insert; a taken id breaks the
    /// primary key.
    fn insert_user_later(
        user_id: String,
    ) -> impl for<'w> FnOnce(&'w mut Staged) -> Boxed<'w, String> + Send + 'static {
        move |w| {
            Box::pin(async move {
                let row = [&*user_id, ACCOUNT, &*user_id, "/"].map(Cell::from);
                let row = row.into_iter().chain([Cell::from(0)]).collect();
                w.insert_later(&INSERT_USER, row, |row| {
                    aws_error!(EntityAlreadyExists, "{} is taken.", row[0].text())
                });
                Ok(user_id)
            })
        }
    }

    type Boxed<'w, T> = Pin<Box<dyn Future<Output = Result<T, AwsError>> + Send + 'w>>;

    #[tokio::test]
    async fn a_row_inserted_with_the_batch_fails_alone() {
        let store = test_store(ACCOUNT).await;
        let held = store.begin().await.unwrap();
        let (first, other, again, ()) = tokio::join!(
            store.write(false, insert_user_later("AIDA1".into())),
            store.write(false, insert_user_later("AIDA2".into())),
            store.write(false, insert_user_later("AIDA1".into())),
            release_when_queued(&store, held, 3),
        );
        assert_eq!(
            (first.unwrap(), other.unwrap()),
            ("AIDA1".into(), "AIDA2".into())
        );
        assert_eq!(again.unwrap_err().code, ErrorCode::EntityAlreadyExists);
        assert_eq!(user_ids(&store).await, ["AIDA1", "AIDA2"]);
    }

    #[tokio::test]
    async fn a_batch_larger_than_one_insert_finds_its_culprit_in_the_last_chunk() {
        let store = Arc::new(test_store(ACCOUNT).await);
        store
            .write(false, insert_user_later("taken".into()))
            .await
            .unwrap();
        // More rows than one statement takes, the taken id last: the first chunk is
        // written, the second fails, and its rows are tried one by one.
        let ids = (0..=MAX_ROWS)
            .map(|i| format!("id-{i}"))
            .chain(["taken".to_owned()]);
        let held = store.begin().await.unwrap();
        let writes: Vec<_> = ids
            .map(|id| {
                let store = store.clone();
                tokio::spawn(async move { store.write(false, insert_user_later(id)).await })
            })
            .collect();
        release_when_queued(&store, held, MAX_ROWS + 2).await;
        let mut failed = Vec::new();
        for (i, write) in writes.into_iter().enumerate() {
            if let Err(e) = write.await.unwrap() {
                assert_eq!(e.code, ErrorCode::EntityAlreadyExists);
                failed.push(i);
            }
        }
        assert_eq!(failed, [MAX_ROWS + 1], "only the taken id fails");
        assert_eq!(user_ids(&store).await.len(), MAX_ROWS + 2);
    }

    /// Names are checked in memory (`user_names`): a name taken earlier in the same batch,
    /// in another case, is refused, and one taken by a job that failed is free again.
    #[tokio::test]
    async fn a_name_taken_in_the_same_batch_is_refused_and_a_failed_jobs_name_is_free() {
        let store = test_store(ACCOUNT).await;
        let now = OffsetDateTime::now_utc();
        let held = store.begin().await.unwrap();
        let (first, again, failed, ()) = tokio::join!(
            store.create_user(ACCOUNT, new_user("dup"), now),
            store.create_user(ACCOUNT, new_user("DUP"), now),
            store.write(true, |w| Box::pin(async move {
                let user = crate::store::user_names::user(ACCOUNT, "freed", "AIDA9");
                w.take_user_name(user);
                insert_user(w, "AIDA9", "freed").await?;
                Err::<(), _>(aws_error!(LimitExceeded, "Cannot exceed quota."))
            })),
            release_when_queued(&store, held, 3),
        );
        let first = first.unwrap();
        let refused = again.unwrap_err();
        assert_eq!(refused.code, ErrorCode::EntityAlreadyExists);
        assert_eq!(refused.message, "User with name DUP already exists.");
        assert_eq!(failed.unwrap_err().code, ErrorCode::LimitExceeded);
        assert_eq!(user_ids(&store).await, std::slice::from_ref(&first.user_id));
        let view = store.propagation.exact_view().unwrap();
        assert_eq!(
            view.user_by_name(ACCOUNT, "dup").unwrap().user_id,
            first.user_id
        );
        store
            .create_user(ACCOUNT, new_user("freed"), now)
            .await
            .expect("the failed job's name was not kept");
    }

    #[tokio::test]
    async fn a_write_is_published_to_the_view_before_it_is_answered() {
        let store = test_store(ACCOUNT).await;
        let user = store
            .create_user(ACCOUNT, new_user("alice"), OffsetDateTime::now_utc())
            .await
            .unwrap();
        let view = store.propagation.exact_view().unwrap();
        assert_eq!(
            view.user_by_name(ACCOUNT, "alice").unwrap().user_id,
            user.user_id
        );
    }
}
