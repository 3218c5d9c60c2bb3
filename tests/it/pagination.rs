//! Every listing with a `Marker` pages by the key of the next item, not by an offset: a walk
//! with `MaxItems` while items before and after the marker come and go between pages
//! returns no item twice, and every item that lived through the whole walk once.

use std::collections::BTreeSet;

use aws_sdk_iam::Client;
use aws_sdk_iam::types::{EntityType, PolicyScopeType, Tag};

use crate::common::TestServer;

const TRUST: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}"#;
const POLICY: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}"#;
const SERVER_CERT: &str = include_str!("fixtures/server_cert.pem");
const SERVER_KEY: &str = include_str!("fixtures/server_key.pem");
const CERTS: [&str; 3] = [
    include_str!("fixtures/server_cert.pem"),
    include_str!("fixtures/ec_cert.pem"),
    include_str!("fixtures/third_cert.pem"),
];
const SSH_KEYS: &str = include_str!("fixtures/ssh_keys.pub");

/// The owner of the listings about one entity.
const OWNER: &str = "owner";

#[derive(Debug, Clone, Copy)]
enum Listing {
    Users,
    Roles,
    Groups,
    Policies,
    InstanceProfiles,
    InstanceProfilesForRole,
    GroupMembers,
    AccessKeys,
    UserPolicies,
    AttachedUserPolicies,
    GroupsForUser,
    PolicyVersions,
    EntitiesForPolicy,
    ServerCertificates,
    SigningCertificates,
    SshPublicKeys,
    ServiceSpecificCredentials,
    VirtualMfaDevices,
    UserTags,
    PolicyTags,
    /// Users and roles in `GetAccountAuthorizationDetails`, which pages over both at once.
    AuthorizationDetails,
}

impl Listing {
    /// A page holds two items, or one where a quota allows only two.
    fn max_items(self) -> i32 {
        match self {
            Listing::AccessKeys
            | Listing::SigningCertificates
            | Listing::ServiceSpecificCredentials => 1,
            _ => 2,
        }
    }
}

fn policy_arn(name: &str) -> String {
    format!("arn:aws:iam::000000000000:policy/{name}")
}

/// What a listing is about: a user, role, group and policy named `owner`.
async fn set_up(iam: &Client) {
    iam.create_user().user_name(OWNER).send().await.unwrap();
    iam.create_group().group_name(OWNER).send().await.unwrap();
    iam.create_role()
        .role_name(OWNER)
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap();
    iam.create_policy()
        .policy_name(OWNER)
        .policy_document(POLICY)
        .send()
        .await
        .unwrap();
}

