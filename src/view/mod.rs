//! The data plane: an in-memory, read-optimised picture of what authentication and
//! authorization need. Built from the store at start-up, then kept current by the
//! [`Change`]s the store publishes through `consistency`.
//!
//! Authentication and authorization read only this, never SQLite: that keeps the hot path in
//! memory and makes "the change is not visible yet" a real state. It also keeps what the read
//! APIs show of the few entities authorization does not need (managed policy versions,
//! instance profiles, providers' details), so that with lagging reads they answer from it
//! (see `store::lagging`).

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::{Arc, RwLock};

mod by_id;
mod reads;

pub use reads::{EntityCounts, PolicyCounts, PolicyEntities};

use crate::consistency::ChangeKind;
use crate::policy::NamedPolicy;
use by_id::ById;
pub(crate) use by_id::{FastMap, FastSet};

/// A change to the control plane, as the data plane needs to know it. Each carries the
/// whole new record, so applying one twice is harmless.
#[derive(Debug, Clone)]
pub enum Change {
    AccountCreated {
        account_id: String,
    },
    UserPut(Arc<UserRecord>),
    UserRemoved {
        user_id: String,
    },
    AccessKeyPut(Arc<AccessKeyRecord>),
    AccessKeyRemoved {
        access_key_id: String,
    },
    GroupPut(Arc<GroupRecord>),
    GroupRemoved {
        group_id: String,
    },
    /// A user joined (`member: true`) or left a group.
    GroupMembership {
        group_id: String,
        user_id: String,
        member: bool,
    },
    RolePut(Arc<RoleRecord>),
    RoleRemoved {
        role_id: String,
    },
    /// An inline policy of a user or role (the owner's unique id), reported under its name,
    /// and its document as written (for lagging read APIs).
    InlinePolicyPut {
        owner_id: String,
        policy: NamedPolicy,
        document: Arc<str>,
    },
    InlinePolicyRemoved {
        owner_id: String,
        policy_name: String,
    },
    /// A managed policy attached to a user or role (the owner's unique id).
    PolicyAttached {
        owner_id: String,
        policy_arn: String,
    },
    PolicyDetached {
        owner_id: String,
        policy_arn: String,
    },
    /// Temporary credentials minted by STS.
    SessionPut(Arc<SessionRecord>),
    /// A customer managed policy: its default version, and what read APIs show of it.
    ManagedPolicyPut(Arc<ManagedPolicyRecord>),
    ManagedPolicyRemoved {
        policy_arn: String,
    },
    /// An OpenID Connect provider, whose tokens `AssumeRoleWithWebIdentity` accepts.
    OidcProviderPut(Arc<OidcProviderRecord>),
    OidcProviderRemoved {
        arn: String,
    },
    /// A SAML provider, whose assertions `AssumeRoleWithSAML` accepts.
    SamlProviderPut(Arc<SamlProviderRecord>),
    SamlProviderRemoved {
        arn: String,
    },
    /// An instance profile, for lagging read APIs (authorization needs none).
    InstanceProfilePut(Arc<InstanceProfileRecord>),
    InstanceProfileRemoved {
        instance_profile_id: String,
    },
    /// The tags of a resource that is no principal (a managed policy, an instance
    /// profile, a provider…), by ARN, for `aws:ResourceTag/…`; none forgets the resource.
    ResourceTags {
        arn: String,
        tags: Vec<(String, String)>,
    },
    /// A user's console password (its dates and flags, never its hash), for lagging reads.
    LoginProfilePut(Arc<LoginProfileRecord>),
    LoginProfileRemoved {
        user_id: String,
    },
    /// A virtual MFA device (whom it is enabled for, never its seed), for lagging reads.
    MfaDevicePut(Arc<MfaDeviceRecord>),
    MfaDeviceRemoved {
        serial_number: String,
    },
    /// A user's SSH public key (public by nature), for lagging reads.
    SshPublicKeyPut(Arc<SshPublicKeyRecord>),
    SshPublicKeyRemoved {
        user_id: String,
        ssh_public_key_id: String,
    },
    /// A signing certificate of a user or (no user) of the account's root, for lagging reads.
    SigningCertificatePut(Arc<SigningCertificateRecord>),
    SigningCertificateRemoved {
        certificate_id: String,
        account_id: String,
        user_id: Option<String>,
    },
    /// A user's service-specific credential (never its secret), for lagging reads.
    ServiceCredentialPut(Arc<ServiceCredentialRecord>),
    ServiceCredentialRemoved {
        user_id: String,
        credential_id: String,
    },
    /// The account's alias (none: deleted), for lagging reads.
    AccountAlias {
        account_id: String,
        alias: Option<String>,
    },
    /// The account's password policy (none: deleted), for lagging reads.
    PasswordPolicy {
        account_id: String,
        policy: Option<Arc<crate::store::PasswordPolicy>>,
    },
}

impl Change {
    /// The kind of change, for the delay model (a store write may name a narrower one, such
    /// as a tag update reported as a whole new user record). `None` for what AWS does not
    /// replicate lazily: credentials that STS issues are valid at once.
    pub fn kind(&self) -> Option<ChangeKind> {
        Some(match self {
            Change::AccountCreated { .. }
            | Change::UserPut(_)
            | Change::UserRemoved { .. }
            | Change::RolePut(_)
            | Change::RoleRemoved { .. }
            | Change::GroupPut(_)
            | Change::GroupRemoved { .. }
            | Change::OidcProviderPut(_)
            | Change::OidcProviderRemoved { .. }
            | Change::SamlProviderPut(_)
            | Change::SamlProviderRemoved { .. }
            | Change::InstanceProfilePut(_)
            | Change::InstanceProfileRemoved { .. } => ChangeKind::Entities,
            // Membership decides which policies apply, as an attachment does.
            Change::GroupMembership { .. } => ChangeKind::Policies,
            Change::AccessKeyPut(_) | Change::AccessKeyRemoved { .. } => ChangeKind::AccessKeys,
            Change::InlinePolicyPut { .. }
            | Change::InlinePolicyRemoved { .. }
            | Change::PolicyAttached { .. }
            | Change::PolicyDetached { .. }
            | Change::ManagedPolicyPut(_)
            | Change::ManagedPolicyRemoved { .. } => ChangeKind::Policies,
            Change::ResourceTags { .. } => ChangeKind::Tags,
            // Console passwords, MFA devices, SSH keys, signing certificates and
            // service-specific credentials are credentials, as access keys are.
            Change::LoginProfilePut(_)
            | Change::LoginProfileRemoved { .. }
            | Change::MfaDevicePut(_)
            | Change::MfaDeviceRemoved { .. }
            | Change::SshPublicKeyPut(_)
            | Change::SshPublicKeyRemoved { .. }
            | Change::SigningCertificatePut(_)
            | Change::SigningCertificateRemoved { .. }
            | Change::ServiceCredentialPut(_)
            | Change::ServiceCredentialRemoved { .. } => ChangeKind::AccessKeys,
            // Settings of the account, as its creation is.
            Change::AccountAlias { .. } | Change::PasswordPolicy { .. } => ChangeKind::Entities,
            Change::SessionPut(_) => return None,
        })
    }

