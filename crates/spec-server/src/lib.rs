//! The methods of the JSON-RPC 2.0 specification's examples (section 7), as one registry.
//!
//! `subtract` takes two numbers by position or by name (`minuend`, `subtrahend`); `sum` adds any
//! count of numbers; `update`, `notify_hello` and `notify_sum` are the examples' notifications (they
//! also answer when called with an id); `get_data` returns `["hello", 5]`.

use jrpc::{ErrorObject, Methods, Params};
use serde_json::Number;

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
    methods
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
