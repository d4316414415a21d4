//! A JSON-RPC 2.0 toolkit: a sans-io wire layer, a typed method registry with tower middleware,
//! and transports.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! let mut methods = jrpc::Methods::new();
//! methods.method("subtract", ["minuend", "subtrahend"], |a: i64, b: i64| a - b);
//! let server = jrpc::Server::new(methods);
//! let running = jrpc::http::HttpServer::bind("127.0.0.1:8545", server, jrpc::http::HttpConfig::default()).await?;
//! running.wait().await;
//! # Ok(()) }
//! ```

#[cfg(feature = "client")]
pub mod client;
pub mod openrpc;
pub mod script;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "macros")]
pub mod subscription;
#[cfg(feature = "server")]
pub mod transport;
pub mod wire;

#[cfg(feature = "http")]
pub use transport::http;

/// Defines a JSON-RPC API once, as a trait: `#[jrpc::rpc]` generates its server registration, its
/// OpenRPC description and a typed client (see the crate `jrpc-macros` and the README).
#[cfg(feature = "macros")]
pub use jrpc_macros::rpc;

#[doc(hidden)]
#[path = "macro_support.rs"]
pub mod __private;

/// The `schemars` this crate derives schemas with (`#[schemars(crate = "jrpc::schemars")]` lets a
/// type derive `JsonSchema` without depending on it separately).
#[cfg(feature = "server")]
pub use schemars;
#[cfg(feature = "server")]
pub use server::{Call, Extension, Json, Limits, Methods, Params, Reply, Server, ServerBuilder, State};
pub use wire::{ErrorCode, ErrorObject};

/// The README's Rust examples, compiled as doctests so they stay true.
#[cfg(all(
    doctest,
    feature = "client",
    feature = "http",
    feature = "ws",
    feature = "stream",
    feature = "tls"
))]
#[doc = include_str!("../../../README.md")]
struct ReadmeExamples;
