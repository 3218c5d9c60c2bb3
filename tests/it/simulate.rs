//! IAM's policy simulator, driven by the SDK: the same engine that enforces every call,
//! answering `SimulateCustomPolicy`, `SimulatePrincipalPolicy` and `GetContextKeysFor…`.

use std::collections::HashMap;

use aws_sdk_iam::Client;
use aws_sdk_iam::types::{
    ContextEntry, ContextKeyTypeEnum, EvaluationResult, OrderedOrganizationPolicyType,
    PolicyEvaluationDecisionType as Decision, Statement,
};

use crate::common::{ACCOUNT, TestServer, error_of};

fn allow(action: &str, resource: &str) -> String {
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "{action}", "Resource": "{resource}"}}]}}"#
    )
}

fn context(name: &str, key_type: ContextKeyTypeEnum, values: &[&str]) -> ContextEntry {
    values
        .iter()
        .fold(ContextEntry::builder(), |b, v| b.context_key_values(*v))
        .context_key_name(name)
        .context_key_type(key_type)
        .build()
}

/// `(SourcePolicyId, SourcePolicyType, start line, start column, end line, end column)`.
fn statements(matched: &[Statement]) -> Vec<(String, String, i32, i32, i32, i32)> {
    matched
        .iter()
        .map(|s| {
            let start = s.start_position().unwrap();
            let end = s.end_position().unwrap();
            (
                s.source_policy_id().unwrap().to_owned(),
                s.source_policy_type().unwrap().as_str().to_owned(),
                start.line(),
                start.column(),
                end.line(),
                end.column(),
            )
        })
        .collect()
}

fn decisions(results: &[EvaluationResult]) -> Vec<(&str, &str, Decision)> {
    results
        .iter()
        .map(|r| {
            (
                r.eval_action_name(),
                r.eval_resource_name().unwrap(),
                r.eval_decision().clone(),
            )
        })
        .collect()
}

fn details(result: &EvaluationResult) -> HashMap<String, Decision> {
    result
        .eval_decision_details()
        .cloned()
        .expect("EvalDecisionDetails is present")
}

/// The policy of the API reference's SimulateCustomPolicy example, as it lays it out.
const TEAMBUCKET_POLICY: &str = r#"{
  "Version":"2012-10-17",
  "Statement":{
    "Effect":"Allow",
    "Action":"s3:ListBucket",
    "Resource":"arn:aws:s3:::teambucket",
    "Condition":{
      "Bool":{"aws:MultiFactorAuthPresent":"true"}
    }
  }
}"#;

/// API reference, SimulateCustomPolicy, "Using Context Keys in a Policy Simulation": the
/// policy allows `s3:ListBucket` on `teambucket` when the context says MFA was used.
#[tokio::test]
async fn the_documented_custom_policy_example_is_allowed_with_its_context_entry() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let simulate = || {
        iam.simulate_custom_policy()
            .action_names("s3:ListBucket")
            .resource_arns("arn:aws:s3:::teambucket")
            .policy_input_list(TEAMBUCKET_POLICY)
    };
    let out = simulate()
        .context_entries(context(
            "aws:MultiFactorAuthPresent",
            ContextKeyTypeEnum::Boolean,
            &["true"],
        ))
        .send()
        .await
        .unwrap();
    assert!(!out.is_truncated());
    let result = &out.evaluation_results()[0];
    assert_eq!(
        decisions(out.evaluation_results()),
        [(
            "s3:ListBucket",
            "arn:aws:s3:::teambucket",
            Decision::Allowed
        )]
    );
    // The statement's `{` and `}`, counted from 1 (the documented sample is one line and
    // one column further on, its request being laid out differently).
    let matched = vec![(
        "PolicyInputList.1".to_owned(),
        "IAM Policy".to_owned(),
        3,
        15,
        10,
        3,
    )];
    assert_eq!(statements(result.matched_statements()), matched);
    assert!(result.missing_context_values().is_empty());
    // Same account, a resource ARN: the details are there, and empty.
    assert!(details(result).is_empty());
    let specific = &result.resource_specific_results()[0];
    assert_eq!(specific.eval_resource_name(), "arn:aws:s3:::teambucket");
    assert_eq!(specific.eval_resource_decision(), &Decision::Allowed);
    assert_eq!(statements(specific.matched_statements()), matched);

    // Without the entry the condition cannot hold, and the key is reported missing, under
    // the resource.
    let out = simulate().send().await.unwrap();
    let result = &out.evaluation_results()[0];
    assert_eq!(result.eval_decision(), &Decision::ImplicitDeny);
    assert!(result.matched_statements().is_empty());
    assert!(result.missing_context_values().is_empty());
    assert_eq!(
        result.resource_specific_results()[0].missing_context_values(),
        ["aws:MultiFactorAuthPresent"]
    );
}

