//! Group commit: concurrent writes share one transaction.
//!
//! Every statement is a round trip to sqlx-sqlite's worker thread (a channel and a thread
//! wake each way), and `BEGIN` and `COMMIT` are two more per write. [`Store::write`] queues
//! its job instead; whichever caller gets the write lock first runs every queued job in one
//! transaction, commits once, publishes the jobs' changes in order, and only then answers
//! each caller. A job that fails with the caller's error (a name already taken) is undone
//! alone, through a savepoint when it asked for one, and its batch-mates commit; an internal
//! error rolls the whole batch back and fails every job in it.
//!
//! A job that changes a role's last use says so with [`Staged::note_role_use`]: each role's
//! latest use is written once per batch, not once per `AssumeRole`.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use sqlx::{Sqlite, SqlitePool, Transaction};
use time::OffsetDateTime;
use tokio::sync::{OwnedMutexGuard, oneshot};

use super::Store;
use crate::consistency::{ChangeKind, Propagation};
use crate::error::{AwsError, Fault};
use crate::view::Change;

type JobFuture<'w> = Pin<Box<dyn Future<Output = Result<Box<dyn Any + Send>, AwsError>> + Send + 'w>>;
type JobFn = Box<dyn for<'w> FnOnce(&'w mut Staged) -> JobFuture<'w> + Send>;
type Answer = Result<Box<dyn Any + Send>, AwsError>;

/// A write waiting for its batch.
pub(super) struct Job {
    run: JobFn,
    savepoint: bool,
    done: oneshot::Sender<Answer>,
}

/// Writes waiting for the write lock; whoever gets it runs them all.
pub(super) type Queue = Arc<Mutex<Vec<Job>>>;

/// What a job writes with: the batch's transaction, and the changes it records.
pub(crate) struct Staged {
    pub tx: Transaction<'static, Sqlite>,
    changes: Vec<(Option<ChangeKind>, Change)>,
    role_uses: Vec<(String, OffsetDateTime, String)>,
}

impl Staged {
    pub fn record(&mut self, change: Change) {
        self.changes.push((change.kind(), change));
    }

    /// A role's last use (`RoleLastUsed`), written when the batch commits.
    pub fn note_role_use(&mut self, role_id: &str, at: OffsetDateTime, region: &str) {
        self.role_uses
            .push((role_id.to_owned(), at, region.to_owned()));
    }
}

impl Store {
    /// Runs `job` in the next batch and answers once that batch has committed (see the
    /// module's documentation). A job whose statements can fail after an earlier one of them
    /// changed something asks for a `savepoint`; a job that fails on its first change, or
    /// whose later statements cannot fail but for an internal error, need not.
    pub(crate) async fn write<T, F>(&self, savepoint: bool, job: F) -> Result<T, AwsError>
    where
        T: Send + 'static,
        F: for<'w> FnOnce(&'w mut Staged) -> Pin<Box<dyn Future<Output = Result<T, AwsError>> + Send + 'w>>
            + Send
            + 'static,
    {
        let (done, mut answer) = oneshot::channel();
        let run: JobFn = Box::new(move |staged| {
            Box::pin(async move {
                let value = job(staged).await?;
                Ok(Box::new(value) as Box<dyn Any + Send>)
            })
        });
        lock(&self.queue).push(Job {
            run,
            savepoint,
            done,
        });
        tokio::select! {
            biased;
            answered = &mut answer => return unpack(answered),
            guard = self.write_lock.clone().lock_owned() => {
                let jobs = std::mem::take(&mut *lock(&self.queue));
                if !jobs.is_empty() {
                    // A task of its own: a caller that goes away (a client hanging up) must
                    // not cut its batch-mates' batch short between the commit and publishing.
                    let batch = run_batch(self.writer.clone(), self.propagation.clone(), guard, jobs);
                    tokio::spawn(batch);
                }
            }
        }
        unpack(answer.await)
    }
}

fn lock(queue: &Queue) -> std::sync::MutexGuard<'_, Vec<Job>> {
    queue.lock().unwrap_or_else(|e| e.into_inner())
}

fn unpack<T: 'static>(answer: Result<Answer, oneshot::error::RecvError>) -> Result<T, AwsError> {
    let value = answer.map_err(AwsError::internal)??;
    value
        .downcast::<T>()
        .map(|value| *value)
        .map_err(|_| AwsError::internal("a batched write answered with the wrong type"))
}

/// Runs the jobs in one transaction while holding the write lock, publishes their changes
/// after the commit (in order, before the lock is released), then answers each caller.
async fn run_batch(
    writer: SqlitePool,
    propagation: Arc<Propagation>,
    _guard: OwnedMutexGuard<()>,
    jobs: Vec<Job>,
) {
    let mut answers = Vec::with_capacity(jobs.len());
    let outcome = run_jobs(&writer, jobs, &mut answers).await;
    match outcome {
        Ok(changes) => {
            propagation.publish(changes);
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
    writer: &SqlitePool,
    jobs: Vec<Job>,
    answers: &mut Answers,
) -> Result<Vec<(Option<ChangeKind>, Change)>, AwsError> {
    let mut jobs = jobs.into_iter();
    let tx = match writer.begin().await {
        Ok(tx) => tx,
        Err(e) => {
            let e = AwsError::from(e);
            answers.extend(jobs.map(|job| (job.done, Err(e.clone()))));
            return Err(e);
        }
    };
    let mut staged = Staged {
        tx,
        changes: Vec::new(),
        role_uses: Vec::new(),
    };
    while let Some(job) = jobs.next() {
        let marks = (staged.changes.len(), staged.role_uses.len());
        let result = run_one(&mut staged, job.run, job.savepoint).await;
        match result {
            Ok(answer) => {
                if answer.is_err() {
                    staged.changes.truncate(marks.0);
                    staged.role_uses.truncate(marks.1);
                }
                answers.push((job.done, answer));
            }
            Err(e) => {
                // The transaction cannot be trusted any more: nothing of the batch commits.
                answers.push((job.done, Err(e.clone())));
                answers.extend(jobs.by_ref().map(|job| (job.done, Err(e.clone()))));
                let _ = staged.tx.rollback().await;
                return Err(e);
            }
        }
    }
    let mut latest: HashMap<String, (OffsetDateTime, String)> = HashMap::new();
    for (role_id, at, region) in staged.role_uses.drain(..) {
        latest.insert(role_id, (at, region));
    }
    for (role_id, (at, region)) in latest {
        super::roles::note_use(&mut staged.tx, &role_id, at, &region).await?;
    }
    staged.tx.commit().await?;
    Ok(staged.changes)
}

/// One job: `Ok` with its answer (its own failure included), or `Err` when the batch must
/// be abandoned.
async fn run_one(staged: &mut Staged, run: JobFn, savepoint: bool) -> Result<Answer, AwsError> {
    if savepoint {
        sqlx::query("SAVEPOINT job").execute(&mut *staged.tx).await?;
    }
    let answer = run(staged).await;
    match &answer {
        Err(e) if e.code.fault() == Fault::Receiver => return Err(e.clone()),
        Err(_) if savepoint => {
            sqlx::query("ROLLBACK TO job").execute(&mut *staged.tx).await?;
            sqlx::query("RELEASE job").execute(&mut *staged.tx).await?;
        }
        Ok(_) if savepoint => {
            sqlx::query("RELEASE job").execute(&mut *staged.tx).await?;
        }
        _ => {}
    }
    Ok(answer)
}

