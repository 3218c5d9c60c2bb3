//! The permissions of users, roles and groups: inline policies, and attached managed policies.
//! Every kind of owner shares the tables, keyed by the owner's unique id.

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::SqliteConnection;

use super::policies::{check_attachable, stored_document};
use super::user_names::UserNames;
use super::{Store, groups, lagging, roles, users};
use crate::aws_error;
use crate::error::AwsError;
use crate::policy::{NamedPolicy, Policy, PolicyKind, SizeQuota, policy_size};
use crate::view::Change;

/// IAM attaches at most ten managed policies to a user or role (the default quota).
pub(crate) const ATTACHED_PER_OWNER: i64 = 10;

/// Whose policies: a user or a role, by name.
#[derive(Debug, Clone, Copy)]
pub enum Owner<'a> {
    User(&'a str),
    Role(&'a str),
    Group(&'a str),
}

impl Owner<'_> {
    fn noun(self) -> &'static str {
        match self {
            Owner::User(_) => "user",
            Owner::Role(_) => "role",
            Owner::Group(_) => "group",
        }
    }

    fn name(&self) -> &str {
        match self {
            Owner::User(name) | Owner::Role(name) | Owner::Group(name) => name,
        }
    }

    /// All of an owner's inline policies together must fit this.
    fn inline_quota(self) -> SizeQuota {
        match self {
            Owner::User(_) => SizeQuota::UserInlinePolicies,
            Owner::Role(_) => SizeQuota::RoleInlinePolicies,
            Owner::Group(_) => SizeQuota::GroupInlinePolicies,
        }
    }

    fn quota_name(self) -> &'static str {
        match self {
            Owner::User(_) => "PoliciesPerUser",
            Owner::Role(_) => "PoliciesPerRole",
            Owner::Group(_) => "PoliciesPerGroup",
        }
    }

    /// The owner's unique id, or IAM's `NoSuchEntity` for it.
    async fn id(
        self,
        conn: &mut SqliteConnection,
        names: &UserNames,
        account_id: &str,
    ) -> Result<String, AwsError> {
        match self {
            Owner::User(name) => users::user_id(conn, names, account_id, name).await,
            Owner::Role(name) => roles::role_id(conn, account_id, name).await,
            Owner::Group(name) => groups::group_id(conn, account_id, name).await,
        }
    }

    /// The owner's unique id, for a change to its permissions: a service-linked role's are
    /// AWS's, and refused.
    async fn modifiable_id(
        self,
        conn: &mut SqliteConnection,
        names: &UserNames,
        account_id: &str,
    ) -> Result<String, AwsError> {
        match self {
            Owner::Role(name) => roles::modifiable_role_id(conn, account_id, name).await,
            _ => self.id(conn, names, account_id).await,
        }
    }

    pub(super) fn no_such_policy(self, policy_name: &str) -> AwsError {
        aws_error!(
            NoSuchEntity,
            "The {} policy with name {policy_name} cannot be found.",
            self.noun()
        )
    }
}

impl Store {
    /// Adds or replaces an inline policy, within the owner's size quota for all of them.
    pub async fn put_inline_policy(
        &self,
        account_id: &str,
        owner: Owner<'_>,
        policy_name: &str,
        document: &str,
        parsed: Arc<Policy>,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let owner_id = owner
            .modifiable_id(&mut w.tx, &self.user_names, account_id)
            .await?;
        let others: Vec<(String,)> = sqlx::query_as(
            "SELECT document FROM inline_policies WHERE owner_id = ? AND policy_name <> ?",
        )
        .bind(&owner_id)
        .bind(policy_name)
        .fetch_all(&mut *w.tx)
        .await?;
        let total = others.iter().map(|(d,)| policy_size(d)).sum::<usize>() + policy_size(document);
        let quota = owner.inline_quota().limit();
        if total > quota {
            return Err(aws_error!(
                LimitExceeded,
                "Maximum policy size of {quota} bytes exceeded for {} {}",
                owner.noun(),
                owner.name()
            ));
        }
        sqlx::query(
            "INSERT INTO inline_policies (owner_id, policy_name, document) VALUES (?, ?, ?)
             ON CONFLICT (owner_id, policy_name)
             DO UPDATE SET policy_name = excluded.policy_name, document = excluded.document",
        )
        .bind(&owner_id)
        .bind(policy_name)
        .bind(document)
        .execute(&mut *w.tx)
        .await?;
        w.record(Change::InlinePolicyPut {
            owner_id,
            policy: NamedPolicy::new(policy_name, parsed),
            document: document.into(),
        });
        w.commit().await
    }

