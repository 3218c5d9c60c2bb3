//! The read APIs answered from the data plane, for `--consistency-lagging-reads`: what
//! authorization sees, not what was committed. A user just created is not found yet, one
//! just deleted is still listed, until the change propagates. The store's read methods call
//! these when [`Propagation::lagging_view`] gives them the view; with the option off they
//! never do, and with no delay the view is exactly the store, so the answers are the same.
//!
//! How: every read answers from what the view holds, never from SQLite "as of" some point.
//! The store's changes carry whole records, so the view holds, besides what authorization
//! needs, what these reads show of the entities that are few: a managed policy's metadata
//! and every version's document (five at most), instance profiles, the providers'
//! thumbprints, metadata and dates, and the tags of everything that is no principal (by
//! ARN). What is per user stays small: a user's tags were there already, and an inline
//! policy adds only its document's text, shared by the owners of the same document at
//! start-up. Counts (`AttachmentCount`, `PermissionsBoundaryUsageCount`, those of
//! `GetAccountSummary`) are counted over what is visible when asked, rather than kept;
//! `ListEntitiesForPolicy` and `GetAccountAuthorizationDetails` are derived from the
//! entities, memberships, attachments and documents the view holds anyway.
//!
//! Credentials and settings that authorization does not use are kept as small records, and
//! only for what exists: a login profile's date and reset flag (never its hash), a virtual
//! MFA device's user and date (never its seed), SSH public keys and signing certificates
//! (public by nature), service-specific credentials (never their secrets), the account's
//! alias and password policy. Checks (a password against
//! the policy, an MFA code against its device) still read the store.
//!
//! A few fields are not kept: a role's `RoleLastUsed` is left out. AWS managed policies
//! come from the bundled catalogue and never lag (their counts do). Server certificates and
//! the tags of MFA devices and server certificates are read from the store still.
//!
//! [`Propagation::lagging_view`]: crate::consistency::Propagation::lagging_view

use super::ServiceCredential;
use super::identity_policies::Owner;
use super::tags::Tag;
use super::{AccessKey, Group, ManagedPolicy, Page, PolicyVersion, Role, User, groups, policies};
use super::{
    AccountCounts, AuthorizationDetails, DetailKinds, GroupDetail, OwnerPolicies, PolicyDetail,
    PolicyEntity, PolicyUsage, RoleDetail, UserDetail,
};
use super::{Assignment, MfaDevice, SigningCertificate, SshPublicKey, VirtualMfaDevice};
use super::{
    InstanceProfile, OidcProvider, SamlProvider, instance_profiles, oidc_providers, roles,
    saml_providers,
};
use crate::aws_managed;
use crate::error::AwsError;
use crate::view::{
    GroupRecord, InstanceProfileRecord, Listing, ManagedPolicyRecord, PolicyCounts, RoleRecord,
    SamlProviderRecord, UserRecord, View,
};

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

/// A visible inline policy: its name as stored and its document as written.
pub(super) fn inline_policy(
    view: &View,
    account_id: &str,
    owner: Owner<'_>,
    policy_name: &str,
) -> Result<(String, std::sync::Arc<str>), AwsError> {
    view.inline_policy(&owner_id(view, account_id, owner)?, policy_name)
        .ok_or_else(|| owner.no_such_policy(policy_name))
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
    Ok(named_policies(arns, path_prefix))
}

