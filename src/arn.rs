//! ARNs of the entities iamlocal hosts.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns>

pub fn root(account_id: &str) -> String {
    format!("arn:aws:iam::{account_id}:root")
}

/// `path` is `/` or `/a/b/`, as IAM stores it.
pub fn user(account_id: &str, path: &str, name: &str) -> String {
    format!("arn:aws:iam::{account_id}:user{path}{name}")
}
