//! ARNs of the entities iamlocal hosts.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns>
//!
//! Built by joining their parts rather than with `format!`, whose machinery costs several
//! times the copying on a path that makes one or two ARNs a request (BENCHMARKS.md, item 64).

/// The parts one after the other, in a string of exactly their size.
fn concat(parts: &[&str]) -> String {
    let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        text.push_str(part);
    }
    text
}

pub fn root(account_id: &str) -> String {
    concat(&["arn:aws:iam::", account_id, ":root"])
}

/// `path` is `/` or `/a/b/`, as IAM stores it.
pub fn user(account_id: &str, path: &str, name: &str) -> String {
    concat(&["arn:aws:iam::", account_id, ":user", path, name])
}

pub fn policy(account_id: &str, path: &str, name: &str) -> String {
    concat(&["arn:aws:iam::", account_id, ":policy", path, name])
}

pub fn role(account_id: &str, path: &str, name: &str) -> String {
    concat(&["arn:aws:iam::", account_id, ":role", path, name])
}

/// The ARN of a role session: `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` (no path).
pub fn assumed_role(account_id: &str, role_name: &str, session_name: &str) -> String {
    concat(&[
        "arn:aws:sts::",
        account_id,
        ":assumed-role/",
        role_name,
        "/",
        session_name,
    ])
}

/// The ARN of a federated user: `arn:aws:sts::ACCOUNT:federated-user/NAME`.
pub fn federated_user(account_id: &str, name: &str) -> String {
    concat(&["arn:aws:sts::", account_id, ":federated-user/", name])
}

pub fn group(account_id: &str, path: &str, name: &str) -> String {
    concat(&["arn:aws:iam::", account_id, ":group", path, name])
}

/// `url` is the issuer without its scheme: `token.actions.githubusercontent.com`.
pub fn oidc_provider(account_id: &str, url: &str) -> String {
    concat(&["arn:aws:iam::", account_id, ":oidc-provider/", url])
}

pub fn saml_provider(account_id: &str, name: &str) -> String {
    concat(&["arn:aws:iam::", account_id, ":saml-provider/", name])
}

pub fn instance_profile(account_id: &str, path: &str, name: &str) -> String {
    concat(&["arn:aws:iam::", account_id, ":instance-profile", path, name])
}

pub fn server_certificate(account_id: &str, path: &str, name: &str) -> String {
    concat(&[
        "arn:aws:iam::",
        account_id,
        ":server-certificate",
        path,
        name,
    ])
}
/// A virtual MFA device's ARN, which is also its serial number.
pub fn mfa(account_id: &str, path: &str, name: &str) -> String {
    concat(&["arn:aws:iam::", account_id, ":mfa", path, name])
}
