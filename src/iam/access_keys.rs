//! Access keys: the secret is returned by `CreateAccessKey` and never again.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html>

use super::UserListing;
use super::shapes::{ACCESS_KEY_ID, EXISTING_USER_NAME, KEY_STATUSES};
use super::users::{user_arn, write_truncation};
use crate::api::{Ctx, FromQuery};
use crate::arn;
use crate::aws_error;
use crate::clock::iso8601;
use crate::error::AwsError;
use crate::protocol::query::{Input, Params};
use crate::protocol::xml::{Empty, ToXml, XmlWriter};
use crate::store::{AccessKey, KeyUse};
use crate::view::Principal;

/// The root user has no user name, yet the `AccessKey` shapes require one.
// AWS does not document what it answers here; "root" reads the same as the ARN's last part.
pub(super) const ROOT_USER_NAME: &str = "root";

/// The user an action is about: the named one, or else the caller (the root included).
pub(super) struct Subject {
    /// `None` for the root.
    pub user_name: Option<String>,
    pub arn: String,
}

pub(super) fn subject(cx: &Ctx<'_>, user_name: Option<String>) -> Result<Subject, AwsError> {
    Ok(match (user_name, &cx.caller.principal) {
        (Some(name), _) => Subject {
            arn: user_arn(cx, &name),
            user_name: Some(name),
        },
        (None, Principal::User(me)) => Subject {
            user_name: Some(me.user_name.clone()),
            arn: me.arn.clone(),
        },
        (None, Principal::Root { account_id }) => Subject {
            user_name: None,
            arn: arn::root(account_id),
        },
        (None, Principal::AssumedRole(_) | Principal::FederatedUser(_)) => {
            return Err(super::users::non_user_credentials());
        }
    })
}

pub struct UserNameOnly {
    user_name: Option<String>,
}

impl FromQuery for UserNameOnly {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.string("UserName", &EXISTING_USER_NAME);
        input.finish()?;
        Ok(UserNameOnly { user_name })
    }
}

pub struct CreateAccessKeyOutput {
    key: AccessKey,
}

impl ToXml for CreateAccessKeyOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        let key = &self.key;
        w.open("AccessKey");
        w.field(
            "UserName",
            key.user_name.as_deref().unwrap_or(ROOT_USER_NAME),
        );
        w.field("AccessKeyId", &key.access_key_id);
        w.field("Status", status(key.active));
        w.opt_field("SecretAccessKey", key.secret_access_key.as_deref());
        w.field("CreateDate", &iso8601(key.created_at));
        w.close("AccessKey");
    }
}

pub async fn create_access_key(
    cx: &Ctx<'_>,
    input: UserNameOnly,
) -> Result<CreateAccessKeyOutput, AwsError> {
    let subject = subject(cx, input.user_name)?;
    cx.authorize("iam:CreateAccessKey", &subject.arn)?;
    let key = cx
        .app
        .store
        .create_access_key(cx.account_id(), subject.user_name.as_deref(), cx.now())
        .await?;
    Ok(CreateAccessKeyOutput { key })
}

pub struct ListAccessKeysOutput {
    keys: Vec<AccessKey>,
    marker: Option<String>,
}

impl ToXml for ListAccessKeysOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.members("AccessKeyMetadata", &self.keys, |w, key| {
            w.field(
                "UserName",
                key.user_name.as_deref().unwrap_or(ROOT_USER_NAME),
            );
            w.field("AccessKeyId", &key.access_key_id);
            w.field("Status", status(key.active));
            w.field("CreateDate", &iso8601(key.created_at));
        });
        write_truncation(w, self.marker.as_deref());
    }
}

pub async fn list_access_keys(
    cx: &Ctx<'_>,
    input: UserListing,
) -> Result<ListAccessKeysOutput, AwsError> {
    let subject = subject(cx, input.user_name)?;
    cx.authorize("iam:ListAccessKeys", &subject.arn)?;
    let keys = cx
        .app
        .store
        .list_access_keys(cx.account_id(), subject.user_name.as_deref())
        .await?;
    let (keys, marker) = super::page_by_key(
        &keys,
        |k| super::made_order(k.created_at, &k.access_key_id),
        input.marker.as_deref(),
        input.max_items,
    )?;
    Ok(ListAccessKeysOutput { keys, marker })
}

