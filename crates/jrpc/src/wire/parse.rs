//! Requests: bytes in, borrowed [`Request`]s out, validated exactly as the specification says.

use std::borrow::Cow;
use std::fmt;

use super::fields::{self, kind_of, string_value, Fields, JsonKind, TopLevel};
use super::{ErrorCode, ErrorObject, Version};

/// Settings that change how requests are read.
#[derive(Debug, Clone)]
pub struct ParseOptions {
    /// Answer JSON-RPC 1.0 requests (no `jsonrpc` member) in 1.0 form instead of rejecting them.
    pub accept_v1: bool,
    /// The most elements a batch may have.
    pub max_batch_len: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            accept_v1: false,
            max_batch_len: 1000,
        }
    }
}

/// A valid call or notification, borrowing from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    /// The method name, after JSON unescaping.
    pub method: Cow<'a, str>,
    /// The raw JSON text of `params` (an array or an object), if present.
    pub params: Option<&'a str>,
    /// The raw JSON text of `id`, exactly as sent; `None` makes a notification.
    pub id: Option<&'a str>,
    /// The protocol version the request was written in.
    pub version: Version,
}

impl Request<'_> {
    /// True when no response may be sent (section 4.1).
    pub fn is_notification(&self) -> bool {
        self.id.is_none()
    }
}

/// A value that is valid JSON but not a valid Request object: it is answered with -32600.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRequest<'a> {
    /// The id, when one could be detected and is of a valid type; otherwise the answer carries `null`.
    pub id: Option<&'a str>,
    /// The version to answer in.
    pub version: Version,
    /// Which rule the request breaks, for logs and tools.
    pub reason: &'static str,
}

impl InvalidRequest<'_> {
    /// The error object sent for it.
    pub fn error(&self) -> ErrorObject {
        ErrorObject::standard(ErrorCode::InvalidRequest)
    }
}

/// What one message holds: a single request or a batch, each element valid or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming<'a> {
    /// One request object (or one value that should have been one).
    Single(Result<Request<'a>, InvalidRequest<'a>>),
    /// A non-empty batch, elements in the order sent.
    Batch(Vec<Result<Request<'a>, InvalidRequest<'a>>>),
}

/// A message that is rejected as a whole and answered with a single error object with id `null`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// Not valid JSON (or not UTF-8): -32700.
    Parse(String),
    /// `[]`: -32600 (section 6).
    EmptyBatch,
    /// A batch longer than the configured maximum: -32600.
    BatchTooLong { len: usize, max: usize },
}

impl RequestError {
    /// The error object sent for it. Limits carry `data` that says which limit was hit.
    pub fn error(&self) -> ErrorObject {
        match self {
            RequestError::Parse(_) => ErrorObject::standard(ErrorCode::ParseError),
            RequestError::EmptyBatch => ErrorObject::standard(ErrorCode::InvalidRequest),
            RequestError::BatchTooLong { len, max } => ErrorObject::standard(ErrorCode::InvalidRequest)
                .with_data(format!("batch of {len} requests exceeds the limit of {max}")),
        }
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::Parse(detail) => write!(f, "invalid JSON: {detail}"),
            RequestError::EmptyBatch => f.write_str("empty batch"),
            RequestError::BatchTooLong { len, max } => {
                write!(f, "batch of {len} requests exceeds the limit of {max}")
            }
        }
    }
}

impl std::error::Error for RequestError {}

/// Parses one message (a request, a notification or a batch) from JSON text.
pub fn parse_incoming<'a>(input: &'a str, options: &ParseOptions) -> Result<Incoming<'a>, RequestError> {
    let top = fields::parse_top_level(input).map_err(|e| RequestError::Parse(e.to_string()))?;
    match top {
        TopLevel::Single(fields) => Ok(Incoming::Single(validate(fields, options))),
        TopLevel::Batch(elements) if elements.is_empty() => Err(RequestError::EmptyBatch),
        TopLevel::Batch(elements) if elements.len() > options.max_batch_len => {
            Err(RequestError::BatchTooLong {
                len: elements.len(),
                max: options.max_batch_len,
            })
        }
        TopLevel::Batch(elements) => Ok(Incoming::Batch(
            elements.into_iter().map(|f| validate(f, options)).collect(),
        )),
    }
}

