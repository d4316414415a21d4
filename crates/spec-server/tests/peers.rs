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

/// jrpc's client calling a foreign server, Node's jayson, over TCP and over HTTP.
#[tokio::test]
async fn jrpc_client_calls_a_foreign_jayson_server_over_tcp_and_http() {
    use jrpc::client::{Batch, Client};
    use serde_json::json;
    use tokio::io::AsyncBufReadExt;

    let script = format!("{}/tests/interop/jayson_server.js", env!("CARGO_MANIFEST_DIR"));
    let mut node = tokio::process::Command::new("node")
        .arg(script)
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
    let ports: Vec<u16> = first
        .strip_prefix("listening ")
        .expect("the ports")
        .split(' ')
        .map(|port| port.parse().expect("a number"))
        .collect();
    let tcp = Client::connect(&format!("tcp://127.0.0.1:{}", ports[0]))
        .await
        .expect("tcp");
    let http = Client::connect(&format!("http://127.0.0.1:{}/", ports[1]))
        .await
        .expect("http");

    for (client, transport) in [(&tcp, "TCP"), (&http, "HTTP")] {
        assert_eq!(client.call::<_, i64>("add", &[40, 2]).await.expect(transport), 42);
        let greeting: String = client
            .call("greet", &json!({"name": "jrpc"}))
            .await
            .expect(transport);
        assert_eq!(greeting, "Hello, jrpc!");
        let error = client.call::<_, i64>("fail", &[1, 2]).await.expect_err(transport);
        let remote = error.remote_error().expect("the server's error");
        assert_eq!((remote.code(), remote.message()), (4242, "refused on purpose"));
        assert_eq!(remote.data().expect("data").get(), "[1,2]");
        let missing = client
            .call::<_, i64>("no_such_method", &[0])
            .await
            .expect_err(transport);
        assert_eq!(missing.remote_error().map(|e| e.code()), Some(-32601));

        // Many calls at once, matched by id.
        let pairs: Vec<[i64; 2]> = (0..50).map(|i| [i, i]).collect();
        let calls = pairs.iter().map(|pair| client.call::<_, i64>("add", pair));
        for (i, result) in futures_util::future::join_all(calls)
            .await
            .into_iter()
            .enumerate()
        {
            assert_eq!(result.expect(transport), 2 * i as i64);
        }
        let mut batch = Batch::new();
        let sum = batch.call::<i64, _>("add", &[1, 2]).expect("params");
        batch.notify("record", [transport]).expect("params");
        let greet = batch
            .call::<String, _>("greet", &json!({"name": "batch"}))
            .expect("params");
        let mut results = client.send_batch(batch).await.expect(transport);
        assert_eq!(results.take(greet).expect(transport), "Hello, batch!");
        assert_eq!(results.take(sum).expect(transport), 3);
        client.notify("record", &["seen"]).await.expect(transport);
    }
    let recorded: Vec<String> = tcp.call("recorded", &[0; 0]).await.expect("recorded");
    assert_eq!(recorded, ["TCP", "seen", "HTTP", "seen"]);

    node.kill().await.expect("stop jayson");
    let error = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        tcp.call::<_, i64>("add", &[1, 1]),
    )
    .await
    .expect("a call after the server left fails promptly")
    .expect_err("closed");
    assert!(error.is_closed(), "{error}");
}
