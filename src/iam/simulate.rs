//! IAM's policy simulator — `SimulateCustomPolicy`, `SimulatePrincipalPolicy`,
//! `GetContextKeysForCustomPolicy`, `GetContextKeysForPrincipalPolicy` — answered by the
//! same engine that authorizes every call.
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html>
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html>
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_testing-policies.html>
//!
//! What the simulator does, as IAM does it (the API reference's sample responses and answers
//! users recorded from IAM):
//! - One `EvaluationResult` per action and resource, actions outermost, in request order.
//!   For the resource `*` (given, or no `ResourceArns`) the result has no
//!   `ResourceSpecificResults` and no `EvalDecisionDetails`; for a resource ARN it has one
//!   `ResourceSpecificResult`, `MissingContextValues` move there, and `EvalDecisionDetails`
//!   is present, empty within one account, `IAM Policy` / `Resource Policy` /
//!   `Permissions Boundary Policy` → decision across accounts.
//! - The request context holds the `ContextEntries` and nothing else: IAM's simulator fills
//!   in no key itself — not `aws:username` for the simulated user, not `aws:CurrentTime` —
//!   and lists a key any input policy reads but no entry supplies in `MissingContextValues`,
//!   whichever statement reads it (boto/boto3#3111, aws/aws-sdk-java-v2#1751).
//! - `SourcePolicyType` is `IAM Policy` or `Resource Policy` on the wire, although the
//!   model's enum says `user`, `group`, `role` …; `SourcePolicyId` is `PolicyInputList.N`,
//!   `ResourcePolicy`, a managed policy's name, or `user_NAME_POLICY` for an inline policy.
//! - `MatchedStatements` are the engine's: every matching `Deny` for an explicit deny; for an
//!   allow, the matching `Allow`s of the identity-based and resource-based policies (a
//!   permissions boundary's statements are not listed — API reference, "Same-Account
//!   Simulation"); none for an implicit deny.
//! - The resources belong to `ResourceOwner`, else to the simulated caller's account ("the
//!   owner of the resources and the resource policy defaults to the account of the identity
//!   provided in `CallerArn`"), so only `ResourceOwner` makes a simulation cross-account.

use std::net::IpAddr;

use super::shapes::{
    ACTION_NAME, ARN, CONTEXT_KEY_NAME, CONTEXT_KEY_TYPES, CONTEXT_KEY_VALUE, MARKER,
    POLICY_DOCUMENT, RESOURCE_HANDLING_OPTION, RESOURCE_NAME,
};
use super::users::{DEFAULT_MAX_ITEMS, write_truncation};
use crate::api::{Ctx, FromQuery};
use crate::aws_error;
use crate::error::AwsError;
use crate::policy::{
    self, ContextValue, EvalDecision, EvaluationInput, MatchedStatement, NamedPolicy, Policy,
    PolicyKind, PolicyType, RequestContext,
};
use crate::protocol::query::{Input, Params};
use crate::protocol::xml::{ToXml, XmlWriter};
use crate::view::View;

/// The model puts no bound on these lists; the request's parameter limit does.
const UNBOUNDED: usize = usize::MAX;

/// IAM's words when a resource-based policy needs a caller the simulation does not have.
const CALLER_MUST_BE_USER: &str = "Invalid caller - Caller must be an IAM user in this context.";

// ---------------------------------------------------------------------------------------
// Inputs

/// One `ContextEntry`: a key, its values, and their type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextEntry {
    pub name: String,
    pub values: Vec<String>,
    /// `string`, `numericList` … (`ContextKeyType`); `None`: a string.
    pub key_type: Option<String>,
}

/// What every simulation asks, besides the policies.
pub struct Scenario {
    pub actions: Vec<String>,
    /// Empty: the resource `*`.
    pub resources: Vec<String>,
    pub resource_policy: Option<String>,
    pub resource_owner: Option<String>,
    pub caller_arn: Option<String>,
    pub context: Vec<ContextEntry>,
    pub marker: Option<String>,
    pub max_items: usize,
}

