//! IAM users: create, read, list, rename, delete, tag.
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateUser.html>

use std::borrow::Cow;
use std::sync::Arc;

use time::OffsetDateTime;

use super::PathListing;
use super::shapes::{EXISTING_USER_NAME, PATH, USER_NAME, check_tag_keys, read_tags};
use crate::api::{Ctx, FromQuery, RequestKeys};
use crate::arn;
use crate::aws_error;
use crate::clock::iso8601;
use crate::error::AwsError;
use crate::protocol::query::{Input, Params};
use crate::protocol::xml::{Empty, ToXml, XmlWriter};
use crate::store::{NewUser, Tag, User};
use crate::view::{Principal, UserRecord};

/// Listings answer 100 items unless asked otherwise, as IAM does.
pub const DEFAULT_MAX_ITEMS: i64 = 100;

pub struct CreateUserInput {
    user_name: String,
    path: String,
    permissions_boundary: Option<String>,
    tags: Vec<Tag>,
}

impl FromQuery for CreateUserInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.required("UserName", &USER_NAME);
        let path = input.string("Path", &PATH).unwrap_or_else(|| "/".into());
        let permissions_boundary = input.string("PermissionsBoundary", &super::shapes::ARN);
        let tags = read_tags(&mut input);
        input.finish()?;
        check_tag_keys(&tags)?;
        Ok(CreateUserInput {
            user_name,
            path,
            permissions_boundary,
            tags,
        })
    }
}

pub struct UserOutput {
    user: Arc<UserRecord>,
}

impl ToXml for UserOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.open("User");
        write_user(w, &self.user);
        write_boundary(w, self.user.permissions_boundary.as_deref());
        write_tag_pairs(w, &self.user.tags);
        w.close("User");
    }
}

pub async fn create_user(cx: &Ctx<'_>, input: CreateUserInput) -> Result<UserOutput, AwsError> {
    let account = cx.account_id();
    let resource = arn::user(account, &input.path, &input.user_name);
    let keys = RequestKeys::default()
        .boundary(input.permissions_boundary.as_deref())
        .tags(&input.tags);
    cx.authorize_with("iam:CreateUser", &resource, keys)?;
    let user = cx
        .app
        .store
        .create_user(
            account,
            NewUser {
                user_name: &input.user_name,
                path: &input.path,
                permissions_boundary: input.permissions_boundary.as_deref(),
                tags: &input.tags,
            },
            cx.now(),
        )
        .await?;
    Ok(UserOutput { user })
}

pub struct GetUserInput {
    user_name: Option<String>,
}

impl FromQuery for GetUserInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.string("UserName", &EXISTING_USER_NAME);
        input.finish()?;
        Ok(GetUserInput { user_name })
    }
}

pub enum GetUserOutput {
    User(UserOutput),
    /// The root user has no name or path; AWS answers with its id, ARN and creation date.
    Root {
        account_id: String,
        created_at: OffsetDateTime,
    },
}

impl ToXml for GetUserOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        match self {
            GetUserOutput::User(user) => user.write_xml(w),
            GetUserOutput::Root {
                account_id,
                created_at,
            } => {
                w.open("User");
                write_root_user(w, account_id, *created_at);
                w.close("User");
            }
        }
    }
}

/// Without a name, `GetUser` describes the caller.
pub async fn get_user(cx: &Ctx<'_>, input: GetUserInput) -> Result<GetUserOutput, AwsError> {
    let account = cx.account_id();
    let user_name = match (input.user_name, &cx.caller.principal) {
        (Some(name), _) => name,
        (None, Principal::User(me)) => me.user_name.clone(),
        (None, Principal::AssumedRole(_) | Principal::FederatedUser(_)) => {
            return Err(non_user_credentials());
        }
        (None, Principal::Root { account_id }) => {
            cx.authorize("iam:GetUser", &arn::root(account_id))?;
            return Ok(GetUserOutput::Root {
                account_id: account_id.clone(),
                created_at: cx.app.store.account_created_at(account_id).await?,
            });
        }
    };
    // Found once for its ARN and its answer, when reads answer from the view (as in
    // `Store::user_record`); asked before the look-up, so the user found is as new as that.
    let exact = cx.app.propagation.read_view().is_some();
    let found = cx.app.view.user_by_name(account, &user_name);
    cx.authorize(
        "iam:GetUser",
        &arn_of(account, found.as_deref(), &user_name),
    )?;
    let user = match found {
        Some(user) if exact => user,
        _ => cx.app.store.user_record(account, &user_name).await?,
    };
    Ok(GetUserOutput::User(UserOutput { user }))
}

pub struct ListUsersOutput {
    users: Vec<Arc<UserRecord>>,
    marker: Option<String>,
}

impl ToXml for ListUsersOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        // ListUsers leaves out tags and permissions boundaries, as AWS's listing calls do.
        w.members("Users", &self.users, write_user);
        write_truncation(w, self.marker.as_deref());
    }

    fn size_hint(&self) -> usize {
        // A user's `member` is about 300 bytes.
        self.users.len() * 320
    }
}

pub async fn list_users(cx: &Ctx<'_>, input: PathListing) -> Result<ListUsersOutput, AwsError> {
    let account = cx.account_id();
    cx.authorize("iam:ListUsers", &arn::user(account, "/", ""))?;
    let page = cx
        .app
        .store
        .list_users(
            account,
            &input.path_prefix,
            input.marker.as_deref(),
            input.max_items,
        )
        .await?;
    Ok(ListUsersOutput {
        users: page.items,
        marker: page.marker,
    })
}

pub struct UpdateUserInput {
    user_name: String,
    new_user_name: Option<String>,
    new_path: Option<String>,
}

