//! The conformance suite: scripts in `tests/conformance/` that read like the specification's
//! examples, run in process and again over a real HTTP socket.
//!
//! Script syntax: `--> request` (continuation lines follow it), then `<-- reply` compared as JSON
//! (batch replies as a set, so order does not matter), `<== reply` compared byte for byte, or
//! `<-- nothing`. `## title` names the cases that follow; `@directive` lines configure the server.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use jrpc::http::{HttpConfig, HttpServer};
use jrpc::transport::{Framing, StreamConfig, StreamServer};
use jrpc::{ErrorObject, Limits, Methods, Params, Server};
use serde_json::Value;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

#[derive(Debug)]
enum Expected {
    Nothing,
    Json(String),
    Exact(String),
}

#[derive(Debug)]
struct Case {
    title: String,
    line: usize,
    request: String,
    expected: Expected,
}

#[derive(Debug, Default)]
struct Script {
    accept_v1: bool,
    limits: Limits,
    cases: Vec<Case>,
}

fn parse_script(text: &str) -> Script {
    let mut script = Script::default();
    let mut title = String::new();
    let mut request: Option<(usize, String)> = None;
    let mut expected: Option<(bool, String)> = None;
    let flush = |script: &mut Script,
                 title: &str,
                 request: &mut Option<(usize, String)>,
                 expected: &mut Option<(bool, String)>| {
        if let (Some((line, req)), Some((exact, exp))) = (request.take(), expected.take()) {
            let expected = if exp.trim() == "nothing" {
                Expected::Nothing
            } else if exact {
                Expected::Exact(exp)
            } else {
                Expected::Json(exp)
            };
            script.cases.push(Case {
                title: title.to_owned(),
                line,
                request: req,
                expected,
            });
        }
    };
    for (index, line) in text.lines().enumerate() {
        if let Some(rest) = line.strip_prefix("-->") {
            flush(&mut script, &title, &mut request, &mut expected);
            request = Some((index + 1, rest.trim_start().to_owned()));
        } else if let Some(rest) = line.strip_prefix("<--") {
            expected = Some((false, rest.trim_start().to_owned()));
        } else if let Some(rest) = line.strip_prefix("<==") {
            expected = Some((true, rest.trim_start().to_owned()));
        } else if let Some(rest) = line.strip_prefix("##") {
            flush(&mut script, &title, &mut request, &mut expected);
            title = rest.trim().to_owned();
        } else if line.starts_with('#') || line.trim().is_empty() {
            flush(&mut script, &title, &mut request, &mut expected);
        } else if let Some(directive) = line.strip_prefix('@') {
            let mut words = directive.split_whitespace();
            match (
                words.next(),
                words.next().map(|n| n.parse::<usize>().expect("a number")),
            ) {
                (Some("accept_v1"), None) => script.accept_v1 = true,
                (Some("max_batch_len"), Some(n)) => script.limits.max_batch_len = n,
                (Some("max_params_depth"), Some(n)) => script.limits.max_params_depth = n,
                other => panic!("unknown directive {other:?}"),
            }
        } else if let Some((_, exp)) = expected.as_mut() {
            exp.push('\n');
            exp.push_str(line);
        } else if let Some((_, req)) = request.as_mut() {
            req.push('\n');
            req.push_str(line);
        } else {
            panic!("line {}: stray text {line:?}", index + 1);
        }
    }
    flush(&mut script, &title, &mut request, &mut expected);
    script
}

/// The specification's methods plus a few that exercise the rules: state, panics, options, async.
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
            Ok::<_, ErrorObject>(recorded.lock().expect("not poisoned").clone())
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
                Ok::<_, ErrorObject>(format!("{}, {name}!", greeting.as_deref().unwrap_or("Hello")))
            },
        )
        .async_method("slow_double", ["value"], |value: i64| async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            Ok::<_, ErrorObject>(value * 2)
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
        );
    methods
}

fn server_for(script: &Script) -> Server {
    Server::builder()
        .limits(script.limits.clone())
        .accept_v1(script.accept_v1)
        .build(methods())
}

/// Compares a reply with the expectation; batches as sets of objects.
fn check(case: &Case, file: &str, transport: &str, reply: Option<&[u8]>) {
    let context = format!(
        "{file}:{} ({}) over {transport}\n--> {}",
        case.line, case.title, case.request
    );
    match (&case.expected, reply) {
        (Expected::Nothing, None) => {}
        (Expected::Nothing, Some(reply)) => {
            panic!(
                "{context}\nexpected no reply, got {}",
                String::from_utf8_lossy(reply)
            )
        }
        (_, None) => panic!("{context}\nexpected a reply, got none"),
        (Expected::Exact(expected), Some(reply)) => {
            assert_eq!(String::from_utf8_lossy(reply), expected.as_str(), "{context}")
        }
        (Expected::Json(expected), Some(reply)) => {
            let expected: Value = serde_json::from_str(expected).expect("the script's reply is JSON");
            let actual: Value = serde_json::from_slice(reply).unwrap_or_else(|e| {
                panic!(
                    "{context}\nreply is not JSON ({e}): {}",
                    String::from_utf8_lossy(reply)
                )
            });
            assert_eq!(normalize(actual), normalize(expected), "{context}");
        }
    }
}

