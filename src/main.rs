//! `iamlocal serve` runs the server; `iamlocal healthcheck` asks a running one if it is up.

use std::io::IsTerminal;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use iamlocal::config::LogFormat;
use iamlocal::{Config, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const EXAMPLES: &str = "\
Examples:
  iamlocal                                   serve on 127.0.0.1:4599, state in memory
  iamlocal --listen 0.0.0.0:4599 --db iamlocal.db
                                             serve on every interface, state in a file
  iamlocal serve --consistency-profile realistic
                                             changes take seconds to apply, as on AWS
  iamlocal healthcheck                       exit 0 if the server is up (for containers)

Then point a client at it:
  AWS_ENDPOINT_URL=http://127.0.0.1:4599 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \\
  AWS_DEFAULT_REGION=us-east-1 aws sts get-caller-identity

Every option also reads the IAMLOCAL_* environment variable shown beside it.";

const SERVE_EXAMPLES: &str = "\
Examples:
  iamlocal serve --db /data/iamlocal.db --listen 0.0.0.0:4599
  IAMLOCAL_CONSISTENCY_DELAY=2000 iamlocal serve      every change applies 2 s late
  IAMLOCAL_LOG_FORMAT=json iamlocal serve             log lines as JSON objects
  IAMLOCAL_LOG=info,iamlocal::request=off iamlocal    no line per request

The admin API (reset, clock, propagation) is under http://ADDR/_iamlocal/.";

const HEALTHCHECK_EXAMPLES: &str = "\
Examples:
  iamlocal healthcheck                               the server at IAMLOCAL_LISTEN
  iamlocal healthcheck --endpoint http://127.0.0.1:4599
  HEALTHCHECK CMD [\"/iamlocal\", \"healthcheck\"]       in a Dockerfile

A listen address of 0.0.0.0 (or ::) is checked on 127.0.0.1 (or ::1).";

#[derive(Parser)]
#[command(
    version,
    about = "A local AWS IAM and STS: real SigV4, a real policy engine, credentials that expire",
    long_about = "A local AWS IAM and STS: real SigV4, a real policy engine, credentials that \
                  expire.\n\nWith no subcommand, iamlocal serves (the options below are those \
                  of `iamlocal serve`).",
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: Config,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the IAM and STS APIs and the admin API on one port (the default command).
    #[command(after_help = SERVE_EXAMPLES)]
    Serve(Box<Config>),
    /// Exit 0 when the server answers its health check, 1 otherwise (for containers: no curl
    /// needed).
    #[command(after_help = HEALTHCHECK_EXAMPLES)]
    Healthcheck {
        /// The server to check, `http://IP:PORT` or `IP:PORT`; defaults to the listen address.
        #[arg(long, env = "IAMLOCAL_HEALTHCHECK_ENDPOINT", value_name = "URL", value_parser = parse_endpoint)]
        endpoint: Option<SocketAddr>,
        /// The server's listen address, checked when no endpoint is given.
        #[arg(
            long,
            env = "IAMLOCAL_LISTEN",
            value_name = "ADDR",
            default_value = "127.0.0.1:4599"
        )]
        listen: SocketAddr,
    },
}

/// mimalloc rather than glibc's `malloc`: a write's strings are allocated on the request's
/// thread and freed on the batch's, which glibc pays for with its arenas' locks and
/// consolidations (BENCHMARKS.md item 59).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the tokio runtime starts");
    match cli.command {
        None => runtime.block_on(serve(cli.serve)),
        Some(Command::Serve(config)) => runtime.block_on(serve(*config)),
        Some(Command::Healthcheck { endpoint, listen }) => {
            runtime.block_on(healthcheck(endpoint.unwrap_or(listen)))
        }
    }
}

