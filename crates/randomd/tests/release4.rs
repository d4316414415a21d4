//! Release 4 (and 2) beside Release 1: the endpoints' HTTP rules, every new parameter's bad input
//! answered with RANDOM.ORG's code and nothing billed, pregenerated randomization, tickets, and the
//! official Release 4 clients (Python's rdoclient 1.5.0 and npm's @randomorg/core) unchanged but
//! for the URL they hard-code. PostgreSQL: two instances agree on pregenerated values, and of two
//! instances using one ticket at once exactly one wins.

mod common;
mod pg;

use std::process::Command;
use std::sync::Arc;

use common::Service;
use serde_json::{json, Value};

const R4: &str = "/json-rpc/4/invoke";
const R2: &str = "/json-rpc/2/invoke";

fn base(service: &Service) -> String {
    format!("http://{}", service.running.http.local_addr())
}

/// Posts `body` to `path`; the status and the body.
async fn post(service: &Service, path: &str, content_type: Option<&str>, body: &str) -> (u16, String) {
    let client = reqwest_like::Client::new();
    client
        .post(&format!("{}{path}", base(service)), content_type, body)
        .await
}

/// A minimal HTTP client over hyper (the tests' dev-dependencies), kept local to this file.
mod reqwest_like {
    use bytes::Bytes;
    use http_body_util::{BodyExt, Full};
    use hyper_util::client::legacy::connect::HttpConnector;
    use hyper_util::client::legacy::Client as Hyper;
    use hyper_util::rt::TokioExecutor;

    pub struct Client(Hyper<HttpConnector, Full<Bytes>>);

    impl Client {
        pub fn new() -> Self {
            Client(Hyper::builder(TokioExecutor::new()).build_http())
        }

        pub async fn post(&self, url: &str, content_type: Option<&str>, body: &str) -> (u16, String) {
            let mut request = hyper::Request::post(url);
            if let Some(content_type) = content_type {
                request = request.header("content-type", content_type);
            }
            let request = request
                .body(Full::new(Bytes::from(body.to_owned())))
                .expect("request");
            let response = self.0.request(request).await.expect("round trip");
            let status = response.status().as_u16();
            let body = response.into_body().collect().await.expect("body").to_bytes();
            (status, String::from_utf8_lossy(&body).into_owned())
        }
    }
}

async fn call4(service: &Service, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "method": method, "params": params, "id": 7}).to_string();
    let (status, reply) = post(service, R4, Some("application/json"), &body).await;
    assert_eq!(status, 200, "{reply}");
    serde_json::from_str(&reply).expect("JSON")
}

async fn ok4(service: &Service, method: &str, params: Value) -> Value {
    let reply = call4(service, method, params).await;
    assert!(reply.get("error").is_none(), "{method}: {reply}");
    reply["result"].clone()
}

async fn error4(service: &Service, method: &str, params: Value) -> Value {
    let reply = call4(service, method, params).await;
    assert!(reply.get("result").is_none(), "{method}: {reply}");
    reply["error"].clone()
}

