//! The client: typed calls, notifications, batches and subscriptions over HTTP(S), WebSocket(S),
//! TCP (optionally TLS), Unix sockets and a child process's stdio.
//!
//! ```no_run
//! # async fn run() -> Result<(), jrpc::client::Error> {
//! use jrpc::client::Client;
//!
//! let client = Client::connect("http://127.0.0.1:8545").await?;
//! let difference: i64 = client.call("subtract", (42, 23)).await?;
//! client.notify("update", &[1, 2, 3]).await?;
//! # Ok(()) }
//! ```
//!
//! On persistent connections (everything but HTTP) many calls share one connection and are matched
//! by id; the server may send notifications ([`Client::notifications`], [`Client::subscribe`]) and
//! call methods the client registers ([`ClientBuilder::methods`]), so two programs can be peers.

mod batch;
mod error;
#[cfg(feature = "http")]
mod http;
mod message;
mod persistent;
mod subscription;

use std::ffi::OsString;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::value::RawValue;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot};

pub use batch::{Batch, BatchResults, BatchSlot};
pub use error::Error;
pub use persistent::Reconnect;
pub use subscription::Subscription;

use crate::server::{Methods, Server};
use crate::transport::connection::{Answer, BatchAnswer, ConnectionLimits, Subscriber, Waiter};
use crate::transport::dial::{self, DialSettings, Target};
use crate::transport::endpoint::Endpoint;
use crate::transport::framing::Framing;
use message::{typed, write_request};
use persistent::PersistentLink;

/// A connection to one JSON-RPC server. Cheap to clone; clones share the connection.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    timeout: Option<Duration>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("timeout", &self.timeout).finish()
    }
}

struct Inner {
    link: Link,
    next_id: AtomicU64,
    next_key: AtomicU64,
    subscription_buffer: usize,
}

enum Link {
    #[cfg(feature = "http")]
    Http(Box<http::HttpLink>),
    Persistent(Box<PersistentLink>),
}

impl Client {
    /// Connects with default settings; see [`ClientBuilder::connect`] for the URL forms.
    pub async fn connect(url: &str) -> Result<Client, Error> {
        ClientBuilder::new().connect(url).await
    }

    /// Settings for a new client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// The same connection with another timeout for each call (`None`: wait as long as it takes).
    pub fn with_timeout(&self, timeout: Option<Duration>) -> Client {
        Client {
            inner: Arc::clone(&self.inner),
            timeout,
        }
    }

    /// Calls `method` and decodes its result.
    ///
    /// `params` by position is a tuple, array or `Vec` (`&(42, 23)`), by name a struct or map;
    /// `&()` sends no params. A JSON-RPC error from the server is [`Error::remote_error`].
    pub async fn call<P, R>(&self, method: &str, params: P) -> Result<R, Error>
    where
        P: Serialize,
        R: DeserializeOwned,
    {
        let id = self.next_id();
        let mut message = Vec::with_capacity(64 + method.len());
        write_request(&mut message, method, &params, Some(&id))?;
        typed(self.exchange(id, message).await?)
    }

    /// Calls `method` with params given as raw JSON text and returns the raw result.
    pub async fn call_raw(&self, method: &str, params: Option<&RawValue>) -> Result<Box<RawValue>, Error> {
        message::check_raw_params(params)?;
        let id = self.next_id();
        let mut message = Vec::with_capacity(64 + method.len());
        write_request(&mut message, method, &params, Some(&id))?;
        typed(self.exchange(id, message).await?)
    }

    /// Sends a notification: the server runs it and never answers.
    pub async fn notify<P: Serialize>(&self, method: &str, params: P) -> Result<(), Error> {
        let mut message = Vec::with_capacity(64 + method.len());
        write_request(&mut message, method, &params, None)?;
        self.deliver(Bytes::from(message)).await
    }

