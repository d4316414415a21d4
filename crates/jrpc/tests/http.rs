//! The HTTP transport over real sockets: raw bytes written, raw bytes read back.

use std::time::Duration;

use jrpc::http::{HttpConfig, HttpServer, MediaTypes, Route, RouteOptions};
use jrpc::{ErrorObject, Methods, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn methods() -> Methods {
    let mut methods = Methods::new();
    methods
        .method("add", ["a", "b"], |a: i64, b: i64| a + b)
        .async_method("sleep", ["ms"], |ms: u64| async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok::<_, ErrorObject>(ms)
        });
    methods
}

async fn start(config: HttpConfig) -> HttpServer {
    HttpServer::bind("127.0.0.1:0", Server::new(methods()), config)
        .await
        .expect("bind")
}

struct RawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one HTTP/1.1 response with a Content-Length body from `buffer` + `stream`.
async fn read_response(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> RawResponse {
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let mut chunk = [0u8; 4096];
        let read = stream.read(&mut chunk).await.expect("read");
        assert!(
            read > 0,
            "connection closed before a full response: {:?}",
            String::from_utf8_lossy(buffer)
        );
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8(buffer[..head_end].to_vec()).expect("ASCII head");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .expect("status line")
        .split(' ')
        .nth(1)
        .expect("code")
        .parse()
        .expect("number");
    let headers: Vec<(String, String)> = lines
        .map(|line| {
            let (name, value) = line.split_once(':').expect("header");
            (name.trim().to_owned(), value.trim().to_owned())
        })
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse().expect("length"))
        .unwrap_or(0);
    let body_start = head_end + 4;
    while buffer.len() < body_start + length {
        let mut chunk = [0u8; 4096];
        let read = stream.read(&mut chunk).await.expect("read");
        assert!(read > 0, "connection closed inside a body");
        buffer.extend_from_slice(&chunk[..read]);
    }
    let body = buffer[body_start..body_start + length].to_vec();
    buffer.drain(..body_start + length);
    RawResponse {
        status,
        headers,
        body,
    }
}

