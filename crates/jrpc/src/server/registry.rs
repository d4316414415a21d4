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
use super::describe::MethodDoc;
pub use super::describe::MethodInfo;
use super::discover::{self, Discover, Published};
use super::handler::{AsyncHandler, FromCallTuple, IntoResult, SyncHandler};
use super::params::FromParams;
use crate::openrpc::{OpenRpc, DISCOVER_METHOD};
use crate::wire::{ErrorCode, ErrorObject};

type SyncFn = Box<dyn Fn(&Call) -> Option<Reply> + Send + Sync>;
type AsyncFn = Box<dyn Fn(Call) -> BoxFuture<'static, Option<Reply>> + Send + Sync>;

enum Handler {
    Sync(SyncFn),
    Async(AsyncFn),
}

struct Entry {
    handler: Handler,
    info: MethodInfo,
}

/// The methods a server offers, by name, with the shared state `S` their handlers may ask for.
///
/// A handler is a plain function or closure. Its leading arguments are extractors ([`State`],
/// `Peer`, [`Extension`], [`Params`]); the rest are its typed params, read by position or by the
/// names given at registration (one name per param, checked at compile time).
///
/// ```
/// use jrpc::{Methods, State};
///
/// struct Ledger { offset: i64 }
///
/// fn subtract(ledger: State<Ledger>, minuend: i64, subtrahend: i64) -> i64 {
///     minuend - subtrahend + ledger.offset
/// }
///
/// let mut methods = Methods::with_state(Ledger { offset: 0 });
/// methods.method("subtract", ["minuend", "subtrahend"], subtract);
/// methods.method("double", ["x"], |x: i64| x * 2);
/// ```
///
/// [`State`]: super::State
/// [`Extension`]: super::Extension
/// [`Params`]: super::Params
pub struct Methods<S = ()> {
    state: Arc<S>,
    /// FxHash rather than SipHash: only the server inserts names, clients can only look them up, so
    /// there is no table for a client to flood, and the lookup is on every call's path.
    entries: HashMap<Box<str>, Entry, FxBuildHasher>,
}

impl Default for Methods<()> {
    fn default() -> Self {
        Methods::new()
    }
}

impl<S> fmt::Debug for Methods<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Methods").field("names", &self.names()).finish()
    }
}

impl Methods<()> {
    /// An empty registry with no state.
    pub fn new() -> Self {
        Methods::with_state(())
    }
}

impl<S: Send + Sync + 'static> Methods<S> {
    /// An empty registry whose handlers can ask for `state` with the [`State`](super::State) extractor.
    pub fn with_state(state: S) -> Self {
        Methods::with_shared_state(Arc::new(state))
    }

    /// Like [`Methods::with_state`], for state already behind an `Arc` that the caller keeps too.
    pub fn with_shared_state(state: Arc<S>) -> Self {
        Methods {
            state,
            entries: HashMap::default(),
        }
    }

    /// The shared state.
    pub fn state(&self) -> &Arc<S> {
        &self.state
    }

    /// Registers a synchronous function whose typed params have the given names, in order.
    ///
    /// It runs inline on the connection's task, with no allocation: keep it cheap and non-blocking.
    ///
    /// # Panics
    /// If the name is taken or reserved (`rpc.`).
    pub fn method<Ctx, Args, H>(&mut self, name: &str, names: Args::Names, handler: H) -> &mut Self
    where
        Ctx: FromCallTuple<S>,
        Args: FromParams,
        H: SyncHandler<S, Ctx, Args>,
    {
        let state = Arc::clone(&self.state);
        let handler = Handler::Sync(Box::new(move |call: &Call| {
            let outcome = Ctx::from_call(call, &state).and_then(|ctx| {
                let args = Args::from_params(typed_params::<S, Ctx, Args>(call), names.as_ref())?;
                handler.call(ctx, args).into_result()
            });
            reply(call, outcome)
        }));
        self.insert(name, handler, info::<S, Ctx, Args>(names, false))
    }

    /// Registers an asynchronous function whose typed params have the given names, in order.
    ///
    /// # Panics
    /// If the name is taken or reserved (`rpc.`).
    pub fn async_method<Ctx, Args, H>(&mut self, name: &str, names: Args::Names, handler: H) -> &mut Self
    where
        Ctx: FromCallTuple<S>,
        Args: FromParams,
        H: AsyncHandler<S, Ctx, Args>,
    {
        let state = Arc::clone(&self.state);
        let handler = Handler::Async(Box::new(move |call: Call| {
            // The handler is called here, by reference: its future owns what it needs, so neither
            // the handler nor the state is reference-counted per call.
            let started = Ctx::from_call(&call, &state).and_then(|ctx| {
                let args = Args::from_params(typed_params::<S, Ctx, Args>(&call), names.as_ref())?;
                Ok(handler.call(ctx, args))
            });
            Box::pin(async move {
                let outcome = match started {
                    Ok(future) => future.await.into_result(),
                    Err(error) => Err(error),
                };
                reply(&call, outcome)
            })
        }));
        self.insert(name, handler, info::<S, Ctx, Args>(names, true))
    }

    /// Moves every method of `other` into this registry; each keeps the state it was registered with.
    ///
    /// # Panics
    /// If a name is registered in both.
    pub fn merge<T>(&mut self, other: Methods<T>) -> &mut Self {
        for (name, entry) in other.entries {
            self.insert_entry(name, entry);
        }
        self
    }
}

