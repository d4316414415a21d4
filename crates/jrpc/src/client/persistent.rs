//! Calls over one persistent connection (WebSocket, TCP, Unix socket, a child's stdio), made by the
//! same connection engine the server uses, so that the other side may call and notify us too.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::oneshot;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::ClientConfig;
use tokio_rustls::TlsConnector;
use tokio_util::codec::{FramedRead, FramedWrite};

use super::Error;
use crate::server::Server;
use crate::transport::connection::{self, ConnectionLimits, Peer};
use crate::transport::framing::{Codec, Framing};
use crate::transport::pending::{Answer, BatchAnswer, BatchWaiter, Waiter};

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

/// Where a persistent connection goes.
#[derive(Debug, Clone)]
pub(crate) enum Endpoint {
    #[cfg(feature = "http")]
    WebSocket {
        request: http::Request<()>,
        tls: bool,
    },
    Tcp {
        host: String,
        port: u16,
        tls: bool,
    },
    #[cfg(unix)]
    Unix(PathBuf),
    Child {
        program: OsString,
        args: Vec<OsString>,
    },
}

/// What every connection of a link is made with.
pub(crate) struct Settings {
    pub framing: Framing,
    pub max_message_bytes: usize,
    pub limits: ConnectionLimits,
    pub server: Server,
    pub tls: ClientConfig,
}

/// A persistent connection, reopened on demand when reconnecting is on.
pub(crate) struct PersistentLink {
    endpoint: Option<Endpoint>,
    settings: Settings,
    current: Mutex<Peer>,
    connecting: tokio::sync::Mutex<()>,
    reconnect: Option<Reconnect>,
}

impl PersistentLink {
    /// Opens the first connection.
    pub(crate) async fn open(
        endpoint: Endpoint,
        settings: Settings,
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
    pub(crate) fn over(peer: Peer, settings: Settings) -> PersistentLink {
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

/// Opens one connection and starts its engine.
async fn connect(endpoint: &Endpoint, settings: &Settings) -> Result<Peer, Error> {
    match endpoint {
        #[cfg(feature = "http")]
        Endpoint::WebSocket { request, tls } => {
            let uri = request.uri();
            let host = uri.host().unwrap_or_default();
            let port = uri.port_u16().unwrap_or(if *tls { 443 } else { 80 });
            let stream = tcp(host, port).await?;
            let io: Box<dyn Io> = if *tls {
                Box::new(tls_wrap(stream, host, settings.tls.clone(), b"http/1.1").await?)
            } else {
                Box::new(stream)
            };
            let config = crate::transport::ws::socket_config(settings.max_message_bytes);
            let (socket, _) = tokio_tungstenite::client_async_with_config(request.clone(), io, Some(config))
                .await
                .map_err(|error| {
                    Error::transport(format!("WebSocket handshake with {uri} failed: {error}"))
                })?;
            let (incoming, outgoing) = crate::transport::ws::frames(socket);
            Ok(connection::open(
                incoming,
                outgoing,
                settings.server.clone(),
                settings.limits.clone(),
            )
            .0)
        }
        Endpoint::Tcp { host, port, tls } => {
            let stream = tcp(host, *port).await?;
            if *tls {
                let stream = tls_wrap(stream, host, settings.tls.clone(), b"").await?;
                let (reader, writer) = tokio::io::split(stream);
                Ok(open_stream(reader, writer, settings))
            } else {
                let (reader, writer) = stream.into_split();
                Ok(open_stream(reader, writer, settings))
            }
        }
        #[cfg(unix)]
        Endpoint::Unix(path) => {
            let stream = tokio::net::UnixStream::connect(path).await.map_err(|error| {
                Error::transport(format!("cannot connect to {}: {error}", path.display()))
            })?;
            let (reader, writer) = stream.into_split();
            Ok(open_stream(reader, writer, settings))
        }
        Endpoint::Child { program, args } => {
            let name = program.to_string_lossy().into_owned();
            let mut child = tokio::process::Command::new(program)
                .args(args)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::inherit())
                .kill_on_drop(true)
                .spawn()
                .map_err(|error| Error::transport(format!("cannot start {name}: {error}")))?;
            let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
                return Err(Error::transport(format!("{name} has no stdin or stdout")));
            };
            let peer = open_stream(stdout, stdin, settings);
            // The child lives as long as the connection: it is reaped when it exits, and killed
            // when the connection closes first.
            let watcher = peer.clone();
            tokio::spawn(async move {
                tokio::select! {
                    status = child.wait() => tracing::debug!(?status, "the child process exited"),
                    _ = watcher.closed() => { let _ = child.kill().await; }
                }
            });
            Ok(peer)
        }
    }
}

/// Starts the engine on a byte stream with the configured framing.
pub(crate) fn open_stream<R, W>(reader: R, writer: W, settings: &Settings) -> Peer
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let incoming = FramedRead::new(reader, Codec::new(settings.framing, settings.max_message_bytes));
    let outgoing = FramedWrite::new(writer, Codec::new(settings.framing, settings.max_message_bytes));
    connection::open(
        incoming,
        outgoing,
        settings.server.clone(),
        settings.limits.clone(),
    )
    .0
}

async fn tcp(host: &str, port: u16) -> Result<tokio::net::TcpStream, Error> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let stream = tokio::net::TcpStream::connect((host, port))
        .await
        .map_err(|error| Error::transport(format!("cannot connect to {host}:{port}: {error}")))?;
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

async fn tls_wrap(
    stream: tokio::net::TcpStream,
    host: &str,
    mut config: ClientConfig,
    alpn: &[u8],
) -> Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>, Error> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let name = ServerName::try_from(host.to_owned())
        .map_err(|error| Error::config(format!("{host} is not a valid TLS server name: {error}")))?;
    if !alpn.is_empty() {
        config.alpn_protocols = vec![alpn.to_vec()];
    }
    TlsConnector::from(Arc::new(config))
        .connect(name, stream)
        .await
        .map_err(|error| Error::transport(format!("TLS handshake with {host} failed: {error}")))
}

/// A byte stream of either kind, for the WebSocket handshake.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}
