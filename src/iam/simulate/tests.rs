use super::*;

const MATEO: &str = "arn:aws:iam::111122223333:user/mateo";

fn named(id: &str, document: &str, kind: PolicyKind) -> NamedPolicy {
    NamedPolicy::new(id, Policy::parse(document, kind).expect("a valid document"))
}

fn scenario(actions: &[&str], resources: &[&str]) -> Scenario {
    Scenario {
        actions: actions.iter().map(|a| (*a).to_owned()).collect(),
        resources: resources.iter().map(|r| (*r).to_owned()).collect(),
        resource_policy: None,
        resource_owner: None,
        caller_arn: None,
        context: Vec::new(),
        marker: None,
        max_items: 100,
    }
}

fn entry(name: &str, key_type: Option<&str>, values: &[&str]) -> ContextEntry {
    ContextEntry {
        name: name.to_owned(),
        values: values.iter().map(|v| (*v).to_owned()).collect(),
        key_type: key_type.map(str::to_owned),
    }
}

fn xml(output: &SimulatePolicyOutput) -> String {
    let mut w = XmlWriter::new();
    output.write_xml(&mut w);
    w.finish()
}

#[test]
fn entity_arns_name_a_user_role_or_group() {
    assert_eq!(
        EntityArn::parse("arn:aws:iam::123456789012:user/eng/alice"),
        Some(EntityArn {
            kind: EntityKind::User,
            account: "123456789012",
            name: "alice"
        })
    );
    assert_eq!(
        EntityArn::parse("arn:aws:iam::123456789012:role/Dev").map(|e| e.kind),
        Some(EntityKind::Role)
    );
    assert_eq!(
        EntityArn::parse("arn:aws:iam::123456789012:group/ops").map(|e| e.kind),
        Some(EntityKind::Group)
    );
    // The API reference's own example leaves the account out.
    assert_eq!(
        EntityArn::parse("arn:aws:iam:::user/Jill").map(|e| (e.account, e.name)),
        Some(("", "Jill"))
    );
    // IAM refuses a session ARN: "does not clearly define entity type and name".
    for arn in [
        "arn:aws:sts::123456789012:assumed-role/Admin/me",
        "arn:aws:iam::123456789012:policy/P",
        "arn:aws:iam::123456789012:user/",
        "arn:aws:iam::123456789012:root",
        "arn:aws:iam:us-east-1:123456789012:user/alice",
        "user/alice",
    ] {
        assert_eq!(EntityArn::parse(arn), None, "{arn}");
    }
}

#[test]
fn a_caller_must_be_an_iam_user() {
    assert_eq!(caller_user(MATEO).unwrap().arn, MATEO);
    for arn in [
        "arn:aws:iam::111122223333:role/Dev",
        "arn:aws:iam:::user/nobody-knows-where",
    ] {
        let err = caller_user(arn).unwrap_err();
        assert_eq!(err.code, crate::error::ErrorCode::InvalidInput);
        assert_eq!(err.message, CALLER_MUST_BE_USER);
    }
}

#[test]
fn a_resource_owner_is_an_account_arn_or_id() {
    // SimulateCustomPolicy documents the ARN, SimulatePrincipalPolicy the bare id.
    assert_eq!(
        resource_owner("arn:aws:iam::123456789012:root").unwrap(),
        "123456789012"
    );
    assert_eq!(resource_owner("123456789012").unwrap(), "123456789012");
    for owner in [
        "arn:aws:iam::123456789012:user/bob",
        "1234",
        "arn:aws:iam::112233445566-ID:root",
    ] {
        assert!(resource_owner(owner).is_err(), "{owner}");
    }
}