async fn serve(config: Config) -> ExitCode {
    init_tracing(config.log_format);
    let db = config
        .db
        .as_ref()
        .map_or("in memory".to_owned(), |p| p.display().to_string());
    let account = config.account_id.clone();
    let key = config.root_access_key.clone();
    // The secret is shown only when it is the well-known default.
    let secret = if config.root_secret_key == "test" {
        "test"
    } else {
        "(as configured)"
    };
    let server = match Server::bind(config).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("iamlocal: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let consistency = server.app().propagation.model();
    tracing::info!(
        endpoint = %format_args!("http://{}", server.local_addr()),
        %account,
        root_credentials = %format_args!("{key} / {secret}"),
        database = %db,
        %consistency,
        "iamlocal listening"
    );
    match server.run_until_stopped(shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("iamlocal: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to standard error, as text (coloured on a terminal) or one JSON object per line;
/// `IAMLOCAL_LOG` filters.
fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("IAMLOCAL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
}

/// Completes on the first SIGTERM or ctrl-c; a second one ends the process at once, without
/// waiting for the requests in flight (committed writes are safe in SQLite's log either way).
async fn shutdown_signal() {
    signal().await;
    tracing::info!("shutting down; a second signal stops at once");
    tokio::spawn(async {
        signal().await;
        tracing::warn!("second signal: stopping now");
        std::process::exit(130);
    });
}

async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// `http://IP:PORT` (a trailing `/` or path is ignored) or `IP:PORT`; `localhost` is
/// 127.0.0.1. No name lookup: a scratch image has no resolver configuration.
fn parse_endpoint(text: &str) -> Result<SocketAddr, String> {
    let rest = text.strip_prefix("http://").unwrap_or(text);
    let authority = rest.split('/').next().unwrap_or(rest);
    let authority = match authority.strip_prefix("localhost:") {
        Some(port) => format!("127.0.0.1:{port}"),
        None => authority.to_owned(),
    };
    authority
        .parse()
        .map_err(|_| format!("expected http://IP:PORT or IP:PORT, got {text:?}"))
}

/// A plain HTTP/1.1 GET of the health route, so the container image needs no curl.
async fn healthcheck(mut addr: SocketAddr) -> ExitCode {
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        });
    }
    let check = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream
            .write_all(
                b"GET /_iamlocal/health HTTP/1.1\r\nHost: iamlocal\r\nConnection: close\r\n\r\n",
            )
            .await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        Ok::<_, std::io::Error>(response.starts_with(b"HTTP/1.1 200"))
    };
    match tokio::time::timeout(Duration::from_secs(5), check).await {
        Ok(Ok(true)) => ExitCode::SUCCESS,
        _ => {
            eprintln!("iamlocal at {addr} is not healthy");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn the_readme_documents_every_option() {
        let readme = include_str!("../README.md");
        let cli = Cli::command();
        let serve = cli.find_subcommand("serve").expect("a serve command");
        for arg in serve.get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            assert!(
                readme.contains(&format!("`--{long}")),
                "README.md's configuration table lacks --{long}"
            );
            if let Some(env) = arg.get_env() {
                let env = env.to_str().unwrap();
                assert!(readme.contains(env), "README.md lacks {env}");
            }
        }
    }

    #[test]
    fn endpoints_are_urls_or_socket_addresses() {
        let local: SocketAddr = "127.0.0.1:4599".parse().unwrap();
        assert_eq!(parse_endpoint("http://127.0.0.1:4599"), Ok(local));
        assert_eq!(parse_endpoint("http://127.0.0.1:4599/"), Ok(local));
        assert_eq!(parse_endpoint("127.0.0.1:4599"), Ok(local));
        assert_eq!(parse_endpoint("http://localhost:4599"), Ok(local));
        assert_eq!(
            parse_endpoint("http://[::1]:4599"),
            Ok("[::1]:4599".parse().unwrap())
        );
        assert!(parse_endpoint("http://iamlocal:4599").is_err());
        assert!(parse_endpoint("4599").is_err());
    }
}
