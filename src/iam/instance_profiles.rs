//! Instance profiles: how EC2 hands a role to an instance. A profile holds at most one role.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2_instance-profiles.html>

use super::PathListing;
use super::identity_policies::role_arn;
use super::roles::write_role;
use super::shapes::{INSTANCE_PROFILE_NAME, MARKER, PATH, ROLE_NAME, check_tag_keys, read_tags};
use super::tagging::{Named, Taggable};
use super::users::{DEFAULT_MAX_ITEMS, write_tags, write_truncation};
use crate::api::{Ctx, FromQuery, RequestKeys};
use crate::arn;
use crate::clock::iso8601;
use crate::error::AwsError;
use crate::protocol::query::{Input, Params, Shape};
use crate::protocol::xml::{Empty, ToXml, XmlWriter};
use crate::store::{InstanceProfile, Store, Tag};

/// Instance profiles for the generic tag actions (`TagInstanceProfile` …).
pub struct InstanceProfileKind;

impl Named for InstanceProfileKind {
    const NAME_PARAM: &'static str = "InstanceProfileName";
    const NAME_SHAPE: Shape = INSTANCE_PROFILE_NAME;
    const NOUN: &'static str = "InstanceProfile";

    async fn arn(cx: &Ctx<'_>, name: &str) -> Result<String, AwsError> {
        profile_arn(cx, name).await
    }
}

impl Taggable for InstanceProfileKind {
    async fn tag(store: &Store, account: &str, name: &str, tags: &[Tag]) -> Result<(), AwsError> {
        store.tag_instance_profile(account, name, tags).await
    }

    async fn untag(
        store: &Store,
        account: &str,
        name: &str,
        keys: &[String],
    ) -> Result<(), AwsError> {
        store.untag_instance_profile(account, name, keys).await
    }

    async fn tags(store: &Store, account: &str, name: &str) -> Result<Vec<Tag>, AwsError> {
        Ok(store.instance_profile(account, name).await?.tags)
    }
}

/// The ARN of a profile as authorization sees it: with its real path when it exists, else
/// with `/`.
async fn profile_arn(cx: &Ctx<'_>, name: &str) -> Result<String, AwsError> {
    let account = cx.account_id();
    let path = cx.app.store.instance_profile_path(account, name).await?;
    Ok(arn::instance_profile(
        account,
        path.as_deref().unwrap_or("/"),
        name,
    ))
}

pub struct CreateInstanceProfileInput {
    name: String,
    path: String,
    tags: Vec<Tag>,
}

impl FromQuery for CreateInstanceProfileInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let name = input.required("InstanceProfileName", &INSTANCE_PROFILE_NAME);
        let path = input.string("Path", &PATH);
        let tags = read_tags(&mut input);
        input.finish()?;
        check_tag_keys(&tags)?;
        Ok(CreateInstanceProfileInput {
            name,
            path: path.unwrap_or_else(|| "/".into()),
            tags,
        })
    }
}

/// A profile as `CreateInstanceProfile` and `GetInstanceProfile` show it.
pub struct InstanceProfileOutput {
    profile: InstanceProfile,
}

impl ToXml for InstanceProfileOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.open("InstanceProfile");
        write_profile(w, &self.profile);
        write_tags(w, &self.profile.tags);
        w.close("InstanceProfile");
    }
}

pub async fn create_instance_profile(
    cx: &Ctx<'_>,
    input: CreateInstanceProfileInput,
) -> Result<InstanceProfileOutput, AwsError> {
    let account = cx.account_id();
    cx.authorize_with(
        "iam:CreateInstanceProfile",
        &arn::instance_profile(account, &input.path, &input.name),
        RequestKeys::default().tags(&input.tags),
    )?;
    let profile = cx
        .app
        .store
        .create_instance_profile(account, &input.name, &input.path, &input.tags, cx.now())
        .await?;
    Ok(InstanceProfileOutput { profile })
}

/// The input of every action that names one instance profile and nothing else.
pub struct InstanceProfileNameInput {
    name: String,
}

impl FromQuery for InstanceProfileNameInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let name = input.required("InstanceProfileName", &INSTANCE_PROFILE_NAME);
        input.finish()?;
        Ok(InstanceProfileNameInput { name })
    }
}

pub async fn get_instance_profile(
    cx: &Ctx<'_>,
    input: InstanceProfileNameInput,
) -> Result<InstanceProfileOutput, AwsError> {
    cx.authorize(
        "iam:GetInstanceProfile",
        &profile_arn(cx, &input.name).await?,
    )?;
    let profile = cx
        .app
        .store
        .instance_profile(cx.account_id(), &input.name)
        .await?;
    Ok(InstanceProfileOutput { profile })
}

