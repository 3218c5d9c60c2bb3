//! Why a policy document was refused: AWS's `MalformedPolicyDocument` reasons, word for word.
//!
//! The wordings come from IAM's answers as recorded by moto's AWS-verified table
//! (`tests/test_iam/test_iam_policies.py`) and from errors users quote in public issues.

use std::borrow::Cow;
use std::fmt;

pub(crate) const SYNTAX: &str = "Syntax errors in policy.";
pub(crate) const INVALID_JSON: &str = "This policy contains invalid Json";
pub(crate) const VERSION_TOO_OLD: &str = "Policy document must be version 2012-10-17 or greater.";
pub(crate) const LEGACY_PARSING: &str = "The policy failed legacy parsing";
pub(crate) const SID_NOT_UNIQUE: &str = "Statement IDs (SID) in a single policy must be unique.";
pub(crate) const SID_NOT_ALPHANUMERIC: &str = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*";
pub(crate) const NO_ACTIONS: &str = "Policy statement must contain actions.";
pub(crate) const NO_RESOURCES: &str = "Policy statement must contain resources.";
pub(crate) const NO_VENDOR: &str =
    "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";
pub(crate) const ONE_COLON: &str = "Actions/Condition can contain only one colon.";
pub(crate) const PRINCIPAL_NOT_ALLOWED: &str = "Policy document should not specify a principal.";
pub(crate) const MISSING_PRINCIPAL: &str = "Missing required field Principal";
pub(crate) const TRUST_ACTIONS: &str = "Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity";
pub(crate) const VENDOR_NOT_QUALIFIED: &str =
    "Resource vendor must be fully qualified and cannot contain regexes.";

/// A policy document IAM would refuse with `MalformedPolicyDocument`; the message is AWS's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    message: Cow<'static, str>,
}

impl PolicyError {
    pub(crate) fn new(message: impl Into<Cow<'static, str>>) -> Self {
        PolicyError {
            message: message.into(),
        }
    }

    /// The text of `<Message>` in the `MalformedPolicyDocument` error.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// `Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:role/gone"`: what IAM
    /// answers when a trust policy names a principal that does not exist. Whether it exists
    /// is the caller's question (the engine has no store); the wording lives here.
    pub fn invalid_principal(principal_type: &str, value: &str) -> Self {
        PolicyError::new(format!(
            "Invalid principal in policy: \"{principal_type}\":\"{value}\""
        ))
    }

    pub(crate) fn prohibited_field(field: &str) -> Self {
        PolicyError::new(format!("Has prohibited field {field}"))
    }

    pub(crate) fn vendor_not_valid(vendor: &str) -> Self {
        PolicyError::new(format!("Vendor {vendor} is not valid"))
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PolicyError {}