#[tokio::test]
async fn an_explicit_deny_beats_an_allow_and_names_the_denying_statement() {
    let server = TestServer::spawn().await;
    let policy = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "ReadWrite", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
  {"Sid": "KeepBuckets", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}
]}"#;
    let out = server
        .iam()
        .simulate_custom_policy()
        .policy_input_list(policy)
        .action_names("s3:GetObject")
        .action_names("s3:DeleteBucket")
        .action_names("ec2:RunInstances")
        .send()
        .await
        .unwrap();
    let results = out.evaluation_results();
    assert_eq!(
        decisions(results),
        [
            ("s3:GetObject", "*", Decision::Allowed),
            ("s3:DeleteBucket", "*", Decision::ExplicitDeny),
            ("ec2:RunInstances", "*", Decision::ImplicitDeny),
        ]
    );
    let policy_input = |start: (i32, i32), end: (i32, i32)| {
        (
            "PolicyInputList.1".to_owned(),
            "IAM Policy".to_owned(),
            start.0,
            start.1,
            end.0,
            end.1,
        )
    };
    assert_eq!(
        statements(results[0].matched_statements()),
        [policy_input((2, 3), (2, 76))]
    );
    // Only the deny is listed, though the allow matched too.
    assert_eq!(
        statements(results[1].matched_statements()),
        [policy_input((3, 3), (3, 88))]
    );
    assert!(results[2].matched_statements().is_empty());
    // The resource `*`: no per-resource results and no decision details.
    for result in results {
        assert!(result.resource_specific_results().is_empty());
        assert!(result.eval_decision_details().is_none());
        assert!(result.permissions_boundary_decision_detail().is_none());
    }
}

