//! `iamlocal serve` runs the server; `iamlocal healthcheck` asks a running one if it is up.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use iamlocal::{Config, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Parser)]
#[command(
    version,
    about = "A local AWS IAM and STS",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// With no subcommand, iamlocal serves.
    #[command(flatten)]
    serve: Config,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve(Config),
    /// Exit 0 when the server answers its health check, 1 otherwise (for containers).
    Healthcheck {
        /// Address of the server; defaults to the configured listen address.
        #[arg(long, env = "IAMLOCAL_HEALTHCHECK_ENDPOINT")]
        endpoint: Option<SocketAddr>,
        #[command(flatten)]
        config: Config,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the tokio runtime starts");
    match cli.command {
        None => runtime.block_on(serve(cli.serve)),
        Some(Command::Serve(config)) => runtime.block_on(serve(config)),
        Some(Command::Healthcheck { endpoint, config }) => {
            runtime.block_on(healthcheck(endpoint.unwrap_or(config.listen)))
        }
    }
}

async fn serve(config: Config) -> ExitCode {
    init_tracing();
    let db = config
        .db
        .as_ref()
        .map_or("in memory".to_owned(), |p| p.display().to_string());
    let account = config.account_id.clone();
    let key = config.root_access_key.clone();
    let secret_is_default = config.root_secret_key == "test";
    let server = match Server::bind(config).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("iamlocal: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let secret = if secret_is_default {
        "test"
    } else {
        "(as configured)"
    };
    tracing::info!(
        "iamlocal listening on http://{} — account {account}, root credentials {key} / {secret}, database {db}",
        server.local_addr()
    );
    match server.run_until_stopped(shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("iamlocal: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("IAMLOCAL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).init();
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

/// A plain HTTP/1.1 GET of the health route, so the container image needs no curl.
async fn healthcheck(mut addr: SocketAddr) -> ExitCode {
    if addr.ip().is_unspecified() {
        addr.set_ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
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
