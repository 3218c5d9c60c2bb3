use super::*;

#[test]
fn key_names_are_case_insensitive() {
    // "Key names are case-insensitive. For example, aws:CurrentTime is equivalent to
    // AWS:currenttime" (reference_policies_variables).
    let mut ctx = RequestContext::new("iam:GetUser", "", Principal::anonymous());
    ctx.insert("AWS:CurrentTime", "2024-01-01T00:00:00Z");
    assert_eq!(
        ctx.get("aws:currenttime"),
        Some(&ContextValue::from("2024-01-01T00:00:00Z"))
    );
    assert_eq!(ctx.get("Aws:CurrentTime"), ctx.get("aws:CURRENTTIME"));
    assert_eq!(ctx.values_lowercase("aws:currenttime").len(), 1);
    assert!(ctx.remove("aws:CURRENTTIME").is_some());
    assert_eq!(ctx.get("aws:currenttime"), None);
}

#[test]
fn non_ascii_key_names_are_lowercased_too() {
    let mut ctx = RequestContext::new("iam:GetUser", "", Principal::anonymous());
    ctx.insert("aws:PrincipalTag/ÉQUIPE", "bleu");
    assert_eq!(
        ctx.get("aws:principaltag/équipe"),
        Some(&ContextValue::from("bleu"))
    );
    assert_eq!(
        lowercase_key("aws:principaltag/équipe"),
        "aws:principaltag/équipe"
    );
    assert!(matches!(lowercase_key("aws:username"), Cow::Borrowed(_)));
}

#[test]
fn a_user_context_carries_the_principal_keys_of_aws_table() {
    // "Principal key values" (reference_policies_variables#principaltable): IAM user.
    let ctx = RequestContext::new(
        "iam:CreateUser",
        "arn:aws:iam::123456789012:user/alice",
        Principal::user(
            "arn:aws:iam::123456789012:user/division/bob",
            "AIDAJQABLZS4A3QDU576Q",
        ),
    );
    let value = |k: &str| ctx.get(k).map(|v| v.values()[0].as_str());
    assert_eq!(value("aws:username"), Some("bob"));
    assert_eq!(value("aws:userid"), Some("AIDAJQABLZS4A3QDU576Q"));
    assert_eq!(value("aws:PrincipalType"), Some("User"));
    assert_eq!(
        value("aws:PrincipalArn"),
        Some("arn:aws:iam::123456789012:user/division/bob")
    );
    assert_eq!(value("aws:PrincipalAccount"), Some("123456789012"));
    assert_eq!(value("aws:PrincipalIsAWSService"), Some("false"));
}

#[test]
fn a_role_session_has_no_user_name_and_its_principal_arn_is_the_role() {
    // Table: assumed role → aws:username not present, aws:userid role-id:session-name,
    // aws:PrincipalType AssumedRole; aws:PrincipalArn is the role's ARN (condition keys page).
    let ctx = RequestContext::new(
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        Principal::assumed_role(
            "arn:aws:sts::123456789012:assumed-role/Dev/s1",
            "arn:aws:iam::123456789012:role/team/Dev",
            "AROAEXAMPLEID:s1",
        ),
    );
    let value = |k: &str| ctx.get(k).map(|v| v.values()[0].as_str());
    assert_eq!(value("aws:username"), None);
    assert_eq!(value("aws:userid"), Some("AROAEXAMPLEID:s1"));
    assert_eq!(value("aws:PrincipalType"), Some("AssumedRole"));
    assert_eq!(
        value("aws:PrincipalArn"),
        Some("arn:aws:iam::123456789012:role/team/Dev")
    );
    assert_eq!(ctx.principal().account, "123456789012");
}

#[test]
fn root_is_an_account_principal() {
    // Table: AWS account root user → aws:userid is the account id, type Account.
    let ctx = RequestContext::new("iam:ListUsers", "", Principal::root("123456789012"));
    let value = |k: &str| ctx.get(k).map(|v| v.values()[0].as_str());
    assert_eq!(value("aws:PrincipalType"), Some("Account"));
    assert_eq!(value("aws:userid"), Some("123456789012"));
    assert_eq!(
        value("aws:PrincipalArn"),
        Some("arn:aws:iam::123456789012:root")
    );
    assert_eq!(value("aws:username"), None);
}

#[test]
fn federated_users_and_outsiders() {
    let fed = Principal::federated_user(
        "arn:aws:sts::123456789012:federated-user/carol",
        "arn:aws:iam::123456789012:user/bob",
    );
    assert_eq!(fed.user_id.as_deref(), Some("123456789012:carol"));
    assert_eq!(fed.principal_type(), Some("FederatedUser"));
    assert_eq!(
        Principal::service("ec2.amazonaws.com").principal_type(),
        None
    );
    assert_eq!(Principal::anonymous().principal_type(), Some("Anonymous"));
    let ctx = RequestContext::new(
        "sts:AssumeRole",
        "",
        Principal::service("ec2.amazonaws.com"),
    );
    assert_eq!(
        ctx.get("aws:PrincipalIsAWSService"),
        Some(&ContextValue::from(true))
    );
    assert_eq!(ctx.get("aws:PrincipalAccount"), None);
}