fn normalize(value: Value) -> Value {
    match value {
        Value::Array(mut items) => {
            items.sort_by_key(|item| item.to_string());
            Value::Array(items)
        }
        other => other,
    }
}

fn scripts() -> Vec<(String, Script)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("conformance dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let scripts: Vec<_> = files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("readable script");
            let name = path.file_name().expect("a file").to_string_lossy().into_owned();
            (name, parse_script(&text))
        })
        .collect();
    assert!(scripts.len() >= 5, "the conformance scripts are missing");
    scripts
}

#[tokio::test]
async fn conformance_in_process() {
    let mut total = 0;
    for (name, script) in scripts() {
        assert!(!script.cases.is_empty(), "{name} has no cases");
        let server = server_for(&script);
        for case in &script.cases {
            let reply = server.handle(case.request.as_bytes()).await;
            check(case, &name, "in-process", reply.as_deref());
            total += 1;
        }
    }
    assert!(total >= 80, "only {total} cases ran");
}

#[tokio::test]
async fn conformance_over_http() {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    for (name, script) in scripts() {
        let running = HttpServer::bind("127.0.0.1:0", server_for(&script), HttpConfig::default())
            .await
            .expect("bind");
        let url = format!("http://{}/", running.local_addr());
        for case in &script.cases {
            let request = hyper::Request::post(&url)
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(case.request.clone())))
                .expect("request");
            let response = client.request(request).await.expect("HTTP round trip");
            let status = response.status();
            let content_type = response.headers().get("content-type").cloned();
            let body = response.into_body().collect().await.expect("body").to_bytes();
            match case.expected {
                Expected::Nothing => {
                    assert_eq!(status, 204, "{name}:{} notification-only must be 204", case.line);
                    assert!(
                        body.is_empty(),
                        "{name}:{} 204 must have an empty body",
                        case.line
                    );
                    check(case, &name, "HTTP", None);
                }
                _ => {
                    assert_eq!(status, 200, "{name}:{} every JSON-RPC outcome is 200", case.line);
                    assert_eq!(
                        content_type.as_ref().map(|v| v.as_bytes()),
                        Some(&b"application/json"[..])
                    );
                    check(case, &name, "HTTP", Some(&body));
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

/// Runs every case of a script over one persistent connection. After a case that expects no reply,
/// a sentinel call proves that nothing was sent: the next reply must be the sentinel's.
async fn run_over(channel: &mut Channel, name: &str, script: &Script, transport: &str) {
    for (index, case) in script.cases.iter().enumerate() {
        channel.send(&case.request).await;
        if let Expected::Nothing = case.expected {
            let sentinel = format!(r#"{{"jsonrpc":"2.0","method":"get_data","id":"sentinel-{index}"}}"#);
            channel.send(&sentinel).await;
            let reply = channel.receive().await;
            assert_eq!(
                reply,
                format!(r#"{{"jsonrpc":"2.0","result":["hello",5],"id":"sentinel-{index}"}}"#),
                "{name}:{} over {transport}: something was sent back for a notification",
                case.line
            );
            continue;
        }
        let reply = channel.receive().await;
        check(case, name, transport, Some(reply.as_bytes()));
    }
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
    let dir = std::env::temp_dir().join(format!("jrpc-conformance-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for (name, script) in scripts() {
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
            run_over(
                &mut split_stream(stream, framing),
                &name,
                &script,
                &format!("TCP ({framing:?})"),
            )
            .await;
            tcp.shutdown().await;

            let path = dir.join(format!("{name}-{framing:?}.sock"));
            let _ = std::fs::remove_file(&path);
            let unix = StreamServer::bind_unix(&path, server_for(&script), config.clone()).expect("bind");
            let stream = tokio::net::UnixStream::connect(&path).await.expect("connect");
            run_over(
                &mut split_stream(stream, framing),
                &name,
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
            run_over(
                &mut split_stream(client, framing),
                &name,
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
        run_over(
            &mut Channel::WebSocket(Box::new(socket)),
            &name,
            &script,
            "WebSocket",
        )
        .await;
        http.shutdown().await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_binary_answers_the_specification_examples_on_stdio() {
    let (_, script) = scripts()
        .into_iter()
        .find(|(name, _)| name == "spec_examples.txt")
        .expect("script");
    for (flag, framing) in [
        ("newline", Framing::NewlineDelimited),
        ("content-length", Framing::ContentLength),
    ] {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_spec-server"))
            .args(["--stdio", "--framing", flag])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spec-server starts");
        let mut channel = Channel::Stream {
            reader: Box::new(BufReader::new(child.stdout.take().expect("stdout"))),
            writer: Box::new(child.stdin.take().expect("stdin")),
            framing,
        };
        run_over(
            &mut channel,
            "spec_examples.txt",
            &script,
            &format!("stdio ({flag})"),
        )
        .await;
        drop(channel); // closing stdin ends the server
        let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
            .await
            .expect("exits")
            .expect("status");
        assert!(status.success());
    }
}