    /// Sends a batch and returns its calls' answers, matched by id whatever order they came in.
    /// A batch of only notifications returns empty results without waiting for anything.
    pub async fn send_batch(&self, batch: Batch) -> Result<BatchResults, Error> {
        if batch.is_empty() {
            return Err(Error::params("an empty batch is invalid (spec 6)"));
        }
        let calls = batch.calls() as u64;
        let first_id = self.inner.next_id.fetch_add(calls.max(1), Ordering::Relaxed);
        let (message, ids) = batch.write(first_id);
        let message = Bytes::from(message);
        if ids.is_empty() {
            self.deliver(message).await?;
            return Ok(BatchResults::new(&[], Vec::new()));
        }
        let answer = self
            .within_timeout(async {
                match &self.inner.link {
                    #[cfg(feature = "http")]
                    Link::Http(link) => link.batch(message).await,
                    Link::Persistent(link) => link.batch(ids.clone(), message).await,
                }
            })
            .await?;
        match answer {
            BatchAnswer::Each(answers) => Ok(BatchResults::new(&ids, answers)),
            BatchAnswer::Whole(Answer::Error(error)) => Err(Error::remote(error)),
            BatchAnswer::Whole(Answer::Broken(reason)) => Err(Error::invalid_reply(reason)),
            BatchAnswer::Whole(Answer::Result(_)) => Err(Error::invalid_reply(
                "a single result in reply to a batch (spec 6)",
            )),
        }
    }

    /// Every notification of `method` the server sends from now on (persistent connections only).
    pub async fn notifications<T: DeserializeOwned>(&self, method: &str) -> Result<Subscription<T>, Error> {
        let link = self.persistent("notifications")?;
        let peer = link.peer().await?;
        let (subscriber, parts) = self.subscriber(peer.clone(), method);
        peer.subscribe(method.to_owned(), subscriber);
        Ok(Subscription::new(parts, None))
    }

    /// Subscribes in the style of Ethereum nodes and jsonrpsee: calls `subscribe_method`, whose
    /// result is a subscription id, then delivers the `result` of every `notification_method`
    /// notification whose `params.subscription` is that id. Dropping the subscription or calling
    /// [`Subscription::unsubscribe`] calls `unsubscribe_method` with the id.
    pub async fn subscribe<P, T>(
        &self,
        subscribe_method: &str,
        params: P,
        notification_method: &str,
        unsubscribe_method: &str,
    ) -> Result<Subscription<T>, Error>
    where
        P: Serialize,
        T: DeserializeOwned,
    {
        let link = self.persistent("subscriptions")?;
        let id = self.next_id();
        let mut message = Vec::with_capacity(64 + subscribe_method.len());
        write_request(&mut message, subscribe_method, &params, Some(&id))?;
        let answer = self
            .within_timeout(async {
                let peer = link.peer().await?;
                let (subscriber, parts) = self.subscriber(peer.clone(), notification_method);
                let (answer, answered) = oneshot::channel();
                let waiter = Waiter::Subscribe {
                    answer,
                    subscriber,
                    method: notification_method.to_owned(),
                };
                let _waiting = peer.wait_for(id, waiter);
                peer.send(Bytes::from(message))
                    .await
                    .map_err(|_| Error::closed())?;
                let answer = answered.await.map_err(|_| Error::closed())?;
                Ok((answer, parts))
            })
            .await?;
        match answer {
            (Answer::Result(subscription), parts) => Ok(Subscription::new(
                parts,
                Some((subscription, unsubscribe_method.to_owned(), self.clone())),
            )),
            (other, _) => Err(typed::<serde::de::IgnoredAny>(other)
                .err()
                .unwrap_or_else(|| Error::invalid_reply("no subscription id"))),
        }
    }

    fn subscriber(&self, peer: crate::transport::Peer, method: &str) -> (Subscriber, subscription::Parts) {
        let (events, received) = mpsc::channel(self.inner.subscription_buffer.max(1));
        let lagged = Arc::new(AtomicBool::new(false));
        let key = self.inner.next_key.fetch_add(1, Ordering::Relaxed);
        let subscriber = Subscriber {
            key,
            filter: None,
            events,
            lagged: Arc::clone(&lagged),
        };
        let parts = subscription::Parts {
            events: received,
            lagged,
            peer,
            method: method.to_owned(),
            key,
        };
        (subscriber, parts)
    }

    #[cfg_attr(not(feature = "http"), allow(unused_variables))]
    fn persistent(&self, what: &str) -> Result<&PersistentLink, Error> {
        match &self.inner.link {
            Link::Persistent(link) => Ok(link),
            #[cfg(feature = "http")]
            Link::Http(_) => Err(Error::config(format!(
                "{what} need a persistent connection (WebSocket, TCP, Unix socket or a child process), not HTTP"
            ))),
        }
    }

