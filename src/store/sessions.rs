//! Temporary credentials. STS mints them; they are stored so that they outlive a restart
//! of a server with a database file, until they expire.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::deferred_rows::{Cell, RowsInsert};
use super::policies::stored_document;
use super::{Store, from_millis, to_millis};
use crate::error::{AwsError, ErrorCode};
use crate::ids::{ID_ATTEMPTS, IdKind, TokenDigest, new_id};
use crate::policy::{NamedPolicy, PolicyKind};
use crate::sts::role_session::SESSION_POLICY_ID;
use crate::view::{Change, SessionOf, SessionRecord};

/// The parts of a session kept as JSON: nothing in them is ever queried by SQL. Written
/// borrowing from the session's record, read back owned. What is empty is left out: rows
/// are smaller, and a busy `AssumeRole` writes one each.
#[derive(Serialize, Deserialize)]
struct Details<'a> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    role: Option<RoleDetails<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_id: Option<Cow<'a, str>>,
    /// A `GetFederationToken` session: the federated user's name (`user_id` issued it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    federated_name: Option<Cow<'a, str>>,
    /// The inline session policy, and the managed ones by ARN (their default versions
    /// apply); neither when `has_policies` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    inline_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    policy_arns: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    has_policies: bool,
    #[serde(default, skip_serializing_if = "is_empty")]
    tags: Cow<'a, [(String, String)]>,
    #[serde(default, skip_serializing_if = "is_empty")]
    transitive_tag_keys: Cow<'a, [String]>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source_identity: Option<Cow<'a, str>>,
    /// When MFA was used, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mfa_authenticated_at: Option<i64>,
}

fn is_empty<T>(list: &[T]) -> bool {
    list.is_empty()
}

#[derive(Serialize, Deserialize)]
struct RoleDetails<'a> {
    role_id: Cow<'a, str>,
    role_name: Cow<'a, str>,
    role_arn: Cow<'a, str>,
    session_name: Cow<'a, str>,
}

/// A role session's details are at most about this long: their JSON is written without
/// growing.
const DETAILS_BYTES: usize = 320;

/// A new session: the record, and its session policies as they were passed.
pub struct NewSession {
    pub record: SessionRecord,
    pub inline_policy: Option<String>,
    pub policy_arns: Vec<String>,
    /// The region the credentials were requested in: for a role session, the role's last
    /// use (`RoleLastUsed`), written in the same transaction.
    pub region: String,
}

/// New sessions, written with the batch's other new sessions (see `Staged::insert_later`).
static INSERT_SESSIONS: RowsInsert = RowsInsert::new(
    "INTO sessions (access_key_id, account_id, secret_access_key, session_token, details,
                    issued_at, expires_at)",
    7,
);

/// The key ids of the stored sessions. SQLite keeps no index on them (migration 0024: an
/// index on a random key put every new session on an index page of its own, copied twice by
/// each commit), so a new session's id is checked here, in batch order. Set from the table
/// whenever the view is built from it; a batch that fails after claiming an id (an internal
/// error) leaves it claimed until the next restart.
#[derive(Default)]
pub(super) struct KeyIds(Mutex<HashSet<Box<str>, foldhash::fast::RandomState>>);

impl KeyIds {
    fn ids(&self) -> std::sync::MutexGuard<'_, HashSet<Box<str>, foldhash::fast::RandomState>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes `id` for a new session: false when a stored session has it.
    fn claim(&self, id: &str) -> bool {
        self.ids().insert(id.into())
    }
}

