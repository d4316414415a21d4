//! Why the service could not do what a request asked: the app's errors, with no protocol in them.

use std::fmt;

use crate::quota::Refusal;

/// A request the service could not serve. Each release of the API maps it to its own error codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppError {
    /// The key does not exist, is not running, or lacks the allowance: nothing was billed.
    Refused(Refusal),
    /// The service cannot serve now: the entropy source failed its health tests or the store is
    /// unreachable. The cause was logged where it happened.
    Unavailable,
    /// A ticket that cannot be used or shown as asked.
    Ticket(TicketProblem),
    /// No signed result with this serial number for this key.
    NoSuchResult(i64),
    /// A failure of the service itself (a task that died, a signature that could not be made).
    Internal(String),
}

/// Why a ticket could not be used or revealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketProblem {
    NotFound,
    OtherKey,
    AlreadyUsed,
    NotYetUsed,
}

impl From<Refusal> for AppError {
    fn from(refusal: Refusal) -> Self {
        AppError::Refused(refusal)
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Refused(refusal) => write!(f, "refused: {refusal:?}"),
            AppError::Unavailable => f.write_str("service unavailable"),
            AppError::Ticket(problem) => write!(f, "ticket: {problem:?}"),
            AppError::NoSuchResult(serial) => write!(f, "no signed result {serial}"),
            AppError::Internal(reason) => write!(f, "internal error: {reason}"),
        }
    }
}

impl std::error::Error for AppError {}
