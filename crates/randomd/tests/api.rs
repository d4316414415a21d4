//! Every method and every error code of the API, through real HTTP.

mod common;

use common::Service;
use randomd::clock::Clock as _;
use randomd::entropy::{EntropyError, EntropySource, SourceKind};
use randomd::store::{KeyStatus, Store as _};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn keys_of(object: &Value) -> Vec<&str> {
    object
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

#[tokio::test]
async fn basic_methods_return_the_documented_shapes_and_bits() {
    let service = Service::start().await;
    let key = service.dev_key.as_str();

    let result = service
        .ok(
            "generateIntegers",
            json!({"apiKey": key, "n": 6, "min": 1, "max": 6}),
        )
        .await;
    let data = result["random"]["data"].as_array().expect("data");
    assert_eq!(data.len(), 6);
    assert!(data
        .iter()
        .all(|v| (1..=6).contains(&v.as_i64().expect("integer"))));
    assert_eq!(result["bitsUsed"], 16);
    assert_eq!(result["bitsLeft"], 1_000_000 - 16);
    assert_eq!(result["requestsLeft"], 199_999);
    assert_eq!(result["advisoryDelay"], 0);
    assert_eq!(result["random"]["completionTime"], "2026-03-14 12:00:00Z");
    assert_eq!(keys_of(&result["random"]), ["completionTime", "data"]);

    let result = service
        .ok(
            "generateDecimalFractions",
            json!({"apiKey": key, "n": 10, "decimalPlaces": 8}),
        )
        .await;
    assert_eq!(result["bitsUsed"], 266);
    for value in result["random"]["data"].as_array().expect("data") {
        let value = value.as_f64().expect("number");
        assert!((0.0..1.0).contains(&value));
        assert!(
            (value * 1e8 - (value * 1e8).round()).abs() < 1e-6,
            "{value} is not on the 10^-8 grid"
        );
    }

    let result = service
        .ok(
            "generateGaussians",
            json!({"apiKey": key, "n": 4, "mean": 0, "standardDeviation": 1, "significantDigits": 8}),
        )
        .await;
    assert_eq!(result["bitsUsed"], 106);
    assert_eq!(result["random"]["data"].as_array().expect("data").len(), 4);

    let result = service
        .ok(
            "generateStrings",
            json!({"apiKey": key, "n": 8, "length": 10, "characters": "abcdefghijklmnopqrstuvwxyz"}),
        )
        .await;
    assert_eq!(result["bitsUsed"], 376);
    for text in result["random"]["data"].as_array().expect("data") {
        let text = text.as_str().expect("string");
        assert_eq!(text.len(), 10);
        assert!(text.chars().all(|c| c.is_ascii_lowercase()));
    }

    let result = service.ok("generateUUIDs", json!({"apiKey": key, "n": 1})).await;
    assert_eq!(result["bitsUsed"], 122);
    let uuid = result["random"]["data"][0].as_str().expect("string");
    assert_eq!(&uuid[14..15], "4");

    let result = service
        .ok("generateBlobs", json!({"apiKey": key, "n": 1, "size": 1024}))
        .await;
    assert_eq!(result["bitsUsed"], 1024);
    assert_eq!(result["random"]["data"][0].as_str().expect("base64").len(), 172);
    let result = service
        .ok(
            "generateBlobs",
            json!({"apiKey": key, "n": 2, "size": 16, "format": "hex"}),
        )
        .await;
    assert!(result["random"]["data"]
        .as_array()
        .expect("data")
        .iter()
        .all(|b| b.as_str().expect("hex").len() == 4));

    let result = service
        .ok(
            "generateIntegers",
            json!({"apiKey": key, "n": 5, "min": 0, "max": 255, "base": 16}),
        )
        .await;
    for value in result["random"]["data"].as_array().expect("data") {
        let text = value.as_str().expect("a string in base 16");
        assert_eq!(text.len(), 2);
        assert!(u8::from_str_radix(text, 16).is_ok());
    }

    let usage = service.ok("getUsage", json!({"apiKey": key})).await;
    assert_eq!(
        keys_of(&usage),
        [
            "bitsLeft",
            "creationTime",
            "requestsLeft",
            "status",
            "totalBits",
            "totalRequests"
        ]
    );
    assert_eq!(usage["status"], "running");
    assert_eq!(usage["totalRequests"], 8);
    assert_eq!(usage["totalBits"], 16 + 266 + 106 + 376 + 122 + 1024 + 32 + 40);
    assert_eq!(usage["creationTime"], "2026-03-14 12:00:00Z");
}

#[tokio::test]
async fn signed_methods_echo_the_request_in_order_and_verify() {
    let service = Service::start().await;
    let key = service.dev_key.as_str();
    let cases = [
        (
            "generateSignedIntegers",
            json!({"apiKey": key, "n": 3, "min": 1, "max": 10}),
            vec![
                "method",
                "hashedApiKey",
                "n",
                "min",
                "max",
                "replacement",
                "base",
                "data",
                "completionTime",
                "serialNumber",
            ],
        ),
        (
            "generateSignedDecimalFractions",
            json!({"apiKey": key, "n": 2, "decimalPlaces": 4}),
            vec![
                "method",
                "hashedApiKey",
                "n",
                "decimalPlaces",
                "replacement",
                "data",
                "completionTime",
                "serialNumber",
            ],
        ),
        (
            "generateSignedGaussians",
            json!({"apiKey": key, "n": 2, "mean": 10.5, "standardDeviation": -2, "significantDigits": 5}),
            vec![
                "method",
                "hashedApiKey",
                "n",
                "mean",
                "standardDeviation",
                "significantDigits",
                "data",
                "completionTime",
                "serialNumber",
            ],
        ),
        (
            "generateSignedStrings",
            json!({"apiKey": key, "n": 2, "length": 3, "characters": "é/\"x"}),
            vec![
                "method",
                "hashedApiKey",
                "n",
                "length",
                "characters",
                "replacement",
                "data",
                "completionTime",
                "serialNumber",
            ],
        ),
        (
            "generateSignedUUIDs",
            json!({"apiKey": key, "n": 2}),
            vec![
                "method",
                "hashedApiKey",
                "n",
                "data",
                "completionTime",
                "serialNumber",
            ],
        ),
        (
            "generateSignedBlobs",
            json!({"apiKey": key, "n": 1, "size": 64}),
            vec![
                "method",
                "hashedApiKey",
                "n",
                "size",
                "format",
                "data",
                "completionTime",
                "serialNumber",
            ],
        ),
    ];
    for (serial, (method, params, order)) in cases.into_iter().enumerate() {
        let body = json!({"jsonrpc": "2.0", "method": method, "params": params, "id": 1}).to_string();
        let (_, raw) = service.post("application/json", &body).await;
        let raw = String::from_utf8(raw).expect("UTF-8");
        // The order of members must survive on the wire: check it in the raw text.
        let random_text = &raw[raw.find(r#""random":{"#).expect("random") + 9..];
        let mut last = 0;
        for name in &order {
            let at = random_text
                .find(&format!("\"{name}\":"))
                .unwrap_or_else(|| panic!("{method}: no {name}"));
            assert!(at >= last, "{method}: {name} out of order in {random_text}");
            last = at;
        }
        let reply: Value = serde_json::from_str(&raw).expect("JSON");
        let result = &reply["result"];
        assert_eq!(result["random"]["method"], method);
        assert_eq!(
            result["random"]["serialNumber"],
            serial as u64 + 1,
            "serials grow by one"
        );
        assert_eq!(
            result["random"]["hashedApiKey"],
            randomd::keys::published_hash(key)
        );
        assert!(result["signature"].as_str().expect("signature").len() > 600);

        let verified = service
            .ok(
                "verifySignature",
                json!({"random": result["random"], "signature": result["signature"]}),
            )
            .await;
        assert_eq!(verified, json!({"authenticity": true}), "{method}");
        let mut tampered = result["random"].clone();
        tampered["n"] = json!(99);
        let verified = service
            .ok(
                "verifySignature",
                json!({"random": tampered, "signature": result["signature"]}),
            )
            .await;
        assert_eq!(verified, json!({"authenticity": false}), "{method}");
    }
    let verified = service
        .ok(
            "verifySignature",
            json!({"random": {"a": 1}, "signature": "not base64"}),
        )
        .await;
    assert_eq!(verified, json!({"authenticity": false}));
}

#[tokio::test]
async fn every_parameter_error_has_the_services_code_and_data() {
    let service = Service::start().await;
    let key = service.dev_key.as_str();
    let cases: Vec<(&str, Value, i64, Value)> = vec![
        (
            "generateIntegers",
            json!({"apiKey": key, "n": 6, "min": 1}),
            -32602,
            Value::Null,
        ),
        (
            "generateIntegers",
            json!({"apiKey": key, "n": 6, "min": 1, "max": 6, "extra": 1}),
            -32602,
            Value::Null,
        ),
        (
            "generateStrings",
            json!({"apiKey": key, "n": 1, "length": 2, "chars": "ab"}),
            -32602,
            Value::Null,
        ),
        ("generateIntegers", json!([key, 6, 1, 6]), -32602, Value::Null),
        (
            "generateIntegers",
            json!({"n": 6, "min": 1, "max": 6}),
            -32602,
            Value::Null,
        ),
        (
            "generateIntegers",
            json!({"apiKey": key, "n": "6", "min": 1, "max": 6}),
            200,
            json!(["n"]),
        ),
        (
            "generateIntegers",
            json!({"apiKey": key, "n": 6.5, "min": 1, "max": 6}),
            200,
            json!(["n"]),
        ),
        (
            "generateIntegers",
            json!({"apiKey": 7, "n": 6, "min": 1, "max": 6}),
            200,
            json!(["apiKey"]),
        ),
        (
            "generateIntegers",
            json!({"apiKey": key, "n": 6, "min": 1, "max": 6, "replacement": "no"}),
            200,
            json!(["replacement"]),
        ),
        (
            "generateIntegers",
            json!({"apiKey": key, "n": 6, "min": 1, "max": 6, "base": 3}),
            201,
            json!(["base"]),
        ),
        (
            "generateBlobs",
            json!({"apiKey": key, "n": 1, "size": 7}),
            201,
            json!(["size"]),
        ),
        (
            "generateBlobs",
            json!({"apiKey": key, "n": 1, "size": 8, "format": "binary"}),
            201,
            json!(["format"]),
        ),
        (
            "generateIntegers",
            json!({"apiKey": key, "n": 0, "min": 1, "max": 6}),
            202,
            json!(["n", 1, 10000]),
        ),
        (
            "generateIntegers",
            json!({"apiKey": key, "n": 10001, "min": 1, "max": 6}),
            202,
            json!(["n", 1, 10000]),
        ),
        (
            "generateIntegers",
            json!({"apiKey": key, "n": 1, "min": -1000000001, "max": 6}),
            202,
            json!(["min", -1000000000, 1000000000]),
        ),
        (
            "generateIntegers",
            json!({"apiKey": key, "n": 1, "min": 1, "max": 1000000001}),
            202,
            json!(["max", -1000000000, 1000000000]),
        ),
        (
            "generateDecimalFractions",
            json!({"apiKey": key, "n": 1, "decimalPlaces": 21}),
            202,
            json!(["decimalPlaces", 1, 20]),
        ),
        (
            "generateGaussians",
            json!({"apiKey": key, "n": 1, "mean": 1e7, "standardDeviation": 1, "significantDigits": 5}),
            202,
            json!(["mean", -1000000, 1000000]),
        ),
        (
            "generateGaussians",
            json!({"apiKey": key, "n": 1, "mean": 0, "standardDeviation": 1, "significantDigits": 1}),
            202,
            json!(["significantDigits", 2, 20]),
        ),
        (
            "generateStrings",
            json!({"apiKey": key, "n": 1, "length": 21, "characters": "ab"}),
            202,
            json!(["length", 1, 20]),
        ),
        (
            "generateUUIDs",
            json!({"apiKey": key, "n": 1001}),
            202,
            json!(["n", 1, 1000]),
        ),
        (
            "generateBlobs",
            json!({"apiKey": key, "n": 101, "size": 8}),
            202,
            json!(["n", 1, 100]),
        ),
        (
            "generateBlobs",
            json!({"apiKey": key, "n": 1, "size": 1048584}),
            202,
            json!(["size", 1, 1048576]),
        ),
        (
            "generateStrings",
            json!({"apiKey": key, "n": 1, "length": 2, "characters": "x".repeat(81)}),
            203,
            json!(["characters", 81, 80]),
        ),
        (
            "generateStrings",
            json!({"apiKey": key, "n": 1, "length": 2, "characters": ""}),
            204,
            json!(["characters", 0, 1]),
        ),
        (
            "generateIntegers",
            json!({"apiKey": key, "n": 1, "min": 7, "max": 6}),
            300,
            json!(["min", "max"]),
        ),
        (
            "generateIntegers",
            json!({"apiKey": key, "n": 7, "min": 1, "max": 6, "replacement": false}),
            301,
            json!([7, 6]),
        ),
        (
            "generateDecimalFractions",
            json!({"apiKey": key, "n": 11, "decimalPlaces": 1, "replacement": false}),
            301,
            json!([11, 10]),
        ),
        (
            "generateStrings",
            json!({"apiKey": key, "n": 5, "length": 2, "characters": "ab", "replacement": false}),
            301,
            json!([5, 4]),
        ),
        (
            "generateBlobs",
            json!({"apiKey": key, "n": 2, "size": 1048576}),
            304,
            json!([2097152, 1048576]),
        ),
        (
            "generateIntegers",
            json!({"apiKey": "00000000-0000-0000-0000-000000000000", "n": 1, "min": 1, "max": 6}),
            400,
            Value::Null,
        ),
        ("getUsage", json!({"apiKey": "not even a uuid"}), 400, Value::Null),
        (
            "verifySignature",
            json!({"random": [1], "signature": "x"}),
            200,
            json!(["random"]),
        ),
        (
            "verifySignature",
            json!({"random": {}, "signature": 5}),
            200,
            json!(["signature"]),
        ),
    ];
    for (method, params, code, data) in cases {
        let error = service.error(method, params.clone()).await;
        assert_eq!(error["code"], code, "{method} {params}: {error}");
        assert_eq!(
            error.get("data").cloned().unwrap_or(Value::Null),
            data,
            "{method} {params}: {error}"
        );
    }
    let error = service
        .error(
            "generateIntegers",
            json!({"apiKey": key, "n": 0, "min": 1, "max": 6}),
        )
        .await;
    assert_eq!(
        error["message"],
        "Parameter 'n' is out of range; allowable values are [1,10000]"
    );

    // Nothing above was billed.
    let usage = service.ok("getUsage", json!({"apiKey": key})).await;
    assert_eq!(
        (usage["totalBits"].as_i64(), usage["totalRequests"].as_i64()),
        (Some(0), Some(0))
    );
}

#[tokio::test]
async fn protocol_errors_and_http_rules() {
    let service = Service::start().await;
    let (status, body) = service.post("application/json", "{not json").await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).expect("JSON")["error"]["code"],
        -32700
    );
    let (_, body) = service
        .post("application/jsonrequest", r#"{"method":"getUsage","id":1}"#)
        .await;
    assert_eq!(
        serde_json::from_slice::<Value>(&body).expect("JSON")["error"]["code"],
        -32600
    );
    let error = service.error("generateFoo", json!({})).await;
    assert_eq!(error["code"], -32601);
    let (status, _) = service.post("text/plain", "{}").await;
    assert_eq!(status, 415);
}

/// GET `path` on the service's port: the status and the body.
async fn get(service: &Service, path: &str) -> (u16, String) {
    let addr = service.running.http.local_addr();
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: randomd\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let response = String::from_utf8(response).expect("UTF-8");
    let status = response[9..12].parse().expect("a status");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn the_playground_is_served_unless_turned_off() {
    let service = Service::start().await;
    let (status, page) = get(&service, "/playground").await;
    assert_eq!(status, 200);
    assert!(
        page.contains(r#"<meta name="jrpc-endpoint" content="/json-rpc/1/invoke">"#),
        "{page}"
    );
    for file in ["app.js", "check.js", "rules.js", "style.css"] {
        assert_eq!(
            get(&service, &format!("/playground/{file}")).await.0,
            200,
            "{file}"
        );
    }
    let off = Service::start_with(|s| s.playground = false, SourceKind::Os.open().expect("os")).await;
    assert_eq!(get(&off, "/playground").await.0, 404);
    assert_eq!(get(&off, "/").await.0, 200, "the home page stays");
}

#[tokio::test]
async fn paused_and_stopped_keys_get_401_and_getusage_still_answers() {
    let service = Service::start().await;
    let (id, key) = service.create_key(1000, 10).await;
    let params = json!({"apiKey": key, "n": 1, "min": 1, "max": 2});
    service.ok("generateIntegers", params.clone()).await;
    for status in [KeyStatus::Paused, KeyStatus::Stopped] {
        assert!(service
            .running
            .app
            .store
            .set_status(id, status)
            .await
            .expect("set"));
        let error = service.error("generateIntegers", params.clone()).await;
        assert_eq!(error["code"], 401);
        assert_eq!(error["message"], "The API key you specified is not running");
        let usage = service.ok("getUsage", json!({"apiKey": key})).await;
        assert_eq!(usage["status"], status.as_str());
    }
    service
        .running
        .app
        .store
        .set_status(id, KeyStatus::Running)
        .await
        .expect("set");
    service.ok("generateIntegers", params).await;
}

/// `randomd keys` and other instances change keys through their own connection: a key the server
/// has just served (and so remembers) must still be refused, and served again, at once.
#[tokio::test]
async fn changes_made_by_another_process_take_effect_on_the_next_call() {
    let service = Service::start().await;
    let (id, key) = service.create_key(1000, 100).await;
    let params = json!({"apiKey": key, "n": 1, "min": 1, "max": 2});
    service.ok("generateIntegers", params.clone()).await;
    service.ok("generateIntegers", params.clone()).await;

    let other = randomd::store::SqliteStore::open(&service.dir.path().join("randomd.sqlite3"))
        .expect("a second connection");
    assert!(other.set_status(id, KeyStatus::Paused).await.expect("paused"));
    assert_eq!(
        service.error("generateIntegers", params.clone()).await["code"],
        401
    );
    assert_eq!(
        service.error("generateIntegers", params.clone()).await["code"],
        401
    );
    assert!(other.set_status(id, KeyStatus::Running).await.expect("started"));
    let result = service.ok("generateIntegers", params.clone()).await;
    assert_eq!(result["requestsLeft"], 97, "refused calls are not billed");

    // Another instance spends the rest of today's requests through its own connection.
    for _ in 0..97 {
        other
            .charge(randomd::store::Charge {
                key_id: id,
                day: randomd::clock::day_of(service.clock.now()),
                bits: 1,
                signed: false,
            })
            .await
            .expect("store")
            .expect("charged");
    }
    let error = service.error("generateIntegers", params).await;
    assert_eq!(error["code"], 402);
    assert_eq!(error["data"], json!([1, 0]));
}

#[tokio::test]
async fn allowances_run_out_with_402_and_403_and_reset_at_midnight_utc() {
    let service = Service::start().await;
    let (_, key) = service.create_key(100, 3).await;
    let dice = json!({"apiKey": key, "n": 6, "min": 1, "max": 6});
    let result = service.ok("generateIntegers", dice.clone()).await;
    assert_eq!(
        (result["bitsLeft"].as_i64(), result["requestsLeft"].as_i64()),
        (Some(84), Some(2))
    );

    let error = service
        .error(
            "generateIntegers",
            json!({"apiKey": key, "n": 85, "min": 0, "max": 1}),
        )
        .await;
    assert_eq!(error["code"], 403);
    assert_eq!(error["data"], json!([85, 84]));
    assert_eq!(
        error["message"],
        "The operation requires 85 bits, but the API key only has 84 left"
    );

    service.ok("generateIntegers", dice.clone()).await;
    service.ok("generateIntegers", dice.clone()).await;
    let error = service.error("generateIntegers", dice.clone()).await;
    assert_eq!(error["code"], 402);
    assert_eq!(error["data"], json!([1, 0]));

    service
        .clock
        .set(time::macros::datetime!(2026-03-14 23:59:59 UTC));
    assert_eq!(service.error("generateIntegers", dice.clone()).await["code"], 402);
    service
        .clock
        .set(time::macros::datetime!(2026-03-15 00:00:00 UTC));
    let result = service.ok("generateIntegers", dice).await;
    assert_eq!(
        (result["bitsLeft"].as_i64(), result["requestsLeft"].as_i64()),
        (Some(84), Some(2))
    );
    let usage = service.ok("getUsage", json!({"apiKey": key})).await;
    assert_eq!(
        (usage["totalBits"].as_i64(), usage["totalRequests"].as_i64()),
        (Some(64), Some(4))
    );
}

struct Broken;

impl EntropySource for Broken {
    fn name(&self) -> &'static str {
        "broken"
    }
    fn fill(&mut self, buffer: &mut [u8]) -> Result<(), EntropyError> {
        buffer.fill(0);
        Ok(())
    }
}

#[tokio::test]
async fn an_unhealthy_source_gets_101_and_nothing_is_billed() {
    let service = Service::start_with(|_| {}, Box::new(Broken)).await;
    let key = service.dev_key.as_str();
    for _ in 0..2 {
        let error = service
            .error(
                "generateIntegers",
                json!({"apiKey": key, "n": 6, "min": 1, "max": 6}),
            )
            .await;
        assert_eq!(error["code"], 101);
        assert_eq!(error["message"], "Service offline; please try again later");
    }
    let usage = service.ok("getUsage", json!({"apiKey": key})).await;
    assert_eq!(usage["totalRequests"], 0);
}

#[tokio::test]
async fn large_requests_are_served() {
    let source = randomd::entropy::SourceKind::Os.open().expect("os source");
    let service = Service::start_with(|settings| settings.daily_bits = 10_000_000, source).await;
    let key = service.dev_key.as_str();
    let result = service
        .ok(
            "generateIntegers",
            json!({"apiKey": key, "n": 10000, "min": 1, "max": 1000000000}),
        )
        .await;
    assert_eq!(result["random"]["data"].as_array().expect("data").len(), 10000);
    let result = service
        .ok(
            "generateBlobs",
            json!({"apiKey": key, "n": 1, "size": 1048576, "format": "hex"}),
        )
        .await;
    assert_eq!(result["random"]["data"][0].as_str().expect("hex").len(), 262144);
    let result = service
        .ok(
            "generateIntegers",
            json!({"apiKey": key, "n": 10000, "min": 1, "max": 10000, "replacement": false}),
        )
        .await;
    let mut values: Vec<i64> = result["random"]["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|v| v.as_i64().expect("int"))
        .collect();
    values.sort_unstable();
    assert_eq!(values, (1..=10000).collect::<Vec<_>>());
}

/// A long decimal `mean` is read exactly (serde_json's `float_roundtrip`), so the signed echo is
/// the number the client sent, not a neighbour one unit in the last place away
/// (docs/RELIABILITY.md, finding 4).
#[tokio::test]
async fn a_long_decimal_mean_is_echoed_as_the_number_sent() {
    let service = Service::start().await;
    let body = format!(
        r#"{{"jsonrpc":"2.0","method":"generateSignedGaussians","params":{{"apiKey":"{}","n":1,"mean":1.844444444444444444,"standardDeviation":0.30000000000000004441,"significantDigits":5}},"id":1}}"#,
        service.dev_key
    );
    let (status, reply) = service.post("application/json", &body).await;
    assert_eq!(status, 200);
    let reply: Value = serde_json::from_slice(&reply).expect("JSON");
    let random = &reply["result"]["random"];
    let exact = |text: &str| text.parse::<f64>().expect("a number");
    assert_eq!(
        random["mean"].as_f64(),
        Some(exact("1.844444444444444444")),
        "{reply}"
    );
    assert_eq!(
        random["standardDeviation"].as_f64(),
        Some(exact("0.30000000000000004441")),
        "{reply}"
    );
}