impl<S> Methods<S> {
    /// True if a method of this name is registered.
    pub fn contains(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }

    /// The registered names, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.entries.keys().map(AsRef::as_ref).collect();
        names.sort_unstable();
        names
    }

    /// What is known of the method `name`, if it is registered.
    pub fn info(&self, name: &str) -> Option<&MethodInfo> {
        self.entries.get(name).map(|entry| &entry.info)
    }

    /// Attaches a description to the registered method `name`: its summary, param and result
    /// schemas, errors and examples, for its entry in the OpenRPC document (`rpc.discover`).
    /// Describing a method again replaces its description.
    ///
    /// # Panics
    /// If no method `name` is registered, or if the description names a param the method does
    /// not have (for a method with typed params).
    pub fn describe(&mut self, name: &str, mut doc: MethodDoc) -> &mut Self {
        let Some(entry) = self.entries.get_mut(name) else {
            panic!("cannot describe method `{name}`: it is not registered");
        };
        let info = &mut entry.info;
        if !(info.reads_params && info.param_names.is_empty()) {
            doc.check_names(name, &info.param_names);
        }
        info.doc = Some(doc);
        self
    }

    /// The OpenRPC document of these methods, with `discover`'s info and servers: what
    /// `rpc.discover` answers on a server built with [`ServerBuilder::discover`](super::ServerBuilder::discover).
    pub fn openrpc(&self, discover: &Discover) -> OpenRpc {
        discover::document(
            discover,
            self.entries
                .iter()
                .map(|(name, entry)| (name.as_ref(), &entry.info)),
        )
    }

    /// Registers `rpc.discover`, answering with the document of the methods registered so far.
    pub(crate) fn serve_discovery(&mut self, discover: &Discover) {
        let published = Published::new(&self.openrpc(discover));
        let handler = Handler::Sync(Box::new(move |call: &Call| {
            reply(call, published.answer(call.params()))
        }));
        let info = MethodInfo {
            param_names: Vec::new(),
            param_required: Vec::new(),
            reads_params: true,
            is_async: false,
            doc: None,
        };
        self.entries.remove(DISCOVER_METHOD);
        self.entries
            .insert(DISCOVER_METHOD.into(), Entry { handler, info });
    }

    /// Turns the registry into the tower service that answers calls.
    pub fn into_service(self) -> MethodsService {
        MethodsService {
            methods: Arc::new(Registry {
                entries: self.entries,
            }),
        }
    }

    fn insert(&mut self, name: &str, handler: Handler, info: MethodInfo) -> &mut Self {
        self.insert_entry(name.into(), Entry { handler, info });
        self
    }

    fn insert_entry(&mut self, name: Box<str>, entry: Entry) {
        assert!(
            !name.starts_with("rpc."),
            "method names beginning with `rpc.` are reserved for the toolkit (spec 8): {name} \
             (`rpc.discover` is answered by `ServerBuilder::discover`)"
        );
        assert!(
            !self.entries.contains_key(&name),
            "method `{name}` is registered twice"
        );
        self.entries.insert(name, entry);
    }
}

/// The params the typed arguments are read from: none when an extractor reads them itself and the
/// handler has no typed params, so that `fn(Params)` accepts whatever was sent.
fn typed_params<S, Ctx: FromCallTuple<S>, Args: FromParams>(call: &Call) -> Option<&str> {
    if Ctx::READS_PARAMS && Args::ARITY == 0 {
        None
    } else {
        call.params()
    }
}

fn info<S, Ctx: FromCallTuple<S>, Args: FromParams>(names: Args::Names, is_async: bool) -> MethodInfo {
    MethodInfo {
        param_names: names.as_ref().to_vec(),
        param_required: Args::required(),
        reads_params: Ctx::READS_PARAMS,
        is_async,
        doc: None,
    }
}

/// The registry once serving: its state lives on inside the handlers, so it has no type parameter.
struct Registry {
    entries: HashMap<Box<str>, Entry, FxBuildHasher>,
}

impl Registry {
    fn invoke(&self, call: Call) -> CallFuture {
        match self.entries.get(call.method()).map(|entry| &entry.handler) {
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
#[derive(Clone)]
pub struct MethodsService {
    methods: Arc<Registry>,
}

impl MethodsService {
    /// The registered names, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.methods.entries.keys().map(AsRef::as_ref).collect();
        names.sort_unstable();
        names
    }
}

impl fmt::Debug for MethodsService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MethodsService")
            .field("names", &self.names())
            .finish()
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