impl Scenario {
    /// Reads the members after the policy lists, in the model's order.
    fn read(input: &mut Input<'_>) -> Scenario {
        input.require_present("ActionNames");
        let actions = input.string_list("ActionNames", UNBOUNDED, &ACTION_NAME);
        let resources = input.string_list("ResourceArns", UNBOUNDED, &RESOURCE_NAME);
        let resource_policy = input.string("ResourcePolicy", &POLICY_DOCUMENT);
        let resource_owner = input.string("ResourceOwner", &RESOURCE_NAME);
        let caller_arn = input.string("CallerArn", &RESOURCE_NAME);
        let context = input.struct_list("ContextEntries", UNBOUNDED, |m| ContextEntry {
            name: m
                .string("ContextKeyName", &CONTEXT_KEY_NAME)
                .unwrap_or_default(),
            values: m.string_list("ContextKeyValues", UNBOUNDED, &CONTEXT_KEY_VALUE),
            key_type: m.enumeration("ContextKeyType", CONTEXT_KEY_TYPES),
        });
        // AWS (documented): names an EC2 scenario whose resources must all be given;
        // iamlocal simulates each resource on its own, so the option is checked, not used.
        input.string("ResourceHandlingOption", &RESOURCE_HANDLING_OPTION);
        let max_items = input.integer("MaxItems", 1, 1000);
        let marker = input.string("Marker", &MARKER);
        Scenario {
            actions,
            resources,
            resource_policy,
            resource_owner,
            caller_arn,
            context,
            // An unreadable marker is refused in `marker()`, after validation.
            marker,
            max_items: max_items.unwrap_or(DEFAULT_MAX_ITEMS) as usize,
        }
    }

    fn marker(&self) -> Result<Option<usize>, AwsError> {
        super::offset_marker(self.marker.clone())
    }
}

pub struct SimulateCustomPolicyInput {
    policies: Vec<String>,
    boundaries: Vec<String>,
    /// `OrderedOrganizationPolicyInputList`: per level of the organization, root first, its
    /// SCPs.
    organization: Vec<Vec<String>>,
    scenario: Scenario,
}

impl FromQuery for SimulateCustomPolicyInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        input.require_present("PolicyInputList");
        let policies = input.string_list("PolicyInputList", UNBOUNDED, &POLICY_DOCUMENT);
        let boundaries = input.string_list(
            "PermissionsBoundaryPolicyInputList",
            UNBOUNDED,
            &POLICY_DOCUMENT,
        );
        let organization =
            input.struct_list("OrderedOrganizationPolicyInputList", UNBOUNDED, |m| {
                m.string_list("ServiceControlPolicyInputList", UNBOUNDED, &POLICY_DOCUMENT)
            });
        let scenario = Scenario::read(&mut input);
        input.finish()?;
        Ok(SimulateCustomPolicyInput {
            policies,
            boundaries,
            organization,
            scenario,
        })
    }
}

pub struct SimulatePrincipalPolicyInput {
    policy_source_arn: String,
    policies: Vec<String>,
    boundaries: Vec<String>,
    scenario: Scenario,
}

impl FromQuery for SimulatePrincipalPolicyInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let policy_source_arn = input.required("PolicySourceArn", &ARN);
        let policies = input.string_list("PolicyInputList", UNBOUNDED, &POLICY_DOCUMENT);
        let boundaries = input.string_list(
            "PermissionsBoundaryPolicyInputList",
            UNBOUNDED,
            &POLICY_DOCUMENT,
        );
        let scenario = Scenario::read(&mut input);
        input.finish()?;
        Ok(SimulatePrincipalPolicyInput {
            policy_source_arn,
            policies,
            boundaries,
            scenario,
        })
    }
}

pub struct GetContextKeysForCustomPolicyInput {
    policies: Vec<String>,
}

impl FromQuery for GetContextKeysForCustomPolicyInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        input.require_present("PolicyInputList");
        let policies = input.string_list("PolicyInputList", UNBOUNDED, &POLICY_DOCUMENT);
        input.finish()?;
        Ok(GetContextKeysForCustomPolicyInput { policies })
    }
}

pub struct GetContextKeysForPrincipalPolicyInput {
    policy_source_arn: String,
    policies: Vec<String>,
}

impl FromQuery for GetContextKeysForPrincipalPolicyInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let policy_source_arn = input.required("PolicySourceArn", &ARN);
        let policies = input.string_list("PolicyInputList", UNBOUNDED, &POLICY_DOCUMENT);
        input.finish()?;
        Ok(GetContextKeysForPrincipalPolicyInput {
            policy_source_arn,
            policies,
        })
    }
}

