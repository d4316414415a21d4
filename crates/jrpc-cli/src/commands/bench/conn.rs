//! One load connection: HTTP/1.1, WebSocket, or a byte stream (TCP, Unix) with newline or
//! Content-Length framing. It writes pre-serialized messages and hands back reply bodies.
//!
//! The HTTP/1.1 client is hand-written (requests are fixed bytes, responses are parsed with
//! `httparse`) because hyper's client connection allows one request in flight at a time and so
//! cannot pipeline, and because re-encoding headers per request would measure the load tool.

use std::io;

use bytes::{Buf, Bytes, BytesMut};
use futures_util::{SinkExt, StreamExt};
use jrpc::transport::framing::{self, Frame};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_util::codec::Decoder;

use jrpc::transport::{Endpoint, Framing};

use crate::target::Target;

/// The largest reply we buffer before calling the peer broken.
const MAX_FRAME: usize = 64 * 1024 * 1024;

/// Why a connection failed.
#[derive(Debug)]
pub enum ConnError {
    /// The connection broke or closed: counted as transport errors, then reopened.
    Io(io::Error),
    /// The peer sent something that is not the protocol: the run stops (exit status 4).
    Garbage(String),
}

impl From<io::Error> for ConnError {
    fn from(error: io::Error) -> Self {
        ConnError::Io(error)
    }
}

/// One reply: the HTTP status (HTTP only) and the body.
#[derive(Debug)]
pub struct Reply {
    pub status: Option<u16>,
    pub body: Bytes,
    /// The server will close the connection after this reply (HTTP `Connection: close`, or
    /// HTTP/1.0 without keep-alive).
    pub close: bool,
    /// The HTTP `Content-Type` of the reply (HTTP only).
    pub content_type: Option<String>,
}

/// How replies are read off a byte stream: HTTP/1.1 responses (read here, so requests can be
/// pipelined), or the library's stream framing (newline or Content-Length) for TCP and Unix sockets.
#[derive(Debug, Clone)]
pub enum Codec {
    Http,
    Stream(framing::Codec),
}

impl Codec {
    /// The reply reader for `target`: HTTP for `http://`, else the stream `framing`.
    pub fn new(target: &Endpoint, framing: Framing) -> Codec {
        match target {
            Endpoint::Http { .. } => Codec::Http,
            _ => Codec::Stream(framing::Codec::new(framing, MAX_FRAME)),
        }
    }

    /// Takes one complete reply off the front of the buffer, if there is one.
    pub fn decode(&mut self, buffer: &mut BytesMut) -> Result<Option<Reply>, ConnError> {
        let codec = match self {
            Codec::Http => return decode_http(buffer),
            Codec::Stream(codec) => codec,
        };
        match codec.decode(buffer) {
            Ok(Some(Frame::Message(body))) => Ok(Some(Reply {
                status: None,
                close: false,
                content_type: None,
                body,
            })),
            Ok(Some(Frame::TooLarge { limit })) => Err(ConnError::Garbage(format!(
                "a reply longer than {} MiB without an end",
                limit >> 20
            ))),
            Ok(None) => Ok(None),
            // Only Content-Length framing fails, and only on its header block.
            Err(error) => Err(ConnError::Garbage(format!(
                "not a Content-Length header block: {error}"
            ))),
        }
    }
}

type Reader = Box<dyn AsyncRead + Unpin + Send>;
type Writer = Box<dyn AsyncWrite + Unpin + Send>;
type WsStream = tokio_tungstenite::WebSocketStream<jrpc::transport::RawStream>;

/// An open connection.
pub enum Conn {
    Bytes {
        reader: Reader,
        writer: Writer,
        buffer: BytesMut,
        codec: Codec,
        /// Reused for coalescing the messages of one send.
        out: Vec<u8>,
        /// The child process at the other end (`--exec`), killed with the connection.
        child: Option<Box<tokio::process::Child>>,
    },
    Ws(Box<WsStream>),
}

