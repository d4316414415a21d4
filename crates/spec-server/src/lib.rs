//! The methods of the JSON-RPC 2.0 specification's examples (section 7), as one registry.
//!
//! `subtract` takes two numbers by position or by name (`minuend`, `subtrahend`); `sum` adds any
//! count of numbers; `update`, `notify_hello` and `notify_sum` are the examples' notifications (they
//! also answer when called with an id); `get_data` returns `["hello", 5]`.
//!
//! They are defined once, as the trait [`Spec`] with `#[jrpc::rpc]`: the registry
//! ([`methods`]), the typed client ([`SpecClient`]) and the OpenRPC descriptions (from the doc
//! comments) come from it. The descriptions are completed with [`Methods::describe`], so a server
//! built with [`discover`] answers `rpc.discover` with a complete OpenRPC document, the section 7
//! examples included.

use jrpc::openrpc::{ExamplePairing, ParamStructure};
use jrpc::server::{Discover, ParamDoc, SchemaSource};
use jrpc::{ErrorObject, Methods, Params};
use serde_json::{json, Number};

/// The `rpc.discover` setting of the spec server: its `info`; add where it is served with
/// [`Discover::server`].
pub fn discover() -> Discover {
    Discover::new("spec-server", env!("CARGO_PKG_VERSION"))
        .description("The example methods of the JSON-RPC 2.0 specification (section 7), served by jrpc.")
}

/// The specification's example methods (section 7), defined once for the server, the client
/// (`SpecClient` on `jrpc::client::Client`) and the OpenRPC document.
#[jrpc::rpc]
pub trait Spec {
    /// Subtracts the subtrahend from the minuend.
    ///
    /// Integers are subtracted exactly; when the result does not fit in 64 bits, or a number is
    /// not an integer, in floating point.
    #[rpc(result = "difference")]
    fn subtract(&self, minuend: Number, subtrahend: Number) -> Result<Number, ErrorObject>;

    /// Adds any count of numbers, given by position.
    ///
    /// Takes any count of numbers by position (none gives 0); the three params listed are those
    /// of the specification's example. Named params are refused.
    #[rpc(raw_params, result = "sum")]
    fn sum(&self, params: Params) -> Result<Number, ErrorObject>;

    /// Takes any params and does nothing with them but log them.
    ///
    /// Section 7's notification example. It accepts any params, by position or by name; called
    /// with an id it answers null.
    #[rpc(raw_params, notification, result = "nothing")]
    fn update(&self, params: Params);

    /// A notification of section 7's batch: logs its params.
    ///
    /// It accepts any params; called with an id it answers null.
    #[rpc(raw_params, notification, result = "nothing")]
    fn notify_hello(&self, params: Params);

    /// A notification of section 7's batch: adds numbers given by position.
    ///
    /// Like sum, and logs the total; called with an id it answers the total.
    #[rpc(raw_params, notification, result = "sum")]
    fn notify_sum(&self, params: Params) -> Result<Number, ErrorObject>;

    /// Returns ["hello", 5].
    ///
    /// The last call of section 7's batch. It takes no params.
    #[rpc(result = "data")]
    fn get_data(&self) -> (String, i64);
}

/// The implementation of [`Spec`]: stateless.
#[derive(Debug, Clone, Copy, Default)]
pub struct Examples;

impl Spec for Examples {
    fn subtract(&self, minuend: Number, subtrahend: Number) -> Result<Number, ErrorObject> {
        arithmetic(&minuend, &subtrahend, i64::checked_sub, |a, b| a - b)
    }

    fn sum(&self, params: Params) -> Result<Number, ErrorObject> {
        add_all(params)
    }

    fn update(&self, params: Params) {
        tracing::info!(params = params.as_str().unwrap_or("none"), "update");
    }

    fn notify_hello(&self, params: Params) {
        tracing::info!(params = params.as_str().unwrap_or("none"), "hello");
    }

    fn notify_sum(&self, params: Params) -> Result<Number, ErrorObject> {
        let total = add_all(params)?;
        tracing::info!(%total, "notify_sum");
        Ok(total)
    }

    fn get_data(&self) -> (String, i64) {
        ("hello".to_owned(), 5)
    }
}

/// The registry of the specification's example methods.
pub fn methods() -> Methods {
    let mut methods = SpecServer::into_methods(Examples);
    describe(&mut methods);
    methods
}

