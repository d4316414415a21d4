//! The jrpc client against the spec example server over every transport, against scripted servers
//! that misbehave, and with the server calling and notifying the client.

use std::time::Duration;

use jrpc::client::{Batch, Client, ClientBuilder, Reconnect};
use jrpc::http::{HttpConfig, HttpServer};
use jrpc::transport::{Framing, Peer, StreamConfig, StreamServer};
use jrpc::{ErrorObject, Methods};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Serialize)]
struct Subtract {
    minuend: i64,
    subtrahend: i64,
}

/// The section 7 examples, through a client, on whatever transport it speaks.
async fn exercise(client: &Client, transport: &str) {
    let by_position: i64 = client.call("subtract", &(42, 23)).await.expect(transport);
    assert_eq!(by_position, 19, "{transport}");
    let by_name: i64 = client
        .call(
            "subtract",
            &Subtract {
                minuend: 23,
                subtrahend: 42,
            },
        )
        .await
        .expect(transport);
    assert_eq!(by_name, -19, "{transport}");
    let data: (String, i64) = client.call("get_data", &()).await.expect(transport);
    assert_eq!(data, ("hello".to_owned(), 5), "{transport}");
    // About 600 KB: many socket reads (and WebSocket read buffers) long.
    let ones = vec![1_i64; 300_000];
    let total: i64 = client.call("sum", &ones).await.expect(transport);
    assert_eq!(total, 300_000, "{transport}: a long message");
    client.notify("update", &[1, 2, 3, 4, 5]).await.expect(transport);

    let missing = client.call::<_, i64>("foobar", &()).await.expect_err(transport);
    let error = missing.remote_error().expect("a server error");
    assert_eq!(
        (error.code(), error.message()),
        (-32601, "Method not found"),
        "{transport}"
    );
    let wrong = client
        .call::<_, i64>("subtract", &("a", 1))
        .await
        .expect_err(transport);
    assert_eq!(
        wrong.remote_error().map(ErrorObject::code),
        Some(-32602),
        "{transport}"
    );
    let decode = client
        .call::<_, String>("subtract", &(1, 1))
        .await
        .expect_err(transport);
    assert!(decode.is_decode(), "{transport}: {decode}");

    let mut batch = Batch::new();
    let sum = batch.call::<i64, _>("sum", &[1, 2, 4]).expect("params");
    batch.notify("notify_hello", [7]).expect("params");
    let subtract = batch.call::<i64, _>("subtract", &[42, 23]).expect("params");
    let nothing = batch
        .call::<i64, _>("foo.get", &json!({"name": "myself"}))
        .expect("params");
    let data = batch.call::<(String, i64), _>("get_data", &()).expect("params");
    let mut results = client.send_batch(batch).await.expect(transport);
    assert_eq!(results.len(), 4);
    assert_eq!(results.take(data).expect(transport).1, 5);
    assert_eq!(results.take(subtract).expect(transport), 19);
    assert_eq!(results.take(sum).expect(transport), 7);
    let error = results.take(nothing).expect_err(transport);
    assert_eq!(error.remote_error().map(ErrorObject::code), Some(-32601));

    let mut notifications = Batch::new();
    notifications.notify("notify_sum", [1, 2, 4]).expect("params");
    notifications.notify("notify_hello", [7]).expect("params");
    let results = client.send_batch(notifications).await.expect(transport);
    assert!(results.is_empty());
    let empty = client.send_batch(Batch::new()).await.expect_err(transport);
    assert!(empty.is_params());
}

