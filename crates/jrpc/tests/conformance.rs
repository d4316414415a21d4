//! The conformance suite: the scripts of `crates/jrpc/conformance/` (embedded as
//! [`jrpc::script::SCRIPTS`], syntax in [`jrpc::script`]) replayed in process, over HTTP, and over
//! every persistent transport: WebSocket, TCP and Unix sockets in both framings, and a pipe pair
//! as stdio is. Scripts marked `@persistent` (traffic the server starts) run on the persistent
//! transports only.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use jrpc::http::{HttpConfig, HttpServer};
use jrpc::script::{call_members, check_json, Case, Expected, Script, Step, SCRIPTS};
use jrpc::transport::{Framing, Peer, PeerError, StreamConfig, StreamServer};
use jrpc::{ErrorObject, Limits, Methods, Params, Server};
use serde_json::Value;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

/// The specification's methods (from spec-server, their one definition) plus a few that exercise
/// the rules: state, panics, options, async, and a caller's `Peer` for traffic the server starts.
/// This is the only place the suite registers methods.
fn methods() -> Methods {
    let mut methods = spec_server::methods();
    let recorded = Arc::new(Mutex::new(Vec::<Value>::new()));
    let sink = Arc::clone(&recorded);
    methods
        .method("record", [], move |params: Params| {
            let values: Vec<Value> = params.parse()?;
            sink.lock().expect("not poisoned").extend(values);
            Ok::<_, ErrorObject>(())
        })
        .method("recorded", [], move || {
            recorded.lock().expect("not poisoned").clone()
        })
        .method("panics", [], || -> Result<(), ErrorObject> {
            panic!("deliberate")
        })
        .async_method("panics_async", [], || async {
            panic!("deliberate") as Result<(), ErrorObject>
        })
        .method(
            "greet",
            ["name", "greeting"],
            |name: String, greeting: Option<String>| {
                format!("{}, {name}!", greeting.as_deref().unwrap_or("Hello"))
            },
        )
        .async_method("slow_double", ["value"], |value: i64| async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            value * 2
        })
        .method(
            "fail",
            ["code", "message", "data"],
            |code: i64, message: String, data: Option<Value>| {
                let error = ErrorObject::new(code, message);
                Err::<(), _>(match data {
                    Some(data) => error.with_data(data),
                    None => error,
                })
            },
        )
        // Pushes `announcement` with its text to the caller, then answers true.
        .async_method(
            "announce",
            ["text"],
            |peer: Option<Peer>, text: String| async move {
                needs_connection(peer)?
                    .notify("announcement", &[text])
                    .await
                    .map_err(ErrorObject::internal)?;
                Ok::<_, ErrorObject>(true)
            },
        )
        // Pushes `tick` with n, n - 1, ... 1 to the caller, then answers "liftoff".
        .async_method("countdown", ["n"], |peer: Option<Peer>, n: u32| async move {
            let peer = needs_connection(peer)?;
            for tick in (1..=n).rev() {
                peer.notify("tick", &[tick])
                    .await
                    .map_err(ErrorObject::internal)?;
            }
            Ok::<_, ErrorObject>("liftoff")
        })
        // Calls the client's `client_add` with its own params and answers with the client's answer.
        .async_method(
            "ask_client",
            [],
            |peer: Option<Peer>, params: Params| async move {
                let params = params.parse::<Value>()?;
                match needs_connection(peer)?.call("client_add", &params).await {
                    Ok(result) => Ok(result),
                    Err(PeerError::Remote(error)) => Err(error),
                    Err(other) => Err(ErrorObject::internal(other)),
                }
            },
        );
    methods
}

/// The connection a call came over, for methods that talk back.
fn needs_connection(peer: Option<Peer>) -> Result<Peer, ErrorObject> {
    peer.ok_or_else(|| ErrorObject::new(-32000, "needs a persistent connection"))
}

fn server_for(script: &Script) -> Server {
    let settings = &script.settings;
    let defaults = Limits::default();
    let limits = Limits {
        max_batch_len: settings.max_batch_len.unwrap_or(defaults.max_batch_len),
        max_params_depth: settings.max_params_depth.unwrap_or(defaults.max_params_depth),
        ..defaults
    };
    Server::builder()
        .limits(limits)
        .accept_v1(settings.accept_v1)
        .build(methods())
}

/// Every embedded script, parsed.
fn scripts() -> Vec<Script> {
    let scripts: Vec<Script> = SCRIPTS
        .iter()
        .map(|source| source.parse().unwrap_or_else(|e| panic!("{e}")))
        .collect();
    assert!(scripts.len() >= 6, "the conformance scripts are missing");
    scripts
}

/// The scripts that need no persistent connection (in process and HTTP carry no server traffic).
fn request_reply_scripts() -> Vec<Script> {
    scripts()
        .into_iter()
        .filter(|script| !script.settings.persistent)
        .collect()
}

