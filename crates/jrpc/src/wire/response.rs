//! Responses read back from a peer (for clients and checking tools), validated as section 5 says.

use std::fmt;

use serde_json::value::RawValue;

use super::fields::{self, kind_of, string_value, Fields, JsonKind, TopLevel};
use super::{ErrorObject, Version};

/// A valid response, borrowing from the input.
#[derive(Debug, Clone, PartialEq)]
pub struct Response<'a> {
    /// The raw JSON text of `id`, exactly as sent (`null` when the server could not detect it).
    pub id: &'a str,
    /// The raw JSON text of `result`, or the error object.
    pub outcome: Result<&'a str, ErrorObject>,
    /// The version the response was written in.
    pub version: Version,
}

/// One response, or a batch of them with each element judged on its own.
#[derive(Debug, Clone, PartialEq)]
pub enum Responses<'a> {
    Single(Response<'a>),
    Batch(Vec<Result<Response<'a>, ResponseError>>),
}

/// Why a reply is not a valid response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseError {
    reason: String,
    id: Option<String>,
}

impl ResponseError {
    fn new(reason: impl Into<String>) -> Self {
        ResponseError {
            reason: reason.into(),
            id: None,
        }
    }

    fn for_id(mut self, id: Option<&RawValue>) -> Self {
        self.id = id
            .filter(|raw| matches!(kind_of(raw), JsonKind::String | JsonKind::Number))
            .map(|raw| raw.get().to_owned());
        self
    }

    /// The rule the response breaks.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The raw id of the broken response, when it has a usable one: tells a client which call it
    /// was meant to answer.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for ResponseError {}

/// Parses a reply: one response object or a batch of them.
pub fn parse_responses(input: &str) -> Result<Responses<'_>, ResponseError> {
    let top = fields::parse_top_level(input).map_err(|e| ResponseError::new(format!("invalid JSON: {e}")))?;
    responses_of(top)
}

/// A message arriving at a client over a persistent connection.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound<'a> {
    /// A response or a batch of responses (each judged as [`parse_responses`] does).
    Responses(Result<Responses<'a>, ResponseError>),
    /// A notification from the server (a request without an id).
    Notification {
        /// The method name, unescaped.
        method: std::borrow::Cow<'a, str>,
        /// The raw params, if any.
        params: Option<&'a str>,
    },
    /// A call or a batch from the server, for the client's own method handlers.
    Requests,
    /// Not JSON at all.
    Invalid(ResponseError),
}

/// Sorts what a server sent on a persistent connection, parsing it once: a message with a `method`
/// member is the server's own request; anything else is read as a response.
pub fn classify_inbound(input: &str) -> Inbound<'_> {
    let top = match fields::parse_top_level(input) {
        Ok(top) => top,
        Err(e) => return Inbound::Invalid(ResponseError::new(format!("invalid JSON: {e}"))),
    };
    match &top {
        TopLevel::Single(fields) if fields.method.is_some() => {
            let method = fields.method.and_then(string_value);
            match (method, fields.id) {
                (Some(method), None) if fields.is_object => Inbound::Notification {
                    method,
                    params: fields.params.map(RawValue::get),
                },
                _ => Inbound::Requests,
            }
        }
        TopLevel::Batch(elements) if elements.iter().any(|element| element.method.is_some()) => {
            Inbound::Requests
        }
        _ => Inbound::Responses(responses_of(top)),
    }
}