fn post(path: &str, content_type: Option<&str>, body: &str) -> String {
    let content_type = content_type
        .map(|t| format!("Content-Type: {t}\r\n"))
        .unwrap_or_default();
    format!(
        "POST {path} HTTP/1.1\r\nHost: test\r\n{content_type}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

async fn exchange(server: &HttpServer, raw_request: &str) -> RawResponse {
    let mut stream = TcpStream::connect(server.local_addr()).await.expect("connect");
    stream.write_all(raw_request.as_bytes()).await.expect("write");
    read_response(&mut stream, &mut Vec::new()).await
}

const CALL: &str = r#"{"jsonrpc":"2.0","method":"add","params":[1,2],"id":1}"#;
const ANSWER: &str = r#"{"jsonrpc":"2.0","result":3,"id":1}"#;

#[tokio::test]
async fn only_post_is_allowed_on_the_rpc_path() {
    let server = start(HttpConfig::default()).await;
    for verb in ["GET", "PUT", "DELETE", "PATCH"] {
        let response = exchange(
            &server,
            &format!("{verb} / HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n"),
        )
        .await;
        assert_eq!(response.status, 405, "{verb}");
        assert_eq!(response.header("allow"), Some("POST"), "{verb}");
    }
    let response = exchange(&server, &post("/other", Some("application/json"), CALL)).await;
    assert_eq!(response.status, 404);
}

#[tokio::test]
async fn the_three_media_types_with_any_parameters_and_none_are_accepted() {
    let server = start(HttpConfig::default()).await;
    for content_type in [
        Some("application/json"),
        Some("application/json-rpc"),
        Some("application/jsonrequest"),
        Some("application/json; charset=UTF-8"),
        Some("APPLICATION/JSON"),
        None,
    ] {
        let response = exchange(&server, &post("/", content_type, CALL)).await;
        assert_eq!(response.status, 200, "{content_type:?}");
        assert_eq!(response.header("content-type"), Some("application/json"));
        assert_eq!(response.body, ANSWER.as_bytes(), "{content_type:?}");
    }
    for content_type in [
        "text/plain",
        "application/xml",
        "application/x-www-form-urlencoded",
    ] {
        let response = exchange(&server, &post("/", Some(content_type), CALL)).await;
        assert_eq!(response.status, 415, "{content_type}");
    }
}

#[tokio::test]
async fn every_json_rpc_outcome_is_200_and_notifications_are_204() {
    let server = start(HttpConfig::default()).await;
    let response = exchange(&server, &post("/", Some("application/json"), "{not json")).await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.body,
        br#"{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}"#
    );

    let response = exchange(
        &server,
        &post(
            "/",
            Some("application/json"),
            r#"{"jsonrpc":"2.0","method":"nope","id":1}"#,
        ),
    )
    .await;
    assert_eq!(response.status, 200);

    let notification = r#"{"jsonrpc":"2.0","method":"add","params":[1,2]}"#;
    let response = exchange(&server, &post("/", Some("application/json"), notification)).await;
    assert_eq!(response.status, 204);
    assert!(response.body.is_empty());
}

#[tokio::test]
async fn an_oversized_declared_body_is_refused_before_it_is_sent() {
    let server = start(HttpConfig {
        max_body_bytes: Some(1024),
        ..HttpConfig::default()
    })
    .await;
    let mut stream = TcpStream::connect(server.local_addr()).await.expect("connect");
    // Headers only: a server that waited for the body would never answer.
    let head = "POST / HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n";
    stream.write_all(head.as_bytes()).await.expect("write");
    let response = tokio::time::timeout(
        Duration::from_secs(5),
        read_response(&mut stream, &mut Vec::new()),
    )
    .await
    .expect("answered without waiting for the body");
    assert_eq!(response.status, 413);
    let body: serde_json::Value = serde_json::from_slice(&response.body).expect("a JSON-RPC error body");
    assert_eq!(body["error"]["code"], -32600);
}

#[tokio::test]
async fn an_oversized_chunked_body_is_refused() {
    let server = start(HttpConfig {
        max_body_bytes: Some(1024),
        ..HttpConfig::default()
    })
    .await;
    let mut stream = TcpStream::connect(server.local_addr()).await.expect("connect");
    let head = "POST / HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    stream.write_all(head.as_bytes()).await.expect("write");
    let chunk = format!("{:x}\r\n{}\r\n", 800, "x".repeat(800));
    for _ in 0..2 {
        stream.write_all(chunk.as_bytes()).await.expect("write");
    }
    let response = read_response(&mut stream, &mut Vec::new()).await;
    assert_eq!(response.status, 413);
}

#[tokio::test]
async fn a_body_at_the_limit_is_served() {
    let body = format!(
        r#"{{"jsonrpc":"2.0","method":"add","params":[1,2],"id":1{}}}"#,
        " ".repeat(100)
    );
    let server = start(HttpConfig {
        max_body_bytes: Some(body.len()),
        ..HttpConfig::default()
    })
    .await;
    let response = exchange(&server, &post("/", None, &body)).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body, ANSWER.as_bytes());
}

