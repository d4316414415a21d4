//! CORS on the HTTP transport, over real sockets: preflights, allowed and other origins, requests
//! without `Origin`, `any`, the RPC path and the pages.

use jrpc::http::{Bytes, Cors, HttpConfig, HttpServer, Page};
use jrpc::{Methods, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ALLOWED: &str = "https://tool.example";
const CALL: &str = r#"{"jsonrpc":"2.0","method":"add","params":[1,2],"id":1}"#;
const ANSWER: &str = r#"{"jsonrpc":"2.0","result":3,"id":1}"#;

async fn start(cors: Option<Cors>) -> HttpServer {
    let mut methods = Methods::new();
    methods.method("add", ["a", "b"], |a: i64, b: i64| a + b);
    let config = HttpConfig {
        path: "/rpc".to_owned(),
        pages: vec![Page {
            path: "/".to_owned(),
            content_type: "text/plain",
            body: Bytes::from_static(b"hello"),
        }],
        cors,
        ..HttpConfig::default()
    };
    HttpServer::bind("127.0.0.1:0", Server::new(methods), config)
        .await
        .expect("bind")
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn cors_headers(&self) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.to_ascii_lowercase().starts_with("access-control-"))
            .map(|(n, _)| n.as_str())
            .collect()
    }
}

/// Sends one request (`Connection: close`) and reads the whole answer.
async fn send(server: &HttpServer, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Answer {
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(body);
    let mut stream = TcpStream::connect(server.local_addr()).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let text = String::from_utf8(raw).expect("UTF-8");
    let (head, body) = text.split_once("\r\n\r\n").expect("a head");
    let mut lines = head.split("\r\n");
    let status = lines.next().expect("status line")[9..12]
        .parse()
        .expect("a status");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_owned(),
    }
}

fn preflight(origin: &str) -> Vec<(&str, &str)> {
    vec![
        ("Origin", origin),
        ("Access-Control-Request-Method", "POST"),
        ("Access-Control-Request-Headers", "content-type"),
    ]
}

#[tokio::test]
async fn a_preflight_from_an_allowed_origin_gets_the_headers() {
    let server = start(Some(Cors::origins([ALLOWED]))).await;
    let answer = send(&server, "OPTIONS", "/rpc", &preflight(ALLOWED), "").await;
    assert_eq!(answer.status, 204);
    assert_eq!(answer.header("access-control-allow-origin"), Some(ALLOWED));
    assert_eq!(answer.header("access-control-allow-methods"), Some("POST"));
    assert_eq!(
        answer.header("access-control-allow-headers"),
        Some("content-type")
    );
    assert_eq!(answer.header("access-control-max-age"), Some("600"));
    assert_eq!(answer.header("vary"), Some("Origin"));
    // The pages: GET and HEAD.
    let page = send(&server, "OPTIONS", "/", &preflight(ALLOWED), "").await;
    assert_eq!(page.status, 204);
    assert_eq!(page.header("access-control-allow-methods"), Some("GET, HEAD"));
    server.shutdown().await;
}

#[tokio::test]
async fn an_actual_request_from_an_allowed_origin_gets_allow_origin_and_vary() {
    let server = start(Some(Cors::origins([ALLOWED, "http://localhost:3000"]))).await;
    let answer = send(&server, "POST", "/rpc", &[("Origin", ALLOWED)], CALL).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, ANSWER);
    assert_eq!(answer.header("access-control-allow-origin"), Some(ALLOWED));
    assert_eq!(answer.header("vary"), Some("Origin"));
    assert_eq!(answer.header("content-type"), Some("application/json"));
    let page = send(&server, "GET", "/", &[("Origin", "http://localhost:3000")], "").await;
    assert_eq!((page.status, page.body.as_str()), (200, "hello"));
    assert_eq!(
        page.header("access-control-allow-origin"),
        Some("http://localhost:3000")
    );
    // Errors of the transport on the RPC path carry them too, so a page can read them.
    let wrong_verb = send(&server, "GET", "/rpc", &[("Origin", ALLOWED)], "").await;
    assert_eq!(wrong_verb.status, 405);
    assert_eq!(wrong_verb.header("access-control-allow-origin"), Some(ALLOWED));
    server.shutdown().await;
}

#[tokio::test]
async fn another_origin_gets_no_cors_headers() {
    let server = start(Some(Cors::origins([ALLOWED]))).await;
    let answer = send(&server, "OPTIONS", "/rpc", &preflight("https://evil.example"), "").await;
    assert_eq!(answer.cors_headers(), Vec::<&str>::new());
    assert_ne!(answer.status, 204);
    let call = send(
        &server,
        "POST",
        "/rpc",
        &[("Origin", "https://evil.example")],
        CALL,
    )
    .await;
    // Served (a browser hides the answer from the page), but with no CORS headers.
    assert_eq!((call.status, call.body.as_str()), (200, ANSWER));
    assert_eq!(call.cors_headers(), Vec::<&str>::new());
    server.shutdown().await;
}

#[tokio::test]
async fn a_request_without_origin_is_unaffected() {
    let with_cors = start(Some(Cors::origins([ALLOWED]))).await;
    let without = start(None).await;
    for (method, path, body) in [
        ("POST", "/rpc", CALL),
        ("GET", "/", ""),
        ("OPTIONS", "/rpc", ""),
        ("GET", "/rpc", ""),
    ] {
        let a = send(&with_cors, method, path, &[], body).await;
        let b = send(&without, method, path, &[], body).await;
        assert_eq!((a.status, &a.body), (b.status, &b.body), "{method} {path}");
        let names = |answer: &Answer| {
            let mut names: Vec<String> = answer
                .headers
                .iter()
                .map(|(n, _)| n.to_ascii_lowercase())
                .filter(|n| n != "date")
                .collect();
            names.sort();
            names
        };
        assert_eq!(names(&a), names(&b), "{method} {path}");
    }
    with_cors.shutdown().await;
    without.shutdown().await;
}

#[tokio::test]
async fn cors_is_off_by_default() {
    let server = start(None).await;
    let answer = send(&server, "OPTIONS", "/rpc", &preflight(ALLOWED), "").await;
    assert_eq!(answer.status, 405);
    assert_eq!(answer.cors_headers(), Vec::<&str>::new());
    let call = send(&server, "POST", "/rpc", &[("Origin", ALLOWED)], CALL).await;
    assert_eq!(call.cors_headers(), Vec::<&str>::new());
    server.shutdown().await;
}

#[tokio::test]
async fn any_origin() {
    let server = start(Some(Cors::any().max_age(std::time::Duration::from_secs(3600)))).await;
    let answer = send(
        &server,
        "OPTIONS",
        "/rpc",
        &preflight("https://whoever.example"),
        "",
    )
    .await;
    assert_eq!(answer.status, 204);
    assert_eq!(answer.header("access-control-allow-origin"), Some("*"));
    assert_eq!(answer.header("access-control-max-age"), Some("3600"));
    let call = send(&server, "POST", "/rpc", &[("Origin", "null")], CALL).await;
    assert_eq!(call.body, ANSWER);
    assert_eq!(call.header("access-control-allow-origin"), Some("*"));
    // Other paths stay 404, without CORS headers.
    let elsewhere = send(
        &server,
        "OPTIONS",
        "/nowhere",
        &preflight("https://whoever.example"),
        "",
    )
    .await;
    assert_eq!(elsewhere.status, 404);
    assert_eq!(elsewhere.cors_headers(), Vec::<&str>::new());
    server.shutdown().await;
}