/// Makes an item (`name` where the caller names it, else the `n`th fixture): its id in the
/// listing, or `None` when a quota (or a fixture already in use) refuses it.
async fn create(iam: &Client, listing: Listing, name: &str, n: usize) -> Option<String> {
    match listing {
        Listing::Users => iam
            .create_user()
            .user_name(name)
            .send()
            .await
            .map(|_| name.to_owned())
            .ok(),
        Listing::Roles => iam
            .create_role()
            .role_name(name)
            .assume_role_policy_document(TRUST)
            .send()
            .await
            .map(|_| name.to_owned())
            .ok(),
        Listing::Groups => iam
            .create_group()
            .group_name(name)
            .send()
            .await
            .map(|_| name.to_owned())
            .ok(),
        Listing::Policies => iam
            .create_policy()
            .policy_name(name)
            .policy_document(POLICY)
            .send()
            .await
            .map(|_| name.to_owned())
            .ok(),
        Listing::InstanceProfiles => iam
            .create_instance_profile()
            .instance_profile_name(name)
            .send()
            .await
            .map(|_| name.to_owned())
            .ok(),
        Listing::InstanceProfilesForRole => {
            iam.create_instance_profile()
                .instance_profile_name(name)
                .send()
                .await
                .unwrap();
            iam.add_role_to_instance_profile()
                .instance_profile_name(name)
                .role_name(OWNER)
                .send()
                .await
                .map(|_| name.to_owned())
                .ok()
        }
        Listing::GroupMembers => {
            iam.create_user().user_name(name).send().await.unwrap();
            iam.add_user_to_group()
                .group_name(OWNER)
                .user_name(name)
                .send()
                .await
                .map(|_| name.to_owned())
                .ok()
        }
        Listing::AccessKeys => iam
            .create_access_key()
            .user_name(OWNER)
            .send()
            .await
            .ok()
            .map(|k| k.access_key.unwrap().access_key_id),
        Listing::UserPolicies => iam
            .put_user_policy()
            .user_name(OWNER)
            .policy_name(name)
            .policy_document(POLICY)
            .send()
            .await
            .map(|_| name.to_owned())
            .ok(),
        Listing::AttachedUserPolicies => {
            iam.create_policy()
                .policy_name(name)
                .policy_document(POLICY)
                .send()
                .await
                .unwrap();
            iam.attach_user_policy()
                .user_name(OWNER)
                .policy_arn(policy_arn(name))
                .send()
                .await
                .map(|_| name.to_owned())
                .ok()
        }
        Listing::GroupsForUser => {
            iam.create_group().group_name(name).send().await.unwrap();
            iam.add_user_to_group()
                .group_name(name)
                .user_name(OWNER)
                .send()
                .await
                .map(|_| name.to_owned())
                .ok()
        }
        Listing::PolicyVersions => iam
            .create_policy_version()
            .policy_arn(policy_arn(OWNER))
            .policy_document(POLICY)
            .send()
            .await
            .ok()
            .map(|v| v.policy_version.unwrap().version_id.unwrap()),
        Listing::EntitiesForPolicy => {
            iam.create_user().user_name(name).send().await.unwrap();
            iam.attach_user_policy()
                .user_name(name)
                .policy_arn(policy_arn(OWNER))
                .send()
                .await
                .map(|_| name.to_owned())
                .ok()
        }
        Listing::ServerCertificates => iam
            .upload_server_certificate()
            .server_certificate_name(name)
            .certificate_body(SERVER_CERT)
            .private_key(SERVER_KEY)
            .send()
            .await
            .map(|_| name.to_owned())
            .ok(),
        Listing::SigningCertificates => iam
            .upload_signing_certificate()
            .user_name(OWNER)
            .certificate_body(CERTS[n % CERTS.len()])
            .send()
            .await
            .ok()
            .map(|c| c.certificate.unwrap().certificate_id),
        Listing::SshPublicKeys => iam
            .upload_ssh_public_key()
            .user_name(OWNER)
            .ssh_public_key_body(SSH_KEYS.lines().nth(n % 6).unwrap())
            .send()
            .await
            .ok()
            .map(|k| k.ssh_public_key.unwrap().ssh_public_key_id),
        Listing::ServiceSpecificCredentials => iam
            .create_service_specific_credential()
            .user_name(OWNER)
            .service_name(if n.is_multiple_of(2) {
                "codecommit.amazonaws.com"
            } else {
                "cassandra.amazonaws.com"
            })
            .send()
            .await
            .ok()
            .map(|c| {
                c.service_specific_credential
                    .unwrap()
                    .service_specific_credential_id
            }),
        Listing::VirtualMfaDevices => iam
            .create_virtual_mfa_device()
            .virtual_mfa_device_name(name)
            .send()
            .await
            .ok()
            .map(|d| d.virtual_mfa_device.unwrap().serial_number),
        Listing::UserTags => iam
            .tag_user()
            .user_name(OWNER)
            .tags(Tag::builder().key(name).value("v").build().unwrap())
            .send()
            .await
            .map(|_| name.to_owned())
            .ok(),
        Listing::PolicyTags => iam
            .tag_policy()
            .policy_arn(policy_arn(OWNER))
            .tags(Tag::builder().key(name).value("v").build().unwrap())
            .send()
            .await
            .map(|_| name.to_owned())
            .ok(),
        Listing::AuthorizationDetails => iam
            .create_user()
            .user_name(name)
            .send()
            .await
            .map(|_| format!("user/{name}"))
            .ok(),
    }
}

