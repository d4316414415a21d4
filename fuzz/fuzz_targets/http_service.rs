//! The HTTP service end to end in process: raw bytes (request line, headers, body, pipelined
//! requests) written to jrpc's `HttpService` under hyper's HTTP/1 connection, over an in-memory pipe.
//!
//! Properties: the connection always ends (time is virtual and auto-advances, so a hang would be a
//! timeout here); whatever is written back starts with an HTTP/1.x status line; the server never
//! answers 500 to the first request.
#![no_main]

use std::time::Duration;

use hyper_util::rt::TokioIo;
use jrpc::http::{HttpConfig, HttpService};
use jrpc::Server;
use libfuzzer_sys::fuzz_target;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fuzz_target!(|data: &[u8]| {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a runtime");
    let output = runtime.block_on(async {
        let service = HttpService::new(Server::new(spec_server::methods()), HttpConfig::default());
        let (mut client, server_side) = tokio::io::duplex(1 << 20);
        let serving = tokio::spawn(
            hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(server_side), service)
                .with_upgrades(),
        );
        let exchange = async {
            client.write_all(data).await.expect("the pipe is open");
            client.shutdown().await.expect("the pipe is open");
            let mut output = Vec::new();
            let _ = client.read_to_end(&mut output).await;
            output
        };
        let output = tokio::time::timeout(Duration::from_secs(3600), exchange)
            .await
            .expect("the connection ended");
        serving.abort();
        output
    });
    if output.is_empty() {
        return;
    }
    // HTTP/1.0 requests are answered in HTTP/1.0 (found by this target: not a bug).
    assert!(output.starts_with(b"HTTP/1.1 ") || output.starts_with(b"HTTP/1.0 "), "{:?}", String::from_utf8_lossy(&output[..output.len().min(64)]));
    // Only the first status line: a later "HTTP/1.1 500" could be an echoed id in a body.
    assert_ne!(output.get(9..12), Some(&b"500"[..]), "a 500 answer");
});
