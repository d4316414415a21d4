//! Where a peer is: one parsed URL for every transport (`http(s)://`, `ws(s)://`, `tcp://`, `tls://`,
//! `unix:`), read with [`FromStr`] and written back by [`Display`](fmt::Display) in a form that reads
//! back to the same value.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// A peer's address, by transport.
///
/// Ports are always resolved (`http://example.com` is port 80) and HTTP and WebSocket paths are
/// never empty (`/` at least; a query is kept), so two spellings of one place compare equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `http://` or `https://` (`tls`): one POST per message to `path` (path and query).
    Http {
        tls: bool,
        host: String,
        port: u16,
        path: String,
    },
    /// `ws://` or `wss://` (`tls`): one message per WebSocket frame, upgraded at `path`.
    WebSocket {
        tls: bool,
        host: String,
        port: u16,
        path: String,
    },
    /// `tcp://host:port` or `tls://host:port` (`tls`): a byte stream with a framing.
    Tcp { tls: bool, host: String, port: u16 },
    /// `unix:/path/to/socket` (also `unix:///path`): a Unix domain socket.
    Unix { path: PathBuf },
}

impl Endpoint {
    /// The scheme as written in the URL: `http`, `https`, `ws`, `wss`, `tcp`, `tls` or `unix`.
    pub fn scheme(&self) -> &'static str {
        match self {
            Endpoint::Http { tls: false, .. } => "http",
            Endpoint::Http { tls: true, .. } => "https",
            Endpoint::WebSocket { tls: false, .. } => "ws",
            Endpoint::WebSocket { tls: true, .. } => "wss",
            Endpoint::Tcp { tls: false, .. } => "tcp",
            Endpoint::Tcp { tls: true, .. } => "tls",
            Endpoint::Unix { .. } => "unix",
        }
    }

    /// True for `https://`, `wss://` and `tls://`.
    pub fn is_tls(&self) -> bool {
        match self {
            Endpoint::Http { tls, .. } | Endpoint::WebSocket { tls, .. } | Endpoint::Tcp { tls, .. } => *tls,
            Endpoint::Unix { .. } => false,
        }
    }

    /// True when one connection carries messages both ways for as long as it is open (WebSocket,
    /// TCP, TLS, Unix), so the server can call or notify the client; false for HTTP.
    pub fn is_persistent(&self) -> bool {
        !matches!(self, Endpoint::Http { .. })
    }

    /// The port a scheme uses when the URL names none: 80 for `http` and `ws`, 443 for `https` and
    /// `wss`; `tcp` and `tls` have none (a port is required) and neither has `unix`.
    pub fn default_port(scheme: &str) -> Option<u16> {
        match scheme.to_ascii_lowercase().as_str() {
            "http" | "ws" => Some(80),
            "https" | "wss" => Some(443),
            _ => None,
        }
    }

    /// The host name or address (IPv6 without brackets), for network endpoints.
    pub fn host(&self) -> Option<&str> {
        match self {
            Endpoint::Http { host, .. } | Endpoint::WebSocket { host, .. } | Endpoint::Tcp { host, .. } => {
                Some(host)
            }
            Endpoint::Unix { .. } => None,
        }
    }

    /// The port, for network endpoints.
    pub fn port(&self) -> Option<u16> {
        match self {
            Endpoint::Http { port, .. } | Endpoint::WebSocket { port, .. } | Endpoint::Tcp { port, .. } => {
                Some(*port)
            }
            Endpoint::Unix { .. } => None,
        }
    }

    /// `host:port` to connect to (`[::1]:8545` for IPv6), for network endpoints.
    pub fn authority(&self) -> Option<String> {
        let (host, port) = (self.host()?, self.port()?);
        Some(if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        })
    }

    /// The HTTP path and query, for HTTP and WebSocket endpoints.
    pub fn path(&self) -> Option<&str> {
        match self {
            Endpoint::Http { path, .. } | Endpoint::WebSocket { path, .. } => Some(path),
            Endpoint::Tcp { .. } | Endpoint::Unix { .. } => None,
        }
    }
}

impl FromStr for Endpoint {
    type Err = EndpointError;

