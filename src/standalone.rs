//! What AWS answers a standalone account: one in no AWS Organizations organization and not
//! onboarded as an IAM temporary-delegation partner. iamlocal's accounts are all such, so
//! these actions authorize the caller like any other and then answer AWS's refusal.
//!
//! - Centralized root access and Organizations access reports need an organization:
//!   `OrganizationNotFoundException`; `AssumeRoot` needs its management account.
//!   <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html#id_root-user-access-management>
//! - Delegation requests are created only by onboarded partners, so an account has none:
//!   each one named is `NoSuchEntity`, the list is empty, and no trade-in token exists.
//!   <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies-temporary-delegation-partner-guide.html>

use crate::api::{Ctx, FromQuery};
use crate::aws_error;
use crate::error::AwsError;
use crate::iam::account::NoInput;
use crate::iam::shapes::{ARN, MARKER};
use crate::protocol::query::{Input, Params, Pattern, Shape};
use crate::protocol::xml::{ToXml, XmlWriter};

/// The output of an action that never succeeds here.
pub enum Never {}

impl ToXml for Never {
    fn write_xml(&self, _: &mut XmlWriter) {
        match *self {}
    }
}

/// IAM's answer to an account that belongs to no organization.
fn no_organization() -> AwsError {
    aws_error!(
        OrganizationNotFoundException,
        "The request was rejected because no organization is associated with your account."
    )
}

/// Centralized root access: enabled and listed on the organization, so answered alike.
async fn organizations_feature(cx: &Ctx<'_>, action: &str) -> Result<Never, AwsError> {
    cx.authorize(action, "*")?;
    Err(no_organization())
}

pub async fn list_organizations_features(cx: &Ctx<'_>, _: NoInput) -> Result<Never, AwsError> {
    organizations_feature(cx, "iam:ListOrganizationsFeatures").await
}

pub async fn enable_organizations_root_credentials_management(
    cx: &Ctx<'_>,
    _: NoInput,
) -> Result<Never, AwsError> {
    organizations_feature(cx, "iam:EnableOrganizationsRootCredentialsManagement").await
}

pub async fn disable_organizations_root_credentials_management(
    cx: &Ctx<'_>,
    _: NoInput,
) -> Result<Never, AwsError> {
    organizations_feature(cx, "iam:DisableOrganizationsRootCredentialsManagement").await
}

pub async fn enable_organizations_root_sessions(
    cx: &Ctx<'_>,
    _: NoInput,
) -> Result<Never, AwsError> {
    organizations_feature(cx, "iam:EnableOrganizationsRootSessions").await
}

pub async fn disable_organizations_root_sessions(
    cx: &Ctx<'_>,
    _: NoInput,
) -> Result<Never, AwsError> {
    organizations_feature(cx, "iam:DisableOrganizationsRootSessions").await
}

/// `^o-[0-9a-z]{10,32}\/r-[0-9a-z]{4,32}[0-9a-z-\/]*`
fn is_entity_path(s: &str) -> bool {
    let lower_alnum = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    let Some((org, rest)) = s.strip_prefix("o-").and_then(|s| s.split_once('/')) else {
        return false;
    };
    let Some(rest) = rest.strip_prefix("r-") else {
        return false;
    };
    let root_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        .count();
    (10..=32).contains(&org.len())
        && lower_alnum(org)
        && root_len >= 4
        && rest
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'/')
}

const ENTITY_PATH: Shape = Shape {
    min: 19,
    max: 427,
    pattern: Some(Pattern {
        text: r"^o-[0-9a-z]{10,32}\/r-[0-9a-z]{4,32}[0-9a-z-\/]*",
        matches: is_entity_path,
    }),
};

