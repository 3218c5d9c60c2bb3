//! The real server on 127.0.0.1:0 with its own database, and clients for it: the AWS SDKs
//! for what they send, and a hand-signing requester for what they won't.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_http_client::Builder as HttpClientBuilder;
use iamlocal::app::App;
use iamlocal::{Config, Server};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const ROOT_KEY: &str = "test";
pub const ROOT_SECRET: &str = "test";
pub const ACCOUNT: &str = "000000000000";

pub struct TestServer {
    pub addr: SocketAddr,
    #[allow(dead_code, reason = "for tests that reach into the running server")]
    pub app: Arc<App>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    pub async fn spawn() -> TestServer {
        Self::spawn_with(|_| {}).await
    }

    /// A server whose configuration the test adjusts first.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestServer {
        init_tracing();
        let mut config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            ..Config::default()
        };
        adjust(&mut config);
        let server = Server::bind(config).await.expect("the server starts");
        let addr = server.local_addr();
        let app = server.app();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run_until_stopped(async {
            let _ = stopped.await;
        }));
        TestServer {
            addr,
            app,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops the server gracefully and waits until it has.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .expect("the server stops in time")
                .expect("the server task ends")
                .expect("the server stops cleanly");
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn iam(&self) -> aws_sdk_iam::Client {
        self.iam_as(ROOT_KEY, ROOT_SECRET)
    }

    pub fn iam_as(&self, key: &str, secret: &str) -> aws_sdk_iam::Client {
        self.iam_with(Credentials::new(key, secret, None, None, "test"))
    }

    /// An IAM client signing with temporary credentials from STS.
    pub fn iam_temp(&self, credentials: &aws_sdk_sts::types::Credentials) -> aws_sdk_iam::Client {
        self.iam_with(temporary(credentials))
    }

    pub fn iam_with(&self, credentials: Credentials) -> aws_sdk_iam::Client {
        iam_at(&self.endpoint(), credentials)
    }

    pub fn sts(&self) -> aws_sdk_sts::Client {
        self.sts_as(ROOT_KEY, ROOT_SECRET)
    }

    pub fn sts_as(&self, key: &str, secret: &str) -> aws_sdk_sts::Client {
        self.sts_with(Credentials::new(key, secret, None, None, "test"))
    }

    /// An STS client signing with temporary credentials from STS.
    pub fn sts_temp(&self, credentials: &aws_sdk_sts::types::Credentials) -> aws_sdk_sts::Client {
        self.sts_with(temporary(credentials))
    }

    pub fn sts_with(&self, credentials: Credentials) -> aws_sdk_sts::Client {
        sts_at(&self.endpoint(), credentials)
    }

    /// A requester that signs by hand, for requests the SDKs won't send.
    pub fn raw(&self) -> Raw {
        Raw {
            base: self.endpoint(),
            http: reqwest::Client::new(),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// An IAM client for a server at `endpoint` (`http://127.0.0.1:PORT`).
pub fn iam_at(endpoint: &str, credentials: Credentials) -> aws_sdk_iam::Client {
    let config = aws_sdk_iam::Config::builder()
        .endpoint_url(endpoint)
        .region(aws_sdk_iam::config::Region::new("us-east-1"))
        .credentials_provider(credentials)
        .http_client(HttpClientBuilder::new().build_http())
        .retry_config(aws_sdk_iam::config::retry::RetryConfig::disabled())
        .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
        .build();
    aws_sdk_iam::Client::from_conf(config)
}

/// An STS client for a server at `endpoint` (`http://127.0.0.1:PORT`).
pub fn sts_at(endpoint: &str, credentials: Credentials) -> aws_sdk_sts::Client {
    let config = aws_sdk_sts::Config::builder()
        .endpoint_url(endpoint)
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .credentials_provider(credentials)
        .http_client(HttpClientBuilder::new().build_http())
        .retry_config(aws_sdk_sts::config::retry::RetryConfig::disabled())
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .build();
    aws_sdk_sts::Client::from_conf(config)
}

/// STS credentials as the SDK's credentials type.
pub fn temporary(credentials: &aws_sdk_sts::types::Credentials) -> Credentials {
    Credentials::new(
        credentials.access_key_id(),
        credentials.secret_access_key(),
        Some(credentials.session_token().to_owned()),
        None,
        "sts",
    )
}

/// What to sign a raw request with.
#[derive(Clone)]
pub struct Signing {
    pub key: String,
    pub secret: String,
    pub session_token: Option<String>,
    pub region: String,
    pub service: String,
    pub time: SystemTime,
    pub presigned: bool,
}

impl Signing {
    pub fn iam() -> Signing {
        Signing {
            key: ROOT_KEY.into(),
            secret: ROOT_SECRET.into(),
            session_token: None,
            region: "us-east-1".into(),
            service: "iam".into(),
            time: SystemTime::now(),
            presigned: false,
        }
    }

    pub fn sts() -> Signing {
        Signing {
            service: "sts".into(),
            ..Signing::iam()
        }
    }
}

/// A request before it is signed; tests change it after signing to prove what is covered.
#[derive(Clone, Debug)]
pub struct RawRequest {
    pub method: String,
    /// Path and query, e.g. `/?Action=GetCallerIdentity`.
    pub path_and_query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawRequest {
    /// A form POST of `body`, as the SDKs send it.
    pub fn form(body: &str) -> RawRequest {
        RawRequest {
            method: "POST".into(),
            path_and_query: "/".into(),
            headers: vec![(
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            )],
            body: body.as_bytes().to_vec(),
        }
    }

    pub fn get(path_and_query: &str) -> RawRequest {
        RawRequest {
            method: "GET".into(),
            path_and_query: path_and_query.into(),
            headers: vec![],
            body: vec![],
        }
    }
}

pub struct Raw {
    base: String,
    http: reqwest::Client,
}

/// A response, as text.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub request_id: Option<String>,
    pub body: String,
}

impl RawResponse {
    /// The text of the first `<tag>` element, if any.
    pub fn element(&self, tag: &str) -> Option<&str> {
        let open = format!("<{tag}>");
        let start = self.body.find(&open)? + open.len();
        let end = self.body[start..].find(&format!("</{tag}>"))?;
        Some(&self.body[start..start + end])
    }

    pub fn code(&self) -> Option<&str> {
        self.element("Code")
    }
}

impl Raw {
    /// Signs the request as aws-sigv4 would, returning it with the signature added.
    pub fn sign(&self, request: &RawRequest, signing: &Signing) -> RawRequest {
        let url = format!("{}{}", self.base, request.path_and_query);
        let host = self.base.trim_start_matches("http://").to_owned();
        let mut headers = request.headers.clone();
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
            headers.push(("host".into(), host));
        }
        let credentials = Credentials::new(
            &signing.key,
            &signing.secret,
            signing.session_token.clone(),
            None,
            "test",
        );
        let identity = credentials.into();
        let mut settings = SigningSettings::default();
        if signing.presigned {
            settings.signature_location = SignatureLocation::QueryParams;
            settings.expires_in = Some(Duration::from_secs(300));
        }
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&signing.region)
            .name(&signing.service)
            .time(signing.time)
            .settings(settings)
            .build()
            .unwrap()
            .into();
        let signable = SignableRequest::new(
            &request.method,
            &url,
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            SignableBody::Bytes(&request.body),
        )
        .unwrap();
        let (instructions, _) = sign(signable, &params).unwrap().into_parts();
        let mut http_request = http::Request::builder()
            .method(request.method.as_str())
            .uri(&url);
        for (k, v) in &headers {
            http_request = http_request.header(k, v);
        }
        let mut http_request = http_request.body(()).unwrap();
        instructions.apply_to_request_http1x(&mut http_request);
        RawRequest {
            method: request.method.clone(),
            path_and_query: http_request
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
            headers: http_request
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
                .collect(),
            body: request.body.clone(),
        }
    }

    /// Sends the request exactly as given (no signing).
    pub async fn send(&self, request: &RawRequest) -> RawResponse {
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).unwrap();
        let mut builder = self
            .http
            .request(method, format!("{}{}", self.base, request.path_and_query))
            .timeout(Duration::from_secs(10))
            .body(request.body.clone());
        for (k, v) in &request.headers {
            if !k.eq_ignore_ascii_case("host") {
                builder = builder.header(k, v);
            }
        }
        let response = builder.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let request_id = response
            .headers()
            .get("x-amzn-requestid")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = response.text().await.unwrap();
        RawResponse {
            status,
            request_id,
            body,
        }
    }

    pub async fn signed(&self, request: &RawRequest, signing: &Signing) -> RawResponse {
        self.send(&self.sign(request, signing)).await
    }
}