    fn from_str(text: &str) -> Result<Endpoint, EndpointError> {
        if let Some(path) = text.strip_prefix("unix:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(EndpointError::new(ErrorKind::NoPath));
            }
            return Ok(Endpoint::Unix {
                path: PathBuf::from(path),
            });
        }
        let Some((scheme, _)) = text.split_once("://") else {
            let scheme = text.split(':').next().unwrap_or(text);
            return Err(EndpointError::new(ErrorKind::UnknownScheme(scheme.to_owned())));
        };
        let scheme = scheme.to_ascii_lowercase();
        if !matches!(scheme.as_str(), "http" | "https" | "ws" | "wss" | "tcp" | "tls") {
            return Err(EndpointError::new(ErrorKind::UnknownScheme(scheme)));
        }
        let uri: http::Uri = text
            .parse()
            .map_err(|e: http::uri::InvalidUri| EndpointError::new(ErrorKind::Invalid(e.to_string())))?;
        let Some(host) = uri.host().filter(|h| !h.is_empty()) else {
            return Err(EndpointError::new(ErrorKind::NoHost));
        };
        let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
        // `http::Uri` reads a port that is not a u16 (`:99999`) as no port at all.
        let port_text = uri
            .authority()
            .map(|a| a.as_str())
            .and_then(|a| a.rsplit_once(':'))
            .map(|(_, port)| port)
            .filter(|port| !port.contains(']'))
            .unwrap_or_default();
        if !port_text.is_empty() && uri.port_u16().is_none() {
            return Err(EndpointError::new(ErrorKind::Invalid(format!(
                "invalid port {port_text:?}"
            ))));
        }
        let port = uri.port_u16().or_else(|| Endpoint::default_port(&scheme));
        let path = || uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
        Ok(match scheme.as_str() {
            "tcp" | "tls" => {
                let tls = scheme == "tls";
                let Some(port) = port else {
                    return Err(EndpointError::new(ErrorKind::NoPort { tls }));
                };
                Endpoint::Tcp { tls, host, port }
            }
            "ws" | "wss" => Endpoint::WebSocket {
                tls: scheme == "wss",
                host,
                port: port.unwrap_or_default(),
                path: path(),
            },
            _ => Endpoint::Http {
                tls: scheme == "https",
                host,
                port: port.unwrap_or_default(),
                path: path(),
            },
        })
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = self.scheme();
        let authority = self.authority().unwrap_or_default();
        match self {
            Endpoint::Http { path, .. } | Endpoint::WebSocket { path, .. } => {
                write!(f, "{scheme}://{authority}{path}")
            }
            Endpoint::Tcp { .. } => write!(f, "{scheme}://{authority}"),
            Endpoint::Unix { path } => {
                let path = path.display().to_string();
                // `unix://x` reads as the path `x`: keep a leading `//` by writing it twice.
                if path.starts_with("//") {
                    write!(f, "unix://{path}")
                } else {
                    write!(f, "unix:{path}")
                }
            }
        }
    }
}

/// Why a URL is not an [`Endpoint`]. The message says what a valid one looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointError {
    kind: ErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ErrorKind {
    UnknownScheme(String),
    Invalid(String),
    NoHost,
    NoPort { tls: bool },
    NoPath,
}

impl EndpointError {
    fn new(kind: ErrorKind) -> Self {
        EndpointError { kind }
    }

    /// The scheme, when it is not one of ours (`ftp` in `ftp://x`; the text before the first `:`
    /// when there is no `://`).
    pub fn unknown_scheme(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::UnknownScheme(scheme) => Some(scheme),
            _ => None,
        }
    }

    /// True when the text is not a URL at all (the URL parser refused it).
    pub fn is_invalid(&self) -> bool {
        matches!(self.kind, ErrorKind::Invalid(_))
    }

    /// True when a `tcp://` or `tls://` URL names no port.
    pub fn is_missing_port(&self) -> bool {
        matches!(self.kind, ErrorKind::NoPort { .. })
    }
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::UnknownScheme(scheme) => write!(
                f,
                "unknown URL scheme '{scheme}': use http://, https://, ws://, wss://, tcp://host:port, \
                 tls://host:port or unix:/path"
            ),
            ErrorKind::Invalid(why) => write!(f, "not a valid URL: {why}"),
            ErrorKind::NoHost => f.write_str("the URL has no host"),
            ErrorKind::NoPort { tls: false } => {
                f.write_str("a TCP URL needs a port, e.g. tcp://127.0.0.1:8546")
            }
            ErrorKind::NoPort { tls: true } => {
                f.write_str("a TLS URL needs a port, e.g. tls://example.com:8546")
            }
            ErrorKind::NoPath => f.write_str("a Unix socket URL needs a path, e.g. unix:/tmp/rpc.sock"),
        }
    }
}

