//! Exit statuses and the one error type every command returns.
//!
//! Each failure maps to exactly one status, so scripts can tell a JSON-RPC error reply (the server
//! answered, with an error) from bad input, from a server that could not be reached, from a server
//! that answered with something that is not JSON-RPC.

use std::fmt;
use std::process::ExitCode;

/// The exit statuses of `jrpc`, documented in `jrpc --help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// 0: success (for `check`: every message is valid, warnings allowed).
    Ok = 0,
    /// 1: the server answered with a JSON-RPC error response.
    RpcError = 1,
    /// 2: usage error or bad input on our side (arguments, parameters, URL, unreadable file).
    Usage = 2,
    /// 3: transport failure: connection refused, reset, timed out, unreachable.
    Transport = 3,
    /// 4: the peer answered with something that is not a valid JSON-RPC reply (garbage).
    InvalidReply = 4,
    /// 5: `check` found at least one invalid message; `conform`: at least one MUST rule failed.
    Invalid = 5,
}

/// The text for `--help`: keep it in step with [`Status`].
pub const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  success (check: every message valid; warnings do not fail)
  1  the server answered with a JSON-RPC error response
  2  usage error or bad input: arguments, parameters, URL, unreadable file
  3  transport failure: connection refused or reset, unreachable, timed out
  4  the server replied with something that is not valid JSON-RPC (garbage)
  5  check: at least one message is invalid; conform: at least one MUST rule failed";

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        ExitCode::from(status as u8)
    }
}

/// A failure of a command: one line of text and the status to exit with.
#[derive(Debug)]
pub struct CliError {
    status: Status,
    message: String,
}

impl CliError {
    /// Bad arguments or input (status 2).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError::new(Status::Usage, message)
    }

    /// The peer could not be reached or the connection failed (status 3).
    pub fn transport(message: impl Into<String>) -> Self {
        CliError::new(Status::Transport, message)
    }

    /// The peer answered with something that is not JSON-RPC (status 4).
    pub fn invalid_reply(message: impl Into<String>) -> Self {
        CliError::new(Status::InvalidReply, message)
    }

    /// Any status with a message.
    pub fn new(status: Status, message: impl Into<String>) -> Self {
        CliError {
            status,
            message: message.into(),
        }
    }

    /// The status to exit with.
    pub fn status(&self) -> Status {
        self.status
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One line, always: newlines from underlying errors are folded.
        let mut first = true;
        for line in self.message.lines() {
            if !first {
                f.write_str(" ")?;
            }
            f.write_str(line.trim())?;
            first = false;
        }
        Ok(())
    }
}

impl std::error::Error for CliError {}

/// What a command produced when it did not fail outright.
pub type CliResult = Result<Status, CliError>;