    /// The entity a change belongs to: changes to one entity reach the view in commit
    /// order. A user's or role's own policies belong to it (by unique id), so they never
    /// arrive before the principal does.
    pub fn entity(&self) -> String {
        match self {
            Change::AccountCreated { account_id } => format!("account:{account_id}"),
            Change::UserPut(user) => format!("principal:{}", user.user_id),
            Change::UserRemoved { user_id } => format!("principal:{user_id}"),
            Change::RolePut(role) => format!("principal:{}", role.role_id),
            Change::RoleRemoved { role_id } => format!("principal:{role_id}"),
            Change::GroupPut(group) => format!("principal:{}", group.group_id),
            Change::GroupRemoved { group_id } => format!("principal:{group_id}"),
            // A membership is part of the user's permissions: it follows the user's order.
            Change::GroupMembership { user_id, .. } => format!("principal:{user_id}"),
            Change::InlinePolicyPut { owner_id, .. }
            | Change::InlinePolicyRemoved { owner_id, .. }
            | Change::PolicyAttached { owner_id, .. }
            | Change::PolicyDetached { owner_id, .. } => format!("principal:{owner_id}"),
            Change::AccessKeyPut(key) => format!("access-key:{}", key.access_key_id),
            Change::AccessKeyRemoved { access_key_id } => format!("access-key:{access_key_id}"),
            Change::SessionPut(session) => format!("session:{}", session.access_key_id),
            Change::ManagedPolicyPut(policy) => format!("policy:{}", policy.arn),
            Change::ManagedPolicyRemoved { policy_arn } => format!("policy:{policy_arn}"),
            Change::OidcProviderPut(provider) => format!("oidc-provider:{}", provider.arn),
            Change::OidcProviderRemoved { arn } => format!("oidc-provider:{arn}"),
            Change::SamlProviderPut(provider) => format!("saml-provider:{}", provider.arn),
            Change::SamlProviderRemoved { arn } => format!("saml-provider:{arn}"),
            Change::InstanceProfilePut(profile) => {
                format!("instance-profile:{}", profile.instance_profile_id)
            }
            Change::InstanceProfileRemoved {
                instance_profile_id,
            } => format!("instance-profile:{instance_profile_id}"),
            Change::ResourceTags { arn, .. } => format!("resource-tags:{arn}"),
            // A user's credentials follow the user: never before it, never after its removal.
            Change::LoginProfilePut(profile) => format!("principal:{}", profile.user_id),
            Change::LoginProfileRemoved { user_id } => format!("principal:{user_id}"),
            Change::SshPublicKeyPut(key) => format!("principal:{}", key.user_id),
            Change::SshPublicKeyRemoved { user_id, .. } => format!("principal:{user_id}"),
            Change::ServiceCredentialPut(credential) => {
                format!("principal:{}", credential.user_id)
            }
            Change::ServiceCredentialRemoved { user_id, .. } => format!("principal:{user_id}"),
            Change::SigningCertificatePut(certificate) => {
                credential_owner(&certificate.account_id, certificate.user_id.as_deref())
            }
            Change::SigningCertificateRemoved {
                account_id,
                user_id,
                ..
            } => credential_owner(account_id, user_id.as_deref()),
            // A device outlives the users it is enabled for: it keeps its own order.
            Change::MfaDevicePut(device) => format!("mfa-device:{}", device.serial_number),
            Change::MfaDeviceRemoved { serial_number } => format!("mfa-device:{serial_number}"),
            Change::AccountAlias { account_id, .. } | Change::PasswordPolicy { account_id, .. } => {
                format!("account:{account_id}")
            }
        }
    }
}

/// The entity a credential's changes follow: its user, or (none) the account's root.
fn credential_owner(account_id: &str, user_id: Option<&str>) -> String {
    match user_id {
        Some(user_id) => format!("principal:{user_id}"),
        None => format!("account:{account_id}"),
    }
}

/// The account id as records hold it: one allocation per account, however many users and
/// keys it has (there are few accounts and they are never forgotten).
pub fn account_id(id: &str) -> Arc<str> {
    static ACCOUNTS: Interned = Interned::new();
    ACCOUNTS.get(id)
}

/// A user's or role's path as records hold it: one allocation per path, however many
/// entities have it (most have `/`; 100,000 users' own copies of it took 3 MiB).
pub fn path(path: &str) -> Arc<str> {
    static PATHS: Interned = Interned::new();
    PATHS.get(path)
}

/// Strings held once, however many records name them: for values that repeat and are few
/// (they are never forgotten).
struct Interned(std::sync::Mutex<Option<HashSet<Arc<str>>>>);

impl Interned {
    const fn new() -> Self {
        Interned(std::sync::Mutex::new(None))
    }

    fn get(&self, text: &str) -> Arc<str> {
        let mut known = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let known = known.get_or_insert_with(HashSet::new);
        if let Some(text) = known.get(text) {
            return text.clone();
        }
        let new: Arc<str> = Arc::from(text);
        known.insert(new.clone());
        new
    }
}

/// What the data plane knows of an IAM user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub user_id: String,
    /// Shared by every record of the account ([`account_id`]).
    pub account_id: Arc<str>,
    pub user_name: String,
    /// Shared by every record with the same path ([`path`]).
    pub path: Arc<str>,
    pub arn: String,
    pub created_at: time::OffsetDateTime,
    /// The ARN of the managed policy bounding the user's permissions.
    pub permissions_boundary: Option<String>,
    pub tags: Vec<(String, String)>,
}

/// What the data plane knows of an IAM group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRecord {
    pub group_id: String,
    pub account_id: String,
    pub group_name: String,
    pub path: String,
    pub arn: String,
    pub created_at: time::OffsetDateTime,
}