fn responses_of(top: TopLevel<'_>) -> Result<Responses<'_>, ResponseError> {
    match top {
        TopLevel::Single(fields) => validate(fields).map(Responses::Single),
        TopLevel::Batch(elements) if elements.is_empty() => Err(ResponseError::new(
            "an empty array is never a valid reply (spec 6)",
        )),
        TopLevel::Batch(elements) => Ok(Responses::Batch(elements.into_iter().map(validate).collect())),
    }
}

fn validate(fields: Fields<'_>) -> Result<Response<'_>, ResponseError> {
    let id = fields.id;
    validate_fields(fields).map_err(|error| error.for_id(id))
}

fn validate_fields(fields: Fields<'_>) -> Result<Response<'_>, ResponseError> {
    if !fields.is_object {
        return Err(ResponseError::new("a response must be an object (spec 5)"));
    }
    if fields.duplicate {
        return Err(ResponseError::new("a member appears more than once"));
    }
    let version = match fields.jsonrpc {
        Some(raw) if string_value(raw).as_deref() == Some("2.0") => Version::V2,
        Some(_) => return Err(ResponseError::new("jsonrpc must be exactly \"2.0\" (spec 5)")),
        None => Version::V1,
    };
    let id = match fields.id {
        Some(raw) if matches!(kind_of(raw), JsonKind::String | JsonKind::Number | JsonKind::Null) => {
            raw.get()
        }
        Some(_) => {
            return Err(ResponseError::new(
                "id must be a string, a number or null (spec 5)",
            ))
        }
        None => return Err(ResponseError::new("the id member is required (spec 5)")),
    };
    let is_null = |raw: &serde_json::value::RawValue| kind_of(raw) == JsonKind::Null;
    let (result, error) = match version {
        // 1.0 carries both members, one of them null.
        Version::V1 => match (fields.result, fields.error) {
            (Some(result), Some(error)) if is_null(error) => (Some(result), None),
            (Some(result), Some(error)) if is_null(result) => (None, Some(error)),
            _ => return Err(ResponseError::new("the jsonrpc member is missing (spec 5)")),
        },
        Version::V2 => (fields.result, fields.error),
    };
    let outcome = match (result, error) {
        (Some(result), None) => Ok(result.get()),
        (None, Some(error)) => Err(parse_error_object(error.get())?),
        (Some(_), Some(_)) => {
            return Err(ResponseError::new(
                "result and error must not both be present (spec 5)",
            ))
        }
        (None, None) => return Err(ResponseError::new("either result or error is required (spec 5)")),
    };
    Ok(Response { id, outcome, version })
}

fn parse_error_object(raw: &str) -> Result<ErrorObject, ResponseError> {
    let value: serde_json::Value =
        serde_json::from_str(raw).map_err(|e| ResponseError::new(e.to_string()))?;
    let Some(object) = value.as_object() else {
        return Err(ResponseError::new("error must be an object (spec 5.1)"));
    };
    let code = match object.get("code") {
        Some(code) => code
            .as_i64()
            .ok_or_else(|| ResponseError::new("error.code must be an integer (spec 5.1)"))?,
        None => return Err(ResponseError::new("error.code is required (spec 5.1)")),
    };
    let message = match object.get("message") {
        Some(serde_json::Value::String(message)) => message.clone(),
        Some(_) => return Err(ResponseError::new("error.message must be a string (spec 5.1)")),
        None => return Err(ResponseError::new("error.message is required (spec 5.1)")),
    };
    let error = ErrorObject::new(code, message);
    Ok(match object.get("data") {
        Some(data) => error.with_data(data),
        None => error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_and_error() {
        let Responses::Single(response) = parse_responses(r#"{"jsonrpc":"2.0","result":19,"id":1}"#).unwrap()
        else {
            panic!()
        };
        assert_eq!(response.id, "1");
        assert_eq!(response.outcome, Ok("19"));

        let reply =
            r#"{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found","data":[1]},"id":"1"}"#;
        let Responses::Single(response) = parse_responses(reply).unwrap() else {
            panic!()
        };
        let error = response.outcome.unwrap_err();
        assert_eq!(error.code(), -32601);
        assert_eq!(error.data().unwrap().get(), "[1]");
    }

    #[test]
    fn broken_responses_say_which_rule_they_break() {
        for (reply, rule) in [
            (
                r#"{"jsonrpc":"2.0","result":1,"error":{"code":1,"message":"x"},"id":1}"#,
                "both",
            ),
            (r#"{"jsonrpc":"2.0","id":1}"#, "either"),
            (r#"{"jsonrpc":"2.0","result":1}"#, "id member is required"),
            (
                r#"{"jsonrpc":"2.0","error":{"code":1.5,"message":"x"},"id":1}"#,
                "integer",
            ),
            (
                r#"{"jsonrpc":"2.0","error":{"code":1},"id":1}"#,
                "message is required",
            ),
            (r#"{"jsonrpc":"2.0","error":"x","id":1}"#, "must be an object"),
            (r#"{"jsonrpc":"1.0","result":1,"id":1}"#, "exactly"),
            ("[]", "empty array"),
            ("{", "invalid JSON"),
        ] {
            let error = parse_responses(reply).unwrap_err();
            assert!(error.reason().contains(rule), "{reply}: {error}");
        }
    }

    #[test]
    fn broken_responses_keep_their_id() {
        let error = parse_responses(r#"{"jsonrpc":"2.0","id":7}"#).unwrap_err();
        assert_eq!(error.id(), Some("7"));
        let error = parse_responses(r#"{"jsonrpc":"2.0","result":1,"id":{}}"#).unwrap_err();
        assert_eq!(error.id(), None);
    }

    #[test]
    fn inbound_messages_are_sorted_by_shape() {
        assert!(matches!(
            classify_inbound(r#"{"jsonrpc":"2.0","method":"tick","params":[1]}"#),
            Inbound::Notification { method, params: Some("[1]") } if method == "tick"
        ));
        assert_eq!(
            classify_inbound(r#"{"jsonrpc":"2.0","method":"ask","id":1}"#),
            Inbound::Requests
        );
        assert_eq!(
            classify_inbound(r#"[{"jsonrpc":"2.0","method":"ask","id":1}]"#),
            Inbound::Requests
        );
        assert!(matches!(
            classify_inbound(r#"{"jsonrpc":"2.0","result":1,"id":1}"#),
            Inbound::Responses(Ok(Responses::Single(_)))
        ));
        assert!(matches!(classify_inbound("nonsense"), Inbound::Invalid(_)));
        assert!(matches!(classify_inbound("[]"), Inbound::Responses(Err(_))));
    }

    #[test]
    fn version_1_responses() {
        let Responses::Single(response) = parse_responses(r#"{"result":1,"error":null,"id":1}"#).unwrap()
        else {
            panic!()
        };
        assert_eq!(response.version, Version::V1);
        assert_eq!(response.outcome, Ok("1"));
    }
}
