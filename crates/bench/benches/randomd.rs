//! randomd server-side costs, in process: the largest requests the API allows, signing, the entropy
//! source's throughput, and one billed call end to end through the JSON-RPC server (with SQLite).

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use randomd::api::{Generate, Kind};
use randomd::clock::SystemClock;
use randomd::config::Settings;
use randomd::entropy::{Entropy, SourceKind};
use randomd::generate::RandomStream;

fn entropy(kind: SourceKind) -> Entropy {
    Entropy::new(kind.open().expect("entropy source"))
}

fn generators(c: &mut Criterion) {
    let os = entropy(SourceKind::Os);
    let mut group = c.benchmark_group("randomd/generate");
    let integers = Generate::parse(
        Kind::Integers,
        Some(r#"{"apiKey":"k","n":10000,"min":1,"max":1000000000}"#),
    )
    .expect("valid")
    .request;
    group.bench_function("generateIntegers n=10000", |b| {
        b.iter(|| integers.produce(&mut RandomStream::new(&os)).expect("values"))
    });
    let blobs = Generate::parse(Kind::Blobs, Some(r#"{"apiKey":"k","n":1,"size":1048576}"#))
        .expect("valid")
        .request;
    group.bench_function("generateBlobs 1x1048576 bits base64", |b| {
        b.iter(|| blobs.produce(&mut RandomStream::new(&os)).expect("values"))
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
        durability: randomd::store::Durability::PowerLoss,
        database_connections: 4,
        max_connections_per_address: 0,
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
    for request in [&unsigned, &signed] {
        let reply = runtime
            .block_on(server.handle(request.as_bytes()))
            .expect("a reply");
        assert!(
            String::from_utf8_lossy(&reply).contains(r#""result""#),
            "{}",
            String::from_utf8_lossy(&reply)
        );
    }
    let mut group = c.benchmark_group("randomd/call (one at a time, fsync per call)");
    group.bench_function("generateIntegers n=1", |b| {
        b.iter(|| runtime.block_on(server.handle(unsigned.as_bytes())))
    });
    group.bench_function("generateSignedIntegers n=1", |b| {
        b.iter(|| runtime.block_on(server.handle(signed.as_bytes())))
    });
    group.finish();
}

criterion_group!(benches, generators, end_to_end);
criterion_main!(benches);
