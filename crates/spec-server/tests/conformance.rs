//! The conformance suite: scripts in `tests/conformance/` that read like the specification's
//! examples, run in process and again over a real HTTP socket.
//!
//! Script syntax: `--> request` (continuation lines follow it), then `<-- reply` compared as JSON
//! (batch replies as a set, so order does not matter), `<== reply` compared byte for byte, or
//! `<-- nothing`. `## title` names the cases that follow; `@directive` lines configure the server.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use jrpc::http::{HttpConfig, HttpServer};
use jrpc::{ErrorObject, Limits, Methods, Params, Server};
use serde_json::Value;

#[derive(Debug)]
enum Expected {
    Nothing,
    Json(String),
    Exact(String),
}

#[derive(Debug)]
struct Case {
    title: String,
    line: usize,
    request: String,
    expected: Expected,
}

#[derive(Debug, Default)]
struct Script {
    accept_v1: bool,
    limits: Limits,
    cases: Vec<Case>,
}

fn parse_script(text: &str) -> Script {
    let mut script = Script::default();
    let mut title = String::new();
    let mut request: Option<(usize, String)> = None;
    let mut expected: Option<(bool, String)> = None;
    let flush = |script: &mut Script,
                 title: &str,
                 request: &mut Option<(usize, String)>,
                 expected: &mut Option<(bool, String)>| {
        if let (Some((line, req)), Some((exact, exp))) = (request.take(), expected.take()) {
            let expected = if exp.trim() == "nothing" {
                Expected::Nothing
            } else if exact {
                Expected::Exact(exp)
            } else {
                Expected::Json(exp)
            };
            script.cases.push(Case {
                title: title.to_owned(),
                line,
                request: req,
                expected,
            });
        }
    };
    for (index, line) in text.lines().enumerate() {
        if let Some(rest) = line.strip_prefix("-->") {
            flush(&mut script, &title, &mut request, &mut expected);
            request = Some((index + 1, rest.trim_start().to_owned()));
        } else if let Some(rest) = line.strip_prefix("<--") {
            expected = Some((false, rest.trim_start().to_owned()));
        } else if let Some(rest) = line.strip_prefix("<==") {
            expected = Some((true, rest.trim_start().to_owned()));
        } else if let Some(rest) = line.strip_prefix("##") {
            flush(&mut script, &title, &mut request, &mut expected);
            title = rest.trim().to_owned();
        } else if line.starts_with('#') || line.trim().is_empty() {
            flush(&mut script, &title, &mut request, &mut expected);
        } else if let Some(directive) = line.strip_prefix('@') {
            let mut words = directive.split_whitespace();
            match (
                words.next(),
                words.next().map(|n| n.parse::<usize>().expect("a number")),
            ) {
                (Some("accept_v1"), None) => script.accept_v1 = true,
                (Some("max_batch_len"), Some(n)) => script.limits.max_batch_len = n,
                (Some("max_params_depth"), Some(n)) => script.limits.max_params_depth = n,
                other => panic!("unknown directive {other:?}"),
            }
        } else if let Some((_, exp)) = expected.as_mut() {
            exp.push('\n');
            exp.push_str(line);
        } else if let Some((_, req)) = request.as_mut() {
            req.push('\n');
            req.push_str(line);
        } else {
            panic!("line {}: stray text {line:?}", index + 1);
        }
    }
    flush(&mut script, &title, &mut request, &mut expected);
    script
}

/// The specification's methods plus a few that exercise the rules: state, panics, options, async.
fn methods() -> Methods {
    let mut methods = spec_server::methods();
    let recorded = Arc::new(Mutex::new(Vec::<Value>::new()));
    let sink = Arc::clone(&recorded);
    methods
        .raw_method("record", move |params: Params<'_>| {
            let values: Vec<Value> = params.parse()?;
            sink.lock().expect("not poisoned").extend(values);
            Ok::<_, ErrorObject>(())
        })
        .method("recorded", &[], move || {
            Ok::<_, ErrorObject>(recorded.lock().expect("not poisoned").clone())
        })
        .method("panics", &[], || -> Result<(), ErrorObject> {
            panic!("deliberate")
        })
        .async_method("panics_async", &[], || async {
            panic!("deliberate") as Result<(), ErrorObject>
        })
        .method(
            "greet",
            &["name", "greeting"],
            |name: String, greeting: Option<String>| {
                Ok::<_, ErrorObject>(format!("{}, {name}!", greeting.as_deref().unwrap_or("Hello")))
            },
        )
        .async_method("slow_double", &["value"], |value: i64| async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            Ok::<_, ErrorObject>(value * 2)
        })
        .method(
            "fail",
            &["code", "message", "data"],
            |code: i64, message: String, data: Option<Value>| {
                let error = ErrorObject::new(code, message);
                Err::<(), _>(match data {
                    Some(data) => error.with_data(data),
                    None => error,
                })
            },
        );
    methods
}

