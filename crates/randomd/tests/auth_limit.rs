//! The limit on calls that fail authentication, over real HTTP: a burst of bad-key calls from one
//! address gets limited (error 429 with `advisoryDelay` and `retryAfter`, even for a good key from
//! that address), another address is unaffected, the address recovers after the wait, and the
//! `X-Forwarded-For` header counts only from a trusted proxy.

mod common;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use common::Service;
use randomd::entropy::SourceKind;
use randomd::limiter::AuthLimit;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;

const BAD_KEY: &str = "00000000-0000-0000-0000-000000000000";

async fn limited_service(trusted_proxies: Vec<IpAddr>) -> Service {
    Service::start_with(
        |settings| {
            settings.auth_failures = AuthLimit {
                burst: 5,
                refill_ms: 400,
                max_addresses: 1000,
                trusted_proxies,
            };
        },
        SourceKind::Os.open().expect("os source"),
    )
    .await
}

/// Posts a getUsage call from `local` (a loopback address) over a fresh connection, with an
/// optional X-Forwarded-For header; returns the response object.
async fn usage_from(service: &Service, local: IpAddr, key: &str, forwarded: Option<&str>) -> Value {
    let server = service.running.http.local_addr();
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .bind(SocketAddr::new(local, 0))
        .expect("bind a loopback address");
    let mut stream = socket.connect(server).await.expect("connect");
    let body =
        json!({"jsonrpc": "2.0", "method": "getUsage", "params": {"apiKey": key}, "id": 7}).to_string();
    let forwarded = forwarded
        .map(|f| format!("X-Forwarded-For: {f}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{forwarded}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        randomd::RPC_PATH,
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let text = String::from_utf8(response).expect("UTF-8");
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    let body = text.split("\r\n\r\n").nth(1).expect("a body");
    serde_json::from_str(body).expect("JSON")
}

fn code(reply: &Value) -> i64 {
    reply["error"]["code"].as_i64().unwrap_or(0)
}

#[tokio::test]
async fn bad_keys_are_limited_per_address_and_recover() {
    let service = limited_service(Vec::new()).await;
    let a: IpAddr = "127.0.0.1".parse().unwrap();
    let b: IpAddr = "127.0.0.2".parse().unwrap();
    for _ in 0..5 {
        assert_eq!(code(&usage_from(&service, a, BAD_KEY, None).await), 400);
    }
    let limited = usage_from(&service, a, BAD_KEY, None).await;
    assert_eq!(code(&limited), 429, "{limited}");
    let delay = limited["error"]["data"]["advisoryDelay"]
        .as_u64()
        .expect("advisoryDelay");
    assert!(delay > 0 && delay <= 400, "{limited}");
    assert_eq!(limited["error"]["data"]["retryAfter"], 1);
    // While limited, a good key from that address is refused too: nothing is learnt about keys.
    assert_eq!(code(&usage_from(&service, a, &service.dev_key, None).await), 429);
    // Another address is unaffected, with a good key and a bad one.
    let good = usage_from(&service, b, &service.dev_key, None).await;
    assert_eq!(good["result"]["status"], "running", "{good}");
    assert_eq!(code(&usage_from(&service, b, BAD_KEY, None).await), 400);
    // After the wait, the first address is served again.
    tokio::time::sleep(Duration::from_millis(delay + 50)).await;
    let again = usage_from(&service, a, &service.dev_key, None).await;
    assert_eq!(again["result"]["status"], "running", "{again}");
}

#[tokio::test]
async fn the_forwarded_header_counts_only_from_a_trusted_proxy() {
    let proxy: IpAddr = "127.0.0.1".parse().unwrap();
    let service = limited_service(vec![proxy]).await;
    // Behind the proxy, two clients: one is limited, the other is not.
    for _ in 0..5 {
        assert_eq!(
            code(&usage_from(&service, proxy, BAD_KEY, Some("203.0.113.7")).await),
            400
        );
    }
    assert_eq!(
        code(&usage_from(&service, proxy, BAD_KEY, Some("203.0.113.7")).await),
        429
    );
    let other = usage_from(&service, proxy, &service.dev_key, Some("203.0.113.8")).await;
    assert_eq!(other["result"]["status"], "running", "{other}");
    // An untrusted peer cannot pick its address with the header: it is limited as itself.
    let untrusted: IpAddr = "127.0.0.3".parse().unwrap();
    for i in 0..5 {
        let forwarded = format!("198.51.100.{i}");
        assert_eq!(
            code(&usage_from(&service, untrusted, BAD_KEY, Some(&forwarded)).await),
            400
        );
    }
    assert_eq!(
        code(&usage_from(&service, untrusted, BAD_KEY, Some("198.51.100.99")).await),
        429
    );
}

/// Calls over a WebSocket carry the upgrade's client address, so the same limit holds there: a
/// burst of bad-key calls on one socket, then 429 with its advisoryDelay.
#[tokio::test]
async fn calls_over_websocket_are_limited_too() {
    let service = limited_service(Vec::new()).await;
    let url = format!("ws://{}{}", service.running.http.local_addr(), randomd::RPC_PATH);
    let client = jrpc::client::Client::connect(&url).await.expect("WebSocket");
    let mut codes = Vec::new();
    for _ in 0..7 {
        let error = client
            .call::<_, Value>("getUsage", json!({"apiKey": BAD_KEY}))
            .await
            .expect_err("a bad key is refused");
        let remote = error.remote_error().expect("an error answer");
        codes.push(remote.code());
        if remote.code() == 429 {
            let data: Value = serde_json::from_str(remote.data().expect("data").get()).expect("JSON");
            assert!(data["advisoryDelay"].as_u64().is_some_and(|ms| ms > 0), "{data}");
        }
    }
    assert_eq!(
        codes,
        [400, 400, 400, 400, 400, 429, 429],
        "five failures, then the limit"
    );
    // Over HTTP, the same address is limited too: the bucket is the client's, not the socket's.
    let answer = usage_from(&service, "127.0.0.1".parse().expect("ip"), BAD_KEY, None).await;
    assert_eq!(answer["error"]["code"], 429, "{answer}");
}
