//! IAM roles: identities that callers assume through STS, guarded by a trust policy.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles.html>

use std::sync::Arc;

use super::PathListing;
use super::identity_policies::role_arn;
use super::policies::encode_document;
use super::shapes::{
    ARN, MAX_SESSION_DURATION, PATH, POLICY_DOCUMENT, ROLE_DESCRIPTION, ROLE_NAME, check_tag_keys,
    read_tags,
};
use super::users::{write_boundary, write_tags, write_truncation};
use crate::api::{Ctx, FromQuery, RequestKeys};
use crate::arn;
use crate::aws_error;
use crate::clock::iso8601;
use crate::error::{AwsError, ErrorCode};
use crate::policy::{
    Policy, PolicyError, PolicyKind, PrincipalField, SizeQuota, check_size, policy_size,
};
use crate::protocol::query::{Input, Params};
use crate::protocol::xml::{Empty, ToXml, XmlWriter};
use crate::store::{NewRole, Role, Tag};

/// A trust policy may be 2,048 characters by default (AWS lets accounts raise it).
const TRUST_POLICY_QUOTA: SizeQuota = SizeQuota::TrustPolicy { limit: 2048 };

/// Validates a trust policy: the grammar (it must name principals), then its size quota.
pub(crate) fn parse_trust(document: &str) -> Result<Arc<Policy>, AwsError> {
    let parsed = Policy::parse(document, PolicyKind::Trust)?;
    check_size(policy_size(document), TRUST_POLICY_QUOTA)
        .map_err(|e| AwsError::new(ErrorCode::LimitExceeded, e.message()))?;
    Ok(Arc::new(parsed))
}

/// IAM refuses a trust policy naming a user or role that does not exist: it stores the
/// principal's unique id, not its ARN. iamlocal checks the accounts it holds; an ARN in any
/// other account, an account (`123456789012`, `…:root`), a session ARN and `Service` or
/// `Federated` principals are taken as written.
async fn check_principals_exist(cx: &Ctx<'_>, trust: &Policy) -> Result<(), AwsError> {
    for (field, value) in trust.principals() {
        if field != PrincipalField::Aws {
            continue;
        }
        let Some((account_id, role, path, name)) = iam_principal(value) else {
            continue;
        };
        let store = &cx.app.store;
        if store.account_exists(account_id).await?
            && !store
                .principal_exists(account_id, role, &path, name)
                .await?
        {
            return Err(PolicyError::invalid_principal(field.as_str(), value).into());
        }
    }
    Ok(())
}

/// `arn:aws:iam::ACCOUNT:user/PATH/NAME` (or `role/…`) → the account, whether it is a role,
/// the path (`/PATH/`) and the name.
fn iam_principal(arn: &str) -> Option<(&str, bool, String, &str)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account_id, resource) = rest.split_once(':')?;
    let (role, rest) = match resource.split_once('/')? {
        ("user", rest) => (false, rest),
        ("role", rest) => (true, rest),
        _ => return None,
    };
    let (path, name) = match rest.rsplit_once('/') {
        Some((path, name)) => (format!("/{path}/"), name),
        None => ("/".to_owned(), rest),
    };
    Some((account_id, role, path, name))
}

pub struct CreateRoleInput {
    role_name: String,
    path: String,
    trust_policy: String,
    description: Option<String>,
    max_session_duration: i64,
    permissions_boundary: Option<String>,
    tags: Vec<Tag>,
}

impl FromQuery for CreateRoleInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let role_name = input.required("RoleName", &ROLE_NAME);
        let path = input.string("Path", &PATH);
        let trust_policy = input.required("AssumeRolePolicyDocument", &POLICY_DOCUMENT);
        let description = input.string("Description", &ROLE_DESCRIPTION);
        let (min, max) = MAX_SESSION_DURATION;
        let max_session_duration = input.integer("MaxSessionDuration", min, max);
        let permissions_boundary = input.string("PermissionsBoundary", &ARN);
        let tags = read_tags(&mut input);
        input.finish()?;
        check_tag_keys(&tags)?;
        Ok(CreateRoleInput {
            role_name,
            path: path.unwrap_or_else(|| "/".into()),
            trust_policy,
            description,
            max_session_duration: max_session_duration.unwrap_or(min),
            permissions_boundary,
            tags,
        })
    }
}

