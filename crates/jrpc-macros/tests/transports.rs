//! An API defined once with `#[jrpc::rpc]`, served over HTTP, WebSocket and TCP, and called with
//! the generated client: calls, notifications, raw params, errors, a subscription and the OpenRPC
//! document the macro describes.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use jrpc::client::Client;
use jrpc::http::{HttpConfig, HttpServer};
use jrpc::server::Discover;
use jrpc::subscription::Sink;
use jrpc::transport::{StreamConfig, StreamServer};
use jrpc::{ErrorObject, Params, Server};

/// A calculator with memory.
#[jrpc::rpc]
pub trait Calc {
    /// Subtracts the subtrahend from the minuend.
    ///
    /// Fails with 1 on overflow.
    fn subtract(&self, minuend: i64, subtrahend: i64) -> Result<i64, ErrorObject>;

    /// Adds to the memory.
    #[rpc(notification)]
    fn remember(&self, value: i64);

    /// The memory.
    #[rpc(name = "calc.memory", result = "memory")]
    async fn memory(&self) -> i64;

    /// Greets, politely by default.
    async fn greet(&self, name: String, greeting: Option<String>) -> Result<String, ErrorObject>;

    /// Counts its params.
    #[rpc(raw_params)]
    fn count(&self, params: Params) -> Result<usize, ErrorObject>;

    /// Counts up from `from`, one item per tick.
    #[rpc(subscription = "counted", item = u64, unsubscribe = "stop_counting")]
    fn count_up(&self, from: u64) -> Result<(), ErrorObject>;
}

#[derive(Default)]
struct Calculator {
    memory: Arc<AtomicI64>,
}

impl Calc for Calculator {
    fn subtract(&self, minuend: i64, subtrahend: i64) -> Result<i64, ErrorObject> {
        minuend
            .checked_sub(subtrahend)
            .ok_or_else(|| ErrorObject::new(1, "overflow"))
    }

    fn remember(&self, value: i64) {
        self.memory.fetch_add(value, Ordering::SeqCst);
    }

    async fn memory(&self) -> i64 {
        self.memory.load(Ordering::SeqCst)
    }

    async fn greet(&self, name: String, greeting: Option<String>) -> Result<String, ErrorObject> {
        Ok(format!("{}, {name}!", greeting.as_deref().unwrap_or("Hello")))
    }

    fn count(&self, params: Params) -> Result<usize, ErrorObject> {
        Ok(params
            .parse::<Option<Vec<serde_json::Value>>>()?
            .map_or(0, |values| values.len()))
    }

    fn count_up(&self, sink: Sink<u64>, from: u64) -> Result<(), ErrorObject> {
        tokio::spawn(async move {
            for value in from.. {
                if sink.send(&value).await.is_err() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
        });
        Ok(())
    }
}

fn server() -> Server {
    Server::builder()
        .discover(Discover::new("calc", "1.0.0"))
        .build(CalcServer::into_methods(Calculator::default()))
}

async fn calls_work(client: &Client) {
    assert_eq!(client.subtract(42, 23).await.expect("ok"), 19);
    let error = client.subtract(i64::MIN, 1).await.expect_err("an error");
    assert_eq!(error.remote_error().map(ErrorObject::code), Some(1), "{error}");
    assert_eq!(client.greet("Ada".into(), None).await.expect("ok"), "Hello, Ada!");
    assert_eq!(
        client.greet("Ada".into(), Some("Hi".into())).await.expect("ok"),
        "Hi, Ada!"
    );
    assert_eq!(client.count([1, 2, 3]).await.expect("ok"), 3);
    let before = client.memory().await.expect("ok");
    client.remember(5).await.expect("ok");
    // A notification has no answer; the next call on the same connection sees its effect (HTTP:
    // the notification's POST returned once the server ran it).
    let mut after = client.memory().await.expect("ok");
    for _ in 0..100 {
        if after == before + 5 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        after = client.memory().await.expect("ok");
    }
    assert_eq!(after, before + 5);
}

async fn subscription_works(client: &Client) {
    let mut counted = client.count_up(7).await.expect("ok");
    let mut items = Vec::new();
    while items.len() < 3 {
        items.push(counted.next().await.expect("an item").expect("a number"));
    }
    assert_eq!(items, [7, 8, 9]);
    let unsubscribed = counted.unsubscribe().await.expect("ok");
    assert_eq!(unsubscribed.get(), "true");
}

#[tokio::test]
async fn the_generated_client_calls_the_generated_server_over_http_websocket_and_tcp() {
    let http = HttpServer::bind("127.0.0.1:0", server(), HttpConfig::default())
        .await
        .expect("bind HTTP");
    let tcp = StreamServer::bind_tcp("127.0.0.1:0", server(), StreamConfig::default())
        .await
        .expect("bind TCP");
    let over_http = Client::connect(&format!("http://{}/", http.local_addr()))
        .await
        .expect("ok");
    let over_ws = Client::connect(&format!("ws://{}/", http.local_addr()))
        .await
        .expect("ok");
    let over_tcp = Client::connect(&format!("tcp://{}", tcp.local_addr().expect("TCP")))
        .await
        .expect("ok");
    for client in [&over_http, &over_ws, &over_tcp] {
        calls_work(client).await;
    }
    subscription_works(&over_ws).await;
    subscription_works(&over_tcp).await;
    // Over HTTP there is no connection to push items to: the client refuses to subscribe, and
    // the server answers a subscribe call made anyway with -32603.
    assert!(over_http.count_up(1).await.is_err());
    let error = over_http
        .call::<_, String>("count_up", [1])
        .await
        .expect_err("an error");
    assert_eq!(
        error.remote_error().map(ErrorObject::code),
        Some(-32603),
        "{error}"
    );
}

#[test]
fn the_document_comes_from_the_doc_comments_and_the_types() {
    let methods = CalcServer::into_methods(Calculator::default());
    let document = serde_json::to_value(methods.openrpc(&Discover::new("calc", "1.0.0"))).expect("ok");
    let method = |name: &str| {
        document["methods"]
            .as_array()
            .expect("ok")
            .iter()
            .find(|method| method["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {document:#}"))
            .clone()
    };
    let subtract = method("subtract");
    assert_eq!(subtract["summary"], "Subtracts the subtrahend from the minuend.");
    assert_eq!(subtract["description"], "Fails with 1 on overflow.");
    assert_eq!(subtract["params"][0]["name"], "minuend");
    assert_eq!(subtract["params"][0]["schema"]["type"], "integer");
    assert_eq!(subtract["params"][1]["required"], true);
    assert_eq!(subtract["result"]["schema"]["type"], "integer");
    let greet = method("greet");
    assert_eq!(greet["params"][1]["name"], "greeting");
    assert_ne!(
        greet["params"][1]["required"], true,
        "an Option param is not required"
    );
    assert_eq!(method("calc.memory")["result"]["name"], "memory");
    assert_eq!(method("count")["paramStructure"], "by-position");
    let count_up = method("count_up");
    assert_eq!(count_up["result"]["name"], "subscription");
    assert!(count_up["description"]
        .as_str()
        .expect("ok")
        .contains("`counted` notification"));
    assert_eq!(method("stop_counting")["params"][0]["name"], "subscription");
    assert_eq!(
        CalcServer::docs()
            .iter()
            .map(|(name, _)| *name)
            .collect::<Vec<_>>(),
        [
            "subtract",
            "remember",
            "calc.memory",
            "greet",
            "count",
            "count_up",
            "stop_counting"
        ]
    );
}
