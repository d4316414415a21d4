//! PostgreSQL stopped and started again (`pg_ctl stop -m fast`, then `start`) under load on two
//! randomd instances, on a throwaway cluster of the test's own (never the shared server): calls fail
//! with 101 during the outage, nothing acknowledged is lost, serial numbers have no gap beyond the
//! calls cut off mid-commit, and both instances recover by themselves.

mod cluster;
mod common;
mod pg;

use std::time::Instant;

use pg::{Instance, OutageLoad, TestDb};

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
    let load = OutageLoad::start(&urls, &key);
    load.until_serving().await;

    // PostgreSQL stops (a planned restart: sessions are ended, new connections refused).
    let outage = Instant::now();
    cluster.stop();
    load.until_failing(outage).await;
    cluster.start();
    let restored = Instant::now();

    // Each instance recovers by itself.
    load.until_each_instance_recovers(restored).await;
    let seen = load.finish().await;
    pg::check_outage_accounting("restart", &seen, outage, &db, key_id).await;
}