impl Store {
    pub async fn create_session(&self, new: NewSession) -> Result<Arc<SessionRecord>, AwsError> {
        let record = new.record;
        let (role, user_id, federated_name) = match &record.of {
            SessionOf::Role {
                role_id,
                role_name,
                role_arn,
                session_name,
            } => (
                Some(RoleDetails {
                    role_id: role_id.into(),
                    role_name: role_name.into(),
                    role_arn: role_arn.into(),
                    session_name: session_name.into(),
                }),
                None,
                None,
            ),
            SessionOf::Caller { user_id } => (None, user_id.as_deref().map(Cow::from), None),
            SessionOf::Federated { user_id, name } => (
                None,
                user_id.as_deref().map(Cow::from),
                Some(Cow::from(name)),
            ),
        };
        let details = Details {
            role,
            user_id,
            federated_name,
            has_policies: record.policies.is_some(),
            inline_policy: new.inline_policy,
            policy_arns: new.policy_arns,
            tags: Cow::from(&record.tags),
            transitive_tag_keys: Cow::from(&record.transitive_tag_keys),
            source_identity: record.source_identity.as_deref().map(Cow::from),
            mfa_authenticated_at: record.mfa_authenticated_at.map(to_millis),
        };
        let mut json = Vec::with_capacity(DETAILS_BYTES);
        serde_json::to_writer(&mut json, &details).map_err(AwsError::internal)?;
        let details = String::from_utf8(json).map_err(AwsError::internal)?;
        let region = new.region;
        let mut record = Arc::new(record);
        // Temporary key ids carry the account and can collide: retry with a fresh one (the
        // caller answers with the id of the record returned).
        for _ in 1..ID_ATTEMPTS {
            match self.insert_session(record.clone(), &details, &region).await {
                Err(e) if e.code == ErrorCode::EntityAlreadyExists => {
                    let mut fresh = SessionRecord::clone(&record);
                    fresh.access_key_id = new_id(IdKind::TemporaryAccessKey, &fresh.account_id);
                    record = Arc::new(fresh);
                }
                inserted => return inserted,
            }
        }
        self.insert_session(record, &details, &region)
            .await
            .map_err(AwsError::internal)
    }

    /// One row, inserted with the batch's other new sessions, and the role's last use.
    async fn insert_session(
        &self,
        record: Arc<SessionRecord>,
        details: &str,
        region: &str,
    ) -> Result<Arc<SessionRecord>, AwsError> {
        let row = vec![
            Cell::from(&*record.access_key_id),
            Cell::from(&*record.account_id),
            Cell::from(&*record.secret_access_key),
            Cell::from(record.token_digest.to_hex().as_str()),
            Cell::from(details),
            Cell::from(to_millis(record.issued_at)),
            Cell::from(to_millis(record.expires_at)),
        ];
        let region = region.to_owned();
        let key_ids = self.session_key_ids.clone();
        self.write(false, move |w| {
            Box::pin(async move {
                fn taken(_: &[Cell]) -> AwsError {
                    AwsError::new(
                        ErrorCode::EntityAlreadyExists,
                        "The access key id is taken.",
                    )
                }
                if !key_ids.claim(&record.access_key_id) {
                    return Err(taken(&row));
                }
                w.insert_later(&INSERT_SESSIONS, row, taken);
                if let SessionOf::Role { role_id, .. } = &record.of {
                    w.note_role_use(role_id, record.issued_at, &region);
                }
                w.record(Change::SessionPut(record.clone()));
                Ok(record)
            })
        })
        .await
    }

    /// Deletes sessions that expired before `now`.
    pub async fn delete_expired_sessions(&self, now: OffsetDateTime) -> Result<u64, AwsError> {
        let mut w = self.begin().await?;
        let deleted: Vec<(String,)> =
            sqlx::query_as("DELETE FROM sessions WHERE expires_at <= ? RETURNING access_key_id")
                .bind(to_millis(now))
                .fetch_all(&mut *w.tx)
                .await?;
        w.commit().await?;
        let mut ids = self.session_key_ids.ids();
        for (id,) in &deleted {
            ids.remove(id.as_str());
        }
        Ok(deleted.len() as u64)
    }

