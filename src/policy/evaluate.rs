//! The decision: which policies apply, which statements match, and what AWS concludes.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html>
//!
//! In AWS's order:
//! 1. An explicit `Deny` in any policy wins.
//! 2. SCPs, when the account is in an organization: one must allow.
//! 3. Resource-based policy, identity-based policies, permissions boundary, session
//!    policies. Within one account an allow in either the identity-based or the
//!    resource-based policy is enough, and how the resource-based policy names the caller
//!    decides which implicit denies still count:
//!    - the IAM user, the role *session*, the federated-user session, or `*`: none do;
//!    - the *role* (or the IAM user a federated user came from): the permissions boundary
//!      and the session policy still must allow, the identity-based policy need not;
//!    - the account: it delegates to the account, so the identity-based policy must allow.
//!
//!    Trust policies and KMS key policies must name the caller even within the account
//!    ([`EvaluationInput::resource_policy_must_name_caller`]).
//!    Across accounts, the identity side (identity-based policy, boundary, session policy)
//!    and the resource-based policy must both allow.
//! 4. The root user is allowed everything in its own account; explicit denies (a
//!    resource-based policy, an SCP) and SCPs still apply to it.
//!
//! Every policy is evaluated in full so the matched statements can be reported
//! (`SimulateCustomPolicy`'s `MatchedStatements`); nothing here allocates but the list of
//! matches.

use std::sync::Arc;

use super::context::{Principal, PrincipalKind, RequestContext};
use super::document::{Effect, Policy, Position, Statement};
use super::matching::{Fold, Grant, split_arn};
use super::variables::NoVariables;

/// A parsed policy with the id it is reported under (a managed policy's ARN, an inline
/// policy's name, `PolicyInputList.1` …). Cheap to clone: the data plane keeps these and
/// hands out slices of them.
#[derive(Debug, Clone)]
pub struct NamedPolicy {
    pub id: Arc<str>,
    pub policy: Arc<Policy>,
}

impl NamedPolicy {
    pub fn new(id: impl Into<Arc<str>>, policy: impl Into<Arc<Policy>>) -> NamedPolicy {
        NamedPolicy {
            id: id.into(),
            policy: policy.into(),
        }
    }
}

/// The policies that apply to one request, by type.
#[derive(Debug, Clone, Copy, Default)]
pub struct EvaluationInput<'a> {
    /// The principal's identity-based policies: inline and managed, its groups' too.
    pub identity: &'a [NamedPolicy],
    /// The resource's resource-based policy (a role's trust policy for `sts:AssumeRole`).
    pub resource: Option<&'a NamedPolicy>,
    /// The account that owns the resource. `None`: the account in the resource ARN, or the
    /// caller's own when the ARN has none (S3 bucket ARNs).
    pub resource_owner: Option<&'a str>,
    pub boundary: Option<&'a NamedPolicy>,
    /// `None`: no session policy was passed. `Some(&[])` is a session with session policies
    /// that allow nothing.
    pub session: Option<&'a [NamedPolicy]>,
    /// `None`: the account is not in an organization (or is its management account).
    pub scp: Option<&'a [NamedPolicy]>,
    /// Trust policies and KMS key policies must name the caller even within the account.
    pub resource_policy_must_name_caller: bool,
}

/// AWS's `EvalDecision`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvalDecision {
    Allowed,
    ExplicitDeny,
    ImplicitDeny,
}

impl EvalDecision {
    /// The wire value in the simulation APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            EvalDecision::Allowed => "allowed",
            EvalDecision::ExplicitDeny => "explicitDeny",
            EvalDecision::ImplicitDeny => "implicitDeny",
        }
    }
}

/// The policy types of the evaluation logic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyType {
    Identity,
    Resource,
    Boundary,
    Session,
    Scp,
}

impl PolicyType {
    /// How AWS names the type in an access-denied message, with its article.
    fn in_message(self) -> &'static str {
        match self {
            PolicyType::Identity => "an identity-based policy",
            PolicyType::Resource => "a resource-based policy",
            PolicyType::Boundary => "a permissions boundary",
            PolicyType::Session => "a session policy",
            PolicyType::Scp => "a service control policy",
        }
    }
}

