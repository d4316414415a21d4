//! JSON-RPC over HTTP (hyper): POST on one path (or several, each with its own server: [`Route`]),
//! HTTP/1.1 with keep-alive and pipelining, and HTTP/2.
//!
//! Status codes follow the conventions real clients expect: every JSON-RPC outcome is `200` with
//! `application/json`, a message of notifications only is `204`, and only transport-level problems
//! (wrong verb, wrong media type, oversized body, a body that arrives too slowly) get other codes.
//!
//! Limits that keep slow or greedy clients from holding the server: a cap on connections (WebSocket
//! connections included, for their whole life), an optional cap per client address, time limits on
//! request bodies ([`BodyTimeouts`]) and the stall watch for connections that stop sending requests.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

pub use bytes::Bytes;
use http::header::{HeaderValue, ALLOW, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE};
use http::{Method, Request, Response, StatusCode, Version as HttpVersion};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::either::Either;
use tokio_util::task::TaskTracker;

pub use super::body::BodyTimeouts;
use super::body::{self, BodyError};
use super::connection_limits::ConnectionLimits;
pub use super::cors::Cors;
use super::cors::{self as cors_policy, Verdict};
pub use super::remote::{ForwardedFor, RemoteAddr};
use super::slots::{Refusal, Slot, Slots};
use super::stall::Activity;
use super::tls::{TlsFiles, TlsReloader};
#[cfg(feature = "ws")]
use super::ws;
use crate::server::{CallService, Reply, Server};
use crate::wire::{ErrorCode, ErrorObject, Version, NULL_ID};

/// The media types a JSON-RPC request body may be declared as (any parameters, any case).
const ACCEPTED_MEDIA_TYPES: [&str; 3] = [
    "application/json",
    "application/json-rpc",
    "application/jsonrequest",
];

/// Settings of the HTTP transport.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// The path that answers JSON-RPC; other paths are 404.
    pub path: String,
    /// The largest body accepted; larger ones are refused with 413 before they are read.
    /// `None` uses the server's `max_request_bytes`.
    pub max_body_bytes: Option<usize>,
    /// How long a connection may go with no request started or finished, while none is running,
    /// before it is closed (it is checked once per period, so between one and two periods pass): clients
    /// that send headers slowly and idle keep-alive connections cannot hold a slot. Also the limit
    /// for a TLS handshake.
    pub header_read_timeout: Duration,
    /// Fixed documents answered to GET and HEAD on their own paths (a web page, a health check).
    pub pages: Vec<Page>,
    /// Time limits on reading a request body; a body that breaks one is answered `408` and its
    /// connection closed.
    pub body_timeouts: BodyTimeouts,
    /// Limits of each WebSocket connection (upgraded on the RPC path).
    pub websocket: ConnectionLimits,
    /// Connections served at once, WebSocket connections included for their whole life; more are
    /// answered 503 with `Retry-After` and closed.
    pub max_connections: usize,
    /// Connections served at once from one client address (one IPv4 address, or one IPv6 /64);
    /// more are answered 503 like connections over `max_connections`. `None` (the default): no
    /// limit. Behind a reverse proxy every connection comes from the proxy's address, so leave it off
    /// there or set it above the proxy's connection count.
    pub max_connections_per_address: Option<usize>,
    /// Serve HTTPS (and WSS) with this certificate and key; HTTP/2 is offered through ALPN.
    pub tls: Option<TlsFiles>,
    /// Let browser pages on these other origins call the RPC path and read the pages (CORS);
    /// `None` (the default) sends no CORS headers at all.
    pub cors: Option<Cors>,
    /// Log one line per HTTP request at `info` (target `jrpc::http::request`): method, path,
    /// status, body bytes sent, microseconds and client address. Off by default.
    pub request_log: bool,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            path: "/".to_owned(),
            max_body_bytes: None,
            header_read_timeout: Duration::from_secs(30),
            pages: Vec::new(),
            body_timeouts: BodyTimeouts::default(),
            websocket: ConnectionLimits::default(),
            max_connections: 1024,
            max_connections_per_address: None,
            tls: None,
            cors: None,
            request_log: false,
        }
    }
}

