//! Transports move messages between peers and a [`crate::Server`]; they never interpret JSON-RPC.

#[cfg(feature = "http")]
pub mod http;
