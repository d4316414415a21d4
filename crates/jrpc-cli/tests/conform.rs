//! `jrpc conform`: the real binary judging real servers over real sockets. jrpc's spec server
//! passes every rule over every transport; bad targets get a clear verdict, no hang and exit
//! status 3 or 4; foreign servers (Node's jayson and json-rpc-2.0, Python's jsonrpcserver) get
//! exactly the verdicts pinned here, so a change in our judgement or in theirs is noticed.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::jrpc;
use jrpc::http::{HttpConfig, HttpServer};
use jrpc::transport::{Framing, StreamConfig, StreamServer};
use serde_json::Value;

/// The spec server on HTTP (with WebSocket), TCP in both framings and a Unix socket.
struct Servers {
    urls: Vec<(String, &'static str)>,
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
    let urls = runtime.block_on(async {
        let server = spec_server_as_run();
        let http = HttpServer::bind("127.0.0.1:0", server.clone(), HttpConfig::default())
            .await
            .expect("bind");
        let tcp = StreamServer::bind_tcp("127.0.0.1:0", server.clone(), StreamConfig::default())
            .await
            .expect("bind");
        let content_length = StreamConfig {
            framing: Framing::ContentLength,
            ..StreamConfig::default()
        };
        let lsp = StreamServer::bind_tcp("127.0.0.1:0", server.clone(), content_length)
            .await
            .expect("bind");
        let unix = StreamServer::bind_unix(&socket, server, StreamConfig::default()).expect("bind");
        let urls = vec![
            (format!("http://{}/", http.local_addr()), "newline"),
            (format!("ws://{}/", http.local_addr()), "newline"),
            (format!("tcp://{}", tcp.local_addr().expect("tcp")), "newline"),
            (
                format!("tcp://{}", lsp.local_addr().expect("tcp")),
                "content-length",
            ),
            (format!("unix:{}", socket.display()), "newline"),
        ];
        tokio::spawn(async move {
            let _keep = (http, tcp, lsp, unix);
            std::future::pending::<()>().await;
        });
        urls
    });
    Servers {
        urls,
        _dir: dir,
        _runtime: runtime,
    }
}

/// The spec server as its binary builds it: the section 7 methods, and rpc.discover.
fn spec_server_as_run() -> jrpc::Server {
    jrpc::Server::builder()
        .discover(spec_server::discover())
        .build(spec_server::methods())
}

/// Runs `jrpc conform ARGS --json`: the exit status and the report.
fn conform(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["conform", "--json"];
    all.extend_from_slice(args);
    let run = jrpc(&all, None);
    let report = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:?}"));
    (run.status, report)
}

