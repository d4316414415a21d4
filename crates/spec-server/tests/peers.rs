//! Real peer programs calling the spec example server: Python's jsonrpcclient and Node's jayson,
//! over HTTP, WebSocket and newline-delimited TCP. `.ci/run` installs them; if one is missing the
//! test fails, it never skips.

use std::process::Command;

use jrpc::http::{HttpConfig, HttpServer};
use jrpc::transport::{StreamConfig, StreamServer};

async fn start() -> (HttpServer, StreamServer) {
    let server = jrpc::Server::new(spec_server::methods());
    let http = HttpServer::bind("127.0.0.1:0", server.clone(), HttpConfig::default())
        .await
        .expect("bind");
    let tcp = StreamServer::bind_tcp("127.0.0.1:0", server, StreamConfig::default())
        .await
        .expect("bind");
    (http, tcp)
}

async fn run_peer(program: &str, script: &str) {
    let (http, tcp) = start().await;
    let tcp_addr = tcp.local_addr().expect("TCP");
    let script = format!("{}/tests/interop/{script}", env!("CARGO_MANIFEST_DIR"));
    let args = vec![
        script,
        format!("http://{}/", http.local_addr()),
        format!("ws://{}/", http.local_addr()),
        tcp_addr.ip().to_string(),
        tcp_addr.port().to_string(),
    ];
    let program = program.to_owned();
    let output = tokio::task::spawn_blocking(move || Command::new(&program).args(&args).output())
        .await
        .expect("joined")
        .unwrap_or_else(|e| panic!("cannot run the peer ({e}); see .ci/run for what to install"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "peer checks failed:\n{text}");
    let summary = text
        .lines()
        .rev()
        .find(|line| line.contains(" passed, "))
        .unwrap_or_default();
    assert!(
        summary.ends_with(" passed, 0 failed") && !summary.starts_with("0 "),
        "{text}"
    );
    http.shutdown().await;
    tcp.shutdown().await;
}

#[tokio::test]
async fn python_jsonrpcclient_over_http_websocket_and_tcp() {
    run_peer("python3", "python_peer.py").await;
}

#[tokio::test]
async fn node_jayson_over_http_websocket_and_tcp() {
    run_peer("node", "node_peer.js").await;
}
