//! Property tests of the evaluation logic: invariants AWS's documentation states, checked
//! over generated policies and requests.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>

use proptest::prelude::*;

use super::{
    EvaluationInput, NamedPolicy, Policy, PolicyKind, Principal, RequestContext, evaluate,
};

const ACTIONS: &[&str] = &[
    "iam:GetUser",
    "iam:ListUsers",
    "iam:CreateUser",
    "s3:GetObject",
    "s3:PutObject",
];
const ACTION_PATTERNS: &[&str] = &[
    "iam:GetUser",
    "iam:List*",
    "iam:*",
    "s3:Get*",
    "s3:*Object",
    "*",
    "iam:?etUser",
    "s3:PutObject",
];
const RESOURCES: &[&str] = &[
    "arn:aws:iam::123456789012:user/alice",
    "arn:aws:iam::123456789012:user/bob",
    "arn:aws:s3:::bucket/key",
];
const RESOURCE_PATTERNS: &[&str] = &[
    "*",
    "arn:aws:iam::123456789012:user/*",
    "arn:aws:iam::123456789012:user/alice",
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::other/*",
];

/// One statement as JSON: an effect, an action pattern, a resource pattern.
fn statement(effect: &str, action: usize, resource: usize) -> String {
    format!(
        r#"{{"Effect": "{effect}", "Action": "{}", "Resource": "{}"}}"#,
        ACTION_PATTERNS[action], RESOURCE_PATTERNS[resource]
    )
}

fn policy(statements: &[String]) -> NamedPolicy {
    let document = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
        statements.join(",")
    );
    let parsed = Policy::parse(&document, PolicyKind::Identity { managed: false })
        .expect("generated policies are valid");
    NamedPolicy::new("generated", parsed)
}

/// Statements drawn from the tables: (is_allow, action pattern, resource pattern).
fn statements() -> impl Strategy<Value = Vec<(bool, usize, usize)>> {
    prop::collection::vec(
        (
            any::<bool>(),
            0..ACTION_PATTERNS.len(),
            0..RESOURCE_PATTERNS.len(),
        ),
        1..8,
    )
}

fn render(statements: &[(bool, usize, usize)]) -> Vec<String> {
    statements
        .iter()
        .map(|&(allow, a, r)| statement(if allow { "Allow" } else { "Deny" }, a, r))
        .collect()
}

fn request(action: &str, resource: &str) -> RequestContext {
    RequestContext::new(
        action,
        resource,
        Principal::user(
            "arn:aws:iam::123456789012:user/alice",
            "AIDAEXAMPLEEXAMPLE1",
        ),
    )
}

fn allowed(policies: &[NamedPolicy], ctx: &RequestContext) -> bool {
    evaluate(
        ctx,
        &EvaluationInput {
            identity: policies,
            ..EvaluationInput::default()
        },
    )
    .is_allowed()
}

proptest! {
    /// "An explicit deny in any of these policies overrides the allow."
    #[test]
    fn a_matching_deny_is_never_overridden(
        generated in statements(),
        action in 0..ACTIONS.len(),
        resource in 0..RESOURCES.len(),
    ) {
        let ctx = request(ACTIONS[action], RESOURCES[resource]);
        let mut rendered = render(&generated);
        rendered.push(format!(
            r#"{{"Effect": "Deny", "Action": "{}", "Resource": "{}"}}"#,
            ACTIONS[action], RESOURCES[resource]
        ));
        prop_assert!(!allowed(&[policy(&rendered)], &ctx));
    }

    /// Adding an Allow statement never turns an allowed request into a denied one.
    #[test]
    fn adding_an_allow_never_denies(
        generated in statements(),
        extra_action in 0..ACTION_PATTERNS.len(),
        extra_resource in 0..RESOURCE_PATTERNS.len(),
        action in 0..ACTIONS.len(),
        resource in 0..RESOURCES.len(),
    ) {
        let ctx = request(ACTIONS[action], RESOURCES[resource]);
        let before = render(&generated);
        let mut after = before.clone();
        after.push(statement("Allow", extra_action, extra_resource));
        if allowed(&[policy(&before)], &ctx) {
            prop_assert!(allowed(&[policy(&after)], &ctx));
        }
    }

    /// Action names compare without case: the request's case never changes the decision.
    #[test]
    fn the_case_of_the_action_never_matters(
        generated in statements(),
        action in 0..ACTIONS.len(),
        resource in 0..RESOURCES.len(),
        flips in prop::collection::vec(any::<bool>(), 20),
    ) {
        let policies = [policy(&render(&generated))];
        let original = ACTIONS[action];
        let flipped: String = original
            .chars()
            .zip(flips.iter().cycle())
            .map(|(c, &flip)| if flip { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
            .collect();
        prop_assert_eq!(
            allowed(&policies, &request(original, RESOURCES[resource])),
            allowed(&policies, &request(&flipped, RESOURCES[resource]))
        );
    }
}
