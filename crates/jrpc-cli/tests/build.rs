//! `jrpc build`: the examples of seeds/002 and every valid request and response of the
//! specification's section 7 come out byte for byte (compact, as stdout is a pipe here).

mod common;

use common::{assert_error, jrpc, minify};

/// (arguments, expected stdout without the newline)
fn case(args: &[&str], expected: &str) {
    let run = jrpc(args, None);
    assert_eq!(run.status, 0, "{args:?}: {run:?}");
    assert_eq!(run.stdout, format!("{expected}\n"), "{args:?}");
    assert!(run.stderr.is_empty(), "{run:?}");
}

#[test]
fn the_builder_seed_examples() {
    // seeds/002: "Request with positional params", "named params", "Notification", "Error response".
    case(
        &["build", "subtract", "42", "23"],
        r#"{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}"#,
    );
    case(
        &["build", "subtract", "minuend:=42", "subtrahend:=23", "--id", "2"],
        r#"{"jsonrpc":"2.0","method":"subtract","params":{"minuend":42,"subtrahend":23},"id":2}"#,
    );
    case(
        &["build", "--notify", "update", "1", "2", "3"],
        r#"{"jsonrpc":"2.0","method":"update","params":[1,2,3]}"#,
    );
    case(
        &["build", "--error", "-32601", "Method not found", "--id", "3"],
        r#"{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":3}"#,
    );
}