// ---------------------------------------------------------------------------------------
// Handlers

pub async fn simulate_custom_policy(
    cx: &Ctx<'_>,
    input: SimulateCustomPolicyInput,
) -> Result<SimulatePolicyOutput, AwsError> {
    cx.authorize("iam:SimulateCustomPolicy", "*")?;
    let request = SimulationRequest {
        policy_source_arn: None,
        policies: input.policies,
        boundaries: input.boundaries,
        organization: input.organization,
        scenario: input.scenario,
    };
    simulate(&cx.app.view, cx.account_id(), &request)
}

pub async fn simulate_principal_policy(
    cx: &Ctx<'_>,
    input: SimulatePrincipalPolicyInput,
) -> Result<SimulatePolicyOutput, AwsError> {
    cx.authorize("iam:SimulatePrincipalPolicy", &input.policy_source_arn)?;
    let request = SimulationRequest {
        policy_source_arn: Some(input.policy_source_arn),
        policies: input.policies,
        boundaries: input.boundaries,
        organization: Vec::new(),
        scenario: input.scenario,
    };
    simulate(&cx.app.view, cx.account_id(), &request)
}

/// Everything a simulation asks: `SimulatePrincipalPolicy` names a principal,
/// `SimulateCustomPolicy` does not; the web console asks either way.
pub struct SimulationRequest {
    /// The user, role or group whose policies are simulated, with `policies` added.
    pub policy_source_arn: Option<String>,
    pub policies: Vec<String>,
    pub boundaries: Vec<String>,
    /// Per level of the organization, root first, its SCPs.
    pub organization: Vec<Vec<String>>,
    pub scenario: Scenario,
}

/// The one simulation both API actions and the console run, for a caller in `account`.
pub fn simulate(
    view: &View,
    account: &str,
    request: &SimulationRequest,
) -> Result<SimulatePolicyOutput, AwsError> {
    let scenario = &request.scenario;
    let marker = scenario.marker()?;
    let entity = match &request.policy_source_arn {
        Some(arn) => Some(Entity::find(view, account, arn)?),
        None => None,
    };
    let (mut identity, entity_boundary, entity_principal) = match entity {
        Some(e) => (e.policies, e.boundary, Some((e.kind, e.principal))),
        None => (Vec::new(), None, None),
    };
    identity.extend(parse_input_list(&request.policies)?);
    // "If a permissions boundary is attached to an entity and you pass in a different
    // permissions boundary policy using this parameter, then the new permissions boundary
    // policy is used for the simulation."
    let boundary = parse_boundary(&request.boundaries)?.or(entity_boundary);
    let resource_policy = parse_resource_policy(scenario.resource_policy.as_deref())?;
    let caller = match (scenario.caller_arn.as_deref(), entity_principal) {
        (Some(arn), _) => caller_user(arn)?,
        (None, Some((EntityKind::User, principal))) => principal,
        (None, _) if resource_policy.is_some() => {
            return Err(aws_error!(InvalidInput, "{CALLER_MUST_BE_USER}"));
        }
        (None, Some((_, principal))) => principal,
        (None, None) => unnamed_user(account),
    };
    let organization = parse_organization(&request.organization)?;
    let simulation = Simulation::new(
        identity,
        boundary,
        resource_policy,
        organization,
        caller,
        scenario,
    )?;
    Ok(simulation.page(scenario, marker))
}

pub async fn get_context_keys_for_custom_policy(
    cx: &Ctx<'_>,
    input: GetContextKeysForCustomPolicyInput,
) -> Result<ContextKeysOutput, AwsError> {
    cx.authorize("iam:GetContextKeysForCustomPolicy", "*")?;
    let policies = parse_input_list(&input.policies)?;
    Ok(ContextKeysOutput {
        names: context_key_names(&policies),
    })
}

pub async fn get_context_keys_for_principal_policy(
    cx: &Ctx<'_>,
    input: GetContextKeysForPrincipalPolicyInput,
) -> Result<ContextKeysOutput, AwsError> {
    cx.authorize(
        "iam:GetContextKeysForPrincipalPolicy",
        &input.policy_source_arn,
    )?;
    let entity = Entity::find(&cx.app.view, cx.account_id(), &input.policy_source_arn)?;
    // AWS (API reference sample): the added policies' keys come first, then the entity's;
    // each policy lists its keys once, but a key two policies read is listed twice.
    let mut policies = parse_input_list(&input.policies)?;
    policies.extend(entity.policies);
    Ok(ContextKeysOutput {
        names: context_key_names(&policies),
    })
}

