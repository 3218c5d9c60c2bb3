//! The read APIs answered from the data plane, for `--consistency-lagging-reads`: what
//! authorization sees, not what was committed. A user just created is not found yet, one
//! just deleted is still listed, until the change propagates. The store's read methods call
//! these when [`Propagation::lagging_view`] gives them the view.
//!
//! The view keeps what authorization needs, so a few fields are not there: a role's
//! `RoleLastUsed` is left out.
//!
//! [`Propagation::lagging_view`]: crate::consistency::Propagation::lagging_view

use super::identity_policies::Owner;
use super::tags::Tag;
use super::{AccessKey, Group, Page, Role, User, groups, roles};
use crate::error::AwsError;
use crate::view::{GroupRecord, Listing, RoleRecord, UserRecord, View};

pub(super) fn role(view: &View, account_id: &str, role_name: &str) -> Result<Role, AwsError> {
    let role = view
        .role_by_name(account_id, role_name)
        .ok_or_else(|| roles::no_such_role(role_name))?;
    let tags = role
        .tags
        .iter()
        .map(|(key, value)| Tag {
            key: key.clone(),
            value: value.clone(),
        })
        .collect();
    Ok(Role {
        tags,
        ..listed_role(&role)
    })
}

/// Roles as `ListRoles` shows them: without tags.
pub(super) fn roles_page(view: &View, listing: &Listing<'_>) -> Page<Role> {
    let (roles, marker) = view.roles_page(listing);
    Page {
        items: roles.iter().map(|role| listed_role(role)).collect(),
        marker,
    }
}

fn listed_role(role: &RoleRecord) -> Role {
    Role {
        role_id: role.role_id.clone(),
        account_id: role.account_id.to_string(),
        role_name: role.role_name.clone(),
        path: role.path.to_string(),
        arn: role.arn.clone(),
        trust_policy: role.trust_document.to_string(),
        description: role.description.clone(),
        max_session_duration: role.max_session_duration,
        created_at: role.created_at,
        permissions_boundary: role.permissions_boundary.clone(),
        last_used: None,
        tags: Vec::new(),
    }
}

/// A group and a page of its members (without tags); `marker` is the name to start at.
pub(super) fn group(
    view: &View,
    account_id: &str,
    group_name: &str,
    marker: Option<&str>,
    max_items: usize,
) -> Result<(Group, Page<User>), AwsError> {
    let group = view
        .group_by_name(account_id, group_name)
        .ok_or_else(|| groups::no_such_group(group_name))?;
    let members = view.group_members(&group.group_id);
    let members = page_from(members, |u| &u.user_name, marker, max_items);
    Ok((
        to_group(&group),
        Page {
            items: members.items.iter().map(|u| listed_user(u)).collect(),
            marker: members.marker,
        },
    ))
}

pub(super) fn groups_page(view: &View, listing: &Listing<'_>) -> Page<Group> {
    let (groups, marker) = view.groups_page(listing);
    Page {
        items: groups.iter().map(|group| to_group(group)).collect(),
        marker,
    }
}

pub(super) fn groups_for_user(
    view: &View,
    account_id: &str,
    user_name: &str,
    marker: Option<&str>,
    max_items: usize,
) -> Result<Page<Group>, AwsError> {
    let user_id = owner_id(view, account_id, Owner::User(user_name))?;
    let groups = page_from(
        view.groups_of(&user_id),
        |g| &g.group_name,
        marker,
        max_items,
    );
    Ok(Page {
        items: groups.items.iter().map(|group| to_group(group)).collect(),
        marker: groups.marker,
    })
}

fn to_group(group: &GroupRecord) -> Group {
    Group {
        group_id: group.group_id.clone(),
        group_name: group.group_name.clone(),
        path: group.path.clone(),
        arn: group.arn.clone(),
        created_at: group.created_at,
    }
}

fn listed_user(user: &UserRecord) -> User {
    User {
        tags: Vec::new(),
        ..User::from(user)
    }
}

/// The keys of a user (or of the root), oldest first, without their secrets.
pub(super) fn access_keys(
    view: &View,
    account_id: &str,
    user_name: Option<&str>,
) -> Result<Vec<AccessKey>, AwsError> {
    let user_id = match user_name {
        Some(name) => Some(owner_id(view, account_id, Owner::User(name))?),
        None => None,
    };
    let keys = view.access_keys_of(account_id, user_id.as_deref());
    Ok(keys
        .iter()
        .map(|key| AccessKey {
            access_key_id: key.access_key_id.clone(),
            user_name: user_name.map(str::to_owned),
            active: key.active,
            created_at: key.created_at,
            secret_access_key: None,
        })
        .collect())
}

/// The unique id of a visible user, role or group, or IAM's `NoSuchEntity` for it.
pub(super) fn owner_id(
    view: &View,
    account_id: &str,
    owner: Owner<'_>,
) -> Result<String, AwsError> {
    match owner {
        Owner::User(name) => view
            .user_by_name(account_id, name)
            .map(|u| u.user_id.clone())
            .ok_or_else(|| AwsError::no_such_user(name)),
        Owner::Role(name) => view
            .role_by_name(account_id, name)
            .map(|r| r.role_id.clone())
            .ok_or_else(|| roles::no_such_role(name)),
        Owner::Group(name) => view
            .group_by_name(account_id, name)
            .map(|g| g.group_id.clone())
            .ok_or_else(|| groups::no_such_group(name)),
    }
}

pub(super) fn inline_policy_names(
    view: &View,
    account_id: &str,
    owner: Owner<'_>,
) -> Result<Vec<String>, AwsError> {
    Ok(view.inline_policy_names(&owner_id(view, account_id, owner)?))
}

/// The (name, ARN) of each managed policy visibly attached to the owner whose path starts
/// with `path_prefix`; the name and path are read from the ARN
/// (`arn:aws:iam::ACCOUNT:policy/PATH/NAME`).
pub(super) fn attached_policies(
    view: &View,
    account_id: &str,
    owner: Owner<'_>,
    path_prefix: &str,
) -> Result<Vec<(String, String)>, AwsError> {
    let arns = view.attached_policy_arns(&owner_id(view, account_id, owner)?);
    Ok(arns
        .into_iter()
        .filter_map(|arn| {
            let (_, resource) = arn.split_once(":policy/")?;
            let (path, name) = resource.rsplit_once('/').unwrap_or(("", resource));
            let path = if path.is_empty() {
                "/".to_owned()
            } else {
                format!("/{path}/")
            };
            path.starts_with(path_prefix)
                .then(|| (name.to_owned(), arn.clone()))
        })
        .collect())
}

/// Up to `max_items` of `items` (sorted by name without case) from the name `marker` on.
fn page_from<T>(
    items: Vec<T>,
    name: impl Fn(&T) -> &String,
    marker: Option<&str>,
    max_items: usize,
) -> Page<T> {
    let marker = marker.unwrap_or("").to_ascii_lowercase();
    let mut items = items
        .into_iter()
        .filter(|item| name(item).to_ascii_lowercase() >= marker);
    let page: Vec<T> = items.by_ref().take(max_items).collect();
    let next = items.next().map(|item| name(&item).clone());
    Page {
        items: page,
        marker: next,
    }
}