/// Section 7, each `-->` line that is a valid message, then each `<--` line, with the arguments
/// that build it. The expected output is the specification's text with its spacing removed.
#[test]
fn section_7_requests_and_responses() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["build", "subtract", "42", "23", "--id", "1"],
            r#"{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}"#,
        ),
        (
            &["build", "--result", "19", "--id", "1"],
            r#"{"jsonrpc": "2.0", "result": 19, "id": 1}"#,
        ),
        (
            &["build", "subtract", "23", "42", "--id", "2"],
            r#"{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}"#,
        ),
        (
            &["build", "--result", "-19", "--id", "2"],
            r#"{"jsonrpc": "2.0", "result": -19, "id": 2}"#,
        ),
        (
            &["build", "subtract", "subtrahend:=23", "minuend:=42", "--id", "3"],
            r#"{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}"#,
        ),
        (
            &["build", "--result", "19", "--id", "3"],
            r#"{"jsonrpc": "2.0", "result": 19, "id": 3}"#,
        ),
        (
            &["build", "subtract", "minuend:=42", "subtrahend:=23", "--id", "4"],
            r#"{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}"#,
        ),
        (
            &["build", "--result", "19", "--id", "4"],
            r#"{"jsonrpc": "2.0", "result": 19, "id": 4}"#,
        ),
        (
            &["build", "--notify", "update", "1", "2", "3", "4", "5"],
            r#"{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}"#,
        ),
        (
            &["build", "-n", "foobar"],
            r#"{"jsonrpc": "2.0", "method": "foobar"}"#,
        ),
        (
            &["build", "foobar", "--id", r#""1""#],
            r#"{"jsonrpc": "2.0", "method": "foobar", "id": "1"}"#,
        ),
        (
            &["build", "--error", "-32601", "Method not found", "--id", r#""1""#],
            r#"{"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "1"}"#,
        ),
        (
            &["build", "--error", "-32700", "Parse error", "--id", "null"],
            r#"{"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}"#,
        ),
        // The standard message is filled in for predefined codes.
        (
            &["build", "--error", "-32600", "--id", "null"],
            r#"{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}"#,
        ),
        (
            &["build", "--result", r#"["hello", 5]"#, "--id", r#""9""#],
            r#"{"jsonrpc": "2.0", "result": ["hello", 5], "id": "9"}"#,
        ),
    ];
    for (args, spec) in cases {
        case(args, &minify(spec));
    }
}

#[test]
fn section_7_batches() {
    let spec_batch = r#"[
      {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
      {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
      {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
      {"foo": "boo"},
      {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
      {"jsonrpc": "2.0", "method": "get_data", "id": "9"}
    ]"#;
    // As groups on the command line...
    case(
        &[
            "build",
            "--batch",
            "--",
            "sum",
            "1",
            "2",
            "4",
            "--id",
            r#""1""#,
            ",",
            "--notify",
            "notify_hello",
            "7",
            ",",
            "subtract",
            "42",
            "23",
            "--id",
            r#""2""#,
            ",",
            r#"{"foo": "boo"}"#,
            ",",
            "foo.get",
            "name=myself",
            "--id",
            r#""5""#,
            ",",
            "get_data",
            "--id",
            r#""9""#,
        ],
        &minify(spec_batch),
    );
    // ...and one per line on stdin, comments and blank lines skipped.
    let lines = r#"# the batch of section 7
sum 1 2 4 --id '"1"'
--notify notify_hello 7
subtract 42 23 --id '"2"'
{"foo": "boo"}

foo.get name=myself --id '"5"'
get_data --id '"9"'
"#;
    let run = jrpc(&["build", "--batch"], Some(lines));
    assert_eq!(run.status, 0, "{run:?}");
    assert_eq!(run.stdout, format!("{}\n", minify(spec_batch)));

    let notifications = r#"[
      {"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]},
      {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}
    ]"#;
    case(
        &[
            "build",
            "-b",
            "--",
            "-n",
            "notify_sum",
            "1",
            "2",
            "4",
            ",",
            "-n",
            "notify_hello",
            "7",
        ],
        &minify(notifications),
    );
    let responses = r#"[
      {"jsonrpc": "2.0", "result": 7, "id": "1"},
      {"jsonrpc": "2.0", "result": 19, "id": "2"},
      {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},
      {"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "5"},
      {"jsonrpc": "2.0", "result": ["hello", 5], "id": "9"}
    ]"#;
    let lines = r#"--result 7 --id '"1"'
--result 19 --id '"2"'
--error -32600 --id null
--error method-not-found --id '"5"'
--result '["hello", 5]' --id '"9"'"#;
    let run = jrpc(&["build", "--batch"], Some(lines));
    assert_eq!(run.stdout, format!("{}\n", minify(responses)), "{run:?}");
}

#[test]
fn automatic_ids_count_up_in_a_batch() {
    case(
        &["build", "--batch", "a", ",", "b", "x", ",", "c"],
        r#"[{"jsonrpc":"2.0","method":"a","id":1},{"jsonrpc":"2.0","method":"b","params":["x"],"id":2},{"jsonrpc":"2.0","method":"c","id":3}]"#,
    );
}

#[test]
fn parameter_kinds() {
    case(
        &[
            "build", "m", "42", "hello", "true", "[1, 2]", r#""a=b""#, "-1.5", "null",
        ],
        r#"{"jsonrpc":"2.0","method":"m","params":[42,"hello",true,[1,2],"a=b",-1.5,null],"id":1}"#,
    );
    case(
        &["build", "m", "--string", "42", "true"],
        r#"{"jsonrpc":"2.0","method":"m","params":["42","true"],"id":1}"#,
    );
    case(
        &[
            "build",
            "m",
            "name=Ada Lovelace",
            "age:=36",
            r#"tags:=["a", "b"]"#,
            "empty=",
        ],
        r#"{"jsonrpc":"2.0","method":"m","params":{"name":"Ada Lovelace","age":36,"tags":["a","b"],"empty":""},"id":1}"#,
    );
    case(
        &["build", "m", "--params", r#"[ ]"#, "--id", "abc"],
        r#"{"jsonrpc":"2.0","method":"m","params":[],"id":"abc"}"#,
    );
    // Numbers and member order exactly as written.
    case(
        &[
            "build",
            "m",
            "123456789012345678901234567890",
            r#"{"z": 1.50, "a": 1e400}"#,
        ],
        r#"{"jsonrpc":"2.0","method":"m","params":[123456789012345678901234567890,{"z":1.50,"a":1e400}],"id":1}"#,
    );
    case(
        &[
            "build",
            "--error",
            "-32000",
            "Busy",
            "--data",
            r#"{"retry": 5}"#,
            "--id",
            "7",
        ],
        r#"{"jsonrpc":"2.0","error":{"code":-32000,"message":"Busy","data":{"retry":5}},"id":7}"#,
    );
    case(
        &["build", "m", "--id", "-7"],
        r#"{"jsonrpc":"2.0","method":"m","id":-7}"#,
    );
}

#[test]
fn pretty_and_coloured_output_when_asked() {
    let run = jrpc(
        &["build", "--pretty", "subtract", "minuend:=42", "subtrahend:=23"],
        None,
    );
    assert_eq!(
        run.stdout,
        "{\n  \"jsonrpc\": \"2.0\",\n  \"method\": \"subtract\",\n  \"params\": {\n    \"minuend\": 42,\n    \"subtrahend\": 23\n  },\n  \"id\": 1\n}\n"
    );
    let run = jrpc(&["build", "--pretty", "--color", "always", "m", "1"], None);
    assert!(run.stdout.contains("\u{1b}["), "{run:?}");
    assert_eq!(run.stdout.lines().count(), 8, "{run:?}");
    let run = jrpc(&["build", "--compact", "--color", "never", "m"], None);
    assert_eq!(run.stdout, "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":1}\n");
}

#[test]
fn bad_input_is_one_line_and_status_2() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["build", "m", "a:={bad"],
            "parameter 1 'a:={bad': the value of 'a' is not valid JSON",
        ),
        (
            &["build", "m", "a:="],
            "parameter 1 'a:=': the value of 'a' is not valid JSON: the value is empty",
        ),
        (
            &["build", "m", "1", "b=2"],
            "cannot mix positional parameter 1 '1' with named parameter 2 'b=2'",
        ),
        (&["build", "m", "[1,"], "parameter 1 '[1,' is not valid JSON"),
        (&["build", "m", "=x"], "the parameter name before '=' is empty"),
        (&["build", "m", "a=1", "a=2"], "the name 'a' is given twice"),
        (
            &["build", "m", "--params", "1"],
            "params must be an array or an object (spec 4.2)",
        ),
        (
            &["build", "m", "--id", "true"],
            "an id must be a string, a number or null (spec 4)",
        ),
        (&["build", "--error", "oops"], "the code must be an integer"),
        (&["build", "--error", "7"], "give a message too"),
        (&["build", "--result", "{x"], "--result '{x' is not valid JSON"),
        (&["build"], "a METHOD is required"),
        (
            &["build", "m", "--result", "1"],
            "makes a response, which has no method",
        ),
        (
            &["build", "--batch", "--id", "1", "a"],
            "with --batch, each element takes its own options",
        ),
        (
            &["build", "--batch", "a", ",", ",", "b"],
            "an empty batch element",
        ),
        (
            &["build", "--batch", "--", "a", "--bogus"],
            "batch element 1 'a --bogus'",
        ),
        (
            &["build", "--batch", "--", "a", "x:=[", ",", "b"],
            "batch element 1 'a x:=[': parameter 1",
        ),
    ];
    for (args, needle) in cases {
        let run = jrpc(args, None);
        assert_error(&run, 2, needle);
    }
    assert_error(&jrpc(&["build", "--batch"], Some("")), 2, "the batch is empty");
    assert_error(
        &jrpc(&["build", "--batch"], Some("a 'b\n")),
        2,
        "line 1 'a 'b': unbalanced quotes",
    );
    // Usage errors found by the argument parser also exit 2 (clap's own message, several lines).
    let run = jrpc(&["build", "--notify", "m", "--id", "1"], None);
    assert_eq!(run.status, 2, "{run:?}");
    assert!(run.stderr.contains("cannot be used with"), "{run:?}");
}
