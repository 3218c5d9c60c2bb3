//! The load generator of issue 9: keep-alive HTTP/1.1 connections to a running iamlocal,
//! every request freshly SigV4-signed with aws-sigv4, for a named scenario; reports req/s,
//! latency percentiles, errors and the server's CPU per request. It starts no iamlocal
//! itself and only talks to loopback addresses.
//!
//! ```text
//! cargo run --release --example loadgen -- run get-caller-identity --clients 16
//! cargo run --release --example loadgen -- run get-user --clients 64 --server-pid PID
//! cargo run --release --example loadgen -- ceiling --clients 16
//! cargo run --release --example loadgen -- probe --since-ns "$(date +%s%N)"
//! cargo run --release --example loadgen -- populate --users 100000 --keys-per-user 1 --roles 10000
//! cargo run --release --example loadgen -- soak --minutes 3 --server-pid PID
//! ```
//!
//! `soak` runs every scenario interleaved (reads, writes and AssumeRole) for some minutes and
//! samples the latency, the errors and the server's memory every interval; it reports the
//! error rate, the latency drift (first against last interval) and the memory growth.
//!
//! `ceiling` starts, in this process, a bare axum server that reads the body and answers a
//! fixed one, and measures it with the same client and the same signed requests: issue 9's
//! targets are fractions of that figure, because these machines are noisy.
//!
//! The last line of `run` and `ceiling` is machine-readable, tab-separated:
//! `RESULT scenario clients requests req/s p50_us p99_us errors server_cpu_us_per_req`.
//! The process exits 1 when any request failed.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use clap::{Args, Parser, Subcommand, ValueEnum};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ACCOUNT: &str = "000000000000";
/// `/proc` reports CPU time in these ticks per second (USER_HZ, 100 on Linux).
const TICKS_PER_SECOND: u64 = 100;
/// The fixed answer of the ceiling server: a `GetCallerIdentity` response, byte for byte
/// the size of iamlocal's.
const CEILING_BODY: &str = "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
<GetCallerIdentityResult><Arn>arn:aws:iam::000000000000:root</Arn><UserId>000000000000</UserId>\
<Account>000000000000</Account></GetCallerIdentityResult><ResponseMetadata>\
<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata>\
</GetCallerIdentityResponse>";

#[derive(Parser)]
#[command(about = "Load generator for a running iamlocal (loopback only)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Set up what the scenario needs through the API, then measure it.
    Run {
        scenario: Scenario,
        #[command(flatten)]
        load: Load,
        /// Users `list-users` creates first (0: list what is there).
        #[arg(long, default_value_t = 1000)]
        users: usize,
        /// iamlocal's process id: its CPU time per request is reported.
        #[arg(long)]
        server_pid: Option<u32>,
    },
    /// Measure a bare axum server started in this process, answering a fixed body.
    Ceiling {
        #[command(flatten)]
        load: Load,
        /// The ceiling server's worker threads (default: one per core, as iamlocal's).
        #[arg(long)]
        server_threads: Option<usize>,
    },
    /// Wait until the server answers a signed GetCallerIdentity; print the milliseconds
    /// since `--since-ns` (nanoseconds since the Unix epoch, e.g. `date +%s%N`).
    Probe {
        #[arg(long, default_value = "http://127.0.0.1:4599")]
        endpoint: String,
        #[arg(long)]
        since_ns: u128,
        #[arg(long, default_value_t = 10_000)]
        timeout_ms: u64,
    },
    /// Mixed traffic (every scenario interleaved) for some minutes: latency, errors and the
    /// server's memory sampled every interval; exits 1 on any error.
    Soak {
        #[arg(long, default_value = "http://127.0.0.1:4599")]
        endpoint: String,
        #[arg(long, default_value_t = 16)]
        clients: usize,
        /// How long to run.
        #[arg(long, default_value_t = 3.0)]
        minutes: f64,
        /// Seconds between samples.
        #[arg(long, default_value_t = 10.0)]
        interval: f64,
        /// iamlocal's process id: its resident memory is sampled.
        #[arg(long)]
        server_pid: Option<u32>,
        /// The scenarios sent in turn (default: all); e.g. the reads alone, to see whether
        /// memory grows without writes.
        #[arg(long, value_delimiter = ',')]
        scenarios: Vec<Scenario>,
    },
    /// Create users (each with access keys) and roles through the API, as fast as it can.
    Populate {
        #[arg(long, default_value = "http://127.0.0.1:4599")]
        endpoint: String,
        #[arg(long, default_value_t = 16)]
        clients: usize,
        #[arg(long, default_value_t = 0)]
        users: usize,
        #[arg(long, default_value_t = 0)]
        keys_per_user: usize,
        #[arg(long, default_value_t = 0)]
        roles: usize,
    },
}