/// A role as `GetRole`, `CreateRole` and `UpdateRoleDescription` show it.
pub struct RoleOutput {
    role: Role,
}

impl RoleOutput {
    pub(crate) fn new(role: Role) -> Self {
        RoleOutput { role }
    }
}

impl ToXml for RoleOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        let role = &self.role;
        w.open("Role");
        write_role(w, role);
        write_boundary(w, role.permissions_boundary.as_deref());
        write_tags(w, &role.tags);
        w.open("RoleLastUsed");
        if let Some((at, region)) = &role.last_used {
            w.field("LastUsedDate", &iso8601(*at));
            w.field("Region", region);
        }
        w.close("RoleLastUsed");
        w.close("Role");
    }
}

pub async fn create_role(cx: &Ctx<'_>, input: CreateRoleInput) -> Result<RoleOutput, AwsError> {
    let account = cx.account_id();
    let keys = RequestKeys::default()
        .boundary(input.permissions_boundary.as_deref())
        .tags(&input.tags);
    cx.authorize_with(
        "iam:CreateRole",
        &arn::role(account, &input.path, &input.role_name),
        keys,
    )?;
    if crate::store::is_service_linked(&input.path) {
        return Err(aws_error!(
            InvalidInput,
            "Path prefix '/aws-service-role/' can only be used for AWS Service linked Roles"
        ));
    }
    let parsed_trust = parse_trust(&input.trust_policy)?;
    check_principals_exist(cx, &parsed_trust).await?;
    let role = cx
        .app
        .store
        .create_role(
            account,
            NewRole {
                role_name: &input.role_name,
                path: &input.path,
                trust_policy: &input.trust_policy,
                parsed_trust,
                description: input.description.as_deref(),
                max_session_duration: input.max_session_duration,
                permissions_boundary: input.permissions_boundary.as_deref(),
                tags: &input.tags,
            },
            cx.now(),
        )
        .await?;
    Ok(RoleOutput { role })
}

/// The input of every action that names one role and nothing else.
pub struct RoleNameInput {
    role_name: String,
}

impl RoleNameInput {
    pub(crate) fn role_name(&self) -> &str {
        &self.role_name
    }
}

impl FromQuery for RoleNameInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let role_name = input.required("RoleName", &ROLE_NAME);
        input.finish()?;
        Ok(RoleNameInput { role_name })
    }
}

pub async fn get_role(cx: &Ctx<'_>, input: RoleNameInput) -> Result<RoleOutput, AwsError> {
    cx.authorize("iam:GetRole", &role_arn(cx, &input.role_name))?;
    let role = cx.app.store.role(cx.account_id(), &input.role_name).await?;
    Ok(RoleOutput { role })
}

pub async fn delete_role(cx: &Ctx<'_>, input: RoleNameInput) -> Result<Empty, AwsError> {
    cx.authorize("iam:DeleteRole", &role_arn(cx, &input.role_name))?;
    cx.app
        .store
        .delete_role(cx.account_id(), &input.role_name)
        .await?;
    Ok(Empty)
}

pub struct ListRolesOutput {
    roles: Vec<Role>,
    marker: Option<String>,
}

impl ToXml for ListRolesOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        // ListRoles leaves out tags, boundaries and last use, as AWS does.
        w.members("Roles", &self.roles, write_role);
        write_truncation(w, self.marker.as_deref());
    }
}

