//! `jrpc bench` against the spec server's methods served in this process on 127.0.0.1 (HTTP,
//! WebSocket, TCP with both framings, a Unix socket), and against servers that misbehave.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use common::{assert_error, jrpc};
use jrpc::http::{HttpConfig, HttpServer};
use jrpc::transport::{Framing, StreamConfig, StreamServer};

/// The spec server over HTTP (and WebSocket), TCP (newline and Content-Length) and a Unix socket,
/// on a runtime that lives as long as the value.
struct Servers {
    _runtime: tokio::runtime::Runtime,
    http: SocketAddr,
    tcp: SocketAddr,
    tcp_content_length: SocketAddr,
    unix: std::path::PathBuf,
}

impl Drop for Servers {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.unix);
    }
}

fn start() -> Servers {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    // Tests run in parallel in one process: one socket path per server.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let unix = std::env::temp_dir().join(format!("jrpc-bench-{}-{n}.sock", std::process::id()));
    let _ = std::fs::remove_file(&unix);
    let (http, tcp, tcp_content_length) = runtime.block_on(async {
        let server = jrpc::Server::new(spec_server::methods());
        let http = HttpServer::bind("127.0.0.1:0", server.clone(), HttpConfig::default())
            .await
            .expect("bind HTTP");
        let tcp = StreamServer::bind_tcp("127.0.0.1:0", server.clone(), StreamConfig::default())
            .await
            .expect("bind TCP");
        let content_length = StreamConfig {
            framing: Framing::ContentLength,
            ..StreamConfig::default()
        };
        let tcp_cl = StreamServer::bind_tcp("127.0.0.1:0", server.clone(), content_length)
            .await
            .expect("bind TCP");
        let unix_server = StreamServer::bind_unix(&unix, server, StreamConfig::default()).expect("bind Unix");
        let addresses = (
            http.local_addr(),
            tcp.local_addr().expect("TCP address"),
            tcp_cl.local_addr().expect("TCP address"),
        );
        // The servers run until the runtime is dropped with the test.
        tokio::spawn(http.wait());
        tokio::spawn(tcp.wait());
        tokio::spawn(tcp_cl.wait());
        tokio::spawn(unix_server.wait());
        addresses
    });
    Servers {
        _runtime: runtime,
        http,
        tcp,
        tcp_content_length,
        unix,
    }
}

/// Runs `jrpc bench ... --json` and checks the summary's invariants; returns it.
fn bench(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["bench"];
    all.extend_from_slice(args);
    all.push("--json");
    let run = jrpc(&all, None);
    assert_eq!(run.status, 0, "{args:?}: {run:?}");
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON summary");
    let requests = summary["requests"].as_u64().expect("requests");
    assert!(requests > 0, "{summary}");
    assert_eq!(summary["errors"]["jsonrpc"], 0, "{summary}");
    assert_eq!(summary["errors"]["transport"], 0, "{summary}");
    let latency = &summary["latency_us"];
    let p: Vec<u64> = ["p50", "p90", "p99", "p99_9", "max"]
        .iter()
        .map(|k| latency[k].as_u64().expect("percentile"))
        .collect();
    assert!(p[0] > 0, "{summary}");
    assert!(
        p.windows(2).all(|w| w[0] <= w[1]),
        "percentiles in order: {summary}"
    );
    assert_eq!(latency["samples"], summary["messages"], "{summary}");
    summary
}

