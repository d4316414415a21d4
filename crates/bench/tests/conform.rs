//! `jrpc conform` judging jsonrpsee 0.26's server (`jsonrpsee-server`, this crate's binary, serving
//! the specification's section 7 methods) over HTTP and WebSocket. The verdicts are pinned, so a
//! change in our judgement or in jsonrpsee's behaviour is noticed; docs/CONFORMANCE.md shows them.
//!
//! The jrpc binary is the CLI crate's; a workspace `cargo test` builds it.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The server, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts jsonrpsee-server on a free port; returns it and its address.
fn start() -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jsonrpsee-server"))
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start jsonrpsee-server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("its first line");
    // "jsonrpsee-server: JSON-RPC 2.0 on http://127.0.0.1:PORT/"
    let address = line
        .trim()
        .rsplit("http://")
        .next()
        .map(|rest| rest.trim_end_matches('/').to_owned())
        .expect("address");
    (Server(child), address)
}

fn jrpc_binary() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_BIN_EXE_jsonrpsee-server")).with_file_name("jrpc");
    assert!(
        path.exists(),
        "{} is missing: run `cargo build -p jrpc-cli` (a workspace `cargo test` builds it)",
        path.display()
    );
    path
}

/// The rules that did not pass, as sorted "name:verdict", and the exit status.
fn judge(url: &str) -> (i32, Vec<String>) {
    let output = Command::new(jrpc_binary())
        .args(["conform", url, "--spec-methods", "--timeout", "1s", "--json"])
        .output()
        .expect("run jrpc conform");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    let mut failed: Vec<String> = report["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter(|rule| rule["verdict"] != "pass")
        .map(|rule| {
            format!(
                "{}:{}",
                rule["rule"].as_str().unwrap_or(""),
                rule["verdict"].as_str().unwrap_or("")
            )
        })
        .collect();
    failed.sort();
    (output.status.code().unwrap_or(-1), failed)
}

/// What jsonrpsee 0.26 does on both transports: ids are parsed into its `Id` type, so big numbers
/// and fractional ones are refused (the call goes unanswered) and `{"a":1}` too; `params: null` is
/// taken as no params; values that are not objects (`"subtract"`) are answered as parse errors; invalid request objects with
/// no readable method get -32700 rather than -32600; the spec's mixed batch loses its last reply;
/// it has no rpc.discover, so the other param structure is not checked.
const BOTH: &[&str] = &[
    "call-batch:fail",
    "call-param-structure:skip",
    "call-id-exact:fail",
    "call-id-spelling:warn",
    "error-id-exact:fail",
    "error-id-spelling:warn",
    "id-echo-exact:fail",
    "id-echo-spelling:warn",
    "id-type:fail",
    "invalid-request:fail",
    "invalid-without-id:fail",
    "non-object-request:fail",
    "params-structured:fail",
];

/// Over HTTP jsonrpsee also answers every notification (and a batch of them) with a 200 `null`.
const HTTP_ONLY: &[&str] = &[
    "batch-all-notifications:fail",
    "batch-one-notification:fail",
    "call-as-notification:fail",
    "call-batch-notifications:fail",
    "http-notification-204:warn",
    "notification-errors-silent:fail",
    "notification-no-reply:fail",
];

fn expected(lists: &[&[&str]]) -> Vec<String> {
    let mut all: Vec<String> = lists
        .iter()
        .flat_map(|l| l.iter().map(|s| (*s).to_owned()))
        .collect();
    all.sort();
    all
}

#[test]
fn jsonrpsee_over_http_and_websocket() {
    let (_server, address) = start();
    // Some MUST fails: exit status 5.
    assert_eq!(
        judge(&format!("http://{address}/")),
        (5, expected(&[BOTH, HTTP_ONLY])),
        "HTTP"
    );
    assert_eq!(
        judge(&format!("ws://{address}/")),
        (5, expected(&[BOTH])),
        "WebSocket"
    );
}
