//! Account-wide settings: the account alias, the password policy, and the account summary.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/console-account-alias.html>
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html>

use super::shapes::MARKER;
use super::users::{DEFAULT_MAX_ITEMS, write_truncation};
use crate::api::{Ctx, FromQuery};
use crate::error::AwsError;
use crate::policy::SizeQuota;
use crate::protocol::query::{Input, Params, Pattern, Shape};
use crate::protocol::xml::{Empty, ToXml, XmlWriter};
use crate::store::{PasswordPolicy, no_password_policy};

/// `^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`: lowercase letters, digits and single
/// hyphens, neither first nor last (the length is the shape's).
fn is_account_alias(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

pub(crate) const ACCOUNT_ALIAS: Shape = Shape {
    min: 3,
    max: 63,
    pattern: Some(Pattern {
        text: r"^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$",
        matches: is_account_alias,
    }),
};

pub struct AccountAliasInput {
    alias: String,
}

impl FromQuery for AccountAliasInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let alias = input.required("AccountAlias", &ACCOUNT_ALIAS);
        input.finish()?;
        Ok(AccountAliasInput { alias })
    }
}

/// An account has one alias at most: a new one replaces the old, as the console's "edit"
/// (which calls `CreateAccountAlias` alone) shows.
pub async fn create_account_alias(
    cx: &Ctx<'_>,
    input: AccountAliasInput,
) -> Result<Empty, AwsError> {
    cx.authorize("iam:CreateAccountAlias", "*")?;
    cx.app
        .store
        .set_account_alias(cx.account_id(), &input.alias)
        .await?;
    Ok(Empty)
}

pub async fn delete_account_alias(
    cx: &Ctx<'_>,
    input: AccountAliasInput,
) -> Result<Empty, AwsError> {
    cx.authorize("iam:DeleteAccountAlias", "*")?;
    cx.app
        .store
        .delete_account_alias(cx.account_id(), &input.alias)
        .await?;
    Ok(Empty)
}

/// The input of a listing paged in memory: a marker and a page size.
pub struct KeyPage {
    marker: Option<String>,
    max_items: usize,
}

impl FromQuery for KeyPage {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let marker = input.string("Marker", &MARKER);
        let max_items = input.integer("MaxItems", 1, 1000);
        input.finish()?;
        Ok(KeyPage {
            marker,
            max_items: max_items.unwrap_or(DEFAULT_MAX_ITEMS) as usize,
        })
    }
}

pub struct ListAccountAliasesOutput {
    aliases: Vec<String>,
    marker: Option<String>,
}

impl ToXml for ListAccountAliasesOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.members("AccountAliases", &self.aliases, |w, alias| w.text(alias));
        write_truncation(w, self.marker.as_deref());
    }
}

pub async fn list_account_aliases(
    cx: &Ctx<'_>,
    input: KeyPage,
) -> Result<ListAccountAliasesOutput, AwsError> {
    cx.authorize("iam:ListAccountAliases", "*")?;
    let aliases = cx.app.store.account_aliases(cx.account_id()).await?;
    let (aliases, marker) = super::page_by_key(
        &aliases,
        String::clone,
        input.marker.as_deref(),
        input.max_items,
    )?;
    Ok(ListAccountAliasesOutput { aliases, marker })
}

/// An action without input.
pub struct NoInput;

impl FromQuery for NoInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        Input::new(params).finish()?;
        Ok(NoInput)
    }
}

pub struct PasswordPolicyOutput {
    policy: PasswordPolicy,
}

impl ToXml for PasswordPolicyOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        let p = &self.policy;
        w.open("PasswordPolicy");
        w.num_field("MinimumPasswordLength", p.minimum_password_length);
        w.bool_field("RequireSymbols", p.require_symbols);
        w.bool_field("RequireNumbers", p.require_numbers);
        w.bool_field("RequireUppercaseCharacters", p.require_uppercase_characters);
        w.bool_field("RequireLowercaseCharacters", p.require_lowercase_characters);
        w.bool_field(
            "AllowUsersToChangePassword",
            p.allow_users_to_change_password,
        );
        w.bool_field("ExpirePasswords", p.max_password_age.is_some());
        if let Some(days) = p.max_password_age {
            w.num_field("MaxPasswordAge", days);
        }
        if let Some(n) = p.password_reuse_prevention {
            w.num_field("PasswordReusePrevention", n);
        }
        w.bool_field("HardExpiry", p.hard_expiry);
        w.close("PasswordPolicy");
    }
}

pub async fn get_account_password_policy(
    cx: &Ctx<'_>,
    _input: NoInput,
) -> Result<PasswordPolicyOutput, AwsError> {
    let account = cx.account_id();
    cx.authorize("iam:GetAccountPasswordPolicy", "*")?;
    let policy = cx
        .app
        .store
        .account_password_policy(account)
        .await?
        .ok_or_else(|| no_password_policy(account))?;
    Ok(PasswordPolicyOutput { policy })
}

/// `UpdateAccountPasswordPolicy`'s input: every member left out goes back to its default.
pub struct UpdatePasswordPolicyInput {
    policy: PasswordPolicy,
}

impl FromQuery for UpdatePasswordPolicyInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let minimum_password_length = input.integer("MinimumPasswordLength", 6, 128);
        let require_symbols = input.boolean("RequireSymbols");
        let require_numbers = input.boolean("RequireNumbers");
        let require_uppercase_characters = input.boolean("RequireUppercaseCharacters");
        let require_lowercase_characters = input.boolean("RequireLowercaseCharacters");
        let allow_users_to_change_password = input.boolean("AllowUsersToChangePassword");
        let max_password_age = input.integer("MaxPasswordAge", 1, 1095);
        let password_reuse_prevention = input.integer("PasswordReusePrevention", 1, 24);
        let hard_expiry = input.boolean("HardExpiry");
        input.finish()?;
        Ok(UpdatePasswordPolicyInput {
            policy: PasswordPolicy {
                minimum_password_length: minimum_password_length.unwrap_or(6),
                require_symbols: require_symbols.unwrap_or(false),
                require_numbers: require_numbers.unwrap_or(false),
                require_uppercase_characters: require_uppercase_characters.unwrap_or(false),
                require_lowercase_characters: require_lowercase_characters.unwrap_or(false),
                allow_users_to_change_password: allow_users_to_change_password.unwrap_or(false),
                max_password_age,
                password_reuse_prevention,
                hard_expiry: hard_expiry.unwrap_or(false),
            },
        })
    }
}

pub async fn update_account_password_policy(
    cx: &Ctx<'_>,
    input: UpdatePasswordPolicyInput,
) -> Result<Empty, AwsError> {
    cx.authorize("iam:UpdateAccountPasswordPolicy", "*")?;
    cx.app
        .store
        .set_password_policy(cx.account_id(), &input.policy)
        .await?;
    Ok(Empty)
}

pub async fn delete_account_password_policy(
    cx: &Ctx<'_>,
    _input: NoInput,
) -> Result<Empty, AwsError> {
    cx.authorize("iam:DeleteAccountPasswordPolicy", "*")?;
    cx.app.store.delete_password_policy(cx.account_id()).await?;
    Ok(Empty)
}

pub struct AccountSummaryOutput {
    entries: Vec<(&'static str, String)>,
}

impl ToXml for AccountSummaryOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.map("SummaryMap", &self.entries);
    }
}

/// Every key of AWS's `SummaryMap`: the account's counts from the store, AWS's default
/// quotas, and zero for what iamlocal does not host yet (root MFA).
pub async fn get_account_summary(
    cx: &Ctx<'_>,
    _input: NoInput,
) -> Result<AccountSummaryOutput, AwsError> {
    cx.authorize("iam:GetAccountSummary", "*")?;
    let counts = cx.app.store.account_counts(cx.account_id()).await?;
    let token_version = cx
        .app
        .store
        .global_endpoint_token_version(cx.account_id())
        .await?;
    let quota = |q: SizeQuota| q.limit() as i64;
    let entries: Vec<(&'static str, i64)> = vec![
        ("Users", counts.users),
        ("UsersQuota", 5000),
        ("Groups", counts.groups),
        ("GroupsQuota", 300),
        ("Roles", counts.roles),
        ("RolesQuota", 1000),
        ("Policies", counts.policies),
        ("PoliciesQuota", 1500),
        ("InstanceProfiles", counts.instance_profiles),
        ("InstanceProfilesQuota", 1000),
        ("PolicyVersionsInUse", counts.attached_policies),
        ("PolicyVersionsInUseQuota", 10000),
        ("VersionsPerPolicyQuota", 5),
        ("PolicySizeQuota", quota(SizeQuota::ManagedPolicy)),
        ("UserPolicySizeQuota", quota(SizeQuota::UserInlinePolicies)),
        (
            "GroupPolicySizeQuota",
            quota(SizeQuota::GroupInlinePolicies),
        ),
        ("RolePolicySizeQuota", quota(SizeQuota::RoleInlinePolicies)),
        ("AssumeRolePolicySizeQuota", 2048),
        ("GroupsPerUserQuota", 10),
        ("AccessKeysPerUserQuota", 2),
        ("SigningCertificatesPerUserQuota", 2),
        ("AttachedPoliciesPerUserQuota", 10),
        ("AttachedPoliciesPerGroupQuota", 10),
        ("AttachedPoliciesPerRoleQuota", 10),
        ("ServerCertificates", counts.server_certificates),
        ("ServerCertificatesQuota", 20),
        ("Providers", counts.providers),
        ("MFADevices", counts.mfa_devices),
        ("MFADevicesInUse", counts.mfa_devices_in_use),
        ("AccountMFAEnabled", i64::from(counts.root_mfa_devices > 0)),
        // The root user has the configured access key.
        ("AccountAccessKeysPresent", 1),
        ("AccountPasswordPresent", 0),
        (
            "AccountSigningCertificatesPresent",
            i64::from(counts.root_signing_certificates > 0),
        ),
        (
            "GlobalEndpointTokenVersion",
            if token_version == "v2Token" { 2 } else { 1 },
        ),
    ];
    Ok(AccountSummaryOutput {
        entries: entries
            .into_iter()
            .map(|(k, v)| (k, v.to_string()))
            .collect(),
    })
}

pub struct SetTokenPreferencesInput {
    version: String,
}

impl FromQuery for SetTokenPreferencesInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let version = input.required_enum("GlobalEndpointTokenVersion", &["v1Token", "v2Token"]);
        input.finish()?;
        Ok(SetTokenPreferencesInput { version })
    }
}

/// Stored and shown by `GetAccountSummary` (`GlobalEndpointTokenVersion` 1 or 2). iamlocal
/// has no opt-in Regions, so both versions of token work everywhere.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_enable-regions.html>
pub async fn set_security_token_service_preferences(
    cx: &Ctx<'_>,
    input: SetTokenPreferencesInput,
) -> Result<Empty, AwsError> {
    cx.authorize("iam:SetSecurityTokenServicePreferences", "*")?;
    cx.app
        .store
        .set_global_endpoint_token_version(cx.account_id(), &input.version)
        .await?;
    Ok(Empty)
}
