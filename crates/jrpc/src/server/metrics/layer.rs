//! The layer: wraps the call service and learns the registered names while the server is built.

use std::sync::Arc;

use tower::Layer;

use super::service::{MethodTable, MetricsService};
use super::Metrics;
use crate::server::observe;

/// Counts every call of the server it is applied to; see the [module](super) for what is counted.
#[derive(Debug, Clone)]
pub struct MetricsLayer {
    metrics: Metrics,
}

impl MetricsLayer {
    /// A layer counting into a new [`Metrics`] registry (reach it with [`MetricsLayer::metrics`]).
    pub fn new() -> MetricsLayer {
        MetricsLayer::with_metrics(Metrics::new())
    }

    /// A layer counting into `metrics`.
    pub fn with_metrics(metrics: Metrics) -> MetricsLayer {
        MetricsLayer { metrics }
    }

    /// The registry the layer counts into: render it, or add the application's metrics to it.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }
}

impl Default for MetricsLayer {
    fn default() -> Self {
        MetricsLayer::new()
    }
}

impl<S> Layer<S> for MetricsLayer {
    type Service = MetricsService<S>;

    fn layer(&self, inner: S) -> MetricsService<S> {
        let shared = Arc::clone(self.metrics.shared());
        let names = observe::with_building(|building| {
            building
                .observers
                .push(Arc::clone(&shared) as Arc<dyn observe::Observe>);
            building.names.clone()
        })
        .unwrap_or_default();
        MetricsService::new(inner, Arc::new(MethodTable::new(shared, names)))
    }
}
