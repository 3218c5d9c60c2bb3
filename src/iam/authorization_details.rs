//! `GetAccountAuthorizationDetails`: a snapshot of every user, group, role and managed policy
//! of the account and how they relate, policy documents URL-encoded as everywhere in IAM.
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html>
//!
//! No secret is part of it: access keys, passwords and sessions are not IAM's to describe
//! here, and the store reads none of them for it.

use std::collections::HashSet;

use super::instance_profiles::write_profile;
use super::policies::{encode_document, write_policy, write_version};
use super::roles::write_role;
use super::shapes::MARKER;
use super::users::{DEFAULT_MAX_ITEMS, write_boundary, write_tags, write_truncation, write_user};
use crate::api::{Ctx, FromQuery};
use crate::clock::iso8601;
use crate::error::AwsError;
use crate::protocol::query::{Input, Params, Shape};
use crate::protocol::xml::{ToXml, XmlWriter};
use crate::store::{
    AuthorizationDetails, DetailKinds, GroupDetail, OwnerPolicies, PolicyDetail, RoleDetail,
    UserDetail,
};

/// `EntityType`.
const ENTITY_TYPES: &[&str] = &[
    "User",
    "Role",
    "Group",
    "LocalManagedPolicy",
    "AWSManagedPolicy",
];

/// The `Filter` members, checked against [`ENTITY_TYPES`] one by one.
const ENTITY_TYPE: Shape = Shape {
    min: 0,
    max: usize::MAX,
    pattern: None,
};

pub struct GetAccountAuthorizationDetailsInput {
    kinds: DetailKinds,
    marker: Option<String>,
    max_items: usize,
}

impl FromQuery for GetAccountAuthorizationDetailsInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let filter = input.string_list("Filter", usize::MAX, &ENTITY_TYPE);
        let marker = input.string("Marker", &MARKER);
        let max_items = input.integer("MaxItems", 1, 1000);
        input.finish()?;
        if let Some(bad) = filter.iter().find(|f| !ENTITY_TYPES.contains(&f.as_str())) {
            return Err(crate::aws_error!(
                ValidationError,
                "1 validation error detected: Value '[{bad}]' at 'filter' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [{}]]",
                ENTITY_TYPES.join(", ")
            ));
        }
        // No filter means every kind.
        let wants = |kind: &str| filter.is_empty() || filter.iter().any(|f| f == kind);
        Ok(GetAccountAuthorizationDetailsInput {
            kinds: DetailKinds {
                users: wants("User"),
                groups: wants("Group"),
                roles: wants("Role"),
                local_policies: wants("LocalManagedPolicy"),
                aws_policies: wants("AWSManagedPolicy"),
            },
            marker,
            max_items: max_items.unwrap_or(DEFAULT_MAX_ITEMS) as usize,
        })
    }
}

pub struct GetAccountAuthorizationDetailsOutput {
    page: AuthorizationDetails,
    marker: Option<String>,
}

impl ToXml for GetAccountAuthorizationDetailsOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        let page = &self.page;
        w.members("UserDetailList", &page.users, write_user_detail);
        w.members("GroupDetailList", &page.groups, write_group_detail);
        w.members("RoleDetailList", &page.roles, write_role_detail);
        w.members("Policies", &page.policies, write_policy_detail);
        write_truncation(w, self.marker.as_deref());
    }
}

pub async fn get_account_authorization_details(
    cx: &Ctx<'_>,
    input: GetAccountAuthorizationDetailsInput,
) -> Result<GetAccountAuthorizationDetailsOutput, AwsError> {
    cx.authorize("iam:GetAccountAuthorizationDetails", "*")?;
    let details = cx
        .app
        .store
        .authorization_details(cx.account_id(), input.kinds)
        .await?;
    let (page, marker) = page_of(details, input.marker.as_deref(), input.max_items)?;
    Ok(GetAccountAuthorizationDetailsOutput { page, marker })
}

