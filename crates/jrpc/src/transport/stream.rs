//! JSON-RPC over byte streams: TCP, Unix domain sockets, stdio, or any `AsyncRead` + `AsyncWrite`.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinHandle;
use tokio_util::codec::{Encoder, FramedRead, FramedWrite};
use tokio_util::task::TaskTracker;

use super::connection::{self, ConnectionLimits};
use super::framing::{Codec, Framing};
use super::tls::TlsFiles;
use crate::server::{CallService, Reply, Server};
use crate::wire::{ErrorObject, Version, NULL_ID};

/// The error code sent to a connection refused because the server is full.
pub const OVERLOADED_CODE: i64 = -32005;

/// Settings of a byte-stream listener.
#[derive(Debug, Clone)]
pub struct StreamConfig {
    /// How messages are delimited.
    pub framing: Framing,
    /// The largest frame; `None` uses the server's `max_request_bytes`.
    pub max_frame_bytes: Option<usize>,
    /// Per-connection limits.
    pub limits: ConnectionLimits,
    /// Connections served at once; more are told to retry later and closed.
    pub max_connections: usize,
    /// Serve TLS with this certificate and key (TCP only).
    pub tls: Option<TlsFiles>,
    /// How long a TLS handshake may take.
    pub handshake_timeout: std::time::Duration,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            framing: Framing::NewlineDelimited,
            max_frame_bytes: None,
            limits: ConnectionLimits::default(),
            max_connections: 1024,
            tls: None,
            handshake_timeout: std::time::Duration::from_secs(10),
        }
    }
}

/// Serves one connection given as a reader and a writer, until it ends or `shutdown` fires.
pub async fn serve_io<S, R, W>(
    reader: R,
    writer: W,
    server: Server<S>,
    config: &StreamConfig,
    shutdown: watch::Receiver<bool>,
) where
    S: CallService,
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (incoming, outgoing) = framed(reader, writer, &server, config);
    let _open = server.open_connection("stream");
    connection::serve(
        incoming,
        outgoing,
        server,
        config.limits.clone(),
        shutdown,
        http::Extensions::new(),
    )
    .await;
}

/// The reader and writer wrapped in the configured framing, limited to the largest frame.
pub(crate) fn framed<S, R, W>(
    reader: R,
    writer: W,
    server: &Server<S>,
    config: &StreamConfig,
) -> (FramedRead<R, Codec>, FramedWrite<W, Codec>) {
    let max_frame = config
        .max_frame_bytes
        .unwrap_or(server.limits().max_request_bytes);
    (
        FramedRead::new(reader, Codec::new(config.framing, max_frame)),
        FramedWrite::new(writer, Codec::new(config.framing, max_frame)),
    )
}

/// Speaks JSON-RPC over a connection this program opened (or was given), as a peer: returns a
/// [`Peer`](super::Peer) that calls the other side's methods and sends it notifications, while
/// `server` answers the calls the other side makes (use an empty `Methods` if it makes none). The
/// task ends when the connection closes. [`crate::client::Client`] is the friendlier way to do this.
pub fn open_io<S, R, W>(
    reader: R,
    writer: W,
    server: Server<S>,
    config: &StreamConfig,
) -> (super::Peer, JoinHandle<()>)
where
    S: CallService,
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (incoming, outgoing) = framed(reader, writer, &server, config);
    connection::open(incoming, outgoing, server, config.limits.clone())
}

/// Serves JSON-RPC on this process's stdin and stdout (as language servers do), until stdin closes.
pub async fn serve_stdio<S>(server: Server<S>, config: &StreamConfig)
where
    S: CallService,
{
    let shutdown = connection::never_stopped(); // nothing stops stdio but the end of stdin
    serve_io(tokio::io::stdin(), tokio::io::stdout(), server, config, shutdown).await;
}