#[tokio::test]
async fn typed_calls_batches_and_notifications_over_every_transport() {
    let server = jrpc::Server::new(spec_server::methods());
    let http = HttpServer::bind("127.0.0.1:0", server.clone(), HttpConfig::default())
        .await
        .expect("bind");
    let newline = StreamServer::bind_tcp("127.0.0.1:0", server.clone(), StreamConfig::default())
        .await
        .expect("bind");
    let content_length = StreamConfig {
        framing: Framing::ContentLength,
        ..StreamConfig::default()
    };
    let lsp = StreamServer::bind_tcp("127.0.0.1:0", server.clone(), content_length)
        .await
        .expect("bind");
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("spec.sock");
    let unix = StreamServer::bind_unix(&socket, server, StreamConfig::default()).expect("bind");

    let http_url = format!("http://{}/", http.local_addr());
    let ws_url = format!("ws://{}/", http.local_addr());
    let tcp_url = format!("tcp://{}", newline.local_addr().expect("tcp"));
    let lsp_url = format!("tcp://{}", lsp.local_addr().expect("tcp"));
    let unix_url = format!("unix:{}", socket.display());
    exercise(&Client::connect(&http_url).await.expect("http"), "HTTP").await;
    exercise(&Client::connect(&ws_url).await.expect("ws"), "WebSocket").await;
    exercise(&Client::connect(&tcp_url).await.expect("tcp"), "TCP").await;
    let lsp_client = ClientBuilder::new()
        .framing(Framing::ContentLength)
        .connect(&lsp_url)
        .await
        .expect("tcp");
    exercise(&lsp_client, "TCP with Content-Length").await;
    exercise(&Client::connect(&unix_url).await.expect("unix"), "Unix socket").await;

    let binary = env!("CARGO_BIN_EXE_spec-server");
    let child = ClientBuilder::new()
        .spawn(binary, ["--stdio"])
        .await
        .expect("spawn");
    exercise(&child, "child stdio").await;
    let child = ClientBuilder::new()
        .framing(Framing::ContentLength)
        .spawn(binary, ["--stdio", "--framing", "content-length"])
        .await
        .expect("spawn");
    exercise(&child, "child stdio with Content-Length").await;
    unix.shutdown().await;
}

#[tokio::test]
async fn many_concurrent_calls_share_one_connection() {
    let server = jrpc::Server::new(spec_server::methods());
    let http = HttpServer::bind("127.0.0.1:0", server, HttpConfig::default())
        .await
        .expect("bind");
    for url in [
        format!("ws://{}/", http.local_addr()),
        format!("http://{}/", http.local_addr()),
    ] {
        let client = Client::connect(&url).await.expect("connect");
        let calls = (0..500i64).map(|i| {
            let client = client.clone();
            async move { client.call::<_, i64>("subtract", &(i, 1)).await }
        });
        let results = futures_util::future::join_all(calls).await;
        for (i, result) in results.into_iter().enumerate() {
            assert_eq!(result.expect(&url), i as i64 - 1);
        }
    }
}

/// A TCP server that answers each request line with what `script` returns for it (nothing for
/// `None`), or closes the connection when it returns `Some("")`.
async fn scripted(script: fn(usize, &serde_json::Value) -> Option<String>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (reader, mut writer) = stream.into_split();
                let mut lines = BufReader::new(reader).lines();
                let mut index = 0;
                while let Ok(Some(line)) = lines.next_line().await {
                    let request: serde_json::Value =
                        serde_json::from_str(&line).expect("the client sends JSON");
                    match script(index, &request) {
                        Some(reply) if reply.is_empty() => return,
                        Some(reply) => writer.write_all(reply.as_bytes()).await.expect("write"),
                        None => {}
                    }
                    index += 1;
                }
            });
        }
    });
    format!("tcp://{address}")
}

fn echo_result(request: &serde_json::Value) -> String {
    format!(
        "{}\n",
        json!({"jsonrpc": "2.0", "result": "ok", "id": request["id"]})
    )
}

#[tokio::test]
async fn a_server_that_closes_mid_call_fails_the_call_promptly() {
    let url = scripted(|_, _| Some(String::new())).await;
    let client = Client::connect(&url).await.expect("connect");
    let error = tokio::time::timeout(Duration::from_secs(5), client.call::<_, String>("anything", &()))
        .await
        .expect("prompt")
        .expect_err("closed");
    assert!(error.is_closed(), "{error}");
    let again = client
        .call::<_, String>("anything", &())
        .await
        .expect_err("still closed");
    assert!(again.is_closed(), "{again}");
}