/// One page of the four lists taken as one list (users, groups, roles, then policies), as
/// AWS pages them: `MaxItems` counts entities of every kind together, and the marker is the
/// kind and name (a policy's ARN) of the next one.
fn page_of(
    details: AuthorizationDetails,
    marker: Option<&str>,
    max_items: usize,
) -> Result<(AuthorizationDetails, Option<String>), AwsError> {
    // A marker we handed out names a kind (`0` to `3`) first.
    if marker.is_some_and(|m| {
        !(m.len() > 4 && m.starts_with(['0', '1', '2', '3']) && m.get(1..4) == Some("%2F"))
    }) {
        return Err(crate::aws_error!(InvalidInput, "Invalid Marker."));
    }
    let user = |d: &UserDetail| format!("0/{}", d.user.user_name);
    let group = |d: &GroupDetail| format!("1/{}", d.group.group_name);
    let role = |d: &RoleDetail| format!("2/{}", d.role.role_name);
    let policy = |d: &PolicyDetail| format!("3/{}", d.policy.arn);
    let keys: Vec<String> = (details.users.iter().map(user))
        .chain(details.groups.iter().map(group))
        .chain(details.roles.iter().map(role))
        .chain(details.policies.iter().map(policy))
        .collect();
    let (page, next) = super::page_by_key(&keys, String::clone, marker, max_items)?;
    let page: HashSet<String> = page.into_iter().collect();
    let page = AuthorizationDetails {
        users: (details.users.into_iter())
            .filter(|d| page.contains(&user(d)))
            .collect(),
        groups: (details.groups.into_iter())
            .filter(|d| page.contains(&group(d)))
            .collect(),
        roles: (details.roles.into_iter())
            .filter(|d| page.contains(&role(d)))
            .collect(),
        policies: (details.policies.into_iter())
            .filter(|d| page.contains(&policy(d)))
            .collect(),
    };
    Ok((page, next))
}

fn write_owner_policies(w: &mut XmlWriter, list: &str, policies: &OwnerPolicies) {
    w.members(list, &policies.inline, |w, (name, document)| {
        w.field("PolicyName", name);
        w.field("PolicyDocument", &encode_document(document));
    });
    w.members(
        "AttachedManagedPolicies",
        &policies.attached,
        |w, (name, arn)| {
            w.field("PolicyName", name);
            w.field("PolicyArn", arn);
        },
    );
}

fn write_user_detail(w: &mut XmlWriter, detail: &UserDetail) {
    let user = &detail.user;
    write_user(w, user);
    write_owner_policies(w, "UserPolicyList", &detail.policies);
    w.members("GroupList", &detail.groups, |w, name| w.text(name));
    write_boundary(w, user.permissions_boundary.as_deref());
    write_tags(w, &user.tags);
}

fn write_group_detail(w: &mut XmlWriter, detail: &GroupDetail) {
    let group = &detail.group;
    w.field("Path", &group.path);
    w.field("GroupName", &group.group_name);
    w.field("GroupId", &group.group_id);
    w.field("Arn", &group.arn);
    w.field("CreateDate", &iso8601(group.created_at));
    write_owner_policies(w, "GroupPolicyList", &detail.policies);
}

fn write_role_detail(w: &mut XmlWriter, detail: &RoleDetail) {
    let role = &detail.role;
    write_role(w, role);
    w.members("InstanceProfileList", &detail.instance_profiles, |w, p| {
        write_profile(w, p);
        write_tags(w, &p.tags);
    });
    write_owner_policies(w, "RolePolicyList", &detail.policies);
    write_boundary(w, role.permissions_boundary.as_deref());
    write_tags(w, &role.tags);
    w.open("RoleLastUsed");
    if let Some((at, region)) = &role.last_used {
        w.field("LastUsedDate", &iso8601(*at));
        w.field("Region", region);
    }
    w.close("RoleLastUsed");
}

fn write_policy_detail(w: &mut XmlWriter, detail: &PolicyDetail) {
    write_policy(w, &detail.policy);
    w.opt_field("Description", detail.policy.description.as_deref());
    w.members("PolicyVersionList", &detail.versions, write_version);
}
