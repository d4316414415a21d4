//! randomd server-side costs, in process: the largest requests the API allows, reading params into a
//! request, signing, the entropy source's throughput, and one billed call end to end through the
//! JSON-RPC server (with SQLite, fsync per commit and not).

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use randomd::api::release1;
use randomd::clock::SystemClock;
use randomd::config::Settings;
use randomd::domain::{BlobFormat, Generate, Kind, RandomStream};
use randomd::entropy::{Entropy, SourceKind};
use randomd::ordered_json::OrderedJson;
use randomd::store::Durability;

fn entropy(kind: SourceKind) -> Entropy {
    Entropy::new(kind.open().expect("entropy source"))
}

fn generators(c: &mut Criterion) {
    let os = entropy(SourceKind::Os);
    let mut group = c.benchmark_group("randomd/generate");
    let integers = Generate::integers(10_000, 1, 1_000_000_000, true, 10).expect("valid");
    // As a call does: the values, then the JSON value the reply is written from.
    group.bench_function("generateIntegers n=10000", |b| {
        b.iter(|| OrderedJson::from(integers.draw(&mut RandomStream::new(&os)).expect("values")))
    });
    let blobs = Generate::blobs(1, 1_048_576, BlobFormat::Base64).expect("valid");
    group.bench_function("generateBlobs 1x1048576 bits base64", |b| {
        b.iter(|| OrderedJson::from(blobs.draw(&mut RandomStream::new(&os)).expect("values")))
    });
    group.finish();

    let mut group = c.benchmark_group("randomd/params");
    let params =
        r#"{"apiKey":"6b1e65b9-4186-45c2-8981-b77a9842c4f0","n":6,"min":1,"max":6,"replacement":true}"#;
    group.bench_function("read generateIntegers params into a request", |b| {
        b.iter(|| release1::parse(Kind::Integers, Some(params)).expect("valid"))
    });
    group.finish();

    let mut group = c.benchmark_group("randomd/entropy");
    let mut buffer = vec![0u8; 1 << 20];
    group.throughput(Throughput::Bytes(buffer.len() as u64));
    group.bench_function("os (getrandom) + health tests, 1 MiB", |b| {
        b.iter(|| os.fill(&mut buffer).expect("bytes"))
    });
    if let Ok(source) = SourceKind::Rdseed.open() {
        let rdseed = Entropy::new(source);
        group.bench_function("cpu (RDSEED) + health tests, 1 MiB", |b| {
            b.iter(|| rdseed.fill(&mut buffer).expect("bytes"))
        });
    }
    group.finish();
}

fn end_to_end(c: &mut Criterion) {
    for (durability, label) in [
        (Durability::PowerLoss, "fsync per call"),
        (Durability::ProcessCrash, "no fsync"),
    ] {
        one_call_at_a_time(c, durability, label);
    }
}

