//! The rules of transports that no script can write: HTTP's conventions
//! (`reference/transports.md`, "HTTP", items 1 to 5) and pipelining on persistent connections.

use jrpc::script::{Expected, Level};

use super::link::{show, Got};
use super::report::Outcome;
use super::Judge;

/// A transport rule.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    pub name: &'static str,
    pub section: &'static str,
    pub level: Level,
    pub title: &'static str,
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Get405,
    MediaType415,
    ErrorIs200,
    ContentType,
    Notification204,
    Oversized413,
    Pipelined,
}

const HTTP: [Check; 6] = [
    Check {
        name: "http-post-only",
        section: "HTTP 1",
        level: Level::Should,
        title: "a GET on the RPC path is 405 Method Not Allowed",
        kind: Kind::Get405,
    },
    Check {
        name: "http-media-type",
        section: "HTTP 2",
        level: Level::Should,
        title: "a body of another content type (text/plain) is 415 Unsupported Media Type",
        kind: Kind::MediaType415,
    },
    Check {
        name: "http-errors-are-200",
        section: "HTTP 3",
        level: Level::Should,
        title: "every JSON-RPC outcome, a parse error too, is 200 with the JSON body",
        kind: Kind::ErrorIs200,
    },
    Check {
        name: "http-content-type",
        section: "HTTP 3",
        level: Level::Should,
        title: "replies are Content-Type: application/json",
        kind: Kind::ContentType,
    },
    Check {
        name: "http-notification-204",
        section: "HTTP 4",
        level: Level::Should,
        title: "a notification gets 204 No Content and an empty body",
        kind: Kind::Notification204,
    },
    Check {
        name: "http-body-limit",
        section: "HTTP 5",
        level: Level::Should,
        title: "a body over the server's limit is 413 Payload Too Large",
        kind: Kind::Oversized413,
    },
];

const PERSISTENT: [Check; 1] = [Check {
    name: "pipelined-calls",
    section: "6",
    level: Level::Must,
    title: "calls written back to back on one connection are each answered, matched by id",
    kind: Kind::Pipelined,
}];

/// The transport rules for HTTP, or for persistent connections.
pub fn rules(http: bool) -> Vec<Check> {
    if http {
        HTTP.to_vec()
    } else {
        PERSISTENT.to_vec()
    }
}

const UNKNOWN_CALL: &str = r#"{"jsonrpc":"2.0","method":"foobar","id":1}"#;

