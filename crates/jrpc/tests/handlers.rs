//! The handler model: plain functions whose leading arguments are extracted (state, peer, extensions,
//! raw params) and whose trailing arguments are typed params, by position or by name.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use jrpc::server::FromCall;
use jrpc::transport::Peer;
use jrpc::{Call, ErrorObject, Extension, Json, Methods, Params, Server, State};
use serde::Serialize;

/// Shared state of the methods under test.
#[derive(Debug, Default)]
struct Counter {
    total: AtomicI64,
}

fn add(counter: State<Counter>, amount: i64) -> i64 {
    counter.total.fetch_add(amount, Ordering::SeqCst) + amount
}

async fn add_later(counter: State<Counter>, amount: i64, times: Option<i64>) -> Result<i64, ErrorObject> {
    tokio::task::yield_now().await;
    let times = times.unwrap_or(1);
    if times < 0 {
        return Err(ErrorObject::invalid_params("times must not be negative"));
    }
    Ok(counter.total.fetch_add(amount * times, Ordering::SeqCst) + amount * times)
}

#[derive(Serialize)]
struct Point {
    x: i32,
    y: i32,
}

/// An application's own extractor: the caller's name, read from the params with its own error code.
struct Caller(String);

impl<S> FromCall<S> for Caller {
    const READS_PARAMS: bool = true;

    fn from_call(call: &Call, _: &Arc<S>) -> Result<Self, ErrorObject> {
        #[derive(serde::Deserialize)]
        struct Named<'a> {
            name: &'a str,
        }
        let named: Named<'_> = serde_json::from_str(call.params().unwrap_or("{}"))
            .map_err(|e| ErrorObject::new(400, "who are you?").with_data(e.to_string()))?;
        Ok(Caller(named.name.to_owned()))
    }
}

fn server() -> (Server, Arc<Counter>) {
    let counter = Arc::new(Counter::default());
    let mut methods = Methods::with_shared_state(Arc::clone(&counter));
    methods
        .method("add", ["amount"], add)
        .async_method("add_later", ["amount", "times"], add_later)
        .method("total", [], |counter: State<Counter>| {
            counter.total.load(Ordering::SeqCst)
        })
        .method("point", [], || Json(Point { x: 1, y: -2 }))
        .method("echo", [], |params: Params| {
            params.as_str().unwrap_or("none").to_owned()
        })
        .method(
            "tagged",
            ["value"],
            |tag: Option<Extension<&'static str>>, value: String| {
                format!("{}:{value}", tag.map_or("untagged", |tag| tag.0))
            },
        )
        .async_method("needs_peer", [], |peer: Peer| async move { !peer.is_closed() })
        .method("has_peer", [], |peer: Option<Peer>| peer.is_some())
        .method("hello", [], |caller: Caller| format!("hello, {}", caller.0));
    (Server::new(methods), counter)
}

async fn answer(server: &Server, request: &str) -> String {
    let reply = server.handle(request.as_bytes()).await.expect("a reply");
    String::from_utf8(reply).expect("UTF-8")
}

