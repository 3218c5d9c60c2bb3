//! The authenticated caller: who signed the request, with which key, for which service.

use std::sync::Arc;

use crate::api::Service;
use crate::arn;
use crate::view::{Principal, SessionOf, SessionRecord};

#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    /// The temporary credentials signed with, if any (for a role session, the same session
    /// as the principal's).
    pub session: Option<Arc<SessionRecord>>,
    pub access_key_id: String,
    /// The service named in the signature's credential scope.
    pub service: Service,
    pub region: String,
}

impl Caller {
    pub fn account_id(&self) -> &str {
        self.principal.account_id()
    }

    pub fn arn(&self) -> String {
        match &self.principal {
            Principal::Root { account_id } => arn::root(account_id),
            Principal::User(user) => user.arn.clone(),
            Principal::AssumedRole(session) => session.assumed_role_arn().unwrap_or_default(),
            Principal::FederatedUser(session) => session.federated_user_arn().unwrap_or_default(),
        }
    }

    /// The `UserId` of `GetCallerIdentity` and `aws:userid`: the account number for root,
    /// the unique id of a user, `AROA…:session-name` for a role session, `ACCOUNT:name` for
    /// a federated user.
    pub fn user_id(&self) -> String {
        match &self.principal {
            Principal::Root { account_id } => account_id.clone(),
            Principal::User(user) => user.user_id.clone(),
            Principal::AssumedRole(session) | Principal::FederatedUser(session) => {
                match &session.of {
                    SessionOf::Role {
                        role_id,
                        session_name,
                        ..
                    } => format!("{role_id}:{session_name}"),
                    SessionOf::Federated { name, .. } => format!("{}:{name}", session.account_id),
                    SessionOf::Caller { .. } => String::new(),
                }
            }
        }
    }

    /// The IAM entity acting: the user, or the role of a role session (what the access
    /// advisor reports on); `None` for root and federated users.
    pub fn entity_arn(&self) -> Option<&str> {
        match &self.principal {
            Principal::User(user) => Some(&user.arn),
            Principal::AssumedRole(session) => match &session.of {
                SessionOf::Role { role_arn, .. } => Some(role_arn),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn is_root(&self) -> bool {
        matches!(self.principal, Principal::Root { .. })
    }
}