/// The rules that did not pass, as "name:verdict".
fn not_passed(report: &Value) -> Vec<String> {
    report["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter(|rule| rule["verdict"] != "pass")
        .map(|rule| {
            format!(
                "{}:{}",
                rule["rule"].as_str().unwrap_or(""),
                rule["verdict"].as_str().unwrap_or("")
            )
        })
        .collect()
}

fn rule_count(report: &Value) -> usize {
    report["rules"].as_array().map_or(0, Vec::len)
}

#[test]
fn the_spec_server_passes_every_rule_over_every_transport() {
    let servers = start();
    let spec_server = env!("CARGO_BIN_EXE_jrpc").replace("/jrpc", "/spec-server");
    assert!(
        std::path::Path::new(&spec_server).exists(),
        "{spec_server} is missing: run `cargo build -p spec-server` first"
    );
    for (url, framing) in &servers.urls {
        let (status, report) = conform(&[url, "--framing", framing, "--spec-methods"]);
        assert_eq!((status, not_passed(&report)), (0, vec![]), "{url}: {report}");
        // HTTP has its six conventions; persistent transports have pipelining.
        let expected = if url.starts_with("http") { 49 } else { 44 };
        assert_eq!(rule_count(&report), expected, "{url}: {report}");
        let (status, report) = conform(&[url, "--framing", framing]);
        assert_eq!((status, not_passed(&report)), (0, vec![]), "{url}: {report}");
    }
    for framing in ["newline", "content-length"] {
        let exec = format!("{spec_server} --stdio --framing {framing}");
        let (status, report) = conform(&["--exec", &exec, "--framing", framing, "--spec-methods"]);
        assert_eq!((status, not_passed(&report)), (0, vec![]), "{exec}: {report}");
        assert_eq!(rule_count(&report), 44);
    }
    // A method of the server's own: the success path, and the text report's summary line.
    let run = jrpc(
        &[
            "conform",
            &servers.urls[0].0,
            "--method",
            "subtract",
            "--params",
            "[42,23]",
        ],
        None,
    );
    assert_eq!(run.status, 0, "{run:?}");
    assert!(run.stdout.contains("  pass  call-id-exact "), "{run:?}");
    assert!(
        run.stdout.ends_with("conform: 29/29 MUST, 10/10 SHOULD\n"),
        "{run:?}"
    );
    // The call by name too, as rpc.discover offers; sum takes a list only, so that is skipped.
    let (status, report) = conform(&[
        &servers.urls[1].0,
        "--method",
        "subtract",
        "--params",
        r#"{"subtrahend":23,"minuend":42}"#,
        "--only",
        "call-param-structure",
    ]);
    assert_eq!(status, 0);
    assert_eq!(report["rules"][0]["verdict"], "pass", "{report}");
    let (status, report) = conform(&[
        &servers.urls[0].0,
        "--method",
        "sum",
        "--params",
        "[1,2,4]",
        "--only",
        "call-param-structure",
    ]);
    assert_eq!(status, 0);
    assert_eq!(report["rules"][0]["verdict"], "skip", "{report}");
    assert_eq!(
        report["rules"][0]["note"],
        "the method takes its params by position only"
    );
    assert_eq!(
        report["summary"]["should"], 0,
        "a skipped rule is not counted: {report}"
    );
    // --only and --skip select by name; an unknown name is a usage error.
    let (_, report) = conform(&[&servers.urls[0].0, "--only", "parse-error,http-post-only"]);
    assert_eq!(rule_count(&report), 2);
    let (_, report) = conform(&[&servers.urls[2].0, "--skip", "pipelined-calls"]);
    assert_eq!(rule_count(&report), 24);
    let run = jrpc(&["conform", &servers.urls[0].0, "--only", "nope"], None);
    common::assert_error(&run, 2, "no rule named 'nope'");
}

/// The spec server over TLS (HTTPS with WSS, and TLS over TCP) with a certificate for
/// `localhost` made here: conform and bench judge it through `--cacert`, and refuse it without.
#[test]
fn conform_and_bench_speak_tls() {
    let dir = tempfile::tempdir().expect("tempdir");
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    let files = jrpc::transport::TlsFiles {
        certificate_chain: dir.path().join("cert.pem"),
        private_key: dir.path().join("key.pem"),
    };
    std::fs::write(&files.certificate_chain, certified.cert.pem()).expect("write");
    std::fs::write(&files.private_key, certified.signing_key.serialize_pem()).expect("write");
    let ca = files.certificate_chain.display().to_string();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let (https, tcp) = runtime.block_on(async {
        let server = spec_server_as_run();
        let http_config = HttpConfig {
            tls: Some(files.clone()),
            ..HttpConfig::default()
        };
        let http = HttpServer::bind("127.0.0.1:0", server.clone(), http_config)
            .await
            .expect("bind");
        let stream_config = StreamConfig {
            tls: Some(files.clone()),
            ..StreamConfig::default()
        };
        let tcp = StreamServer::bind_tcp("127.0.0.1:0", server, stream_config)
            .await
            .expect("bind");
        let ports = (http.local_addr().port(), tcp.local_addr().expect("tcp").port());
        tokio::spawn(async move {
            let _keep = (http, tcp);
            std::future::pending::<()>().await;
        });
        ports
    });
    for url in [
        format!("https://localhost:{https}/"),
        format!("wss://localhost:{https}/"),
        format!("tls://localhost:{tcp}"),
    ] {
        let (status, report) = conform(&[&url, "--cacert", &ca, "--spec-methods"]);
        assert_eq!((status, not_passed(&report)), (0, vec![]), "{url}: {report}");
        let expected = if url.starts_with("https") { 49 } else { 44 };
        assert_eq!(rule_count(&report), expected, "{url}: {report}");
        // jrpc call over the same URL, trusting the same CA.
        let run = jrpc(&["call", &url, "subtract", "42", "23", "--cacert", &ca], None);
        assert_eq!((run.status, run.stdout.as_str()), (0, "19\n"), "{url}: {run:?}");
        // Without the CA the certificate is not trusted: the target cannot be reached (3).
        let run = jrpc(&["conform", &url, "--only", "parse-error"], None);
        assert_eq!(run.status, 3, "{url}: {run:?}");
        assert!(
            run.stdout.contains("certificate") || run.stderr.contains("certificate"),
            "{url}: {run:?}"
        );

        let run = jrpc(
            &[
                "bench",
                &url,
                "subtract",
                "42",
                "23",
                "-n",
                "200",
                "-c",
                "2",
                "--cacert",
                &ca,
                "--json",
                "--no-progress",
            ],
            None,
        );
        assert_eq!(run.status, 0, "{url}: {run:?}");
        let summary: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:?}"));
        assert_eq!(summary["requests"], 200, "{url}: {summary}");
        assert_eq!(summary["errors"]["jsonrpc"], 0, "{url}: {summary}");
        assert_eq!(summary["errors"]["transport"], 0, "{url}: {summary}");
    }
    let run = jrpc(
        &["conform", "https://localhost:1/", "--cacert", "/nonexistent.pem"],
        None,
    );
    common::assert_error(&run, 2, "cannot read /nonexistent.pem");
}

