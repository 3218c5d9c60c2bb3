//! The HTTP side: the listener, the router, and the path of one API request through
//! authentication, the action table and the XML rendering.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tower::Service;

use crate::api::{self, Ctx, Origin};
use crate::app::App;
use crate::auth::{self, Caller, sigv4};
use crate::aws_error;
use crate::config::Config;
use crate::error::AwsError;
use crate::ids::{self, RequestId};
use crate::loading::LoadState;
use crate::protocol::query::Params;

/// How often recorded key uses are written to the store.
const KEY_USE_FLUSH_INTERVAL: Duration = Duration::from_secs(1);
/// The region an unsigned request is taken to be made in: without a signature there is no
/// credential scope to read it from, and iamlocal answers every region on one endpoint.
const UNSIGNED_REGION: &str = "us-east-1";
/// How often expired temporary credentials are forgotten.
const SESSION_PRUNE_INTERVAL: Duration = Duration::from_secs(60);

pub struct Server {
    listener: TcpListener,
    app: Arc<App>,
}

impl Server {
    /// Binds the listener first, so `local_addr` is known (port 0 picks a free port), then
    /// opens the store and builds the data plane.
    pub async fn bind(config: Config) -> Result<Server, Box<dyn std::error::Error + Send + Sync>> {
        let listener = TcpListener::bind(config.listen).await?;
        let mut config = config;
        if config.oidc_issuer.is_none() {
            config.oidc_issuer = Some(own_base_url(listener.local_addr()?));
        }
        let app = App::start(config).await?;
        Ok(Server { listener, app })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn app(&self) -> Arc<App> {
        self.app.clone()
    }

    /// Serves until `shutdown` completes, then stops accepting connections, gives the
    /// requests in flight up to `shutdown_timeout_secs` to finish, and writes what is still
    /// only in memory.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let app = self.app;
        let housekeeping = tokio::spawn(housekeeping(app.clone()));
        let propagator = tokio::spawn(app.propagation.clone().run());
        let connections = serve(self.listener, app.clone(), shutdown);
        let connections = crate::loading::while_loading(&app, connections).await;
        let grace = Duration::from_secs(app.config.shutdown_timeout_secs);
        if tokio::time::timeout(grace, connections.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("requests still in flight after {grace:?}; closing them");
        }
        housekeeping.abort();
        propagator.abort();
        if let Err(e) = app.flush_key_uses().await {
            tracing::warn!(error = %e, "could not record the last key uses");
        }
        if let Err(e) = app.flush_service_accesses().await {
            tracing::warn!(error = %e, "could not record the last service accesses");
        }
        app.store.close().await;
        Ok(())
    }
}

/// Accepts connections until `shutdown` completes, then drops the listener (new connections
/// are refused) and returns the handle that waits for the open ones. Each connection has
/// `request_timeout_secs` to send its headers: hyper closes it otherwise, so a stalled client
/// cannot hold a task forever.
async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> GracefulShutdown {
    let config = &app.config;
    let router = router(app.clone());
    let connections = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(config.request_timeout_secs))
        // A request that has arrived is answered, as AWS does, even when its client shuts
        // its side of the connection meanwhile. Otherwise hyper polls the socket while every
        // answer is made, to see it close early, and makes a new read buffer for that each
        // time (the request still holds the old one).
        .half_close(true);
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little instead of spinning.
                    tracing::warn!(error = %e, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (router, app) = (router.clone(), app.clone());
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            let (mut router, app) = (router.clone(), app.clone());
            async move {
                // The SDKs call the API at `/`, where the router has no route of its own: such
                // a request skips it (its matching, boxing and extensions cost more than the
                // path test).
                if request.uri().path() == "/" {
                    return Ok(api_response(&app, request.map(Body::new), Some(remote)).await);
                }
                request.extensions_mut().insert(ConnectInfo(remote));
                router.call(request.map(Body::new)).await
            }
        });
        let connection = connections.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, %remote, "connection ended with an error");
            }
        });
    }
    connections
}

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .merge(crate::oidc::routes::routes())
        .merge(crate::admin::routes(app.clone()))
        .merge(crate::ui::routes(app.clone()))
        // While the view loads, these wait for it (API requests wait in `serve_api`).
        .route_layer(axum::middleware::from_fn_with_state(
            app.clone(),
            wait_until_loaded,
        ))
        .route("/_iamlocal/health", get(health))
        .fallback(handle_api)
        .with_state(app)
}

