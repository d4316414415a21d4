//! The playground page (`/playground`) in real Chromium against a real spec-server: composing,
//! sending, discovery, sharing, history, bad input, and the differential check that the page's
//! verdicts equal `jrpc check --json` on `tests/corpus/messages.jsonl`.
//!
//! Needs Debian's `chromium` and `npm install` in `crates/spec-server/tests/browser` (scripts/test.sh
//! does both). When either is missing the test fails and says so; it never skips. Screenshots of
//! each state go to `target/playground-screenshots/`.

use std::path::{Path, PathBuf};
use std::process::Command;

use jrpc::http::{HttpConfig, HttpServer};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The target directory this test binary was built into (target/debug/deps/.. -> target).
fn target_dir() -> PathBuf {
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_jrpc"));
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| workspace().join("target"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn playground_in_chromium() {
    let browser_dir = workspace().join("crates/spec-server/tests/browser");
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "Debian's chromium is missing: apt-get install -y chromium (scripts/test.sh does it)"
    );
    assert!(
        browser_dir.join("node_modules/playwright-core").exists(),
        "playwright-core is missing: (cd {} && npm install) (scripts/test.sh does it)",
        browser_dir.display()
    );

    // What the CLI says about every corpus message, read as anything, as requests and as
    // responses (cli.json, cli.request.json, cli.response.json).
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/messages.jsonl");
    let scratch = tempfile::tempdir().expect("temp dir");
    let cli_json = scratch.path().join("cli.json");
    for (expect, file) in [
        ("any", "cli.json"),
        ("request", "cli.request.json"),
        ("response", "cli.response.json"),
    ] {
        let cli = Command::new(env!("CARGO_BIN_EXE_jrpc"))
            .args(["check", "--json", "--expect", expect])
            .arg(&corpus)
            .output()
            .expect("run jrpc check");
        assert!(!cli.stdout.is_empty(), "{}", String::from_utf8_lossy(&cli.stderr));
        std::fs::write(scratch.path().join(file), &cli.stdout).expect("write");
    }
    // And the CLI's rules table, which the page's must equal.
    let rules = Command::new(env!("CARGO_BIN_EXE_jrpc"))
        .args(["check", "--list-rules", "--json"])
        .output()
        .expect("run jrpc check --list-rules");
    assert!(
        rules.status.success(),
        "{}",
        String::from_utf8_lossy(&rules.stderr)
    );
    let rules_json = scratch.path().join("rules.json");
    std::fs::write(&rules_json, &rules.stdout).expect("write");

    // spec-server as its binary runs it: the spec's methods, HTTP and WebSocket, the playground on.
    // ...with rpc.discover, as the binary builds it, so the page's method picker is tested on it.
    let server = jrpc::Server::builder()
        .discover(spec_server::discover())
        .build(spec_server::methods());
    let http = HttpServer::bind("127.0.0.1:0", server, HttpConfig::default().with_playground())
        .await
        .expect("bind");
    let page = format!(
        "http://{}{}",
        http.local_addr(),
        jrpc::transport::playground::PATH
    );
    let shots = target_dir().join("playground-screenshots");

    let args = vec![
        browser_dir.join("playground.mjs").display().to_string(),
        page,
        corpus.display().to_string(),
        cli_json.display().to_string(),
        shots.display().to_string(),
        rules_json.display().to_string(),
    ];
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .args(&args)
            .current_dir(&browser_dir)
            .output()
    })
    .await
    .expect("joined")
    .unwrap_or_else(|e| panic!("cannot run node ({e}): scripts/test.sh installs it"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    println!("{text}");
    assert!(output.status.success(), "browser checks failed:\n{text}");
    let summary = text
        .lines()
        .rev()
        .find(|l| l.contains(" passed, "))
        .unwrap_or_default();
    assert!(
        summary.ends_with(" passed, 0 failed") && !summary.starts_with("0 "),
        "{text}"
    );
    http.shutdown().await;
}