/// A TCP listener whose connections are each handed to `serve` on a thread of their own.
fn bad_server(serve: fn(std::net::TcpStream)) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    address.to_string()
}

fn read_some(stream: &mut std::net::TcpStream) {
    let mut buffer = [0u8; 4096];
    let _ = stream.read(&mut buffer);
}

#[test]
fn bad_targets_get_a_verdict_without_hanging() {
    let silent = bad_server(|stream| {
        std::thread::sleep(Duration::from_secs(30));
        drop(stream);
    });
    let html = bad_server(|mut stream| {
        read_some(&mut stream);
        let page = "<html><body>It works!</body></html>";
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n{page}",
            page.len()
        );
    });
    let closing = bad_server(|mut stream| read_some(&mut stream));
    let garbage = bad_server(|mut stream| {
        read_some(&mut stream);
        let _ = stream.write_all(b"\x00\x01garbage \xff\xfe bytes\n");
        std::thread::sleep(Duration::from_secs(2));
    });
    let cases = [
        (format!("http://{silent}/"), 3, "no reply"),
        (format!("tcp://{silent}"), 3, "no reply"),
        (format!("http://{html}/"), 4, "never answered with JSON"),
        (format!("http://{closing}/"), 3, "closed"),
        (format!("tcp://{closing}"), 3, "closed"),
        (format!("tcp://{garbage}"), 4, "never answered with JSON"),
        (format!("ws://{garbage}/"), 4, "never answered with JSON"),
        ("tcp://127.0.0.1:1".to_owned(), 3, "refused"),
    ];
    for (url, status, needle) in cases {
        let started = Instant::now();
        let run = jrpc(&["conform", &url, "--timeout", "500ms"], None);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{url} took {:?}",
            started.elapsed()
        );
        assert_eq!(run.status, status, "{url}: {run:?}");
        assert!(run.stderr.starts_with("jrpc: error: "), "{url}: {run:?}");
        assert!(
            run.stderr.contains(needle),
            "{url}: expected {needle:?} in {run:?}"
        );
        assert!(
            run.stdout.contains("FAIL"),
            "{url}: the verdict is printed: {run:?}"
        );
    }
}

/// A peer program, killed when dropped.
struct Peer(Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `program script` from tests/peers and reads its "listening PORT..." line.
fn peer(program: &str, script: &str) -> (Peer, Vec<String>) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers");
    assert!(
        std::path::Path::new(dir).join("node_modules").exists() || program != "node",
        "the Node peers are not installed: run scripts/test.sh (npm install in {dir})"
    );
    let mut child = Command::new(program)
        .arg(script)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e} (scripts/test.sh installs the peers)"));
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the peer's first line");
    let ports: Vec<String> = line.split_whitespace().skip(1).map(str::to_owned).collect();
    assert!(!ports.is_empty(), "{program} {script} printed {line:?}");
    (Peer(child), ports)
}