#[tokio::test]
async fn a_reply_that_never_comes_times_out_and_the_connection_stays_usable() {
    // The first call is never answered; the rest are.
    let url = scripted(|index, request| (index > 0).then(|| echo_result(request))).await;
    let client = Client::builder()
        .timeout(Some(Duration::from_millis(200)))
        .connect(&url)
        .await
        .expect("connect");
    let error = client.call::<_, String>("slow", &()).await.expect_err("timeout");
    assert!(error.is_timeout(), "{error}");
    let answer: String = client
        .call("fast", &())
        .await
        .expect("the connection still works");
    assert_eq!(answer, "ok");
    // Cancelling a call by dropping it leaves the connection usable too.
    let patient = client.with_timeout(None);
    tokio::select! {
        _ = patient.call::<_, String>("dropped", &()) => {}
        _ = tokio::time::sleep(Duration::from_millis(10)) => {}
    }
    assert_eq!(client.call::<_, String>("fast", &()).await.expect("usable"), "ok");
}

#[tokio::test]
async fn replies_with_unknown_ids_are_ignored() {
    let url = scripted(|_, request| {
        let stray = json!({"jsonrpc": "2.0", "result": "stray", "id": 987654});
        Some(format!("{stray}\n{}", echo_result(request)))
    })
    .await;
    let client = Client::connect(&url).await.expect("connect");
    let answer: String = client.call("anything", &()).await.expect("answered");
    assert_eq!(answer, "ok");
}

#[tokio::test]
async fn invalid_replies_are_reported_as_such() {
    let url = scripted(|index, request| {
        Some(match index {
            0 => "this is not JSON\n".to_owned(),
            1 => format!("{}\n", json!({"jsonrpc": "2.0", "id": request["id"]})),
            2 => format!(
                "{}\n",
                json!({"jsonrpc": "1.0", "result": 1, "id": request["id"]})
            ),
            _ => echo_result(request),
        })
    })
    .await;
    let client = Client::connect(&url).await.expect("connect");
    for rule in ["not JSON", "either result or error", "exactly \"2.0\""] {
        let error = tokio::time::timeout(Duration::from_secs(5), client.call::<_, String>("x", &()))
            .await
            .expect("prompt")
            .expect_err("invalid");
        assert!(error.is_invalid_reply(), "{error}");
        assert!(error.to_string().contains(rule), "{error} should mention {rule}");
    }
    assert_eq!(client.call::<_, String>("x", &()).await.expect("usable"), "ok");
}

/// An HTTP server answering every POST with a fixed status and body.
async fn http_replying(status: u16, body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (reader, mut writer) = stream.into_split();
                let mut reader = BufReader::new(reader);
                loop {
                    let mut length = 0;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                            length = value.trim().parse().expect("length");
                        }
                        if line == "\r\n" {
                            break;
                        }
                    }
                    let mut request = vec![0; length];
                    tokio::io::AsyncReadExt::read_exact(&mut reader, &mut request)
                        .await
                        .expect("body");
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    writer.write_all(reply.as_bytes()).await.expect("write");
                }
            });
        }
    });
    format!("http://{address}/")
}

