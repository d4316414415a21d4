//! The method registry, and the tower service at the bottom of every call's path.

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use rustc_hash::FxBuildHasher;

use super::call::{Call, Reply};
use super::handler::{AsyncHandler, IntoResult, SyncHandler};
use super::params::{FromParams, Params};
use crate::wire::{ErrorCode, ErrorObject};

type SyncFn = Box<dyn Fn(&Call) -> Option<Reply> + Send + Sync>;
type AsyncFn = Box<dyn Fn(Call) -> BoxFuture<'static, Option<Reply>> + Send + Sync>;

enum Handler {
    Sync(SyncFn),
    Async(AsyncFn),
}

/// The methods a server offers, by name.
///
/// ```
/// let mut methods = jrpc::Methods::new();
/// methods.method("subtract", &["minuend", "subtrahend"], |a: i64, b: i64| Ok::<_, jrpc::ErrorObject>(a - b));
/// ```
#[derive(Default)]
pub struct Methods {
    /// FxHash rather than SipHash: only the server inserts names, clients can only look them up, so
    /// there is no table for a client to flood, and the lookup is on every call's path.
    handlers: HashMap<Box<str>, Handler, FxBuildHasher>,
}

impl fmt::Debug for Methods {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<_> = self.handlers.keys().collect();
        names.sort();
        f.debug_struct("Methods").field("names", &names).finish()
    }
}

impl Methods {
    /// An empty registry.
    pub fn new() -> Self {
        Methods::default()
    }

    /// Registers a synchronous function whose parameters have the given names, in order.
    ///
    /// It runs inline on the connection's task: keep it cheap and non-blocking.
    ///
    /// # Panics
    /// If the name is taken or reserved (`rpc.`), or `names` does not give one name per argument.
    pub fn method<Args, H>(&mut self, name: &str, names: &'static [&'static str], handler: H) -> &mut Self
    where
        Args: FromParams,
        H: SyncHandler<Args>,
    {
        check_arity::<Args>(name, names);
        self.insert(
            name,
            Handler::Sync(Box::new(move |call: &Call| {
                let outcome =
                    Args::from_params(call.params(), names).and_then(|args| handler.call(args).into_result());
                reply(call, outcome)
            })),
        )
    }

    /// Registers an asynchronous function whose parameters have the given names, in order.
    ///
    /// # Panics
    /// If the name is taken or reserved (`rpc.`), or `names` does not give one name per argument.
    pub fn async_method<Args, H>(
        &mut self,
        name: &str,
        names: &'static [&'static str],
        handler: H,
    ) -> &mut Self
    where
        Args: FromParams,
        H: AsyncHandler<Args>,
    {
        check_arity::<Args>(name, names);
        let handler = Arc::new(handler);
        self.insert(
            name,
            Handler::Async(Box::new(move |call: Call| {
                let args = Args::from_params(call.params(), names);
                let handler = Arc::clone(&handler);
                Box::pin(async move {
                    let outcome = match args {
                        Ok(args) => handler.call(args).await.into_result(),
                        Err(error) => Err(error),
                    };
                    reply(&call, outcome)
                })
            })),
        )
    }

    /// Registers a synchronous function that reads the params itself.
    ///
    /// # Panics
    /// If the name is taken or reserved (`rpc.`).
    pub fn raw_method<F, R>(&mut self, name: &str, handler: F) -> &mut Self
    where
        F: Fn(Params<'_>) -> R + Send + Sync + 'static,
        R: IntoResult,
    {
        self.insert(
            name,
            Handler::Sync(Box::new(move |call: &Call| {
                reply(call, handler(Params::new(call.params())).into_result())
            })),
        )
    }

    /// Registers an asynchronous function that receives the whole call: its params, id and the
    /// extensions that the transport and middleware attached.
    ///
    /// # Panics
    /// If the name is taken or reserved (`rpc.`).
    pub fn raw_async_method<F, Fut>(&mut self, name: &str, handler: F) -> &mut Self
    where
        F: Fn(&Call) -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: IntoResult,
    {
        self.insert(
            name,
            Handler::Async(Box::new(move |call: Call| {
                let future = handler(&call);
                Box::pin(async move { reply(&call, future.await.into_result()) })
            })),
        )
    }

    /// True if a method of this name is registered.
    pub fn contains(&self, name: &str) -> bool {
        self.handlers.contains_key(name)
    }

    /// The registered names, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.handlers.keys().map(AsRef::as_ref).collect();
        names.sort_unstable();
        names
    }

    /// Turns the registry into the tower service that answers calls.
    pub fn into_service(self) -> MethodsService {
        MethodsService {
            methods: Arc::new(self),
        }
    }

    fn insert(&mut self, name: &str, handler: Handler) -> &mut Self {
        assert!(
            !name.starts_with("rpc."),
            "method names beginning with `rpc.` are reserved (spec 8): {name}"
        );
        let previous = self.handlers.insert(name.into(), handler);
        assert!(previous.is_none(), "method `{name}` is registered twice");
        self
    }

    fn invoke(&self, call: Call) -> CallFuture {
        match self.handlers.get(call.method()) {
            None => CallFuture::ready(call.reply_error(&ErrorCode::MethodNotFound.into())),
            Some(Handler::Sync(handler)) => {
                let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| handler(&call)));
                CallFuture::ready(outcome.unwrap_or_else(|_| panicked(&call)))
            }
            Some(Handler::Async(handler)) => {
                let return_address = call.return_address();
                let panicked = move || {
                    tracing::error!(method = return_address.method(), "handler panicked");
                    return_address.reply_error(&internal_panic())
                };
                match std::panic::catch_unwind(AssertUnwindSafe(|| handler(call))) {
                    Ok(future) => CallFuture::Pending(Box::pin(
                        AssertUnwindSafe(future)
                            .catch_unwind()
                            .map(move |outcome| outcome.unwrap_or_else(|_| panicked())),
                    )),
                    Err(_) => CallFuture::ready(panicked()),
                }
            }
        }
    }
}

