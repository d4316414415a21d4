//! Release 1's OpenRPC description: every method's params with the reference's ranges, defaults
//! and allowed values, the RANDOM.ORG error codes each can answer with, and an example call.
//! `rpc.discover` publishes it (`lib.rs` turns discovery on).

use jrpc::openrpc::{ExamplePairing, MethodError, ParamStructure};
use jrpc::server::{Discover, MethodDoc, ParamDoc, SchemaSource};
use jrpc::Methods;
use serde_json::{json, Value};

use super::{Names, Release1Server};
use crate::domain::Kind;

/// The API key of the examples (not a real key).
const EXAMPLE_KEY: &str = "00000000-0000-0000-0000-000000000000";

/// The `rpc.discover` setting of Release 1: the document's `info`.
pub fn discover() -> Discover {
    Discover::new(
        "randomd: RANDOM.ORG JSON-RPC API, Release 1",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "True random integers, decimal fractions, gaussians, strings, UUIDs and blobs, basic and \
         signed, with API keys and daily quotas (requests and bits, reset at midnight UTC).",
    )
}

/// Describes every method of Release 1 registered in `methods`.
pub fn describe(methods: &mut Methods) {
    for kind in Kind::ALL {
        methods.describe(kind.basic_name(), generator(kind, false));
        methods.describe(kind.signed_name(), generator(kind, true));
    }
    methods.describe("getUsage", usage());
    methods.describe("verifySignature", verify());
}

/// A param with a hand-written schema.
fn param(name: &str, required: bool, summary: &str, schema: Value) -> ParamDoc {
    ParamDoc::new(name, SchemaSource::json(schema))
        .summary(summary)
        .required(required)
}

fn api_key() -> ParamDoc {
    param(
        "apiKey",
        true,
        "Your API key: it must exist and be running.",
        json!({"type": "string", "minLength": 1}),
    )
}

fn n(max: i64, what: &str) -> ParamDoc {
    param(
        "n",
        true,
        &format!("How many {what} to generate."),
        json!({"type": "integer", "minimum": 1, "maximum": max}),
    )
}

fn replacement() -> ParamDoc {
    param(
        "replacement",
        false,
        "true: values may repeat; false: all values are distinct (a raffle).",
        json!({"type": "boolean", "default": true}),
    )
}

/// The params of a generator, in the reference's order (apiKey first).
fn generator_params(kind: Kind) -> Vec<ParamDoc> {
    let range = |name: &str, summary: &str, ty: &str, low: f64, high: f64| {
        param(
            name,
            true,
            summary,
            json!({"type": ty, "minimum": number(low), "maximum": number(high)}),
        )
    };
    let mut params = vec![api_key()];
    match kind {
        Kind::Integers => params.extend([
            n(10_000, "integers"),
            range("min", "The lower bound, inclusive.", "integer", -1e9, 1e9),
            range("max", "The upper bound, inclusive.", "integer", -1e9, 1e9),
            replacement(),
            param(
                "base",
                false,
                "The base the integers are written in; other than 10, each is a string.",
                json!({"type": "integer", "enum": [2, 8, 10, 16], "default": 10}),
            ),
        ]),
        Kind::DecimalFractions => params.extend([
            n(10_000, "decimal fractions"),
            range(
                "decimalPlaces",
                "Decimal places of each fraction in [0, 1).",
                "integer",
                1.0,
                20.0,
            ),
            replacement(),
        ]),
        Kind::Gaussians => params.extend([
            n(10_000, "gaussians"),
            range("mean", "The distribution's mean.", "number", -1e6, 1e6),
            range(
                "standardDeviation",
                "The distribution's standard deviation.",
                "number",
                -1e6,
                1e6,
            ),
            range(
                "significantDigits",
                "Significant digits each value is rounded to.",
                "integer",
                2.0,
                20.0,
            ),
        ]),
        Kind::Strings => params.extend([
            n(10_000, "strings"),
            range("length", "The length of each string.", "integer", 1.0, 20.0),
            param(
                "characters",
                true,
                "The characters the strings are drawn from (Unicode allowed).",
                json!({"type": "string", "minLength": 1, "maxLength": 80}),
            ),
            replacement(),
        ]),
        Kind::Uuids => params.push(n(1_000, "version 4 UUIDs (122 random bits each)")),
        Kind::Blobs => params.extend([
            n(100, "blobs"),
            param(
                "size",
                true,
                "Bits per blob, divisible by 8; n * size is at most 1048576 bits.",
                json!({"type": "integer", "minimum": 1, "maximum": 1_048_576, "multipleOf": 8}),
            ),
            param(
                "format",
                false,
                "How each blob is written.",
                json!({"type": "string", "enum": ["base64", "hex"], "default": "base64"}),
            ),
        ]),
        // Release 4 only: never in Release 1's document (Kind::ALL leaves it out).
        Kind::IntegerSequences => {}
    }
    params
}

/// An integral bound as a JSON integer, other bounds as numbers.
fn number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        json!(value as i64)
    } else {
        json!(value)
    }
}