/// A statement that matched the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedStatement {
    pub policy_type: PolicyType,
    pub policy_id: Arc<str>,
    pub statement_index: usize,
    pub sid: Option<Arc<str>>,
    pub effect: Effect,
    pub start: Position,
    pub end: Position,
}

/// What each policy type concluded on its own; `None` for a type that did not take part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeDecisions {
    pub identity: EvalDecision,
    pub resource: Option<EvalDecision>,
    pub boundary: Option<EvalDecision>,
    pub session: Option<EvalDecision>,
    pub scp: Option<EvalDecision>,
}

/// The outcome, with its reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub effect: EvalDecision,
    /// For a denial, the policy type AWS names in its message; for an allow, the type that
    /// granted it (`Resource` when the resource-based policy was needed or sufficient).
    pub decided_by: PolicyType,
    /// For an explicit deny, every matching `Deny` statement; for an allow, every matching
    /// `Allow` statement; empty for an implicit deny.
    pub matched: Vec<MatchedStatement>,
    pub by_type: TypeDecisions,
    /// The resource-based policy had to name the caller (a trust policy): STS words an
    /// implicit denial by it without a reason.
    pub resource_policy_must_name_caller: bool,
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        self.effect == EvalDecision::Allowed
    }
}

/// What one policy type said.
#[derive(Debug, Clone, Copy, Default)]
struct Outcome {
    allow: bool,
    deny: bool,
    /// For the resource-based policy: how its allowing statements name the caller.
    grant: Option<Grant>,
}

impl Outcome {
    fn decision(self) -> EvalDecision {
        if self.deny {
            EvalDecision::ExplicitDeny
        } else if self.allow {
            EvalDecision::Allowed
        } else {
            EvalDecision::ImplicitDeny
        }
    }
}

/// The request, prepared once for all statements.
struct Request<'a> {
    ctx: &'a RequestContext,
    /// The action lowercased, as the parser lowercased the policies' actions.
    action: &'a str,
    /// Its service prefix (`iam`), for the policies' action index.
    service: &'a str,
    resource_arn: Option<[&'a str; 6]>,
}

/// Room for an action name on the stack (the longest AWS action names are under 80 bytes).
const ACTION_BUFFER: usize = 128;

/// `action` lowercased into `buffer` without allocating; `None` when it does not fit.
fn lowercase_action<'b>(action: &str, buffer: &'b mut [u8; ACTION_BUFFER]) -> Option<&'b str> {
    let bytes = action.as_bytes();
    let target = buffer.get_mut(..bytes.len())?;
    for (t, b) in target.iter_mut().zip(bytes) {
        *t = b.to_ascii_lowercase();
    }
    // ASCII lowercasing of UTF-8 is UTF-8.
    std::str::from_utf8(target).ok()
}

#[derive(Default)]
struct Matches {
    allows: Vec<MatchedStatement>,
    denies: Vec<MatchedStatement>,
}

