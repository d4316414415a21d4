//! Soak: mixed load on a real `randomd` (SQLite) for `RANDOMD_SOAK_SECONDS` (default 15; the full
//! run is `bash scripts/soak.sh 600`): every method, signed and not, bad input, bad keys from another
//! address (rate-limited), clients that disconnect mid-request, slow readers, a client that never
//! reads its answers, and 1,000 clients sending a body a byte at a time. The process's RSS, open file
//! descriptors and threads are sampled; at the end every answer must have been correct and the bits
//! billed must equal the answers' `bitsUsed`. Figures are printed (`--nocapture`).

mod common;
mod pg;

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pg::{Instance, Reply, RpcClient};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

#[derive(Debug, Default)]
struct Counters {
    ok: AtomicU64,
    expected_errors: AtomicU64,
    bits: AtomicU64,
    wrong: AtomicU64,
    dropped: AtomicU64,
}

fn sample(pid: u32) -> (u64, usize, usize) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0);
    (field("VmRSS:"), fds, field("Threads:") as usize)
}

/// A call and what a correct answer to it looks like.
fn mixed_call(key: &str, i: u64) -> (&'static str, Value, u64) {
    match i % 12 {
        0 => (
            "generateIntegers",
            json!({"apiKey": key, "n": 10, "min": -5, "max": 5}),
            10,
        ),
        1 => (
            "generateSignedIntegers",
            json!({"apiKey": key, "n": 3, "min": 1, "max": 6, "replacement": false}),
            3,
        ),
        2 => (
            "generateDecimalFractions",
            json!({"apiKey": key, "n": 4, "decimalPlaces": 6}),
            4,
        ),
        3 => (
            "generateSignedDecimalFractions",
            json!({"apiKey": key, "n": 2, "decimalPlaces": 3}),
            2,
        ),
        4 => (
            "generateGaussians",
            json!({"apiKey": key, "n": 4, "mean": 0, "standardDeviation": 1, "significantDigits": 5}),
            4,
        ),
        5 => (
            "generateSignedGaussians",
            json!({"apiKey": key, "n": 2, "mean": 10, "standardDeviation": 2, "significantDigits": 4}),
            2,
        ),
        6 => (
            "generateStrings",
            json!({"apiKey": key, "n": 3, "length": 8, "characters": "abcdef"}),
            3,
        ),
        7 => (
            "generateSignedStrings",
            json!({"apiKey": key, "n": 2, "length": 4, "characters": "xyz", "replacement": true}),
            2,
        ),
        8 => ("generateUUIDs", json!({"apiKey": key, "n": 2}), 2),
        9 => ("generateSignedUUIDs", json!({"apiKey": key, "n": 1}), 1),
        10 => (
            "generateBlobs",
            json!({"apiKey": key, "n": 2, "size": 64, "format": "hex"}),
            2,
        ),
        _ => (
            "generateSignedBlobs",
            json!({"apiKey": key, "n": 1, "size": 128}),
            1,
        ),
    }
}

/// Raw HTTP from a chosen loopback address.
async fn connect_from(local: IpAddr, server: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(local, 0))?;
    socket.connect(server).await
}