/// (name, ARN) of each of these policy ARNs whose path starts with `path_prefix`.
fn named_policies(arns: Vec<String>, path_prefix: &str) -> Vec<(String, String)> {
    arns.into_iter()
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
        .collect()
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

/// A managed policy (AWS managed ones too), with what has propagated of its uses and tags.
pub(super) fn policy(
    view: &View,
    account_id: &str,
    policy_arn: &str,
) -> Result<ManagedPolicy, AwsError> {
    let counts = view.policy_usage(account_id).get(policy_arn).copied();
    if let Some(aws) = aws_managed::by_arn(policy_arn) {
        return Ok(policies::aws_policy_counted(aws, counts));
    }
    let policy = account_policy(view, account_id, policy_arn)?;
    Ok(ManagedPolicy {
        tags: tags(view.resource_tags(policy_arn)),
        ..to_policy(&policy, counts)
    })
}

/// Policies as `ListPolicies` shows them (without tags): those `keep` keeps, by name.
pub(super) fn policies_page(
    view: &View,
    listing: &Listing<'_>,
    keep: impl Fn(&ManagedPolicy) -> bool,
) -> Page<ManagedPolicy> {
    let usage = view.policy_usage(listing.account_id);
    let mut policies: Vec<ManagedPolicy> = view
        .managed_policies_of(listing.account_id)
        .iter()
        .filter(|p| p.path.starts_with(listing.path_prefix))
        .map(|p| to_policy(p, usage.get(&p.arn).copied()))
        .filter(|p| keep(p))
        .collect();
    policies.sort_by_cached_key(|p| p.policy_name.to_ascii_lowercase());
    page_from(
        policies,
        |p| &p.policy_name,
        listing.marker,
        listing.max_items,
    )
}

/// One version of one of the account's managed policies, with its document.
pub(super) fn policy_version(
    view: &View,
    account_id: &str,
    policy_arn: &str,
    version_id: &str,
) -> Result<PolicyVersion, AwsError> {
    let policy = account_policy(view, account_id, policy_arn)?;
    let version = policy
        .versions
        .iter()
        .find(|v| v.version_id == version_id)
        .ok_or_else(|| policies::no_such_version(policy_arn, version_id))?;
    Ok(PolicyVersion {
        document: Some(version.document.to_string()),
        ..to_version(&policy, version)
    })
}

/// The versions of one of the account's managed policies, newest first, without documents.
pub(super) fn policy_versions(
    view: &View,
    account_id: &str,
    policy_arn: &str,
) -> Result<Vec<PolicyVersion>, AwsError> {
    let policy = account_policy(view, account_id, policy_arn)?;
    Ok(policy
        .versions
        .iter()
        .map(|v| to_version(&policy, v))
        .collect())
}

fn account_policy(
    view: &View,
    account_id: &str,
    policy_arn: &str,
) -> Result<std::sync::Arc<ManagedPolicyRecord>, AwsError> {
    view.managed_policy_record(policy_arn)
        .filter(|p| &*p.account_id == account_id)
        .ok_or_else(|| policies::no_such_policy(policy_arn))
}

fn to_policy(policy: &ManagedPolicyRecord, counts: Option<PolicyCounts>) -> ManagedPolicy {
    let counts = counts.unwrap_or_default();
    ManagedPolicy {
        policy_id: policy.policy_id.clone(),
        policy_name: policy.policy_name.clone(),
        path: policy.path.clone(),
        arn: policy.arn.clone(),
        description: policy.description.clone(),
        default_version_id: policy.default_version_id.clone(),
        attachment_count: counts.attachments,
        boundary_count: counts.boundaries,
        created_at: policy.created_at,
        updated_at: policy.updated_at,
        tags: Vec::new(),
    }
}

fn to_version(
    policy: &ManagedPolicyRecord,
    version: &crate::view::PolicyVersionRecord,
) -> PolicyVersion {
    PolicyVersion {
        version_id: version.version_id.clone(),
        document: None,
        is_default: version.version_id == policy.default_version_id,
        created_at: version.created_at,
    }
}

fn tags(tags: Vec<(String, String)>) -> Vec<Tag> {
    tags.into_iter()
        .map(|(key, value)| Tag { key, value })
        .collect()
}

/// An instance profile with its role (if visible) and tags.
pub(super) fn instance_profile(
    view: &View,
    account_id: &str,
    name: &str,
) -> Result<InstanceProfile, AwsError> {
    let profile = view
        .instance_profile_by_name(account_id, name)
        .ok_or_else(|| instance_profiles::no_such_profile(name))?;
    Ok(InstanceProfile {
        tags: tags(view.resource_tags(&profile.arn)),
        ..listed_profile(view, &profile)
    })
}

/// Profiles as listings show them: with their roles, without tags.
pub(super) fn instance_profiles_page(view: &View, listing: &Listing<'_>) -> Page<InstanceProfile> {
    let (profiles, marker) = view.instance_profiles_page(listing);
    Page {
        items: profiles.iter().map(|p| listed_profile(view, p)).collect(),
        marker,
    }
}

pub(super) fn instance_profiles_for_role(
    view: &View,
    account_id: &str,
    role_name: &str,
    marker: Option<&str>,
    max_items: usize,
) -> Result<Page<InstanceProfile>, AwsError> {
    let role_id = owner_id(view, account_id, Owner::Role(role_name))?;
    let profiles = page_from(
        view.instance_profiles_of_role(&role_id),
        |p| &p.instance_profile_name,
        marker,
        max_items,
    );
    Ok(Page {
        items: profiles
            .items
            .iter()
            .map(|p| listed_profile(view, p))
            .collect(),
        marker: profiles.marker,
    })
}

fn listed_profile(view: &View, profile: &InstanceProfileRecord) -> InstanceProfile {
    let role = profile.role_id.as_deref().and_then(|id| view.role(id));
    InstanceProfile {
        instance_profile_id: profile.instance_profile_id.clone(),
        instance_profile_name: profile.instance_profile_name.clone(),
        path: profile.path.clone(),
        arn: profile.arn.clone(),
        created_at: profile.created_at,
        roles: role.iter().map(|role| listed_role(role)).collect(),
        tags: Vec::new(),
    }
}

pub(super) fn oidc_provider(
    view: &View,
    account_id: &str,
    arn: &str,
) -> Result<OidcProvider, AwsError> {
    let provider = view
        .oidc_provider(arn)
        .filter(|p| p.account_id == account_id)
        .ok_or_else(|| oidc_providers::no_such_provider(arn))?;
    Ok(OidcProvider {
        arn: provider.arn.clone(),
        url: provider.url.clone(),
        client_ids: provider.client_ids.clone(),
        thumbprints: provider.thumbprints.clone(),
        created_at: provider.created_at,
        tags: tags(view.resource_tags(arn)),
    })
}

pub(super) fn saml_provider(
    view: &View,
    account_id: &str,
    arn: &str,
) -> Result<SamlProvider, AwsError> {
    let provider = view
        .saml_provider(arn)
        .filter(|p| p.account_id == account_id)
        .ok_or_else(|| saml_providers::no_such_provider(arn))?;
    Ok(SamlProvider {
        metadata: provider.metadata.to_string(),
        tags: tags(view.resource_tags(arn)),
        ..listed_saml_provider(&provider)
    })
}

/// A provider as `ListSAMLProviders` shows it: without its metadata or tags.
pub(super) fn listed_saml_provider(provider: &SamlProviderRecord) -> SamlProvider {
    SamlProvider {
        arn: provider.arn.clone(),
        uuid: provider.uuid.clone(),
        metadata: String::new(),
        assertion_encryption_mode: provider.assertion_encryption_mode.clone(),
        valid_until: provider.valid_until,
        created_at: provider.created_at,
        tags: Vec::new(),
        private_keys: provider
            .private_key_stamps
            .iter()
            .map(|(key_id, added_at)| saml_providers::SamlPrivateKey {
                key_id: key_id.clone(),
                // A secret: never in an answer, so the view need not hold it twice.
                private_key: String::new(),
                added_at: *added_at,
            })
            .collect(),
    }
}

/// `ListEntitiesForPolicy`: the visible groups, users and roles (in that order, each by
/// name) that use the policy as asked, whose path starts with `path_prefix`.
pub(super) fn entities_for_policy(
    view: &View,
    account_id: &str,
    policy_arn: &str,
    usage: Option<PolicyUsage>,
    path_prefix: &str,
) -> Result<Vec<PolicyEntity>, AwsError> {
    if aws_managed::by_arn(policy_arn).is_none() {
        account_policy(view, account_id, policy_arn)?;
    }
    let attached = usage != Some(PolicyUsage::PermissionsBoundary);
    let boundary = usage != Some(PolicyUsage::PermissionsPolicy);
    let entities = view.policy_entities(account_id, policy_arn, attached, boundary);
    let entity = |kind: &str, name: &str, id: &str| PolicyEntity {
        kind: kind.to_owned(),
        name: name.to_owned(),
        id: id.to_owned(),
    };
    let groups = (entities.groups.iter())
        .filter(|g| g.path.starts_with(path_prefix))
        .map(|g| entity("Group", &g.group_name, &g.group_id));
    let users = (entities.users.iter())
        .filter(|u| u.path.starts_with(path_prefix))
        .map(|u| entity("User", &u.user_name, &u.user_id));
    let roles = (entities.roles.iter())
        .filter(|r| r.path.starts_with(path_prefix))
        .map(|r| entity("Role", &r.role_name, &r.role_id));
    Ok(groups.chain(users).chain(roles).collect())
}

/// `GetAccountSummary`'s counts of what the view holds; `counts` gives the rest.
pub(super) fn account_counts(
    view: &View,
    account_id: &str,
    counts: AccountCounts,
) -> AccountCounts {
    let entities = view.entity_counts(account_id);
    let devices = view.mfa_devices_of(account_id);
    let attached: i64 = view
        .policy_usage(account_id)
        .values()
        .map(|c| c.attachments)
        .sum();
    AccountCounts {
        users: entities.users,
        groups: entities.groups,
        roles: entities.roles,
        policies: entities.policies,
        instance_profiles: entities.instance_profiles,
        providers: entities.providers,
        attached_policies: attached,
        mfa_devices: devices.len() as i64,
        root_signing_certificates: view.signing_certificates_of(account_id, None).len() as i64,
        mfa_devices_in_use: devices.iter().filter(|d| d.user_id.is_some()).count() as i64,
        ..counts
    }
}

/// `GetAccountAuthorizationDetails` from what has propagated: the same shape, the same
/// order as the store's (each list by name, the account's policies before AWS's).
pub(super) fn authorization_details(
    view: &View,
    account_id: &str,
    kinds: DetailKinds,
) -> AuthorizationDetails {
    let everything = Listing {
        account_id,
        path_prefix: "/",
        marker: None,
        max_items: usize::MAX,
    };
    let owner_policies = |owner_id: &str| OwnerPolicies {
        inline: (view.inline_policies(owner_id).into_iter())
            .map(|(name, document)| (name, document.to_string()))
            .collect(),
        attached: named_policies(view.attached_policy_arns(owner_id), "/"),
    };
    let mut details = AuthorizationDetails::default();
    if kinds.users {
        for user in view.users_page(&everything).0 {
            details.users.push(UserDetail {
                policies: owner_policies(&user.user_id),
                groups: (view.groups_of(&user.user_id).iter())
                    .map(|g| g.group_name.clone())
                    .collect(),
                user: User::from(&*user),
            });
        }
    }
    if kinds.groups {
        for group in view.groups_page(&everything).0 {
            details.groups.push(GroupDetail {
                policies: owner_policies(&group.group_id),
                group: to_group(&group),
            });
        }
    }
    if kinds.roles {
        for role in view.roles_page(&everything).0 {
            let profiles = view.instance_profiles_of_role(&role.role_id);
            details.roles.push(RoleDetail {
                policies: owner_policies(&role.role_id),
                instance_profiles: (profiles.iter())
                    .map(|p| InstanceProfile {
                        tags: tags(view.resource_tags(&p.arn)),
                        ..listed_profile(view, p)
                    })
                    .collect(),
                role: Role {
                    tags: tags(role.tags.clone()),
                    ..listed_role(&role)
                },
            });
        }
    }
    let usage = view.policy_usage(account_id);
    if kinds.local_policies {
        let mut local = view.managed_policies_of(account_id);
        local.sort_by_cached_key(|p| p.policy_name.to_ascii_lowercase());
        for policy in local {
            let versions = (policy.versions.iter())
                .map(|v| PolicyVersion {
                    document: Some(v.document.to_string()),
                    ..to_version(&policy, v)
                })
                .collect();
            details.policies.push(PolicyDetail {
                policy: to_policy(&policy, usage.get(&policy.arn).copied()),
                versions,
            });
        }
    }
    if kinds.aws_policies {
        let mut aws: Vec<PolicyDetail> = (aws_managed::CATALOGUE.iter())
            .map(|aws| PolicyDetail {
                policy: policies::aws_policy_counted(aws, usage.get(&aws.arn()).copied()),
                versions: vec![policies::aws_version(aws, true)],
            })
            .filter(|p| p.policy.attachment_count > 0)
            .collect();
        aws.sort_by_cached_key(|p| p.policy.policy_name.to_ascii_lowercase());
        details.policies.extend(aws);
    }
    details
}

/// `ListVirtualMFADevices`: a page of the account's visible devices by serial number,
/// without seeds or tags; `marker` is the serial to start at.
pub(super) fn virtual_mfa_devices(
    view: &View,
    account_id: &str,
    assignment: Assignment,
    marker: Option<&str>,
    max_items: usize,
) -> Page<VirtualMfaDevice> {
    let marker = marker.unwrap_or("");
    let mut devices = (view.mfa_devices_of(account_id).into_iter())
        .filter(|d| d.serial_number.as_str() >= marker)
        .filter(|d| match assignment {
            Assignment::Any => true,
            // Enabled with no user: the root user's.
            Assignment::Assigned => d.enabled_at.is_some(),
            Assignment::Unassigned => d.enabled_at.is_none(),
        });
    let items = (devices.by_ref().take(max_items))
        .map(|d| VirtualMfaDevice {
            serial_number: d.serial_number.clone(),
            seed: String::new(),
            user: (d.user_id.as_deref())
                .and_then(|id| view.user(id))
                .map(|u| listed_user(&u)),
            enabled_at: d.enabled_at,
            tags: Vec::new(),
        })
        .collect();
    Page {
        items,
        marker: devices.next().map(|d| d.serial_number.clone()),
    }
}

/// `ListMFADevices`: a page of the visible devices enabled for a visible user.
pub(super) fn mfa_devices(
    view: &View,
    account_id: &str,
    user_name: Option<&str>,
    marker: Option<&str>,
    max_items: usize,
) -> Result<Page<MfaDevice>, AwsError> {
    // No user name: the root user's devices, enabled for no user.
    let user_id = match user_name {
        Some(name) => Some(owner_id(view, account_id, Owner::User(name))?),
        None => None,
    };
    let marker = marker.unwrap_or("");
    let mut devices = (view.mfa_devices_of(account_id).into_iter())
        .filter(|d| d.enabled_at.is_some() && d.user_id == user_id)
        .filter(|d| d.serial_number.as_str() >= marker);
    let items = (devices.by_ref().take(max_items))
        .map(|d| MfaDevice {
            user_name: user_name.unwrap_or(account_id).to_owned(),
            serial_number: d.serial_number.clone(),
            enabled_at: d.enabled_at.unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
        })
        .collect();
    Ok(Page {
        items,
        marker: devices.next().map(|d| d.serial_number.clone()),
    })
}

/// A visible user's visible SSH public keys, oldest first.
pub(super) fn ssh_public_keys(
    view: &View,
    account_id: &str,
    user_name: &str,
) -> Result<Vec<SshPublicKey>, AwsError> {
    let user_id = owner_id(view, account_id, Owner::User(user_name))?;
    Ok((view.ssh_public_keys(&user_id).iter())
        .map(|key| SshPublicKey {
            ssh_public_key_id: key.ssh_public_key_id.clone(),
            user_name: user_name.to_owned(),
            body: key.body.to_string(),
            key_blob: key.key_blob.clone(),
            fingerprint: key.fingerprint.clone(),
            active: key.active,
            uploaded_at: key.uploaded_at,
        })
        .collect())
}

/// The visible signing certificates of a visible user (or of the root), oldest first.
pub(super) fn signing_certificates(
    view: &View,
    account_id: &str,
    user_name: Option<&str>,
) -> Result<Vec<SigningCertificate>, AwsError> {
    let user_id = match user_name {
        Some(name) => Some(owner_id(view, account_id, Owner::User(name))?),
        None => None,
    };
    let certificates = view.signing_certificates_of(account_id, user_id.as_deref());
    Ok((certificates.iter())
        .map(|certificate| SigningCertificate {
            certificate_id: certificate.certificate_id.clone(),
            user_name: user_name.map(str::to_owned),
            certificate_body: certificate.body.to_string(),
            active: certificate.active,
            uploaded_at: certificate.uploaded_at,
        })
        .collect())
}

/// A visible user's visible service-specific credentials (of one service, when named),
/// oldest first.
pub(super) fn service_credentials(
    view: &View,
    user: &UserRecord,
    service_name: Option<&str>,
) -> Vec<ServiceCredential> {
    (view.service_credentials(&user.user_id).iter())
        .filter(|c| service_name.is_none_or(|name| c.service_name == name))
        .map(|c| ServiceCredential {
            credential_id: c.credential_id.clone(),
            user_name: user.user_name.clone(),
            service_name: c.service_name.clone(),
            service_user_name: c.service_user_name.clone(),
            service_credential_alias: c.service_credential_alias.clone(),
            active: c.active,
            created_at: c.created_at,
            expires_at: c.expires_at,
        })
        .collect()
}

/// Every visible user's, by user name then age.
pub(super) fn all_service_credentials(
    view: &View,
    account_id: &str,
    service_name: Option<&str>,
) -> Vec<ServiceCredential> {
    let everyone = Listing {
        account_id,
        path_prefix: "/",
        marker: None,
        max_items: usize::MAX,
    };
    (view.users_page(&everyone).0.iter())
        .flat_map(|user| service_credentials(view, user, service_name))
        .collect()
}