/// Decides `ctx` against the policies of `input`.
pub fn evaluate(ctx: &RequestContext, input: &EvaluationInput<'_>) -> Decision {
    let mut buffer = [0u8; ACTION_BUFFER];
    let lowercased;
    let action = match lowercase_action(ctx.action(), &mut buffer) {
        Some(action) => action,
        None => {
            lowercased = ctx.action().to_ascii_lowercase();
            &lowercased
        }
    };
    let request = Request {
        ctx,
        action,
        service: action
            .split_once(':')
            .map_or(action, |(service, _)| service),
        resource_arn: split_arn(ctx.resource()),
    };
    let caller = ctx.principal();
    let mut matches = Matches::default();

    let scp = input
        .scp
        .map(|p| evaluate_set(p, PolicyType::Scp, &request, &mut matches));
    let resource = input.resource.map(|p| {
        evaluate_set(
            std::slice::from_ref(p),
            PolicyType::Resource,
            &request,
            &mut matches,
        )
    });
    let identity = evaluate_set(input.identity, PolicyType::Identity, &request, &mut matches);
    let boundary = input.boundary.map(|p| {
        evaluate_set(
            std::slice::from_ref(p),
            PolicyType::Boundary,
            &request,
            &mut matches,
        )
    });
    let session = input
        .session
        .map(|p| evaluate_set(p, PolicyType::Session, &request, &mut matches));

    let root = caller.kind == PrincipalKind::Root;
    let by_type = TypeDecisions {
        identity: if root && !identity.deny {
            EvalDecision::Allowed
        } else {
            identity.decision()
        },
        resource: resource.map(|r| match r.decision() {
            EvalDecision::Allowed if r.grant.is_none() => EvalDecision::ImplicitDeny,
            d => d,
        }),
        boundary: boundary.map(Outcome::decision),
        session: session.map(Outcome::decision),
        scp: scp.map(Outcome::decision),
    };

    let decide = |effect, decided_by| Decision {
        effect,
        decided_by,
        matched: Vec::new(),
        by_type,
        resource_policy_must_name_caller: input.resource_policy_must_name_caller,
    };
    let implicit = |decided_by| decide(EvalDecision::ImplicitDeny, decided_by);

    // 1. An explicit deny anywhere, reported in AWS's order of evaluation.
    let denied_by = [
        (PolicyType::Scp, scp),
        (PolicyType::Resource, resource),
        (PolicyType::Identity, Some(identity)),
        (PolicyType::Boundary, boundary),
        (PolicyType::Session, session),
    ]
    .into_iter()
    .find_map(|(t, o)| o.is_some_and(|o| o.deny).then_some(t));
    if let Some(decided_by) = denied_by {
        let mut decision = decide(EvalDecision::ExplicitDeny, decided_by);
        decision.matched = matches.denies;
        return decision;
    }

    // 2. SCPs.
    if scp.is_some_and(|s| !s.allow) {
        return implicit(PolicyType::Scp);
    }

    // 3. The identity side: identity-based policies, boundary, session policies.
    let identity_side = || -> Result<(), PolicyType> {
        if !root && !identity.allow {
            return Err(PolicyType::Identity);
        }
        past_boundary_and_session(caller, boundary, session)
    };
    let grant = resource.and_then(|r| r.grant);
    let owner = input
        .resource_owner
        .unwrap_or_else(|| request.resource_arn.map_or("", |p| p[4]));
    let same_account =
        caller.kind.is_iam_identity() && (owner.is_empty() || owner == caller.account);

    let result = if same_account {
        match grant {
            Some(Grant::Direct) => Ok(PolicyType::Resource),
            Some(Grant::Issuer) => {
                past_boundary_and_session(caller, boundary, session).map(|()| PolicyType::Resource)
            }
            // Even root: a KMS key policy that does not name the account locks it out.
            None if input.resource_policy_must_name_caller => Err(PolicyType::Resource),
            _ => identity_side().map(|()| PolicyType::Identity),
        }
    } else {
        // Across accounts (and for callers without identity-based policies: services,
        // federation providers, anonymous) the resource-based policy must allow, and the
        // identity side too where there is one.
        let identity_ok = if caller.kind.is_iam_identity() {
            identity_side()
        } else {
            Ok(())
        };
        identity_ok.and_then(|()| {
            grant
                .map(|_| PolicyType::Resource)
                .ok_or(PolicyType::Resource)
        })
    };
    match result {
        Ok(decided_by) => {
            let mut decision = decide(EvalDecision::Allowed, decided_by);
            decision.matched = matches.allows;
            decision
        }
        Err(decided_by) => implicit(decided_by),
    }
}

/// The permissions boundary must allow, if there is one; so must the session policies, if
/// any were passed. A federated-user session without a session policy has no permissions.
fn past_boundary_and_session(
    caller: &Principal,
    boundary: Option<Outcome>,
    session: Option<Outcome>,
) -> Result<(), PolicyType> {
    if boundary.is_some_and(|b| !b.allow) {
        return Err(PolicyType::Boundary);
    }
    match session {
        Some(s) if !s.allow => Err(PolicyType::Session),
        None if caller.kind == PrincipalKind::FederatedUser => Err(PolicyType::Session),
        _ => Ok(()),
    }
}

