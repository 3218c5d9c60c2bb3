use super::*;
use crate::policy::context::{ContextValue, Principal};

fn bob(keys: &[(&str, ContextValue)]) -> RequestContext {
    let mut ctx = RequestContext::new(
        "s3:ListBucket",
        "arn:aws:s3:::bucket",
        Principal::user("arn:aws:iam::123456789012:user/bob", "AIDABOB"),
    );
    for (k, v) in keys {
        ctx.insert(k, v.clone());
    }
    ctx
}

fn check(op: &str, key: &str, values: &[&str], ctx: &RequestContext) -> bool {
    let op = Operator::parse(op).unwrap_or_else(|| panic!("operator {op}"));
    let values: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
    Condition::new(op, key, &values, true).holds(ctx)
}

fn one(v: &str) -> ContextValue {
    ContextValue::from(v)
}

fn many(v: &[&str]) -> ContextValue {
    ContextValue::from(v)
}

/// (operator, key, policy values, request value or None for absent, expected)
type Case<'a> = (&'a str, &'a str, &'a [&'a str], Option<ContextValue>, bool);

fn run(cases: &[Case<'_>]) {
    for (op, key, values, request, expected) in cases {
        let ctx = match request {
            Some(v) => bob(&[(key, v.clone())]),
            None => bob(&[]),
        };
        assert_eq!(
            check(op, key, values, &ctx),
            *expected,
            "{op} {key} {values:?} vs {request:?}"
        );
    }
}

#[test]
fn string_operators() {
    // "String condition operators" table: exact and case-sensitive, negated, ignoring case,
    // wildcards `*` and `?` anywhere in StringLike.
    run(&[
        (
            "StringEquals",
            "aws:PrincipalTag/job-category",
            &["iamuser-admin"],
            Some(one("iamuser-admin")),
            true,
        ),
        (
            "StringEquals",
            "aws:PrincipalTag/job-category",
            &["iamuser-admin"],
            Some(one("IAMUSER-ADMIN")),
            false,
        ),
        // "If a user without the tag attempts … the condition returns false".
        (
            "StringEquals",
            "aws:PrincipalTag/job-category",
            &["iamuser-admin"],
            None,
            false,
        ),
        ("StringNotEquals", "k", &["a"], Some(one("b")), true),
        ("StringNotEquals", "k", &["a"], Some(one("a")), false),
        (
            "StringEqualsIgnoreCase",
            "k",
            &["Admin"],
            Some(one("ADMIN")),
            true,
        ),
        (
            "StringEqualsIgnoreCase",
            "k",
            &["Admin"],
            Some(one("Admins")),
            false,
        ),
        (
            "StringNotEqualsIgnoreCase",
            "k",
            &["Admin"],
            Some(one("admin")),
            false,
        ),
        (
            "StringNotEqualsIgnoreCase",
            "k",
            &["Admin"],
            Some(one("root")),
            true,
        ),
        (
            "StringLike",
            "s3:prefix",
            &["home/*"],
            Some(one("home/bob/x")),
            true,
        ),
        (
            "StringLike",
            "s3:prefix",
            &["home/?ob"],
            Some(one("home/bob")),
            true,
        ),
        (
            "StringLike",
            "s3:prefix",
            &["home/*"],
            Some(one("other/")),
            false,
        ),
        ("StringLike", "s3:prefix", &[""], Some(one("")), true),
        (
            "StringNotLike",
            "s3:prefix",
            &["home/*"],
            Some(one("other/")),
            true,
        ),
        (
            "StringNotLike",
            "s3:prefix",
            &["home/*"],
            Some(one("home/x")),
            false,
        ),
        // StringEquals does not know wildcards.
        ("StringEquals", "k", &["a*"], Some(one("abc")), false),
    ]);
}

#[test]
fn several_values_are_ored_and_negated_operators_nor_them() {
    // "If you specify multiple values for a single key, AWS evaluates them using a logical OR"
    // (reference_policies_condition-logic-multiple-context-keys-or-values); a negated operator
    // holds when none of them matches.
    run(&[
        (
            "StringEquals",
            "aws:RequestTag/CostCenter",
            &["A-123", "B-456"],
            Some(one("B-456")),
            true,
        ),
        (
            "StringEquals",
            "aws:RequestTag/CostCenter",
            &["A-123", "B-456"],
            Some(one("C-789")),
            false,
        ),
        ("StringNotEquals", "k", &["a", "b"], Some(one("a")), false),
        ("StringNotEquals", "k", &["a", "b"], Some(one("c")), true),
        ("StringEquals", "k", &[], Some(one("a")), false),
        ("StringNotEquals", "k", &[], Some(one("a")), true),
    ]);
}

#[test]
fn a_missing_key_fails_positive_operators_and_satisfies_negated_ones() {
    // "If the key … is not present in the request context, the values do not match and the
    // condition is false. If the policy condition requires that the key is not matched, such as
    // StringNotLike or ArnNotLike, and the right key is not present, the condition is true."
    run(&[
        ("StringLike", "k", &["*"], None, false),
        ("StringNotLike", "k", &["*"], None, true),
        ("StringNotEquals", "k", &["a"], None, true),
        ("StringNotEqualsIgnoreCase", "k", &["a"], None, true),
        ("NumericEquals", "k", &["1"], None, false),
        ("NumericNotEquals", "k", &["1"], None, true),
        ("DateEquals", "k", &["2020-01-01"], None, false),
        ("DateNotEquals", "k", &["2020-01-01"], None, true),
        ("Bool", "aws:SecureTransport", &["false"], None, false),
        (
            "IpAddress",
            "aws:SourceIp",
            &["203.0.113.0/24"],
            None,
            false,
        ),
        (
            "NotIpAddress",
            "aws:SourceIp",
            &["203.0.113.0/24"],
            None,
            true,
        ),
        (
            "ArnLike",
            "aws:SourceArn",
            &["arn:aws:sns:*:*:t"],
            None,
            false,
        ),
        (
            "ArnNotLike",
            "aws:SourceArn",
            &["arn:aws:sns:*:*:t"],
            None,
            true,
        ),
        (
            "ArnNotEquals",
            "aws:SourceArn",
            &["arn:aws:sns:*:*:t"],
            None,
            true,
        ),
        ("BinaryEquals", "k", &["QQ=="], None, false),
    ]);
}

#[test]
fn if_exists_is_true_on_a_missing_key_and_checks_a_present_one() {
    // "…IfExists condition operators": "If the key is not present, evaluate the condition
    // element as true." The ec2:InstanceType example.
    run(&[
        (
            "StringLikeIfExists",
            "ec2:InstanceType",
            &["t1.*", "t2.*", "m3.*"],
            None,
            true,
        ),
        (
            "StringLikeIfExists",
            "ec2:InstanceType",
            &["t1.*", "t2.*", "m3.*"],
            Some(one("t2.micro")),
            true,
        ),
        (
            "StringLikeIfExists",
            "ec2:InstanceType",
            &["t1.*", "t2.*", "m3.*"],
            Some(one("c5.large")),
            false,
        ),
        (
            "BoolIfExists",
            "aws:MultiFactorAuthPresent",
            &["false"],
            None,
            true,
        ),
        (
            "BoolIfExists",
            "aws:MultiFactorAuthPresent",
            &["false"],
            Some(one("true")),
            false,
        ),
        // With a negated operator: "the request is still denied even if the tag is missing".
        ("StringNotEqualsIfExists", "k", &["a"], None, true),
        (
            "StringNotEqualsIfExists",
            "k",
            &["a"],
            Some(one("a")),
            false,
        ),
        ("NumericLessThanIfExists", "k", &["5"], None, true),
    ]);
}

#[test]
fn numeric_operators() {
    // "Numeric condition operators": the s3:max-keys example.
    run(&[
        (
            "NumericLessThanEquals",
            "s3:max-keys",
            &["10"],
            Some(one("10")),
            true,
        ),
        (
            "NumericLessThanEquals",
            "s3:max-keys",
            &["10"],
            Some(one("11")),
            false,
        ),
        ("NumericLessThan", "k", &["10"], Some(one("10")), false),
        ("NumericLessThan", "k", &["10"], Some(one("9.5")), true),
        ("NumericGreaterThan", "k", &["10"], Some(one("10.01")), true),
        (
            "NumericGreaterThanEquals",
            "k",
            &["10"],
            Some(one("10")),
            true,
        ),
        (
            "NumericGreaterThanEquals",
            "k",
            &["10"],
            Some(one("-3")),
            false,
        ),
        ("NumericEquals", "k", &["10"], Some(one("10.0")), true),
        ("NumericEquals", "k", &["1", "2"], Some(one("2")), true),
        ("NumericNotEquals", "k", &["10"], Some(one("10.0")), false),
        ("NumericNotEquals", "k", &["10"], Some(one("11")), true),
        // A request value that is no number matches nothing.
        ("NumericEquals", "k", &["10"], Some(one("ten")), false),
        ("NumericEquals", "k", &["ten"], Some(one("10")), false),
    ]);
}

#[test]
fn date_operators_compare_instants_in_iso_8601_or_epoch_seconds() {
    // "Date condition operators": W3C ISO 8601 profiles or epoch (UNIX) time; the
    // aws:TokenIssueTime example.
    run(&[
        (
            "DateGreaterThan",
            "aws:TokenIssueTime",
            &["2020-01-01T00:00:01Z"],
            Some(one("2020-06-01T00:00:00Z")),
            true,
        ),
        (
            "DateGreaterThan",
            "aws:TokenIssueTime",
            &["2020-01-01T00:00:01Z"],
            Some(one("2019-06-01T00:00:00Z")),
            false,
        ),
        (
            "DateGreaterThan",
            "aws:TokenIssueTime",
            &["2020-01-01T00:00:01Z"],
            None,
            false,
        ),
        (
            "DateLessThan",
            "aws:CurrentTime",
            &["2017-12-31T23:59:59Z"],
            Some(one("2017-07-01T00:00:00Z")),
            true,
        ),
        (
            "DateLessThan",
            "aws:CurrentTime",
            &["2017-12-31T23:59:59Z"],
            Some(one("2017-12-31T23:59:59Z")),
            false,
        ),
        (
            "DateLessThanEquals",
            "aws:CurrentTime",
            &["2017-12-31T23:59:59Z"],
            Some(one("2017-12-31T23:59:59Z")),
            true,
        ),
        (
            "DateGreaterThanEquals",
            "aws:CurrentTime",
            &["2020-01-01"],
            Some(one("2020-01-01T00:00:00Z")),
            true,
        ),
        // Epoch seconds on either side.
        (
            "DateEquals",
            "aws:EpochTime",
            &["2020-01-01T00:00:00Z"],
            Some(one("1577836800")),
            true,
        ),
        (
            "DateLessThan",
            "aws:CurrentTime",
            &["1577836800"],
            Some(one("2019-12-31T23:59:59Z")),
            true,
        ),
        // Offsets are honoured.
        (
            "DateEquals",
            "aws:CurrentTime",
            &["2020-01-01T02:00:00+02:00"],
            Some(one("2020-01-01T00:00:00Z")),
            true,
        ),
        (
            "DateNotEquals",
            "aws:CurrentTime",
            &["2020-01-01T02:00:00+02:00"],
            Some(one("2020-01-01T00:00:00Z")),
            false,
        ),
        (
            "DateEquals",
            "aws:CurrentTime",
            &["2020-01-01"],
            Some(one("not a date")),
            false,
        ),
    ]);
}

#[test]
fn bool_binary_and_null_operators() {
    // Bool: the aws:SecureTransport example. BinaryEquals compares the bytes a base64 value
    // stands for. Null: "true" (the key doesn't exist) or "false" (it exists).
    run(&[
        (
            "Bool",
            "aws:SecureTransport",
            &["false"],
            Some(one("false")),
            true,
        ),
        (
            "Bool",
            "aws:SecureTransport",
            &["false"],
            Some(one("true")),
            false,
        ),
        (
            "Bool",
            "aws:SecureTransport",
            &["true"],
            Some(ContextValue::from(true)),
            true,
        ),
        (
            "Bool",
            "aws:SecureTransport",
            &["TRUE"],
            Some(one("true")),
            true,
        ),
        (
            "BinaryEquals",
            "k",
            &["QmluYXJ5VmFsdWVJbkJhc2U2NA=="],
            Some(one("QmluYXJ5VmFsdWVJbkJhc2U2NA==")),
            true,
        ),
        (
            "BinaryEquals",
            "k",
            &["QmluYXJ5VmFsdWVJbkJhc2U2NA=="],
            Some(one("QmluYXJ5VmFsdWVJbkJhc2U2NA")),
            true,
        ),
        (
            "BinaryEquals",
            "k",
            &["QmluYXJ5VmFsdWVJbkJhc2U2NA=="],
            Some(one("QQ==")),
            false,
        ),
        ("Null", "aws:TokenIssueTime", &["true"], None, true),
        (
            "Null",
            "aws:TokenIssueTime",
            &["true"],
            Some(one("2020-01-01T00:00:00Z")),
            false,
        ),
        (
            "Null",
            "aws:TokenIssueTime",
            &["false"],
            Some(one("2020-01-01T00:00:00Z")),
            true,
        ),
        ("Null", "aws:TokenIssueTime", &["false"], None, false),
        ("Null", "aws:TagKeys", &["true"], Some(many(&[])), true),
    ]);
}

#[test]
fn ip_address_operators_take_v4_and_v6_cidrs_and_bare_addresses() {
    // "IP address condition operators": 203.0.113.0/24, 2001:DB8:1234:5678::/64, and "If you
    // specify an IP address without the associated routing prefix, IAM uses … /32".
    let mixed = &["203.0.113.0/24", "2001:DB8:1234:5678::/64"];
    run(&[
        (
            "IpAddress",
            "aws:SourceIp",
            &["203.0.113.0/24"],
            Some(one("203.0.113.7")),
            true,
        ),
        (
            "IpAddress",
            "aws:SourceIp",
            &["203.0.113.0/24"],
            Some(one("203.0.114.7")),
            false,
        ),
        (
            "IpAddress",
            "aws:SourceIp",
            &["203.0.113.9"],
            Some(one("203.0.113.9")),
            true,
        ),
        (
            "IpAddress",
            "aws:SourceIp",
            &["203.0.113.9"],
            Some(one("203.0.113.10")),
            false,
        ),
        (
            "IpAddress",
            "aws:SourceIp",
            &["0.0.0.0/0"],
            Some(one("8.8.8.8")),
            true,
        ),
        (
            "IpAddress",
            "aws:SourceIp",
            mixed,
            Some(one("2001:db8:1234:5678::1")),
            true,
        ),
        (
            "IpAddress",
            "aws:SourceIp",
            mixed,
            Some(one("2001:db8:1234:5679::1")),
            false,
        ),
        (
            "IpAddress",
            "aws:SourceIp",
            &["2001:db8::/32"],
            Some(one("2001:db8:ffff::1")),
            true,
        ),
        (
            "IpAddress",
            "aws:SourceIp",
            &["::/0"],
            Some(one("::1")),
            true,
        ),
        // An IPv4 address written as IPv4-mapped IPv6 is the IPv4 address.
        (
            "IpAddress",
            "aws:SourceIp",
            &["203.0.113.0/24"],
            Some(one("::ffff:203.0.113.5")),
            true,
        ),
        // Families do not mix.
        (
            "IpAddress",
            "aws:SourceIp",
            &["::/0"],
            Some(one("203.0.113.5")),
            false,
        ),
        (
            "IpAddress",
            "aws:SourceIp",
            &["203.0.113.0/24"],
            Some(one("not an ip")),
            false,
        ),
        (
            "IpAddress",
            "aws:SourceIp",
            &["203.0.113.0/33"],
            Some(one("203.0.113.5")),
            false,
        ),
        (
            "NotIpAddress",
            "aws:SourceIp",
            &["203.0.113.0/24"],
            Some(one("198.51.100.1")),
            true,
        ),
        (
            "NotIpAddress",
            "aws:SourceIp",
            &["203.0.113.0/24"],
            Some(one("203.0.113.1")),
            false,
        ),
    ]);
}

#[test]
fn arn_operators_match_each_part_on_its_own() {
    // "Amazon Resource Name (ARN) condition operators": ArnEquals and ArnLike behave
    // identically, part by part; the SNS-to-SQS aws:SourceArn example.
    let topic = "arn:aws:sns:us-east-1:123456789012:TOPIC-ID";
    run(&[
        (
            "ArnEquals",
            "aws:SourceArn",
            &["arn:aws:sns:us-east-1:123456789012:TOPIC-ID"],
            Some(one(topic)),
            true,
        ),
        (
            "ArnLike",
            "aws:SourceArn",
            &["arn:aws:sns:*:123456789012:*"],
            Some(one(topic)),
            true,
        ),
        (
            "ArnEquals",
            "aws:SourceArn",
            &["arn:aws:sns:*:123456789012:*"],
            Some(one(topic)),
            true,
        ),
        (
            "ArnLike",
            "aws:SourceArn",
            &["arn:aws:sns:*:999999999999:*"],
            Some(one(topic)),
            false,
        ),
        (
            "ArnNotLike",
            "aws:SourceArn",
            &["arn:aws:sns:*:999999999999:*"],
            Some(one(topic)),
            true,
        ),
        (
            "ArnNotEquals",
            "aws:SourceArn",
            &["arn:aws:sns:*:123456789012:*"],
            Some(one(topic)),
            false,
        ),
        (
            "ArnLike",
            "aws:SourceArn",
            &["arn:aws:someservice:*:111122223333:finance/*"],
            Some(one(
                "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt",
            )),
            false,
        ),
        (
            "ArnLike",
            "aws:SourceArn",
            &["arn:aws:sns:*:*:*"],
            Some(one("not-an-arn")),
            false,
        ),
        ("ArnLike", "aws:SourceArn", &["*"], Some(one(topic)), true),
        (
            "StringLike",
            "aws:SourceArn",
            &["arn:aws:someservice:*:111122223333:finance/*"],
            Some(one(
                "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt",
            )),
            true,
        ),
    ]);
}

#[test]
fn for_all_values_and_for_any_value_on_sets_empty_sets_and_missing_keys() {
    // reference_policies_condition-single-vs-multi-valued-context-keys: ForAllValues holds
    // when every request value matches, and on an empty or missing key; ForAnyValue holds when
    // one does, and never on an empty or missing key. The DynamoDB requestedAttributes example.
    let allowed: &[&str] = &["PostDateTime", "Message", "Tags"];
    run(&[
        (
            "ForAllValues:StringLike",
            "dynamodb:requestedAttributes",
            allowed,
            Some(many(&["PostDateTime", "Message"])),
            true,
        ),
        (
            "ForAllValues:StringLike",
            "dynamodb:requestedAttributes",
            allowed,
            Some(many(&["PostDateTime", "UserName"])),
            false,
        ),
        (
            "ForAllValues:StringLike",
            "dynamodb:requestedAttributes",
            allowed,
            Some(many(&[])),
            true,
        ),
        (
            "ForAllValues:StringLike",
            "dynamodb:requestedAttributes",
            allowed,
            None,
            true,
        ),
        (
            "ForAnyValue:StringLike",
            "dynamodb:requestedAttributes",
            &["ID", "PostDateTime"],
            Some(many(&["UserName", "Message", "PostDateTime"])),
            true,
        ),
        (
            "ForAnyValue:StringLike",
            "dynamodb:requestedAttributes",
            &["ID", "PostDateTime"],
            Some(many(&["UserName"])),
            false,
        ),
        (
            "ForAnyValue:StringLike",
            "dynamodb:requestedAttributes",
            &["ID", "PostDateTime"],
            Some(many(&[])),
            false,
        ),
        (
            "ForAnyValue:StringLike",
            "dynamodb:requestedAttributes",
            &["ID", "PostDateTime"],
            None,
            false,
        ),
        // A single value works as a set of one.
        (
            "ForAnyValue:StringEquals",
            "aws:TagKeys",
            &["Department"],
            Some(one("Department")),
            true,
        ),
        (
            "ForAllValues:StringEquals",
            "aws:TagKeys",
            &["CostCenter"],
            Some(many(&["CostCenter"])),
            true,
        ),
        (
            "ForAnyValue:StringEqualsIfExists",
            "a",
            &["asf"],
            None,
            true,
        ),
        (
            "ForAllValues:StringEqualsIfExists",
            "a",
            &["asf"],
            None,
            true,
        ),
    ]);
}

#[test]
fn negated_operators_under_set_qualifiers_negate_each_request_value() {
    // ForAllValues:StringNotEquals: no request value is among the policy values.
    // ForAnyValue:StringNotEquals: at least one request value is not among them.
    let forbidden: &[&str] = &["ID", "UserName"];
    run(&[
        (
            "ForAllValues:StringNotEquals",
            "k",
            forbidden,
            Some(many(&["Message", "Tags"])),
            true,
        ),
        (
            "ForAllValues:StringNotEquals",
            "k",
            forbidden,
            Some(many(&["Message", "ID"])),
            false,
        ),
        ("ForAllValues:StringNotEquals", "k", forbidden, None, true),
        (
            "ForAnyValue:StringNotEquals",
            "k",
            forbidden,
            Some(many(&["ID", "Tags"])),
            true,
        ),
        (
            "ForAnyValue:StringNotEquals",
            "k",
            forbidden,
            Some(many(&["ID", "UserName"])),
            false,
        ),
        ("ForAnyValue:StringNotEquals", "k", forbidden, None, false),
        (
            "ForAnyValue:StringNotLike",
            "k",
            &["a*"],
            Some(many(&["abc", "bcd"])),
            true,
        ),
    ]);
}

#[test]
fn a_multivalued_key_without_qualifier_matches_when_any_value_does() {
    run(&[
        ("StringEquals", "k", &["b"], Some(many(&["a", "b"])), true),
        (
            "StringNotEquals",
            "k",
            &["b"],
            Some(many(&["a", "b"])),
            false,
        ),
        ("StringEquals", "k", &["b"], Some(many(&[])), false),
        ("StringNotEquals", "k", &["b"], Some(many(&[])), true),
    ]);
}

#[test]
fn condition_key_names_ignore_case() {
    // "Condition key names are not case-sensitive" (reference_policies_elements_condition).
    let ctx = bob(&[("aws:sourceip", one("203.0.113.7"))]);
    assert!(check(
        "IpAddress",
        "AWS:SourceIP",
        &["203.0.113.0/24"],
        &ctx
    ));
    let ctx = bob(&[("AWS:SOURCEIP", one("203.0.113.7"))]);
    assert!(check(
        "IpAddress",
        "aws:SourceIp",
        &["203.0.113.0/24"],
        &ctx
    ));
}

#[test]
fn variables_in_condition_values() {
    // The s3:prefix example: StringLike ["", "home/", "home/${aws:username}/"].
    let ctx = bob(&[("s3:prefix", one("home/bob/"))]);
    assert!(check(
        "StringLike",
        "s3:prefix",
        &["", "home/", "home/${aws:username}/"],
        &ctx
    ));
    let ctx = bob(&[("s3:prefix", one("home/alice/"))]);
    assert!(!check(
        "StringLike",
        "s3:prefix",
        &["", "home/", "home/${aws:username}/"],
        &ctx
    ));
    // StringEquals with a tag variable; the substituted text is literal, even its `*`.
    let ctx = bob(&[
        ("ec2:ResourceTag/VolumeUser", one("bob")),
        ("aws:PrincipalTag/Team", one("*")),
    ]);
    assert!(check(
        "StringEquals",
        "ec2:ResourceTag/VolumeUser",
        &["${aws:username}"],
        &ctx
    ));
    let ctx2 = bob(&[("k", one("anything")), ("aws:PrincipalTag/Team", one("*"))]);
    assert!(!check(
        "StringLike",
        "k",
        &["${aws:PrincipalTag/Team}"],
        &ctx2
    ));
    // ArnLike and Bool take variables; a default stands in for a missing key.
    let ctx = bob(&[("aws:SourceArn", one("arn:aws:iam::123456789012:user/bob"))]);
    assert!(check(
        "ArnLike",
        "aws:SourceArn",
        &["arn:aws:iam::*:user/${aws:username}"],
        &ctx
    ));
    let ctx = bob(&[("k", one("none"))]);
    assert!(check(
        "StringEquals",
        "k",
        &["${aws:PrincipalTag/team, 'none'}"],
        &ctx
    ));
}

#[test]
fn an_unresolvable_variable_invalidates_the_condition_either_way() {
    // "not present means … any attempt to match it fails and causes the statement to be
    // invalid": a role session has no aws:username.
    let mut ctx = RequestContext::new(
        "s3:ListBucket",
        "arn:aws:s3:::bucket",
        Principal::assumed_role(
            "arn:aws:sts::123456789012:assumed-role/R/s",
            "arn:aws:iam::123456789012:role/R",
            "AROAR:s",
        ),
    );
    ctx.insert("s3:prefix", "home/x/");
    assert!(!check(
        "StringLike",
        "s3:prefix",
        &["home/${aws:username}/*"],
        &ctx
    ));
    assert!(!check(
        "StringNotLike",
        "s3:prefix",
        &["home/${aws:username}/*"],
        &ctx
    ));
    assert!(check(
        "StringLike",
        "s3:prefix",
        &["home/${aws:username, 'x'}/*"],
        &ctx
    ));
}

#[test]
fn variables_are_literal_under_version_2008() {
    let ctx = bob(&[("k", one("${aws:username}"))]);
    let op = Operator::parse("StringEquals").unwrap();
    let values = vec!["${aws:username}".to_owned()];
    assert!(Condition::new(op, "k", &values, false).holds(&ctx));
    assert!(!Condition::new(op, "k", &values, true).holds(&ctx));
}

#[test]
fn operator_names() {
    // moto's AWS-verified table: the 27 operators, an optional ForAnyValue:/ForAllValues:
    // prefix, an optional IfExists suffix; nothing else.
    for name in [
        "StringEquals",
        "ForAnyValue:StringEqualsIfExists",
        "ForAllValues:ArnNotLike",
        "DateGreaterThanEqualsIfExists",
        "BinaryEqualsIfExists",
        "Null",
        "ForAnyValue:Null",
    ] {
        assert!(Operator::parse(name).is_some(), "{name}");
    }
    for name in [
        "stringequals",
        "ForAnyValue::StringEqualsIfExists",
        "StringEqualsIfExist",
        "ForSomeValues:StringEquals",
        "NullIfExists",
        "x",
        "",
    ] {
        assert!(Operator::parse(name).is_none(), "{name}");
    }
}

#[test]
fn dates_accepted_and_refused_like_iam() {
    // moto's AWS-verified cases of "The policy failed legacy parsing" and of valid documents.
    let midnight_2020 = Some(1_577_836_800 * NANOS_PER_SECOND);
    for (value, expected) in [
        ("2020-01-01T00:00:00Z", midnight_2020),
        ("2020-01-01", midnight_2020),
        ("2020-01", midnight_2020),
        // No `T` and no `-`: epoch seconds, even when it reads like a year.
        ("2020", Some(2020 * NANOS_PER_SECOND)),
        ("2020-01-01T02:00:00+02:00", midnight_2020),
        ("2019-12-31T19:00:00-05:00", midnight_2020),
        ("2020-01-01t00:00:00z", midnight_2020),
        ("2020-01-01T00:00Z", midnight_2020),
        ("1577836800", midnight_2020),
        ("0", Some(0)),
        ("1970-01-01T00:00:00.5Z", Some(NANOS_PER_SECOND / 2)),
    ] {
        assert_eq!(parse_date(value), expected, "{value}");
    }
    for valid in [
        "2019-07-01T13:20:15Z",
        "2016-12-13T21:20:37.593194+00:00",
        "2016-12-13t2:00:00.593194+23",
        "-292275054",
        "01T",
        "9223372036854775807",
    ] {
        assert!(parse_date(valid).is_some(), "{valid}");
    }
    for invalid in [
        "sdfdsf",
        "234-13",
        "2016-12-13t2:00:00.593194+1",
        "2016-12-13t2:00:00.1999999999+10:59",
        "9223372036854775808",
        "2020-01-32",
        "2020-01-01T24:00:00Z",
        "2020-01-01T00:60:00Z",
        "2020-01-01T00:00:60Z",
        "2020-01-01-01",
        "",
        "1.5",
    ] {
        assert!(parse_date(invalid).is_none(), "{invalid}");
    }
}

#[test]
fn civil_days() {
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    assert_eq!(days_from_civil(1969, 12, 31), -1);
    assert_eq!(days_from_civil(2024, 2, 29), 19_782);
}

#[test]
fn base64_and_cidr_parsing() {
    assert_eq!(
        base64_decode("QmluYXJ5VmFsdWVJbkJhc2U2NA==").unwrap(),
        b"BinaryValueInBase64"
    );
    assert_eq!(base64_decode("").unwrap(), b"");
    assert!(base64_decode("not base64!").is_none());
    assert!(Cidr::parse("203.0.113.0/24").is_some());
    assert!(Cidr::parse("2001:DB8:1234:5678::/64").is_some());
    assert!(Cidr::parse(" 10.0.0.1 ").is_some());
    for invalid in [
        "203.0.113.0/33",
        "::/129",
        "abc",
        "10.0.0.0/",
        "10.0.0.0/x",
        "10.0.0.0/-1",
    ] {
        assert!(Cidr::parse(invalid).is_none(), "{invalid}");
    }
    // Host bits in the policy value are ignored: it is the network that counts.
    let cidr = Cidr::parse("203.0.113.77/24").unwrap();
    assert!(cidr.contains("203.0.113.1".parse().unwrap()));
}