#[derive(Args, Clone)]
struct Load {
    /// The server, an `http://IP:PORT` on loopback.
    #[arg(long, default_value = "http://127.0.0.1:4599")]
    endpoint: String,
    /// Concurrent keep-alive connections, one request in flight on each.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Seconds measured.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Seconds of load before the measurement starts.
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Scenario {
    /// STS GetCallerIdentity as the root user.
    GetCallerIdentity,
    /// IAM GetUser, called by an IAM user whose inline policy allows it.
    GetUser,
    /// IAM CreateUser with a fresh name each time, as the root user.
    CreateUser,
    /// STS AssumeRole by an IAM user: its policy and the role's trust policy allow it.
    AssumeRole,
    /// IAM ListUsers MaxItems=100 as the root user.
    ListUsers,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::GetCallerIdentity => "get-caller-identity",
            Scenario::GetUser => "get-user",
            Scenario::CreateUser => "create-user",
            Scenario::AssumeRole => "assume-role",
            Scenario::ListUsers => "list-users",
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("loadgen")
        .build()
        .expect("the tokio runtime starts");
    let result = match cli.command {
        Command::Run {
            scenario,
            load,
            users,
            server_pid,
        } => runtime.block_on(run(scenario, load, users, server_pid)),
        Command::Ceiling {
            load,
            server_threads,
        } => ceiling(&runtime, load, server_threads),
        Command::Probe {
            endpoint,
            since_ns,
            timeout_ms,
        } => runtime.block_on(probe(&endpoint, since_ns, timeout_ms)),
        Command::Soak {
            endpoint,
            clients,
            minutes,
            interval,
            server_pid,
            scenarios,
        } => runtime.block_on(soak(
            &endpoint, clients, minutes, interval, server_pid, scenarios,
        )),
        Command::Populate {
            endpoint,
            clients,
            users,
            keys_per_user,
            roles,
        } => runtime.block_on(async {
            let target = Target::parse(&endpoint)?;
            populate(&target, clients, users, keys_per_user, roles).await
        }),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("loadgen: {e}");
            ExitCode::FAILURE
        }
    }
}

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Where requests go: an IP literal on loopback, nothing else.
#[derive(Clone)]
struct Target {
    addr: SocketAddr,
    /// `http://IP:PORT/`, what is signed.
    url: String,
    /// `IP:PORT`, the `host` header.
    host: String,
}

impl Target {
    fn parse(endpoint: &str) -> Result<Target, Error> {
        let rest = endpoint
            .strip_prefix("http://")
            .ok_or("the endpoint is http://IP:PORT")?
            .trim_end_matches('/');
        let addr: SocketAddr = rest
            .parse()
            .map_err(|_| format!("{endpoint}: the endpoint is http://IP:PORT, an IP literal"))?;
        if !addr.ip().is_loopback() {
            return Err(format!("{endpoint}: loadgen only targets loopback addresses").into());
        }
        Ok(Target::at(addr))
    }

    fn at(addr: SocketAddr) -> Target {
        Target {
            addr,
            url: format!("http://{addr}/"),
            host: addr.to_string(),
        }
    }
}

#[derive(Clone)]
struct Creds {
    key: String,
    secret: String,
}

impl Creds {
    fn root() -> Creds {
        Creds {
            key: "test".into(),
            secret: "test".into(),
        }
    }
}

/// Builds the bytes of a signed form POST, signing at the current time.
struct Signer {
    credentials: Credentials,
    service: &'static str,
    target: Target,
}

impl Signer {
    fn new(creds: &Creds, service: &'static str, target: &Target) -> Signer {
        Signer {
            credentials: Credentials::new(&creds.key, &creds.secret, None, None, "loadgen"),
            service,
            target: target.clone(),
        }
    }

