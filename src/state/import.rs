//! Checks a state document the way the IAM API would check each entity in it (names, paths,
//! tags, quotas, policy documents through the policy engine, references between entities),
//! and completes it: ids and dates left out are generated, policy documents normalised.
//! Only a [`ValidState`] reaches the store, which then applies it in one transaction.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::model::{
    AccessKey, Account, Group, InlinePolicies, InstanceProfile, LoginProfile, ManagedPolicy,
    MfaDevice, OidcProvider, PasswordPolicy, PastPassword, PolicyVersion, Role, SamlProvider,
    ServerCertificate, ServiceCredential, SigningCertificate, SshPublicKey, StateDocument, Tag,
    User,
};
use crate::clock::iso8601;
use crate::config::is_account_id;
use crate::iam::account::ACCOUNT_ALIAS;
use crate::iam::login_profiles::PASSWORD;
use crate::iam::mfa_devices::{DEVICE_NAME, totp};
use crate::iam::oidc_providers::{
    CLIENT_ID, THUMBPRINT, URL, check_client_ids, check_thumbprints, provider_url, unique,
};
use crate::iam::passwords::{self, PasswordHash};
use crate::iam::saml_providers::{
    METADATA_DOCUMENT, PROVIDER_NAME, parse_metadata, parse_private_key,
};
use crate::iam::service_credentials;
use crate::iam::shapes::INSTANCE_PROFILE_NAME;
use crate::iam::shapes::{
    ACCESS_KEY_ID, ARN, GROUP_NAME, MAX_SESSION_DURATION, MAX_TAGS, PATH, POLICY_DESCRIPTION,
    POLICY_DOCUMENT, POLICY_NAME, POLICY_PATH, POLICY_VERSION_ID, ROLE_DESCRIPTION, ROLE_NAME,
    TAG_KEY, TAG_VALUE, USER_NAME,
};
use crate::iam::shapes::{
    CERTIFICATE_BODY, CERTIFICATE_CHAIN, CERTIFICATE_ID, CREDENTIAL_ID, SERVER_CERTIFICATE_NAME,
    SSH_PUBLIC_KEY_BODY,
};
use crate::iam::{openssh, x509};
use crate::ids::{IdKind, new_certificate_id, new_id};
use crate::oidc::Issuers;
use crate::policy::{Policy, PolicyKind, SizeQuota, check_size, policy_size};
use crate::protocol::query::Shape;
use crate::store::{
    ATTACHED_PER_OWNER, CREDENTIALS_PER_USER_PER_SERVICE, DEVICES_PER_USER, GROUPS_PER_USER,
    KEYS_PER_USER, MAX_PRIVATE_KEYS, MAX_VERSIONS, SERVER_CERTIFICATES_PER_ACCOUNT,
    SIGNING_CERTIFICATES_PER_USER, SSH_KEYS_PER_USER,
};
use crate::{arn, aws_managed};

/// A document that passed [`validate`], every id and date filled in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ValidState(StateDocument);

impl ValidState {
    pub fn document(&self) -> &StateDocument {
        &self.0
    }
}

/// What the document leaves to the server.
pub struct Defaults<'a> {
    /// The account of an entry without `account_id`.
    pub account_id: &'a str,
    /// The date of whatever has none.
    pub now: OffsetDateTime,
    /// The issuers whose plain `http://` URLs a provider may have, as in the IAM API.
    pub issuers: &'a Issuers,
}

/// Why a document was refused: where (`accounts[0].users[2].policies.s3-read`), which
/// entity (`user app`), and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateError {
    pub path: String,
    /// The same place, step by step, for finding it in a file.
    pub steps: Vec<Step>,
    pub entity: String,
    pub problem: String,
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.path, self.entity, self.problem)
    }
}

impl std::error::Error for StateError {}

/// One step of a path into the document: a field or map key, or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

pub fn validate(
    mut document: StateDocument,
    defaults: &Defaults,
) -> Result<ValidState, StateError> {
    let mut ids = Ids::default();
    let mut accounts = HashSet::new();
    let mut aliases = HashSet::new();
    let root = Site::default();
    for (i, account) in document.accounts.iter_mut().enumerate() {
        if account.account_id.is_empty() {
            account.account_id = defaults.account_id.to_owned();
        }
        let site = root.item("accounts", i, format!("account {}", account.account_id));
        if !is_account_id(&account.account_id) {
            return Err(site.field("account_id").error("an account id is 12 digits"));
        }
        if !accounts.insert(account.account_id.clone()) {
            return Err(site.error("the account is listed twice"));
        }
        date(&site.field("created"), &mut account.created, defaults.now)?;
        if let Some(alias) = &account.alias {
            let at = site.field("alias");
            at.shape(alias, &ACCOUNT_ALIAS)?;
            // Unique across accounts, as on AWS (`EntityAlreadyExists`).
            if !aliases.insert(alias.clone()) {
                return Err(at.error(format!("The account alias {alias} already exists.")));
            }
        }
        settings(account, &site)?;
        validate_account(account, &site, defaults, &mut ids)?;
    }
    Ok(ValidState(document))
}

/// A place in the document, for error messages.
#[derive(Clone, Default)]
struct Site {
    steps: Vec<Step>,
    entity: String,
}

impl Site {
    fn step(&self, step: Step) -> Site {
        let mut steps = self.steps.clone();
        steps.push(step);
        Site {
            steps,
            entity: self.entity.clone(),
        }
    }

    fn field(&self, name: &str) -> Site {
        self.step(Step::Key(name.to_owned()))
    }

    fn index(&self, i: usize) -> Site {
        self.step(Step::Index(i))
    }

    fn named(mut self, entity: String) -> Site {
        self.entity = entity;
        self
    }

    /// The `i`th entry of a list field that is an entity of its own.
    fn item(&self, list: &str, i: usize, entity: String) -> Site {
        self.field(list).index(i).named(entity)
    }

    fn path(&self) -> String {
        let mut path = String::new();
        for step in &self.steps {
            match step {
                Step::Key(key) if path.is_empty() => path.push_str(key),
                Step::Key(key) => {
                    path.push('.');
                    path.push_str(key);
                }
                Step::Index(i) => path.push_str(&format!("[{i}]")),
            }
        }
        path
    }

    fn error(&self, problem: impl Into<String>) -> StateError {
        StateError {
            path: self.path(),
            steps: self.steps.clone(),
            entity: self.entity.clone(),
            problem: problem.into(),
        }
    }

    /// The value against a string shape of the IAM service model.
    fn shape(&self, value: &str, shape: &Shape) -> Result<(), StateError> {
        match shape.violations(value).into_iter().next() {
            None => Ok(()),
            Some(constraint) => Err(self.error(format!(
                "Value '{value}' failed to satisfy constraint: {constraint}"
            ))),
        }
    }
}

/// Unique ids and access key ids, across every account: the store keys rows by them.
#[derive(Default)]
struct Ids {
    ids: HashSet<String>,
    keys: HashSet<String>,
}

