//! `jrpc call`, `jrpc notify` and `jrpc batch`: the real binary against the spec server over HTTP,
//! WebSocket, TCP, a Unix socket and a child process, and every way sending can fail.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use common::{assert_error, jrpc};
use jrpc::http::{HttpConfig, HttpServer};
use jrpc::transport::{StreamConfig, StreamServer};

/// The spec server on HTTP (with WebSocket), TCP and a Unix socket, on a runtime of its own.
struct Servers {
    http: String,
    ws: String,
    tcp: String,
    unix: String,
    _dir: tempfile::TempDir,
    _runtime: tokio::runtime::Runtime,
}

fn start() -> Servers {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("spec.sock");
    let (http, tcp) = runtime.block_on(async {
        let server = jrpc::Server::new(spec_server::methods());
        let http = HttpServer::bind("127.0.0.1:0", server.clone(), HttpConfig::default())
            .await
            .expect("bind");
        let tcp = StreamServer::bind_tcp("127.0.0.1:0", server.clone(), StreamConfig::default())
            .await
            .expect("bind");
        let unix = StreamServer::bind_unix(&socket, server, StreamConfig::default()).expect("bind");
        let addresses = (http.local_addr(), tcp.local_addr().expect("tcp"));
        // The servers live as long as the runtime.
        tokio::spawn(async move {
            let _keep = (http, tcp, unix);
            std::future::pending::<()>().await;
        });
        addresses
    });
    Servers {
        http: format!("http://{}/", http),
        ws: format!("ws://{}/", http),
        tcp: format!("tcp://{tcp}"),
        unix: format!("unix:{}", socket.display()),
        _dir: dir,
        _runtime: runtime,
    }
}

#[test]
fn calls_over_every_transport() {
    let servers = start();
    let spec_server = env!("CARGO_BIN_EXE_jrpc").replace("/jrpc", "/spec-server");
    let exec = format!("{spec_server} --stdio");
    for url in [&servers.http, &servers.ws, &servers.tcp, &servers.unix] {
        let run = jrpc(&["call", url, "subtract", "42", "23"], None);
        assert_eq!((run.status, run.stdout.as_str()), (0, "19\n"), "{url}: {run:?}");
        let run = jrpc(&["call", url, "subtract", "minuend:=23", "subtrahend:=42"], None);
        assert_eq!(run.stdout, "-19\n", "{url}: {run:?}");
        let run = jrpc(&["call", url, "get_data", "--raw"], None);
        assert_eq!(run.stdout, "[\"hello\",5]\n", "{url}: {run:?}");
        let run = jrpc(&["notify", url, "update", "1", "2", "3"], None);
        assert_eq!((run.status, run.stdout.as_str()), (0, ""), "{url}: {run:?}");
    }
    // `cargo test` in the workspace builds spec-server's binary for its own tests.
    assert!(
        std::path::Path::new(&spec_server).exists(),
        "{spec_server} is missing: run `cargo build -p spec-server` first"
    );
    {
        let run = jrpc(&["call", "--exec", &exec, "sum", "1", "2", "4"], None);
        assert_eq!((run.status, run.stdout.as_str()), (0, "7\n"), "{run:?}");
        let run = jrpc(
            &[
                "call",
                "--exec",
                &format!("{exec} --framing content-length"),
                "--framing",
                "content-length",
                "subtract",
                "5",
                "3",
            ],
            None,
        );
        assert_eq!((run.status, run.stdout.as_str()), (0, "2\n"), "{run:?}");
    }
}

#[test]
fn server_errors_go_to_stderr_with_status_1() {
    let servers = start();
    let run = jrpc(&["call", &servers.http, "foobar"], None);
    assert_error(&run, 1, "error -32601: Method not found");
    let run = jrpc(&["call", &servers.tcp, "subtract", "x", "1"], None);
    assert_error(&run, 1, "error -32602");
}

#[test]
fn batches_print_each_call_in_order() {
    let servers = start();
    for url in [&servers.http, &servers.ws] {
        let run = jrpc(
            &[
                "batch",
                url,
                "--",
                "sum",
                "1",
                "2",
                "4",
                ",",
                "--notify",
                "notify_hello",
                "7",
                ",",
                "subtract",
                "42",
                "23",
            ],
            None,
        );
        assert_eq!(run.stdout, "[{\"result\":7},{\"result\":19}]\n", "{url}: {run:?}");
        assert_eq!(run.status, 0);
        let run = jrpc(&["batch", url], Some("get_data\nfoo.get name=myself\n"));
        assert_eq!(run.status, 1, "{run:?}");
        assert!(
            run.stdout
                .starts_with("[{\"result\":[\"hello\",5]},{\"error\":{\"code\":-32601"),
            "{run:?}"
        );
    }
}

/// A TCP server that answers every line with `reply`.
fn replying(reply: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut writer = stream.try_clone().expect("clone");
            for line in BufReader::new(stream).lines() {
                if line.is_err() || writer.write_all(reply.as_bytes()).is_err() {
                    break;
                }
            }
        }
    });
    format!("tcp://{address}")
}

#[test]
fn bad_input_and_broken_peers_are_one_line_errors_with_distinct_statuses() {
    let refused = TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed = format!("tcp://{}", refused.local_addr().expect("address"));
    drop(refused);
    assert_error(&jrpc(&["call", &closed, "x"], None), 3, "cannot connect");
    assert_error(&jrpc(&["call", "ftp://example.com", "x"], None), 2, "ftp");
    assert_error(
        &jrpc(&["call", "http://127.0.0.1:9/", "x", "a:={bad"], None),
        2,
        "not valid JSON",
    );
    assert_error(
        &jrpc(&["call", "http://127.0.0.1:9/", "x", "1", "a=2"], None),
        2,
        "cannot mix",
    );
    assert_error(&jrpc(&["call", &replying("garbage\n"), "x"], None), 4, "not JSON");
    assert_error(
        &jrpc(
            &["call", &replying("{\"jsonrpc\":\"2.0\",\"id\":1}\n"), "x"],
            None,
        ),
        4,
        "either result or error",
    );
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("tcp://{}", silent.local_addr().expect("address"));
    assert_error(
        &jrpc(&["call", &url, "x", "--timeout", "300ms"], None),
        3,
        "no reply within",
    );
    assert_error(
        &jrpc(&["call", "--exec", "/nonexistent/program", "x"], None),
        3,
        "cannot start",
    );
    assert_error(&jrpc(&["call", "http://127.0.0.1:9/"], None), 2, "METHOD");
    assert_error(
        &jrpc(&["call", "http://127.0.0.1:9/", "x", "-H", "nocolon"], None),
        2,
        "header",
    );
}