/// Which declared media types a route accepts for a request body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MediaTypes {
    /// `application/json`, `application/json-rpc` or `application/jsonrequest`, or none declared
    /// (the default, and the rule of [`HttpConfig::path`]).
    #[default]
    Lenient,
    /// `application/json` only (any parameters, any case), and it must be declared; anything else is 415.
    JsonOnly,
}

impl MediaTypes {
    fn accepts(self, value: Option<&HeaderValue>) -> bool {
        match self {
            MediaTypes::Lenient => acceptable_media_type(value),
            MediaTypes::JsonOnly => value
                .and_then(|value| value.to_str().ok())
                .map(|value| value.split(';').next().unwrap_or_default().trim())
                .is_some_and(|essence| essence.eq_ignore_ascii_case("application/json")),
        }
    }
}

/// How one route of [`HttpServer::bind_routes`] treats its requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RouteOptions {
    /// The request media types it accepts.
    pub media_types: MediaTypes,
}

/// One RPC path with its own server and rules, for serving several APIs on one listener
/// (e.g. several releases of a service side by side).
#[derive(Debug)]
pub struct Route<S> {
    path: String,
    server: Server<S>,
    options: RouteOptions,
    max_body_bytes: usize,
}

impl<S> Route<S> {
    /// `server` answering POSTs (and WebSocket upgrades) on `path`.
    pub fn new(path: impl Into<String>, server: Server<S>, options: RouteOptions) -> Self {
        let max_body_bytes = server.limits().max_request_bytes;
        Route {
            path: path.into(),
            server,
            options,
            max_body_bytes,
        }
    }
}

impl<S: Clone> Clone for Route<S> {
    fn clone(&self) -> Self {
        Route {
            path: self.path.clone(),
            server: self.server.clone(),
            options: self.options,
            max_body_bytes: self.max_body_bytes,
        }
    }
}

/// A fixed document served beside the RPC path.
#[derive(Debug, Clone)]
pub struct Page {
    /// The path it answers on; must differ from the RPC path.
    pub path: String,
    /// Its media type, e.g. `text/html; charset=utf-8`.
    pub content_type: &'static str,
    /// Its content.
    pub body: Bytes,
}

/// A hyper service that answers JSON-RPC over HTTP and WebSocket; mount it in any hyper server
/// that serves connections with upgrades.
#[derive(Debug)]
pub struct HttpService<S> {
    /// The RPC paths: [`HttpConfig::path`] with its server, or the routes given.
    routes: Arc<[Route<S>]>,
    config: Arc<HttpConfig>,
    websockets: WebSockets,
    /// The connection's request counts, when [`HttpServer`] watches it for stalls.
    activity: Option<Arc<Activity>>,
    /// The connection's slot, when [`HttpServer`] serves it: a WebSocket it upgrades to keeps it.
    slot: Option<Arc<Slot>>,
    /// The peer's address, when [`HttpServer`] serves the connection: calls get it as [`RemoteAddr`].
    remote: Option<SocketAddr>,
}

/// What WebSocket connections share: the shutdown signal and the set of running connections.
#[derive(Debug, Clone)]
struct WebSockets {
    #[cfg_attr(not(feature = "ws"), allow(dead_code))]
    shutdown: watch::Receiver<bool>,
    tracker: TaskTracker,
}

impl<S> Clone for HttpService<S>
where
    S: Clone,
{
    fn clone(&self) -> Self {
        HttpService {
            routes: Arc::clone(&self.routes),
            config: Arc::clone(&self.config),
            websockets: self.websockets.clone(),
            activity: self.activity.clone(),
            slot: self.slot.clone(),
            remote: self.remote,
        }
    }
}

impl<S> HttpService<S> {
    /// Wraps a server. Its WebSocket connections run until their clients leave.
    pub fn new(server: Server<S>, config: HttpConfig) -> Self {
        let route = Route::new(config.path.clone(), server, RouteOptions::default());
        HttpService::with_routes(vec![route], config)
    }

