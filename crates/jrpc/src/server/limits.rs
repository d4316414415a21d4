//! The limits that protect a server from oversized or abusive messages.

/// Limits applied to every message, whatever transport it came over.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The largest message, in bytes. Transports enforce it before reading a body (HTTP answers 413).
    pub max_request_bytes: usize,
    /// The most elements a batch may have; a longer batch is answered with one -32600.
    pub max_batch_len: usize,
    /// How deeply arrays and objects may nest inside `params`.
    pub max_params_depth: usize,
    /// How many calls of one batch run at once.
    pub batch_concurrency: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_request_bytes: 10 * 1024 * 1024,
            max_batch_len: 1000,
            max_params_depth: 64,
            batch_concurrency: 64,
        }
    }
}
