//! PostgreSQL test support: a fresh database per test on the server named by
//! `RANDOMD_TEST_POSTGRES_URL`, real `randomd` instances sharing it, and a JSON-RPC client.
//!
//! Without the variable the tests fail, unless `RANDOMD_SKIP_POSTGRES=1` says this machine has no
//! PostgreSQL (then they say they are skipped and pass); with it, an unreachable server fails them.
//! `scripts/test.sh` sets it to the local server unless told to skip.
#![allow(dead_code)]

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};

pub const URL_VARIABLE: &str = "RANDOMD_TEST_POSTGRES_URL";
/// Set to `1` on a machine without PostgreSQL: the tests then skip instead of failing.
pub const SKIP_VARIABLE: &str = "RANDOMD_SKIP_POSTGRES";

/// The server's URL; or `None`, after saying (past the test harness's capture) that the test is
/// skipped, when the URL is missing and the opt-out is set. Panics when both are missing.
pub fn server_url(test: &str) -> Option<String> {
    match std::env::var(URL_VARIABLE) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var(SKIP_VARIABLE).is_ok_and(|value| value == "1") => {
            // One write, past the harness's capture, so that the line shows and is not interleaved.
            let line = format!("{test}: SKIPPED: {SKIP_VARIABLE}=1 and {URL_VARIABLE} not set\n");
            let _ = std::io::stderr().write_all(line.as_bytes());
            None
        }
        _ => panic!(
            "{URL_VARIABLE} is not set: the PostgreSQL tests need a server, e.g. \
             {URL_VARIABLE}=postgres://postgres@127.0.0.1:5432/test (bash scripts/test.sh sets it), \
             or {SKIP_VARIABLE}=1 to skip them on a machine without PostgreSQL"
        ),
    }
}

/// `url` with its database name replaced.
pub fn with_dbname(url: &str, dbname: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL with a scheme");
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let query = tail.find('?').map(|i| &tail[i..]).unwrap_or("");
    format!("{scheme}://{authority}/{dbname}{query}")
}

/// A database created for one test and dropped (with its connections) when the test ends.
pub struct TestDb {
    pub name: String,
    pub url: String,
    admin_url: String,
}

impl TestDb {
    /// A fresh database, or `None` if the tests are skipped. Panics if the server is unreachable.
    pub async fn create(test: &str) -> Option<TestDb> {
        let admin_url = server_url(test)?;
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "randomd_test_{}_{}_{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let admin = connect(&admin_url).await;
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("CREATE DATABASE");
        let url = with_dbname(&admin_url, &name);
        Some(TestDb { name, url, admin_url })
    }

    /// A connection to the test's database, for checks.
    pub async fn client(&self) -> tokio_postgres::Client {
        connect(&self.url).await
    }

    /// A connection to the server's own database, for what cannot be done from inside the test's.
    pub async fn admin(&self) -> tokio_postgres::Client {
        connect(&self.admin_url).await
    }

    /// Opens the store in process (its pool lives on the caller's runtime).
    pub async fn store(&self) -> randomd::store::PostgresStore {
        let url = randomd::store::PostgresUrl::parse(&self.url).expect("URL");
        randomd::store::PostgresStore::open(&url, 4)
            .await
            .expect("store opens")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop may run on a runtime's thread: do the work on a thread of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let admin = connect(&admin_url).await;
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            let _ = writeln!(std::io::stderr(), "could not drop test database {}", self.name);
        }
    }
}

/// Connects, failing the test (not skipping it) if the server cannot be reached.
pub async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("{URL_VARIABLE} is set but PostgreSQL at {url} is unreachable: {e}"));
    tokio::spawn(connection);
    client
}

/// Creates a key through the store; returns its id and the key.
pub async fn create_key(store: &dyn randomd::store::Store, bits: i64, requests: i64) -> (i64, String) {
    let key = randomd::keys::new_api_key().expect("key");
    let record = randomd::new_key_record(&key, "test", bits, requests, &randomd::clock::SystemClock);
    let id = store.create_key(record).await.expect("key created");
    (id, key)
}

/// A `randomd serve` process on a free loopback port, killed (SIGKILL) when dropped.
pub struct Instance {
    pub child: Child,
    pub url: String,
    pub addr: String,
    pub dev_key: Option<String>,
}

impl Instance {
    pub fn start(database_url: &str) -> Instance {
        Instance::start_on(database_url, "127.0.0.1:0")
    }