    /// Wraps several routes, each an RPC path with its own server and rules; `config.path` is not
    /// used. Its WebSocket connections run until their clients leave.
    pub fn with_routes(routes: Vec<Route<S>>, config: HttpConfig) -> Self {
        // Without an HttpServer around it, nothing signals shutdown: a flag whose sender is gone
        // is never set.
        let websockets = WebSockets {
            shutdown: tokio::sync::watch::channel(false).1,
            tracker: TaskTracker::new(),
        };
        HttpService::routed(routes, config, websockets)
    }

    fn routed(mut routes: Vec<Route<S>>, config: HttpConfig, websockets: WebSockets) -> Self {
        if let Some(max) = config.max_body_bytes {
            for route in &mut routes {
                route.max_body_bytes = max;
            }
        }
        HttpService {
            routes: routes.into(),
            config: Arc::new(config),
            websockets,
            activity: None,
            slot: None,
            remote: None,
        }
    }

    fn route(&self, path: &str) -> Option<&Route<S>> {
        self.routes.iter().find(|route| route.path == path)
    }
}

impl<S: Clone> HttpService<S> {
    /// A copy for one connection, counting its requests into `activity` and holding its slot.
    fn for_connection(&self, activity: Arc<Activity>, slot: Arc<Slot>, remote: SocketAddr) -> Self {
        HttpService {
            activity: Some(activity),
            slot: Some(slot),
            remote: Some(remote),
            ..self.clone()
        }
    }
}

type BoxedResponse = Pin<Box<dyn Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send>>;

impl<S> hyper::service::Service<Request<Incoming>> for HttpService<S>
where
    S: CallService,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = BoxedResponse;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let logged = self
            .config
            .request_log
            .then(|| RequestLine::of(&request, self.remote));
        let answer = match &self.config.cors {
            None => self.answer(request),
            Some(cors) => self.answer_cors(cors, request),
        };
        match logged {
            None => answer,
            Some(line) => Box::pin(async move {
                let response = answer.await?;
                line.log(&response);
                Ok(response)
            }),
        }
    }
}

/// What the request log says of a request, taken before it is answered.
struct RequestLine {
    method: Method,
    /// The path, cut at 200 bytes: it comes from the client.
    path: String,
    client: Option<SocketAddr>,
    start: std::time::Instant,
}

impl RequestLine {
    fn of(request: &Request<Incoming>, client: Option<SocketAddr>) -> RequestLine {
        let path = request.uri().path();
        let mut end = path.len().min(200);
        while !path.is_char_boundary(end) {
            end -= 1;
        }
        RequestLine {
            method: request.method().clone(),
            path: path[..end].to_owned(),
            client,
            start: std::time::Instant::now(),
        }
    }

    fn log(self, response: &Response<Full<Bytes>>) {
        use hyper::body::Body as _;
        tracing::info!(
            target: "jrpc::http::request",
            method = %self.method,
            path = %self.path,
            status = response.status().as_u16(),
            bytes = response.body().size_hint().exact().unwrap_or(0),
            micros = self.start.elapsed().as_micros() as u64,
            client = self.client.map(tracing::field::display),
            "request"
        );
    }
}

