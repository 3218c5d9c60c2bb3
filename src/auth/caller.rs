//! The authenticated caller: who signed the request, with which key, for which service.

use crate::api::Service;
use crate::arn;
use crate::view::Principal;

#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
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
        }
    }

    /// The `UserId` of `GetCallerIdentity`: the account number for root, else the unique id.
    pub fn user_id(&self) -> &str {
        match &self.principal {
            Principal::Root { account_id } => account_id,
            Principal::User(user) => &user.user_id,
        }
    }

    pub fn is_root(&self) -> bool {
        matches!(self.principal, Principal::Root { .. })
    }
}