fn check_arity<Args: FromParams>(name: &str, names: &[&str]) {
    assert_eq!(
        names.len(),
        Args::ARITY,
        "method `{name}` takes {} parameters but {} names were given",
        Args::ARITY,
        names.len()
    );
}

fn reply<T: serde::Serialize>(call: &Call, outcome: Result<T, ErrorObject>) -> Option<Reply> {
    match outcome {
        Ok(result) => call.reply_result(&result),
        Err(error) => call.reply_error(&error),
    }
}

fn internal_panic() -> ErrorObject {
    ErrorObject::internal("the method panicked")
}

fn panicked(call: &Call) -> Option<Reply> {
    tracing::error!(method = call.method(), "handler panicked");
    call.reply_error(&internal_panic())
}

/// The service that runs registered methods: the innermost service of the per-call stack.
///
/// Cloning it is cheap (one reference count).
#[derive(Clone, Debug)]
pub struct MethodsService {
    methods: Arc<Methods>,
}

impl MethodsService {
    /// The registry behind the service.
    pub fn methods(&self) -> &Methods {
        &self.methods
    }
}

impl tower::Service<Call> for MethodsService {
    type Response = Option<Reply>;
    type Error = Infallible;
    type Future = CallFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, call: Call) -> CallFuture {
        self.methods.invoke(call)
    }
}

/// The future of one call: already finished for synchronous methods, so they cost no allocation.
pub enum CallFuture {
    /// The reply is here (taken on first poll).
    Ready(Option<Option<Reply>>),
    /// An asynchronous method is running.
    Pending(BoxFuture<'static, Option<Reply>>),
}

impl CallFuture {
    fn ready(reply: Option<Reply>) -> Self {
        CallFuture::Ready(Some(reply))
    }
}

impl fmt::Debug for CallFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallFuture::Ready(_) => f.write_str("CallFuture::Ready"),
            CallFuture::Pending(_) => f.write_str("CallFuture::Pending"),
        }
    }
}

impl Future for CallFuture {
    type Output = Result<Option<Reply>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            CallFuture::Ready(reply) => Poll::Ready(Ok(reply.take().unwrap_or(None))),
            CallFuture::Pending(future) => future.as_mut().poll(cx).map(Ok),
        }
    }
}
