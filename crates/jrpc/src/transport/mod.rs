//! Transports move messages between peers and a [`crate::Server`]; they never interpret JSON-RPC.
//!
//! Which ones are compiled is up to the crate's features: `http` (and `ws` on its path), `stream`
//! (TCP, Unix, stdio), `tls` for all of them; the persistent-connection engine (`connection`) comes
//! with `ws`, `stream` or `client`.

#[cfg(feature = "http")]
mod body;
#[cfg(feature = "engine")]
pub mod connection;
mod connection_limits;
#[cfg(feature = "http")]
mod cors;
#[cfg(feature = "client")]
pub(crate) mod dial;
pub mod endpoint;
pub mod framing;
#[cfg(feature = "http")]
pub mod http;
#[cfg(feature = "engine")]
mod pending;
#[cfg(feature = "http")]
pub mod playground;
#[cfg(feature = "http")]
mod remote;
#[cfg(feature = "http")]
mod slots;
#[cfg(feature = "http")]
mod stall;
#[cfg(feature = "stream")]
pub mod stream;
pub mod tls;
#[cfg(feature = "ws")]
pub(crate) mod ws;

#[cfg(feature = "engine")]
pub use connection::{Peer, PeerError};
pub use connection_limits::ConnectionLimits;
#[cfg(feature = "client")]
pub use dial::{connect_raw, Io, RawStream};
pub use endpoint::{Endpoint, EndpointError};
pub use framing::{Framing, FramingError};
#[cfg(feature = "stream")]
pub use stream::{open_io, serve_io, serve_stdio, StreamConfig, StreamServer};
pub use tls::{TlsFiles, TlsReloader};

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