// ---------------------------------------------------------------------------------------
// Policies and principals

/// `PolicyInputList.N`, each an identity-based policy.
fn parse_input_list(documents: &[String]) -> Result<Vec<NamedPolicy>, AwsError> {
    documents
        .iter()
        .enumerate()
        .map(|(i, document)| {
            let parsed = Policy::parse(document, PolicyKind::Identity { managed: false })?;
            Ok(NamedPolicy::new(
                format!("PolicyInputList.{}", i + 1),
                parsed,
            ))
        })
        .collect()
}

/// `PermissionsBoundaryPolicyInputList`: "You can input only one permissions boundary".
fn parse_boundary(documents: &[String]) -> Result<Option<NamedPolicy>, AwsError> {
    match documents {
        [] => Ok(None),
        [document] => {
            let parsed = Policy::parse(document, PolicyKind::Boundary)?;
            Ok(Some(NamedPolicy::new(
                "PermissionsBoundaryPolicyInputList.1",
                parsed,
            )))
        }
        // AWS (unverified wording).
        _ => Err(aws_error!(
            InvalidInput,
            "Invalid Input: only one permissions boundary policy can be simulated."
        )),
    }
}

/// The SCPs of each level of the organization.
fn parse_organization(levels: &[Vec<String>]) -> Result<Vec<Vec<NamedPolicy>>, AwsError> {
    levels
        .iter()
        .enumerate()
        .map(|(i, documents)| {
            documents
                .iter()
                .enumerate()
                .map(|(j, document)| {
                    let parsed = Policy::parse(document, PolicyKind::Scp)?;
                    // AWS (unverified): the id follows the input's own naming.
                    let id = format!(
                        "OrderedOrganizationPolicyInputList.{}.ServiceControlPolicyInputList.{}",
                        i + 1,
                        j + 1
                    );
                    Ok(NamedPolicy::new(id, parsed))
                })
                .collect()
        })
        .collect()
}

fn parse_resource_policy(document: Option<&str>) -> Result<Option<NamedPolicy>, AwsError> {
    document
        .map(|document| {
            let parsed = Policy::parse(document, PolicyKind::Resource)?;
            Ok(NamedPolicy::new("ResourcePolicy", parsed))
        })
        .transpose()
}

/// `CallerArn`: "You can specify only the ARN of an IAM user."
fn caller_user(arn: &str) -> Result<policy::Principal, AwsError> {
    match EntityArn::parse(arn) {
        Some(EntityArn {
            kind: EntityKind::User,
            account,
            ..
        }) if !account.is_empty() => Ok(policy::Principal::user(arn, "")),
        _ => Err(aws_error!(InvalidInput, "{CALLER_MUST_BE_USER}")),
    }
}

/// The caller of a simulation that names none: a user of `account` whose name no key
/// reveals (the simulator supplies no key).
fn unnamed_user(account: &str) -> policy::Principal {
    policy::Principal::user(&crate::arn::user(account, "/", ""), "")
}

