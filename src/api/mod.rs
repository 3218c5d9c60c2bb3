//! The action table: each IAM and STS action iamlocal answers, its service and handler.
//!
//! A handler receives its typed input (parsed and validated by [`FromQuery`]) and the
//! request context [`Ctx`]; it authorizes, makes one store call, and returns its output,
//! which dispatch renders in the `{Action}Response` envelope.

mod catalog;
mod ctx;

pub use ctx::{CallerPolicies, Ctx, RequestKeys};

use crate::aws_error;
use crate::error::AwsError;
use crate::iam::identity_policies::{GroupKind, RoleKind, UserKind};
use crate::protocol::query::Params;
use crate::protocol::xml::{self, ToXml};
use crate::view::SessionOf;
use crate::{iam, sts};

/// The two services iamlocal speaks, told apart by the signature's credential scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Iam,
    Sts,
}

impl Service {
    pub fn from_signing_name(name: &str) -> Option<Service> {
        match name {
            "iam" => Some(Service::Iam),
            "sts" => Some(Service::Sts),
            _ => None,
        }
    }

    pub fn signing_name(self) -> &'static str {
        match self {
            Service::Iam => "iam",
            Service::Sts => "sts",
        }
    }

    pub fn version(self) -> &'static str {
        match self {
            Service::Iam => "2010-05-08",
            Service::Sts => "2011-06-15",
        }
    }

    pub fn namespace(self) -> &'static str {
        match self {
            Service::Iam => "https://iam.amazonaws.com/doc/2010-05-08/",
            Service::Sts => "https://sts.amazonaws.com/doc/2011-06-15/",
        }
    }

    fn operations(self) -> &'static [&'static str] {
        match self {
            Service::Iam => catalog::IAM_OPERATIONS,
            Service::Sts => catalog::STS_OPERATIONS,
        }
    }
}

/// A typed action input, read and validated from the request's parameters.
pub trait FromQuery: Sized {
    fn from_query(params: &Params) -> Result<Self, AwsError>;
}

macro_rules! actions {
    ($( $service:ident $name:ident => $handler:expr; )*) => {
        /// Every action iamlocal answers.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Action {
            $( $name, )*
        }

        impl Action {
            #[cfg(test)]
            const ALL: &'static [Action] = &[ $( Action::$name, )* ];

            #[cfg(test)]
            fn service(self) -> Service {
                match self {
                    $( Action::$name => Service::$service, )*
                }
            }

            fn find(service: Service, name: &str) -> Option<Action> {
                match (service, name) {
                    $( (Service::$service, stringify!($name)) => Some(Action::$name), )*
                    _ => None,
                }
            }

            pub fn name(self) -> &'static str {
                match self {
                    $( Action::$name => stringify!($name), )*
                }
            }
        }

        /// Runs the action's handler and renders its result body.
        async fn run(action: Action, cx: &Ctx<'_>, params: &Params, request_id: &str) -> Result<String, AwsError> {
            match action {
                $( Action::$name => {
                    let output = $handler(cx, FromQuery::from_query(params)?).await?;
                    Ok(render(action, cx.caller.service, request_id, &output))
                } )*
            }
        }
    };
}