impl Ids {
    /// Checks a given id (its kind's prefix, IAM's `idType`) or makes one.
    fn claim(
        &mut self,
        site: &Site,
        id: &mut String,
        kind: IdKind,
        account_id: &str,
    ) -> Result<(), StateError> {
        let prefix = kind.prefix();
        if id.is_empty() {
            *id = fresh(&self.ids, || new_id(kind, account_id));
        } else if !id.starts_with(prefix)
            || id.len() < 16
            || id.len() > 128
            || !id.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(site.field("id").error(format!(
                "'{id}' is not an id of this kind: {prefix} and letters or digits, 16 to 128 in all"
            )));
        }
        if !self.ids.insert(id.clone()) {
            return Err(site.field("id").error(format!("the id {id} is used twice")));
        }
        Ok(())
    }
}

fn fresh(taken: &HashSet<String>, make: impl Fn() -> String) -> String {
    loop {
        let id = make();
        if !taken.contains(&id) {
            return id;
        }
    }
}

fn validate_account(
    account: &mut Account,
    site: &Site,
    defaults: &Defaults,
    ids: &mut Ids,
) -> Result<(), StateError> {
    let now = defaults.now;
    let account_id = account.account_id.clone();
    let mut names = Names::default();
    let mut customer_arns = HashSet::new();
    for (i, policy) in account.policies.iter_mut().enumerate() {
        let at = site.item("policies", i, format!("policy {}", policy.name));
        names.unique(&at, "policy", &policy.name)?;
        validate_policy(policy, &at, &account_id, now, ids)?;
        customer_arns.insert(arn::policy(&account_id, &policy.path, &policy.name));
    }
    let attachable = |arn: &str| aws_managed::by_arn(arn).is_some() || customer_arns.contains(arn);
    let mut groups = HashSet::new();
    for (i, group) in account.groups.iter_mut().enumerate() {
        let at = site.item("groups", i, format!("group {}", group.name));
        names.unique(&at, "group", &group.name)?;
        groups.insert(group.name.to_ascii_lowercase());
        validate_group(group, &at, &account_id, now, ids, &attachable)?;
    }
    // One signing certificate (by its DER) belongs to one owner in the account.
    let mut certificates = HashSet::new();
    for (i, user) in account.users.iter_mut().enumerate() {
        let at = site.item("users", i, format!("user {}", user.name));
        names.unique(&at, "user", &user.name)?;
        validate_user(user, &at, &account_id, now, ids, &attachable, &groups)?;
        signing_certificates(
            &mut user.signing_certificates,
            &at.field("signing_certificates"),
            now,
            ids,
            &mut certificates,
        )?;
        ssh_public_keys(
            &mut user.ssh_public_keys,
            &at.field("ssh_public_keys"),
            &account_id,
            now,
            ids,
        )?;
        service_credentials(
            &mut user.service_specific_credentials,
            &at.field("service_specific_credentials"),
            &user.name,
            &account_id,
            now,
            ids,
        )?;
        if let Some(profile) = &mut user.login_profile {
            let policy = account.password_policy.as_ref().map(store_policy);
            login_profile(profile, &at.field("login_profile"), policy.as_ref(), now)?;
        }
        password_history(
            &mut user.password_history,
            &at.field("password_history"),
            now,
        )?;
    }
    signing_certificates(
        &mut account.root_signing_certificates,
        &site
            .field("root_signing_certificates")
            .named("the root user".into()),
        now,
        ids,
        &mut certificates,
    )?;
    if account.server_certificates.len() as i64 > SERVER_CERTIFICATES_PER_ACCOUNT {
        return Err(site.field("server_certificates").error(format!(
            "Cannot exceed quota for ServerCertificatesPerAccount: {SERVER_CERTIFICATES_PER_ACCOUNT}"
        )));
    }
    for (i, certificate) in account.server_certificates.iter_mut().enumerate() {
        let at = site.item(
            "server_certificates",
            i,
            format!("server certificate {}", certificate.name),
        );
        names.unique(&at, "server certificate", &certificate.name)?;
        validate_server_certificate(certificate, &at, &account_id, now, ids)?;
    }
    for (i, role) in account.roles.iter_mut().enumerate() {
        let at = site.item("roles", i, format!("role {}", role.name));
        names.unique(&at, "role", &role.name)?;
        validate_role(role, &at, &account_id, now, ids, &attachable)?;
    }
    let roles: HashSet<String> = account
        .roles
        .iter()
        .map(|r| r.name.to_ascii_lowercase())
        .collect();
    for (i, profile) in account.instance_profiles.iter_mut().enumerate() {
        let at = site.item(
            "instance_profiles",
            i,
            format!("instance profile {}", profile.name),
        );
        names.unique(&at, "instance profile", &profile.name)?;
        validate_instance_profile(profile, &at, &account_id, now, ids, &roles)?;
    }
    let users: HashSet<String> = account
        .users
        .iter()
        .map(|u| u.name.to_ascii_lowercase())
        .collect();
    let mut devices_of: BTreeMap<String, i64> = BTreeMap::new();
    for (i, device) in account.mfa_devices.iter_mut().enumerate() {
        let at = site.item("mfa_devices", i, format!("MFA device {}", device.name));
        names.unique(&at, "MFA device", &device.name)?;
        validate_mfa_device(device, &at, now, &users)?;
        if let Some(user) = &device.user {
            let count = devices_of.entry(user.to_ascii_lowercase()).or_default();
            *count += 1;
            if *count > DEVICES_PER_USER {
                return Err(at.field("user").error(format!(
                    "Cannot exceed quota for MFADevicesPerUser: {DEVICES_PER_USER}"
                )));
            }
        }
    }
    let mut urls = HashSet::new();
    for (i, provider) in account.oidc_providers.iter_mut().enumerate() {
        let at = site.item(
            "oidc_providers",
            i,
            format!("OIDC provider {}", provider.url),
        );
        validate_oidc_provider(provider, &at, defaults.issuers, now)?;
        if !urls.insert(provider.url.clone()) {
            return Err(at.error("a provider with this URL is listed twice"));
        }
    }
    let mut saml_names = HashSet::new();
    for (i, provider) in account.saml_providers.iter_mut().enumerate() {
        let at = site.item(
            "saml_providers",
            i,
            format!("SAML provider {}", provider.name),
        );
        validate_saml_provider(provider, &at, now)?;
        if !saml_names.insert(provider.name.clone()) {
            return Err(at.error("a provider with this name is listed twice"));
        }
    }
    access_keys(
        &mut account.root_access_keys,
        &site.field("root_access_keys"),
        &account_id,
        now,
        ids,
    )
}

