//! Which user holds each name: the store's own record, in memory, in place of a SQLite index
//! on `(account_id, user_name)` (migration 0025).
//!
//! New users' names fall all over such an index, so each new user put a page of its own in
//! the commit, copied to the journal and back (in memory) or into the WAL (on a file): CPU
//! per CreateUser fell 15-17 % without it (BENCHMARKS.md, item 56). The store writes under
//! one lock, so it can check a name itself: a write notes the names it takes and frees
//! ([`PendingNames`]) and they are applied once it has committed, before the lock is let go.
//! Look-ups by name find the user's id here, then its row by id.
//!
//! The set holds the users' records, shared with the data plane's view, and is searched by
//! (account, name) through them: no key of its own per user, so 100,000 users cost it about
//! a megabyte.

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::view::{FastSet, UserRecord, by_name_key};

/// The stored users by name (IAM names are unique per account regardless of case). Only what
/// has been committed.
#[derive(Default)]
pub(crate) struct UserNames(Mutex<FastSet<Holder>>);

impl UserNames {
    fn holders(&self) -> MutexGuard<'_, FastSet<Holder>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The id of the user with this name, if there is one.
    pub(super) fn holder(&self, account_id: &str, user_name: &str) -> Option<String> {
        let name: &dyn Named = &(account_id, user_name);
        (self.holders().get(name)).map(|holder| holder.0.user_id.clone())
    }

    /// The account's users whose path starts with `path_prefix`, by name, ASCII case aside
    /// (as SQLite's `NOCASE` orders them), from the one named `marker` on: at most
    /// `max_items`, and the name to go on from when more remain. Without the index on names,
    /// this is cheaper than SQLite's scan of every row (30 ms at 100,000 users).
    pub(super) fn page(
        &self,
        account_id: &str,
        path_prefix: &str,
        marker: Option<&str>,
        max_items: usize,
    ) -> (Vec<Arc<UserRecord>>, Option<String>) {
        let holders = self.holders();
        let marker = marker.unwrap_or("");
        let mut users: Vec<&Arc<UserRecord>> = (holders.iter())
            .map(|holder| &holder.0)
            .filter(|user| {
                *user.account_id == *account_id
                    && user.path.starts_with(path_prefix)
                    && folded_cmp(&user.user_name, marker).is_ge()
            })
            .collect();
        let by_name =
            |a: &&Arc<UserRecord>, b: &&Arc<UserRecord>| folded_cmp(&a.user_name, &b.user_name);
        if users.len() > max_items + 1 {
            users.select_nth_unstable_by(max_items, by_name);
            users.truncate(max_items + 1);
        }
        users.sort_unstable_by(by_name);
        let next = (users.len() > max_items).then(|| users[max_items].user_name.clone());
        users.truncate(max_items);
        (users.into_iter().cloned().collect(), next)
    }

    /// Every name anew, from the stored users.
    pub(super) fn replace(&self, users: impl Iterator<Item = Arc<UserRecord>>) {
        *self.holders() = users.map(Holder).collect();
    }

    fn apply(&self, changes: Vec<(usize, NameChange)>) {
        if changes.is_empty() {
            return;
        }
        let mut holders = self.holders();
        for (_, change) in changes {
            match change {
                NameChange::Taken(user) => holders.replace(Holder(user)),
                NameChange::Freed(account_id, user_name) => {
                    let name: &dyn Named = &(&*account_id, &*user_name);
                    holders.take(name)
                }
            };
        }
    }
}

/// Names compared as SQLite's `NOCASE` compares them: ASCII letters folded to lower case.
fn folded_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|b| b.to_ascii_lowercase())
        .cmp(b.bytes().map(|b| b.to_ascii_lowercase()))
}

/// An account id and a user name, compared and hashed as IAM compares names: ASCII case
/// aside (as SQLite's `NOCASE`).
trait Named {
    fn account_id(&self) -> &str;
    fn user_name(&self) -> &str;
}

impl Named for (&str, &str) {
    fn account_id(&self) -> &str {
        self.0
    }
    fn user_name(&self) -> &str {
        self.1
    }
}

impl Hash for dyn Named + '_ {
    fn hash<H: Hasher>(&self, state: &mut H) {
        by_name_key(self.account_id(), self.user_name(), |key| key.hash(state));
    }
}

impl PartialEq for dyn Named + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.account_id() == other.account_id()
            && self.user_name().eq_ignore_ascii_case(other.user_name())
    }
}

impl Eq for dyn Named + '_ {}

/// A user in the set, found by its name (`Borrow<dyn Named>`: its hash and equality are its
/// name's, as `Borrow` requires). Only the record's account, name and id are read: a later
/// change of its tags leaves this copy as it was.
struct Holder(Arc<UserRecord>);

impl Named for UserRecord {
    fn account_id(&self) -> &str {
        &self.account_id
    }
    fn user_name(&self) -> &str {
        &self.user_name
    }
}

