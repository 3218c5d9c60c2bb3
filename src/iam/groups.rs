//! IAM groups: a user's groups lend it their policies.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_groups.html>

use super::PathListing;
use super::shapes::{EXISTING_USER_NAME, GROUP_NAME, MARKER, PATH};
use super::users::{DEFAULT_MAX_ITEMS, user_arn, write_truncation, write_user};
use crate::api::{Ctx, FromQuery};
use crate::arn;
use crate::clock::iso8601;
use crate::error::AwsError;
use crate::protocol::query::{Input, Params};
use crate::protocol::xml::{Empty, ToXml, XmlWriter};
use crate::store::{Group, User};

/// The ARN of a group as authorization sees it: with its real path when it exists.
pub(crate) fn group_arn(cx: &Ctx<'_>, group_name: &str) -> String {
    let account = cx.account_id();
    match cx.app.view.group_by_name(account, group_name) {
        Some(group) => group.arn.clone(),
        None => arn::group(account, "/", group_name),
    }
}

pub struct CreateGroupInput {
    group_name: String,
    path: String,
}

impl FromQuery for CreateGroupInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let group_name = input.required("GroupName", &GROUP_NAME);
        let path = input.string("Path", &PATH);
        input.finish()?;
        Ok(CreateGroupInput {
            group_name,
            path: path.unwrap_or_else(|| "/".into()),
        })
    }
}

pub struct GroupOutput {
    group: Group,
}

impl ToXml for GroupOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.open("Group");
        write_group(w, &self.group);
        w.close("Group");
    }
}

pub async fn create_group(cx: &Ctx<'_>, input: CreateGroupInput) -> Result<GroupOutput, AwsError> {
    let account = cx.account_id();
    cx.authorize(
        "iam:CreateGroup",
        &arn::group(account, &input.path, &input.group_name),
    )?;
    let group = cx
        .app
        .store
        .create_group(account, &input.group_name, &input.path, cx.now())
        .await?;
    Ok(GroupOutput { group })
}

pub struct GetGroupInput {
    group_name: String,
    marker: Option<String>,
    max_items: usize,
}

impl FromQuery for GetGroupInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let group_name = input.required("GroupName", &GROUP_NAME);
        let marker = input.string("Marker", &MARKER);
        let max_items = input.integer("MaxItems", 1, 1000);
        input.finish()?;
        Ok(GetGroupInput {
            group_name,
            marker,
            max_items: max_items.unwrap_or(DEFAULT_MAX_ITEMS) as usize,
        })
    }
}

pub struct GetGroupOutput {
    group: Group,
    users: Vec<User>,
    marker: Option<String>,
}

impl ToXml for GetGroupOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.open("Group");
        write_group(w, &self.group);
        w.close("Group");
        w.members("Users", &self.users, write_user);
        write_truncation(w, self.marker.as_deref());
    }
}

pub async fn get_group(cx: &Ctx<'_>, input: GetGroupInput) -> Result<GetGroupOutput, AwsError> {
    cx.authorize("iam:GetGroup", &group_arn(cx, &input.group_name))?;
    let (group, members) = cx
        .app
        .store
        .group(
            cx.account_id(),
            &input.group_name,
            input.marker.as_deref(),
            input.max_items,
        )
        .await?;
    Ok(GetGroupOutput {
        group,
        users: members.items,
        marker: members.marker,
    })
}

pub struct ListGroupsOutput {
    groups: Vec<Group>,
    marker: Option<String>,
}

impl ToXml for ListGroupsOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.members("Groups", &self.groups, write_group);
        write_truncation(w, self.marker.as_deref());
    }
}

pub async fn list_groups(cx: &Ctx<'_>, input: PathListing) -> Result<ListGroupsOutput, AwsError> {
    let account = cx.account_id();
    cx.authorize("iam:ListGroups", &arn::group(account, "/", ""))?;
    let page = cx
        .app
        .store
        .list_groups(
            account,
            &input.path_prefix,
            input.marker.as_deref(),
            input.max_items,
        )
        .await?;
    Ok(ListGroupsOutput {
        groups: page.items,
        marker: page.marker,
    })
}

