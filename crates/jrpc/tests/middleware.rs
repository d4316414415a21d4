//! Tower layers on the per-call path: they see every call, single or in a batch, and their errors
//! become JSON-RPC errors.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use jrpc::server::{BoxError, TIMEOUT_CODE};
use jrpc::{Call, ErrorObject, Methods, Reply, Server};
use serde_json::{json, Value};
use tower::{Layer, Service};

fn methods() -> Methods {
    let mut methods = Methods::new();
    methods
        .method("add", ["a", "b"], |a: i64, b: i64| a + b)
        .method("admin_reset", [], || "reset")
        .async_method("sleep", ["ms"], |ms: u64| async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok::<_, ErrorObject>(ms)
        });
    methods
}

/// Counts the calls it sees and refuses `admin_*` methods, as an auth layer would.
#[derive(Clone)]
struct Guard<S> {
    inner: S,
    seen: Arc<AtomicUsize>,
}

impl<S> Service<Call> for Guard<S>
where
    S: Service<Call, Response = Option<Reply>>,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    type Response = Option<Reply>;
    type Error = BoxError;
    type Future = futures_util::future::BoxFuture<'static, Result<Option<Reply>, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, call: Call) -> Self::Future {
        self.seen.fetch_add(1, Ordering::SeqCst);
        if call.method().starts_with("admin_") {
            let error: BoxError = Box::new(ErrorObject::new(-32010, "Forbidden").with_data(call.method()));
            return Box::pin(std::future::ready(Err(error)));
        }
        let future = self.inner.call(call);
        Box::pin(async move { future.await.map_err(Into::into) })
    }
}

#[derive(Clone)]
struct GuardLayer(Arc<AtomicUsize>);

impl<S> Layer<S> for GuardLayer {
    type Service = Guard<S>;
    fn layer(&self, inner: S) -> Guard<S> {
        Guard {
            inner,
            seen: Arc::clone(&self.0),
        }
    }
}

async fn answer<S>(server: &Server<S>, message: Value) -> Value
where
    S: Service<Call, Response = Option<Reply>> + Clone + Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send,
{
    let reply = server
        .handle(message.to_string().as_bytes())
        .await
        .expect("a reply");
    serde_json::from_slice(&reply).expect("JSON")
}

#[tokio::test]
async fn a_layer_sees_every_call_of_a_batch_and_can_refuse_one() {
    let seen = Arc::new(AtomicUsize::new(0));
    let server = Server::builder()
        .layer(GuardLayer(Arc::clone(&seen)))
        .build(methods());
    let reply = answer(
        &server,
        json!([
            {"jsonrpc": "2.0", "method": "add", "params": [1, 2], "id": 1},
            {"jsonrpc": "2.0", "method": "admin_reset", "id": 2},
            {"jsonrpc": "2.0", "method": "add", "params": [3, 4]},
        ]),
    )
    .await;
    assert_eq!(
        seen.load(Ordering::SeqCst),
        3,
        "the notification went through the layer too"
    );
    assert_eq!(
        reply,
        json!([
            {"jsonrpc": "2.0", "result": 3, "id": 1},
            {"jsonrpc": "2.0", "error": {"code": -32010, "message": "Forbidden", "data": "admin_reset"}, "id": 2},
        ])
    );
}

#[tokio::test]
async fn the_stock_timeout_layer_answers_with_the_documented_code() {
    let server = Server::builder()
        .layer(tower::timeout::TimeoutLayer::new(Duration::from_millis(50)))
        .build(methods());
    let reply = answer(
        &server,
        json!([
            {"jsonrpc": "2.0", "method": "sleep", "params": [2000], "id": "slow"},
            {"jsonrpc": "2.0", "method": "sleep", "params": [1], "id": "fast"},
        ]),
    )
    .await;
    let mut replies = reply.as_array().expect("batch").clone();
    replies.sort_by_key(|r| r["id"].to_string());
    assert_eq!(replies[0], json!({"jsonrpc": "2.0", "result": 1, "id": "fast"}));
    assert_eq!(
        replies[1],
        json!({"jsonrpc": "2.0", "error": {"code": TIMEOUT_CODE, "message": "Request timed out"}, "id": "slow"})
    );
}

#[tokio::test]
async fn layers_stack_outermost_first() {
    let seen = Arc::new(AtomicUsize::new(0));
    let server = Server::builder()
        .layer(GuardLayer(Arc::clone(&seen)))
        .layer(tower::limit::ConcurrencyLimitLayer::new(2))
        .layer(tower::timeout::TimeoutLayer::new(Duration::from_secs(5)))
        .build(methods());
    let batch: Vec<Value> = (0..10)
        .map(|i| json!({"jsonrpc": "2.0", "method": "sleep", "params": [5], "id": i}))
        .collect();
    let reply = answer(&server, Value::Array(batch)).await;
    assert_eq!(reply.as_array().expect("batch").len(), 10);
    assert_eq!(seen.load(Ordering::SeqCst), 10);
}
