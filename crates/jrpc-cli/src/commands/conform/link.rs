//! The raw exchanges of `jrpc conform`: exact bytes out, exact replies back, every wait bounded.
//!
//! The jrpc client cannot be used here: it writes its own requests, matches replies by id and
//! hides what came back. This layer reuses the bench's raw connection ([`Conn`]: HTTP/1.1 read
//! with `httparse`, the library's framing codecs for byte streams, tungstenite for WebSocket) and
//! adds what judging needs: a fresh HTTP connection per request with any verb, content type and
//! body; a child process over its stdio; and "no reply", proven on persistent connections by a
//! probe call whose reply must come first.

use std::time::Duration;

use bytes::Bytes;
use jrpc::transport::{Endpoint, Framing};
use tokio::time::timeout;

use crate::commands::bench::conn::{snippet, Conn, ConnError, Reply};
use crate::target::Target;

/// What one exchange produced.
#[derive(Debug)]
pub enum Got {
    /// A reply: its body, and for HTTP its status and content type.
    Reply(Reply),
    /// No reply (HTTP: a 2xx with an empty body; persistent: the probe's reply came first, or
    /// nothing at all came within the timeout).
    Nothing {
        /// HTTP only: the status of the empty answer.
        status: Option<u16>,
    },
    /// Nothing came back within the timeout, where a reply was due.
    Timeout,
    /// The peer closed the connection (or it broke) before replying.
    Closed(String),
    /// The peer could not be reached.
    Unreachable(String),
    /// Bytes that are not the transport's protocol (not HTTP, a broken frame header).
    Garbage(String),
}

impl Got {
    /// The reply's body, `None` for no reply; `Err` with a description when the exchange failed.
    pub fn body(&self) -> Result<Option<&[u8]>, String> {
        match self {
            Got::Reply(reply) => Ok(Some(&reply.body)),
            Got::Nothing { .. } => Ok(None),
            Got::Timeout => Err("no reply within the timeout".to_owned()),
            Got::Closed(why) | Got::Unreachable(why) | Got::Garbage(why) => Err(why.clone()),
        }
    }
}

/// A link to the server under test.
pub struct Link {
    /// Where to reach the server again after a connection broke.
    target: Target,
    framing: Framing,
    wait: Duration,
    headers: Vec<(String, String)>,
    /// Extra CA certificates (PEM) for TLS targets.
    roots: Vec<Vec<u8>>,
    conn: Option<Conn>,
    probes: u64,
}

impl Link {
    /// A link to `target`; nothing is connected until the first exchange.
    pub fn new(
        target: &Target,
        framing: Framing,
        wait: Duration,
        headers: Vec<(String, String)>,
        roots: Vec<Vec<u8>>,
    ) -> Link {
        Link {
            target: target.clone(),
            framing,
            wait,
            headers,
            roots,
            conn: None,
            probes: 0,
        }
    }

    /// True for HTTP, where each message is its own request.
    pub fn is_http(&self) -> bool {
        matches!(self.target, Target::Url(Endpoint::Http { .. }))
    }

