//! What a per-call layer cannot see for itself (message sizes, batch lengths, connections), reported
//! by the dispatch path and the transports to the layers that ask for it while the server is built.
//!
//! A tower layer only meets calls. So that `ServerBuilder::layer(MetricsLayer::new())` is still the
//! whole setup, [`ServerBuilder::build`](super::ServerBuilder::build) opens a build context (a
//! thread-local, set only for the synchronous `Layer::layer` calls) holding the registered method
//! names; a layer of this crate may read the names and register an observer there. Nothing else
//! reads the context, and a server without such a layer has no observer and pays one empty-slice
//! check per message.

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

/// Receives the events of messages and connections.
pub(crate) trait Observe: Send + Sync + fmt::Debug {
    /// A message of `bytes` arrived; `batch_len` is its number of elements when it is a batch.
    fn message(&self, bytes: usize, batch_len: Option<usize>);
    /// A reply of `bytes` is sent back.
    fn reply(&self, bytes: usize);
    /// A connection of `transport` opened (`opened`) or closed.
    #[cfg_attr(not(any(feature = "http", feature = "stream")), allow(dead_code))]
    fn connection(&self, transport: &'static str, opened: bool);
}

/// What a layer may read and register while the server is built.
#[derive(Debug, Default)]
pub(crate) struct Building {
    /// The names of the registered methods (the only ones a metric may use as a label).
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(crate) names: Vec<Box<str>>,
    pub(crate) observers: Vec<Arc<dyn Observe>>,
}

thread_local! {
    static BUILDING: RefCell<Option<Building>> = const { RefCell::new(None) };
}

/// Runs `build` inside a build context for `names`, returning its result and the observers the
/// layers registered.
pub(crate) fn building<R>(names: Vec<Box<str>>, build: impl FnOnce() -> R) -> (R, Vec<Arc<dyn Observe>>) {
    let outer = BUILDING.with(|slot| {
        slot.borrow_mut().replace(Building {
            names,
            observers: Vec::new(),
        })
    });
    let built = build();
    let context = BUILDING.with(|slot| std::mem::replace(&mut *slot.borrow_mut(), outer));
    (built, context.map(|c| c.observers).unwrap_or_default())
}

/// Gives `f` the build context, if a server is being built on this thread.
#[cfg_attr(not(feature = "metrics"), allow(dead_code))]
pub(crate) fn with_building<R>(f: impl FnOnce(&mut Building) -> R) -> Option<R> {
    BUILDING.with(|slot| slot.borrow_mut().as_mut().map(f))
}

/// Counts a connection as open until dropped.
#[derive(Debug)]
pub(crate) struct OpenConnection {
    observers: Box<[Arc<dyn Observe>]>,
    transport: &'static str,
}

impl OpenConnection {
    /// `None` when nobody observes.
    pub(crate) fn new(observers: &[Arc<dyn Observe>], transport: &'static str) -> Option<OpenConnection> {
        if observers.is_empty() {
            return None;
        }
        for observer in observers {
            observer.connection(transport, true);
        }
        Some(OpenConnection {
            observers: observers.into(),
            transport,
        })
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        for observer in self.observers.iter() {
            observer.connection(self.transport, false);
        }
    }
}
