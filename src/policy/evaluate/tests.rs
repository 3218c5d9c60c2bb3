use serde_json::{Value, json};

use super::*;
use crate::policy::document::PolicyKind;

const ACCOUNT: &str = "123456789012";
const OTHER: &str = "210987654321";
const BOB: &str = "arn:aws:iam::123456789012:user/bob";
const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
const ROLE: &str = "arn:aws:iam::123456789012:role/Dev";
const SESSION: &str = "arn:aws:sts::123456789012:assumed-role/Dev/s1";

fn bob() -> Principal {
    Principal::user(BOB, "AIDABOB")
}

fn session() -> Principal {
    Principal::assumed_role(SESSION, ROLE, "AROADEV:s1")
}

fn stranger() -> Principal {
    Principal::user("arn:aws:iam::210987654321:user/eve", "AIDAEVE")
}

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn named(id: &str, document: &Value, kind: PolicyKind) -> NamedPolicy {
    let policy =
        Policy::parse(&document.to_string(), kind).unwrap_or_else(|e| panic!("{e}: {document}"));
    NamedPolicy::new(id, policy)
}

fn allow(action: &str, resource: &str) -> Value {
    doc(json!({"Effect": "Allow", "Action": action, "Resource": resource}))
}

fn deny(action: &str, resource: &str) -> Value {
    doc(json!({"Effect": "Deny", "Action": action, "Resource": resource}))
}

/// A resource-based policy statement for `principal`.
fn grant(principal: Value, effect: &str, action: &str, resource: &str) -> Value {
    doc(json!({"Effect": effect, "Principal": principal, "Action": action, "Resource": resource}))
}

/// One scenario: a request and the policies around it.
struct Case {
    ctx: RequestContext,
    identity: Vec<NamedPolicy>,
    resource: Option<NamedPolicy>,
    owner: Option<String>,
    boundary: Option<NamedPolicy>,
    session: Option<Vec<NamedPolicy>>,
    scp: Option<Vec<NamedPolicy>>,
    must_name_caller: bool,
}

impl Case {
    fn new(principal: Principal, action: &str, resource: &str) -> Case {
        Case {
            ctx: RequestContext::new(action, resource, principal),
            identity: Vec::new(),
            resource: None,
            owner: None,
            boundary: None,
            session: None,
            scp: None,
            must_name_caller: false,
        }
    }

    fn identity(mut self, document: Value) -> Case {
        let id = format!("policy{}", self.identity.len() + 1);
        self.identity.push(named(
            &id,
            &document,
            PolicyKind::Identity { managed: false },
        ));
        self
    }

    fn resource(mut self, document: Value) -> Case {
        self.resource = Some(named("resource", &document, PolicyKind::Resource));
        self
    }

    fn trust(mut self, document: Value) -> Case {
        self.resource = Some(named("trust", &document, PolicyKind::Trust));
        self.must_name_caller = true;
        self
    }

    fn owner(mut self, account: &str) -> Case {
        self.owner = Some(account.to_owned());
        self
    }

    fn boundary(mut self, document: Value) -> Case {
        self.boundary = Some(named("boundary", &document, PolicyKind::Boundary));
        self
    }

    fn session_policy(mut self, document: Value) -> Case {
        self.session.get_or_insert_with(Vec::new).push(named(
            "session",
            &document,
            PolicyKind::Session,
        ));
        self
    }

    fn scp(mut self, document: Value) -> Case {
        self.scp
            .get_or_insert_with(Vec::new)
            .push(named("scp", &document, PolicyKind::Scp));
        self
    }

    fn with(mut self, key: &str, value: &str) -> Case {
        self.ctx.insert(key, value);
        self
    }

    fn decide(&self) -> Decision {
        let input = EvaluationInput {
            identity: &self.identity,
            resource: self.resource.as_ref(),
            resource_owner: self.owner.as_deref(),
            boundary: self.boundary.as_ref(),
            session: self.session.as_deref(),
            scp: self.scp.as_deref(),
            resource_policy_must_name_caller: self.must_name_caller,
        };
        evaluate(&self.ctx, &input)
    }

    /// The decision and the type that decided it.
    fn outcome(&self) -> (EvalDecision, PolicyType) {
        let d = self.decide();
        (d.effect, d.decided_by)
    }

    fn message(&self) -> String {
        denial_message(&self.ctx, &self.decide())
    }
}

use EvalDecision::{Allowed, ExplicitDeny, ImplicitDeny};
use PolicyType::{Boundary, Identity, Resource, Scp, Session};

#[test]
fn nothing_allows_by_default_and_the_message_says_so() {
    // "By default, all requests are implicitly denied" (reference_policies_evaluation-logic);
    // the message is the one troubleshoot_access-denied shows for identity-based policies.
    let case = Case::new(bob(), "iam:CreateUser", ALICE);
    assert_eq!(case.outcome(), (ImplicitDeny, Identity));
    assert!(case.decide().matched.is_empty());
    assert_eq!(
        case.message(),
        "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: iam:CreateUser \
         on resource: arn:aws:iam::123456789012:user/alice because no identity-based policy \
         allows the iam:CreateUser action"
    );
}

#[test]
fn an_identity_policy_allows_and_reports_the_statement() {
    let case = Case::new(bob(), "iam:CreateUser", ALICE).identity(doc(
        json!([{"Sid": "Users", "Effect": "Allow", "Action": "iam:*User", "Resource": "*"}]),
    ));
    let decision = case.decide();
    assert_eq!((decision.effect, decision.decided_by), (Allowed, Identity));
    assert_eq!(decision.matched.len(), 1);
    let m = &decision.matched[0];
    assert_eq!(
        (&*m.policy_id, m.statement_index, m.sid.as_deref()),
        ("policy1", 0, Some("Users"))
    );
    assert_eq!((m.policy_type, m.effect), (Identity, Effect::Allow));
    assert!(m.start.line >= 1 && m.end.line >= m.start.line);
}

