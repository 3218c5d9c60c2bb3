use super::*;
use crate::policy::context::{Principal, RequestContext};
use crate::policy::variables::NoVariables;

fn glob_case(pattern: &str, text: &str, fold: Fold) -> bool {
    Pattern::new(pattern, false, true)
        .matches(text, fold, &NoVariables)
        .expect("no variables")
}

#[test]
fn wildcards_match_as_aws_documents_them() {
    // "An asterisk (*) represents any combination of zero or more characters, and a question
    // mark (?) represents any single character" (reference_policies_elements_resource).
    let cases = [
        ("*", "", true),
        ("*", "arn:aws:iam::1:user/a/b", true),
        ("a*", "a", true),
        ("a*", "abc", true),
        ("*c", "abc", true),
        ("*c", "abcd", false),
        ("a*b", "ab", true),
        ("a*b", "a:x/yb", true),
        ("a*b", "axxbc", false),
        ("a**b", "ab", true),
        ("a*b*c", "aXbYbZc", true),
        ("a*a*a", "aaaa", true),
        ("a*a*a", "aa", false),
        ("*b", "aaab", true),
        ("?", "", false),
        ("?", "x", true),
        ("?", "é", true),
        ("??", "é1", true),
        ("a?c", "abc", true),
        ("a?c", "ac", false),
        ("a?c", "abbc", false),
        ("*?", "", false),
        ("*?", "x", true),
        ("", "", true),
        ("", "a", false),
        ("abc", "abc", true),
        ("abc", "abcd", false),
        ("abc*", "abc", true),
        ("ab", "AB", false),
    ];
    for (pattern, text, expected) in cases {
        assert_eq!(
            glob_case(pattern, text, Fold::None),
            expected,
            "{pattern:?} vs {text:?}"
        );
    }
}

#[test]
fn actions_match_ignoring_case() {
    // Action names are case-insensitive: `iam:getuser` is `iam:GetUser`
    // (reference_policies_elements_action). Patterns are lowercased when parsed.
    let cases = [
        ("iam:getuser", "iam:GetUser", true),
        ("iam:*", "IAM:CreateUser", true),
        ("iam:get*", "iam:GetUser", true),
        ("iam:get*", "iam:ListUsers", false),
        ("iam:*user", "iam:GetUser", true),
        ("iam:*accesskey*", "iam:CreateAccessKey", true),
        ("s3:*object", "s3:GetObject", true),
        ("sts:assumerole", "sts:AssumeRoleWithSAML", false),
        ("*", "sts:AssumeRole", true),
    ];
    for (pattern, action, expected) in cases {
        assert_eq!(
            glob_case(pattern, action, Fold::Ascii),
            expected,
            "{pattern} vs {action}"
        );
    }
}

#[test]
fn ignore_case_folds_non_ascii_letters() {
    // StringEqualsIgnoreCase: "Exact matching, ignoring case".
    let p = Pattern::new("ÉCOLE", false, false);
    assert_eq!(p.matches("école", Fold::Unicode, &NoVariables), Some(true));
    assert_eq!(p.matches("école", Fold::Ascii, &NoVariables), Some(false));
    assert_eq!(
        p.matches("écoles", Fold::Unicode, &NoVariables),
        Some(false)
    );
}

#[test]
fn without_wildcards_stars_are_plain_characters() {
    // StringEquals: `*` is a character like any other.
    let p = Pattern::new("a*", false, false);
    assert_eq!(p.matches("a*", Fold::None, &NoVariables), Some(true));
    assert_eq!(p.matches("abc", Fold::None, &NoVariables), Some(false));
}

fn user_ctx() -> RequestContext {
    RequestContext::new(
        "iam:GetUser",
        "arn:aws:iam::123456789012:user/bob",
        Principal::user("arn:aws:iam::123456789012:user/bob", "AIDAEXAMPLEBOB"),
    )
}

fn arn_case(pattern: &str, arn: &str, variables: bool, ctx: &RequestContext) -> Option<bool> {
    ArnPattern::new(pattern, variables).matches(arn, split_arn(arn).as_ref(), ctx)
}

