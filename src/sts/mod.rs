//! STS actions.

pub mod identity;
