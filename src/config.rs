//! Every setting: a command-line flag, an `IAMLOCAL_*` environment variable, a default.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::consistency::{ChangeKind, MAX_DELAY_MS, Profile};

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on. Use an IP, not a host name.
    #[arg(
        long,
        env = "IAMLOCAL_LISTEN",
        value_name = "ADDR",
        default_value = "127.0.0.1:4599"
    )]
    pub listen: SocketAddr,

    /// SQLite database file; state survives restarts. Without it, state lives in memory.
    #[arg(long, env = "IAMLOCAL_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// The account the root credentials belong to.
    #[arg(long, env = "IAMLOCAL_ACCOUNT_ID", value_name = "ID", default_value = "000000000000", value_parser = parse_account_id)]
    pub account_id: String,

    /// Access key id of the root user.
    #[arg(
        long,
        env = "IAMLOCAL_ROOT_ACCESS_KEY",
        value_name = "KEY",
        default_value = "test"
    )]
    pub root_access_key: String,

    /// Secret access key of the root user.
    #[arg(
        long,
        env = "IAMLOCAL_ROOT_SECRET_KEY",
        value_name = "SECRET",
        default_value = "test",
        hide_env_values = true
    )]
    pub root_secret_key: String,

    /// Refuse 12-digit access key ids as roots of other accounts. By default any 12-digit
    /// access key id signed with the root secret acts as the root of that account, which is
    /// created on first use.
    #[arg(long, env = "IAMLOCAL_SINGLE_ACCOUNT")]
    pub single_account: bool,

    /// Accept any signature (requests still need one, to tell who is calling). For quick
    /// experiments only: real AWS never does this.
    #[arg(long, env = "IAMLOCAL_ACCEPT_ANY_SIGNATURE")]
    pub accept_any_signature: bool,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "IAMLOCAL_MAX_BODY_BYTES", value_name = "BYTES", default_value_t = 1 << 20)]
    pub max_body_bytes: usize,

    /// How long a change takes to become visible to authentication and authorization, in
    /// milliseconds, for every kind of change (overrides the profile's delays).
    #[arg(long, env = "IAMLOCAL_CONSISTENCY_DELAY", value_name = "MS", value_parser = parse_delay_ms)]
    pub consistency_delay: Option<u64>,

    /// Up to this many milliseconds more, drawn uniformly for each change (overrides the
    /// profile's jitter).
    #[arg(long, env = "IAMLOCAL_CONSISTENCY_JITTER", value_name = "MS", value_parser = parse_delay_ms)]
    pub consistency_jitter: Option<u64>,

    /// Seed of the jitter: the same seed and the same writes give the same delays.
    #[arg(long, env = "IAMLOCAL_CONSISTENCY_SEED", value_name = "N")]
    pub consistency_seed: Option<u64>,

    /// A preset of delays per kind of change: `immediate` (the default) or `realistic`.
    #[arg(long, env = "IAMLOCAL_CONSISTENCY_PROFILE", value_name = "NAME")]
    pub consistency_profile: Option<Profile>,

    /// The propagation delay of one kind of change, in milliseconds (overrides the global
    /// delay and the profile; repeatable; the variable takes a comma-separated list). Kinds:
    /// access_keys, policies, trust_policies, entities, tags.
    #[arg(long, env = "IAMLOCAL_CONSISTENCY_DELAY_FOR", value_name = "KIND=MS", value_delimiter = ',', value_parser = parse_kind_ms)]
    pub consistency_delay_for: Vec<(ChangeKind, u64)>,

    /// The jitter of one kind of change, in milliseconds (overrides the global jitter and
    /// the profile; repeatable, like `--consistency-delay-for`).
    #[arg(long, env = "IAMLOCAL_CONSISTENCY_JITTER_FOR", value_name = "KIND=MS", value_delimiter = ',', value_parser = parse_kind_ms)]
    pub consistency_jitter_for: Vec<(ChangeKind, u64)>,

    /// Make the read APIs (Get*/List* of users, roles, groups, access keys and their
    /// policies) answer from what has propagated, as authorization sees it, instead of from
    /// what was committed: a user just created is not found yet, one just deleted is still
    /// listed.
    #[arg(long, env = "IAMLOCAL_CONSISTENCY_LAGGING_READS")]
    pub consistency_lagging_reads: bool,

    /// When set, the admin API (`/_iamlocal/*`, except health) requires
    /// `Authorization: Bearer TOKEN`.
    #[arg(
        long,
        env = "IAMLOCAL_ADMIN_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub admin_token: Option<String>,

    /// Seconds a client has to send a request's headers, and then its body; a client that
    /// stalls longer is answered `RequestTimeout` or disconnected.
    #[arg(long, env = "IAMLOCAL_REQUEST_TIMEOUT_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout_secs: u64,

    /// Seconds that requests in flight get to finish after SIGTERM or ctrl-c; a second
    /// signal ends the process at once.
    #[arg(long, env = "IAMLOCAL_SHUTDOWN_TIMEOUT_SECS", default_value_t = 10)]
    pub shutdown_timeout_secs: u64,

    /// How many authorization decisions the decisions log keeps (`GET /_iamlocal/decisions`);
    /// 0 keeps none.
    #[arg(
        long,
        env = "IAMLOCAL_DECISIONS_CAPACITY",
        value_name = "N",
        default_value_t = 1000
    )]
    pub decisions_capacity: usize,
    /// A state document (YAML or JSON, the format of `GET /_iamlocal/state`) applied at
    /// start-up when the database is empty, and again by every `POST /_iamlocal/reset`.
    #[arg(long, env = "IAMLOCAL_BOOTSTRAP", value_name = "FILE")]
    pub bootstrap: Option<PathBuf>,
    /// The `iss` of the tokens the built-in OpenID Connect issuer mints (what clients reach
    /// iamlocal at). Default: `http://` and the address listened on.
    #[arg(long, env = "IAMLOCAL_OIDC_ISSUER", value_name = "URL")]
    pub oidc_issuer: Option<String>,

    /// The keys of another OpenID Connect issuer, as a JWKS file, so that its tokens verify
    /// without the network (repeatable; the variable takes a comma-separated list).
    #[arg(
        long,
        env = "IAMLOCAL_OIDC_JWKS",
        value_name = "ISSUER=FILE",
        value_delimiter = ','
    )]
    pub oidc_jwks: Vec<String>,

    /// How log lines are written to standard error: `text` for people, `json` (one object
    /// per line) for log collectors. Which lines: `IAMLOCAL_LOG` (default `info`: start-up,
    /// and one line per API request).
    #[arg(long, env = "IAMLOCAL_LOG_FORMAT", value_name = "FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 4599)),
            db: None,
            account_id: "000000000000".into(),
            root_access_key: "test".into(),
            root_secret_key: "test".into(),
            single_account: false,
            accept_any_signature: false,
            max_body_bytes: 1 << 20,
            consistency_delay: None,
            consistency_jitter: None,
            consistency_seed: None,
            consistency_profile: None,
            consistency_delay_for: Vec::new(),
            consistency_jitter_for: Vec::new(),
            consistency_lagging_reads: false,
            admin_token: None,
            decisions_capacity: 1000,
            bootstrap: None,
            oidc_issuer: None,
            oidc_jwks: Vec::new(),
            log_format: LogFormat::Text,
            request_timeout_secs: 30,
            shutdown_timeout_secs: 10,
        }
    }
}

fn parse_delay_ms(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(ms) if ms <= MAX_DELAY_MS => Ok(ms),
        _ => Err(format!("milliseconds from 0 to {MAX_DELAY_MS}")),
    }
}

/// `KIND=MS`, as `entities=500`.
fn parse_kind_ms(text: &str) -> Result<(ChangeKind, u64), String> {
    let (kind, ms) = text
        .split_once('=')
        .ok_or_else(|| format!("KIND=MS expected, as entities=500, not {text:?}"))?;
    Ok((kind.parse()?, parse_delay_ms(ms)?))
}

fn parse_account_id(text: &str) -> Result<String, String> {
    if is_account_id(text) {
        Ok(text.to_owned())
    } else {
        Err("an account id is 12 digits".into())
    }
}

pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}
