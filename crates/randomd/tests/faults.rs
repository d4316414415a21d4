//! Faults while serving: a UTC day boundary crossed under load (the daily reset), and the disk of
//! the SQLite database filling up (a small tmpfs; needs root to mount it, otherwise the test says
//! so and passes unless RANDOMD_REQUIRE_DISK_FULL_TEST=1).

mod common;

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::Service;
use randomd::entropy::SourceKind;
use serde_json::{json, Value};

/// Calls from `workers` concurrent tasks until stopped; returns every reply.
async fn load(service: Arc<Service>, workers: usize, key: String, stop: Arc<AtomicBool>) -> Vec<Value> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<_> = (0..workers)
        .map(|worker| {
            let (service, key, stop, seen) = (service.clone(), key.clone(), stop.clone(), seen.clone());
            tokio::spawn(async move {
                let mut i = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let method = if (worker + i) % 3 == 0 {
                        "generateSignedIntegers"
                    } else {
                        "generateIntegers"
                    };
                    let reply = service
                        .call(method, json!({"apiKey": key, "n": 4, "min": 1, "max": 16}))
                        .await;
                    seen.lock().expect("lock").push(reply);
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("worker");
    }
    let seen = seen.lock().expect("lock").clone();
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_utc_day_boundary_crossed_under_load_resets_allowances_exactly() {
    let service = Arc::new(Service::start().await);
    // 40 requests a day: the first day runs out under load, the second starts afresh.
    let (_, key) = service.create_key(1_000_000, 40).await;
    service
        .clock
        .set(time::macros::datetime!(2026-03-14 23:59:58 UTC));
    let stop = Arc::new(AtomicBool::new(false));
    let running = tokio::spawn(load(service.clone(), 4, key.clone(), stop.clone()));
    spent(&service, &key).await;
    // Midnight passes while the workers call.
    service
        .clock
        .set(time::macros::datetime!(2026-03-15 00:00:00 UTC));
    spent(&service, &key).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.store(true, Ordering::Relaxed);
    let seen = running.await.expect("load");

    let mut per_day = std::collections::BTreeMap::<String, (i64, i64)>::new();
    let mut refused = 0;
    for reply in &seen {
        if let Some(result) = reply.get("result") {
            let day = result["random"]["completionTime"].as_str().expect("time")[..10].to_owned();
            let entry = per_day.entry(day).or_default();
            entry.0 += 1;
            entry.1 += result["bitsUsed"].as_i64().expect("bits");
        } else {
            assert_eq!(reply["error"]["code"], 402, "only 'out of requests': {reply}");
            refused += 1;
        }
    }
    // What the database billed to each day.
    let database = rusqlite::Connection::open(service.dir.path().join("randomd.sqlite3")).expect("open");
    let billed: Vec<(i64, i64, i64)> = database
        .prepare("SELECT day, requests, bits FROM daily_usage ORDER BY day")
        .expect("prepare")
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    eprintln!(
        "day boundary: {} calls, {refused} refused (402), answered per completionTime day {per_day:?}, \
         billed per day (day, requests, bits) {billed:?}",
        seen.len()
    );
    let days: Vec<i64> = billed.iter().map(|b| b.1).collect();
    assert_eq!(days, [40, 40], "each day's allowance, exactly");
    let answered: i64 = per_day.values().map(|d| d.0).sum();
    assert_eq!(answered, 80, "every billed request was answered");
    // A call charged just before midnight may say it completed just after: never the other way.
    assert!(per_day.get("2026-03-14").map_or(0, |d| d.0) <= 40);
    let usage = service.ok("getUsage", json!({"apiKey": key})).await;
    let bits: i64 = per_day.values().map(|d| d.1).sum();
    assert_eq!(usage["totalRequests"], 80);
    assert_eq!(
        usage["totalBits"].as_i64(),
        Some(bits),
        "billed bits equal the answers' bitsUsed"
    );
    assert_eq!(billed.iter().map(|b| b.2).sum::<i64>(), bits);
}

/// Waits until the key has no request left today (a deadline, not a fixed sleep: CPUs vary).
async fn spent(service: &Service, key: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let usage = service.ok("getUsage", json!({"apiKey": key})).await;
        if usage["requestsLeft"] == 0 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the allowance never ran out: {usage}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn sh(command: &str) -> bool {
    Command::new("sh")
        .args(["-c", command])
        .status()
        .is_ok_and(|s| s.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_disk_full_gives_101_without_corruption_and_recovers() {
    let mount = tempfile::tempdir().expect("temp dir");
    let path = mount.path().display().to_string();
    if !sh(&format!("mount -t tmpfs -o size=2m tmpfs {path} 2>/dev/null")) {
        assert!(
            std::env::var_os("RANDOMD_REQUIRE_DISK_FULL_TEST").is_none(),
            "cannot mount a tmpfs"
        );
        eprintln!("skipped: cannot mount a tmpfs here (needs root)");
        return;
    }
    struct Unmount(String);
    impl Drop for Unmount {
        fn drop(&mut self) {
            sh(&format!("umount -l {}", self.0));
        }
    }
    let _unmount = Unmount(path.clone());
    let database = mount.path().join("randomd.sqlite3");
    let service = Service::start_with(
        |settings| settings.database = randomd::store::Database::Sqlite(database.clone()),
        SourceKind::Os.open().expect("os source"),
    )
    .await;
    let (_, key) = service.create_key(1_000_000_000, 1_000_000).await;
    let call = json!({"apiKey": key, "n": 4, "min": 1, "max": 16});
    let mut answered_bits = 0;
    for _ in 0..20 {
        answered_bits += service.ok("generateIntegers", call.clone()).await["bitsUsed"]
            .as_i64()
            .expect("bits");
    }
    // Fill the disk.
    let filler = mount.path().join("filler");
    sh(&format!(
        "dd if=/dev/zero of={} bs=4k 2>/dev/null",
        filler.display()
    ));
    let mut failures = 0;
    let mut successes_while_full = 0;
    for _ in 0..300 {
        let reply = service.call("generateSignedIntegers", call.clone()).await;
        match reply.get("result") {
            Some(result) => {
                successes_while_full += 1;
                answered_bits += result["bitsUsed"].as_i64().expect("bits");
            }
            None => {
                assert_eq!(reply["error"]["code"], 101, "{reply}");
                failures += 1;
            }
        }
    }
    eprintln!("disk full: {failures} calls answered 101, {successes_while_full} still answered");
    assert!(failures > 0, "a full disk went unnoticed");
    // Space comes back: the service recovers by itself.
    std::fs::remove_file(&filler).expect("remove the filler");
    let mut recovered = false;
    for _ in 0..100 {
        let reply = service.call("generateIntegers", call.clone()).await;
        if let Some(result) = reply.get("result") {
            answered_bits += result["bitsUsed"].as_i64().expect("bits");
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(recovered, "no recovery after space came back");
    let usage = service.ok("getUsage", json!({"apiKey": key})).await;
    assert_eq!(
        usage["totalBits"].as_i64(),
        Some(answered_bits),
        "billed bits equal the answers'"
    );
    // No corruption.
    let check = rusqlite::Connection::open(&database).expect("open");
    let verdict: String = check
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("integrity_check");
    assert_eq!(verdict, "ok");
}
