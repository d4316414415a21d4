//! The PostgreSQL store on its own: migrations, the same charges and refusals as SQLite, exactness
//! with several pools charging one key at once, the first key created once, and the admin commands.
//! Each test runs in a fresh database on the server of `RANDOMD_TEST_POSTGRES_URL`.

mod common;
mod pg;

use std::process::Output;

use futures_util::future::join_all;
use randomd::store::{Charge, Charged, KeyStatus, PostgresStore, PostgresUrl, Refusal, SqliteStore, Store};

fn new_key(hash_byte: u8, bits: i64, requests: i64) -> randomd::store::NewKey {
    randomd::store::NewKey {
        key_hash: [hash_byte; 32],
        key_prefix: "abcd".into(),
        hashed_api_key: "h".into(),
        name: "test".into(),
        daily_bits: bits,
        daily_requests: requests,
        created_at: 0,
    }
}

async fn schema_versions(db: &pg::TestDb) -> Vec<i32> {
    db.client()
        .await
        .query(
            "SELECT version FROM randomd_schema_migrations ORDER BY version",
            &[],
        )
        .await
        .expect("versions")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_apply_once_and_a_newer_schema_is_refused() {
    let Some(db) = pg::TestDb::create("migrations_apply_once_and_a_newer_schema_is_refused").await else {
        return;
    };
    let store = db.store().await;
    let every_version: Vec<i32> = (1..=randomd::store::postgres_schema_version()).collect();
    assert_eq!(schema_versions(&db).await, every_version);
    let id = store.create_key(new_key(1, 100, 100)).await.expect("key");
    drop(store);

    // Running them again changes nothing and keeps the data.
    let store = db.store().await;
    assert_eq!(schema_versions(&db).await, every_version);
    let keys = store.list_keys(0).await.expect("keys");
    assert_eq!(keys.iter().map(|k| k.id).collect::<Vec<_>>(), vec![id]);
    drop(store);

    db.client()
        .await
        .batch_execute("INSERT INTO randomd_schema_migrations (version) VALUES (99)")
        .await
        .expect("a future version");
    let url = PostgresUrl::parse(&db.url).expect("URL");
    let error = PostgresStore::open(&url, 2)
        .await
        .expect_err("a newer schema is refused");
    assert!(
        error.0.contains("schema version 99") && error.0.contains("newer than this randomd knows"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_starting_together_migrate_once_and_create_one_first_key() {
    let Some(db) =
        pg::TestDb::create("instances_starting_together_migrate_once_and_create_one_first_key").await
    else {
        return;
    };
    let url = PostgresUrl::parse(&db.url).expect("URL");
    let stores: Vec<PostgresStore> = join_all((0..4).map(|_| PostgresStore::open(&url, 2)))
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("every instance starts");
    let every_version: Vec<i32> = (1..=randomd::store::postgres_schema_version()).collect();
    assert_eq!(schema_versions(&db).await, every_version);

    let created = join_all(
        stores
            .iter()
            .enumerate()
            .map(|(i, store)| store.create_first_key(new_key(10 + i as u8, 5, 5))),
    )
    .await;
    let ids: Vec<i64> = created
        .into_iter()
        .flat_map(|r| r.expect("no store error"))
        .collect();
    assert_eq!(ids.len(), 1, "exactly one first key: {ids:?}");
    assert_eq!(stores[0].list_keys(0).await.expect("keys").len(), 1);
}

/// A script of charges whose answers must be the same from both stores.
async fn charge_script(store: &dyn Store) -> Vec<Result<Charged, Refusal>> {
    let id = store.create_key(new_key(1, 100, 4)).await.expect("key");
    let charge = |bits, signed, day| Charge {
        key_id: id,
        day,
        bits,
        signed,
    };
    let mut answers = Vec::new();
    for step in [
        charge(60, true, 10),
        charge(41, true, 10),
        charge(40, false, 10),
        charge(0, true, 10),
        charge(1, true, 10),
        charge(0, false, 10),
        charge(10, true, 11),
        charge(101, false, 11),
        Charge {
            key_id: id + 1000,
            ..charge(1, false, 11)
        },
    ] {
        answers.push(store.charge(step).await.expect("no store error"));
    }
    assert!(store.set_status(id, KeyStatus::Paused).await.expect("paused"));
    answers.push(store.charge(charge(1, false, 11)).await.expect("no store error"));
    answers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn charges_and_refusals_are_those_of_the_sqlite_store() {
    let Some(db) = pg::TestDb::create("charges_and_refusals_are_those_of_the_sqlite_store").await else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = SqliteStore::open(&dir.path().join("db.sqlite3")).expect("sqlite");
    let postgres = db.store().await;
    let expected = charge_script(&sqlite).await;
    let answers = charge_script(&postgres).await;
    assert_eq!(answers, expected);

    let charged = |bits_left, requests_left, serial| {
        Ok(Charged {
            bits_left,
            requests_left,
            serial,
        })
    };
    assert_eq!(
        answers,
        vec![
            charged(40, 3, Some(1)),
            Err(Refusal::OutOfBits {
                required: 41,
                left: 40
            }),
            charged(0, 2, None),
            charged(0, 1, Some(2)),
            Err(Refusal::OutOfBits { required: 1, left: 0 }),
            charged(0, 0, None),
            charged(90, 3, Some(3)),
            Err(Refusal::OutOfBits {
                required: 101,
                left: 90
            }),
            Err(Refusal::NoSuchKey),
            Err(Refusal::NotRunning),
        ]
    );
    let record = postgres
        .find_key([1; 32], 10)
        .await
        .expect("read")
        .expect("the key");
    assert_eq!(
        (
            record.bits_used,
            record.requests_used,
            record.total_bits,
            record.total_requests,
            record.last_serial
        ),
        (100, 4, 110, 5, 3)
    );
    assert_eq!(record.status, KeyStatus::Paused);
    assert_eq!(
        postgres
            .charge(Charge {
                key_id: record.id,
                day: 10,
                bits: 0,
                signed: false
            })
            .await
            .expect("answer"),
        Err(Refusal::NotRunning)
    );
    postgres
        .set_status(record.id, KeyStatus::Running)
        .await
        .expect("started");
    assert_eq!(
        postgres
            .charge(Charge {
                key_id: record.id,
                day: 10,
                bits: 0,
                signed: false
            })
            .await
            .expect("answer"),
        Err(Refusal::OutOfRequests { required: 1, left: 0 })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_pools_charging_one_key_never_exceed_it_and_never_skip_a_serial() {
    let Some(db) =
        pg::TestDb::create("three_pools_charging_one_key_never_exceed_it_and_never_skip_a_serial").await
    else {
        return;
    };
    let stores = [db.store().await, db.store().await, db.store().await];
    let id = stores[0]
        .create_key(new_key(2, 5000, 1_000_000))
        .await
        .expect("key");
    let charges = (0..900).map(|i| {
        let store = stores[i % 3].clone();
        tokio::spawn(async move {
            let bits = 1 + (i as i64 * 7) % 23;
            let answer = store
                .charge(Charge {
                    key_id: id,
                    day: 1,
                    bits,
                    signed: i % 2 == 0,
                })
                .await
                .expect("no store error");
            (bits, answer)
        })
    });
    let mut used = 0;
    let mut serials = Vec::new();
    let mut refusals = 0;
    for task in join_all(charges).await {
        let (bits, answer) = task.expect("task");
        match answer {
            Ok(charged) => {
                used += bits;
                serials.extend(charged.serial);
            }
            Err(Refusal::OutOfBits { required, left }) => {
                assert_eq!(required, bits);
                assert!(left < required);
                refusals += 1;
            }
            Err(other) => panic!("unexpected refusal {other:?}"),
        }
    }
    assert!(used <= 5000 && refusals > 0, "used {used}, {refusals} refusals");
    serials.sort_unstable();
    assert_eq!(serials, (1..=serials.len() as i64).collect::<Vec<_>>());
    let record = stores[1].find_key([2; 32], 1).await.expect("read").expect("key");
    assert_eq!(record.bits_used, used);
    assert_eq!(record.last_serial, serials.len() as i64);
    assert_eq!(record.requests_used, 900 - refusals);
}

fn randomd(args: &[&str]) -> Output {
    common::randomd_command()
        .args(args)
        .output()
        .expect("randomd runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_commands_work_against_postgres() {
    let Some(db) = pg::TestDb::create("keys_commands_work_against_postgres").await else {
        return;
    };
    let url = db.url.as_str();
    let created = randomd(&[
        "--database",
        url,
        "keys",
        "create",
        "--name",
        "alice",
        "--bits",
        "5000",
        "--requests",
        "7",
    ]);
    assert!(created.status.success(), "{}", text(&created.stderr));
    let key = text(&created.stdout).trim().to_owned();
    assert!(randomd::keys::looks_like_key(&key), "{key}");

    let listed = text(&randomd(&["--database", url, "keys", "list"]).stdout);
    assert!(
        listed.contains("alice") && listed.contains("running") && listed.contains("5000/5000"),
        "{listed}"
    );
    let shown = text(&randomd(&["--database", url, "keys", "show", &key]).stdout);
    assert!(shown.contains(&randomd::keys::published_hash(&key)), "{shown}");

    let status = || async {
        let row = db
            .client()
            .await
            .query_one(
                "SELECT status FROM api_keys WHERE key_hash = $1",
                &[&&randomd::keys::storage_hash(&key)[..]],
            )
            .await
            .expect("the key is in PostgreSQL");
        row.get::<_, String>(0)
    };
    assert_eq!(status().await, "running");
    for (command, expected) in [("pause", "paused"), ("stop", "stopped"), ("start", "running")] {
        let output = randomd(&["--database", url, "keys", command, "1"]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        assert_eq!(status().await, expected);
    }
    // The environment variable and the config file choose PostgreSQL too.
    let by_env = common::randomd_command()
        .args(["keys", "show", "1"])
        .env("RANDOMD_DATABASE", url)
        .output()
        .expect("randomd runs");
    assert!(text(&by_env.stdout).contains("alice"), "{}", text(&by_env.stderr));
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("randomd.toml");
    std::fs::write(&config, format!("database = \"{url}\"\n")).expect("config");
    let by_file = randomd(&["--config", config.to_str().expect("utf-8"), "keys", "show", "1"]);
    assert!(
        text(&by_file.stdout).contains("alice"),
        "{}",
        text(&by_file.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_database_is_a_clear_error() {
    let Some(server) = pg::server_url("a_missing_database_is_a_clear_error") else {
        return;
    };
    let url = pg::with_dbname(&server, "randomd_no_such_database");
    let output = randomd(&["--database", &url, "keys", "list"]);
    let stderr = text(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("cannot connect to PostgreSQL") && stderr.contains("does not exist"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_mixing_keys_days_and_statuses_bill_each_key_exactly() {
    let Some(db) = pg::TestDb::create("groups_mixing_keys_days_and_statuses_bill_each_key_exactly").await
    else {
        return;
    };
    let store = db.store().await;
    let bits_key = store.create_key(new_key(1, 500, 1_000_000)).await.expect("key");
    let requests_key = store.create_key(new_key(2, 1_000_000, 20)).await.expect("key");
    let paused_key = store
        .create_key(new_key(3, 1_000_000, 1_000_000))
        .await
        .expect("key");
    store
        .set_status(paused_key, KeyStatus::Paused)
        .await
        .expect("paused");
    let missing_key = paused_key + 100;
    let targets = [
        (bits_key, 1),
        (bits_key, 2),
        (requests_key, 1),
        (paused_key, 1),
        (missing_key, 1),
    ];

    // Hundreds of charges at once: they arrive in groups that mix every case.
    let answers = join_all((0..500).map(|i| {
        let store = store.clone();
        let (key_id, day) = targets[i % targets.len()];
        tokio::spawn(async move {
            let charge = Charge {
                key_id,
                day,
                bits: 1 + (i as i64 * 13) % 17,
                signed: i % 3 != 0,
            };
            (charge, store.charge(charge).await.expect("no store error"))
        })
    }))
    .await;
    let mut granted: std::collections::HashMap<(i64, i64), (i64, i64)> = Default::default();
    let mut serials: std::collections::HashMap<i64, Vec<i64>> = Default::default();
    for answer in answers {
        let (charge, answer) = answer.expect("task");
        match (charge.key_id, answer) {
            (id, Ok(charged)) if id == bits_key || id == requests_key => {
                let entry = granted.entry((id, charge.day)).or_default();
                entry.0 += charge.bits;
                entry.1 += 1;
                assert_eq!(charged.serial.is_some(), charge.signed);
                serials.entry(id).or_default().extend(charged.serial);
            }
            (id, Err(Refusal::OutOfBits { required, left })) if id == bits_key => {
                assert!(required == charge.bits && left < required);
            }
            (id, Err(Refusal::OutOfRequests { required: 1, left: 0 })) if id == requests_key => {}
            (id, Err(Refusal::NotRunning)) if id == paused_key => {}
            (id, Err(Refusal::NoSuchKey)) if id == missing_key => {}
            (id, other) => panic!("key {id}: {other:?}"),
        }
    }
    for day in [1, 2] {
        let (bits, _) = granted[&(bits_key, day)];
        assert!(bits <= 500 && bits > 500 - 17, "day {day}: {bits} bits granted");
    }
    assert_eq!(granted[&(requests_key, 1)].1, 20);
    for (id, mut taken) in serials {
        taken.sort_unstable();
        assert_eq!(
            taken,
            (1..=taken.len() as i64).collect::<Vec<_>>(),
            "serials of key {id}"
        );
        let record = store
            .list_keys(1)
            .await
            .expect("keys")
            .into_iter()
            .find(|k| k.id == id)
            .expect("key");
        assert_eq!(record.last_serial, taken.len() as i64);
    }
    let client = db.client().await;
    for ((id, day), (bits, requests)) in &granted {
        let row = client
            .query_one(
                "SELECT bits, requests FROM daily_usage WHERE key_id = $1 AND day = $2",
                &[id, day],
            )
            .await
            .expect("usage row");
        assert_eq!((row.get::<_, i64>(0), row.get::<_, i64>(1)), (*bits, *requests));
    }
    let untouched: i64 = client
        .query_one(
            "SELECT count(*) FROM daily_usage WHERE key_id = $1",
            &[&paused_key],
        )
        .await
        .expect("count")
        .get(0);
    assert_eq!(untouched, 0, "a refused charge writes nothing");
}
