//! Finds the policy documents behind the ids the engine reports, in the state export: the
//! engine keeps parsed policies only, the store keeps the text. The documents shown are the
//! current ones, which may have changed since a logged decision was made.

use serde_json::Value;

use crate::state::model::{Account, Group, Role, StateDocument, User};

/// The entity whose inline policies an id without an ARN names.
pub enum Owner<'a> {
    User(&'a User),
    Role(&'a Role),
    Group(&'a Group),
}

pub fn account<'a>(state: &'a StateDocument, account_id: &str) -> Option<&'a Account> {
    state.accounts.iter().find(|a| a.account_id == account_id)
}

/// The user or role behind a principal's ARN: `…:user/path/name`, `…:role/path/name`,
/// `…:group/path/name`, or a role session `arn:aws:sts::…:assumed-role/NAME/SESSION`.
pub fn owner<'a>(account: &'a Account, principal_arn: &str) -> Option<Owner<'a>> {
    let resource = principal_arn.splitn(6, ':').nth(5)?;
    let (kind, rest) = resource.split_once('/')?;
    match kind {
        "user" => {
            let name = rest.rsplit('/').next()?;
            account
                .users
                .iter()
                .find(|u| u.name == name)
                .map(Owner::User)
        }
        "role" => {
            let name = rest.rsplit('/').next()?;
            account
                .roles
                .iter()
                .find(|r| r.name == name)
                .map(Owner::Role)
        }
        "assumed-role" => {
            let name = rest.split('/').next()?;
            account
                .roles
                .iter()
                .find(|r| r.name == name)
                .map(Owner::Role)
        }
        "group" => {
            let name = rest.rsplit('/').next()?;
            account
                .groups
                .iter()
                .find(|g| g.name == name)
                .map(Owner::Group)
        }
        _ => None,
    }
}

/// An inline policy of the owner (or, for a user, of one of its groups) by name.
pub fn inline(account: &Account, owner: &Owner<'_>, name: &str) -> Option<Value> {
    let own = match owner {
        Owner::User(u) => &u.policies,
        Owner::Role(r) => &r.policies,
        Owner::Group(g) => &g.policies,
    };
    if let Some(document) = own.get(name) {
        return Some(document.clone());
    }
    let Owner::User(user) = owner else {
        return None;
    };
    account
        .groups
        .iter()
        .filter(|g| user.groups.contains(&g.name))
        .find_map(|g| g.policies.get(name).cloned())
}

/// A managed policy's default version by ARN (customer managed or AWS managed), or a role's
/// trust policy by the role's ARN.
pub fn by_arn(account: &Account, arn: &str) -> Option<Value> {
    if let Some(aws) = crate::aws_managed::by_arn(arn) {
        return serde_json::from_str(aws.document).ok();
    }
    let id = account.account_id.as_str();
    if let Some(policy) = account
        .policies
        .iter()
        .find(|p| crate::arn::policy(id, &p.path, &p.name) == arn)
    {
        return default_version(policy);
    }
    account
        .roles
        .iter()
        .find(|r| crate::arn::role(id, &r.path, &r.name) == arn)
        .map(|r| r.trust_policy.clone())
}

/// A managed policy by name, as the simulator names the ones attached to an entity.
pub fn managed_by_name(account: &Account, name: &str) -> Option<Value> {
    if let Some(policy) = account.policies.iter().find(|p| p.name == name) {
        return default_version(policy);
    }
    crate::aws_managed::CATALOGUE
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| serde_json::from_str(p.document).ok())
}

fn default_version(policy: &crate::state::model::ManagedPolicy) -> Option<Value> {
    policy
        .versions
        .iter()
        .find(|v| v.id == policy.default_version)
        .map(|v| v.document.clone())
        .or_else(|| policy.document.clone())
}

/// The document as JSON: stored documents are JSON values, pasted ones text.
pub fn parse_text(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}