/// `ResourceOwner`: an account's ARN, `arn:aws:iam::123456789012:root`, or (as
/// `SimulatePrincipalPolicy` documents it) the bare account id.
fn resource_owner(owner: &str) -> Result<String, AwsError> {
    let is_account = |s: &str| s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit());
    let account = owner
        .strip_prefix("arn:")
        .and_then(|rest| {
            let parts: Vec<&str> = rest.split(':').collect();
            match parts.as_slice() {
                [_partition, "iam", "", account, "root"] => Some(*account),
                _ => None,
            }
        })
        .unwrap_or(owner);
    if is_account(account) {
        Ok(account.to_owned())
    } else {
        // AWS (unverified wording).
        Err(aws_error!(
            InvalidInput,
            "Invalid ResourceOwner: {owner} is not the ARN of an account \
             (arn:aws:iam::123456789012:root)."
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EntityKind {
    User,
    Role,
    Group,
}

impl EntityKind {
    fn noun(self) -> &'static str {
        match self {
            EntityKind::User => "user",
            EntityKind::Role => "role",
            EntityKind::Group => "group",
        }
    }
}

/// `arn:aws:iam::ACCOUNT:user/path/name` (or `role/…`, `group/…`), taken apart.
#[derive(Debug, PartialEq, Eq)]
struct EntityArn<'a> {
    kind: EntityKind,
    /// Empty when the ARN leaves it out, as the API reference's `arn:aws:iam:::user/Jill`.
    account: &'a str,
    name: &'a str,
}

impl<'a> EntityArn<'a> {
    fn parse(arn: &'a str) -> Option<EntityArn<'a>> {
        let rest = arn.strip_prefix("arn:")?;
        let mut parts = rest.splitn(5, ':');
        let (_partition, service, region, account, resource) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        if service != "iam" || !region.is_empty() {
            return None;
        }
        let (kind, path_and_name) = resource.split_once('/')?;
        let kind = match kind {
            "user" => EntityKind::User,
            "role" => EntityKind::Role,
            "group" => EntityKind::Group,
            _ => return None,
        };
        let name = path_and_name.rsplit('/').next()?;
        (!name.is_empty()).then_some(EntityArn {
            kind,
            account,
            name,
        })
    }
}

/// The user, role or group a `PolicySourceArn` names, with its policies from the data plane.
struct Entity {
    kind: EntityKind,
    principal: policy::Principal,
    /// Inline and attached managed policies, named as the simulator reports them.
    policies: Vec<NamedPolicy>,
    boundary: Option<NamedPolicy>,
}

impl Entity {
    fn find(view: &View, account: &str, arn: &str) -> Result<Entity, AwsError> {
        let parsed = EntityArn::parse(arn).ok_or_else(|| {
            aws_error!(
                InvalidInput,
                "Invalid Entity Arn: {arn} does not clearly define entity type and name."
            )
        })?;
        let not_found = || {
            aws_error!(
                NoSuchEntity,
                "The {} with name {} cannot be found.",
                parsed.kind.noun(),
                parsed.name
            )
        };
        // Entities are looked up in the caller's own account.
        if !parsed.account.is_empty() && parsed.account != account {
            return Err(not_found());
        }
        let (owner_id, principal, boundary_arn) = match parsed.kind {
            EntityKind::User => {
                let user = view
                    .user_by_name(account, parsed.name)
                    .ok_or_else(not_found)?;
                (
                    user.user_id.clone(),
                    policy::Principal::user(&user.arn, &user.user_id),
                    user.permissions_boundary.clone(),
                )
            }
            EntityKind::Role => {
                let role = view
                    .role_by_name(account, parsed.name)
                    .ok_or_else(not_found)?;
                let session = "iamlocal-simulation";
                (
                    role.role_id.clone(),
                    policy::Principal::assumed_role(
                        &crate::arn::assumed_role(account, &role.role_name, session),
                        &role.arn,
                        &format!("{}:{session}", role.role_id),
                    ),
                    role.permissions_boundary.clone(),
                )
            }
            // A group is no principal: its policies are simulated as those of a user of the
            // account, as `SimulateCustomPolicy` does without a caller.
            EntityKind::Group => {
                let group = view
                    .group_by_name(account, parsed.name)
                    .ok_or_else(not_found)?;
                (group.group_id.clone(), unnamed_user(account), None)
            }
        };
        let policies = view
            .identity_policies(&owner_id)
            .into_iter()
            .map(|p| {
                let id = source_policy_id(parsed.kind, parsed.name, &p.id);
                NamedPolicy::new(id, p.policy)
            })
            .collect();
        let boundary = boundary_arn.map(|arn| {
            NamedPolicy::new(managed_policy_name(&arn), view.boundary_policy(&arn).policy)
        });
        Ok(Entity {
            kind: parsed.kind,
            principal,
            policies,
            boundary,
        })
    }
}

/// How the simulator names an entity's own policy: a managed policy (the data plane's id is
/// its ARN) by its name; an inline policy as `user_alice_PolicyName`, `role_…`, `group_…`
/// (API reference sample `user_admin_AdminUser`; recorded `role_ROLE_POLICY`).
fn source_policy_id(kind: EntityKind, entity_name: &str, id: &str) -> String {
    if id.starts_with("arn:") {
        managed_policy_name(id).to_owned()
    } else {
        format!("{}_{entity_name}_{id}", kind.noun())
    }
}

fn managed_policy_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

// ---------------------------------------------------------------------------------------
// The simulation

/// A simulation with everything resolved: whose policies, as whom, with which context.
struct Simulation {
    identity: Vec<NamedPolicy>,
    boundary: Option<NamedPolicy>,
    resource_policy: Option<NamedPolicy>,
    caller: policy::Principal,
    /// Per level of the organization, root first, its SCPs; empty: not in an organization.
    organization: Vec<Vec<NamedPolicy>>,
    /// The account that owns the simulated resources.
    owner: String,
    context: Vec<(String, ContextValue)>,
    missing: Vec<String>,
}

impl Simulation {
    fn new(
        identity: Vec<NamedPolicy>,
        boundary: Option<NamedPolicy>,
        resource_policy: Option<NamedPolicy>,
        organization: Vec<Vec<NamedPolicy>>,
        caller: policy::Principal,
        scenario: &Scenario,
    ) -> Result<Simulation, AwsError> {
        let owner = match scenario.resource_owner.as_deref() {
            Some(owner) => resource_owner(owner)?,
            None => caller.account.clone(),
        };
        let mut context = Vec::with_capacity(scenario.context.len());
        for entry in &scenario.context {
            if let Some(value) = context_value(entry)? {
                context.push((entry.name.clone(), value));
            }
        }
        // The keys the SCPs read count too (where IAM forgets them: aws/aws-cli#10525).
        let policies = identity
            .iter()
            .chain(&boundary)
            .chain(&resource_policy)
            .chain(organization.iter().flatten());
        let missing = missing_context_values(policies, &context);
        Ok(Simulation {
            identity,
            boundary,
            resource_policy,
            organization,
            caller,
            owner,
            context,
            missing,
        })
    }

    fn cross_account(&self) -> bool {
        self.owner != self.caller.account
    }

    /// The page of results `marker` and `MaxItems` ask for; only those are evaluated.
    fn page(&self, scenario: &Scenario, marker: Option<usize>) -> SimulatePolicyOutput {
        let star = ["*".to_owned()];
        let resources = if scenario.resources.is_empty() {
            &star[..]
        } else {
            &scenario.resources[..]
        };
        let pairs: Vec<(&str, &str)> = scenario
            .actions
            .iter()
            .flat_map(|a| resources.iter().map(move |r| (a.as_str(), r.as_str())))
            .collect();
        let (page, marker) = super::page_by_offset(&pairs, marker, scenario.max_items);
        SimulatePolicyOutput {
            results: page
                .into_iter()
                .map(|(action, resource)| self.evaluate(action, resource))
                .collect(),
            marker,
        }
    }

    fn evaluate(&self, action: &str, resource: &str) -> EvaluationResult {
        let ctx = request_context(action, resource, &self.caller, &self.context);
        let input = EvaluationInput {
            identity: &self.identity,
            resource: self.resource_policy.as_ref(),
            resource_owner: Some(&self.owner),
            boundary: self.boundary.as_ref(),
            ..EvaluationInput::default()
        };
        let mut decision = policy::evaluate(&ctx, &input);
        let allowed_by_organizations = self.apply_organization(&ctx, &mut decision);
        let matched = decision
            .matched
            .into_iter()
            .filter(|m| {
                decision.effect == EvalDecision::ExplicitDeny
                    || matches!(m.policy_type, PolicyType::Identity | PolicyType::Resource)
            })
            .collect();
        let by_type = decision.by_type;
        // "If an Organizations SCP included in the evaluation denies access, the simulation
        // ends ... this parameter is not returned."
        let details =
            (self.cross_account() && allowed_by_organizations != Some(false)).then(|| {
                let mut details = vec![("IAM Policy", by_type.identity)];
                details.extend(by_type.resource.map(|d| ("Resource Policy", d)));
                details.extend(by_type.boundary.map(|d| ("Permissions Boundary Policy", d)));
                details
            });
        EvaluationResult {
            action: action.to_owned(),
            resource: resource.to_owned(),
            decision: decision.effect,
            matched,
            missing: self.missing.clone(),
            allowed_by_boundary: by_type.boundary.map(|d| d == EvalDecision::Allowed),
            allowed_by_organizations,
            details,
        }
    }

    /// SCPs, level by level: an explicit deny at any level denies; otherwise every level, from
    /// the root to the account, must allow, as Organizations evaluates them.
    /// <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html>
    /// `None` when the simulation has no organization.
    fn apply_organization(
        &self,
        ctx: &RequestContext,
        decision: &mut policy::Decision,
    ) -> Option<bool> {
        if self.organization.is_empty() {
            return None;
        }
        let mut allowed = true;
        let mut denies = Vec::new();
        for level in &self.organization {
            let input = EvaluationInput {
                scp: Some(level),
                ..EvaluationInput::default()
            };
            let level_decision = policy::evaluate(ctx, &input);
            match level_decision.by_type.scp {
                Some(EvalDecision::Allowed) => {}
                Some(EvalDecision::ExplicitDeny) => {
                    allowed = false;
                    denies.extend(level_decision.matched);
                }
                _ => allowed = false,
            }
        }
        if !denies.is_empty() {
            if decision.effect == EvalDecision::ExplicitDeny {
                denies.append(&mut decision.matched);
            }
            decision.effect = EvalDecision::ExplicitDeny;
            decision.matched = denies;
        } else if !allowed && decision.effect == EvalDecision::Allowed {
            decision.effect = EvalDecision::ImplicitDeny;
            decision.matched.clear();
        }
        Some(allowed)
    }
}

/// The request context of one simulated call: the principal, and only the keys the
/// `ContextEntries` supply — the principal's own keys, which enforcement fills in, are left
/// out, as IAM's simulator leaves them out.
fn request_context(
    action: &str,
    resource: &str,
    caller: &policy::Principal,
    entries: &[(String, ContextValue)],
) -> RequestContext {
    let mut ctx = RequestContext::new(action, resource, caller.clone());
    let filled: Vec<String> = ctx.iter().map(|(key, _)| key.to_owned()).collect();
    for key in filled {
        ctx.remove(&key);
    }
    for (key, value) in entries {
        ctx.insert(key, value.clone());
    }
    ctx
}

/// A `ContextEntry` as the engine reads it: one value, or a set for the `…List` types.
/// `None` for an entry without values (its key stays missing). Values are checked where
/// the type says what they must look like.
fn context_value(entry: &ContextEntry) -> Result<Option<ContextValue>, AwsError> {
    let key_type = entry.key_type.as_deref().unwrap_or("string");
    let base = key_type.strip_suffix("List").unwrap_or(key_type);
    let valid: fn(&str) -> bool = match base {
        "numeric" => |v| v.trim().parse::<f64>().is_ok(),
        "boolean" => |v| v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false"),
        "ip" => is_ip_or_cidr,
        _ => |_| true,
    };
    if let Some(bad) = entry.values.iter().find(|v| !valid(v)) {
        // AWS (unverified wording).
        return Err(aws_error!(
            InvalidInput,
            "Invalid value '{bad}' for context key {} of type {key_type}.",
            entry.name
        ));
    }
    Ok(match entry.values.as_slice() {
        [] => None,
        [one] if base == key_type => Some(ContextValue::Single(one.clone())),
        values => Some(ContextValue::Multi(values.to_vec())),
    })
}

fn is_ip_or_cidr(value: &str) -> bool {
    let (address, prefix) = match value.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (value, None),
    };
    let Ok(address) = address.parse::<IpAddr>() else {
        return false;
    };
    let max = if address.is_ipv4() { 32 } else { 128 };
    prefix.is_none_or(|p| p.parse::<u8>().is_ok_and(|p| p <= max))
}

/// The keys the policies read that no entry supplies, each once (ignoring case), spelled
/// as first written.
fn missing_context_values<'a>(
    policies: impl Iterator<Item = &'a NamedPolicy>,
    supplied: &[(String, ContextValue)],
) -> Vec<String> {
    let mut missing: Vec<String> = Vec::new();
    for key in policies.flat_map(|p| p.policy.context_keys()) {
        let known = |k: &String| k.eq_ignore_ascii_case(&key);
        if !supplied.iter().any(|(k, _)| known(k)) && !missing.iter().any(known) {
            missing.push(key);
        }
    }
    missing
}

