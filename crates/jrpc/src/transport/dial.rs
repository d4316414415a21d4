//! Dialing: opening the client's side of a persistent connection (WebSocket, TCP with or without
//! TLS, a Unix socket, a child process's stdio) and starting the connection engine on it. It sits
//! beside the listeners (`http`, `stream`) that accept the other side.

use std::ffi::OsString;
use std::fmt;
use std::io;
use std::path::PathBuf;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::codec::{FramedRead, FramedWrite};

use super::connection::{self, ConnectionLimits, Peer};
use super::endpoint::Endpoint;
use super::framing::{Codec, Framing};
use super::tls;
use crate::server::Server;

/// Where a persistent connection goes.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// A WebSocket, upgraded with this request (its URL and any extra headers).
    #[cfg(feature = "ws")]
    WebSocket { request: http::Request<()>, tls: bool },
    /// A TCP byte stream, optionally in TLS.
    Tcp { host: String, port: u16, tls: bool },
    /// A Unix domain socket.
    #[cfg(unix)]
    Unix(PathBuf),
    /// A child process, spoken to over its stdin and stdout.
    Child { program: OsString, args: Vec<OsString> },
}

/// What every connection is opened with.
pub(crate) struct DialSettings {
    pub framing: Framing,
    pub max_message_bytes: usize,
    pub limits: ConnectionLimits,
    /// Answers the calls the other side makes to us.
    pub server: Server,
    pub tls: tls::ClientTls,
}

/// Why a connection could not be opened: the network or the other side (`Transport`), or a setting
/// that can never work (`Config`, e.g. a host that is no valid TLS server name).
#[derive(Debug)]
pub(crate) enum DialError {
    Transport(String),
    Config(String),
}

impl fmt::Display for DialError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DialError::Transport(reason) | DialError::Config(reason) => f.write_str(reason),
        }
    }
}

/// Opens one connection to `target` and starts its engine.
pub(crate) async fn dial(target: &Target, settings: &DialSettings) -> Result<Peer, DialError> {
    match target {
        #[cfg(feature = "ws")]
        Target::WebSocket { request, tls } => {
            let uri = request.uri();
            let host = uri.host().unwrap_or_default();
            let port = uri.port_u16().unwrap_or(if *tls { 443 } else { 80 });
            let stream = tcp(host, port).await?;
            let io: Box<dyn Io> = if *tls {
                Box::new(tls_connect(stream, host, settings, b"http/1.1").await?)
            } else {
                Box::new(stream)
            };
            let config = super::ws::socket_config(settings.max_message_bytes);
            let (socket, _) = tokio_tungstenite::client_async_with_config(request.clone(), io, Some(config))
                .await
                .map_err(|error| {
                    DialError::Transport(format!("WebSocket handshake with {uri} failed: {error}"))
                })?;
            let (incoming, outgoing) = super::ws::frames(socket);
            Ok(connection::open(
                incoming,
                outgoing,
                settings.server.clone(),
                settings.limits.clone(),
            )
            .0)
        }
        Target::Tcp { host, port, tls } => {
            let stream = tcp(host, *port).await?;
            if *tls {
                let stream = tls_connect(stream, host, settings, b"").await?;
                let (reader, writer) = tokio::io::split(stream);
                Ok(open_stream(reader, writer, settings))
            } else {
                let (reader, writer) = stream.into_split();
                Ok(open_stream(reader, writer, settings))
            }
        }
        #[cfg(unix)]
        Target::Unix(path) => {
            let stream = tokio::net::UnixStream::connect(path).await.map_err(|error| {
                DialError::Transport(format!("cannot connect to {}: {error}", path.display()))
            })?;
            let (reader, writer) = stream.into_split();
            Ok(open_stream(reader, writer, settings))
        }
        Target::Child { program, args } => {
            let name = program.to_string_lossy().into_owned();
            let mut child = tokio::process::Command::new(program)
                .args(args)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::inherit())
                .kill_on_drop(true)
                .spawn()
                .map_err(|error| DialError::Transport(format!("cannot start {name}: {error}")))?;
            let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
                return Err(DialError::Transport(format!("{name} has no stdin or stdout")));
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

/// Starts the engine on a byte stream opened elsewhere, with the configured framing.
pub(crate) fn open_stream<R, W>(reader: R, writer: W, settings: &DialSettings) -> Peer
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

async fn tls_connect(
    stream: tokio::net::TcpStream,
    host: &str,
    settings: &DialSettings,
    alpn: &[u8],
) -> Result<tls::ClientStream, DialError> {
    tls::connect(stream, host, settings.tls.clone(), alpn)
        .await
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::InvalidInput => DialError::Config(error.to_string()),
            _ => DialError::Transport(error.to_string()),
        })
}

async fn tcp(host: &str, port: u16) -> Result<tokio::net::TcpStream, DialError> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let stream = tokio::net::TcpStream::connect((host, port))
        .await
        .map_err(|error| DialError::Transport(format!("cannot connect to {host}:{port}: {error}")))?;
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

/// A byte stream of any kind: plain TCP, TLS over TCP, a Unix socket.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// A connected byte stream, before any HTTP, WebSocket handshake or framing.
pub type RawStream = Box<dyn Io>;

/// Opens the byte stream under `endpoint`: TCP for `http://`, `ws://` and `tcp://`, TLS over TCP
/// for `https://`, `wss://` and `tls://` (trusting the web's roots plus `root_certificates_pem`,
/// each a PEM file's contents; ALPN `http/1.1` for the HTTP schemes), a Unix socket for `unix:`.
///
/// For tools that write the protocol's bytes themselves (`jrpc bench`, `jrpc conform`) and still
/// need the client's TLS and name resolution. An unusable certificate or a host that is no valid
/// TLS server name fails with `InvalidInput`.
pub async fn connect_raw(endpoint: &Endpoint, root_certificates_pem: &[Vec<u8>]) -> io::Result<RawStream> {
    let (host, port, tls, alpn): (&str, u16, bool, &[u8]) = match endpoint {
        Endpoint::Http { tls, host, port, .. } | Endpoint::WebSocket { tls, host, port, .. } => {
            (host, *port, *tls, b"http/1.1")
        }
        Endpoint::Tcp { tls, host, port } => (host, *port, *tls, b""),
        #[cfg(unix)]
        Endpoint::Unix { path } => {
            let stream = tokio::net::UnixStream::connect(path).await.map_err(|error| {
                io::Error::new(
                    error.kind(),
                    format!("cannot connect to {}: {error}", path.display()),
                )
            })?;
            return Ok(Box::new(stream));
        }
        #[cfg(not(unix))]
        Endpoint::Unix { .. } => {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "Unix sockets exist only on Unix",
            ))
        }
    };
    let config = if tls {
        Some(
            tls::client_config(root_certificates_pem)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?,
        )
    } else {
        None
    };
    let stream = tcp(host, port)
        .await
        .map_err(|error| io::Error::other(error.to_string()))?;
    match config {
        Some(config) => Ok(Box::new(tls::connect(stream, host, config, alpn).await?)),
        None => Ok(Box::new(stream)),
    }
}