    pub fn start_on(database_url: &str, listen: &str) -> Instance {
        // Its log goes to a file, shown if it fails to start: the tests make it log many errors.
        let log = tempfile::NamedTempFile::new().expect("log file");
        let mut child = crate::common::randomd_command()
            .args(["--database", database_url, "--signing-key"])
            .arg(crate::common::shared_signing_key())
            .args(["serve", "--listen", listen, "--database-connections", "4"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(log.reopen().expect("log file"))
            .spawn()
            .expect("randomd starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let (mut url, mut dev_key) = (None, None);
        for line in lines.by_ref() {
            let line = line.expect("a line");
            if let Some(rest) = line.strip_prefix("randomd: RANDOM.ORG Release 1 API on ") {
                url = Some(rest.trim().to_owned());
            }
            if line.contains("development API key") {
                dev_key = line.split_whitespace().last().map(str::to_owned);
            }
            if line.starts_with("try:") {
                break;
            }
        }
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let url = url.unwrap_or_else(|| {
            let log = std::fs::read_to_string(log.path()).unwrap_or_default();
            panic!("randomd did not start ({:?}):\n{log}", child.try_wait())
        });
        let addr = url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .expect("an address")
            .to_owned();
        Instance {
            child,
            url,
            addr,
            dev_key,
        }
    }

    /// SIGKILL, now.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What a call came back with.
#[derive(Debug, Clone)]
pub enum Reply {
    Result(Value),
    /// A JSON-RPC error object.
    Error(Value),
    /// No JSON-RPC answer: the connection failed, or an HTTP status other than 200.
    Failed(String),
}

impl Reply {
    pub fn code(&self) -> Option<i64> {
        match self {
            Reply::Error(error) => error["code"].as_i64(),
            _ => None,
        }
    }
}

/// A JSON-RPC client over plain HTTP/1.1 with keep-alive.
#[derive(Clone)]
pub struct RpcClient(Client<HttpConnector, Full<Bytes>>);

impl RpcClient {
    pub fn new() -> RpcClient {
        RpcClient(Client::builder(TokioExecutor::new()).build_http())
    }

    pub async fn call(&self, url: &str, method: &str, params: Value) -> Reply {
        let body = json!({"jsonrpc": "2.0", "method": method, "params": params, "id": 7}).to_string();
        let request = hyper::Request::post(url)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .expect("request");
        let response = match tokio::time::timeout(Duration::from_secs(30), self.0.request(request)).await {
            Ok(Ok(response)) => response,
            Ok(Err(e)) => return Reply::Failed(e.to_string()),
            Err(_) => return Reply::Failed("timed out".into()),
        };
        let status = response.status().as_u16();
        let body = match response.into_body().collect().await {
            Ok(body) => body.to_bytes(),
            Err(e) => return Reply::Failed(e.to_string()),
        };
        if status != 200 {
            return Reply::Failed(format!("HTTP {status}: {}", String::from_utf8_lossy(&body)));
        }
        let reply: Value = serde_json::from_slice(&body).expect("a JSON reply");
        match (reply.get("result"), reply.get("error")) {
            (Some(result), None) => Reply::Result(result.clone()),
            (None, Some(error)) => Reply::Error(error.clone()),
            _ => panic!("neither result nor error: {reply}"),
        }
    }
}

/// `bitsUsed` of generateIntegers with `n` values in 1..=1000: round(n * log2(1000)).
pub fn integer_bits(n: i64) -> i64 {
    (n as f64 * 1000f64.log2()).round() as i64
}

// ---------------------------------------------------------------- load and its record

/// One answer a worker got.
#[derive(Debug, Clone)]
pub struct Seen {
    pub instance: usize,
    pub signed: bool,
    /// How many values were asked for.
    pub n: i64,
    pub reply: Reply,
    pub at: Instant,
}

impl Seen {
    pub fn serial(&self) -> Option<i64> {
        match &self.reply {
            Reply::Result(result) => result["random"]["serialNumber"].as_i64(),
            _ => None,
        }
    }

    pub fn bits_used(&self) -> Option<i64> {
        match &self.reply {
            Reply::Result(result) => Some(result["bitsUsed"].as_i64().expect("bitsUsed")),
            _ => None,
        }
    }
}

/// Waits until `done`, failing the test after `deadline`.
pub async fn wait_for(what: &str, deadline: Duration, done: &dyn Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn params(key: &str, n: i64) -> Value {
    json!({"apiKey": key, "n": n, "min": 1, "max": 1000})
}

pub fn method(signed: bool) -> &'static str {
    if signed {
        "generateSignedIntegers"
    } else {
        "generateIntegers"
    }
}

/// The key's usage summed over its days, its totals and its last serial, read from PostgreSQL.
pub async fn usage_in_database(db: &TestDb, key_id: i64) -> (i64, i64, i64, i64, i64) {
    let client = db.client().await;
    let usage = client
        .query_one(
            "SELECT coalesce(sum(bits), 0)::bigint, coalesce(sum(requests), 0)::bigint
             FROM daily_usage WHERE key_id = $1",
            &[&key_id],
        )
        .await
        .expect("usage");
    let key = client
        .query_one(
            "SELECT total_bits, total_requests, last_serial FROM api_keys WHERE id = $1",
            &[&key_id],
        )
        .await
        .expect("key");
    (usage.get(0), usage.get(1), key.get(0), key.get(1), key.get(2))
}

// ---------------------------------------------------------------- an outage under load

/// Six workers calling `generateIntegers` and `generateSignedIntegers` (n = 2) on the instances in
/// turn until stopped, every answer recorded; a worker pauses 20 ms after a failure. The load of
/// the outage tests (`pg_restart.rs`, `scale_out.rs`), which differ only in how PostgreSQL goes away.
pub struct OutageLoad {
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
    workers: Vec<tokio::task::JoinHandle<()>>,
    instances: usize,
}

impl OutageLoad {
    pub fn start(urls: &[String], key: &str) -> OutageLoad {
        let client = RpcClient::new();
        let seen = Arc::new(Mutex::new(Vec::<Seen>::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let workers = (0..6)
            .map(|worker: usize| {
                let (client, urls, key, seen, stop) = (
                    client.clone(),
                    urls.to_vec(),
                    key.to_owned(),
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
        OutageLoad {
            seen,
            stop,
            workers,
            instances: urls.len(),
        }
    }

    fn count(&self, filter: &dyn Fn(&Seen) -> bool) -> usize {
        self.seen
            .lock()
            .expect("lock")
            .iter()
            .filter(|s| filter(s))
            .count()
    }

    /// Waits for 40 answers, before the outage.
    pub async fn until_serving(&self) {
        wait_for("answers before the outage", Duration::from_secs(30), &|| {
            self.count(&|s| matches!(s.reply, Reply::Result(_))) >= 40
        })
        .await;
    }

    /// Waits for 20 failures after `outage`.
    pub async fn until_failing(&self, outage: Instant) {
        wait_for(
            "service errors during the outage",
            Duration::from_secs(20),
            &|| self.count(&|s| s.at > outage && !matches!(s.reply, Reply::Result(_))) >= 20,
        )
        .await;
    }

    /// Waits until each instance has answered 10 calls after `restored`: they recover by themselves.
    pub async fn until_each_instance_recovers(&self, restored: Instant) {
        for instance in 0..self.instances {
            wait_for("answers after the outage", Duration::from_secs(30), &|| {
                self.count(&|s| {
                    s.at > restored && s.instance == instance && matches!(s.reply, Reply::Result(_))
                }) >= 10
            })
            .await;
        }
    }

    /// Stops the workers; returns every answer they got.
    pub async fn finish(self) -> Vec<Seen> {
        self.stop.store(true, Ordering::Relaxed);
        for worker in self.workers {
            worker.await.expect("worker");
        }
        let seen = self.seen.lock().expect("lock").clone();
        seen
    }
}

/// What an outage that began at `outage` may have done to `key_id`'s calls, and nothing more: only
/// error 101 while it lasted, no serial given twice, every answer billed, and at most the calls cut
/// off mid-commit billed (and their serials taken) without an answer. `label` names the run.
pub async fn check_outage_accounting(label: &str, seen: &[Seen], outage: Instant, db: &TestDb, key_id: i64) {
    let mut unavailable = 0;
    let mut unavailable_signed = 0;
    for s in seen {
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
    let (bits, requests, _, total_requests, last_serial) = usage_in_database(db, key_id).await;
    let answered = acknowledged.len() as i64;
    eprintln!(
        "{label}: {answered} answered, {unavailable} errors 101 ({unavailable_signed} signed); \
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
