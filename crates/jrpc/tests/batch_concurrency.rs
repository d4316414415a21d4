//! A batch's calls run concurrently, and never more than `Limits::batch_concurrency` at once.
//! Every wait is bounded: a batch run one call after another fails its test instead of hanging it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use jrpc::http::{HttpConfig, HttpServer};
use jrpc::{ErrorObject, Limits, Methods, Server};
use tokio::sync::Barrier;

/// The longest a batch may take before it counts as stuck.
const BOUND: Duration = Duration::from_secs(5);

/// A batch of `n` calls of `method`, each with its index as its only parameter and its id.
fn batch(method: &str, n: usize) -> String {
    let calls: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"jsonrpc":"2.0","method":"{method}","params":[{i}],"id":{i}}}"#))
        .collect();
    format!("[{}]", calls.join(","))
}

/// `meet` returns only once `k` calls are inside it at the same time.
fn meeting(k: usize) -> Methods {
    let barrier = Arc::new(Barrier::new(k));
    let mut methods = Methods::new();
    methods.async_method("meet", ["i"], move |i: u64| {
        let barrier = Arc::clone(&barrier);
        async move {
            barrier.wait().await;
            Ok::<_, ErrorObject>(i)
        }
    });
    methods
}

/// Checks that a reply holds a result for each id `0..n`.
fn assert_all_answered(reply: &[u8], n: usize) {
    let replies: Vec<serde_json::Value> = serde_json::from_slice(reply).expect("a JSON array");
    assert_eq!(replies.len(), n);
    let mut ids: Vec<u64> = replies
        .iter()
        .map(|reply| {
            assert_eq!(reply["result"], reply["id"], "{reply}");
            reply["id"].as_u64().expect("an id")
        })
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, (0..n as u64).collect::<Vec<_>>());
}

#[tokio::test]
async fn the_calls_of_a_batch_run_at_the_same_time() {
    // Four calls that can only finish together: run one after another, the first waits forever.
    const K: usize = 4;
    let server = Server::new(meeting(K));
    let reply = tokio::time::timeout(BOUND, server.handle(batch("meet", K).as_bytes()))
        .await
        .expect("the batch's calls did not run at the same time")
        .expect("a reply");
    assert_all_answered(&reply, K);
}

#[tokio::test]
async fn a_batch_over_http_runs_its_calls_at_the_same_time_up_to_the_limit() {
    // With the width exactly K, K calls that need each other still meet.
    const K: usize = 8;
    let server = Server::builder()
        .limits(Limits {
            batch_concurrency: K,
            ..Limits::default()
        })
        .build(meeting(K));
    let http = HttpServer::bind("127.0.0.1:0", server, HttpConfig::default())
        .await
        .expect("bind");
    // A plain HTTP client: the batch goes out as one POST and comes back as one array.
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let request = hyper::Request::post(format!("http://{}/", http.local_addr()))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(batch("meet", K))))
        .expect("request");
    let response = tokio::time::timeout(BOUND, client.request(request))
        .await
        .expect("the batch's calls did not run at the same time")
        .expect("a response");
    assert_eq!(response.status(), 200);
    let reply = response.into_body().collect().await.expect("body").to_bytes();
    assert_all_answered(&reply, K);
}

#[tokio::test]
async fn no_more_than_batch_concurrency_calls_run_at_once() {
    const WIDTH: usize = 3;
    const CALLS: usize = 20;
    let inside = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let mut methods = Methods::new();
    {
        let (inside, most) = (Arc::clone(&inside), Arc::clone(&most));
        methods.async_method("count", ["i"], move |i: u64| {
            let (inside, most) = (Arc::clone(&inside), Arc::clone(&most));
            async move {
                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                // Stay inside long enough for any call that could start to start.
                tokio::time::sleep(Duration::from_millis(10)).await;
                inside.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, ErrorObject>(i)
            }
        });
    }
    let server = Server::builder()
        .limits(Limits {
            batch_concurrency: WIDTH,
            ..Limits::default()
        })
        .build(methods);
    let reply = tokio::time::timeout(BOUND, server.handle(batch("count", CALLS).as_bytes()))
        .await
        .expect("the batch finished")
        .expect("a reply");
    assert_all_answered(&reply, CALLS);
    let most = most.load(Ordering::SeqCst);
    assert!(most <= WIDTH, "{most} calls ran at once; the limit is {WIDTH}");
    // And the limit is a width, not a queue of one: the calls did overlap.
    assert_eq!(most, WIDTH, "the calls of the batch never ran {WIDTH} at a time");
}