/// A condition on `aws:SourceIp` with no entry: the simulator supplies no global key, so the
/// key is missing and the condition does not hold; an entry inside the range satisfies it.
#[tokio::test]
async fn a_source_ip_condition_needs_a_context_entry() {
    let server = TestServer::spawn().await;
    let policy = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:ListUsers",
        "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}}"#;
    let simulate = |ip: Option<&str>| {
        let request = server
            .iam()
            .simulate_custom_policy()
            .policy_input_list(policy)
            .action_names("iam:ListUsers");
        let request = match ip {
            Some(ip) => {
                request.context_entries(context("aws:SourceIp", ContextKeyTypeEnum::Ip, &[ip]))
            }
            None => request,
        };
        async move { request.send().await.unwrap().evaluation_results()[0].clone() }
    };
    let without = simulate(None).await;
    assert_eq!(without.eval_decision(), &Decision::ImplicitDeny);
    assert_eq!(without.missing_context_values(), ["aws:SourceIp"]);

    let inside = simulate(Some("203.0.113.7")).await;
    assert_eq!(inside.eval_decision(), &Decision::Allowed);
    assert!(inside.missing_context_values().is_empty());

    let outside = simulate(Some("198.51.100.7")).await;
    assert_eq!(outside.eval_decision(), &Decision::ImplicitDeny);

    let (code, message) = error_of(
        server
            .iam()
            .simulate_custom_policy()
            .policy_input_list(policy)
            .action_names("iam:ListUsers")
            .context_entries(context(
                "aws:SourceIp",
                ContextKeyTypeEnum::Ip,
                &["not-an-ip"],
            ))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidInput");
    assert!(message.contains("not-an-ip"), "{message}");
}

/// The S3 bucket-policy case of AWS's guide to cross-account access: a bucket in account
/// 111122223333 whose policy names a user of this account. Across accounts the bucket
/// policy and the user's own policy must both allow.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html>
#[tokio::test]
async fn a_bucket_policy_of_another_account_needs_the_callers_own_allow_too() {
    let server = TestServer::spawn().await;
    let carlos = format!("arn:aws:iam::{ACCOUNT}:user/carlos");
    let bucket_policy = format!(
        r#"{{"Version": "2012-10-17", "Statement": {{"Sid": "CarlosReads", "Effect": "Allow",
            "Principal": {{"AWS": "{carlos}"}}, "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": ["arn:aws:s3:::example-bucket", "arn:aws:s3:::example-bucket/*"]}}}}"#
    );
    let simulate = |identity: String| {
        server
            .iam()
            .simulate_custom_policy()
            .policy_input_list(identity)
            .action_names("s3:GetObject")
            .action_names("s3:PutObject")
            .resource_arns("arn:aws:s3:::example-bucket/report.csv")
            .resource_policy(&bucket_policy)
            .resource_owner("arn:aws:iam::111122223333:root")
            .caller_arn(&carlos)
            .send()
    };
    let out = simulate(allow("s3:*", "*")).await.unwrap();
    let results = out.evaluation_results();
    assert_eq!(
        decisions(results),
        [
            (
                "s3:GetObject",
                "arn:aws:s3:::example-bucket/report.csv",
                Decision::Allowed
            ),
            (
                "s3:PutObject",
                "arn:aws:s3:::example-bucket/report.csv",
                Decision::ImplicitDeny
            ),
        ]
    );
    let ids: Vec<_> = statements(results[0].matched_statements())
        .into_iter()
        .map(|s| (s.0, s.1))
        .collect();
    assert_eq!(
        ids,
        [
            ("ResourcePolicy".to_owned(), "Resource Policy".to_owned()),
            ("PolicyInputList.1".to_owned(), "IAM Policy".to_owned()),
        ]
    );
    let both = HashMap::from([
        ("IAM Policy".to_owned(), Decision::Allowed),
        ("Resource Policy".to_owned(), Decision::Allowed),
    ]);
    assert_eq!(details(&results[0]), both);
    assert_eq!(
        results[0].resource_specific_results()[0].eval_decision_details(),
        Some(&both)
    );
    assert_eq!(
        details(&results[1]),
        HashMap::from([
            ("IAM Policy".to_owned(), Decision::Allowed),
            ("Resource Policy".to_owned(), Decision::ImplicitDeny),
        ])
    );

    // The bucket policy alone is not enough across accounts.
    let out = simulate(allow("ec2:*", "*")).await.unwrap();
    let result = &out.evaluation_results()[0];
    assert_eq!(result.eval_decision(), &Decision::ImplicitDeny);
    assert_eq!(
        details(result),
        HashMap::from([
            ("IAM Policy".to_owned(), Decision::ImplicitDeny),
            ("Resource Policy".to_owned(), Decision::Allowed),
        ])
    );

    // A resource-based policy needs a caller to name.
    let (code, message) = error_of(
        server
            .iam()
            .simulate_custom_policy()
            .policy_input_list(allow("s3:*", "*"))
            .action_names("s3:GetObject")
            .resource_policy(&bucket_policy)
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "InvalidInput",
            "Invalid caller - Caller must be an IAM user in this context."
        )
    );
}