#[test]
fn http_ws_tcp_and_unix() {
    let servers = start();
    let http = format!("http://{}/", servers.http);
    let ws = format!("ws://{}/", servers.http);
    let tcp = format!("tcp://{}", servers.tcp);
    let tcp_cl = format!("tcp://{}", servers.tcp_content_length);
    let unix = format!("unix:{}", servers.unix.display());

    // A duration run over HTTP keep-alive.
    let summary = bench(&[&http, "subtract", "42", "23", "-c", "4", "-d", "500ms"]);
    assert_eq!(summary["transport"], "http");
    assert_eq!(summary["requests"], summary["messages"]);
    // HTTP/1.1 pipelining, an exact request count.
    let summary = bench(&[
        &http,
        "subtract",
        "minuend:=42",
        "subtrahend:=23",
        "-c",
        "2",
        "-p",
        "8",
        "-n",
        "2000",
    ]);
    assert_eq!(summary["requests"], 2000);
    // Batches over HTTP.
    let summary = bench(&[
        &http, "sum", "1", "2", "3", "-c", "2", "--batch", "10", "-n", "1000",
    ]);
    assert_eq!(
        (summary["requests"].as_u64(), summary["messages"].as_u64()),
        (Some(1000), Some(100))
    );
    // WebSocket with several calls in flight (replies may come in any order: matched by id).
    let summary = bench(&[
        &ws,
        "subtract",
        "42",
        "23",
        "-c",
        "3",
        "-p",
        "16",
        "-n",
        "3000",
        "--threads",
        "2",
    ]);
    assert_eq!(
        (summary["transport"].as_str(), summary["requests"].as_u64()),
        (Some("ws"), Some(3000))
    );
    let summary = bench(&[&ws, "get_data", "-c", "2", "-p", "4", "-b", "5", "-d", "300ms"]);
    assert_eq!(summary["batch"], 5);
    // TCP, newline framing, pipelined; then Content-Length framing.
    let summary = bench(&[&tcp, "subtract", "42", "23", "-c", "2", "-p", "32", "-n", "5000"]);
    assert_eq!(
        (summary["transport"].as_str(), summary["requests"].as_u64()),
        (Some("tcp"), Some(5000))
    );
    bench(&[&tcp, "sum", "1", "2", "-b", "50", "-p", "4", "-n", "2000"]);
    bench(&[
        &tcp_cl,
        "subtract",
        "42",
        "23",
        "--framing",
        "content-length",
        "-p",
        "4",
        "-n",
        "1000",
    ]);
    // A Unix socket.
    let summary = bench(&[&unix, "subtract", "42", "23", "-c", "2", "-n", "500"]);
    assert_eq!(summary["transport"], "unix");
}

/// `--exec`: each connection is a process of its own (here spec-server over its stdio), in both
/// framings; the positional words are then the method and its params.
#[test]
fn exec_runs_one_process_per_connection() {
    let spec_server = env!("CARGO_BIN_EXE_jrpc").replace("/jrpc", "/spec-server");
    assert!(
        std::path::Path::new(&spec_server).exists(),
        "{spec_server} is missing: run `cargo build -p spec-server` first"
    );
    for framing in ["newline", "content-length"] {
        let command = format!("{spec_server} --stdio --framing {framing}");
        let summary = bench(&[
            "--exec",
            &command,
            "subtract",
            "42",
            "23",
            "-c",
            "3",
            "-n",
            "300",
            "-p",
            "4",
            "--framing",
            framing,
        ]);
        assert_eq!(summary["requests"], 300, "{summary}");
        assert_eq!(summary["transport"], "exec", "{summary}");
        assert_eq!(summary["connections"], 3, "{summary}");
    }
    // A program that cannot start is a transport failure, said once.
    let run = jrpc(&["bench", "--exec", "/nonexistent/server", "m", "-n", "1"], None);
    assert_eq!(run.status, 3, "{run:?}");
    assert!(run.stderr.contains("cannot run /nonexistent/server"), "{run:?}");
    // Without --exec, a URL alone is not enough.
    let run = jrpc(&["bench", "http://127.0.0.1:1/"], None);
    assert_eq!(run.status, 2, "{run:?}");
    assert!(run.stderr.contains("the METHOD is missing"), "{run:?}");
}

