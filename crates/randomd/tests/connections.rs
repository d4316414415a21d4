//! randomd's per-address connection limit: one address cannot take every connection slot.

mod common;

use std::time::Duration;

use common::Service;
use randomd::entropy::SourceKind;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A getUsage call over a new keep-alive connection; the connection and the answer's status line.
async fn open(service: &Service) -> (TcpStream, String) {
    let addr = service.running.http.local_addr();
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let body = format!(
        r#"{{"jsonrpc":"2.0","method":"getUsage","params":{{"apiKey":"{}"}},"id":1}}"#,
        service.dev_key
    );
    let request = format!(
        "POST {} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        randomd::RPC_PATH,
        body.len()
    );
    // A refused connection may be closed before the request is written; its answer is still there.
    let _ = stream.write_all(request.as_bytes()).await;
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    let _ = tokio::time::timeout(Duration::from_secs(10), async {
        while !received.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(read) => received.extend_from_slice(&chunk[..read]),
            }
        }
    })
    .await;
    let status = String::from_utf8_lossy(&received)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    (stream, status)
}

#[tokio::test]
async fn one_address_gets_its_share_of_connections_and_no_more() {
    let service = Service::start_with(
        |settings| settings.max_connections_per_address = 3,
        SourceKind::Os.open().expect("os source"),
    )
    .await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let (stream, status) = open(&service).await;
        assert_eq!(status, "HTTP/1.1 200 OK");
        held.push(stream);
    }
    let (_refused, status) = open(&service).await;
    assert!(
        status.is_empty() || status.starts_with("HTTP/1.1 503"),
        "{status}"
    );
    assert_ne!(status, "HTTP/1.1 200 OK");
    // A connection that closes gives its place back.
    drop(held.pop());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (stream, status) = open(&service).await;
        if status == "HTTP/1.1 200 OK" {
            held.push(stream);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the freed place never came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn zero_turns_the_limit_off() {
    let service = Service::start_with(
        |settings| settings.max_connections_per_address = 0,
        SourceKind::Os.open().expect("os source"),
    )
    .await;
    let mut held = Vec::new();
    for _ in 0..80 {
        let (stream, status) = open(&service).await;
        assert_eq!(status, "HTTP/1.1 200 OK");
        held.push(stream);
    }
}