impl std::error::Error for EndpointError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Endpoint {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn every_scheme() {
        assert_eq!(
            parse("http://127.0.0.1:8545/rpc?x=1"),
            Endpoint::Http {
                tls: false,
                host: "127.0.0.1".into(),
                port: 8545,
                path: "/rpc?x=1".into()
            }
        );
        assert_eq!(
            parse("HTTPS://example.com"),
            Endpoint::Http {
                tls: true,
                host: "example.com".into(),
                port: 443,
                path: "/".into()
            }
        );
        assert_eq!(
            parse("ws://[::1]:9"),
            Endpoint::WebSocket {
                tls: false,
                host: "::1".into(),
                port: 9,
                path: "/".into()
            }
        );
        assert_eq!(parse("wss://h/socket").port(), Some(443));
        assert_eq!(
            parse("tcp://localhost:8546"),
            Endpoint::Tcp {
                tls: false,
                host: "localhost".into(),
                port: 8546
            }
        );
        assert_eq!(parse("tls://h:1").scheme(), "tls");
        assert_eq!(
            parse("unix:/tmp/x.sock"),
            Endpoint::Unix {
                path: "/tmp/x.sock".into()
            }
        );
        assert_eq!(parse("unix:///tmp/x.sock"), parse("unix:/tmp/x.sock"));
    }

    #[test]
    fn display_reads_back_to_the_same_endpoint() {
        for (text, shown) in [
            ("http://127.0.0.1:8545/rpc?x=1", "http://127.0.0.1:8545/rpc?x=1"),
            ("https://example.com", "https://example.com:443/"),
            ("ws://[::1]:9", "ws://[::1]:9/"),
            ("http://[::1]", "http://[::1]:80/"),
            ("wss://h/socket", "wss://h:443/socket"),
            ("tcp://localhost:8546", "tcp://localhost:8546"),
            ("tls://[::1]:1", "tls://[::1]:1"),
            ("unix:/tmp/x.sock", "unix:/tmp/x.sock"),
            ("unix:relative.sock", "unix:relative.sock"),
            ("unix:////srv/x", "unix:////srv/x"),
        ] {
            let endpoint = parse(text);
            assert_eq!(endpoint.to_string(), shown, "{text}");
            assert_eq!(parse(shown), endpoint, "{text}");
        }
    }

    #[test]
    fn helpers() {
        assert!(!parse("http://h/").is_persistent());
        for text in ["ws://h/", "tcp://h:1", "tls://h:1", "unix:/s"] {
            assert!(parse(text).is_persistent(), "{text}");
        }
        assert!(parse("wss://h/").is_tls() && !parse("unix:/s").is_tls());
        assert_eq!(Endpoint::default_port("WS"), Some(80));
        assert_eq!(Endpoint::default_port("tcp"), None);
        assert_eq!(parse("ws://[::1]:9/").authority().as_deref(), Some("[::1]:9"));
        assert_eq!(parse("unix:/s").authority(), None);
        assert_eq!(parse("http://h:1/a?b").path(), Some("/a?b"));
    }

    #[test]
    fn malformed_urls_say_why() {
        for (text, needle) in [
            ("ftp://x", "unknown URL scheme 'ftp'"),
            ("nonsense", "unknown URL scheme 'nonsense'"),
            ("localhost:8545", "unknown URL scheme 'localhost'"),
            ("", "unknown URL scheme ''"),
            ("tcp://host", "a TCP URL needs a port"),
            ("tls://host", "a TLS URL needs a port"),
            ("unix:", "needs a path"),
            ("unix://", "needs a path"),
            ("http://", "not a valid URL"),
            ("http://:80/", "the URL has no host"),
            ("http://h:99999/", "not a valid URL"),
            ("http://h /", "not a valid URL"),
        ] {
            let error = text.parse::<Endpoint>().unwrap_err();
            assert!(error.to_string().contains(needle), "{text}: {error}");
        }
        let error = "ftp://x".parse::<Endpoint>().unwrap_err();
        assert_eq!(error.unknown_scheme(), Some("ftp"));
        assert!("tcp://h".parse::<Endpoint>().unwrap_err().is_missing_port());
        assert!("http://h /".parse::<Endpoint>().unwrap_err().is_invalid());
    }
}
