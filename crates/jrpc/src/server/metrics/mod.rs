//! Prometheus metrics for any jrpc server, as a tower layer: `ServerBuilder::layer(MetricsLayer::new())`.
//!
//! What is counted (names as exported):
//! - `jrpc_calls_total{method, outcome}`: calls and notifications by method and outcome (`result`,
//!   `notification`, the error code such as `-32602`, or `failed` when a middleware failed it).
//! - `jrpc_call_duration_seconds{method}`: a latency histogram by method.
//! - `jrpc_calls_in_flight`: calls being handled now.
//! - `jrpc_batch_size`: elements per batch (single calls are not batches).
//! - `jrpc_messages_total`, `jrpc_received_bytes_total`, `jrpc_sent_bytes_total`: messages and
//!   their bytes in and out, whatever the transport.
//! - `jrpc_connections_open{transport}`: open connections by transport (`http`, `ws`, `stream`).
//!
//! Method names come from clients, so only the names registered with the server are labels;
//! every other name is counted under the one label `unknown`, and a client cannot grow the set.
//! The names are read while [`ServerBuilder::build`](crate::ServerBuilder::build) applies the
//! layer; a layer applied to a service by hand, outside a server build, counts every call as
//! `unknown` and sees no messages or connections.
//!
//! Applications add their own metrics to the same registry with [`Metrics::register`], and
//! [`Metrics::render`] writes everything in the text exposition format (OpenMetrics 1.0, which
//! Prometheus scrapes; content type [`Metrics::CONTENT_TYPE`]).

mod layer;
mod service;

use std::fmt;
use std::sync::{Arc, Mutex, RwLock};

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

pub use layer::MetricsLayer;
pub use prometheus_client;
pub use service::{MetricsFuture, MetricsService};

use super::observe::Observe;

/// The label value of every method name that is not registered.
pub const UNKNOWN_METHOD: &str = "unknown";

type Labels = Vec<(&'static str, String)>;

/// A registry of metrics: the server's own, and any the application adds. Cloning is cheap and
/// shares the same counts.
#[derive(Clone)]
pub struct Metrics {
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    registry: RwLock<Registry>,
    pub(crate) calls: Family<Labels, Counter>,
    pub(crate) durations: Family<Labels, Histogram, fn() -> Histogram>,
    pub(crate) in_flight: Gauge,
    batch_sizes: Histogram,
    messages: Counter,
    received: Counter,
    sent: Counter,
    #[cfg_attr(not(any(feature = "http", feature = "stream")), allow(dead_code))]
    connections: Family<Labels, Gauge>,
    /// Open connections per transport, to avoid a lookup with an allocated label on each event.
    #[cfg_attr(not(any(feature = "http", feature = "stream")), allow(dead_code))]
    connection_gauges: Mutex<Vec<(&'static str, Gauge)>>,
}

fn latency_histogram() -> Histogram {
    // 50 µs to about 26 s, doubling.
    Histogram::new(exponential_buckets(0.000_05, 2.0, 20))
}

impl Metrics {
    /// The content type of [`Metrics::render`]'s text.
    pub const CONTENT_TYPE: &'static str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    /// A new registry holding the server metrics, all at zero.
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let calls = Family::<Labels, Counter>::default();
        let durations = Family::<Labels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let in_flight = Gauge::default();
        let batch_sizes = Histogram::new(exponential_buckets(1.0, 2.0, 12));
        let messages = Counter::default();
        let received = Counter::default();
        let sent = Counter::default();
        let connections = Family::<Labels, Gauge>::default();
        registry.register(
            "jrpc_calls",
            "Calls and notifications by method and outcome",
            calls.clone(),
        );
        registry.register(
            "jrpc_call_duration_seconds",
            "Time to answer a call, by method",
            durations.clone(),
        );
        registry.register(
            "jrpc_calls_in_flight",
            "Calls being handled now",
            in_flight.clone(),
        );
        registry.register(
            "jrpc_batch_size",
            "Elements per batch message",
            batch_sizes.clone(),
        );
        registry.register(
            "jrpc_messages",
            "Messages received (a batch is one)",
            messages.clone(),
        );
        registry.register(
            "jrpc_received_bytes",
            "Bytes of messages received",
            received.clone(),
        );
        registry.register("jrpc_sent_bytes", "Bytes of replies sent", sent.clone());
        registry.register(
            "jrpc_connections_open",
            "Open connections by transport",
            connections.clone(),
        );
        Metrics {
            shared: Arc::new(Shared {
                registry: RwLock::new(registry),
                calls,
                durations,
                in_flight,
                batch_sizes,
                messages,
                received,
                sent,
                connections,
                connection_gauges: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The layer that counts calls into this registry.
    pub fn layer(&self) -> MetricsLayer {
        MetricsLayer::with_metrics(self.clone())
    }

    /// Lets the application add its own metrics to the registry.
    pub fn register<R>(&self, add: impl FnOnce(&mut Registry) -> R) -> R {
        let mut registry = self
            .shared
            .registry
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        add(&mut registry)
    }

    /// Every metric in the text exposition format.
    pub fn render(&self) -> String {
        let registry = self
            .shared
            .registry
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut text = String::with_capacity(8 * 1024);
        // Writing into a String cannot fail.
        let _ = encode(&mut text, &registry);
        text
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared").finish_non_exhaustive()
    }
}

impl Shared {
    fn connection_gauge(&self, transport: &'static str) -> Gauge {
        let mut gauges = self
            .connection_gauges
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((_, gauge)) = gauges.iter().find(|(name, _)| *name == transport) {
            return gauge.clone();
        }
        let gauge = self
            .connections
            .get_or_create_owned(&vec![("transport", transport.to_owned())]);
        gauges.push((transport, gauge.clone()));
        gauge
    }
}

impl Observe for Shared {
    fn message(&self, bytes: usize, batch_len: Option<usize>) {
        self.messages.inc();
        self.received.inc_by(bytes as u64);
        if let Some(len) = batch_len {
            self.batch_sizes.observe(len as f64);
        }
    }

    fn reply(&self, bytes: usize) {
        self.sent.inc_by(bytes as u64);
    }

    fn connection(&self, transport: &'static str, opened: bool) {
        let gauge = self.connection_gauge(transport);
        if opened {
            gauge.inc();
        } else {
            gauge.dec();
        }
    }
}

#[cfg(test)]
mod tests;
