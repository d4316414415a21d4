//! The service: counts each call by method and outcome and times it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::histogram::Histogram;
use rustc_hash::FxHashMap;
use tower::Service;

use super::{Shared, UNKNOWN_METHOD};
use crate::server::{Call, Reply};

/// The handles of one method's metrics, made once so that a call costs no label lookup.
#[derive(Debug)]
struct MethodMetrics {
    name: Arc<str>,
    results: Counter,
    notifications: Counter,
    latency: Histogram,
}

impl MethodMetrics {
    fn new(shared: &Shared, name: &str) -> MethodMetrics {
        let labels = |outcome: &str| vec![("method", name.to_owned()), ("outcome", outcome.to_owned())];
        MethodMetrics {
            name: name.into(),
            results: shared.calls.get_or_create_owned(&labels("result")),
            notifications: shared.calls.get_or_create_owned(&labels("notification")),
            latency: shared
                .durations
                .get_or_create_owned(&vec![("method", name.to_owned())]),
        }
    }
}

/// Every registered method's handles, and the one for all other names. Fixed once built; a call
/// holds the table (one reference count) and its method's index, not clones of the handles.
#[derive(Debug)]
pub(crate) struct MethodTable {
    shared: Arc<Shared>,
    /// Each registered name's index into `metrics`.
    by_name: FxHashMap<Box<str>, usize>,
    /// The registered methods' handles, then the one of every other name (the last).
    metrics: Vec<MethodMetrics>,
}

impl MethodTable {
    pub(crate) fn new(shared: Arc<Shared>, names: Vec<Box<str>>) -> MethodTable {
        let mut by_name = FxHashMap::default();
        let mut metrics = Vec::with_capacity(names.len() + 1);
        for name in names {
            if !by_name.contains_key(&name) {
                by_name.insert(name.clone(), metrics.len());
                metrics.push(MethodMetrics::new(&shared, &name));
            }
        }
        metrics.push(MethodMetrics::new(&shared, UNKNOWN_METHOD));
        MethodTable {
            shared,
            by_name,
            metrics,
        }
    }

    fn index(&self, method: &str) -> usize {
        self.by_name
            .get(method)
            .copied()
            .unwrap_or(self.metrics.len() - 1)
    }
}

/// The service [`MetricsLayer`](super::MetricsLayer) wraps around the call service.
#[derive(Debug, Clone)]
pub struct MetricsService<S> {
    inner: S,
    table: Arc<MethodTable>,
}

impl<S> MetricsService<S> {
    pub(crate) fn new(inner: S, table: Arc<MethodTable>) -> Self {
        MetricsService { inner, table }
    }
}

impl<S> Service<Call> for MetricsService<S>
where
    S: Service<Call, Response = Option<Reply>>,
{
    type Response = Option<Reply>;
    type Error = S::Error;
    type Future = MetricsFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, call: Call) -> Self::Future {
        let tracker = Tracker {
            method: self.table.index(call.method()),
            table: Arc::clone(&self.table),
            notification: call.is_notification(),
            start: Instant::now(),
            done: false,
        };
        tracker.table.shared.in_flight.inc();
        MetricsFuture {
            inner: self.inner.call(call),
            tracker,
        }
    }
}

/// Counts one call when it finishes, and takes it out of the in-flight gauge even if it is dropped.
#[derive(Debug)]
struct Tracker {
    table: Arc<MethodTable>,
    /// The call's method, an index into `table.metrics`.
    method: usize,
    notification: bool,
    start: Instant,
    done: bool,
}

impl Tracker {
    fn finish<E>(&mut self, outcome: &Result<Option<Reply>, E>) {
        self.done = true;
        let shared = &self.table.shared;
        shared.in_flight.dec();
        let method = &self.table.metrics[self.method];
        method.latency.observe(self.start.elapsed().as_secs_f64());
        let outcome = match outcome {
            Ok(Some(reply)) => match reply.error_code() {
                Some(code) => code.to_string(),
                None => {
                    method.results.inc();
                    return;
                }
            },
            Ok(None) => {
                // No reply: a notification (or a call a middleware chose not to answer).
                if self.notification {
                    method.notifications.inc();
                } else {
                    method.results.inc();
                }
                return;
            }
            Err(_) => "failed".to_owned(),
        };
        // Errors are rarer: their label set is made here. Codes come from the server's own
        // handlers and middleware, never from the client, so their set is bounded by the code.
        shared
            .calls
            .get_or_create(&vec![("method", method.name.to_string()), ("outcome", outcome)])
            .inc();
    }
}

impl Drop for Tracker {
    fn drop(&mut self) {
        if !self.done {
            // Cancelled before it finished (the connection went away).
            self.table.shared.in_flight.dec();
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of a call through [`MetricsService`].
    #[derive(Debug)]
    pub struct MetricsFuture<F> {
        #[pin]
        inner: F,
        tracker: Tracker,
    }
}

impl<F, E> Future for MetricsFuture<F>
where
    F: Future<Output = Result<Option<Reply>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let outcome = std::task::ready!(this.inner.poll(cx));
        this.tracker.finish(&outcome);
        Poll::Ready(outcome)
    }
}
