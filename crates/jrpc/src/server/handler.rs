//! Handlers are plain functions: `Fn(A, B, ...) -> Result<T, E>`, sync or async.

use std::future::Future;

use serde::Serialize;

use crate::wire::ErrorObject;

/// What a handler returns: a serializable result or an error object.
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

/// A synchronous function of its arguments tuple `Args`. It runs inline, without spawning a task:
/// meant for cheap, non-blocking work.
pub trait SyncHandler<Args>: Send + Sync + 'static {
    /// The function's return type.
    type Output: IntoResult;

    /// Calls the function with the arguments spread out.
    fn call(&self, args: Args) -> Self::Output;
}

/// An asynchronous function of its arguments tuple `Args`.
pub trait AsyncHandler<Args>: Send + Sync + 'static {
    /// The value the future resolves to.
    type Output: IntoResult;
    /// The future the function returns.
    type Future: Future<Output = Self::Output> + Send + 'static;

    /// Calls the function with the arguments spread out.
    fn call(&self, args: Args) -> Self::Future;
}

macro_rules! handler_impls {
    ($($ty:ident $var:ident),*) => {
        impl<Func, R, $($ty),*> SyncHandler<($($ty,)*)> for Func
        where
            Func: Fn($($ty),*) -> R + Send + Sync + 'static,
            R: IntoResult,
        {
            type Output = R;

            fn call(&self, ($($var,)*): ($($ty,)*)) -> R {
                self($($var),*)
            }
        }

        impl<Func, Fut, $($ty),*> AsyncHandler<($($ty,)*)> for Func
        where
            Func: Fn($($ty),*) -> Fut + Send + Sync + 'static,
            Fut: Future + Send + 'static,
            Fut::Output: IntoResult,
        {
            type Output = Fut::Output;
            type Future = Fut;

            fn call(&self, ($($var,)*): ($($ty,)*)) -> Fut {
                self($($var),*)
            }
        }
    };
}

handler_impls!();
handler_impls!(A a);
handler_impls!(A a, B b);
handler_impls!(A a, B b, C c);
handler_impls!(A a, B b, C c, D d);
handler_impls!(A a, B b, C c, D d, E e);
handler_impls!(A a, B b, C c, D d, E e, F f);
handler_impls!(A a, B b, C c, D d, E e, F f, G g);
handler_impls!(A a, B b, C c, D d, E e, F f, G g, H h);
