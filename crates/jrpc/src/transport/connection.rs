//! One persistent connection (a byte stream or a WebSocket): frames in, replies out, with limits.
//!
//! - At most `max_in_flight` calls run at once; the next frame is not even read until a slot frees,
//!   so a client that sends without reading cannot grow the server's memory.
//! - Replies wait for room in an outbound byte budget before they are queued.
//! - Handlers reach the connection through a [`Peer`] in the call's extensions, to push notifications
//!   or call methods the client serves.
// The engine serves both roles; a build without the client, or with the client alone, leaves one
// half of it unused.
#![cfg_attr(
    not(all(feature = "client", any(feature = "ws", feature = "stream"))),
    allow(dead_code, unused_imports)
)]

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use serde::Serialize;
use serde_json::value::RawValue;
use tokio::sync::{mpsc, oneshot, watch, OwnedSemaphorePermit, Semaphore};

pub use super::connection_limits::ConnectionLimits;
use super::framing::Frame;
use super::pending::Table;
pub(crate) use super::pending::{Answer, BatchAnswer, BatchWaiter, Subscriber, Waiter};
use crate::server::{poll_once, Call, CallService, FromCall, Reply, Server};
use crate::wire::{self, ErrorCode, ErrorObject, Inbound, Version, NULL_ID};

/// Why a server-to-client call failed.
#[derive(Debug)]
pub enum PeerError {
    /// The connection closed before the answer came.
    Closed,
    /// The client answered with an error.
    Remote(ErrorObject),
    /// The client's answer broke the specification.
    InvalidReply(String),
    /// The parameters could not be written as a JSON array or object.
    Params(String),
}

impl fmt::Display for PeerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeerError::Closed => f.write_str("the connection is closed"),
            PeerError::Remote(error) => write!(f, "the client answered with an error: {error}"),
            PeerError::InvalidReply(reason) => write!(f, "the client's answer is invalid: {reason}"),
            PeerError::Params(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for PeerError {}

/// Which end of the connection this program is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// It accepted the connection: anything that is not an answer to its own calls is a request.
    Server,
    /// It opened the connection: every response is for its calls, and one nobody waits for is
    /// dropped rather than answered.
    Client,
}

/// The other end of a persistent connection: handlers find it in [`Call::extensions`] (for calls
/// that arrived over WebSocket or a byte stream) to push notifications or call back; a client uses
/// it to make its calls.
#[derive(Clone)]
pub struct Peer {
    inner: Arc<PeerInner>,
}

struct PeerInner {
    outbound: mpsc::UnboundedSender<Outbound>,
    budget: Arc<Semaphore>,
    budget_total: usize,
    table: Mutex<Table>,
    next_id: AtomicU64,
    closed: watch::Sender<bool>,
    role: Role,
}

impl fmt::Debug for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Peer").field("closed", &self.is_closed()).finish()
    }
}

/// A handler may ask for the `Peer` of the connection its call came on: calls over HTTP have none,
/// and a handler that needs one fails with -32603 (ask for `Option<Peer>` to serve both).
impl<S> FromCall<S> for Peer {
    fn from_call(call: &Call, _: &Arc<S>) -> Result<Self, ErrorObject> {
        call.extensions().get::<Peer>().cloned().ok_or_else(|| {
            ErrorObject::internal(
                "this method talks back to the client, which needs a persistent connection \
                 (WebSocket, TCP, Unix socket or stdio)",
            )
        })
    }
}

impl<S> FromCall<S> for Option<Peer> {
    fn from_call(call: &Call, _: &Arc<S>) -> Result<Self, ErrorObject> {
        Ok(call.extensions().get::<Peer>().cloned())
    }
}

/// A message queued for writing, holding its share of the outbound budget until written.
pub(crate) struct Outbound {
    bytes: Bytes,
    _budget: OwnedSemaphorePermit,
}

/// The receiving end of a connection's outbound queue.
pub(crate) type Queued = mpsc::UnboundedReceiver<Outbound>;

impl Peer {
    /// A peer for a new connection, and the queue its writer drains.
    pub(crate) fn channel(limits: &ConnectionLimits, role: Role) -> (Peer, Queued) {
        let (outbound, queued) = mpsc::unbounded_channel();
        let budget_total = limits.outbound_budget_bytes.max(1);
        let (closed, _) = watch::channel(false);
        let peer = Peer {
            inner: Arc::new(PeerInner {
                outbound,
                budget: Arc::new(Semaphore::new(budget_total)),
                budget_total,
                table: Mutex::new(Table::default()),
                next_id: AtomicU64::new(1),
                closed,
                role,
            }),
        };
        (peer, queued)
    }

