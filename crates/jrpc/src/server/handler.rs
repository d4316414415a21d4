//! Handlers are plain functions: `Fn(extractors..., params...) -> R`, sync or async.
//!
//! The leading arguments are extracted from the call and the registry's state ([`FromCall`]: the
//! state, the connection's `Peer`, extensions, the raw params); the trailing ones are the typed
//! params, read by position or by name ([`FromParams`]). Which argument is which is decided by the
//! types: an extractor never deserializes, a param always does.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;

use serde::Serialize;
use serde_json::value::RawValue;

use super::extract::FromCall;
use super::params::FromParams;
use crate::wire::ErrorObject;

/// What a handler returns: a serializable result or an error object.
///
/// Implemented for `Result<T, E>` (any `E: Into<ErrorObject>`) and for the common plain result
/// types (numbers, strings, `bool`, `()`, `Vec`, `Option`, maps, tuples, `serde_json::Value`), so a
/// handler that cannot fail returns its value as it is, with no `Ok::<_, ErrorObject>` to spell out.
/// Any other serializable type can be returned as `Ok(value)` or wrapped in [`Json`].
pub trait IntoResult: Send + 'static {
    /// The success type.
    type Ok: Serialize + Send + 'static;

    /// Separates success from failure.
    fn into_result(self) -> Result<Self::Ok, ErrorObject>;
}

impl<T, E> IntoResult for Result<T, E>
where
    T: Serialize + Send + 'static,
    E: Into<ErrorObject> + Send + 'static,
{
    type Ok = T;

    fn into_result(self) -> Result<T, ErrorObject> {
        self.map_err(Into::into)
    }
}

/// Any serializable value as an infallible result: `Json(my_struct)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Json<T>(pub T);

impl<T: Serialize + Send + 'static> IntoResult for Json<T> {
    type Ok = T;

    fn into_result(self) -> Result<T, ErrorObject> {
        Ok(self.0)
    }
}

macro_rules! plain_results {
    ($($ty:ty),* $(,)?) => {
        $(
            impl IntoResult for $ty {
                type Ok = $ty;

                fn into_result(self) -> Result<$ty, ErrorObject> {
                    Ok(self)
                }
            }
        )*
    };
}

plain_results!(
    (),
    bool,
    char,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    f32,
    f64,
    String,
    &'static str,
    serde_json::Value,
    serde_json::Number,
    Box<RawValue>,
);

macro_rules! generic_results {
    ($([$($param:ident),*] $ty:ty),* $(,)?) => {
        $(
            impl<$($param: Serialize + Send + 'static),*> IntoResult for $ty {
                type Ok = $ty;

                fn into_result(self) -> Result<$ty, ErrorObject> {
                    Ok(self)
                }
            }
        )*
    };
}

generic_results!(
    [T] Vec<T>,
    [T] Option<T>,
    [T] Box<[T]>,
    [K, V] BTreeMap<K, V>,
    [A, B] (A, B),
    [A, B, C] (A, B, C),
    [A, B, C, D] (A, B, C, D),
);

impl<K, V, H> IntoResult for HashMap<K, V, H>
where
    K: Serialize + Send + 'static,
    V: Serialize + Send + 'static,
    H: Send + 'static,
{
    type Ok = HashMap<K, V, H>;

    fn into_result(self) -> Result<Self, ErrorObject> {
        Ok(self)
    }
}

/// A synchronous function of extractors `Ctx` and typed params `Args` (both tuples), on a registry
/// with state `S`. It runs inline, without spawning a task: meant for cheap, non-blocking work.
#[diagnostic::on_unimplemented(
    message = "this function cannot be registered as a synchronous JSON-RPC method",
    note = "a handler's leading arguments are extractors (State, Peer, Option<Peer>, Extension, Params); the rest are its params, each of which must implement serde::Deserialize",
    note = "it returns Result<T, E> with T: Serialize and E: Into<ErrorObject>, or a plain value such as a number, a String, a Vec or a tuple; wrap any other serializable type in jrpc::Json"
)]
pub trait SyncHandler<S, Ctx, Args>: Send + Sync + 'static {
    /// The function's return type.
    type Output: IntoResult;

    /// Calls the function with the arguments spread out.
    fn call(&self, ctx: Ctx, args: Args) -> Self::Output;
}