#[test]
fn resources_match_segment_by_segment_and_case_sensitively() {
    let ctx = user_ctx();
    let cases = [
        ("*", "arn:aws:s3:::anything", true),
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b", true),
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", false),
        ("arn:aws:s3:::bucket*", "arn:aws:s3:::bucket", true),
        ("arn:aws:s3:::*", "arn:aws:s3:::b:with:colons", true),
        (
            "arn:aws:iam::*:user/*",
            "arn:aws:iam::123456789012:user/bob",
            true,
        ),
        (
            "arn:aws:iam::123456789012:user/*",
            "arn:aws:iam::210987654321:user/bob",
            false,
        ),
        // ARNs are case-sensitive.
        (
            "arn:aws:iam::123456789012:user/Bob",
            "arn:aws:iam::123456789012:user/bob",
            false,
        ),
        (
            "arn:aws:iam::123456789012:user/?ob",
            "arn:aws:iam::123456789012:user/bob",
            true,
        ),
        (
            "arn:aws:dynamodb:*:*:table/MyTable",
            "arn:aws:dynamodb:us-east-1:1:table/MyTable",
            true,
        ),
        // The ArnLike example of the condition-operator page: the first `*` may only match
        // the region, so the ARN does not match, though StringLike would.
        (
            "arn:aws:someservice:*:111122223333:finance/*",
            "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt",
            false,
        ),
        // Not shaped as six parts: matched as a whole.
        ("arn:*", "arn:aws:iam::123456789012:user/bob", true),
        (
            "arn:aws:fdsasf",
            "arn:aws:iam::123456789012:user/bob",
            false,
        ),
        // An ARN pattern never matches a resource that is not an ARN.
        ("arn:aws:s3:::*", "not-an-arn", false),
    ];
    for (pattern, arn, expected) in cases {
        assert_eq!(
            arn_case(pattern, arn, true, &ctx),
            Some(expected),
            "{pattern} vs {arn}"
        );
    }
    // The same pair under StringLike semantics (one pattern over the whole string) matches.
    let like = Pattern::new("arn:aws:someservice:*:111122223333:finance/*", false, true);
    let value =
        "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt";
    assert_eq!(like.matches(value, Fold::None, &NoVariables), Some(true));
}

#[test]
fn resource_variables_are_substituted_from_the_context() {
    // The "home directory" example of reference_policies_variables.
    let ctx = user_ctx();
    let p = "arn:aws:iam::*:user/${aws:username}";
    assert_eq!(
        arn_case(p, "arn:aws:iam::123456789012:user/bob", true, &ctx),
        Some(true)
    );
    assert_eq!(
        arn_case(p, "arn:aws:iam::123456789012:user/alice", true, &ctx),
        Some(false)
    );
    // A variable in the account part: its colon does not split the ARN.
    let p = "arn:aws:iam::${aws:PrincipalAccount}:user/*";
    assert_eq!(
        arn_case(p, "arn:aws:iam::123456789012:user/x", true, &ctx),
        Some(true)
    );
    assert_eq!(
        arn_case(p, "arn:aws:iam::999999999999:user/x", true, &ctx),
        Some(false)
    );
    // A role session has no aws:username: the entry cannot match (None), unless defaulted.
    let role = RequestContext::new(
        "s3:GetObject",
        "arn:aws:s3:::bucket/x",
        Principal::assumed_role(
            "arn:aws:sts::123456789012:assumed-role/R/s",
            "arn:aws:iam::123456789012:role/R",
            "AROAEXAMPLE:s",
        ),
    );
    let p = "arn:aws:s3:::bucket/${aws:username}";
    assert_eq!(arn_case(p, "arn:aws:s3:::bucket/x", true, &role), None);
    let p = "arn:aws:s3:::bucket/${aws:username, 'x'}";
    assert_eq!(
        arn_case(p, "arn:aws:s3:::bucket/x", true, &role),
        Some(true)
    );
}

#[test]
fn escaped_wildcards_and_the_version_2008_trap() {
    let ctx = user_ctx();
    // ${*} is a literal asterisk, not a wildcard.
    let p = "arn:aws:s3:::bucket/${*}";
    assert_eq!(arn_case(p, "arn:aws:s3:::bucket/*", true, &ctx), Some(true));
    assert_eq!(
        arn_case(p, "arn:aws:s3:::bucket/anything", true, &ctx),
        Some(false)
    );
    // Without 2012-10-17 the variable is the literal text `${aws:username}`.
    let p = "arn:aws:s3:::bucket/${aws:username}";
    assert_eq!(
        arn_case(p, "arn:aws:s3:::bucket/bob", false, &ctx),
        Some(false)
    );
    assert_eq!(
        arn_case(p, "arn:aws:s3:::bucket/${aws:username}", false, &ctx),
        Some(true)
    );
}

fn principals(negated: bool, entries: &[(PrincipalField, &str)]) -> Principals {
    Principals {
        negated,
        entries: entries
            .iter()
            .map(|(field, value)| PrincipalEntry {
                field: Some(*field),
                written: (*value).into(),
                pattern: PrincipalPattern::new(*field, value),
            })
            .collect(),
    }
}

const ACCOUNT: &str = "123456789012";

fn bob() -> Principal {
    Principal::user("arn:aws:iam::123456789012:user/bob", "AIDABOB")
}

fn session() -> Principal {
    Principal::assumed_role(
        "arn:aws:sts::123456789012:assumed-role/Admin/alice",
        "arn:aws:iam::123456789012:role/ops/Admin",
        "AROAADMIN:alice",
    )
}

