//! The one dispatch path: a message's bytes in, the reply's bytes out.
//!
//! Single calls and batch elements alike become [`Call`]s and go through the same tower service, so
//! middleware and limits see every call whatever transport carried it.

use std::future::Future;
use std::ops::Range;
use std::sync::Arc;

use std::pin::Pin;
use std::task::Poll;

use futures_util::future::Either;
use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use tower::Service;

use super::call::{Call, Extensions, Reply};
use super::Server;
use crate::wire::{self, ErrorCode, ErrorObject, Incoming, InvalidRequest, Request, Version, NULL_ID};

/// An error a middleware layer may fail a call with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The JSON-RPC error code sent when a call runs past a tower `Timeout` layer's deadline.
pub const TIMEOUT_CODE: i64 = -32001;

impl<S> Server<S>
where
    S: Service<Call, Response = Option<Reply>> + Clone + Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send,
{
    /// Answers one message. `None` means nothing is sent back (notifications only).
    pub async fn handle(&self, message: &[u8]) -> Option<Vec<u8>> {
        self.handle_with(message, http::Extensions::new()).await
    }

    /// Answers one message, giving every call of it a copy of `extensions` (peer address, ...).
    pub async fn handle_with(&self, message: &[u8], extensions: http::Extensions) -> Option<Vec<u8>> {
        self.handle_extended(message, Extensions::Owned(extensions)).await
    }

    /// Answers one message whose calls all share `extensions` (a connection's, with its peer):
    /// no copy per call unless a call writes to them.
    #[cfg_attr(not(feature = "engine"), allow(dead_code))]
    pub(crate) async fn handle_shared(
        &self,
        message: &[u8],
        extensions: Arc<http::Extensions>,
    ) -> Option<Vec<u8>> {
        self.handle_extended(message, Extensions::Shared(extensions))
            .await
    }

    async fn handle_extended(&self, message: &[u8], extensions: Extensions) -> Option<Vec<u8>> {
        if self.options.observers.is_empty() {
            return self.answer(message, extensions).await;
        }
        let reply = self.answer(message, extensions).await;
        let sent = reply.as_ref().map_or(0, Vec::len);
        for observer in self.options.observers.iter() {
            observer.reply(sent);
        }
        reply
    }

    /// Tells the observers, if any, of a message that arrived.
    fn observe_message(&self, bytes: usize, batch_len: Option<usize>) {
        for observer in self.options.observers.iter() {
            observer.message(bytes, batch_len);
        }
    }

    async fn answer(&self, message: &[u8], extensions: Extensions) -> Option<Vec<u8>> {
        let limits = &self.options.limits;
        if message.len() > limits.max_request_bytes {
            self.observe_message(message.len(), None);
            let error = ErrorObject::standard(ErrorCode::InvalidRequest).with_data(format!(
                "request of {} bytes exceeds the limit of {}",
                message.len(),
                limits.max_request_bytes
            ));
            return Some(Reply::error(NULL_ID, Version::V2, &error).into_bytes());
        }
        let Ok(text) = std::str::from_utf8(message) else {
            self.observe_message(message.len(), None);
            return Some(Reply::error(NULL_ID, Version::V2, &ErrorCode::ParseError.into()).into_bytes());
        };
        let text: Arc<str> = Arc::from(text);
        match wire::parse_incoming(&text, &self.options.parse) {
            Err(rejected) => {
                self.observe_message(message.len(), None);
                tracing::debug!(reason = %rejected, "message rejected");
                Some(Reply::error(NULL_ID, Version::V2, &rejected.error()).into_bytes())
            }
            Ok(Incoming::Single(request)) => {
                self.observe_message(message.len(), None);
                match self.prepare(&text, request, extensions) {
                    Ok(call) => self.run(&text, call).await.map(Reply::into_bytes),
                    Err(reply) => Some(reply.into_bytes()),
                }
            }
            Ok(Incoming::Batch(requests)) => {
                self.observe_message(message.len(), Some(requests.len()));
                let mut out = Vec::with_capacity(requests.len() * 48 + 2);
                out.push(b'[');
                let mut calls = Vec::with_capacity(requests.len());
                // One map for the whole batch: each call gets its own only if it writes to it.
                // An empty one (in-process calls) costs nothing to give each call as its own.
                let shared = match extensions {
                    Extensions::Owned(extensions) if extensions.is_empty() => None,
                    Extensions::Owned(extensions) => Some(Arc::new(extensions)),
                    Extensions::Shared(shared) => Some(shared),
                };
                for request in requests {
                    let extensions = match &shared {
                        None => Extensions::Owned(http::Extensions::new()),
                        Some(shared) => Extensions::Shared(Arc::clone(shared)),
                    };
                    match self.prepare(&text, request, extensions) {
                        Ok(call) => calls.push(call),
                        Err(reply) => push_element(&mut out, &reply),
                    }
                }
                self.run_batch(&text, calls, &mut out).await;
                if out.len() == 1 {
                    // Only notifications: section 6 forbids an empty array, so nothing is sent.
                    return None;
                }
                out.push(b']');
                Some(out)
            }
        }
    }

    /// Turns a parsed request into a call, or an invalid one into its -32600 reply.
    fn prepare(
        &self,
        text: &Arc<str>,
        request: Result<Request<'_>, InvalidRequest<'_>>,
        extensions: Extensions,
    ) -> Result<Call, Reply> {
        let request = request.map_err(|invalid| {
            tracing::debug!(reason = invalid.reason, "invalid request");
            Reply::error(invalid.id.unwrap_or(NULL_ID), invalid.version, &invalid.error())
        })?;
        let max_depth = self.options.limits.max_params_depth;
        if request
            .params
            .is_some_and(|params| wire::nesting_depth_exceeds(params, max_depth))
        {
            let error = ErrorObject::standard(ErrorCode::InvalidRequest)
                .with_data(format!("params nest deeper than the limit of {max_depth}"));
            return Err(Reply::error(
                request.id.unwrap_or(NULL_ID),
                request.version,
                &error,
            ));
        }
        Ok(Call::from_request(text, &request, extensions))
    }

    /// Runs one call made from `text`.
    async fn run(&self, text: &str, call: Call) -> Option<Reply> {
        // Middleware may fail the call after taking it: keep what is needed to answer anyway.
        let (id, version) = call.id_and_version();
        let mut service = self.service.clone();
        if let Err(error) = std::future::poll_fn(|cx| service.poll_ready(cx)).await {
            return failed(text, id, version, error);
        }
        settle(service.call(call), text, id, version).await
    }

    /// Runs a batch's calls: each is polled once at once (synchronous methods finish there, without
    /// a task or a queue); the rest run concurrently, at most `batch_concurrency` at a time. Replies
    /// go out in the order calls finish, which section 6 allows.
    async fn run_batch(&self, text: &str, calls: Vec<Call>, out: &mut Vec<u8>) {
        let width = self.options.limits.batch_concurrency.max(1);
        let mut pending = FuturesUnordered::new();
        for call in calls {
            let (id, version) = call.id_and_version();
            let mut service = self.service.clone();
            let mut future = match poll_once(&mut std::future::poll_fn(|cx| service.poll_ready(cx))).await {
                // The usual case: the call is made now and only the service's own future is kept,
                // not the larger one of `run`, which would be moved into its box.
                Poll::Ready(Ok(())) => Either::Left(Box::pin(settle(service.call(call), text, id, version))),
                Poll::Ready(Err(error)) => {
                    push_reply(out, failed(text, id, version, error));
                    continue;
                }
                Poll::Pending => Either::Right(Box::pin(self.run(text, call))),
            };
            match poll_once(&mut future).await {
                Poll::Ready(reply) => push_reply(out, reply),
                Poll::Pending => {
                    pending.push(future);
                    if pending.len() >= width {
                        if let Some(reply) = pending.next().await {
                            push_reply(out, reply);
                        }
                    }
                }
            }
        }
        while let Some(reply) = pending.next().await {
            push_reply(out, reply);
        }
    }
}

