//! randomd serving HTTPS itself (`--tls-cert`/`--tls-key`), as an operator runs it: the binary, a
//! certificate made by the test, curl (HTTP/1.1 and HTTP/2) and the official rdoclient 1.0.1 over
//! https://, then the certificate replaced and SIGHUP sent: new connections get the new one.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The running binary, killed when dropped, and what it has written to stderr so far.
struct Randomd {
    child: Child,
    log: Arc<Mutex<String>>,
}

impl Drop for Randomd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Randomd {
    /// Waits until the log holds `needle`.
    fn wait_for_log(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.log.lock().expect("log").contains(needle) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "no {needle:?} in randomd's log:\n{}",
            self.log.lock().expect("log")
        );
    }
}

/// Writes a new self-signed certificate for `localhost` over `cert` and `key`; returns its PEM.
fn new_certificate(cert: &Path, key: &Path) -> String {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    std::fs::write(cert, certified.cert.pem()).expect("write");
    std::fs::write(key, certified.signing_key.serialize_pem()).expect("write");
    certified.cert.pem()
}

/// curl with `ca` as the only trusted root: the status line's HTTP version and code, or the error.
fn curl(ca: &Path, url: &str, body: &str, http2: bool) -> Result<String, String> {
    let output = Command::new("curl")
        .args(["-sS", "--max-time", "10", "--cacert"])
        .arg(ca)
        .arg(if http2 { "--http2" } else { "--http1.1" })
        .args(["-H", "Content-Type: application/json", "-d", body])
        .args(["-w", "\n%{http_version} %{http_code}", url])
        .output()
        .expect("curl (apt-get install curl)");
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[test]
fn https_with_curl_and_rdoclient_and_a_certificate_renewed_by_sighup() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    let first = dir.path().join("first-ca.pem");
    std::fs::write(&first, new_certificate(&cert, &key)).expect("write");
    let signing_key = common::shared_signing_key();

    let mut child = common::randomd_command()
        .arg("--data-dir")
        .arg(dir.path())
        .arg("--signing-key")
        .arg(&signing_key)
        .args(["--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start randomd");
    let log = Arc::new(Mutex::new(String::new()));
    let stderr = child.stderr.take().expect("stderr");
    let sink = Arc::clone(&log);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let mut log = sink.lock().expect("log");
            log.push_str(&line);
            log.push('\n');
        }
    });
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let randomd = Randomd { child, log };
    // "randomd: RANDOM.ORG Release 1 API on https://127.0.0.1:PORT/json-rpc/1/invoke"
    let mut banner = String::new();
    let mut api_key = None;
    while api_key.is_none() {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).expect("read") > 0,
            "randomd stopped: {banner}"
        );
        if let Some(key) = line
            .trim()
            .strip_prefix("development API key (created now, shown only this once): ")
        {
            api_key = Some(key.to_owned());
        }
        banner.push_str(&line);
    }
    let api_key = api_key.expect("a key");
    let port = banner
        .split("https://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("an https URL in the banner");
    let base = format!("https://localhost:{port}");
    let call = format!(
        r#"{{"jsonrpc":"2.0","method":"generateIntegers","params":{{"apiKey":"{api_key}","n":3,"min":1,"max":6}},"id":1}}"#
    );

    // curl over HTTP/1.1 and HTTP/2 (ALPN), trusting only the certificate made above.
    for (path, http2, version) in [
        ("/json-rpc/4/invoke", false, "1.1"),
        ("/json-rpc/1/invoke", true, "2"),
    ] {
        let reply = curl(&first, &format!("{base}{path}"), &call, http2).expect("curl over https");
        assert!(reply.contains(r#""result":{"random":{"data":["#), "{reply}");
        assert!(reply.ends_with(&format!("\n{version} 200")), "{reply}");
    }

    // The official Python client, Release 1, over https:// (requests trusts REQUESTS_CA_BUNDLE).
    let public_key = dir.path().join("public.pem");
    let pem = common::randomd_command()
        .arg("--signing-key")
        .arg(&signing_key)
        .arg("pubkey")
        .output()
        .expect("randomd pubkey");
    std::fs::write(&public_key, &pem.stdout).expect("write");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/rdoclient_check.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(format!("{base}/json-rpc/1/invoke"))
        .arg(&api_key)
        .arg(&public_key)
        .env("REQUESTS_CA_BUNDLE", &first)
        .output()
        .expect("python3 (scripts/test.sh installs rdoclient 1.0.1)");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "rdoclient over https failed:\n{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = text.lines().last().unwrap_or_default();
    assert!(
        summary.ends_with(" passed, 0 failed") && !summary.starts_with("0 "),
        "{text}"
    );

    // A new certificate on disk changes nothing until SIGHUP...
    let second = dir.path().join("second-ca.pem");
    std::fs::write(&second, new_certificate(&cert, &key)).expect("write");
    let url = format!("{base}/json-rpc/4/invoke");
    assert!(
        curl(&second, &url, &call, false).is_err(),
        "the new certificate is not served yet"
    );
    assert!(curl(&first, &url, &call, false).is_ok());
    let pid = randomd.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .expect("kill")
        .success());
    randomd.wait_for_log("SIGHUP: re-read the TLS certificate and key");
    // ...then new connections get it, and the process is still serving.
    let reply = curl(&second, &url, &call, false).expect("the new certificate is served");
    assert!(reply.ends_with("\n1.1 200"), "{reply}");
    assert!(
        curl(&first, &url, &call, false).is_err(),
        "the old certificate is gone"
    );

    // A broken file on SIGHUP is logged, and the certificate in use stays.
    std::fs::write(&key, "not a key").expect("write");
    assert!(Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .expect("kill")
        .success());
    randomd.wait_for_log("SIGHUP: the TLS certificate and key stay as they were");
    assert!(curl(&second, &url, &call, false).is_ok());
    let log = randomd.log.lock().expect("log").clone();
    assert!(!log.contains(&api_key), "the API key never appears in the log");
}