#[test]
fn context_entries_become_single_values_or_sets_by_type() {
    let single = entry("aws:SourceIp", Some("ip"), &["203.0.113.0/24"]);
    assert_eq!(
        context_value(&single).unwrap(),
        Some(ContextValue::Single("203.0.113.0/24".into()))
    );
    let list = entry("aws:TagKeys", Some("stringList"), &["a"]);
    assert_eq!(
        context_value(&list).unwrap(),
        Some(ContextValue::Multi(vec!["a".into()]))
    );
    let untyped = entry("s3:prefix", None, &["home/"]);
    assert_eq!(
        context_value(&untyped).unwrap(),
        Some(ContextValue::Single("home/".into()))
    );
    assert_eq!(
        context_value(&entry("aws:MultiFactorAuthPresent", Some("boolean"), &[])).unwrap(),
        None
    );
    for ok in [
        entry("k:n", Some("numeric"), &["3600"]),
        entry("k:n", Some("numericList"), &["1.5", "-2"]),
        entry("k:b", Some("boolean"), &["TRUE"]),
        entry("k:i", Some("ipList"), &["2001:db8::/32", "10.0.0.1"]),
        entry("k:d", Some("date"), &["2015-08-16T12:00:00Z"]),
    ] {
        assert!(context_value(&ok).is_ok(), "{ok:?}");
    }
    for bad in [
        entry("k:n", Some("numeric"), &["ten"]),
        entry("k:b", Some("booleanList"), &["true", "yes"]),
        entry("k:i", Some("ip"), &["10.0.0.0/33"]),
        entry("k:i", Some("ip"), &["example.com"]),
    ] {
        let err = context_value(&bad).unwrap_err();
        assert_eq!(err.code, crate::error::ErrorCode::InvalidInput, "{bad:?}");
    }
}

#[test]
fn the_simulated_context_holds_only_the_entries() {
    let caller = policy::Principal::user(MATEO, "AIDAMATEO");
    let entries = vec![("aws:SourceIp".to_owned(), ContextValue::from("10.0.0.1"))];
    let ctx = request_context("s3:GetObject", "*", &caller, &entries);
    assert_eq!(ctx.get("aws:username"), None);
    assert_eq!(ctx.get("aws:PrincipalArn"), None);
    assert_eq!(
        ctx.get("AWS:SOURCEIP"),
        Some(&ContextValue::from("10.0.0.1"))
    );
    assert_eq!(ctx.iter().count(), 1);
    assert_eq!(ctx.principal().arn, MATEO);
}

#[test]
fn missing_context_values_are_every_key_read_and_not_supplied() {
    // boto/boto3#3111: a key read by a statement for another action is reported too.
    let policy = named(
        "PolicyInputList.1",
        r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b",
             "Condition": {"StringLike": {"aws:PrincipalTag/team": "s3"}}},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}"}]}"#,
        PolicyKind::Identity { managed: false },
    );
    let other = named(
        "PolicyInputList.2",
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*",
            "Condition": {"IpAddress": {"AWS:SourceIp": "10.0.0.0/8"}, "Bool": {"aws:username": "x"}}}}"#,
        PolicyKind::Identity { managed: false },
    );
    let supplied = vec![("AWS:PRINCIPALTAG/TEAM".to_owned(), ContextValue::from("s3"))];
    assert_eq!(
        missing_context_values([&policy, &other].into_iter(), &supplied),
        ["aws:username", "AWS:SourceIp"]
    );
    assert_eq!(
        context_key_names(&[policy, other]),
        [
            "aws:PrincipalTag/team",
            "aws:username",
            "aws:username",
            "AWS:SourceIp"
        ]
    );
}

#[test]
fn an_entitys_policies_are_named_as_the_simulator_names_them() {
    assert_eq!(
        source_policy_id(
            EntityKind::User,
            "admin",
            "arn:aws:iam::111122223333:policy/team/ReadOnly"
        ),
        "ReadOnly"
    );
    assert_eq!(
        source_policy_id(EntityKind::User, "admin", "AdminUser"),
        "user_admin_AdminUser"
    );
    assert_eq!(
        source_policy_id(EntityKind::Role, "ecs-exec", "secrets"),
        "role_ecs-exec_secrets"
    );
}