pub async fn list_roles(cx: &Ctx<'_>, input: PathListing) -> Result<ListRolesOutput, AwsError> {
    let account = cx.account_id();
    cx.authorize("iam:ListRoles", &format!("arn:aws:iam::{account}:role/"))?;
    let page = cx
        .app
        .store
        .list_roles(
            account,
            &input.path_prefix,
            input.marker.as_deref(),
            input.max_items,
        )
        .await?;
    Ok(ListRolesOutput {
        roles: page.items,
        marker: page.marker,
    })
}

pub struct UpdateRoleInput {
    role_name: String,
    description: Option<String>,
    max_session_duration: Option<i64>,
}

impl FromQuery for UpdateRoleInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let role_name = input.required("RoleName", &ROLE_NAME);
        let description = input.string("Description", &ROLE_DESCRIPTION);
        let (min, max) = MAX_SESSION_DURATION;
        let max_session_duration = input.integer("MaxSessionDuration", min, max);
        input.finish()?;
        Ok(UpdateRoleInput {
            role_name,
            description,
            max_session_duration,
        })
    }
}

pub async fn update_role(cx: &Ctx<'_>, input: UpdateRoleInput) -> Result<Empty, AwsError> {
    cx.authorize("iam:UpdateRole", &role_arn(cx, &input.role_name))?;
    cx.app
        .store
        .update_role(
            cx.account_id(),
            &input.role_name,
            input.description.as_deref(),
            input.max_session_duration,
        )
        .await?;
    Ok(Empty)
}

pub struct UpdateRoleDescriptionInput {
    role_name: String,
    description: String,
}

impl FromQuery for UpdateRoleDescriptionInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let role_name = input.required("RoleName", &ROLE_NAME);
        let description = input.required("Description", &ROLE_DESCRIPTION);
        input.finish()?;
        Ok(UpdateRoleDescriptionInput {
            role_name,
            description,
        })
    }
}

pub async fn update_role_description(
    cx: &Ctx<'_>,
    input: UpdateRoleDescriptionInput,
) -> Result<RoleOutput, AwsError> {
    cx.authorize("iam:UpdateRoleDescription", &role_arn(cx, &input.role_name))?;
    let store = &cx.app.store;
    store
        .update_role(
            cx.account_id(),
            &input.role_name,
            Some(&input.description),
            None,
        )
        .await?;
    let role = store.role(cx.account_id(), &input.role_name).await?;
    Ok(RoleOutput { role })
}

pub struct UpdateAssumeRolePolicyInput {
    role_name: String,
    document: String,
}

impl FromQuery for UpdateAssumeRolePolicyInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let role_name = input.required("RoleName", &ROLE_NAME);
        let document = input.required("PolicyDocument", &POLICY_DOCUMENT);
        input.finish()?;
        Ok(UpdateAssumeRolePolicyInput {
            role_name,
            document,
        })
    }
}

pub async fn update_assume_role_policy(
    cx: &Ctx<'_>,
    input: UpdateAssumeRolePolicyInput,
) -> Result<Empty, AwsError> {
    cx.authorize(
        "iam:UpdateAssumeRolePolicy",
        &role_arn(cx, &input.role_name),
    )?;
    let parsed = parse_trust(&input.document)?;
    check_principals_exist(cx, &parsed).await?;
    cx.app
        .store
        .update_trust_policy(cx.account_id(), &input.role_name, &input.document, parsed)
        .await?;
    Ok(Empty)
}

/// The members of the `Role` shape that every action returns.
pub(crate) fn write_role(w: &mut XmlWriter, role: &Role) {
    w.field("Path", &role.path);
    w.field("RoleName", &role.role_name);
    w.field("RoleId", &role.role_id);
    w.field("Arn", &role.arn);
    w.field("CreateDate", &iso8601(role.created_at));
    w.field(
        "AssumeRolePolicyDocument",
        &encode_document(&role.trust_policy),
    );
    w.opt_field("Description", role.description.as_deref());
    w.num_field("MaxSessionDuration", role.max_session_duration);
}
