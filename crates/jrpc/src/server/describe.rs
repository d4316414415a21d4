//! What a method says about itself beyond its signature: summary, param and result schemas,
//! errors and examples, attached with `Methods::describe` and published by `rpc.discover`.
//!
//! A generic `Methods::method` cannot ask whether a param type implements `JsonSchema` (Rust has
//! no specialization), so schemas are given explicitly: [`SchemaSource::of`] derives one from a
//! type with `schemars`, and anything not described gets an open schema (`{}`). A code generator
//! (a proc macro) that knows concrete types can use [`schema_source!`](crate::schema_source), which
//! picks the `schemars` schema when the type has one and the open schema otherwise.

use std::fmt;
use std::marker::PhantomData;

use schemars::{JsonSchema, SchemaGenerator};
use serde_json::Value;

use crate::openrpc::{ExamplePairing, MethodError, ParamStructure};

/// Where a param's or result's JSON Schema comes from.
///
/// Schemas derived from types are generated when the server is built, all with one generator, so
/// that a type used by several methods is defined once under `#/components/schemas`.
#[derive(Clone)]
pub struct SchemaSource(Source);

#[derive(Clone)]
enum Source {
    Open,
    Json(Value),
    Derived(fn(&mut SchemaGenerator) -> schemars::Schema),
}

impl SchemaSource {
    /// The schema that accepts any value: `{}`.
    pub fn open() -> Self {
        SchemaSource(Source::Open)
    }

    /// The schema `schemars` derives for `T` (draft-07, as OpenRPC 1.3 uses).
    pub fn of<T: JsonSchema + ?Sized>() -> Self {
        SchemaSource(Source::Derived(derive::<T>))
    }

    /// A schema written by hand, e.g. `json!({"type": "integer", "minimum": 1})`.
    pub fn json(schema: Value) -> Self {
        SchemaSource(Source::Json(schema))
    }

    /// The schema as JSON, generating it with `generator` if it comes from a type.
    pub(crate) fn resolve(&self, generator: &mut SchemaGenerator) -> Value {
        match &self.0 {
            Source::Open => Value::Object(serde_json::Map::new()),
            Source::Json(schema) => schema.clone(),
            Source::Derived(derive) => {
                let mut schema = derive(generator);
                // `subschema_for` leaves the draft's transforms (e.g. `prefixItems` to `items`) to
                // the caller.
                for transform in generator.transforms_mut() {
                    transform.transform(&mut schema);
                }
                schema.to_value()
            }
        }
    }
}

fn derive<T: JsonSchema + ?Sized>(generator: &mut SchemaGenerator) -> schemars::Schema {
    generator.subschema_for::<T>()
}

impl fmt::Debug for SchemaSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Source::Open => f.write_str("SchemaSource::open()"),
            Source::Json(schema) => write!(f, "SchemaSource::json({schema})"),
            Source::Derived(_) => f.write_str("SchemaSource::of::<_>()"),
        }
    }
}

/// A param or a result: its name, schema and words about it.
#[derive(Debug, Clone)]
pub struct ParamDoc {
    pub(crate) name: String,
    pub(crate) schema: SchemaSource,
    pub(crate) summary: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) required: Option<bool>,
}

impl ParamDoc {
    /// A param (or result) called `name` with this schema.
    pub fn new(name: impl Into<String>, schema: SchemaSource) -> Self {
        ParamDoc {
            name: name.into(),
            schema,
            summary: None,
            description: None,
            required: None,
        }
    }

    /// A short summary.
    pub fn summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = Some(summary.into());
        self
    }

    /// A longer description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Says whether a call must give it. By default a typed param is required unless its type
    /// accepts absence (an `Option`), and a param of a raw-`Params` method is not.
    pub fn required(mut self, required: bool) -> Self {
        self.required = Some(required);
        self
    }
}

/// The description of one method, for its OpenRPC entry.
///
/// ```
/// use jrpc::openrpc::ExamplePairing;
/// use jrpc::server::{MethodDoc, SchemaSource};
///
/// let mut methods = jrpc::Methods::new();
/// methods.method("subtract", ["minuend", "subtrahend"], |a: i64, b: i64| a - b);
/// methods.describe(
///     "subtract",
///     MethodDoc::new()
///         .summary("Subtracts the subtrahend from the minuend.")
///         .param("minuend", SchemaSource::of::<i64>())
///         .param("subtrahend", SchemaSource::of::<i64>())
///         .result("difference", SchemaSource::of::<i64>())
///         .error(-32602, "Invalid params")
///         .example(ExamplePairing::new("by position").param("minuend", 42).param("subtrahend", 23).result(19)),
/// );
/// ```
#[derive(Debug, Clone, Default)]
pub struct MethodDoc {
    pub(crate) summary: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) params: Vec<ParamDoc>,
    pub(crate) result: Option<ParamDoc>,
    pub(crate) param_structure: Option<ParamStructure>,
    pub(crate) errors: Vec<MethodError>,
    pub(crate) examples: Vec<ExamplePairing>,
}

impl MethodDoc {
    /// An empty description: every schema open.
    pub fn new() -> Self {
        MethodDoc::default()
    }

