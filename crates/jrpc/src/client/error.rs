//! The client's one error type: what the server answered is kept apart from what went wrong on the
//! way there.

use std::fmt;
use std::time::Duration;

use crate::wire::ErrorObject;

/// Why a call, notification or batch failed.
///
/// Ask it with the `is_*` questions; [`Error::remote`] gives the server's error object (code,
/// message and data) when the server answered with one. The message text is not an API.
pub struct Error {
    kind: Box<Kind>,
}

enum Kind {
    Remote(ErrorObject),
    Transport(String),
    Timeout(Duration),
    Closed,
    InvalidReply(String),
    Decode(serde_json::Error),
    Params(String),
    Config(String),
    Lagged,
}

impl Error {
    fn new(kind: Kind) -> Error {
        Error { kind: Box::new(kind) }
    }

    pub(crate) fn remote(error: ErrorObject) -> Error {
        Error::new(Kind::Remote(error))
    }

    pub(crate) fn transport(reason: impl fmt::Display) -> Error {
        Error::new(Kind::Transport(reason.to_string()))
    }

    pub(crate) fn timeout(after: Duration) -> Error {
        Error::new(Kind::Timeout(after))
    }

    pub(crate) fn closed() -> Error {
        Error::new(Kind::Closed)
    }

    pub(crate) fn invalid_reply(reason: impl fmt::Display) -> Error {
        Error::new(Kind::InvalidReply(reason.to_string()))
    }

    pub(crate) fn decode(error: serde_json::Error) -> Error {
        Error::new(Kind::Decode(error))
    }

    pub(crate) fn params(reason: impl fmt::Display) -> Error {
        Error::new(Kind::Params(reason.to_string()))
    }

    pub(crate) fn config(reason: impl fmt::Display) -> Error {
        Error::new(Kind::Config(reason.to_string()))
    }

    pub(crate) fn lagged() -> Error {
        Error::new(Kind::Lagged)
    }

    /// The server's error object, when the server answered the call with an error.
    pub fn remote_error(&self) -> Option<&ErrorObject> {
        match &*self.kind {
            Kind::Remote(error) => Some(error),
            _ => None,
        }
    }

    /// The server answered with a JSON-RPC error.
    pub fn is_remote(&self) -> bool {
        matches!(*self.kind, Kind::Remote(_))
    }

    /// The message could not be delivered or its reply not received (connection refused, reset,
    /// HTTP status without a JSON-RPC body, TLS failure...).
    pub fn is_transport(&self) -> bool {
        matches!(*self.kind, Kind::Transport(_))
    }

    /// No reply came within the call's timeout; the connection stays usable.
    pub fn is_timeout(&self) -> bool {
        matches!(*self.kind, Kind::Timeout(_))
    }

    /// The connection closed before the reply came.
    pub fn is_closed(&self) -> bool {
        matches!(*self.kind, Kind::Closed)
    }

    /// The server's reply is not valid JSON-RPC (not JSON, breaks section 5, wrong id, missing).
    pub fn is_invalid_reply(&self) -> bool {
        matches!(*self.kind, Kind::InvalidReply(_))
    }

    /// The result is valid JSON-RPC but does not fit the type asked for.
    pub fn is_decode(&self) -> bool {
        matches!(*self.kind, Kind::Decode(_))
    }

    /// The params could not be written as a JSON array or object.
    pub fn is_params(&self) -> bool {
        matches!(*self.kind, Kind::Params(_))
    }

    /// The client was set up wrongly (unknown URL scheme, bad header, unreadable certificate).
    pub fn is_config(&self) -> bool {
        matches!(*self.kind, Kind::Config(_))
    }

    /// A subscription's receiver fell behind its buffer, so the subscription was dropped.
    pub fn is_lagged(&self) -> bool {
        matches!(*self.kind, Kind::Lagged)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.kind {
            Kind::Remote(error) => write!(f, "the server answered with an error: {error}"),
            Kind::Transport(reason) => write!(f, "transport error: {reason}"),
            Kind::Timeout(after) => write!(f, "no reply within {after:?}"),
            Kind::Closed => f.write_str("the connection closed before the reply came"),
            Kind::InvalidReply(reason) => write!(f, "invalid reply from the server: {reason}"),
            Kind::Decode(error) => write!(f, "the result does not have the expected type: {error}"),
            Kind::Params(reason) => write!(f, "invalid params: {reason}"),
            Kind::Config(reason) => write!(f, "{reason}"),
            Kind::Lagged => f.write_str("the subscription fell behind its buffer and was dropped"),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("jrpc::client::Error")
            .field(&self.to_string())
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &*self.kind {
            Kind::Decode(error) => Some(error),
            _ => None,
        }
    }
}
