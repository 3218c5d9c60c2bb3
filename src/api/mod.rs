//! The action table: each IAM and STS action iamlocal answers, its service and handler.
//!
//! A handler receives its typed input (parsed and validated by [`FromQuery`]) and the
//! request context [`Ctx`]; it authorizes, makes one store call, and returns its output,
//! which dispatch renders in the `{Action}Response` envelope.

mod catalog;

use crate::app::App;
use crate::auth::Caller;
use crate::aws_error;
use crate::error::AwsError;
use crate::protocol::query::Params;
use crate::protocol::xml::{self, ToXml};
use crate::view::Principal;
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
    /// The root user may do anything in its own account. Everyone else needs a policy that
    /// allows it; without one the denial reads as AWS's does.
    pub fn authorize(&self, action: &str, resource: &str) -> Result<(), AwsError> {
        match &self.caller.principal {
            Principal::Root { .. } => Ok(()),
            Principal::User(user) => Err(AwsError::access_denied(format!(
                "User: {} is not authorized to perform: {action} on resource: {resource} \
                 because no identity-based policy allows the {action} action",
                user.arn
            ))),
        }
    }
}

macro_rules! actions {
    ($( $service:ident $name:ident => $handler:path; )*) => {
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
    Iam CreateAccessKey => iam::access_keys::create_access_key;
    Iam ListAccessKeys => iam::access_keys::list_access_keys;
    Iam UpdateAccessKey => iam::access_keys::update_access_key;
    Iam DeleteAccessKey => iam::access_keys::delete_access_key;
    Iam GetAccessKeyLastUsed => iam::access_keys::get_access_key_last_used;
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
        Some(action) => run(action, cx, params, request_id).await,
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
