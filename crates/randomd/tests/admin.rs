//! The admin listener: /metrics read with Prometheus' own Python parser before and after a known
//! set of calls (every counter moves by exactly what was sent), /healthz, and /readyz following
//! the entropy source's health and PostgreSQL going away and coming back.

mod common;
mod pg;

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Service;
use randomd::entropy::{EntropyError, EntropySource, SourceKind};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// GET `path` from the admin listener: the status and the body.
async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let response = String::from_utf8(response).expect("UTF-8");
    let status = response[9..12].parse().expect("a status");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

type Samples = BTreeMap<String, f64>;

/// The page parsed by `prometheus_client` (Python): each sample keyed `name{labels, sorted}`.
fn parse(page: &str) -> Samples {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/admin/prom_parse.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 (bash scripts/test.sh installs it and prometheus_client)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(page.as_bytes())
        .expect("write");
    let output = child.wait_with_output().expect("parser ran");
    assert!(
        output.status.success(),
        "prometheus_client rejected the page: {}\n{page}",
        String::from_utf8_lossy(&output.stderr)
    );
    let samples: Vec<(String, BTreeMap<String, String>, f64)> =
        serde_json::from_slice(&output.stdout).expect("JSON from the parser");
    samples
        .into_iter()
        .map(|(name, labels, value)| {
            let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            (format!("{name}{{{}}}", labels.join(",")), value)
        })
        .collect()
}

async fn scrape(addr: SocketAddr) -> Samples {
    let (status, page) = get(addr, "/metrics").await;
    assert_eq!(status, 200, "{page}");
    parse(&page)
}

async fn start_with_admin() -> Service {
    Service::start_with(
        |settings| settings.admin_listen = Some("127.0.0.1:0".parse().expect("address")),
        SourceKind::Os.open().expect("os source"),
    )
    .await
}

fn admin_addr(service: &Service) -> SocketAddr {
    service
        .running
        .admin
        .as_ref()
        .expect("admin listener")
        .local_addr()
}

#[tokio::test]
async fn every_counter_moves_by_exactly_what_was_sent() {
    let service = start_with_admin().await;
    let admin = admin_addr(&service);
    let before = scrape(admin).await;

    let mut bits = 0.0;
    for _ in 0..3 {
        let result = service
            .ok(
                "generateIntegers",
                json!({"apiKey": service.dev_key, "n": 5, "min": 1, "max": 6}),
            )
            .await;
        bits += result["bitsUsed"].as_f64().expect("bitsUsed");
    }
    let unknown_key = "00000000-0000-0000-0000-000000000000";
    let error = service
        .error(
            "generateIntegers",
            json!({"apiKey": unknown_key, "n": 1, "min": 1, "max": 6}),
        )
        .await;
    assert_eq!(error["code"], 400);
    for i in 0..2 {
        let error = service.error(&format!("noSuchMethod{i}"), json!({})).await;
        assert_eq!(error["code"], -32601);
    }
    let batch = json!([
        {"jsonrpc": "2.0", "method": "getUsage", "params": {"apiKey": service.dev_key}, "id": 1},
        {"jsonrpc": "2.0", "method": "getUsage", "params": {"apiKey": service.dev_key}, "id": 2},
    ]);
    let (status, _) = service.post("application/json", &batch.to_string()).await;
    assert_eq!(status, 200);

    let after = scrape(admin).await;
    let delta = |key: &str| after.get(key).copied().unwrap_or(0.0) - before.get(key).copied().unwrap_or(0.0);
    let expected: &[(&str, f64)] = &[
        ("jrpc_calls_total{method=generateIntegers,outcome=result}", 3.0),
        ("jrpc_calls_total{method=generateIntegers,outcome=400}", 1.0),
        ("jrpc_calls_total{method=unknown,outcome=-32601}", 2.0),
        ("jrpc_calls_total{method=getUsage,outcome=result}", 2.0),
        ("jrpc_messages_total{}", 7.0),
        ("jrpc_call_duration_seconds_count{method=generateIntegers}", 4.0),
        ("jrpc_batch_size_count{}", 1.0),
        ("jrpc_batch_size_sum{}", 2.0),
        ("randomd_requests_billed_total{method=generateIntegers}", 3.0),
        ("randomd_bits_served_total{method=generateIntegers}", bits),
        ("randomd_quota_refusals_total{code=400}", 1.0),
        ("randomd_store_commit_seconds_count{}", 3.0),
        // The three charges came one after another: three commits of one charge each.
        ("randomd_store_commit_group_size_count{}", 3.0),
        ("randomd_store_commit_group_size_sum{}", 3.0),
    ];
    for (key, moved) in expected {
        assert_eq!(delta(key), *moved, "{key}");
    }
    // Every other counter stood still, except bytes, which are checked below.
    for key in after.keys().filter(|k| k.contains("_total{")) {
        if expected.iter().any(|(k, _)| k == key) || key.contains("bytes") {
            continue;
        }
        assert_eq!(delta(key), 0.0, "{key} moved");
    }
    assert!(delta("jrpc_received_bytes_total{}") > 0.0);
    assert!(delta("jrpc_sent_bytes_total{}") > 0.0);
    assert!(after["randomd_entropy_drawn_bytes_total{}"] > 0.0);
    assert_eq!(after["randomd_entropy_healthy{}"], 1.0);
    assert_eq!(after["randomd_keys_active_today{}"], 1.0);
    assert_eq!(after["jrpc_calls_in_flight{}"], 0.0);
    assert!(
        !after.keys().any(|k| k.contains("noSuchMethod")),
        "a name the client chose became a label"
    );
    assert!(!after.keys().any(|k| k.contains(&service.dev_key)));
    assert_eq!(get(admin, "/healthz").await, (200, "ok\n".to_owned()));
    assert_eq!(get(admin, "/readyz").await, (200, "ready\n".to_owned()));
    assert_eq!(get(admin, "/nope").await.0, 404);
}