/// A user with an inline and an attached policy; `PolicyInputList` adds a third, and the
/// entity's policies are reported under the names IAM's simulator gives them.
#[tokio::test]
async fn simulate_principal_policy_uses_the_users_inline_and_attached_policies() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("dana").send().await.unwrap();
    iam.put_user_policy()
        .user_name("dana")
        .policy_name("ReadUsers")
        .policy_document(allow("iam:GetUser", "*"))
        .send()
        .await
        .unwrap();
    let managed = iam
        .create_policy()
        .policy_name("ListRoles")
        .path("/team/")
        .policy_document(allow("iam:ListRoles", "*"))
        .send()
        .await
        .unwrap()
        .policy
        .unwrap();
    iam.attach_user_policy()
        .user_name("dana")
        .policy_arn(managed.arn().unwrap())
        .send()
        .await
        .unwrap();
    let dana = format!("arn:aws:iam::{ACCOUNT}:user/dana");
    let out = iam
        .simulate_principal_policy()
        .policy_source_arn(&dana)
        .policy_input_list(allow("iam:ListUsers", "*"))
        .action_names("iam:GetUser")
        .action_names("iam:ListRoles")
        .action_names("iam:ListUsers")
        .action_names("iam:DeleteUser")
        .send()
        .await
        .unwrap();
    let results = out.evaluation_results();
    let matched: Vec<(Decision, Vec<String>)> = results
        .iter()
        .map(|r| {
            let ids = r
                .matched_statements()
                .iter()
                .map(|s| s.source_policy_id().unwrap().to_owned())
                .collect();
            (r.eval_decision().clone(), ids)
        })
        .collect();
    assert_eq!(
        matched,
        [
            (Decision::Allowed, vec!["user_dana_ReadUsers".to_owned()]),
            (Decision::Allowed, vec!["ListRoles".to_owned()]),
            (Decision::Allowed, vec!["PolicyInputList.1".to_owned()]),
            (Decision::ImplicitDeny, vec![]),
        ]
    );

    let (code, message) = error_of(
        iam.simulate_principal_policy()
            .policy_source_arn(format!("arn:aws:iam::{ACCOUNT}:user/ghost"))
            .action_names("iam:GetUser")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("NoSuchEntity", "The user with name ghost cannot be found.")
    );
    let session = format!("arn:aws:sts::{ACCOUNT}:assumed-role/Admin/me");
    let (code, message) = error_of(
        iam.simulate_principal_policy()
            .policy_source_arn(&session)
            .action_names("iam:GetUser")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidInput");
    assert_eq!(
        message,
        format!("Invalid Entity Arn: {session} does not clearly define entity type and name.")
    );
}

/// A role's policies, and the permissions boundary the data plane holds for it.
#[tokio::test]
async fn simulate_principal_policy_applies_the_roles_permissions_boundary() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let trust = format!(
        r#"{{"Version": "2012-10-17", "Statement": {{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::{ACCOUNT}:root"}}, "Action": "sts:AssumeRole"}}}}"#
    );
    iam.create_role()
        .role_name("Builder")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name("Builder")
        .policy_name("Everything")
        .policy_document(allow("*", "*"))
        .send()
        .await
        .unwrap();
    let bound = iam
        .create_policy()
        .policy_name("IamReadOnly")
        .policy_document(allow("iam:Get*", "*"))
        .send()
        .await
        .unwrap()
        .policy
        .unwrap();
    iam.put_role_permissions_boundary()
        .role_name("Builder")
        .permissions_boundary(bound.arn().unwrap())
        .send()
        .await
        .unwrap();
    let out = iam
        .simulate_principal_policy()
        .policy_source_arn(format!("arn:aws:iam::{ACCOUNT}:role/Builder"))
        .action_names("iam:GetRole")
        .action_names("iam:DeleteRole")
        .send()
        .await
        .unwrap();
    let results = out.evaluation_results();
    let summary: Vec<(Decision, bool, Vec<String>)> = results
        .iter()
        .map(|r| {
            (
                r.eval_decision().clone(),
                r.permissions_boundary_decision_detail()
                    .unwrap()
                    .allowed_by_permissions_boundary(),
                r.matched_statements()
                    .iter()
                    .map(|s| s.source_policy_id().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect();
    // The boundary's own statements are not listed among the matched ones.
    assert_eq!(
        summary,
        [
            (
                Decision::Allowed,
                true,
                vec!["role_Builder_Everything".to_owned()]
            ),
            (Decision::ImplicitDeny, false, vec![]),
        ]
    );
}

/// API reference, GetContextKeysForCustomPolicy example: the keys come back as written —
/// the resource's policy variable, then the condition key.
#[tokio::test]
async fn get_context_keys_lists_each_policys_keys_as_written() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let documented = r#"{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Action": "dynamodb:*",
    "Resource": "arn:aws:dynamodb:us-east-2:123456789012:table/${aws:username}",
    "Condition":{"DateGreaterThan":{"aws:CurrentTime":"2015-08-16T12:00:00Z"}}
  }
}"#;
    let out = iam
        .get_context_keys_for_custom_policy()
        .policy_input_list(documented)
        .send()
        .await
        .unwrap();
    assert_eq!(out.context_key_names(), ["aws:username", "aws:CurrentTime"]);

    // For a principal: the added policies first, then the entity's, each with its own keys.
    iam.create_user().user_name("dave").send().await.unwrap();
    iam.put_user_policy()
        .user_name("dave")
        .policy_name("Instances")
        .policy_document(
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "ec2:RunInstances",
                "Resource": "*", "Condition": {"StringEquals": {"ec2:InstanceType": "t3.micro"},
                "StringLike": {"aws:username": "dave*"}}}}"#,
        )
        .send()
        .await
        .unwrap();
    let out = iam
        .get_context_keys_for_principal_policy()
        .policy_source_arn(format!("arn:aws:iam::{ACCOUNT}:user/dave"))
        .policy_input_list(documented)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.context_key_names(),
        [
            "aws:username",
            "aws:CurrentTime",
            "ec2:InstanceType",
            "aws:username"
        ]
    );
}

