//! randomd's own metrics (beside the JSON-RPC ones of jrpc's `MetricsLayer`), in one registry the
//! admin listener serves. Labels are methods, refusal codes and transports, never API keys.

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

type Label = [(&'static str, &'static str); 1];

/// The handles the service counts into.
#[derive(Debug, Clone)]
pub struct Telemetry {
    /// Bits billed, by method.
    pub bits_served: Family<Label, Counter>,
    /// Requests billed, by method.
    pub requests_billed: Family<Label, Counter>,
    /// Requests refused for the key or its quota, by RANDOM.ORG's code (400, 401, 402, 403).
    pub quota_refusals: Family<Label, Counter>,
    /// Time to commit a charge in the store, as a call waits for it (group commit included).
    pub commit_seconds: Histogram,
    /// Time to sign one result.
    pub signing_seconds: Histogram,
    /// Bytes read from the entropy source (set from the source's own count at each scrape).
    pub entropy_bytes_drawn: Counter,
    /// 1 while the entropy source passes its health tests, 0 once one failed.
    pub entropy_healthy: Gauge,
    /// Keys that made at least one billed request today (UTC), counted at each scrape.
    pub keys_active_today: Gauge,
}

impl Default for Telemetry {
    fn default() -> Self {
        Telemetry {
            bits_served: Family::default(),
            requests_billed: Family::default(),
            quota_refusals: Family::default(),
            // 100 µs to about 3 s.
            commit_seconds: Histogram::new(exponential_buckets(0.000_1, 2.0, 16)),
            // 1 ms to about 1 s: RSA-4096 takes milliseconds.
            signing_seconds: Histogram::new(exponential_buckets(0.001, 2.0, 11)),
            entropy_bytes_drawn: Counter::default(),
            entropy_healthy: Gauge::default(),
            keys_active_today: Gauge::default(),
        }
    }
}

impl Telemetry {
    /// Adds every metric to `registry`.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "randomd_bits_served",
            "Bits billed, by method",
            self.bits_served.clone(),
        );
        registry.register(
            "randomd_requests_billed",
            "Requests billed, by method",
            self.requests_billed.clone(),
        );
        registry.register(
            "randomd_quota_refusals",
            "Requests refused for the key or its allowance, by error code",
            self.quota_refusals.clone(),
        );
        registry.register(
            "randomd_store_commit_seconds",
            "Time to commit a charge in the database",
            self.commit_seconds.clone(),
        );
        registry.register(
            "randomd_signing_seconds",
            "Time to sign one result",
            self.signing_seconds.clone(),
        );
        registry.register(
            "randomd_entropy_drawn_bytes",
            "Bytes read from the entropy source",
            self.entropy_bytes_drawn.clone(),
        );
        registry.register(
            "randomd_entropy_healthy",
            "1 while the entropy source passes its health tests",
            self.entropy_healthy.clone(),
        );
        registry.register(
            "randomd_keys_active_today",
            "Keys with a billed request today (UTC)",
            self.keys_active_today.clone(),
        );
    }

    /// Counts a billed request.
    pub fn billed(&self, method: &'static str, bits: i64) {
        let label = [("method", method)];
        self.requests_billed.get_or_create(&label).inc();
        self.bits_served
            .get_or_create(&label)
            .inc_by(u64::try_from(bits).unwrap_or(0));
    }

    /// Counts a refusal with its code.
    pub fn refused(&self, code: &'static str) {
        self.quota_refusals.get_or_create(&[("code", code)]).inc();
    }
}
