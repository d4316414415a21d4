//! Writing the client's requests, notifications and batches, and reading typed results back.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::value::RawValue;

use super::Error;
use crate::transport::connection::Answer;

/// Appends one request (with `id`) or notification (without) to `out`, through the wire layer's
/// writer; a params value that is not an array or an object is the caller's mistake.
pub(crate) fn write_request<P: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    method: &str,
    params: &P,
    id: Option<&str>,
) -> Result<(), Error> {
    crate::wire::write_request(out, method, params, id).map_err(Error::params)
}

/// Checks that raw params are an array or an object (or absent) before they are sent.
pub(crate) fn check_raw_params(params: Option<&RawValue>) -> Result<(), Error> {
    match params.map(|raw| raw.get().trim_start().as_bytes().first()) {
        None | Some(Some(b'[' | b'{')) => Ok(()),
        Some(_) => Err(Error::params("params must be an array or an object (spec 4.2)")),
    }
}

/// Turns an answer into the caller's result type.
pub(crate) fn typed<R: DeserializeOwned>(answer: Answer) -> Result<R, Error> {
    match answer {
        Answer::Result(raw) => serde_json::from_str(raw.get()).map_err(Error::decode),
        Answer::Error(error) => Err(Error::remote(error)),
        Answer::Broken(reason) => Err(Error::invalid_reply(reason)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<P: Serialize>(params: P, id: Option<u64>) -> Result<String, Error> {
        let mut out = Vec::new();
        let id = id.map(|id| id.to_string());
        write_request(&mut out, "subtract", &params, id.as_deref())?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn params_by_position_by_name_or_none() {
        assert_eq!(
            request((42, 23), Some(1)).unwrap(),
            r#"{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}"#
        );
        #[derive(Serialize)]
        struct Named {
            minuend: i64,
            subtrahend: i64,
        }
        assert_eq!(
            request(
                Named {
                    minuend: 42,
                    subtrahend: 23
                },
                Some(3)
            )
            .unwrap(),
            r#"{"jsonrpc":"2.0","method":"subtract","params":{"minuend":42,"subtrahend":23},"id":3}"#
        );
        assert_eq!(
            request((), None).unwrap(),
            r#"{"jsonrpc":"2.0","method":"subtract"}"#
        );
        assert_eq!(
            request(Vec::<i32>::new(), None).unwrap(),
            r#"{"jsonrpc":"2.0","method":"subtract","params":[]}"#
        );
    }

    #[test]
    fn scalar_params_are_refused() {
        let error = request(42, Some(1)).unwrap_err();
        assert!(error.is_params(), "{error}");
        assert!(error.to_string().contains("spec 4.2"));
        assert!(request("text", Some(1)).unwrap_err().is_params());
        assert!(check_raw_params(RawValue::from_string("7".into()).ok().as_deref()).is_err());
        assert!(check_raw_params(RawValue::from_string(" [7]".into()).ok().as_deref()).is_ok());
    }
}
