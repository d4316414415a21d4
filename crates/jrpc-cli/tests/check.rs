//! `jrpc check`: verdicts on the specification's section 7 examples (every request and every
//! response), one case per rule, the exit statuses and the JSON report.

mod common;

use common::{assert_error, jrpc};

const REQUESTS_REPORT: &str = r#"message 1 (line 1): valid request (method "subtract", id 1)
message 2 (line 2): valid request (method "subtract", id 2)
message 3 (line 3): valid request (method "subtract", id 3)
message 4 (line 4): valid request (method "subtract", id 4)
message 5 (line 5): valid notification (method "update")
message 6 (line 6): valid notification (method "foobar")
message 7 (line 7): valid request (method "foobar", id "1")
message 8 (line 8): invalid JSON
  error: not valid JSON: expected `,` or `}` at line 8 column 40 (a server answers -32700 Parse error, spec 5.1)
message 9 (line 9): invalid request (no id)
  error: method must be a string, not a number (spec 4)
  error: params must be an array or an object, not a string (spec 4.2)
message 10 (line 10): invalid JSON
  error: not valid JSON: expected `:` at line 13 column 1 (a server answers -32700 Parse error, spec 5.1)
message 11 (line 14): invalid batch (empty)
  error: an empty array is not a valid batch: a batch needs at least one request, and a server must not answer with [] (spec 6)
message 12 (line 15): invalid batch of 1: 1 invalid element
  element 1: invalid message (a number)
    error: a batch element must be a request or response object, not a number (spec 6)
message 13 (line 16): invalid batch of 3: 3 invalid elements
  element 1: invalid message (a number)
    error: a batch element must be a request or response object, not a number (spec 6)
  element 2: invalid message (a number)
    error: a batch element must be a request or response object, not a number (spec 6)
  element 3: invalid message (a number)
    error: a batch element must be a request or response object, not a number (spec 6)
message 14 (line 17): invalid batch of 6: 4 requests, 1 notification, 1 invalid element
  element 1: valid request (method "sum", id "1")
  element 2: valid notification (method "notify_hello")
  element 3: valid request (method "subtract", id "2")
  element 4: invalid message (an object)
    error: neither a request (no method member, spec 4) nor a response (no result or error member, spec 5)
  element 5: valid request (method "foo.get", id "5")
  element 6: valid request (method "get_data", id "9")
message 15 (line 25): valid batch of 2: 2 notifications
  element 1: valid notification (method "notify_sum")
  element 2: valid notification (method "notify_hello")
15 messages: 8 valid, 7 invalid, 0 warnings
"#;

const RESPONSES_REPORT: &str = r#"message 1 (line 1): valid response (result, id 1)
message 2 (line 2): valid response (result, id 2)
message 3 (line 3): valid response (result, id 3)
message 4 (line 4): valid response (result, id 4)
message 5 (line 5): valid error response (code -32601, id "1")
message 6 (line 6): valid error response (code -32700, id null)
message 7 (line 7): valid error response (code -32600, id null)
message 8 (line 8): valid error response (code -32700, id null)
message 9 (line 9): valid error response (code -32600, id null)
message 10 (line 10): valid batch of 1: 1 response
  element 1: valid error response (code -32600, id null)
message 11 (line 13): valid batch of 3: 3 responses
  element 1: valid error response (code -32600, id null)
  element 2: valid error response (code -32600, id null)
  element 3: valid error response (code -32600, id null)
message 12 (line 18): valid batch of 5: 5 responses
  element 1: valid response (result, id "1")
  element 2: valid response (result, id "2")
  element 3: valid error response (code -32600, id null)
  element 4: valid error response (code -32601, id "5")
  element 5: valid response (result, id "9")
12 messages: 12 valid, 0 invalid, 0 warnings
"#;

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn section_7_requests() {
    let run = jrpc(&["check", &fixture("spec7-requests.txt")], None);
    assert_eq!(run.stdout, REQUESTS_REPORT);
    assert_eq!(run.status, 5, "some of the examples are invalid on purpose");
    assert!(run.stderr.is_empty(), "{run:?}");
}

#[test]
fn section_7_responses() {
    let run = jrpc(&["check", &fixture("spec7-responses.txt")], None);
    assert_eq!(run.stdout, RESPONSES_REPORT);
    assert_eq!(run.status, 0);
    // The same from stdin, and judged strictly as responses.
    let input = std::fs::read_to_string(fixture("spec7-responses.txt")).unwrap();
    let run = jrpc(&["check", "--expect", "response", "--strict", "-"], Some(&input));
    assert_eq!(run.stdout, RESPONSES_REPORT);
    assert_eq!(run.status, 0);
}