/// Takes an item out of the listing; false when it may not be (a default policy version).
async fn delete(iam: &Client, listing: Listing, id: &str) -> bool {
    match listing {
        Listing::Users => iam.delete_user().user_name(id).send().await.is_ok(),
        Listing::Roles => iam.delete_role().role_name(id).send().await.is_ok(),
        Listing::Groups => iam.delete_group().group_name(id).send().await.is_ok(),
        Listing::Policies => iam
            .delete_policy()
            .policy_arn(policy_arn(id))
            .send()
            .await
            .is_ok(),
        Listing::InstanceProfiles => iam
            .delete_instance_profile()
            .instance_profile_name(id)
            .send()
            .await
            .is_ok(),
        Listing::InstanceProfilesForRole => iam
            .remove_role_from_instance_profile()
            .instance_profile_name(id)
            .role_name(OWNER)
            .send()
            .await
            .is_ok(),
        Listing::GroupMembers => iam
            .remove_user_from_group()
            .group_name(OWNER)
            .user_name(id)
            .send()
            .await
            .is_ok(),
        Listing::AccessKeys => iam
            .delete_access_key()
            .user_name(OWNER)
            .access_key_id(id)
            .send()
            .await
            .is_ok(),
        Listing::UserPolicies => iam
            .delete_user_policy()
            .user_name(OWNER)
            .policy_name(id)
            .send()
            .await
            .is_ok(),
        Listing::AttachedUserPolicies => iam
            .detach_user_policy()
            .user_name(OWNER)
            .policy_arn(policy_arn(id))
            .send()
            .await
            .is_ok(),
        Listing::GroupsForUser => iam
            .remove_user_from_group()
            .group_name(id)
            .user_name(OWNER)
            .send()
            .await
            .is_ok(),
        Listing::PolicyVersions => iam
            .delete_policy_version()
            .policy_arn(policy_arn(OWNER))
            .version_id(id)
            .send()
            .await
            .is_ok(),
        Listing::EntitiesForPolicy => iam
            .detach_user_policy()
            .user_name(id)
            .policy_arn(policy_arn(OWNER))
            .send()
            .await
            .is_ok(),
        Listing::ServerCertificates => iam
            .delete_server_certificate()
            .server_certificate_name(id)
            .send()
            .await
            .is_ok(),
        Listing::SigningCertificates => iam
            .delete_signing_certificate()
            .user_name(OWNER)
            .certificate_id(id)
            .send()
            .await
            .is_ok(),
        Listing::SshPublicKeys => iam
            .delete_ssh_public_key()
            .user_name(OWNER)
            .ssh_public_key_id(id)
            .send()
            .await
            .is_ok(),
        Listing::ServiceSpecificCredentials => iam
            .delete_service_specific_credential()
            .user_name(OWNER)
            .service_specific_credential_id(id)
            .send()
            .await
            .is_ok(),
        Listing::VirtualMfaDevices => iam
            .delete_virtual_mfa_device()
            .serial_number(id)
            .send()
            .await
            .is_ok(),
        Listing::UserTags => iam
            .untag_user()
            .user_name(OWNER)
            .tag_keys(id)
            .send()
            .await
            .is_ok(),
        Listing::PolicyTags => iam
            .untag_policy()
            .policy_arn(policy_arn(OWNER))
            .tag_keys(id)
            .send()
            .await
            .is_ok(),
        Listing::AuthorizationDetails => iam
            .delete_user()
            .user_name(id.trim_start_matches("user/"))
            .send()
            .await
            .is_ok(),
    }
}