#[tokio::test]
async fn results_are_paged_with_max_items_and_marker() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let simulate = || {
        iam.simulate_custom_policy()
            .policy_input_list(allow("s3:Get*", "*"))
            .action_names("s3:GetObject")
            .action_names("s3:PutObject")
            .resource_arns("arn:aws:s3:::a/1")
            .resource_arns("arn:aws:s3:::a/2")
            .max_items(3)
    };
    let first = simulate().send().await.unwrap();
    assert!(first.is_truncated());
    assert_eq!(
        decisions(first.evaluation_results()),
        [
            ("s3:GetObject", "arn:aws:s3:::a/1", Decision::Allowed),
            ("s3:GetObject", "arn:aws:s3:::a/2", Decision::Allowed),
            ("s3:PutObject", "arn:aws:s3:::a/1", Decision::ImplicitDeny),
        ]
    );
    let second = simulate()
        .marker(first.marker().unwrap())
        .send()
        .await
        .unwrap();
    assert!(!second.is_truncated());
    assert_eq!(second.marker(), None);
    assert_eq!(
        decisions(second.evaluation_results()),
        [("s3:PutObject", "arn:aws:s3:::a/2", Decision::ImplicitDeny)]
    );
}

/// SCPs per level of the organization, root first: each level must allow.
#[tokio::test]
async fn an_organizations_scps_are_simulated_level_by_level() {
    let server = TestServer::spawn().await;
    let level = |documents: &[String]| {
        documents
            .iter()
            .fold(OrderedOrganizationPolicyType::builder(), |b, d| {
                b.service_control_policy_input_list(d)
            })
            .build()
    };
    let out = server
        .iam()
        .simulate_custom_policy()
        .policy_input_list(allow("*", "*"))
        .ordered_organization_policy_input_list(level(&[allow("*", "*")]))
        .ordered_organization_policy_input_list(level(&[allow("s3:*", "*")]))
        .action_names("s3:GetObject")
        .action_names("iam:CreateUser")
        .send()
        .await
        .unwrap();
    let summary: Vec<(Decision, bool)> = out
        .evaluation_results()
        .iter()
        .map(|r| {
            (
                r.eval_decision().clone(),
                r.organizations_decision_detail()
                    .unwrap()
                    .allowed_by_organizations(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [(Decision::Allowed, true), (Decision::ImplicitDeny, false)]
    );
}

#[tokio::test]
async fn documents_are_validated_as_iam_validates_them() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let (code, message) = error_of(
        iam.simulate_custom_policy()
            .policy_input_list("{not json")
            .action_names("s3:GetObject")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("MalformedPolicyDocument", "Syntax errors in policy.")
    );
    let (code, message) = error_of(
        iam.get_context_keys_for_custom_policy()
            .policy_input_list(
                r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}}"#,
            )
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "MalformedPolicyDocument",
            "Policy document should not specify a principal."
        )
    );
}

