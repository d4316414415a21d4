//! The RANDOM.ORG JSON-RPC API over the app: each release at its own path, with its own methods,
//! params and result objects, sharing the app (keys, quotas, signing key), the domain's requests,
//! the params reader and the error codes.
//!
//! A release module reads params into domain requests, calls the app, and writes the app's
//! domain results as that release's result objects; [`errors`] maps domain and app errors to
//! RANDOM.ORG's codes and messages. Nothing below this layer knows JSON-RPC.

pub mod errors;
mod params;
pub mod release1;

use std::sync::Arc;

use jrpc::Methods;

use crate::app::App;

/// A release of the API this service speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// Release 1, the API of the reference.
    One,
}

impl Release {
    /// Every release served, each on its own path.
    pub const ALL: [Release; 1] = [Release::One];

    /// The path its methods are called on.
    pub fn path(self) -> &'static str {
        match self {
            Release::One => release1::PATH,
        }
    }

    /// Its methods, over `app`.
    pub fn methods(self, app: Arc<App>) -> Methods<App> {
        match self {
            Release::One => release1::methods(app),
        }
    }
}

/// Release 1's methods over `app` (the API of [`crate::RPC_PATH`]).
pub fn methods(app: Arc<App>) -> Methods<App> {
    Release::One.methods(app)
}
