//! The state document: the whole control plane as one serde value. `GET /_iamlocal/state`
//! writes it, `PUT /_iamlocal/state` and `--bootstrap FILE` read it.
//!
//! Reading is forgiving, for hand-written bootstrap files: only names and policy documents
//! are required; ids and dates left out (or empty) are generated, paths default to `/`.
//! Writing is complete: every id and date is there, so an export imports back unchanged.
//! Policy documents are JSON values, not the URL-encoded strings of the IAM API; a string
//! is read as the JSON text of a document.
//!
//! A new kind of entity is one more `Vec` field on [`Account`], read
//! and written like `groups` in `export.rs`, `import.rs` and `store/state.rs`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Inline policies by name.
pub type InlinePolicies = BTreeMap<String, Value>;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateDocument {
    #[serde(default)]
    pub accounts: Vec<Account>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// Empty: the configured account (`--account-id`).
    #[serde(default)]
    pub account_id: String,
    #[serde(default)]
    pub created: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<User>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    /// Customer managed policies. AWS managed ones are attached by ARN
    /// (`arn:aws:iam::aws:policy/ReadOnlyAccess`) and never listed here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<ManagedPolicy>,
    /// Access keys of the account's root user (made by `CreateAccessKey` as root); the
    /// configured root key (`--root-access-key`) is not stored and never listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub root_access_keys: Vec<AccessKey>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub oidc_providers: Vec<OidcProvider>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub server_certificates: Vec<ServerCertificate>,
    /// Signing certificates of the account's root user.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub root_signing_certificates: Vec<SigningCertificate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub saml_providers: Vec<SamlProvider>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instance_profiles: Vec<InstanceProfile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mfa_devices: Vec<MfaDevice>,
    /// The account alias (`CreateAccountAlias`), unique across accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// As `UpdateAccountPasswordPolicy` sets it; members left out take its defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_policy: Option<PasswordPolicy>,
    /// `EnableOutboundWebIdentityFederation`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub outbound_web_identity_federation: bool,
    /// `SetSecurityTokenServicePreferences`: `v1Token` (the default) or `v2Token`.
    #[serde(default = "v1_token", skip_serializing_if = "is_v1_token")]
    pub global_endpoint_token_version: String,
}

/// An instance profile and the role it passes to EC2 (one at most, as in IAM).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceProfile {
    pub name: String,
    /// Empty: a new `AIPA…` id.
    #[serde(default)]
    pub id: String,
    #[serde(default = "root_path")]
    pub path: String,
    #[serde(default)]
    pub created: String,
    /// The name of the role in it, a role of the same account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// A virtual MFA device; its serial number is its ARN (`arn:aws:iam::ACCOUNT:mfa/PATHNAME`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MfaDevice {
    pub name: String,
    #[serde(default = "root_path")]
    pub path: String,
    /// The TOTP seed in base32, as `Base32StringSeed` shows it: exported only when asked
    /// (`?secrets=true`). Left out on import, a device gets a new one, and may then not be
    /// assigned (its user could give no code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<String>,
    #[serde(default)]
    pub created: String,
    /// The name of the user it is enabled for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Enabled for the root user instead (then without `user`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub root: bool,
    /// When it was enabled; only with `user` or `root` (the creation date if left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<String>,
    /// The replay guard: the last TOTP time step a code was accepted for (a code is good
    /// once). Exported with the seed only (`?secrets=true`); none: no code was used yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_step: Option<i64>,
    /// How many time steps the device's clock is off, as `EnableMFADevice` and
    /// `ResyncMFADevice` saw it; with the seed only, as `last_step`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift_steps: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// The account's password policy; the names and ranges of `UpdateAccountPasswordPolicy`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicy {
    #[serde(default = "six")]
    pub minimum_password_length: i64,
    #[serde(default)]
    pub require_symbols: bool,
    #[serde(default)]
    pub require_numbers: bool,
    #[serde(default)]
    pub require_uppercase_characters: bool,
    #[serde(default)]
    pub require_lowercase_characters: bool,
    #[serde(default)]
    pub allow_users_to_change_password: bool,
    /// Days; none: passwords do not expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_password_age: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_reuse_prevention: Option<i64>,
    #[serde(default)]
    pub hard_expiry: bool,
}

impl Default for Account {
    fn default() -> Account {
        Account {
            account_id: String::new(),
            created: String::new(),
            users: Vec::new(),
            groups: Vec::new(),
            roles: Vec::new(),
            policies: Vec::new(),
            root_access_keys: Vec::new(),
            oidc_providers: Vec::new(),
            server_certificates: Vec::new(),
            root_signing_certificates: Vec::new(),
            saml_providers: Vec::new(),
            instance_profiles: Vec::new(),
            mfa_devices: Vec::new(),
            alias: None,
            password_policy: None,
            outbound_web_identity_federation: false,
            global_endpoint_token_version: v1_token(),
        }
    }
}

fn is_false(b: &bool) -> bool {
    !b
}

fn v1_token() -> String {
    "v1Token".into()
}

fn is_v1_token(version: &str) -> bool {
    version == "v1Token"
}

fn six() -> i64 {
    6
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub name: String,
    #[serde(default)]
    pub id: String,
    #[serde(default = "root_path")]
    pub path: String,
    #[serde(default)]
    pub created: String,
    /// The ARN of the managed policy that bounds the user's permissions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    /// The names of the groups the user belongs to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub policies: InlinePolicies,
    /// ARNs of attached managed policies, in attachment order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attached_policies: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_keys: Vec<AccessKey>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signing_certificates: Vec<SigningCertificate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ssh_public_keys: Vec<SshPublicKey>,
    /// The user's console password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_profile: Option<LoginProfile>,
    /// The hashes of the user's recent console passwords, oldest first, that the password
    /// policy's `PasswordReusePrevention` refuses again: exported only when asked
    /// (`?secrets=true`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub password_history: Vec<PastPassword>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_specific_credentials: Vec<ServiceCredential>,
}