/// What the data plane knows of an IAM role.
#[derive(Debug, Clone)]
pub struct RoleRecord {
    pub role_id: String,
    /// Shared by every record of the account ([`account_id`]).
    pub account_id: Arc<str>,
    pub role_name: String,
    /// Shared by every record with the same path ([`path`]).
    pub path: Arc<str>,
    pub arn: String,
    /// The trust policy, reported under the role's ARN.
    pub trust_policy: NamedPolicy,
    /// The trust policy as it was written, for lagging read APIs.
    pub trust_document: Arc<str>,
    pub description: Option<String>,
    pub created_at: time::OffsetDateTime,
    pub max_session_duration: i64,
    /// The ARN of the managed policy bounding the role's permissions.
    pub permissions_boundary: Option<String>,
    pub tags: Vec<(String, String)>,
}

/// What the data plane knows of an OpenID Connect provider: enough to accept its tokens,
/// and to show it (thumbprints, creation date) to lagging read APIs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcProviderRecord {
    pub arn: String,
    pub account_id: String,
    /// The issuer without its scheme (`host/path`): the prefix of its condition keys.
    pub url: String,
    /// The audiences its tokens may name.
    pub client_ids: Vec<String>,
    pub thumbprints: Vec<String>,
    pub created_at: time::OffsetDateTime,
}

/// What the data plane knows of a customer managed policy: its default version, parsed,
/// for authorization; the rest (every version's document, at most five) for lagging read
/// APIs. Policies are few: the whole record costs little.
#[derive(Debug, Clone)]
pub struct ManagedPolicyRecord {
    pub policy_id: String,
    /// Shared by every record of the account ([`account_id`]).
    pub account_id: Arc<str>,
    pub policy_name: String,
    pub path: String,
    pub arn: String,
    pub description: Option<String>,
    pub created_at: time::OffsetDateTime,
    pub updated_at: time::OffsetDateTime,
    pub default_version_id: String,
    /// Every version, newest first.
    pub versions: Vec<PolicyVersionRecord>,
    /// The default version, reported under the ARN; none when its stored document no
    /// longer parses (it grants nothing then).
    pub default: Option<NamedPolicy>,
}

#[derive(Debug, Clone)]
pub struct PolicyVersionRecord {
    pub version_id: String,
    pub document: Arc<str>,
    pub created_at: time::OffsetDateTime,
}

/// What the data plane knows of an instance profile: only lagging read APIs need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceProfileRecord {
    pub instance_profile_id: String,
    /// Shared by every record of the account ([`account_id`]).
    pub account_id: Arc<str>,
    pub instance_profile_name: String,
    pub path: String,
    pub arn: String,
    pub created_at: time::OffsetDateTime,
    /// The unique id of the role it holds, if any.
    pub role_id: Option<String>,
}

/// A user's login profile as `GetLoginProfile` shows it: no password hash (the view never
/// holds one), and only for the users that have one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginProfileRecord {
    pub user_id: String,
    pub created_at: time::OffsetDateTime,
    pub password_reset_required: bool,
}

/// A virtual MFA device as `ListVirtualMFADevices` and `ListMFADevices` show it: no seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaDeviceRecord {
    pub serial_number: String,
    /// Shared by every record of the account ([`account_id`]).
    pub account_id: Arc<str>,
    /// The user it is enabled for (none for the root user's), and since when.
    pub user_id: Option<String>,
    pub enabled_at: Option<time::OffsetDateTime>,
}

/// A user's SSH public key as `GetSSHPublicKey` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshPublicKeyRecord {
    pub ssh_public_key_id: String,
    pub user_id: String,
    /// The key as it was uploaded, and in SSH wire form (for the PEM encoding).
    pub body: Arc<str>,
    pub key_blob: Vec<u8>,
    pub fingerprint: String,
    pub active: bool,
    pub uploaded_at: time::OffsetDateTime,
}

/// A signing certificate as `ListSigningCertificates` shows it (a public certificate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningCertificateRecord {
    pub certificate_id: String,
    /// Shared by every record of the account ([`account_id`]).
    pub account_id: Arc<str>,
    /// `None` for a certificate of the account's root.
    pub user_id: Option<String>,
    pub body: Arc<str>,
    pub active: bool,
    pub uploaded_at: time::OffsetDateTime,
}

/// A service-specific credential as `ListServiceSpecificCredentials` shows it: no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceCredentialRecord {
    pub credential_id: String,
    pub user_id: String,
    pub service_name: String,
    pub service_user_name: Option<String>,
    pub service_credential_alias: Option<String>,
    pub active: bool,
    pub created_at: time::OffsetDateTime,
    pub expires_at: Option<time::OffsetDateTime>,
}

/// An inline policy of a user, role or group: parsed for authorization, as written for
/// lagging read APIs.
#[derive(Debug, Clone)]
struct InlinePolicy {
    policy: NamedPolicy,
    document: Arc<str>,
}

/// What the data plane knows of a SAML provider: enough to verify its assertions, and to
/// show it to lagging read APIs (providers are few; their metadata is kept as written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlProviderRecord {
    pub arn: String,
    pub account_id: String,
    /// The `entityID` of its metadata.
    pub entity_id: String,
    /// The RSA public keys (`RSAPublicKey` DER) its assertions may be signed with.
    pub signing_keys: Vec<Vec<u8>>,
    /// The private keys its encrypted assertions are decrypted with, oldest first.
    pub decryption_keys: Vec<crate::saml::DecryptionKey>,
    /// Each private key's `KeyId` and when it was added, as `GetSAMLProvider` shows them.
    pub private_key_stamps: Vec<(String, time::OffsetDateTime)>,
    /// `SAMLProviderUUID`.
    pub uuid: String,
    pub metadata: Arc<str>,
    /// `Required` refuses plain assertions.
    pub assertion_encryption_mode: Option<String>,
    pub valid_until: Option<time::OffsetDateTime>,
    pub created_at: time::OffsetDateTime,
}

impl SamlProviderRecord {
    pub fn encryption_required(&self) -> bool {
        self.assertion_encryption_mode.as_deref() == Some("Required")
    }
}

/// Temporary credentials: who they stand for, for how long, with which limits.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Only the token's digest: the token itself went into the answer that minted it alone.
    pub token_digest: crate::ids::TokenDigest,
    pub account_id: String,
    pub of: SessionOf,
    /// Session policies passed when the credentials were made: `None` when none were,
    /// which is different from policies that allow nothing.
    pub policies: Option<Vec<NamedPolicy>>,
    /// Session tags, and which of them pass on to chained role sessions.
    pub tags: Vec<(String, String)>,
    pub transitive_tag_keys: Vec<String>,
    pub source_identity: Option<String>,
    /// When an MFA code was checked for these credentials (or for those they were made
    /// with): `aws:MultiFactorAuthPresent` and `aws:MultiFactorAuthAge`.
    pub mfa_authenticated_at: Option<time::OffsetDateTime>,
    pub issued_at: time::OffsetDateTime,
    pub expires_at: time::OffsetDateTime,
}

