//! The service's error codes and messages, as RANDOM.ORG sends them (no trailing periods), and the
//! one mapping of the domain's and the app's errors to them.

use jrpc::ErrorObject;
use serde_json::{json, Value};

use crate::app::{AppError, TicketProblem};
use crate::domain::Invalid;
use crate::quota::Refusal;

/// A broken rule of a request, as RANDOM.ORG words it.
pub fn invalid(invalid: Invalid) -> ErrorObject {
    match invalid {
        Invalid::IllegalValue { param } => illegal_value(param),
        Invalid::OutOfRange { param, min, max } => out_of_range(param, min, max),
        Invalid::TooLong { param, length, max } => too_long(param, length, max),
        Invalid::TooShort { param, length, min } => too_short(param, length, min),
        Invalid::MustBeLess { first, second } => must_be_less(first, second),
        Invalid::DomainTooSmall { n, domain } => domain_too_small(n, domain),
        Invalid::TooLarge { size, max } => too_large(size, max),
    }
}

/// A refused request, as RANDOM.ORG words it.
pub fn refused(refusal: Refusal) -> ErrorObject {
    match refusal {
        Refusal::NoSuchKey => no_such_key(),
        Refusal::NotRunning => key_not_running(),
        Refusal::OutOfRequests { required, left } => out_of_requests(required, left),
        Refusal::OutOfBits { required, left } => out_of_bits(required, left),
    }
}

impl From<Invalid> for ErrorObject {
    fn from(error: Invalid) -> Self {
        invalid(error)
    }
}

impl From<AppError> for ErrorObject {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Refused(refusal) => refused(refusal),
            AppError::Unavailable => offline(),
            AppError::Ticket(problem) => ticket(problem),
            AppError::NoSuchResult(serial) => not_found(&serial.to_string()),
            AppError::Internal(reason) => ErrorObject::internal(reason),
        }
    }
}

/// -32602 Invalid params, with `data: null` as the real service sends it.
pub fn invalid_params() -> ErrorObject {
    ErrorObject::new(-32602, "Invalid params").with_data(Value::Null)
}

/// 101: the service cannot serve now (unhealthy entropy, store unreachable).
pub fn offline() -> ErrorObject {
    ErrorObject::new(101, "Service offline; please try again later")
}

/// 200: a parameter has the wrong type or shape.
pub fn malformed(param: &str) -> ErrorObject {
    ErrorObject::new(200, format!("Parameter '{param}' is malformed")).with_data([param])
}

/// 201: a parameter has a value outside its allowed set.
pub fn illegal_value(param: &str) -> ErrorObject {
    ErrorObject::new(201, format!("Parameter '{param}' has illegal value")).with_data([param])
}

/// 202: a number outside its range.
pub fn out_of_range(param: &str, min: impl Into<Value>, max: impl Into<Value>) -> ErrorObject {
    let (min, max) = (min.into(), max.into());
    ErrorObject::new(
        202,
        format!("Parameter '{param}' is out of range; allowable values are [{min},{max}]"),
    )
    .with_data(json!([param, min, max]))
}

/// 203: a string too long.
pub fn too_long(param: &str, length: usize, max: usize) -> ErrorObject {
    ErrorObject::new(
        203,
        format!("Parameter '{param}' has length {length}, which is too long; maximum length is {max}"),
    )
    .with_data(json!([param, length, max]))
}

/// 204: a string too short.
pub fn too_short(param: &str, length: usize, min: usize) -> ErrorObject {
    ErrorObject::new(
        204,
        format!("Parameter '{param}' has length {length}, which is too short; minimum length is {min}"),
    )
    .with_data(json!([param, length, min]))
}

/// 300: `min` above `max`.
pub fn must_be_less(first: &str, second: &str) -> ErrorObject {
    ErrorObject::new(
        300,
        format!("Parameter '{first}' must be less than parameter '{second}'"),
    )
    .with_data([first, second])
}

/// 301: more distinct values asked for than the domain holds.
pub fn domain_too_small(n: i64, domain: impl Into<Value>) -> ErrorObject {
    let domain = domain.into();
    ErrorObject::new(
        301,
        format!("You requested {n} values without replacement but the domain you specified only contains {domain}"),
    )
    .with_data(json!([n, domain]))
}

/// 304: the response would be too large.
pub fn too_large(size: i64, max: i64) -> ErrorObject {
    ErrorObject::new(
        304,
        format!("The resulting data's size would be {size}, which exceeds the maximum of {max}"),
    )
    .with_data([size, max])
}

/// The codes of a failed authentication (an unknown or a stopped key), which the limiter counts.
pub const AUTHENTICATION_CODES: &[i64] = &[400, 401];

/// 429 (randomd's own; not a RANDOM.ORG code): too many calls with unknown or stopped keys from
/// this address. RANDOM.ORG's clients treat an unknown code as a plain error (unlike 402, after
/// which they stop calling until midnight UTC); `data` says when to call again, in the units of
/// `advisoryDelay` (milliseconds) and of HTTP's `Retry-After` (whole seconds).
pub fn too_many_failures(wait: std::time::Duration) -> ErrorObject {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    ErrorObject::new(
        429,
        format!("Too many calls with unknown or stopped API keys from your address; try again in {seconds} seconds"),
    )
    .with_data(json!({"advisoryDelay": wait.as_millis() as u64, "retryAfter": seconds}))
}

/// 400: no such key.
pub fn no_such_key() -> ErrorObject {
    ErrorObject::new(400, "The API key you specified does not exist")
}

/// 401: the key is paused or stopped.
pub fn key_not_running() -> ErrorObject {
    ErrorObject::new(401, "The API key you specified is not running")
}

/// 402: out of requests for today.
pub fn out_of_requests(required: i64, left: i64) -> ErrorObject {
    ErrorObject::new(
        402,
        format!("The operation requires {required} requests, but the API key only has {left} left"),
    )
    .with_data([required, left])
}

/// 403: out of bits for today.
pub fn out_of_bits(required: i64, left: i64) -> ErrorObject {
    ErrorObject::new(
        403,
        format!("The operation requires {required} bits, but the API key only has {left} left"),
    )
    .with_data([required, left])
}

/// 303: no such resource (a signed result's serial number).
pub fn not_found(id: &str) -> ErrorObject {
    ErrorObject::new(303, format!("The resource identified by '{id}' was not found")).with_data([id])
}

/// 420, 421, 422 and 426: a ticket that cannot be used or revealed (`data: null`).
pub fn ticket(problem: TicketProblem) -> ErrorObject {
    let (code, message) = match problem {
        TicketProblem::NotFound => (420, "The ticket you specified does not exist"),
        TicketProblem::OtherKey => (
            421,
            "The ticket you specified exists but is not for the API key you specified",
        ),
        TicketProblem::AlreadyUsed => (422, "The ticket you specified has already been used"),
        TicketProblem::NotYetUsed => (426, "The ticket you specified has not yet been used"),
    };
    ErrorObject::new(code, message).with_data(Value::Null)
}

/// 425: licenseData sent for a key whose licence takes none (every key of this service).
pub fn license_data_not_allowed() -> ErrorObject {
    ErrorObject::new(425, "The API key you specified does not permit licenseData").with_data(Value::Null)
}