fn post(body: &str) -> String {
    format!(
        "POST /json-rpc/1/invoke HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak() {
    let seconds: u64 = std::env::var("RANDOMD_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("soak.sqlite3");
    let instance = Instance::start(database.to_str().expect("UTF-8 path"));
    // The development key's 1,000,000 bits a day would run out in a minute: a key of the soak's own.
    let create = |name: &str| {
        let output = common::randomd_command()
            .args([
                "--database",
                database.to_str().expect("UTF-8 path"),
                "--signing-key",
            ])
            .arg(common::shared_signing_key())
            .args([
                "keys",
                "create",
                "--name",
                name,
                "--bits",
                "1000000000000",
                "--requests",
                "100000000",
            ])
            .output()
            .expect("randomd keys create");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("UTF-8").trim().to_owned()
    };
    let key = create("soak");
    let server: SocketAddr = instance.addr.parse().expect("address");
    let pid = instance.child.id();
    // A second key for the clients that leave before their answer: what they are billed is not
    // counted by anyone, so it must not mix with the key whose usage is checked.
    let leavers_key = create("leavers");
    let client = RpcClient::new();
    let counters = Arc::new(Counters::default());
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();

    // Good calls: every method, signed and not, checked.
    for worker in 0..8u64 {
        let (client, url, key, counters, stop) = (
            client.clone(),
            instance.url.clone(),
            key.clone(),
            counters.clone(),
            stop.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut i = worker;
            let mut last_signed: Option<Value> = None;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                if i % 50 == 0 {
                    // getUsage and verifySignature, which cost nothing.
                    let usage = client.call(&url, "getUsage", json!({"apiKey": key})).await;
                    if !matches!(&usage, Reply::Result(r) if r["status"] == "running") {
                        counters.wrong.fetch_add(1, Ordering::Relaxed);
                    }
                    if let Some(signed) = last_signed.take() {
                        let verdict = client.call(&url, "verifySignature", signed).await;
                        if !matches!(&verdict, Reply::Result(r) if r["authenticity"] == true) {
                            eprintln!("verifySignature: {verdict:?}");
                            counters.wrong.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    continue;
                }
                let (method, params, n) = mixed_call(&key, i);
                match client.call(&url, method, params).await {
                    Reply::Result(result) => {
                        let data = result["random"]["data"].as_array().map(Vec::len);
                        if data != Some(n as usize) {
                            eprintln!("{method}: {result}");
                            counters.wrong.fetch_add(1, Ordering::Relaxed);
                        }
                        counters
                            .bits
                            .fetch_add(result["bitsUsed"].as_u64().unwrap_or(0), Ordering::Relaxed);
                        counters.ok.fetch_add(1, Ordering::Relaxed);
                        if method.contains("Signed") {
                            last_signed =
                                Some(json!({"random": result["random"], "signature": result["signature"]}));
                        }
                    }
                    other => {
                        eprintln!("{method}: {other:?}");
                        counters.wrong.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }

    // Bad input and bad keys, from 127.0.0.2 (so the limiter there never touches the good calls).
    {
        let (counters, stop) = (counters.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let bad = [
                r#"{"jsonrpc":"2.0","method":"generateIntegers","params":{"apiKey":"00000000-0000-0000-0000-000000000000","n":1,"min":1,"max":2},"id":1}"#,
                r#"{"jsonrpc":"2.0","method":"generateIntegers","params":{"apiKey":"k","n":0,"min":1,"max":2},"id":2}"#,
                r#"{"jsonrpc":"2.0","method":"generateIntegers","params":[1,2],"id":3}"#,
                r#"{"jsonrpc":"2.0","method":"nope","id":4}"#,
                r#"[{"jsonrpc":"2.0","method":"getUsage","params":{"apiKey":"x"},"id":5},7]"#,
                r#"{"jsonrpc":"2.0","method":"generateIntegers","#,
            ];
            let local: IpAddr = "127.0.0.2".parse().expect("address");
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let Ok(mut stream) = connect_from(local, server).await else { continue };
                let request = post(bad[i % bad.len()]).replace("HTTP/1.1\r\n", "HTTP/1.1\r\nConnection: close\r\n");
                let _ = stream.write_all(request.as_bytes()).await;
                let mut response = Vec::new();
                let _ = stream.read_to_end(&mut response).await;
                let text = String::from_utf8_lossy(&response);
                let fine = text.starts_with("HTTP/1.1 200")
                    && ["\"code\":400", "\"code\":429", "\"code\":20", "\"code\":-326", "\"code\":-32700"]
                        .iter()
                        .any(|c| text.contains(c));
                if fine {
                    counters.expected_errors.fetch_add(1, Ordering::Relaxed);
                } else {
                    eprintln!("bad input answered: {text}");
                    counters.wrong.fetch_add(1, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }));
    }

    // Clients that leave mid-request (half a body) or mid-answer (a big answer, not read).
    {
        let (key, counters, stop) = (leavers_key.clone(), counters.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let local: IpAddr = "127.0.0.3".parse().expect("address");
            let big = json!({"jsonrpc":"2.0","method":"generateBlobs","params":{"apiKey": key, "n": 10, "size": 8192},"id":1}).to_string();
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let Ok(mut stream) = connect_from(local, server).await else { continue };
                let request = post(&big);
                if i % 2 == 0 {
                    let _ = stream.write_all(&request.as_bytes()[..request.len() / 2]).await;
                } else {
                    let _ = stream.write_all(request.as_bytes()).await;
                    let mut few = [0u8; 16];
                    let _ = stream.read(&mut few).await;
                }
                drop(stream);
                counters.dropped.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }

    // A slow reader: big answers read 512 bytes every 50 ms.
    {
        let (key, stop) = (leavers_key.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let local: IpAddr = "127.0.0.4".parse().expect("address");
            let big = json!({"jsonrpc":"2.0","method":"generateBlobs","params":{"apiKey": key, "n": 20, "size": 8192},"id":1}).to_string();
            while !stop.load(Ordering::Relaxed) {
                let Ok(mut stream) = connect_from(local, server).await else { continue };
                let _ = stream.write_all(post(&big).as_bytes()).await;
                let mut chunk = [0u8; 512];
                for _ in 0..40 {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    if matches!(stream.read(&mut chunk).await, Ok(0) | Err(_)) {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }));
    }

    // A client that pipelines requests and never reads an answer.
    let mut never_reads = connect_from("127.0.0.5".parse().expect("address"), server)
        .await
        .expect("connect");
    {
        let request = post(&json!({"jsonrpc":"2.0","method":"generateUUIDs","params":{"apiKey": "00000000-0000-0000-0000-000000000001", "n": 1},"id":1}).to_string());
        let stop = stop.clone();
        let writer = tokio::spawn(async move {
            let mut written = 0usize;
            while !stop.load(Ordering::Relaxed) {
                match tokio::time::timeout(
                    Duration::from_millis(200),
                    never_reads.write_all(request.as_bytes()),
                )
                .await
                {
                    Ok(Ok(())) => written += request.len(),
                    Ok(Err(_)) => break,
                    Err(_) => {} // Blocked: the server stopped reading, as it should.
                }
            }
            written
        });
        tasks.push(tokio::spawn(async move {
            let written = writer.await.unwrap_or(0);
            eprintln!("the non-reading client got {written} bytes of requests written before back-pressure");
        }));
    }

    // 1,000 clients sending a body a byte at a time, from 20 addresses (the per-address cap is 64).
    let slow_clients = Arc::new(AtomicU64::new(0));
    for a in 0..20u8 {
        for _ in 0..50 {
            let (stop, slow_clients) = (stop.clone(), slow_clients.clone());
            tasks.push(tokio::spawn(async move {
                let local = IpAddr::from([127, 0, 1, 10 + a]);
                let Ok(mut stream) = connect_from(local, server).await else { return };
                let head = "POST /json-rpc/1/invoke HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n";
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                slow_clients.fetch_add(1, Ordering::Relaxed);
                while !stop.load(Ordering::Relaxed) {
                    if stream.write_all(b" ").await.is_err() {
                        break; // Cut off by the body limits, as it should be.
                    }
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }));
        }
    }

    // Sample while the load runs.
    let mut samples = Vec::new();
    let mut next_report = Instant::now();
    while started.elapsed() < Duration::from_secs(seconds) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (rss, fds, threads) = sample(pid);
        samples.push((started.elapsed().as_secs_f64(), rss, fds, threads));
        if Instant::now() >= next_report {
            next_report += Duration::from_secs(10);
            eprintln!(
                "t={:>5.1}s rss={rss} kB fds={fds} threads={threads} ok={} expected_errors={} dropped={} slow_clients={}",
                started.elapsed().as_secs_f64(),
                counters.ok.load(Ordering::Relaxed),
                counters.expected_errors.load(Ordering::Relaxed),
                counters.dropped.load(Ordering::Relaxed),
                slow_clients.load(Ordering::Relaxed)
            );
        }
    }
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
    }
    let elapsed = started.elapsed().as_secs_f64();

    let ok = counters.ok.load(Ordering::Relaxed);
    let billed = match client
        .call(&instance.url, "getUsage", json!({"apiKey": key}))
        .await
    {
        Reply::Result(usage) => usage["totalBits"].as_u64().expect("totalBits"),
        other => panic!("getUsage: {other:?}"),
    };
    let answered_bits = counters.bits.load(Ordering::Relaxed);
    let warm = samples
        .iter()
        .find(|s| s.0 >= elapsed.min(60.0) / 4.0)
        .copied()
        .unwrap_or_default();
    let last = samples.last().copied().unwrap_or_default();
    let max_rss = samples.iter().map(|s| s.1).max().unwrap_or(0);
    eprintln!(
        "soak: {elapsed:.0} s, {ok} good calls ({:.0}/s), {} expected errors, {} dropped connections; \
         rss after warm-up {} kB, at the end {} kB, max {max_rss} kB; fds {} -> {}; threads {} -> {}; \
         bits billed {billed}, answered {answered_bits}",
        ok as f64 / elapsed,
        counters.expected_errors.load(Ordering::Relaxed),
        counters.dropped.load(Ordering::Relaxed),
        warm.1,
        last.1,
        warm.2,
        last.2,
        warm.3,
        last.3,
    );
    assert_eq!(counters.wrong.load(Ordering::Relaxed), 0, "wrong answers");
    assert!(ok > 0);
    assert_eq!(
        billed, answered_bits,
        "usage in the database equals the answers' bitsUsed"
    );
}
