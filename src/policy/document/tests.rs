use serde_json::json;

use super::*;

const MANAGED: PolicyKind = PolicyKind::Identity { managed: true };
const INLINE: PolicyKind = PolicyKind::Identity { managed: false };

fn error(document: &Value, kind: PolicyKind) -> String {
    match Policy::parse(&document.to_string(), kind) {
        Ok(_) => panic!("accepted: {document}"),
        Err(e) => e.message().to_owned(),
    }
}

fn statement(fields: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": fields})
}

#[test]
fn malformed_documents_get_iams_reasons() {
    // moto's `invalid_policy_document_test_cases` (tests/test_iam/test_iam_policies.py),
    // recorded against IAM's CreatePolicy.
    let bucket = "arn:aws:s3:::example_bucket";
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket}}),
            "Policy document must be version 2012-10-17 or greater.",
        ),
        (
            json!({"Version": "2008-10-17", "Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket}}),
            "Policy document must be version 2012-10-17 or greater.",
        ),
        (
            json!({"Version": "2013-10-17", "Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket}}),
            "Syntax errors in policy.",
        ),
        (json!({"Version": "2012-10-17"}), "Syntax errors in policy."),
        (
            json!({"Version": "2012-10-17", "Statement": ["afd"]}),
            "Syntax errors in policy.",
        ),
        (
            json!({"Version": "2012-10-17", "Statement": []}),
            "Syntax errors in policy.",
        ),
        (
            json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket}, "Extra field": "value"}),
            "Syntax errors in policy.",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Extra field": "value"}),
            ),
            "Syntax errors in policy.",
        ),
        (
            json!({"Version": "2012-10-17", "Id": ["cd3a324d2343d942772346-34234234423404-4c2242343242349d1642ee"], "Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket}}),
            "Syntax errors in policy.",
        ),
        (
            json!({"Version": "2012-10-17", "Id": {}, "Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket}}),
            "Syntax errors in policy.",
        ),
        (
            statement(json!({"Effect": "invalid", "Action": "s3:ListBucket", "Resource": bucket})),
            "Syntax errors in policy.",
        ),
        (
            statement(json!({"Effect": "Allow", "Action": "invalid", "Resource": bucket})),
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
        ),
        (
            statement(json!({"Effect": "Allow", "NotAction": "", "Resource": bucket})),
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
        ),
        (
            statement(json!({"Effect": "Allow", "Action": "a a:ListBucket", "Resource": bucket})),
            "Vendor a a is not valid",
        ),
        (
            statement(json!({"Effect": "Allow", "Action": "s3:List:Bucket", "Resource": bucket})),
            "Actions/Condition can contain only one colon.",
        ),
        (
            statement(json!([
            {"Effect": "Allow", "Action": "s3s:ListBucket", "Resource": bucket},
            {"Effect": "Allow", "Action": "s:3s:ListBucket", "Resource": bucket}])),
            "Actions/Condition can contain only one colon.",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "invalid resource"}),
            ),
            "Resource invalid resource must be in ARN format or \"*\".",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s:3:ListBucket", "Resource": "sdfsadf"}),
            ),
            "Resource sdfsadf must be in ARN format or \"*\".",
        ),
        (
            statement(json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": ["adf"]})),
            "Resource adf must be in ARN format or \"*\".",
        ),
        (
            statement(json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": ""})),
            "Resource  must be in ARN format or \"*\".",
        ),
        (
            statement(
                json!({"Effect": "Allow", "NotAction": "s3s:ListBucket", "Resource": "a:bsdfdsafsad"}),
            ),
            "Partition \"bsdfdsafsad\" is not valid for resource \"arn:bsdfdsafsad:*:*:*:*\".",
        ),
        (
            statement(
                json!({"Effect": "Allow", "NotAction": "s3s:ListBucket", "Resource": "a:b:cadfsdf"}),
            ),
            "Partition \"b\" is not valid for resource \"arn:b:cadfsdf:*:*:*\".",
        ),
        (
            statement(
                json!({"Effect": "Allow", "NotAction": "s3s:ListBucket", "Resource": "a:b:c:d:e:f:g:h"}),
            ),
            "Partition \"b\" is not valid for resource \"arn:b:c:d:e:f:g:h\".",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "aws:s3:::example_bucket"}),
            ),
            "Partition \"s3\" is not valid for resource \"arn:s3:::example_bucket:*\".",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": ["arn:error:s3:::example_bucket", "arn:error:s3::example_bucket"]}),
            ),
            "Partition \"error\" is not valid for resource \"arn:error:s3:::example_bucket\".",
        ),
        (
            statement(json!({"Effect": "Allow", "Action": "s3:ListBucket"})),
            "Policy statement must contain resources.",
        ),
        (
            statement(json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": []})),
            "Policy statement must contain resources.",
        ),
        (
            statement(json!({"Effect": "Allow", "Action": "invalid"})),
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
        ),
        (
            statement(json!({"Effect": "Allow", "Resource": bucket})),
            "Policy statement must contain actions.",
        ),
        (
            statement(json!({"Action": "s3:ListBucket", "Resource": bucket})),
            "Syntax errors in policy.",
        ),
        (
            statement(json!({"Effect": "Allow"})),
            "Policy statement must contain actions.",
        ),
        (
            statement(json!({"Effect": "Allow", "Action": [], "Resource": bucket})),
            "Policy statement must contain actions.",
        ),
        (
            statement(
                json!([{"Effect": "Deny"}, {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket}]),
            ),
            "Policy statement must contain actions.",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:iam:::example_bucket"}),
            ),
            "IAM resource path must either be \"*\", root, or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3::example_bucket"}),
            ),
            "The policy failed legacy parsing",
        ),
        (
            statement(json!({"Effect": "Allow", "Resource": "arn:aws:s3::example_bucket"})),
            "The policy failed legacy parsing",
        ),
        (
            statement(json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws"})),
            "Resource vendor must be fully qualified and cannot contain regexes.",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": {"a": bucket}}),
            ),
            "Syntax errors in policy.",
        ),
        (
            statement(
                json!({"Effect": "Deny", "Action": "s3:ListBucket", "Resource": ["adfdf", {}]}),
            ),
            "Syntax errors in policy.",
        ),
        (
            statement(
                json!({"Effect": "Allow", "NotAction": "s3:ListBucket", "Resource": bucket, "NotResource": []}),
            ),
            "Syntax errors in policy.",
        ),
        (
            statement(json!({"Effect": "Deny", "Action": [[]], "Resource": bucket})),
            "Syntax errors in policy.",
        ),
        (
            statement(
                json!({"Effect": "Allow", "NotAction": "s3s:ListBucket", "Action": [], "Resource": bucket}),
            ),
            "Syntax errors in policy.",
        ),
        (
            statement(json!({"Effect": "Allow", "Action": {}, "Resource": bucket})),
            "Syntax errors in policy.",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": []}),
            ),
            "Syntax errors in policy.",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": "a"}),
            ),
            "Syntax errors in policy.",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": {"a": "b"}}),
            ),
            "Syntax errors in policy.",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": {"DateGreaterThan": "b"}}),
            ),
            "Syntax errors in policy.",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": {"DateGreaterThan": []}}),
            ),
            "Syntax errors in policy.",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": {"DateGreaterThan": {"a": {}}}}),
            ),
            "Syntax errors in policy.",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Resource": bucket, "Condition": {"DateGreaterThan": {"a": {}}}}),
            ),
            "Syntax errors in policy.",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": {"x": {"a": "1"}}}),
            ),
            "Syntax errors in policy.",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": {"ForAnyValue::StringEqualsIfExists": {"a": "asf"}}}),
            ),
            "Syntax errors in policy.",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": [{"ForAllValues:StringEquals": {"aws:TagKeys": "Department"}}]}),
            ),
            "Syntax errors in policy.",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:iam:us-east-1::example_bucket"}),
            ),
            "IAM resource arn:aws:iam:us-east-1::example_bucket cannot contain region information.",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:us-east-1::example_bucket"}),
            ),
            "Resource arn:aws:s3:us-east-1::example_bucket can not contain region information.",
        ),
        (
            statement(
                json!({"Sid": {}, "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket}),
            ),
            "Syntax errors in policy.",
        ),
        (
            statement(
                json!({"Sid": [], "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket}),
            ),
            "Syntax errors in policy.",
        ),
        (
            statement(
                json!([{"Sid": "sdf", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket}, {"Sid": "sdf", "Effect": "Allow"}]),
            ),
            "Statement IDs (SID) in a single policy must be unique.",
        ),
        (
            json!({"Statement": [{"Sid": "sdf", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket}, {"Sid": "sdf", "Effect": "Allow"}]}),
            "Policy document must be version 2012-10-17 or greater.",
        ),
        (
            statement(
                json!({"Effect": "Allow", "NotAction": "s3:ListBucket", "Action": "iam:dsf", "Resource": bucket}),
            ),
            "Syntax errors in policy.",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "NotResource": "*"}),
            ),
            "Syntax errors in policy.",
        ),
        (
            statement(json!({"Effect": "denY", "Action": "s3:ListBucket", "Resource": bucket})),
            "The policy failed legacy parsing",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": {"DateGreaterThan": {"a": "sdfdsf"}}}),
            ),
            "The policy failed legacy parsing",
        ),
        (
            json!({"Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": {"DateGreaterThan": {"a": "sdfdsf"}}}}),
            "Policy document must be version 2012-10-17 or greater.",
        ),
        (
            json!({"Statement": {"Effect": "denY", "Action": "s3:ListBucket", "Resource": bucket}}),
            "Policy document must be version 2012-10-17 or greater.",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Condition": {"DateGreaterThan": {"a": "sdfdsf"}}}),
            ),
            "The policy failed legacy parsing",
        ),
        (
            statement(
                json!({"Effect": "Allow", "NotAction": "s3:ListBucket", "Resource": "arn:aws::::example_bucket"}),
            ),
            "The policy failed legacy parsing",
        ),
        (
            statement(
                json!({"Effect": "allow", "Resource": "arn:aws:s3:us-east-1::example_bucket"}),
            ),
            "The policy failed legacy parsing",
        ),
        (
            statement(
                json!([{"Sid": "sdf", "Effect": "aLLow", "Action": "s3:ListBucket", "Resource": bucket}, {"Sid": "sdf", "Effect": "Allow"}]),
            ),
            "The policy failed legacy parsing",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "NotResource": "arn:aws:s3::example_bucket"}),
            ),
            "The policy failed legacy parsing",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": {"DateLessThanEquals": {"a": "234-13"}}}),
            ),
            "The policy failed legacy parsing",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": {"DateLessThanEquals": {"a": "2016-12-13t2:00:00.593194+1"}}}),
            ),
            "The policy failed legacy parsing",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": {"DateLessThanEquals": {"a": "2016-12-13t2:00:00.1999999999+10:59"}}}),
            ),
            "The policy failed legacy parsing",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": {"DateLessThan": {"a": "9223372036854775808"}}}),
            ),
            "The policy failed legacy parsing",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:error:s3:::example_bucket", "Condition": {"DateGreaterThan": {"a": "sdfdsf"}}}),
            ),
            "The policy failed legacy parsing",
        ),
        (
            statement(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws::fdsasf"}),
            ),
            "The policy failed legacy parsing",
        ),
    ];
    for (document, expected) in cases {
        assert_eq!(error(&document, MANAGED), expected, "{document}");
    }
    assert_eq!(
        Policy::parse("This is not a json document", MANAGED)
            .unwrap_err()
            .message(),
        "Syntax errors in policy."
    );
}

