//! `jrpc discover`: ask a server for its OpenRPC document (`rpc.discover`) and list its methods
//! with their params: types, required, ranges, allowed values and defaults. Also the check behind
//! `jrpc call --check-params`: params validated against the method's schemas before sending.
//!
//! The validator is a small hand-written one for the JSON Schema subset OpenRPC documents use
//! (what `schemars` and hand-written ranges produce: `type`, `enum`, `const`, `minimum`/`maximum`
//! (and exclusive), `minLength`/`maxLength`, `items`, `minItems`/`maxItems`, `properties`/`required`,
//! `anyOf`/`oneOf`/`allOf`, and `$ref` into `components`). The `jsonschema` crate would cover all of
//! JSON Schema, but pulls in an HTTP client and a regex engine for `$ref` and `pattern`, a heavy
//! build for a check meant to catch typos before a call; keywords outside the subset are ignored
//! (the server still has the last word).

use clap::Args;
use serde_json::{Map, Value};

use crate::connect::{connect, failure, runtime, split_target, SendArgs};
use crate::exit::{CliError, CliResult, Status};
use crate::output::{Output, OutputArgs};

/// The examples under `jrpc discover --help`.
pub const HELP: &str = "\
Examples:
  jrpc discover http://127.0.0.1:8545/                  methods, params, ranges, descriptions
  jrpc discover http://127.0.0.1:8080/json-rpc/1/invoke --json   the whole OpenRPC document
  jrpc call http://127.0.0.1:8545/ subtract 42 x --check-params  refused before sending (exit 2)
The server must answer rpc.discover (OpenRPC 1.x).";

/// `jrpc discover`.
#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// The server's URL (omitted with --exec).
    #[arg(value_name = "URL")]
    pub words: Vec<String>,
    /// Print the OpenRPC document as JSON instead of the listing.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub send: SendArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Runs `jrpc discover`.
pub fn run(args: &DiscoverArgs) -> CliResult {
    let (target, rest) = split_target(&args.words, &args.send)?;
    if let Some(extra) = rest.first() {
        return Err(CliError::usage(format!("unexpected argument '{extra}'")));
    }
    let document = runtime()?.block_on(async {
        let client = connect(&target, &args.send).await?;
        fetch(&client).await
    })?;
    if args.json {
        let text = serde_json::to_string(&document).map_err(|e| CliError::invalid_reply(e.to_string()))?;
        println!("{}", Output::for_stdout(&args.output).render(&text));
    } else {
        print!("{}", listing(&document));
    }
    Ok(Status::Ok)
}

/// The server's OpenRPC document.
pub async fn fetch(client: &jrpc::client::Client) -> Result<Value, CliError> {
    let document: Value = client.call("rpc.discover", &()).await.map_err(failure)?;
    if !document.get("methods").is_some_and(Value::is_array) {
        return Err(CliError::invalid_reply(
            "rpc.discover answered with something that is not an OpenRPC document (no methods)",
        ));
    }
    Ok(document)
}

/// The methods, one block each: name, summary, params with their constraints, result.
pub fn listing(document: &Value) -> String {
    let mut out = String::new();
    if let Some(info) = document.get("info") {
        let title = info.get("title").and_then(Value::as_str).unwrap_or("(untitled)");
        let version = info.get("version").and_then(Value::as_str).unwrap_or("");
        out.push_str(&format!("{title} {version}\n"));
        if let Some(description) = info.get("description").and_then(Value::as_str) {
            out.push_str(&format!("{description}\n"));
        }
        out.push('\n');
    }
    for method in document["methods"].as_array().into_iter().flatten() {
        let name = method.get("name").and_then(Value::as_str).unwrap_or("?");
        let params = method.get("params").and_then(Value::as_array);
        let names: Vec<&str> = params
            .into_iter()
            .flatten()
            .filter_map(|param| param.get("name").and_then(Value::as_str))
            .collect();
        out.push_str(&format!("{name}({})\n", names.join(", ")));
        for key in ["summary", "description"] {
            if let Some(text) = method.get(key).and_then(Value::as_str) {
                out.push_str(&format!("    {text}\n"));
            }
        }
        if let Some(structure) = method.get("paramStructure").and_then(Value::as_str) {
            out.push_str(&format!("    params {structure}\n"));
        }
        for param in params.into_iter().flatten() {
            out.push_str(&format!("    {}\n", describe_param(document, param, true)));
        }
        if let Some(result) = method.get("result") {
            out.push_str(&format!("    -> {}\n", describe_param(document, result, false)));
        }
        let errors: Vec<String> = method
            .get("errors")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|error| {
                format!(
                    "{} {}",
                    error.get("code").unwrap_or(&Value::Null),
                    error.get("message").and_then(Value::as_str).unwrap_or("")
                )
            })
            .collect();
        if !errors.is_empty() {
            out.push_str(&format!("    errors: {}\n", errors.join("; ")));
        }
        out.push('\n');
    }
    out
}

