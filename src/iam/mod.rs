//! IAM actions, one file per resource family.

pub mod access_keys;
pub mod shapes;
pub mod users;