/// Applies the rules of section 4 to the members of one value.
fn validate<'a>(fields: Fields<'a>, options: &ParseOptions) -> Result<Request<'a>, InvalidRequest<'a>> {
    let invalid = |id, version, reason| Err(InvalidRequest { id, version, reason });
    if !fields.is_object {
        return invalid(None, Version::V2, "a request must be an object (spec 4)");
    }
    let version = match fields.jsonrpc {
        None if options.accept_v1 => Version::V1,
        _ => Version::V2,
    };
    let id = match fields.id {
        None => None,
        Some(raw) => match kind_of(raw) {
            JsonKind::String | JsonKind::Number | JsonKind::Null => Some(raw.get()),
            _ => return invalid(None, version, "id must be a string, a number or null (spec 4)"),
        },
    };
    if fields.duplicate {
        return invalid(id, version, "a member appears more than once");
    }
    if fields.method.is_none() && (fields.result.is_some() || fields.error.is_some()) {
        return invalid(id, version, "a response was sent where a request was expected");
    }
    match fields.jsonrpc {
        Some(raw) if string_value(raw).as_deref() == Some("2.0") => {}
        Some(_) => return invalid(id, version, "jsonrpc must be exactly \"2.0\" (spec 4)"),
        None if options.accept_v1 => {}
        None => return invalid(id, version, "the jsonrpc member is missing (spec 4)"),
    }
    let Some(method) = fields.method.and_then(string_value) else {
        return invalid(id, version, "method must be a string (spec 4)");
    };
    let params = match fields.params {
        None => None,
        Some(raw) => match kind_of(raw) {
            JsonKind::Array | JsonKind::Object => Some(raw.get()),
            _ => return invalid(id, version, "params must be an array or an object (spec 4.2)"),
        },
    };
    // In 1.0 a null id marks a notification; in 2.0 only a missing id does.
    let id = match (version, id) {
        (Version::V1, Some("null")) => None,
        (_, id) => id,
    };
    Ok(Request {
        method,
        params,
        id,
        version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(input: &str) -> Result<Incoming<'_>, RequestError> {
        parse_incoming(input, &ParseOptions::default())
    }

    fn single(input: &str) -> Result<Request<'_>, InvalidRequest<'_>> {
        match parse(input).expect("valid JSON") {
            Incoming::Single(request) => request,
            Incoming::Batch(_) => panic!("expected a single request"),
        }
    }

    #[test]
    fn a_call_borrows_its_members() {
        let request =
            single(r#"{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}"#).unwrap();
        assert_eq!(request.method, "subtract");
        assert!(matches!(request.method, Cow::Borrowed(_)));
        assert_eq!(request.params, Some("[42, 23]"));
        assert_eq!(request.id, Some("1"));
        assert_eq!(request.version, Version::V2);
    }

    #[test]
    fn ids_are_kept_byte_exact() {
        for id in [
            "123456789012345678901234567890",
            "-7",
            "1.50",
            "1e400",
            r#""a\"b\u00e9""#,
            "null",
        ] {
            let input = format!(r#"{{"jsonrpc":"2.0","method":"m","id":{id}}}"#);
            assert_eq!(single(&input).unwrap().id, Some(id), "{input}");
        }
    }

    #[test]
    fn ids_of_other_types_make_the_request_invalid() {
        for id in ["{}", "[1]", "true", "false"] {
            let input = format!(r#"{{"jsonrpc":"2.0","method":"m","id":{id}}}"#);
            let invalid = single(&input).unwrap_err();
            assert_eq!(invalid.id, None, "{input}");
        }
    }

    #[test]
    fn method_names_are_unescaped_and_case_sensitive() {
        let request = single(r#"{"jsonrpc":"2.0","method":"sub\u0074ract","id":1}"#).unwrap();
        assert_eq!(request.method, "subtract");
        let request = single(r#"{"jsonrpc":"2.0","method":"Subtract","id":1}"#).unwrap();
        assert_eq!(request.method, "Subtract");
    }

    #[test]
    fn member_names_are_unescaped() {
        let request = single(r#"{"jsonrpc":"2.0","m\u0065thod":"x","id":1}"#).unwrap();
        assert_eq!(request.method, "x");
    }

    #[test]
    fn version_must_be_the_string_2_0() {
        for version in [r#""2.00""#, "2.0", r#""1.0""#, "null", r#""2""#] {
            let input = format!(r#"{{"jsonrpc":{version},"method":"m","id":1}}"#);
            let invalid = single(&input).unwrap_err();
            assert_eq!(invalid.id, Some("1"), "{input}");
        }
        assert!(single(r#"{"jsonrpc":"2\u002e0","method":"m","id":1}"#).is_ok());
    }

    #[test]
    fn missing_version_is_invalid_unless_1_0_is_accepted() {
        let input = r#"{"method":"m","params":[1],"id":null}"#;
        assert!(single(input).is_err());
        let options = ParseOptions {
            accept_v1: true,
            ..ParseOptions::default()
        };
        let Incoming::Single(Ok(request)) = parse_incoming(input, &options).unwrap() else {
            panic!()
        };
        assert_eq!(request.version, Version::V1);
        assert!(request.is_notification(), "a 1.0 null id is a notification");
    }

    #[test]
    fn null_id_is_a_call_and_missing_id_a_notification() {
        assert_eq!(
            single(r#"{"jsonrpc":"2.0","method":"m","id":null}"#).unwrap().id,
            Some("null")
        );
        assert!(single(r#"{"jsonrpc":"2.0","method":"m"}"#)
            .unwrap()
            .is_notification());
    }

    #[test]
    fn params_must_be_structured() {
        for params in ["1", r#""bar""#, "null", "true"] {
            let input = format!(r#"{{"jsonrpc":"2.0","method":"m","params":{params},"id":1}}"#);
            assert!(single(&input).is_err(), "{input}");
        }
        assert!(single(r#"{"jsonrpc":"2.0","method":"m","params":{},"id":1}"#).is_ok());
        assert!(single(r#"{"jsonrpc":"2.0","method":"m","params":[],"id":1}"#).is_ok());
    }

    #[test]
    fn duplicate_members_are_rejected() {
        assert!(single(r#"{"jsonrpc":"2.0","method":"a","method":"b","id":1}"#).is_err());
    }

    #[test]
    fn unknown_members_are_ignored() {
        assert!(single(r#"{"jsonrpc":"2.0","method":"a","x":{"deep":[1e400]},"id":1}"#).is_ok());
    }

    #[test]
    fn whole_message_errors() {
        assert!(matches!(parse("[]"), Err(RequestError::EmptyBatch)));
        assert!(matches!(parse(" [ ] "), Err(RequestError::EmptyBatch)));
        assert!(matches!(
            parse(r#"{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]"#),
            Err(RequestError::Parse(_))
        ));
        assert!(matches!(parse(""), Err(RequestError::Parse(_))));
        assert!(matches!(
            parse(r#"{"jsonrpc":"2.0","method":"m"} x"#),
            Err(RequestError::Parse(_))
        ));
        let options = ParseOptions {
            max_batch_len: 2,
            ..ParseOptions::default()
        };
        assert!(matches!(
            parse_incoming("[1,2,3]", &options),
            Err(RequestError::BatchTooLong { len: 3, max: 2 })
        ));
    }

    #[test]
    fn non_objects_are_invalid_requests_not_parse_errors() {
        for input in ["1", "1e400", "\"x\"", "null", "true"] {
            assert!(matches!(parse(input), Ok(Incoming::Single(Err(_)))), "{input}");
        }
        let Incoming::Batch(elements) = parse("[1, 1e400, [], null, {}]").unwrap() else {
            panic!()
        };
        assert_eq!(elements.len(), 5);
        assert!(elements.iter().all(Result::is_err));
    }
}