    /// A fresh id, as the raw JSON text that goes on the wire.
    fn next_id(&self) -> String {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        itoa::Buffer::new().format(id).to_owned()
    }

    async fn exchange(&self, id: String, message: Vec<u8>) -> Result<Answer, Error> {
        let message = Bytes::from(message);
        self.within_timeout(async {
            match &self.inner.link {
                #[cfg(feature = "http")]
                Link::Http(link) => link.call(&id, message).await,
                Link::Persistent(link) => link.call(id, message).await,
            }
        })
        .await
    }

    /// Sends a message that expects no answer (a notification, or a batch of them).
    async fn deliver(&self, message: Bytes) -> Result<(), Error> {
        self.within_timeout(async {
            match &self.inner.link {
                #[cfg(feature = "http")]
                Link::Http(link) => link.notify(message).await,
                Link::Persistent(link) => link.notify(message).await,
            }
        })
        .await
    }

    async fn within_timeout<T>(
        &self,
        work: impl std::future::Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        match self.timeout {
            Some(timeout) => tokio::time::timeout(timeout, work)
                .await
                .map_err(|_| Error::timeout(timeout))?,
            None => work.await,
        }
    }
}

/// Settings of a [`Client`].
#[derive(Debug)]
pub struct ClientBuilder {
    timeout: Option<Duration>,
    headers: Vec<(String, String)>,
    framing: Framing,
    max_message_bytes: usize,
    reconnect: Option<Reconnect>,
    server: Option<Server>,
    extra_roots: Vec<Vec<u8>>,
    subscription_buffer: usize,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            timeout: Some(Duration::from_secs(60)),
            headers: Vec::new(),
            framing: Framing::NewlineDelimited,
            max_message_bytes: 16 * 1024 * 1024,
            reconnect: None,
            server: None,
            extra_roots: Vec::new(),
            subscription_buffer: 1024,
        }
    }
}

impl ClientBuilder {
    /// Default settings: 60 s per call, newline framing, replies up to 16 MiB, no reconnecting.
    pub fn new() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// How long each call may wait for its reply (`None`: as long as it takes). A call that times
    /// out leaves the connection usable; its late reply is dropped.
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// A header sent with every HTTP request and with the WebSocket handshake.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// How messages are delimited on TCP, Unix sockets and a child's stdio.
    pub fn framing(mut self, framing: Framing) -> Self {
        self.framing = framing;
        self
    }

    /// The largest reply (or message from the server) accepted.
    pub fn max_message_bytes(mut self, bytes: usize) -> Self {
        self.max_message_bytes = bytes.max(1);
        self
    }

    /// Reopens a closed WebSocket, TCP, Unix or child-process connection on the next call.
    pub fn reconnect(mut self, reconnect: Reconnect) -> Self {
        self.reconnect = Some(reconnect);
        self
    }

    /// Methods the server may call on this client over a persistent connection (the same handler
    /// model as the server's); without them, such calls get -32601.
    pub fn methods<S>(mut self, methods: Methods<S>) -> Self {
        self.server = Some(Server::new(methods));
        self
    }

    /// Trusts this CA certificate (PEM) besides the usual web roots, e.g. a private CA.
    pub fn root_certificate_pem(mut self, pem: &[u8]) -> Self {
        self.extra_roots.push(pem.to_vec());
        self
    }

    /// Notifications buffered per subscription before a slow receiver is dropped as lagging.
    pub fn subscription_buffer(mut self, events: usize) -> Self {
        self.subscription_buffer = events;
        self
    }

    /// Connects to a server:
    /// `http://` and `https://` (one POST per call, pooled connections), `ws://` and `wss://`,
    /// `tcp://host:port` and `tls://host:port` (byte streams with the configured framing), and
    /// `unix:/path/to/socket`.
    pub async fn connect(self, url: &str) -> Result<Client, Error> {
        let endpoint: Endpoint = url
            .parse()
            .map_err(|error| Error::config(format!("invalid URL {url:?}: {error}")))?;
        self.connect_to(&endpoint).await
    }

