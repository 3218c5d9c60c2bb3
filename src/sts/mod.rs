//! STS actions.

pub mod assume_role;
mod credentials;
pub mod decode;
pub mod federation;
pub mod identity;
pub mod session_token;