/// The request of a case, with `{{call}}` (the scripts that need a method of the server's own)
/// filled in with a call of the specification's `subtract`.
fn request(case: &Case) -> String {
    case.render(&call_members("subtract", Some("[42, 23]")))
}

/// Where a case is, for failure messages.
fn context(script: &Script, case: &Case, transport: &str) -> String {
    format!(
        "{}:{} ({}) over {transport}\n--> {}",
        script.name,
        case.line,
        case.title,
        request(case)
    )
}

/// Checks a reply (`None` for no reply) against the case's expectation.
fn check(script: &Script, case: &Case, transport: &str, reply: Option<&[u8]>) {
    if let Err(mismatch) = case.reply().check(reply) {
        panic!("{}\n{mismatch}", context(script, case, transport));
    }
}

#[tokio::test]
async fn conformance_in_process() {
    let mut total = 0;
    for script in request_reply_scripts() {
        let server = server_for(&script);
        for case in &script.cases {
            let reply = server.handle(request(case).as_bytes()).await;
            check(&script, case, "in-process", reply.as_deref());
            total += 1;
        }
    }
    assert!(total >= 80, "only {total} cases ran");
}

#[tokio::test]
async fn conformance_over_http() {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    for script in request_reply_scripts() {
        let name = &script.name;
        let running = HttpServer::bind("127.0.0.1:0", server_for(&script), HttpConfig::default())
            .await
            .expect("bind");
        let url = format!("http://{}/", running.local_addr());
        for case in &script.cases {
            let request = hyper::Request::post(&url)
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(request(case))))
                .expect("request");
            let response = client.request(request).await.expect("HTTP round trip");
            let status = response.status();
            let content_type = response.headers().get("content-type").cloned();
            let body = response.into_body().collect().await.expect("body").to_bytes();
            match case.reply() {
                Expected::Nothing => {
                    assert_eq!(status, 204, "{name}:{} notification-only must be 204", case.line);
                    assert!(
                        body.is_empty(),
                        "{name}:{} 204 must have an empty body",
                        case.line
                    );
                    check(&script, case, "HTTP", None);
                }
                _ => {
                    assert_eq!(status, 200, "{name}:{} every JSON-RPC outcome is 200", case.line);
                    assert_eq!(
                        content_type.as_ref().map(|v| v.as_bytes()),
                        Some(&b"application/json"[..])
                    );
                    check(&script, case, "HTTP", Some(&body));
                }
            }
        }
        running.shutdown().await;
    }
}

/// A persistent connection to a server, whatever carries it.
enum Channel {
    Stream {
        reader: Box<dyn AsyncBufRead + Unpin + Send>,
        writer: Box<dyn AsyncWrite + Unpin + Send>,
        framing: Framing,
    },
    WebSocket(
        Box<tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>>,
    ),
}

impl Channel {
    async fn send(&mut self, message: &str) {
        match self {
            Channel::Stream {
                writer,
                framing: Framing::NewlineDelimited,
                ..
            } => {
                // One line per message: JSON whitespace may be a space instead of a newline.
                writer
                    .write_all(format!("{}\n", message.replace('\n', " ")).as_bytes())
                    .await
                    .expect("write");
            }
            Channel::Stream {
                writer,
                framing: Framing::ContentLength,
                ..
            } => {
                let framed = format!("Content-Length: {}\r\n\r\n{message}", message.len());
                writer.write_all(framed.as_bytes()).await.expect("write");
            }
            Channel::WebSocket(socket) => socket.send(message.to_owned().into()).await.expect("send"),
        }
    }

    async fn receive(&mut self) -> String {
        let receive = async {
            match self {
                Channel::Stream {
                    reader,
                    framing: Framing::NewlineDelimited,
                    ..
                } => {
                    let mut line = String::new();
                    reader.read_line(&mut line).await.expect("read");
                    line.trim_end().to_owned()
                }
                Channel::Stream {
                    reader,
                    framing: Framing::ContentLength,
                    ..
                } => {
                    let mut length = None;
                    loop {
                        let mut line = String::new();
                        reader.read_line(&mut line).await.expect("read");
                        if line == "\r\n" {
                            break;
                        }
                        if let Some(value) = line.strip_prefix("Content-Length:") {
                            length = Some(value.trim().parse::<usize>().expect("length"));
                        }
                    }
                    let mut body = vec![0u8; length.expect("a Content-Length header")];
                    reader.read_exact(&mut body).await.expect("body");
                    String::from_utf8(body).expect("UTF-8")
                }
                Channel::WebSocket(socket) => loop {
                    match socket.next().await.expect("a message").expect("a frame") {
                        tokio_tungstenite::tungstenite::Message::Text(text) => break text.to_string(),
                        tokio_tungstenite::tungstenite::Message::Binary(bytes) => {
                            break String::from_utf8(bytes.to_vec()).expect("UTF-8")
                        }
                        _ => continue,
                    }
                },
            }
        };
        tokio::time::timeout(Duration::from_secs(10), receive)
            .await
            .expect("a reply in time")
    }
}