/// Deviations every peer here shares: JavaScript and Python numbers drop big and fractional ids'
/// spelling, and none describes itself with rpc.discover (so the other param structure is not
/// checked).
const NUMBER_IDS: [&str; 7] = [
    "call-param-structure:skip",
    "id-echo-exact:fail",
    "id-echo-spelling:warn",
    "error-id-exact:fail",
    "error-id-spelling:warn",
    "call-id-exact:fail",
    "call-id-spelling:warn",
];

fn pinned(extra: &[&str]) -> Vec<String> {
    let mut all: Vec<String> = extra
        .iter()
        .chain(NUMBER_IDS.iter())
        .map(|s| (*s).to_owned())
        .collect();
    all.sort();
    all
}

fn judge(url: &str) -> Vec<String> {
    let (status, report) = conform(&[url, "--spec-methods", "--timeout", "1s"]);
    let mut failed = not_passed(&report);
    failed.sort();
    let must_failed = failed.iter().any(|verdict| verdict.ends_with(":fail"));
    assert_eq!(status, if must_failed { 5 } else { 0 }, "{url}: {report}");
    failed
}

#[test]
fn jayson_over_http_and_tcp() {
    let (_peer, ports) = peer("node", "jayson_server.js");
    let common = [
        "non-object-request:fail",
        "invalid-params:warn",
        "id-null-call:fail",
        "call-id-null:fail",
        "batch-invalid-values:fail",
    ];
    let mut http = common.to_vec();
    http.extend([
        "parse-error:fail",
        "batch-parse-error:fail",
        "parse-error-text:fail",
        "http-errors-are-200:warn",
        "http-body-limit:warn",
    ]);
    assert_eq!(judge(&format!("http://127.0.0.1:{}/", ports[0])), pinned(&http));
    let mut tcp = common.to_vec();
    tcp.extend([
        "invalid-request:fail",
        "batch-empty:fail",
        "parse-error-text:fail",
    ]);
    assert_eq!(judge(&format!("tcp://127.0.0.1:{}", ports[1])), pinned(&tcp));
}

#[test]
fn json_rpc_2_0_over_http() {
    let (_peer, ports) = peer("node", "json_rpc_2_server.js");
    let verdicts = judge(&format!("http://127.0.0.1:{}/", ports[0]));
    assert_eq!(verdicts, pinned(JSON_RPC_2_0), "json-rpc-2.0");
}

#[test]
fn jsonrpcserver_over_http() {
    let (_peer, ports) = peer("python3", "jsonrpcserver_server.py");
    let verdicts = judge(&format!("http://127.0.0.1:{}/", ports[0]));
    let mut expected: Vec<String> = JSONRPCSERVER
        .iter()
        .chain(&[
            "call-param-structure:skip",
            "call-id-spelling:warn",
            "error-id-spelling:warn",
            "id-echo-spelling:warn",
        ])
        .map(|s| (*s).to_owned())
        .collect();
    expected.sort();
    assert_eq!(verdicts, expected, "jsonrpcserver");
}

/// json-rpc-2.0 1.8.1 (its deviations besides the ids): invalid request objects and invalid batch
/// elements go unanswered or are answered as -32601/-32602, and `null` makes it throw (no reply).
const JSON_RPC_2_0: &[&str] = &[
    "batch-invalid-and-notification:fail",
    "batch-invalid-element:fail",
    "batch-invalid-values:fail",
    "http-body-limit:warn",
    "http-media-type:warn",
    "http-post-only:warn",
    "id-type:fail",
    "invalid-params:warn",
    "invalid-request:fail",
    "invalid-without-id:fail",
    "method-required:fail",
    "non-object-request:fail",
    "params-structured:fail",
];

/// jsonrpcserver 5.0.9 (Python numbers keep big integers, so only the spelling of fractional ids
/// is lost): invalid batch elements are not answered one by one.
const JSONRPCSERVER: &[&str] = &[
    "batch-invalid-and-notification:fail",
    "batch-invalid-element:fail",
    "batch-invalid-elements:fail",
    "batch-invalid-values:fail",
    "call-batch:fail",
    "http-body-limit:warn",
    "http-media-type:warn",
    "http-post-only:warn",
    "invalid-params:warn",
    "spec-batch:fail",
];
