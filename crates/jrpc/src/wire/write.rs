//! Messages written straight into one output buffer: requests, notifications and batches for the
//! side that calls, responses (the id echoed as the raw text it arrived as) for the side that answers.
//! Members come in the specification's order: `jsonrpc`, `method`, `params`, `id`.

use std::fmt;

use serde::Serialize;

use super::{ErrorObject, Version};

/// Appends a success response for `id` (raw JSON text) to `buf`.
///
/// If `result` fails to serialize, `buf` is left as it was and the error is returned, so the caller
/// can write an error response in its place.
pub fn write_result_response<T: Serialize + ?Sized>(
    buf: &mut Vec<u8>,
    id: &str,
    version: Version,
    result: &T,
) -> Result<(), serde_json::Error> {
    let start = buf.len();
    buf.extend_from_slice(match version {
        Version::V2 => br#"{"jsonrpc":"2.0","result":"#.as_slice(),
        Version::V1 => br#"{"result":"#.as_slice(),
    });
    if let Err(error) = serde_json::to_writer(&mut *buf, result) {
        buf.truncate(start);
        return Err(error);
    }
    if version == Version::V1 {
        buf.extend_from_slice(br#","error":null"#);
    }
    write_id_and_close(buf, id);
    Ok(())
}

/// Appends an error response for `id` (raw JSON text; `"null"` when unknown) to `buf`.
pub fn write_error_response(buf: &mut Vec<u8>, id: &str, version: Version, error: &ErrorObject) {
    buf.extend_from_slice(match version {
        Version::V2 => br#"{"jsonrpc":"2.0","error":"#.as_slice(),
        Version::V1 => br#"{"result":null,"error":"#.as_slice(),
    });
    // An ErrorObject holds a code, a string and already-valid raw JSON: it always serializes.
    if serde_json::to_writer(&mut *buf, error).is_err() {
        buf.extend_from_slice(br#"{"code":-32603,"message":"Internal error"}"#);
    }
    write_id_and_close(buf, id);
}

/// Why a request could not be written: its params did not serialize, or not to an array or an object.
#[derive(Debug)]
pub struct RequestWriteError {
    reason: String,
}

impl fmt::Display for RequestWriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for RequestWriteError {}

/// Appends one request (with `id`, raw JSON text) or notification (`id` is `None`) to `buf`.
///
/// `params` must serialize to a JSON array (by position: a tuple, a `Vec`, `[a, b]`) or an object
/// (by name: a struct or a map); `()` and `None` leave the member out, as section 4.2 allows. On an
/// error `buf` is left as it was.
pub fn write_request<P: Serialize + ?Sized>(
    buf: &mut Vec<u8>,
    method: &str,
    params: &P,
    id: Option<&str>,
) -> Result<(), RequestWriteError> {
    let start = buf.len();
    let outcome = write_request_inner(buf, method, params, id);
    if outcome.is_err() {
        buf.truncate(start);
    }
    outcome
}

fn write_request_inner<P: Serialize + ?Sized>(
    buf: &mut Vec<u8>,
    method: &str,
    params: &P,
    id: Option<&str>,
) -> Result<(), RequestWriteError> {
    let unserializable = |error: serde_json::Error| RequestWriteError {
        reason: format!("the params could not be serialized: {error}"),
    };
    buf.extend_from_slice(br#"{"jsonrpc":"2.0","method":"#);
    serde_json::to_writer(&mut *buf, method).map_err(unserializable)?;
    let before_params = buf.len();
    buf.extend_from_slice(br#","params":"#);
    let value_start = buf.len();
    serde_json::to_writer(&mut *buf, params).map_err(unserializable)?;
    match buf.get(value_start) {
        Some(b'[' | b'{') => {}
        Some(b'n') => buf.truncate(before_params),
        _ => {
            let written = String::from_utf8_lossy(&buf[value_start..]).into_owned();
            return Err(RequestWriteError {
                reason: format!("params must be an array or an object (spec 4.2), not {written}"),
            });
        }
    }
    if let Some(id) = id {
        buf.extend_from_slice(br#","id":"#);
        buf.extend_from_slice(id.as_bytes());
    }
    buf.push(b'}');
    Ok(())
}

/// Appends a batch (section 6) of already written messages to `buf`: `[a,b,...]`.
pub fn write_batch<'a>(buf: &mut Vec<u8>, elements: impl IntoIterator<Item = &'a [u8]>) {
    buf.push(b'[');
    for (index, element) in elements.into_iter().enumerate() {
        if index > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(element);
    }
    buf.push(b']');
}

fn write_id_and_close(buf: &mut Vec<u8>, id: &str) {
    buf.extend_from_slice(br#","id":"#);
    buf.extend_from_slice(id.as_bytes());
    buf.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ErrorCode;

    fn text(buf: Vec<u8>) -> String {
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn results_and_errors_in_both_versions() {
        let mut buf = Vec::new();
        write_result_response(&mut buf, "1", Version::V2, &19).unwrap();
        assert_eq!(text(buf), r#"{"jsonrpc":"2.0","result":19,"id":1}"#);

        let mut buf = Vec::new();
        write_error_response(&mut buf, r#""1""#, Version::V2, &ErrorCode::MethodNotFound.into());
        assert_eq!(
            text(buf),
            r#"{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":"1"}"#
        );

        let mut buf = Vec::new();
        write_result_response(&mut buf, "7", Version::V1, &"x").unwrap();
        assert_eq!(text(buf), r#"{"result":"x","error":null,"id":7}"#);

        let mut buf = Vec::new();
        write_error_response(&mut buf, "7", Version::V1, &ErrorCode::InvalidParams.into());
        assert_eq!(
            text(buf),
            r#"{"result":null,"error":{"code":-32602,"message":"Invalid params"},"id":7}"#
        );
    }

    fn request<P: Serialize>(params: P, id: Option<&str>) -> Result<String, RequestWriteError> {
        let mut buf = Vec::new();
        write_request(&mut buf, "subtract", &params, id)?;
        Ok(text(buf))
    }

    #[test]
    fn requests_by_position_by_name_or_without_params() {
        assert_eq!(
            request((42, 23), Some("1")).unwrap(),
            r#"{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}"#
        );
        #[derive(Serialize)]
        struct Named {
            minuend: i64,
            subtrahend: i64,
        }
        let named = Named {
            minuend: 42,
            subtrahend: 23,
        };
        assert_eq!(
            request(named, Some(r#""a""#)).unwrap(),
            r#"{"jsonrpc":"2.0","method":"subtract","params":{"minuend":42,"subtrahend":23},"id":"a"}"#
        );
        assert_eq!(
            request((), None).unwrap(),
            r#"{"jsonrpc":"2.0","method":"subtract"}"#
        );
        assert_eq!(
            request(Vec::<i32>::new(), None).unwrap(),
            r#"{"jsonrpc":"2.0","method":"subtract","params":[]}"#
        );
        let mut buf = Vec::new();
        write_request(&mut buf, "a\"b", &(), Some("null")).unwrap();
        assert_eq!(text(buf), r#"{"jsonrpc":"2.0","method":"a\"b","id":null}"#);
    }

    #[test]
    fn scalar_params_are_refused_and_leave_the_buffer_untouched() {
        let error = request(42, Some("1")).unwrap_err();
        assert!(error.to_string().contains("spec 4.2"), "{error}");
        let mut buf = b"[".to_vec();
        assert!(write_request(&mut buf, "m", "text", Some("1")).is_err());
        assert_eq!(buf, b"[");
    }

    #[test]
    fn batches_join_their_elements() {
        let mut buf = Vec::new();
        write_batch(&mut buf, [b"1".as_slice(), b"{}".as_slice()]);
        assert_eq!(text(buf), "[1,{}]");
        let mut buf = Vec::new();
        write_batch(&mut buf, std::iter::empty());
        assert_eq!(text(buf), "[]");
    }

    #[test]
    fn a_result_that_cannot_serialize_leaves_the_buffer_untouched() {
        let mut map = std::collections::HashMap::new();
        map.insert(vec![1u8], 1);
        let mut buf = b"[".to_vec();
        assert!(write_result_response(&mut buf, "1", Version::V2, &map).is_err());
        assert_eq!(buf, b"[");
    }
}