    /// Queues bytes for the other side, waiting for room in the outbound budget.
    pub(crate) async fn send(&self, bytes: Bytes) -> Result<(), PeerError> {
        let weight = bytes.len().clamp(1, self.inner.budget_total) as u32;
        let permit = tokio::select! {
            permit = Arc::clone(&self.inner.budget).acquire_many_owned(weight) => permit.map_err(|_| PeerError::Closed)?,
            _ = self.closed() => return Err(PeerError::Closed),
        };
        self.inner
            .outbound
            .send(Outbound {
                bytes,
                _budget: permit,
            })
            .map_err(|_| PeerError::Closed)
    }

    /// Sends a notification to the client.
    pub async fn notify<P: Serialize + ?Sized>(&self, method: &str, params: &P) -> Result<(), PeerError> {
        let message = request_text(method, params, None)?;
        self.send(message).await
    }

    /// Calls a method the client serves and waits for its result (raw JSON).
    pub async fn call<P: Serialize + ?Sized>(
        &self,
        method: &str,
        params: &P,
    ) -> Result<Box<RawValue>, PeerError> {
        let id = format!("\"s{}\"", self.inner.next_id.fetch_add(1, Ordering::Relaxed));
        let message = request_text(method, params, Some(&id))?;
        let (answer, answered) = oneshot::channel();
        let _waiting = self.wait_for(id, Waiter::Call(answer));
        self.send(message).await?;
        match answered.await {
            Ok(Answer::Result(result)) => Ok(result),
            Ok(Answer::Error(error)) => Err(PeerError::Remote(error)),
            Ok(Answer::Broken(reason)) => Err(PeerError::InvalidReply(reason)),
            Err(_) => Err(PeerError::Closed),
        }
    }

    /// Registers a waiter for the reply with this raw id; it is forgotten when the guard drops,
    /// so a call that is cancelled or times out leaves nothing behind.
    pub(crate) fn wait_for(&self, id: String, waiter: Waiter) -> Waiting<'_> {
        self.lock_table().insert(id.clone(), waiter);
        Waiting {
            peer: self,
            ids: vec![id],
        }
    }

    /// Registers one waiter under every id of a batch.
    pub(crate) fn wait_for_batch(&self, batch: &Arc<BatchWaiter>) -> Waiting<'_> {
        let mut table = self.lock_table();
        for id in batch.ids() {
            table.insert(id.clone(), Waiter::Batch(Arc::clone(batch)));
        }
        Waiting {
            peer: self,
            ids: batch.ids().to_vec(),
        }
    }

    /// Delivers notifications of `method` to `subscriber` until it is removed.
    pub(crate) fn subscribe(&self, method: String, subscriber: Subscriber) {
        self.lock_table().subscribe(method, subscriber);
    }

    /// Stops delivering to the subscriber with this key.
    pub(crate) fn unsubscribe(&self, method: &str, key: u64) {
        self.lock_table().unsubscribe(method, key);
    }

    /// Resolves when the connection closes: lets a subscription's loop end on disconnect.
    pub async fn closed(&self) {
        let mut closed = self.inner.closed.subscribe();
        let _ = closed.wait_for(|closed| *closed).await;
    }

    /// True once the connection has closed.
    pub fn is_closed(&self) -> bool {
        *self.inner.closed.borrow()
    }

    fn lock_table(&self) -> std::sync::MutexGuard<'_, Table> {
        self.inner
            .table
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes a frame that answers one of our calls or carries a notification someone subscribed
    /// to; false when the frame is for the server.
    fn route(&self, frame: &[u8]) -> bool {
        let client = self.inner.role == Role::Client;
        if !client && self.lock_table().is_idle() {
            return false;
        }
        let Ok(text) = std::str::from_utf8(frame) else {
            if client {
                self.lock_table()
                    .fail_all("the server sent a message that is not UTF-8");
            }
            return client;
        };
        match wire::classify_inbound(text) {
            Inbound::Requests => false,
            Inbound::Notification { method, params } => self.lock_table().notify(&method, params),
            Inbound::Responses(Ok(responses)) => {
                self.lock_table().deliver(responses);
                true
            }
            Inbound::Responses(Err(error)) if client => {
                self.lock_table().deliver_broken(&error);
                true
            }
            Inbound::Responses(Err(_)) => false,
            Inbound::Invalid(error) if client => {
                tracing::debug!(%error, "the server sent something that is not JSON");
                self.lock_table().fail_all(&format!(
                    "the server sent a message that is not JSON-RPC: {error}"
                ));
                true
            }
            Inbound::Invalid(_) => false,
        }
    }

    /// Marks the connection closed: sends fail from now on, and calls awaiting the other side fail.
    pub(crate) fn close(&self) {
        self.inner.closed.send_replace(true);
        self.inner.budget.close();
        self.lock_table().clear();
    }
}

