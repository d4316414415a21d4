//! randomd against real peer programs: the official RANDOM.ORG Python client, Python's
//! `cryptography` and the `openssl` command, which verify signatures independently.
//! `.ci/run` installs them; a missing one fails the test rather than skipping it.

mod common;

use std::process::Command;

use common::Service;
use serde_json::json;

fn run(command: &mut Command) -> (bool, String) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e} (see .ci/run for installs)"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[tokio::test]
async fn the_official_python_client_rdoclient_1_0() {
    let service = Service::start().await;
    let public_key = service.dir.path().join("public.pem");
    std::fs::write(&public_key, service.running.app.signer.public_key_pem()).expect("write");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/rdoclient_check.py");
    let url = service.url.clone();
    let key = service.dev_key.clone();
    let (ok, output) = tokio::task::spawn_blocking(move || {
        run(Command::new("python3")
            .arg(script)
            .arg(url)
            .arg(key)
            .arg(public_key))
    })
    .await
    .expect("joined");
    assert!(ok, "rdoclient checks failed:\n{output}");
    let summary = output.lines().last().unwrap_or_default();
    assert!(
        summary.ends_with(" passed, 0 failed") && !summary.starts_with("0 "),
        "{output}"
    );
}

#[tokio::test]
async fn openssl_verifies_signed_results_with_the_published_public_key() {
    use base64::Engine as _;
    let service = Service::start().await;
    let dir = service.dir.path();
    let params = json!({"apiKey": service.dev_key, "n": 3, "length": 4, "characters": "aé/\"日"});
    let body = json!({"jsonrpc": "2.0", "method": "generateSignedStrings", "params": params, "id": 1});
    let (_, raw) = service.post("application/json", &body.to_string()).await;
    let raw = String::from_utf8(raw).expect("UTF-8");
    // The signed message is the compact JSON of `random`, exactly as it appears in the reply.
    let start = raw.find(r#""random":"#).expect("random") + r#""random":"#.len();
    let end = raw.find(r#","signature":"#).expect("signature");
    let reply: serde_json::Value = serde_json::from_str(&raw).expect("JSON");
    let signature = reply["result"]["signature"].as_str().expect("signature");

    std::fs::write(dir.join("message"), &raw[start..end]).expect("write");
    let mut tampered = raw.as_bytes()[start..end].to_vec();
    let last = tampered.len() - 2;
    tampered[last] ^= 1;
    std::fs::write(dir.join("tampered"), tampered).expect("write");
    let signature = base64::engine::general_purpose::STANDARD
        .decode(signature)
        .expect("base64");
    std::fs::write(dir.join("signature"), signature).expect("write");
    std::fs::write(
        dir.join("public.pem"),
        service.running.app.signer.public_key_pem(),
    )
    .expect("write");
    let verify = |message: &str| {
        run(Command::new("openssl")
            .args(["dgst", "-sha512", "-verify"])
            .arg(dir.join("public.pem"))
            .arg("-signature")
            .arg(dir.join("signature"))
            .arg(dir.join(message)))
    };
    let (ok, output) = verify("message");
    assert!(ok && output.contains("Verified OK"), "{output}");
    let (ok, output) = verify("tampered");
    assert!(!ok, "openssl accepted a tampered message: {output}");
}