/// Runs every case of a script over one persistent connection, with the server's own messages in
/// the order the script writes them. After a case that expects no reply, a sentinel call proves that
/// nothing was sent: the next message must be the sentinel's reply. Returns the count of cases.
async fn run_over(channel: &mut Channel, script: &Script, transport: &str) -> usize {
    for (index, case) in script.cases.iter().enumerate() {
        channel.send(&request(case)).await;
        for step in &case.steps {
            match step {
                Step::Push { line, expected } | Step::Call { line, expected, .. } => {
                    let message = channel.receive().await;
                    if let Err(mismatch) = check_json(expected, message.as_bytes()) {
                        panic!(
                            "{}\nthe server's message on line {line}: {mismatch}",
                            context(script, case, transport)
                        );
                    }
                    if let Step::Call { answer, .. } = step {
                        channel.send(answer).await;
                    }
                }
                Step::Reply {
                    expected: Expected::Nothing,
                    ..
                } => {
                    let sentinel =
                        format!(r#"{{"jsonrpc":"2.0","method":"get_data","id":"sentinel-{index}"}}"#);
                    channel.send(&sentinel).await;
                    let reply = channel.receive().await;
                    assert_eq!(
                        reply,
                        format!(r#"{{"jsonrpc":"2.0","result":["hello",5],"id":"sentinel-{index}"}}"#),
                        "{}:{} over {transport}: something was sent back for a notification",
                        script.name,
                        case.line
                    );
                }
                Step::Reply { .. } => {
                    let reply = channel.receive().await;
                    check(script, case, transport, Some(reply.as_bytes()));
                }
            }
        }
    }
    script.cases.len()
}

fn split_stream<T: tokio::io::AsyncRead + AsyncWrite + Unpin + Send + 'static>(
    stream: T,
    framing: Framing,
) -> Channel {
    let (reader, writer) = tokio::io::split(stream);
    Channel::Stream {
        reader: Box::new(BufReader::new(reader)),
        writer: Box::new(writer),
        framing,
    }
}

#[tokio::test]
async fn conformance_over_tcp_unix_websocket_and_pipes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut total, mut with_server_traffic) = (0, 0);
    for script in scripts() {
        let name = &script.name;
        for framing in [Framing::NewlineDelimited, Framing::ContentLength] {
            let config = StreamConfig {
                framing,
                ..StreamConfig::default()
            };
            let tcp = StreamServer::bind_tcp("127.0.0.1:0", server_for(&script), config.clone())
                .await
                .expect("bind");
            let stream = tokio::net::TcpStream::connect(tcp.local_addr().expect("TCP"))
                .await
                .expect("connect");
            total += run_over(
                &mut split_stream(stream, framing),
                &script,
                &format!("TCP ({framing:?})"),
            )
            .await;
            tcp.shutdown().await;

            let path = dir.path().join(format!("{name}-{framing:?}.sock"));
            let unix = StreamServer::bind_unix(&path, server_for(&script), config.clone()).expect("bind");
            let stream = tokio::net::UnixStream::connect(&path).await.expect("connect");
            total += run_over(
                &mut split_stream(stream, framing),
                &script,
                &format!("Unix ({framing:?})"),
            )
            .await;
            unix.shutdown().await;

            // A pipe pair, as stdio is: the same code path as `serve_stdio`, with this test's methods.
            let (client, server_end) = tokio::io::duplex(64 * 1024);
            let (read_half, write_half) = tokio::io::split(server_end);
            let (_stop, never) = tokio::sync::watch::channel(false);
            let serving = tokio::spawn({
                let server = server_for(&script);
                async move { jrpc::transport::serve_io(read_half, write_half, server, &config, never).await }
            });
            total += run_over(
                &mut split_stream(client, framing),
                &script,
                &format!("pipes ({framing:?})"),
            )
            .await;
            serving.abort();
        }

        let http = HttpServer::bind("127.0.0.1:0", server_for(&script), HttpConfig::default())
            .await
            .expect("bind");
        let (socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/", http.local_addr()))
            .await
            .expect("upgrade");
        total += run_over(&mut Channel::WebSocket(Box::new(socket)), &script, "WebSocket").await;
        http.shutdown().await;
        if script.settings.persistent {
            with_server_traffic += script
                .cases
                .iter()
                .filter(|case| case.has_server_traffic())
                .count();
        }
    }
    // Seven connections per script: TCP, Unix and pipes in two framings, and WebSocket.
    assert!(total >= 7 * 90, "only {total} cases ran");
    assert!(
        with_server_traffic >= 6,
        "only {with_server_traffic} cases with server traffic"
    );
}
