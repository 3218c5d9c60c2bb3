//! The AWS Query wire format: form parameters in, XML out.

pub mod query;
pub mod xml;