impl<S> HttpService<S>
where
    S: CallService,
{
    /// CORS around [`HttpService::answer`], on the RPC path and the pages only.
    fn answer_cors(&self, cors: &Cors, request: Request<Incoming>) -> BoxedResponse {
        let path = request.uri().path();
        let allow_methods = if self.route(path).is_some() {
            "POST"
        } else if self.config.pages.iter().any(|page| page.path == path) {
            "GET, HEAD"
        } else {
            return self.answer(request);
        };
        match cors.inspect(request.method(), request.headers(), allow_methods) {
            Verdict::Untouched => self.answer(request),
            Verdict::Preflight(response) => ready(response),
            Verdict::Decorate(allowed) => {
                let response = self.answer(request);
                Box::pin(async move {
                    let mut response = response.await?;
                    cors_policy::decorate(&mut response, allowed);
                    Ok(response)
                })
            }
        }
    }

    /// Answers a request: JSON-RPC on the RPC path, a WebSocket upgrade, or a page.
    fn answer(&self, request: Request<Incoming>) -> BoxedResponse {
        // Answers made at once drop it on return; a call's answer keeps it until sent.
        let running = self.activity.as_ref().map(Activity::start);
        let Some(route) = self.route(request.uri().path()) else {
            return ready(self.page(&request));
        };
        #[cfg(feature = "ws")]
        if ws::is_upgrade(&request) {
            return ready(self.upgrade(route, request));
        }
        if request.method() != Method::POST {
            let mut response = status_only(StatusCode::METHOD_NOT_ALLOWED);
            response
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static("POST"));
            return ready(response);
        }
        if !route
            .options
            .media_types
            .accepts(request.headers().get(CONTENT_TYPE))
        {
            return ready(status_only(StatusCode::UNSUPPORTED_MEDIA_TYPE));
        }
        let declared_length = request
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<u64>().ok());
        let limit = route.max_body_bytes;
        if declared_length.is_some_and(|length| length > limit as u64) {
            return ready(too_large(limit));
        }
        let server = route.server.clone();
        let config = Arc::clone(&self.config);
        let extensions = super::remote::extensions(self.remote, request.headers());
        Box::pin(async move {
            let _running = running;
            let version = request.version();
            let body = match body::read(request.into_body(), limit, &config.body_timeouts).await {
                Ok(body) => body,
                Err(BodyError::TooLarge) => return Ok(too_large(limit)),
                Err(BodyError::TimedOut(cut)) => {
                    tracing::debug!(?cut, "cut a request body that arrived too slowly");
                    return Ok(request_timeout(version));
                }
                Err(BodyError::Failed(error)) => {
                    tracing::debug!(%error, "failed to read a request body");
                    return Ok(status_only(StatusCode::BAD_REQUEST));
                }
            };
            Ok(match server.handle_with(&body, extensions).await {
                Some(json) => json_response(StatusCode::OK, json),
                None => status_only(StatusCode::NO_CONTENT),
            })
        })
    }
}

#[cfg(feature = "ws")]
impl<S> HttpService<S>
where
    S: CallService,
{
    /// Accepts a WebSocket upgrade and starts serving the connection once hyper hands it over.
    fn upgrade(&self, route: &Route<S>, mut request: Request<Incoming>) -> Response<Full<Bytes>> {
        let handshake = match ws::handshake(&request) {
            Ok(handshake) => handshake,
            Err(status) => return status_only(status),
        };
        let upgrade = hyper::upgrade::on(&mut request);
        let server = route.server.clone();
        let limits = self.config.websocket.clone();
        let shutdown = self.websockets.shutdown.clone();
        let max_message = route.max_body_bytes;
        let slot = self.slot.clone();
        // Every call on the socket carries the upgrade's remote address and X-Forwarded-For, as
        // calls over HTTP do (for rate limits by client).
        let base = super::remote::extensions(self.remote, request.headers());
        self.websockets.tracker.spawn(async move {
            // The upgraded connection keeps the HTTP connection's slot until it closes.
            let _slot = slot;
            match upgrade.await {
                Ok(upgraded) => ws::serve(upgraded, server, limits, max_message, shutdown, base).await,
                Err(error) => tracing::debug!(%error, "WebSocket upgrade failed"),
            }
        });
        handshake.map(|()| Full::new(Bytes::new()))
    }
}

impl<S> HttpService<S> {
    /// Answers a request off the RPC path: one of the configured pages, or 404.
    fn page(&self, request: &Request<Incoming>) -> Response<Full<Bytes>> {
        let Some(page) = self
            .config
            .pages
            .iter()
            .find(|page| page.path == request.uri().path())
        else {
            return status_only(StatusCode::NOT_FOUND);
        };
        if request.method() != Method::GET && request.method() != Method::HEAD {
            let mut response = status_only(StatusCode::METHOD_NOT_ALLOWED);
            response
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
            return response;
        }
        let mut response = Response::new(Full::new(page.body.clone()));
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(page.content_type));
        response
    }
}