pub struct UpdateAccessKeyInput {
    user_name: Option<String>,
    access_key_id: String,
    active: bool,
}

impl FromQuery for UpdateAccessKeyInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.string("UserName", &EXISTING_USER_NAME);
        let access_key_id = input.required("AccessKeyId", &ACCESS_KEY_ID);
        let status = input.required_enum("Status", KEY_STATUSES);
        input.finish()?;
        let active = match status.as_str() {
            "Active" => true,
            "Inactive" => false,
            _ => {
                return Err(aws_error!(
                    InvalidInput,
                    "Access key status can only be set to Active or Inactive."
                ));
            }
        };
        Ok(UpdateAccessKeyInput {
            user_name,
            access_key_id,
            active,
        })
    }
}

pub async fn update_access_key(
    cx: &Ctx<'_>,
    input: UpdateAccessKeyInput,
) -> Result<Empty, AwsError> {
    let subject = subject(cx, input.user_name)?;
    cx.authorize("iam:UpdateAccessKey", &subject.arn)?;
    cx.app
        .store
        .set_access_key_status(
            cx.account_id(),
            subject.user_name.as_deref(),
            &input.access_key_id,
            input.active,
        )
        .await?;
    Ok(Empty)
}

pub struct KeyOfUserInput {
    user_name: Option<String>,
    access_key_id: String,
}

impl FromQuery for KeyOfUserInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.string("UserName", &EXISTING_USER_NAME);
        let access_key_id = input.required("AccessKeyId", &ACCESS_KEY_ID);
        input.finish()?;
        Ok(KeyOfUserInput {
            user_name,
            access_key_id,
        })
    }
}

pub async fn delete_access_key(cx: &Ctx<'_>, input: KeyOfUserInput) -> Result<Empty, AwsError> {
    let subject = subject(cx, input.user_name)?;
    cx.authorize("iam:DeleteAccessKey", &subject.arn)?;
    cx.app
        .store
        .delete_access_key(
            cx.account_id(),
            subject.user_name.as_deref(),
            &input.access_key_id,
        )
        .await?;
    Ok(Empty)
}

pub struct GetAccessKeyLastUsedOutput {
    user_name: Option<String>,
    last_use: Option<KeyUse>,
}

impl ToXml for GetAccessKeyLastUsedOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.field(
            "UserName",
            self.user_name.as_deref().unwrap_or(ROOT_USER_NAME),
        );
        w.open("AccessKeyLastUsed");
        match &self.last_use {
            Some(key_use) => {
                w.field("LastUsedDate", &iso8601(key_use.at));
                w.field("ServiceName", &key_use.service);
                w.field("Region", &key_use.region);
            }
            // AWS's answer for a key never used.
            None => {
                w.field("ServiceName", "N/A");
                w.field("Region", "N/A");
            }
        }
        w.close("AccessKeyLastUsed");
    }
}

pub async fn get_access_key_last_used(
    cx: &Ctx<'_>,
    input: KeyOfUserInput,
) -> Result<GetAccessKeyLastUsedOutput, AwsError> {
    let account = cx.account_id();
    cx.app.flush_key_uses().await?;
    let (user_name, last_use) = cx
        .app
        .store
        .access_key_last_used(account, &input.access_key_id)
        .await?;
    let owner = match &user_name {
        Some(name) => user_arn(cx, name),
        None => arn::root(account),
    };
    cx.authorize("iam:GetAccessKeyLastUsed", &owner)?;
    Ok(GetAccessKeyLastUsedOutput {
        user_name,
        last_use,
    })
}

pub(super) fn status(active: bool) -> &'static str {
    if active { "Active" } else { "Inactive" }
}