    /// Sends one JSON-RPC message and takes what comes back. On HTTP it is a POST with
    /// `Content-Type: application/json`; on a persistent connection, when `nothing_due`, a probe
    /// call follows it so that silence is proven without waiting out the timeout.
    pub async fn exchange(&mut self, message: &str, nothing_due: bool) -> Got {
        if self.is_http() {
            return self
                .http("POST", Some("application/json"), message.as_bytes())
                .await;
        }
        if let Err(got) = self.send(message).await {
            return got;
        }
        if !nothing_due {
            return self.receive().await;
        }
        self.probes += 1;
        let id = format!("jrpc-conform-probe-{}", self.probes);
        let probe = format!(r#"{{"jsonrpc":"2.0","method":"rpc.jrpc-conform-probe","id":"{id}"}}"#);
        if let Err(got) = self.send(&probe).await {
            return got;
        }
        let first = self.receive().await;
        match &first {
            Got::Reply(reply) if contains(&reply.body, id.as_bytes()) => Got::Nothing { status: None },
            // The server may not answer the probe either: silence all the same.
            Got::Timeout => Got::Nothing { status: None },
            Got::Reply(_) => {
                // Something came for the message: read the probe's reply too, to stay in step.
                let _ = self.receive().await;
                first
            }
            _ => first,
        }
    }

    /// Sends several messages in one write and reads up to as many replies (persistent only).
    pub async fn pipeline(&mut self, messages: &[String]) -> Vec<Got> {
        let framed: Vec<Bytes> = messages.iter().map(|m| self.frame(m)).collect();
        let conn = match self.connected().await {
            Ok(conn) => conn,
            Err(got) => return vec![got],
        };
        let refs: Vec<&Bytes> = framed.iter().collect();
        if let Err(error) = conn.send(&refs).await {
            self.conn = None;
            return vec![broken(error)];
        }
        let mut replies = Vec::new();
        for _ in messages {
            let got = self.receive().await;
            let stop = !matches!(got, Got::Reply(_));
            replies.push(got);
            if stop {
                break;
            }
        }
        replies
    }

    /// One HTTP request on a fresh connection: `verb`, an optional content type, and the body.
    pub async fn http(&mut self, verb: &str, content_type: Option<&str>, body: &[u8]) -> Got {
        let Target::Url(endpoint @ Endpoint::Http { path, .. }) = &self.target else {
            return Got::Garbage("not an HTTP target".to_owned());
        };
        let authority = endpoint.authority().unwrap_or_default();
        let mut head = format!("{verb} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
        if let Some(content_type) = content_type {
            head.push_str(&format!("Content-Type: {content_type}\r\n"));
        }
        if verb != "GET" {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut request = head.into_bytes();
        request.extend_from_slice(body);
        let request = Bytes::from(request);
        let mut conn = match timeout(self.wait, Conn::open(endpoint, self.framing, &self.roots)).await {
            Err(_) => return Got::Timeout,
            Ok(Err(error)) => return Got::Unreachable(describe(error)),
            Ok(Ok(conn)) => conn,
        };
        // A server may answer (413) and close before the whole body is written: read anyway.
        let sent = timeout(self.wait, conn.send(&[&request])).await;
        match timeout(self.wait, conn.next()).await {
            Err(_) => Got::Timeout,
            Ok(Ok(reply)) if reply.body.is_empty() && (200..300).contains(&reply.status.unwrap_or(0)) => {
                Got::Nothing { status: reply.status }
            }
            Ok(Ok(reply)) => Got::Reply(reply),
            Ok(Err(ConnError::Garbage(why))) => Got::Garbage(why),
            Ok(Err(ConnError::Io(error))) => match sent {
                Ok(Err(send_error)) => Got::Closed(format!(
                    "the server closed the connection while the request was written ({})",
                    describe(send_error)
                )),
                _ => Got::Closed(describe(ConnError::Io(error))),
            },
        }
    }

    async fn send(&mut self, message: &str) -> Result<(), Got> {
        let framed = self.frame(message);
        let wait = self.wait;
        let conn = self.connected().await?;
        match timeout(wait, conn.send(&[&framed])).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => {
                self.conn = None;
                Err(broken(error))
            }
            Err(_) => {
                self.conn = None;
                Err(Got::Timeout)
            }
        }
    }

    async fn receive(&mut self) -> Got {
        let Some(conn) = self.conn.as_mut() else {
            return Got::Closed("not connected".to_owned());
        };
        let got = match timeout(self.wait, conn.next()).await {
            Err(_) => Got::Timeout,
            Ok(Ok(reply)) => return Got::Reply(reply),
            Ok(Err(error)) => broken(error),
        };
        // After a timeout or a broken stream the next reply could belong to anything: start over.
        self.conn = None;
        got
    }

    /// The message as it goes on the wire: one line (newline framing: JSON whitespace may be a
    /// space instead of a line break), a Content-Length frame, or a WebSocket text frame.
    fn frame(&self, message: &str) -> Bytes {
        match (&self.target, self.framing) {
            (Target::Url(Endpoint::WebSocket { .. }), _) => Bytes::from(message.to_owned()),
            (_, Framing::NewlineDelimited) => {
                Bytes::from(format!("{}\n", message.replace(['\r', '\n'], " ")))
            }
            (_, Framing::ContentLength) => {
                Bytes::from(format!("Content-Length: {}\r\n\r\n{message}", message.len()))
            }
        }
    }

    async fn connected(&mut self) -> Result<&mut Conn, Got> {
        if self.conn.is_none() {
            // A URL is dialed, `--exec` starts the program (killed with the connection).
            let conn = match timeout(self.wait, Conn::connect(&self.target, self.framing, &self.roots)).await
            {
                Err(_) => return Err(Got::Unreachable("connecting timed out".to_owned())),
                Ok(Err(ConnError::Garbage(why))) => return Err(Got::Garbage(why)),
                Ok(Err(error)) => return Err(Got::Unreachable(describe(error))),
                Ok(Ok(conn)) => conn,
            };
            self.conn = Some(conn);
        }
        self.conn
            .as_mut()
            .ok_or_else(|| Got::Closed("not connected".to_owned()))
    }
}

fn broken(error: ConnError) -> Got {
    match error {
        ConnError::Garbage(why) => Got::Garbage(why),
        ConnError::Io(_) => Got::Closed(describe(error)),
    }
}

fn describe(error: ConnError) -> String {
    match error {
        ConnError::Io(error) => error.to_string(),
        ConnError::Garbage(why) => why,
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

/// A reply's body as text for a report: quoted when it is not JSON, cut when long.
pub fn show(body: &[u8]) -> String {
    match std::str::from_utf8(body) {
        Ok(text) if body.len() <= 400 && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() => {
            text.to_owned()
        }
        _ => snippet(body),
    }
}