fn describe_param(document: &Value, param: &Value, is_param: bool) -> String {
    let name = param.get("name").and_then(Value::as_str).unwrap_or("?");
    let schema = param.get("schema").unwrap_or(&Value::Null);
    let mut text = format!("{name}: {}", describe_schema(document, schema, 0));
    if is_param && param.get("required").and_then(Value::as_bool) == Some(true) {
        text.push_str(", required");
    }
    if let Some(words) = param
        .get("summary")
        .or_else(|| param.get("description"))
        .and_then(Value::as_str)
    {
        text.push_str(&format!(" - {words}"));
    }
    text
}

/// A schema in a few words: `integer in [1, 10000], default 1`, `one of 10, 16`, `array of ...`.
pub fn describe_schema(document: &Value, schema: &Value, depth: usize) -> String {
    let schema = resolve(document, schema);
    let Some(object) = schema.as_object() else {
        return "any".to_owned();
    };
    if depth > 4 {
        return "...".to_owned();
    }
    let mut parts: Vec<String> = Vec::new();
    let type_name = match object.get("type") {
        Some(Value::String(name)) => name.clone(),
        Some(Value::Array(names)) => names
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" or "),
        _ => {
            let alternatives = object
                .get("anyOf")
                .or_else(|| object.get("oneOf"))
                .and_then(Value::as_array);
            match alternatives {
                Some(list) => list
                    .iter()
                    .map(|alternative| describe_schema(document, alternative, depth + 1))
                    .collect::<Vec<_>>()
                    .join(" | "),
                None if object.contains_key("enum") || object.contains_key("const") => String::new(),
                None => "any".to_owned(),
            }
        }
    };
    let type_name = match (type_name.as_str(), object.get("items")) {
        ("array", Some(items)) if items.is_object() => {
            format!("array of {}", describe_schema(document, items, depth + 1))
        }
        _ => type_name,
    };
    if !type_name.is_empty() {
        parts.push(type_name);
    }
    if let Some(format) = object.get("format").and_then(Value::as_str) {
        parts.push(format!("({format})"));
    }
    let range = |low: &str, high: &str, words: &str| match (object.get(low), object.get(high)) {
        (Some(low), Some(high)) => Some(format!("{words}[{low}, {high}]")),
        (Some(low), None) => Some(format!("{words}>= {low}")),
        (None, Some(high)) => Some(format!("{words}<= {high}")),
        (None, None) => None,
    };
    parts.extend(range("minimum", "maximum", "in "));
    if let Some(bound) = object.get("exclusiveMinimum") {
        parts.push(format!("> {bound}"));
    }
    if let Some(bound) = object.get("exclusiveMaximum") {
        parts.push(format!("< {bound}"));
    }
    parts.extend(range("minLength", "maxLength", "length "));
    parts.extend(range("minItems", "maxItems", "items "));
    if let Some(values) = object.get("enum").and_then(Value::as_array) {
        let values: Vec<String> = values.iter().map(Value::to_string).collect();
        parts.push(format!("one of {}", values.join(", ")));
    }
    if let Some(value) = object.get("const") {
        parts.push(format!("exactly {value}"));
    }
    let mut text = parts.join(" ");
    if let Some(default) = object.get("default") {
        text.push_str(&format!(", default {default}"));
    }
    text
}

/// Follows a `$ref` into the document (`#/components/schemas/Name`, or any JSON pointer).
fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    let mut schema = schema;
    for _ in 0..8 {
        let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
            break;
        };
        match reference
            .strip_prefix('#')
            .and_then(|pointer| document.pointer(pointer))
        {
            Some(target) => schema = target,
            None => break,
        }
    }
    schema
}