/// (message, a rule the report must name, whether the message is still valid)
const RULES: &[(&str, &str, bool)] = &[
    // Requests (section 4).
    (
        r#"{"method":"m","id":1}"#,
        "the jsonrpc member is missing; it must be exactly \"2.0\" (spec 4",
        false,
    ),
    (
        r#"{"jsonrpc":"2.0","id":1}"#,
        "neither a request (no method member, spec 4) nor a response",
        false,
    ),
    (
        r#"{"jsonrpc":"1.0","method":"m","id":1}"#,
        "jsonrpc must be exactly \"2.0\", not \"1.0\" (spec 4)",
        false,
    ),
    (
        r#"{"jsonrpc":2.0,"method":"m","id":1}"#,
        "jsonrpc must be exactly \"2.0\", not 2.0 (spec 4)",
        false,
    ),
    (
        r#"{"jsonrpc":"2.0","method":null,"id":1}"#,
        "method must be a string, not null (spec 4)",
        false,
    ),
    (
        r#"{"jsonrpc":"2.0","method":"m","params":3,"id":1}"#,
        "params must be an array or an object, not a number (spec 4.2)",
        false,
    ),
    (
        r#"{"jsonrpc":"2.0","method":"m","params":null}"#,
        "params must be an array or an object, not null (spec 4.2)",
        false,
    ),
    (
        r#"{"jsonrpc":"2.0","method":"m","id":true}"#,
        "id must be a string, a number or null, not a boolean (spec 4)",
        false,
    ),
    (
        r#"{"jsonrpc":"2.0","method":"m","id":{}}"#,
        "id must be a string, a number or null, not an object (spec 4)",
        false,
    ),
    (
        r#"{"jsonrpc":"2.0","method":"m","id":null}"#,
        "warning: id should not be null",
        true,
    ),
    (
        r#"{"jsonrpc":"2.0","method":"m","id":1.5}"#,
        "warning: id 1.5: numbers should not contain fractional parts (spec 4)",
        true,
    ),
    (
        r#"{"jsonrpc":"2.0","method":"rpc.discover","id":1}"#,
        "warning: method \"rpc.discover\": names beginning with \"rpc.\" are reserved",
        true,
    ),
    (
        r#"{"jsonrpc":"2.0","method":"m","extra":1,"id":1}"#,
        "warning: unknown member \"extra\"",
        true,
    ),
    (
        r#"{"jsonrpc":"2.0","method":"m","result":1,"id":1}"#,
        "a request has no result member",
        false,
    ),
    (
        r#"{"jsonrpc":"2.0","method":"a","method":"b","id":1}"#,
        "member \"method\" appears more than once",
        false,
    ),
    // A repeated member JSON-RPC does not define: servers ignore it, so only a warning.
    (
        r#"{"jsonrpc":"2.0","method":"get_data","x":{},"x":{},"id":1}"#,
        "warning: member \"x\" appears more than once; JSON-RPC does not define it",
        true,
    ),
    (
        r#"{"jsonrpc":"2.0","error":{"code":1,"message":"m","message":"n"},"id":1}"#,
        "member \"message\" appears more than once: peers disagree",
        false,
    ),
    // Responses (section 5).
    (
        r#"{"result":1,"id":1}"#,
        "the jsonrpc member is missing; it must be exactly \"2.0\" (spec 5",
        false,
    ),
    (
        r#"{"jsonrpc":"2.0","result":1}"#,
        "the id member is required in a response",
        false,
    ),
    (
        r#"{"jsonrpc":"2.0","result":1,"id":[1]}"#,
        "id must be a string, a number or null, not an array (spec 5)",
        false,
    ),
    (
        r#"{"jsonrpc":"2.0","result":1,"error":{"code":1,"message":"x"},"id":1}"#,
        "must not have both result and error (spec 5)",
        false,
    ),
    (r#"{"jsonrpc":"2.0","id":1}"#, "neither a request", false),
    (
        r#"{"jsonrpc":"2.0","error":"x","id":1}"#,
        "error must be an object, not a string (spec 5.1)",
        false,
    ),
    (
        r#"{"jsonrpc":"2.0","error":{"message":"x"},"id":1}"#,
        "error.code is required (spec 5.1)",
        false,
    ),
    (
        r#"{"jsonrpc":"2.0","error":{"code":"1","message":"x"},"id":1}"#,
        "error.code must be a number, not a string (spec 5.1)",
        false,
    ),
    (
        r#"{"jsonrpc":"2.0","error":{"code":1.5,"message":"x"},"id":1}"#,
        "error.code must be an integer, not 1.5 (spec 5.1)",
        false,
    ),
    (
        r#"{"jsonrpc":"2.0","error":{"code":1.0,"message":"x"},"id":1}"#,
        "warning: error.code 1.0 is written with a fraction",
        true,
    ),
    (
        r#"{"jsonrpc":"2.0","error":{"code":1},"id":1}"#,
        "error.message is required (spec 5.1)",
        false,
    ),
    (
        r#"{"jsonrpc":"2.0","error":{"code":1,"message":{}},"id":1}"#,
        "error.message must be a string, not an object (spec 5.1)",
        false,
    ),
    (
        r#"{"jsonrpc":"2.0","error":{"code":-32100,"message":"x"},"id":1}"#,
        "warning: error.code -32100 is in the range reserved for pre-defined errors",
        true,
    ),
    (
        r#"{"jsonrpc":"2.0","error":{"code":-32050,"message":"x","data":[1]},"id":1}"#,
        "valid error response (code -32050, id 1)",
        true,
    ),
    (
        r#"{"jsonrpc":"2.0","error":{"code":1,"message":"x","why":1},"id":1}"#,
        "warning: unknown member \"why\" in the error object",
        true,
    ),
    (
        r#"{"jsonrpc":"2.0","result":1,"id":1,"method":"m"}"#,
        "a request has no result member",
        false,
    ),
    // Batches (section 6) and anything else.
    ("[]", "an empty array is not a valid batch", false),
    ("[[]]", "batches cannot be nested", false),
    (
        "[1]",
        "a batch element must be a request or response object, not a number (spec 6)",
        false,
    ),
    (
        r#"[{"jsonrpc":"2.0","method":"m","id":1},{"jsonrpc":"2.0","result":1,"id":1}]"#,
        "a batch holds either requests or responses, not both",
        false,
    ),
    (
        r#"[{"jsonrpc":"2.0","method":"m","id":1},{"jsonrpc":"2.0","method":"n","id":1}]"#,
        "warning: id 1 is used by more than one request",
        true,
    ),
    (
        "42",
        "a message must be an object or an array (batch), not a number",
        false,
    ),
    (r#""hello""#, "not a string", false),
    (
        r#"{"jsonrpc":"2.0","method":"m""#,
        "not valid JSON: EOF while parsing an object at line 1 column 29",
        false,
    ),
];

#[test]
fn every_rule_is_named() {
    for (message, rule, valid) in RULES {
        let run = jrpc(&["check"], Some(message));
        assert!(
            run.stdout.contains(rule),
            "{message}: expected {rule:?} in:\n{}",
            run.stdout
        );
        assert_eq!(run.status, if *valid { 0 } else { 5 }, "{message}: {run:?}");
        let first = run.stdout.lines().next().unwrap_or_default();
        assert!(
            first.contains(if *valid { ": valid" } else { ": invalid" }),
            "{message}: {first}"
        );
        // --strict fails messages with warnings too.
        if *valid && rule.starts_with("warning") {
            assert_eq!(jrpc(&["check", "--strict"], Some(message)).status, 5, "{message}");
        }
    }
}

#[test]
fn all_rules_of_one_message_are_listed() {
    let run = jrpc(
        &["check"],
        Some(r#"{"jsonrpc":"1.0","method":1,"params":"bar","id":true}"#),
    );
    assert_eq!(
        run.stdout,
        r#"message 1 (line 1): invalid request (id true)
  error: jsonrpc must be exactly "2.0", not "1.0" (spec 4)
  error: method must be a string, not a number (spec 4)
  error: params must be an array or an object, not a string (spec 4.2)
  error: id must be a string, a number or null, not a boolean (spec 4)
1 message: 0 valid, 1 invalid, 0 warnings
"#
    );
}

#[test]
fn messages_one_per_line_or_concatenated() {
    let input = "{\"jsonrpc\":\"2.0\",\"method\":\"a\"}{\"jsonrpc\":\"2.0\",\"result\":1,\"id\":1}\n\n  [{\"jsonrpc\":\"2.0\",\"method\":\"b\",\"id\":2}]\n";
    let run = jrpc(&["check"], Some(input));
    assert_eq!(run.status, 0, "{run:?}");
    assert!(
        run.stdout
            .ends_with("3 messages: 3 valid, 0 invalid, 0 warnings\n"),
        "{run:?}"
    );
    assert!(
        run.stdout
            .contains("message 3 (line 3): valid batch of 1: 1 request"),
        "{run:?}"
    );
}

#[test]
fn expect_forces_the_role() {
    // As a response, a request lacks result/error and id handling differs.
    let run = jrpc(
        &["check", "--expect", "response"],
        Some(r#"{"jsonrpc":"2.0","method":"m","id":1}"#),
    );
    assert_eq!(run.status, 5);
    assert!(
        run.stdout
            .contains("a response needs either result or error (spec 5)"),
        "{run:?}"
    );
    let run = jrpc(
        &["check", "--expect", "request"],
        Some(r#"{"jsonrpc":"2.0","result":1,"id":1}"#),
    );
    assert_eq!(run.status, 5);
    assert!(
        run.stdout.contains("the method member is missing (spec 4)"),
        "{run:?}"
    );
}

#[test]
fn json_report() {
    let input = "{\"jsonrpc\":\"2.0\",\"method\":\"rpc.x\",\"id\":1}\n[{\"jsonrpc\":\"2.0\",\"method\":1}]\n";
    let run = jrpc(&["check", "--json"], Some(input));
    assert_eq!(run.status, 5);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON report");
    assert_eq!(report[0]["valid"], true);
    assert_eq!(report[0]["kind"], "request");
    assert_eq!(report[0]["line"], 1);
    assert_eq!(report[0]["warnings"].as_array().map(Vec::len), Some(1));
    assert_eq!(report[1]["valid"], false);
    assert_eq!(report[1]["kind"], "batch");
    assert_eq!(
        report[1]["elements"][0]["errors"][0],
        "method must be a string, not a number (spec 4)"
    );
}

#[test]
fn built_messages_are_valid() {
    for args in [
        &["build", "subtract", "42", "23"][..],
        &["build", "-n", "update", "a=1"],
        &["build", "--result", "null"],
        &["build", "--error", "invalid-params", "--data", "why", "--id", "x"],
        &["build", "--batch", "a", ",", "b", "1"],
    ] {
        let built = jrpc(args, None);
        let run = jrpc(&["check", "--strict", "--quiet"], Some(&built.stdout));
        assert_eq!(run.status, 0, "{args:?} -> {}", built.stdout);
        assert!(run.stdout.is_empty());
    }
}

#[test]
fn unreadable_input() {
    assert_error(
        &jrpc(&["check", "/no/such/file.json"], None),
        2,
        "cannot read /no/such/file.json",
    );
    let dir = std::env::temp_dir().join(format!("jrpc-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let latin1 = dir.join("latin1.json");
    std::fs::write(&latin1, b"{\"jsonrpc\":\"2.0\",\"method\":\"caf\xe9\"}").unwrap();
    assert_error(
        &jrpc(&["check", latin1.to_str().unwrap()], None),
        5,
        "is not UTF-8 (byte 30)",
    );
    std::fs::remove_dir_all(&dir).unwrap();
    let run = jrpc(&["check"], Some("  \n"));
    assert_eq!(run.status, 5, "{run:?}");
    assert!(run.stdout.contains("stdin: no message found"), "{run:?}");
}

#[test]
fn several_sources_are_named() {
    let run = jrpc(
        &["check", "-", &fixture("spec7-responses.txt")],
        Some(r#"{"jsonrpc":"2.0","method":"m"}"#),
    );
    assert_eq!(run.status, 0, "{run:?}");
    assert!(
        run.stdout
            .starts_with("stdin: message 1 (line 1): valid notification (method \"m\")\n"),
        "{run:?}"
    );
    assert!(
        run.stdout
            .contains("spec7-responses.txt: message 12 (line 18): valid batch of 5"),
        "{run:?}"
    );
    assert!(
        run.stdout
            .ends_with("13 messages: 13 valid, 0 invalid, 0 warnings\n"),
        "{run:?}"
    );
}

#[test]
fn rules_are_listed_and_named_in_findings() {
    let run = jrpc(&["check", "--list-rules", "--json"], None);
    assert_eq!(run.status, 0, "{run:?}");
    let rules: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).expect("JSON rules");
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(ids.len(), rules.len());
    for rule in &rules {
        assert!(
            matches!(rule["level"].as_str(), Some("MUST" | "SHOULD")),
            "{rule}"
        );
        assert!(
            rule["section"].is_string() && rule["summary"].is_string(),
            "{rule}"
        );
    }
    let text = jrpc(&["check", "--list-rules"], None);
    assert_eq!(text.stdout.lines().count(), rules.len());
    assert!(text.stdout.contains("request.params.type"), "{text:?}");

    let run = jrpc(
        &["check", "--json"],
        Some(r#"[{"jsonrpc":"2.0","method":"m","params":1,"id":null}]"#),
    );
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON report");
    let findings = &report[0]["elements"][0]["findings"];
    assert_eq!(findings[0]["rule"], "request.params.type", "{report}");
    assert_eq!(findings[0]["level"], "error");
    assert_eq!(findings[0]["pointer"], "/0/params");
    assert_eq!(findings[1]["rule"], "request.id.null");
    assert_eq!(findings[1]["level"], "warning");
    for finding in findings.as_array().unwrap() {
        assert!(ids.contains(&finding["rule"].as_str().unwrap()), "{finding}");
    }
}
