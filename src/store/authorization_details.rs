//! The snapshot `GetAccountAuthorizationDetails` returns: every user, group, role and
//! managed policy of an account with their relationships, read on one connection.

use std::collections::HashMap;

use sqlx::SqliteConnection;

use super::{
    Group, InstanceProfile, ManagedPolicy, PolicyVersion, Role, Store, User, groups,
    instance_profiles, policies, roles, users,
};
use crate::error::AwsError;

/// Which kinds of entity to read: the request's `Filter`.
#[derive(Debug, Clone, Copy)]
pub struct DetailKinds {
    pub users: bool,
    pub groups: bool,
    pub roles: bool,
    /// Customer managed policies (`LocalManagedPolicy`).
    pub local_policies: bool,
    /// AWS managed policies attached to something in the account (`AWSManagedPolicy`).
    pub aws_policies: bool,
}

/// An owner's inline policies (name, document) and attached managed policies (name, ARN).
#[derive(Debug, Clone, Default)]
pub struct OwnerPolicies {
    pub inline: Vec<(String, String)>,
    pub attached: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct UserDetail {
    pub user: User,
    pub policies: OwnerPolicies,
    /// The names of the groups the user belongs to.
    pub groups: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct GroupDetail {
    pub group: Group,
    pub policies: OwnerPolicies,
}

#[derive(Debug, Clone)]
pub struct RoleDetail {
    pub role: Role,
    pub policies: OwnerPolicies,
    pub instance_profiles: Vec<InstanceProfile>,
}

/// A managed policy with every version and its document.
#[derive(Debug, Clone)]
pub struct PolicyDetail {
    pub policy: ManagedPolicy,
    pub versions: Vec<PolicyVersion>,
}

/// Each list by name; the policies the account's own first, then AWS managed ones.
#[derive(Debug, Default)]
pub struct AuthorizationDetails {
    pub users: Vec<UserDetail>,
    pub groups: Vec<GroupDetail>,
    pub roles: Vec<RoleDetail>,
    pub policies: Vec<PolicyDetail>,
}

impl Store {
    pub async fn authorization_details(
        &self,
        account_id: &str,
        kinds: DetailKinds,
    ) -> Result<AuthorizationDetails, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            return Ok(super::lagging::authorization_details(
                view, account_id, kinds,
            ));
        }
        let mut conn = self.read().await?;
        let conn = &mut *conn;
        let mut details = AuthorizationDetails::default();
        let mut owners = if kinds.users || kinds.groups || kinds.roles {
            owner_policies(conn).await?
        } else {
            HashMap::new()
        };
        if kinds.users {
            let mut memberships = group_names_by_user(conn, account_id).await?;
            for user in users::account_users(conn, account_id).await? {
                details.users.push(UserDetail {
                    policies: owners.remove(&user.user_id).unwrap_or_default(),
                    groups: memberships.remove(&user.user_id).unwrap_or_default(),
                    user,
                });
            }
        }
        if kinds.groups {
            for group in groups::account_groups(conn, account_id).await? {
                details.groups.push(GroupDetail {
                    policies: owners.remove(&group.group_id).unwrap_or_default(),
                    group,
                });
            }
        }
        if kinds.roles {
            let mut profiles: HashMap<String, Vec<InstanceProfile>> = HashMap::new();
            for profile in instance_profiles::account_role_profiles(conn, account_id).await? {
                if let Some(role) = profile.roles.first() {
                    profiles
                        .entry(role.role_id.clone())
                        .or_default()
                        .push(profile);
                }
            }
            for role in roles::account_roles(conn, account_id).await? {
                details.roles.push(RoleDetail {
                    policies: owners.remove(&role.role_id).unwrap_or_default(),
                    instance_profiles: profiles.remove(&role.role_id).unwrap_or_default(),
                    role,
                });
            }
        }
        let mut managed = Vec::new();
        if kinds.local_policies {
            managed.extend(policies::account_policies_with_versions(conn, account_id).await?);
        }
        if kinds.aws_policies {
            managed.extend(policies::attached_aws_policies_with_versions(conn, account_id).await?);
        }
        details.policies = managed
            .into_iter()
            .map(|(policy, versions)| PolicyDetail { policy, versions })
            .collect();
        Ok(details)
    }
}

/// Every owner's inline and attached policies, by owner id (ids are unique across accounts).
async fn owner_policies(
    conn: &mut SqliteConnection,
) -> Result<HashMap<String, OwnerPolicies>, AwsError> {
    let mut owners: HashMap<String, OwnerPolicies> = HashMap::new();
    let inline: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT owner_id, policy_name, document FROM inline_policies ORDER BY policy_name",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (owner_id, name, document) in inline {
        owners
            .entry(owner_id)
            .or_default()
            .inline
            .push((name, document));
    }
    // AWS managed policies have no row: their name comes from the catalogue.
    let attached: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT a.owner_id, a.policy_arn, p.policy_name FROM attached_policies a
         LEFT JOIN policies p ON p.arn = a.policy_arn
         ORDER BY a.rowid",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (owner_id, arn, name) in attached {
        let Some(name) = name.or_else(|| crate::aws_managed::by_arn(&arn).map(|p| p.name.into()))
        else {
            continue;
        };
        owners
            .entry(owner_id)
            .or_default()
            .attached
            .push((name, arn));
    }
    Ok(owners)
}

/// The names of the groups each user of the account belongs to, by user id.
async fn group_names_by_user(
    conn: &mut SqliteConnection,
    account_id: &str,
) -> Result<HashMap<String, Vec<String>>, AwsError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT m.user_id, g.group_name FROM group_members m
         JOIN groups g ON g.group_id = m.group_id
         WHERE g.account_id = ? ORDER BY g.group_name",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut groups: HashMap<String, Vec<String>> = HashMap::new();
    for (user_id, group_name) in rows {
        groups.entry(user_id).or_default().push(group_name);
    }
    Ok(groups)
}