/// The API reference's SimulateCustomPolicy "Same-Account Simulation": identity policy and
/// boundary allow only IAM actions, the bucket policy names Mateo, so `s3:PutObject` is
/// allowed by the resource-based policy alone.
#[test]
fn a_resource_policy_naming_the_user_allows_past_identity_and_boundary() {
    let iam_only = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["iam:*"],"Resource":["*"]}}"#;
    let resource_policy = named(
        "ResourcePolicy",
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/mateo"},"Action":["s3:List*","s3:Put*"],"Resource":["arn:aws:s3:::production/*"]}}"#,
        PolicyKind::Resource,
    );
    let mut scenario = scenario(&["s3:PutObject"], &["arn:aws:s3:::production/Test"]);
    scenario.resource_owner = Some("arn:aws:iam::111122223333:root".into());
    let simulation = Simulation::new(
        vec![named(
            "PolicyInputList.1",
            iam_only,
            PolicyKind::Identity { managed: false },
        )],
        Some(named(
            "PermissionsBoundaryPolicyInputList.1",
            iam_only,
            PolicyKind::Boundary,
        )),
        Some(resource_policy),
        Vec::new(),
        caller_user(MATEO).unwrap(),
        &scenario,
    )
    .unwrap();
    let output = simulation.page(&scenario, None);
    let result = &output.results[0];
    assert_eq!(result.decision, EvalDecision::Allowed);
    assert_eq!(result.allowed_by_boundary, Some(false));
    assert_eq!(result.details, None);
    let ids: Vec<&str> = result.matched.iter().map(|m| &*m.policy_id).collect();
    assert_eq!(ids, ["ResourcePolicy"]);
    let body = xml(&output);
    assert!(
        body.contains("<EvalDecisionDetails></EvalDecisionDetails>"),
        "{body}"
    );
    assert!(
        body.contains(
            "<SourcePolicyId>ResourcePolicy</SourcePolicyId>\
             <SourcePolicyType>Resource Policy</SourcePolicyType>"
        ),
        "{body}"
    );
    assert!(body.contains("<ResourceSpecificResults><member><EvalResourceName>arn:aws:s3:::production/Test</EvalResourceName><EvalResourceDecision>allowed</EvalResourceDecision>"), "{body}");
    assert!(
        body.contains(
            "<PermissionsBoundaryDecisionDetail><AllowedByPermissionsBoundary>false\
             </AllowedByPermissionsBoundary></PermissionsBoundaryDecisionDetail>"
        ),
        "{body}"
    );
}

/// The API reference's SimulatePrincipalPolicy "Cross-Account Simulation": the bucket
/// policy of account 123456789012 allows Arnav of 444455556666, whose own policies do not,
/// so the answer is an implicit deny, explained per policy type.
#[test]
fn a_cross_account_simulation_explains_each_policy_type() {
    let arnav = "arn:aws:iam::444455556666:user/arnav";
    let mut scenario = scenario(&["s3:PutObject"], &["arn:aws:s3:::mary/Test"]);
    scenario.resource_owner = Some("arn:aws:iam::123456789012:root".into());
    let simulation = Simulation::new(
        Vec::new(),
        Some(named(
            "PermissionsBoundaryPolicyInputList.1",
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["iam:*"],"Resource":["*"]}}"#,
            PolicyKind::Boundary,
        )),
        Some(named(
            "ResourcePolicy",
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:user/arnav"},"Action":["s3:List*","s3:Put*"],"Resource":["arn:aws:s3:::mary/*"]}}"#,
            PolicyKind::Resource,
        )),
        Vec::new(),
        caller_user(arnav).unwrap(),
        &scenario,
    )
    .unwrap();
    let output = simulation.page(&scenario, None);
    let result = &output.results[0];
    assert_eq!(result.decision, EvalDecision::ImplicitDeny);
    assert_eq!(
        result.details.as_deref(),
        Some(
            &[
                ("IAM Policy", EvalDecision::ImplicitDeny),
                ("Resource Policy", EvalDecision::Allowed),
                ("Permissions Boundary Policy", EvalDecision::ImplicitDeny),
            ][..]
        )
    );
    assert_eq!(result.allowed_by_boundary, Some(false));
    let body = xml(&output);
    assert!(
        body.contains(
            "<EvalDecisionDetails><entry><key>IAM Policy</key><value>implicitDeny</value></entry>"
        ),
        "{body}"
    );
}

#[test]
fn the_resource_star_has_no_resource_specific_results() {
    let policy = named(
        "PolicyInputList.1",
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}"#,
        PolicyKind::Identity { managed: false },
    );
    let scenario = scenario(&["s3:ListAllMyBuckets", "s3:DeleteBucket"], &[]);
    let caller = policy::Principal::user("arn:aws:iam::000000000000:user/", "");
    let simulation =
        Simulation::new(vec![policy], None, None, Vec::new(), caller, &scenario).unwrap();
    let body = xml(&simulation.page(&scenario, None));
    assert!(!body.contains("ResourceSpecificResults"), "{body}");
    assert!(!body.contains("EvalDecisionDetails"), "{body}");
    assert!(
        !body.contains("PermissionsBoundaryDecisionDetail"),
        "{body}"
    );
    assert!(
        body.starts_with(
            "<EvaluationResults><member><EvalActionName>s3:ListAllMyBuckets</EvalActionName>\
             <EvalResourceName>*</EvalResourceName><EvalDecision>implicitDeny</EvalDecision>\
             <MatchedStatements></MatchedStatements>\
             <MissingContextValues><member>aws:SourceIp</member></MissingContextValues></member>"
        ),
        "{body}"
    );
    assert!(body.ends_with("<IsTruncated>false</IsTruncated>"), "{body}");
}

#[test]
fn results_are_paged_actions_first() {
    let scenario = Scenario {
        max_items: 3,
        ..scenario(
            &["s3:GetObject", "s3:PutObject"],
            &["arn:aws:s3:::a", "arn:aws:s3:::b"],
        )
    };
    let caller = policy::Principal::user(MATEO, "");
    let simulation =
        Simulation::new(Vec::new(), None, None, Vec::new(), caller, &scenario).unwrap();
    let first = simulation.page(&scenario, None);
    let names: Vec<(&str, &str)> = first
        .results
        .iter()
        .map(|r| (r.action.as_str(), r.resource.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("s3:GetObject", "arn:aws:s3:::a"),
            ("s3:GetObject", "arn:aws:s3:::b"),
            ("s3:PutObject", "arn:aws:s3:::a"),
        ]
    );
    assert_eq!(first.marker.as_deref(), Some("3"));
    let second = simulation.page(&scenario, Some(3));
    assert_eq!(second.results.len(), 1);
    assert_eq!(second.marker, None);
}

/// Organizations: every level from the root to the account must allow; a deny anywhere
/// wins. <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html>
#[test]
fn every_level_of_the_organization_must_allow() {
    let full_access =
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
    let scp = |id: &str, document: &str| named(id, document, PolicyKind::Scp);
    let organization = vec![
        vec![
            scp("root.1", full_access),
            scp(
                "root.2",
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}}"#,
            ),
        ],
        vec![scp(
            "account.1",
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
        )],
    ];
    let scenario = scenario(&["s3:GetObject", "iam:ListUsers", "s3:DeleteBucket"], &[]);
    let simulation = Simulation::new(
        vec![named(
            "PolicyInputList.1",
            full_access,
            PolicyKind::Identity { managed: false },
        )],
        None,
        None,
        organization,
        caller_user(MATEO).unwrap(),
        &scenario,
    )
    .unwrap();
    let output = simulation.page(&scenario, None);
    let summary: Vec<(EvalDecision, Option<bool>, Vec<&str>)> = output
        .results
        .iter()
        .map(|r| {
            (
                r.decision,
                r.allowed_by_organizations,
                r.matched.iter().map(|m| &*m.policy_id).collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (EvalDecision::Allowed, Some(true), vec!["PolicyInputList.1"]),
            (EvalDecision::ImplicitDeny, Some(false), vec![]),
            (EvalDecision::ExplicitDeny, Some(false), vec!["root.2"]),
        ]
    );
    assert!(xml(&output).contains(
        "<OrganizationsDecisionDetail><AllowedByOrganizations>false</AllowedByOrganizations>\
         </OrganizationsDecisionDetail>"
    ));
}
