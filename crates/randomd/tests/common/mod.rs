//! A randomd started in process on a loopback port, with its own data directory and a clock the
//! test controls, and a client that posts JSON-RPC to it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use randomd::clock::ManualClock;
use randomd::config::Settings;
use randomd::entropy::{EntropySource, SourceKind};
use randomd::Running;
use serde_json::{json, Value};

/// The `randomd` binary, to be started by a test: every `RANDOMD_*` variable of the environment
/// the tests run in is removed from its environment, so only what the test sets reaches it (an
/// exported `RANDOMD_DATABASE` must never point a test at a real database). Every randomd test
/// starts the binary through this.
pub fn randomd_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_randomd"));
    // `vars_os`, not `vars`: a variable whose value is not UTF-8 must not panic the helper.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("RANDOMD_") {
            command.env_remove(name);
        }
    }
    // Tests run side by side: none may take the admin listener's fixed default port.
    command.env("RANDOMD_ADMIN_LISTEN", "off");
    command
}

/// One RSA key for the whole test binary: generating 4096-bit keys is slow.
pub fn shared_signing_key() -> PathBuf {
    static KEY: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = KEY.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("signing-key.pem");
        randomd::signing::Signer::load_or_generate(&path).expect("key");
        (dir, path)
    });
    path.clone()
}

pub struct Service {
    pub running: Running,
    pub url: String,
    pub dev_key: String,
    pub clock: Arc<ManualClock>,
    pub dir: tempfile::TempDir,
    client: Client<HttpConnector, Full<Bytes>>,
}

pub fn settings(dir: &tempfile::TempDir) -> Settings {
    Settings {
        listen: "127.0.0.1:0".parse().expect("address"),
        database: randomd::store::Database::Sqlite(dir.path().join("randomd.sqlite3")),
        signing_key: shared_signing_key(),
        entropy: SourceKind::Os,
        daily_bits: 1_000_000,
        daily_requests: 200_000,
        advisory_delay_ms: 0,
        max_request_bytes: 1 << 20,
        durability: randomd::store::Durability::PowerLoss,
        database_connections: 4,
        max_connections_per_address: randomd::config::DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
        admin_listen: None,
        auth_failures: randomd::limiter::AuthLimit::default(),
        playground: true,
        tls: None,
    }
}

pub fn noon() -> time::OffsetDateTime {
    time::macros::datetime!(2026-03-14 12:00:00 UTC)
}

impl Service {
    pub async fn start() -> Service {
        Service::start_with(|_| {}, SourceKind::Os.open().expect("os source")).await
    }

    pub async fn start_with(adjust: impl FnOnce(&mut Settings), source: Box<dyn EntropySource>) -> Service {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut settings = settings(&dir);
        adjust(&mut settings);
        let clock = Arc::new(ManualClock::new(noon()));
        let running = randomd::start_with_source(&settings, clock.clone(), source)
            .await
            .expect("service starts");
        let url = format!("http://{}{}", running.http.local_addr(), randomd::RPC_PATH);
        let dev_key = running
            .new_development_key
            .clone()
            .expect("a development key on first start");
        let client = Client::builder(TokioExecutor::new()).build_http();
        Service {
            running,
            url,
            dev_key,
            clock,
            dir,
            client,
        }
    }

    /// A service over `settings` (e.g. a database other instances share); `dev_key` is empty when
    /// the database already had keys.
    pub async fn start_shared(settings: Settings, dir: tempfile::TempDir) -> Service {
        let clock = Arc::new(ManualClock::new(noon()));
        let running =
            randomd::start_with_source(&settings, clock.clone(), SourceKind::Os.open().expect("os"))
                .await
                .expect("service starts");
        let url = format!("http://{}{}", running.http.local_addr(), randomd::RPC_PATH);
        let dev_key = running.new_development_key.clone().unwrap_or_default();
        let client = Client::builder(TokioExecutor::new()).build_http();
        Service {
            running,
            url,
            dev_key,
            clock,
            dir,
            client,
        }
    }

    /// Posts raw bytes; returns the status and the body.
    pub async fn post(&self, content_type: &str, body: &str) -> (u16, Vec<u8>) {
        let request = hyper::Request::post(&self.url)
            .header("content-type", content_type)
            .body(Full::new(Bytes::from(body.to_owned())))
            .expect("request");
        let response = self.client.request(request).await.expect("round trip");
        let status = response.status().as_u16();
        (
            status,
            response
                .into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes()
                .to_vec(),
        )
    }

    /// Calls `method` with `params`; returns the whole response object.
    pub async fn call(&self, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "method": method, "params": params, "id": 42}).to_string();
        let (status, reply) = self.post("application/json-rpc", &body).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
        let reply: Value = serde_json::from_slice(&reply).expect("JSON");
        assert_eq!(reply["id"], 42);
        reply
    }

    /// The result of a call that must succeed.
    pub async fn ok(&self, method: &str, params: Value) -> Value {
        let reply = self.call(method, params).await;
        assert!(reply.get("error").is_none(), "{method}: {reply}");
        reply["result"].clone()
    }

    /// The error of a call that must fail.
    pub async fn error(&self, method: &str, params: Value) -> Value {
        let reply = self.call(method, params).await;
        assert!(reply.get("result").is_none(), "{method}: {reply}");
        reply["error"].clone()
    }

    /// Creates another key directly in the store.
    pub async fn create_key(&self, bits: i64, requests: i64) -> (i64, String) {
        let key = randomd::keys::new_api_key().expect("key");
        let record = randomd::new_key_record(&key, "test", bits, requests, self.clock.as_ref());
        let id = self.running.app.store.create_key(record).await.expect("created");
        (id, key)
    }
}
