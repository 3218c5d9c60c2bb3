//! Which user holds each name: the store's own record, in memory, in place of a SQLite index
//! on `(account_id, user_name)` (migration 0025).
//!
//! New users' names fall all over such an index, so each new user put a page of its own in
//! the commit, copied to the journal and back (in memory) or into the WAL (on a file):
//! about a fifth of CreateUser's CPU (BENCHMARKS.md, item 56). The store writes under one
//! lock, so it can check a name itself: a write notes the names it takes and frees
//! ([`PendingNames`]) and they are applied once it has committed, before the lock is let go.
//! Look-ups by name find the user's id here, then its row by id.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::view::{FastMap, by_name_key, name_key};

/// The stored users' ids by name (account id, `/`, the name in lower case; IAM names are
/// unique per account regardless of case). Only what has been committed.
#[derive(Default)]
pub(crate) struct UserNames(Mutex<FastMap<Box<str>, Box<str>>>);

impl UserNames {
    fn names(&self) -> MutexGuard<'_, FastMap<Box<str>, Box<str>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The id of the user with this name, if there is one.
    pub(super) fn holder(&self, account_id: &str, user_name: &str) -> Option<String> {
        let names = self.names();
        by_name_key(account_id, user_name, |key| {
            names.get(key).map(|id| id.to_string())
        })
    }

    /// Every name anew, from the stored users: `(account id, name, user id)`.
    pub(super) fn replace<'a>(&self, users: impl Iterator<Item = (&'a str, &'a str, &'a str)>) {
        *self.names() = users
            .map(|(account_id, name, id)| (name_key(account_id, name).into(), id.into()))
            .collect();
    }

    fn apply(&self, changes: Vec<(usize, NameChange)>) {
        if changes.is_empty() {
            return;
        }
        let mut names = self.names();
        for (_, change) in changes {
            match change {
                NameChange::Taken { key, user_id } => names.insert(key, user_id),
                NameChange::Freed { key } => names.remove(&key),
            };
        }
    }
}

enum NameChange {
    Taken { key: Box<str>, user_id: Box<str> },
    Freed { key: Box<str> },
}

/// The names a write takes and frees, each with the job of its batch that did (undone with
/// it), applied to [`UserNames`] when the write commits.
pub(crate) struct PendingNames {
    names: Arc<UserNames>,
    changes: Vec<(usize, NameChange)>,
}

impl PendingNames {
    pub(super) fn new(names: Arc<UserNames>) -> PendingNames {
        PendingNames {
            names,
            changes: Vec::new(),
        }
    }

    /// The id of the user with this name, this write's changes included.
    pub(super) fn holder(&self, account_id: &str, user_name: &str) -> Option<String> {
        let latest = by_name_key(account_id, user_name, |key| {
            self.changes
                .iter()
                .rev()
                .find_map(|(_, change)| match change {
                    NameChange::Taken { key: k, user_id } if **k == *key => Some(Some(&**user_id)),
                    NameChange::Freed { key: k } if **k == *key => Some(None),
                    _ => None,
                })
        });
        match latest {
            Some(holder) => holder.map(str::to_owned),
            None => self.names.holder(account_id, user_name),
        }
    }

    pub(super) fn take(&mut self, job: usize, account_id: &str, user_name: &str, user_id: &str) {
        let key = name_key(account_id, user_name).into();
        let user_id = user_id.into();
        self.changes.push((job, NameChange::Taken { key, user_id }));
    }

    pub(super) fn free(&mut self, job: usize, account_id: &str, user_name: &str) {
        let key = name_key(account_id, user_name).into();
        self.changes.push((job, NameChange::Freed { key }));
    }

    /// Forgets what `job` did (it failed).
    pub(super) fn undo(&mut self, job: usize) {
        self.changes.retain(|(j, _)| *j != job);
    }

    /// Applies the changes: call once the write has committed.
    pub(super) fn committed(self) {
        self.names.apply(self.changes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_ignore_case_and_belong_to_their_account() {
        let names = UserNames::default();
        names.replace([("111111111111", "Alice", "AIDA1")].into_iter());
        assert_eq!(
            names.holder("111111111111", "ALICE").as_deref(),
            Some("AIDA1")
        );
        assert_eq!(names.holder("222222222222", "Alice"), None);
    }

    #[test]
    fn a_write_sees_its_own_changes_and_applies_them_only_when_committed() {
        let names = Arc::new(UserNames::default());
        names.replace([("111111111111", "alice", "AIDA1")].into_iter());
        let mut pending = PendingNames::new(names.clone());
        // A rename of alice to bob, by job 0.
        pending.free(0, "111111111111", "alice");
        pending.take(0, "111111111111", "Bob", "AIDA1");
        assert_eq!(pending.holder("111111111111", "alice"), None);
        assert_eq!(
            pending.holder("111111111111", "BOB").as_deref(),
            Some("AIDA1")
        );
        assert_eq!(
            names.holder("111111111111", "bob"),
            None,
            "not committed yet"
        );
        // Job 1 takes carol, then fails.
        pending.take(1, "111111111111", "carol", "AIDA2");
        pending.undo(1);
        assert_eq!(pending.holder("111111111111", "carol"), None);
        pending.committed();
        assert_eq!(names.holder("111111111111", "alice"), None);
        assert_eq!(
            names.holder("111111111111", "bob").as_deref(),
            Some("AIDA1")
        );
        assert_eq!(names.holder("111111111111", "carol"), None);
    }
}