fn server_for(script: &Script) -> Server {
    Server::builder()
        .limits(script.limits.clone())
        .accept_v1(script.accept_v1)
        .build(methods())
}

/// Compares a reply with the expectation; batches as sets of objects.
fn check(case: &Case, file: &str, transport: &str, reply: Option<&[u8]>) {
    let context = format!(
        "{file}:{} ({}) over {transport}\n--> {}",
        case.line, case.title, case.request
    );
    match (&case.expected, reply) {
        (Expected::Nothing, None) => {}
        (Expected::Nothing, Some(reply)) => {
            panic!(
                "{context}\nexpected no reply, got {}",
                String::from_utf8_lossy(reply)
            )
        }
        (_, None) => panic!("{context}\nexpected a reply, got none"),
        (Expected::Exact(expected), Some(reply)) => {
            assert_eq!(String::from_utf8_lossy(reply), expected.as_str(), "{context}")
        }
        (Expected::Json(expected), Some(reply)) => {
            let expected: Value = serde_json::from_str(expected).expect("the script's reply is JSON");
            let actual: Value = serde_json::from_slice(reply).unwrap_or_else(|e| {
                panic!(
                    "{context}\nreply is not JSON ({e}): {}",
                    String::from_utf8_lossy(reply)
                )
            });
            assert_eq!(normalize(actual), normalize(expected), "{context}");
        }
    }
}

fn normalize(value: Value) -> Value {
    match value {
        Value::Array(mut items) => {
            items.sort_by_key(|item| item.to_string());
            Value::Array(items)
        }
        other => other,
    }
}

fn scripts() -> Vec<(String, Script)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("conformance dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let scripts: Vec<_> = files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("readable script");
            let name = path.file_name().expect("a file").to_string_lossy().into_owned();
            (name, parse_script(&text))
        })
        .collect();
    assert!(scripts.len() >= 5, "the conformance scripts are missing");
    scripts
}

#[tokio::test]
async fn conformance_in_process() {
    let mut total = 0;
    for (name, script) in scripts() {
        assert!(!script.cases.is_empty(), "{name} has no cases");
        let server = server_for(&script);
        for case in &script.cases {
            let reply = server.handle(case.request.as_bytes()).await;
            check(case, &name, "in-process", reply.as_deref());
            total += 1;
        }
    }
    assert!(total >= 80, "only {total} cases ran");
}

#[tokio::test]
async fn conformance_over_http() {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    for (name, script) in scripts() {
        let running = HttpServer::bind("127.0.0.1:0", server_for(&script), HttpConfig::default())
            .await
            .expect("bind");
        let url = format!("http://{}/", running.local_addr());
        for case in &script.cases {
            let request = hyper::Request::post(&url)
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(case.request.clone())))
                .expect("request");
            let response = client.request(request).await.expect("HTTP round trip");
            let status = response.status();
            let content_type = response.headers().get("content-type").cloned();
            let body = response.into_body().collect().await.expect("body").to_bytes();
            match case.expected {
                Expected::Nothing => {
                    assert_eq!(status, 204, "{name}:{} notification-only must be 204", case.line);
                    assert!(
                        body.is_empty(),
                        "{name}:{} 204 must have an empty body",
                        case.line
                    );
                    check(case, &name, "HTTP", None);
                }
                _ => {
                    assert_eq!(status, 200, "{name}:{} every JSON-RPC outcome is 200", case.line);
                    assert_eq!(
                        content_type.as_ref().map(|v| v.as_bytes()),
                        Some(&b"application/json"[..])
                    );
                    check(case, &name, "HTTP", Some(&body));
                }
            }
        }
        running.shutdown().await;
    }
}