    /// A short summary (one line).
    pub fn summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = Some(summary.into());
        self
    }

    /// A longer description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The schema of the param `name`. For a method with typed params the name must be one given
    /// at registration; for a method that reads raw `Params` it adds a param, in order.
    pub fn param(self, name: impl Into<String>, schema: SchemaSource) -> Self {
        self.param_doc(ParamDoc::new(name, schema))
    }

    /// Like [`MethodDoc::param`], with words and an explicit required flag.
    pub fn param_doc(mut self, param: ParamDoc) -> Self {
        self.params.retain(|known| known.name != param.name);
        self.params.push(param);
        self
    }

    /// The result's name and schema (by default `result`, open).
    pub fn result(self, name: impl Into<String>, schema: SchemaSource) -> Self {
        self.result_doc(ParamDoc::new(name, schema))
    }

    /// Like [`MethodDoc::result`], with words.
    pub fn result_doc(mut self, result: ParamDoc) -> Self {
        self.result = Some(result);
        self
    }

    /// How params are accepted. By default `either` for typed params, and `by-position` for a
    /// method that reads raw `Params`.
    pub fn param_structure(mut self, structure: ParamStructure) -> Self {
        self.param_structure = Some(structure);
        self
    }

    /// An error the method may answer with.
    pub fn error(self, code: i64, message: impl Into<String>) -> Self {
        self.error_object(MethodError::new(code, message))
    }

    /// An error the method may answer with, with fixed data.
    pub fn error_object(mut self, error: MethodError) -> Self {
        self.errors.push(error);
        self
    }

    /// An example call and its result. Its params are named; the document lists them in the
    /// method's param order.
    pub fn example(mut self, example: ExamplePairing) -> Self {
        self.examples.push(example);
        self
    }

    /// Puts the example params of a method with typed params in their registered order, and
    /// checks that every name given is one of them.
    pub(crate) fn check_names(&mut self, method: &str, names: &[&'static str]) {
        let position = |name: &str| names.iter().position(|known| *known == name);
        for param in &self.params {
            assert!(
                position(&param.name).is_some(),
                "method `{method}` has no param `{}` to describe (its params: {names:?})",
                param.name
            );
        }
        self.params
            .sort_by_key(|param| position(&param.name).unwrap_or(usize::MAX));
        for example in &mut self.examples {
            for param in &example.params {
                assert!(
                    position(&param.name).is_some(),
                    "example `{}` of method `{method}` names no param `{}` (its params: {names:?})",
                    example.name,
                    param.name
                );
            }
            example
                .params
                .sort_by_key(|param| position(&param.name).unwrap_or(usize::MAX));
        }
    }
}

/// Picks a type's schema when it implements `JsonSchema` and the open schema otherwise; for code
/// generators, through [`schema_source!`](crate::schema_source).
#[doc(hidden)]
pub struct SchemaProbe<T: ?Sized>(PhantomData<T>);

impl<T: ?Sized> SchemaProbe<T> {
    /// A probe for `T`.
    pub fn new() -> Self {
        SchemaProbe(PhantomData)
    }
}

impl<T: ?Sized> Default for SchemaProbe<T> {
    fn default() -> Self {
        SchemaProbe::new()
    }
}

impl<T: ?Sized> fmt::Debug for SchemaProbe<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SchemaProbe")
    }
}

/// Chosen first (it needs one less auto-reference) when `T: JsonSchema`.
#[doc(hidden)]
pub trait ProbeJsonSchema {
    /// The type's schema.
    fn schema_source(&self) -> SchemaSource;
}

impl<T: JsonSchema + ?Sized> ProbeJsonSchema for &SchemaProbe<T> {
    fn schema_source(&self) -> SchemaSource {
        SchemaSource::of::<T>()
    }
}

/// The fallback: an open schema.
#[doc(hidden)]
pub trait ProbeOpen {
    /// The open schema.
    fn schema_source(&self) -> SchemaSource;
}

impl<T: ?Sized> ProbeOpen for SchemaProbe<T> {
    fn schema_source(&self) -> SchemaSource {
        SchemaSource::open()
    }
}

/// The [`SchemaSource`] of a concrete type: `schemars`'s schema if the type implements
/// `JsonSchema`, the open schema if not. Meant for code generators (autoref specialization only
/// works where the type is known, not inside generic code).
///
/// ```
/// struct Opaque;
/// let derived = jrpc::schema_source!(Vec<i64>);
/// let open = jrpc::schema_source!(Opaque);
/// assert_eq!(format!("{derived:?}"), "SchemaSource::of::<_>()");
/// assert_eq!(format!("{open:?}"), "SchemaSource::open()");
/// ```
#[macro_export]
macro_rules! schema_source {
    ($ty:ty) => {{
        #[allow(unused_imports)]
        use $crate::server::{ProbeJsonSchema as _, ProbeOpen as _};
        (&&$crate::server::SchemaProbe::<$ty>::new()).schema_source()
    }};
}

/// What the registry knows of a method besides how to run it: enough to describe it to others
/// (`rpc.discover` builds its OpenRPC entry from this).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MethodInfo {
    /// The names of its typed params, in order (empty for a method that reads raw params).
    pub param_names: Vec<&'static str>,
    /// For each typed param, whether a call must give it (`Option` params need not be given).
    pub param_required: Vec<bool>,
    /// True if an extractor reads the raw params (such as [`Params`](super::Params)).
    pub reads_params: bool,
    /// True if it runs asynchronously.
    pub is_async: bool,
    /// What [`Methods::describe`](super::Methods::describe) attached: summary, schemas, errors, examples.
    pub doc: Option<MethodDoc>,
}