    /// `POST /` with `body`, signed as the SDKs sign it, written into `out`.
    fn request(&self, body: &str, out: &mut Vec<u8>) {
        let length = body.len().to_string();
        let headers = [
            ("host", self.target.host.as_str()),
            ("content-type", "application/x-www-form-urlencoded"),
            ("content-length", length.as_str()),
        ];
        let identity = self.credentials.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name(self.service)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .expect("complete signing parameters")
            .into();
        let signable = SignableRequest::new(
            "POST",
            &self.target.url,
            headers.iter().copied(),
            SignableBody::Bytes(body.as_bytes()),
        )
        .expect("a signable request");
        let (instructions, _) = sign(signable, &params)
            .expect("the request signs")
            .into_parts();
        out.clear();
        out.extend_from_slice(b"POST / HTTP/1.1\r\n");
        for (name, value) in headers.iter().copied().chain(instructions.headers()) {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(body.as_bytes());
    }
}

/// One keep-alive HTTP/1.1 connection, one request at a time.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

struct Response {
    status: u16,
    body: Vec<u8>,
}

impl Response {
    fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The text of the first `<tag>` element.
    fn element(&self, tag: &str) -> Option<String> {
        let text = self.text();
        let open = format!("<{tag}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find(&format!("</{tag}>"))?;
        Some(text[start..start + end].to_owned())
    }
}

impl Conn {
    async fn open(addr: SocketAddr) -> io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(16 * 1024),
        })
    }

    async fn send(&mut self, request: &[u8]) -> io::Result<Response> {
        self.stream.write_all(request).await?;
        self.buf.clear();
        let head_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i + 4;
            }
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.buf[..head_end])
            .map_err(|_| invalid("a response head that is not UTF-8"))?;
        let status = head
            .get(9..12)
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| invalid("a response without a status"))?;
        let mut length = None;
        let mut chunked = false;
        for line in head.split("\r\n").skip(1) {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse::<usize>().ok();
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.eq_ignore_ascii_case("chunked");
            } else if name.eq_ignore_ascii_case("connection") && value.eq_ignore_ascii_case("close")
            {
                return Err(invalid("the server closes the connection"));
            }
        }
        let body = if chunked {
            self.chunked_body(head_end).await?
        } else {
            let length = length.ok_or_else(|| invalid("a response without a length"))?;
            while self.buf.len() < head_end + length {
                self.fill().await?;
            }
            self.buf[head_end..head_end + length].to_vec()
        };
        Ok(Response { status, body })
    }

    async fn chunked_body(&mut self, mut at: usize) -> io::Result<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(i) = find(&self.buf[at..], b"\r\n") {
                    break at + i;
                }
                self.fill().await?;
            };
            let size_text = std::str::from_utf8(&self.buf[at..line_end])
                .ok()
                .and_then(|s| s.split(';').next())
                .ok_or_else(|| invalid("a bad chunk size"))?;
            let size = usize::from_str_radix(size_text.trim(), 16)
                .map_err(|_| invalid("a bad chunk size"))?;
            let data = line_end + 2;
            while self.buf.len() < data + size + 2 {
                self.fill().await?;
            }
            if size == 0 {
                return Ok(body);
            }
            body.extend_from_slice(&self.buf[data..data + size]);
            at = data + size + 2;
        }
    }

    async fn fill(&mut self) -> io::Result<()> {
        if self.stream.read_buf(&mut self.buf).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            ));
        }
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// A connection for the set-up calls, which must all succeed.
struct Api {
    conn: Conn,
    target: Target,
    out: Vec<u8>,
}

impl Api {
    async fn open(target: &Target) -> Result<Api, Error> {
        Ok(Api {
            conn: Conn::open(target.addr).await?,
            target: target.clone(),
            out: Vec::new(),
        })
    }

    async fn call(
        &mut self,
        creds: &Creds,
        service: &'static str,
        body: &str,
    ) -> Result<Response, Error> {
        Signer::new(creds, service, &self.target).request(body, &mut self.out);
        let response = self.conn.send(&self.out).await?;
        if response.status != 200 {
            return Err(format!(
                "set-up call {body} answered {}: {}",
                response.status,
                response.text()
            )
            .into());
        }
        Ok(response)
    }