#[test]
fn the_table_and_json_rpc_errors() {
    let servers = start();
    let http = format!("http://{}/", servers.http);
    let run = jrpc(
        &["bench", &http, "subtract", "42", "23", "-c", "2", "-n", "200"],
        None,
    );
    assert_eq!(run.status, 0, "{run:?}");
    for needle in [
        "target ",
        "requests   200 answered",
        "errors     0 JSON-RPC, 0 transport",
        "p99.9",
        "max",
    ] {
        assert!(run.stdout.contains(needle), "{needle:?} in {}", run.stdout);
    }
    // Error replies are counted apart, with the first one shown; the run itself succeeds.
    let run = jrpc(
        &["bench", &http, "no_such_method", "-c", "2", "-n", "100", "--json"],
        None,
    );
    assert_eq!(run.status, 0, "{run:?}");
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(summary["errors"]["jsonrpc"], 100);
    assert_eq!(summary["errors"]["transport"], 0);
    assert_eq!(summary["errors"]["first_jsonrpc"], "-32601 Method not found");
    assert!(run.stderr.contains("every reply was a JSON-RPC error"), "{run:?}");
    // Wrong parameters are errors of each call too.
    let run = jrpc(&["bench", &http, "subtract", "x", "-n", "10", "--json"], None);
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(summary["errors"]["jsonrpc"], 10, "{summary}");
}

#[test]
fn a_rejected_request_stops_the_run_with_status_1() {
    // A batch over the server's limit is rejected as a whole (-32600 with id null): every
    // message would be, so the run stops at once.
    let servers = start();
    let http = format!("http://{}/", servers.http);
    let run = jrpc(
        &["bench", &http, "sum", "1", "--batch", "1001", "-n", "2000"],
        None,
    );
    assert_error(&run, 1, "rejected the request: -32600 Invalid Request");
}

/// A server that answers every connection with `reply` and then holds it open a moment.
fn garbage_server(reply: &'static [u8]) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for stream in listener.incoming().take(64) {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut buffer = [0u8; 4096];
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let _ = stream.read(&mut buffer);
                let _ = stream.write_all(reply);
                let _ = stream.read(&mut buffer);
            });
        }
    });
    address
}

#[test]
fn garbage_replies_are_status_4() {
    let address = garbage_server(b"this is not JSON-RPC\r\n\r\n");
    let run = jrpc(
        &["bench", &format!("http://{address}/"), "m", "-c", "1", "-d", "2s"],
        None,
    );
    assert_error(&run, 4, "invalid reply from http://");
    assert!(run.stderr.contains("not an HTTP/1.1 response"), "{run:?}");
    let run = jrpc(
        &["bench", &format!("tcp://{address}"), "m", "-c", "1", "-d", "2s"],
        None,
    );
    assert_error(&run, 4, "invalid JSON");
    let run = jrpc(
        &["bench", &format!("ws://{address}/"), "m", "-c", "1", "-d", "2s"],
        None,
    );
    assert_error(&run, 4, "WebSocket handshake failed");
    let run = jrpc(
        &[
            "bench",
            &format!("tcp://{address}"),
            "m",
            "--framing",
            "content-length",
            "-d",
            "2s",
        ],
        None,
    );
    assert_error(&run, 4, "not a Content-Length header block");

    // Valid HTTP, but a body that is JSON without being a response.
    let address = garbage_server(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
    let run = jrpc(
        &["bench", &format!("http://{address}/"), "m", "-c", "1", "-d", "2s"],
        None,
    );
    assert_error(&run, 4, "the id member is required (spec 5)");
    // A response to an id that was never sent.
    let address = garbage_server(b"{\"jsonrpc\":\"2.0\",\"result\":1,\"id\":77}\n");
    let run = jrpc(
        &["bench", &format!("tcp://{address}"), "m", "-c", "1", "-d", "2s"],
        None,
    );
    assert_error(&run, 4, "reply id 77 matches no call in flight");
}

#[test]
fn unreachable_and_silent_servers_are_status_3() {
    // Bind then drop, so nothing listens on the port.
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let run = jrpc(
        &["bench", &format!("http://127.0.0.1:{port}/"), "m", "-d", "1s"],
        None,
    );
    assert_error(&run, 3, &format!("cannot connect to http://127.0.0.1:{port}/"));
    let run = jrpc(
        &["bench", &format!("ws://127.0.0.1:{port}/"), "m", "-d", "1s"],
        None,
    );
    assert_error(&run, 3, "cannot connect");
    let run = jrpc(&["bench", "unix:/no/such/jrpc.sock", "m", "-d", "1s"], None);
    assert_error(&run, 3, "cannot connect to unix:/no/such/jrpc.sock");

    // A server that accepts and never answers: every call times out.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().take(16) {
            held.push(stream);
        }
    });
    let run = jrpc(
        &[
            "bench",
            &format!("tcp://{address}"),
            "m",
            "-c",
            "1",
            "-n",
            "2",
            "--timeout",
            "200ms",
        ],
        None,
    );
    // The summary is printed, then the one-line error.
    assert_eq!(run.status, 3, "{run:?}");
    assert!(
        run.stdout.contains("0 JSON-RPC, 2 transport (2 timeouts)"),
        "{run:?}"
    );
    assert!(
        run.stderr
            .starts_with("jrpc: error: no call was answered: no reply within 200ms"),
        "{run:?}"
    );
}

