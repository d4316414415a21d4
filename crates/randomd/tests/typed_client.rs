//! Release 1 is defined once (`randomd::api::release1::Release1`, `#[jrpc::rpc]`): the same
//! definition that registers randomd's methods gives Rust programs a typed client. Here that
//! client calls a real randomd over HTTP and over WebSocket: basic and signed generators, the
//! signature verified back, usage, and RANDOM.ORG's error codes coming back as remote errors.

mod common;

use common::Service;
use jrpc::client::Client;
use randomd::api::release1::{GeneratorParams, Release1Client, UsageParams, VerifyParams};
use randomd::domain::{BlobFormat, Characters, Generate};
use randomd::ordered_json::OrderedJson;

fn data(result: &OrderedJson) -> Vec<OrderedJson> {
    match result.get("random").and_then(|random| random.get("data")) {
        Some(OrderedJson::Array(values)) => values.clone(),
        other => panic!("no random.data in the result: {other:?}"),
    }
}

fn integers(api_key: &str, n: i64, min: i64, max: i64) -> GeneratorParams {
    GeneratorParams {
        api_key: api_key.to_owned(),
        request: Generate::integers(n, min, max, true, 10).expect("a valid request"),
    }
}

/// Every call the generated client makes, against `client`.
async fn exercise(client: &Client, key: &str) {
    let result = client
        .generate_integers(integers(key, 6, 1, 6))
        .await
        .expect("generateIntegers");
    let dice = data(&result);
    assert_eq!(dice.len(), 6);
    assert!(dice
        .iter()
        .all(|value| (1..=6).contains(&value.as_i64().expect("an integer"))));
    assert_eq!(result.get("bitsUsed").and_then(OrderedJson::as_i64), Some(16));

    let strings = client
        .generate_strings(GeneratorParams {
            api_key: key.to_owned(),
            request: Generate::strings(3, 5, Characters::new("abc").expect("characters"), true)
                .expect("a valid request"),
        })
        .await
        .expect("generateStrings");
    for value in data(&strings) {
        let text = value.as_str().expect("a string");
        assert!(
            text.len() == 5 && text.chars().all(|c| "abc".contains(c)),
            "{text}"
        );
    }
    let blobs = client
        .generate_blobs(GeneratorParams {
            api_key: key.to_owned(),
            request: Generate::blobs(2, 16, BlobFormat::Hex).expect("a valid request"),
        })
        .await
        .expect("generateBlobs");
    assert!(data(&blobs)
        .iter()
        .all(|blob| blob.as_str().is_some_and(|hex| hex.len() == 4)));

    // Signed: the signature verifies through the same client, and fails once `random` is altered.
    let signed = client
        .generate_signed_uuids(GeneratorParams {
            api_key: key.to_owned(),
            request: Generate::uuids(2).expect("a valid request"),
        })
        .await
        .expect("generateSignedUUIDs");
    let random = signed.get("random").expect("random").clone();
    assert_eq!(
        random.get("method").and_then(OrderedJson::as_str),
        Some("generateSignedUUIDs")
    );
    let signature = signed
        .get("signature")
        .and_then(OrderedJson::as_str)
        .expect("signature")
        .to_owned();
    let verdict = client
        .verify_signature(VerifyParams {
            random: random.clone(),
            signature: signature.clone(),
        })
        .await
        .expect("verifySignature");
    assert_eq!(verdict.get("authenticity"), Some(&OrderedJson::Bool(true)));
    let OrderedJson::Object(mut members) = random else {
        panic!("random is an object")
    };
    for (name, value) in &mut members {
        if name == "n" {
            *value = OrderedJson::from(3_i64);
        }
    }
    let verdict = client
        .verify_signature(VerifyParams {
            random: OrderedJson::Object(members),
            signature,
        })
        .await
        .expect("verifySignature");
    assert_eq!(verdict.get("authenticity"), Some(&OrderedJson::Bool(false)));

    let usage = client
        .get_usage(UsageParams {
            api_key: key.to_owned(),
        })
        .await
        .expect("getUsage");
    assert_eq!(usage.get("status").and_then(OrderedJson::as_str), Some("running"));

    // RANDOM.ORG's own codes come back as remote errors.
    let unknown = client
        .generate_integers(integers("no-such-key", 1, 1, 6))
        .await
        .expect_err("an unknown key");
    assert_eq!(unknown.remote_error().map(|error| error.code()), Some(400));
}

#[tokio::test]
async fn the_generated_client_calls_randomd_over_http() {
    let service = Service::start().await;
    let client = Client::connect(&service.url).await.expect("client");
    exercise(&client, &service.dev_key).await;
}

#[tokio::test]
async fn the_generated_client_calls_randomd_over_websocket() {
    let service = Service::start().await;
    let url = service.url.replacen("http://", "ws://", 1);
    let client = Client::connect(&url).await.expect("client");
    exercise(&client, &service.dev_key).await;
}

