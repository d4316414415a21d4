//! JSON-RPC over WebSocket, upgraded from HTTP on the RPC path: one message or batch per frame
//! (text, or binary holding UTF-8 JSON), replies as text frames, possibly out of order.

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http::header::{
    HeaderValue, CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_VERSION, UPGRADE,
};
use http::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};
use tokio_tungstenite::WebSocketStream;

use super::connection::{self, ConnectionLimits};
use super::framing::Frame;
use crate::server::{CallService, Server};

/// True for a WebSocket upgrade request.
pub(crate) fn is_upgrade<B>(request: &Request<B>) -> bool {
    let has_token = |name, token: &str| {
        request.headers().get_all(name).iter().any(|value| {
            value.to_str().is_ok_and(|value| {
                value
                    .split(',')
                    .any(|part| part.trim().eq_ignore_ascii_case(token))
            })
        })
    };
    request.method() == Method::GET && has_token(CONNECTION, "upgrade") && has_token(UPGRADE, "websocket")
}

/// The 101 answer to a valid upgrade request, or 400 / 426 for a broken one.
pub(crate) fn handshake<B>(request: &Request<B>) -> Result<Response<()>, StatusCode> {
    if request
        .headers()
        .get(SEC_WEBSOCKET_VERSION)
        .map(HeaderValue::as_bytes)
        != Some(b"13")
    {
        return Err(StatusCode::UPGRADE_REQUIRED);
    }
    let key = request
        .headers()
        .get(SEC_WEBSOCKET_KEY)
        .ok_or(StatusCode::BAD_REQUEST)?;
    let accept =
        HeaderValue::from_str(&derive_accept_key(key.as_bytes())).map_err(|_| StatusCode::BAD_REQUEST)?;
    let mut response = Response::new(());
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    response
        .headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    response
        .headers_mut()
        .insert(UPGRADE, HeaderValue::from_static("websocket"));
    response.headers_mut().insert(SEC_WEBSOCKET_ACCEPT, accept);
    Ok(response)
}

/// Serves an upgraded connection until it closes or `shutdown` fires.
pub(crate) async fn serve<S>(
    upgraded: hyper::upgrade::Upgraded,
    server: Server<S>,
    limits: ConnectionLimits,
    max_message: usize,
    shutdown: watch::Receiver<bool>,
    base: http::Extensions,
) where
    S: CallService,
{
    let config = socket_config(max_message);
    let socket = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await;
    let (incoming, outgoing) = frames(socket);
    let _open = server.open_connection("ws");
    connection::serve(incoming, outgoing, server, limits, shutdown, base).await;
}

/// tungstenite zero-fills its read buffer up to this size before every read of the socket; its
/// default, 128 KiB, made that fill the largest single cost of a small call (14% of a client's
/// time). Larger messages still arrive whole, over several reads.
const READ_BUFFER_BYTES: usize = 8 * 1024;

/// The settings of every WebSocket, server or client side.
pub(crate) fn socket_config(max_message: usize) -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER_BYTES)
        .max_message_size(Some(max_message))
        .max_frame_size(Some(max_message))
}

/// Incoming frames of a WebSocket.
pub(crate) type IncomingFrames =
    std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<Frame, WsError>> + Send>>;
/// Outgoing messages of a WebSocket.
pub(crate) type OutgoingFrames = std::pin::Pin<Box<dyn futures_util::Sink<Bytes, Error = WsError> + Send>>;

/// Splits a WebSocket into the frames the connection engine reads and the sink it writes, for
/// either end of the connection.
pub(crate) fn frames<T>(socket: WebSocketStream<T>) -> (IncomingFrames, OutgoingFrames)
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (sink, stream) = socket.split();
    let incoming = stream.filter_map(|message| async move {
        match message {
            Ok(Message::Text(text)) => Some(Ok(Frame::Message(Bytes::from(text)))),
            Ok(Message::Binary(bytes)) => Some(Ok(Frame::Message(bytes))),
            // Pings are answered by tungstenite itself; a close ends the stream.
            Ok(Message::Ping(_) | Message::Pong(_) | Message::Close(_) | Message::Frame(_)) => None,
            Err(error) => Some(Err(error)),
        }
    });
    // Messages are JSON written by this program, so always UTF-8; anything else would go out as binary.
    let outgoing = sink.with(|bytes: Bytes| async move {
        Ok::<_, WsError>(match Utf8Bytes::try_from(bytes.clone()) {
            Ok(text) => Message::Text(text),
            Err(_) => Message::Binary(bytes),
        })
    });
    (Box::pin(incoming), Box::pin(outgoing))
}
