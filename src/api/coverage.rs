//! The coverage table in README.md: every operation of the IAM and STS models, and whether
//! iamlocal answers it. The test below fails when the table is out of date; run it with
//! `IAMLOCAL_BLESS=1` to rewrite the table.

use super::{Action, Service};

const START: &str = "<!-- coverage:start -->";
const END: &str = "<!-- coverage:end -->";

fn table() -> String {
    let mut out = String::new();
    for service in [Service::Iam, Service::Sts] {
        let operations = service.operations();
        let answered = operations
            .iter()
            .filter(|name| Action::find(service, name).is_some())
            .count();
        let label = service.signing_name().to_uppercase();
        out.push_str(&format!(
            "\n**{label}: {answered} of {} operations.**\n\n| operation | answered |\n| --- | --- |\n",
            operations.len()
        ));
        for name in operations {
            let mark = if Action::find(service, name).is_some() {
                "yes"
            } else {
                "no: `NotImplemented`, HTTP 501"
            };
            out.push_str(&format!("| `{name}` | {mark} |\n"));
        }
    }
    out
}

#[test]
fn the_readme_coverage_table_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let (head, rest) = readme
        .split_once(START)
        .expect("README.md lacks the coverage start marker");
    let (current, tail) = rest
        .split_once(END)
        .expect("README.md lacks the coverage end marker");
    let expected = format!("\n{}\n", table());
    if current == expected {
        return;
    }
    if std::env::var_os("IAMLOCAL_BLESS").is_some() {
        std::fs::write(path, format!("{head}{START}{expected}{END}{tail}")).unwrap();
        return;
    }
    panic!(
        "README.md's coverage table is out of date; run `IAMLOCAL_BLESS=1 cargo test --lib coverage`"
    );
}
