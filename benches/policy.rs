//! One policy decision, the way enforcement makes it on every authorized call (issue 9:
//! "one policy decision, 10 policies × 10 statements with conditions: < 5 µs").
//!
//! - `decision/10x10`: ten identity policies of ten statements each, a mix of services,
//!   wildcards and conditions; the request is allowed by the last policy, so every policy
//!   is read and the conditions of every statement whose action and resource match are
//!   evaluated.
//! - `decision/1x1`: one self-service statement with a `${aws:username}` variable.
//! - `no_match/other_service`: the 10 × 10 set asked about a service it never names.
//! - `no_match/conditions_fail`: the 10 × 10 set, actions and resources match, every
//!   condition fails: an implicit deny after the most condition work.
//! - `context_and_decision/10x10`: the request context built as `api::Ctx` builds it
//!   (principal keys, global keys, a principal tag), then the decision.
//!
//! Run with `cargo bench --bench policy`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use iamlocal::policy::{
    EvaluationInput, NamedPolicy, Policy, PolicyKind, Principal, RequestContext, evaluate,
};

const ACCOUNT: &str = "000000000000";
const USER_ARN: &str = "arn:aws:iam::000000000000:user/team-9/alice";
const USER_ID: &str = "AIDAEXAMPLEALICE00001";

/// Statement `j` of policy `i`: the services rotate so that about half the statements are
/// about IAM; every statement has conditions; one statement per policy is a `Deny` whose
/// condition does not hold for the benchmarked request.
fn statement(i: usize, j: usize) -> String {
    let sid = format!("P{i}S{j}");
    match j {
        0 => format!(
            r#"{{"Sid":"{sid}","Effect":"Allow","Action":["iam:GetUser","iam:ListUserTags","iam:ListAccessKeys"],
            "Resource":"arn:aws:iam::{ACCOUNT}:user/team-{i}/*",
            "Condition":{{"StringEquals":{{"aws:RequestedRegion":["us-east-1","eu-west-1"]}},
                          "IpAddress":{{"aws:SourceIp":["127.0.0.0/8","10.0.0.0/8"]}}}}}}"#
        ),
        1 => format!(
            r#"{{"Sid":"{sid}","Effect":"Allow","Action":"iam:Get*",
            "Resource":["arn:aws:iam::{ACCOUNT}:user/team-{i}/*","arn:aws:iam::{ACCOUNT}:role/team-{i}-*"],
            "Condition":{{"StringLike":{{"aws:PrincipalTag/team":"team-{i}"}},
                          "DateLessThan":{{"aws:CurrentTime":"2099-01-01T00:00:00Z"}}}}}}"#
        ),
        2 => format!(
            r#"{{"Sid":"{sid}","Effect":"Deny","Action":"iam:*",
            "Resource":"*",
            "Condition":{{"StringNotEquals":{{"aws:RequestedRegion":["us-east-1","us-west-2","eu-west-1"]}}}}}}"#
        ),
        3 => format!(
            r#"{{"Sid":"{sid}","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],
            "Resource":"arn:aws:s3:::bucket-{i}/*",
            "Condition":{{"StringEquals":{{"s3:x-amz-acl":"private"}}}}}}"#
        ),
        4 => format!(
            r#"{{"Sid":"{sid}","Effect":"Allow","Action":"ec2:Describe*","Resource":"*",
            "Condition":{{"StringEquals":{{"ec2:Region":"us-east-1"}}}}}}"#
        ),
        5 => format!(
            r#"{{"Sid":"{sid}","Effect":"Allow","NotAction":["iam:Delete*","iam:Create*"],
            "Resource":"arn:aws:iam::{ACCOUNT}:user/team-{i}/*",
            "Condition":{{"Bool":{{"aws:SecureTransport":"false"}},
                          "NumericLessThan":{{"aws:EpochTime":"4102444800"}}}}}}"#
        ),
        6 => format!(
            r#"{{"Sid":"{sid}","Effect":"Allow","Action":"sts:AssumeRole",
            "Resource":"arn:aws:iam::{ACCOUNT}:role/team-{i}-*"}}"#
        ),
        7 => format!(
            r#"{{"Sid":"{sid}","Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:Query"],
            "Resource":"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t{i}",
            "Condition":{{"ForAllValues:StringEquals":{{"dynamodb:Attributes":["id","name"]}}}}}}"#
        ),
        8 => format!(
            r#"{{"Sid":"{sid}","Effect":"Allow","Action":"iam:*User*",
            "Resource":"arn:aws:iam::{ACCOUNT}:user/team-{i}/${{aws:username}}",
            "Condition":{{"ArnLike":{{"aws:PrincipalArn":"arn:aws:iam::{ACCOUNT}:user/team-{i}/*"}},
                          "StringEqualsIgnoreCase":{{"aws:PrincipalType":"user"}}}}}}"#
        ),
        _ => format!(
            r#"{{"Sid":"{sid}","Effect":"Allow","Action":"iam:List*",
            "Resource":"*",
            "Condition":{{"StringLike":{{"aws:UserAgent":"*aws-sdk*"}},
                          "Null":{{"aws:TokenIssueTime":"true"}}}}}}"#
        ),
    }
}

