//! The action table: each IAM and STS action iamlocal answers, its service and handler.
//!
//! A handler receives its typed input (parsed and validated by [`FromQuery`]) and the
//! request context [`Ctx`]; it authorizes, makes one store call, and returns its output,
//! which dispatch renders in the `{Action}Response` envelope.

mod catalog;

use std::net::IpAddr;

use crate::app::App;
use crate::auth::Caller;
use crate::aws_error;
use crate::error::AwsError;
use crate::iam::identity_policies::{RoleKind, UserKind};
use crate::policy::{self, EvaluationInput, RequestContext};
use crate::protocol::query::Params;
use crate::protocol::xml::{self, ToXml};
use crate::view::{Principal, SessionOf};
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

/// What a handler knows of its request.
pub struct Ctx<'a> {
    pub app: &'a App,
    pub caller: &'a Caller,
    /// The address the request came from (`aws:SourceIp`), when known.
    pub source_ip: Option<IpAddr>,
    pub user_agent: Option<&'a str>,
}

impl Ctx<'_> {
    pub fn account_id(&self) -> &str {
        self.caller.account_id()
    }

    pub fn now(&self) -> time::OffsetDateTime {
        self.app.clock.now()
    }

    /// Is the caller allowed `action` (e.g. `iam:CreateUser`) on `resource`?
    ///
    /// Decided by the policy engine over the data plane: the root user may do anything in
    /// its own account, everyone else what their policies allow. A denial reads as AWS's.
    pub fn authorize(&self, action: &str, resource: &str) -> Result<(), AwsError> {
        let caller = self.caller_policies(action, resource);
        let decision = policy::evaluate(&caller.request, &caller.input());
        if decision.is_allowed() {
            Ok(())
        } else {
            Err(AwsError::access_denied(policy::denial_message(
                &caller.request,
                &decision,
            )))
        }
    }

    /// The request context of the caller doing `action` on `resource`, with the caller's
    /// own policies: what every authorization starts from.
    pub fn caller_policies(&self, action: &str, resource: &str) -> CallerPolicies {
        let view = &self.app.view;
        let caller = self.caller;
        let user_id = caller.user_id();
        let (principal, owner_id, mut tags) = match &caller.principal {
            Principal::Root { account_id } => {
                (policy::Principal::root(account_id), None, Vec::new())
            }
            Principal::User(user) => (
                policy::Principal::user(&user.arn, &user.user_id),
                Some(user.user_id.clone()),
                user.tags.clone(),
            ),
            Principal::AssumedRole(session) => {
                let SessionOf::Role {
                    role_id, role_arn, ..
                } = &session.of
                else {
                    unreachable!("only role sessions are assumed-role principals")
                };
                let role_tags = view
                    .role(role_id)
                    .map(|r| r.tags.clone())
                    .unwrap_or_default();
                (
                    policy::Principal::assumed_role(&caller.arn(), role_arn, &user_id),
                    Some(role_id.clone()),
                    role_tags,
                )
            }
        };
        let mut request = RequestContext::new(action, resource, principal);
        self.add_global_keys(&mut request);
        if let Some(session) = &caller.session {
            // Session tags override the principal's own tags of the same key.
            for (key, value) in &session.tags {
                tags.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
                tags.push((key.clone(), value.clone()));
            }
            request.insert(
                "aws:TokenIssueTime",
                crate::clock::iso8601(session.issued_at),
            );
            request.insert("aws:MultiFactorAuthPresent", false);
            if let Some(source_identity) = &session.source_identity {
                request.insert("aws:SourceIdentity", source_identity);
            }
        }
        for (key, value) in &tags {
            request.insert(&format!("aws:PrincipalTag/{key}"), value);
        }
        CallerPolicies {
            request,
            identity: owner_id
                .map(|id| view.identity_policies(&id))
                .unwrap_or_default(),
            session: caller.session.as_ref().and_then(|s| s.policies.clone()),
        }
    }

    /// The global condition keys every request has, whoever makes it.
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html>
    fn add_global_keys(&self, request: &mut RequestContext) {
        let now = self.now();
        request.insert("aws:CurrentTime", crate::clock::iso8601(now));
        request.insert("aws:EpochTime", now.unix_timestamp());
        request.insert("aws:SecureTransport", false);
        request.insert("aws:RequestedRegion", &self.caller.region);
        request.insert("aws:ViaAWSService", false);
        if let Some(ip) = self.source_ip {
            request.insert("aws:SourceIp", ip.to_string());
        }
        if let Some(agent) = self.user_agent {
            request.insert("aws:UserAgent", agent);
        }
    }
}

/// The caller's side of an authorization: the request context and the caller's policies.
pub struct CallerPolicies {
    pub request: RequestContext,
    pub identity: Vec<policy::NamedPolicy>,
    pub session: Option<Vec<policy::NamedPolicy>>,
}

impl CallerPolicies {
    /// The evaluation input with only the caller's policies; add a resource policy to it
    /// where the action has one.
    pub fn input(&self) -> EvaluationInput<'_> {
        EvaluationInput {
            identity: &self.identity,
            session: self.session.as_deref(),
            ..EvaluationInput::default()
        }
    }
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
    Iam TagUser => iam::users::tag_user;
    Iam UntagUser => iam::users::untag_user;
    Iam ListUserTags => iam::users::list_user_tags;
    Iam PutUserPolicy => iam::identity_policies::put_policy::<UserKind>;
    Iam GetUserPolicy => iam::identity_policies::get_policy::<UserKind>;
    Iam DeleteUserPolicy => iam::identity_policies::delete_policy::<UserKind>;
    Iam ListUserPolicies => iam::identity_policies::list_policies::<UserKind>;
    Iam AttachUserPolicy => iam::identity_policies::attach_policy::<UserKind>;
    Iam DetachUserPolicy => iam::identity_policies::detach_policy::<UserKind>;
    Iam ListAttachedUserPolicies => iam::identity_policies::list_attached::<UserKind>;
    Iam CreateRole => iam::roles::create_role;
    Iam GetRole => iam::roles::get_role;
    Iam ListRoles => iam::roles::list_roles;
    Iam UpdateRole => iam::roles::update_role;
    Iam UpdateRoleDescription => iam::roles::update_role_description;
    Iam UpdateAssumeRolePolicy => iam::roles::update_assume_role_policy;
    Iam DeleteRole => iam::roles::delete_role;
    Iam TagRole => iam::roles::tag_role;
    Iam UntagRole => iam::roles::untag_role;
    Iam ListRoleTags => iam::roles::list_role_tags;
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
    Iam DeletePolicy => iam::policies::delete_policy;
    Iam ListPolicies => iam::policies::list_policies;
    Iam CreateAccessKey => iam::access_keys::create_access_key;
    Iam ListAccessKeys => iam::access_keys::list_access_keys;
    Iam UpdateAccessKey => iam::access_keys::update_access_key;
    Iam DeleteAccessKey => iam::access_keys::delete_access_key;
    Iam GetAccessKeyLastUsed => iam::access_keys::get_access_key_last_used;
    Sts AssumeRole => sts::assume_role::assume_role;
    Sts GetSessionToken => sts::session_token::get_session_token;
    Sts GetCallerIdentity => sts::identity::get_caller_identity;
    Sts GetAccessKeyInfo => sts::identity::get_access_key_info;
}

fn render(action: Action, service: Service, request_id: &str, output: &dyn ToXml) -> String {
    xml::response(action.name(), service.namespace(), request_id, output)
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