/// Whose credentials a session's are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionOf {
    /// `AssumeRole`: a role session.
    Role {
        role_id: String,
        role_name: String,
        role_arn: String,
        session_name: String,
    },
    /// `GetSessionToken`: the same user (or root, `None`) with short-lived credentials.
    Caller { user_id: Option<String> },
    /// `GetFederationToken`: a federated user `name`, issued by an IAM user (or root, `None`).
    Federated {
        user_id: Option<String>,
        name: String,
    },
}

impl SessionRecord {
    /// For a role session: `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    pub fn assumed_role_arn(&self) -> Option<String> {
        match &self.of {
            SessionOf::Role {
                role_name,
                session_name,
                ..
            } => Some(crate::arn::assumed_role(
                &self.account_id,
                role_name,
                session_name,
            )),
            SessionOf::Caller { .. } | SessionOf::Federated { .. } => None,
        }
    }

    /// For a federation session: `arn:aws:sts::ACCOUNT:federated-user/NAME`.
    pub fn federated_user_arn(&self) -> Option<String> {
        match &self.of {
            SessionOf::Federated { name, .. } => {
                Some(crate::arn::federated_user(&self.account_id, name))
            }
            _ => None,
        }
    }
}

/// What the data plane knows of a long-term access key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKeyRecord {
    pub access_key_id: String,
    /// Shared by every record of the account ([`account_id`]).
    pub account_id: Arc<str>,
    /// `None` for the keys of an account's root user.
    pub user_id: Option<String>,
    pub secret_access_key: String,
    pub active: bool,
    pub created_at: time::OffsetDateTime,
}

/// The principal a credential belongs to, resolved from the view.
#[derive(Debug, Clone)]
pub enum Principal {
    Root {
        account_id: String,
    },
    User(Arc<UserRecord>),
    /// A role session, from `AssumeRole`.
    AssumedRole(Arc<SessionRecord>),
    /// A federated user, from `GetFederationToken`.
    FederatedUser(Arc<SessionRecord>),
}

impl Principal {
    pub fn account_id(&self) -> &str {
        match self {
            Principal::Root { account_id } => account_id,
            Principal::User(user) => &user.account_id,
            Principal::AssumedRole(session) | Principal::FederatedUser(session) => {
                &session.account_id
            }
        }
    }
}

#[derive(Debug, Default)]
struct ViewData {
    accounts: FastSet<String>,
    users: ById<UserRecord>,
    /// `account_id/lowercase name` → user: IAM names compare without case. Ordered, as
    /// `ListUsers` lists them.
    users_by_name: BTreeMap<String, Arc<UserRecord>>,
    access_keys: ById<AccessKeyRecord>,
    groups: ById<GroupRecord>,
    /// `account_id/lowercase name` → group. Ordered, as `ListGroups` lists them.
    groups_by_name: BTreeMap<String, Arc<GroupRecord>>,
    /// User id → the ids of the groups it belongs to, in the order it joined them.
    memberships: FastMap<String, Vec<String>>,
    roles: ById<RoleRecord>,
    /// `account_id/lowercase name` → role.
    roles_by_name: BTreeMap<String, Arc<RoleRecord>>,
    /// Owner (user or role) unique id → inline policies.
    inline_policies: FastMap<String, Vec<InlinePolicy>>,
    /// Owner (user or role) unique id → attached managed policy ARNs.
    attached_policies: FastMap<String, Vec<String>>,
    /// ARN → customer managed policy.
    managed_policies: FastMap<String, Arc<ManagedPolicyRecord>>,
    instance_profiles: ById<InstanceProfileRecord>,
    /// `account_id/lowercase name` → instance profile. Ordered, as listings show them.
    instance_profiles_by_name: BTreeMap<String, Arc<InstanceProfileRecord>>,
    /// ARN → tags of the tagged resources that are no principal.
    resource_tags: FastMap<String, Vec<(String, String)>>,
    sessions: ById<SessionRecord>,
    /// Key ids of pruned sessions: they still answer `ExpiredToken`, as AWS's do, for the
    /// price of an id instead of a whole session; the newest [`EXPIRED_SESSIONS_KEPT`] only.
    expired_sessions: FastSet<String>,
    /// The same ids, oldest first, to forget the oldest past the bound.
    expired_order: VecDeque<String>,
    /// ARN → OpenID Connect provider.
    oidc_providers: ById<OidcProviderRecord>,
    /// ARN → SAML provider.
    saml_providers: FastMap<String, Arc<SamlProviderRecord>>,
    /// User id → login profile, for the users that have one.
    login_profiles: ById<LoginProfileRecord>,
    /// User id → SSH public keys, for the users that have some.
    ssh_public_keys: FastMap<String, Vec<Arc<SshPublicKeyRecord>>>,
    /// User id → service-specific credentials, for the users that have some.
    service_credentials: FastMap<String, Vec<Arc<ServiceCredentialRecord>>>,
    /// Certificate id → signing certificate.
    signing_certificates: ById<SigningCertificateRecord>,
    /// Serial number → virtual MFA device.
    mfa_devices: ById<MfaDeviceRecord>,
    /// Account id → alias, for the accounts that have one.
    account_aliases: FastMap<String, String>,
    /// Account id → password policy, for the accounts that set one.
    password_policies: FastMap<String, Arc<crate::store::PasswordPolicy>>,
}