actions! {
    Iam CreateUser => iam::users::create_user;
    Iam GetUser => iam::users::get_user;
    Iam ListUsers => iam::users::list_users;
    Iam UpdateUser => iam::users::update_user;
    Iam DeleteUser => iam::users::delete_user;
    Iam PutUserPermissionsBoundary => iam::tagging::put_boundary::<UserKind>;
    Iam DeleteUserPermissionsBoundary => iam::tagging::delete_boundary::<UserKind>;
    Iam TagUser => iam::tagging::tag::<UserKind>;
    Iam UntagUser => iam::tagging::untag::<UserKind>;
    Iam ListUserTags => iam::tagging::list_tags::<UserKind>;
    Iam PutUserPolicy => iam::identity_policies::put_policy::<UserKind>;
    Iam GetUserPolicy => iam::identity_policies::get_policy::<UserKind>;
    Iam DeleteUserPolicy => iam::identity_policies::delete_policy::<UserKind>;
    Iam ListUserPolicies => iam::identity_policies::list_policies::<UserKind>;
    Iam AttachUserPolicy => iam::identity_policies::attach_policy::<UserKind>;
    Iam DetachUserPolicy => iam::identity_policies::detach_policy::<UserKind>;
    Iam ListAttachedUserPolicies => iam::identity_policies::list_attached::<UserKind>;
    Iam CreateGroup => iam::groups::create_group;
    Iam GetGroup => iam::groups::get_group;
    Iam ListGroups => iam::groups::list_groups;
    Iam ListGroupsForUser => iam::groups::list_groups_for_user;
    Iam UpdateGroup => iam::groups::update_group;
    Iam DeleteGroup => iam::groups::delete_group;
    Iam AddUserToGroup => iam::groups::add_user_to_group;
    Iam RemoveUserFromGroup => iam::groups::remove_user_from_group;
    Iam PutGroupPolicy => iam::identity_policies::put_policy::<GroupKind>;
    Iam GetGroupPolicy => iam::identity_policies::get_policy::<GroupKind>;
    Iam DeleteGroupPolicy => iam::identity_policies::delete_policy::<GroupKind>;
    Iam ListGroupPolicies => iam::identity_policies::list_policies::<GroupKind>;
    Iam AttachGroupPolicy => iam::identity_policies::attach_policy::<GroupKind>;
    Iam DetachGroupPolicy => iam::identity_policies::detach_policy::<GroupKind>;
    Iam ListAttachedGroupPolicies => iam::identity_policies::list_attached::<GroupKind>;
    Iam CreateRole => iam::roles::create_role;
    Iam GetRole => iam::roles::get_role;
    Iam ListRoles => iam::roles::list_roles;
    Iam UpdateRole => iam::roles::update_role;
    Iam UpdateRoleDescription => iam::roles::update_role_description;
    Iam UpdateAssumeRolePolicy => iam::roles::update_assume_role_policy;
    Iam DeleteRole => iam::roles::delete_role;
    Iam PutRolePermissionsBoundary => iam::tagging::put_boundary::<RoleKind>;
    Iam DeleteRolePermissionsBoundary => iam::tagging::delete_boundary::<RoleKind>;
    Iam TagRole => iam::tagging::tag::<RoleKind>;
    Iam UntagRole => iam::tagging::untag::<RoleKind>;
    Iam ListRoleTags => iam::tagging::list_tags::<RoleKind>;
    Iam PutRolePolicy => iam::identity_policies::put_policy::<RoleKind>;
    Iam GetRolePolicy => iam::identity_policies::get_policy::<RoleKind>;
    Iam DeleteRolePolicy => iam::identity_policies::delete_policy::<RoleKind>;
    Iam ListRolePolicies => iam::identity_policies::list_policies::<RoleKind>;
    Iam AttachRolePolicy => iam::identity_policies::attach_policy::<RoleKind>;
    Iam DetachRolePolicy => iam::identity_policies::detach_policy::<RoleKind>;
    Iam ListAttachedRolePolicies => iam::identity_policies::list_attached::<RoleKind>;
    Iam CreatePolicy => iam::policies::create_policy;
    Iam GetPolicy => iam::policies::get_policy;
    Iam GetPolicyVersion => iam::policies::get_policy_version;
    Iam CreatePolicyVersion => iam::policies::create_policy_version;
    Iam SetDefaultPolicyVersion => iam::policies::set_default_policy_version;
    Iam DeletePolicyVersion => iam::policies::delete_policy_version;
    Iam ListPolicyVersions => iam::policies::list_policy_versions;
    Iam DeletePolicy => iam::policies::delete_policy;
    Iam ListPolicies => iam::policies::list_policies;
    Iam CreateAccessKey => iam::access_keys::create_access_key;
    Iam ListAccessKeys => iam::access_keys::list_access_keys;
    Iam UpdateAccessKey => iam::access_keys::update_access_key;
    Iam DeleteAccessKey => iam::access_keys::delete_access_key;
    Iam GetAccessKeyLastUsed => iam::access_keys::get_access_key_last_used;
    Iam SimulateCustomPolicy => iam::simulate::simulate_custom_policy;
    Iam SimulatePrincipalPolicy => iam::simulate::simulate_principal_policy;
    Iam GetContextKeysForCustomPolicy => iam::simulate::get_context_keys_for_custom_policy;
    Iam GetContextKeysForPrincipalPolicy => iam::simulate::get_context_keys_for_principal_policy;
    Sts AssumeRole => sts::assume_role::assume_role;
    Sts GetSessionToken => sts::session_token::get_session_token;
    Sts GetCallerIdentity => sts::identity::get_caller_identity;
    Sts GetAccessKeyInfo => sts::identity::get_access_key_info;
}

