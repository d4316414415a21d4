//! The rule no script can write: the user's call with its params in the other structure (by name
//! for a list, by position for an object), where the server's own `rpc.discover` document says it
//! takes them (OpenRPC `paramStructure`, "either" by default) and names them in order.
//!
//! Without a document, or where it does not describe the call, the rule is skipped and says why:
//! a JSON-RPC server may accept only one structure (spec 4.2), so only its description can promise
//! both.

use jrpc::script::Level;
use serde_json::{Map, Value};

use super::link::Got;
use super::report::Outcome;
use super::Judge;

pub const NAME: &str = "call-param-structure";
pub const SECTION: &str = "4.2";
pub const LEVEL: Level = Level::Should;
pub const TITLE: &str =
    "the call with its params by position and by name, as rpc.discover offers them, succeeds both ways";

const DISCOVER: &str = r#"{"jsonrpc":"2.0","method":"rpc.discover","id":"jrpc-conform-discover"}"#;

/// The method's parameter names in order, and which structures it takes.
#[derive(Debug, PartialEq)]
struct Described {
    names: Vec<String>,
    by_position: bool,
    by_name: bool,
}

/// Runs the rule for `method` called with `params` (a JSON array or object).
pub async fn run(judge: &mut Judge, method: &str, params: &str) -> Outcome {
    let got = judge.exchange(DISCOVER, false).await;
    let described = match &got {
        Got::Reply(reply) => match describe(&reply.body, method) {
            Ok(described) => described,
            Err(why) => return Outcome::Skipped(why),
        },
        _ => return Outcome::Skipped("rpc.discover gave no reply".to_owned()),
    };
    let Ok(params) = serde_json::from_str::<Value>(params) else {
        return Outcome::Skipped("--params is not JSON".to_owned());
    };
    let other = match other_structure(&params, &described) {
        Ok(other) => other,
        Err(why) => return Outcome::Skipped(why),
    };
    let name = serde_json::to_string(method).unwrap_or_default();
    for (index, params) in [params, other].iter().enumerate() {
        let sent = format!(
            r#"{{"jsonrpc":"2.0","method":{name},"params":{params},"id":"jrpc-conform-structure-{index}"}}"#
        );
        let got = judge.exchange(&sent, false).await;
        let answered = match &got {
            Got::Reply(reply) => serde_json::from_slice::<Value>(&reply.body).ok(),
            _ => None,
        };
        let succeeded = answered
            .as_ref()
            .is_some_and(|reply| reply.get("result").is_some() && reply.get("error").is_none());
        if !succeeded {
            let got = match &got {
                Got::Reply(reply) => super::link::show(&reply.body),
                Got::Nothing { .. } => "nothing".to_owned(),
                Got::Timeout => "no reply within the timeout".to_owned(),
                Got::Closed(why) | Got::Unreachable(why) | Got::Garbage(why) => why.clone(),
            };
            return Outcome::failed(sent, "a result, as for the other structure".to_owned(), got);
        }
    }
    Outcome::Pass
}

/// Reads the method's description from an `rpc.discover` reply.
fn describe(body: &[u8], method: &str) -> Result<Described, String> {
    let reply: Value =
        serde_json::from_slice(body).map_err(|_| "rpc.discover's reply is not JSON".to_owned())?;
    let Some(document) = reply.get("result") else {
        return Err("the server does not describe itself (rpc.discover gave no result)".to_owned());
    };
    let methods = document
        .get("methods")
        .and_then(Value::as_array)
        .ok_or("the rpc.discover document lists no methods")?;
    let entry = methods
        .iter()
        .find(|entry| entry.get("name").and_then(Value::as_str) == Some(method))
        .ok_or_else(|| format!("the rpc.discover document does not describe {method}"))?;
    let names = entry
        .get("params")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("the rpc.discover document gives {method} no params list"))?
        .iter()
        .map(|param| param.get("name").and_then(Value::as_str).map(str::to_owned))
        .collect::<Option<Vec<String>>>()
        .ok_or_else(|| {
            format!("a param of {method} has no name (or is a $ref) in the rpc.discover document")
        })?;
    // OpenRPC 1.3: "by-name", "by-position" or "either" (the default).
    let structure = entry
        .get("paramStructure")
        .and_then(Value::as_str)
        .unwrap_or("either");
    Ok(Described {
        names,
        by_position: structure != "by-name",
        by_name: structure != "by-position",
    })
}

