//! Composing messages as compact JSON text, members in the specification's order:
//! `jsonrpc`, `method`, `params`, `id` for requests and `jsonrpc`, `result`/`error`, `id` for responses.

use jrpc::ErrorCode;

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

/// A request (with an id) or a notification (without).
pub fn request(method: &str, params: &Params, id: Option<&str>) -> String {
    let mut out = format!(r#"{{"jsonrpc":"2.0","method":{}"#, json::quote(method));
    if let Some(params) = params.to_json() {
        out.push_str(",\"params\":");
        out.push_str(&params);
    }
    if let Some(id) = id {
        out.push_str(",\"id\":");
        out.push_str(id);
    }
    out.push('}');
    out
}

/// A success response; `result` is compact JSON text.
pub fn result_response(result: &str, id: &str) -> String {
    format!(r#"{{"jsonrpc":"2.0","result":{result},"id":{id}}}"#)
}

/// An error response; `data` is compact JSON text.
pub fn error_response(code: i64, message: &str, data: Option<&str>, id: &str) -> String {
    let mut out = format!(
        r#"{{"jsonrpc":"2.0","error":{{"code":{code},"message":{}"#,
        json::quote(message)
    );
    if let Some(data) = data {
        out.push_str(",\"data\":");
        out.push_str(data);
    }
    out.push_str("},\"id\":");
    out.push_str(id);
    out.push('}');
    out
}

/// A batch of compact messages.
pub fn batch(elements: &[String]) -> String {
    format!("[{}]", elements.join(","))
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
            request("subtract", &params, Some("1")),
            r#"{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}"#
        );
        assert_eq!(
            request("foobar", &Params::None, None),
            r#"{"jsonrpc":"2.0","method":"foobar"}"#
        );
        assert_eq!(
            error_response(-32601, "Method not found", None, "3"),
            r#"{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":3}"#
        );
        assert_eq!(parse_error_code("method_not_found").unwrap(), -32601);
        assert_eq!(standard_message(-32700), Some("Parse error"));
    }
}
