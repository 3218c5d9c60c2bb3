//! What the lagging read APIs (`--consistency-lagging-reads`) ask of the view beyond what
//! authorization needs: managed policies and their versions, inline documents, instance
//! profiles, providers, and how many entities use each policy.

use std::collections::HashMap;
use std::sync::Arc;

use super::{
    GroupRecord, InstanceProfileRecord, Listing, LoginProfileRecord, ManagedPolicyRecord,
    MfaDeviceRecord, OidcProviderRecord, RoleRecord, SamlProviderRecord, ServiceCredentialRecord,
    SigningCertificateRecord, SshPublicKeyRecord, UserRecord, View, ViewData, by_name_key,
    name_key,
};

/// How many visible users, groups and roles of an account use a managed policy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PolicyCounts {
    /// Attached to them.
    pub attachments: i64,
    /// Users and roles it bounds.
    pub boundaries: i64,
}

/// The visible groups, users and roles that use a managed policy, each by name without case.
#[derive(Debug, Default)]
pub struct PolicyEntities {
    pub groups: Vec<Arc<GroupRecord>>,
    pub users: Vec<Arc<UserRecord>>,
    pub roles: Vec<Arc<RoleRecord>>,
}

/// How many visible entities of each kind an account has, for `GetAccountSummary`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EntityCounts {
    pub users: i64,
    pub groups: i64,
    pub roles: i64,
    pub policies: i64,
    pub instance_profiles: i64,
    /// OpenID Connect and SAML providers.
    pub providers: i64,
}

/// The account's entries of a `account_id/lowercase name` map, by name without case.
fn of_account<'a, T>(
    by_name: &'a std::collections::BTreeMap<String, Arc<T>>,
    account_id: &str,
) -> impl Iterator<Item = &'a Arc<T>> {
    let account = name_key(account_id, "");
    by_name
        .range(account.clone()..)
        .take_while(move |(key, _)| key.starts_with(&account))
        .map(|(_, entity)| entity)
}

impl ViewData {
    fn is_attached(&self, owner_id: &str, policy_arn: &str) -> bool {
        (self.attached_policies.get(owner_id))
            .is_some_and(|arns| arns.iter().any(|a| a == policy_arn))
    }
}

impl View {
    /// The account's visible groups, users and roles that have the policy attached (when
    /// `attached`) or as their permissions boundary (when `boundary`).
    pub fn policy_entities(
        &self,
        account_id: &str,
        policy_arn: &str,
        attached: bool,
        boundary: bool,
    ) -> PolicyEntities {
        let data = self.read();
        let uses = |id: &str, bound_by: &Option<String>| {
            (attached && data.is_attached(id, policy_arn))
                || (boundary && bound_by.as_deref() == Some(policy_arn))
        };
        PolicyEntities {
            groups: of_account(&data.groups_by_name, account_id)
                .filter(|g| uses(&g.group_id, &None))
                .cloned()
                .collect(),
            users: of_account(&data.users_by_name, account_id)
                .filter(|u| uses(&u.user_id, &u.permissions_boundary))
                .cloned()
                .collect(),
            roles: of_account(&data.roles_by_name, account_id)
                .filter(|r| uses(&r.role_id, &r.permissions_boundary))
                .cloned()
                .collect(),
        }
    }

    /// How many visible users, groups, roles, managed policies, instance profiles and
    /// providers the account has.
    pub fn entity_counts(&self, account_id: &str) -> EntityCounts {
        let data = self.read();
        let count = |n: usize| n as i64;
        let oidc = data.oidc_providers.values();
        let saml = data.saml_providers.values();
        EntityCounts {
            users: count(of_account(&data.users_by_name, account_id).count()),
            groups: count(of_account(&data.groups_by_name, account_id).count()),
            roles: count(of_account(&data.roles_by_name, account_id).count()),
            policies: count(
                (data.managed_policies.values())
                    .filter(|p| &*p.account_id == account_id)
                    .count(),
            ),
            instance_profiles: count(
                of_account(&data.instance_profiles_by_name, account_id).count(),
            ),
            providers: count(
                oidc.filter(|p| p.account_id == account_id).count()
                    + saml.filter(|p| p.account_id == account_id).count(),
            ),
        }
    }

    /// An owner's visible inline policies (by unique id): names as stored and documents as
    /// written, by name.
    pub fn inline_policies(&self, owner_id: &str) -> Vec<(String, Arc<str>)> {
        let data = self.read();
        let mut policies: Vec<(String, Arc<str>)> = (data.inline_policies.get(owner_id))
            .into_iter()
            .flatten()
            .map(|p| (p.policy.id.to_string(), p.document.clone()))
            .collect();
        policies.sort_by(|a, b| a.0.cmp(&b.0));
        policies
    }