    pub(super) async fn session_changes(&self) -> Result<Vec<Change>, AwsError> {
        type Row = (String, String, String, String, String, i64, i64);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT access_key_id, account_id, secret_access_key, session_token, details,
                    issued_at, expires_at FROM sessions",
        )
        .fetch_all(&mut *self.read().await?)
        .await?;
        // Every stored id, readable or not: the view is built from these rows (see `KeyIds`).
        *self.session_key_ids.ids() = rows.iter().map(|row| row.0.as_str().into()).collect();
        let mut changes = Vec::with_capacity(rows.len());
        for (access_key_id, account_id, secret, token, details, issued_at, expires_at) in rows {
            let Ok(details) = serde_json::from_str::<Details>(&details) else {
                tracing::error!(
                    access_key_id,
                    "a stored session is unreadable; it is dropped"
                );
                continue;
            };
            let user_id = details.user_id.map(Cow::into_owned);
            let of = match (details.role, details.federated_name) {
                (Some(role), _) => SessionOf::Role {
                    role_id: role.role_id.into_owned(),
                    role_name: role.role_name.into_owned(),
                    role_arn: role.role_arn.into_owned(),
                    session_name: role.session_name.into_owned(),
                },
                (None, Some(name)) => SessionOf::Federated {
                    user_id,
                    name: name.into_owned(),
                },
                (None, None) => SessionOf::Caller { user_id },
            };
            let policies = if details.has_policies {
                let mut policies = Vec::new();
                if let Some(document) = &details.inline_policy
                    && let Some(parsed) =
                        stored_document(&access_key_id, document, PolicyKind::Session)
                {
                    policies.push(NamedPolicy::new(SESSION_POLICY_ID, parsed));
                }
                for arn in &details.policy_arns {
                    let document = self.policy_default_document(arn).await?;
                    if let Some(parsed) = document.and_then(|d| {
                        stored_document(arn, &d, PolicyKind::Identity { managed: true })
                    }) {
                        policies.push(NamedPolicy::new(arn.as_str(), parsed));
                    }
                }
                Some(policies)
            } else {
                None
            };
            changes.push(Change::SessionPut(Arc::new(SessionRecord {
                access_key_id,
                secret_access_key: secret,
                token_digest: TokenDigest::from_stored(&token),
                account_id,
                of,
                policies,
                tags: details.tags.into_owned(),
                transitive_tag_keys: details.transitive_tag_keys.into_owned(),
                source_identity: details.source_identity.map(Cow::into_owned),
                mfa_authenticated_at: details.mfa_authenticated_at.map(from_millis),
                issued_at: from_millis(issued_at),
                expires_at: from_millis(expires_at),
            })));
        }
        Ok(changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_store;

    fn session(access_key_id: &str) -> NewSession {
        let now = OffsetDateTime::now_utc();
        NewSession {
            record: SessionRecord {
                access_key_id: access_key_id.to_owned(),
                secret_access_key: "secret".into(),
                token_digest: TokenDigest::of("token"),
                account_id: "123456789012".into(),
                of: SessionOf::Caller { user_id: None },
                policies: None,
                tags: Vec::new(),
                transitive_tag_keys: Vec::new(),
                source_identity: None,
                mfa_authenticated_at: None,
                issued_at: now,
                expires_at: now + time::Duration::hours(1),
            },
            inline_policy: None,
            policy_arns: Vec::new(),
            region: "us-east-1".into(),
        }
    }

    #[tokio::test]
    async fn a_temporary_key_id_collision_is_retried_with_a_fresh_id() {
        let store = test_store("123456789012").await;
        let taken = "ASIAAAAAAAAAAAAAAAAA";
        let first = store.create_session(session(taken)).await.unwrap();
        assert_eq!(first.access_key_id, taken);
        let second = store.create_session(session(taken)).await.unwrap();
        assert_ne!(second.access_key_id, taken);
        assert!(second.access_key_id.starts_with("ASIA"));
        assert_eq!(store.session_changes().await.unwrap().len(), 2);
    }

    /// The token is shown once: the row keeps its digest, and the session read back from
    /// the row accepts the token and nothing else. What is empty is left out of the details.
    #[tokio::test]
    async fn a_stored_session_keeps_the_digest_of_its_token() {
        let store = test_store("123456789012").await;
        store
            .create_session(session("ASIAAAAAAAAAAAAAAAAA"))
            .await
            .unwrap();
        let (stored, details): (String, String) =
            sqlx::query_as("SELECT session_token, details FROM sessions")
                .fetch_one(&mut *store.read().await.unwrap())
                .await
                .unwrap();
        assert_eq!(stored, TokenDigest::of("token").to_hex());
        assert_eq!(details, "{}");
        let sessions = store.session_changes().await.unwrap();
        let [Change::SessionPut(read)] = &sessions[..] else {
            panic!("{} sessions", sessions.len())
        };
        assert!(read.token_digest.matches("token"));
        assert!(!read.token_digest.matches("tokem"));
    }

    #[tokio::test]
    async fn an_expired_session_gives_its_key_id_back() {
        let store = test_store("123456789012").await;
        let id = "ASIAAAAAAAAAAAAAAAAA";
        let first = store.create_session(session(id)).await.unwrap();
        let later = first.expires_at + time::Duration::seconds(1);
        assert_eq!(store.delete_expired_sessions(later).await.unwrap(), 1);
        let again = store.create_session(session(id)).await.unwrap();
        assert_eq!(again.access_key_id, id);
    }

    /// SQLite has no index on the key ids: after a restart, the ones stored are known again
    /// once the view is built from the table.
    #[tokio::test]
    async fn a_key_id_stored_before_a_restart_stays_taken() {
        let dir = std::env::temp_dir().join(format!("iamlocal-keyids-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.db");
        let open = || async {
            let view = Arc::new(crate::view::View::new());
            let clock = Arc::new(crate::clock::Clock::new());
            let model = crate::consistency::DelayModel::default();
            let propagation = Arc::new(crate::consistency::Propagation::new(view, clock, model));
            Store::open(Some(&path), propagation).await.unwrap()
        };
        let taken = "ASIAAAAAAAAAAAAAAAAA";
        let store = open().await;
        store
            .ensure_account("123456789012", OffsetDateTime::now_utc())
            .await
            .unwrap();
        store.create_session(session(taken)).await.unwrap();
        store.close().await;
        let store = open().await;
        store.snapshot().await.unwrap();
        let fresh = store.create_session(session(taken)).await.unwrap();
        store.close().await;
        std::fs::remove_dir_all(&dir).unwrap();
        assert_ne!(fresh.access_key_id, taken);
    }

    /// A database file made before migration 0024 keeps its sessions through it, and their
    /// key ids stay taken.
    #[tokio::test]
    async fn sessions_stored_before_the_key_index_went_survive_its_migration() {
        let dir = std::env::temp_dir().join(format!("iamlocal-0024-{}", std::process::id()));
        let old = crate::store::database_before(&dir, "0024").await;
        let path = dir.join("state.db");
        let taken = "ASIAAAAAAAAAAAAAAAAA";
        sqlx::query(
            "INSERT INTO sessions (access_key_id, account_id, secret_access_key, session_token,
                                   details, issued_at, expires_at)
             VALUES (?, '123456789012', 'secret', 'token',
                     '{\"role\":null,\"user_id\":null,\"inline_policy\":null,
                       \"policy_arns\":[],\"has_policies\":false,\"tags\":[],
                       \"transitive_tag_keys\":[],\"source_identity\":null}', 0, ?)",
        )
        .bind(taken)
        .bind(i64::MAX)
        .execute(&old)
        .await
        .unwrap();
        old.close().await;

        let view = Arc::new(crate::view::View::new());
        let clock = Arc::new(crate::clock::Clock::new());
        let model = crate::consistency::DelayModel::default();
        let propagation = Arc::new(crate::consistency::Propagation::new(view, clock, model));
        let store = Store::open(Some(&path), propagation).await.unwrap();
        let sessions = store.session_changes().await.unwrap();
        store
            .ensure_account("123456789012", OffsetDateTime::now_utc())
            .await
            .unwrap();
        let fresh = store.create_session(session(taken)).await.unwrap();
        store.close().await;
        std::fs::remove_dir_all(&dir).unwrap();
        // Rows written then hold the token itself, and every field of the details.
        assert!(
            matches!(&sessions[..], [Change::SessionPut(s)]
                if s.access_key_id == taken && s.token_digest.matches("token")),
            "{}",
            sessions.len()
        );
        assert_ne!(fresh.access_key_id, taken);
    }

    /// A role session: its batch writes the role's last use too, in the same query.
    fn role_session(access_key_id: &str) -> NewSession {
        let mut new = session(access_key_id);
        new.record.of = SessionOf::Role {
            role_id: "AROAEXAMPLE".into(),
            role_name: "example".into(),
            role_arn: "arn:aws:iam::123456789012:role/example".into(),
            session_name: "s".into(),
        };
        new
    }

    #[tokio::test]
    async fn a_collision_inside_a_batch_retries_that_session_alone() {
        for make in [session, role_session] {
            a_collision_inside_a_batch_of(make).await;
        }
    }

    async fn a_collision_inside_a_batch_of(session: fn(&str) -> NewSession) {
        let store = test_store("123456789012").await;
        let taken = "ASIAAAAAAAAAAAAAAAAA";
        store.create_session(session(taken)).await.unwrap();
        let held = store.begin().await.unwrap();
        let (before, collided, after, ()) = tokio::join!(
            store.create_session(session("ASIABBBBBBBBBBBBBBBB")),
            store.create_session(session(taken)),
            store.create_session(session("ASIACCCCCCCCCCCCCCCC")),
            crate::store::batch::release_when_queued(&store, held, 3),
        );
        assert_eq!(before.unwrap().access_key_id, "ASIABBBBBBBBBBBBBBBB");
        assert_eq!(after.unwrap().access_key_id, "ASIACCCCCCCCCCCCCCCC");
        let collided = collided.unwrap();
        assert_ne!(collided.access_key_id, taken);
        let view = store.propagation.exact_view().unwrap();
        assert!(view.session(&collided.access_key_id).is_some());
        assert_eq!(store.session_changes().await.unwrap().len(), 4);
    }
}
