//! Client side: jrpc's client against jsonrpsee 0.26's clients, both calling the same jrpc spec
//! server on loopback, in the same run.
//!
//! - `client_call/*`: one `subtract(42, 23)` call at a time (the client's whole cost per call plus
//!   one round trip), over WebSocket and over HTTP.
//! - `client_concurrent/ws`: 100 calls in flight at once over one WebSocket connection, matched by
//!   id; the time is for all 100.
//!
//! The server runs on its own single-threaded runtime in another thread; each client runs on a
//! current-thread runtime in the bench thread, so both clients get the same two cores.
//!
//! Run: `cargo bench -p jrpc-bench --bench client -- --measurement-time 5 --warm-up-time 2`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use jsonrpsee::core::client::ClientT;
use jsonrpsee::rpc_params;

const CONCURRENT: usize = 100;

/// Starts the spec server on a runtime of its own; returns its address.
fn start_server() -> std::net::SocketAddr {
    let (address, ready) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let server = jrpc::Server::new(spec_server::methods());
            let http = jrpc::http::HttpServer::bind("127.0.0.1:0", server, jrpc::http::HttpConfig::default())
                .await
                .expect("bind");
            address.send(http.local_addr()).expect("send");
            http.wait().await;
        });
    });
    ready.recv().expect("the server starts")
}

fn client_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn calls(c: &mut Criterion) {
    let address = start_server();
    let runtime = client_runtime();
    let ws_url = format!("ws://{address}/");
    let http_url = format!("http://{address}/");

    let jrpc_ws = runtime
        .block_on(jrpc::client::Client::connect(&ws_url))
        .expect("connect");
    let jrpc_http = runtime
        .block_on(jrpc::client::Client::connect(&http_url))
        .expect("connect");
    let jsonrpsee_ws = runtime
        .block_on(jsonrpsee::ws_client::WsClientBuilder::default().build(&ws_url))
        .expect("connect");
    let jsonrpsee_http = jsonrpsee::http_client::HttpClientBuilder::default()
        .build(&http_url)
        .expect("client");

    let mut group = c.benchmark_group("client_call");
    group.throughput(Throughput::Elements(1));
    group.bench_function("ws/jrpc", |b| {
        b.iter(|| {
            let difference: i64 = runtime
                .block_on(jrpc_ws.call("subtract", &(42, 23)))
                .expect("call");
            black_box(difference)
        })
    });
    group.bench_function("ws/jsonrpsee", |b| {
        b.iter(|| {
            let difference: i64 = runtime
                .block_on(jsonrpsee_ws.request("subtract", rpc_params![42, 23]))
                .expect("call");
            black_box(difference)
        })
    });
    group.bench_function("http/jrpc", |b| {
        b.iter(|| {
            let difference: i64 = runtime
                .block_on(jrpc_http.call("subtract", &(42, 23)))
                .expect("call");
            black_box(difference)
        })
    });
    group.bench_function("http/jsonrpsee", |b| {
        b.iter(|| {
            let difference: i64 = runtime
                .block_on(jsonrpsee_http.request("subtract", rpc_params![42, 23]))
                .expect("call");
            black_box(difference)
        })
    });
    group.finish();

    let mut group = c.benchmark_group("client_concurrent");
    group.throughput(Throughput::Elements(CONCURRENT as u64));
    group.bench_function("ws/jrpc", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let calls = (0..CONCURRENT as i64).map(|i| jrpc_ws.call::<_, i64>("subtract", (i, 1)));
                let results = futures_util::future::join_all(calls).await;
                assert!(results.iter().all(Result::is_ok));
            })
        })
    });
    group.bench_function("ws/jsonrpsee", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let calls = (0..CONCURRENT as i64)
                    .map(|i| jsonrpsee_ws.request::<i64, _>("subtract", rpc_params![i, 1]));
                let results = futures_util::future::join_all(calls).await;
                assert!(results.iter().all(Result::is_ok));
            })
        })
    });
    group.finish();
}

criterion_group!(benches, calls);
criterion_main!(benches);