fn ready(response: Response<Full<Bytes>>) -> BoxedResponse {
    Box::pin(std::future::ready(Ok(response)))
}

fn acceptable_media_type(value: Option<&HeaderValue>) -> bool {
    let Some(value) = value else {
        return true; // Some clients send no Content-Type at all.
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    ACCEPTED_MEDIA_TYPES
        .iter()
        .any(|accepted| essence.eq_ignore_ascii_case(accepted))
}

fn status_only(status: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}

fn json_response(status: StatusCode, json: Vec<u8>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(json)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// `408`, closing an HTTP/1 connection: the rest of the body would still be on its way.
fn request_timeout(version: HttpVersion) -> Response<Full<Bytes>> {
    let mut response = status_only(StatusCode::REQUEST_TIMEOUT);
    if version < HttpVersion::HTTP_2 {
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

fn too_large(limit: usize) -> Response<Full<Bytes>> {
    let error = ErrorObject::standard(ErrorCode::InvalidRequest)
        .with_data(format!("request body exceeds the limit of {limit} bytes"));
    json_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        Reply::error(NULL_ID, Version::V2, &error).into_bytes(),
    )
}

/// A running HTTP server: accepts connections until shut down.
#[derive(Debug)]
pub struct HttpServer {
    local_addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
    tls_reloader: Option<TlsReloader>,
}

impl HttpServer {
    /// Binds `addr` and starts serving `server` on it.
    pub async fn bind<S>(
        addr: impl ToSocketAddrs,
        server: Server<S>,
        config: HttpConfig,
    ) -> io::Result<HttpServer>
    where
        S: CallService,
    {
        let listener = TcpListener::bind(addr).await?;
        HttpServer::serve(listener, server, config)
    }

    /// Starts serving `server` on a listener that is already bound.
    pub fn serve<S>(listener: TcpListener, server: Server<S>, config: HttpConfig) -> io::Result<HttpServer>
    where
        S: CallService,
    {
        let route = Route::new(config.path.clone(), server, RouteOptions::default());
        HttpServer::serve_routes(listener, vec![route], config)
    }

    /// Binds `addr` and serves several RPC paths, each with its own server and rules
    /// ([`Route`]); `config.path` is not used, everything else of `config` applies to all.
    pub async fn bind_routes<S>(
        addr: impl ToSocketAddrs,
        routes: Vec<Route<S>>,
        config: HttpConfig,
    ) -> io::Result<HttpServer>
    where
        S: CallService,
    {
        let listener = TcpListener::bind(addr).await?;
        HttpServer::serve_routes(listener, routes, config)
    }

    /// Like [`HttpServer::bind_routes`], on a listener that is already bound.
    pub fn serve_routes<S>(
        listener: TcpListener,
        routes: Vec<Route<S>>,
        config: HttpConfig,
    ) -> io::Result<HttpServer>
    where
        S: CallService,
    {
        let local_addr = listener.local_addr()?;
        let (tls, tls_reloader) = match &config.tls {
            Some(files) => {
                let (acceptor, reloader) = files.acceptor(&[b"h2", b"http/1.1"])?;
                (Some(acceptor), Some(reloader))
            }
            None => (None, None),
        };
        let handshake_timeout = config.header_read_timeout;
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder.http1().pipeline_flush(true);
        let (shutdown, signal) = watch::channel(false);
        let websockets = WebSockets {
            shutdown: signal.clone(),
            tracker: TaskTracker::new(),
        };
        let service = HttpService::routed(routes, config, websockets);
        let connections = Connections {
            builder: Arc::new(builder),
            tls,
            handshake_timeout,
        };
        let task = tokio::spawn(accept_loop(listener, connections, service, signal));
        Ok(HttpServer {
            local_addr,
            shutdown,
            task,
            tls_reloader,
        })
    }

    /// The address the server listens on (useful after binding port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// With TLS, the handle that re-reads the certificate and key (for SIGHUP); `None` without.
    pub fn tls_reloader(&self) -> Option<TlsReloader> {
        self.tls_reloader.clone()
    }

    /// Stops accepting, lets calls in flight finish and their responses go out, then returns.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }

    /// Waits until the server stops (after [`HttpServer::shutdown`] from elsewhere, or forever).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// How accepted connections are served.
struct Connections {
    builder: Arc<auto::Builder<TokioExecutor>>,
    tls: Option<super::tls::Acceptor>,
    handshake_timeout: Duration,
}

async fn accept_loop<S>(
    listener: TcpListener,
    connections: Connections,
    service: HttpService<S>,
    mut signal: watch::Receiver<bool>,
) where
    S: CallService,
{
    let graceful = GracefulShutdown::new();
    let slots = Slots::new(
        service.config.max_connections,
        service.config.max_connections_per_address,
    );
    loop {
        tokio::select! {
            _ = signal.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => match slots.take(peer.ip()) {
                    Ok(slot) => serve_connection(stream, peer, slot, &connections, &service, &graceful),
                    Err(refusal) => {
                        match refusal {
                            Refusal::Full => tracing::debug!(%peer, "refused a connection: every slot is taken"),
                            Refusal::AddressFull => {
                                tracing::debug!(%peer, "refused a connection: its address holds its share of slots");
                            }
                        }
                        refuse(stream);
                    }
                },
                Err(error) => {
                    // Usually out of file descriptors: back off instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
    drop(listener);
    graceful.shutdown().await;
    service.websockets.tracker.close();
    service.websockets.tracker.wait().await;
}

/// Tells a connection over the limit to come back later, without serving it.
fn refuse(mut stream: TcpStream) {
    tokio::spawn(async move {
        let response = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        let _ = stream.write_all(response).await;
        let _ = stream.shutdown().await;
    });
}

fn serve_connection<S>(
    stream: TcpStream,
    peer: SocketAddr,
    slot: Slot,
    connections: &Connections,
    service: &HttpService<S>,
    graceful: &GracefulShutdown,
) where
    S: CallService,
{
    let _ = stream.set_nodelay(true);
    let builder = Arc::clone(&connections.builder);
    let tls = connections.tls.clone();
    let stall_period = connections.handshake_timeout;
    let activity = Arc::new(Activity::default());
    let slot = Arc::new(slot);
    let service = service.for_connection(Arc::clone(&activity), Arc::clone(&slot), peer);
    let watcher = graceful.watcher();
    // A connection is counted once, by the first route's server (routes of one listener share
    // their observers when they share a metrics layer).
    let open = service
        .routes
        .first()
        .and_then(|route| route.server.open_connection("http"));
    tokio::spawn(async move {
        let _slot = slot;
        let _open = open;
        let stream = match tls {
            None => Either::Left(stream),
            Some(tls) => match tokio::time::timeout(stall_period, tls.accept(stream)).await {
                Ok(Ok(stream)) => Either::Right(stream),
                Ok(Err(error)) => {
                    tracing::debug!(%error, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!("TLS handshake timed out");
                    return;
                }
            },
        };
        let serving = watcher.watch(builder.serve_connection_with_upgrades(TokioIo::new(stream), service));
        tokio::select! {
            outcome = serving => if let Err(error) = outcome {
                tracing::debug!(%error, "connection ended with an error");
            },
            () = activity.stalled(stall_period) => {
                tracing::debug!(period = ?stall_period, "closing a connection that stopped sending requests");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types() {
        let accepted = |value: &'static str| acceptable_media_type(Some(&HeaderValue::from_static(value)));
        assert!(acceptable_media_type(None));
        assert!(accepted("application/json"));
        assert!(accepted("Application/JSON; charset=utf-8"));
        assert!(accepted("application/json-rpc"));
        assert!(accepted("application/jsonrequest"));
        assert!(!accepted("text/plain"));
        assert!(!accepted("application/jsonx"));
        assert!(!accepted(""));
    }
}