/// A running byte-stream listener.
#[derive(Debug)]
pub struct StreamServer {
    local_addr: Option<SocketAddr>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl StreamServer {
    /// Binds a TCP address and serves `server` on it.
    pub async fn bind_tcp<S>(
        addr: impl ToSocketAddrs,
        server: Server<S>,
        config: StreamConfig,
    ) -> io::Result<StreamServer>
    where
        S: CallService,
    {
        let tls = config
            .tls
            .as_ref()
            .map(|files| files.acceptor(&[]))
            .transpose()?
            .map(|(acceptor, _)| acceptor);
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        Ok(StreamServer::start(
            Some(local_addr),
            listener,
            tls,
            server,
            config,
        ))
    }

    /// Binds a Unix domain socket at `path` and serves `server` on it.
    #[cfg(unix)]
    pub fn bind_unix<S>(
        path: impl AsRef<std::path::Path>,
        server: Server<S>,
        config: StreamConfig,
    ) -> io::Result<StreamServer>
    where
        S: CallService,
    {
        let listener = tokio::net::UnixListener::bind(path)?;
        Ok(StreamServer::start(None, listener, None, server, config))
    }

    fn start<S, L: Acceptor>(
        local_addr: Option<SocketAddr>,
        listener: L,
        tls: Option<super::tls::Acceptor>,
        server: Server<S>,
        config: StreamConfig,
    ) -> StreamServer
    where
        S: CallService,
    {
        let (shutdown, signal) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, tls, server, config, signal));
        StreamServer {
            local_addr,
            shutdown,
            task,
        }
    }

    /// The TCP address listened on (`None` for Unix sockets).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local_addr
    }

    /// Stops accepting, lets every connection finish its calls in flight and flush, then returns.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }

    /// Waits until the listener stops.
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// A listener of connections that can be split into reader and writer halves.
trait Acceptor: Send + 'static {
    type Connection: AsyncRead + AsyncWrite + Unpin + Send + 'static;
    type Reader: AsyncRead + Unpin + Send + 'static;
    type Writer: AsyncWrite + Unpin + Send + 'static;
    fn accept(&self) -> impl std::future::Future<Output = io::Result<Self::Connection>> + Send;
    fn split(connection: Self::Connection) -> (Self::Reader, Self::Writer);
}

impl Acceptor for TcpListener {
    type Connection = tokio::net::TcpStream;
    type Reader = tokio::net::tcp::OwnedReadHalf;
    type Writer = tokio::net::tcp::OwnedWriteHalf;
    async fn accept(&self) -> io::Result<Self::Connection> {
        let (stream, _) = TcpListener::accept(self).await?;
        let _ = stream.set_nodelay(true);
        Ok(stream)
    }
    fn split(connection: Self::Connection) -> (Self::Reader, Self::Writer) {
        connection.into_split()
    }
}

#[cfg(unix)]
impl Acceptor for tokio::net::UnixListener {
    type Connection = tokio::net::UnixStream;
    type Reader = tokio::net::unix::OwnedReadHalf;
    type Writer = tokio::net::unix::OwnedWriteHalf;
    async fn accept(&self) -> io::Result<Self::Connection> {
        let (stream, _) = tokio::net::UnixListener::accept(self).await?;
        Ok(stream)
    }
    fn split(connection: Self::Connection) -> (Self::Reader, Self::Writer) {
        connection.into_split()
    }
}

async fn accept_loop<S, L: Acceptor>(
    listener: L,
    tls: Option<super::tls::Acceptor>,
    server: Server<S>,
    config: StreamConfig,
    mut signal: watch::Receiver<bool>,
) where
    S: CallService,
{
    let capacity = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let connections = TaskTracker::new();
    loop {
        let accepted = tokio::select! {
            _ = connection::until_set(&mut signal) => break,
            accepted = listener.accept() => accepted,
        };
        let mut connection = match accepted {
            Ok(connection) => connection,
            Err(error) => {
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&capacity).try_acquire_owned() else {
            let mut refusal = bytes::BytesMut::new();
            let error = ErrorObject::new(OVERLOADED_CODE, "Server overloaded")
                .with_data("too many connections; retry later");
            let reply = Bytes::from(Reply::error(NULL_ID, Version::V2, &error).into_bytes());
            let _ = Codec::new(config.framing, usize::MAX).encode(reply, &mut refusal);
            connections.spawn(async move {
                let _ = connection.write_all(&refusal).await;
                let _ = connection.shutdown().await;
            });
            continue;
        };
        let (server, config, shutdown, tls) = (server.clone(), config.clone(), signal.clone(), tls.clone());
        connections.spawn(async move {
            match tls {
                None => {
                    let (reader, writer) = L::split(connection);
                    serve_io(reader, writer, server, &config, shutdown).await;
                }
                Some(tls) => {
                    match tokio::time::timeout(config.handshake_timeout, tls.accept(connection)).await {
                        Ok(Ok(stream)) => {
                            let (reader, writer) = tokio::io::split(stream);
                            serve_io(reader, writer, server, &config, shutdown).await;
                        }
                        Ok(Err(error)) => tracing::debug!(%error, "TLS handshake failed"),
                        Err(_) => tracing::debug!("TLS handshake timed out"),
                    }
                }
            }
            drop(permit);
        });
    }
    connections.close();
    connections.wait().await;
}
