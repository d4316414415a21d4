//! In-process dispatch, no sockets: jrpc `Server::handle` against jsonrpsee 0.26
//! `RpcModule::raw_json_request`, for one `subtract(42, 23)` call and for a batch of 100 of them.
//!
//! Both sides run synchronous handlers, so every future is ready on its first poll; both are driven
//! by the same executor, `futures::executor::block_on`, once per iteration.
//!
//! jsonrpsee's `raw_json_request` takes one request object, not a batch. For the batch, the jsonrpsee
//! side does what jsonrpsee's own server does with a batch body: split it with
//! `serde_json::from_str::<Vec<&RawValue>>`, answer each element, and join the answers into an array.
//!
//! The `supplementary` group runs jsonrpsee's complete server path in process
//! (`jsonrpsee::server::http::call_with_service_builder`, which also builds an HTTP response), to
//! check that the `raw_json_request` figures do not understate jsonrpsee.
//!
//! Run: `cargo bench -p jrpc-bench --bench dispatch -- --measurement-time 5 --warm-up-time 2`

use std::hint::black_box;
use std::sync::Arc;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use futures::executor::block_on;
use http_body_util::BodyExt;
use jrpc_bench::{batch, check_subtract_reply, jsonrpsee_module, SINGLE_CALL};
use jsonrpsee::server::{stop_channel, ConnectionState, HttpBody, HttpRequest, ServerConfig};
use jsonrpsee::RpcModule;
use serde_json::value::RawValue;

const BATCH_LEN: usize = 100;

/// The jrpc side: the spec server's registry behind a default `Server`.
fn jrpc_call(server: &jrpc::Server, message: &[u8]) -> Vec<u8> {
    block_on(server.handle(message)).expect("a call is answered")
}

/// The jsonrpsee side, one request object.
fn jsonrpsee_call(module: &RpcModule<()>, request: &str) -> Box<RawValue> {
    let (reply, _subscription) =
        block_on(module.raw_json_request(request, 1)).expect("the request is valid JSON");
    reply
}

/// The jsonrpsee side, a batch: split as jsonrpsee's server does, answer each, join.
fn jsonrpsee_batch(module: &RpcModule<()>, batch: &str) -> String {
    block_on(async {
        let calls: Vec<&RawValue> = serde_json::from_str(batch).expect("the batch is a JSON array");
        let mut out = String::with_capacity(calls.len() * 40 + 2);
        out.push('[');
        for (index, call) in calls.into_iter().enumerate() {
            let (reply, _subscription) = module
                .raw_json_request(call.get(), 1)
                .await
                .expect("each element is a valid request");
            if index > 0 {
                out.push(',');
            }
            out.push_str(reply.get());
        }
        out.push(']');
        out
    })
}

/// jsonrpsee's whole in-process server path: HTTP request in, HTTP response body out.
fn jsonrpsee_http_fn(module: &RpcModule<()>, semaphore: &Arc<tokio::sync::Semaphore>, body: &str) -> Bytes {
    block_on(async {
        let (stop, _handle) = stop_channel();
        let permit = Arc::clone(semaphore)
            .try_acquire_owned()
            .expect("a connection permit is free");
        let request: HttpRequest = hyper::Request::post("/")
            .header("content-type", "application/json")
            .body(HttpBody::from(body.to_owned()))
            .expect("a valid HTTP request");
        let response = jsonrpsee::server::http::call_with_service_builder(
            request,
            ServerConfig::default(),
            ConnectionState::new(stop, 0, permit),
            module.clone(),
            jsonrpsee::server::middleware::rpc::RpcServiceBuilder::new(),
        )
        .await;
        response
            .into_body()
            .collect()
            .await
            .expect("the body is in memory")
            .to_bytes()
    })
}

fn as_text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("replies are UTF-8")
}

fn dispatch(c: &mut Criterion) {
    let server = jrpc::Server::new(spec_server::methods());
    let module = jsonrpsee_module();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(1));
    let batch_text = batch(BATCH_LEN);

    // A broken comparison must not pass silently: check every reply before timing anything.
    check_subtract_reply(as_text(&jrpc_call(&server, SINGLE_CALL.as_bytes())), 1);
    check_subtract_reply(jsonrpsee_call(&module, SINGLE_CALL).get(), 1);
    check_subtract_reply(as_text(&jrpc_call(&server, batch_text.as_bytes())), BATCH_LEN);
    check_subtract_reply(&jsonrpsee_batch(&module, &batch_text), BATCH_LEN);
    check_subtract_reply(as_text(&jsonrpsee_http_fn(&module, &semaphore, SINGLE_CALL)), 1);
    check_subtract_reply(
        as_text(&jsonrpsee_http_fn(&module, &semaphore, &batch_text)),
        BATCH_LEN,
    );

    let mut group = c.benchmark_group("single");
    group.throughput(Throughput::Elements(1));
    group.bench_function("jrpc", |b| {
        b.iter(|| jrpc_call(&server, black_box(SINGLE_CALL.as_bytes())))
    });
    group.bench_function("jsonrpsee", |b| {
        b.iter(|| jsonrpsee_call(&module, black_box(SINGLE_CALL)))
    });
    group.finish();

    // The library alone: one plain function of two integers, the same on every version of the
    // API, so that a change of the spec server's handlers does not move this figure.
    let mut plain = jrpc::Methods::new();
    plain.method(
        "subtract",
        ["minuend", "subtrahend"],
        |minuend: i64, subtrahend: i64| minuend - subtrahend,
    );
    let plain = jrpc::Server::new(plain);
    check_subtract_reply(as_text(&jrpc_call(&plain, SINGLE_CALL.as_bytes())), 1);
    let mut group = c.benchmark_group("plain");
    group.throughput(Throughput::Elements(1));
    group.bench_function("jrpc", |b| {
        b.iter(|| jrpc_call(&plain, black_box(SINGLE_CALL.as_bytes())))
    });
    group.finish();

    let mut group = c.benchmark_group("batch100");
    group.throughput(Throughput::Elements(BATCH_LEN as u64));
    group.bench_function("jrpc", |b| {
        b.iter(|| jrpc_call(&server, black_box(batch_text.as_bytes())))
    });
    group.bench_function("jsonrpsee", |b| {
        b.iter(|| jsonrpsee_batch(&module, black_box(&batch_text)))
    });
    group.finish();

    let mut group = c.benchmark_group("supplementary");
    group.bench_function("single/jsonrpsee-http-fn", |b| {
        b.iter(|| jsonrpsee_http_fn(&module, &semaphore, black_box(SINGLE_CALL)))
    });
    group.bench_function("batch100/jsonrpsee-http-fn", |b| {
        b.iter(|| jsonrpsee_http_fn(&module, &semaphore, black_box(&batch_text)))
    });
    group.finish();
}

criterion_group!(benches, dispatch);
criterion_main!(benches);
