//! The whole control-plane state as one document: exported and imported through the admin
//! API (`GET`/`PUT /_iamlocal/state`), and read from the `--bootstrap` file at start-up and
//! on every reset.

pub mod bootstrap;
pub mod export;
pub mod import;
pub mod model;

pub use import::{Defaults, StateError, ValidState, validate};
pub use model::StateDocument;
