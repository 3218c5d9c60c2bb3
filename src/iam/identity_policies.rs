//! The permissions of users, roles and groups: inline policies and attached managed policies.
//! The same actions exist for each (`PutUserPolicy`, `PutRolePolicy`, `PutGroupPolicy` …);
//! each handler here serves all three, told apart by an [`OwnerKind`].
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html>

use std::marker::PhantomData;
use std::sync::Arc;

use super::policies::encode_document;
use super::shapes::{
    ARN, EXISTING_USER_NAME, GROUP_NAME, MARKER, POLICY_DOCUMENT, POLICY_NAME, POLICY_PATH,
    ROLE_NAME,
};
use super::users::{DEFAULT_MAX_ITEMS, user_arn, write_truncation};
use crate::api::{Ctx, FromQuery, RequestKeys};
use crate::arn;
use crate::error::AwsError;
use crate::policy::{Policy, PolicyKind};
use crate::protocol::query::{Input, Params, Shape};
use crate::protocol::xml::{Empty, ToXml, XmlWriter};
use crate::store::Owner;

/// Users or roles: how requests name them, and how authorization sees them.
pub trait OwnerKind: Send + Sync + 'static {
    /// `UserName` or `RoleName`, in requests and responses.
    const NAME_PARAM: &'static str;
    const NAME_SHAPE: Shape;
    /// `User` or `Role`, as in the action names (`iam:PutUserPolicy`).
    const NOUN: &'static str;
    fn owner(name: &str) -> Owner<'_>;
    fn arn(cx: &Ctx<'_>, name: &str) -> String;
}

pub struct UserKind;

impl OwnerKind for UserKind {
    const NAME_PARAM: &'static str = "UserName";
    const NAME_SHAPE: Shape = EXISTING_USER_NAME;
    const NOUN: &'static str = "User";

    fn owner(name: &str) -> Owner<'_> {
        Owner::User(name)
    }

    fn arn(cx: &Ctx<'_>, name: &str) -> String {
        user_arn(cx, name)
    }
}

pub struct RoleKind;

impl OwnerKind for RoleKind {
    const NAME_PARAM: &'static str = "RoleName";
    const NAME_SHAPE: Shape = ROLE_NAME;
    const NOUN: &'static str = "Role";

    fn owner(name: &str) -> Owner<'_> {
        Owner::Role(name)
    }

    fn arn(cx: &Ctx<'_>, name: &str) -> String {
        role_arn(cx, name)
    }
}

pub struct GroupKind;

impl OwnerKind for GroupKind {
    const NAME_PARAM: &'static str = "GroupName";
    const NAME_SHAPE: Shape = GROUP_NAME;
    const NOUN: &'static str = "Group";

    fn owner(name: &str) -> Owner<'_> {
        Owner::Group(name)
    }

    fn arn(cx: &Ctx<'_>, name: &str) -> String {
        super::groups::group_arn(cx, name)
    }
}

/// The ARN of a role as authorization sees it: with its real path when the data plane
/// knows the role, else with `/`.
pub(crate) fn role_arn(cx: &Ctx<'_>, role_name: &str) -> String {
    let account = cx.account_id();
    match cx.app.view.role_by_name(account, role_name) {
        Some(role) => role.arn.clone(),
        None => arn::role(account, "/", role_name),
    }
}

/// Authorizes `iam:{verb}{User|Role}{object}` on the owner.
fn authorize<K: OwnerKind>(
    cx: &Ctx<'_>,
    verb: &str,
    object: &str,
    name: &str,
) -> Result<(), AwsError> {
    cx.authorize(&format!("iam:{verb}{}{object}", K::NOUN), &K::arn(cx, name))
}

pub struct PutPolicyInput<K> {
    name: String,
    policy_name: String,
    document: String,
    kind: PhantomData<K>,
}

impl<K: OwnerKind> FromQuery for PutPolicyInput<K> {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let name = input.required(K::NAME_PARAM, &K::NAME_SHAPE);
        let policy_name = input.required("PolicyName", &POLICY_NAME);
        let document = input.required("PolicyDocument", &POLICY_DOCUMENT);
        input.finish()?;
        Ok(PutPolicyInput {
            name,
            policy_name,
            document,
            kind: PhantomData,
        })
    }
}

pub async fn put_policy<K: OwnerKind>(
    cx: &Ctx<'_>,
    input: PutPolicyInput<K>,
) -> Result<Empty, AwsError> {
    authorize::<K>(cx, "Put", "Policy", &input.name)?;
    let parsed = Policy::parse(&input.document, PolicyKind::Identity { managed: false })?;
    cx.app
        .store
        .put_inline_policy(
            cx.account_id(),
            K::owner(&input.name),
            &input.policy_name,
            &input.document,
            Arc::new(parsed),
        )
        .await?;
    Ok(Empty)
}

pub struct PolicyNameInput<K> {
    name: String,
    policy_name: String,
    kind: PhantomData<K>,
}

impl<K: OwnerKind> FromQuery for PolicyNameInput<K> {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let name = input.required(K::NAME_PARAM, &K::NAME_SHAPE);
        let policy_name = input.required("PolicyName", &POLICY_NAME);
        input.finish()?;
        Ok(PolicyNameInput {
            name,
            policy_name,
            kind: PhantomData,
        })
    }
}

pub struct GetPolicyOutput<K> {
    name: String,
    policy_name: String,
    document: String,
    kind: PhantomData<K>,
}

impl<K: OwnerKind> ToXml for GetPolicyOutput<K> {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.field(K::NAME_PARAM, &self.name);
        w.field("PolicyName", &self.policy_name);
        w.field("PolicyDocument", &encode_document(&self.document));
    }
}

