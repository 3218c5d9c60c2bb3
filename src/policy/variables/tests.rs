use super::*;

fn var(key: &str, name: &str, default: Option<&str>) -> Token<'static> {
    Token::Variable(Variable {
        key: key.into(),
        name: name.into(),
        default: default.map(Into::into),
    })
}

struct Map(&'static [(&'static str, &'static str)]);

impl Variables for Map {
    fn single_value(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

#[test]
fn tokenizing_splits_text_escapes_and_variables() {
    // Cases from "IAM policy elements: Variables and tags" (reference_policies_variables).
    let cases: Vec<(&str, Vec<Token<'static>>)> = vec![
        (
            "arn:aws:s3:::mybucket",
            vec![Token::Text("arn:aws:s3:::mybucket")],
        ),
        (
            "arn:aws:s3:::mybucket/${aws:username}/*",
            vec![
                Token::Text("arn:aws:s3:::mybucket/"),
                var("aws:username", "aws:username", None),
                Token::Text("/*"),
            ],
        ),
        // Key names are case-insensitive: looked up lowercased, reported as written.
        (
            "${aws:UserName}",
            vec![var("aws:username", "aws:UserName", None)],
        ),
        // "Specifying default values": a comma, a space, the default in single quotes.
        (
            "${aws:PrincipalTag/team, 'company-wide'}",
            vec![var(
                "aws:principaltag/team",
                "aws:PrincipalTag/team",
                Some("company-wide"),
            )],
        ),
        (
            "${aws:userid, ''}",
            vec![var("aws:userid", "aws:userid", Some(""))],
        ),
        // "Special characters": ${*}, ${?}, ${$}.
        (
            "a${*}b",
            vec![Token::Text("a"), Token::Escaped('*'), Token::Text("b")],
        ),
        ("${?}${$}", vec![Token::Escaped('?'), Token::Escaped('$')]),
        // Not variables: stay text.
        ("${aws:username", vec![Token::Text("${aws:username")]),
        ("${}", vec![Token::Text("${}")]),
        ("${a, b}", vec![Token::Text("${a, b}")]),
        ("$ {x}", vec![Token::Text("$ {x}")]),
        (
            "${}${aws:username}",
            vec![
                Token::Text("${}"),
                var("aws:username", "aws:username", None),
            ],
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(tokenize(input, true), expected, "{input}");
    }
}

#[test]
fn variables_are_literal_text_before_version_2012_10_17() {
    // "If you don't include the Version element … variables like ${aws:username} are
    // treated as literal strings in the policy."
    assert_eq!(
        tokenize("home/${aws:username}/${*}", false),
        vec![Token::Text("home/${aws:username}/${*}")]
    );
}

#[test]
fn a_variable_resolves_from_the_context_then_its_default() {
    let vars = Map(&[("aws:username", "bob")]);
    let Token::Variable(name) = var("aws:username", "aws:username", None) else {
        unreachable!()
    };
    assert_eq!(name.resolve(&vars), Some("bob"));
    let Token::Variable(team) = var("aws:principaltag/team", "t", Some("none")) else {
        unreachable!()
    };
    assert_eq!(team.resolve(&vars), Some("none"));
    let Token::Variable(missing) = var("aws:userid", "aws:userid", None) else {
        unreachable!()
    };
    assert_eq!(missing.resolve(&vars), None);
    assert_eq!(missing.resolve(&NoVariables), None);
}
