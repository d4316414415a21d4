//! The server: a method registry behind a tower stack, answering messages from any transport.

mod call;
mod describe;
mod discover;
mod dispatch;
mod extract;
mod handler;
mod limits;
#[cfg(feature = "metrics")]
pub mod metrics;
mod observe;
mod params;
mod registry;
pub mod trace;

use std::sync::Arc;

use tower::layer::util::{Identity, Stack};
use tower::Layer;

pub use call::{Call, Reply};
pub use describe::{MethodDoc, ParamDoc, SchemaSource};
#[doc(hidden)]
pub use describe::{ProbeJsonSchema, ProbeOpen, SchemaProbe};
pub use discover::Discover;
#[cfg(feature = "engine")]
pub(crate) use dispatch::poll_once;
pub use dispatch::{BoxError, TIMEOUT_CODE};
pub use extract::{Extension, FromCall, Params, State};
pub use handler::{AsyncHandler, FromCallTuple, IntoResult, Json, SyncHandler};
pub use limits::Limits;
pub use params::FromParams;
pub use registry::{CallFuture, MethodInfo, Methods, MethodsService};

use crate::wire::ParseOptions;

/// What a transport can serve: the per-call service (methods behind any tower layers), cloneable and
/// shareable across connections. Implemented for every such service.
pub trait CallService:
    tower::Service<Call, Response = Option<Reply>, Error: Into<BoxError>, Future: Send>
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<S> CallService for S where
    S: tower::Service<Call, Response = Option<Reply>, Error: Into<BoxError>, Future: Send>
        + Clone
        + Send
        + Sync
        + 'static
{
}

/// Settings shared by every connection of a server.
#[derive(Debug, Clone, Default)]
pub(crate) struct ServerOptions {
    pub(crate) limits: Limits,
    pub(crate) parse: ParseOptions,
    /// Who hears of messages and connections (`observe.rs`); empty unless a layer asked.
    pub(crate) observers: Box<[Arc<dyn observe::Observe>]>,
}

/// A JSON-RPC server: answers messages with the per-call service `S` (methods plus middleware).
///
/// It knows nothing of transports; give it to one (e.g. [`crate::http`]) or call
/// [`Server::handle`] directly. Cloning is cheap.
#[derive(Debug, Clone)]
pub struct Server<S = MethodsService> {
    service: S,
    options: Arc<ServerOptions>,
}

impl Server {
    /// A server for `methods` with default limits and no middleware.
    pub fn new<T>(methods: Methods<T>) -> Server {
        Server::builder().build(methods)
    }

    /// Starts configuring a server.
    pub fn builder() -> ServerBuilder<Identity> {
        ServerBuilder {
            layer: Identity::new(),
            options: ServerOptions::default(),
            discover: None,
        }
    }
}

impl<S> Server<S> {
    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.options.limits
    }

    /// Counts a connection of `transport` as open for the observing layers until the guard drops.
    #[cfg_attr(not(any(feature = "http", feature = "stream")), allow(dead_code))]
    pub(crate) fn open_connection(&self, transport: &'static str) -> Option<impl Send + Sync + 'static> {
        observe::OpenConnection::new(&self.options.observers, transport)
    }
}

/// Configures a [`Server`]: limits, JSON-RPC 1.0 compatibility and tower middleware on the call path.
#[derive(Debug, Clone)]
pub struct ServerBuilder<L> {
    layer: L,
    options: ServerOptions,
    discover: Option<Discover>,
}

impl<L> ServerBuilder<L> {
    /// Wraps every call in a tower layer. The first layer added is the outermost.
    pub fn layer<T>(self, layer: T) -> ServerBuilder<Stack<T, L>> {
        ServerBuilder {
            layer: Stack::new(layer, self.layer),
            options: self.options,
            discover: self.discover,
        }
    }

    /// Sets all limits at once.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.options.parse.max_batch_len = limits.max_batch_len;
        self.options.limits = limits;
        self
    }

    /// Answers JSON-RPC 1.0 requests (no `jsonrpc` member) in 1.0 form instead of rejecting them.
    pub fn accept_v1(mut self, accept: bool) -> Self {
        self.options.parse.accept_v1 = accept;
        self
    }

    /// Answers `rpc.discover` with the OpenRPC document of the methods (off by default). The
    /// document is built once, here, from what the registry knows of each method and what
    /// [`Methods::describe`] added; `discover` gives its `info` and `servers`.
    pub fn discover(mut self, discover: Discover) -> Self {
        self.discover = Some(discover);
        self
    }

    /// Builds the server around `methods`.
    pub fn build<T>(self, mut methods: Methods<T>) -> Server<L::Service>
    where
        L: Layer<MethodsService>,
    {
        if let Some(discover) = &self.discover {
            methods.serve_discovery(discover);
        }
        let names = methods.names().into_iter().map(Box::from).collect();
        let service = methods.into_service();
        let layer = self.layer;
        let (service, observers) = observe::building(names, || layer.layer(service));
        let mut options = self.options;
        options.observers = observers.into();
        Server {
            service,
            options: Arc::new(options),
        }
    }
}
