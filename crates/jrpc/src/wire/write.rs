//! Responses: written straight into one output buffer, the id echoed as the raw text it arrived as.

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

    #[test]
    fn a_result_that_cannot_serialize_leaves_the_buffer_untouched() {
        let mut map = std::collections::HashMap::new();
        map.insert(vec![1u8], 1);
        let mut buf = b"[".to_vec();
        assert!(write_result_response(&mut buf, "1", Version::V2, &map).is_err());
        assert_eq!(buf, b"[");
    }
}