fn render(action: Action, service: Service, request_id: &str, output: &dyn ToXml) -> String {
    xml::response(action.name(), service.namespace(), request_id, output)
}

/// The name of an action iamlocal answers, as a static string (for the request log).
pub fn action_name(service: Service, name: &str) -> Option<&'static str> {
    Action::find(service, name).map(Action::name)
}

/// Finds the action the parameters name, in the service the caller signed for, and runs it.
pub async fn dispatch(cx: &Ctx<'_>, params: &Params, request_id: &str) -> Result<String, AwsError> {
    let service = cx.caller.service;
    let name = params
        .action()
        .ok_or_else(|| aws_error!(MissingAction, "Missing Action"))?;
    if let Some(version) = params.get("Version")
        && version != service.version()
    {
        return Err(aws_error!(
            InvalidAction,
            "Could not find operation {name} for version {version}"
        ));
    }
    match Action::find(service, name) {
        Some(action) => {
            check_credential_kind(cx, action)?;
            run(action, cx, params, request_id).await
        }
        None if service.operations().contains(&name) => Err(aws_error!(
            NotImplemented,
            "iamlocal does not implement {name} yet."
        )),
        None => Err(aws_error!(
            InvalidAction,
            "Could not find operation {name} for version {}",
            service.version()
        )),
    }
}

/// Credentials from `GetSessionToken` without MFA cannot call IAM, and of STS only
/// `AssumeRole` and `GetCallerIdentity`, as AWS's guide on temporary credentials says.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_getsessiontoken.html>
fn check_credential_kind(cx: &Ctx<'_>, action: Action) -> Result<(), AwsError> {
    let Some(session) = &cx.caller.session else {
        return Ok(());
    };
    if !matches!(session.of, SessionOf::Caller { .. }) {
        return Ok(());
    }
    match action {
        Action::AssumeRole | Action::GetCallerIdentity | Action::GetSessionToken => Ok(()),
        // AWS (observed): IAM refuses such a token as if it were not valid at all.
        _ if cx.caller.service == Service::Iam => Err(AwsError::invalid_client_token_id()),
        _ => Err(AwsError::access_denied(format!(
            "Cannot call {} with session credentials",
            action.name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_found_only_in_their_own_service() {
        assert_eq!(
            Action::find(Service::Iam, "CreateUser"),
            Some(Action::CreateUser)
        );
        assert_eq!(Action::find(Service::Sts, "CreateUser"), None);
        assert_eq!(
            Action::find(Service::Sts, "GetCallerIdentity"),
            Some(Action::GetCallerIdentity)
        );
        assert_eq!(Action::find(Service::Iam, "createuser"), None);
    }

    #[test]
    fn every_action_is_an_operation_of_its_service_model() {
        for action in Action::ALL {
            let service = action.service();
            assert!(
                service.operations().contains(&action.name()),
                "{} is not in the {} model",
                action.name(),
                service.signing_name()
            );
            assert_eq!(Action::find(service, action.name()), Some(*action));
        }
    }
}