/// Runs one transport rule.
pub async fn run(check: &Check, judge: &mut Judge) -> Outcome {
    match check.kind {
        Kind::Get405 => {
            let got = judge.link.http("GET", None, b"").await;
            judge.note(&got);
            status_is(&got, 405, "GET", "HTTP 405")
        }
        Kind::MediaType415 => {
            let got = judge
                .link
                .http("POST", Some("text/plain"), UNKNOWN_CALL.as_bytes())
                .await;
            judge.note(&got);
            status_is(
                &got,
                415,
                &format!("POST Content-Type: text/plain\n{UNKNOWN_CALL}"),
                "HTTP 415",
            )
        }
        Kind::ErrorIs200 => {
            let sent = r#"{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]"#;
            let got = judge.exchange(sent, false).await;
            status_is(&got, 200, sent, "HTTP 200 with a -32700 error")
        }
        Kind::ContentType => {
            let got = judge.exchange(UNKNOWN_CALL, false).await;
            match &got {
                Got::Reply(reply)
                    if reply.content_type.as_deref().is_some_and(|value| {
                        value
                            .split(';')
                            .next()
                            .is_some_and(|kind| kind.trim().eq_ignore_ascii_case("application/json"))
                    }) =>
                {
                    Outcome::Pass
                }
                Got::Reply(reply) => Outcome::failed(
                    UNKNOWN_CALL.to_owned(),
                    "Content-Type: application/json".to_owned(),
                    match &reply.content_type {
                        Some(value) => format!("Content-Type: {value}"),
                        None => "no Content-Type".to_owned(),
                    },
                ),
                other => Outcome::failed(UNKNOWN_CALL.to_owned(), "a reply".to_owned(), describe(other)),
            }
        }
        Kind::Notification204 => {
            let sent = r#"{"jsonrpc":"2.0","method":"foobar"}"#;
            let got = judge.exchange(sent, true).await;
            match got {
                Got::Nothing { status: Some(204) } => Outcome::Pass,
                other => Outcome::failed(
                    sent.to_owned(),
                    "HTTP 204, empty body".to_owned(),
                    describe(&other),
                ),
            }
        }
        Kind::Oversized413 => {
            let filler = judge.oversized_body.saturating_sub(48);
            let body = format!(
                r#"{{"jsonrpc":"2.0","method":"foobar","params":["{}"]}}"#,
                "x".repeat(filler)
            );
            let got = judge
                .link
                .http("POST", Some("application/json"), body.as_bytes())
                .await;
            judge.note(&got);
            let sent = format!(
                r#"POST of {} bytes: {{"jsonrpc":"2.0","method":"foobar","params":["xxx..."]}}"#,
                body.len()
            );
            status_is(&got, 413, &sent, "HTTP 413")
        }
        Kind::Pipelined => {
            let mut messages = vec![
                r#"{"jsonrpc":"2.0","method":"foobar","id":1}"#.to_owned(),
                r#"{"jsonrpc":"2.0","method":"foobar","id":"two"}"#.to_owned(),
                r#"{"jsonrpc":"2.0","method":"foobar","id":3}"#.to_owned(),
            ];
            let mut expected = vec![
                r#"{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":1}"#.to_owned(),
                r#"{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":"two"}"#
                    .to_owned(),
                r#"{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":3}"#.to_owned(),
            ];
            if let Some(call) = &judge.call {
                messages.insert(1, format!(r#"{{"jsonrpc":"2.0",{call},"id":"four"}}"#));
                expected.insert(
                    1,
                    r#"{"jsonrpc":"2.0","result":{{result}},"id":"four"}"#.to_owned(),
                );
            }
            let replies = judge.link.pipeline(&messages).await;
            let mut bodies = Vec::new();
            for got in &replies {
                judge.note(got);
                match got {
                    Got::Reply(reply) => bodies.push(String::from_utf8_lossy(&reply.body).into_owned()),
                    other => bodies.push(format!("({})", describe(other))),
                }
            }
            let expected = Expected::Json(format!("[{}]", expected.join(",")));
            let actual = format!("[{}]", bodies.join(","));
            match expected.check_portable(Some(actual.as_bytes())) {
                Ok(()) => Outcome::Pass,
                Err(_) => Outcome::failed(
                    messages.join("\n"),
                    match &expected {
                        Expected::Json(text) => text.clone(),
                        _ => String::new(),
                    },
                    bodies.join("\n"),
                ),
            }
        }
    }
}

fn status_is(got: &Got, status: u16, sent: &str, expected: &str) -> Outcome {
    let actual = match got {
        Got::Reply(reply) => reply.status,
        Got::Nothing { status } => *status,
        _ => None,
    };
    if actual == Some(status) {
        Outcome::Pass
    } else {
        Outcome::failed(sent.to_owned(), expected.to_owned(), describe(got))
    }
}

/// What came back, in a line.
fn describe(got: &Got) -> String {
    match got {
        Got::Reply(reply) => match reply.status {
            Some(status) => format!("HTTP {status}: {}", show(&reply.body)),
            None => show(&reply.body),
        },
        Got::Nothing { status: Some(status) } => format!("HTTP {status}, empty body"),
        Got::Nothing { status: None } => "nothing".to_owned(),
        Got::Timeout => "no reply within the timeout".to_owned(),
        Got::Closed(why) | Got::Unreachable(why) | Got::Garbage(why) => why.clone(),
    }
}