    async fn iam(&mut self, body: &str) -> Result<Response, Error> {
        self.call(&Creds::root(), "iam", &format!("{body}&Version=2010-05-08"))
            .await
    }

    async fn create_user(&mut self, name: &str) -> Result<(), Error> {
        self.iam(&format!("Action=CreateUser&UserName={name}"))
            .await
            .map(drop)
    }

    async fn create_access_key(&mut self, user: &str) -> Result<Creds, Error> {
        let response = self
            .iam(&format!("Action=CreateAccessKey&UserName={user}"))
            .await?;
        Ok(Creds {
            key: response.element("AccessKeyId").ok_or("no AccessKeyId")?,
            secret: response
                .element("SecretAccessKey")
                .ok_or("no SecretAccessKey")?,
        })
    }

    async fn put_user_policy(&mut self, user: &str, document: &str) -> Result<(), Error> {
        self.iam(&format!(
            "Action=PutUserPolicy&UserName={user}&PolicyName=loadgen&PolicyDocument={}",
            encode(document)
        ))
        .await
        .map(drop)
    }

    async fn create_role(&mut self, name: &str, trust: &str) -> Result<(), Error> {
        self.iam(&format!(
            "Action=CreateRole&RoleName={name}&AssumeRolePolicyDocument={}",
            encode(trust)
        ))
        .await
        .map(drop)
    }
}

/// A prefix no earlier run on the same server used.
fn run_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!("{:x}", nanos & 0xffff_ffff_ffff)
}

/// What the workers send.
struct Plan {
    creds: Creds,
    service: &'static str,
    body: Body,
}

enum Body {
    Fixed(String),
    /// `CreateUser` with `{prefix}-{worker}-{n}`.
    CreateUser {
        prefix: String,
    },
    /// `AssumeRole` with the session name `s{worker}-{n}`.
    AssumeRole {
        role_arn: String,
    },
}

impl Plan {
    fn body(&self, worker: usize, n: u64) -> Cow<'_, str> {
        match &self.body {
            Body::Fixed(body) => Cow::Borrowed(body),
            Body::CreateUser { prefix } => Cow::Owned(format!(
                "Action=CreateUser&Version=2010-05-08&UserName={prefix}-{worker}-{n}"
            )),
            Body::AssumeRole { role_arn } => Cow::Owned(format!(
                "Action=AssumeRole&Version=2011-06-15&RoleArn={}&RoleSessionName=s{worker}-{n}",
                encode(role_arn)
            )),
        }
    }
}

fn get_caller_identity() -> Plan {
    Plan {
        creds: Creds::root(),
        service: "sts",
        body: Body::Fixed("Action=GetCallerIdentity&Version=2011-06-15".into()),
    }
}

/// Creates what the scenario needs and returns what to send.
async fn set_up(
    scenario: Scenario,
    target: &Target,
    clients: usize,
    users: usize,
) -> Result<Plan, Error> {
    let id = run_id();
    let mut api = Api::open(target).await?;
    Ok(match scenario {
        Scenario::GetCallerIdentity => get_caller_identity(),
        Scenario::GetUser => {
            let user = format!("lg-reader-{id}");
            api.create_user(&user).await?;
            let arn = format!("arn:aws:iam::{ACCOUNT}:user/{user}");
            api.put_user_policy(
                &user,
                &format!(
                    r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow",
                    "Action":["iam:GetUser","iam:ListAccessKeys"],"Resource":"{arn}",
                    "Condition":{{"StringEquals":{{"aws:RequestedRegion":"us-east-1"}}}}}}]}}"#
                ),
            )
            .await?;
            let creds = api.create_access_key(&user).await?;
            Plan {
                creds,
                service: "iam",
                body: Body::Fixed(format!("Action=GetUser&Version=2010-05-08&UserName={user}")),
            }
        }
        Scenario::CreateUser => Plan {
            creds: Creds::root(),
            service: "iam",
            body: Body::CreateUser {
                prefix: format!("lg-{id}"),
            },
        },
        Scenario::AssumeRole => {
            let user = format!("lg-assumer-{id}");
            let role = format!("lg-role-{id}");
            let user_arn = format!("arn:aws:iam::{ACCOUNT}:user/{user}");
            let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/{role}");
            api.create_user(&user).await?;
            api.put_user_policy(
                &user,
                &format!(
                    r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow",
                    "Action":"sts:AssumeRole","Resource":"{role_arn}"}}]}}"#
                ),
            )
            .await?;
            api.create_role(
                &role,
                &format!(
                    r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow",
                    "Principal":{{"AWS":"{user_arn}"}},"Action":"sts:AssumeRole"}}]}}"#
                ),
            )
            .await?;
            let creds = api.create_access_key(&user).await?;
            Plan {
                creds,
                service: "sts",
                body: Body::AssumeRole { role_arn },
            }
        }
        Scenario::ListUsers => {
            if users > 0 {
                populate(target, clients, users, 0, 0).await?;
            }
            Plan {
                creds: Creds::root(),
                service: "iam",
                body: Body::Fixed("Action=ListUsers&Version=2010-05-08&MaxItems=100".into()),
            }
        }
    })
}

