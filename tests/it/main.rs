//! One integration-test binary (link time matters on two cores): each test starts the real
//! server on 127.0.0.1:0 with its own database and drives it with the AWS SDKs or by hand.

mod access_keys;
mod account;
mod admin;
mod aws_managed;
mod bootstrap;
mod common;
mod concurrency;
mod consistency;
mod decisions;
mod federation;
mod fuzzing;
mod groups;
mod instance_profiles;
mod limits;
mod login_profiles;
mod logs;
mod metrics;
mod mfa;
mod oidc_providers;
mod persistence;
mod policies;
mod policy_tags;
mod process;
mod protocol;
mod roles;
mod shutdown;
mod signatures;
mod simulate;
mod state;
mod sts;
mod tamper;
mod ui;
mod ui_browser;
mod users;
mod web_identity;