/// Evaluates the policies of one type, recording the statements that match.
fn evaluate_set(
    policies: &[NamedPolicy],
    policy_type: PolicyType,
    request: &Request<'_>,
    matches: &mut Matches,
) -> Outcome {
    let mut outcome = Outcome::default();
    for named in policies {
        for statement in named.policy.candidates(request.service) {
            let Some(grant) = statement_applies(statement, policy_type, request) else {
                continue;
            };
            let matched = MatchedStatement {
                policy_type,
                policy_id: named.id.clone(),
                statement_index: statement.index(),
                sid: statement.sid_shared(),
                effect: statement.effect(),
                start: statement.start(),
                end: statement.end(),
            };
            match statement.effect() {
                Effect::Deny => {
                    outcome.deny = true;
                    matches.denies.push(matched);
                }
                Effect::Allow => {
                    outcome.allow = true;
                    if policy_type == PolicyType::Resource {
                        outcome.grant = outcome.grant.max(Some(grant));
                    }
                    matches.allows.push(matched);
                }
            }
        }
    }
    outcome
}

/// Whether a statement applies to the request: action, resource, principal (in a
/// resource-based policy, where it also says how the caller is named), conditions.
fn statement_applies(
    statement: &Statement,
    policy_type: PolicyType,
    request: &Request<'_>,
) -> Option<Grant> {
    let ctx = request.ctx;
    // <action_block>: actions ignore case.
    let actions = &statement.actions;
    let action_listed = actions
        .patterns
        .iter()
        .any(|p| p.matches(request.action, Fold::None, &NoVariables) == Some(true));
    if action_listed == actions.negated {
        return None;
    }
    // <resource_block>: an entry whose variable cannot be resolved does not match; in
    // `NotResource` it makes the whole statement invalid.
    if let Some(resources) = &statement.resources {
        if resources.negated && !resources.patterns.iter().all(|p| p.resolvable(ctx)) {
            return None;
        }
        let listed = resources
            .patterns
            .iter()
            .any(|p| p.matches(ctx.resource(), request.resource_arn.as_ref(), ctx) == Some(true));
        if listed == resources.negated {
            return None;
        }
    }
    // <principal_block>: only resource-based policies name principals.
    let grant = if policy_type == PolicyType::Resource {
        statement.principals.as_ref()?.grant(ctx.principal())?
    } else {
        Grant::Direct
    };
    // <condition_block>: every condition must hold.
    statement
        .conditions
        .iter()
        .all(|c| c.holds(ctx))
        .then_some(grant)
}

/// AWS's access-denied message for a denied decision:
/// `User: arn:aws:iam::123456789012:user/bob is not authorized to perform: iam:CreateUser on
/// resource: arn:aws:iam::123456789012:user/alice because no identity-based policy allows the
/// iam:CreateUser action`.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html>
///
/// The resource part is left out when the request has no resource. An SCP's denial always
/// reads as explicit ("When an SCP denies access, the error message always includes the
/// phrase `with an explicit deny in a service control policy`, even if the denial is
/// implicit"), and a trust policy's implicit denial has no reason, as STS answers
/// `AssumeRole`. For an allowed decision the sentence has no reason either.
pub fn denial_message(ctx: &RequestContext, decision: &Decision) -> String {
    let action = ctx.action();
    let mut message = format!(
        "User: {} is not authorized to perform: {action}",
        ctx.principal().arn
    );
    if !ctx.resource().is_empty() {
        message.push_str(" on resource: ");
        message.push_str(ctx.resource());
    }
    match (decision.effect, decision.decided_by) {
        (EvalDecision::Allowed, _) => {}
        (EvalDecision::ExplicitDeny, t) | (EvalDecision::ImplicitDeny, t @ PolicyType::Scp) => {
            message.push_str(" with an explicit deny in ");
            message.push_str(t.in_message());
        }
        (EvalDecision::ImplicitDeny, PolicyType::Resource)
            if decision.resource_policy_must_name_caller => {}
        (EvalDecision::ImplicitDeny, t) => {
            let article_free = t.in_message().split_once(' ').map_or("", |(_, rest)| rest);
            message.push_str(&format!(
                " because no {article_free} allows the {action} action"
            ));
        }
    }
    message
}

#[cfg(test)]
mod tests;
