//! The wire parser on arbitrary bytes: whole messages and batches, requests and responses.
//!
//! Properties: no panic; every id and params kept is a slice of the input (borrowed, byte-exact)
//! and is itself valid JSON; params are an array or an object; a batch is never empty nor longer
//! than the limit; parsing is deterministic.
#![no_main]

use jrpc::wire::{classify_inbound, parse_incoming, parse_responses, Incoming, ParseOptions, Request};
use libfuzzer_sys::fuzz_target;

fn within(input: &str, part: &str) -> bool {
    let (start, end) = (input.as_ptr() as usize, input.as_ptr() as usize + input.len());
    let p = part.as_ptr() as usize;
    p >= start && p + part.len() <= end
}

fn check_request(input: &str, request: &Request<'_>) {
    if let Some(id) = request.id {
        assert!(within(input, id), "id {id:?} is not a slice of the input");
        serde_json::from_str::<&serde_json::value::RawValue>(id).expect("the id is valid JSON");
        let first = id.as_bytes()[0];
        assert!(
            first == b'"' || first == b'-' || first.is_ascii_digit() || id == "null",
            "id of a kind the specification forbids: {id}"
        );
    }
    if let Some(params) = request.params {
        assert!(within(input, params), "params are not a slice of the input");
        assert!(params.starts_with('[') || params.starts_with('{'), "params {params:?}");
        serde_json::from_str::<&serde_json::value::RawValue>(params).expect("params are valid JSON");
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    for accept_v1 in [false, true] {
        let options = ParseOptions {
            accept_v1,
            max_batch_len: 8,
        };
        let parsed = parse_incoming(input, &options);
        assert_eq!(parsed, parse_incoming(input, &options), "not deterministic");
        match parsed {
            Ok(Incoming::Single(Ok(request))) => check_request(input, &request),
            Ok(Incoming::Single(Err(invalid))) => {
                if let Some(id) = invalid.id {
                    assert!(within(input, id));
                }
            }
            Ok(Incoming::Batch(elements)) => {
                assert!(!elements.is_empty() && elements.len() <= 8, "batch of {}", elements.len());
                for element in elements.iter().flatten() {
                    check_request(input, element);
                }
            }
            Err(_) => {}
        }
    }
    let _ = parse_responses(input);
    let _ = classify_inbound(input);
});