/// Creates `users` users (with `keys_per_user` access keys each) and `roles` roles over
/// `clients` connections.
async fn populate(
    target: &Target,
    clients: usize,
    users: usize,
    keys_per_user: usize,
    roles: usize,
) -> Result<ExitCode, Error> {
    let id = run_id();
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow",
        "Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients.max(1) {
        let (target, id, trust, next) = (target.clone(), id.clone(), trust.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut api = Api::open(&target).await?;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i < users {
                    let name = format!("lp-{id}-{i:06}");
                    api.create_user(&name).await?;
                    for _ in 0..keys_per_user {
                        api.create_access_key(&name).await?;
                    }
                } else if i < users + roles {
                    api.create_role(&format!("lp-{id}-role-{i:06}"), &trust)
                        .await?;
                } else {
                    return Ok::<_, Error>(());
                }
            }
        }));
    }
    for task in tasks {
        task.await??;
    }
    let seconds = started.elapsed().as_secs_f64();
    let calls = users * (1 + keys_per_user) + roles;
    eprintln!(
        "populated {users} users, {} access keys, {roles} roles: {calls} calls in {seconds:.1} s \
         ({:.0} calls/s)",
        users * keys_per_user,
        calls as f64 / seconds
    );
    Ok(ExitCode::SUCCESS)
}

/// What the workers measured.
#[derive(Default)]
struct Tally {
    /// Latencies in nanoseconds of the requests sent and answered inside the window.
    latencies: Vec<u64>,
    errors: u64,
    first_errors: Vec<String>,
}