/// Keeps reply waiters registered while a call is waiting; removes them when dropped.
pub(crate) struct Waiting<'a> {
    peer: &'a Peer,
    ids: Vec<String>,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let mut table = self.peer.lock_table();
        for id in &self.ids {
            table.remove(id);
        }
    }
}

fn request_text<P: Serialize + ?Sized>(
    method: &str,
    params: &P,
    id: Option<&str>,
) -> Result<Bytes, PeerError> {
    let mut text = Vec::with_capacity(64 + method.len());
    crate::wire::write_request(&mut text, method, params, id)
        .map_err(|e| PeerError::Params(e.to_string()))?;
    Ok(Bytes::from(text))
}

/// Serves one connection until the client leaves, the connection idles out, or `shutdown` fires;
/// then lets calls in flight finish, flushes their replies, and returns. Every call's extensions
/// start as a copy of `base` (e.g. the WebSocket's remote address), plus the connection's [`Peer`].
pub(crate) async fn serve<S, In, Out, E>(
    incoming: In,
    outgoing: Out,
    server: Server<S>,
    limits: ConnectionLimits,
    shutdown: watch::Receiver<bool>,
    base: http::Extensions,
) where
    S: CallService,
    In: Stream<Item = Result<Frame, E>> + Unpin,
    E: fmt::Display,
    Out: Sink<Bytes> + Unpin + Send + 'static,
{
    let channel = Peer::channel(&limits, Role::Server);
    serve_as(channel, incoming, outgoing, server, limits, shutdown, base).await;
}

/// Runs a connection this program opened, as its client end, in a task of its own; the returned
/// peer makes the calls, and `server` answers the other side's calls.
pub(crate) fn open<S, In, Out, E>(
    incoming: In,
    outgoing: Out,
    server: Server<S>,
    limits: ConnectionLimits,
) -> (Peer, tokio::task::JoinHandle<()>)
where
    S: CallService,
    In: Stream<Item = Result<Frame, E>> + Unpin + Send + 'static,
    E: fmt::Display + Send + 'static,
    Out: Sink<Bytes> + Unpin + Send + 'static,
{
    let (peer, queued) = Peer::channel(&limits, Role::Client);
    let task = tokio::spawn(serve_as(
        (peer.clone(), queued),
        incoming,
        outgoing,
        server,
        limits,
        never_stopped(),
        http::Extensions::new(),
    ));
    (peer, task)
}

/// Like [`serve`], for a [`Peer`] made beforehand with [`Peer::channel`], so that the caller can use it.
pub(crate) async fn serve_as<S, In, Out, E>(
    (peer, queued): (Peer, Queued),
    mut incoming: In,
    outgoing: Out,
    server: Server<S>,
    limits: ConnectionLimits,
    mut shutdown: watch::Receiver<bool>,
    base: http::Extensions,
) where
    S: CallService,
    In: Stream<Item = Result<Frame, E>> + Unpin,
    E: fmt::Display,
    Out: Sink<Bytes> + Unpin + Send + 'static,
{
    let writer = tokio::spawn(write_all(queued, outgoing, peer.clone()));

    let max_in_flight = limits.max_in_flight.max(1);
    let slots = Arc::new(Semaphore::new(max_in_flight));
    let reading = read_loop(
        &mut incoming,
        &server,
        &peer,
        &slots,
        max_in_flight,
        limits.idle_timeout,
        base,
    );
    // The loop can wait for a free slot or for room to send; shutdown must interrupt those waits too.
    tokio::select! {
        _ = reading => {}
        _ = until_set(&mut shutdown) => {}
    }
    // Let calls in flight finish and queue their replies; then the writer drains the queue and stops.
    // Both are bounded by the grace period, after which the connection is cut.
    let deadline = tokio::time::Instant::now() + limits.shutdown_grace;
    if tokio::time::timeout_at(deadline, slots.acquire_many(max_in_flight as u32))
        .await
        .is_err()
    {
        tracing::debug!("calls still in flight after the grace period; closing anyway");
    }
    drop(incoming);
    peer.close();
    let mut writer = writer;
    if tokio::time::timeout_at(deadline, &mut writer).await.is_err() {
        tracing::debug!("replies still unwritten after the grace period; closing anyway");
        writer.abort();
    }
}