/// The simulate actions are authorized like any other: `iam:SimulateCustomPolicy` on `*`,
/// `iam:SimulatePrincipalPolicy` on the simulated entity.
#[tokio::test]
async fn simulating_takes_permission_to_simulate() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("erin").send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name("erin")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let erin: Client = server.iam_as(&key.access_key_id, &key.secret_access_key);
    let erin_arn = format!("arn:aws:iam::{ACCOUNT}:user/erin");
    let custom = || {
        erin.simulate_custom_policy()
            .policy_input_list(allow("s3:*", "*"))
            .action_names("s3:GetObject")
            .send()
    };
    let (code, message) = error_of(custom().await);
    assert_eq!(code, "AccessDenied");
    assert_eq!(
        message,
        format!(
            "User: {erin_arn} is not authorized to perform: iam:SimulateCustomPolicy on \
             resource: * because no identity-based policy allows the iam:SimulateCustomPolicy action"
        )
    );
    let (code, message) = error_of(
        erin.simulate_principal_policy()
            .policy_source_arn(&erin_arn)
            .action_names("s3:GetObject")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    assert!(
        message.contains(&format!(
            "iam:SimulatePrincipalPolicy on resource: {erin_arn}"
        )),
        "{message}"
    );

    iam.put_user_policy()
        .user_name("erin")
        .policy_name("Simulate")
        .policy_document(allow("iam:Simulate*", "*"))
        .send()
        .await
        .unwrap();
    custom().await.unwrap();
    // Erin's own policies now allow her to simulate, and nothing else.
    let out = erin
        .simulate_principal_policy()
        .policy_source_arn(&erin_arn)
        .action_names("iam:SimulateCustomPolicy")
        .action_names("iam:GetContextKeysForCustomPolicy")
        .send()
        .await
        .unwrap();
    assert_eq!(
        decisions(out.evaluation_results()),
        [
            ("iam:SimulateCustomPolicy", "*", Decision::Allowed),
            (
                "iam:GetContextKeysForCustomPolicy",
                "*",
                Decision::ImplicitDeny
            ),
        ]
    );
}

/// A group's own policies, and a member user's, which include its groups'.
#[tokio::test]
async fn simulate_principal_policy_covers_groups_and_their_members() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_group().group_name("ops").send().await.unwrap();
    iam.create_user().user_name("gus").send().await.unwrap();
    iam.add_user_to_group()
        .group_name("ops")
        .user_name("gus")
        .send()
        .await
        .unwrap();
    iam.put_group_policy()
        .group_name("ops")
        .policy_name("ListAll")
        .policy_document(allow("iam:List*", "*"))
        .send()
        .await
        .unwrap();
    let simulate = |arn: String| {
        iam.simulate_principal_policy()
            .policy_source_arn(arn)
            .action_names("iam:ListUsers")
            .action_names("iam:DeleteGroup")
            .send()
    };
    for arn in [
        format!("arn:aws:iam::{ACCOUNT}:group/ops"),
        format!("arn:aws:iam::{ACCOUNT}:user/gus"),
    ] {
        let out = simulate(arn.clone()).await.unwrap();
        assert_eq!(
            decisions(out.evaluation_results()),
            [
                ("iam:ListUsers", "*", Decision::Allowed),
                ("iam:DeleteGroup", "*", Decision::ImplicitDeny),
            ],
            "{arn}"
        );
    }
    let out = simulate(format!("arn:aws:iam::{ACCOUNT}:group/ops"))
        .await
        .unwrap();
    assert_eq!(
        out.evaluation_results()[0].matched_statements()[0].source_policy_id(),
        Some("group_ops_ListAll")
    );
    let (code, message) = error_of(simulate(format!("arn:aws:iam::{ACCOUNT}:group/nobody")).await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "NoSuchEntity",
            "The group with name nobody cannot be found."
        )
    );
}
