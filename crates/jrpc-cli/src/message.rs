//! Composing messages as compact JSON text, members in the specification's order:
//! `jsonrpc`, `method`, `params`, `id` for requests and `jsonrpc`, `result`/`error`, `id` for responses.

use jrpc::wire::Version;
use jrpc::{ErrorCode, ErrorObject};
use serde_json::value::RawValue;

use crate::exit::CliError;
use crate::json;
use crate::params::Params;

/// Reads an `--id`: a JSON number, string or null as written (`1`, `"1"`, `null`), or any other text
/// as a string (`abc` is `"abc"`). Returns the id's compact JSON text.
pub fn parse_id(text: &str) -> Result<String, CliError> {
    if json::validate(text).is_ok() {
        let compact = json::compact(text);
        return match compact.as_bytes().first() {
            Some(b'"' | b'-' | b'0'..=b'9') => Ok(compact),
            _ if compact == "null" => Ok(compact),
            _ => Err(CliError::usage(format!(
                "--id {text}: an id must be a string, a number or null (spec 4)"
            ))),
        };
    }
    Ok(json::quote(text))
}

/// A request (with an id) or a notification (without), written by the library's request writer.
/// The params are passed as raw JSON text, so member order and numbers stay exactly as typed.
pub fn request(method: &str, params: &Params, id: Option<&str>) -> Result<String, CliError> {
    let params = match params.to_json() {
        Some(text) => Some(raw(text, "the params are")?),
        None => None,
    };
    let mut buf = Vec::new();
    jrpc::wire::write_request(&mut buf, method, &params, id)
        .map_err(|e| CliError::usage(format!("cannot write the request: {e}")))?;
    text(buf)
}

/// A success response; `result` is compact JSON text.
pub fn result_response(result: &str, id: &str) -> Result<String, CliError> {
    let result = raw(result.to_owned(), "the result is")?;
    let mut buf = Vec::new();
    jrpc::wire::write_result_response(&mut buf, id, Version::V2, &result)
        .map_err(|e| CliError::usage(format!("cannot write the response: {e}")))?;
    text(buf)
}

/// An error response; `data` is compact JSON text.
pub fn error_response(code: i64, message: &str, data: Option<&str>, id: &str) -> Result<String, CliError> {
    let mut error = ErrorObject::new(code, message.to_owned());
    if let Some(data) = data {
        error = error
            .with_raw_data(data)
            .map_err(|e| CliError::usage(format!("the error data is not valid JSON: {e}")))?;
    }
    let mut buf = Vec::new();
    jrpc::wire::write_error_response(&mut buf, id, Version::V2, &error);
    text(buf)
}

/// A batch of compact messages.
pub fn batch(elements: &[String]) -> String {
    let mut buf = Vec::new();
    jrpc::wire::write_batch(&mut buf, elements.iter().map(String::as_bytes));
    // Joining UTF-8 texts with ASCII gives UTF-8.
    String::from_utf8_lossy(&buf).into_owned()
}

fn raw(text: String, what: &str) -> Result<Box<RawValue>, CliError> {
    RawValue::from_string(text).map_err(|e| CliError::usage(format!("{what} not valid JSON: {e}")))
}

fn text(buf: Vec<u8>) -> Result<String, CliError> {
    String::from_utf8(buf).map_err(|e| CliError::usage(format!("the message is not UTF-8: {e}")))
}

/// Reads an error code: an integer, or a standard name such as `method-not-found`.
pub fn parse_error_code(text: &str) -> Result<i64, CliError> {
    if let Ok(code) = text.parse::<i64>() {
        return Ok(code);
    }
    let name = text.to_ascii_lowercase().replace(['_', ' '], "-");
    let code = match name.as_str() {
        "parse-error" => ErrorCode::ParseError,
        "invalid-request" => ErrorCode::InvalidRequest,
        "method-not-found" => ErrorCode::MethodNotFound,
        "invalid-params" => ErrorCode::InvalidParams,
        "internal-error" => ErrorCode::InternalError,
        _ => {
            return Err(CliError::usage(format!(
                "--error {text}: the code must be an integer (spec 5.1) or one of parse-error, \
                 invalid-request, method-not-found, invalid-params, internal-error"
            )))
        }
    };
    Ok(code.code())
}

/// The specification's message for a predefined code.
pub fn standard_message(code: i64) -> Option<&'static str> {
    ErrorCode::from_code(code).map(ErrorCode::message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert_eq!(parse_id("1").unwrap(), "1");
        assert_eq!(parse_id("-7").unwrap(), "-7");
        assert_eq!(parse_id("\"1\"").unwrap(), "\"1\"");
        assert_eq!(parse_id("abc").unwrap(), "\"abc\"");
        assert_eq!(parse_id("null").unwrap(), "null");
        assert!(parse_id("true").is_err());
        assert!(parse_id("[1]").is_err());
        assert!(parse_id("{}").is_err());
    }

    #[test]
    fn messages_follow_the_spec_order() {
        let params = Params::Positional(vec!["42".into(), "23".into()]);
        assert_eq!(
            request("subtract", &params, Some("1")).unwrap(),
            r#"{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}"#
        );
        assert_eq!(
            request("foobar", &Params::None, None).unwrap(),
            r#"{"jsonrpc":"2.0","method":"foobar"}"#
        );
        assert_eq!(
            error_response(-32601, "Method not found", None, "3").unwrap(),
            r#"{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":3}"#
        );
        let named = Params::Named(vec![("b".into(), "1.50".into()), ("a".into(), "1e400".into())]);
        assert_eq!(
            request("m\"x", &named, Some("\"a\"")).unwrap(),
            r#"{"jsonrpc":"2.0","method":"m\"x","params":{"b":1.50,"a":1e400},"id":"a"}"#
        );
        assert_eq!(
            result_response("[1.50]", "1").unwrap(),
            r#"{"jsonrpc":"2.0","result":[1.50],"id":1}"#
        );
        assert_eq!(
            error_response(-32000, "Busy \"now\"", Some(r#"{"retry":5}"#), "null").unwrap(),
            r#"{"jsonrpc":"2.0","error":{"code":-32000,"message":"Busy \"now\"","data":{"retry":5}},"id":null}"#
        );
        assert_eq!(batch(&["1".into(), "2".into()]), "[1,2]");
        assert_eq!(parse_error_code("method_not_found").unwrap(), -32601);
        assert_eq!(standard_message(-32700), Some("Parse error"));
    }
}