/// The service errors a generator can answer with, for `kind`.
fn generator_errors(kind: Kind) -> Vec<MethodError> {
    let mut errors = vec![
        MethodError::new(-32602, "Invalid params"),
        MethodError::new(101, "Service offline; please try again later"),
        MethodError::new(200, "Parameter '{0}' is malformed"),
        MethodError::new(201, "Parameter '{0}' has illegal value"),
        MethodError::new(
            202,
            "Parameter '{0}' is out of range; allowable values are [{1},{2}]",
        ),
    ];
    match kind {
        Kind::Strings => errors.extend([
            MethodError::new(
                203,
                "Parameter '{0}' has length {1}, which is too long; maximum length is {2}",
            ),
            MethodError::new(
                204,
                "Parameter '{0}' has length {1}, which is too short; minimum length is {2}",
            ),
            MethodError::new(
                301,
                "You requested {0} values without replacement but the domain you specified only contains {1}",
            ),
        ]),
        Kind::Integers => errors.extend([
            MethodError::new(300, "Parameter '{0}' must be less than parameter '{1}'"),
            MethodError::new(
                301,
                "You requested {0} values without replacement but the domain you specified only contains {1}",
            ),
        ]),
        Kind::DecimalFractions => errors.push(MethodError::new(
            301,
            "You requested {0} values without replacement but the domain you specified only contains {1}",
        )),
        Kind::Blobs => errors.push(MethodError::new(
            304,
            "The resulting data's size would be {0}, which exceeds the maximum of {1}",
        )),
        // Integer sequences are Release 4 only: never in Release 1's document.
        Kind::Gaussians | Kind::Uuids | Kind::IntegerSequences => {}
    }
    errors.extend(key_errors());
    errors.extend([
        MethodError::new(
            402,
            "The operation requires {0} requests, but the API key only has {1} left",
        ),
        MethodError::new(
            403,
            "The operation requires {0} bits, but the API key only has {1} left",
        ),
    ]);
    errors
}

fn key_errors() -> [MethodError; 2] {
    [
        MethodError::new(400, "The API key you specified does not exist"),
        MethodError::new(401, "The API key you specified is not running"),
    ]
}

/// An example request and a result of its shape (the values are random).
fn generator_example(kind: Kind, signed: bool) -> ExamplePairing {
    let (name, params, data, bits): (&str, Vec<(&str, Value)>, Value, i64) = match kind {
        // Release 4 only: never in Release 1's document (Kind::ALL leaves it out).
        Kind::Integers | Kind::IntegerSequences => (
            "six dice",
            vec![("n", json!(6)), ("min", json!(1)), ("max", json!(6))],
            json!([1, 5, 4, 6, 6, 4]),
            16,
        ),
        Kind::DecimalFractions => (
            "ten fractions with 8 places",
            vec![("n", json!(10)), ("decimalPlaces", json!(8))],
            json!([
                0.0753205, 0.59823145, 0.6201321, 0.91236787, 0.01327212, 0.3450823, 0.74810341, 0.47225672,
                0.22815034, 0.10368519
            ]),
            266,
        ),
        Kind::Gaussians => (
            "four gaussians with 8 digits",
            vec![
                ("n", json!(4)),
                ("mean", json!(0)),
                ("standardDeviation", json!(1)),
                ("significantDigits", json!(8)),
            ],
            json!([0.4150836, -0.39158985, 0.56307432, -1.2240234]),
            106,
        ),
        Kind::Strings => (
            "eight strings of ten letters",
            vec![
                ("n", json!(8)),
                ("length", json!(10)),
                ("characters", json!("abcdefghijklmnopqrstuvwxyz")),
            ],
            json!([
                "grvhglvahj",
                "hjrmosjwed",
                "nivjyqptyy",
                "lhogeshsme",
                "syilbgsytb",
                "birvcmvbjh",
                "zcygbbnxxa",
                "cruqqvhbkf"
            ]),
            376,
        ),
        Kind::Uuids => (
            "one UUID",
            vec![("n", json!(1))],
            json!(["47849fd4-b790-4d56-9c0b-2ae8e5f8d9d8"]),
            122,
        ),
        Kind::Blobs => (
            "one 1024-bit blob",
            vec![("n", json!(1)), ("size", json!(1024))],
            json!(["aNB8L3hY3kWYXgTUUkWDa1JI..."]),
            1024,
        ),
    };
    let mut example = ExamplePairing::new(name).param("apiKey", EXAMPLE_KEY);
    for (param, value) in params {
        example = example.param(param, value);
    }
    let mut random = json!({"data": data, "completionTime": "2011-10-10 13:19:12Z"});
    if signed {
        random["method"] = json!(kind.signed_name());
        random["serialNumber"] = json!(1);
    }
    let mut result = json!({
        "random": random,
        "bitsUsed": bits,
        "bitsLeft": 1_000_000 - bits,
        "requestsLeft": 199_999,
        "advisoryDelay": 0,
    });
    if signed {
        result["signature"] = json!("(base64 RSA signature of random)");
    }
    example
        .description("The values and counts left are those of one run; each call draws anew.")
        .result(result)
}