async fn worker(
    plan: Arc<Plan>,
    target: Target,
    index: usize,
    window: (Instant, Instant),
    sequence: Arc<AtomicU64>,
) -> Tally {
    let (measure_from, end) = window;
    let signer = Signer::new(&plan.creds, plan.service, &target);
    let mut tally = Tally {
        latencies: Vec::with_capacity(1 << 16),
        ..Tally::default()
    };
    let mut out = Vec::with_capacity(4096);
    let mut conn = None;
    // Every failure counts, in the warm-up too: a run with errors is not a measurement.
    let note_error = |tally: &mut Tally, what: String| {
        tally.errors += 1;
        if tally.first_errors.len() < 3 {
            tally.first_errors.push(what);
        }
    };
    while Instant::now() < end {
        let n = sequence.fetch_add(1, Ordering::Relaxed);
        let body = plan.body(index, n);
        let sent = Instant::now();
        signer.request(&body, &mut out);
        let c = match &mut conn {
            Some(c) => c,
            None => match Conn::open(target.addr).await {
                Ok(c) => conn.insert(c),
                Err(e) => {
                    note_error(&mut tally, format!("connect: {e}"));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        match c.send(&out).await {
            Ok(response) => {
                let done = Instant::now();
                if response.status != 200 {
                    note_error(
                        &mut tally,
                        format!("{}: {}", response.status, response.text()),
                    );
                } else if sent >= measure_from && done <= end {
                    tally.latencies.push((done - sent).as_nanos() as u64);
                }
            }
            Err(e) => {
                note_error(&mut tally, format!("i/o: {e}"));
                conn = None;
            }
        }
    }
    tally
}

/// CPU time (user + system) of a whole process, in nanoseconds, threads that ended included.
fn process_cpu_ns(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat_cpu_ns(&stat)
}

/// `utime + stime` of a `/proc/…/stat` line.
fn stat_cpu_ns(stat: &str) -> Option<u64> {
    // The command name may hold spaces; the fields after it start past the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) * (1_000_000_000 / TICKS_PER_SECOND))
}

/// CPU time of this process's threads whose name starts with `prefix`.
fn threads_cpu_ns(prefix: &str) -> Option<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir("/proc/self/task").ok()? {
        let path = entry.ok()?.path();
        let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        if comm.trim_end().starts_with(prefix) {
            total += stat_cpu_ns(&std::fs::read_to_string(path.join("stat")).ok()?)?;
        }
    }
    Some(total)
}

/// Runs `plan` over `clients` connections and prints the figures.
async fn measure(
    name: &str,
    plan: Plan,
    target: &Target,
    load: &Load,
    server_cpu: impl Fn() -> Option<u64> + Send + 'static,
) -> Result<ExitCode, Error> {
    let plan = Arc::new(plan);
    let start = Instant::now();
    let measure_from = start + Duration::from_secs_f64(load.warmup);
    let end = measure_from + Duration::from_secs_f64(load.duration);
    let sequence = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..load.clients)
        .map(|i| {
            tokio::spawn(worker(
                plan.clone(),
                target.clone(),
                i,
                (measure_from, end),
                sequence.clone(),
            ))
        })
        .collect();
    tokio::time::sleep_until(measure_from.into()).await;
    let cpu_from = server_cpu();
    tokio::time::sleep_until(end.into()).await;
    let cpu_to = server_cpu();
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut first_errors = Vec::new();
    for w in workers {
        let tally = w.await?;
        latencies.extend(tally.latencies);
        errors += tally.errors;
        first_errors.extend(tally.first_errors);
    }
    latencies.sort_unstable();
    let count = latencies.len();
    let percentile = |p: f64| -> f64 {
        if count == 0 {
            return f64::NAN;
        }
        let i = ((count as f64 * p).ceil() as usize).clamp(1, count) - 1;
        latencies[i] as f64 / 1000.0
    };
    let rps = count as f64 / load.duration;
    let cpu_per_request = match (cpu_from, cpu_to) {
        (Some(a), Some(b)) if count > 0 => Some((b - a) as f64 / 1000.0 / count as f64),
        _ => None,
    };
    let mut line = format!(
        "{name:<20} {clients:>3} clients  {rps:>9.0} req/s  p50 {:>7.0} µs  p99 {:>7.0} µs  \
         p99.9 {:>7.0} µs  errors {errors}",
        percentile(0.50),
        percentile(0.99),
        percentile(0.999),
        clients = load.clients,
    );
    if let Some(cpu) = cpu_per_request {
        let _ = write!(line, "  server CPU {cpu:.1} µs/req");
    }
    println!("{line}");
    for e in &first_errors {
        eprintln!("  error: {}", e.chars().take(400).collect::<String>());
    }
    println!(
        "RESULT\t{name}\t{}\t{count}\t{rps:.0}\t{:.0}\t{:.0}\t{errors}\t{}",
        load.clients,
        percentile(0.50),
        percentile(0.99),
        cpu_per_request.map_or("-".to_owned(), |c| format!("{c:.1}")),
    );
    if errors > 0 {
        eprintln!("loadgen: {errors} requests failed");
        return Ok(ExitCode::FAILURE);
    }
    if count == 0 {
        eprintln!("loadgen: no request was answered in the window");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

async fn run(
    scenario: Scenario,
    load: Load,
    users: usize,
    server_pid: Option<u32>,
) -> Result<ExitCode, Error> {
    let target = Target::parse(&load.endpoint)?;
    let plan = set_up(scenario, &target, load.clients, users).await?;
    measure(scenario.name(), plan, &target, &load, move || {
        server_pid.and_then(process_cpu_ns)
    })
    .await
}

/// The ceiling: a bare axum server in this process, on its own runtime and threads, that
/// reads the request body and answers a fixed `text/xml` one.
fn ceiling(
    runtime: &tokio::runtime::Runtime,
    load: Load,
    server_threads: Option<usize>,
) -> Result<ExitCode, Error> {
    let threads = server_threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(2)
    });
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name("ceiling-worker")
        .enable_all()
        .build()?;
    let listener = server.block_on(tokio::net::TcpListener::bind(SocketAddr::from((
        [127, 0, 0, 1],
        0,
    ))))?;
    let addr = listener.local_addr()?;
    server.spawn(async move {
        let app = axum::Router::new().fallback(|_body: bytes::Bytes| async {
            (
                [(axum::http::header::CONTENT_TYPE, "text/xml")],
                CEILING_BODY,
            )
        });
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("ceiling server: {e}");
        }
    });
    let target = Target::at(addr);
    let code = runtime.block_on(measure(
        "ceiling",
        get_caller_identity(),
        &target,
        &load,
        || threads_cpu_ns("ceiling-worker"),
    ))?;
    server.shutdown_background();
    Ok(code)
}