/// The reply of a call the service has taken: its own, or the error the middleware failed it with.
async fn settle<F, E>(future: F, text: &str, id: Option<Range<usize>>, version: Version) -> Option<Reply>
where
    F: Future<Output = Result<Option<Reply>, E>>,
    E: Into<BoxError>,
{
    match future.await {
        Ok(reply) => reply,
        Err(error) => failed(text, id, version, error),
    }
}

/// The error reply of a call that middleware failed; `None` for a notification.
fn failed(
    text: &str,
    id: Option<Range<usize>>,
    version: Version,
    error: impl Into<BoxError>,
) -> Option<Reply> {
    let id = &text[id?];
    Some(Reply::error(id, version, &middleware_error(error.into())))
}

/// Polls a future once, with the current task's waker, and says whether it finished.
pub(crate) async fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut *future).poll(cx))).await
}

fn push_reply(out: &mut Vec<u8>, reply: Option<Reply>) {
    if let Some(reply) = reply {
        push_element(out, &reply);
    }
}

/// Maps a middleware failure to an error object: error objects pass through, timeouts get
/// [`TIMEOUT_CODE`], anything else is -32603.
fn middleware_error(error: BoxError) -> ErrorObject {
    match error.downcast::<ErrorObject>() {
        Ok(error) => *error,
        Err(error) if error.is::<tower::timeout::error::Elapsed>() => {
            ErrorObject::new(TIMEOUT_CODE, "Request timed out")
        }
        Err(error) => {
            tracing::warn!(%error, "middleware failed a call");
            ErrorObject::internal(error)
        }
    }
}

fn push_element(out: &mut Vec<u8>, reply: &Reply) {
    if out.len() > 1 {
        out.push(b',');
    }
    out.extend_from_slice(reply.as_bytes());
}