/// Every key each policy reads, policy after policy (a key two policies read is listed
/// twice, as IAM lists it).
fn context_key_names(policies: &[NamedPolicy]) -> Vec<String> {
    policies
        .iter()
        .flat_map(|p| p.policy.context_keys())
        .collect()
}

// ---------------------------------------------------------------------------------------
// Outputs

/// One simulated action on one resource.
#[derive(Debug)]
pub struct EvaluationResult {
    pub action: String,
    pub resource: String,
    pub decision: EvalDecision,
    pub matched: Vec<MatchedStatement>,
    pub missing: Vec<String>,
    /// `None` when no permissions boundary took part.
    pub allowed_by_boundary: Option<bool>,
    /// `None` when the simulation has no organization.
    pub allowed_by_organizations: Option<bool>,
    /// Per policy type, for a cross-account simulation only.
    pub details: Option<Vec<(&'static str, EvalDecision)>>,
}

pub struct SimulatePolicyOutput {
    pub results: Vec<EvaluationResult>,
    pub marker: Option<String>,
}

impl ToXml for SimulatePolicyOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.members("EvaluationResults", &self.results, write_result);
        write_truncation(w, self.marker.as_deref());
    }
}

fn write_result(w: &mut XmlWriter, result: &EvaluationResult) {
    let specific = result.resource != "*";
    w.field("EvalActionName", &result.action);
    w.field("EvalResourceName", &result.resource);
    w.field("EvalDecision", result.decision.as_str());
    w.members("MatchedStatements", &result.matched, write_statement);
    // With a resource ARN, missing keys are reported in its `ResourceSpecificResult`.
    let top_missing: &[String] = if specific { &[] } else { &result.missing };
    w.members("MissingContextValues", top_missing, |w, key| w.text(key));
    if let Some(allowed) = result.allowed_by_organizations {
        w.open("OrganizationsDecisionDetail");
        w.bool_field("AllowedByOrganizations", allowed);
        w.close("OrganizationsDecisionDetail");
    }
    write_boundary_detail(w, result.allowed_by_boundary);
    match &result.details {
        Some(details) => write_details(w, details),
        None if specific => write_details(w, &[]),
        None => {}
    }
    if specific {
        w.open("ResourceSpecificResults");
        w.open("member");
        w.field("EvalResourceName", &result.resource);
        w.field("EvalResourceDecision", result.decision.as_str());
        w.members("MatchedStatements", &result.matched, write_statement);
        w.members("MissingContextValues", &result.missing, |w, key| {
            w.text(key)
        });
        if let Some(details) = &result.details {
            write_details(w, details);
        }
        write_boundary_detail(w, result.allowed_by_boundary);
        w.close("member");
        w.close("ResourceSpecificResults");
    }
}

