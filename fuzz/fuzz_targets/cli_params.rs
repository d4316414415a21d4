//! The CLI's params parser (HTTPie style: bare values, `name=value`, `name:=json`, and `--params`).
//!
//! Properties: no panic; whatever parses writes a `params` member that is valid JSON, an array or
//! an object with one element or member per argument; written back as arguments (values as
//! JSON, `name:=json`) it parses to the same params; `--params` text parses to its compact form,
//! which parses to itself.
#![no_main]

use jrpc_cli::params::{parse, parse_raw, Params};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if flags & 2 != 0 {
        if let Ok(params) = parse_raw(text) {
            let Params::Raw(compact) = &params else {
                panic!("--params gave {params:?}");
            };
            serde_json::from_str::<&serde_json::value::RawValue>(compact).expect("compact params are JSON");
            assert_eq!(parse_raw(compact).ok(), Some(params.clone()), "compact form is not a fixed point");
        }
        return;
    }
    let args: Vec<String> = text.split('\0').map(str::to_owned).collect();
    let Ok(params) = parse(&args, flags & 1 != 0) else {
        return;
    };
    let json = params.to_json();
    match &params {
        Params::None => assert!(json.is_none()),
        Params::Positional(values) => {
            // As raw values: `44e99999999` is valid JSON that a serde_json::Value cannot hold
            // (found by this target: the CLI is right to pass it through as typed).
            let array: Vec<&serde_json::value::RawValue> =
                serde_json::from_str(json.as_deref().expect("an array")).expect("params are a JSON array");
            assert_eq!(array.len(), values.len());
            assert_eq!(values.len(), args.len());
            assert_eq!(parse(values, false).ok(), Some(params.clone()), "positional values do not round-trip");
        }
        Params::Named(members) => {
            let object: std::collections::BTreeMap<String, &serde_json::value::RawValue> =
                serde_json::from_str(json.as_deref().expect("an object")).expect("params are a JSON object");
            assert_eq!(object.len(), members.len());
            let again: Vec<String> = members.iter().map(|(name, value)| format!("{name}:={value}")).collect();
            assert_eq!(parse(&again, false).ok(), Some(params.clone()), "named params do not round-trip");
        }
        Params::Raw(_) => panic!("bare arguments gave raw params"),
    }
});
