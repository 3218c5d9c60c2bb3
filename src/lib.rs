//! iamlocal: a local AWS IAM and STS. One binary speaks the IAM and STS Query APIs on one
//! port, verifies SigV4 signatures and keeps its state in SQLite.
//!
//! The path of a request: [`server`] → [`auth`] (SigV4, who is calling) → [`api`] (the
//! action table) → a handler in [`iam`] or [`sts`] → [`store`] (control plane), whose
//! changes reach [`view`] (data plane) through [`consistency`].

pub mod access_log;
pub mod admin;
pub mod api;
pub mod app;
pub mod arn;
pub mod auth;
pub mod aws_managed;
pub mod clock;
pub mod config;
pub mod consistency;
pub mod decisions;
pub mod error;
pub mod fuzzing;
pub mod iam;
pub mod ids;
pub mod loading;
pub mod metrics;
pub mod oidc;
pub mod policy;
pub mod protocol;
pub mod saml;
pub mod server;
pub mod standalone;
pub mod state;
pub mod store;
pub mod sts;
pub(crate) mod text;
pub mod ui;
pub mod view;

pub use config::Config;
pub use server::Server;