#[test]
fn bad_bench_arguments_are_status_2() {
    assert_error(
        &jrpc(&["bench", "ftp://127.0.0.1/", "m"], None),
        2,
        "unknown URL scheme 'ftp'",
    );
    assert_error(&jrpc(&["bench", "nonsense", "m"], None), 2, "unknown URL scheme");
    assert_error(
        &jrpc(&["bench", "tcp://127.0.0.1", "m"], None),
        2,
        "a TCP URL needs a port",
    );
    assert_error(
        &jrpc(&["bench", "http://127.0.0.1:1/", "m", "a:={"], None),
        2,
        "parameter 1 'a:={': the value of 'a' is not valid JSON",
    );
    assert_error(
        &jrpc(
            &[
                "bench",
                "https://127.0.0.1:1/",
                "m",
                "--cacert",
                "/nonexistent.pem",
            ],
            None,
        ),
        2,
        "cannot read /nonexistent.pem",
    );
    assert_error(
        &jrpc(
            &["bench", "https://127.0.0.1:1/", "m", "--cacert", "/etc/hostname"],
            None,
        ),
        2,
        "/etc/hostname holds no PEM certificate",
    );
    assert_error(
        &jrpc(&["bench", "http://127.0.0.1:1/", "m", "-H", "bad"], None),
        2,
        "--header 'bad'",
    );
    let run = jrpc(&["bench", "http://127.0.0.1:1/", "m", "-d", "soon"], None);
    assert_eq!(run.status, 2, "{run:?}");
    assert!(run.stderr.contains("not a duration"), "{run:?}");
    let run = jrpc(&["bench", "http://127.0.0.1:1/", "m", "-c", "0"], None);
    assert_eq!(run.status, 2, "{run:?}");
}

/// A server that answers one call per connection and closes it, saying so (`Connection: close`).
fn one_call_per_connection_server(head: &'static str) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for stream in listener.incoming().take(64) {
            let Ok(mut stream) = stream else { continue };
            let mut buffer = [0u8; 4096];
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = stream.read(&mut buffer);
            // With one call in flight per connection, the id is always slot 0.
            let body = r#"{"jsonrpc":"2.0","result":19,"id":0}"#;
            let reply = format!("{head}\r\nContent-Length: {}\r\n\r\n{body}", body.len());
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    address
}

#[test]
fn servers_that_close_after_each_reply_are_followed() {
    for head in ["HTTP/1.1 200 OK\r\nConnection: close", "HTTP/1.0 200 OK"] {
        let address = one_call_per_connection_server(head);
        let summary = bench(&[
            &format!("http://{address}/"),
            "subtract",
            "42",
            "23",
            "-c",
            "1",
            "-n",
            "5",
        ]);
        assert_eq!(summary["requests"], 5, "{head}: {summary}");
    }
}

#[test]
fn ctrl_c_ends_the_run_with_a_summary() {
    let servers = start();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_jrpc"))
        .args([
            "bench",
            &format!("http://{}/", servers.http),
            "subtract",
            "42",
            "23",
        ])
        .args(["-c", "2", "-d", "60s", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run jrpc");
    std::thread::sleep(Duration::from_millis(1000));
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let started = std::time::Instant::now();
    let output = child.wait_with_output().expect("wait");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the run did not stop on SIGINT"
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON summary");
    assert_eq!(summary["interrupted"], true, "{summary}");
    assert!(summary["requests"].as_u64().unwrap_or_default() > 0, "{summary}");
    assert!(
        summary["duration_secs"].as_f64().unwrap_or(60.0) < 30.0,
        "{summary}"
    );
}