#[test]
fn an_explicit_deny_overrides_any_allow() {
    // "An explicit deny in any policy overrides any allows."
    let case = Case::new(bob(), "iam:CreateUser", ALICE)
        .identity(allow("iam:*", "*"))
        .identity(deny("iam:CreateUser", "arn:aws:iam::123456789012:user/*"));
    let decision = case.decide();
    assert_eq!(
        (decision.effect, decision.decided_by),
        (ExplicitDeny, Identity)
    );
    assert_eq!(decision.matched.len(), 1);
    assert_eq!(decision.matched[0].effect, Effect::Deny);
    assert_eq!(&*decision.matched[0].policy_id, "policy2");
    assert_eq!(
        case.message(),
        "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: iam:CreateUser \
         on resource: arn:aws:iam::123456789012:user/alice with an explicit deny in an \
         identity-based policy"
    );
}

#[test]
fn the_explicit_and_implicit_deny_example() {
    // reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay: AllowGetList and
    // DenyReports.
    let policy = doc(json!([
        {"Sid": "AllowGetList", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"},
        {"Sid": "DenyReports", "Effect": "Deny", "Action": "iam:*Report", "Resource": "*"}
    ]));
    let outcome = |action: &str| {
        Case::new(bob(), action, "*")
            .identity(policy.clone())
            .outcome()
    };
    assert_eq!(outcome("iam:GetUser"), (Allowed, Identity));
    assert_eq!(outcome("iam:ListUsers"), (Allowed, Identity));
    assert_eq!(outcome("iam:CreatePolicy"), (ImplicitDeny, Identity));
    assert_eq!(
        outcome("iam:GetOrganizationsAccessReport"),
        (ExplicitDeny, Identity)
    );
    assert_eq!(
        outcome("iam:GenerateCredentialReport"),
        (ExplicitDeny, Identity)
    );
}

#[test]
fn the_carlos_example_of_identity_and_bucket_policies() {
    // "Example identity-based and resource-based policy evaluation".
    let carlos = Principal::user("arn:aws:iam::123456789012:user/carlossalazar", "AIDACARLOS");
    let identity = doc(json!([
        {"Sid": "AllowS3ListRead", "Effect": "Allow", "Action": ["s3:GetBucketLocation", "s3:GetAccountPublicAccessBlock", "s3:ListAccessPoints", "s3:ListAllMyBuckets"], "Resource": "arn:aws:s3:::*"},
        {"Sid": "AllowS3Self", "Effect": "Allow", "Action": "s3:*", "Resource": ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"]},
        {"Sid": "DenyS3Logs", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::*log*"}
    ]));
    let bucket_policy = doc(
        json!([{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/carlossalazar"},
        "Action": "s3:*", "Resource": ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"]}]),
    );
    let logs = Case::new(
        carlos.clone(),
        "s3:PutObject",
        "arn:aws:s3:::carlossalazar-logs/file",
    )
    .identity(identity.clone());
    let decision = logs.decide();
    assert_eq!(
        (decision.effect, decision.decided_by),
        (ExplicitDeny, Identity)
    );
    assert_eq!(decision.matched[0].sid.as_deref(), Some("DenyS3Logs"));
    let own = Case::new(carlos, "s3:PutObject", "arn:aws:s3:::carlossalazar/file")
        .identity(identity)
        .resource(bucket_policy);
    let decision = own.decide();
    assert_eq!(decision.effect, Allowed);
    // Both the identity-based and the resource-based policy allowed.
    let types: Vec<_> = decision.matched.iter().map(|m| m.policy_type).collect();
    assert!(
        types.contains(&Identity) && types.contains(&Resource),
        "{types:?}"
    );
}

#[test]
fn not_action_and_not_resource_apply_to_everything_else() {
    // reference_policies_elements_notaction / _notresource.
    let case = |action: &str, resource: &str| {
        Case::new(bob(), action, resource)
            .identity(doc(json!({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})))
            .identity(doc(json!({"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"]})))
            .outcome()
    };
    assert_eq!(case("iam:CreateUser", ALICE), (ImplicitDeny, Identity));
    assert_eq!(case("ec2:RunInstances", "*"), (Allowed, Identity));
    assert_eq!(
        case("s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/x"),
        (Allowed, Identity)
    );
    assert_eq!(
        case("s3:GetObject", "arn:aws:s3:::other/x"),
        (ExplicitDeny, Identity)
    );
}

#[test]
fn actions_ignore_case_but_resources_do_not() {
    let case = |policy_action: &str, policy_resource: &str| {
        Case::new(bob(), "iam:CreateUser", ALICE)
            .identity(allow(policy_action, policy_resource))
            .outcome()
            .0
    };
    assert_eq!(case("IAM:createuser", ALICE), Allowed);
    assert_eq!(case("iam:CREATE*", ALICE), Allowed);
    assert_eq!(
        case("iam:CreateUser", "arn:aws:iam::123456789012:user/Alice"),
        ImplicitDeny
    );
    assert_eq!(
        case("iam:CreateUser", "arn:aws:iam::123456789012:user/al?ce"),
        Allowed
    );
}

#[test]
fn the_version_2008_variable_trap() {
    // reference_policies_variables: without "Version": "2012-10-17", ${aws:username} is the
    // literal text, so the policy written for every user allows no one.
    let statement = json!({"Effect": "Allow", "Action": "iam:*AccessKey*", "Resource": "arn:aws:iam::123456789012:user/${aws:username}"});
    let current = Case::new(bob(), "iam:CreateAccessKey", BOB)
        .identity(json!({"Version": "2012-10-17", "Statement": statement.clone()}));
    assert_eq!(current.outcome(), (Allowed, Identity));
    let old = Case::new(bob(), "iam:CreateAccessKey", BOB)
        .identity(json!({"Statement": statement.clone()}));
    assert_eq!(old.outcome(), (ImplicitDeny, Identity));
    let dated = Case::new(bob(), "iam:CreateAccessKey", BOB)
        .identity(json!({"Version": "2008-10-17", "Statement": statement}));
    assert_eq!(dated.outcome(), (ImplicitDeny, Identity));
    // And it does not let bob manage alice's keys.
    let other = Case::new(bob(), "iam:CreateAccessKey", ALICE)
        .identity(doc(json!({"Effect": "Allow", "Action": "iam:*AccessKey*",
        "Resource": "arn:aws:iam::123456789012:user/${aws:username}"})));
    assert_eq!(other.outcome(), (ImplicitDeny, Identity));
}

#[test]
fn a_statement_with_an_unresolvable_variable_does_not_apply() {
    // A role session has no aws:username: the statement is invalid for it.
    let policy = doc(
        json!({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::home/${aws:username}/*"}),
    );
    let case =
        Case::new(session(), "s3:GetObject", "arn:aws:s3:::home/s1/x").identity(policy.clone());
    assert_eq!(case.outcome(), (ImplicitDeny, Identity));
    let case = Case::new(bob(), "s3:GetObject", "arn:aws:s3:::home/bob/x").identity(policy);
    assert_eq!(case.outcome(), (Allowed, Identity));
    let not_resource = doc(
        json!({"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::home/${aws:username}/*"}),
    );
    let case = Case::new(session(), "s3:GetObject", "arn:aws:s3:::x")
        .identity(allow("s3:*", "*"))
        .identity(not_resource);
    assert_eq!(case.outcome(), (Allowed, Identity));
}

#[test]
fn a_permissions_boundary_intersects_with_identity_policies() {
    // access_policies_boundaries: ShirleyRodriguez's boundary allows S3, CloudWatch and EC2;
    // her identity policy allows iam:CreateUser, which the boundary does not.
    let boundary = doc(
        json!({"Effect": "Allow", "Action": ["s3:*", "cloudwatch:*", "ec2:*"], "Resource": "*"}),
    );
    let case = Case::new(bob(), "iam:CreateUser", ALICE)
        .identity(allow("iam:CreateUser", "*"))
        .boundary(boundary.clone());
    assert_eq!(case.outcome(), (ImplicitDeny, Boundary));
    assert!(
        case.message()
            .ends_with(" because no permissions boundary allows the iam:CreateUser action")
    );
    let case = Case::new(bob(), "s3:GetObject", "arn:aws:s3:::b/k")
        .identity(allow("s3:*", "*"))
        .boundary(boundary.clone());
    assert_eq!(case.outcome(), (Allowed, Identity));
    // The boundary alone grants nothing.
    let case = Case::new(bob(), "s3:GetObject", "arn:aws:s3:::b/k").boundary(boundary);
    assert_eq!(case.outcome(), (ImplicitDeny, Identity));
    let case = Case::new(bob(), "s3:GetObject", "arn:aws:s3:::b/k")
        .identity(allow("s3:*", "*"))
        .boundary(doc(json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}])));
    assert_eq!(case.outcome(), (ExplicitDeny, Boundary));
    assert!(
        case.message()
            .ends_with(" with an explicit deny in a permissions boundary")
    );
}

#[test]
fn session_policies_intersect_with_the_roles_permissions() {
    // access_policies#policies_session: the session's permissions are the intersection of the
    // role's identity-based policies and the session policies.
    let role_policy = allow("s3:*", "*");
    let plain =
        Case::new(session(), "s3:PutObject", "arn:aws:s3:::b/k").identity(role_policy.clone());
    assert_eq!(plain.outcome(), (Allowed, Identity));
    let narrowed = Case::new(session(), "s3:PutObject", "arn:aws:s3:::b/k")
        .identity(role_policy.clone())
        .session_policy(allow("s3:GetObject", "*"));
    assert_eq!(narrowed.outcome(), (ImplicitDeny, Session));
    assert!(
        narrowed
            .message()
            .ends_with(" because no session policy allows the s3:PutObject action")
    );
    let read = Case::new(session(), "s3:GetObject", "arn:aws:s3:::b/k")
        .identity(role_policy.clone())
        .session_policy(allow("s3:GetObject", "*"));
    assert_eq!(read.outcome(), (Allowed, Identity));
    // Several session policies (the inline one and managed PolicyArns): any may allow.
    let two = Case::new(session(), "s3:PutObject", "arn:aws:s3:::b/k")
        .identity(role_policy.clone())
        .session_policy(allow("s3:GetObject", "*"))
        .session_policy(allow("s3:PutObject", "*"));
    assert_eq!(two.outcome(), (Allowed, Identity));
    // A session policy grants nothing the role lacks.
    let wider = Case::new(session(), "iam:CreateUser", ALICE)
        .identity(role_policy.clone())
        .session_policy(allow("*", "*"));
    assert_eq!(wider.outcome(), (ImplicitDeny, Identity));
    let denied = Case::new(session(), "s3:GetObject", "arn:aws:s3:::b/k")
        .identity(role_policy)
        .session_policy(doc(json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Effect": "Deny", "Action": "s3:Get*", "Resource": "*"}])));
    assert_eq!(denied.outcome(), (ExplicitDeny, Session));
    assert!(
        denied
            .message()
            .ends_with(" with an explicit deny in a session policy")
    );
}

#[test]
fn a_federated_user_without_a_session_policy_has_no_permissions() {
    // Evaluation flow: "If there is no session policy, the code checks whether the principal
    // is a role session … Otherwise, the request is implicitly denied".
    let fed = Principal::federated_user("arn:aws:sts::123456789012:federated-user/carol", BOB);
    let case =
        Case::new(fed.clone(), "s3:GetObject", "arn:aws:s3:::b/k").identity(allow("s3:*", "*"));
    assert_eq!(case.outcome(), (ImplicitDeny, Session));
    let case = Case::new(fed, "s3:GetObject", "arn:aws:s3:::b/k")
        .identity(allow("s3:*", "*"))
        .session_policy(allow("s3:GetObject", "*"));
    assert_eq!(case.outcome(), (Allowed, Identity));
}

#[test]
fn within_an_account_a_resource_policy_naming_the_user_is_enough() {
    // "If a resource-based policy grants permission directly to the IAM user … an implicit
    // deny in an identity-based policy, a permissions boundary, or a session policy does not
    // impact the final decision."
    let bucket = grant(
        json!({"AWS": BOB}),
        "Allow",
        "s3:GetObject",
        "arn:aws:s3:::b/*",
    );
    let case = Case::new(bob(), "s3:GetObject", "arn:aws:s3:::b/k").resource(bucket.clone());
    assert_eq!(case.outcome(), (Allowed, Resource));
    let case = Case::new(bob(), "s3:GetObject", "arn:aws:s3:::b/k")
        .resource(bucket.clone())
        .boundary(allow("ec2:*", "*"));
    assert_eq!(case.outcome(), (Allowed, Resource));
    // Someone else is not named.
    let alice = Principal::user(ALICE, "AIDAALICE");
    let case = Case::new(alice, "s3:GetObject", "arn:aws:s3:::b/k").resource(bucket);
    assert_eq!(case.outcome(), (ImplicitDeny, Identity));
}

#[test]
fn a_resource_policy_naming_the_session_passes_boundary_and_session_policy() {
    // "IAM role session – … Permissions granted directly to a session are not limited by an
    // implicit deny in an identity-based policy, a permissions boundary, or session policy."
    let bucket = grant(
        json!({"AWS": SESSION}),
        "Allow",
        "s3:GetObject",
        "arn:aws:s3:::b/*",
    );
    let case = Case::new(session(), "s3:GetObject", "arn:aws:s3:::b/k")
        .resource(bucket)
        .boundary(allow("ec2:*", "*"))
        .session_policy(allow("ec2:*", "*"));
    assert_eq!(case.outcome(), (Allowed, Resource));
}

#[test]
fn a_resource_policy_naming_the_role_passes_only_the_identity_policy() {
    // "IAM role – Resource-based policies that grant permissions to an IAM role ARN are
    // limited by an implicit deny in a permissions boundary or session policy."
    let bucket = grant(
        json!({"AWS": ROLE}),
        "Allow",
        "s3:GetObject",
        "arn:aws:s3:::b/*",
    );
    let base = || Case::new(session(), "s3:GetObject", "arn:aws:s3:::b/k").resource(bucket.clone());
    assert_eq!(base().outcome(), (Allowed, Resource));
    assert_eq!(
        base().boundary(allow("ec2:*", "*")).outcome(),
        (ImplicitDeny, Boundary)
    );
    assert_eq!(
        base().session_policy(allow("ec2:*", "*")).outcome(),
        (ImplicitDeny, Session)
    );
    assert_eq!(
        base()
            .boundary(allow("s3:*", "*"))
            .session_policy(allow("s3:*", "*"))
            .outcome(),
        (Allowed, Resource)
    );
}

#[test]
fn a_resource_policy_naming_the_account_delegates_to_identity_policies() {
    // reference_policies_elements_principal, AWS account principals: the account's
    // identities still need identity-based permission.
    let bucket = grant(
        json!({"AWS": ACCOUNT}),
        "Allow",
        "s3:GetObject",
        "arn:aws:s3:::b/*",
    );
    let case = Case::new(bob(), "s3:GetObject", "arn:aws:s3:::b/k").resource(bucket.clone());
    assert_eq!(case.outcome(), (ImplicitDeny, Identity));
    let case = Case::new(bob(), "s3:GetObject", "arn:aws:s3:::b/k")
        .resource(bucket.clone())
        .identity(allow("s3:GetObject", "*"));
    assert_eq!(case.outcome(), (Allowed, Identity));
    // The root user is the account.
    let case =
        Case::new(Principal::root(ACCOUNT), "s3:GetObject", "arn:aws:s3:::b/k").resource(bucket);
    assert_eq!(case.outcome().0, Allowed);
}

#[test]
fn a_deny_in_a_resource_policy_wins() {
    let bucket = doc(json!([
        {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"},
        {"Effect": "Deny", "Principal": {"AWS": ACCOUNT}, "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::b/*"}
    ]));
    let case = Case::new(bob(), "s3:DeleteObject", "arn:aws:s3:::b/k")
        .identity(allow("*", "*"))
        .resource(bucket.clone());
    assert_eq!(case.outcome(), (ExplicitDeny, Resource));
    assert!(
        case.message()
            .ends_with(" with an explicit deny in a resource-based policy")
    );
    let case = Case::new(bob(), "s3:GetObject", "arn:aws:s3:::b/k").resource(bucket);
    assert_eq!(case.outcome(), (Allowed, Resource));
}

#[test]
fn across_accounts_both_sides_must_allow() {
    // reference_policies_evaluation-logic-cross-account: "the identity-based policy of the
    // requester and the resource-based policy … must both allow".
    let object = "arn:aws:s3:::shared/k";
    let bucket = grant(
        json!({"AWS": OTHER}),
        "Allow",
        "s3:GetObject",
        "arn:aws:s3:::shared/*",
    );
    let only_resource = Case::new(stranger(), "s3:GetObject", object)
        .owner(ACCOUNT)
        .resource(bucket.clone());
    assert_eq!(only_resource.outcome(), (ImplicitDeny, Identity));
    let only_identity = Case::new(stranger(), "s3:GetObject", object)
        .owner(ACCOUNT)
        .identity(allow("s3:*", "*"));
    assert_eq!(only_identity.outcome(), (ImplicitDeny, Resource));
    assert_eq!(
        only_identity.message(),
        "User: arn:aws:iam::210987654321:user/eve is not authorized to perform: s3:GetObject on \
         resource: arn:aws:s3:::shared/k because no resource-based policy allows the \
         s3:GetObject action"
    );
    let both = Case::new(stranger(), "s3:GetObject", object)
        .owner(ACCOUNT)
        .identity(allow("s3:*", "*"))
        .resource(bucket.clone());
    assert_eq!(both.outcome(), (Allowed, Resource));
    // The other account's boundary still applies to its own principal.
    let bounded = Case::new(stranger(), "s3:GetObject", object)
        .owner(ACCOUNT)
        .identity(allow("s3:*", "*"))
        .resource(bucket)
        .boundary(allow("ec2:*", "*"));
    assert_eq!(bounded.outcome(), (ImplicitDeny, Boundary));
    // The owner comes from the resource ARN when not given.
    let iam = Case::new(stranger(), "iam:GetUser", ALICE).identity(allow("iam:*", "*"));
    assert_eq!(iam.outcome(), (ImplicitDeny, Resource));
}

#[test]
fn the_root_user_may_do_anything_in_its_account_but_not_past_denies_and_scps() {
    // "By default, all requests are implicitly denied with the exception of the AWS account
    // root user, which has full access." SCPs apply to the root user of member accounts.
    let root = || Principal::root(ACCOUNT);
    assert_eq!(
        Case::new(root(), "iam:CreateUser", ALICE).outcome(),
        (Allowed, Identity)
    );
    assert_eq!(
        Case::new(root(), "iam:CreateUser", ALICE)
            .decide()
            .by_type
            .identity,
        Allowed
    );
    let bucket = grant(json!("*"), "Deny", "s3:*", "arn:aws:s3:::b/*");
    let denied = Case::new(root(), "s3:GetObject", "arn:aws:s3:::b/k").resource(bucket);
    assert_eq!(denied.outcome(), (ExplicitDeny, Resource));
    let scp = Case::new(root(), "iam:CreateUser", ALICE).scp(allow("s3:*", "*"));
    assert_eq!(scp.outcome(), (ImplicitDeny, Scp));
    // Another account's resources need that account's resource policy.
    let foreign = Case::new(root(), "s3:GetObject", "arn:aws:s3:::theirs/k").owner(OTHER);
    assert_eq!(foreign.outcome(), (ImplicitDeny, Resource));
}

#[test]
fn scps_must_allow_and_always_read_as_explicit_denies() {
    // troubleshoot_access-denied: "When an SCP denies access, the error message always
    // includes the phrase with an explicit deny in a service control policy".
    let case = Case::new(bob(), "iam:CreateUser", ALICE)
        .identity(allow("iam:*", "*"))
        .scp(allow("s3:*", "*"));
    assert_eq!(case.outcome(), (ImplicitDeny, Scp));
    assert!(
        case.message()
            .ends_with(" with an explicit deny in a service control policy")
    );
    let case = Case::new(bob(), "iam:CreateUser", ALICE)
        .identity(allow("iam:*", "*"))
        .scp(allow("*", "*"));
    assert_eq!(case.outcome(), (Allowed, Identity));
    let case = Case::new(bob(), "iam:CreateUser", ALICE)
        .identity(allow("iam:*", "*"))
        .scp(allow("*", "*"))
        .scp(deny("iam:Create*", "*"));
    assert_eq!(case.outcome(), (ExplicitDeny, Scp));
    // An SCP allows nothing by itself.
    let case = Case::new(bob(), "iam:CreateUser", ALICE).scp(allow("*", "*"));
    assert_eq!(case.outcome(), (ImplicitDeny, Identity));
}

#[test]
fn trust_policies_must_name_the_caller_even_within_the_account() {
    // "IAM role trust policies and KMS key policies are exceptions … they must explicitly
    // allow access for principals."
    let trust_user =
        doc(json!({"Effect": "Allow", "Principal": {"AWS": BOB}, "Action": "sts:AssumeRole"}));
    let trust_account = doc(
        json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}),
    );
    let trust_other =
        doc(json!({"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "sts:AssumeRole"}));
    let assume = || {
        Case::new(
            bob(),
            "sts:AssumeRole",
            "arn:aws:iam::123456789012:role/Target",
        )
    };
    // Named directly: no identity-based permission needed.
    assert_eq!(assume().trust(trust_user).outcome(), (Allowed, Resource));
    // The account is named: bob needs sts:AssumeRole in an identity-based policy.
    assert_eq!(
        assume().trust(trust_account.clone()).outcome(),
        (ImplicitDeny, Identity)
    );
    assert_eq!(
        assume()
            .trust(trust_account)
            .identity(allow("sts:AssumeRole", "*"))
            .outcome(),
        (Allowed, Identity)
    );
    // Not named: an identity-based allow is not enough, and STS gives no reason.
    let refused = assume()
        .trust(trust_other)
        .identity(allow("sts:AssumeRole", "*"));
    assert_eq!(refused.outcome(), (ImplicitDeny, Resource));
    assert_eq!(
        refused.message(),
        "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: sts:AssumeRole on \
         resource: arn:aws:iam::123456789012:role/Target"
    );
    // A service assumes a role its trust policy names.
    let ec2 = doc(
        json!({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}),
    );
    let case = Case::new(
        Principal::service("ec2.amazonaws.com"),
        "sts:AssumeRole",
        "arn:aws:iam::123456789012:role/Target",
    )
    .trust(ec2.clone());
    assert_eq!(case.outcome(), (Allowed, Resource));
    let case = Case::new(
        Principal::service("lambda.amazonaws.com"),
        "sts:AssumeRole",
        "arn:aws:iam::123456789012:role/Target",
    )
    .trust(ec2);
    assert_eq!(case.outcome(), (ImplicitDeny, Resource));
}

#[test]
fn a_key_policy_that_does_not_name_the_account_locks_out_even_root() {
    let key_policy = grant(json!({"AWS": ALICE}), "Allow", "kms:*", "*");
    let mut case = Case::new(
        Principal::root(ACCOUNT),
        "kms:Decrypt",
        "arn:aws:kms:us-east-1:123456789012:key/k",
    )
    .resource(key_policy);
    case.must_name_caller = true;
    assert_eq!(case.outcome(), (ImplicitDeny, Resource));
}

#[test]
fn web_identity_trust_with_conditions() {
    // id_roles_create_for-idp_oidc: a Federated principal and an aud condition.
    let provider = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
    let trust = doc(
        json!({"Effect": "Allow", "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                      "StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/*"}}}),
    );
    let case = |sub: &str| {
        Case::new(
            Principal::web_identity(provider),
            "sts:AssumeRoleWithWebIdentity",
            "arn:aws:iam::123456789012:role/CI",
        )
        .trust(trust.clone())
        .with(
            "token.actions.githubusercontent.com:aud",
            "sts.amazonaws.com",
        )
        .with("token.actions.githubusercontent.com:sub", sub)
        .outcome()
    };
    assert_eq!(
        case("repo:org/app:ref:refs/heads/main"),
        (Allowed, Resource)
    );
    assert_eq!(
        case("repo:evil/app:ref:refs/heads/main"),
        (ImplicitDeny, Resource)
    );
}

#[test]
fn anonymous_callers_need_a_public_resource_policy() {
    let public = grant(json!("*"), "Allow", "s3:GetObject", "arn:aws:s3:::site/*");
    let case = Case::new(
        Principal::anonymous(),
        "s3:GetObject",
        "arn:aws:s3:::site/index.html",
    )
    .resource(public);
    assert_eq!(case.outcome(), (Allowed, Resource));
    let case = Case::new(
        Principal::anonymous(),
        "s3:GetObject",
        "arn:aws:s3:::site/index.html",
    );
    assert_eq!(case.outcome(), (ImplicitDeny, Resource));
}

#[test]
fn conditions_decide_whether_a_statement_applies() {
    // The "DenyAllExceptListedIfNoMFA" statement of the self-service MFA example policy, and an
    // IP restriction from the IpAddress operator docs.
    let mfa = doc(json!([
        {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
        {"Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny",
         "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices", "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken"],
         "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
    ]));
    let without_mfa = Case::new(bob(), "iam:CreateUser", ALICE).identity(mfa.clone());
    assert_eq!(without_mfa.outcome(), (ExplicitDeny, Identity));
    let listed = Case::new(bob(), "iam:GetUser", BOB).identity(mfa.clone());
    assert_eq!(listed.outcome(), (Allowed, Identity));
    let with_mfa = Case::new(bob(), "iam:CreateUser", ALICE)
        .identity(mfa.clone())
        .with("aws:MultiFactorAuthPresent", "true");
    assert_eq!(with_mfa.outcome(), (Allowed, Identity));
    let said_no = Case::new(bob(), "iam:CreateUser", ALICE)
        .identity(mfa)
        .with("aws:MultiFactorAuthPresent", "false");
    assert_eq!(said_no.outcome(), (ExplicitDeny, Identity));

    let office = doc(
        json!({"Effect": "Allow", "Action": "iam:*AccessKey*", "Resource": "arn:aws:iam::123456789012:user/*",
        "Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}}}),
    );
    let ip = |addr: &str| {
        Case::new(bob(), "iam:CreateAccessKey", BOB)
            .identity(office.clone())
            .with("aws:SourceIp", addr)
            .outcome()
            .0
    };
    assert_eq!(ip("203.0.113.10"), Allowed);
    assert_eq!(ip("2001:db8:1234:5678:abcd::1"), Allowed);
    assert_eq!(ip("198.51.100.7"), ImplicitDeny);
    // The tag example: the principal's tag must equal the resource's.
    let tags = doc(
        json!({"Effect": "Allow", "Action": "iam:*", "Resource": "*",
        "Condition": {"StringEquals": {"iam:ResourceTag/team": "${aws:PrincipalTag/team}"}}}),
    );
    let tagged = |resource_team: &str| {
        Case::new(bob(), "iam:UpdateUser", ALICE)
            .identity(tags.clone())
            .with("aws:PrincipalTag/team", "blue")
            .with("iam:ResourceTag/team", resource_team)
            .outcome()
            .0
    };
    assert_eq!(tagged("blue"), Allowed);
    assert_eq!(tagged("red"), ImplicitDeny);
}

#[test]
fn per_type_decisions_are_reported() {
    let case = Case::new(session(), "s3:PutObject", "arn:aws:s3:::b/k")
        .identity(allow("s3:*", "*"))
        .boundary(allow("s3:*", "*"))
        .session_policy(allow("s3:GetObject", "*"))
        .resource(grant(json!({"AWS": OTHER}), "Allow", "s3:*", "*"))
        .scp(allow("*", "*"));
    let d = case.decide();
    assert_eq!(
        d.by_type,
        TypeDecisions {
            identity: Allowed,
            resource: Some(ImplicitDeny),
            boundary: Some(Allowed),
            session: Some(ImplicitDeny),
            scp: Some(Allowed),
        }
    );
    assert_eq!((d.effect, d.decided_by), (ImplicitDeny, Session));
    assert_eq!(EvalDecision::ExplicitDeny.as_str(), "explicitDeny");
}

#[test]
fn statements_are_looked_up_by_service_and_reported_in_order() {
    // The action index must not lose statements: NotAction and the `*` vendor (the only
    // wildcard IAM takes there: "Vendor i?m is not valid") are tried for every action, and
    // matches keep the document's order.
    let policy = doc(json!([
        {"Sid": "A", "Effect": "Allow", "Action": "iam:Get*", "Resource": "*"},
        {"Sid": "B", "Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "C", "Effect": "Allow", "NotAction": "s3:*", "Resource": "*"},
        {"Sid": "D", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*"},
        {"Sid": "E", "Effect": "Allow", "Action": ["ec2:Describe*", "IAM:getuser"], "Resource": "*"},
        {"Sid": "F", "Effect": "Allow", "Action": "*:GetUser", "Resource": "*"}
    ]));
    let sids = |action: &str| -> Vec<String> {
        Case::new(bob(), action, "*")
            .identity(policy.clone())
            .decide()
            .matched
            .iter()
            .filter_map(|m| m.sid.as_deref().map(str::to_owned))
            .collect()
    };
    assert_eq!(sids("iam:GetUser"), ["A", "B", "C", "E", "F"]);
    assert_eq!(sids("IAM:GETUSER"), ["A", "B", "C", "E", "F"]);
    assert_eq!(sids("s3:GetObject"), ["B", "D"]);
    assert_eq!(sids("ec2:DescribeInstances"), ["B", "C", "E"]);
    assert_eq!(sids("sqs:SendMessage"), ["B", "C"]);
}

#[test]
fn a_request_without_a_resource_leaves_it_out_of_the_message() {
    let case = Case::new(bob(), "iam:ListUsers", "");
    assert_eq!(
        case.message(),
        "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: iam:ListUsers \
         because no identity-based policy allows the iam:ListUsers action"
    );
}

/// A small deterministic generator (no external crates): a 64-bit LCG.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as usize
    }

    fn pick<'a, T: ?Sized>(&mut self, items: &'a [&'a T]) -> &'a T {
        items[self.next() % items.len()]
    }

    fn pick_value<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.next() % items.len()].clone()
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.next() % 100 < percent
    }
}

const ACTIONS: [&str; 5] = [
    "iam:GetUser",
    "iam:CreateUser",
    "iam:ListUsers",
    "s3:GetObject",
    "sts:AssumeRole",
];
const ACTION_PATTERNS: [&str; 7] = [
    "iam:*",
    "iam:Get*",
    "*",
    "s3:*",
    "iam:CreateUser",
    "iam:list*",
    "sts:*",
];
const RESOURCES: [&str; 4] = [
    ALICE,
    BOB,
    "arn:aws:s3:::bucket/key",
    "arn:aws:iam::210987654321:user/x",
];
const RESOURCE_PATTERNS: [&str; 5] = [
    "*",
    "arn:aws:iam::*:user/*",
    "arn:aws:iam::123456789012:user/a*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:iam::*:user/${aws:username}",
];

fn random_statement(rng: &mut Rng, principal: bool) -> Value {
    let mut s = json!({
        "Effect": if rng.chance(25) { "Deny" } else { "Allow" },
        "Action": *rng.pick(&ACTION_PATTERNS),
        "Resource": *rng.pick(&RESOURCE_PATTERNS),
    });
    if principal {
        s["Principal"] = rng.pick_value(&[
            json!("*"),
            json!({"AWS": ACCOUNT}),
            json!({"AWS": BOB}),
            json!({"AWS": ROLE}),
            json!({"AWS": OTHER}),
        ]);
    }
    match rng.next() % 4 {
        0 => s["Condition"] = json!({"StringEquals": {"aws:username": "bob"}}),
        1 => s["Condition"] = json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        _ => {}
    }
    s
}

fn random_policy(rng: &mut Rng, principal: bool) -> Value {
    let n = 1 + rng.next() % 3;
    doc(Value::Array(
        (0..n).map(|_| random_statement(rng, principal)).collect(),
    ))
}

fn random_case(rng: &mut Rng) -> Case {
    let principal = rng.pick_value(&[bob(), session(), Principal::root(ACCOUNT), stranger()]);
    let mut case = Case::new(principal, rng.pick(&ACTIONS), rng.pick(&RESOURCES)).with(
        "aws:SourceIp",
        rng.pick(&["10.1.2.3", "192.0.2.1"]).to_owned().as_str(),
    );
    for _ in 0..rng.next() % 4 {
        case = case.identity(random_policy(rng, false));
    }
    if rng.chance(40) {
        case = case.resource(random_policy(rng, true));
    }
    if rng.chance(30) {
        case = case.boundary(random_policy(rng, false));
    }
    if rng.chance(30) {
        case = case.session_policy(random_policy(rng, false));
    }
    if rng.chance(20) {
        case = case.scp(random_policy(rng, false));
    }
    case
}

#[test]
fn adding_a_matching_deny_never_yields_allow() {
    // "An explicit deny in any of these policies overrides the allow", wherever it is added.
    let mut rng = Rng(0x5eed_1a3f);
    for i in 0..600 {
        let case = random_case(&mut rng);
        let before = case.decide();
        let action = case.ctx.action().to_owned();
        let matching = doc(json!({"Effect": "Deny", "Action": action, "Resource": "*"}));
        let place = rng.next() % 5;
        let case = match place {
            0 => case.identity(matching),
            1 => case.boundary(matching),
            2 => case.session_policy(matching),
            3 => case.scp(matching),
            _ => case.resource(doc(
                json!({"Effect": "Deny", "Principal": "*", "Action": action, "Resource": "*"}),
            )),
        };
        let after = case.decide();
        assert_eq!(
            after.effect, ExplicitDeny,
            "case {i} (place {place}): was {:?}",
            before.effect
        );
        assert!(after.matched.iter().all(|m| m.effect == Effect::Deny));
        assert!(!after.matched.is_empty());
    }
}

#[test]
fn adding_an_identity_allow_never_turns_allowed_into_denied() {
    let mut rng = Rng(0x0a11_00ed);
    for i in 0..600 {
        let case = random_case(&mut rng);
        let before = case.decide().effect;
        let mut extra = random_policy(&mut rng, false);
        for statement in extra["Statement"].as_array_mut().unwrap() {
            statement["Effect"] = json!("Allow");
        }
        let after = case.identity(extra).decide().effect;
        match before {
            Allowed => assert_eq!(after, Allowed, "case {i}"),
            ExplicitDeny => assert_eq!(after, ExplicitDeny, "case {i}"),
            ImplicitDeny => {}
        }
    }
}

#[test]
fn the_case_of_the_requested_action_never_changes_the_decision() {
    // Action names are case-insensitive, whichever way the request spells them.
    let mut rng = Rng(0xca5e);
    for i in 0..400 {
        let mut case = random_case(&mut rng);
        let before = case.decide();
        let flipped: String = case
            .ctx
            .action()
            .chars()
            .map(|c| {
                if rng.chance(50) {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect();
        let (resource, principal) = (case.ctx.resource().to_owned(), case.ctx.principal().clone());
        let source_ip = case.ctx.get("aws:SourceIp").cloned().unwrap();
        case.ctx =
            RequestContext::new(&flipped, &resource, principal).with("aws:SourceIp", source_ip);
        let after = case.decide();
        assert_eq!(
            (before.effect, before.decided_by),
            (after.effect, after.decided_by),
            "case {i}"
        );
    }
}

/// Ten policies of ten statements with three conditions each. Run with
/// `cargo test --release --lib policy::evaluate::tests::timing -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check: timing depends on the machine"]
fn timing_of_a_decision_over_ten_policies_of_ten_statements() {
    let conditions = json!({
        "StringEquals": {"aws:PrincipalTag/team": ["blue", "green"]},
        "IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
        "Bool": {"aws:SecureTransport": "true"}
    });
    // Worst case: every statement names an `iam:List*` action, so all 100 are tried; the
    // ten for team9 match and are reported.
    let all_iam: Vec<NamedPolicy> = (0..10)
        .map(|p| {
            let statements: Vec<Value> = (0..10)
                .map(|s| {
                    json!({"Sid": format!("S{p}x{s}"), "Effect": "Allow",
                    "Action": [format!("iam:Get{p}{s}*"), format!("s3:Put{s}*"), "iam:List*"],
                    "Resource": format!("arn:aws:iam::123456789012:user/team{s}/*"),
                    "Condition": conditions.clone()})
                })
                .collect();
            named(
                &format!("p{p}"),
                &doc(Value::Array(statements)),
                PolicyKind::Identity { managed: true },
            )
        })
        .collect();
    // Typical: ten policies for ten services; only the IAM one is looked at.
    let services = [
        "iam", "s3", "ec2", "sqs", "sns", "kms", "dynamodb", "lambda", "logs", "sts",
    ];
    let per_service: Vec<NamedPolicy> = services
        .iter()
        .map(|service| {
            let statements: Vec<Value> = (0..10)
                .map(|s| {
                    json!({"Effect": if s == 9 { "Deny" } else { "Allow" },
                    "Action": [format!("{service}:Get{s}*"), format!("{service}:List*")],
                    "Resource": format!("arn:aws:iam::123456789012:user/team{s}/*"),
                    "Condition": conditions.clone()})
                })
                .collect();
            named(
                service,
                &doc(Value::Array(statements)),
                PolicyKind::Identity { managed: true },
            )
        })
        .collect();
    let ctx = |action: &str| {
        RequestContext::new(action, "arn:aws:iam::123456789012:user/team3/zed", bob())
            .with("aws:PrincipalTag/team", "green")
            .with("aws:SourceIp", "10.1.2.3")
            .with("aws:SecureTransport", "true")
    };
    let rounds = 20_000;
    for (label, policies, action) in [
        (
            "worst case: 100 statements tried, 10 match",
            &all_iam,
            "iam:ListUsers",
        ),
        (
            "100 statements, none for the action",
            &all_iam,
            "ec2:RunInstances",
        ),
        (
            "10 services: 10 statements tried, 1 matches",
            &per_service,
            "iam:ListUsers",
        ),
    ] {
        let ctx = ctx(action);
        let input = EvaluationInput {
            identity: policies,
            ..Default::default()
        };
        let start = std::time::Instant::now();
        for _ in 0..rounds {
            std::hint::black_box(evaluate(&ctx, &input));
        }
        println!("{:?} per decision: {label}", start.elapsed() / rounds);
    }
}
