//! Who sent a call over HTTP: the peer's socket address and, when present, the `X-Forwarded-For`
//! header, put into every call's extensions so that an application can rate-limit by client.
//!
//! Which of the two to believe is the application's choice: only a configured proxy's header
//! should be trusted, since anyone can send one.

use std::net::SocketAddr;

use http::HeaderValue;

/// The socket address of the HTTP connection a call came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteAddr(pub SocketAddr);

/// The request's `X-Forwarded-For` header (several header lines joined with `,`), as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardedFor(pub HeaderValue);

/// The extensions a call over HTTP carries: the remote address, and the forwarded-for header if any.
pub(crate) fn extensions(remote: Option<SocketAddr>, headers: &http::HeaderMap) -> http::Extensions {
    let mut extensions = http::Extensions::new();
    if let Some(remote) = remote {
        extensions.insert(RemoteAddr(remote));
    }
    let mut values = headers.get_all("x-forwarded-for").iter();
    if let Some(first) = values.next() {
        let value = match values.next() {
            None => first.clone(),
            Some(second) => {
                let mut joined = first.as_bytes().to_vec();
                for value in std::iter::once(second).chain(values) {
                    joined.push(b',');
                    joined.extend_from_slice(value.as_bytes());
                }
                HeaderValue::from_bytes(&joined).unwrap_or_else(|_| first.clone())
            }
        };
        extensions.insert(ForwardedFor(value));
    }
    extensions
}