pub struct ListGroupsForUserInput {
    user_name: String,
    marker: Option<String>,
    max_items: usize,
}

impl FromQuery for ListGroupsForUserInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.required("UserName", &EXISTING_USER_NAME);
        let marker = input.string("Marker", &MARKER);
        let max_items = input.integer("MaxItems", 1, 1000);
        input.finish()?;
        Ok(ListGroupsForUserInput {
            user_name,
            marker,
            max_items: max_items.unwrap_or(DEFAULT_MAX_ITEMS) as usize,
        })
    }
}

pub async fn list_groups_for_user(
    cx: &Ctx<'_>,
    input: ListGroupsForUserInput,
) -> Result<ListGroupsOutput, AwsError> {
    cx.authorize("iam:ListGroupsForUser", &user_arn(cx, &input.user_name))?;
    let page = cx
        .app
        .store
        .groups_for_user(
            cx.account_id(),
            &input.user_name,
            input.marker.as_deref(),
            input.max_items,
        )
        .await?;
    Ok(ListGroupsOutput {
        groups: page.items,
        marker: page.marker,
    })
}

pub struct UpdateGroupInput {
    group_name: String,
    new_group_name: Option<String>,
    new_path: Option<String>,
}

impl FromQuery for UpdateGroupInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let group_name = input.required("GroupName", &GROUP_NAME);
        let new_path = input.string("NewPath", &PATH);
        let new_group_name = input.string("NewGroupName", &GROUP_NAME);
        input.finish()?;
        Ok(UpdateGroupInput {
            group_name,
            new_group_name,
            new_path,
        })
    }
}

pub async fn update_group(cx: &Ctx<'_>, input: UpdateGroupInput) -> Result<Empty, AwsError> {
    cx.authorize("iam:UpdateGroup", &group_arn(cx, &input.group_name))?;
    cx.app
        .store
        .update_group(
            cx.account_id(),
            &input.group_name,
            input.new_group_name.as_deref(),
            input.new_path.as_deref(),
        )
        .await?;
    Ok(Empty)
}

pub struct GroupNameInput {
    group_name: String,
}

impl FromQuery for GroupNameInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let group_name = input.required("GroupName", &GROUP_NAME);
        input.finish()?;
        Ok(GroupNameInput { group_name })
    }
}

pub async fn delete_group(cx: &Ctx<'_>, input: GroupNameInput) -> Result<Empty, AwsError> {
    cx.authorize("iam:DeleteGroup", &group_arn(cx, &input.group_name))?;
    cx.app
        .store
        .delete_group(cx.account_id(), &input.group_name)
        .await?;
    Ok(Empty)
}

pub struct MembershipInput {
    group_name: String,
    user_name: String,
}

impl FromQuery for MembershipInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let group_name = input.required("GroupName", &GROUP_NAME);
        let user_name = input.required("UserName", &EXISTING_USER_NAME);
        input.finish()?;
        Ok(MembershipInput {
            group_name,
            user_name,
        })
    }
}

pub async fn add_user_to_group(cx: &Ctx<'_>, input: MembershipInput) -> Result<Empty, AwsError> {
    cx.authorize("iam:AddUserToGroup", &group_arn(cx, &input.group_name))?;
    cx.app
        .store
        .set_membership(cx.account_id(), &input.group_name, &input.user_name, true)
        .await?;
    Ok(Empty)
}

pub async fn remove_user_from_group(
    cx: &Ctx<'_>,
    input: MembershipInput,
) -> Result<Empty, AwsError> {
    cx.authorize("iam:RemoveUserFromGroup", &group_arn(cx, &input.group_name))?;
    cx.app
        .store
        .set_membership(cx.account_id(), &input.group_name, &input.user_name, false)
        .await?;
    Ok(Empty)
}

/// The members of the `Group` shape.
fn write_group(w: &mut XmlWriter, group: &Group) {
    w.field("Path", &group.path);
    w.field("GroupName", &group.group_name);
    w.field("GroupId", &group.group_id);
    w.field("Arn", &group.arn);
    w.field("CreateDate", &iso8601(group.created_at));
}
