//! randomd's Release 1 OpenRPC document: served by `rpc.discover`, complete (every method with its
//! params' ranges, defaults and allowed values, its error codes and an example), and valid against
//! the official OpenRPC meta-schema with the same validator as spec-server's
//! (`crates/spec-server/tests/openrpc/validate.js`; `scripts/test.sh` installs its Node packages).

mod common;

use std::process::Command;

use common::Service;
use serde_json::{json, Value};

#[tokio::test]
async fn the_document_lists_every_method_with_ranges_errors_and_examples() {
    let service = Service::start().await;
    let document = service.ok("rpc.discover", json!([])).await;
    let methods = document["methods"].as_array().expect("methods");
    assert_eq!(methods.len(), 14, "{document:#}");
    for method in methods {
        let name = method["name"].as_str().expect("name");
        assert_eq!(method["paramStructure"], "by-name", "{name}");
        assert!(method["summary"].is_string(), "{name}");
        assert!(
            !method["examples"].as_array().expect("examples").is_empty(),
            "{name}"
        );
        assert!(!method["errors"].as_array().expect("errors").is_empty(), "{name}");
        if name != "verifySignature" {
            assert_eq!(method["params"][0]["name"], "apiKey", "{name}");
        }
    }
    let method = |name: &str| -> Value {
        methods
            .iter()
            .find(|method| method["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name}"))
    };
    let integers = method("generateSignedIntegers");
    let param = |name: &str| -> Value {
        integers["params"]
            .as_array()
            .expect("params")
            .iter()
            .find(|param| param["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name}"))
    };
    assert_eq!(
        param("n")["schema"],
        json!({"type": "integer", "minimum": 1, "maximum": 10000})
    );
    assert_eq!(param("n")["required"], true);
    assert_eq!(param("min")["schema"]["minimum"], -1_000_000_000);
    assert_eq!(
        param("base")["schema"],
        json!({"type": "integer", "enum": [2, 8, 10, 16], "default": 10})
    );
    assert_eq!(param("replacement")["required"], false);
    let codes: Vec<i64> = integers["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|error| error["code"].as_i64())
        .collect();
    for code in [200, 201, 202, 300, 301, 400, 401, 402, 403] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
    let blobs = method("generateBlobs");
    assert_eq!(blobs["params"][2]["schema"]["multipleOf"], 8);
    assert_eq!(
        blobs["params"][3]["schema"],
        json!({"type": "string", "enum": ["base64", "hex"], "default": "base64"})
    );
    // An example is a call that works: the first generator's, with the development key.
    let example = &method("generateIntegers")["examples"][0];
    let mut params = serde_json::Map::new();
    for param in example["params"].as_array().expect("params") {
        params.insert(
            param["name"].as_str().expect("name").to_owned(),
            param["value"].clone(),
        );
    }
    params.insert("apiKey".to_owned(), json!(service.dev_key));
    let result = service.ok("generateIntegers", Value::Object(params)).await;
    assert_eq!(result["random"]["data"].as_array().map(Vec::len), Some(6));
}

#[tokio::test]
async fn the_document_validates_against_the_openrpc_meta_schema() {
    let service = Service::start().await;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec-server/tests/openrpc/validate.js"
    );
    let url = service.url.clone();
    let output = tokio::task::spawn_blocking(move || Command::new("node").arg(script).arg(url).output())
        .await
        .expect("join")
        .unwrap_or_else(|e| panic!("cannot run node ({e}); see scripts/test.sh for what to install"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "validate.js failed:\n{text}");
    assert!(text.contains("14 methods checked"), "{text}");
    assert!(text.trim_end().ends_with(" passed, 0 failed"), "{text}");
}

/// The official `@open-rpc/test-coverage` examples rule against a real randomd: every method's
/// example is sent with a real API key in place of the example's, and each answer is a result
/// that fits the method's result schema. With a key the service does not know, they fail: the
/// check can fail.
#[tokio::test]
async fn open_rpc_test_coverage_runs_every_example_with_a_real_key() {
    let service = Service::start().await;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec-server/tests/openrpc/coverage_keyed.js"
    );
    let run = |key: String| {
        let url = service.url.clone();
        tokio::task::spawn_blocking(move || Command::new("node").arg(script).arg(url).arg(key).output())
    };
    let output = run(service.dev_key.clone())
        .await
        .expect("join")
        .unwrap_or_else(|e| panic!("cannot run node ({e}); see scripts/test.sh for what to install"));
    let text =
        String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "test-coverage failed:\n{text}");
    assert!(text.contains("examples rule: 14 calls"), "{text}");
    assert!(text.trim_end().ends_with("14 passed, 0 failed"), "{text}");

    let output = run("00000000-0000-0000-0000-000000000000".to_owned())
        .await
        .expect("join")
        .expect("node");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(!output.status.success(), "an unknown key must fail: {text}");
    assert!(
        text.contains("The API key you specified does not exist"),
        "{text}"
    );
}