/// Logs only with `TEST_LOG=1`.
fn init_tracing() {
    use std::sync::Once;
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
                .with_test_writer()
                .init();
        }
    });
}

/// A policy document as IAM returns it (URL-encoded), decoded.
pub fn decode(document: &str) -> String {
    percent_encoding::percent_decode_str(document)
        .decode_utf8()
        .unwrap()
        .into_owned()
}

/// The AWS error code and message of a failed SDK call.
pub fn error_of<E, R>(
    result: Result<impl std::fmt::Debug, aws_sdk_iam::error::SdkError<E, R>>,
) -> (String, String)
where
    E: aws_sdk_iam::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    let err = result.expect_err("the call fails");
    let meta = err
        .as_service_error()
        .map(|e| (e.code(), e.message()))
        .unwrap_or_else(|| panic!("not a service error: {err:?}"));
    (
        meta.0.unwrap_or_default().to_owned(),
        meta.1.unwrap_or_default().to_owned(),
    )
}

impl TestServer {
    /// A client of the JSON admin API (`/_iamlocal/*`).
    #[allow(dead_code, reason = "not every test module uses the admin API")]
    pub fn admin(&self) -> Admin {
        Admin {
            base: self.endpoint(),
            http: reqwest::Client::new(),
            token: None,
        }
    }
}

