//! spec-server's OpenRPC document: complete, valid against the official meta-schema (checked by
//! ajv in Node), and true: `@open-rpc/test-coverage` runs every example against the real binary.
//! `scripts/test.sh` installs the Node packages (`tests/openrpc/package.json`); if they are
//! missing the tests fail, they never skip.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use jrpc::openrpc::{OpenRpc, ParamStructure};

/// The real spec-server binary on a free port, and its URL as it printed it.
struct Running {
    child: Child,
    url: String,
    /// Kept open: the server prints more lines, and would fail on a closed pipe.
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_spec-server"))
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spec-server starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("first line");
    let url = line
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_owned();
    Running {
        child,
        url,
        _stdout: stdout,
    }
}

fn node(script: &str, url: &str) -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/openrpc");
    let output = Command::new("node")
        .arg(format!("{dir}/{script}"))
        .arg(url)
        .output()
        .unwrap_or_else(|e| panic!("cannot run node ({e}); see scripts/test.sh for what to install"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{script} failed:\n{text}");
    let summary = text
        .lines()
        .rev()
        .find(|line| line.contains(" passed, "))
        .unwrap_or_default();
    assert!(
        summary.ends_with(" passed, 0 failed") && !summary.starts_with("0 "),
        "{text}"
    );
    text
}

#[test]
fn the_document_validates_against_the_openrpc_meta_schema() {
    let server = start();
    let text = node("validate.js", &server.url);
    assert!(text.contains("6 methods checked"), "{text}");
}

#[test]
fn open_rpc_test_coverage_passes_every_example_against_the_real_server() {
    let server = start();
    let text = node("coverage.js", &server.url);
    // Four subtract examples, and one for each of the five other methods.
    assert!(text.contains("9 passed, 0 failed"), "{text}");
}

#[test]
fn every_method_is_described_completely() {
    let methods = spec_server::methods();
    let document: OpenRpc = methods.openrpc(&spec_server::discover().server("http", "http://x/"));
    // The document round-trips through the client-side types.
    let document: OpenRpc =
        serde_json::from_value(serde_json::to_value(&document).expect("serializes")).expect("reads");
    let names: Vec<&str> = document.methods.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "get_data",
            "notify_hello",
            "notify_sum",
            "subtract",
            "sum",
            "update"
        ]
    );
    for method in &document.methods {
        assert!(method.summary.is_some(), "{}", method.name);
        assert!(method.description.is_some(), "{}", method.name);
        assert!(!method.examples.is_empty(), "{}", method.name);
        let result = method.result.as_ref().expect("result");
        assert_ne!(result.schema, serde_json::json!({}), "{}", method.name);
    }
    let subtract = document.method("subtract").expect("subtract");
    assert_eq!(subtract.param_structure, Some(ParamStructure::Either));
    let params: Vec<(&str, bool)> = subtract
        .params
        .iter()
        .map(|p| (p.name.as_str(), p.required))
        .collect();
    assert_eq!(params, [("minuend", true), ("subtrahend", true)]);
    assert_eq!(subtract.params[0].schema, serde_json::json!({"type": "number"}));
    assert_eq!(subtract.errors[0].code, -32602);
    assert_eq!(subtract.examples.len(), 4);
    let sum = document.method("sum").expect("sum");
    assert_eq!(sum.param_structure, Some(ParamStructure::ByPosition));
    assert!(sum.params.iter().all(|p| !p.required));
    assert_eq!(
        document
            .method("get_data")
            .expect("get_data")
            .result
            .as_ref()
            .expect("result")
            .schema,
        serde_json::json!({"type": "array", "items": [{"type": "string"}, {"type": "integer", "format": "int64"}], "minItems": 2, "maxItems": 2})
    );
}
