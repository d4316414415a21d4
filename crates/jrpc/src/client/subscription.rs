//! Notifications from the server, delivered as a typed stream.

use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::Stream;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use tokio::sync::mpsc;

use super::{Client, Error};
use crate::transport::connection::Peer;

/// A stream of notifications: all notifications of one method ([`Client::notifications`]), or the
/// events of one subscription ([`Client::subscribe`]), each decoded as `T`.
///
/// The stream ends when the connection closes. A receiver that falls more than the buffer behind
/// gets [`Error::is_lagged`] and then the end of the stream.
pub struct Subscription<T> {
    events: mpsc::Receiver<Box<RawValue>>,
    lagged: Arc<AtomicBool>,
    peer: Peer,
    method: String,
    key: u64,
    /// The subscription id and the method that ends it, for subscriptions.
    unsubscribe: Option<(Box<RawValue>, String, Client)>,
    item: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for Subscription<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("method", &self.method)
            .field("id", &self.id())
            .finish()
    }
}

/// What a subscription is made of before it is handed to the caller.
pub(crate) struct Parts {
    pub events: mpsc::Receiver<Box<RawValue>>,
    pub lagged: Arc<AtomicBool>,
    pub peer: Peer,
    pub method: String,
    pub key: u64,
}

impl<T: DeserializeOwned> Subscription<T> {
    pub(crate) fn new(parts: Parts, unsubscribe: Option<(Box<RawValue>, String, Client)>) -> Self {
        Subscription {
            events: parts.events,
            lagged: parts.lagged,
            peer: parts.peer,
            method: parts.method,
            key: parts.key,
            unsubscribe,
            item: PhantomData,
        }
    }

    /// The next notification, or `None` once the stream has ended.
    pub async fn next(&mut self) -> Option<Result<T, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Ends the subscription: stops delivery and calls the server's unsubscribe method with the
    /// subscription id, returning its raw result.
    pub async fn unsubscribe(mut self) -> Result<Box<RawValue>, Error> {
        self.peer.unsubscribe(&self.method, self.key);
        match self.unsubscribe.take() {
            Some((id, method, client)) => client.call(&method, &[id]).await,
            None => Ok(RawValue::from_string("true".to_owned()).map_err(Error::decode)?),
        }
    }
}

impl<T> Subscription<T> {
    /// The subscription id the server gave (`None` for a plain notification stream).
    pub fn id(&self) -> Option<&RawValue> {
        self.unsubscribe.as_ref().map(|(id, _, _)| &**id)
    }
}

impl<T: DeserializeOwned> Stream for Subscription<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.events.poll_recv(cx) {
            Poll::Ready(Some(event)) => {
                Poll::Ready(Some(serde_json::from_str(event.get()).map_err(Error::decode)))
            }
            Poll::Ready(None) if self.lagged.swap(false, Ordering::AcqRel) => {
                Poll::Ready(Some(Err(Error::lagged())))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T> Drop for Subscription<T> {
    fn drop(&mut self) {
        self.peer.unsubscribe(&self.method, self.key);
        // A subscription dropped without `unsubscribe` still tells the server, if it can.
        if let Some((id, method, client)) = self.unsubscribe.take() {
            if self.peer.is_closed() {
                return;
            }
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move {
                    let _ = client.call::<_, serde::de::IgnoredAny>(&method, &[id]).await;
                });
            }
        }
    }
}
