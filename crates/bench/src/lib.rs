//! Shared pieces of the benchmarks that compare jrpc with jsonrpsee 0.26 and a bare hyper server.
//!
//! - `benches/dispatch.rs`: in-process dispatch (no sockets), jrpc `Server::handle` against jsonrpsee
//!   `RpcModule::raw_json_request`.
//! - `src/bin/jsonrpsee-server.rs` and `src/bin/hyper-fixed.rs`: the HTTP servers that
//!   `http-bench.sh` loads with `wrk`, next to jrpc's own `spec-server`.
//!
//! The jsonrpsee methods here mirror `spec_server::methods()`: `subtract` by position and by name
//! (`minuend`, `subtrahend`), `sum`, and `get_data`.

use jsonrpsee::types::{ErrorObjectOwned, Params};
use jsonrpsee::RpcModule;
use serde::Deserialize;

/// The single call used by every benchmark: `subtract(42, 23)`, answered with `19`.
pub const SINGLE_CALL: &str = r#"{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}"#;

/// A batch of `len` `subtract(42, 23)` calls with ids `1..=len`, written by the library's writer.
pub fn batch(len: usize) -> String {
    let calls: Vec<Vec<u8>> = (1..=len)
        .map(|id| {
            let mut call = Vec::with_capacity(64);
            jrpc::wire::write_request(&mut call, "subtract", &(42, 23), Some(&id.to_string()))
                .expect("(42, 23) is written as an array");
            call
        })
        .collect();
    let mut out = Vec::with_capacity(len * 64 + 2);
    jrpc::wire::write_batch(&mut out, calls.iter().map(Vec::as_slice));
    String::from_utf8(out).expect("JSON text is UTF-8")
}

/// Checks that `reply` answers every call of a message of `calls` subtract(42, 23) calls with
/// ids `1..=calls` (in any order) with the result 19; panics with the reply otherwise.
pub fn check_subtract_reply(reply: &str, calls: usize) {
    let value: serde_json::Value =
        serde_json::from_str(reply).unwrap_or_else(|e| panic!("reply is not JSON ({e}): {reply}"));
    let responses: Vec<serde_json::Value> = match value {
        serde_json::Value::Array(responses) => responses,
        single => vec![single],
    };
    assert_eq!(responses.len(), calls, "wrong number of responses: {reply}");
    let mut ids: Vec<u64> = responses
        .iter()
        .map(|response| {
            assert_eq!(response["jsonrpc"], "2.0", "{reply}");
            assert_eq!(response["result"], 19, "{reply}");
            response["id"]
                .as_u64()
                .unwrap_or_else(|| panic!("bad id in {reply}"))
        })
        .collect();
    ids.sort_unstable();
    assert!(
        ids.iter().copied().eq(1..=calls as u64),
        "ids are not 1..={calls}: {reply}"
    );
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubtractByName {
    minuend: i64,
    subtrahend: i64,
}

fn subtract(params: Params) -> Result<i64, ErrorObjectOwned> {
    let (minuend, subtrahend) = if params.is_object() {
        let named: SubtractByName = params.parse()?;
        (named.minuend, named.subtrahend)
    } else {
        params.parse::<(i64, i64)>()?
    };
    minuend
        .checked_sub(subtrahend)
        .ok_or_else(|| ErrorObjectOwned::owned(-32602, "integer overflow", None::<()>))
}

fn sum(params: Params) -> Result<i64, ErrorObjectOwned> {
    let numbers: Vec<i64> = if params.as_str().is_some() {
        params.parse()?
    } else {
        Vec::new()
    };
    numbers
        .iter()
        .try_fold(0i64, |total, number| total.checked_add(*number))
        .ok_or_else(|| ErrorObjectOwned::owned(-32602, "integer overflow", None::<()>))
}

/// jsonrpsee methods equivalent to `spec_server::methods()` for the calls the benchmarks make:
/// `subtract` (by position or by name), `sum` and `get_data`. All are synchronous
/// (`register_method`), like jrpc's `method`/`raw_method`.
pub fn jsonrpsee_module() -> RpcModule<()> {
    let mut module = RpcModule::new(());
    module
        .register_method("subtract", |params, _, _| subtract(params))
        .expect("subtract is registered once");
    module
        .register_method("sum", |params, _, _| sum(params))
        .expect("sum is registered once");
    module
        .register_method("get_data", |_, _, _| Ok::<_, ErrorObjectOwned>(("hello", 5)))
        .expect("get_data is registered once");
    // The specification's section 7 notifications, so `jrpc conform --spec-methods` can judge
    // jsonrpsee on the same examples as every other server (crates/bench/tests/conform.rs).
    for name in ["update", "notify_hello"] {
        module
            .register_method(name, |_, _, _| Ok::<_, ErrorObjectOwned>(()))
            .expect("registered once");
    }
    module
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_text_is_json_of_the_right_length() {
        let text = batch(3);
        let value: serde_json::Value = serde_json::from_str(&text).expect("batch is JSON");
        assert_eq!(value.as_array().map(Vec::len), Some(3));
        assert_eq!(value[2]["id"], 3);
        assert_eq!(batch(1), format!("[{SINGLE_CALL}]"));
    }

    #[tokio::test]
    async fn jsonrpsee_methods_answer_like_the_spec_server() {
        let module = jsonrpsee_module();
        let (reply, _) = module
            .raw_json_request(SINGLE_CALL, 1)
            .await
            .expect("valid request");
        check_subtract_reply(reply.get(), 1);
        for (request, result) in [
            (
                r#"{"jsonrpc":"2.0","method":"subtract","params":{"subtrahend":23,"minuend":42},"id":1}"#,
                "19",
            ),
            (r#"{"jsonrpc":"2.0","method":"sum","params":[1,2,4],"id":1}"#, "7"),
            (
                r#"{"jsonrpc":"2.0","method":"get_data","id":1}"#,
                r#"["hello",5]"#,
            ),
        ] {
            let (reply, _) = module.raw_json_request(request, 1).await.expect("valid request");
            let expected = format!(r#"{{"jsonrpc":"2.0","id":1,"result":{result}}}"#);
            assert_eq!(reply.get(), expected, "{request}");
        }
    }
}