impl Conn {
    /// Connects to the target (in TLS for https://, wss:// and tls://, trusting the web's roots
    /// plus `roots`, PEM). Errors are transport errors (io) or handshake garbage.
    /// Connects to a URL, or starts the program of `--exec` and speaks to it over its stdio.
    pub async fn connect(target: &Target, framing: Framing, roots: &[Vec<u8>]) -> Result<Conn, ConnError> {
        let (program, args) = match target {
            Target::Url(endpoint) => return Conn::open(endpoint, framing, roots).await,
            Target::Exec { program, args } => (program, args),
        };
        let mut child = tokio::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| ConnError::Io(io::Error::new(e.kind(), format!("cannot run {program}: {e}"))))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(ConnError::Io(io::Error::other(format!("{program}: no stdio"))));
        };
        let mut conn = Conn::from_io(stdout, stdin, framing);
        if let Conn::Bytes { child: slot, .. } = &mut conn {
            *slot = Some(Box::new(child));
        }
        Ok(conn)
    }

    pub async fn open(target: &Endpoint, framing: Framing, roots: &[Vec<u8>]) -> Result<Conn, ConnError> {
        let stream = jrpc::transport::connect_raw(target, roots).await?;
        if let Endpoint::WebSocket { .. } = target {
            return match tokio_tungstenite::client_async_with_config(target.to_string(), stream, None).await {
                Ok((socket, _)) => Ok(Conn::Ws(Box::new(socket))),
                Err(tungstenite::Error::Io(error)) => Err(ConnError::Io(error)),
                Err(error) => Err(ConnError::Garbage(format!("WebSocket handshake failed: {error}"))),
            };
        }
        let (reader, writer) = tokio::io::split(stream);
        Ok(Conn::Bytes {
            reader: Box::new(reader),
            writer: Box::new(writer),
            buffer: BytesMut::with_capacity(64 * 1024),
            codec: Codec::new(target, framing),
            out: Vec::with_capacity(64 * 1024),
            child: None,
        })
    }

    /// A connection over any pair of byte streams (a child process's stdio), read in `framing`.
    pub fn from_io(
        reader: impl AsyncRead + Unpin + Send + 'static,
        writer: impl AsyncWrite + Unpin + Send + 'static,
        framing: Framing,
    ) -> Conn {
        Conn::Bytes {
            reader: Box::new(reader),
            writer: Box::new(writer),
            buffer: BytesMut::with_capacity(64 * 1024),
            codec: Codec::Stream(framing::Codec::new(framing, MAX_FRAME)),
            out: Vec::new(),
            child: None,
        }
    }

    /// Writes the messages, coalesced into one write where the transport allows.
    pub async fn send(&mut self, messages: &[&Bytes]) -> Result<(), ConnError> {
        match self {
            Conn::Bytes { writer, out, .. } => {
                if let [one] = messages {
                    writer.write_all(one).await?;
                } else {
                    out.clear();
                    for message in messages {
                        out.extend_from_slice(message);
                    }
                    writer.write_all(out).await?;
                }
                Ok(())
            }
            Conn::Ws(socket) => {
                for message in messages {
                    let text = tungstenite::Utf8Bytes::try_from((*message).clone())
                        .map_err(|_| ConnError::Io(io::Error::other("request is not UTF-8")))?;
                    socket.feed(Message::Text(text)).await.map_err(ws_error)?;
                }
                socket.flush().await.map_err(ws_error)
            }
        }
    }

    /// The next reply, reading as needed.
    pub async fn next(&mut self) -> Result<Reply, ConnError> {
        match self {
            Conn::Bytes {
                reader,
                buffer,
                codec,
                ..
            } => loop {
                if let Some(reply) = codec.decode(buffer)? {
                    return Ok(reply);
                }
                if buffer.len() > MAX_FRAME {
                    return Err(ConnError::Garbage(format!(
                        "a reply longer than {} MiB without an end",
                        MAX_FRAME >> 20
                    )));
                }
                if reader.read_buf(buffer).await? == 0 {
                    return Err(ConnError::Io(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the server closed the connection",
                    )));
                }
            },
            Conn::Ws(socket) => loop {
                match socket.next().await {
                    None => {
                        return Err(ConnError::Io(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "the server closed the WebSocket",
                        )))
                    }
                    Some(Err(error)) => return Err(ws_error(error)),
                    Some(Ok(Message::Text(text))) => {
                        return Ok(Reply {
                            status: None,
                            close: false,
                            content_type: None,
                            body: Bytes::from(text),
                        })
                    }
                    Some(Ok(Message::Binary(bytes))) => {
                        return Ok(Reply {
                            status: None,
                            close: false,
                            content_type: None,
                            body: bytes,
                        })
                    }
                    Some(Ok(Message::Close(_))) => {
                        return Err(ConnError::Io(io::Error::new(
                            io::ErrorKind::ConnectionAborted,
                            "the server closed the WebSocket",
                        )))
                    }
                    Some(Ok(_)) => continue,
                }
            },
        }
    }

    /// A reply that is already buffered, without reading (lets replies be drained before writing).
    pub fn buffered(&mut self) -> Result<Option<Reply>, ConnError> {
        match self {
            Conn::Bytes { buffer, codec, .. } => codec.decode(buffer),
            Conn::Ws(_) => Ok(None),
        }
    }
}