/// `http://IP:PORT` of the listener, as a client on this machine reaches it: the built-in
/// OpenID Connect issuer's default URL.
fn own_base_url(mut addr: SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    format!("http://{addr}")
}

/// Writes key uses and service accesses to the store and forgets expired sessions, each on
/// its own interval.
async fn housekeeping(app: Arc<App>) {
    // Pruning sessions edits the view: not while it is being built.
    let _ = app.loading.wait().await;
    let mut tick = tokio::time::interval(KEY_USE_FLUSH_INTERVAL);
    let mut prune = tokio::time::interval(SESSION_PRUNE_INTERVAL);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if let Err(e) = app.flush_key_uses().await {
                    tracing::warn!(error = %e, "could not record key uses");
                }
                if let Err(e) = app.flush_service_accesses().await {
                    tracing::warn!(error = %e, "could not record service accesses");
                }
            }
            _ = prune.tick() => {
                if let Err(e) = app.prune_expired_sessions().await {
                    tracing::warn!(error = %e, "could not forget expired sessions");
                }
            }
        }
    }
}

/// Holds a request until the view is built (see `loading`).
async fn wait_until_loaded(
    State(app): State<Arc<App>>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    if let Err(e) = app.loading.wait().await {
        let request_id = ids::request_id();
        return (e.code.status(), e.to_xml(&request_id)).into_response();
    }
    next.run(request).await
}

/// Up: `view` says whether the stored state is loaded yet (`loading`, `ready`); a state that
/// could not be loaded (`failed`) makes the server unhealthy.
async fn health(State(app): State<Arc<App>>) -> Response {
    let view = app.loading.state();
    let (status, text) = match view {
        LoadState::Failed => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        LoadState::Loading | LoadState::Ready => (StatusCode::OK, "ok"),
    };
    let body = format!(
        "{{\"status\":\"{text}\",\"account_id\":\"{}\",\"view\":\"{}\"}}",
        app.config.account_id,
        view.name()
    );
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Every request that is not an admin route is an IAM or STS call.
async fn handle_api(State(app): State<Arc<App>>, request: Request) -> Response {
    let remote = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| *addr);
    api_response(&app, request, remote).await
}

/// The answer to an IAM or STS call from `remote` (the source IP of its request context).
async fn api_response(app: &App, request: Request, remote: Option<SocketAddr>) -> Response {
    let request_id = ids::request_id();
    let started = Instant::now();
    let mut log = RequestLog::default();
    let result = serve_api(app, request, remote, request_id, &mut log).await;
    let mut encoded_denial = None;
    let (status, body) = match result {
        Ok(body) => (StatusCode::OK, body),
        Err(e) => {
            log.error = Some(e.code.as_str());
            encoded_denial = e.decision_id.map(|id| app.decisions.encode(id));
            (e.code.status(), e.to_xml(&request_id))
        }
    };
    let took = started.elapsed();
    app.metrics.request(
        log.action.unwrap_or("unknown"),
        log.error.unwrap_or("OK"),
        took,
    );
    log.emit(status, took, &request_id);
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    if let Ok(id) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID, id);
    }
    // AWS's message stays as AWS words it; the decision behind it travels beside it, for
    // `DecodeAuthorizationMessage` and the decisions log.
    if let Some(token) = encoded_denial.and_then(|t| HeaderValue::from_str(&t).ok()) {
        headers.insert(ENCODED_AUTHORIZATION_MESSAGE, token);
    }
    response
}

/// AWS's `x-amzn-RequestId`, made once: a name given as text is parsed, and one with capitals
/// copied lowercase, on every insert.
const REQUEST_ID: HeaderName = HeaderName::from_static("x-amzn-requestid");

/// The response header that carries a denial's encoded authorization message.
pub const ENCODED_AUTHORIZATION_MESSAGE: &str = "x-iamlocal-encoded-authorization-message";

/// What the one log line of an API request says, filled in as the request is understood.
/// It holds no header, parameter or credential, so no secret can reach the log.
#[derive(Default)]
struct RequestLog {
    action: Option<&'static str>,
    caller: Option<Caller>,
    error: Option<&'static str>,
}

