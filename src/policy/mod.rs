//! The IAM policy language: documents parsed and validated once, then evaluated against a
//! request context the way AWS evaluates them. Pure: no I/O, no async, no clock reads, no
//! global state; callers pass everything in, so enforcement and the simulation APIs share it.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>
//!
//! `document` turns JSON into a typed [`Policy`] (or AWS's `MalformedPolicyDocument` reason);
//! `matching`, `condition` and `variables` hold the element semantics; `context` is the
//! request; `evaluate` makes the [`Decision`] and words AWS's access-denied message.

mod condition;
mod context;
mod document;
mod err;
mod evaluate;
mod matching;
#[cfg(test)]
mod properties;
mod variables;

pub(crate) use context::KeyHasher;
pub use context::{ContextValue, Principal, PrincipalKind, RequestContext, RequestOrigin};
pub use document::{
    Effect, Policy, PolicyKind, Position, SizeExceeded, SizeQuota, Statement, Version, check_size,
    policy_size,
};
pub use err::PolicyError;
pub use evaluate::{
    Decision, EvalDecision, EvaluationInput, MatchedStatement, NamedPolicy, PolicyType,
    TypeDecisions, denial_message, evaluate,
};
pub use matching::PrincipalField;