fn ws_error(error: tungstenite::Error) -> ConnError {
    match error {
        tungstenite::Error::Io(error) => ConnError::Io(error),
        tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => ConnError::Io(
            io::Error::new(io::ErrorKind::ConnectionAborted, "WebSocket closed"),
        ),
        tungstenite::Error::Protocol(error) => {
            ConnError::Garbage(format!("WebSocket protocol error: {error}"))
        }
        other => ConnError::Garbage(format!("WebSocket error: {other}")),
    }
}

fn decode_http(buffer: &mut BytesMut) -> Result<Option<Reply>, ConnError> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    let head_len = match response.parse(buffer) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(error) => return Err(garbage(&format!("not an HTTP/1.1 response ({error})"), buffer)),
    };
    let status = response.code.unwrap_or_default();
    let mut length = None;
    let mut chunked = false;
    let mut close = response.version == Some(0);
    let mut content_type = None;
    for header in response.headers.iter() {
        if header.name.eq_ignore_ascii_case("content-type") {
            content_type = Some(String::from_utf8_lossy(header.value).into_owned());
        }
        if header.name.eq_ignore_ascii_case("connection") {
            let value = String::from_utf8_lossy(header.value).to_ascii_lowercase();
            if value.contains("close") {
                close = true;
            } else if value.contains("keep-alive") {
                close = false;
            }
        }
        if header.name.eq_ignore_ascii_case("content-length") {
            let value = std::str::from_utf8(header.value)
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok());
            match value {
                Some(value) => length = Some(value),
                None => return Err(garbage("an invalid Content-Length", buffer)),
            }
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = header.value.eq_ignore_ascii_case(b"chunked")
                || String::from_utf8_lossy(header.value)
                    .to_ascii_lowercase()
                    .ends_with("chunked");
        }
    }
    if chunked {
        return decode_chunked(buffer, head_len, status, close, content_type);
    }
    let length = match length {
        Some(length) => length,
        // 1xx, 204 and 304 have no body; anything else without a length is read to the end of the
        // connection, which a load tool cannot use on a persistent connection.
        None if status == 204 || status == 304 || (100..200).contains(&status) => 0,
        None => {
            return Err(garbage(
                "an HTTP response without Content-Length or chunked body",
                buffer,
            ))
        }
    };
    if buffer.len() < head_len + length {
        return Ok(None);
    }
    buffer.advance(head_len);
    let body = buffer.split_to(length).freeze();
    Ok(Some(Reply {
        status: Some(status),
        body,
        close,
        content_type,
    }))
}