/// Checks `params` (the params member about to be sent, or none) against the document's entry
/// for `method`. The error names the param and what is wrong with it.
pub fn check_params(document: &Value, method: &str, params: Option<&Value>) -> Result<(), String> {
    let entry = document["methods"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|entry| entry.get("name").and_then(Value::as_str) == Some(method))
        .ok_or_else(|| format!("the server's document has no method '{method}'"))?;
    let declared: Vec<&Value> = entry
        .get("params")
        .and_then(Value::as_array)
        .map(|list| list.iter().collect())
        .unwrap_or_default();
    let structure = entry
        .get("paramStructure")
        .and_then(Value::as_str)
        .unwrap_or("either");
    let name_of = |param: &Value| {
        param
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned()
    };
    let required = |param: &Value| param.get("required").and_then(Value::as_bool) == Some(true);
    let mut given: Vec<(&Value, Option<&Value>)> = Vec::new();
    match params {
        None | Some(Value::Null) => given.extend(declared.iter().map(|param| (*param, None))),
        Some(Value::Array(values)) => {
            if structure == "by-name" {
                return Err(format!("'{method}' takes its params by name (an object)"));
            }
            if values.len() > declared.len() && structure != "by-position" {
                return Err(format!(
                    "'{method}' takes at most {} params, {} given",
                    declared.len(),
                    values.len()
                ));
            }
            given.extend(
                declared
                    .iter()
                    .enumerate()
                    .map(|(index, param)| (*param, values.get(index))),
            );
        }
        Some(Value::Object(values)) => {
            if structure == "by-position" {
                return Err(format!("'{method}' takes its params by position (an array)"));
            }
            if let Some(unknown) = values
                .keys()
                .find(|key| !declared.iter().any(|param| &name_of(param) == *key))
            {
                let names: Vec<String> = declared.iter().map(|param| name_of(param)).collect();
                return Err(format!(
                    "'{method}' has no param '{unknown}' (its params: {})",
                    names.join(", ")
                ));
            }
            given.extend(declared.iter().map(|param| (*param, values.get(&name_of(param)))));
        }
        Some(other) => return Err(format!("params must be an array or an object, not {other}")),
    }
    for (param, value) in given {
        let name = name_of(param);
        match value {
            None if required(param) => return Err(format!("param '{name}' is required")),
            None => {}
            Some(value) => {
                let schema = param.get("schema").unwrap_or(&Value::Null);
                validate(document, schema, value)
                    .map_err(|reason| format!("param '{name}': {reason} (got {value})"))?;
            }
        }
    }
    Ok(())
}

/// Validates `value` against the subset of JSON Schema described in the module's documentation.
pub fn validate(document: &Value, schema: &Value, value: &Value) -> Result<(), String> {
    validate_at(document, schema, value, 0)
}

fn validate_at(document: &Value, schema: &Value, value: &Value, depth: usize) -> Result<(), String> {
    let schema = resolve(document, schema);
    let Some(schema) = schema.as_object() else {
        return match schema {
            Value::Bool(false) => Err("no value is allowed".to_owned()),
            _ => Ok(()),
        };
    };
    if depth > 32 {
        return Ok(());
    }
    if let Some(types) = schema.get("type") {
        let names: Vec<&str> = match types {
            Value::String(name) => vec![name.as_str()],
            Value::Array(names) => names.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !names.is_empty() && !names.iter().any(|name| has_type(value, name)) {
            return Err(format!("expected {}", names.join(" or ")));
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            let allowed: Vec<String> = allowed.iter().map(Value::to_string).collect();
            return Err(format!("expected one of {}", allowed.join(", ")));
        }
    }
    if let Some(expected) = schema.get("const") {
        if expected != value {
            return Err(format!("expected {expected}"));
        }
    }
    if let Some(number) = value.as_f64() {
        let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
        if let Some(minimum) = bound("minimum").filter(|minimum| number < *minimum) {
            return Err(format!("must be at least {minimum}"));
        }
        if let Some(maximum) = bound("maximum").filter(|maximum| number > *maximum) {
            return Err(format!("must be at most {maximum}"));
        }
        if let Some(minimum) = bound("exclusiveMinimum").filter(|minimum| number <= *minimum) {
            return Err(format!("must be more than {minimum}"));
        }
        if let Some(maximum) = bound("exclusiveMaximum").filter(|maximum| number >= *maximum) {
            return Err(format!("must be less than {maximum}"));
        }
    }
    let count = |key: &str| schema.get(key).and_then(Value::as_u64);
    if let Some(text) = value.as_str() {
        let length = text.chars().count() as u64;
        if let Some(minimum) = count("minLength").filter(|minimum| length < *minimum) {
            return Err(format!("must be at least {minimum} characters long"));
        }
        if let Some(maximum) = count("maxLength").filter(|maximum| length > *maximum) {
            return Err(format!("must be at most {maximum} characters long"));
        }
    }
    if let Some(items) = value.as_array() {
        let length = items.len() as u64;
        if let Some(minimum) = count("minItems").filter(|minimum| length < *minimum) {
            return Err(format!("must have at least {minimum} items"));
        }
        if let Some(maximum) = count("maxItems").filter(|maximum| length > *maximum) {
            return Err(format!("must have at most {maximum} items"));
        }
        match schema.get("items") {
            Some(Value::Array(tuple)) => {
                for (index, (item, item_schema)) in items.iter().zip(tuple).enumerate() {
                    validate_at(document, item_schema, item, depth + 1)
                        .map_err(|reason| format!("item {index}: {reason}"))?;
                }
            }
            Some(item_schema) => {
                for (index, item) in items.iter().enumerate() {
                    validate_at(document, item_schema, item, depth + 1)
                        .map_err(|reason| format!("item {index}: {reason}"))?;
                }
            }
            None => {}
        }
    }
    if let Some(members) = value.as_object() {
        validate_object(document, schema, members, depth)?;
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for part in all {
            validate_at(document, part, value, depth + 1)?;
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(alternatives) = schema.get(key).and_then(Value::as_array) {
            let mut reasons = Vec::new();
            for alternative in alternatives {
                match validate_at(document, alternative, value, depth + 1) {
                    Ok(()) => {
                        reasons.clear();
                        break;
                    }
                    Err(reason) => reasons.push(reason),
                }
            }
            if !reasons.is_empty() {
                return Err(format!("matches none of: {}", reasons.join("; ")));
            }
        }
    }
    Ok(())
}

fn validate_object(
    document: &Value,
    schema: &Map<String, Value>,
    members: &Map<String, Value>,
    depth: usize,
) -> Result<(), String> {
    for name in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if !members.contains_key(name) {
            return Err(format!("member '{name}' is required"));
        }
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, member) in members {
            if let Some(member_schema) = properties.get(name) {
                validate_at(document, member_schema, member, depth + 1)
                    .map_err(|reason| format!("member '{name}': {reason}"))?;
            } else if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
                return Err(format!("unknown member '{name}'"));
            }
        }
    }
    Ok(())
}

