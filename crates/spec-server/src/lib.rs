//! The methods of the JSON-RPC 2.0 specification's examples (section 7), as one registry.
//!
//! `subtract` takes two numbers by position or by name (`minuend`, `subtrahend`); `sum` adds any
//! count of numbers; `update`, `notify_hello` and `notify_sum` are the examples' notifications (they
//! also answer when called with an id); `get_data` returns `["hello", 5]`.
//!
//! Every method is described ([`Methods::describe`]), so a server built with [`discover`] answers
//! `rpc.discover` with a complete OpenRPC document, the section 7 examples included.

use jrpc::openrpc::{ExamplePairing, ParamStructure};
use jrpc::server::{Discover, MethodDoc, ParamDoc, SchemaSource};
use jrpc::{ErrorObject, Methods, Params};
use serde_json::{json, Number};

/// The `rpc.discover` setting of the spec server: its `info`; add where it is served with
/// [`Discover::server`].
pub fn discover() -> Discover {
    Discover::new("spec-server", env!("CARGO_PKG_VERSION"))
        .description("The example methods of the JSON-RPC 2.0 specification (section 7), served by jrpc.")
}

/// The registry of the specification's example methods.
pub fn methods() -> Methods {
    let mut methods = Methods::new();
    methods
        .method(
            "subtract",
            ["minuend", "subtrahend"],
            |minuend: Number, subtrahend: Number| {
                arithmetic(&minuend, &subtrahend, i64::checked_sub, |a, b| a - b)
            },
        )
        .method("sum", [], sum)
        .method("update", [], |params: Params| {
            tracing::info!(params = params.as_str().unwrap_or("none"), "update");
        })
        .method("notify_hello", [], |params: Params| {
            tracing::info!(params = params.as_str().unwrap_or("none"), "hello");
        })
        .method("notify_sum", [], |params: Params| {
            let total = sum(params)?;
            tracing::info!(%total, "notify_sum");
            Ok::<_, ErrorObject>(total)
        })
        .method("get_data", [], || ("hello", 5));
    describe(&mut methods);
    methods
}

/// The OpenRPC descriptions of the methods, with the specification's examples.
fn describe(methods: &mut Methods) {
    let number = SchemaSource::of::<Number>;
    let (code, message) = (-32602, "Invalid params");
    methods
        .describe(
            "subtract",
            MethodDoc::new()
                .summary("Subtracts the subtrahend from the minuend.")
                .description(
                    "Integers are subtracted exactly; when the result does not fit in 64 bits, or a \
                     number is not an integer, in floating point.",
                )
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
            MethodDoc::new()
                .summary("Adds any count of numbers, given by position.")
                .description(
                    "Takes any count of numbers by position (none gives 0); the three params \
                     listed are those of the specification's example. Named params are refused.",
                )
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
            MethodDoc::new()
                .summary("Takes any params and does nothing with them but log them.")
                .description(
                    "Section 7's notification example. It accepts any params, by position or by \
                     name; called with an id it answers null.",
                )
                .param_structure(ParamStructure::ByPosition)
                .param("a", SchemaSource::open())
                .param("b", SchemaSource::open())
                .param("c", SchemaSource::open())
                .param("d", SchemaSource::open())
                .param("e", SchemaSource::open())
                .result("nothing", SchemaSource::of::<()>())
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
            MethodDoc::new()
                .summary("A notification of section 7's batch: logs its params.")
                .description("It accepts any params; called with an id it answers null.")
                .param_structure(ParamStructure::ByPosition)
                .param("value", SchemaSource::open())
                .result("nothing", SchemaSource::of::<()>())
                .example(
                    ExamplePairing::new("batch notification")
                        .param("value", 7)
                        .result(json!(null)),
                ),
        )
        .describe(
            "notify_sum",
            MethodDoc::new()
                .summary("A notification of section 7's batch: adds numbers given by position.")
                .description("Like sum, and logs the total; called with an id it answers the total.")
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
            MethodDoc::new()
                .summary("Returns [\"hello\", 5].")
                .description("The last call of section 7's batch. It takes no params.")
                .result("data", SchemaSource::of::<(String, i64)>())
                .error(code, message)
                .example(
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
fn sum(params: Params) -> Result<Number, ErrorObject> {
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
