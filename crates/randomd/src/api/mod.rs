//! The RANDOM.ORG Release 1 API: the methods, their parameters, and their errors.

pub mod errors;
mod params;
mod request;

use std::sync::Arc;

use jrpc::{ErrorObject, Methods};

use crate::app::App;
use crate::ordered_json::OrderedJson;
pub use request::{Generate, Kind};

/// Registers every method of the API, basic and signed, against `app`.
pub fn methods(app: Arc<App>) -> Methods {
    let mut methods = Methods::new();
    for kind in Kind::ALL {
        for signed in [false, true] {
            let app = Arc::clone(&app);
            let name = if signed {
                kind.signed_name()
            } else {
                kind.basic_name()
            };
            methods.raw_async_method(name, move |call| {
                let app = Arc::clone(&app);
                let params = call.params().map(str::to_owned);
                async move { app.generate(kind, signed, params.as_deref()).await }
            });
        }
    }
    let usage_app = Arc::clone(&app);
    methods.raw_async_method("getUsage", move |call| {
        let app = Arc::clone(&usage_app);
        let params = call.params().map(str::to_owned);
        async move { app.usage(params.as_deref()).await }
    });
    methods.raw_async_method("verifySignature", move |call| {
        let app = Arc::clone(&app);
        let params = call.params().map(str::to_owned);
        async move { app.verify(params.as_deref()).await }
    });
    methods
}

/// Reads the params of a method that takes exactly `required`.
pub(crate) fn exact_params(raw: Option<&str>, required: &[&str]) -> Result<params::NamedParams, ErrorObject> {
    params::NamedParams::parse(raw, required, &[])
}

/// A result object, members in the order the reference shows them.
pub type ResultObject = Result<OrderedJson, ErrorObject>;