pub async fn delete_instance_profile(
    cx: &Ctx<'_>,
    input: InstanceProfileNameInput,
) -> Result<Empty, AwsError> {
    cx.authorize(
        "iam:DeleteInstanceProfile",
        &profile_arn(cx, &input.name).await?,
    )?;
    cx.app
        .store
        .delete_instance_profile(cx.account_id(), &input.name)
        .await?;
    Ok(Empty)
}

pub struct ListInstanceProfilesOutput {
    profiles: Vec<InstanceProfile>,
    marker: Option<String>,
}

impl ToXml for ListInstanceProfilesOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        // Listings leave out tags, as AWS does.
        w.members("InstanceProfiles", &self.profiles, write_profile);
        write_truncation(w, self.marker.as_deref());
    }
}

pub async fn list_instance_profiles(
    cx: &Ctx<'_>,
    input: PathListing,
) -> Result<ListInstanceProfilesOutput, AwsError> {
    let account = cx.account_id();
    cx.authorize(
        "iam:ListInstanceProfiles",
        &arn::instance_profile(account, "/", ""),
    )?;
    let page = cx
        .app
        .store
        .list_instance_profiles(
            account,
            &input.path_prefix,
            input.marker.as_deref(),
            input.max_items,
        )
        .await?;
    Ok(ListInstanceProfilesOutput {
        profiles: page.items,
        marker: page.marker,
    })
}

pub struct ListForRoleInput {
    role_name: String,
    marker: Option<String>,
    max_items: usize,
}

impl FromQuery for ListForRoleInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let role_name = input.required("RoleName", &ROLE_NAME);
        let marker = input.string("Marker", &MARKER);
        let max_items = input.integer("MaxItems", 1, 1000);
        input.finish()?;
        Ok(ListForRoleInput {
            role_name,
            marker,
            max_items: max_items.unwrap_or(DEFAULT_MAX_ITEMS) as usize,
        })
    }
}

pub async fn list_instance_profiles_for_role(
    cx: &Ctx<'_>,
    input: ListForRoleInput,
) -> Result<ListInstanceProfilesOutput, AwsError> {
    cx.authorize(
        "iam:ListInstanceProfilesForRole",
        &role_arn(cx, &input.role_name),
    )?;
    let page = cx
        .app
        .store
        .instance_profiles_for_role(
            cx.account_id(),
            &input.role_name,
            input.marker.as_deref(),
            input.max_items,
        )
        .await?;
    Ok(ListInstanceProfilesOutput {
        profiles: page.items,
        marker: page.marker,
    })
}

pub struct ProfileRoleInput {
    name: String,
    role_name: String,
}

impl FromQuery for ProfileRoleInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let name = input.required("InstanceProfileName", &INSTANCE_PROFILE_NAME);
        let role_name = input.required("RoleName", &ROLE_NAME);
        input.finish()?;
        Ok(ProfileRoleInput { name, role_name })
    }
}

/// Putting a role in a profile hands it to whoever launches instances with the profile,
/// so AWS also requires `iam:PassRole` on the role.
pub async fn add_role_to_instance_profile(
    cx: &Ctx<'_>,
    input: ProfileRoleInput,
) -> Result<Empty, AwsError> {
    cx.authorize(
        "iam:AddRoleToInstanceProfile",
        &profile_arn(cx, &input.name).await?,
    )?;
    cx.authorize("iam:PassRole", &role_arn(cx, &input.role_name))?;
    cx.app
        .store
        .add_role_to_instance_profile(cx.account_id(), &input.name, &input.role_name)
        .await?;
    Ok(Empty)
}

pub async fn remove_role_from_instance_profile(
    cx: &Ctx<'_>,
    input: ProfileRoleInput,
) -> Result<Empty, AwsError> {
    cx.authorize(
        "iam:RemoveRoleFromInstanceProfile",
        &profile_arn(cx, &input.name).await?,
    )?;
    cx.app
        .store
        .remove_role_from_instance_profile(cx.account_id(), &input.name, &input.role_name)
        .await?;
    Ok(Empty)
}

/// The members of the `InstanceProfile` shape that every action returns, with the role in
/// full.
pub(crate) fn write_profile(w: &mut XmlWriter, profile: &InstanceProfile) {
    w.field("Path", &profile.path);
    w.field("InstanceProfileName", &profile.instance_profile_name);
    w.field("InstanceProfileId", &profile.instance_profile_id);
    w.field("Arn", &profile.arn);
    w.field("CreateDate", &iso8601(profile.created_at));
    w.members("Roles", &profile.roles, write_role);
}
