//! OpenRPC 1.3 documents: what a server answers to `rpc.discover`, as plain serde types.
//!
//! A server builds one from its registry ([`crate::server::Discover`]); a client can read one with
//! `serde_json::from_str::<OpenRpc>` (e.g. the result of `client.call("rpc.discover", ())`).
//! Schemas are kept as JSON values (draft-07 JSON Schema, as OpenRPC 1.3 specifies), so reading a
//! document needs no schema library. Members this module does not model are ignored when reading.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The OpenRPC version the documents built here follow.
pub const OPENRPC_VERSION: &str = "1.3.2";

/// The name of the method that answers with the document (OpenRPC's service discovery method).
pub const DISCOVER_METHOD: &str = "rpc.discover";

/// An OpenRPC document: a service's methods, their params, results, errors and examples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenRpc {
    /// The OpenRPC version the document follows, e.g. `1.3.2`.
    pub openrpc: String,
    /// The service's title, version and description.
    pub info: Info,
    /// Where the service can be reached.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub servers: Vec<ServerObject>,
    /// The methods, sorted by name.
    pub methods: Vec<Method>,
    /// Schemas that method schemas refer to (`#/components/schemas/Name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<Components>,
}

impl OpenRpc {
    /// The method called `name`, if the document lists it.
    pub fn method(&self, name: &str) -> Option<&Method> {
        self.methods.iter().find(|method| method.name == name)
    }
}

/// Metadata about the service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Info {
    /// The service's name.
    pub title: String,
    /// The version of its API (not of OpenRPC).
    pub version: String,
    /// A longer description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A place the service is served (OpenRPC's Server Object).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerObject {
    /// A name for it.
    pub name: String,
    /// Its URL, e.g. `http://127.0.0.1:8545/`.
    pub url: String,
    /// What it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// How a method accepts its params.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParamStructure {
    /// As an object of named members.
    ByName,
    /// As an array, in order.
    ByPosition,
    /// Either way.
    Either,
}

/// One method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Method {
    /// Its name, as called.
    pub name: String,
    /// A short summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// A longer description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its params, in positional order.
    pub params: Vec<ContentDescriptor>,
    /// What it returns; absent for a method that is only ever sent as a notification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<ContentDescriptor>,
    /// By position, by name, or either (OpenRPC's default when absent is by-position).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param_structure: Option<ParamStructure>,
    /// The application and standard errors it may answer with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<MethodError>,
    /// Example calls and their results.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<ExamplePairing>,
}

/// A named value with a schema: a param or a result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentDescriptor {
    /// The param's name (its key when sent by name).
    pub name: String,
    /// A short summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// A longer description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its JSON Schema (`{}` accepts anything).
    pub schema: Value,
    /// True if a call must give it.
    #[serde(default)]
    pub required: bool,
}

/// An error a method may answer with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodError {
    /// The JSON-RPC error code.
    pub code: i64,
    /// Its message.
    pub message: String,
    /// Its data, if it has fixed data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl MethodError {
    /// An error with a code and a message.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        MethodError {
            code,
            message: message.into(),
            data: None,
        }
    }
}

/// An example call: its params and the result it gets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExamplePairing {
    /// The example's name.
    pub name: String,
    /// What it shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The params sent, in the method's param order.
    pub params: Vec<Example>,
    /// The result answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Example>,
}

impl ExamplePairing {
    /// An example with no params and no result yet.
    pub fn new(name: impl Into<String>) -> Self {
        ExamplePairing {
            name: name.into(),
            description: None,
            params: Vec::new(),
            result: None,
        }
    }

    /// Says what it shows.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Adds the value sent for the param `name`.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.params.push(Example::new(name, value));
        self
    }

    /// Sets the result answered.
    pub fn result(mut self, value: impl Into<Value>) -> Self {
        self.result = Some(Example::new("result", value));
        self
    }
}

/// A named example value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Example {
    /// Its name (for a param: the param's name).
    pub name: String,
    /// The value.
    pub value: Value,
}

impl Example {
    /// A named value.
    pub fn new(name: impl Into<String>, value: impl Into<Value>) -> Self {
        Example {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// Reusable parts of a document.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Components {
    /// Schemas by name, referred to as `#/components/schemas/Name`.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub schemas: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_round_trips_and_uses_openrpc_member_names() {
        let text = r#"{"openrpc":"1.3.2","info":{"title":"t","version":"1"},
            "methods":[{"name":"m","params":[{"name":"a","schema":{},"required":true}],
            "result":{"name":"r","schema":true},"paramStructure":"by-name",
            "examples":[{"name":"e","params":[{"name":"a","value":1}],"result":{"name":"r","value":2}}],
            "x-extension":1}],"x-other":true}"#;
        let document: OpenRpc = serde_json::from_str(text).unwrap();
        let method = document.method("m").unwrap();
        assert_eq!(method.param_structure, Some(ParamStructure::ByName));
        assert!(method.params[0].required);
        let again = serde_json::to_value(&document).unwrap();
        assert_eq!(again["methods"][0]["paramStructure"], "by-name");
        assert!(again.get("servers").is_none());
        assert_eq!(serde_json::from_value::<OpenRpc>(again).unwrap(), document);
    }
}
