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

/// jrpc's own stream transport as the calling side: it talks to Node's jayson server over TCP.
#[tokio::test]
async fn jrpc_calls_a_foreign_jayson_server_over_tcp() {
    use jrpc::transport::{open_io, PeerError};
    use serde_json::json;
    use tokio::io::AsyncBufReadExt;

    let script = format!("{}/tests/interop/jayson_server.js", env!("CARGO_MANIFEST_DIR"));
    let mut node = tokio::process::Command::new("node")
        .arg(script)
        .arg("0")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs (see .ci/run for what to install)");
    let mut lines = tokio::io::BufReader::new(node.stdout.take().expect("stdout")).lines();
    let first = tokio::time::timeout(std::time::Duration::from_secs(20), lines.next_line())
        .await
        .expect("jayson starts")
        .expect("read")
        .expect("a line");
    let port: u16 = first
        .strip_prefix("listening ")
        .expect("the port")
        .parse()
        .expect("a number");

    let stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let (reader, writer) = stream.into_split();
    let nothing = jrpc::Server::new(jrpc::Methods::new());
    let (peer, connection) = open_io(reader, writer, nothing, &StreamConfig::default());

    let sum = peer.call("add", &[40, 2]).await.expect("add");
    assert_eq!(sum.get(), "42");
    let greeting = peer.call("greet", &json!({"name": "jrpc"})).await.expect("greet");
    assert_eq!(greeting.get(), r#""Hello, jrpc!""#);
    match peer.call("fail", &[1, 2]).await {
        Err(PeerError::Remote(error)) => {
            assert_eq!(error.code(), 4242);
            assert_eq!(error.message(), "refused on purpose");
            assert_eq!(error.data().expect("data").get(), "[1,2]");
        }
        other => panic!("expected the server's error, got {other:?}"),
    }
    match peer.call("no_such_method", &[0]).await {
        Err(PeerError::Remote(error)) => assert_eq!(error.code(), -32601),
        other => panic!("expected -32601, got {other:?}"),
    }
    // Many calls at once over the one connection, matched by id.
    let pairs: Vec<[i32; 2]> = (0..50).map(|i| [i, i]).collect();
    let calls: Vec<_> = pairs.iter().map(|pair| peer.call("add", pair)).collect();
    let results = futures_util::future::join_all(calls).await;
    for (i, result) in results.into_iter().enumerate() {
        assert_eq!(result.expect("add").get(), (2 * i).to_string());
    }
    // A notification is executed by the foreign server and never answered.
    peer.notify("record", &["seen"]).await.expect("notify");
    let recorded = peer.call("recorded", &[0; 0]).await.expect("recorded");
    assert_eq!(recorded.get(), r#"["seen"]"#);

    node.kill().await.expect("stop jayson");
    match tokio::time::timeout(std::time::Duration::from_secs(5), peer.call("add", &[1, 1])).await {
        Ok(Err(PeerError::Closed)) => {}
        other => panic!("a call after the server left must fail promptly with Closed, got {other:?}"),
    }
    tokio::time::timeout(std::time::Duration::from_secs(5), connection)
        .await
        .expect("ends")
        .expect("no panic");
}
