//! The limits of one persistent connection (WebSocket or byte stream): plain settings, apart from
//! the engine that enforces them so that configurations exist in every build.

use std::time::Duration;

/// Limits of one persistent connection.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// Calls (messages) of one connection running at once; reading pauses at the limit.
    pub max_in_flight: usize,
    /// Bytes of replies and notifications queued for one connection and not yet written.
    pub outbound_budget_bytes: usize,
    /// A connection with nothing in flight and nothing received for this long is closed.
    pub idle_timeout: Option<Duration>,
    /// When the connection ends (shutdown, or the client left), how long calls in flight and queued
    /// replies may take to finish before the connection is closed anyway: a client that stops
    /// reading cannot hold up a shutdown.
    pub shutdown_grace: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_in_flight: 64,
            outbound_budget_bytes: 16 * 1024 * 1024,
            idle_timeout: Some(Duration::from_secs(300)),
            shutdown_grace: Duration::from_secs(30),
        }
    }
}