fn has_type(value: &Value, name: &str) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "number" => value.is_number(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|number| number.fract() == 0.0)
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn document() -> Value {
        json!({
            "openrpc": "1.3.2",
            "info": {"title": "t", "version": "1"},
            "methods": [{
                "name": "generateIntegers",
                "params": [
                    {"name": "n", "required": true, "schema": {"type": "integer", "minimum": 1, "maximum": 10000}},
                    {"name": "base", "schema": {"type": "integer", "enum": [2, 8, 10, 16], "default": 10}},
                    {"name": "tags", "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}}}
                ],
                "result": {"name": "random", "schema": {}}
            }],
            "components": {"schemas": {"Tag": {"type": "string", "maxLength": 3}}}
        })
    }

    #[test]
    fn params_are_checked_by_position_and_by_name() {
        let document = document();
        let check = |params: Value| check_params(&document, "generateIntegers", Some(&params));
        assert_eq!(check(json!([5])), Ok(()));
        assert_eq!(check(json!({"n": 5, "base": 16, "tags": ["ab"]})), Ok(()));
        assert_eq!(
            check(json!([0])),
            Err("param 'n': must be at least 1 (got 0)".to_owned())
        );
        assert_eq!(
            check(json!({"base": 16})),
            Err("param 'n' is required".to_owned())
        );
        assert_eq!(
            check(json!([5, 3])),
            Err("param 'base': expected one of 2, 8, 10, 16 (got 3)".to_owned())
        );
        assert_eq!(
            check(json!([5, 10, ["abcd"]])),
            Err("param 'tags': item 0: must be at most 3 characters long (got [\"abcd\"])".to_owned())
        );
        assert!(check(json!({"m": 1})).unwrap_err().contains("no param 'm'"));
        assert!(check(json!(["x"])).unwrap_err().contains("expected integer"));
        assert!(check_params(&document, "nope", None).is_err());
    }

    #[test]
    fn schemas_are_described_with_their_ranges() {
        let document = document();
        let params = &document["methods"][0]["params"];
        assert_eq!(
            describe_schema(&document, &params[0]["schema"], 0),
            "integer in [1, 10000]"
        );
        assert_eq!(
            describe_schema(&document, &params[1]["schema"], 0),
            "integer one of 2, 8, 10, 16, default 10"
        );
        assert_eq!(
            describe_schema(&document, &params[2]["schema"], 0),
            "array of string length <= 3"
        );
    }
}
