//! The `--bootstrap FILE`: a state document in YAML or JSON that start-up and every reset
//! apply. A file that cannot be read, parsed or validated stops start-up with an error
//! naming the file and, for syntax and type errors, the line and column.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::import::{Defaults, StateError, Step, ValidState, validate};
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
    read(file, &text, defaults)
}

/// A bootstrap file's text, parsed (as its name says, or by trying JSON first) and validated.
pub fn read(file: &Path, text: &str, defaults: &Defaults) -> Result<ValidState, BootstrapError> {
    let fail = |problem: String| BootstrapError {
        file: file.to_owned(),
        problem,
    };
    let format = Format::of(file, text);
    let document = format.parse(text).map_err(fail)?;
    validate(document, defaults).map_err(|e: StateError| {
        fail(match locate(format, text, &e.steps) {
            Some((line, column)) => format!("line {line}, column {column}: {e}"),
            None => e.to_string(),
        })
    })
}

#[derive(Debug, Clone, Copy)]
enum Format {
    Json,
    Yaml,
}

impl Format {
    /// JSON or YAML by the file's extension; with another extension, JSON if it parses as
    /// JSON, else YAML.
    fn of(file: &Path, text: &str) -> Format {
        let extension = file
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("json") => Format::Json,
            Some("yaml" | "yml") => Format::Yaml,
            _ if serde_json::from_str::<IgnoredAny>(text).is_ok() => Format::Json,
            _ => Format::Yaml,
        }
    }

    /// Both parsers' errors say the line and column (and YAML's, the path).
    fn parse(self, text: &str) -> Result<StateDocument, String> {
        match self {
            Format::Json => serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}")),
            Format::Yaml => serde_norway::from_str(text).map_err(|e| format!("invalid YAML: {e}")),
        }
    }
}

/// The line and column of the deepest step of `steps` that the file has: the file is read
/// again with a visitor that follows the steps and fails on the value it reaches, and the
/// parser, which knows where that value is, puts the place in the error.
fn locate(format: Format, text: &str, steps: &[Step]) -> Option<(usize, usize)> {
    (1..=steps.len()).rev().find_map(|depth| {
        let seek = Seek(&steps[..depth]);
        match format {
            Format::Json => {
                let mut de = serde_json::Deserializer::from_str(text);
                let e = seek.deserialize(&mut de).err()?;
                e.to_string().contains(HERE).then(|| (e.line(), e.column()))
            }
            Format::Yaml => {
                let e = seek
                    .deserialize(serde_norway::Deserializer::from_str(text))
                    .err()?;
                let at = e.location()?;
                e.to_string()
                    .contains(HERE)
                    .then(|| (at.line(), at.column()))
            }
        }
    })
}

/// What the failing visitor expects: the mark of its error.
const HERE: &str = "the place of the error";

/// Follows steps through maps and lists; at the end, fails on whatever value is there.
struct Seek<'a>(&'a [Step]);

impl<'de> DeserializeSeed<'de> for Seek<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        if self.0.is_empty() {
            deserializer.deserialize_any(Here)
        } else {
            deserializer.deserialize_any(self)
        }
    }
}

impl<'de> Visitor<'de> for Seek<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map or a list")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((Step::Key(wanted), rest)) = self.0.split_first() else {
            return Ok(());
        };
        while let Some(key) = map.next_key::<String>()? {
            if key == *wanted {
                return map.next_value_seed(Seek(rest));
            }
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some((Step::Index(wanted), rest)) = self.0.split_first() else {
            return Ok(());
        };
        for _ in 0..*wanted {
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Ok(());
            }
        }
        seq.next_element_seed(Seek(rest)).map(|_| ())
    }
}

/// Refuses every value: its error carries [`HERE`] and, from the parser, the place.
struct Here;

impl Visitor<'_> for Here {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(HERE)
    }
}