#[test]
fn multivalued_keys_cannot_be_substituted() {
    let ctx = RequestContext::new("iam:TagUser", "", Principal::anonymous())
        .with("aws:TagKeys", ["a", "b"])
        .with("aws:SourceIp", "192.0.2.1");
    assert_eq!(ctx.single_value("aws:tagkeys"), None);
    assert_eq!(ctx.single_value("aws:sourceip"), Some("192.0.2.1"));
    assert_eq!(ctx.values_lowercase("aws:tagkeys").len(), 2);
    assert!(ctx.values_lowercase("aws:nothing").is_empty());
}

#[test]
fn context_values_convert_as_aws_writes_them() {
    assert_eq!(
        ContextValue::from(true),
        ContextValue::Single("true".into())
    );
    assert_eq!(ContextValue::from(10i64), ContextValue::Single("10".into()));
    assert_eq!(
        ContextValue::from(vec!["x".to_owned()]).values(),
        &["x".to_owned()]
    );
}

#[test]
fn addresses_read_as_display_writes_them() {
    for ip in [
        "0.0.0.0",
        "127.0.0.1",
        "10.20.99.100",
        "255.255.255.255",
        "::1",
        "fe80::1",
    ] {
        let ip: IpAddr = ip.parse().unwrap();
        assert_eq!(ip_text(ip), ip.to_string());
    }
}

fn with_origin() -> RequestContext {
    let mut ctx = RequestContext::new(
        "iam:GetUser",
        "arn:aws:iam::123456789012:user/bob",
        Principal::user("arn:aws:iam::123456789012:user/bob", "AIDAEXAMPLE"),
    );
    ctx.set_origin(RequestOrigin {
        now: OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
        region: "eu-west-1".into(),
        source_ip: Some("192.0.2.7".parse().unwrap()),
        user_agent: Some("aws-cli/2".into()),
    });
    ctx
}

#[test]
fn the_origin_gives_the_global_keys() {
    let ctx = with_origin();
    let value = |k: &str| ctx.get(k).map(|v| v.values()[0].as_str());
    assert_eq!(value("aws:CurrentTime"), Some("2023-11-14T22:13:20Z"));
    assert_eq!(value("aws:EpochTime"), Some("1700000000"));
    assert_eq!(value("aws:SecureTransport"), Some("false"));
    assert_eq!(value("aws:RequestedRegion"), Some("eu-west-1"));
    assert_eq!(value("aws:ViaAWSService"), Some("false"));
    assert_eq!(value("aws:SourceIp"), Some("192.0.2.7"));
    assert_eq!(value("aws:UserAgent"), Some("aws-cli/2"));
    // Every key iter lists is one the lookup finds, and none is listed twice.
    let listed: Vec<&str> = ctx.iter().map(|(k, _)| k).collect();
    assert_eq!(listed.len(), DERIVED_KEYS.len());
    assert!(listed.iter().all(|k| derived_index(k).is_some()));
}

#[test]
fn derived_keys_are_made_only_when_a_policy_reads_one() {
    let mut ctx = with_origin();
    ctx.insert("aws:PrincipalTag/team", "blue");
    assert_eq!(ctx.values_lowercase("aws:principaltag/team"), ["blue"]);
    assert!(ctx.values_lowercase("aws:requesttag/team").is_empty());
    let made = |ctx: &RequestContext| ctx.derived.iter().filter(|v| v.get().is_some()).count();
    assert_eq!(made(&ctx), 0, "no derived key was asked for");
    assert_eq!(ctx.single_value("aws:username"), Some("bob"));
    assert_eq!(made(&ctx), 1, "only the key asked for is made");
}

#[test]
fn a_key_the_caller_sets_or_removes_wins_over_a_derived_one() {
    let mut ctx = with_origin().with("aws:CurrentTime", "2030-01-01T00:00:00Z");
    assert_eq!(
        ctx.values_lowercase("aws:currenttime"),
        ["2030-01-01T00:00:00Z"]
    );
    let times: Vec<_> = ctx
        .iter()
        .filter(|(k, _)| *k == "aws:currenttime")
        .map(|(_, v)| v.values()[0].as_str())
        .collect();
    assert_eq!(times, ["2030-01-01T00:00:00Z"]);
    assert_eq!(
        ctx.remove("aws:SourceIp"),
        Some(ContextValue::from("192.0.2.7"))
    );
    assert_eq!(ctx.get("aws:sourceip"), None);
    assert!(ctx.iter().all(|(k, _)| k != "aws:sourceip"));
    assert_eq!(ctx.single_value("aws:username"), Some("bob"));
}