/// Names are unique per account and kind regardless of case, as in IAM.
#[derive(Default)]
struct Names(HashSet<(&'static str, String)>);

impl Names {
    fn unique(&mut self, site: &Site, kind: &'static str, name: &str) -> Result<(), StateError> {
        if self.0.insert((kind, name.to_ascii_lowercase())) {
            Ok(())
        } else {
            Err(site.error(format!("a {kind} with the name {name} is listed twice")))
        }
    }
}

fn validate_policy(
    policy: &mut ManagedPolicy,
    site: &Site,
    account_id: &str,
    now: OffsetDateTime,
    ids: &mut Ids,
) -> Result<(), StateError> {
    site.field("name").shape(&policy.name, &POLICY_NAME)?;
    site.field("path").shape(&policy.path, &POLICY_PATH)?;
    if let Some(description) = &policy.description {
        site.field("description")
            .shape(description, &POLICY_DESCRIPTION)?;
    }
    ids.claim(site, &mut policy.id, IdKind::Policy, account_id)?;
    date(&site.field("created"), &mut policy.created, now)?;
    if policy.updated.is_empty() {
        policy.updated = policy.created.clone();
    }
    date(&site.field("updated"), &mut policy.updated, now)?;
    tags(&site.field("tags"), &policy.tags)?;
    match (policy.document.take(), policy.versions.is_empty()) {
        (Some(document), true) => policy.versions.push(PolicyVersion {
            id: "v1".into(),
            document,
            created: policy.created.clone(),
        }),
        (Some(_), false) => {
            return Err(site.error("give either document (one version) or versions, not both"));
        }
        (None, true) => return Err(site.error("a managed policy needs a document or versions")),
        (None, false) => {}
    }
    if policy.versions.len() as i64 > MAX_VERSIONS {
        return Err(site.field("versions").error(format!(
            "A managed policy can have up to {MAX_VERSIONS} versions."
        )));
    }
    let mut seen = HashSet::new();
    for (i, version) in policy.versions.iter_mut().enumerate() {
        let at = site.item(
            "versions",
            i,
            format!("{} version {}", site.entity, version.id),
        );
        at.field("id").shape(&version.id, &POLICY_VERSION_ID)?;
        if !seen.insert(version.id.clone()) {
            return Err(at.error("the version is listed twice"));
        }
        if version.created.is_empty() {
            version.created = policy.created.clone();
        }
        date(&at.field("created"), &mut version.created, now)?;
        managed_document(&at.field("document"), &mut version.document)?;
    }
    if policy.default_version.is_empty() {
        if policy.versions.len() > 1 {
            return Err(site
                .field("default_version")
                .error("say which version is the default"));
        }
        policy.default_version = policy.versions[0].id.clone();
    }
    if !seen.contains(&policy.default_version) {
        return Err(site
            .field("default_version")
            .error(format!("there is no version {}", policy.default_version)));
    }
    Ok(())
}

fn validate_group(
    group: &mut Group,
    site: &Site,
    account_id: &str,
    now: OffsetDateTime,
    ids: &mut Ids,
    attachable: &dyn Fn(&str) -> bool,
) -> Result<(), StateError> {
    site.field("name").shape(&group.name, &GROUP_NAME)?;
    site.field("path").shape(&group.path, &PATH)?;
    ids.claim(site, &mut group.id, IdKind::Group, account_id)?;
    date(&site.field("created"), &mut group.created, now)?;
    inline_policies(site, &mut group.policies, SizeQuota::GroupInlinePolicies)?;
    attached(site, &group.attached_policies, attachable)
}

fn validate_user(
    user: &mut User,
    site: &Site,
    account_id: &str,
    now: OffsetDateTime,
    ids: &mut Ids,
    attachable: &dyn Fn(&str) -> bool,
    groups: &HashSet<String>,
) -> Result<(), StateError> {
    site.field("name").shape(&user.name, &USER_NAME)?;
    site.field("path").shape(&user.path, &PATH)?;
    ids.claim(site, &mut user.id, IdKind::User, account_id)?;
    date(&site.field("created"), &mut user.created, now)?;
    boundary(site, user.permissions_boundary.as_deref(), attachable)?;
    tags(&site.field("tags"), &user.tags)?;
    if user.groups.len() as i64 > GROUPS_PER_USER {
        return Err(site.field("groups").error(format!(
            "Cannot exceed quota for GroupsPerUser: {GROUPS_PER_USER}"
        )));
    }
    let mut member_of = HashSet::new();
    for (i, group) in user.groups.iter().enumerate() {
        let at = site.field("groups").index(i);
        let key = group.to_ascii_lowercase();
        if !groups.contains(&key) {
            return Err(at.error(format!("there is no group {group} in the account")));
        }
        if !member_of.insert(key) {
            return Err(at.error(format!("the group {group} is listed twice")));
        }
    }
    inline_policies(site, &mut user.policies, SizeQuota::UserInlinePolicies)?;
    attached(site, &user.attached_policies, attachable)?;
    access_keys(
        &mut user.access_keys,
        &site.field("access_keys"),
        account_id,
        now,
        ids,
    )
}

fn validate_role(
    role: &mut Role,
    site: &Site,
    account_id: &str,
    now: OffsetDateTime,
    ids: &mut Ids,
    attachable: &dyn Fn(&str) -> bool,
) -> Result<(), StateError> {
    site.field("name").shape(&role.name, &ROLE_NAME)?;
    site.field("path").shape(&role.path, &PATH)?;
    if let Some(description) = &role.description {
        site.field("description")
            .shape(description, &ROLE_DESCRIPTION)?;
    }
    let (min, max) = MAX_SESSION_DURATION;
    if !(min..=max).contains(&role.max_session_duration) {
        return Err(site.field("max_session_duration").error(format!(
            "Value '{}' failed to satisfy constraint: Member must have value between {min} and {max}",
            role.max_session_duration
        )));
    }
    ids.claim(site, &mut role.id, IdKind::Role, account_id)?;
    date(&site.field("created"), &mut role.created, now)?;
    let at = site.field("trust_policy");
    let text = document_text(&at, &mut role.trust_policy)?;
    crate::iam::roles::parse_trust(&text).map_err(|e| at.error(e.to_string()))?;
    boundary(site, role.permissions_boundary.as_deref(), attachable)?;
    tags(&site.field("tags"), &role.tags)?;
    inline_policies(site, &mut role.policies, SizeQuota::RoleInlinePolicies)?;
    attached(site, &role.attached_policies, attachable)
}

/// The checks of `CreateInstanceProfile` and `AddRoleToInstanceProfile`.
fn validate_instance_profile(
    profile: &mut InstanceProfile,
    site: &Site,
    account_id: &str,
    now: OffsetDateTime,
    ids: &mut Ids,
    roles: &HashSet<String>,
) -> Result<(), StateError> {
    site.field("name")
        .shape(&profile.name, &INSTANCE_PROFILE_NAME)?;
    site.field("path").shape(&profile.path, &PATH)?;
    ids.claim(site, &mut profile.id, IdKind::InstanceProfile, account_id)?;
    date(&site.field("created"), &mut profile.created, now)?;
    tags(&site.field("tags"), &profile.tags)?;
    if let Some(role) = &profile.role {
        let at = site.field("role");
        at.shape(role, &ROLE_NAME)?;
        if !roles.contains(&role.to_ascii_lowercase()) {
            return Err(at.error(format!(
                "The role with name {role} cannot be found (it is not in this account's roles)."
            )));
        }
    }
    Ok(())
}

/// A clear password is checked as `CreateLoginProfile` checks it, then replaced by its
/// hash: only hashes reach the store.
fn login_profile(
    profile: &mut LoginProfile,
    site: &Site,
    policy: Option<&crate::store::PasswordPolicy>,
    now: OffsetDateTime,
) -> Result<(), StateError> {
    date(&site.field("created"), &mut profile.created, now)?;
    let hashed = Hashed {
        clear: profile.password.take(),
        clear_field: "password",
        salt: &mut profile.salt,
        hash: &mut profile.password_hash,
        hash_field: "password_hash",
    };
    hashed.check(site, |password| {
        if !PASSWORD.violations(password).is_empty() {
            return Err(
                "a password is 1 to 128 characters of \\t, \\n, \\r or U+0020 to U+00FF".into(),
            );
        }
        passwords::check(policy, password).map_err(|e| e.message.to_string())
    })
}

/// Past passwords are hashes as exports write them; IAM remembers 24 at most.
fn password_history(
    history: &mut [PastPassword],
    site: &Site,
    now: OffsetDateTime,
) -> Result<(), StateError> {
    if history.len() > 24 {
        return Err(site.error("at most 24 past passwords are remembered"));
    }
    for (i, past) in history.iter_mut().enumerate() {
        let at = site.index(i);
        if !is_hex(&past.salt, 32) || !is_hex(&past.password_hash, 64) {
            return Err(at.error(
                "salt is 32 and password_hash 64 lowercase hex digits, as exports write them",
            ));
        }
        date(&at.field("set"), &mut past.set, now)?;
    }
    Ok(())
}

/// Lowercase hex digits, `len` of them.
fn is_hex(text: &str, len: usize) -> bool {
    text.len() == len
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A secret iamlocal keeps only as a salted hash: given in clear (checked, then hashed,
/// so only hashes reach the store) or as the salt and hash an export with secrets wrote.
struct Hashed<'a> {
    clear: Option<String>,
    clear_field: &'static str,
    salt: &'a mut Option<String>,
    hash: &'a mut Option<String>,
    hash_field: &'static str,
}

impl Hashed<'_> {
    fn check(
        self,
        site: &Site,
        check_clear: impl Fn(&str) -> Result<(), String>,
    ) -> Result<(), StateError> {
        let (clear, hash) = (self.clear_field, self.hash_field);
        match (self.clear, self.salt.as_deref(), self.hash.as_deref()) {
            (Some(secret), None, None) => {
                check_clear(&secret).map_err(|e| site.field(clear).error(e))?;
                let hashed = PasswordHash::new(&secret);
                *self.salt = Some(hashed.salt);
                *self.hash = Some(hashed.hash);
                Ok(())
            }
            (None, Some(salt), Some(digest)) if is_hex(salt, 32) && is_hex(digest, 64) => Ok(()),
            (None, Some(_), Some(_)) => Err(site.error(format!(
                "salt is 32 and {hash} 64 lowercase hex digits, as exports write them"
            ))),
            _ => Err(site.error(format!(
                "give either {clear} or salt and {hash} (export with ?secrets=true), not both"
            ))),
        }
    }
}

/// The checks of `CreateServiceSpecificCredential`: a service that takes them, two per
/// user and service. The user name or alias left out is made as that action makes it.
fn service_credentials(
    credentials: &mut [ServiceCredential],
    site: &Site,
    user_name: &str,
    account_id: &str,
    now: OffsetDateTime,
    ids: &mut Ids,
) -> Result<(), StateError> {
    let mut per_service: BTreeMap<String, i64> = BTreeMap::new();
    for (i, credential) in credentials.iter_mut().enumerate() {
        let at = site.index(i).named(format!(
            "{} credential of {}",
            credential.service_name, site.entity
        ));
        let kind = service_credentials::kind_of(&credential.service_name)
            .map_err(|e| at.field("service_name").error(e.message.to_string()))?;
        let count = per_service
            .entry(credential.service_name.clone())
            .or_default();
        *count += 1;
        if *count > CREDENTIALS_PER_USER_PER_SERVICE {
            return Err(at.error(format!(
                "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: {CREDENTIALS_PER_USER_PER_SERVICE}"
            )));
        }
        ids.claim(
            &at,
            &mut credential.id,
            IdKind::ServiceSpecificCredential,
            account_id,
        )?;
        at.field("id").shape(&credential.id, &CREDENTIAL_ID)?;
        date(&at.field("created"), &mut credential.created, now)?;
        match kind {
            service_credentials::Kind::Password => {
                if credential.service_credential_alias.is_some() || credential.expires.is_some() {
                    return Err(at.error(
                        "a password credential has a service_user_name, no alias and no expiry",
                    ));
                }
                credential
                    .service_user_name
                    .get_or_insert_with(|| format!("{user_name}-at-{account_id}"));
            }
            service_credentials::Kind::ApiKey { alias_prefix } => {
                if credential.service_user_name.is_some() {
                    return Err(at
                        .field("service_user_name")
                        .error("an API key has an alias, no service_user_name"));
                }
                credential.service_credential_alias.get_or_insert_with(|| {
                    service_credentials::new_alias(alias_prefix, user_name, account_id)
                });
                if let Some(expires) = &mut credential.expires {
                    date(&at.field("expires"), expires, now)?;
                }
            }
        }
        let hashed = Hashed {
            clear: credential.secret.take(),
            clear_field: "secret",
            salt: &mut credential.salt,
            hash: &mut credential.secret_hash,
            hash_field: "secret_hash",
        };
        hashed.check(&at, |secret| {
            if secret.is_empty()
                || secret.len() > 128
                || !secret.bytes().all(|b| b.is_ascii_graphic())
            {
                return Err("a secret is 1 to 128 printable ASCII characters, no spaces".into());
            }
            Ok(())
        })?;
    }
    Ok(())
}

fn store_policy(policy: &PasswordPolicy) -> crate::store::PasswordPolicy {
    crate::store::PasswordPolicy {
        minimum_password_length: policy.minimum_password_length,
        require_symbols: policy.require_symbols,
        require_numbers: policy.require_numbers,
        require_uppercase_characters: policy.require_uppercase_characters,
        require_lowercase_characters: policy.require_lowercase_characters,
        allow_users_to_change_password: policy.allow_users_to_change_password,
        max_password_age: policy.max_password_age,
        password_reuse_prevention: policy.password_reuse_prevention,
        hard_expiry: policy.hard_expiry,
    }
}

/// The checks of `CreateVirtualMFADevice` and `EnableMFADevice`.
fn validate_mfa_device(
    device: &mut MfaDevice,
    site: &Site,
    now: OffsetDateTime,
    users: &HashSet<String>,
) -> Result<(), StateError> {
    site.field("name").shape(&device.name, &DEVICE_NAME)?;
    site.field("path").shape(&device.path, &PATH)?;
    date(&site.field("created"), &mut device.created, now)?;
    tags(&site.field("tags"), &device.tags)?;
    if device.last_step.is_some_and(|step| step < 0) {
        return Err(site.field("last_step").error("a time step is 0 or more"));
    }
    match &device.seed {
        Some(seed) => {
            if seed.is_empty() || totp::base32_decode(seed).is_none() {
                return Err(site
                    .field("seed")
                    .error("a seed is base32 (A to Z, 2 to 7), as Base32StringSeed shows it"));
            }
        }
        None if device.user.is_some() || device.root => {
            return Err(site.field("seed").error(
                "an assigned device needs its seed (export with ?secrets=true), \
                 else its user could give no code",
            ));
        }
        None => device.seed = Some(totp::new_seed()),
    }
    if device.root && device.user.is_some() {
        return Err(site
            .field("root")
            .error("a device is enabled for a user or for root, not both"));
    }
    if device.root {
        let enabled = device.enabled.get_or_insert_with(|| device.created.clone());
        date(&site.field("enabled"), enabled, now)?;
    }
    match &device.user {
        Some(user) => {
            let at = site.field("user");
            at.shape(user, &USER_NAME)?;
            if !users.contains(&user.to_ascii_lowercase()) {
                return Err(at.error(format!(
                    "The user with name {user} cannot be found (it is not in this account's users)."
                )));
            }
            let enabled = device.enabled.get_or_insert_with(|| device.created.clone());
            date(&site.field("enabled"), enabled, now)?;
        }
        None if device.enabled.is_some() && !device.root => {
            return Err(site
                .field("enabled")
                .error("only a device enabled for a user or root has an enable date"));
        }
        None => {}
    }
    Ok(())
}

/// The account settings, with the ranges of `UpdateAccountPasswordPolicy` and
/// `SetSecurityTokenServicePreferences`.
fn settings(account: &Account, site: &Site) -> Result<(), StateError> {
    let version = &account.global_endpoint_token_version;
    if version != "v1Token" && version != "v2Token" {
        return Err(site.field("global_endpoint_token_version").error(format!(
            "Value '{version}' failed to satisfy constraint: Member must satisfy enum value set: [v1Token, v2Token]"
        )));
    }
    let Some(policy) = &account.password_policy else {
        return Ok(());
    };
    let at = site.field("password_policy");
    let PasswordPolicy {
        minimum_password_length,
        max_password_age,
        password_reuse_prevention,
        ..
    } = policy;
    let ranges = [
        (
            "minimum_password_length",
            Some(*minimum_password_length),
            6,
            128,
        ),
        ("max_password_age", *max_password_age, 1, 1095),
        (
            "password_reuse_prevention",
            *password_reuse_prevention,
            1,
            24,
        ),
    ];
    for (field, value, min, max) in ranges {
        if let Some(value) = value.filter(|v| !(min..=max).contains(v)) {
            return Err(at.field(field).error(format!(
                "Value '{value}' failed to satisfy constraint: Member must have value between {min} and {max}"
            )));
        }
    }
    Ok(())
}

/// The checks of `CreateOpenIDConnectProvider`; the URL is kept as the store keeps it.
fn validate_oidc_provider(
    provider: &mut OidcProvider,
    site: &Site,
    issuers: &Issuers,
    now: OffsetDateTime,
) -> Result<(), StateError> {
    let at = site.field("url");
    at.shape(&provider.url, &URL)?;
    provider.url = provider_url(issuers, &issuer_url(issuers, &provider.url))
        .map_err(|e| at.error(e.to_string()))?;
    for (i, id) in provider.client_ids.iter().enumerate() {
        site.field("client_ids").index(i).shape(id, &CLIENT_ID)?;
    }
    for (i, thumbprint) in provider.thumbprints.iter().enumerate() {
        site.field("thumbprints")
            .index(i)
            .shape(thumbprint, &THUMBPRINT)?;
    }
    provider.client_ids = unique(std::mem::take(&mut provider.client_ids));
    provider.thumbprints = unique(std::mem::take(&mut provider.thumbprints));
    check_client_ids(&provider.client_ids)
        .map_err(|e| site.field("client_ids").error(e.to_string()))?;
    check_thumbprints(&provider.thumbprints)
        .map_err(|e| site.field("thumbprints").error(e.to_string()))?;
    date(&site.field("created"), &mut provider.created, now)?;
    tags(&site.field("tags"), &provider.tags)
}

/// The checks of `UploadServerCertificate` but the key pair's: the document has no key.
/// An expired certificate is kept: it may have been uploaded in time.
fn validate_server_certificate(
    certificate: &mut ServerCertificate,
    site: &Site,
    account_id: &str,
    now: OffsetDateTime,
    ids: &mut Ids,
) -> Result<(), StateError> {
    site.field("name")
        .shape(&certificate.name, &SERVER_CERTIFICATE_NAME)?;
    site.field("path").shape(&certificate.path, &PATH)?;
    ids.claim(
        site,
        &mut certificate.id,
        IdKind::ServerCertificate,
        account_id,
    )?;
    date(&site.field("uploaded"), &mut certificate.uploaded, now)?;
    let at = site.field("certificate_body");
    at.shape(&certificate.certificate_body, &CERTIFICATE_BODY)?;
    x509::parse_certificate(&certificate.certificate_body)
        .map_err(|e| at.error(e.message.to_string()))?;
    if let Some(chain) = &certificate.certificate_chain {
        let at = site.field("certificate_chain");
        at.shape(chain, &CERTIFICATE_CHAIN)?;
        x509::check_chain(chain).map_err(|e| at.error(e.message.to_string()))?;
    }
    tags(&site.field("tags"), &certificate.tags)
}

/// The checks of `UploadSigningCertificate`; `seen` holds the account's certificates.
fn signing_certificates(
    certificates: &mut [SigningCertificate],
    site: &Site,
    now: OffsetDateTime,
    ids: &mut Ids,
    seen: &mut HashSet<String>,
) -> Result<(), StateError> {
    if certificates.len() as i64 > SIGNING_CERTIFICATES_PER_USER {
        return Err(site.error(format!(
            "Cannot exceed quota for SigningCertificatesPerUser: {SIGNING_CERTIFICATES_PER_USER}"
        )));
    }
    for (i, certificate) in certificates.iter_mut().enumerate() {
        if certificate.id.is_empty() {
            certificate.id = fresh(&ids.ids, new_certificate_id);
        }
        let at = site.index(i).named(format!(
            "signing certificate {} of {}",
            certificate.id, site.entity
        ));
        at.field("id").shape(&certificate.id, &CERTIFICATE_ID)?;
        if !ids.ids.insert(certificate.id.clone()) {
            return Err(at
                .field("id")
                .error(format!("the id {} is used twice", certificate.id)));
        }
        let body = at.field("certificate_body");
        body.shape(&certificate.certificate_body, &CERTIFICATE_BODY)?;
        let parsed = x509::parse_certificate(&certificate.certificate_body)
            .map_err(|e| body.error(e.message.to_string()))?;
        if !seen.insert(parsed.der_sha256) {
            return Err(body.error("the same certificate is listed twice in the account"));
        }
        date(&at.field("uploaded"), &mut certificate.uploaded, now)?;
    }
    Ok(())
}

/// The checks of `UploadSSHPublicKey`.
fn ssh_public_keys(
    keys: &mut [SshPublicKey],
    site: &Site,
    account_id: &str,
    now: OffsetDateTime,
    ids: &mut Ids,
) -> Result<(), StateError> {
    if keys.len() as i64 > SSH_KEYS_PER_USER {
        return Err(site.error(format!(
            "Cannot exceed quota for SSHPublicKeysPerUser: {SSH_KEYS_PER_USER}"
        )));
    }
    let mut fingerprints = HashSet::new();
    for (i, key) in keys.iter_mut().enumerate() {
        let at = site.index(i);
        ids.claim(&at, &mut key.id, IdKind::SshPublicKey, account_id)?;
        let at = at.named(format!("SSH public key {} of {}", key.id, site.entity));
        let body = at.field("body");
        body.shape(&key.body, &SSH_PUBLIC_KEY_BODY)?;
        let (parsed, _) =
            openssh::parse(&key.body).map_err(|e| body.error(e.message.to_string()))?;
        if !fingerprints.insert(parsed.fingerprint()) {
            return Err(body.error("the same key is listed twice for the user"));
        }
        date(&at.field("uploaded"), &mut key.uploaded, now)?;
    }
    Ok(())
}

/// The checks of `CreateSAMLProvider`.
fn validate_saml_provider(
    provider: &mut SamlProvider,
    site: &Site,
    now: OffsetDateTime,
) -> Result<(), StateError> {
    site.field("name").shape(&provider.name, &PROVIDER_NAME)?;
    let at = site.field("metadata");
    at.shape(&provider.metadata, &METADATA_DOCUMENT)?;
    parse_metadata(&provider.metadata).map_err(|e| at.error(e.to_string()))?;
    let at = site.field("assertion_encryption_mode");
    if let Some(mode) = provider.assertion_encryption_mode.as_deref() {
        if mode != "Allowed" && mode != "Required" {
            return Err(at.error("must be Allowed or Required"));
        }
        if mode == "Required" && provider.private_keys.is_empty() {
            return Err(at.error("Required needs a private key to decrypt with"));
        }
    }
    if provider.private_keys.len() > MAX_PRIVATE_KEYS {
        return Err(site.field("private_keys").error(format!(
            "a SAML provider has {MAX_PRIVATE_KEYS} private keys at most"
        )));
    }
    for (i, key) in provider.private_keys.iter_mut().enumerate() {
        let at = site.field("private_keys").index(i);
        let Some(pem) = key.private_key.as_deref() else {
            return Err(at
                .field("private_key")
                .error("an imported private key needs its PEM (export with ?secrets=true)"));
        };
        let parsed = parse_private_key(pem, now)
            .map_err(|e| at.field("private_key").error(e.to_string()))?;
        if !key.key_id.is_empty() && key.key_id != parsed.key_id {
            return Err(at
                .field("key_id")
                .error("is not the id of this private key"));
        }
        key.key_id = parsed.key_id;
        date(&at.field("created"), &mut key.created, now)?;
    }
    date(&site.field("created"), &mut provider.created, now)?;
    tags(&site.field("tags"), &provider.tags)
}

/// A URL without a scheme (`host/path`, as exports write it) is the `http://` URL of an
/// issuer iamlocal knows, else an `https://` one.
fn issuer_url(issuers: &Issuers, url: &str) -> String {
    if url.contains("://") {
        return url.to_owned();
    }
    let http = format!("http://{url}");
    if issuers.is_known(&http) {
        http
    } else {
        format!("https://{url}")
    }
}

fn access_keys(
    keys: &mut [AccessKey],
    site: &Site,
    account_id: &str,
    now: OffsetDateTime,
    ids: &mut Ids,
) -> Result<(), StateError> {
    if keys.len() as i64 > KEYS_PER_USER {
        return Err(site.error(format!(
            "Cannot exceed quota for AccessKeysPerUser: {KEYS_PER_USER}"
        )));
    }
    for (i, key) in keys.iter_mut().enumerate() {
        if key.id.is_empty() {
            key.id = fresh(&ids.keys, || new_id(IdKind::AccessKey, account_id));
        }
        let at = site
            .index(i)
            .named(format!("access key {} of {}", key.id, site.entity));
        at.field("id").shape(&key.id, &ACCESS_KEY_ID)?;
        if !key.id.starts_with("AKIA") {
            return Err(at
                .field("id")
                .error("a long-term access key id starts with AKIA"));
        }
        if !ids.keys.insert(key.id.clone()) {
            return Err(at.field("id").error("the access key id is used twice"));
        }
        match key.secret.as_deref() {
            None => {
                return Err(at.field("secret").error(
                    "an imported access key needs its secret (export with ?secrets=true), \
                     else nobody could sign with it",
                ));
            }
            Some(secret)
                if secret.is_empty()
                    || secret.len() > 128
                    || !secret.bytes().all(|b| b.is_ascii_graphic()) =>
            {
                return Err(at
                    .field("secret")
                    .error("a secret is 1 to 128 printable ASCII characters, no spaces"));
            }
            Some(_) => {}
        }
        date(&at.field("created"), &mut key.created, now)?;
    }
    Ok(())
}

fn inline_policies(
    site: &Site,
    policies: &mut InlinePolicies,
    quota: SizeQuota,
) -> Result<(), StateError> {
    let mut names = HashSet::new();
    let mut total = 0;
    for (name, document) in policies.iter_mut() {
        let at = site.field("policies").field(name);
        at.shape(name, &POLICY_NAME)?;
        if !names.insert(name.to_ascii_lowercase()) {
            return Err(at.error(format!(
                "two inline policies are named {name} (names ignore case)"
            )));
        }
        let text = document_text(&at, document)?;
        Policy::parse(&text, PolicyKind::Identity { managed: false })
            .map_err(|e| at.error(crate::error::AwsError::from(e).to_string()))?;
        total += policy_size(&text);
    }
    check_size(total, quota).map_err(|e| site.field("policies").error(e.message()))
}

fn managed_document(site: &Site, document: &mut Value) -> Result<(), StateError> {
    let text = document_text(site, document)?;
    crate::iam::policies::parse_managed(&text)
        .map(|_| ())
        .map_err(|e| site.error(e.to_string()))
}

/// The document as the store keeps it: compact JSON. A string is read as JSON text.
fn document_text(site: &Site, document: &mut Value) -> Result<String, StateError> {
    if let Value::String(text) = document {
        *document = serde_json::from_str(text)
            .map_err(|e| site.error(format!("the policy document is not JSON: {e}")))?;
    }
    if !document.is_object() {
        return Err(site.error("a policy document is a JSON object"));
    }
    let text = document.to_string();
    site.shape(&text, &POLICY_DOCUMENT).map_err(|_| {
        site.error(
            "the policy document is too long or has characters IAM refuses (U+0100 and above)",
        )
    })?;
    Ok(text)
}

fn attached(
    site: &Site,
    arns: &[String],
    attachable: &dyn Fn(&str) -> bool,
) -> Result<(), StateError> {
    let site = site.field("attached_policies");
    if arns.len() as i64 > ATTACHED_PER_OWNER {
        return Err(site.error(format!(
            "Cannot exceed quota for attached policies: {ATTACHED_PER_OWNER}"
        )));
    }
    let mut seen = HashSet::new();
    for (i, arn) in arns.iter().enumerate() {
        let at = site.index(i);
        policy_reference(&at, arn, attachable)?;
        if !seen.insert(arn) {
            return Err(at.error(format!("{arn} is attached twice")));
        }
    }
    Ok(())
}

fn boundary(
    site: &Site,
    arn: Option<&str>,
    attachable: &dyn Fn(&str) -> bool,
) -> Result<(), StateError> {
    match arn {
        Some(arn) => policy_reference(&site.field("permissions_boundary"), arn, attachable),
        None => Ok(()),
    }
}

fn policy_reference(
    site: &Site,
    arn: &str,
    attachable: &dyn Fn(&str) -> bool,
) -> Result<(), StateError> {
    site.shape(arn, &ARN)?;
    if attachable(arn) {
        Ok(())
    } else {
        Err(site.error(format!(
            "Policy {arn} does not exist or is not attachable: neither a policy of this \
             account in the document nor an AWS managed policy iamlocal knows"
        )))
    }
}

fn tags(site: &Site, tags: &[Tag]) -> Result<(), StateError> {
    if tags.len() > MAX_TAGS {
        return Err(site.error(format!(
            "Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to {MAX_TAGS}"
        )));
    }
    let mut keys = BTreeMap::new();
    for (i, tag) in tags.iter().enumerate() {
        let at = site.index(i);
        at.field("key").shape(&tag.key, &TAG_KEY)?;
        at.field("value").shape(&tag.value, &TAG_VALUE)?;
        if crate::iam::shapes::is_reserved_tag_key(&tag.key) {
            return Err(at
                .field("key")
                .error("tag keys starting with 'aws:' are reserved for AWS use"));
        }
        if keys.insert(tag.key.to_lowercase(), ()).is_some() {
            return Err(at.error(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
            ));
        }
    }
    Ok(())
}

/// Fills an empty date with `now`, else checks it is RFC 3339 and writes it as exports do.
fn date(site: &Site, text: &mut String, now: OffsetDateTime) -> Result<(), StateError> {
    let at = if text.is_empty() {
        now
    } else {
        OffsetDateTime::parse(text, &Rfc3339).map_err(|e| {
            site.error(format!(
                "'{text}' is not an RFC 3339 date like 2026-01-01T00:00:00Z: {e}"
            ))
        })?
    };
    *text = format_date(at);
    Ok(())
}

/// A date as documents carry it: RFC 3339 in UTC, to the millisecond the store keeps, so
/// an export imports back to the same instants (and the same order of access keys).
pub(crate) fn format_date(at: OffsetDateTime) -> String {
    const FORMAT: &[time::format_description::FormatItem<'static>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    at.to_offset(time::UtcOffset::UTC)
        .format(FORMAT)
        .unwrap_or_else(|_| iso8601(at))
}

/// The date of a validated document, for the store.
pub(crate) fn parse_date(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(text, &Rfc3339).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Counts of what a document holds, for the answer to an import.
pub fn summary(document: &StateDocument) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    counts.insert("accounts", document.accounts.len());
    for account in &document.accounts {
        *counts.entry("users").or_default() += account.users.len();
        *counts.entry("groups").or_default() += account.groups.len();
        *counts.entry("roles").or_default() += account.roles.len();
        *counts.entry("policies").or_default() += account.policies.len();
        *counts.entry("oidc_providers").or_default() += account.oidc_providers.len();
        *counts.entry("server_certificates").or_default() += account.server_certificates.len();
        *counts.entry("saml_providers").or_default() += account.saml_providers.len();
        *counts.entry("instance_profiles").or_default() += account.instance_profiles.len();
        *counts.entry("mfa_devices").or_default() += account.mfa_devices.len();
    }
    counts
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn check(document: Value) -> Result<ValidState, StateError> {
        let document: StateDocument = serde_json::from_value(document).unwrap();
        let issuers = Issuers::start("http://127.0.0.1:4599", &[]).unwrap();
        let defaults = Defaults {
            account_id: "123456789012",
            now: OffsetDateTime::UNIX_EPOCH,
            issuers: &issuers,
        };
        validate(document, &defaults)
    }

    fn refused_at(document: Value) -> String {
        check(document).expect_err("the document is refused").path
    }

    const DOC: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#;

    #[test]
    fn what_is_left_out_is_filled_in() {
        let state = check(json!({"accounts": [{
            "users": [{"name": "a", "access_keys": [{"secret": "s"}]}],
            "policies": [{"name": "p", "document": DOC}],
        }]}))
        .unwrap();
        let account = &state.document().accounts[0];
        assert_eq!(account.account_id, "123456789012");
        assert_eq!(account.created, "1970-01-01T00:00:00.000Z");
        let user = &account.users[0];
        assert!(
            user.id.starts_with("AIDA") && user.id.len() == 21,
            "{}",
            user.id
        );
        assert_eq!(user.path, "/");
        assert!(user.access_keys[0].id.starts_with("AKIA"));
        let policy = &account.policies[0];
        assert_eq!((policy.versions.len(), &*policy.default_version), (1, "v1"));
        // A document given as JSON text is kept as the JSON value.
        assert_eq!(policy.versions[0].document["Statement"]["Action"], "s3:*");
    }

    #[test]
    fn ids_are_unique_across_kinds_and_of_their_kind() {
        let id = "AIDAAAAAAAAAAAAAAAAAA";
        assert_eq!(
            refused_at(
                json!({"accounts": [{"users": [{"name": "a", "id": id}, {"name": "b", "id": id}]}]})
            ),
            "accounts[0].users[1].id"
        );
        assert_eq!(
            refused_at(json!({"accounts": [{"groups": [{"name": "g", "id": id}]}]})),
            "accounts[0].groups[0].id"
        );
    }

    #[test]
    fn roles_and_policies_are_checked_as_iam_checks_them() {
        let trust = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}});
        assert_eq!(
            refused_at(
                json!({"accounts": [{"roles": [{"name": "r", "trust_policy": trust, "max_session_duration": 60}]}]})
            ),
            "accounts[0].roles[0].max_session_duration"
        );
        assert_eq!(
            refused_at(
                json!({"accounts": [{"policies": [{"name": "p", "versions": [
                {"id": "v1", "document": DOC}, {"id": "v2", "document": DOC}]}]}]})
            ),
            "accounts[0].policies[0].default_version"
        );
        assert_eq!(
            refused_at(
                json!({"accounts": [{"policies": [{"name": "p", "document": DOC, "tags": [
                {"key": "Team", "value": "a"}, {"key": "team", "value": "b"}]}]}]})
            ),
            "accounts[0].policies[0].tags[1]"
        );
        assert_eq!(
            refused_at(json!({"accounts": [{"account_id": "42"}]})),
            "accounts[0].account_id"
        );
    }

    #[test]
    fn oidc_providers_are_checked_as_iam_checks_them() {
        let state = check(json!({"accounts": [{"oidc_providers": [
            {"url": "https://Token.example.com/", "client_ids": ["a", "a", "b"]},
            {"url": "127.0.0.1:4599"},
        ]}]}))
        .unwrap();
        let providers = &state.document().accounts[0].oidc_providers;
        assert_eq!(providers[0].url, "Token.example.com");
        assert_eq!(providers[0].client_ids, ["a", "b"]);
        assert_eq!(providers[1].url, "127.0.0.1:4599");
        // Plain http and ports only for issuers iamlocal knows.
        assert_eq!(
            refused_at(json!({"accounts": [{"oidc_providers": [{"url": "http://example.com"}]}]})),
            "accounts[0].oidc_providers[0].url"
        );
        assert_eq!(
            refused_at(json!({"accounts": [{"oidc_providers": [
                {"url": "https://example.com", "thumbprints": ["x"]}]}]})),
            "accounts[0].oidc_providers[0].thumbprints[0]"
        );
        assert_eq!(
            refused_at(json!({"accounts": [{"oidc_providers": [
                {"url": "https://example.com"}, {"url": "example.com"}]}]})),
            "accounts[0].oidc_providers[1]"
        );
    }

    #[test]
    fn instance_profiles_and_settings_are_checked_as_iam_checks_them() {
        let trust = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}});
        let state = check(json!({"accounts": [{
            "roles": [{"name": "Web", "trust_policy": trust}],
            "instance_profiles": [{"name": "p", "role": "web"}],
        }]}))
        .unwrap();
        let account = &state.document().accounts[0];
        assert!(account.instance_profiles[0].id.starts_with("AIPA"));
        assert_eq!(account.global_endpoint_token_version, "v1Token");
        assert_eq!(
            refused_at(
                json!({"accounts": [{"instance_profiles": [{"name": "p", "role": "nobody"}]}]})
            ),
            "accounts[0].instance_profiles[0].role"
        );
        assert_eq!(
            refused_at(
                json!({"accounts": [{"instance_profiles": [{"name": "p"}, {"name": "P"}]}]})
            ),
            "accounts[0].instance_profiles[1]"
        );
        assert_eq!(
            refused_at(json!({"accounts": [{"alias": "Not_An-Alias"}]})),
            "accounts[0].alias"
        );
        assert_eq!(
            refused_at(json!({"accounts": [{"alias": "shop"},
                {"account_id": "210987654321", "alias": "shop"}]})),
            "accounts[1].alias"
        );
        assert_eq!(
            refused_at(json!({"accounts": [{"password_policy": {"minimum_password_length": 5}}]})),
            "accounts[0].password_policy.minimum_password_length"
        );
        assert_eq!(
            refused_at(json!({"accounts": [{"global_endpoint_token_version": "v3Token"}]})),
            "accounts[0].global_endpoint_token_version"
        );
    }

    #[test]
    fn an_mfa_device_names_a_user_of_the_account_and_has_a_base32_seed() {
        let state = check(json!({"accounts": [{"mfa_devices": [{"name": "spare"}]}]})).unwrap();
        let device = &state.document().accounts[0].mfa_devices[0];
        assert_eq!(device.seed.as_ref().map(String::len), Some(64));
        for (device, at) in [
            (
                json!({"name": "d", "seed": "AAAA", "user": "nobody"}),
                "user",
            ),
            (json!({"name": "d", "seed": "not base32!"}), "seed"),
            (
                json!({"name": "d", "enabled": "2026-01-01T00:00:00Z"}),
                "enabled",
            ),
        ] {
            assert_eq!(
                refused_at(json!({"accounts": [{"mfa_devices": [device]}]})),
                format!("accounts[0].mfa_devices[0].{at}")
            );
        }
    }

    #[test]
    fn a_service_credential_is_for_a_service_that_takes_them_and_keeps_a_hash() {
        let state = check(json!({"accounts": [{"users": [{"name": "a",
            "service_specific_credentials": [
                {"service_name": "codecommit.amazonaws.com", "secret": "s3cret"},
                {"service_name": "bedrock.amazonaws.com", "secret": "k3y"}]}]}]}))
        .unwrap();
        let user = &state.document().accounts[0].users[0];
        let [password, key] = &user.service_specific_credentials[..] else {
            panic!("two credentials")
        };
        assert!(password.id.starts_with("ACCA"), "{}", password.id);
        assert_eq!(
            password.service_user_name.as_deref(),
            Some("a-at-123456789012")
        );
        assert!(
            key.service_credential_alias
                .as_ref()
                .unwrap()
                .starts_with("BedrockAPIKey-a-")
        );
        let hash = PasswordHash {
            salt: key.salt.clone().unwrap(),
            hash: key.secret_hash.clone().unwrap(),
        };
        assert!(hash.matches("k3y") && key.secret.is_none());
        let credential = |c: Value| {
            json!({"accounts": [{"users": [{"name": "a",
            "service_specific_credentials": c}]}]})
        };
        let s = "s3cret";
        let code = "codecommit.amazonaws.com";
        for (list, at) in [
            (
                json!([{"service_name": "s3.amazonaws.com", "secret": s}]),
                "[0].service_name",
            ),
            (json!([{"service_name": code}]), "[0]"),
            (
                json!([{"service_name": code, "secret": s}, {"service_name": code, "secret": s},
                {"service_name": code, "secret": s}]),
                "[2]",
            ),
        ] {
            assert_eq!(
                refused_at(credential(list)),
                format!("accounts[0].users[0].service_specific_credentials{at}")
            );
        }
    }

    #[test]
    fn a_login_profile_has_a_password_or_its_hash() {
        let state = check(json!({"accounts": [{"users": [
            {"name": "a", "login_profile": {"password": "Long-enough-1"}}]}]}))
        .unwrap();
        let profile = state.document().accounts[0].users[0].login_profile.as_ref();
        let profile = profile.unwrap();
        assert_eq!(profile.password, None);
        let hash = PasswordHash {
            salt: profile.salt.clone().unwrap(),
            hash: profile.password_hash.clone().unwrap(),
        };
        assert!(hash.matches("Long-enough-1"));
        for login in [
            json!({}),
            json!({"password": "weak"}),
            json!({"salt": "00", "password_hash": "11"}),
            json!({"password": "Long-enough-1", "salt": hash.salt, "password_hash": hash.hash}),
        ] {
            let at = refused_at(
                json!({"accounts": [{"users": [{"name": "a", "login_profile": login}]}]}),
            );
            assert!(at.starts_with("accounts[0].users[0].login_profile"), "{at}");
        }
    }
}