pub async fn get_policy<K: OwnerKind>(
    cx: &Ctx<'_>,
    input: PolicyNameInput<K>,
) -> Result<GetPolicyOutput<K>, AwsError> {
    authorize::<K>(cx, "Get", "Policy", &input.name)?;
    let (policy_name, document) = cx
        .app
        .store
        .inline_policy(cx.account_id(), K::owner(&input.name), &input.policy_name)
        .await?;
    Ok(GetPolicyOutput {
        name: input.name,
        policy_name,
        document,
        kind: PhantomData,
    })
}

pub async fn delete_policy<K: OwnerKind>(
    cx: &Ctx<'_>,
    input: PolicyNameInput<K>,
) -> Result<Empty, AwsError> {
    authorize::<K>(cx, "Delete", "Policy", &input.name)?;
    cx.app
        .store
        .delete_inline_policy(cx.account_id(), K::owner(&input.name), &input.policy_name)
        .await?;
    Ok(Empty)
}

/// The input of listings about one owner, paged by a marker.
pub struct ListingInput<K> {
    name: String,
    path_prefix: String,
    marker: Option<String>,
    max_items: usize,
    kind: PhantomData<K>,
}

impl<K: OwnerKind> FromQuery for ListingInput<K> {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let name = input.required(K::NAME_PARAM, &K::NAME_SHAPE);
        let path_prefix = input.string("PathPrefix", &POLICY_PATH);
        let marker = input.string("Marker", &MARKER);
        let max_items = input.integer("MaxItems", 1, 1000);
        input.finish()?;
        Ok(ListingInput {
            name,
            path_prefix: path_prefix.unwrap_or_else(|| "/".into()),
            marker,
            max_items: max_items.unwrap_or(DEFAULT_MAX_ITEMS) as usize,
            kind: PhantomData,
        })
    }
}

impl<K> ListingInput<K> {
    /// One page of a short list (an owner has at most a few dozen policies), by name.
    fn page<T: Clone>(
        &self,
        items: &[T],
        name: impl Fn(&T) -> String,
    ) -> Result<(Vec<T>, Option<String>), AwsError> {
        super::page_by_key(items, name, self.marker.as_deref(), self.max_items)
    }
}

pub struct ListPoliciesOutput {
    names: Vec<String>,
    marker: Option<String>,
}

impl ToXml for ListPoliciesOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.members("PolicyNames", &self.names, |w, name| w.text(name));
        write_truncation(w, self.marker.as_deref());
    }
}

pub async fn list_policies<K: OwnerKind>(
    cx: &Ctx<'_>,
    input: ListingInput<K>,
) -> Result<ListPoliciesOutput, AwsError> {
    authorize::<K>(cx, "List", "Policies", &input.name)?;
    let names = cx
        .app
        .store
        .list_inline_policies(cx.account_id(), K::owner(&input.name))
        .await?;
    let (names, marker) = input.page(&names, String::clone)?;
    Ok(ListPoliciesOutput { names, marker })
}

pub struct AttachmentInput<K> {
    name: String,
    policy_arn: String,
    kind: PhantomData<K>,
}

impl<K: OwnerKind> FromQuery for AttachmentInput<K> {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let name = input.required(K::NAME_PARAM, &K::NAME_SHAPE);
        let policy_arn = input.required("PolicyArn", &ARN);
        input.finish()?;
        Ok(AttachmentInput {
            name,
            policy_arn,
            kind: PhantomData,
        })
    }
}

pub async fn attach_policy<K: OwnerKind>(
    cx: &Ctx<'_>,
    input: AttachmentInput<K>,
) -> Result<Empty, AwsError> {
    cx.authorize_with(
        &format!("iam:Attach{}Policy", K::NOUN),
        &K::arn(cx, &input.name),
        RequestKeys::default().policy_arn(&input.policy_arn),
    )?;
    cx.app
        .store
        .attach_policy(cx.account_id(), K::owner(&input.name), &input.policy_arn)
        .await?;
    Ok(Empty)
}

pub async fn detach_policy<K: OwnerKind>(
    cx: &Ctx<'_>,
    input: AttachmentInput<K>,
) -> Result<Empty, AwsError> {
    cx.authorize_with(
        &format!("iam:Detach{}Policy", K::NOUN),
        &K::arn(cx, &input.name),
        RequestKeys::default().policy_arn(&input.policy_arn),
    )?;
    cx.app
        .store
        .detach_policy(cx.account_id(), K::owner(&input.name), &input.policy_arn)
        .await?;
    Ok(Empty)
}

pub struct ListAttachedOutput {
    attached: Vec<(String, String)>,
    marker: Option<String>,
}

impl ToXml for ListAttachedOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.members("AttachedPolicies", &self.attached, |w, (name, arn)| {
            w.field("PolicyName", name);
            w.field("PolicyArn", arn);
        });
        write_truncation(w, self.marker.as_deref());
    }
}

pub async fn list_attached<K: OwnerKind>(
    cx: &Ctx<'_>,
    input: ListingInput<K>,
) -> Result<ListAttachedOutput, AwsError> {
    authorize::<K>(cx, "ListAttached", "Policies", &input.name)?;
    let attached = cx
        .app
        .store
        .list_attached_policies(cx.account_id(), K::owner(&input.name), &input.path_prefix)
        .await?;
    let (attached, marker) = input.page(&attached, |(name, _)| name.clone())?;
    Ok(ListAttachedOutput { attached, marker })
}