/// A service-specific credential (CodeCommit or Keyspaces password, Bedrock or CloudWatch
/// Logs API key). Like a console password its secret is kept hashed: an import gives
/// either the clear `secret` or the `salt` and `secret_hash` of an export with secrets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceCredential {
    /// Empty: a new `ACCA…` id.
    #[serde(default)]
    pub id: String,
    pub service_name: String,
    /// Passwords: `USER-at-ACCOUNT` if left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_user_name: Option<String>,
    /// API keys: a new alias if left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_credential_alias: Option<String>,
    /// Import only: never written.
    #[serde(default, skip_serializing)]
    pub secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_hash: Option<String>,
    #[serde(default)]
    pub status: KeyStatus,
    #[serde(default)]
    pub created: String,
    /// API keys made with `CredentialAgeDays`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// A console password. iamlocal keeps only a salted hash: exports show it when asked
/// (`?secrets=true`), never the password. An import needs either the hash (`salt` and
/// `password_hash`, from such an export) or a clear `password`, checked against the
/// account's password policy and hashed on import.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginProfile {
    /// Import only: never written.
    #[serde(default, skip_serializing)]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    #[serde(default)]
    pub password_reset_required: bool,
    #[serde(default)]
    pub created: String,
}

/// A console password the user had, as a salted hash, and when it was set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PastPassword {
    pub salt: String,
    pub password_hash: String,
    #[serde(default)]
    pub set: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessKey {
    /// Empty: a new `AKIA…` id.
    #[serde(default)]
    pub id: String,
    /// Exported only when asked (`?secrets=true`); an import needs it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(default)]
    pub status: KeyStatus,
    #[serde(default)]
    pub created: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyStatus {
    #[default]
    Active,
    Inactive,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub name: String,
    #[serde(default)]
    pub id: String,
    #[serde(default = "root_path")]
    pub path: String,
    #[serde(default)]
    pub created: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub policies: InlinePolicies,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attached_policies: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub name: String,
    #[serde(default)]
    pub id: String,
    #[serde(default = "root_path")]
    pub path: String,
    #[serde(default)]
    pub created: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Seconds; one hour unless set, as `CreateRole` does.
    #[serde(default = "one_hour")]
    pub max_session_duration: i64,
    /// Who may assume the role.
    pub trust_policy: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub policies: InlinePolicies,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attached_policies: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedPolicy {
    pub name: String,
    #[serde(default)]
    pub id: String,
    #[serde(default = "root_path")]
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub created: String,
    /// When the default version last changed.
    #[serde(default)]
    pub updated: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    /// A shorthand for hand-written files: the one version, `v1`. Exports use `versions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<PolicyVersion>,
    /// The version that applies; may be left out when there is only one.
    #[serde(default)]
    pub default_version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyVersion {
    /// `v1`, `v2` …
    pub id: String,
    pub document: Value,
    #[serde(default)]
    pub created: String,
}

/// A SAML provider; its ARN follows from the account and the name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamlProvider {
    pub name: String,
    /// The SAML metadata document, as `CreateSAMLProvider` takes it.
    pub metadata: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assertion_encryption_mode: Option<String>,
    #[serde(default)]
    pub created: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    /// The keys its encrypted assertions are decrypted with (two at most).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub private_keys: Vec<SamlPrivateKey>,
}

/// A private key of a SAML provider; its id follows from the key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamlPrivateKey {
    /// As `GetSAMLProvider` shows it; on import, checked against the key when both are given.
    #[serde(default)]
    pub key_id: String,
    /// The RSA private key PEM: exported only when asked (`?secrets=true`); an import needs it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    #[serde(default)]
    pub created: String,
}

/// An OpenID Connect provider; its ARN follows from the account and the URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcProvider {
    /// The issuer: `https://host/path` as `CreateOpenIDConnectProvider` takes it, or
    /// `host/path` as `GetOpenIDConnectProvider` returns it (and exports write it).
    pub url: String,
    /// The audiences its tokens may name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub client_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thumbprints: Vec<String>,
    #[serde(default)]
    pub created: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tag {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

fn root_path() -> String {
    "/".into()
}

fn one_hour() -> i64 {
    3600
}

/// A server certificate. Its private key is not part of the document: iamlocal checks it on
/// upload and keeps nothing of it. The expiration date is read from the certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerCertificate {
    pub name: String,
    /// Empty: a new `ASCA…` id.
    #[serde(default)]
    pub id: String,
    #[serde(default = "root_path")]
    pub path: String,
    #[serde(default)]
    pub uploaded: String,
    /// PEM.
    pub certificate_body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_chain: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// A user's (or the root's) X.509 signing certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningCertificate {
    /// Empty: a new 24-character id.
    #[serde(default)]
    pub id: String,
    /// PEM.
    pub certificate_body: String,
    #[serde(default)]
    pub status: KeyStatus,
    #[serde(default)]
    pub uploaded: String,
}

/// A user's SSH public key, as uploaded (OpenSSH `ssh-rsa` or PEM).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SshPublicKey {
    /// Empty: a new `APKA…` id.
    #[serde(default)]
    pub id: String,
    pub body: String,
    #[serde(default)]
    pub status: KeyStatus,
    #[serde(default)]
    pub uploaded: String,
}