#[test]
fn valid_documents_are_accepted() {
    // moto's `valid_policy_documents`, and the AWS docs examples they quote.
    let bucket = "arn:aws:s3:::example_bucket";
    let documents = vec![
        statement(json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": [bucket]})),
        statement(json!({"Effect": "Allow", "Action": "iam: asdf safdsf af ", "Resource": bucket})),
        statement(json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": [bucket, "*"]})),
        statement(json!({"Effect": "Allow", "Action": "*", "Resource": bucket})),
        statement(json!([{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket}])),
        statement(
            json!({"Effect": "Allow", "Action": "service-prefix:action-name", "Resource": "*",
            "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2017-07-01T00:00:00Z"}, "DateLessThan": {"aws:CurrentTime": "2017-12-31T23:59:59Z"}}}),
        ),
        statement(json!({"Effect": "Allow", "Action": "fsx:ListBucket", "Resource": bucket})),
        statement(
            json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:iam:::user/example_bucket"}),
        ),
        statement(
            json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s33:::example_bucket"}),
        ),
        statement(
            json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:fdsasf"}),
        ),
        statement(
            json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": {}}),
        ),
        statement(
            json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": "Department"}}}),
        ),
        statement(
            json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:cloudwatch:us-east-1::example_bucket"}),
        ),
        statement(
            json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:invalid-service:us-east-1::example_bucket"}),
        ),
        statement(
            json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": {"DateGreaterThan": {}}}),
        ),
        statement(
            json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": {"DateGreaterThan": {"a": []}}}),
        ),
        statement(
            json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": {"a": {}}}),
        ),
        statement(
            json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": {"x": {}, "y": {}}}),
        ),
        statement(
            json!({"Sid": "dsfsdfsdfsdfsdfsadfsd", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket}),
        ),
        statement(json!({"Effect": "Allow", "NotAction": "s3:ListBucket", "NotResource": "*"})),
        statement(
            json!({"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"]}),
        ),
        json!({"Version": "2012-10-17", "Id": "sdfsdfsdf", "Statement": {"Effect": "Allow", "NotAction": "s3:ListBucket", "Resource": bucket}}),
        statement(json!({"Effect": "Allow", "Action": "s3-s:ListBucket", "Resource": bucket})),
        statement(json!({"Effect": "Allow", "Action": "s3.s:ListBucket", "Resource": bucket})),
        statement(
            json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": {"DateGreaterThan": {"a": "01T"}}}),
        ),
        statement(
            json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": {"StringEqualsIfExists": {"a": "asf"}}}),
        ),
        statement(
            json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": {"ForAnyValue:StringEqualsIfExists": {"a": "asf"}}}),
        ),
        statement(
            json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": {"DateLessThan": {"a": "-292275054"}}}),
        ),
        statement(
            json!({"Effect": "Allow", "Action": ["iam:ChangePassword", "iam:GetUser"], "Resource": "arn:aws:iam::*:user/${aws:username}"}),
        ),
        statement(
            json!({"Effect": "Deny", "NotAction": ["iam:CreateVirtualMFADevice", "sts:GetSessionToken"], "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}),
        ),
        statement(
            json!({"Effect": "Allow", "Action": ["ec2:AttachVolume"], "Resource": ["arn:aws:ec2:*:*:volume/*"],
            "Condition": {"ArnEquals": {"ec2:SourceInstanceARN": "arn:aws:ec2:*:*:instance/instance-id"}}}),
        ),
        // Condition values may be JSON numbers and booleans.
        statement(
            json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket,
            "Condition": {"NumericLessThanEquals": {"s3:max-keys": 10}, "Bool": {"aws:SecureTransport": true}, "DateGreaterThan": {"aws:EpochTime": 1700000000}}}),
        ),
    ];
    for document in documents {
        if let Err(e) = Policy::parse(&document.to_string(), MANAGED) {
            panic!("refused with {e}: {document}");
        }
    }
}