    /// The stored name and document of an inline policy.
    pub async fn inline_policy(
        &self,
        account_id: &str,
        owner: Owner<'_>,
        policy_name: &str,
    ) -> Result<(String, String), AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            return lagging::inline_policy(view, account_id, owner, policy_name)
                .map(|(name, document)| (name, document.to_string()));
        }
        let mut conn = self.read().await?;
        let owner_id = owner.id(&mut conn, &self.user_names, account_id).await?;
        sqlx::query_as("SELECT policy_name, document FROM inline_policies WHERE owner_id = ? AND policy_name = ?")
            .bind(&owner_id)
            .bind(policy_name)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| owner.no_such_policy(policy_name))
    }

    pub async fn delete_inline_policy(
        &self,
        account_id: &str,
        owner: Owner<'_>,
        policy_name: &str,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let owner_id = owner
            .modifiable_id(&mut w.tx, &self.user_names, account_id)
            .await?;
        let deleted =
            sqlx::query("DELETE FROM inline_policies WHERE owner_id = ? AND policy_name = ?")
                .bind(&owner_id)
                .bind(policy_name)
                .execute(&mut *w.tx)
                .await?
                .rows_affected();
        if deleted == 0 {
            return Err(owner.no_such_policy(policy_name));
        }
        w.record(Change::InlinePolicyRemoved {
            owner_id,
            policy_name: policy_name.to_owned(),
        });
        w.commit().await
    }

    /// The names of an owner's inline policies, in order.
    pub async fn list_inline_policies(
        &self,
        account_id: &str,
        owner: Owner<'_>,
    ) -> Result<Vec<String>, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            return lagging::inline_policy_names(view, account_id, owner);
        }
        let mut conn = self.read().await?;
        let owner_id = owner.id(&mut conn, &self.user_names, account_id).await?;
        let names: Vec<(String,)> = sqlx::query_as(
            "SELECT policy_name FROM inline_policies WHERE owner_id = ? ORDER BY policy_name",
        )
        .bind(&owner_id)
        .fetch_all(&mut *conn)
        .await?;
        Ok(names.into_iter().map(|(n,)| n).collect())
    }

    /// Attaches one of the account's managed policies; attaching twice is a no-op.
    pub async fn attach_policy(
        &self,
        account_id: &str,
        owner: Owner<'_>,
        policy_arn: &str,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let owner_id = owner
            .modifiable_id(&mut w.tx, &self.user_names, account_id)
            .await?;
        check_attachable(&mut w.tx, account_id, policy_arn).await?;
        let (count,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM attached_policies WHERE owner_id = ? AND policy_arn <> ?",
        )
        .bind(&owner_id)
        .bind(policy_arn)
        .fetch_one(&mut *w.tx)
        .await?;
        if count >= ATTACHED_PER_OWNER {
            return Err(aws_error!(
                LimitExceeded,
                "Cannot exceed quota for {}: {ATTACHED_PER_OWNER}",
                owner.quota_name()
            ));
        }
        sqlx::query("INSERT INTO attached_policies (owner_id, policy_arn) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .bind(&owner_id)
            .bind(policy_arn)
            .execute(&mut *w.tx)
            .await?;
        w.record(Change::PolicyAttached {
            owner_id,
            policy_arn: policy_arn.to_owned(),
        });
        w.commit().await
    }

    pub async fn detach_policy(
        &self,
        account_id: &str,
        owner: Owner<'_>,
        policy_arn: &str,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let owner_id = owner
            .modifiable_id(&mut w.tx, &self.user_names, account_id)
            .await?;
        let deleted =
            sqlx::query("DELETE FROM attached_policies WHERE owner_id = ? AND policy_arn = ?")
                .bind(&owner_id)
                .bind(policy_arn)
                .execute(&mut *w.tx)
                .await?
                .rows_affected();
        if deleted == 0 {
            return Err(aws_error!(
                NoSuchEntity,
                "Policy {policy_arn} was not found."
            ));
        }
        w.record(Change::PolicyDetached {
            owner_id,
            policy_arn: policy_arn.to_owned(),
        });
        w.commit().await
    }

    /// The (name, ARN) of each managed policy attached to the owner whose path starts with
    /// `path_prefix`, in the order they were attached.
    pub async fn list_attached_policies(
        &self,
        account_id: &str,
        owner: Owner<'_>,
        path_prefix: &str,
    ) -> Result<Vec<(String, String)>, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            return lagging::attached_policies(view, account_id, owner, path_prefix);
        }
        let mut conn = self.read().await?;
        let owner_id = owner.id(&mut conn, &self.user_names, account_id).await?;
        // AWS managed policies have no row: their name and path come from the catalogue.
        let rows: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT a.policy_arn, p.policy_name, p.path FROM attached_policies a
             LEFT JOIN policies p ON p.arn = a.policy_arn
             WHERE a.owner_id = ?1
             ORDER BY a.rowid",
        )
        .bind(&owner_id)
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(arn, name, path)| {
                let (name, path) = match (name, path) {
                    (Some(name), Some(path)) => (name, path),
                    _ => {
                        let aws = crate::aws_managed::by_arn(&arn)?;
                        (aws.name.to_owned(), aws.path.to_owned())
                    }
                };
                path.starts_with(path_prefix).then_some((name, arn))
            })
            .collect())
    }

    pub(super) async fn identity_policy_changes(&self) -> Result<Vec<Change>, AwsError> {
        let inline: Vec<(String, String, String)> =
            sqlx::query_as("SELECT owner_id, policy_name, document FROM inline_policies")
                .fetch_all(&mut *self.read().await?)
                .await?;
        let attached: Vec<(String, String)> =
            sqlx::query_as("SELECT owner_id, policy_arn FROM attached_policies ORDER BY rowid")
                .fetch_all(&mut *self.read().await?)
                .await?;
        // Many owners often share a document: they share its text in the view.
        let mut documents: HashMap<String, Arc<str>> = HashMap::new();
        let inline = inline.into_iter().filter_map(|(owner_id, name, document)| {
            let parsed =
                stored_document(&name, &document, PolicyKind::Identity { managed: false })?;
            let document = documents
                .entry(document)
                .or_insert_with_key(|text| Arc::from(text.as_str()))
                .clone();
            Some(Change::InlinePolicyPut {
                owner_id,
                policy: NamedPolicy::new(name, parsed),
                document,
            })
        });
        let attached = attached
            .into_iter()
            .map(|(owner_id, policy_arn)| Change::PolicyAttached {
                owner_id,
                policy_arn,
            });
        Ok(inline.chain(attached).collect())
    }
}

/// Why a user or role still cannot be deleted, if its policies are the reason.
pub(super) async fn policy_conflict(
    conn: &mut SqliteConnection,
    owner_id: &str,
) -> Result<Option<AwsError>, AwsError> {
    let (inline, attached): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM inline_policies WHERE owner_id = ?1),
                (SELECT count(*) FROM attached_policies WHERE owner_id = ?1)",
    )
    .bind(owner_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(if inline > 0 {
        Some(aws_error!(
            DeleteConflict,
            "Cannot delete entity, must delete policies first."
        ))
    } else if attached > 0 {
        Some(aws_error!(
            DeleteConflict,
            "Cannot delete entity, must detach all policies first."
        ))
    } else {
        None
    })
}