/// An asynchronous function of extractors `Ctx` and typed params `Args`, on a registry with state `S`.
#[diagnostic::on_unimplemented(
    message = "this function cannot be registered as an asynchronous JSON-RPC method",
    note = "a handler's leading arguments are extractors (State, Peer, Option<Peer>, Extension, Params); the rest are its params, each of which must implement serde::Deserialize",
    note = "it returns Result<T, E> with T: Serialize and E: Into<ErrorObject>, or a plain value such as a number, a String, a Vec or a tuple; wrap any other serializable type in jrpc::Json",
    note = "an async handler returns a future: an `async fn`, or a closure returning `async move {{ ... }}`"
)]
pub trait AsyncHandler<S, Ctx, Args>: Send + Sync + 'static {
    /// The value the future resolves to.
    type Output: IntoResult;
    /// The future the function returns.
    type Future: Future<Output = Self::Output> + Send + 'static;

    /// Calls the function with the arguments spread out.
    fn call(&self, ctx: Ctx, args: Args) -> Self::Future;
}

/// Extractors `Ctx` as a tuple, read from a call and the registry's state.
pub trait FromCallTuple<S>: Sized {
    /// True if one of the extractors reads the params itself.
    const READS_PARAMS: bool;

    /// Reads every extractor, failing with the first error.
    fn from_call(call: &super::Call, state: &std::sync::Arc<S>) -> Result<Self, ErrorObject>;
}

macro_rules! handler_impl {
    ([$($c:ident $cv:ident),*] [$($p:ident $pv:ident),*]) => {
        impl<S, Func, R, $($c,)* $($p),*> SyncHandler<S, ($($c,)*), ($($p,)*)> for Func
        where
            Func: Fn($($c,)* $($p),*) -> R + Send + Sync + 'static,
            R: IntoResult,
            $($c: FromCall<S>,)*
            ($($p,)*): FromParams,
        {
            type Output = R;

            #[allow(clippy::unused_unit)]
            fn call(&self, ($($cv,)*): ($($c,)*), ($($pv,)*): ($($p,)*)) -> R {
                self($($cv,)* $($pv),*)
            }
        }

        impl<S, Func, Fut, $($c,)* $($p),*> AsyncHandler<S, ($($c,)*), ($($p,)*)> for Func
        where
            Func: Fn($($c,)* $($p),*) -> Fut + Send + Sync + 'static,
            Fut: Future + Send + 'static,
            Fut::Output: IntoResult,
            $($c: FromCall<S>,)*
            ($($p,)*): FromParams,
        {
            type Output = Fut::Output;
            type Future = Fut;

            fn call(&self, ($($cv,)*): ($($c,)*), ($($pv,)*): ($($p,)*)) -> Fut {
                self($($cv,)* $($pv),*)
            }
        }
    };
}

/// Every count of typed params (0 to 8) after the given extractors.
macro_rules! handler_impls_with {
    ($($ctx:tt)*) => {
        handler_impl!([$($ctx)*] []);
        handler_impl!([$($ctx)*] [P1 p1]);
        handler_impl!([$($ctx)*] [P1 p1, P2 p2]);
        handler_impl!([$($ctx)*] [P1 p1, P2 p2, P3 p3]);
        handler_impl!([$($ctx)*] [P1 p1, P2 p2, P3 p3, P4 p4]);
        handler_impl!([$($ctx)*] [P1 p1, P2 p2, P3 p3, P4 p4, P5 p5]);
        handler_impl!([$($ctx)*] [P1 p1, P2 p2, P3 p3, P4 p4, P5 p5, P6 p6]);
        handler_impl!([$($ctx)*] [P1 p1, P2 p2, P3 p3, P4 p4, P5 p5, P6 p6, P7 p7]);
        handler_impl!([$($ctx)*] [P1 p1, P2 p2, P3 p3, P4 p4, P5 p5, P6 p6, P7 p7, P8 p8]);
    };
}

handler_impls_with!();
handler_impls_with!(C1 c1);
handler_impls_with!(C1 c1, C2 c2);
handler_impls_with!(C1 c1, C2 c2, C3 c3);
handler_impls_with!(C1 c1, C2 c2, C3 c3, C4 c4);

macro_rules! from_call_tuple {
    ($($c:ident),*) => {
        impl<S, $($c: FromCall<S>),*> FromCallTuple<S> for ($($c,)*) {
            const READS_PARAMS: bool = false $(|| $c::READS_PARAMS)*;

            #[allow(unused_variables, clippy::unused_unit)]
            fn from_call(call: &super::Call, state: &std::sync::Arc<S>) -> Result<Self, ErrorObject> {
                Ok(($($c::from_call(call, state)?,)*))
            }
        }
    };
}

from_call_tuple!();
from_call_tuple!(C1);
from_call_tuple!(C1, C2);
from_call_tuple!(C1, C2, C3);
from_call_tuple!(C1, C2, C3, C4);