#[tokio::test]
async fn keep_alive_and_pipelining() {
    let server = start(HttpConfig::default()).await;
    let mut stream = TcpStream::connect(server.local_addr()).await.expect("connect");
    let mut buffer = Vec::new();
    // Two requests on one connection, one after the other.
    for _ in 0..2 {
        stream
            .write_all(post("/", None, CALL).as_bytes())
            .await
            .expect("write");
        let response = read_response(&mut stream, &mut buffer).await;
        assert_eq!(response.body, ANSWER.as_bytes());
    }
    // Three requests written at once; three responses come back in order.
    let slow = r#"{"jsonrpc":"2.0","method":"sleep","params":[50],"id":2}"#;
    let pipelined = [
        post("/", None, slow),
        post("/", None, CALL),
        post("/", None, CALL),
    ]
    .concat();
    stream.write_all(pipelined.as_bytes()).await.expect("write");
    let first = read_response(&mut stream, &mut buffer).await;
    assert_eq!(first.body, br#"{"jsonrpc":"2.0","result":50,"id":2}"#);
    for _ in 0..2 {
        assert_eq!(
            read_response(&mut stream, &mut buffer).await.body,
            ANSWER.as_bytes()
        );
    }
}

#[tokio::test]
async fn graceful_shutdown_finishes_calls_in_flight() {
    let server = start(HttpConfig::default()).await;
    let addr = server.local_addr();
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let slow = r#"{"jsonrpc":"2.0","method":"sleep","params":[300],"id":7}"#;
    stream
        .write_all(post("/", None, slow).as_bytes())
        .await
        .expect("write");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let shutdown = tokio::spawn(server.shutdown());
    let response = read_response(&mut stream, &mut Vec::new()).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body, br#"{"jsonrpc":"2.0","result":300,"id":7}"#);
    tokio::time::timeout(Duration::from_secs(5), shutdown)
        .await
        .expect("shutdown completes")
        .expect("no panic");
    assert!(TcpStream::connect(addr).await.is_err(), "no longer accepting");
}

#[tokio::test]
async fn a_slow_header_client_is_dropped_and_others_are_served() {
    let config = HttpConfig {
        header_read_timeout: Duration::from_millis(200),
        ..HttpConfig::default()
    };
    let server = start(config).await;
    let mut slow = TcpStream::connect(server.local_addr()).await.expect("connect");
    slow.write_all(b"POST / HTTP/1.1\r\nHost: te")
        .await
        .expect("write");
    // Meanwhile another client is served normally.
    let response = exchange(&server, &post("/", None, CALL)).await;
    assert_eq!(response.body, ANSWER.as_bytes());
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the slow client was not dropped");
    assert!(!String::from_utf8_lossy(&rest).contains("200 OK"));
}

#[tokio::test]
async fn a_client_dribbling_its_headers_is_dropped() {
    let config = HttpConfig {
        header_read_timeout: Duration::from_millis(200),
        ..HttpConfig::default()
    };
    let server = start(config).await;
    let mut slow = TcpStream::connect(server.local_addr()).await.expect("connect");
    let started = std::time::Instant::now();
    // One byte every 50 ms: the connection never goes quiet, but never finishes a request either.
    let dribble = format!("POST / HTTP/1.1\r\nHost: test\r\nX-Slow: {}", "a".repeat(100));
    for byte in dribble.bytes() {
        if slow.write_all(&[byte]).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the dribbling client was not dropped");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "dropped only after {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_call_longer_than_the_idle_limit_is_answered_and_busy_connections_stay_open() {
    let config = HttpConfig {
        header_read_timeout: Duration::from_millis(100),
        ..HttpConfig::default()
    };
    let server = start(config).await;
    let mut stream = TcpStream::connect(server.local_addr()).await.expect("connect");
    let mut buffer = Vec::new();
    let slow = r#"{"jsonrpc":"2.0","method":"sleep","params":[450],"id":7}"#;
    stream
        .write_all(post("/", None, slow).as_bytes())
        .await
        .expect("write");
    let response = read_response(&mut stream, &mut buffer).await;
    assert_eq!(response.body, br#"{"jsonrpc":"2.0","result":450,"id":7}"#);

    // A request every 60 ms keeps the same connection open well past the 100 ms limit.
    for _ in 0..8 {
        tokio::time::sleep(Duration::from_millis(60)).await;
        stream
            .write_all(post("/", None, CALL).as_bytes())
            .await
            .expect("the connection is still open");
        let response = read_response(&mut stream, &mut buffer).await;
        assert_eq!(response.body, ANSWER.as_bytes());
    }

    // Left idle, it is closed after one to two periods.
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(2), stream.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "an idle keep-alive connection stayed open");
}

#[tokio::test]
async fn http2_with_prior_knowledge() {
    use http_body_util::{BodyExt, Full};
    let server = start(HttpConfig::default()).await;
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .http2_only(true)
        .build_http::<Full<bytes::Bytes>>();
    let request = hyper::Request::post(format!("http://{}/", server.local_addr()))
        .header("content-type", "application/json")
        .body(Full::new(bytes::Bytes::from_static(CALL.as_bytes())))
        .expect("request");
    let response = client.request(request).await.expect("HTTP/2 round trip");
    assert_eq!(response.version(), hyper::Version::HTTP_2);
    let body = response.into_body().collect().await.expect("body").to_bytes();
    assert_eq!(body, ANSWER.as_bytes());
}

#[tokio::test]
async fn several_routes_each_with_its_server_and_media_types() {
    let mut other = Methods::new();
    other.method("add", ["a", "b"], |a: i64, b: i64| a * b);
    let strict = RouteOptions {
        media_types: MediaTypes::JsonOnly,
    };
    let routes = vec![
        Route::new("/v1", Server::new(methods()), RouteOptions::default()),
        Route::new("/v2", Server::new(other), strict),
    ];
    let server = HttpServer::bind_routes("127.0.0.1:0", routes, HttpConfig::default())
        .await
        .expect("bind");
    let call = r#"{"jsonrpc":"2.0","method":"add","params":[2,3],"id":1}"#;
    let cases = [
        (
            "/v1",
            Some("application/json"),
            200,
            r#"{"jsonrpc":"2.0","result":5,"id":1}"#,
        ),
        (
            "/v1",
            Some("application/json-rpc"),
            200,
            r#"{"jsonrpc":"2.0","result":5,"id":1}"#,
        ),
        ("/v1", None, 200, r#"{"jsonrpc":"2.0","result":5,"id":1}"#),
        (
            "/v2",
            Some("application/json; charset=utf-8"),
            200,
            r#"{"jsonrpc":"2.0","result":6,"id":1}"#,
        ),
        ("/v2", Some("application/json-rpc"), 415, ""),
        ("/v2", None, 415, ""),
        ("/", Some("application/json"), 404, ""),
    ];
    for (path, content_type, status, body) in cases {
        let response = exchange(&server, &post(path, content_type, call)).await;
        assert_eq!(response.status, status, "{path} {content_type:?}");
        assert_eq!(
            String::from_utf8_lossy(&response.body),
            body,
            "{path} {content_type:?}"
        );
    }
    let notification = r#"{"jsonrpc":"2.0","method":"add","params":[2,3]}"#;
    let response = exchange(&server, &post("/v2", Some("application/json"), notification)).await;
    assert_eq!(response.status, 204);
    server.shutdown().await;
}

#[tokio::test]
async fn pages_beside_the_rpc_path() {
    let config = HttpConfig {
        path: "/rpc".into(),
        pages: vec![jrpc::http::Page {
            path: "/".into(),
            content_type: "text/html; charset=utf-8",
            body: bytes::Bytes::from_static(b"<h1>hi</h1>"),
        }],
        ..HttpConfig::default()
    };
    let server = start(config).await;
    let response = exchange(&server, "GET / HTTP/1.1\r\nHost: test\r\n\r\n").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(response.body, b"<h1>hi</h1>");
    let response = exchange(&server, &post("/", None, CALL)).await;
    assert_eq!(response.status, 405);
    assert_eq!(response.header("allow"), Some("GET, HEAD"));
    let response = exchange(&server, &post("/rpc", None, CALL)).await;
    assert_eq!(response.body, ANSWER.as_bytes());
    let response = exchange(&server, "GET /rpc HTTP/1.1\r\nHost: test\r\n\r\n").await;
    assert_eq!(response.status, 405);
}

#[tokio::test]
async fn a_quiet_websocket_is_not_closed_by_the_http_idle_limit() {
    let config = HttpConfig {
        header_read_timeout: Duration::from_millis(100),
        ..HttpConfig::default()
    };
    let server = start(config).await;
    let client = jrpc::client::Client::connect(&format!("ws://{}/", server.local_addr()))
        .await
        .expect("connect");
    let first: i64 = client.call("add", &(1, 2)).await.expect("first call");
    assert_eq!(first, 3);
    // Five periods of silence: the upgraded connection is the WebSocket's, not the HTTP watch's.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let second: i64 = client
        .call("add", &(2, 3))
        .await
        .expect("call after a quiet spell");
    assert_eq!(second, 5);
}
