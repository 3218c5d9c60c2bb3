//! One integration-test binary (link time matters on two cores): each test starts the real
//! server on 127.0.0.1:0 with its own database and drives it with the AWS SDKs or by hand.

mod access_keys;
mod admin;
mod aws_managed;
mod common;
mod concurrency;
mod consistency;
mod fuzzing;
mod groups;
mod limits;
mod persistence;
mod policies;
mod process;
mod protocol;
mod roles;
mod shutdown;
mod signatures;
mod simulate;
mod sts;
mod tamper;
mod users;