    /// A user's visible login profile, by the user's unique id.
    pub fn login_profile(&self, user_id: &str) -> Option<Arc<LoginProfileRecord>> {
        self.read().login_profiles.get(user_id).cloned()
    }

    /// The account's visible virtual MFA devices, by serial number.
    pub fn mfa_devices_of(&self, account_id: &str) -> Vec<Arc<MfaDeviceRecord>> {
        let mut devices: Vec<_> = (self.read().mfa_devices.values())
            .filter(|d| &*d.account_id == account_id)
            .cloned()
            .collect();
        devices.sort_by(|a, b| a.serial_number.cmp(&b.serial_number));
        devices
    }

    /// A user's visible SSH public keys (by the user's unique id), oldest first.
    pub fn ssh_public_keys(&self, user_id: &str) -> Vec<Arc<SshPublicKeyRecord>> {
        let mut keys = (self.read().ssh_public_keys.get(user_id))
            .cloned()
            .unwrap_or_default();
        keys.sort_by(|a, b| {
            (a.uploaded_at, &a.ssh_public_key_id).cmp(&(b.uploaded_at, &b.ssh_public_key_id))
        });
        keys
    }

    /// The visible signing certificates of a user (or, with none, of the account's root),
    /// oldest first.
    pub fn signing_certificates_of(
        &self,
        account_id: &str,
        user_id: Option<&str>,
    ) -> Vec<Arc<SigningCertificateRecord>> {
        let mut certificates: Vec<_> = (self.read().signing_certificates.values())
            .filter(|c| &*c.account_id == account_id && c.user_id.as_deref() == user_id)
            .cloned()
            .collect();
        certificates.sort_by(|a, b| {
            (a.uploaded_at, &a.certificate_id).cmp(&(b.uploaded_at, &b.certificate_id))
        });
        certificates
    }

    /// A user's visible service-specific credentials (by the user's unique id), oldest
    /// first.
    pub fn service_credentials(&self, user_id: &str) -> Vec<Arc<ServiceCredentialRecord>> {
        let mut all = (self.read().service_credentials.get(user_id))
            .cloned()
            .unwrap_or_default();
        all.sort_by(|a, b| (a.created_at, &a.credential_id).cmp(&(b.created_at, &b.credential_id)));
        all
    }

    /// The account's visible alias, if it has one.
    pub fn account_alias(&self, account_id: &str) -> Option<String> {
        self.read().account_aliases.get(account_id).cloned()
    }

    /// The account's visible password policy, if it set one.
    pub fn password_policy(&self, account_id: &str) -> Option<Arc<crate::store::PasswordPolicy>> {
        self.read().password_policies.get(account_id).cloned()
    }

    /// A visible customer managed policy, by ARN.
    pub fn managed_policy_record(&self, policy_arn: &str) -> Option<Arc<ManagedPolicyRecord>> {
        self.read().managed_policies.get(policy_arn).cloned()
    }

    /// The account's visible customer managed policies, in no order.
    pub fn managed_policies_of(&self, account_id: &str) -> Vec<Arc<ManagedPolicyRecord>> {
        self.read()
            .managed_policies
            .values()
            .filter(|p| &*p.account_id == account_id)
            .cloned()
            .collect()
    }

    /// How the account's visible entities use each managed policy (AWS managed ones too),
    /// by ARN: one pass over the attachments, users and roles, for a whole listing.
    pub fn policy_usage(&self, account_id: &str) -> HashMap<String, PolicyCounts> {
        let data = self.read();
        let mut usage: HashMap<String, PolicyCounts> = HashMap::new();
        for (owner_id, arns) in &data.attached_policies {
            let owner_account = match data.users.get(owner_id) {
                Some(user) => Some(&*user.account_id),
                None => match data.roles.get(owner_id) {
                    Some(role) => Some(&*role.account_id),
                    None => data.groups.get(owner_id).map(|g| g.account_id.as_str()),
                },
            };
            if owner_account != Some(account_id) {
                continue;
            }
            for arn in arns {
                usage.entry(arn.clone()).or_default().attachments += 1;
            }
        }
        let users = data
            .users
            .values()
            .filter(|u| &*u.account_id == account_id)
            .map(|u| &u.permissions_boundary);
        let roles = data
            .roles
            .values()
            .filter(|r| &*r.account_id == account_id)
            .map(|r| &r.permissions_boundary);
        for arn in users.chain(roles).flatten() {
            usage.entry(arn.clone()).or_default().boundaries += 1;
        }
        usage
    }

    /// A visible inline policy of an owner (by unique id), named without case: its name
    /// as stored and its document as written.
    pub fn inline_policy(&self, owner_id: &str, policy_name: &str) -> Option<(String, Arc<str>)> {
        self.read()
            .inline_policies
            .get(owner_id)?
            .iter()
            .find(|p| p.policy.id.eq_ignore_ascii_case(policy_name))
            .map(|p| (p.policy.id.to_string(), p.document.clone()))
    }

