//! Every setting: a command-line flag, an `IAMLOCAL_*` environment variable, a default.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on. Use an IP, not a host name.
    #[arg(long, env = "IAMLOCAL_LISTEN", default_value = "127.0.0.1:4599")]
    pub listen: SocketAddr,

    /// SQLite database file; state survives restarts. Without it, state lives in memory.
    #[arg(long, env = "IAMLOCAL_DB")]
    pub db: Option<PathBuf>,

    /// The account the root credentials belong to.
    #[arg(long, env = "IAMLOCAL_ACCOUNT_ID", default_value = "000000000000", value_parser = parse_account_id)]
    pub account_id: String,

    /// Access key id of the root user.
    #[arg(long, env = "IAMLOCAL_ROOT_ACCESS_KEY", default_value = "test")]
    pub root_access_key: String,

    /// Secret access key of the root user.
    #[arg(
        long,
        env = "IAMLOCAL_ROOT_SECRET_KEY",
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
    #[arg(long, env = "IAMLOCAL_MAX_BODY_BYTES", default_value_t = 1 << 20)]
    pub max_body_bytes: usize,
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
        }
    }
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
