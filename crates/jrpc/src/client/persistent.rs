//! Calls over one persistent connection (WebSocket, TCP, Unix socket, a child's stdio), made by the
//! same connection engine the server uses, so that the other side may call and notify us too.

use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::oneshot;

use super::Error;
use crate::transport::connection::{Answer, BatchAnswer, BatchWaiter, Peer, Waiter};
use crate::transport::dial::{self, DialError, DialSettings, Target};

/// How to reconnect a persistent connection that closed: on the next call, with exponential
/// backoff between attempts. Calls that were in flight when it closed still fail.
#[derive(Debug, Clone)]
pub struct Reconnect {
    /// The wait after the first failed attempt.
    pub initial_delay: Duration,
    /// The longest wait between attempts.
    pub max_delay: Duration,
    /// Attempts per call before it fails.
    pub max_attempts: u32,
}

impl Default for Reconnect {
    fn default() -> Self {
        Reconnect {
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            max_attempts: 8,
        }
    }
}

/// A persistent connection, reopened on demand when reconnecting is on.
pub(crate) struct PersistentLink {
    endpoint: Option<Target>,
    settings: DialSettings,
    current: Mutex<Peer>,
    connecting: tokio::sync::Mutex<()>,
    reconnect: Option<Reconnect>,
}

impl PersistentLink {
    /// Opens the first connection.
    pub(crate) async fn open(
        endpoint: Target,
        settings: DialSettings,
        reconnect: Option<Reconnect>,
    ) -> Result<PersistentLink, Error> {
        let peer = connect(&endpoint, &settings).await?;
        Ok(PersistentLink {
            endpoint: Some(endpoint),
            settings,
            current: Mutex::new(peer),
            connecting: tokio::sync::Mutex::new(()),
            reconnect,
        })
    }

    /// A link over a connection someone else opened; it cannot be reopened.
    pub(crate) fn over(peer: Peer, settings: DialSettings) -> PersistentLink {
        PersistentLink {
            endpoint: None,
            settings,
            current: Mutex::new(peer),
            connecting: tokio::sync::Mutex::new(()),
            reconnect: None,
        }
    }

    fn current(&self) -> Peer {
        self.current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// The open connection, reopening it first if it closed and reconnecting is on.
    pub(crate) async fn peer(&self) -> Result<Peer, Error> {
        let peer = self.current();
        if !peer.is_closed() {
            return Ok(peer);
        }
        let (Some(reconnect), Some(endpoint)) = (&self.reconnect, &self.endpoint) else {
            return Err(Error::closed());
        };
        let _one_at_a_time = self.connecting.lock().await;
        let peer = self.current();
        if !peer.is_closed() {
            return Ok(peer);
        }
        let mut delay = reconnect.initial_delay;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match connect(endpoint, &self.settings).await {
                Ok(peer) => {
                    *self
                        .current
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner()) = peer.clone();
                    return Ok(peer);
                }
                Err(error) if attempt >= reconnect.max_attempts.max(1) => return Err(error),
                Err(error) => {
                    tracing::debug!(%error, attempt, "reconnect failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(reconnect.max_delay);
                }
            }
        }
    }

    pub(crate) async fn call(&self, id: String, message: Bytes) -> Result<Answer, Error> {
        let peer = self.peer().await?;
        let (answer, answered) = oneshot::channel();
        let _waiting = peer.wait_for(id, Waiter::Call(answer));
        peer.send(message).await.map_err(|_| Error::closed())?;
        answered.await.map_err(|_| Error::closed())
    }

    pub(crate) async fn notify(&self, message: Bytes) -> Result<(), Error> {
        let peer = self.peer().await?;
        peer.send(message).await.map_err(|_| Error::closed())
    }

    pub(crate) async fn batch(&self, ids: Vec<String>, message: Bytes) -> Result<BatchAnswer, Error> {
        let peer = self.peer().await?;
        let (batch, answered) = BatchWaiter::new(ids);
        let _waiting = peer.wait_for_batch(&batch);
        peer.send(message).await.map_err(|_| Error::closed())?;
        answered.await.map_err(|_| Error::closed())
    }
}

impl Drop for PersistentLink {
    fn drop(&mut self) {
        self.current().close();
    }
}

/// Opens one connection, as the client's error.
async fn connect(target: &Target, settings: &DialSettings) -> Result<Peer, Error> {
    dial::dial(target, settings).await.map_err(|error| match error {
        DialError::Transport(reason) => Error::transport(reason),
        DialError::Config(reason) => Error::config(reason),
    })
}