/// One page: the ids on it, and the marker of the next when there is one. Only what the
/// walk made is counted (not `owner`, nor the AWS managed policies).
async fn page(
    iam: &Client,
    listing: Listing,
    marker: Option<String>,
) -> (Vec<String>, Option<String>) {
    let max = listing.max_items();
    macro_rules! paged {
        ($call:expr, $items:ident, |$item:ident| $id:expr) => {{
            let out = $call
                .set_marker(marker)
                .max_items(max)
                .send()
                .await
                .unwrap();
            let ids = out.$items().iter().map(|$item| $id).collect();
            (ids, out.is_truncated.then(|| out.marker.clone().unwrap()))
        }};
    }
    let (ids, next): (Vec<String>, Option<String>) = match listing {
        Listing::Users => paged!(iam.list_users(), users, |u| u.user_name.clone()),
        Listing::Roles => paged!(iam.list_roles(), roles, |r| r.role_name.clone()),
        Listing::Groups => paged!(iam.list_groups(), groups, |g| g.group_name.clone()),
        Listing::Policies => paged!(
            iam.list_policies().scope(PolicyScopeType::Local),
            policies,
            |p| p.policy_name.clone().unwrap()
        ),
        Listing::InstanceProfiles => paged!(iam.list_instance_profiles(), instance_profiles, |p| p
            .instance_profile_name
            .clone()),
        Listing::InstanceProfilesForRole => paged!(
            iam.list_instance_profiles_for_role().role_name(OWNER),
            instance_profiles,
            |p| p.instance_profile_name.clone()
        ),
        Listing::GroupMembers => paged!(iam.get_group().group_name(OWNER), users, |u| u
            .user_name
            .clone()),
        Listing::AccessKeys => paged!(
            iam.list_access_keys().user_name(OWNER),
            access_key_metadata,
            |k| k.access_key_id.clone().unwrap()
        ),
        Listing::UserPolicies => paged!(
            iam.list_user_policies().user_name(OWNER),
            policy_names,
            |n| n.clone()
        ),
        Listing::AttachedUserPolicies => paged!(
            iam.list_attached_user_policies().user_name(OWNER),
            attached_policies,
            |p| p.policy_name.clone().unwrap()
        ),
        Listing::GroupsForUser => {
            paged!(iam.list_groups_for_user().user_name(OWNER), groups, |g| g
                .group_name
                .clone())
        }
        Listing::PolicyVersions => paged!(
            iam.list_policy_versions().policy_arn(policy_arn(OWNER)),
            versions,
            |v| v.version_id.clone().unwrap()
        ),
        Listing::EntitiesForPolicy => paged!(
            iam.list_entities_for_policy()
                .policy_arn(policy_arn(OWNER))
                .entity_filter(EntityType::User),
            policy_users,
            |u| u.user_name.clone().unwrap()
        ),
        Listing::ServerCertificates => paged!(
            iam.list_server_certificates(),
            server_certificate_metadata_list,
            |c| c.server_certificate_name.clone()
        ),
        Listing::SigningCertificates => paged!(
            iam.list_signing_certificates().user_name(OWNER),
            certificates,
            |c| c.certificate_id.clone()
        ),
        Listing::SshPublicKeys => paged!(
            iam.list_ssh_public_keys().user_name(OWNER),
            ssh_public_keys,
            |k| k.ssh_public_key_id.clone()
        ),
        Listing::ServiceSpecificCredentials => paged!(
            iam.list_service_specific_credentials().user_name(OWNER),
            service_specific_credentials,
            |c| c.service_specific_credential_id.clone()
        ),
        Listing::VirtualMfaDevices => {
            paged!(iam.list_virtual_mfa_devices(), virtual_mfa_devices, |d| d
                .serial_number
                .clone())
        }
        Listing::UserTags => paged!(iam.list_user_tags().user_name(OWNER), tags, |t| t
            .key
            .clone()),
        Listing::PolicyTags => paged!(
            iam.list_policy_tags().policy_arn(policy_arn(OWNER)),
            tags,
            |t| t.key.clone()
        ),
        Listing::AuthorizationDetails => {
            let out = iam
                .get_account_authorization_details()
                .filter(EntityType::User)
                .filter(EntityType::Role)
                .set_marker(marker)
                .max_items(max)
                .send()
                .await
                .unwrap();
            let users = out.user_detail_list().iter();
            let roles = out.role_detail_list().iter();
            let ids = (users.map(|u| format!("user/{}", u.user_name.clone().unwrap())))
                .chain(roles.map(|r| format!("role/{}", r.role_name.clone().unwrap())))
                .collect();
            (ids, out.is_truncated.then(|| out.marker.clone().unwrap()))
        }
    };
    (ids.into_iter().filter(|id| id != OWNER).collect(), next)
}