/// Calls the admin API; the shortcuts expect a 200 and return the JSON body.
#[allow(dead_code, reason = "not every test module uses the admin API")]
pub struct Admin {
    base: String,
    http: reqwest::Client,
    token: Option<String>,
}

#[allow(dead_code, reason = "not every test module uses the admin API")]
impl Admin {
    /// A client of the admin API of the server at `base` (`http://127.0.0.1:PORT`).
    pub fn at(base: &str) -> Admin {
        Admin {
            base: base.to_owned(),
            http: reqwest::Client::new(),
            token: None,
        }
    }

    /// Sends `Authorization: Bearer TOKEN` from now on.
    pub fn with_token(mut self, token: &str) -> Admin {
        self.token = Some(token.to_owned());
        self
    }

    /// Any call: the status and the body as JSON (`null` when empty).
    pub async fn call(
        &self,
        method: &str,
        route: &str,
        body: Option<&str>,
    ) -> (u16, serde_json::Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .http
            .request(method, format!("{}/_iamlocal/{route}", self.base))
            .timeout(Duration::from_secs(10));
        if let Some(token) = &self.token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let json = if text.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
        };
        (status, json)
    }

    async fn expect_ok(&self, method: &str, route: &str, body: Option<&str>) -> serde_json::Value {
        let (status, json) = self.call(method, route, body).await;
        assert_eq!(status, 200, "{method} {route}: {json}");
        json
    }

    pub async fn get(&self, route: &str) -> serde_json::Value {
        self.expect_ok("GET", route, None).await
    }

    pub async fn post(&self, route: &str, body: &str) -> serde_json::Value {
        self.expect_ok("POST", route, Some(body)).await
    }

    pub async fn put(&self, route: &str, body: &str) -> serde_json::Value {
        self.expect_ok("PUT", route, Some(body)).await
    }

    /// Makes every waiting change visible; returns how many there were.
    pub async fn propagate(&self) -> u64 {
        self.post("propagate", "").await["applied"]
            .as_u64()
            .unwrap()
    }
}
