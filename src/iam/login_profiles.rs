//! Login profiles: a user's console password, checked against the account's password
//! policy and kept only as a salted hash; `ChangePassword` for users changing their own.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_admin-change-user.html>

use super::passwords::{self, PasswordHash};
use super::shapes::USER_NAME;
use super::users::{non_user_credentials, user_arn};
use crate::api::{Ctx, FromQuery};
use crate::clock::iso8601;
use crate::error::{AwsError, ErrorCode};
use crate::protocol::query::{Input, Params, Pattern, Shape};
use crate::protocol::xml::{Empty, ToXml, XmlWriter};
use crate::store::LoginProfile;
use crate::view::Principal;

/// `[\u0009\u000A\u000D\u0020-\u00FF]+`
fn is_password_text(s: &str) -> bool {
    s.chars()
        .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FF}'))
}

pub(crate) const PASSWORD: Shape = Shape {
    min: 1,
    max: 128,
    pattern: Some(Pattern {
        text: r"[\u0009\u000A\u000D\u0020-\u00FF]+",
        matches: is_password_text,
    }),
};

/// The user an action names, or, without a name, the calling user.
pub(crate) fn user_or_caller(cx: &Ctx<'_>, user_name: Option<String>) -> Result<String, AwsError> {
    match (user_name, &cx.caller.principal) {
        (Some(name), _) => Ok(name),
        (None, Principal::User(me)) => Ok(me.user_name.clone()),
        (None, _) => Err(non_user_credentials()),
    }
}

pub struct CreateLoginProfileInput {
    user_name: Option<String>,
    password: String,
    password_reset_required: bool,
}

impl FromQuery for CreateLoginProfileInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.string("UserName", &USER_NAME);
        // Optional in the model only for AssumeRoot sessions, which iamlocal does not issue.
        let password = input.required_secret("Password", &PASSWORD);
        let password_reset_required = input.boolean("PasswordResetRequired");
        input.finish()?;
        Ok(CreateLoginProfileInput {
            user_name,
            password,
            password_reset_required: password_reset_required.unwrap_or(false),
        })
    }
}

pub struct LoginProfileOutput {
    profile: LoginProfile,
}

impl ToXml for LoginProfileOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.open("LoginProfile");
        w.field("UserName", &self.profile.user_name);
        w.field("CreateDate", &iso8601(self.profile.created_at));
        w.bool_field(
            "PasswordResetRequired",
            self.profile.password_reset_required,
        );
        w.close("LoginProfile");
    }
}

pub async fn create_login_profile(
    cx: &Ctx<'_>,
    input: CreateLoginProfileInput,
) -> Result<LoginProfileOutput, AwsError> {
    let account = cx.account_id();
    let user_name = user_or_caller(cx, input.user_name)?;
    cx.authorize("iam:CreateLoginProfile", &user_arn(cx, &user_name))?;
    let store = &cx.app.store;
    passwords::check(
        store.password_policy(account).await?.as_ref(),
        &input.password,
    )?;
    let profile = store
        .create_login_profile(
            account,
            &user_name,
            &PasswordHash::new(&input.password),
            input.password_reset_required,
            cx.now(),
        )
        .await?;
    Ok(LoginProfileOutput { profile })
}

pub struct OptionalUserInput {
    user_name: Option<String>,
}

impl FromQuery for OptionalUserInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.string("UserName", &USER_NAME);
        input.finish()?;
        Ok(OptionalUserInput { user_name })
    }
}

pub async fn get_login_profile(
    cx: &Ctx<'_>,
    input: OptionalUserInput,
) -> Result<LoginProfileOutput, AwsError> {
    let user_name = user_or_caller(cx, input.user_name)?;
    cx.authorize("iam:GetLoginProfile", &user_arn(cx, &user_name))?;
    let profile = cx
        .app
        .store
        .login_profile(cx.account_id(), &user_name)
        .await?;
    Ok(LoginProfileOutput { profile })
}