/// Adds to the macro's descriptions (from the doc comments and types above) what a signature
/// cannot say: param words, the params of raw-params methods, errors and the specification's
/// examples.
fn describe(methods: &mut Methods) {
    let doc = |name: &str| SpecServer::doc(name).unwrap_or_default();
    let number = SchemaSource::of::<Number>;
    let (code, message) = (-32602, "Invalid params");
    methods
        .describe(
            "subtract",
            doc("subtract")
                .param_doc(ParamDoc::new("minuend", number()).summary("The number to subtract from."))
                .param_doc(ParamDoc::new("subtrahend", number()).summary("The number subtracted."))
                .result_doc(ParamDoc::new("difference", number()).summary("minuend - subtrahend"))
                .error(code, message)
                .example(spec_subtract("positional parameters", 42, 23, 19))
                .example(spec_subtract("positional parameters, swapped", 23, 42, -19))
                .example(
                    spec_subtract("named parameters", 42, 23, 19)
                        .description("{\"subtrahend\": 23, \"minuend\": 42} (section 7)"),
                )
                .example(
                    spec_subtract("named parameters, in order", 42, 23, 19)
                        .description("{\"minuend\": 42, \"subtrahend\": 23} (section 7)"),
                ),
        )
        .describe(
            "sum",
            doc("sum")
                .param_structure(ParamStructure::ByPosition)
                .param("a", number())
                .param("b", number())
                .param("c", number())
                .result("sum", number())
                .error(code, message)
                .example(
                    ExamplePairing::new("batch element")
                        .description("The first call of section 7's batch.")
                        .param("a", 1)
                        .param("b", 2)
                        .param("c", 4)
                        .result(7),
                ),
        )
        .describe(
            "update",
            doc("update")
                .param_structure(ParamStructure::ByPosition)
                .param("a", SchemaSource::open())
                .param("b", SchemaSource::open())
                .param("c", SchemaSource::open())
                .param("d", SchemaSource::open())
                .param("e", SchemaSource::open())
                .example(
                    ExamplePairing::new("notification")
                        .description("Sent as a notification in section 7; called here, it answers null.")
                        .param("a", 1)
                        .param("b", 2)
                        .param("c", 3)
                        .param("d", 4)
                        .param("e", 5)
                        .result(json!(null)),
                ),
        )
        .describe(
            "notify_hello",
            doc("notify_hello")
                .param_structure(ParamStructure::ByPosition)
                .param("value", SchemaSource::open())
                .example(
                    ExamplePairing::new("batch notification")
                        .param("value", 7)
                        .result(json!(null)),
                ),
        )
        .describe(
            "notify_sum",
            doc("notify_sum")
                .param_structure(ParamStructure::ByPosition)
                .param("a", number())
                .param("b", number())
                .param("c", number())
                .result("sum", number())
                .error(code, message)
                .example(
                    ExamplePairing::new("batch notification")
                        .param("a", 1)
                        .param("b", 2)
                        .param("c", 4)
                        .result(7),
                ),
        )
        .describe(
            "get_data",
            doc("get_data").error(code, message).example(
                ExamplePairing::new("batch element")
                    .description("The last call of section 7's batch.")
                    .result(json!(["hello", 5])),
            ),
        );
}

/// One of section 7's `subtract` calls.
fn spec_subtract(name: &str, minuend: i64, subtrahend: i64, difference: i64) -> ExamplePairing {
    ExamplePairing::new(name)
        .param("minuend", minuend)
        .param("subtrahend", subtrahend)
        .result(difference)
}

/// Adds numbers given by position; integers stay exact unless they overflow, then floats are used.
fn add_all(params: Params) -> Result<Number, ErrorObject> {
    if params.is_named() {
        return Err(ErrorObject::invalid_params("sum takes its numbers by position"));
    }
    let numbers: Option<Vec<Number>> = params.parse()?;
    let zero = Number::from(0);
    numbers
        .unwrap_or_default()
        .iter()
        .try_fold(zero, |total, number| {
            arithmetic(&total, number, i64::checked_add, |a, b| a + b)
        })
}

/// Applies an operation exactly on integers, falling back to floating point.
fn arithmetic(
    a: &Number,
    b: &Number,
    exact: fn(i64, i64) -> Option<i64>,
    float: fn(f64, f64) -> f64,
) -> Result<Number, ErrorObject> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        if let Some(result) = exact(x, y) {
            return Ok(Number::from(result));
        }
    }
    let (Some(x), Some(y)) = (a.as_f64(), b.as_f64()) else {
        return Err(ErrorObject::invalid_params("numbers out of range"));
    };
    Number::from_f64(float(x, y))
        .ok_or_else(|| ErrorObject::invalid_params("the result is not a finite number"))
}