/// Reads frames and starts their calls until the client leaves, the connection idles out, or the
/// writer fails.
async fn read_loop<S, In, E>(
    incoming: &mut In,
    server: &Server<S>,
    peer: &Peer,
    slots: &Arc<Semaphore>,
    max_in_flight: usize,
    idle_timeout: Option<Duration>,
    mut base: http::Extensions,
) where
    S: CallService,
    In: Stream<Item = Result<Frame, E>> + Unpin,
    E: fmt::Display,
{
    // One map per connection, with its peer, shared by all its calls (no copy per call).
    base.insert(peer.clone());
    let base = Arc::new(base);
    loop {
        let Ok(slot) = Arc::clone(slots).acquire_owned().await else {
            break;
        };
        let frame = tokio::select! {
            frame = incoming.next() => frame,
            _ = peer.closed() => break,
            _ = idle(idle_timeout, slots, max_in_flight) => {
                tracing::debug!("closing an idle connection");
                break;
            }
        };
        let bytes = match frame {
            None => break,
            Some(Err(error)) => {
                tracing::debug!(%error, "connection read failed");
                break;
            }
            Some(Ok(Frame::TooLarge { limit })) => {
                let error = ErrorObject::standard(ErrorCode::InvalidRequest)
                    .with_data(format!("message exceeds the limit of {limit} bytes"));
                let reply = Bytes::from(Reply::error(NULL_ID, Version::V2, &error).into_bytes());
                if peer.send(reply).await.is_err() {
                    break;
                }
                continue;
            }
            Some(Ok(Frame::Message(bytes))) => bytes,
        };
        if peer.route(&bytes) {
            continue;
        }
        let extensions = Arc::clone(&base);
        let server = server.clone();
        let mut call = Box::pin(async move { server.handle_shared(&bytes, extensions).await });
        // Synchronous methods finish on the first poll: answer them here, without a task.
        match poll_once(&mut call).await {
            Poll::Ready(reply) => {
                if let Some(reply) = reply {
                    if peer.send(Bytes::from(reply)).await.is_err() {
                        break;
                    }
                }
                drop(slot);
            }
            Poll::Pending => {
                let peer = peer.clone();
                tokio::spawn(async move {
                    if let Some(reply) = call.await {
                        let _ = peer.send(Bytes::from(reply)).await;
                    }
                    drop(slot);
                });
            }
        }
    }
}

/// Writes queued messages, coalescing whatever is queued into one flush, until the connection closes;
/// then writes what is still queued and closes the sink.
async fn write_all<Out: Sink<Bytes> + Unpin>(mut queued: Queued, mut outgoing: Out, peer: Peer) {
    let mut closed = peer.inner.closed.subscribe();
    'writing: loop {
        let message = tokio::select! {
            biased;
            message = queued.recv() => match message {
                Some(message) => message,
                None => break,
            },
            _ = until_set(&mut closed) => {
                while let Ok(message) = queued.try_recv() {
                    if outgoing.feed(message.bytes).await.is_err() {
                        break;
                    }
                }
                break;
            }
        };
        if outgoing.feed(message.bytes).await.is_err() {
            break;
        }
        while let Ok(message) = queued.try_recv() {
            if outgoing.feed(message.bytes).await.is_err() {
                break 'writing;
            }
        }
        if outgoing.flush().await.is_err() {
            break;
        }
    }
    let _ = outgoing.close().await;
    peer.close();
}

/// A shutdown flag that is never set: for connections that only their end stops.
pub(crate) fn never_stopped() -> watch::Receiver<bool> {
    watch::channel(false).1
}

/// Resolves once the flag is set, holding no borrow of it afterwards. A flag whose sender is gone
/// can never be set: then it never resolves.
pub(crate) async fn until_set(flag: &mut watch::Receiver<bool>) {
    if flag.wait_for(|set| *set).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Resolves after `timeout` with nothing in flight; never without a timeout.
async fn idle(timeout: Option<Duration>, slots: &Semaphore, max: usize) {
    let Some(timeout) = timeout else {
        return std::future::pending().await;
    };
    loop {
        tokio::time::sleep(timeout).await;
        // The read loop holds one slot while it waits for the next frame.
        if slots.available_permits() + 1 >= max {
            return;
        }
    }
}