/// The params in the other structure, by the description's names and order.
fn other_structure(params: &Value, described: &Described) -> Result<Value, String> {
    match params {
        Value::Array(values) => {
            if !described.by_name {
                return Err("the method takes its params by position only".to_owned());
            }
            if values.len() > described.names.len() {
                return Err(format!(
                    "--params has {} values but the document names {} params",
                    values.len(),
                    described.names.len()
                ));
            }
            let object: Map<String, Value> = described
                .names
                .iter()
                .cloned()
                .zip(values.iter().cloned())
                .collect();
            Ok(Value::Object(object))
        }
        Value::Object(members) => {
            if !described.by_position {
                return Err("the method takes its params by name only".to_owned());
            }
            if let Some(unknown) = members.keys().find(|key| !described.names.contains(key)) {
                return Err(format!("the document does not name the param {unknown:?}"));
            }
            // A list cannot leave a gap: the given names must be the first ones in order.
            let list: Vec<Value> = described
                .names
                .iter()
                .map_while(|name| members.get(name).cloned())
                .collect();
            if list.len() != members.len() {
                return Err(
                    "--params leaves out a param that comes before one it gives: no list can say that"
                        .to_owned(),
                );
            }
            Ok(Value::Array(list))
        }
        _ => Err("--params is neither an array nor an object".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn described(names: &[&str], structure: &str) -> Described {
        let document = serde_json::json!({"result": {"methods": [
            {"name": "other", "params": []},
            {"name": "subtract", "paramStructure": structure,
             "params": names.iter().map(|n| serde_json::json!({"name": n, "schema": {}})).collect::<Vec<_>>()},
        ]}});
        describe(document.to_string().as_bytes(), "subtract").expect("described")
    }

    #[test]
    fn lists_become_objects_and_back_in_the_documents_order() {
        let both = described(&["minuend", "subtrahend"], "either");
        assert_eq!(
            other_structure(&serde_json::json!([42, 23]), &both),
            Ok(serde_json::json!({"minuend": 42, "subtrahend": 23}))
        );
        assert_eq!(
            other_structure(&serde_json::json!({"subtrahend": 23, "minuend": 42}), &both),
            Ok(serde_json::json!([42, 23]))
        );
        // A leading part of the names is a shorter list; a gap cannot be written as a list.
        assert_eq!(
            other_structure(&serde_json::json!({"minuend": 42}), &both),
            Ok(serde_json::json!([42]))
        );
        assert!(other_structure(&serde_json::json!({"subtrahend": 23}), &both).is_err());
        assert!(other_structure(&serde_json::json!({"nope": 1}), &both).is_err());
        assert!(other_structure(&serde_json::json!([1, 2, 3]), &both).is_err());
    }

    #[test]
    fn a_single_structure_or_a_missing_description_skips() {
        let by_position = described(&["a"], "by-position");
        assert!(other_structure(&serde_json::json!([1]), &by_position).is_err());
        let by_name = described(&["a"], "by-name");
        assert!(other_structure(&serde_json::json!({"a": 1}), &by_name).is_err());
        assert!(describe(br#"{"error":{"code":-32601,"message":"no"}}"#, "m").is_err());
        assert!(describe(br#"{"result":{"methods":[]}}"#, "m").is_err());
        assert!(describe(b"<html>", "m").is_err());
        // The default is "either".
        let document = br#"{"result":{"methods":[{"name":"m","params":[{"name":"x"}]}]}}"#;
        assert_eq!(
            describe(document, "m"),
            Ok(Described {
                names: vec!["x".to_owned()],
                by_position: true,
                by_name: true
            })
        );
    }
}