/// `^p-[0-9a-zA-Z_]{8,128}$`
fn is_organizations_policy_id(s: &str) -> bool {
    s.strip_prefix("p-").is_some_and(|id| {
        (8..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

const ORGANIZATIONS_POLICY_ID: Shape = Shape {
    min: 0,
    max: usize::MAX,
    pattern: Some(Pattern {
        text: r"^p-[0-9a-zA-Z_]{8,128}$",
        matches: is_organizations_policy_id,
    }),
};

pub const JOB_ID: Shape = Shape {
    min: 36,
    max: 36,
    pattern: None,
};

pub struct GenerateOrganizationsAccessReportInput {
    entity_path: String,
}

impl FromQuery for GenerateOrganizationsAccessReportInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let entity_path = input.required("EntityPath", &ENTITY_PATH);
        input.string("OrganizationsPolicyId", &ORGANIZATIONS_POLICY_ID);
        input.finish()?;
        Ok(GenerateOrganizationsAccessReportInput { entity_path })
    }
}

/// The report is drawn from the organization's accounts; without one there is none to
/// draw. (The model lists no organization error here; IAM's own is the nearest truth.)
pub async fn generate_organizations_access_report(
    cx: &Ctx<'_>,
    input: GenerateOrganizationsAccessReportInput,
) -> Result<Never, AwsError> {
    let resource = format!(
        "arn:aws:iam::{}:access-report/{}",
        cx.account_id(),
        input.entity_path
    );
    cx.authorize("iam:GenerateOrganizationsAccessReport", &resource)?;
    Err(no_organization())
}

pub struct GetOrganizationsAccessReportInput {
    job_id: String,
}

impl FromQuery for GetOrganizationsAccessReportInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let job_id = input.required("JobId", &JOB_ID);
        input.integer("MaxItems", 1, 1000);
        input.string("Marker", &MARKER);
        input.enumeration(
            "SortKey",
            &[
                "SERVICE_NAMESPACE_ASCENDING",
                "SERVICE_NAMESPACE_DESCENDING",
                "LAST_AUTHENTICATED_TIME_ASCENDING",
                "LAST_AUTHENTICATED_TIME_DESCENDING",
            ],
        );
        input.finish()?;
        Ok(GetOrganizationsAccessReportInput { job_id })
    }
}

/// No report was ever generated, so every job id names nothing.
pub async fn get_organizations_access_report(
    cx: &Ctx<'_>,
    input: GetOrganizationsAccessReportInput,
) -> Result<Never, AwsError> {
    cx.authorize("iam:GetOrganizationsAccessReport", "*")?;
    Err(aws_error!(
        NoSuchEntity,
        "The report with job id {} cannot be found.",
        input.job_id
    ))
}

/// `sts:AssumeRoot` into a member account needs the caller's account to be its
/// organization's management account (or a delegated administrator), and never root.
pub struct AssumeRootInput {
    target_principal: String,
}

const TARGET_PRINCIPAL: Shape = Shape {
    min: 12,
    max: 2048,
    pattern: None,
};

impl FromQuery for AssumeRootInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let target_principal = input.required("TargetPrincipal", &TARGET_PRINCIPAL);
        if input.string("TaskPolicyArn.arn", &ARN).is_none() {
            input.require_present("TaskPolicyArn");
        }
        input.integer("DurationSeconds", 0, 900);
        input.finish()?;
        Ok(AssumeRootInput { target_principal })
    }
}

pub async fn assume_root(cx: &Ctx<'_>, input: AssumeRootInput) -> Result<Never, AwsError> {
    // The target is an account id or a member account's principal ARN; the action's
    // resource is that account's root.
    let target = &input.target_principal;
    let account = target
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split(':').next())
        .unwrap_or(target);
    cx.authorize("sts:AssumeRoot", &crate::arn::root(account))?;
    if cx.caller.is_root() {
        return Err(AwsError::access_denied(
            "Root user credentials cannot be used to call AssumeRoot.",
        ));
    }
    Err(AwsError::access_denied(format!(
        "Account {} is not the management account or a delegated administrator for \
         centralized root access of an organization that {account} belongs to.",
        cx.account_id()
    )))
}

