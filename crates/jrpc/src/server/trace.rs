//! [`TraceLayer`]: one `tracing` span per call, and one log line for each call answered with an
//! error, saying why.
//!
//! The span (`call`) carries the method, the id (cut at 64 bytes: ids come from clients), the
//! transport (`http`, or `connection` for WebSocket, TCP, Unix and stdio) and, over HTTP and
//! WebSocket, the client's address; it has an empty `key` field an application may fill with
//! `Span::current().record("key", ..)` (randomd puts its key id there, never a key). Params are
//! never logged. Everything the handler logs, synchronous or not, happens inside the span.
//!
//! A separate layer rather than part of the dispatch path, so that servers that do not ask for it
//! pay nothing, and those that do choose with their log filter what reaches the log: the span and
//! the errors are at `info`, the success line at `debug`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use tower::{Layer, Service};
use tracing::field::Empty;
use tracing::Span;

use super::{Call, Reply};

/// The longest id text put in a span, in bytes.
const MAX_ID_BYTES: usize = 64;

/// Puts every call in a `call` span and logs its outcome. See the module documentation.
#[derive(Debug, Clone, Copy, Default)]
pub struct TraceLayer;

impl TraceLayer {
    pub fn new() -> TraceLayer {
        TraceLayer
    }
}

impl<S> Layer<S> for TraceLayer {
    type Service = TraceService<S>;

    fn layer(&self, inner: S) -> TraceService<S> {
        TraceService { inner }
    }
}

/// The service [`TraceLayer`] wraps around the call service.
#[derive(Debug, Clone)]
pub struct TraceService<S> {
    inner: S,
}

impl<S> Service<Call> for TraceService<S>
where
    S: Service<Call, Response = Option<Reply>>,
{
    type Response = Option<Reply>;
    type Error = S::Error;
    type Future = TraceFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, call: Call) -> Self::Future {
        // At `info`, so that the error lines (also `info`) carry it under the usual filter.
        let span = tracing::info_span!(
            "call",
            method = call.method(),
            id = Empty,
            transport = Empty,
            client = Empty,
            key = Empty,
        );
        if !span.is_disabled() {
            if let Some(id) = call.id() {
                span.record("id", cut(id));
            }
            #[cfg(feature = "http")]
            let client = call
                .extensions()
                .get::<crate::transport::http::RemoteAddr>()
                .map(|remote| remote.0);
            #[cfg(not(feature = "http"))]
            let client: Option<std::net::SocketAddr> = None;
            // A persistent connection's calls carry its Peer (a WebSocket's, the client's address too).
            #[cfg(feature = "engine")]
            let persistent = call.extensions().get::<crate::transport::Peer>().is_some();
            #[cfg(not(feature = "engine"))]
            let persistent = false;
            let over_http = client.is_some() && !persistent;
            span.record("transport", if over_http { "http" } else { "connection" });
            if let Some(address) = client {
                span.record("client", tracing::field::display(address));
            }
        }
        let notification = call.is_notification();
        // Synchronous handlers run inside `call`: enter the span for it too.
        let inner = span.in_scope(|| self.inner.call(call));
        TraceFuture {
            inner,
            span,
            notification,
            start: Instant::now(),
        }
    }
}

/// `id`, cut to at most [`MAX_ID_BYTES`] on a character boundary.
fn cut(id: &str) -> &str {
    if id.len() <= MAX_ID_BYTES {
        return id;
    }
    let mut end = MAX_ID_BYTES;
    while !id.is_char_boundary(end) {
        end -= 1;
    }
    &id[..end]
}

pin_project_lite::pin_project! {
    /// The future of a call through [`TraceService`]: polled inside the call's span.
    #[derive(Debug)]
    pub struct TraceFuture<F> {
        #[pin]
        inner: F,
        span: Span,
        notification: bool,
        start: Instant,
    }
}

impl<F, E> Future for TraceFuture<F>
where
    F: Future<Output = Result<Option<Reply>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        let outcome = std::task::ready!(this.inner.poll(cx));
        let micros = this.start.elapsed().as_micros() as u64;
        match &outcome {
            Ok(Some(reply)) => match reply.error_code() {
                Some(code) => {
                    tracing::info!(code, reason = %error_message(reply), micros, "call answered with an error")
                }
                None => tracing::debug!(micros, "call answered"),
            },
            Ok(None) if *this.notification => tracing::debug!(micros, "notification handled"),
            Ok(None) => tracing::debug!(micros, "call not answered"),
            // The dispatch path answers it with -32603 and the error's text.
            Err(_) => tracing::warn!(micros, "call failed in a layer"),
        }
        Poll::Ready(outcome)
    }
}

/// The `message` of an error reply (the server wrote it, so it reads; empty if it does not).
fn error_message(reply: &Reply) -> String {
    #[derive(serde::Deserialize)]
    struct Response {
        error: Error,
    }
    #[derive(serde::Deserialize)]
    struct Error {
        message: String,
    }
    serde_json::from_slice::<Response>(reply.as_bytes())
        .map(|response| response.error.message)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::cut;

    #[test]
    fn long_ids_are_cut_on_a_character_boundary() {
        assert_eq!(cut("\"abc\""), "\"abc\"");
        let long = format!("\"{}\"", "é".repeat(60));
        let short = cut(&long);
        assert!(short.len() <= 64 && long.starts_with(short));
    }
}
