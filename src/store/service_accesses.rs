//! The access advisor's service last accessed data (`access_log`), as written from memory
//! and read back when the server starts on a database file.

use super::{Store, from_millis, to_millis};
use crate::access_log::Access;
use crate::error::AwsError;

/// One entity's (ARN) last use of one action.
pub type ServiceAccess = (String, String, Access);

impl Store {
    /// Writes these last accesses, each over the one stored before it.
    pub async fn record_service_accesses(
        &self,
        accesses: &[ServiceAccess],
    ) -> Result<(), AwsError> {
        if accesses.is_empty() {
            return Ok(());
        }
        let mut w = self.begin().await?;
        for (entity, action, access) in accesses {
            sqlx::query(
                "INSERT INTO service_accesses (entity_arn, action, accessed_at, region)
                 VALUES (?, ?, ?, ?)
                 ON CONFLICT (entity_arn, action)
                 DO UPDATE SET accessed_at = excluded.accessed_at, region = excluded.region",
            )
            .bind(entity)
            .bind(action)
            .bind(to_millis(access.time))
            .bind(&access.region)
            .execute(&mut *w.tx)
            .await?;
        }
        w.commit().await
    }

    pub async fn service_accesses(&self) -> Result<Vec<ServiceAccess>, AwsError> {
        let rows: Vec<(String, String, i64, String)> =
            sqlx::query_as("SELECT entity_arn, action, accessed_at, region FROM service_accesses")
                .fetch_all(&mut *self.read().await?)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(entity, action, at, region)| {
                let access = Access {
                    time: from_millis(at),
                    region,
                };
                (entity, action, access)
            })
            .collect())
    }
}
