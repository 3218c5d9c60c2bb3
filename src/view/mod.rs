//! The data plane: an in-memory, read-optimised picture of what authentication and
//! authorization need. Built from the store at start-up, then kept current by the
//! [`Change`]s the store publishes through `consistency`.
//!
//! Authentication and authorization read only this, never SQLite: that keeps the hot path in
//! memory and makes "the change is not visible yet" a real state.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

/// A change to the control plane, as the data plane needs to know it. Each carries the
/// whole new record, so applying one twice is harmless.
#[derive(Debug, Clone)]
pub enum Change {
    AccountCreated { account_id: String },
    UserPut(Arc<UserRecord>),
    UserRemoved { user_id: String },
    AccessKeyPut(Arc<AccessKeyRecord>),
    AccessKeyRemoved { access_key_id: String },
}

/// What the data plane knows of an IAM user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub user_id: String,
    pub account_id: String,
    pub user_name: String,
    pub path: String,
    pub arn: String,
    pub tags: Vec<(String, String)>,
}

/// What the data plane knows of a long-term access key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKeyRecord {
    pub access_key_id: String,
    pub account_id: String,
    /// `None` for the keys of an account's root user.
    pub user_id: Option<String>,
    pub secret_access_key: String,
    pub active: bool,
}

/// The principal a credential belongs to, resolved from the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Root { account_id: String },
    User(Arc<UserRecord>),
}

impl Principal {
    pub fn account_id(&self) -> &str {
        match self {
            Principal::Root { account_id } => account_id,
            Principal::User(user) => &user.account_id,
        }
    }
}

#[derive(Debug, Default)]
struct ViewData {
    accounts: HashSet<String>,
    users: HashMap<String, Arc<UserRecord>>,
    /// `account_id/lowercase name` → user: IAM names compare without case.
    users_by_name: HashMap<String, Arc<UserRecord>>,
    access_keys: HashMap<String, Arc<AccessKeyRecord>>,
}

#[derive(Debug, Default)]
pub struct View {
    data: RwLock<ViewData>,
}

impl View {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn apply(&self, changes: impl IntoIterator<Item = Change>) {
        let mut data = self.data.write().unwrap_or_else(|e| e.into_inner());
        for change in changes {
            match change {
                Change::AccountCreated { account_id } => {
                    data.accounts.insert(account_id);
                }
                Change::UserPut(user) => {
                    if let Some(old) = data.users.insert(user.user_id.clone(), user.clone()) {
                        data.users_by_name
                            .remove(&name_key(&old.account_id, &old.user_name));
                    }
                    data.users_by_name
                        .insert(name_key(&user.account_id, &user.user_name), user);
                }
                Change::UserRemoved { user_id } => {
                    if let Some(old) = data.users.remove(&user_id) {
                        data.users_by_name
                            .remove(&name_key(&old.account_id, &old.user_name));
                    }
                }
                Change::AccessKeyPut(key) => {
                    data.access_keys.insert(key.access_key_id.clone(), key);
                }
                Change::AccessKeyRemoved { access_key_id } => {
                    data.access_keys.remove(&access_key_id);
                }
            }
        }
    }

    pub fn has_account(&self, account_id: &str) -> bool {
        self.read().accounts.contains(account_id)
    }

    pub fn user_by_name(&self, account_id: &str, user_name: &str) -> Option<Arc<UserRecord>> {
        self.read()
            .users_by_name
            .get(&name_key(account_id, user_name))
            .cloned()
    }

    /// The key with this id and the principal it belongs to, if both are visible.
    pub fn access_key(&self, access_key_id: &str) -> Option<(Arc<AccessKeyRecord>, Principal)> {
        let data = self.read();
        let key = data.access_keys.get(access_key_id)?.clone();
        let principal = match &key.user_id {
            None => Principal::Root {
                account_id: key.account_id.clone(),
            },
            Some(user_id) => Principal::User(data.users.get(user_id)?.clone()),
        };
        Some((key, principal))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, ViewData> {
        self.data.read().unwrap_or_else(|e| e.into_inner())
    }
}

fn name_key(account_id: &str, name: &str) -> String {
    format!("{account_id}/{}", name.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> Arc<UserRecord> {
        Arc::new(UserRecord {
            user_id: "AIDAEXAMPLE".into(),
            account_id: "123456789012".into(),
            user_name: "alice".into(),
            path: "/".into(),
            arn: "arn:aws:iam::123456789012:user/alice".into(),
            tags: vec![],
        })
    }

    fn key(user_id: Option<&str>) -> Arc<AccessKeyRecord> {
        Arc::new(AccessKeyRecord {
            access_key_id: "AKIAEXAMPLE".into(),
            account_id: "123456789012".into(),
            user_id: user_id.map(Into::into),
            secret_access_key: "s".into(),
            active: true,
        })
    }

    #[test]
    fn a_key_resolves_to_its_user_once_both_are_visible() {
        let view = View::new();
        view.apply([Change::AccessKeyPut(key(Some("AIDAEXAMPLE")))]);
        assert!(view.access_key("AKIAEXAMPLE").is_none());
        view.apply([Change::UserPut(user())]);
        let (_, principal) = view.access_key("AKIAEXAMPLE").unwrap();
        assert_eq!(principal, Principal::User(user()));
        assert_eq!(view.user_by_name("123456789012", "ALICE"), Some(user()));
        let renamed = UserRecord {
            user_name: "bob".into(),
            ..(*user()).clone()
        };
        view.apply([Change::UserPut(Arc::new(renamed))]);
        assert_eq!(view.user_by_name("123456789012", "alice"), None);
        assert!(view.user_by_name("123456789012", "bob").is_some());
        view.apply([Change::AccessKeyRemoved {
            access_key_id: "AKIAEXAMPLE".into(),
        }]);
        assert!(view.access_key("AKIAEXAMPLE").is_none());
    }

    #[test]
    fn root_keys_need_no_user() {
        let view = View::new();
        view.apply([Change::AccessKeyPut(key(None)), Change::UserPut(user())]);
        let (_, principal) = view.access_key("AKIAEXAMPLE").unwrap();
        assert_eq!(principal.account_id(), "123456789012");
        assert!(matches!(principal, Principal::Root { .. }));
    }
}