fn write_statement(w: &mut XmlWriter, statement: &MatchedStatement) {
    w.field("SourcePolicyId", &statement.policy_id);
    w.field(
        "SourcePolicyType",
        source_policy_type(statement.policy_type),
    );
    for (tag, position) in [
        ("StartPosition", statement.start),
        ("EndPosition", statement.end),
    ] {
        w.open(tag);
        w.num_field("Line", position.line);
        w.num_field("Column", position.column);
        w.close(tag);
    }
}

/// `SourcePolicyType` as IAM writes it (API reference samples, recorded answers) — not the
/// model's enum values.
pub fn source_policy_type(policy_type: PolicyType) -> &'static str {
    match policy_type {
        PolicyType::Identity => "IAM Policy",
        PolicyType::Resource => "Resource Policy",
        PolicyType::Boundary => "Permissions Boundary Policy",
        PolicyType::Session => "Session Policy",
        PolicyType::Scp => "Organizations Policy",
    }
}

fn write_details(w: &mut XmlWriter, details: &[(&'static str, EvalDecision)]) {
    let entries: Vec<(&str, &str)> = details.iter().map(|(k, d)| (*k, d.as_str())).collect();
    w.map("EvalDecisionDetails", &entries);
}

fn write_boundary_detail(w: &mut XmlWriter, allowed: Option<bool>) {
    if let Some(allowed) = allowed {
        w.open("PermissionsBoundaryDecisionDetail");
        w.bool_field("AllowedByPermissionsBoundary", allowed);
        w.close("PermissionsBoundaryDecisionDetail");
    }
}

pub struct ContextKeysOutput {
    names: Vec<String>,
}

impl ToXml for ContextKeysOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.members("ContextKeyNames", &self.names, |w, name| w.text(name));
    }
}

#[cfg(test)]
mod tests;
