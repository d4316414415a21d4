//! Persistent connections over real sockets: framing leniency, every limit, graceful shutdown,
//! server push and server-to-client calls, and WebSocket behaviour.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use jrpc::http::{HttpConfig, HttpServer};
use jrpc::transport::{ConnectionLimits, Framing, Peer, StreamConfig, StreamServer};
use jrpc::{ErrorObject, Methods, Server};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

/// Methods that sleep, count how many calls started, push notifications and call the client back.
fn methods(started: Arc<AtomicUsize>) -> Methods {
    let mut methods = Methods::new();
    let counter = Arc::clone(&started);
    methods
        .method("add", ["a", "b"], |a: i64, b: i64| a + b)
        .async_method("sleep", ["ms"], move |ms: u64| {
            counter.fetch_add(1, Ordering::SeqCst);
            async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok::<_, ErrorObject>(ms)
            }
        })
        .method("blob", ["size"], move |size: usize| {
            started.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ErrorObject>("x".repeat(size))
        })
        .async_method("subscribe_ticks", [], |peer: Option<Peer>| async move {
            let peer = peer.ok_or_else(|| ErrorObject::new(-32000, "needs a persistent connection"))?;
            tokio::spawn(async move {
                for tick in 0.. {
                    let params = [tick];
                    tokio::select! {
                        _ = peer.closed() => break,
                        sent = peer.notify("tick", &params) => if sent.is_err() { break },
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            });
            Ok::<_, ErrorObject>("subscribed")
        })
        .async_method("ask_client", [], |peer: Option<Peer>| async move {
            let peer = peer.ok_or_else(|| ErrorObject::new(-32000, "needs a persistent connection"))?;
            let answer = peer
                .call("client_double", &[21])
                .await
                .map_err(ErrorObject::internal)?;
            let doubled: i64 = serde_json::from_str(answer.get()).map_err(ErrorObject::internal)?;
            Ok::<_, ErrorObject>(json!({"client said": doubled}))
        });
    methods
}

async fn tcp_server(config: StreamConfig) -> (StreamServer, Arc<AtomicUsize>) {
    let started = Arc::new(AtomicUsize::new(0));
    let server = Server::new(methods(Arc::clone(&started)));
    (
        StreamServer::bind_tcp("127.0.0.1:0", server, config)
            .await
            .expect("bind"),
        started,
    )
}

struct Lines {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

impl Lines {
    async fn connect(server: &StreamServer) -> Lines {
        let stream = TcpStream::connect(server.local_addr().expect("TCP"))
            .await
            .expect("connect");
        let (reader, writer) = stream.into_split();
        Lines {
            reader: BufReader::new(reader),
            writer,
        }
    }

    async fn send(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).await.expect("write");
    }

    async fn receive(&mut self) -> Option<Value> {
        let mut line = String::new();
        let read = tokio::time::timeout(Duration::from_secs(10), self.reader.read_line(&mut line))
            .await
            .expect("in time");
        match read.expect("read") {
            0 => None,
            _ => Some(serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"))),
        }
    }
}

#[tokio::test]
async fn newline_framing_is_lenient_and_survives_bad_messages() {
    let (server, _) = tcp_server(StreamConfig {
        max_frame_bytes: Some(200),
        ..StreamConfig::default()
    })
    .await;
    let mut client = Lines::connect(&server).await;
    let oversized = format!("[{}1]", "1,".repeat(200));
    client
        .send(&format!(
            "\r\n  {{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":1}}\r\n\n{{oops\n{oversized}\n\
             {{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[2,3],\"id\":2}}\n"
        ))
        .await;
    assert_eq!(
        client.receive().await,
        Some(json!({"jsonrpc": "2.0", "result": 3, "id": 1}))
    );
    assert_eq!(client.receive().await.expect("reply")["error"]["code"], -32700);
    let too_large = client.receive().await.expect("reply");
    assert_eq!(too_large["error"]["code"], -32600);
    assert_eq!(
        too_large["error"]["data"],
        "message exceeds the limit of 200 bytes"
    );
    assert_eq!(
        client.receive().await,
        Some(json!({"jsonrpc": "2.0", "result": 5, "id": 2}))
    );
}

#[tokio::test]
async fn content_length_framing_over_tcp() {
    let config = StreamConfig {
        framing: Framing::ContentLength,
        ..StreamConfig::default()
    };
    let (server, _) = tcp_server(config).await;
    let mut stream = TcpStream::connect(server.local_addr().expect("TCP"))
        .await
        .expect("connect");
    let body = r#"{"jsonrpc":"2.0","method":"add","params":[20,22],"id":7}"#;
    stream
        .write_all(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes())
        .await
        .expect("write");
    let expected = r#"{"jsonrpc":"2.0","result":42,"id":7}"#;
    let mut reply = vec![0u8; format!("Content-Length: {}\r\n\r\n{expected}", expected.len()).len()];
    stream.read_exact(&mut reply).await.expect("read");
    assert_eq!(
        String::from_utf8(reply).expect("UTF-8"),
        format!("Content-Length: 36\r\n\r\n{expected}")
    );
}

#[tokio::test]
async fn connections_beyond_the_limit_are_told_to_retry() {
    let (server, _) = tcp_server(StreamConfig {
        max_connections: 1,
        ..StreamConfig::default()
    })
    .await;
    let mut first = Lines::connect(&server).await;
    first
        .send("{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,1],\"id\":1}\n")
        .await;
    assert_eq!(first.receive().await.expect("reply")["result"], 2);
    let mut second = Lines::connect(&server).await;
    let refusal = second.receive().await.expect("a refusal");
    assert_eq!(refusal["error"]["code"], jrpc::transport::stream::OVERLOADED_CODE);
    assert_eq!(second.receive().await, None, "then the connection is closed");
    drop(first);
    // The slot frees when the first client leaves.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut third = Lines::connect(&server).await;
    third
        .send("{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":1}\n")
        .await;
    assert_eq!(third.receive().await.expect("reply")["result"], 3);
}

#[tokio::test]
async fn reading_pauses_at_the_in_flight_limit() {
    let limits = ConnectionLimits {
        max_in_flight: 4,
        ..ConnectionLimits::default()
    };
    let (server, started) = tcp_server(StreamConfig {
        limits,
        ..StreamConfig::default()
    })
    .await;
    let mut client = Lines::connect(&server).await;
    let requests: String = (0..24)
        .map(|i| format!("{{\"jsonrpc\":\"2.0\",\"method\":\"sleep\",\"params\":[200],\"id\":{i}}}\n"))
        .collect();
    client.send(&requests).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(
        started.load(Ordering::SeqCst),
        4,
        "only max_in_flight calls may run"
    );
    // They all complete, four at a time.
    for _ in 0..24 {
        assert_eq!(client.receive().await.expect("reply")["result"], 200);
    }
}

#[tokio::test]
async fn a_client_that_never_reads_is_held_by_the_outbound_budget_and_others_are_served() {
    let limits = ConnectionLimits {
        max_in_flight: 8,
        outbound_budget_bytes: 64 * 1024,
        ..ConnectionLimits::default()
    };
    let (server, started) = tcp_server(StreamConfig {
        limits,
        ..StreamConfig::default()
    })
    .await;
    // A greedy client: asks for 10,000 replies of 10 KB and never reads one.
    let greedy = TcpStream::connect(server.local_addr().expect("TCP"))
        .await
        .expect("connect");
    let (_unread, mut writer) = greedy.into_split();
    let sender = tokio::spawn(async move {
        for i in 0..10_000 {
            let request =
                format!("{{\"jsonrpc\":\"2.0\",\"method\":\"blob\",\"params\":[10000],\"id\":{i}}}\n");
            if writer.write_all(request.as_bytes()).await.is_err() {
                break;
            }
        }
    });
    // Wait until the count stops moving: kernel socket buffers fill at whatever pace the machine allows.
    let mut served = started.load(Ordering::SeqCst);
    let mut still = 0;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = started.load(Ordering::SeqCst);
        still = if now == served { still + 1 } else { 0 };
        served = now;
        if still == 3 {
            break;
        }
    }
    assert_eq!(still, 3, "the server kept serving a client that reads nothing");
    // The kernel's socket buffers absorb a few megabytes of replies (about 400 here); beyond them the
    // outbound budget (64 KiB) and the in-flight limit stop the server from reading: far below 10,000.
    assert!(
        served < 1_000,
        "{served} calls ran for a client that reads nothing"
    );
    let mut polite = Lines::connect(&server).await;
    polite
        .send("{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":1}\n")
        .await;
    assert_eq!(polite.receive().await.expect("reply")["result"], 3);
    assert_eq!(
        started.load(Ordering::SeqCst),
        served,
        "the greedy client got more served meanwhile"
    );
    sender.abort();
}

#[tokio::test]
async fn idle_connections_are_closed() {
    let limits = ConnectionLimits {
        idle_timeout: Some(Duration::from_millis(200)),
        ..ConnectionLimits::default()
    };
    let (server, _) = tcp_server(StreamConfig {
        limits,
        ..StreamConfig::default()
    })
    .await;
    let mut client = Lines::connect(&server).await;
    client
        .send("{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":1}\n")
        .await;
    assert_eq!(client.receive().await.expect("reply")["result"], 3);
    // A call that lasts longer than the idle timeout keeps the connection open.
    client
        .send("{\"jsonrpc\":\"2.0\",\"method\":\"sleep\",\"params\":[500],\"id\":2}\n")
        .await;
    assert_eq!(client.receive().await.expect("reply")["result"], 500);
    assert_eq!(client.receive().await, None, "closed after idling");
}

#[tokio::test]
async fn graceful_shutdown_finishes_calls_in_flight_then_closes() {
    let (server, _) = tcp_server(StreamConfig::default()).await;
    let mut client = Lines::connect(&server).await;
    client
        .send("{\"jsonrpc\":\"2.0\",\"method\":\"sleep\",\"params\":[300],\"id\":1}\n")
        .await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let addr = server.local_addr().expect("TCP");
    let shutdown = tokio::spawn(server.shutdown());
    assert_eq!(
        client.receive().await.expect("the reply still comes")["result"],
        300
    );
    assert_eq!(client.receive().await, None);
    tokio::time::timeout(Duration::from_secs(5), shutdown)
        .await
        .expect("done")
        .expect("no panic");
    assert!(TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn a_per_call_timeout_answers_with_the_documented_code() {
    let started = Arc::new(AtomicUsize::new(0));
    let server = Server::builder()
        .layer(tower::timeout::TimeoutLayer::new(Duration::from_millis(100)))
        .build(methods(started));
    let server = StreamServer::bind_tcp("127.0.0.1:0", server, StreamConfig::default())
        .await
        .expect("bind");
    let mut client = Lines::connect(&server).await;
    client
        .send("{\"jsonrpc\":\"2.0\",\"method\":\"sleep\",\"params\":[5000],\"id\":1}\n")
        .await;
    let reply = client.receive().await.expect("reply");
    assert_eq!(reply["error"]["code"], jrpc::server::TIMEOUT_CODE);
    client
        .send("{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":2}\n")
        .await;
    assert_eq!(
        client.receive().await.expect("reply")["result"],
        3,
        "the connection stays usable"
    );
}

#[tokio::test]
async fn subscriptions_push_notifications_until_disconnect() {
    let (server, _) = tcp_server(StreamConfig::default()).await;
    let mut client = Lines::connect(&server).await;
    client
        .send("{\"jsonrpc\":\"2.0\",\"method\":\"subscribe_ticks\",\"id\":1}\n")
        .await;
    let mut ticks = Vec::new();
    let mut subscribed = false;
    while ticks.len() < 5 {
        let message = client.receive().await.expect("a message");
        if message.get("id") == Some(&json!(1)) {
            assert_eq!(message["result"], "subscribed");
            subscribed = true;
        } else {
            assert_eq!(message["method"], "tick");
            assert!(message.get("id").is_none(), "a notification has no id");
            ticks.push(message["params"][0].as_i64().expect("tick"));
        }
    }
    assert!(subscribed || client.receive().await.expect("reply")["result"] == "subscribed");
    assert_eq!(ticks, (ticks[0]..ticks[0] + 5).collect::<Vec<_>>());
}

#[tokio::test]
async fn the_server_calls_a_method_the_client_serves() {
    let (server, _) = tcp_server(StreamConfig::default()).await;
    let mut client = Lines::connect(&server).await;
    client
        .send("{\"jsonrpc\":\"2.0\",\"method\":\"ask_client\",\"id\":\"q\"}\n")
        .await;
    let request = client.receive().await.expect("the server's request");
    assert_eq!(request["method"], "client_double");
    assert_eq!(request["params"], json!([21]));
    let id = request["id"].clone();
    client
        .send(&format!(
            "{}\n",
            json!({"jsonrpc": "2.0", "result": 42, "id": id})
        ))
        .await;
    let reply = client.receive().await.expect("reply");
    assert_eq!(
        reply,
        json!({"jsonrpc": "2.0", "result": {"client said": 42}, "id": "q"})
    );
}

#[tokio::test]
async fn websocket_frames_ping_out_of_order_replies_and_close() {
    let started = Arc::new(AtomicUsize::new(0));
    let http = HttpServer::bind(
        "127.0.0.1:0",
        Server::new(methods(started)),
        HttpConfig::default(),
    )
    .await
    .expect("bind");
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/", http.local_addr()))
        .await
        .expect("upgrade");
    // A slow call then a fast one: the fast reply comes first.
    socket
        .send(Message::text(
            r#"{"jsonrpc":"2.0","method":"sleep","params":[300],"id":"slow"}"#,
        ))
        .await
        .expect("send");
    socket
        .send(Message::binary(
            r#"{"jsonrpc":"2.0","method":"add","params":[1,2],"id":"fast"}"#
                .as_bytes()
                .to_vec(),
        ))
        .await
        .expect("send");
    socket
        .send(Message::Ping(b"hi".to_vec().into()))
        .await
        .expect("ping");
    let mut order = Vec::new();
    let mut ponged = false;
    while order.len() < 2 {
        match tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("in time")
            .expect("open")
            .expect("frame")
        {
            Message::Text(text) => {
                let reply: Value = serde_json::from_str(&text).expect("JSON");
                order.push(reply["id"].as_str().expect("id").to_owned());
            }
            Message::Pong(payload) => {
                assert_eq!(&payload[..], b"hi");
                ponged = true;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(order, ["fast", "slow"]);
    assert!(ponged, "a ping is answered with a pong");
    socket.send(Message::text("[]")).await.expect("send");
    let reply = socket.next().await.expect("open").expect("frame");
    assert_eq!(
        serde_json::from_str::<Value>(reply.to_text().expect("text")).expect("JSON")["error"]["code"],
        -32600
    );
    socket.close(None).await.expect("close handshake");
    let end = tokio::time::timeout(Duration::from_secs(5), socket.next())
        .await
        .expect("in time");
    assert!(
        matches!(end, None | Some(Ok(Message::Close(_))) | Some(Err(_))),
        "{end:?}"
    );
    http.shutdown().await;
}

#[tokio::test]
async fn http_connections_beyond_the_limit_get_503() {
    let config = HttpConfig {
        max_connections: 1,
        ..HttpConfig::default()
    };
    let started = Arc::new(AtomicUsize::new(0));
    let http = HttpServer::bind("127.0.0.1:0", Server::new(methods(started)), config)
        .await
        .expect("bind");
    let _first = TcpStream::connect(http.local_addr()).await.expect("connect");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut second = TcpStream::connect(http.local_addr()).await.expect("connect");
    let mut response = String::new();
    tokio::time::timeout(Duration::from_secs(5), second.read_to_string(&mut response))
        .await
        .expect("in time")
        .expect("read");
    assert!(response.starts_with("HTTP/1.1 503"), "{response}");
    assert!(response.contains("Retry-After: 1"));
}

#[tokio::test]
async fn a_client_that_stops_reading_cannot_hold_up_a_shutdown() {
    let limits = ConnectionLimits {
        outbound_budget_bytes: 64 * 1024,
        shutdown_grace: Duration::from_millis(300),
        ..ConnectionLimits::default()
    };
    let (server, started) = tcp_server(StreamConfig {
        limits,
        ..StreamConfig::default()
    })
    .await;
    let greedy = TcpStream::connect(server.local_addr().expect("TCP"))
        .await
        .expect("connect");
    let (_unread, mut writer) = greedy.into_split();
    for i in 0..2_000 {
        let request = format!("{{\"jsonrpc\":\"2.0\",\"method\":\"blob\",\"params\":[10000],\"id\":{i}}}\n");
        if writer.write_all(request.as_bytes()).await.is_err() {
            break;
        }
        if started.load(Ordering::SeqCst) > 100 && i > 1_000 {
            break;
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let shutdown = tokio::time::timeout(Duration::from_secs(10), server.shutdown()).await;
    assert!(shutdown.is_ok(), "shutdown waited for a client that never reads");
}
