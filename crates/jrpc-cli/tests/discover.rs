//! `jrpc discover` and `jrpc call --check-params` against a real spec-server answering
//! `rpc.discover`.

mod common;

use common::{assert_error, jrpc};
use jrpc::http::{HttpConfig, HttpServer};

/// spec-server's methods with `rpc.discover`, over HTTP on a runtime of its own.
fn start() -> (String, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let address = runtime.block_on(async {
        let server = jrpc::Server::builder()
            .discover(spec_server::discover())
            .build(spec_server::methods());
        let http = HttpServer::bind("127.0.0.1:0", server, HttpConfig::default())
            .await
            .expect("bind");
        let address = http.local_addr();
        tokio::spawn(async move {
            let _keep = http;
            std::future::pending::<()>().await;
        });
        address
    });
    (format!("http://{address}/"), runtime)
}

#[test]
fn discover_lists_the_methods_with_their_params_or_prints_the_document() {
    let (url, _runtime) = start();
    let run = jrpc(&["discover", &url], None);
    assert_eq!(run.status, 0, "{run:?}");
    assert!(run.stdout.starts_with("spec-server "), "{}", run.stdout);
    assert!(
        run.stdout.contains("subtract(minuend, subtrahend)\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("    Subtracts the subtrahend from the minuend.\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("    minuend: number, required - The number to subtract from.\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("    -> data: array"), "{}", run.stdout);
    assert!(
        run.stdout.contains("    errors: -32602 Invalid params\n"),
        "{}",
        run.stdout
    );

    let run = jrpc(&["discover", &url, "--json"], None);
    assert_eq!(run.status, 0, "{run:?}");
    let document: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(document["info"]["title"], "spec-server");
    assert_eq!(document["methods"].as_array().map(Vec::len), Some(6));
}

#[test]
fn check_params_refuses_wrong_params_before_sending() {
    let (url, _runtime) = start();
    let run = jrpc(&["call", &url, "subtract", "42", "23", "--check-params"], None);
    assert_eq!((run.status, run.stdout.trim()), (0, "19"), "{run:?}");
    let run = jrpc(
        &["call", &url, "subtract", "42", "--string", "x", "--check-params"],
        None,
    );
    assert_error(&run, 2, "param 'minuend': expected number (got \"42\")");
    let run = jrpc(&["call", &url, "subtract", "minuend:=42", "--check-params"], None);
    assert_error(&run, 2, "param 'subtrahend' is required");
    let run = jrpc(
        &[
            "call",
            &url,
            "subtract",
            "minuend:=42",
            "other:=1",
            "--check-params",
        ],
        None,
    );
    assert_error(&run, 2, "has no param 'other'");
    let run = jrpc(&["call", &url, "nope", "--check-params"], None);
    assert_error(&run, 2, "no method 'nope'");
    // Without the flag the server judges: -32602, status 1.
    let run = jrpc(&["call", &url, "subtract", "minuend:=42"], None);
    assert_eq!(run.status, 1, "{run:?}");
}

/// randomd on a loopback port with a fresh database, on a runtime of its own.
fn start_randomd() -> (String, tempfile::TempDir, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = randomd::config::Settings {
        listen: "127.0.0.1:0".parse().expect("address"),
        database: randomd::store::Database::Sqlite(dir.path().join("randomd.sqlite3")),
        signing_key: dir.path().join("signing-key.pem"),
        entropy: randomd::entropy::SourceKind::Os,
        daily_bits: 1_000_000,
        daily_requests: 200_000,
        advisory_delay_ms: 0,
        max_request_bytes: 1 << 20,
        durability: randomd::store::Durability::PowerLoss,
        database_connections: 2,
        max_connections_per_address: randomd::config::DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
        admin_listen: None,
        auth_failures: randomd::limiter::AuthLimit::default(),
        playground: false,
        tls: None,
    };
    let url = runtime.block_on(async {
        let running = randomd::start(&settings, std::sync::Arc::new(randomd::clock::SystemClock))
            .await
            .expect("randomd starts");
        let url = format!("http://{}{}", running.http.local_addr(), randomd::RPC_PATH);
        tokio::spawn(async move {
            let _keep = running;
            std::future::pending::<()>().await;
        });
        url
    });
    (url, dir, runtime)
}

#[test]
fn discover_lists_randomd_methods_with_their_ranges() {
    let (url, _dir, _runtime) = start_randomd();
    let run = jrpc(&["discover", &url], None);
    assert_eq!(run.status, 0, "{run:?}");
    let out = &run.stdout;
    assert!(
        out.contains("generateIntegers(apiKey, n, min, max, replacement, base)\n"),
        "{out}"
    );
    assert!(
        out.contains("    n: integer in [1, 10000], required - How many integers to generate.\n"),
        "{out}"
    );
    assert!(
        out.contains("    base: integer one of 2, 8, 10, 16, default 10 - "),
        "{out}"
    );
    assert!(out.contains("    replacement: boolean, default true - "), "{out}");
    assert!(
        out.contains("    characters: string length [1, 80], required - "),
        "{out}"
    );
    assert!(
        out.contains("    format: string one of \"base64\", \"hex\", default \"base64\" - "),
        "{out}"
    );
    assert!(out.contains("402 The operation requires {0} requests"), "{out}");
    for method in [
        "generateSignedUUIDs",
        "getUsage",
        "verifySignature(random, signature)",
    ] {
        assert!(out.contains(method), "{method} in {out}");
    }
    // And --check-params refuses an out-of-range n before sending.
    let run = jrpc(
        &[
            "call",
            &url,
            "generateIntegers",
            "apiKey=x",
            "n:=0",
            "min:=1",
            "max:=6",
            "--check-params",
        ],
        None,
    );
    assert_error(&run, 2, "param 'n': must be at least 1 (got 0)");
}
