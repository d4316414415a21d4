//! The server end to end in process: `Server::handle` on arbitrary bytes, serving the
//! specification's example methods.
//!
//! Properties: the answer is valid JSON (an object, or a non-empty array for a batch); a message
//! the parser reads as one call gets one response that echoes its id byte for byte; a notification
//! gets nothing; a batch gets one response per call, each echoing its call's id, and nothing when
//! all are notifications.
#![no_main]

use std::sync::OnceLock;

use jrpc::wire::{parse_incoming, Incoming, ParseOptions};
use jrpc::{Limits, Server};
use libfuzzer_sys::fuzz_target;
use serde_json::value::RawValue;

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        Server::builder()
            .limits(Limits {
                max_batch_len: 16,
                ..Limits::default()
            })
            .build(spec_server::methods())
    })
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
    })
}

/// The `id` member at the end of a response as written: `,"id":ID}`.
fn ends_with_id(response: &str, id: &str) -> bool {
    response.ends_with(&format!(r#","id":{id}}}"#))
}

fuzz_target!(|data: &[u8]| {
    let answer = runtime().block_on(server().handle(data));
    let Some(answer) = answer else {
        // Nothing back: the message must be a notification, or a batch of notifications only.
        let text = std::str::from_utf8(data).expect("invalid UTF-8 is answered -32700");
        match parse_incoming(text, &ParseOptions { accept_v1: false, max_batch_len: 16 }) {
            Ok(Incoming::Single(Ok(request))) => assert!(request.is_notification()),
            Ok(Incoming::Batch(elements)) => {
                assert!(elements.iter().all(|e| matches!(e, Ok(r) if r.is_notification())))
            }
            other => panic!("no answer to {other:?}"),
        }
        return;
    };
    let answer = String::from_utf8(answer).expect("answers are UTF-8");
    let raw: &RawValue = serde_json::from_str(&answer).expect("answers are valid JSON");
    let Ok(text) = std::str::from_utf8(data) else {
        assert!(answer.contains("-32700"), "invalid UTF-8 answered {answer}");
        return;
    };
    match parse_incoming(text, &ParseOptions { accept_v1: false, max_batch_len: 16 }) {
        Ok(Incoming::Single(Ok(request))) => {
            let id = request.id.expect("a notification was answered");
            assert!(ends_with_id(&answer, id), "{answer} does not echo id {id}");
        }
        Ok(Incoming::Single(Err(invalid))) => {
            assert!(ends_with_id(&answer, invalid.id.unwrap_or("null")), "{answer}");
            assert!(answer.contains("-32600"), "{answer}");
        }
        Ok(Incoming::Batch(elements)) => {
            let replies: Vec<&RawValue> = serde_json::from_str(raw.get()).expect("a batch is answered with an array");
            let calls: Vec<&str> = elements
                .iter()
                .filter_map(|e| match e {
                    Ok(request) => request.id,
                    Err(invalid) => Some(invalid.id.unwrap_or("null")),
                })
                .collect();
            assert_eq!(replies.len(), calls.len(), "{answer}");
            // Replies may come in any order: match each call's id to one reply.
            let mut left: Vec<&str> = replies.iter().map(|r| r.get()).collect();
            for id in calls {
                let at = left
                    .iter()
                    .position(|reply| ends_with_id(reply, id))
                    .unwrap_or_else(|| panic!("no reply echoes id {id}: {answer}"));
                left.swap_remove(at);
            }
        }
        Err(_) => assert!(ends_with_id(&answer, "null"), "{answer}"),
    }
});
