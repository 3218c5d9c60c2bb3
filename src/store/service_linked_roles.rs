//! Service-linked roles: made with the linked service's trust policy and permissions, and
//! deleted through a deletion task whose status can be asked for afterwards.

use std::sync::Arc;

use time::OffsetDateTime;

use super::roles::{insert_role, is_service_linked, role_in};
use super::{NewRole, Role, Store, to_millis};
use crate::aws_error;
use crate::error::AwsError;
use crate::policy::Policy;
use crate::view::Change;

/// What a new service-linked role is made of.
pub struct NewServiceLinkedRole<'a> {
    pub role_name: &'a str,
    pub path: &'a str,
    pub trust_policy: &'a str,
    pub parsed_trust: Arc<Policy>,
    pub description: Option<&'a str>,
    /// The AWS managed policy the service attaches, when iamlocal's catalogue has it.
    pub policy_arn: Option<&'a str>,
}

/// A deletion task: `SUCCEEDED` or `FAILED` (with the reason), as iamlocal runs each one to
/// its end before `DeleteServiceLinkedRole` returns.
#[derive(Debug, Clone)]
pub struct DeletionTask {
    pub status: String,
    pub reason: Option<String>,
}

/// A service-linked role's sessions last an hour, the default of every role.
const MAX_SESSION_DURATION: i64 = 3600;

impl Store {
    pub async fn create_service_linked_role(
        &self,
        account_id: &str,
        new: NewServiceLinkedRole<'_>,
        now: OffsetDateTime,
    ) -> Result<Role, AwsError> {
        let mut w = self.begin().await?;
        let role_name = new.role_name;
        let role = insert_role(
            &mut w,
            account_id,
            NewRole {
                role_name,
                path: new.path,
                trust_policy: new.trust_policy,
                parsed_trust: new.parsed_trust,
                description: new.description,
                max_session_duration: MAX_SESSION_DURATION,
                permissions_boundary: None,
                tags: &[],
            },
            now,
        )
        .await
        .map_err(|e| match e.code {
            crate::error::ErrorCode::EntityAlreadyExists => aws_error!(
                InvalidInput,
                "Service role name {role_name} has been taken in this account, please try a different suffix."
            ),
            _ => e,
        })?;
        if let Some(policy_arn) = new.policy_arn {
            sqlx::query("INSERT INTO attached_policies (owner_id, policy_arn) VALUES (?, ?)")
                .bind(&role.role_id)
                .bind(policy_arn)
                .execute(&mut *w.tx)
                .await?;
            w.record(Change::PolicyAttached {
                owner_id: role.role_id.clone(),
                policy_arn: policy_arn.to_owned(),
            });
        }
        w.commit().await?;
        Ok(role)
    }

    /// Runs the deletion of a service-linked role as one task: the role goes with its
    /// policies, unless an instance profile still holds it, which fails the task. Returns
    /// the task's id (`task/aws-service-role/<service>/<role-name>/<uuid>`), kept for
    /// `deletion_task` whatever the outcome.
    pub async fn delete_service_linked_role(
        &self,
        account_id: &str,
        role_name: &str,
        now: OffsetDateTime,
    ) -> Result<String, AwsError> {
        let mut w = self.begin().await?;
        let role = role_in(&mut w.tx, account_id, role_name).await?;
        if !is_service_linked(&role.path) {
            // AWS documents no other error for this action than `NoSuchEntity`.
            return Err(aws_error!(
                NoSuchEntity,
                "The role with name {role_name} is not a service-linked role."
            ));
        }
        let in_profile = super::instance_profiles::role_conflict(&mut w.tx, &role.role_id)
            .await?
            .is_some();
        let deletion_task_id = format!(
            "task{}{}/{}",
            role.path,
            role.role_name,
            crate::ids::request_id()
        );
        let (status, reason) = if in_profile {
            (
                "FAILED",
                Some(format!(
                    "Role {role_name} cannot be deleted while an instance profile holds it."
                )),
            )
        } else {
            delete_with_policies(&mut w, &role).await?;
            ("SUCCEEDED", None)
        };
        sqlx::query(
            "INSERT INTO role_deletion_tasks (deletion_task_id, account_id, status, reason, created_at)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&deletion_task_id)
        .bind(account_id)
        .bind(status)
        .bind(&reason)
        .bind(to_millis(now))
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;
        Ok(deletion_task_id)
    }

    pub async fn deletion_task(
        &self,
        account_id: &str,
        deletion_task_id: &str,
    ) -> Result<Option<DeletionTask>, AwsError> {
        let row: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT status, reason FROM role_deletion_tasks
             WHERE account_id = ? AND deletion_task_id = ?",
        )
        .bind(account_id)
        .bind(deletion_task_id)
        .fetch_optional(&mut *self.read().await?)
        .await?;
        Ok(row.map(|(status, reason)| DeletionTask { status, reason }))
    }
}

/// Deletes a role with its inline and attached policies (which, for a service-linked role,
/// are the service's, not the caller's to remove first).
async fn delete_with_policies(w: &mut super::Write<'_>, role: &Role) -> Result<(), AwsError> {
    let inline: Vec<(String,)> =
        sqlx::query_as("DELETE FROM inline_policies WHERE owner_id = ? RETURNING policy_name")
            .bind(&role.role_id)
            .fetch_all(&mut *w.tx)
            .await?;
    for (policy_name,) in inline {
        w.record(Change::InlinePolicyRemoved {
            owner_id: role.role_id.clone(),
            policy_name,
        });
    }
    let attached: Vec<(String,)> =
        sqlx::query_as("DELETE FROM attached_policies WHERE owner_id = ? RETURNING policy_arn")
            .bind(&role.role_id)
            .fetch_all(&mut *w.tx)
            .await?;
    for (policy_arn,) in attached {
        w.record(Change::PolicyDetached {
            owner_id: role.role_id.clone(),
            policy_arn,
        });
    }
    sqlx::query("DELETE FROM roles WHERE role_id = ?")
        .bind(&role.role_id)
        .execute(&mut *w.tx)
        .await?;
    w.record(Change::RoleRemoved {
        role_id: role.role_id.clone(),
    });
    Ok(())
}