    /// Connects to a server at an endpoint parsed already (see [`ClientBuilder::connect`]).
    pub async fn connect_to(self, endpoint: &Endpoint) -> Result<Client, Error> {
        let target = match endpoint {
            #[cfg(feature = "http")]
            Endpoint::Http { .. } => {
                let url = endpoint.to_string();
                let uri: ::http::Uri = url
                    .parse()
                    .map_err(|e| Error::config(format!("invalid URL {url}: {e}")))?;
                let link = http::HttpLink::new(
                    uri,
                    self.header_map()?,
                    self.tls_config()?,
                    self.max_message_bytes,
                )?;
                return Ok(self.client(Link::Http(Box::new(link))));
            }
            #[cfg(feature = "ws")]
            Endpoint::WebSocket { tls, .. } => {
                use tokio_tungstenite::tungstenite::client::IntoClientRequest;
                let url = endpoint.to_string();
                let mut request = url
                    .as_str()
                    .into_client_request()
                    .map_err(|e| Error::config(format!("invalid URL {url}: {e}")))?;
                request.headers_mut().extend(self.header_map()?);
                Target::WebSocket { request, tls: *tls }
            }
            Endpoint::Tcp { host, port, tls } => Target::Tcp {
                host: host.clone(),
                port: *port,
                tls: *tls,
            },
            #[cfg(unix)]
            Endpoint::Unix { path } => Target::Unix(path.clone()),
            #[allow(unreachable_patterns)]
            other => {
                return Err(Error::config(format!(
                    "{} endpoints need a feature this build of jrpc lacks",
                    other.scheme()
                )))
            }
        };
        let reconnect = self.reconnect.clone();
        let link = PersistentLink::open(target, self.settings()?, reconnect).await?;
        Ok(self.client(Link::Persistent(Box::new(link))))
    }

    /// Starts `program` with `args` and speaks JSON-RPC over its stdin and stdout, as an editor
    /// speaks to a language server. The child is killed when the connection closes.
    pub async fn spawn<I, A>(self, program: impl Into<OsString>, args: I) -> Result<Client, Error>
    where
        I: IntoIterator<Item = A>,
        A: Into<OsString>,
    {
        let target = Target::Child {
            program: program.into(),
            args: args.into_iter().map(Into::into).collect(),
        };
        let reconnect = self.reconnect.clone();
        let link = PersistentLink::open(target, self.settings()?, reconnect).await?;
        Ok(self.client(Link::Persistent(Box::new(link))))
    }

    /// Speaks JSON-RPC over a byte stream opened elsewhere (a pipe, an in-memory duplex...).
    pub fn over_io<R, W>(self, reader: R, writer: W) -> Result<Client, Error>
    where
        R: AsyncRead + Unpin + Send + 'static,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let settings = self.settings()?;
        let peer = dial::open_stream(reader, writer, &settings);
        Ok(self.client(Link::Persistent(Box::new(PersistentLink::over(peer, settings)))))
    }

    fn client(self, link: Link) -> Client {
        Client {
            inner: Arc::new(Inner {
                link,
                next_id: AtomicU64::new(1),
                next_key: AtomicU64::new(1),
                subscription_buffer: self.subscription_buffer,
            }),
            timeout: self.timeout,
        }
    }

    fn settings(&self) -> Result<DialSettings, Error> {
        Ok(DialSettings {
            framing: self.framing,
            max_message_bytes: self.max_message_bytes,
            limits: ConnectionLimits {
                idle_timeout: None,
                shutdown_grace: Duration::from_secs(5),
                ..ConnectionLimits::default()
            },
            server: self.server.clone().unwrap_or_else(|| Server::new(Methods::new())),
            tls: self.tls_config()?,
        })
    }

    #[cfg(feature = "http")]
    fn header_map(&self) -> Result<::http::HeaderMap, Error> {
        let mut map = ::http::HeaderMap::new();
        for (name, value) in &self.headers {
            let name = ::http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::config(format!("invalid header name {name:?}")))?;
            let value = ::http::HeaderValue::from_str(value)
                .map_err(|_| Error::config(format!("invalid value for header {name}")))?;
            map.append(name, value);
        }
        Ok(map)
    }

    fn tls_config(&self) -> Result<crate::transport::tls::ClientTls, Error> {
        crate::transport::tls::client_config(&self.extra_roots).map_err(Error::config)
    }
}