#[tokio::test]
async fn releases_2_and_4_take_json_only_answer_notifications_204_and_refuse_batches() {
    let service = Service::start().await;
    let call =
        json!({"jsonrpc": "2.0", "method": "getUsage", "params": {"apiKey": service.dev_key}, "id": 1})
            .to_string();
    for path in [R2, R4] {
        let (status, body) = post(&service, path, Some("application/json"), &call).await;
        assert_eq!(status, 200, "{path}");
        assert!(body.contains(r#""status":"running""#), "{body}");
        for content_type in [Some("application/json-rpc"), Some("text/plain"), None] {
            let (status, _) = post(&service, path, content_type, &call).await;
            assert_eq!(status, 415, "{path} {content_type:?}");
        }
        let notification =
            json!({"jsonrpc": "2.0", "method": "getUsage", "params": {"apiKey": service.dev_key}})
                .to_string();
        let (status, body) = post(&service, path, Some("application/json"), &notification).await;
        assert_eq!((status, body.as_str()), (204, ""), "{path}");
        let (status, body) = post(&service, path, Some("application/json"), &format!("[{call}]")).await;
        assert_eq!(status, 200);
        let reply: Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(reply["error"]["code"], -32600, "{body}");
    }
    // Release 1 is as it was: its media types, and it serves only its own methods.
    let (status, _) = post(
        &service,
        "/json-rpc/1/invoke",
        Some("application/json-rpc"),
        &call,
    )
    .await;
    assert_eq!(status, 200);
    let sequences = json!({"jsonrpc": "2.0", "method": "generateIntegerSequences",
        "params": {"apiKey": service.dev_key, "n": 1, "length": 1, "min": 1, "max": 2}, "id": 1});
    let (_, body) = post(&service, "/json-rpc/1/invoke", None, &sequences.to_string()).await;
    assert!(body.contains("-32601"), "{body}");
}

#[tokio::test]
async fn nulls_count_as_left_out_and_signed_results_carry_release_4_members() {
    let service = Service::start().await;
    let key = service.dev_key.clone();
    let result = ok4(
        &service,
        "generateSignedIntegers",
        json!({"apiKey": key, "n": 3, "min": 1, "max": 6, "replacement": null, "base": null,
               "pregeneratedRandomization": null, "licenseData": null, "userData": {"a": [null], "b": 1},
               "ticketId": null}),
    )
    .await;
    let random = result["random"].as_object().expect("random");
    let members: Vec<&str> = random.keys().map(String::as_str).collect();
    let mut sorted_expected = vec![
        "method",
        "hashedApiKey",
        "n",
        "min",
        "max",
        "replacement",
        "base",
        "pregeneratedRandomization",
        "data",
        "license",
        "licenseData",
        "userData",
        "ticketData",
        "completionTime",
        "serialNumber",
    ];
    let mut sorted = members.clone();
    sorted.sort_unstable();
    sorted_expected.sort_unstable();
    assert_eq!(sorted, sorted_expected);
    assert_eq!(result["cost"], json!({"currency": "USD", "amount": 0.0}));
    assert_eq!(random["replacement"], true);
    assert_eq!(random["base"], 10);
    assert!(result["signature"].is_string());
    let verified = ok4(
        &service,
        "verifySignature",
        json!({"random": result["random"], "signature": result["signature"]}),
    )
    .await;
    assert_eq!(
        verified["authenticity"], true,
        "sorted members are put back in order"
    );
    let again = ok4(
        &service,
        "getResult",
        json!({"apiKey": key, "serialNumber": random["serialNumber"]}),
    )
    .await;
    assert_eq!(again["random"], result["random"]);
    assert_eq!(again["signature"], result["signature"]);
    let missing = error4(&service, "getResult", json!({"apiKey": key, "serialNumber": 999})).await;
    assert_eq!(missing["code"], 303);
}

#[tokio::test]
async fn bad_input_for_every_new_parameter_is_refused_with_its_code_and_nothing_is_billed() {
    let service = Service::start().await;
    let key = service.dev_key.clone();
    let before = ok4(&service, "getUsage", json!({"apiKey": key})).await;
    let ints = |extra: Value| {
        let mut params = json!({"apiKey": key, "n": 2, "min": 1, "max": 6});
        for (name, value) in extra.as_object().expect("object") {
            params[name] = value.clone();
        }
        params
    };
    let long_user_data = "x".repeat(1000);
    let cases = [
        (
            "generateIntegers",
            ints(json!({"pregeneratedRandomization": "2026-01-01"})),
            200,
        ),
        (
            "generateIntegers",
            ints(json!({"pregeneratedRandomization": {"date": "2026-1-01"}})),
            200,
        ),
        (
            "generateIntegers",
            ints(json!({"pregeneratedRandomization": {"date": "2026-02-30"}})),
            200,
        ),
        (
            "generateIntegers",
            ints(json!({"pregeneratedRandomization": {"date": "2026-03-15"}})),
            201,
        ),
        (
            "generateIntegers",
            ints(json!({"pregeneratedRandomization": {"id": ""}})),
            204,
        ),
        (
            "generateIntegers",
            ints(json!({"pregeneratedRandomization": {"id": "x".repeat(65)}})),
            203,
        ),
        (
            "generateIntegers",
            ints(json!({"pregeneratedRandomization": {"id": 5}})),
            200,
        ),
        (
            "generateIntegers",
            ints(json!({"pregeneratedRandomization": {"id": "a", "date": "2026-01-01"}})),
            200,
        ),
        ("generateIntegers", ints(json!({"userData": 1})), -32602),
        (
            "generateSignedIntegers",
            ints(json!({"userData": long_user_data})),
            203,
        ),
        (
            "generateSignedIntegers",
            ints(json!({"licenseData": {"maxPayout": {"currency": "USD", "amount": 1}}})),
            425,
        ),
        ("generateSignedIntegers", ints(json!({"ticketId": 17})), 200),
        (
            "generateSignedIntegers",
            ints(json!({"ticketId": "0123456789abcdef"})),
            420,
        ),
        (
            "generateIntegerSequences",
            json!({"apiKey": key, "n": 2, "length": [1, 2, 3], "min": 1, "max": 6}),
            203,
        ),
        (
            "generateIntegerSequences",
            json!({"apiKey": key, "n": 2, "length": [1], "min": 1, "max": 6}),
            204,
        ),
        (
            "generateIntegerSequences",
            json!({"apiKey": key, "n": 2, "length": 2, "min": [1, 7], "max": 6}),
            300,
        ),
        (
            "generateIntegerSequences",
            json!({"apiKey": key, "n": 2, "length": "2", "min": 1, "max": 6}),
            200,
        ),
        (
            "generateIntegerSequences",
            json!({"apiKey": key, "n": 2, "length": 5001, "min": 1, "max": 6}),
            304,
        ),
        (
            "generateIntegerSequences",
            json!({"apiKey": key, "n": 1, "length": 7, "min": 1, "max": 6, "replacement": false}),
            301,
        ),
        (
            "generateIntegerSequences",
            json!({"apiKey": key, "n": 1, "length": 2, "min": 1, "max": 6, "base": [3]}),
            201,
        ),
        (
            "generateIntegerSequences",
            json!({"apiKey": key, "n": 1001, "length": 1, "min": 1, "max": 6}),
            202,
        ),
        (
            "createTickets",
            json!({"apiKey": key, "n": 51, "showResult": true}),
            202,
        ),
        (
            "createTickets",
            json!({"apiKey": key, "n": 1, "showResult": "yes"}),
            200,
        ),
        ("listTickets", json!({"apiKey": key, "ticketType": "all"}), 201),
        ("getTicket", json!({"ticketId": "ffffffffffffffff"}), 420),
        (
            "revealTickets",
            json!({"apiKey": key, "ticketId": "ffffffffffffffff"}),
            420,
        ),
        ("getResult", json!({"apiKey": key, "serialNumber": "1"}), 200),
    ];
    for (method, params, code) in cases {
        let error = error4(&service, method, params.clone()).await;
        assert_eq!(error["code"], code, "{method} {params}: {error}");
    }
    let after = ok4(&service, "getUsage", json!({"apiKey": key})).await;
    assert_eq!(before, after, "nothing was billed");
}

#[tokio::test]
async fn pregenerated_values_repeat_for_the_same_date_or_id_and_differ_otherwise() {
    let service = Service::start().await;
    let key = service.dev_key.clone();
    let draw = |randomization: Value| {
        let service = &service;
        let key = key.clone();
        async move {
            let result = ok4(
                service,
                "generateDecimalFractions",
                json!({"apiKey": key, "n": 20, "decimalPlaces": 10, "pregeneratedRandomization": randomization}),
            )
            .await;
            result["random"]["data"].clone()
        }
    };
    let today = draw(json!({"date": "2026-03-14"})).await;
    assert_eq!(today, draw(json!({"date": "2026-03-14"})).await);
    assert_ne!(today, draw(json!({"date": "2026-03-13"})).await);
    let id = draw(json!({"id": "raffle-1"})).await;
    assert_eq!(id, draw(json!({"id": "raffle-1"})).await);
    assert_ne!(id, draw(json!({"id": "raffle-2"})).await);
    assert_ne!(draw(Value::Null).await, draw(Value::Null).await);
    // The same stream behind every generator: a shorter request is a prefix of a longer one.
    let ints = |n: u32| {
        let service = &service;
        let key = key.clone();
        async move {
            ok4(service, "generateIntegers",
                json!({"apiKey": key, "n": n, "min": 0, "max": 1_000_000, "pregeneratedRandomization": {"id": "p"}}))
                .await["random"]["data"]
                .clone()
        }
    };
    let (five, ten) = (ints(5).await, ints(10).await);
    assert_eq!(five.as_array().unwrap()[..], ten.as_array().unwrap()[..5]);
}

#[tokio::test]
async fn tickets_are_used_once_unknown_ones_are_420_and_reveal_needs_use() {
    let service = Service::start().await;
    let key = service.dev_key.clone();
    let created = ok4(
        &service,
        "createTickets",
        json!({"apiKey": key, "n": 1, "showResult": false}),
    )
    .await;
    let ticket = created[0]["ticketId"].as_str().expect("id").to_owned();
    assert_eq!(ticket.len(), 16);
    let error = error4(
        &service,
        "revealTickets",
        json!({"apiKey": key, "ticketId": ticket}),
    )
    .await;
    assert_eq!(
        (error["code"].clone(), error["data"].clone()),
        (json!(426), Value::Null)
    );
    let shown = ok4(&service, "getTicket", json!({"ticketId": ticket})).await;
    assert_eq!(shown["usedTime"], Value::Null);
    let params = json!({"apiKey": key, "n": 1, "ticketId": ticket});
    let used = ok4(&service, "generateSignedUUIDs", params.clone()).await;
    assert_eq!(used["random"]["ticketData"]["ticketId"], ticket.as_str());
    let usage = ok4(&service, "getUsage", json!({"apiKey": key})).await;
    let error = error4(&service, "generateSignedUUIDs", params).await;
    assert_eq!(
        (error["code"].clone(), error["data"].clone()),
        (json!(422), Value::Null)
    );
    assert_eq!(
        usage,
        ok4(&service, "getUsage", json!({"apiKey": key})).await,
        "reuse is not billed"
    );
    let (_, other) = service.create_key(1000, 10).await;
    let error = error4(
        &service,
        "generateSignedUUIDs",
        json!({"apiKey": other, "n": 1, "ticketId": ticket}),
    )
    .await;
    assert_eq!(error["code"], 421);
    let shown = ok4(&service, "getTicket", json!({"ticketId": ticket})).await;
    assert_eq!(shown["serialNumber"], used["random"]["serialNumber"]);
    assert!(shown.get("result").is_none());
    let revealed = ok4(
        &service,
        "revealTickets",
        json!({"apiKey": key, "ticketId": ticket}),
    )
    .await;
    assert_eq!(revealed["ticketCount"], 1);
    let shown = ok4(&service, "getTicket", json!({"ticketId": ticket})).await;
    assert_eq!(shown["result"]["random"], used["random"]);
    // A refused request gives its ticket back.
    let (_, poor) = service.create_key(10, 10).await;
    let created = ok4(
        &service,
        "createTickets",
        json!({"apiKey": poor, "n": 1, "showResult": true}),
    )
    .await;
    let ticket = created[0]["ticketId"].as_str().expect("id");
    let error = error4(
        &service,
        "generateSignedUUIDs",
        json!({"apiKey": poor, "n": 1, "ticketId": ticket}),
    )
    .await;
    assert_eq!(error["code"], 403);
    assert_eq!(
        ok4(&service, "getTicket", json!({"ticketId": ticket})).await["usedTime"],
        Value::Null
    );
}

fn run(command: &mut Command) -> (bool, String) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e} (see scripts/test.sh for installs)"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// The Python in the venv scripts/test.sh makes for rdoclient 1.5.0 (1.0.1 stays system-wide).
fn venv_python() -> String {
    std::env::var("RANDOMD_TEST_RDOCLIENT15_PYTHON")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../target-venv/bin/python3").to_owned())
}

#[tokio::test]
async fn the_official_python_client_rdoclient_1_5() {
    let service = Service::start().await;
    let public_key = service.dir.path().join("public.pem");
    std::fs::write(&public_key, service.running.app.signer.public_key_pem()).expect("write");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/rdoclient15_check.py");
    let (url, key) = (base(&service), service.dev_key.clone());
    let (ok, output) = tokio::task::spawn_blocking(move || {
        run(Command::new(venv_python())
            .arg(script)
            .arg(url)
            .arg(key)
            .arg(public_key))
    })
    .await
    .expect("joined");
    assert!(ok, "rdoclient 1.5 checks failed:\n{output}");
    assert!(
        output
            .lines()
            .last()
            .unwrap_or_default()
            .ends_with(" passed, 0 failed"),
        "{output}"
    );
}

#[tokio::test]
async fn the_official_javascript_client_randomorg_core() {
    let service = Service::start().await;
    let public_key = service.dir.path().join("public.pem");
    std::fs::write(&public_key, service.running.app.signer.public_key_pem()).expect("write");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/r4/check.js");
    let (url, key) = (base(&service), service.dev_key.clone());
    let (ok, output) = tokio::task::spawn_blocking(move || {
        run(Command::new("node").arg(script).arg(url).arg(key).arg(public_key))
    })
    .await
    .expect("joined");
    assert!(ok, "@randomorg/core checks failed:\n{output}");
    assert!(
        output
            .lines()
            .last()
            .unwrap_or_default()
            .ends_with(" passed, 0 failed"),
        "{output}"
    );
}

async fn pg_instance(url: &str) -> Service {
    let url = randomd::store::PostgresUrl::parse(url).expect("URL");
    let dir = tempfile::tempdir().expect("dir");
    let mut settings = common::settings(&dir);
    settings.database = randomd::store::Database::Postgres(Box::new(url));
    Service::start_shared(settings, dir).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_postgres_agree_on_pregenerated_values_and_one_ticket_use_wins() {
    let Some(db) = pg::TestDb::create("release4 on postgres").await else {
        return;
    };
    let one = Arc::new(pg_instance(&db.url).await);
    let two = Arc::new(pg_instance(&db.url).await);
    let key = one.dev_key.clone();
    let draw = |service: Arc<Service>, randomization: Value| {
        let key = key.clone();
        async move {
            ok4(&service, "generateStrings",
                json!({"apiKey": key, "n": 5, "length": 12, "characters": "abcdefghij", "pregeneratedRandomization": randomization}))
                .await["random"]["data"]
                .clone()
        }
    };
    for randomization in [json!({"date": "2026-03-01"}), json!({"id": "shared"})] {
        let a = draw(Arc::clone(&one), randomization.clone()).await;
        assert_eq!(a, draw(Arc::clone(&two), randomization.clone()).await);
        assert_eq!(a, draw(Arc::clone(&one), randomization).await);
    }
    assert_ne!(
        draw(Arc::clone(&one), json!({"id": "a"})).await,
        draw(Arc::clone(&two), json!({"id": "b"})).await
    );
    for _ in 0..5 {
        let created = ok4(
            &one,
            "createTickets",
            json!({"apiKey": key, "n": 1, "showResult": true}),
        )
        .await;
        let ticket = created[0]["ticketId"].as_str().expect("id").to_owned();
        let params = json!({"apiKey": key, "n": 1, "min": 1, "max": 10, "ticketId": ticket});
        let (a, b) = tokio::join!(
            call4(&one, "generateSignedIntegers", params.clone()),
            call4(&two, "generateSignedIntegers", params.clone()),
        );
        let codes: Vec<Value> = [&a, &b].iter().map(|r| r["error"]["code"].clone()).collect();
        let winners = codes.iter().filter(|c| c.is_null()).count();
        assert_eq!(winners, 1, "{a} {b}");
        assert!(codes.contains(&json!(422)), "{a} {b}");
        let winner = if codes[0].is_null() { &a } else { &b };
        let serial = winner["result"]["random"]["serialNumber"].clone();
        let again = ok4(&two, "getResult", json!({"apiKey": key, "serialNumber": serial})).await;
        assert_eq!(again["random"], winner["result"]["random"]);
        assert_eq!(
            ok4(&two, "getTicket", json!({"ticketId": ticket})).await["serialNumber"],
            serial
        );
    }
    drop((one, two));
    drop(db);
}