#[tokio::test]
async fn http_leniency_and_failures() {
    // An empty body or `null` with a 2xx status means "no reply": right for notifications.
    for (status, body) in [(200, ""), (200, "null"), (204, ""), (202, " ")] {
        let client = Client::connect(&http_replying(status, body).await)
            .await
            .expect("connect");
        client
            .notify("tick", &())
            .await
            .expect("no reply is fine for a notification");
        let error = client
            .call::<_, i64>("tick", &())
            .await
            .expect_err("a call needs a reply");
        assert!(error.is_invalid_reply(), "{status} {body:?}: {error}");
    }
    // Extra members are ignored.
    let extra = r#"{"jsonrpc":"2.0","result":5,"id":1,"extra":{"a":1}}"#;
    let client = Client::connect(&http_replying(200, extra).await)
        .await
        .expect("connect");
    assert_eq!(
        client
            .call::<_, i64>("five", &())
            .await
            .expect("extra members ignored"),
        5
    );
    // A reply for another id is not ours.
    let error = client
        .call::<_, i64>("five", &())
        .await
        .expect_err("id 2 expected");
    assert!(
        error.is_invalid_reply() && error.to_string().contains("not 2"),
        "{error}"
    );
    // A JSON-RPC error body keeps its meaning whatever the status.
    let body = r#"{"jsonrpc":"2.0","error":{"code":-32000,"message":"busy","data":{"retry":1}},"id":null}"#;
    let client = Client::connect(&http_replying(503, body).await)
        .await
        .expect("connect");
    let error = client.call::<_, i64>("x", &()).await.expect_err("busy");
    let remote = error.remote_error().expect("remote");
    assert_eq!((remote.code(), remote.message()), (-32000, "busy"));
    assert_eq!(remote.data().expect("data").get(), r#"{"retry":1}"#);
    // A status without a JSON-RPC body is a transport error; garbage with 200 an invalid reply.
    let client = Client::connect(&http_replying(404, "no such page").await)
        .await
        .expect("connect");
    let error = client.call::<_, i64>("x", &()).await.expect_err("404");
    assert!(
        error.is_transport() && error.to_string().contains("404"),
        "{error}"
    );
    let client = Client::connect(&http_replying(200, "<html>").await)
        .await
        .expect("connect");
    assert!(client
        .call::<_, i64>("x", &())
        .await
        .expect_err("garbage")
        .is_invalid_reply());
}

#[tokio::test]
async fn setup_errors_are_distinct() {
    let refused = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = refused.local_addr().expect("address");
    drop(refused);
    for url in [format!("tcp://{address}"), format!("ws://{address}/")] {
        let error = Client::connect(&url).await.expect_err("refused");
        assert!(error.is_transport(), "{url}: {error}");
    }
    let client = Client::connect(&format!("http://{address}/"))
        .await
        .expect("HTTP connects lazily");
    assert!(client
        .call::<_, i64>("x", &())
        .await
        .expect_err("refused")
        .is_transport());
    for url in ["ftp://example.com", "localhost:80", "tcp://127.0.0.1", "unix:"] {
        let error = Client::connect(url).await.expect_err("bad URL");
        assert!(error.is_config(), "{url}: {error}");
    }
    let error = ClientBuilder::new()
        .spawn("/nonexistent/program", Vec::<String>::new())
        .await
        .expect_err("no such program");
    assert!(error.is_transport(), "{error}");
    let error = Client::connect(&format!("http://{address}/"))
        .await
        .expect("client")
        .call::<_, i64>("x", &5)
        .await
        .expect_err("scalar params");
    assert!(error.is_params(), "{error}");
}

#[derive(Debug, Deserialize, PartialEq)]
struct Tick {
    n: u32,
}

/// The connection a call came over, for methods that talk back.
fn needs_connection(peer: Option<Peer>) -> Result<Peer, ErrorObject> {
    peer.ok_or_else(|| ErrorObject::new(-32000, "needs a persistent connection"))
}

/// Methods that push notifications and call back the client over its persistent connection.
fn peer_methods() -> Methods {
    let mut methods = Methods::new();
    methods
        .async_method("subscribe_ticks", [], |peer: Option<Peer>| {
            let peer = needs_connection(peer);
            async move {
                let peer = peer?;
                tokio::spawn(async move {
                    for n in 0..3 {
                        let other = json!({"subscription": "someone-else", "result": {"n": 99}});
                        let _ = peer.notify("tick", &other).await;
                        let mine = json!({"subscription": "sub-7", "result": {"n": n}});
                        let _ = peer.notify("tick", &mine).await;
                    }
                });
                Ok::<_, ErrorObject>("sub-7")
            }
        })
        .method("unsubscribe_ticks", ["id"], |id: String| id == "sub-7")
        .async_method("announce", [], |peer: Option<Peer>| {
            let peer = needs_connection(peer);
            async move {
                let peer = peer?;
                peer.notify("announcement", &["hello"])
                    .await
                    .map_err(ErrorObject::internal)?;
                Ok::<_, ErrorObject>(true)
            }
        })
        .async_method("ask_client", [], |peer: Option<Peer>| {
            let peer = needs_connection(peer);
            async move {
                let peer = peer?;
                let answer = peer
                    .call("client_add", &[2, 3])
                    .await
                    .map_err(ErrorObject::internal)?;
                let sum: i64 = serde_json::from_str(answer.get()).map_err(ErrorObject::internal)?;
                Ok::<_, ErrorObject>(sum * 10)
            }
        });
    methods
}

#[tokio::test]
async fn subscriptions_notifications_and_calls_from_the_server() {
    let server = jrpc::Server::new(peer_methods());
    let http = HttpServer::bind("127.0.0.1:0", server.clone(), HttpConfig::default())
        .await
        .expect("bind");
    let tcp = StreamServer::bind_tcp("127.0.0.1:0", server, StreamConfig::default())
        .await
        .expect("bind");
    for url in [
        format!("ws://{}/", http.local_addr()),
        format!("tcp://{}", tcp.local_addr().expect("tcp")),
    ] {
        let mut handlers = Methods::new();
        handlers.method("client_add", ["a", "b"], |a: i64, b: i64| a + b);
        let client = ClientBuilder::new()
            .methods(handlers)
            .connect(&url)
            .await
            .expect("connect");

        let mut ticks = client
            .subscribe::<_, Tick>("subscribe_ticks", &(), "tick", "unsubscribe_ticks")
            .await
            .expect(&url);
        assert_eq!(ticks.id().map(|id| id.get()), Some(r#""sub-7""#));
        for n in 0..3 {
            let tick = tokio::time::timeout(Duration::from_secs(5), ticks.next())
                .await
                .expect("a tick comes")
                .expect("the stream goes on")
                .expect("a tick");
            assert_eq!(
                tick,
                Tick { n },
                "{url}: only this subscription's events, in order"
            );
        }
        let confirmed = ticks.unsubscribe().await.expect("unsubscribed");
        assert_eq!(confirmed.get(), "true");

        let mut announcements = client
            .notifications::<Vec<String>>("announcement")
            .await
            .expect(&url);
        assert!(client.call::<_, bool>("announce", &()).await.expect(&url));
        let announcement = tokio::time::timeout(Duration::from_secs(5), announcements.next())
            .await
            .expect("comes")
            .expect("open")
            .expect("decodes");
        assert_eq!(announcement, ["hello"]);

        let answer: i64 = client.call("ask_client", &()).await.expect(&url);
        assert_eq!(answer, 50, "{url}: the server called the client's own handler");
    }
    let http_client = Client::connect(&format!("http://{}/", http.local_addr()))
        .await
        .expect("http");
    let error = http_client
        .notifications::<i64>("tick")
        .await
        .expect_err("no subscriptions over HTTP");
    assert!(error.is_config(), "{error}");
}

#[tokio::test]
async fn a_closed_connection_fails_pending_calls_and_reconnects_when_asked() {
    let server = jrpc::Server::new(spec_server::methods());
    let first = StreamServer::bind_tcp("127.0.0.1:0", server.clone(), StreamConfig::default())
        .await
        .expect("bind");
    let address = first.local_addr().expect("tcp");
    let reconnect = Reconnect {
        initial_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
        max_attempts: 20,
    };
    let client = ClientBuilder::new()
        .reconnect(reconnect)
        .connect(&format!("tcp://{address}"))
        .await
        .expect("connect");
    let plain = Client::connect(&format!("tcp://{address}"))
        .await
        .expect("connect");
    assert_eq!(client.call::<_, i64>("subtract", &(3, 1)).await.expect("call"), 2);
    first.shutdown().await;

    let error = plain
        .call::<_, i64>("subtract", &(3, 1))
        .await
        .expect_err("server gone");
    assert!(error.is_closed(), "{error}");
    let again = StreamServer::bind_tcp(address, server, StreamConfig::default())
        .await
        .expect("rebind");
    assert_eq!(
        client
            .call::<_, i64>("subtract", &(5, 1))
            .await
            .expect("reconnected"),
        4
    );
    assert!(plain
        .call::<_, i64>("subtract", &(3, 1))
        .await
        .expect_err("no reconnect")
        .is_closed());
    again.shutdown().await;
}