impl ViewData {
    fn apply(&mut self, change: Change) {
        let data = self;
        match change {
            Change::AccountCreated { account_id } => {
                data.accounts.insert(account_id);
            }
            Change::UserPut(user) => {
                if let Some(old) = data.users.insert(user.clone()) {
                    let key = name_key(&old.account_id, &old.user_name);
                    forget_name(&mut data.users_by_name, key, |u| u.user_id == old.user_id);
                }
                data.users_by_name
                    .insert(name_key(&user.account_id, &user.user_name), user);
            }
            Change::UserRemoved { user_id } => {
                if let Some(old) = data.users.remove(&user_id) {
                    let key = name_key(&old.account_id, &old.user_name);
                    forget_name(&mut data.users_by_name, key, |u| u.user_id == old.user_id);
                }
                data.inline_policies.remove(&user_id);
                data.attached_policies.remove(&user_id);
                data.memberships.remove(&user_id);
                data.login_profiles.remove(&user_id);
                data.ssh_public_keys.remove(&user_id);
                data.service_credentials.remove(&user_id);
            }
            Change::GroupPut(group) => {
                if let Some(old) = data.groups.insert(group.clone()) {
                    data.groups_by_name
                        .remove(&name_key(&old.account_id, &old.group_name));
                }
                data.groups_by_name
                    .insert(name_key(&group.account_id, &group.group_name), group);
            }
            Change::GroupRemoved { group_id } => {
                if let Some(old) = data.groups.remove(&group_id) {
                    data.groups_by_name
                        .remove(&name_key(&old.account_id, &old.group_name));
                }
                data.inline_policies.remove(&group_id);
                data.attached_policies.remove(&group_id);
            }
            Change::GroupMembership {
                group_id,
                user_id,
                member,
            } => {
                let groups = data.memberships.entry(user_id).or_default();
                groups.retain(|g| *g != group_id);
                if member {
                    groups.push(group_id);
                }
            }
            Change::RolePut(role) => {
                if let Some(old) = data.roles.insert(role.clone()) {
                    let key = name_key(&old.account_id, &old.role_name);
                    forget_name(&mut data.roles_by_name, key, |r| r.role_id == old.role_id);
                }
                data.roles_by_name
                    .insert(name_key(&role.account_id, &role.role_name), role);
            }
            Change::RoleRemoved { role_id } => {
                if let Some(old) = data.roles.remove(&role_id) {
                    let key = name_key(&old.account_id, &old.role_name);
                    forget_name(&mut data.roles_by_name, key, |r| r.role_id == old.role_id);
                }
                data.inline_policies.remove(&role_id);
                data.attached_policies.remove(&role_id);
            }
            Change::AccessKeyPut(key) => {
                data.access_keys.insert(key);
            }
            Change::AccessKeyRemoved { access_key_id } => {
                data.access_keys.remove(&access_key_id);
            }
            Change::InlinePolicyPut {
                owner_id,
                policy,
                document,
            } => {
                let policies = data.inline_policies.entry(owner_id).or_default();
                policies.retain(|p| !p.policy.id.eq_ignore_ascii_case(&policy.id));
                policies.push(InlinePolicy { policy, document });
            }
            Change::InlinePolicyRemoved {
                owner_id,
                policy_name,
            } => {
                if let Some(policies) = data.inline_policies.get_mut(&owner_id) {
                    policies.retain(|p| !p.policy.id.eq_ignore_ascii_case(&policy_name));
                }
            }
            Change::PolicyAttached {
                owner_id,
                policy_arn,
            } => {
                let arns = data.attached_policies.entry(owner_id).or_default();
                if !arns.contains(&policy_arn) {
                    arns.push(policy_arn);
                }
            }
            Change::PolicyDetached {
                owner_id,
                policy_arn,
            } => {
                if let Some(arns) = data.attached_policies.get_mut(&owner_id) {
                    arns.retain(|arn| *arn != policy_arn);
                }
            }
            Change::SessionPut(session) => {
                data.sessions.insert(session);
            }
            Change::ManagedPolicyPut(policy) => {
                data.managed_policies.insert(policy.arn.clone(), policy);
            }
            Change::ManagedPolicyRemoved { policy_arn } => {
                data.managed_policies.remove(&policy_arn);
            }
            Change::OidcProviderPut(provider) => {
                data.oidc_providers.insert(provider);
            }
            Change::OidcProviderRemoved { arn } => {
                data.oidc_providers.remove(&arn);
            }
            Change::SamlProviderPut(provider) => {
                data.saml_providers.insert(provider.arn.clone(), provider);
            }
            Change::SamlProviderRemoved { arn } => {
                data.saml_providers.remove(&arn);
            }
            Change::InstanceProfilePut(profile) => {
                if let Some(old) = data.instance_profiles.insert(profile.clone()) {
                    let key = name_key(&old.account_id, &old.instance_profile_name);
                    forget_name(&mut data.instance_profiles_by_name, key, |p| {
                        p.instance_profile_id == old.instance_profile_id
                    });
                }
                let key = name_key(&profile.account_id, &profile.instance_profile_name);
                data.instance_profiles_by_name.insert(key, profile);
            }
            Change::InstanceProfileRemoved {
                instance_profile_id,
            } => {
                if let Some(old) = data.instance_profiles.remove(&instance_profile_id) {
                    let key = name_key(&old.account_id, &old.instance_profile_name);
                    forget_name(&mut data.instance_profiles_by_name, key, |p| {
                        p.instance_profile_id == old.instance_profile_id
                    });
                }
            }
            Change::ResourceTags { arn, tags } if tags.is_empty() => {
                data.resource_tags.remove(&arn);
            }
            Change::ResourceTags { arn, tags } => {
                data.resource_tags.insert(arn, tags);
            }
            Change::LoginProfilePut(profile) => {
                data.login_profiles.insert(profile);
            }
            Change::LoginProfileRemoved { user_id } => {
                data.login_profiles.remove(&user_id);
            }
            Change::SshPublicKeyPut(key) => {
                let keys = data.ssh_public_keys.entry(key.user_id.clone()).or_default();
                match keys
                    .iter_mut()
                    .find(|k| k.ssh_public_key_id == key.ssh_public_key_id)
                {
                    Some(old) => *old = key,
                    None => keys.push(key),
                }
            }
            Change::SshPublicKeyRemoved {
                user_id,
                ssh_public_key_id,
            } => {
                if let Some(keys) = data.ssh_public_keys.get_mut(&user_id) {
                    keys.retain(|k| k.ssh_public_key_id != ssh_public_key_id);
                    if keys.is_empty() {
                        data.ssh_public_keys.remove(&user_id);
                    }
                }
            }
            Change::ServiceCredentialPut(credential) => {
                let all = data.service_credentials.entry(credential.user_id.clone());
                let all = all.or_default();
                match all
                    .iter_mut()
                    .find(|c| c.credential_id == credential.credential_id)
                {
                    Some(old) => *old = credential,
                    None => all.push(credential),
                }
            }
            Change::ServiceCredentialRemoved {
                user_id,
                credential_id,
            } => {
                if let Some(all) = data.service_credentials.get_mut(&user_id) {
                    all.retain(|c| c.credential_id != credential_id);
                    if all.is_empty() {
                        data.service_credentials.remove(&user_id);
                    }
                }
            }
            Change::SigningCertificatePut(certificate) => {
                data.signing_certificates.insert(certificate);
            }
            Change::SigningCertificateRemoved { certificate_id, .. } => {
                data.signing_certificates.remove(&certificate_id);
            }
            Change::MfaDevicePut(device) => {
                data.mfa_devices.insert(device);
            }
            Change::MfaDeviceRemoved { serial_number } => {
                data.mfa_devices.remove(&serial_number);
            }
            Change::AccountAlias { account_id, alias } => match alias {
                Some(alias) => {
                    data.account_aliases.insert(account_id, alias);
                }
                None => {
                    data.account_aliases.remove(&account_id);
                }
            },
            Change::PasswordPolicy { account_id, policy } => match policy {
                Some(policy) => {
                    data.password_policies.insert(account_id, policy);
                }
                None => {
                    data.password_policies.remove(&account_id);
                }
            },
        }
    }
}

