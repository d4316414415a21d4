//! The wire layer: bytes to JSON-RPC messages and back, with no I/O and no async.
//!
//! Parsing borrows from the input: method names, params and ids are slices of the text the peer sent,
//! so ids are echoed byte-exact and params are deserialized once, straight into the handler's types.

mod depth;
mod error;
mod fields;
mod parse;
mod response;
pub mod rules;
mod write;

pub use depth::nesting_depth_exceeds;
pub use error::{ErrorCode, ErrorObject};
pub use parse::{parse_incoming, Incoming, InvalidRequest, ParseOptions, Request, RequestError};
pub use response::{classify_inbound, parse_responses, Inbound, Response, ResponseError, Responses};
pub use write::{write_batch, write_error_response, write_request, write_result_response, RequestWriteError};

/// The protocol version of a request, which decides the shape of its response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// JSON-RPC 2.0: `"jsonrpc": "2.0"` and exactly one of `result` / `error`.
    V2,
    /// JSON-RPC 1.0 (compatibility mode only): no `jsonrpc` member, `result` and `error` both present.
    V1,
}

/// The raw text of the `null` id, used when the id of a request could not be detected.
pub const NULL_ID: &str = "null";