    pub fn instance_profile_by_name(
        &self,
        account_id: &str,
        name: &str,
    ) -> Option<Arc<InstanceProfileRecord>> {
        let data = self.read();
        by_name_key(account_id, name, |key| {
            data.instance_profiles_by_name.get(key).cloned()
        })
    }

    /// A page of the account's instance profiles, as [`View::users_page`] lists users.
    pub fn instance_profiles_page(
        &self,
        listing: &Listing<'_>,
    ) -> (Vec<Arc<InstanceProfileRecord>>, Option<String>) {
        let data = self.read();
        listing.page(&data.instance_profiles_by_name, |p| {
            (p.path.as_str(), p.instance_profile_name.as_str())
        })
    }

    /// The visible instance profiles that hold a role, by name without case.
    pub fn instance_profiles_of_role(&self, role_id: &str) -> Vec<Arc<InstanceProfileRecord>> {
        self.read()
            .instance_profiles_by_name
            .values()
            .filter(|p| p.role_id.as_deref() == Some(role_id))
            .cloned()
            .collect()
    }

    /// The account's visible OpenID Connect providers, by ARN.
    pub fn oidc_providers_of(&self, account_id: &str) -> Vec<Arc<OidcProviderRecord>> {
        let mut providers: Vec<_> = self
            .read()
            .oidc_providers
            .values()
            .filter(|p| p.account_id == account_id)
            .cloned()
            .collect();
        providers.sort_by(|a, b| a.arn.cmp(&b.arn));
        providers
    }

    /// The account's visible SAML providers, by ARN.
    pub fn saml_providers_of(&self, account_id: &str) -> Vec<Arc<SamlProviderRecord>> {
        let mut providers: Vec<_> = self
            .read()
            .saml_providers
            .values()
            .filter(|p| p.account_id == account_id)
            .cloned()
            .collect();
        providers.sort_by(|a, b| a.arn.cmp(&b.arn));
        providers
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::{Change, UserRecord};

    fn user(id: &str, account_id: &str, boundary: Option<&str>) -> Change {
        Change::UserPut(Arc::new(UserRecord {
            user_id: id.into(),
            account_id: account_id.into(),
            user_name: id.into(),
            path: "/".into(),
            arn: format!("arn:aws:iam::{account_id}:user/{id}"),
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            permissions_boundary: boundary.map(Into::into),
            tags: vec![],
        }))
    }

    fn attached(owner_id: &str, policy_arn: &str) -> Change {
        Change::PolicyAttached {
            owner_id: owner_id.into(),
            policy_arn: policy_arn.into(),
        }
    }

    #[test]
    fn uses_of_a_policy_are_counted_per_account_over_visible_owners() {
        const POLICY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";
        let view = View::new();
        view.apply([
            user("AIDAONE", "111111111111", Some(POLICY)),
            attached("AIDAONE", POLICY),
            user("AIDATWO", "222222222222", None),
            attached("AIDATWO", POLICY),
            // Not visible yet: not counted.
            attached("AIDATHREE", POLICY),
        ]);
        let one = view.policy_usage("111111111111");
        let expected = PolicyCounts {
            attachments: 1,
            boundaries: 1,
        };
        assert_eq!(one.get(POLICY), Some(&expected));
        let two = view.policy_usage("222222222222");
        assert_eq!(two[POLICY].boundaries, 0);
        view.apply([Change::UserRemoved {
            user_id: "AIDAONE".into(),
        }]);
        assert!(view.policy_usage("111111111111").is_empty());
    }

    #[test]
    fn an_instance_profile_is_found_by_name_until_removed() {
        let profile = |role_id: Option<&str>| {
            Change::InstanceProfilePut(Arc::new(InstanceProfileRecord {
                instance_profile_id: "AIPAEXAMPLE".into(),
                account_id: "111111111111".into(),
                instance_profile_name: "Web".into(),
                path: "/".into(),
                arn: "arn:aws:iam::111111111111:instance-profile/Web".into(),
                created_at: time::OffsetDateTime::UNIX_EPOCH,
                role_id: role_id.map(Into::into),
            }))
        };
        let view = View::new();
        view.apply([profile(None), profile(Some("AROAEXAMPLE"))]);
        let found = view
            .instance_profile_by_name("111111111111", "web")
            .unwrap();
        assert_eq!(found.role_id.as_deref(), Some("AROAEXAMPLE"));
        assert_eq!(view.instance_profiles_of_role("AROAEXAMPLE").len(), 1);
        view.apply([Change::InstanceProfileRemoved {
            instance_profile_id: "AIPAEXAMPLE".into(),
        }]);
        assert!(
            view.instance_profile_by_name("111111111111", "web")
                .is_none()
        );
        assert!(view.instance_profiles_of_role("AROAEXAMPLE").is_empty());
    }
}