#[tokio::test]
async fn state_is_shared_by_sync_and_async_handlers() {
    let (server, counter) = server();
    assert_eq!(
        answer(&server, r#"{"jsonrpc":"2.0","method":"add","params":[5],"id":1}"#).await,
        r#"{"jsonrpc":"2.0","result":5,"id":1}"#
    );
    assert_eq!(
        answer(
            &server,
            r#"{"jsonrpc":"2.0","method":"add_later","params":{"amount":2,"times":3},"id":2}"#
        )
        .await,
        r#"{"jsonrpc":"2.0","result":11,"id":2}"#
    );
    assert_eq!(
        answer(
            &server,
            r#"{"jsonrpc":"2.0","method":"add_later","params":[1],"id":3}"#
        )
        .await,
        r#"{"jsonrpc":"2.0","result":12,"id":3}"#
    );
    assert_eq!(
        answer(&server, r#"{"jsonrpc":"2.0","method":"total","id":4}"#).await,
        r#"{"jsonrpc":"2.0","result":12,"id":4}"#
    );
    assert_eq!(counter.total.load(Ordering::SeqCst), 12);
}

#[tokio::test]
async fn typed_params_are_checked_after_the_extractors() {
    let (server, _) = server();
    assert_eq!(
        answer(
            &server,
            r#"{"jsonrpc":"2.0","method":"add","params":["x"],"id":1}"#
        )
        .await,
        r#"{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"parameter `amount`: invalid type: string \"x\", expected i64"},"id":1}"#
    );
    assert_eq!(
        answer(
            &server,
            r#"{"jsonrpc":"2.0","method":"add_later","params":[1,-1],"id":2}"#
        )
        .await,
        r#"{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"times must not be negative"},"id":2}"#
    );
    assert_eq!(
        answer(
            &server,
            r#"{"jsonrpc":"2.0","method":"total","params":[1],"id":3}"#
        )
        .await,
        r#"{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"expected at most 0 parameters, got 1"},"id":3}"#
    );
}

#[tokio::test]
async fn plain_values_and_json_wrapped_structs_are_results() {
    let (server, _) = server();
    assert_eq!(
        answer(&server, r#"{"jsonrpc":"2.0","method":"point","id":1}"#).await,
        r#"{"jsonrpc":"2.0","result":{"x":1,"y":-2},"id":1}"#
    );
}

#[tokio::test]
async fn a_raw_params_handler_accepts_whatever_was_sent() {
    let (server, _) = server();
    assert_eq!(
        answer(
            &server,
            r#"{"jsonrpc":"2.0","method":"echo","params":[1, {"a":2}],"id":1}"#
        )
        .await,
        r#"{"jsonrpc":"2.0","result":"[1, {\"a\":2}]","id":1}"#
    );
    assert_eq!(
        answer(&server, r#"{"jsonrpc":"2.0","method":"echo","id":2}"#).await,
        r#"{"jsonrpc":"2.0","result":"none","id":2}"#
    );
}

#[tokio::test]
async fn extensions_reach_handlers_and_may_be_optional() {
    let (server, _) = server();
    let request = r#"{"jsonrpc":"2.0","method":"tagged","params":["v"],"id":1}"#;
    assert_eq!(
        answer(&server, request).await,
        r#"{"jsonrpc":"2.0","result":"untagged:v","id":1}"#
    );
    let mut extensions = http::Extensions::new();
    extensions.insert("blue");
    let reply = server
        .handle_with(request.as_bytes(), extensions)
        .await
        .expect("a reply");
    assert_eq!(
        String::from_utf8(reply).expect("UTF-8"),
        r#"{"jsonrpc":"2.0","result":"blue:v","id":1}"#
    );
}

#[tokio::test]
async fn a_handler_that_needs_a_peer_says_so_where_there_is_none() {
    let (server, _) = server();
    let reply = answer(&server, r#"{"jsonrpc":"2.0","method":"needs_peer","id":1}"#).await;
    assert!(
        reply.starts_with(r#"{"jsonrpc":"2.0","error":{"code":-32603,"message":"Internal error","data":"this method talks back to the client"#),
        "{reply}"
    );
    assert_eq!(
        answer(&server, r#"{"jsonrpc":"2.0","method":"has_peer","id":2}"#).await,
        r#"{"jsonrpc":"2.0","result":false,"id":2}"#
    );
}

#[tokio::test]
async fn applications_write_their_own_extractors() {
    let (server, _) = server();
    assert_eq!(
        answer(
            &server,
            r#"{"jsonrpc":"2.0","method":"hello","params":{"name":"Ada"},"id":1}"#
        )
        .await,
        r#"{"jsonrpc":"2.0","result":"hello, Ada","id":1}"#
    );
    let reply = answer(
        &server,
        r#"{"jsonrpc":"2.0","method":"hello","params":[1],"id":2}"#,
    )
    .await;
    assert!(
        reply.contains(r#""code":400,"message":"who are you?""#),
        "{reply}"
    );
}

#[test]
fn registries_merge_and_keep_their_own_state() {
    let mut outer = Methods::with_state(1_i64);
    outer.method("outer", [], |state: State<i64>| *state);
    let mut inner = Methods::with_state("inner");
    inner.method("inner", [], |state: State<&'static str>| *state);
    outer.merge(inner);
    assert_eq!(outer.names(), ["inner", "outer"]);
    assert_eq!(outer.info("outer").map(|info| info.is_async), Some(false));
}

#[test]
#[should_panic(expected = "registered twice")]
fn a_name_registered_twice_is_refused() {
    let mut methods = Methods::new();
    methods.method("m", [], || 1).method("m", [], || 2);
}

#[test]
#[should_panic(expected = "reserved")]
fn rpc_names_are_reserved() {
    Methods::new().method("rpc.mine", [], || 1);
}
