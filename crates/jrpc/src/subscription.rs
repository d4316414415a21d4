//! Server-side subscriptions: a subscribe method answers with a subscription id and then pushes
//! items to the caller's connection as notifications `{"subscription": id, "result": item}`, the
//! shape [`Client::subscribe`](crate::client::Client::subscribe) reads, until the client calls the
//! unsubscribe method or the connection closes.
//!
//! `#[jrpc::rpc]` generates the subscribe and unsubscribe methods from a trait method marked
//! `#[rpc(subscription = "...", item = T, unsubscribe = "...")]`; they can also be written by hand
//! with [`Subscriptions::sink`] and [`Subscriptions::cancel`].

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tokio::sync::watch;

use crate::transport::{Peer, PeerError};

/// The subscriptions open on one server: ids handed out and not yet cancelled. Cloning shares them.
#[derive(Clone, Default)]
pub struct Subscriptions {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    next_id: AtomicU64,
    open: Mutex<HashMap<String, watch::Sender<bool>>>,
}

impl fmt::Debug for Subscriptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscriptions")
            .field("open", &self.lock().len())
            .finish()
    }
}

impl Subscriptions {
    /// No subscriptions yet.
    pub fn new() -> Self {
        Subscriptions::default()
    }

    /// Opens a subscription on `peer`'s connection whose items are sent as notifications of
    /// `method`. Its id is the subscribe method's result.
    pub fn sink<T>(&self, peer: Peer, method: &'static str) -> Sink<T> {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let id = format!("{id:x}");
        let (cancel, cancelled) = watch::channel(false);
        self.lock().insert(id.clone(), cancel);
        Sink {
            peer,
            method,
            id,
            cancelled,
            subscriptions: self.clone(),
            item: PhantomData,
        }
    }

    /// Ends the subscription `id`: its sink stops sending. False if no such subscription is open
    /// (the unsubscribe method's result).
    pub fn cancel(&self, id: &str) -> bool {
        match self.lock().remove(id) {
            Some(cancel) => {
                let _ = cancel.send(true);
                true
            }
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, watch::Sender<bool>>> {
        self.inner
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Where one subscription's items go: the subscriber's connection, as notifications carrying the
/// subscription id. Dropping it ends the subscription on the server's side.
pub struct Sink<T> {
    peer: Peer,
    method: &'static str,
    id: String,
    cancelled: watch::Receiver<bool>,
    subscriptions: Subscriptions,
    item: PhantomData<fn(T)>,
}

impl<T> fmt::Debug for Sink<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sink")
            .field("method", &self.method)
            .field("id", &self.id)
            .finish()
    }
}

#[derive(Serialize)]
struct Event<'a, T> {
    subscription: &'a str,
    result: &'a T,
}

impl<T: Serialize> Sink<T> {
    /// Sends one item. Fails with [`PeerError::Closed`] once the client unsubscribed or the
    /// connection closed: the producer's cue to stop.
    pub async fn send(&self, item: &T) -> Result<(), PeerError> {
        if self.is_closed() {
            return Err(PeerError::Closed);
        }
        let event = Event {
            subscription: &self.id,
            result: item,
        };
        self.peer.notify(self.method, &event).await
    }
}

impl<T> Sink<T> {
    /// The subscription id, as the client was given it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// True once the client unsubscribed or the connection closed.
    pub fn is_closed(&self) -> bool {
        *self.cancelled.borrow() || self.peer.is_closed()
    }

    /// Resolves when the client unsubscribes or the connection closes.
    pub async fn closed(&self) {
        let mut cancelled = self.cancelled.clone();
        tokio::select! {
            _ = cancelled.wait_for(|cancelled| *cancelled) => {}
            _ = self.peer.closed() => {}
        }
    }
}

impl<T> Drop for Sink<T> {
    fn drop(&mut self) {
        self.subscriptions.lock().remove(&self.id);
    }
}
