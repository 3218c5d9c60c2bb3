//! The `--bootstrap FILE`: a state document in YAML or JSON that start-up and every reset
//! apply. A file that cannot be read, parsed or validated stops start-up with an error
//! naming the file and, for syntax and type errors, the line and column.

use std::fmt;
use std::path::{Path, PathBuf};

use super::import::{Defaults, StateError, ValidState, validate};
use super::model::StateDocument;

#[derive(Debug)]
pub struct BootstrapError {
    pub file: PathBuf,
    pub problem: String,
}

impl fmt::Display for BootstrapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bootstrap file {}: {}",
            self.file.display(),
            self.problem
        )
    }
}

impl std::error::Error for BootstrapError {}

pub fn load(file: &Path, defaults: &Defaults) -> Result<ValidState, BootstrapError> {
    let fail = |problem: String| BootstrapError {
        file: file.to_owned(),
        problem,
    };
    let text = std::fs::read_to_string(file).map_err(|e| fail(format!("cannot read it: {e}")))?;
    let document = parse(file, &text).map_err(fail)?;
    validate(document, defaults).map_err(|e: StateError| fail(e.to_string()))
}

/// JSON or YAML by the file's extension; with another extension, JSON if it parses as
/// JSON, else YAML. Both parsers' errors say the line and column (and YAML's, the path).
fn parse(file: &Path, text: &str) -> Result<StateDocument, String> {
    let extension = file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("json") => parse_json(text),
        Some("yaml" | "yml") => parse_yaml(text),
        _ => parse_json(text).or_else(|_| parse_yaml(text)),
    }
}

fn parse_json(text: &str) -> Result<StateDocument, String> {
    serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))
}

fn parse_yaml(text: &str) -> Result<StateDocument, String> {
    serde_norway::from_str(text).map_err(|e| format!("invalid YAML: {e}"))
}