fn one_call_at_a_time(c: &mut Criterion, durability: Durability, label: &str) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = Settings {
        listen: "127.0.0.1:0".parse().expect("address"),
        database: randomd::store::Database::Sqlite(dir.path().join("randomd.sqlite3")),
        signing_key: dir.path().join("signing-key.pem"),
        entropy: SourceKind::Os,
        daily_bits: i64::MAX / 4,
        daily_requests: i64::MAX / 4,
        advisory_delay_ms: 0,
        max_request_bytes: 1 << 20,
        durability,
        database_connections: 4,
        max_connections_per_address: 0,
        admin_listen: None,
        auth_failures: randomd::limiter::AuthLimit::default(),
        playground: false,
        tls: None,
    };
    let running = runtime
        .block_on(randomd::start(&settings, Arc::new(SystemClock)))
        .expect("service");
    let key = running.new_development_key.clone().expect("key");
    let server = jrpc::Server::new(randomd::api::methods(running.app.clone()));
    /// The params by name, in the order RANDOM.ORG's documentation lists them.
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Integers<'a> {
        api_key: &'a str,
        n: u32,
        min: i64,
        max: i64,
    }
    let params = Integers {
        api_key: &key,
        n: 1,
        min: 1,
        max: 6,
    };
    let call = |method: &str| {
        let mut request = Vec::new();
        jrpc::wire::write_request(&mut request, method, &params, Some("1")).expect("params are an object");
        String::from_utf8(request).expect("JSON text is UTF-8")
    };
    let (unsigned, signed) = (call("generateIntegers"), call("generateSignedIntegers"));
    let usage = format!(r#"{{"jsonrpc":"2.0","method":"getUsage","params":{{"apiKey":"{key}"}},"id":1}}"#);
    for request in [&unsigned, &signed, &usage] {
        let reply = runtime
            .block_on(server.handle(request.as_bytes()))
            .expect("a reply");
        assert!(
            String::from_utf8_lossy(&reply).contains(r#""result""#),
            "{}",
            String::from_utf8_lossy(&reply)
        );
    }
    // Release 4 on the same app, called as the official clients call it (every optional param,
    // most as null); a kept signed result and a used ticket to read back.
    let server4 = jrpc::Server::new(randomd::api::Release::Four.methods(running.app.clone()));
    let call4 = |method: &str, params: serde_json::Value| {
        serde_json::json!({"jsonrpc": "2.0", "method": method, "params": params, "id": "1"}).to_string()
    };
    let reply4 = |request: &str| -> serde_json::Value {
        let reply = runtime
            .block_on(server4.handle(request.as_bytes()))
            .expect("a reply");
        let reply: serde_json::Value = serde_json::from_slice(&reply).expect("JSON");
        assert!(reply.get("result").is_some(), "{reply}");
        reply["result"].clone()
    };
    let unsigned4 = call4(
        "generateIntegers",
        serde_json::json!({"apiKey": key, "n": 1, "min": 1, "max": 6, "replacement": true, "base": 10,
                           "pregeneratedRandomization": null}),
    );
    reply4(&unsigned4);
    let tickets = reply4(&call4(
        "createTickets",
        serde_json::json!({"apiKey": key, "n": 1, "showResult": true}),
    ));
    let ticket = tickets[0]["ticketId"].as_str().expect("ticket").to_owned();
    let signed4 = reply4(&call4(
        "generateSignedIntegers",
        serde_json::json!({"apiKey": key, "n": 1, "min": 1, "max": 6, "ticketId": ticket}),
    ));
    let serial = signed4["random"]["serialNumber"].clone();
    let get_result = call4(
        "getResult",
        serde_json::json!({"apiKey": key, "serialNumber": serial}),
    );
    let get_ticket = call4("getTicket", serde_json::json!({"ticketId": ticket}));
    reply4(&get_result);
    reply4(&get_ticket);

    let mut group = c.benchmark_group(format!("randomd/call (one at a time, {label})"));
    group.bench_function("generateIntegers n=1", |b| {
        b.iter(|| runtime.block_on(server.handle(unsigned.as_bytes())))
    });
    group.bench_function("release 4 generateIntegers n=1", |b| {
        b.iter(|| runtime.block_on(server4.handle(unsigned4.as_bytes())))
    });
    group.bench_function("release 4 getResult", |b| {
        b.iter(|| runtime.block_on(server4.handle(get_result.as_bytes())))
    });
    group.bench_function("release 4 getTicket", |b| {
        b.iter(|| runtime.block_on(server4.handle(get_ticket.as_bytes())))
    });
    group.bench_function("generateSignedIntegers n=1", |b| {
        b.iter(|| runtime.block_on(server.handle(signed.as_bytes())))
    });
    group.bench_function("getUsage", |b| {
        b.iter(|| runtime.block_on(server.handle(usage.as_bytes())))
    });
    group.finish();
}

criterion_group!(benches, generators, end_to_end);
criterion_main!(benches);