#[test]
fn inline_policies_may_be_version_2008_or_have_none() {
    // "Policy document must be version 2012-10-17 or greater" is for managed policies only.
    for version in [Some("2008-10-17"), None] {
        let mut document =
            json!({"Statement": {"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}});
        if let Some(v) = version {
            document["Version"] = json!(v);
        }
        let policy = Policy::parse(&document.to_string(), INLINE).unwrap();
        let expected = if version.is_some() {
            Version::V2008_10_17
        } else {
            Version::Absent
        };
        assert_eq!(policy.version(), expected);
        assert_eq!(
            error(&document, PolicyKind::Boundary),
            "Policy document must be version 2012-10-17 or greater."
        );
    }
}

#[test]
fn each_kind_of_policy_wants_its_principal_and_resource_elements() {
    let with_principal = statement(
        json!({"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "s3:GetObject", "Resource": "*"}),
    );
    // PutUserPolicy / CreatePolicy with a Principal (errors quoted in terraform issues
    // #10419 and #13449).
    for kind in [MANAGED, INLINE, PolicyKind::Boundary, PolicyKind::Session] {
        assert_eq!(
            error(&with_principal, kind),
            "Policy document should not specify a principal."
        );
    }
    let not_principal = statement(
        json!({"Effect": "Deny", "NotPrincipal": {"AWS": "123456789012"}, "Action": "s3:*", "Resource": "*"}),
    );
    assert_eq!(
        error(&not_principal, INLINE),
        "Policy document should not specify a principal."
    );
    assert!(Policy::parse(&with_principal.to_string(), PolicyKind::Resource).is_ok());

    // Trust policies: "Has prohibited field Resource" (CreateRole), "Missing required field
    // Principal", and "This policy contains invalid Json".
    let trust_with_resource = statement(
        json!({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole", "Resource": "*"}),
    );
    assert_eq!(
        error(&trust_with_resource, PolicyKind::Trust),
        "Has prohibited field Resource"
    );
    let trust_without_principal = statement(json!({"Effect": "Allow", "Action": "sts:AssumeRole"}));
    assert_eq!(
        error(&trust_without_principal, PolicyKind::Trust),
        "Missing required field Principal"
    );
    assert_eq!(
        Policy::parse("{\"Version\": \"2012-10-17\",", PolicyKind::Trust)
            .unwrap_err()
            .message(),
        "This policy contains invalid Json"
    );
    let bucket_policy_without_principal = statement(
        json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}),
    );
    assert_eq!(
        error(&bucket_policy_without_principal, PolicyKind::Resource),
        "Missing required field Principal"
    );

    // Trust policies need no Resource; a principal must look like one.
    let trust = statement(
        json!({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}),
    );
    let policy = Policy::parse(&trust.to_string(), PolicyKind::Trust).unwrap();
    assert!(policy.statements()[0].resources.is_none());
    let bad_principal = statement(
        json!({"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": "sts:AssumeRole"}),
    );
    assert_eq!(
        error(&bad_principal, PolicyKind::Trust),
        "Invalid principal in policy: \"AWS\":\"bob\""
    );
    for malformed in [
        json!("arn:aws:iam::123456789012:root"),
        json!({}),
        json!({"Aws": "*"}),
        json!({"AWS": []}),
        json!({"AWS": 5}),
    ] {
        let document = statement(
            json!({"Effect": "Allow", "Principal": malformed, "Action": "sts:AssumeRole"}),
        );
        assert_eq!(
            error(&document, PolicyKind::Trust),
            "Syntax errors in policy.",
            "{document}"
        );
    }
}

#[test]
fn trust_policies_grant_sts_actions_only() {
    // moto/LocalStack record UpdateAssumeRolePolicy's refusal, double space included.
    let message = "Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity";
    for action in [
        json!("s3:GetObject"),
        json!(["sts:AssumeRole", "iam:PassRole"]),
        json!("iam:*"),
    ] {
        let document = statement(
            json!({"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": action}),
        );
        assert_eq!(error(&document, PolicyKind::Trust), message, "{document}");
    }
    let not_action = statement(
        json!({"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "NotAction": "sts:AssumeRole"}),
    );
    assert_eq!(error(&not_action, PolicyKind::Trust), message);
    for action in [
        json!(["sts:AssumeRole", "sts:TagSession"]),
        json!("sts:SetSourceIdentity"),
        json!("sts:*"),
        json!("STS:assumerole"),
    ] {
        let document = statement(
            json!({"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": action}),
        );
        assert!(
            Policy::parse(&document.to_string(), PolicyKind::Trust).is_ok(),
            "{document}"
        );
    }
    // Trust policies from old templates still say 2008-10-17, and IAM takes them.
    let old = json!({"Version": "2008-10-17", "Statement": {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}});
    assert!(Policy::parse(&old.to_string(), PolicyKind::Trust).is_ok());
}

#[test]
fn resource_formats_iam_knows_about() {
    // "root" is a valid IAM resource path in AWS's current wording; S3 access points are
    // regional.
    for resource in [
        "arn:aws:iam::123456789012:root",
        "arn:aws:iam::*:*",
        "arn:aws:s3:us-east-1:123456789012:accesspoint/ap",
        "arn:aws-cn:s3:::b",
        "arn:*:s3:::b",
    ] {
        let document =
            statement(json!({"Effect": "Allow", "Action": "s3:*", "Resource": resource}));
        assert!(
            Policy::parse(&document.to_string(), MANAGED).is_ok(),
            "{resource}"
        );
    }
    let document = statement(
        json!({"Effect": "Allow", "Action": "iam:*", "Resource": "arn:aws:iam::123456789012:*/cdk-*"}),
    );
    assert!(
        error(&document, MANAGED)
            .starts_with("IAM resource path must either be \"*\", root, or start with user/")
    );
}

#[test]
fn sids_must_be_alphanumeric_in_iams_own_documents() {
    let document =
        statement(json!({"Sid": "Allow S3", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}));
    assert_eq!(
        error(&document, INLINE),
        "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
    );
    // S3 and KMS resource policies accept spaces.
    let document = statement(
        json!({"Sid": "Allow S3", "Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}),
    );
    assert!(Policy::parse(&document.to_string(), PolicyKind::Resource).is_ok());
    let empty = statement(json!({"Sid": "", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}));
    assert!(Policy::parse(&empty.to_string(), INLINE).is_ok());
}

#[test]
fn null_if_exists_is_not_an_operator() {
    // "You can add IfExists to the end of any condition operator name except the Null
    // condition".
    let document = statement(
        json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"NullIfExists": {"k": "true"}}}),
    );
    assert_eq!(error(&document, INLINE), "Syntax errors in policy.");
}

#[test]
fn statements_keep_their_index_sid_effect_and_position() {
    // One line: the statement object opens at column 37 (AWS reports 1-based positions).
    let one_line = r#"{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Deny","Action":"s3:*","Resource":"*"}}"#;
    let policy = Policy::parse(one_line, INLINE).unwrap();
    let s = &policy.statements()[0];
    assert_eq!(
        (s.index(), s.sid(), s.effect()),
        (0, Some("A"), Effect::Deny)
    );
    assert_eq!(
        s.start(),
        Position {
            line: 1,
            column: 37
        }
    );
    assert_eq!(
        s.end(),
        Position {
            line: 1,
            column: one_line.len() as u32 - 1
        }
    );

    let pretty = r#"{
  "Version": "2012-10-17",
  "Id": "x{[\"Statement\"]}",
  "Statement": [
    {
      "Sid": "First",
      "Effect": "Allow",
      "Action": "iam:Get*",
      "Resource": "arn:aws:iam::*:user/{x}"
    },
    {"Effect": "Deny", "Action": ["iam:*"], "Resource": "*",
     "Condition": {"StringEquals": {"aws:username": ["a]b", "c}d"]}}}
  ]
}"#;
    let policy = Policy::parse(pretty, INLINE).unwrap();
    let positions: Vec<_> = policy
        .statements()
        .iter()
        .map(|s| (s.start(), s.end(), s.sid()))
        .collect();
    assert_eq!(
        positions,
        vec![
            (
                Position { line: 5, column: 5 },
                Position {
                    line: 10,
                    column: 5
                },
                Some("First")
            ),
            (
                Position {
                    line: 11,
                    column: 5
                },
                Position {
                    line: 12,
                    column: 69
                },
                None
            ),
        ]
    );
    assert_eq!(policy.id(), Some("x{[\"Statement\"]}"));
}

#[test]
fn context_keys_and_principals_are_listed_as_written() {
    // GetContextKeysForCustomPolicy reports condition keys and the keys of policy variables.
    let document = statement(json!([
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}/*",
         "Condition": {"StringLike": {"s3:prefix": "home/${aws:PrincipalTag/team, 'x'}"}, "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"AWS:USERNAME": "x"}}}
    ]));
    let policy = Policy::parse(&document.to_string(), INLINE).unwrap();
    let mut keys = policy.context_keys();
    keys.sort();
    assert_eq!(
        keys,
        vec![
            "aws:PrincipalTag/team",
            "aws:SourceIp",
            "aws:username",
            "s3:prefix"
        ]
    );
    // Under 2008 there are no variables to report.
    let mut old = document.clone();
    old["Version"] = json!("2008-10-17");
    let policy = Policy::parse(&old.to_string(), INLINE).unwrap();
    assert!(!policy.context_keys().contains(&"aws:username".to_owned()));

    let trust = statement(json!({"Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": ["arn:aws:iam::123456789012:user/bob", "123456789012"], "Service": "ec2.amazonaws.com"}}));
    let policy = Policy::parse(&trust.to_string(), PolicyKind::Trust).unwrap();
    let principals: Vec<_> = policy.principals().collect();
    assert_eq!(
        principals,
        vec![
            (PrincipalField::Aws, "arn:aws:iam::123456789012:user/bob"),
            (PrincipalField::Aws, "123456789012"),
            (PrincipalField::Service, "ec2.amazonaws.com"),
        ]
    );
}

#[test]
fn sizes_are_counted_without_whitespace() {
    // reference_iam-quotas: user inline 2,048, role inline 10,240, group inline 5,120,
    // managed 6,144, trust 2,048 (ACLSizePerRole).
    assert_eq!(policy_size("{ \"a\" :\n\t\"b c\" }"), 10);
    let big = format!(
        "{{\"Version\":\"2012-10-17\",\"Id\":\"{}\"}}",
        "x".repeat(2100)
    );
    let size = policy_size(&big);
    let over = check_size(size, SizeQuota::UserInlinePolicies).unwrap_err();
    assert_eq!(over.message(), "Cannot exceed quota for PolicySize: 2048");
    assert_eq!(over.size, size);
    assert!(check_size(size, SizeQuota::RoleInlinePolicies).is_ok());
    let trust = check_size(size, SizeQuota::TrustPolicy { limit: 2048 }).unwrap_err();
    assert_eq!(
        trust.message(),
        "Cannot exceed quota for ACLSizePerRole: 2048"
    );
    assert_eq!(
        check_size(6145, SizeQuota::ManagedPolicy)
            .unwrap_err()
            .message(),
        "Cannot exceed quota for PolicySize: 6144"
    );
    assert_eq!(
        check_size(5121, SizeQuota::GroupInlinePolicies)
            .unwrap_err()
            .message(),
        "Cannot exceed quota for PolicySize: 5120"
    );
    assert!(check_size(2048, SizeQuota::UserInlinePolicies).is_ok());
}

#[test]
fn a_policy_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Policy>();
    assert_send_sync::<std::sync::Arc<Policy>>();
}

#[test]
fn statements_tell_which_services_and_actions_their_actions_reach() {
    let reach = |fields: Value, service: &str| {
        let policy = Policy::parse(&statement(fields).to_string(), INLINE).unwrap();
        policy.statements()[0].reaches_service(service)
    };
    let allow = |action: Value| json!({"Effect": "Allow", "Action": action, "Resource": "*"});
    assert!(reach(allow(json!("s3:GetObject")), "s3"));
    assert!(!reach(allow(json!("s3:GetObject")), "sqs"));
    assert!(reach(allow(json!("*")), "sqs"));
    assert!(reach(allow(json!("SQS:Send*")), "sqs"));
    // `NotAction` reaches every service it does not exclude whole.
    let not = |action: &str| json!({"Effect": "Allow", "NotAction": action, "Resource": "*"});
    assert!(!reach(not("iam:*"), "iam"));
    assert!(reach(not("iam:Delete*"), "iam"));
    assert!(reach(not("iam:*"), "s3"));

    let policy = Policy::parse(
        &statement(allow(json!(["iam:Get*", "s3:GetObject"]))).to_string(),
        INLINE,
    )
    .unwrap();
    let s = &policy.statements()[0];
    assert_eq!(s.named_services().collect::<Vec<_>>(), ["iam", "s3"]);
    assert!(s.matches_action("iam:getuser"));
    assert!(!s.matches_action("iam:createuser"));
}