fn decode_chunked(
    buffer: &mut BytesMut,
    head_len: usize,
    status: u16,
    close: bool,
    content_type: Option<String>,
) -> Result<Option<Reply>, ConnError> {
    let mut at = head_len;
    let mut body = Vec::new();
    loop {
        let Some(line_end) = find(&buffer[at..], b"\r\n") else {
            return Ok(None);
        };
        let size_text = std::str::from_utf8(&buffer[at..at + line_end]).unwrap_or("");
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            return Err(garbage("a malformed chunk size", buffer));
        };
        at += line_end + 2;
        if size == 0 {
            // Trailers (if any) end with an empty line.
            let Some(end) = find(&buffer[at..], b"\r\n") else {
                return Ok(None);
            };
            if end != 0 {
                let Some(trailers_end) = find(&buffer[at..], b"\r\n\r\n") else {
                    return Ok(None);
                };
                at += trailers_end + 4;
            } else {
                at += 2;
            }
            buffer.advance(at);
            return Ok(Some(Reply {
                status: Some(status),
                body: Bytes::from(body),
                close,
                content_type,
            }));
        }
        if buffer.len() < at + size + 2 {
            return Ok(None);
        }
        body.extend_from_slice(&buffer[at..at + size]);
        at += size + 2;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn garbage(what: &str, buffer: &[u8]) -> ConnError {
    ConnError::Garbage(format!("{what}: {}", snippet(buffer)))
}

/// The first bytes of a reply, quoted, for error messages.
pub fn snippet(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(60)]);
    let more = if bytes.len() > 60 { "..." } else { "" };
    format!("{:?}{more}", text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_replies_with_length_and_chunks() {
        let mut buffer = BytesMut::from(
            &b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n[1\r\n1\r\n]\r\n0\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"[..],
        );
        let mut http = Codec::Http;
        let first = http.decode(&mut buffer).unwrap().unwrap();
        assert_eq!((first.status, &first.body[..]), (Some(200), &b"{}"[..]));
        let second = http.decode(&mut buffer).unwrap().unwrap();
        assert_eq!(&second.body[..], b"[1]");
        let third = http.decode(&mut buffer).unwrap().unwrap();
        assert_eq!((third.status, third.body.len()), (Some(204), 0));
        assert!(http.decode(&mut buffer).unwrap().is_none());
        let mut garbage = BytesMut::from(&b"hello there\r\n"[..]);
        assert!(matches!(http.decode(&mut garbage), Err(ConnError::Garbage(_))));
    }

    #[test]
    fn stream_framings() {
        let tcp: Endpoint = "tcp://127.0.0.1:1".parse().unwrap();
        let mut newline = Codec::new(&tcp, Framing::NewlineDelimited);
        let mut buffer = BytesMut::from(&b"\r\n{\"a\":1}\r\n{\"b\""[..]);
        assert_eq!(
            &newline.decode(&mut buffer).unwrap().unwrap().body[..],
            b"{\"a\":1}"
        );
        assert!(newline.decode(&mut buffer).unwrap().is_none());
        let mut content_length = Codec::new(&tcp, Framing::ContentLength);
        let mut buffer = BytesMut::from(&b"Content-Length: 2\r\n\r\n{}Content-Length: 3\r\n\r\n[1"[..]);
        assert_eq!(
            &content_length.decode(&mut buffer).unwrap().unwrap().body[..],
            b"{}"
        );
        assert!(content_length.decode(&mut buffer).unwrap().is_none());
        let mut buffer = BytesMut::from(&b"garbage\r\n\r\n"[..]);
        let mut fresh = Codec::new(&tcp, Framing::ContentLength);
        assert!(fresh.decode(&mut buffer).is_err());
    }
}
