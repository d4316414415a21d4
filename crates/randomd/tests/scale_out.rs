//! Several real `randomd` instances sharing one PostgreSQL database: exact allowances and gapless
//! serial numbers under concurrent clients, PostgreSQL going away and coming back, SIGKILL of one
//! instance under load, and nginx (with the repository's config) in front of two instances.
//! Each test runs in a fresh database on the server of `RANDOMD_TEST_POSTGRES_URL`.

mod common;
mod pg;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pg::{
    integer_bits, method, params, usage_in_database, Instance, OutageLoad, Reply, RpcClient, Seen, TestDb,
};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_share_allowances_and_serials_exactly() {
    let Some(db) = TestDb::create("instances_share_allowances_and_serials_exactly").await else {
        return;
    };
    let store = db.store().await;
    const BITS: i64 = 3000;
    const REQUESTS: i64 = 150;
    // One key runs out of bits (403), the other out of requests (402).
    let keys = [
        pg::create_key(&store, BITS, 1_000_000).await,
        pg::create_key(&store, 1_000_000_000, REQUESTS).await,
    ];
    drop(store);
    let instances: Vec<Instance> = (0..3).map(|_| Instance::start(&db.url)).collect();
    let urls: Vec<String> = instances.iter().map(|i| i.url.clone()).collect();
    let client = RpcClient::new();

    let workers = (0..24).map(|worker: usize| {
        let (client, urls) = (client.clone(), urls.clone());
        let key = keys[worker % 2].1.clone();
        tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut refused_in_a_row = 0;
            for i in 0..400 {
                let instance = (worker / 2 + i) % urls.len();
                let n = 1 + ((worker * 7 + i * 3) % 8) as i64;
                let signed = (worker + i) % 2 == 0;
                let reply = client
                    .call(&urls[instance], method(signed), params(&key, n))
                    .await;
                refused_in_a_row = if matches!(reply, Reply::Result(_)) {
                    0
                } else {
                    refused_in_a_row + 1
                };
                seen.push(Seen {
                    instance,
                    signed,
                    n,
                    reply,
                    at: Instant::now(),
                });
                if refused_in_a_row >= 6 {
                    break;
                }
            }
            (worker % 2, seen)
        })
    });
    let mut by_key: [Vec<Seen>; 2] = [Vec::new(), Vec::new()];
    for worker in futures_util::future::join_all(workers).await {
        let (key, seen) = worker.expect("worker");
        by_key[key].extend(seen);
    }

    for (index, seen) in by_key.iter().enumerate() {
        let successes: Vec<&Seen> = seen
            .iter()
            .filter(|s| matches!(s.reply, Reply::Result(_)))
            .collect();
        let used: i64 = successes.iter().map(|s| s.bits_used().expect("bits")).sum();
        for success in &successes {
            assert_eq!(success.bits_used(), Some(integer_bits(success.n)));
        }
        for refusal in seen.iter().filter(|s| !matches!(s.reply, Reply::Result(_))) {
            let Reply::Error(error) = &refusal.reply else {
                panic!("a call failed outright: {refusal:?}");
            };
            let data: Vec<i64> = error["data"]
                .as_array()
                .expect("data")
                .iter()
                .map(|v| v.as_i64().expect("a number"))
                .collect();
            if index == 0 {
                assert_eq!(error["code"], 403, "{error}");
                assert_eq!(data[0], integer_bits(refusal.n), "{error}");
                assert!(
                    data[1] < data[0] && data[1] >= BITS - used,
                    "{error}, used {used}"
                );
            } else {
                assert_eq!(error["code"], 402, "{error}");
                assert_eq!(data, vec![1, 0], "{error}");
            }
        }
        if index == 0 {
            assert!(used <= BITS, "{used} bits granted of {BITS}");
            assert!(
                BITS - used < integer_bits(1),
                "the allowance was not used up: {used}"
            );
        } else {
            assert_eq!(successes.len() as i64, REQUESTS);
        }
        let mut serials: Vec<i64> = successes.iter().filter_map(|s| s.serial()).collect();
        assert_eq!(serials.len(), successes.iter().filter(|s| s.signed).count());
        serials.sort_unstable();
        assert_eq!(
            serials,
            (1..=serials.len() as i64).collect::<Vec<_>>(),
            "serials of key {index}"
        );
        let served: HashSet<usize> = successes.iter().map(|s| s.instance).collect();
        assert_eq!(served.len(), 3, "every instance served key {index}");

        // The database agrees with the answers, to the bit.
        let (bits, requests, total_bits, total_requests, last_serial) =
            usage_in_database(&db, keys[index].0).await;
        assert_eq!((bits, requests), (used, successes.len() as i64));
        assert_eq!((total_bits, total_requests), (bits, requests));
        assert_eq!(last_serial, serials.len() as i64);
    }

    // A result signed by one instance verifies on another: they share the signing key.
    let signed = by_key[0]
        .iter()
        .find(|s| s.signed && s.instance == 0 && matches!(s.reply, Reply::Result(_)))
        .expect("a signed result from instance 0");
    let Reply::Result(result) = &signed.reply else {
        unreachable!()
    };
    let verified = client
        .call(
            &urls[1],
            "verifySignature",
            json!({"random": result["random"], "signature": result["signature"]}),
        )
        .await;
    assert!(
        matches!(&verified, Reply::Result(v) if v["authenticity"] == true),
        "{verified:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_going_away_gives_service_errors_and_instances_recover() {
    let Some(db) = TestDb::create("postgres_going_away_gives_service_errors_and_instances_recover").await
    else {
        return;
    };
    let store = db.store().await;
    let (key_id, key) = pg::create_key(&store, 1_000_000_000, 1_000_000).await;
    drop(store);
    let instances: Vec<Instance> = (0..2).map(|_| Instance::start(&db.url)).collect();
    let urls: Vec<String> = instances.iter().map(|i| i.url.clone()).collect();
    let load = OutageLoad::start(&urls, &key);
    load.until_serving().await;

    // PostgreSQL goes away for this database: new connections are refused, existing ones killed.
    let admin = db.admin().await;
    admin
        .batch_execute(&format!("ALTER DATABASE {} ALLOW_CONNECTIONS false", db.name))
        .await
        .expect("block connections");
    let outage = Instant::now();
    let killed = admin
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
            &[&db.name],
        )
        .await
        .expect("terminate");
    assert!(!killed.is_empty(), "the instances had connections to kill");
    load.until_failing(outage).await;
    let restored = Instant::now();
    admin
        .batch_execute(&format!("ALTER DATABASE {} ALLOW_CONNECTIONS true", db.name))
        .await
        .expect("allow connections");

    // Each instance recovers by itself.
    load.until_each_instance_recovers(restored).await;
    let seen = load.finish().await;
    pg::check_outage_accounting("outage", &seen, outage, &db, key_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_of_one_instance_loses_no_acknowledged_usage_and_leaves_no_serial_gap() {
    let Some(db) =
        TestDb::create("sigkill_of_one_instance_loses_no_acknowledged_usage_and_leaves_no_serial_gap").await
    else {
        return;
    };
    let store = db.store().await;
    let (key_id, key) = pg::create_key(&store, 1_000_000_000, 1_000_000).await;
    drop(store);
    let mut instances: Vec<Instance> = (0..2).map(|_| Instance::start(&db.url)).collect();
    let urls: Vec<String> = instances.iter().map(|i| i.url.clone()).collect();
    let client = RpcClient::new();
    let seen = Arc::new(Mutex::new(Vec::<Seen>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    const PER_INSTANCE: usize = 6;

    let workers: Vec<_> = (0..2 * PER_INSTANCE)
        .map(|worker: usize| {
            let (client, urls, key, seen, stop) = (
                client.clone(),
                urls.clone(),
                key.clone(),
                seen.clone(),
                stop.clone(),
            );
            tokio::spawn(async move {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let instance = worker % 2;
                    let signed = (worker + i) % 3 == 0;
                    let n = 1 + (i % 5) as i64;
                    let reply = client
                        .call(&urls[instance], method(signed), params(&key, n))
                        .await;
                    let gone = matches!(reply, Reply::Failed(_));
                    seen.lock().expect("lock").push(Seen {
                        instance,
                        signed,
                        n,
                        reply,
                        at: Instant::now(),
                    });
                    if gone {
                        break; // the instance is gone
                    }
                }
            })
        })
        .collect();
    let answered = |instance: usize, after: Instant| {
        seen.lock()
            .expect("lock")
            .iter()
            .filter(|s| s.instance == instance && s.at > after && matches!(s.reply, Reply::Result(_)))
            .count()
    };
    let start = Instant::now();
    while answered(0, start) < 150 || answered(1, start) < 150 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "too few answers before the kill"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    instances[0].kill();
    let killed = Instant::now();
    while answered(1, killed) < 100 {
        assert!(
            killed.elapsed() < Duration::from_secs(60),
            "the other instance stopped serving"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.expect("worker");
    }

    let seen = seen.lock().expect("lock").clone();
    for s in &seen {
        match &s.reply {
            Reply::Result(_) => {}
            Reply::Failed(_) if s.instance == 0 => {}
            other => panic!("instance {} answered {other:?}", s.instance),
        }
    }
    let acknowledged: Vec<&Seen> = seen
        .iter()
        .filter(|s| matches!(s.reply, Reply::Result(_)))
        .collect();
    let acknowledged_bits: i64 = acknowledged.iter().map(|s| s.bits_used().expect("bits")).sum();
    let serials: Vec<i64> = acknowledged.iter().filter_map(|s| s.serial()).collect();
    assert_eq!(
        serials.iter().collect::<HashSet<_>>().len(),
        serials.len(),
        "a serial given twice"
    );

    let (bits, requests, total_bits, total_requests, last_serial) = usage_in_database(&db, key_id).await;
    let answered = acknowledged.len() as i64;
    eprintln!(
        "sigkill: {answered} answered; billed {requests}; last serial {last_serial}, {} serials answered",
        serials.len()
    );
    // Nothing acknowledged is lost; at most the calls in flight at the kill were billed unanswered.
    assert!(requests >= answered, "{requests} billed < {answered} answered");
    assert!(
        requests <= answered + PER_INSTANCE as i64,
        "{requests} billed, {answered} answered"
    );
    assert!(bits >= acknowledged_bits);
    assert_eq!((total_bits, total_requests), (bits, requests));
    // Serials are 1..=last_serial by construction in the database; all but the in-flight ones were answered.
    assert!(serials.iter().all(|s| (1..=last_serial).contains(s)));
    assert!(
        last_serial - serials.len() as i64 <= PER_INSTANCE as i64,
        "{last_serial} serials taken, {} answered",
        serials.len()
    );

    // A replacement instance carries on from the next serial.
    let replacement = Instance::start(&db.url);
    let reply = client
        .call(&replacement.url, "generateSignedIntegers", params(&key, 1))
        .await;
    let Reply::Result(result) = reply else {
        panic!("{reply:?}");
    };
    assert_eq!(result["random"]["serialNumber"], last_serial + 1);
}

/// nginx as a child process, stopped when dropped.
struct Nginx(std::process::Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn nginx_binary() -> std::path::PathBuf {
    ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(std::path::PathBuf::from)
        .find(|path| path.exists())
        .expect("nginx is not installed: apt-get install nginx (scripts/test.sh installs it)")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_with_the_repository_config_spreads_calls_over_two_instances() {
    let Some(db) = TestDb::create("nginx_with_the_repository_config_spreads_calls_over_two_instances").await
    else {
        return;
    };
    let nginx = nginx_binary();
    let store = db.store().await;
    let (key_id, key) = pg::create_key(&store, 1_000_000_000, 1_000_000).await;
    drop(store);
    let ports = [free_port(), free_port(), free_port()];
    let mut instances: Vec<Instance> = ports[1..]
        .iter()
        .map(|port| Instance::start_on(&db.url, &format!("127.0.0.1:{port}")))
        .collect();

    // The repository's config with this test's ports: each replaced line must still be there.
    let mut config = include_str!("../../../deploy/nginx/randomd.conf").to_owned();
    for (from, to) in [
        (
            "listen 127.0.0.1:8080;",
            format!("listen 127.0.0.1:{};", ports[0]),
        ),
        ("server 127.0.0.1:8081 ", format!("server {} ", instances[0].addr)),
        ("server 127.0.0.1:8082 ", format!("server {} ", instances[1].addr)),
    ] {
        assert!(
            config.contains(from),
            "deploy/nginx/randomd.conf no longer has {from:?}"
        );
        config = config.replace(from, &to);
    }
    let prefix = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(prefix.path().join("logs")).expect("logs dir");
    let config_path = prefix.path().join("nginx.conf");
    std::fs::write(&config_path, config).expect("config");
    let mut nginx = Nginx(
        std::process::Command::new(nginx)
            .arg("-p")
            .arg(prefix.path())
            .arg("-c")
            .arg(&config_path)
            .args(["-e", "stderr", "-g", "daemon off;"])
            .spawn()
            .expect("nginx starts"),
    );
    let front = format!("http://127.0.0.1:{}{}", ports[0], randomd::RPC_PATH);
    let client = RpcClient::new();
    let start = Instant::now();
    while !matches!(
        client.call(&front, "getUsage", json!({"apiKey": key})).await,
        Reply::Result(_)
    ) {
        assert!(
            matches!(nginx.0.try_wait(), Ok(None)),
            "nginx exited; its error is above"
        );
        assert!(start.elapsed() < Duration::from_secs(10), "nginx did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let calls = (0..4).map(|_| {
        let (client, front, key) = (client.clone(), front.clone(), key.clone());
        tokio::spawn(async move {
            let mut bits = 0;
            for _ in 0..30 {
                match client.call(&front, "generateIntegers", params(&key, 2)).await {
                    Reply::Result(result) => bits += result["bitsUsed"].as_i64().expect("bits"),
                    other => panic!("through nginx: {other:?}"),
                }
            }
            bits
        })
    });
    let mut bits = 0;
    for call in futures_util::future::join_all(calls).await {
        bits += call.expect("caller");
    }
    let (db_bits, db_requests, ..) = usage_in_database(&db, key_id).await;
    assert_eq!((db_bits, db_requests), (bits, 120));

    // nginx's access log names the instance that served each call: both did.
    let log = std::fs::read_to_string(prefix.path().join("logs/access.log")).expect("access log");
    let mut served: HashMap<&str, usize> = HashMap::new();
    for line in log.lines().filter(|l| l.contains("POST /json-rpc/1/invoke")) {
        for instance in &instances {
            if line.contains(instance.addr.as_str()) {
                *served.entry(instance.addr.as_str()).or_default() += 1;
            }
        }
    }
    eprintln!("nginx: calls served by each instance: {served:?}");
    for instance in &instances {
        assert!(
            served.get(instance.addr.as_str()).copied().unwrap_or(0) >= 10,
            "{} served too few calls: {served:?}",
            instance.addr
        );
    }

    // With one instance gone, nginx sends new calls to the other. A call already sent on a kept-alive
    // connection to the dead one is not resent (it may have been billed): it gets 502.
    instances[0].kill();
    let mut replies = Vec::new();
    for _ in 0..40 {
        replies.push(client.call(&front, "generateIntegers", params(&key, 2)).await);
    }
    let failed = replies.iter().filter(|r| !matches!(r, Reply::Result(_))).count();
    eprintln!("nginx: {failed} of 40 calls failed after one instance died");
    assert!(
        failed <= 4,
        "{failed} of 40 calls failed after one instance died: {replies:?}"
    );
    assert!(
        replies[10..].iter().all(|r| matches!(r, Reply::Result(_))),
        "calls kept failing: {replies:?}"
    );
    for reply in &replies {
        if let Reply::Failed(failure) = reply {
            assert!(failure.starts_with("HTTP 502"), "{failure}");
        }
    }
}