pub async fn delete_login_profile(
    cx: &Ctx<'_>,
    input: OptionalUserInput,
) -> Result<Empty, AwsError> {
    let user_name = user_or_caller(cx, input.user_name)?;
    cx.authorize("iam:DeleteLoginProfile", &user_arn(cx, &user_name))?;
    cx.app
        .store
        .delete_login_profile(cx.account_id(), &user_name)
        .await?;
    Ok(Empty)
}

pub struct UpdateLoginProfileInput {
    user_name: String,
    password: Option<String>,
    password_reset_required: Option<bool>,
}

impl FromQuery for UpdateLoginProfileInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.required("UserName", &USER_NAME);
        let password = input.secret("Password", &PASSWORD);
        let password_reset_required = input.boolean("PasswordResetRequired");
        input.finish()?;
        Ok(UpdateLoginProfileInput {
            user_name,
            password,
            password_reset_required,
        })
    }
}

pub async fn update_login_profile(
    cx: &Ctx<'_>,
    input: UpdateLoginProfileInput,
) -> Result<Empty, AwsError> {
    let account = cx.account_id();
    cx.authorize("iam:UpdateLoginProfile", &user_arn(cx, &input.user_name))?;
    let store = &cx.app.store;
    let hash = match &input.password {
        Some(password) => {
            passwords::check(store.password_policy(account).await?.as_ref(), password)?;
            Some(PasswordHash::new(password))
        }
        None => None,
    };
    store
        .update_login_profile(
            account,
            &input.user_name,
            hash.as_ref(),
            input.password_reset_required,
            cx.now(),
        )
        .await?;
    Ok(Empty)
}

pub struct ChangePasswordInput {
    old_password: String,
    new_password: String,
}

impl FromQuery for ChangePasswordInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let old_password = input.required_secret("OldPassword", &PASSWORD);
        let new_password = input.required_secret("NewPassword", &PASSWORD);
        input.finish()?;
        Ok(ChangePasswordInput {
            old_password,
            new_password,
        })
    }
}

/// A user changes their own password: allowed by `iam:ChangePassword` on themselves, or by
/// the password policy's `AllowUsersToChangePassword`, which grants it to every user. A new
/// password clears `PasswordResetRequired`; the policy's `PasswordReusePrevention` applies
/// here, to users choosing their own (an administrator's `UpdateLoginProfile` sets any).
pub async fn change_password(cx: &Ctx<'_>, input: ChangePasswordInput) -> Result<Empty, AwsError> {
    let Principal::User(me) = &cx.caller.principal else {
        return Err(AwsError::new(
            ErrorCode::InvalidUserType,
            "Only IAM Users can change their own password.",
        ));
    };
    let account = cx.account_id();
    let store = &cx.app.store;
    let policy = store.password_policy(account).await?;
    if !policy
        .as_ref()
        .is_some_and(|p| p.allow_users_to_change_password)
    {
        cx.authorize("iam:ChangePassword", &me.arn)?;
    }
    let (_, current) = store.login_password(account, &me.user_name).await?;
    if !current.matches(&input.old_password) {
        // AWS does not document this answer; iamlocal refuses as a failed sign-in would.
        return Err(AwsError::access_denied("The old password is incorrect."));
    }
    passwords::check(policy.as_ref(), &input.new_password)?;
    if let Some(n) = policy.as_ref().and_then(|p| p.password_reuse_prevention) {
        let recent = store.recent_passwords(account, &me.user_name, n).await?;
        if recent.iter().any(|old| old.matches(&input.new_password)) {
            // Wording iamlocal's: AWS documents the rule, not its message.
            return Err(AwsError::new(
                ErrorCode::PasswordPolicyViolation,
                format!("Password cannot be one of the last {n} passwords used."),
            ));
        }
    }
    store
        .update_login_profile(
            account,
            &me.user_name,
            Some(&PasswordHash::new(&input.new_password)),
            Some(false),
            cx.now(),
        )
        .await?;
    Ok(Empty)
}