fn large_set() -> Vec<NamedPolicy> {
    (0..10)
        .map(|i| {
            let statements: Vec<String> = (0..10).map(|j| statement(i, j)).collect();
            let json = format!(
                r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
                statements.join(",")
            );
            let policy = Policy::parse(&json, PolicyKind::Identity { managed: true })
                .unwrap_or_else(|e| panic!("policy {i} parses: {e:?}"));
            NamedPolicy::new(format!("arn:aws:iam::{ACCOUNT}:policy/team-{i}"), policy)
        })
        .collect()
}

fn small_set() -> Vec<NamedPolicy> {
    let json = r#"{"Version":"2012-10-17","Statement":[{"Sid":"SelfService",
        "Effect":"Allow","Action":["iam:GetUser","iam:ListAccessKeys"],
        "Resource":"arn:aws:iam::*:user/*/${aws:username}"}]}"#;
    let policy = Policy::parse(json, PolicyKind::Identity { managed: false }).expect("parses");
    vec![NamedPolicy::new("self-service", policy)]
}

/// The context `api::Ctx::caller_policies` builds for an IAM user calling from loopback.
fn context(action: &str, resource: &str, team: &str) -> RequestContext {
    let mut ctx = RequestContext::new(action, resource, Principal::user(USER_ARN, USER_ID));
    ctx.insert("aws:CurrentTime", "2026-11-01T12:00:00Z")
        .insert("aws:EpochTime", 1_793_534_400_i64)
        .insert("aws:SecureTransport", false)
        .insert("aws:RequestedRegion", "us-east-1")
        .insert("aws:ViaAWSService", false)
        .insert("aws:SourceIp", "127.0.0.1")
        .insert(
            "aws:UserAgent",
            "aws-sdk-rust/1.3.9 os/linux lang/rust/1.95.0",
        )
        .insert("aws:PrincipalTag/team", team);
    ctx
}

fn benches(c: &mut Criterion) {
    let large = large_set();
    let small = small_set();
    let identity = |policies| EvaluationInput {
        identity: policies,
        ..EvaluationInput::default()
    };

    let allowed = context("iam:GetUser", USER_ARN, "team-9");
    let decision = evaluate(&allowed, &identity(&large));
    assert!(decision.is_allowed(), "{decision:?}");
    let other_service = context(
        "kms:Decrypt",
        "arn:aws:kms:us-east-1:000000000000:key/1",
        "team-9",
    );
    assert!(!evaluate(&other_service, &identity(&large)).is_allowed());
    let mut conditions_fail = context("iam:GetUser", USER_ARN, "team-x");
    conditions_fail
        .insert("aws:RequestedRegion", "us-west-2")
        .insert("aws:SourceIp", "192.0.2.1")
        .insert("aws:SecureTransport", true)
        .insert("aws:UserAgent", "curl/8")
        .insert("aws:PrincipalType", "Role");
    let denied = evaluate(&conditions_fail, &identity(&large));
    assert!(!denied.is_allowed(), "{denied:?}");

    let small_ctx = context(
        "iam:GetUser",
        "arn:aws:iam::000000000000:user/team-9/alice",
        "team-9",
    );
    assert!(evaluate(&small_ctx, &identity(&small)).is_allowed());

    let mut group = c.benchmark_group("policy");
    group.bench_function("decision/10x10", |b| {
        b.iter(|| evaluate(black_box(&allowed), black_box(&identity(&large))))
    });
    group.bench_function("decision/1x1", |b| {
        b.iter(|| evaluate(black_box(&small_ctx), black_box(&identity(&small))))
    });
    group.bench_function("no_match/other_service", |b| {
        b.iter(|| evaluate(black_box(&other_service), black_box(&identity(&large))))
    });
    group.bench_function("no_match/conditions_fail", |b| {
        b.iter(|| evaluate(black_box(&conditions_fail), black_box(&identity(&large))))
    });
    group.bench_function("context_and_decision/10x10", |b| {
        b.iter(|| {
            let ctx = context(black_box("iam:GetUser"), black_box(USER_ARN), "team-9");
            evaluate(&ctx, &identity(&large))
        })
    });
    group.finish();
}

criterion_group!(policy, benches);
criterion_main!(policy);