#[tokio::test]
async fn the_definition_is_what_rpc_discover_publishes() {
    let service = Service::start().await;
    let document = service.ok("rpc.discover", serde_json::json!([])).await;
    let methods = document["methods"].as_array().expect("methods");
    let mut published: Vec<&str> = methods
        .iter()
        .map(|method| method["name"].as_str().expect("a name"))
        .collect();
    published.sort_unstable();
    let mut defined: Vec<&str> = randomd::api::release1::Release1Server::docs()
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    defined.sort_unstable();
    assert_eq!(published, defined);
    // The trait's doc comments are the summaries; describe adds the reference's ranges.
    let integers = methods
        .iter()
        .find(|method| method["name"] == "generateIntegers")
        .expect("generateIntegers");
    assert_eq!(
        integers["summary"],
        "Generates true random integers in [min, max]."
    );
    let n = integers["params"]
        .as_array()
        .expect("params")
        .iter()
        .find(|param| param["name"] == "n")
        .expect("n");
    assert_eq!(n["schema"]["maximum"], 10_000);
}

/// Release 4 (`randomd::api::release4::Release4`), the API of today's official clients, through
/// its generated client (in a module of its own: both clients name methods alike).
mod release4 {
    use jrpc::client::Client;
    use randomd::api::release1::Names;
    use randomd::api::release4::{Params4, Release4Client, KINDS};
    use randomd::ordered_json::OrderedJson;

    use super::common::Service;
    use super::data;

    /// Sequences, a signed result kept and fetched again, its signature, usage, a refused param.
    #[tokio::test]
    async fn the_generated_release4_client_calls_randomd() {
        let service = Service::start().await;
        let url = service
            .url
            .replace(randomd::RPC_PATH, randomd::api::release4::PATH);
        let client = Client::connect(&url).await.expect("client");
        let key = OrderedJson::from(service.dev_key.as_str());

        let sequences = client
            .generate_integer_sequences(Params4::new([
                ("apiKey", key.clone()),
                ("n", 2_i64.into()),
                ("length", OrderedJson::from(vec![3_i64, 1])),
                ("min", 1_i64.into()),
                ("max", 6_i64.into()),
            ]))
            .await
            .expect("generateIntegerSequences");
        let lengths: Vec<usize> = data(&sequences)
            .iter()
            .map(|sequence| match sequence {
                OrderedJson::Array(values) => values.len(),
                other => panic!("a sequence: {other:?}"),
            })
            .collect();
        assert_eq!(lengths, [3, 1]);

        let signed = client
            .generate_signed_integers(Params4::new([
                ("apiKey", key.clone()),
                ("n", 3_i64.into()),
                ("min", 1_i64.into()),
                ("max", 100_i64.into()),
                ("userData", OrderedJson::from("typed client")),
            ]))
            .await
            .expect("generateSignedIntegers");
        let random = signed.get("random").expect("random").clone();
        let serial = random
            .get("serialNumber")
            .and_then(OrderedJson::as_i64)
            .expect("serialNumber");
        let signature = signed.get("signature").expect("signature").clone();
        let verdict = client
            .verify_signature(Params4::new([
                ("random", random.clone()),
                ("signature", signature),
            ]))
            .await
            .expect("verifySignature");
        assert_eq!(verdict.get("authenticity"), Some(&OrderedJson::Bool(true)));
        let kept = client
            .get_result(Params4::new([
                ("apiKey", key.clone()),
                ("serialNumber", serial.into()),
            ]))
            .await
            .expect("getResult");
        assert_eq!(kept.get("random"), Some(&random));

        let usage = client
            .get_usage(Params4::new([("apiKey", key.clone())]))
            .await
            .expect("getUsage");
        assert_eq!(usage.get("status").and_then(OrderedJson::as_str), Some("running"));

        // An unknown name is the reference's -32602, checked by the server's params type.
        let refused = client
            .get_usage(Params4::new([("apiKey", key), ("colour", "blue".into())]))
            .await
            .expect_err("an unknown param");
        assert_eq!(refused.remote_error().map(|error| error.code()), Some(-32602));

        // The trait names exactly the methods Release 4 has.
        let mut defined: Vec<&str> = randomd::api::release4::Release4Server::docs()
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        defined.sort_unstable();
        let mut expected: Vec<&str> = KINDS
            .iter()
            .flat_map(|kind| [kind.basic_name(), kind.signed_name()])
            .chain([
                "getUsage",
                "getResult",
                "createTickets",
                "revealTickets",
                "listTickets",
                "getTicket",
                "verifySignature",
            ])
            .collect();
        expected.sort_unstable();
        assert_eq!(defined, expected);
    }
}