impl FromQuery for UpdateUserInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.required("UserName", &EXISTING_USER_NAME);
        let new_path = input.string("NewPath", &PATH);
        let new_user_name = input.string("NewUserName", &USER_NAME);
        input.finish()?;
        Ok(UpdateUserInput {
            user_name,
            new_user_name,
            new_path,
        })
    }
}

pub async fn update_user(cx: &Ctx<'_>, input: UpdateUserInput) -> Result<Empty, AwsError> {
    cx.authorize("iam:UpdateUser", &user_arn(cx, &input.user_name))?;
    cx.app
        .store
        .update_user(
            cx.account_id(),
            &input.user_name,
            input.new_user_name.as_deref(),
            input.new_path.as_deref(),
        )
        .await?;
    Ok(Empty)
}

/// The input of every action that names one user and nothing else.
pub struct UserNameInput {
    user_name: String,
}

impl FromQuery for UserNameInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.required("UserName", &EXISTING_USER_NAME);
        input.finish()?;
        Ok(UserNameInput { user_name })
    }
}

pub async fn delete_user(cx: &Ctx<'_>, input: UserNameInput) -> Result<Empty, AwsError> {
    cx.authorize("iam:DeleteUser", &user_arn(cx, &input.user_name))?;
    cx.app
        .store
        .delete_user(cx.account_id(), &input.user_name)
        .await?;
    Ok(Empty)
}

/// What IAM answers when an action that defaults to "the calling user" is called by a
/// role session, which is no user.
pub(crate) fn non_user_credentials() -> AwsError {
    aws_error!(
        ValidationError,
        "Must specify userName when calling with non-User credentials"
    )
}

/// The ARN of a user as authorization sees it: with its real path when the data plane
/// knows the user, else with `/`.
pub(crate) fn user_arn(cx: &Ctx<'_>, user_name: &str) -> String {
    let account = cx.account_id();
    let user = cx.app.view.user_by_name(account, user_name);
    arn_of(account, user.as_deref(), user_name).into_owned()
}

/// The user's ARN, or for a user that is not there the one it would have at path `/`.
fn arn_of<'u>(account_id: &str, user: Option<&'u UserRecord>, user_name: &str) -> Cow<'u, str> {
    match user {
        Some(user) => Cow::Borrowed(&user.arn),
        None => Cow::Owned(arn::user(account_id, "/", user_name)),
    }
}

/// `PermissionsBoundary`, when the entity has one.
pub(crate) fn write_boundary(w: &mut XmlWriter, boundary: Option<&str>) {
    if let Some(arn) = boundary {
        w.open("PermissionsBoundary");
        w.field("PermissionsBoundaryType", "PermissionsBoundaryPolicy");
        w.field("PermissionsBoundaryArn", arn);
        w.close("PermissionsBoundary");
    }
}

/// The members of the `User` shape that every action returns.
pub(crate) fn write_user(w: &mut XmlWriter, user: &impl UserShape) {
    w.field("Path", user.path());
    w.field("UserName", user.user_name());
    w.field("UserId", user.user_id());
    w.field("Arn", user.arn());
    w.date_field("CreateDate", user.created_at());
}

/// What [`write_user`] writes, from a stored user or from the view's record (a listing
/// writes the records themselves, rather than copies of every string of 100 users).
pub(crate) trait UserShape {
    fn path(&self) -> &str;
    fn user_name(&self) -> &str;
    fn user_id(&self) -> &str;
    fn arn(&self) -> &str;
    fn created_at(&self) -> OffsetDateTime;
}

impl UserShape for User {
    fn path(&self) -> &str {
        &self.path
    }
    fn user_name(&self) -> &str {
        &self.user_name
    }
    fn user_id(&self) -> &str {
        &self.user_id
    }
    fn arn(&self) -> &str {
        &self.arn
    }
    fn created_at(&self) -> OffsetDateTime {
        self.created_at
    }
}

impl UserShape for Arc<UserRecord> {
    fn path(&self) -> &str {
        &self.path
    }
    fn user_name(&self) -> &str {
        &self.user_name
    }
    fn user_id(&self) -> &str {
        &self.user_id
    }
    fn arn(&self) -> &str {
        &self.arn
    }
    fn created_at(&self) -> OffsetDateTime {
        self.created_at
    }
}

/// The root user as a `User`: it has no name or path, so AWS gives its ID (the account's),
/// ARN and creation date only.
pub(crate) fn write_root_user(w: &mut XmlWriter, account_id: &str, created_at: OffsetDateTime) {
    w.field("UserId", account_id);
    w.field("Arn", &arn::root(account_id));
    w.field("CreateDate", &iso8601(created_at));
}

pub(crate) fn write_tags(w: &mut XmlWriter, tags: &[Tag]) {
    if !tags.is_empty() {
        w.members("Tags", tags, write_tag);
    }
}

/// [`write_tags`] for tags as the data plane keeps them, `(key, value)`.
pub(crate) fn write_tag_pairs(w: &mut XmlWriter, tags: &[(String, String)]) {
    if !tags.is_empty() {
        w.members("Tags", tags, |w, (key, value)| {
            write_key_value(w, key, value)
        });
    }
}

pub(crate) fn write_tag(w: &mut XmlWriter, tag: &Tag) {
    write_key_value(w, &tag.key, &tag.value);
}

fn write_key_value(w: &mut XmlWriter, key: &str, value: &str) {
    w.field("Key", key);
    w.field("Value", value);
}

/// `IsTruncated`, and the `Marker` to continue from when it is true.
pub(crate) fn write_truncation(w: &mut XmlWriter, marker: Option<&str>) {
    w.bool_field("IsTruncated", marker.is_some());
    w.opt_field("Marker", marker);
}