/// The description `#[jrpc::rpc]` made of the trait's doc comment for `name` (its summary).
fn defined(name: &str) -> MethodDoc {
    Release1Server::doc(name).unwrap_or_else(|| panic!("`{name}` is not a method of the Release1 trait"))
}

fn generator(kind: Kind, signed: bool) -> MethodDoc {
    let name = if signed {
        kind.signed_name()
    } else {
        kind.basic_name()
    };
    let description = if signed {
        format!(
            "Takes exactly the params of {}. The result adds `signature` (base64 RSA PKCS#1 v1.5 \
             over the SHA-512 of the compact JSON of `random`), and `random` echoes the request \
             (method, hashedApiKey, params with defaults filled in) with a serialNumber. Billed \
             against the key's daily requests and bits.",
            kind.basic_name()
        )
    } else {
        "Billed against the key's daily requests and bits; the result tells what is left and \
         how long to wait (advisoryDelay, ms) before the next request."
            .to_owned()
    };
    let mut doc = defined(name)
        .description(description)
        .param_structure(ParamStructure::ByName)
        .result_doc(
            ParamDoc::new("result", SchemaSource::json(generator_result(signed)))
                .summary("random (data, completionTime), bitsUsed, bitsLeft, requestsLeft, advisoryDelay"),
        )
        .example(generator_example(kind, signed));
    for param in generator_params(kind) {
        doc = doc.param_doc(param);
    }
    for error in generator_errors(kind) {
        doc = doc.error_object(error);
    }
    doc
}

fn generator_result(signed: bool) -> Value {
    let mut schema = json!({
        "type": "object",
        "required": ["random", "bitsUsed", "bitsLeft", "requestsLeft", "advisoryDelay"],
        "properties": {
            "random": {
                "type": "object",
                "required": ["data", "completionTime"],
                "properties": {"data": {"type": "array"}, "completionTime": {"type": "string"}}
            },
            "bitsUsed": {"type": "integer", "minimum": 0},
            "bitsLeft": {"type": "integer"},
            "requestsLeft": {"type": "integer"},
            "advisoryDelay": {"type": "integer", "minimum": 0}
        }
    });
    if signed {
        schema["required"]
            .as_array_mut()
            .expect("an array")
            .push(json!("signature"));
        schema["properties"]["signature"] = json!({"type": "string"});
    }
    schema
}

fn usage() -> MethodDoc {
    let mut doc = defined("getUsage")
        .description("Not billed.")
        .param_structure(ParamStructure::ByName)
        .param_doc(api_key())
        .result_doc(ParamDoc::new(
            "usage",
            SchemaSource::json(json!({
                "type": "object",
                "required": ["status", "creationTime", "bitsLeft", "requestsLeft", "totalBits", "totalRequests"],
                "properties": {
                    "status": {"type": "string", "enum": ["running", "paused", "stopped"]},
                    "creationTime": {"type": "string"},
                    "bitsLeft": {"type": "integer"},
                    "requestsLeft": {"type": "integer"},
                    "totalBits": {"type": "integer"},
                    "totalRequests": {"type": "integer"}
                }
            })),
        ))
        .error_object(MethodError::new(-32602, "Invalid params"))
        .error_object(MethodError::new(101, "Service offline; please try again later"))
        .error_object(MethodError::new(200, "Parameter '{0}' is malformed"))
        .example(
            ExamplePairing::new("a key's usage")
                .param("apiKey", EXAMPLE_KEY)
                .result(json!({
                    "status": "running",
                    "creationTime": "2013-02-01 17:53:40Z",
                    "bitsLeft": 998532,
                    "requestsLeft": 199996,
                    "totalBits": 1646421,
                    "totalRequests": 65036
                })),
        );
    for error in key_errors() {
        doc = doc.error_object(error);
    }
    doc
}

fn verify() -> MethodDoc {
    defined("verifySignature")
        .description("Takes `random` exactly as received and its `signature`; no API key. Not billed.")
        .param_structure(ParamStructure::ByName)
        .param_doc(param(
            "random",
            true,
            "The `random` object of a signed result, as received.",
            json!({"type": "object"}),
        ))
        .param_doc(param(
            "signature",
            true,
            "The result's `signature` (base64).",
            json!({"type": "string", "minLength": 1}),
        ))
        .result_doc(ParamDoc::new(
            "verification",
            SchemaSource::json(json!({
                "type": "object",
                "required": ["authenticity"],
                "properties": {"authenticity": {"type": "boolean"}}
            })),
        ))
        .error_object(MethodError::new(-32602, "Invalid params"))
        .error_object(MethodError::new(200, "Parameter '{0}' is malformed"))
        .example(
            ExamplePairing::new("a signature that does not match")
                .param(
                    "random",
                    json!({"method": "generateSignedIntegers", "n": 1, "data": [4]}),
                )
                .param("signature", "AAAA")
                .result(json!({"authenticity": false})),
        )
}