/// `[\w-]+`
fn is_delegation_request_id(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

const DELEGATION_REQUEST_ID: Shape = Shape {
    min: 16,
    max: 128,
    pattern: Some(Pattern {
        text: r"[\w-]+",
        matches: is_delegation_request_id,
    }),
};

/// `[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`
fn is_latin_text(s: &str) -> bool {
    s.chars()
        .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7E}' | '\u{A1}'..='\u{FF}'))
}

const fn latin_text(min: usize, max: usize) -> Shape {
    Shape {
        min,
        max,
        pattern: Some(Pattern {
            text: r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*",
            matches: is_latin_text,
        }),
    }
}

const NOTES: Shape = latin_text(0, 500);

/// `\d{12}`
const ACCOUNT_ID: Shape = Shape {
    min: 12,
    max: 12,
    pattern: Some(Pattern {
        text: r"\d{12}",
        matches: |s| s.bytes().all(|b| b.is_ascii_digit()),
    }),
};

/// `^[a-zA-Z0-9:_.-]+$`
const NOTIFICATION_CHANNEL: Shape = Shape {
    min: 2,
    max: 400,
    pattern: Some(Pattern {
        text: r"^[a-zA-Z0-9:_.-]+$",
        matches: |s| {
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b":_.-".contains(&b))
        },
    }),
};

pub struct CreateDelegationRequestInput;

impl FromQuery for CreateDelegationRequestInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        input.string("OwnerAccountId", &ACCOUNT_ID);
        input.required("Description", &latin_text(0, 1000));
        input.string("Permissions.PolicyTemplateArn", &ARN);
        input.string("RequestMessage", &latin_text(0, 200));
        input.required("RequestorWorkflowId", &latin_text(5, 400));
        input.string(
            "RedirectUrl",
            &Shape {
                min: 1,
                max: 255,
                pattern: None,
            },
        );
        input.required("NotificationChannel", &NOTIFICATION_CHANNEL);
        if input.integer("SessionDuration", 300, 43200).is_none() {
            input.require_present("SessionDuration");
        }
        input.boolean("OnlySendByOwner");
        input.finish()?;
        Ok(CreateDelegationRequestInput)
    }
}

/// Only a partner that went through AWS's onboarding (its policy templates registered, its
/// notification topic set up) may create delegation requests; no iamlocal account has.
pub async fn create_delegation_request(
    cx: &Ctx<'_>,
    _: CreateDelegationRequestInput,
) -> Result<Never, AwsError> {
    cx.authorize("iam:CreateDelegationRequest", "*")?;
    Err(AwsError::access_denied(format!(
        "Account {} is not onboarded as a partner for IAM temporary delegation, \
         so it cannot call CreateDelegationRequest.",
        cx.account_id()
    )))
}

/// The input of the actions on one delegation request.
pub struct DelegationRequestInput {
    id: String,
}

impl FromQuery for DelegationRequestInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let id = input.required("DelegationRequestId", &DELEGATION_REQUEST_ID);
        input.string("Notes", &NOTES);
        input.boolean("DelegationPermissionCheck");
        input.finish()?;
        Ok(DelegationRequestInput { id })
    }
}

fn delegation_request_arn(account_id: &str, id: &str) -> String {
    format!("arn:aws:iam::{account_id}:delegation-request/{id}")
}

fn no_delegation_request(id: &str) -> AwsError {
    aws_error!(
        NoSuchEntity,
        "The delegation request with id {id} cannot be found."
    )
}

async fn on_delegation_request(
    cx: &Ctx<'_>,
    action: &str,
    input: DelegationRequestInput,
) -> Result<Never, AwsError> {
    cx.authorize(action, &delegation_request_arn(cx.account_id(), &input.id))?;
    Err(no_delegation_request(&input.id))
}

pub async fn get_delegation_request(
    cx: &Ctx<'_>,
    input: DelegationRequestInput,
) -> Result<Never, AwsError> {
    on_delegation_request(cx, "iam:GetDelegationRequest", input).await
}

pub async fn accept_delegation_request(
    cx: &Ctx<'_>,
    input: DelegationRequestInput,
) -> Result<Never, AwsError> {
    on_delegation_request(cx, "iam:AcceptDelegationRequest", input).await
}

