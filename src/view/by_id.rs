//! A map from a record's own id to the record that stores the id once: in the record. With
//! 100,000 users and as many keys, a separate `String` key per entry is megabytes.

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use super::{
    AccessKeyRecord, GroupRecord, InstanceProfileRecord, LoginProfileRecord, MfaDeviceRecord,
    OidcProviderRecord, RoleRecord, SessionRecord, SigningCertificateRecord, UserRecord,
};

/// The view's hash maps and sets: foldhash, seeded per process, instead of SipHash. Hashing
/// ids and names is a good part of what a write does to the view, SipHash several times
/// foldhash's cost; the keys are ids the server makes and names, no target worth a
/// collision attack on a local emulator.
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
pub type FastSet<T> = HashSet<T, foldhash::fast::RandomState>;

/// A record with the id it is found by.
pub trait HasId {
    fn id(&self) -> &str;
}

impl HasId for UserRecord {
    fn id(&self) -> &str {
        &self.user_id
    }
}

impl HasId for GroupRecord {
    fn id(&self) -> &str {
        &self.group_id
    }
}

impl HasId for RoleRecord {
    fn id(&self) -> &str {
        &self.role_id
    }
}

impl HasId for AccessKeyRecord {
    fn id(&self) -> &str {
        &self.access_key_id
    }
}

impl HasId for SessionRecord {
    fn id(&self) -> &str {
        &self.access_key_id
    }
}

impl HasId for InstanceProfileRecord {
    fn id(&self) -> &str {
        &self.instance_profile_id
    }
}

impl HasId for LoginProfileRecord {
    fn id(&self) -> &str {
        &self.user_id
    }
}

impl HasId for MfaDeviceRecord {
    fn id(&self) -> &str {
        &self.serial_number
    }
}

impl HasId for SigningCertificateRecord {
    fn id(&self) -> &str {
        &self.certificate_id
    }
}

impl HasId for OidcProviderRecord {
    fn id(&self) -> &str {
        &self.arn
    }
}

/// Records by id.
#[derive(Debug)]
pub struct ById<T: HasId>(FastSet<Entry<T>>);

impl<T: HasId> Default for ById<T> {
    fn default() -> Self {
        ById(FastSet::default())
    }
}

impl<T: HasId> ById<T> {
    /// Adds or replaces the record with the same id; returns the one replaced.
    pub fn insert(&mut self, record: Arc<T>) -> Option<Arc<T>> {
        self.0.replace(Entry(record)).map(|old| old.0)
    }

    pub fn reserve(&mut self, additional: usize) {
        self.0.reserve(additional);
    }

    pub fn remove(&mut self, id: &str) -> Option<Arc<T>> {
        self.0.take(id).map(|old| old.0)
    }

    pub fn get(&self, id: &str) -> Option<&Arc<T>> {
        self.0.get(id).map(|entry| &entry.0)
    }

    pub fn contains_key(&self, id: &str) -> bool {
        self.0.contains(id)
    }

    pub fn values(&self) -> impl Iterator<Item = &Arc<T>> {
        self.0.iter().map(|entry| &entry.0)
    }
}

/// Hashed and compared by the record's id, so a set of them is a map by id (`Borrow<str>`
/// lets it be searched with a `&str`; `str`'s hash is the entry's hash, as `Borrow` requires).
#[derive(Debug)]
struct Entry<T: HasId>(Arc<T>);

impl<T: HasId> Borrow<str> for Entry<T> {
    fn borrow(&self) -> &str {
        self.0.id()
    }
}

impl<T: HasId> Hash for Entry<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.id().hash(state);
    }
}

impl<T: HasId> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0.id() == other.0.id()
    }
}

impl<T: HasId> Eq for Entry<T> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str, secret: &str) -> Arc<AccessKeyRecord> {
        Arc::new(AccessKeyRecord {
            access_key_id: id.into(),
            account_id: "123456789012".into(),
            user_id: None,
            secret_access_key: secret.into(),
            active: true,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        })
    }

    #[test]
    fn records_are_found_replaced_and_removed_by_their_id() {
        let mut keys = ById::default();
        assert!(keys.insert(key("AKIA1", "a")).is_none());
        assert!(keys.insert(key("AKIA2", "b")).is_none());
        let old = keys.insert(key("AKIA1", "c")).unwrap();
        assert_eq!(old.secret_access_key, "a");
        assert_eq!(keys.get("AKIA1").unwrap().secret_access_key, "c");
        assert!(keys.contains_key("AKIA2"));
        assert_eq!(keys.remove("AKIA2").unwrap().secret_access_key, "b");
        assert!(keys.get("AKIA2").is_none());
        assert_eq!(keys.values().count(), 1);
    }
}