impl RequestLog {
    /// One event per request, target `iamlocal::request`, so it can be filtered on its own
    /// (the principal's ARN is only built when the event is enabled).
    fn emit(&self, status: StatusCode, latency: Duration, request_id: &str) {
        tracing::info!(
            target: "iamlocal::request",
            action = %self.action.unwrap_or("-"),
            principal = %self.caller.as_ref().map_or_else(|| "-".to_owned(), Caller::arn),
            outcome = %self.error.unwrap_or("OK"),
            status = status.as_u16(),
            latency_us = latency.as_micros() as u64,
            %request_id,
        );
    }
}

async fn serve_api(
    app: &App,
    request: Request,
    remote: Option<SocketAddr>,
    request_id: RequestId,
    log: &mut RequestLog,
) -> Result<String, AwsError> {
    let (parts, body) = request.into_parts();
    if parts.method != Method::GET && parts.method != Method::POST {
        return Err(aws_error!(
            InvalidAction,
            "The Query API accepts GET and POST requests only."
        ));
    }
    let body = read_body(
        &parts.headers,
        body,
        app.config.max_body_bytes,
        Duration::from_secs(app.config.request_timeout_secs),
    )
    .await?;
    let query = parts.uri.query().unwrap_or("");
    let http = sigv4::HttpRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query,
        headers: &parts.headers,
        body: &body,
    };
    if !app.loading.is_ready() && !crate::loading::answerable_while_loading(app, &http) {
        app.loading.wait().await?;
    }
    // The wall clock, read once for the request: SigV4's window, then the virtual clock.
    let wall_clock = time::OffsetDateTime::now_utc();
    let now = app.clock.at(wall_clock);
    let caller = auth::authenticate(app, &http, wall_clock, now).await?;
    let source_ip = remote.map(|addr| addr.ip());
    let result = call(app, caller.as_ref(), &http, source_ip, request_id, now, log).await;
    log.caller = caller;
    result
}

/// The authenticated part of a request (or an unsigned one, which only STS's web identity
/// and SAML actions accept): its parameters, then the action they name.
async fn call(
    app: &App,
    caller: Option<&Caller>,
    http: &sigv4::HttpRequest<'_>,
    source_ip: Option<IpAddr>,
    request_id: RequestId,
    now: time::OffsetDateTime,
    log: &mut RequestLog,
) -> Result<String, AwsError> {
    let user_agent = http
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let mut params = Params::default();
    params.extend_from_form(http.query.as_bytes())?;
    if http.method == Method::POST.as_str() {
        params.extend_from_form(http.body)?;
    }
    let service = caller.map_or(api::Service::Sts, |c| c.service);
    log.action = params
        .action()
        .and_then(|name| api::action_name(service, name));
    let Some(caller) = caller else {
        let origin = Origin {
            app,
            region: UNSIGNED_REGION,
            source_ip,
            user_agent,
            now,
        };
        return api::dispatch_unsigned(&origin, &params, &request_id).await;
    };
    let cx = Ctx {
        app,
        caller,
        source_ip,
        user_agent,
        request_id,
        now,
    };
    api::dispatch(&cx, &params, &request_id).await
}

/// The whole body, refused early when its declared or actual size is over the limit, or when
/// it does not arrive within `timeout`.
async fn read_body(
    headers: &axum::http::HeaderMap,
    body: Body,
    limit: usize,
    timeout: Duration,
) -> Result<bytes::Bytes, AwsError> {
    let too_large = || {
        aws_error!(
            RequestEntityTooLarge,
            "Request body is larger than the {limit} bytes iamlocal accepts."
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let read = axum::body::to_bytes(body, limit);
    tokio::pin!(read);
    // A small body usually came in with the headers and is read at once, with no timer to
    // set and cancel.
    if let Poll::Ready(read) = std::future::poll_fn(|cx| Poll::Ready(read.as_mut().poll(cx))).await
    {
        return read.map_err(|_| too_large());
    }
    match tokio::time::timeout(timeout, read).await {
        Ok(read) => read.map_err(|_| too_large()),
        // S3's code and words for the same situation; IAM and STS document none.
        Err(_) => Err(aws_error!(
            RequestTimeout,
            "Your socket connection to the server was not read from or written to within \
             the timeout period. Idle connections will be closed."
        )),
    }
}
