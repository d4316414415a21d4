//! Property tests: no input can panic the parser or the dispatcher, and every reply is valid JSON
//! of the right shape.

use jrpc::{ErrorObject, Limits, Methods, Params, Server};
use proptest::prelude::*;
use serde_json::Value;

fn server() -> Server {
    let mut methods = Methods::new();
    methods
        .method("add", ["a", "b"], |a: i64, b: Option<i64>| a + b.unwrap_or(0))
        .method("echo", [], |params: Params| params.parse::<Value>())
        .method("fail", [], || Err::<(), _>(ErrorObject::new(1, "no")));
    Server::builder()
        .limits(Limits {
            max_batch_len: 50,
            ..Limits::default()
        })
        .build(methods)
}

/// JSON values biased towards things that look like requests.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        prop_oneof![
            Just("2.0"),
            Just("add"),
            Just("echo"),
            Just("fail"),
            Just("id"),
            Just("")
        ]
        .prop_map(|s| Value::String(s.to_owned())),
        ".{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("jsonrpc"),
                    Just("method"),
                    Just("params"),
                    Just("id"),
                    Just("x")
                ]
                .prop_map(String::from),
                inner,
                0..5
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn request_like() -> impl Strategy<Value = Value> {
    (
        prop::option::of(prop_oneof![Just(Value::from("2.0")), json_value()]),
        prop::option::of(prop_oneof![
            Just(Value::from("add")),
            Just(Value::from("echo")),
            json_value()
        ]),
        prop::option::of(json_value()),
        prop::option::of(json_value()),
    )
        .prop_map(|(jsonrpc, method, params, id)| {
            let mut object = serde_json::Map::new();
            for (name, value) in [
                ("jsonrpc", jsonrpc),
                ("method", method),
                ("params", params),
                ("id", id),
            ] {
                if let Some(value) = value {
                    object.insert(name.to_owned(), value);
                }
            }
            Value::Object(object)
        })
}

fn check_reply(input: &[u8], reply: Option<Vec<u8>>) {
    let Some(reply) = reply else { return };
    let value: Value = serde_json::from_slice(&reply)
        .unwrap_or_else(|e| panic!("invalid JSON reply ({e}) to {:?}", String::from_utf8_lossy(input)));
    let check_one = |response: &Value| {
        let object = response.as_object().expect("a response is an object");
        assert_eq!(object.get("jsonrpc"), Some(&Value::from("2.0")));
        assert!(object.contains_key("id"));
        assert_ne!(
            object.contains_key("result"),
            object.contains_key("error"),
            "exactly one of result/error"
        );
    };
    match &value {
        Value::Array(items) => {
            assert!(!items.is_empty(), "never an empty array");
            items.iter().for_each(check_one);
        }
        single => check_one(single),
    }
}

fn run(input: &[u8]) -> Option<Vec<u8>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(server().handle(input))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(input in prop::collection::vec(any::<u8>(), 0..256)) {
        let reply = run(&input);
        check_reply(&input, reply);
    }

    #[test]
    fn arbitrary_json(value in json_value()) {
        let input = value.to_string();
        check_reply(input.as_bytes(), run(input.as_bytes()));
    }

    #[test]
    fn request_like_objects_and_batches(requests in prop::collection::vec(request_like(), 1..8), batch in any::<bool>()) {
        let input = if batch { Value::Array(requests).to_string() } else { requests[0].to_string() };
        check_reply(input.as_bytes(), run(input.as_bytes()));
    }

    #[test]
    fn the_response_parser_never_panics(input in ".{0,200}") {
        let _ = jrpc::wire::parse_responses(&input);
    }

    #[test]
    fn truncated_requests(cut in 0usize..60) {
        let full = r#"[{"jsonrpc":"2.0","method":"add","params":[1,2],"id":"x\"y"}]"#;
        let input = &full.as_bytes()[..cut.min(full.len())];
        check_reply(input, run(input));
    }
}
