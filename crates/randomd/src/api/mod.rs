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
pub mod release4;

use std::sync::Arc;

use jrpc::Methods;

use crate::app::App;

/// A release of the API this service speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// Release 1, the API of the reference.
    One,
    /// Release 2: served with Release 4's methods (a superset its clients accept).
    Two,
    /// Release 4, the API of today's official clients.
    Four,
}

impl Release {
    /// Every release served, each on its own path.
    pub const ALL: [Release; 3] = [Release::One, Release::Two, Release::Four];

    /// The path its methods are called on.
    pub fn path(self) -> &'static str {
        match self {
            Release::One => release1::PATH,
            Release::Two => release4::PATH_2,
            Release::Four => release4::PATH,
        }
    }

    /// Its methods, over `app`.
    pub fn methods(self, app: Arc<App>) -> Methods {
        match self {
            Release::One => release1::methods(app),
            Release::Two | Release::Four => {
                let mut methods = Methods::new();
                methods.merge(release4::methods(app));
                methods
            }
        }
    }

    /// From Release 2 on, the request must be declared `application/json` (else 415), and
    /// notifications are answered 204 (as for Release 1: the server answers them with nothing).
    pub fn media_types(self) -> jrpc::http::MediaTypes {
        match self {
            Release::One => jrpc::http::MediaTypes::Lenient,
            Release::Two | Release::Four => jrpc::http::MediaTypes::JsonOnly,
        }
    }

    /// The most elements of a batch: Release 1 keeps the general server's (unchanged), later
    /// releases refuse every batch with one -32600, as the reference says they do not support them.
    pub fn max_batch_len(self, general: usize) -> usize {
        match self {
            Release::One => general,
            Release::Two | Release::Four => 0,
        }
    }
}

/// Release 1's methods over `app` (the API of [`crate::RPC_PATH`]).
pub fn methods(app: Arc<App>) -> Methods {
    Release::One.methods(app)
}
