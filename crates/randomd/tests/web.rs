//! randomd's web page in real Chromium: every generator signed and unsigned, the verify form and
//! the key's usage, driven by `crates/spec-server/tests/browser/randomd.mjs` (playwright-core with
//! Debian's chromium; scripts/test.sh installs both). Screenshots go to target/randomd-screenshots/.

mod common;

use std::path::Path;
use std::process::Command;

use common::Service;

#[tokio::test]
async fn the_web_page_in_chromium() {
    let browser_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec-server/tests/browser");
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "Debian's chromium is missing: apt-get install -y chromium (scripts/test.sh does it)"
    );
    assert!(
        browser_dir.join("node_modules/playwright-core").exists(),
        "playwright-core is missing: (cd {} && npm install) (scripts/test.sh does it)",
        browser_dir.display()
    );
    let service = Service::start().await;
    let page = format!("http://{}/", service.running.http.local_addr());
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/randomd-screenshots");
    let args = vec![
        browser_dir.join("randomd.mjs").display().to_string(),
        page,
        service.dev_key.clone(),
        shots.display().to_string(),
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
    assert!(text.trim_end().ends_with(" passed, 0 failed"), "{text}");
    assert!(!text.contains("not ok"), "{text}");
}
