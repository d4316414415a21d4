//! The jrpc client in five steps: a typed call, a notification, a batch, a subscription and a call
//! from the server to the client. It starts its own server, so it runs as it is:
//!
//! ```text
//! cargo run -p jrpc --example client
//! ```

use std::time::Duration;

use jrpc::client::{Batch, Client, ClientBuilder};
use jrpc::http::{HttpConfig, HttpServer};
use jrpc::transport::Peer;
use jrpc::{ErrorObject, Methods, Server};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct Subtract {
    minuend: i64,
    subtrahend: i64,
}

#[derive(Debug, Deserialize)]
struct Tick {
    n: u64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let http = HttpServer::bind("127.0.0.1:0", Server::new(methods()), HttpConfig::default()).await?;
    let http_url = format!("http://{}/", http.local_addr());
    let ws_url = format!("ws://{}/", http.local_addr());

    // 1. A typed call, by position and by name.
    let client = Client::connect(&http_url).await?;
    let by_position: i64 = client.call("subtract", &(42, 23)).await?;
    let by_name: i64 = client
        .call(
            "subtract",
            &Subtract {
                minuend: 42,
                subtrahend: 23,
            },
        )
        .await?;
    println!("subtract: {by_position} by position, {by_name} by name");
    assert_eq!((by_position, by_name), (19, 19));

    // A server error keeps its code, message and data.
    let error = client
        .call::<_, i64>("divide", &(1, 0))
        .await
        .expect_err("division by zero");
    let remote = error.remote_error().expect("an error from the server");
    println!(
        "divide by zero: code {}, message {:?}",
        remote.code(),
        remote.message()
    );

    // 2. A notification: executed by the server, never answered.
    client.notify("log", &["hello from the client"]).await?;

    // 3. A batch, its results typed per call and matched by id.
    let mut batch = Batch::new();
    let difference = batch.call::<i64, _>("subtract", &(10, 4))?;
    batch.notify("log", ["inside a batch"])?;
    let quotient = batch.call::<i64, _>("divide", &(10, 5))?;
    let mut results = client.send_batch(batch).await?;
    println!(
        "batch: {} and {}",
        results.take(difference)?,
        results.take(quotient)?
    );

    // 4. A subscription over WebSocket: the server pushes events until we unsubscribe.
    let client = ClientBuilder::new()
        .methods(client_methods())
        .connect(&ws_url)
        .await?;
    let mut ticks = client
        .subscribe::<_, Tick>("subscribe_ticks", &(), "tick", "unsubscribe_ticks")
        .await?;
    for _ in 0..3 {
        let tick = ticks.next().await.expect("the server sends ticks")?;
        println!("tick {}", tick.n);
    }
    ticks.unsubscribe().await?;

    // 5. The server calls a method the client serves, in the middle of answering our call.
    let answer: String = client.call("greet_me", &()).await?;
    println!("greet_me: {answer}");
    assert_eq!(answer, "Hello, client-side handler!");

    http.shutdown().await;
    Ok(())
}

/// The server's methods: arithmetic, a log, and two that talk back over the connection.
fn methods() -> Methods {
    let mut methods = Methods::new();
    methods
        .method("subtract", ["minuend", "subtrahend"], |a: i64, b: i64| a - b)
        .method("divide", ["dividend", "divisor"], |a: i64, b: i64| {
            a.checked_div(b)
                .ok_or_else(|| ErrorObject::new(1, "division by zero").with_data([a, b]))
        })
        .method("log", ["line"], |line: String| {
            eprintln!("server log: {line}");
            Ok::<_, ErrorObject>(())
        })
        .async_method("subscribe_ticks", [], |peer: Option<Peer>| async move {
            let peer = peer.ok_or_else(|| ErrorObject::new(-32000, "subscriptions need WebSocket"))?;
            tokio::spawn(async move {
                for n in 0.. {
                    let event = serde_json::json!({"subscription": "ticks-1", "result": {"n": n}});
                    if peer.notify("tick", &event).await.is_err() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            });
            Ok::<_, ErrorObject>("ticks-1")
        })
        .method("unsubscribe_ticks", ["id"], |_id: String| true)
        .async_method("greet_me", [], |peer: Option<Peer>| async move {
            let peer = peer.ok_or_else(|| ErrorObject::new(-32000, "needs a persistent connection"))?;
            let name = peer.call("whoami", &()).await.map_err(ErrorObject::internal)?;
            let name: String = serde_json::from_str(name.get()).map_err(ErrorObject::internal)?;
            Ok::<_, ErrorObject>(format!("Hello, {name}!"))
        });
    methods
}

/// What the client serves to the server.
fn client_methods() -> Methods {
    let mut methods = Methods::new();
    methods.method("whoami", [], || "client-side handler");
    methods
}