/// Walks a listing page by page; between pages it deletes an item already returned or makes
/// one that sorts first, and replaces one still to come with one that sorts last.
async fn walk(iam: &Client, listing: Listing) -> Result<(), String> {
    // Names sort as their first letter says, whatever listing made them.
    let name = |first: String| format!("{first}-{}", format!("{listing:?}").to_lowercase());
    let mut made = 0;
    let mut existing = BTreeSet::new();
    for i in 0..6 {
        if let Some(id) = create(iam, listing, &name(format!("m{i}")), made).await {
            existing.insert(id);
        }
        made += 1;
    }
    assert!(existing.len() >= 2, "{listing:?}: {existing:?}");
    let throughout = existing.clone();
    let mut made_later = Vec::new();
    let (mut seen, mut marker) = (Vec::new(), None);
    for step in 0.. {
        if step == 50 {
            return Err(format!("{listing:?} does not end"));
        }
        let (ids, next) = page(iam, listing, marker).await;
        seen.extend(ids);
        let Some(next) = next else { break };
        marker = Some(next);

        if step % 2 == 0 {
            // Before the marker, one item fewer…
            let returned: Vec<String> = seen
                .iter()
                .filter(|id| existing.contains(*id))
                .cloned()
                .collect();
            for id in returned {
                if delete(iam, listing, &id).await {
                    existing.remove(&id);
                    break;
                }
            }
        } else if let Some(id) = create(iam, listing, &name(format!("a{step}")), made).await {
            // …or one more.
            existing.insert(id);
        }
        made += 1;
        // After it, one made earlier in the walk goes and a new one comes.
        let to_come = made_later.iter().find(|id| !seen.contains(*id)).cloned();
        if let Some(id) = to_come
            && delete(iam, listing, &id).await
        {
            existing.remove(&id);
            made_later.retain(|made| made != &id);
        }
        if let Some(id) = create(iam, listing, &name(format!("z{step}")), made).await {
            existing.insert(id.clone());
            made_later.push(id);
        }
        made += 1;
    }
    let unique: BTreeSet<&String> = seen.iter().collect();
    if unique.len() != seen.len() {
        return Err(format!("{listing:?} repeated an item: {seen:?}"));
    }
    match throughout.iter().find(|id| !seen.contains(*id)) {
        Some(id) => Err(format!("{listing:?} skipped {id}: {seen:?}")),
        None => Ok(()),
    }
}

#[tokio::test]
async fn every_listing_pages_stably_while_items_come_and_go() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    set_up(&iam).await;
    let mut failures = Vec::new();
    for listing in [
        Listing::Users,
        Listing::Roles,
        Listing::Groups,
        Listing::Policies,
        Listing::InstanceProfiles,
        Listing::InstanceProfilesForRole,
        Listing::GroupMembers,
        Listing::AccessKeys,
        Listing::UserPolicies,
        Listing::AttachedUserPolicies,
        Listing::GroupsForUser,
        Listing::PolicyVersions,
        Listing::EntitiesForPolicy,
        Listing::ServerCertificates,
        Listing::SigningCertificates,
        Listing::SshPublicKeys,
        Listing::ServiceSpecificCredentials,
        Listing::VirtualMfaDevices,
        Listing::UserTags,
        Listing::PolicyTags,
        Listing::AuthorizationDetails,
    ] {
        if let Err(failure) = walk(&iam, listing).await {
            failures.push(failure);
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
