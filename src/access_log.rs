//! Service last accessed data: when each IAM user and role was last allowed an action, for
//! the access advisor reports (`GenerateServiceLastAccessedDetails` and its readers).
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_last-accessed.html>
//!
//! Fed by every allowed authorization (`Ctx::conclude`): one lock, one lookup, and an
//! allocation only the first time an entity does an action (or does it again after the
//! last write). Held in memory, and written to the store with the key uses
//! (`App::flush_service_accesses`), so a restart on a database file remembers it; a reset
//! forgets it. AWS records denied attempts too; iamlocal records what it allowed, which is
//! what "could this permission go?" needs.
//! The reports a job id names are kept here too, in memory only: a restart or a reset
//! forgets them (a new report, from the remembered accesses, is one call away).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use time::OffsetDateTime;

use crate::view::FastMap;

/// One entity's last use of one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub time: OffsetDateTime,
    pub region: String,
}

/// Entity ARN → action (`service:action`, lowercase) → its last access. Looked up twice in
/// each allowed request, so hashed with foldhash (see `view`).
type Accesses = FastMap<String, FastMap<String, Access>>;

#[derive(Default)]
struct Log {
    accesses: Accesses,
    /// Entity ARN → the actions whose access changed since the last write.
    unwritten: FastMap<String, Vec<String>>,
}

#[derive(Default)]
pub struct AccessLog<R> {
    accesses: Mutex<Log>,
    /// Job id → (account, report).
    reports: Mutex<HashMap<String, (String, Arc<R>)>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<R> AccessLog<R> {
    pub fn new() -> Self {
        AccessLog {
            accesses: Mutex::new(Log::default()),
            reports: Mutex::new(HashMap::new()),
        }
    }

    /// Notes that `entity` (a user's or role's ARN) was allowed `action` (lowercase).
    pub fn record(&self, entity: &str, action: &str, time: OffsetDateTime, region: &str) {
        let mut log = lock(&self.accesses);
        let Log {
            accesses,
            unwritten,
        } = &mut *log;
        let pending = match unwritten.get_mut(entity) {
            Some(pending) => pending,
            None => unwritten.entry(entity.to_owned()).or_default(),
        };
        if !pending.iter().any(|a| a == action) {
            pending.push(action.to_owned());
        }
        let actions = match accesses.get_mut(entity) {
            Some(actions) => actions,
            None => accesses.entry(entity.to_owned()).or_default(),
        };
        match actions.get_mut(action) {
            Some(access) => {
                access.time = time;
                if access.region != region {
                    region.clone_into(&mut access.region);
                }
            }
            None => {
                actions.insert(
                    action.to_owned(),
                    Access {
                        time,
                        region: region.to_owned(),
                    },
                );
            }
        }
    }

    /// What `entity` did, by action (lowercase).
    pub fn of(&self, entity: &str) -> FastMap<String, Access> {
        lock(&self.accesses)
            .accesses
            .get(entity)
            .cloned()
            .unwrap_or_default()
    }

    /// The accesses that changed since the last call, to be written to the store.
    pub fn take_unwritten(&self) -> Vec<(String, String, Access)> {
        let mut log = lock(&self.accesses);
        let unwritten = std::mem::take(&mut log.unwritten);
        let mut changed = Vec::new();
        for (entity, actions) in unwritten {
            for action in actions {
                if let Some(access) = log.accesses.get(&entity).and_then(|a| a.get(&action)) {
                    changed.push((entity.clone(), action, access.clone()));
                }
            }
        }
        changed
    }

    /// Takes in the accesses the store kept (at start).
    pub fn load(&self, accesses: Vec<(String, String, Access)>) {
        let mut log = lock(&self.accesses);
        for (entity, action, access) in accesses {
            log.accesses
                .entry(entity)
                .or_default()
                .insert(action, access);
        }
    }

    pub fn keep_report(&self, job_id: &str, account_id: &str, report: R) {
        lock(&self.reports).insert(job_id.to_owned(), (account_id.to_owned(), Arc::new(report)));
    }

    /// The report a job id names, if it is the account's.
    pub fn report(&self, job_id: &str, account_id: &str) -> Option<Arc<R>> {
        lock(&self.reports)
            .get(job_id)
            .filter(|(owner, _)| owner == account_id)
            .map(|(_, report)| report.clone())
    }

    pub fn clear(&self) {
        *lock(&self.accesses) = Log::default();
        lock(&self.reports).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_access_of_each_action_is_kept() {
        let log: AccessLog<()> = AccessLog::new();
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let t1 = t0 + time::Duration::seconds(5);
        log.record("arn:aws:iam::1:user/a", "iam:getuser", t0, "us-east-1");
        log.record("arn:aws:iam::1:user/a", "iam:getuser", t1, "eu-west-1");
        let of = log.of("arn:aws:iam::1:user/a");
        assert_eq!(of.len(), 1);
        assert_eq!(of["iam:getuser"].time, t1);
        assert_eq!(of["iam:getuser"].region, "eu-west-1");
        assert!(log.of("arn:aws:iam::1:user/b").is_empty());
    }
}
