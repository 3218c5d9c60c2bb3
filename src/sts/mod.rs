//! STS actions.

pub mod assume_role;
mod credentials;
pub mod decode;
pub mod federation;
pub mod identity;
pub mod mfa;
pub mod outbound_token;
pub mod role_session;
pub mod saml;
pub mod session_token;
pub mod web_identity;