/// How many expired sessions' key ids are remembered: without a bound a server that mints
/// credentials all day keeps growing. Older ones answer `InvalidClientTokenId`, as all of
/// them do after a restart. About 10 MiB at the bound.
pub const EXPIRED_SESSIONS_KEPT: usize = 100_000;

#[derive(Debug, Default)]
pub struct View {
    data: RwLock<ViewData>,
}

impl View {
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets everything (for the admin reset).
    pub fn clear(&self) {
        *self.data.write().unwrap_or_else(|e| e.into_inner()) = ViewData::default();
    }

    pub fn apply(&self, changes: impl IntoIterator<Item = Change>) {
        let mut data = self.data.write().unwrap_or_else(|e| e.into_inner());
        for change in changes {
            data.apply(change);
        }
    }

    /// Replaces everything with what `changes` build (a whole snapshot of the store). The
    /// new maps are built before the lock is taken, so readers wait only for the swap.
    pub fn replace(&self, changes: Vec<Change>) {
        let mut fresh = ViewData::default();
        // Sized once rather than grown (and rehashed) a dozen times.
        let count = |is: fn(&Change) -> bool| changes.iter().filter(|c| is(c)).count();
        fresh
            .users
            .reserve(count(|c| matches!(c, Change::UserPut(_))));
        fresh
            .access_keys
            .reserve(count(|c| matches!(c, Change::AccessKeyPut(_))));
        fresh
            .roles
            .reserve(count(|c| matches!(c, Change::RolePut(_))));
        for change in changes {
            fresh.apply(change);
        }
        let old = std::mem::replace(
            &mut *self.data.write().unwrap_or_else(|e| e.into_inner()),
            fresh,
        );
        drop(old);
    }

    pub fn has_account(&self, account_id: &str) -> bool {
        self.read().accounts.contains(account_id)
    }

    pub fn user_by_name(&self, account_id: &str, user_name: &str) -> Option<Arc<UserRecord>> {
        let data = self.read();
        by_name_key(account_id, user_name, |key| {
            data.users_by_name.get(key).cloned()
        })
    }

    pub fn user(&self, user_id: &str) -> Option<Arc<UserRecord>> {
        self.read().users.get(user_id).cloned()
    }

    /// A page of the account's users ([`Listing::page`]).
    pub fn users_page(&self, listing: &Listing<'_>) -> (Vec<Arc<UserRecord>>, Option<String>) {
        let data = self.read();
        listing.page(&data.users_by_name, |u| (&*u.path, u.user_name.as_str()))
    }

    /// A page of the account's roles, as [`View::users_page`] lists users.
    pub fn roles_page(&self, listing: &Listing<'_>) -> (Vec<Arc<RoleRecord>>, Option<String>) {
        let data = self.read();
        listing.page(&data.roles_by_name, |r| (&*r.path, r.role_name.as_str()))
    }

    /// A page of the account's groups, as [`View::users_page`] lists users.
    pub fn groups_page(&self, listing: &Listing<'_>) -> (Vec<Arc<GroupRecord>>, Option<String>) {
        let data = self.read();
        listing.page(&data.groups_by_name, |g| {
            (g.path.as_str(), g.group_name.as_str())
        })
    }

    /// The visible members of a group, by name without case.
    pub fn group_members(&self, group_id: &str) -> Vec<Arc<UserRecord>> {
        let data = self.read();
        let mut members: Vec<_> = data
            .memberships
            .iter()
            .filter(|(_, groups)| groups.iter().any(|g| g == group_id))
            .filter_map(|(user_id, _)| data.users.get(user_id).cloned())
            .collect();
        members.sort_by_cached_key(|u| u.user_name.to_ascii_lowercase());
        members
    }

    /// The visible groups a user belongs to, by name without case.
    pub fn groups_of(&self, user_id: &str) -> Vec<Arc<GroupRecord>> {
        let data = self.read();
        let mut groups: Vec<_> = data
            .memberships
            .get(user_id)
            .into_iter()
            .flatten()
            .filter_map(|group_id| data.groups.get(group_id).cloned())
            .collect();
        groups.sort_by_cached_key(|g| g.group_name.to_ascii_lowercase());
        groups
    }

    /// The visible access keys of a user (or, with none, of the account's root), oldest
    /// first.
    pub fn access_keys_of(
        &self,
        account_id: &str,
        user_id: Option<&str>,
    ) -> Vec<Arc<AccessKeyRecord>> {
        let data = self.read();
        let mut keys: Vec<_> = data
            .access_keys
            .values()
            .filter(|k| &*k.account_id == account_id && k.user_id.as_deref() == user_id)
            .cloned()
            .collect();
        keys.sort_by(|a, b| {
            (a.created_at, &a.access_key_id).cmp(&(b.created_at, &b.access_key_id))
        });
        keys
    }

    /// The names of an owner's visible inline policies, sorted.
    pub fn inline_policy_names(&self, owner_id: &str) -> Vec<String> {
        let data = self.read();
        let mut names: Vec<String> = data
            .inline_policies
            .get(owner_id)
            .into_iter()
            .flatten()
            .map(|p| p.policy.id.to_string())
            .collect();
        names.sort();
        names
    }

    /// The ARNs of the managed policies visibly attached to an owner, in attachment order.
    pub fn attached_policy_arns(&self, owner_id: &str) -> Vec<String> {
        self.read()
            .attached_policies
            .get(owner_id)
            .cloned()
            .unwrap_or_default()
    }

    /// A visible managed policy's default version, by ARN.
    /// AWS managed policies come from the bundled catalogue, visible everywhere at once.
    pub fn managed_policy(&self, policy_arn: &str) -> Option<NamedPolicy> {
        self.read()
            .managed_policies
            .get(policy_arn)
            .map(|p| p.default.clone())
            .unwrap_or_else(|| crate::aws_managed::policy(policy_arn))
    }

