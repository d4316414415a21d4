//! PostgreSQL stopped and started again (`pg_ctl stop -m fast`, then `start`) under load on two
//! randomd instances, on a throwaway cluster of the test's own (never the shared server): calls fail
//! with 101 during the outage, nothing acknowledged is lost, serial numbers have no gap beyond the
//! calls cut off mid-commit, and both instances recover by themselves.

mod cluster;
mod common;
mod pg;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pg::{method, params, usage_in_database, wait_for, Instance, Reply, RpcClient, Seen, TestDb};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_stopped_and_started_under_load() {
    let Some(cluster) = cluster::start_cluster(false) else {
        assert!(
            std::env::var_os("RANDOMD_REQUIRE_PG_RESTART_TEST").is_none(),
            "PostgreSQL's server programs (initdb) are missing"
        );
        eprintln!("skipped: PostgreSQL's server programs (initdb, pg_ctl) are not installed");
        return;
    };
    // The only test of this binary: TestDb reads the server from the environment.
    std::env::set_var(pg::URL_VARIABLE, cluster.url());
    let Some(db) = TestDb::create("postgresql_stopped_and_started_under_load").await else {
        return;
    };
    let store = db.store().await;
    let (key_id, key) = pg::create_key(&store, 1_000_000_000, 1_000_000).await;
    drop(store);
    let instances: Vec<Instance> = (0..2).map(|_| Instance::start(&db.url)).collect();
    let urls: Vec<String> = instances.iter().map(|i| i.url.clone()).collect();
    let client = RpcClient::new();
    let seen = Arc::new(Mutex::new(Vec::<Seen>::new()));
    let stop = Arc::new(AtomicBool::new(false));

    let workers: Vec<_> = (0..6)
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
                    let instance = worker % urls.len();
                    let signed = (worker + i) % 3 == 0;
                    let reply = client
                        .call(&urls[instance], method(signed), params(&key, 2))
                        .await;
                    let failed = !matches!(reply, Reply::Result(_));
                    seen.lock().expect("lock").push(Seen {
                        instance,
                        signed,
                        n: 2,
                        reply,
                        at: Instant::now(),
                    });
                    if failed {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            })
        })
        .collect();
    let count =
        |filter: &dyn Fn(&Seen) -> bool| seen.lock().expect("lock").iter().filter(|s| filter(s)).count();
    wait_for("answers before the outage", Duration::from_secs(30), &|| {
        count(&|s| matches!(s.reply, Reply::Result(_))) >= 40
    })
    .await;

    // PostgreSQL stops (a planned restart: sessions are ended, new connections refused).
    let outage = Instant::now();
    cluster.stop();
    wait_for(
        "service errors during the outage",
        Duration::from_secs(20),
        &|| count(&|s| s.at > outage && !matches!(s.reply, Reply::Result(_))) >= 20,
    )
    .await;
    cluster.start();
    let restored = Instant::now();

    // Each instance recovers by itself.
    for instance in 0..urls.len() {
        wait_for("answers after the outage", Duration::from_secs(30), &|| {
            count(&|s| s.at > restored && s.instance == instance && matches!(s.reply, Reply::Result(_))) >= 10
        })
        .await;
    }
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.expect("worker");
    }

    let seen = seen.lock().expect("lock").clone();
    let mut unavailable = 0;
    let mut unavailable_signed = 0;
    for s in &seen {
        match &s.reply {
            Reply::Result(_) => {}
            Reply::Error(error) => {
                assert_eq!(
                    error["code"], 101,
                    "only the service error while the database is away: {error}"
                );
                assert_eq!(error["message"], "Service offline; please try again later");
                assert!(s.at > outage, "a failure before the outage: {error}");
                unavailable += 1;
                unavailable_signed += i64::from(s.signed);
            }
            Reply::Failed(failure) => panic!("no JSON-RPC answer: {failure}"),
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

    // Every answer was accounted; at most the calls cut off mid-commit were billed without one.
    let (bits, requests, _, total_requests, last_serial) = usage_in_database(&db, key_id).await;
    let answered = acknowledged.len() as i64;
    eprintln!(
        "restart: {answered} answered, {unavailable} errors 101 ({unavailable_signed} signed); \
         billed {requests}, last serial {last_serial}, {} serials answered",
        serials.len()
    );
    assert!(
        requests >= answered && requests <= answered + unavailable,
        "{requests} billed, {answered} answered"
    );
    assert_eq!(requests, total_requests);
    assert!(bits >= acknowledged_bits);
    assert!(serials.iter().all(|s| *s <= last_serial));
    assert!(
        last_serial - serials.len() as i64 <= unavailable_signed,
        "{last_serial} serials taken, {} answered",
        serials.len()
    );
}