#[test]
fn principals_name_callers_directly_through_their_issuer_or_their_account() {
    // reference_policies_elements_principal: account principals, IAM user principals, role
    // principals, role session principals, service principals, "*".
    use PrincipalField::*;
    type Entries<'a> = Vec<(PrincipalField, &'a str)>;
    let cases: Vec<(Entries<'_>, Principal, Option<Grant>)> = vec![
        (vec![(Aws, "*")], bob(), Some(Grant::Direct)),
        (
            vec![(Aws, "*")],
            Principal::anonymous(),
            Some(Grant::Direct),
        ),
        (vec![(Aws, ACCOUNT)], bob(), Some(Grant::Account)),
        (
            vec![(Aws, "arn:aws:iam::123456789012:root")],
            bob(),
            Some(Grant::Account),
        ),
        (
            vec![(Aws, ACCOUNT)],
            Principal::root(ACCOUNT),
            Some(Grant::Direct),
        ),
        (vec![(Aws, "210987654321")], bob(), None),
        (
            vec![(Aws, "arn:aws:iam::123456789012:user/bob")],
            bob(),
            Some(Grant::Direct),
        ),
        (
            vec![(Aws, "arn:aws:iam::123456789012:user/alice")],
            bob(),
            None,
        ),
        // The role ARN (with its path) names every session of the role.
        (
            vec![(Aws, "arn:aws:iam::123456789012:role/ops/Admin")],
            session(),
            Some(Grant::Issuer),
        ),
        (
            vec![(Aws, "arn:aws:sts::123456789012:assumed-role/Admin/alice")],
            session(),
            Some(Grant::Direct),
        ),
        (
            vec![(Aws, "arn:aws:sts::123456789012:assumed-role/Admin/eve")],
            session(),
            None,
        ),
        // The strongest of several names wins.
        (
            vec![
                (Aws, ACCOUNT),
                (Aws, "arn:aws:sts::123456789012:assumed-role/Admin/alice"),
            ],
            session(),
            Some(Grant::Direct),
        ),
        (
            vec![(Service, "ec2.amazonaws.com")],
            Principal::service("ec2.amazonaws.com"),
            Some(Grant::Direct),
        ),
        (
            vec![(Service, "ec2.amazonaws.com")],
            Principal::service("EC2.amazonaws.com"),
            Some(Grant::Direct),
        ),
        (vec![(Service, "ec2.amazonaws.com")], bob(), None),
        (
            vec![(Federated, "accounts.google.com")],
            Principal::web_identity("accounts.google.com"),
            Some(Grant::Direct),
        ),
        (vec![(Federated, "accounts.google.com")], bob(), None),
        (
            vec![(
                CanonicalUser,
                "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
            )],
            bob(),
            None,
        ),
    ];
    for (entries, caller, expected) in cases {
        assert_eq!(
            principals(false, &entries).grant(&caller),
            expected,
            "{entries:?} / {}",
            caller.arn
        );
    }
}

#[test]
fn not_principal_spares_a_caller_only_when_its_whole_chain_is_listed() {
    // reference_policies_elements_notprincipal: list the user and its account; for a role
    // session, the session, the role and the account.
    use PrincipalField::Aws;
    let user_only = principals(true, &[(Aws, "arn:aws:iam::123456789012:user/bob")]);
    assert_eq!(user_only.grant(&bob()), Some(Grant::Direct));
    let user_and_account = principals(
        true,
        &[(Aws, "arn:aws:iam::123456789012:user/bob"), (Aws, ACCOUNT)],
    );
    assert_eq!(user_and_account.grant(&bob()), None);
    let others = Principal::user("arn:aws:iam::123456789012:user/eve", "AIDAEVE");
    assert_eq!(user_and_account.grant(&others), Some(Grant::Direct));
    let session_chain = principals(
        true,
        &[
            (Aws, "arn:aws:sts::123456789012:assumed-role/Admin/alice"),
            (Aws, "arn:aws:iam::123456789012:role/ops/Admin"),
            (Aws, "arn:aws:iam::123456789012:root"),
        ],
    );
    assert_eq!(session_chain.grant(&session()), None);
    let without_role = principals(
        true,
        &[
            (Aws, "arn:aws:sts::123456789012:assumed-role/Admin/alice"),
            (Aws, ACCOUNT),
        ],
    );
    assert_eq!(without_role.grant(&session()), Some(Grant::Direct));
    let everyone = principals(true, &[(Aws, "*")]);
    assert_eq!(everyone.grant(&Principal::anonymous()), None);
}

#[test]
fn split_arn_keeps_the_resource_s_colons() {
    assert_eq!(
        split_arn("arn:aws:iam::123456789012:user/a:b"),
        Some(["arn", "aws", "iam", "", "123456789012", "user/a:b"])
    );
    assert_eq!(
        split_arn("arn:aws:s3:::"),
        Some(["arn", "aws", "s3", "", "", ""])
    );
    assert_eq!(split_arn("arn:aws:iam::123456789012"), None);
    assert_eq!(split_arn("é:ü:::x"), None);
    assert_eq!(split_arn("é:ü::::x"), Some(["é", "ü", "", "", "", "x"]));
}