    /// The tags of the user, role, managed policy or instance profile an ARN names, for
    /// `aws:ResourceTag/…`; none for anything else or anything not visible.
    pub fn resource_tags(&self, arn: &str) -> Vec<(String, String)> {
        let Some((account_id, resource)) = arn
            .strip_prefix("arn:aws:iam::")
            .and_then(|rest| rest.split_once(':'))
        else {
            return Vec::new();
        };
        let name = resource.rsplit('/').next().unwrap_or_default();
        let data = self.read();
        let tags = if resource.starts_with("user/") {
            by_name_key(account_id, name, |key| data.users_by_name.get(key))
                .filter(|u| u.arn == arn)
                .map(|u| u.tags.clone())
        } else if resource.starts_with("role/") {
            by_name_key(account_id, name, |key| data.roles_by_name.get(key))
                .filter(|r| r.arn == arn)
                .map(|r| r.tags.clone())
        } else {
            data.resource_tags.get(arn).cloned()
        };
        tags.unwrap_or_default()
    }

    /// The policy a permissions boundary names. One that is not visible allows nothing, as
    /// a deleted one would (AWS refuses to delete a policy in use as a boundary anyway).
    pub fn boundary_policy(&self, policy_arn: &str) -> NamedPolicy {
        self.managed_policy(policy_arn)
            .unwrap_or_else(|| NamedPolicy::new(policy_arn, ALLOWS_NOTHING.clone()))
    }

    pub fn session(&self, access_key_id: &str) -> Option<Arc<SessionRecord>> {
        self.read().sessions.get(access_key_id).cloned()
    }

    /// Every session the view holds, expired or not (until pruned), for the console.
    pub fn sessions(&self) -> Vec<Arc<SessionRecord>> {
        self.read().sessions.values().cloned().collect()
    }

    /// Forgets sessions that expired before `now` but their key ids; they can never be
    /// used again.
    pub fn drop_expired_sessions(&self, now: time::OffsetDateTime) -> usize {
        let mut data = self.data.write().unwrap_or_else(|e| e.into_inner());
        let expired: Vec<String> = data
            .sessions
            .values()
            .filter(|s| s.expires_at <= now)
            .map(|s| s.access_key_id.clone())
            .collect();
        for id in &expired {
            data.sessions.remove(id);
        }
        for id in &expired {
            if data.expired_sessions.insert(id.clone()) {
                data.expired_order.push_back(id.clone());
            }
        }
        while data.expired_order.len() > EXPIRED_SESSIONS_KEPT {
            if let Some(oldest) = data.expired_order.pop_front() {
                data.expired_sessions.remove(&oldest);
            }
        }
        expired.len()
    }

    /// Was this the key of a session that expired and was forgotten?
    pub fn is_expired_session(&self, access_key_id: &str) -> bool {
        self.read().expired_sessions.contains(access_key_id)
    }

    pub fn role_by_name(&self, account_id: &str, role_name: &str) -> Option<Arc<RoleRecord>> {
        let data = self.read();
        by_name_key(account_id, role_name, |key| {
            data.roles_by_name.get(key).cloned()
        })
    }

    pub fn group_by_name(&self, account_id: &str, group_name: &str) -> Option<Arc<GroupRecord>> {
        let data = self.read();
        by_name_key(account_id, group_name, |key| {
            data.groups_by_name.get(key).cloned()
        })
    }

    /// A visible OpenID Connect provider, by ARN.
    pub fn oidc_provider(&self, arn: &str) -> Option<Arc<OidcProviderRecord>> {
        self.read().oidc_providers.get(arn).cloned()
    }

    /// A visible SAML provider, by ARN.
    pub fn saml_provider(&self, arn: &str) -> Option<Arc<SamlProviderRecord>> {
        self.read().saml_providers.get(arn).cloned()
    }

    pub fn role(&self, role_id: &str) -> Option<Arc<RoleRecord>> {
        self.read().roles.get(role_id).cloned()
    }

    /// The identity-based policies of a user, role or group (by unique id): its inline
    /// policies, then the default versions of its attached managed policies that are
    /// visible; for a user, then the same of each of its groups.
    pub fn identity_policies(&self, owner_id: &str) -> Vec<NamedPolicy> {
        let data = self.read();
        // A user's groups lend it their policies; the groups must be visible themselves.
        let groups = data
            .memberships
            .get(owner_id)
            .into_iter()
            .flatten()
            .filter(|group_id| data.groups.contains_key(group_id));
        let owners = std::iter::once(owner_id).chain(groups.map(String::as_str));
        let mut policies = Vec::new();
        for owner in owners {
            policies.extend(
                data.inline_policies
                    .get(owner)
                    .into_iter()
                    .flatten()
                    .map(|p| p.policy.clone()),
            );
            let attached = data.attached_policies.get(owner).into_iter().flatten();
            policies.extend(
                attached.filter_map(|arn| match data.managed_policies.get(arn) {
                    Some(policy) => policy.default.clone(),
                    None => crate::aws_managed::policy(arn),
                }),
            );
        }
        policies
    }

    /// The key with this id and the principal it belongs to, if both are visible.
    pub fn access_key(&self, access_key_id: &str) -> Option<(Arc<AccessKeyRecord>, Principal)> {
        let data = self.read();
        let key = data.access_keys.get(access_key_id)?.clone();
        let principal = match &key.user_id {
            None => Principal::Root {
                account_id: key.account_id.to_string(),
            },
            Some(user_id) => Principal::User(data.users.get(user_id)?.clone()),
        };
        Some((key, principal))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, ViewData> {
        self.data.read().unwrap_or_else(|e| e.into_inner())
    }
}

/// Drops a name's entry unless it names another entity by now: with propagation delays, a
/// name freed by a rename or a delete may already be taken by a newer entity.
fn forget_name<T>(
    by_name: &mut BTreeMap<String, Arc<T>>,
    key: String,
    is_same: impl Fn(&T) -> bool,
) {
    if by_name.get(&key).is_some_and(|t| is_same(t)) {
        by_name.remove(&key);
    }
}

/// What a listing asks for: the account, a path prefix, where to start, how many.
pub struct Listing<'a> {
    pub account_id: &'a str,
    pub path_prefix: &'a str,
    pub marker: Option<&'a str>,
    pub max_items: usize,
}

