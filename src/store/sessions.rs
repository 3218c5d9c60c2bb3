//! Temporary credentials. STS mints them; they are stored so that they outlive a restart
//! of a server with a database file, until they expire.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::policies::stored_document;
use super::{Store, from_millis, is_unique_violation, to_millis};
use crate::error::AwsError;
use crate::ids::{ID_ATTEMPTS, IdKind, new_id};
use crate::policy::{NamedPolicy, PolicyKind};
use crate::sts::role_session::SESSION_POLICY_ID;
use crate::view::{Change, SessionOf, SessionRecord};

/// The parts of a session kept as JSON: nothing in them is ever queried by SQL.
#[derive(Serialize, Deserialize)]
struct Details {
    role: Option<RoleDetails>,
    user_id: Option<String>,
    /// A `GetFederationToken` session: the federated user's name (`user_id` issued it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    federated_name: Option<String>,
    /// The inline session policy, and the managed ones by ARN (their default versions
    /// apply); neither when `has_policies` is false.
    inline_policy: Option<String>,
    policy_arns: Vec<String>,
    has_policies: bool,
    tags: Vec<(String, String)>,
    transitive_tag_keys: Vec<String>,
    source_identity: Option<String>,
    /// When MFA was used, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mfa_authenticated_at: Option<i64>,
}

#[derive(Serialize, Deserialize)]
struct RoleDetails {
    role_id: String,
    role_name: String,
    role_arn: String,
    session_name: String,
}

/// A new session: the record, and its session policies as they were passed.
pub struct NewSession {
    pub record: SessionRecord,
    pub inline_policy: Option<String>,
    pub policy_arns: Vec<String>,
    /// The region the credentials were requested in: for a role session, the role's last
    /// use (`RoleLastUsed`), written in the same transaction.
    pub region: String,
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
                    role_id: role_id.clone(),
                    role_name: role_name.clone(),
                    role_arn: role_arn.clone(),
                    session_name: session_name.clone(),
                }),
                None,
                None,
            ),
            SessionOf::Caller { user_id } => (None, user_id.clone(), None),
            SessionOf::Federated { user_id, name } => (None, user_id.clone(), Some(name.clone())),
        };
        let details = Details {
            role,
            user_id,
            federated_name,
            has_policies: record.policies.is_some(),
            inline_policy: new.inline_policy,
            policy_arns: new.policy_arns,
            tags: record.tags.clone(),
            transitive_tag_keys: record.transitive_tag_keys.clone(),
            source_identity: record.source_identity.clone(),
            mfa_authenticated_at: record.mfa_authenticated_at.map(to_millis),
        };
        let details = serde_json::to_string(&details).map_err(AwsError::internal)?;
        let mut record = record;
        let mut w = self.begin().await?;
        // Temporary key ids carry the account and can collide: retry with a fresh one (the
        // caller answers with the id of the record returned).
        for attempt in 1..=ID_ATTEMPTS {
            let inserted = sqlx::query(
                "INSERT INTO sessions (access_key_id, account_id, secret_access_key, session_token,
                                       details, issued_at, expires_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&record.access_key_id)
            .bind(&record.account_id)
            .bind(&record.secret_access_key)
            .bind(&record.session_token)
            .bind(&details)
            .bind(to_millis(record.issued_at))
            .bind(to_millis(record.expires_at))
            .execute(&mut *w.tx)
            .await;
            match inserted {
                Ok(_) => break,
                Err(e) if is_unique_violation(&e) && attempt < ID_ATTEMPTS => {
                    record.access_key_id = new_id(IdKind::TemporaryAccessKey, &record.account_id);
                }
                Err(e) => return Err(e.into()),
            }
        }
        if let SessionOf::Role { role_id, .. } = &record.of {
            super::roles::note_use(&mut w.tx, role_id, record.issued_at, &new.region).await?;
        }
        let record = Arc::new(record);
        w.record(Change::SessionPut(record.clone()));
        w.commit().await?;
        Ok(record)
    }

    /// Deletes sessions that expired before `now`.
    pub async fn delete_expired_sessions(&self, now: OffsetDateTime) -> Result<u64, AwsError> {
        let mut w = self.begin().await?;
        let deleted = sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
            .bind(to_millis(now))
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
        w.commit().await?;
        Ok(deleted)
    }

    pub(super) async fn session_changes(&self) -> Result<Vec<Change>, AwsError> {
        type Row = (String, String, String, String, String, i64, i64);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT access_key_id, account_id, secret_access_key, session_token, details,
                    issued_at, expires_at FROM sessions",
        )
        .fetch_all(&self.reader)
        .await?;
        let mut changes = Vec::with_capacity(rows.len());
        for (access_key_id, account_id, secret, token, details, issued_at, expires_at) in rows {
            let Ok(details) = serde_json::from_str::<Details>(&details) else {
                tracing::error!(
                    access_key_id,
                    "a stored session is unreadable; it is dropped"
                );
                continue;
            };
            let of = match (details.role, details.federated_name) {
                (Some(role), _) => SessionOf::Role {
                    role_id: role.role_id,
                    role_name: role.role_name,
                    role_arn: role.role_arn,
                    session_name: role.session_name,
                },
                (None, Some(name)) => SessionOf::Federated {
                    user_id: details.user_id,
                    name,
                },
                (None, None) => SessionOf::Caller {
                    user_id: details.user_id,
                },
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
                session_token: token,
                account_id,
                of,
                policies,
                tags: details.tags,
                transitive_tag_keys: details.transitive_tag_keys,
                source_identity: details.source_identity,
                mfa_authenticated_at: details.mfa_authenticated_at.map(from_millis),
                issued_at: from_millis(issued_at),
                expires_at: from_millis(expires_at),
            })));
        }
        Ok(changes)
    }
}
