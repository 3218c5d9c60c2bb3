//! Back to an empty control plane, for `POST /_iamlocal/reset`: every table's rows go in one
//! write transaction, and the data plane forgets everything under the same write lock, so no
//! write can slip in between the two.

use super::Store;
use crate::error::AwsError;
use crate::state::ValidState;

/// Every table, children before parents (foreign keys are on). A migration that adds a table
/// must add it here too: `every_table_is_reset` compares this list with the database's.
pub(super) const RESET: &[&str] = &[
    "DELETE FROM oidc_provider_tags",
    "DELETE FROM oidc_providers",
    "DELETE FROM saml_provider_private_keys",
    "DELETE FROM saml_provider_tags",
    "DELETE FROM saml_providers",
    "DELETE FROM sessions",
    "DELETE FROM attached_policies",
    "DELETE FROM inline_policies",
    "DELETE FROM server_certificate_tags",
    "DELETE FROM server_certificates",
    "DELETE FROM signing_certificates",
    "DELETE FROM ssh_public_keys",
    "DELETE FROM service_specific_credentials",
    "DELETE FROM instance_profile_tags",
    "DELETE FROM instance_profiles",
    "DELETE FROM role_tags",
    "DELETE FROM roles",
    "DELETE FROM policy_tags",
    "DELETE FROM policy_versions",
    "DELETE FROM policies",
    "DELETE FROM group_members",
    "DELETE FROM groups",
    "DELETE FROM mfa_device_tags",
    "DELETE FROM mfa_devices",
    "DELETE FROM access_keys",
    "DELETE FROM password_history",
    "DELETE FROM login_profiles",
    "DELETE FROM user_tags",
    "DELETE FROM users",
    "DELETE FROM credential_reports",
    "DELETE FROM service_accesses",
    "DELETE FROM role_deletion_tasks",
    "DELETE FROM account_aliases",
    "DELETE FROM password_policies",
    "DELETE FROM accounts",
];

impl Store {
    /// Deletes every row of every table, then empties the data plane and drops the changes
    /// still waiting to propagate; returns how many were dropped.
    pub async fn reset(&self) -> Result<usize, AwsError> {
        self.replace_state(&ValidState::default()).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::clock::Clock;
    use crate::consistency::{DelayModel, Propagation};
    use crate::view::View;

    async fn store() -> Store {
        let view = Arc::new(View::new());
        let clock = Arc::new(Clock::new());
        let propagation = Arc::new(Propagation::new(view, clock, DelayModel::default()));
        Store::open(None, propagation).await.unwrap()
    }

    async fn tables(store: &Store) -> Vec<String> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT name FROM sqlite_master WHERE type = 'table'
             AND substr(name, 1, 7) != 'sqlite_' AND name != '_sqlx_migrations' ORDER BY name",
        )
        .fetch_all(&mut *store.read().await.unwrap())
        .await
        .unwrap();
        rows.into_iter().map(|(name,)| name).collect()
    }

    #[tokio::test]
    async fn every_table_is_reset() {
        let store = store().await;
        let mut listed: Vec<&str> = RESET
            .iter()
            .map(|s| s.trim_start_matches("DELETE FROM "))
            .collect();
        listed.sort_unstable();
        assert_eq!(
            tables(&store).await,
            listed,
            "store/reset.rs must list every table (children before parents)"
        );
    }

    #[tokio::test]
    async fn reset_leaves_every_table_empty() {
        let store = store().await;
        store
            .ensure_account("123456789012", time::OffsetDateTime::now_utc())
            .await
            .unwrap();
        for statement in [
            "INSERT INTO users (user_id, account_id, user_name, path, created_at)
             VALUES ('AIDAEXAMPLE', '123456789012', 'alice', '/', 0)",
            "INSERT INTO user_tags (user_id, tag_key, tag_value) VALUES ('AIDAEXAMPLE', 'k', 'v')",
            "INSERT INTO access_keys (access_key_id, account_id, user_id, secret_access_key, status, created_at)
             VALUES ('AKIAEXAMPLE', '123456789012', 'AIDAEXAMPLE', 's', 'Active', 0)",
        ] {
            sqlx::query(statement).execute(&mut *store.lock_writer().await).await.unwrap();
        }
        assert_eq!(store.reset().await.unwrap(), 0);
        for table in tables(&store).await {
            let sql = format!("SELECT count(*) FROM {table}");
            let (rows,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_one(&mut *store.read().await.unwrap())
                .await
                .unwrap();
            assert_eq!(rows, 0, "{table}");
        }
    }
}