/// Bytes that fail the repetition-count test at once.
struct Stuck;

impl EntropySource for Stuck {
    fn name(&self) -> &'static str {
        "stuck"
    }
    fn fill(&mut self, buffer: &mut [u8]) -> Result<(), EntropyError> {
        buffer.fill(7);
        Ok(())
    }
}

#[tokio::test]
async fn not_ready_when_the_entropy_source_fails_its_health_tests() {
    let service = Service::start_with(
        |settings| settings.admin_listen = Some("127.0.0.1:0".parse().expect("address")),
        Box::new(Stuck),
    )
    .await;
    let admin = admin_addr(&service);
    assert_eq!(get(admin, "/healthz").await.0, 200, "alive, though not ready");
    let (status, body) = get(admin, "/readyz").await;
    assert_eq!(status, 503);
    assert!(body.contains("entropy"), "{body}");
    let samples = scrape(admin).await;
    assert_eq!(samples["randomd_entropy_healthy{}"], 0.0);
}

async fn wait_for_status(admin: SocketAddr, want: u16, within: Duration) -> String {
    let deadline = Instant::now() + within;
    loop {
        let (status, body) = get(admin, "/readyz").await;
        if status == want {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "/readyz stayed {status} ({body}), wanted {want}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn readiness_follows_postgres_going_away_and_coming_back() {
    let Some(db) = pg::TestDb::create("readiness_follows_postgres_going_away_and_coming_back").await else {
        return;
    };
    let url = db.url.clone();
    let service = Service::start_with(
        |settings| {
            settings.admin_listen = Some("127.0.0.1:0".parse().expect("address"));
            settings.database = randomd::store::Database::parse(&url).expect("URL");
        },
        SourceKind::Os.open().expect("os source"),
    )
    .await;
    let admin = admin_addr(&service);
    wait_for_status(admin, 200, Duration::from_secs(5)).await;

    let pg = db.admin().await;
    pg.batch_execute(&format!("ALTER DATABASE {} ALLOW_CONNECTIONS false", db.name))
        .await
        .expect("block connections");
    pg.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
        &[&db.name],
    )
    .await
    .expect("terminate");
    let body = wait_for_status(admin, 503, Duration::from_secs(20)).await;
    assert!(body.contains("database"), "{body}");
    assert_eq!(get(admin, "/healthz").await.0, 200);

    pg.batch_execute(&format!("ALTER DATABASE {} ALLOW_CONNECTIONS true", db.name))
        .await
        .expect("allow connections");
    wait_for_status(admin, 200, Duration::from_secs(30)).await;
    let _: Value = service
        .ok(
            "generateIntegers",
            json!({"apiKey": service.dev_key, "n": 1, "min": 1, "max": 6}),
        )
        .await;
}

/// `randomd --listen ADDR` (no `serve` word) with `--log-format json`: it serves, prints its admin
/// address, every log line is a JSON object with a level and a message, each HTTP request has its
/// line, each call its span (method, id, transport, client, key id) and an error its line with the
/// reason, and the API key it printed never appears in a log line.
#[test]
fn serves_without_the_serve_word_and_logs_json_without_keys() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = common::randomd_command()
        .args([
            "--listen",
            "127.0.0.1:0",
            "--admin-listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
        ])
        .arg("--data-dir")
        .arg(dir.path())
        .arg("--signing-key")
        .arg(common::shared_signing_key())
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("randomd starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut key = None;
    let mut admin = None;
    let mut api = None;
    for line in stdout.by_ref() {
        let line = line.expect("line");
        if let Some(rest) = line
            .split("development API key (created now, shown only this once): ")
            .nth(1)
        {
            key = Some(rest.trim().to_owned());
        }
        if let Some(rest) = line.trim().strip_prefix("admin:        http://") {
            admin = rest.split('/').next().map(str::to_owned);
        }
        if let Some(rest) = line.split("API on http://").nth(1) {
            api = rest.split('/').next().map(str::to_owned);
        }
        if line.starts_with("try:") {
            break;
        }
    }
    // Keep reading what it prints, so that its stdout never closes under it.
    std::thread::spawn(move || stdout.for_each(drop));
    let api = api.expect("the API address was printed");
    let key = key.expect("a development key was printed");
    // A call that succeeds and one refused for its key.
    let post = |body: String| {
        use std::io::Read;
        let mut stream = std::net::TcpStream::connect(&api).expect("connect");
        let request = format!(
            "POST /json-rpc/4/invoke HTTP/1.1\r\nHost: randomd\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).expect("send");
        let mut reply = String::new();
        stream.read_to_string(&mut reply).expect("read");
        reply
    };
    let ok = post(format!(
        r#"{{"jsonrpc":"2.0","method":"generateIntegers","params":{{"apiKey":"{key}","n":1,"min":1,"max":6}},"id":7}}"#
    ));
    assert!(ok.contains(r#""result""#), "{ok}");
    let refused = post(
        r#"{"jsonrpc":"2.0","method":"getUsage","params":{"apiKey":"00000000-0000-0000-0000-000000000000"},"id":8}"#.to_owned(),
    );
    assert!(refused.contains(r#""code":400"#), "{refused}");
    std::thread::sleep(Duration::from_millis(200));
    let _ = child.kill();
    let output = child.wait_with_output().expect("exits");
    assert!(admin.is_some(), "the admin address was printed");
    let logs = String::from_utf8_lossy(&output.stderr);
    let mut lines = Vec::new();
    for line in logs.lines().filter(|l| !l.trim().is_empty()) {
        let value: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(
            value["level"].is_string() && value["fields"].is_object(),
            "{line}"
        );
        assert!(!line.contains(&key), "the API key is in a log line: {line}");
        assert!(!line.contains("apiKey"), "params are never logged: {line}");
        lines.push(value);
    }
    let find = |what: &dyn Fn(&Value) -> bool| lines.iter().find(|line| what(line)).cloned();
    let request = find(&|l| l["target"] == "jrpc::http::request" && l["fields"]["status"] == 200)
        .unwrap_or_else(|| panic!("no request line:\n{logs}"));
    assert_eq!(request["level"], "INFO");
    assert_eq!(request["fields"]["method"], "POST");
    assert_eq!(request["fields"]["path"], "/json-rpc/4/invoke");
    assert!(
        request["fields"]["client"]
            .as_str()
            .is_some_and(|c| c.starts_with("127.0.0.1:")),
        "{request}"
    );
    let answered =
        find(&|l| l["fields"]["message"] == "call answered" && l["span"]["method"] == "generateIntegers")
            .unwrap_or_else(|| panic!("no span for the call:\n{logs}"));
    assert_eq!(answered["span"]["name"], "call");
    assert_eq!(answered["span"]["id"], "7");
    assert_eq!(answered["span"]["transport"], "http");
    assert_eq!(
        answered["span"]["key"], 1,
        "the key's id, not the key: {answered}"
    );
    let error = find(&|l| l["fields"]["message"] == "call answered with an error")
        .unwrap_or_else(|| panic!("no line for the refused call:\n{logs}"));
    assert_eq!(error["level"], "INFO");
    assert_eq!(error["fields"]["code"], 400);
    assert_eq!(
        error["fields"]["reason"],
        "The API key you specified does not exist"
    );
    assert_eq!(error["span"]["method"], "getUsage");
    let errors = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "call answered with an error")
        .count();
    assert_eq!(errors, 1, "a refusal is logged once:\n{logs}");
}