impl<'a> Borrow<dyn Named + 'a> for Holder {
    fn borrow(&self) -> &(dyn Named + 'a) {
        &*self.0
    }
}

impl Hash for Holder {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (&*self.0 as &dyn Named).hash(state);
    }
}

impl PartialEq for Holder {
    fn eq(&self, other: &Self) -> bool {
        (&*self.0 as &dyn Named) == (&*other.0 as &dyn Named)
    }
}

impl Eq for Holder {}

enum NameChange {
    Taken(Arc<UserRecord>),
    /// An account id and a user name.
    Freed(Box<str>, Box<str>),
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
        let name: &dyn Named = &(account_id, user_name);
        let latest = self
            .changes
            .iter()
            .rev()
            .find_map(|(_, change)| match change {
                NameChange::Taken(user) if name == &**user as &dyn Named => {
                    Some(Some(user.user_id.clone()))
                }
                NameChange::Freed(account_id, user_name)
                    if name == &(&**account_id, &**user_name) as &dyn Named =>
                {
                    Some(None)
                }
                _ => None,
            });
        latest.unwrap_or_else(|| self.names.holder(account_id, user_name))
    }

    pub(super) fn take(&mut self, job: usize, user: Arc<UserRecord>) {
        self.changes.push((job, NameChange::Taken(user)));
    }

    pub(super) fn free(&mut self, job: usize, account_id: &str, user_name: &str) {
        let freed = NameChange::Freed(account_id.into(), user_name.into());
        self.changes.push((job, freed));
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

/// A user's record with only what names need, for tests.
#[cfg(test)]
pub(super) fn user(account_id: &str, user_name: &str, user_id: &str) -> Arc<UserRecord> {
    Arc::new(UserRecord {
        user_id: user_id.into(),
        account_id: account_id.into(),
        user_name: user_name.into(),
        path: "/".into(),
        arn: String::new(),
        created_at: time::OffsetDateTime::UNIX_EPOCH,
        permissions_boundary: None,
        tags: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_ignore_case_and_belong_to_their_account() {
        let names = UserNames::default();
        names.replace([user("111111111111", "Alice", "AIDA1")].into_iter());
        assert_eq!(
            names.holder("111111111111", "ALICE").as_deref(),
            Some("AIDA1")
        );
        assert_eq!(names.holder("222222222222", "Alice"), None);
        assert_eq!(names.holder("111111111111", "Alic"), None);
    }

    #[test]
    fn a_page_goes_by_name_case_aside_within_the_account_and_path() {
        let names = UserNames::default();
        let mut users = vec![
            user("111111111111", "bob", "AIDA2"),
            user("111111111111", "Alice", "AIDA1"),
            user("111111111111", "carol", "AIDA3"),
            user("111111111111", "Dave", "AIDA4"),
            user("222222222222", "aaron", "AIDA5"),
        ];
        Arc::get_mut(&mut users[2]).unwrap().path = "/ops/".into();
        names.replace(users.into_iter());
        let page = |prefix, marker, max| {
            let (users, next) = names.page("111111111111", prefix, marker, max);
            let names: Vec<_> = users.iter().map(|u| u.user_name.clone()).collect();
            (names, next)
        };
        assert_eq!(
            page("/", None, 2),
            (vec!["Alice".into(), "bob".into()], Some("carol".into()))
        );
        assert_eq!(
            page("/", Some("CAROL"), 2),
            (vec!["carol".into(), "Dave".into()], None)
        );
        assert_eq!(page("/ops/", None, 10), (vec!["carol".into()], None));
        assert_eq!(
            page("/", Some("b"), 1),
            (vec!["bob".into()], Some("carol".into()))
        );
    }

    #[test]
    fn a_write_sees_its_own_changes_and_applies_them_only_when_committed() {
        let names = Arc::new(UserNames::default());
        names.replace([user("111111111111", "alice", "AIDA1")].into_iter());
        let mut pending = PendingNames::new(names.clone());
        // A rename of alice to Bob, by job 0.
        pending.free(0, "111111111111", "alice");
        pending.take(0, user("111111111111", "Bob", "AIDA1"));
        assert_eq!(pending.holder("111111111111", "ALICE"), None);
        assert_eq!(
            pending.holder("111111111111", "bob").as_deref(),
            Some("AIDA1")
        );
        assert_eq!(
            names.holder("111111111111", "bob"),
            None,
            "not committed yet"
        );
        // Job 1 takes carol, then fails.
        pending.take(1, user("111111111111", "carol", "AIDA2"));
        pending.undo(1);
        assert_eq!(pending.holder("111111111111", "carol"), None);
        pending.committed();
        assert_eq!(names.holder("111111111111", "alice"), None);
        assert_eq!(
            names.holder("111111111111", "BOB").as_deref(),
            Some("AIDA1")
        );
        assert_eq!(names.holder("111111111111", "carol"), None);
    }
}