/// Polls until a signed GetCallerIdentity is answered with 200.
async fn probe(endpoint: &str, since_ns: u128, timeout_ms: u64) -> Result<ExitCode, Error> {
    let target = Target::parse(endpoint)?;
    let plan = get_caller_identity();
    let signer = Signer::new(&plan.creds, plan.service, &target);
    let Body::Fixed(body) = &plan.body else {
        unreachable!("GetCallerIdentity has a fixed body")
    };
    let give_up = Instant::now() + Duration::from_millis(timeout_ms);
    let mut out = Vec::new();
    loop {
        if let Ok(mut conn) = Conn::open(target.addr).await {
            signer.request(body, &mut out);
            if let Ok(response) = conn.send(&out).await
                && response.status == 200
            {
                let now = SystemTime::now()
                    .duration_since(SystemTime::UNIX_EPOCH)?
                    .as_nanos();
                let ms = now.saturating_sub(since_ns) as f64 / 1e6;
                println!("{ms:.1}");
                return Ok(ExitCode::SUCCESS);
            }
        }
        if Instant::now() > give_up {
            return Err(format!("{endpoint} did not answer within {timeout_ms} ms").into());
        }
        tokio::time::sleep(Duration::from_micros(250)).await;
    }
}

/// What the soak workers share: the latencies of the current interval and the errors.
#[derive(Default)]
struct SoakStats {
    latencies: std::sync::Mutex<Vec<u64>>,
    requests: AtomicU64,
    errors: AtomicU64,
    first_errors: std::sync::Mutex<Vec<String>>,
}

/// One sample: an interval's figures.
struct SoakSample {
    requests: usize,
    p50_us: f64,
    p99_us: f64,
    errors: u64,
    rss_mib: Option<f64>,
}

