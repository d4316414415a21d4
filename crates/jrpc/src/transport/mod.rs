//! Transports move messages between peers and a [`crate::Server`]; they never interpret JSON-RPC.

#[cfg(feature = "http")]
mod body;
pub mod connection;
#[cfg(feature = "http")]
mod cors;
pub(crate) mod dial;
pub mod endpoint;
pub mod framing;
#[cfg(feature = "http")]
pub mod http;
mod pending;
pub mod playground;
#[cfg(feature = "http")]
mod remote;
#[cfg(feature = "http")]
mod slots;
#[cfg(feature = "http")]
mod stall;
pub mod stream;
pub mod tls;
#[cfg(feature = "http")]
pub(crate) mod ws;

pub use connection::{ConnectionLimits, Peer, PeerError};
pub use endpoint::{Endpoint, EndpointError};
pub use framing::{Framing, FramingError};
pub use stream::{open_io, serve_io, serve_stdio, StreamConfig, StreamServer};
pub use tls::TlsFiles;

/// Resolves on Ctrl-C or, on Unix, SIGTERM: the usual cue for a server's graceful shutdown.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    if let Ok(mut terminate) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
        return;
    }
    let _ = tokio::signal::ctrl_c().await;
}
