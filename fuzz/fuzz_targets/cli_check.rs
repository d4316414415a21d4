//! The CLI's `check` engine on arbitrary text.
//!
//! Properties: no panic; the verdict is stable (the same input judged twice gives the same
//! verdicts); every message is placed on a line that exists; and the engine agrees with the
//! server's parser: a message jrpc's parser reads as one valid JSON-RPC 2.0 request is judged a
//! valid request (or notification) by `check`, unless it also carries a response member.
#![no_main]

use jrpc::wire::{parse_incoming, Incoming, ParseOptions};
use jrpc_cli::commands::check::engine::{check_all, Expect, Kind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let lines = input.split('\n').count();
    for expect in [Expect::Any, Expect::Request, Expect::Response] {
        let first = check_all(input, expect);
        let second = check_all(input, expect);
        assert_eq!(first.len(), second.len());
        for (a, b) in first.iter().zip(&second) {
            assert_eq!(a.line, b.line);
            assert_eq!(a.verdict, b.verdict, "the verdict changed between two runs");
            assert!(a.line >= 1 && a.line <= lines, "line {} of {lines}", a.line);
        }
    }
    if let Ok(Incoming::Single(Ok(request))) = parse_incoming(input, &ParseOptions::default()) {
        let checked = check_all(input, Expect::Request);
        assert_eq!(checked.len(), 1, "one request read as {} messages", checked.len());
        let verdict = &checked[0].verdict;
        // A repeated unknown member is a warning for `check` and ignored by the server
        // (docs/RELIABILITY.md, finding 5): both accept it.
        // A request that also carries `result` or `error`: the server uses what a request needs
        // and ignores the rest; `check` refuses it, because peers read such a message differently
        // (a request to one, a response to another). A deliberate difference (docs/RELIABILITY.md,
        // finding 6), not a disagreement about what the message is.
        if verdict
            .findings
            .iter()
            .any(|finding| finding.rule.id == "request.response-member")
        {
            return;
        }
        let kind = if request.is_notification() { Kind::Notification } else { Kind::Request };
        assert_eq!(verdict.kind, kind, "{verdict:?}");
        assert!(verdict.is_valid(), "the server accepts it, check refuses it: {verdict:?}");
    }
});
