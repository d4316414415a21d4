//! SIGKILL under load: no usage a client was told about is lost, and no serial number is reused or
//! skipped, across a restart of the real binary.

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};

/// Starts the binary on a free port; returns it, its RPC URL and the development key if it made one.
fn launch(data_dir: &std::path::Path, durability: &str) -> (Child, String, Option<String>) {
    let mut child = common::randomd_command()
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--signing-key")
        .arg(common::shared_signing_key())
        .args(["serve", "--listen", "127.0.0.1:0", "--durability", durability])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("randomd starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut url = None;
    let mut key = None;
    for line in lines.by_ref() {
        let line = line.expect("a line");
        if let Some(rest) = line.strip_prefix("randomd: RANDOM.ORG Release 1 API on ") {
            url = Some(rest.trim().to_owned());
        }
        if line.contains("development API key") {
            key = line.split_whitespace().last().map(str::to_owned);
        }
        if line.starts_with("try:") {
            break;
        }
    }
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, url.expect("the URL is printed"), key)
}

async fn call(
    client: &Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
    url: &str,
    method: &str,
    params: Value,
) -> Option<Value> {
    let body = json!({"jsonrpc": "2.0", "method": method, "params": params, "id": 1}).to_string();
    let request = hyper::Request::post(url)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .ok()?;
    let response = client.request(request).await.ok()?;
    let body = response.into_body().collect().await.ok()?.to_bytes();
    let reply: Value = serde_json::from_slice(&body).ok()?;
    reply.get("result").cloned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_loses_no_acknowledged_usage_and_reuses_no_serial() {
    // Both settings promise to survive the process being killed.
    for durability in ["power-loss", "process-crash"] {
        sigkill_under_load(durability).await;
    }
}

async fn sigkill_under_load(durability: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut child, url, key) = launch(dir.path(), durability);
    let key = key.expect("a development key on first start");
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();

    // Acknowledged answers: (serial or None, bits).
    let acknowledged = Arc::new(Mutex::new(Vec::<(Option<i64>, i64)>::new()));
    let deadline = Instant::now() + Duration::from_secs(20);
    let workers: Vec<_> = (0..8)
        .map(|worker| {
            let (client, url, key, acknowledged) =
                (client.clone(), url.clone(), key.clone(), acknowledged.clone());
            tokio::spawn(async move {
                let mut i = 0u64;
                while Instant::now() < deadline {
                    i += 1;
                    let signed = (i + worker) % 2 == 0;
                    let method = if signed {
                        "generateSignedIntegers"
                    } else {
                        "generateIntegers"
                    };
                    let params = json!({"apiKey": key, "n": 4, "min": 1, "max": 6});
                    match call(&client, &url, method, params).await {
                        Some(result) => {
                            let serial = result["random"]["serialNumber"].as_i64();
                            let bits = result["bitsUsed"].as_i64().expect("bitsUsed");
                            acknowledged.lock().expect("lock").push((serial, bits));
                        }
                        None => break, // the server is gone
                    }
                }
            })
        })
        .collect();

    // Let the load run, then kill the process without warning.
    while acknowledged.lock().expect("lock").len() < 200 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    for worker in workers {
        worker.await.expect("worker");
    }
    let acknowledged = acknowledged.lock().expect("lock").clone();
    assert!(
        acknowledged.len() >= 200,
        "only {} answers before the kill",
        acknowledged.len()
    );
    let serials: Vec<i64> = acknowledged.iter().filter_map(|(serial, _)| *serial).collect();
    assert_eq!(
        serials.iter().collect::<HashSet<_>>().len(),
        serials.len(),
        "a serial was given twice"
    );
    let acknowledged_bits: i64 = acknowledged.iter().map(|(_, bits)| bits).sum();

    // Restart on the same data: everything acknowledged is there.
    let (mut child, url, new_key) = launch(dir.path(), durability);
    assert!(new_key.is_none(), "the existing key was kept");
    let usage = call(&client, &url, "getUsage", json!({"apiKey": key}))
        .await
        .expect("getUsage");
    let total_requests = usage["totalRequests"].as_i64().expect("totalRequests");
    let total_bits = usage["totalBits"].as_i64().expect("totalBits");
    assert!(
        total_requests >= acknowledged.len() as i64,
        "{total_requests} < {} acknowledged",
        acknowledged.len()
    );
    assert!(
        total_bits >= acknowledged_bits,
        "{total_bits} < {acknowledged_bits} acknowledged"
    );
    // At most the calls in flight at the kill (one per worker) were committed but never answered.
    assert!(total_requests <= acknowledged.len() as i64 + 8);

    // The next serial follows the last one committed: above every acknowledged serial, no reuse.
    let next = call(
        &client,
        &url,
        "generateSignedIntegers",
        json!({"apiKey": key, "n": 1, "min": 1, "max": 6}),
    )
    .await
    .expect("a signed result after restart");
    let next_serial = next["random"]["serialNumber"].as_i64().expect("serial");
    let highest = serials.iter().copied().max().unwrap_or(0);
    assert!(
        next_serial > highest,
        "serial {next_serial} reused (highest acknowledged {highest})"
    );
    assert!(
        next_serial <= highest + 1 + 8,
        "serials skipped: {next_serial} after {highest}"
    );
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");

    // No gap: every serial from 1 to the last is accounted for by an answer or a call in flight.
    let store = randomd::store::SqliteStore::open(&dir.path().join("randomd.sqlite3")).expect("store");
    use randomd::store::Store as _;
    let record = store
        .list_keys(0)
        .await
        .expect("keys")
        .into_iter()
        .next()
        .expect("the key");
    assert_eq!(record.last_serial, next_serial);
    let missing = (1..=highest).filter(|s| !serials.contains(s)).count();
    assert!(
        missing <= 8,
        "{missing} serials below {highest} were never answered"
    );
}