impl Listing<'_> {
    /// Up to `max_items` of the account's entities whose path starts with the prefix, in
    /// name order without case, from the name `marker` on (as the store lists them); and
    /// the name of the next one when more remain. `path_name` gives an entity's path and name.
    fn page<T>(
        &self,
        by_name: &BTreeMap<String, Arc<T>>,
        path_name: impl Fn(&T) -> (&str, &str),
    ) -> (Vec<Arc<T>>, Option<String>) {
        let account = name_key(self.account_id, "");
        let mut entities = by_name
            .range(name_key(self.account_id, self.marker.unwrap_or(""))..)
            .take_while(|(key, _)| key.starts_with(&account))
            .map(|(_, entity)| entity)
            .filter(|entity| path_name(entity).0.starts_with(self.path_prefix));
        let page: Vec<_> = entities.by_ref().take(self.max_items).cloned().collect();
        let next = entities.next().map(|entity| path_name(entity).1.to_owned());
        (page, next)
    }
}

/// A policy that allows nothing.
static ALLOWS_NOTHING: std::sync::LazyLock<Arc<crate::policy::Policy>> = std::sync::LazyLock::new(
    || {
        let document = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "none:none", "Resource": "arn:aws:none:::none"}}"#;
        Arc::new(
            crate::policy::Policy::parse(document, crate::policy::PolicyKind::Boundary)
                .expect("a valid document"),
        )
    },
);

/// Looks `name_key(account_id, name)` up with `get`, the key built on the stack: lookups are
/// on every request's path, and an IAM name (at most 128 bytes) always fits.
pub(crate) fn by_name_key<R>(account_id: &str, name: &str, get: impl FnOnce(&str) -> R) -> R {
    let mut buffer = [0u8; 160];
    let (start, end) = (account_id.len() + 1, account_id.len() + 1 + name.len());
    let Some(key) = buffer.get_mut(..end) else {
        return get(&name_key(account_id, name));
    };
    key[..start - 1].copy_from_slice(account_id.as_bytes());
    key[start - 1] = b'/';
    key[start..].copy_from_slice(name.as_bytes());
    key[start..].make_ascii_lowercase();
    get(std::str::from_utf8(key).expect("two strings and a '/' are UTF-8"))
}

fn name_key(account_id: &str, name: &str) -> String {
    let mut key = String::with_capacity(account_id.len() + 1 + name.len());
    key.push_str(account_id);
    key.push('/');
    // ASCII case folded byte by byte: the other bytes of UTF-8 are never ASCII letters.
    let start = key.len();
    key.push_str(name);
    key[start..].make_ascii_lowercase();
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_keys_fold_ascii_case_only() {
        assert_eq!(name_key("123456789012", "Alice"), "123456789012/alice");
        // Names are ASCII in IAM, but a lookup may name anything: other letters stay.
        assert_eq!(name_key("1", "ÉQUIPE-Bleu"), "1/Équipe-bleu");
    }

    #[test]
    fn a_key_built_on_the_stack_is_the_name_key() {
        let long = "N".repeat(400);
        for name in ["Alice", "ÉQUIPE-Bleu", "", &long] {
            by_name_key("123456789012", name, |key| {
                assert_eq!(key, name_key("123456789012", name));
            });
        }
    }

    fn user() -> Arc<UserRecord> {
        Arc::new(UserRecord {
            user_id: "AIDAEXAMPLE".into(),
            account_id: "123456789012".into(),
            user_name: "alice".into(),
            path: "/".into(),
            arn: "arn:aws:iam::123456789012:user/alice".into(),
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            permissions_boundary: None,
            tags: vec![],
        })
    }

    fn key(user_id: Option<&str>) -> Arc<AccessKeyRecord> {
        Arc::new(AccessKeyRecord {
            access_key_id: "AKIAEXAMPLE".into(),
            account_id: "123456789012".into(),
            user_id: user_id.map(Into::into),
            secret_access_key: "s".into(),
            active: true,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        })
    }

    fn session(access_key_id: String, expires_at: time::OffsetDateTime) -> Change {
        Change::SessionPut(Arc::new(SessionRecord {
            access_key_id,
            secret_access_key: "s".into(),
            token_digest: crate::ids::TokenDigest::of("t"),
            account_id: "123456789012".into(),
            of: SessionOf::Caller { user_id: None },
            policies: None,
            tags: vec![],
            transitive_tag_keys: vec![],
            source_identity: None,
            mfa_authenticated_at: None,
            issued_at: time::OffsetDateTime::UNIX_EPOCH,
            expires_at,
        }))
    }

    #[test]
    fn only_the_newest_expired_session_ids_are_remembered() {
        let view = View::new();
        let first = time::OffsetDateTime::UNIX_EPOCH + time::Duration::hours(1);
        let later = first + time::Duration::hours(1);
        view.apply([session("ASIAOLDEST".into(), first)]);
        assert_eq!(view.drop_expired_sessions(first), 1);
        assert!(view.is_expired_session("ASIAOLDEST"));
        view.apply((0..EXPIRED_SESSIONS_KEPT).map(|i| session(format!("ASIA{i:016}"), later)));
        assert_eq!(view.drop_expired_sessions(later), EXPIRED_SESSIONS_KEPT);
        assert!(!view.is_expired_session("ASIAOLDEST"));
        assert!(view.is_expired_session(&format!("ASIA{:016}", 0)));
        assert!(view.session(&format!("ASIA{:016}", 0)).is_none());
    }

    #[test]
    fn a_key_resolves_to_its_user_once_both_are_visible() {
        let view = View::new();
        view.apply([Change::AccessKeyPut(key(Some("AIDAEXAMPLE")))]);
        assert!(view.access_key("AKIAEXAMPLE").is_none());
        view.apply([Change::UserPut(user())]);
        let (_, principal) = view.access_key("AKIAEXAMPLE").unwrap();
        assert!(matches!(principal, Principal::User(u) if *u == *user()));
        assert_eq!(view.user_by_name("123456789012", "ALICE"), Some(user()));
        let renamed = UserRecord {
            user_name: "bob".into(),
            ..(*user()).clone()
        };
        view.apply([Change::UserPut(Arc::new(renamed))]);
        assert_eq!(view.user_by_name("123456789012", "alice"), None);
        assert!(view.user_by_name("123456789012", "bob").is_some());
        view.apply([Change::AccessKeyRemoved {
            access_key_id: "AKIAEXAMPLE".into(),
        }]);
        assert!(view.access_key("AKIAEXAMPLE").is_none());
    }

    #[test]
    fn root_keys_need_no_user() {
        let view = View::new();
        view.apply([Change::AccessKeyPut(key(None)), Change::UserPut(user())]);
        let (_, principal) = view.access_key("AKIAEXAMPLE").unwrap();
        assert_eq!(principal.account_id(), "123456789012");
        assert!(matches!(principal, Principal::Root { .. }));
    }
}
