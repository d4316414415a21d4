//! The error object of section 5.1 and the predefined codes.

use std::borrow::Cow;
use std::fmt;

use serde::ser::{Serialize, SerializeStruct, Serializer};
use serde_json::value::RawValue;

/// The error codes the specification predefines (section 5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// -32700: the server received invalid JSON.
    ParseError,
    /// -32600: the JSON sent is not a valid Request object.
    InvalidRequest,
    /// -32601: the method does not exist or is not available.
    MethodNotFound,
    /// -32602: invalid method parameters.
    InvalidParams,
    /// -32603: internal JSON-RPC error.
    InternalError,
}

impl ErrorCode {
    /// The numeric code sent on the wire.
    pub const fn code(self) -> i64 {
        match self {
            ErrorCode::ParseError => -32700,
            ErrorCode::InvalidRequest => -32600,
            ErrorCode::MethodNotFound => -32601,
            ErrorCode::InvalidParams => -32602,
            ErrorCode::InternalError => -32603,
        }
    }

    /// The standard message of the specification's table, word for word.
    pub const fn message(self) -> &'static str {
        match self {
            ErrorCode::ParseError => "Parse error",
            ErrorCode::InvalidRequest => "Invalid Request",
            ErrorCode::MethodNotFound => "Method not found",
            ErrorCode::InvalidParams => "Invalid params",
            ErrorCode::InternalError => "Internal error",
        }
    }

    /// The predefined code with this number, if it is one.
    pub const fn from_code(code: i64) -> Option<ErrorCode> {
        match code {
            -32700 => Some(ErrorCode::ParseError),
            -32600 => Some(ErrorCode::InvalidRequest),
            -32601 => Some(ErrorCode::MethodNotFound),
            -32602 => Some(ErrorCode::InvalidParams),
            -32603 => Some(ErrorCode::InternalError),
            _ => None,
        }
    }

    /// True for the range -32099..=-32000 that the specification reserves for server errors.
    pub const fn is_server_error_range(code: i64) -> bool {
        -32099 <= code && code <= -32000
    }
}

/// A JSON-RPC error object: an integer code, a short message and optional data of any JSON type.
///
/// Handlers return it for application errors; the server builds it for protocol errors.
#[derive(Clone)]
pub struct ErrorObject {
    code: i64,
    message: Cow<'static, str>,
    data: Option<Box<RawValue>>,
}

impl ErrorObject {
    /// An error with any code and message, and no data.
    pub fn new(code: i64, message: impl Into<Cow<'static, str>>) -> Self {
        ErrorObject {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// A predefined error with its standard message.
    pub fn standard(code: ErrorCode) -> Self {
        ErrorObject::new(code.code(), code.message())
    }

    /// `-32602 Invalid params`, with a human-readable reason as `data`.
    pub fn invalid_params(reason: impl fmt::Display) -> Self {
        ErrorObject::standard(ErrorCode::InvalidParams).with_data(reason.to_string())
    }

    /// `-32603 Internal error`, with a reason as `data`.
    pub fn internal(reason: impl fmt::Display) -> Self {
        ErrorObject::standard(ErrorCode::InternalError).with_data(reason.to_string())
    }

    /// Attaches `data`. A value that cannot be serialized (a map with non-string keys) becomes its error text.
    pub fn with_data(mut self, data: impl Serialize) -> Self {
        let raw = serde_json::value::to_raw_value(&data)
            .or_else(|error| serde_json::value::to_raw_value(&format!("unserializable error data: {error}")));
        self.data = raw.ok();
        self
    }

    /// Attaches `data` that is already JSON text. Fails if the text is not valid JSON.
    pub fn with_raw_data(mut self, json: &str) -> Result<Self, serde_json::Error> {
        self.data = Some(RawValue::from_string(json.to_owned())?);
        Ok(self)
    }

    /// The numeric code.
    pub fn code(&self) -> i64 {
        self.code
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The `data` member as JSON text, if present.
    pub fn data(&self) -> Option<&RawValue> {
        self.data.as_deref()
    }

    /// The predefined code, if this error uses one.
    pub fn standard_code(&self) -> Option<ErrorCode> {
        ErrorCode::from_code(self.code)
    }
}

impl PartialEq for ErrorObject {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
            && self.message == other.message
            && self.data.as_ref().map(|d| d.get()) == other.data.as_ref().map(|d| d.get())
    }
}

impl From<ErrorCode> for ErrorObject {
    fn from(code: ErrorCode) -> Self {
        ErrorObject::standard(code)
    }
}

impl fmt::Debug for ErrorObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("ErrorObject");
        s.field("code", &self.code).field("message", &self.message);
        if let Some(data) = &self.data {
            s.field("data", &data.get());
        }
        s.finish()
    }
}

impl fmt::Display for ErrorObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (code {})", self.message, self.code)?;
        if let Some(data) = &self.data {
            write!(f, ": {}", data.get())?;
        }
        Ok(())
    }
}

impl std::error::Error for ErrorObject {}

impl Serialize for ErrorObject {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = if self.data.is_some() { 3 } else { 2 };
        let mut s = serializer.serialize_struct("ErrorObject", len)?;
        s.serialize_field("code", &self.code)?;
        s.serialize_field("message", &self.message)?;
        if let Some(data) = &self.data {
            s.serialize_field("data", data)?;
        }
        s.end()
    }
}

impl<'de> serde::Deserialize<'de> for ErrorObject {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Wire {
            code: i64,
            message: String,
            #[serde(default)]
            data: Option<Box<RawValue>>,
        }
        let wire = Wire::deserialize(deserializer)?;
        Ok(ErrorObject {
            code: wire.code,
            message: Cow::Owned(wire.message),
            data: wire.data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_errors_serialize_exactly_as_the_specification_writes_them() {
        let json = serde_json::to_string(&ErrorObject::standard(ErrorCode::MethodNotFound)).unwrap();
        assert_eq!(json, r#"{"code":-32601,"message":"Method not found"}"#);
    }

    #[test]
    fn data_of_any_type_is_kept() {
        let error = ErrorObject::new(403, "no bits").with_data([17, 3]);
        assert_eq!(
            serde_json::to_string(&error).unwrap(),
            r#"{"code":403,"message":"no bits","data":[17,3]}"#
        );
    }

    #[test]
    fn codes_round_trip() {
        for code in [
            ErrorCode::ParseError,
            ErrorCode::InvalidRequest,
            ErrorCode::MethodNotFound,
            ErrorCode::InvalidParams,
            ErrorCode::InternalError,
        ] {
            assert_eq!(ErrorCode::from_code(code.code()), Some(code));
        }
        assert!(ErrorCode::is_server_error_range(-32000));
        assert!(ErrorCode::is_server_error_range(-32099));
        assert!(!ErrorCode::is_server_error_range(-32100));
    }
}