/// The scenarios interleaved over `clients` connections for `minutes`, sampled every
/// `interval` seconds.
async fn soak(
    endpoint: &str,
    clients: usize,
    minutes: f64,
    interval: f64,
    server_pid: Option<u32>,
    mut scenarios: Vec<Scenario>,
) -> Result<ExitCode, Error> {
    let target = Target::parse(endpoint)?;
    if scenarios.is_empty() {
        scenarios = vec![
            Scenario::GetCallerIdentity,
            Scenario::GetUser,
            Scenario::CreateUser,
            Scenario::AssumeRole,
            Scenario::ListUsers,
        ];
    }
    let names: Vec<&str> = scenarios.iter().map(|s| s.name()).collect();
    let mut plans = Vec::new();
    for scenario in scenarios {
        // ListUsers lists what the other scenarios create.
        plans.push(set_up(scenario, &target, clients, 0).await?);
    }
    let plans = Arc::new(plans);
    let stats = Arc::new(SoakStats::default());
    let end = Instant::now() + Duration::from_secs_f64(minutes * 60.0);
    let sequence = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..clients.max(1))
        .map(|index| {
            let (plans, stats, target, sequence) = (
                plans.clone(),
                stats.clone(),
                target.clone(),
                sequence.clone(),
            );
            tokio::spawn(soak_worker(plans, stats, target, index, end, sequence))
        })
        .collect();
    let rss = || server_pid.and_then(rss_mib);
    println!(
        "soak: {clients} clients, {minutes} min, interleaved: {}; server RSS at start {}",
        names.join(", "),
        rss().map_or("-".to_owned(), |r| format!("{r:.1} MiB"))
    );
    let started = Instant::now();
    let mut samples = Vec::new();
    let mut errors_before = 0;
    while Instant::now() < end {
        let next = (Instant::now() + Duration::from_secs_f64(interval)).min(end);
        tokio::time::sleep_until(next.into()).await;
        let mut latencies = std::mem::take(&mut *stats.latencies.lock().expect("not poisoned"));
        latencies.sort_unstable();
        let errors = stats.errors.load(Ordering::Relaxed);
        let sample = SoakSample {
            requests: latencies.len(),
            p50_us: percentile(&latencies, 0.50),
            p99_us: percentile(&latencies, 0.99),
            errors: errors - errors_before,
            rss_mib: rss(),
        };
        errors_before = errors;
        println!(
            "{:>6.0} s  {:>7} requests  p50 {:>6.0} µs  p99 {:>6.0} µs  errors {}  RSS {}",
            started.elapsed().as_secs_f64(),
            sample.requests,
            sample.p50_us,
            sample.p99_us,
            sample.errors,
            sample
                .rss_mib
                .map_or("-".to_owned(), |r| format!("{r:.1} MiB")),
        );
        samples.push(sample);
    }
    for w in workers {
        w.await?;
    }
    for e in stats.first_errors.lock().expect("not poisoned").iter() {
        eprintln!("  error: {}", e.chars().take(400).collect::<String>());
    }
    let requests = stats.requests.load(Ordering::Relaxed);
    let errors = stats.errors.load(Ordering::Relaxed);
    let (Some(first), Some(last)) = (samples.first(), samples.last()) else {
        return Err("the soak ended before its first sample".into());
    };
    let drift = |a: f64, b: f64| format!("{a:.0} → {b:.0} µs ({:+.0} %)", (b / a - 1.0) * 100.0);
    println!(
        "soak: {requests} requests, {errors} errors (error rate {:.4} %)",
        errors as f64 * 100.0 / requests.max(1) as f64
    );
    println!(
        "soak: latency drift, first → last interval: p50 {}, p99 {}",
        drift(first.p50_us, last.p50_us),
        drift(first.p99_us, last.p99_us)
    );
    if let (Some(a), Some(b)) = (first.rss_mib, last.rss_mib) {
        println!(
            "soak: server RSS, first → last sample: {a:.1} → {b:.1} MiB ({:+.1} MiB)",
            b - a
        );
    }
    if errors > 0 {
        eprintln!("loadgen: {errors} requests failed");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// One soak connection: each request is the next scenario's, in turn.
async fn soak_worker(
    plans: Arc<Vec<Plan>>,
    stats: Arc<SoakStats>,
    target: Target,
    index: usize,
    end: Instant,
    sequence: Arc<AtomicU64>,
) {
    let signers: Vec<Signer> = plans
        .iter()
        .map(|plan| Signer::new(&plan.creds, plan.service, &target))
        .collect();
    let mut out = Vec::with_capacity(4096);
    let mut conn = None;
    let mut turn = index;
    let note_error = |what: String| {
        stats.errors.fetch_add(1, Ordering::Relaxed);
        let mut first = stats.first_errors.lock().expect("not poisoned");
        if first.len() < 5 {
            first.push(what);
        }
    };
    while Instant::now() < end {
        let which = turn % plans.len();
        turn += 1;
        let n = sequence.fetch_add(1, Ordering::Relaxed);
        let body = plans[which].body(index, n);
        let sent = Instant::now();
        signers[which].request(&body, &mut out);
        let c = match &mut conn {
            Some(c) => c,
            None => match Conn::open(target.addr).await {
                Ok(c) => conn.insert(c),
                Err(e) => {
                    note_error(format!("connect: {e}"));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        stats.requests.fetch_add(1, Ordering::Relaxed);
        match c.send(&out).await {
            Ok(response) if response.status == 200 => {
                let took = sent.elapsed().as_nanos() as u64;
                stats.latencies.lock().expect("not poisoned").push(took);
            }
            Ok(response) => note_error(format!("{}: {}", response.status, response.text())),
            Err(e) => {
                note_error(format!("i/o: {e}"));
                conn = None;
            }
        }
    }
}

/// The `p` quantile of sorted nanoseconds, in microseconds.
fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i] as f64 / 1000.0
}

/// A process's resident memory, from `/proc/PID/status`.
fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}
