//! `rpc.discover`: the OpenRPC document of a registry, built once when the server is built.

use std::sync::Arc;

use schemars::generate::SchemaSettings;
use serde_json::value::RawValue;
use serde_json::Value;

use super::describe::{MethodDoc, MethodInfo, ParamDoc};
use crate::openrpc::{self, Components, ContentDescriptor, Info, OpenRpc, ParamStructure, ServerObject};
use crate::wire::ErrorObject;

/// The setting that makes a server answer `rpc.discover` (`ServerBuilder::discover`): the
/// document's `info` and `servers`; its methods come from the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discover {
    info: Info,
    servers: Vec<ServerObject>,
}

impl Discover {
    /// A service called `title`, whose API has this `version`.
    pub fn new(title: impl Into<String>, version: impl Into<String>) -> Self {
        Discover {
            info: Info {
                title: title.into(),
                version: version.into(),
                description: None,
            },
            servers: Vec::new(),
        }
    }

    /// What the service does.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.info.description = Some(description.into());
        self
    }

    /// A place it is served, e.g. `("http", "http://127.0.0.1:8545/")`.
    pub fn server(mut self, name: impl Into<String>, url: impl Into<String>) -> Self {
        self.servers.push(ServerObject {
            name: name.into(),
            url: url.into(),
            summary: None,
        });
        self
    }
}

/// Builds the document of `methods` (sorted by name; `rpc.` methods left out).
///
/// Schemas derived from types share one draft-07 generator whose definitions become
/// `components.schemas`, so every `$ref` resolves inside the document.
pub(crate) fn document<'a>(
    discover: &Discover,
    methods: impl IntoIterator<Item = (&'a str, &'a MethodInfo)>,
) -> OpenRpc {
    let mut generator = SchemaSettings::draft07()
        .with(|settings| {
            settings.definitions_path = "/components/schemas".into();
            settings.meta_schema = None;
        })
        .into_generator();
    let empty = MethodDoc::default();
    let mut listed: Vec<openrpc::Method> = methods
        .into_iter()
        .filter(|(name, _)| !name.starts_with("rpc."))
        .map(|(name, info)| {
            let doc = info.doc.as_ref().unwrap_or(&empty);
            method(name, info, doc, &mut generator)
        })
        .collect();
    listed.sort_by(|a, b| a.name.cmp(&b.name));
    let schemas = generator.take_definitions(true);
    OpenRpc {
        openrpc: openrpc::OPENRPC_VERSION.to_owned(),
        info: discover.info.clone(),
        servers: discover.servers.clone(),
        methods: listed,
        components: (!schemas.is_empty()).then_some(Components { schemas }),
    }
}

fn method(
    name: &str,
    info: &MethodInfo,
    doc: &MethodDoc,
    generator: &mut schemars::SchemaGenerator,
) -> openrpc::Method {
    let raw = info.reads_params && info.param_names.is_empty();
    let params = if raw {
        doc.params
            .iter()
            .map(|param| descriptor(param, false, generator))
            .collect()
    } else {
        info.param_names
            .iter()
            .zip(&info.param_required)
            .map(
                |(param, &required)| match doc.params.iter().find(|d| d.name == *param) {
                    Some(described) => descriptor(described, required, generator),
                    None => ContentDescriptor {
                        name: (*param).to_owned(),
                        summary: None,
                        description: None,
                        schema: open(),
                        required,
                    },
                },
            )
            .collect()
    };
    let result = match &doc.result {
        Some(result) => descriptor(result, false, generator),
        None => ContentDescriptor {
            name: "result".to_owned(),
            summary: None,
            description: None,
            schema: open(),
            required: false,
        },
    };
    let structure = if raw {
        ParamStructure::ByPosition
    } else {
        ParamStructure::Either
    };
    openrpc::Method {
        name: name.to_owned(),
        summary: doc.summary.clone(),
        description: doc.description.clone(),
        params,
        result: Some(result),
        param_structure: Some(doc.param_structure.unwrap_or(structure)),
        errors: doc.errors.clone(),
        examples: doc.examples.clone(),
    }
}

fn descriptor(
    param: &ParamDoc,
    required: bool,
    generator: &mut schemars::SchemaGenerator,
) -> ContentDescriptor {
    ContentDescriptor {
        name: param.name.clone(),
        summary: param.summary.clone(),
        description: param.description.clone(),
        schema: param.schema.resolve(generator),
        required: param.required.unwrap_or(required),
    }
}

fn open() -> Value {
    Value::Object(serde_json::Map::new())
}

/// The document, serialized once and shared by every answer.
#[derive(Debug, Clone)]
pub(crate) struct Published(Arc<RawValue>);

impl Published {
    pub(crate) fn new(document: &OpenRpc) -> Self {
        let text = serde_json::to_string(document).unwrap_or_else(|_| "null".to_owned());
        let raw = RawValue::from_string(text).unwrap_or_else(|_| null());
        Published(Arc::from(raw))
    }

    /// Answers one `rpc.discover` call: the document for no params, `[]` or `{}`; -32602 otherwise.
    pub(crate) fn answer(&self, params: Option<&str>) -> Result<Self, ErrorObject> {
        let empty = match params.map(serde_json::from_str::<Value>) {
            None => true,
            Some(Ok(Value::Array(items))) => items.is_empty(),
            Some(Ok(Value::Object(members))) => members.is_empty(),
            Some(_) => false,
        };
        if empty {
            Ok(self.clone())
        } else {
            Err(ErrorObject::invalid_params(
                "rpc.discover takes no params (none, [] or {})",
            ))
        }
    }
}

fn null() -> Box<RawValue> {
    serde_json::value::to_raw_value(&Value::Null).unwrap_or_default()
}

impl serde::Serialize for Published {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}