pub async fn reject_delegation_request(
    cx: &Ctx<'_>,
    input: DelegationRequestInput,
) -> Result<Never, AwsError> {
    on_delegation_request(cx, "iam:RejectDelegationRequest", input).await
}

pub async fn associate_delegation_request(
    cx: &Ctx<'_>,
    input: DelegationRequestInput,
) -> Result<Never, AwsError> {
    on_delegation_request(cx, "iam:AssociateDelegationRequest", input).await
}

pub async fn update_delegation_request(
    cx: &Ctx<'_>,
    input: DelegationRequestInput,
) -> Result<Never, AwsError> {
    on_delegation_request(cx, "iam:UpdateDelegationRequest", input).await
}

pub async fn send_delegation_token(
    cx: &Ctx<'_>,
    input: DelegationRequestInput,
) -> Result<Never, AwsError> {
    on_delegation_request(cx, "iam:SendDelegationToken", input).await
}

pub struct ListDelegationRequestsInput;

impl FromQuery for ListDelegationRequestsInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        input.string(
            "OwnerId",
            &Shape {
                min: 20,
                max: 2048,
                pattern: None,
            },
        );
        input.string("Marker", &MARKER);
        input.integer("MaxItems", 1, 1000);
        input.finish()?;
        Ok(ListDelegationRequestsInput)
    }
}

/// An empty list: the account owns no delegation request.
pub struct ListDelegationRequestsOutput;

impl ToXml for ListDelegationRequestsOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.members::<()>("DelegationRequests", &[], |_, _| {});
        // The model spells this member in lower camel case.
        w.bool_field("isTruncated", false);
    }
}

pub async fn list_delegation_requests(
    cx: &Ctx<'_>,
    _: ListDelegationRequestsInput,
) -> Result<ListDelegationRequestsOutput, AwsError> {
    cx.authorize("iam:ListDelegationRequests", "*")?;
    Ok(ListDelegationRequestsOutput)
}

pub struct GetHumanReadableSummaryInput {
    entity_arn: String,
}

impl FromQuery for GetHumanReadableSummaryInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let entity_arn = input.required("EntityArn", &ARN);
        input.string(
            "Locale",
            &Shape {
                min: 2,
                max: 12,
                pattern: None,
            },
        );
        input.finish()?;
        Ok(GetHumanReadableSummaryInput { entity_arn })
    }
}

/// AWS summarises only delegation requests (with a language model); any other entity is
/// invalid input, and a delegation request is one the account does not have.
pub async fn get_human_readable_summary(
    cx: &Ctx<'_>,
    input: GetHumanReadableSummaryInput,
) -> Result<Never, AwsError> {
    let arn = &input.entity_arn;
    cx.authorize("iam:GetHumanReadableSummary", arn)?;
    let delegation_request = arn
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split_once(":delegation-request/"))
        .map(|(_, id)| id);
    match delegation_request {
        Some(id) => Err(no_delegation_request(id)),
        None => Err(aws_error!(
            InvalidInput,
            "Entity {arn} is not supported: the only supported entity type is delegation-request."
        )),
    }
}

pub struct GetDelegatedAccessTokenInput;

impl FromQuery for GetDelegatedAccessTokenInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        input.required(
            "TradeInToken",
            &Shape {
                min: 0,
                max: usize::MAX,
                pattern: None,
            },
        );
        input.finish()?;
        Ok(GetDelegatedAccessTokenInput)
    }
}

/// A trade-in token comes from `SendDelegationToken` on an accepted request; none exists,
/// so no token can be exchanged. (The model's one error for such a token is this one.)
pub async fn get_delegated_access_token(
    cx: &Ctx<'_>,
    _: GetDelegatedAccessTokenInput,
) -> Result<Never, AwsError> {
    cx.authorize("sts:GetDelegatedAccessToken", "*")?;
    Err(aws_error!(
        ExpiredTradeInTokenException,
        "The trade-in token provided in the request has expired or is not valid and can no \
         longer be exchanged for credentials."
    ))
}
