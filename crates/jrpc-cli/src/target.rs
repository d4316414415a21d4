//! Where messages go: a URL (`http(s)://`, `ws(s)://`, `tcp://host:port`, `unix:/path`) or a child
//! process (`--exec 'program args'`), and the framing used on byte streams.

use std::fmt;
use std::path::PathBuf;

use clap::ValueEnum;

use crate::exit::CliError;

/// How messages are delimited on a byte stream (TCP, Unix socket, a child's stdio).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Framing {
    /// One compact JSON text per line (the default).
    #[default]
    Newline,
    /// `Content-Length: N` headers then N bytes, as language servers use.
    ContentLength,
}

/// A peer to talk to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// HTTP(S): POST to `path` (path and query) on host:port.
    Http {
        tls: bool,
        host: String,
        port: u16,
        path: String,
    },
    /// WebSocket: one message per text frame; `url` as given.
    Ws {
        tls: bool,
        host: String,
        port: u16,
        url: String,
    },
    /// A TCP byte stream.
    Tcp { host: String, port: u16 },
    /// A Unix domain socket.
    Unix { path: PathBuf },
    /// A child process spoken to over its stdin/stdout.
    Exec { program: String, args: Vec<String> },
}

impl Target {
    /// Parses a URL. A bare `host:port` or `:port` means `http://` (as in HTTPie).
    pub fn parse(text: &str) -> Result<Target, CliError> {
        if let Some(path) = text.strip_prefix("unix:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(CliError::usage(format!(
                    "'{text}': a Unix socket URL needs a path, e.g. unix:/tmp/rpc.sock"
                )));
            }
            return Ok(Target::Unix {
                path: PathBuf::from(path),
            });
        }
        let with_scheme;
        let text_with_scheme = if text.contains("://") {
            text
        } else if let Some(port) = text.strip_prefix(':') {
            with_scheme = format!("http://127.0.0.1:{port}");
            &with_scheme
        } else if looks_like_host_port(text) {
            with_scheme = format!("http://{text}");
            &with_scheme
        } else {
            return Err(unknown_scheme(text, text.split(':').next().unwrap_or(text)));
        };
        let uri: http::Uri = text_with_scheme
            .parse()
            .map_err(|e| CliError::usage(format!("'{text}' is not a valid URL: {e}")))?;
        let scheme = uri.scheme_str().unwrap_or_default().to_ascii_lowercase();
        let (tls, default_port) = match scheme.as_str() {
            "http" | "ws" | "tcp" => (false, 80),
            "https" | "wss" => (true, 443),
            other => return Err(unknown_scheme(text, other)),
        };
        let Some(host) = uri.host().filter(|h| !h.is_empty()) else {
            return Err(CliError::usage(format!("'{text}': the URL has no host")));
        };
        let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
        let port = uri.port_u16();
        match scheme.as_str() {
            "tcp" => {
                let Some(port) = port else {
                    return Err(CliError::usage(format!(
                        "'{text}': a TCP URL needs a port, e.g. tcp://127.0.0.1:8546"
                    )));
                };
                Ok(Target::Tcp { host, port })
            }
            "ws" | "wss" => Ok(Target::Ws {
                tls,
                host,
                port: port.unwrap_or(default_port),
                url: text_with_scheme.to_owned(),
            }),
            _ => Ok(Target::Http {
                tls,
                host,
                port: port.unwrap_or(default_port),
                path: uri
                    .path_and_query()
                    .map_or("/".to_owned(), |p| p.as_str().to_owned()),
            }),
        }
    }

    /// Parses `--exec 'program args'` with shell-style quoting (no shell is run).
    pub fn exec(command: &str) -> Result<Target, CliError> {
        let Some(mut words) = shlex::split(command) else {
            return Err(CliError::usage(format!("--exec '{command}': unbalanced quotes")));
        };
        if words.is_empty() {
            return Err(CliError::usage("--exec: the command is empty"));
        }
        let program = words.remove(0);
        Ok(Target::Exec { program, args: words })
    }

    /// The `host:port` to connect to, for network targets.
    pub fn authority(&self) -> Option<String> {
        match self {
            Target::Http { host, port, .. } | Target::Ws { host, port, .. } | Target::Tcp { host, port } => {
                Some(if host.contains(':') {
                    format!("[{host}]:{port}")
                } else {
                    format!("{host}:{port}")
                })
            }
            Target::Unix { .. } | Target::Exec { .. } => None,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Http { tls, path, .. } => {
                let scheme = if *tls { "https" } else { "http" };
                write!(f, "{scheme}://{}{path}", self.authority().unwrap_or_default())
            }
            Target::Ws { url, .. } => f.write_str(url),
            Target::Tcp { .. } => write!(f, "tcp://{}", self.authority().unwrap_or_default()),
            Target::Unix { path } => write!(f, "unix:{}", path.display()),
            Target::Exec { program, args } => {
                let mut words = vec![program.as_str()];
                words.extend(args.iter().map(String::as_str));
                f.write_str(&shlex::try_join(words).unwrap_or_else(|_| program.clone()))
            }
        }
    }
}

fn looks_like_host_port(text: &str) -> bool {
    match text.rsplit_once(':') {
        Some((host, rest)) => {
            let port = rest.split('/').next().unwrap_or_default();
            !host.is_empty() && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

fn unknown_scheme(text: &str, scheme: &str) -> CliError {
    CliError::usage(format!(
        "unknown URL scheme '{scheme}' in '{text}': use http://, https://, ws://, wss://, \
         tcp://host:port, unix:/path, or --exec 'program args'"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            Target::parse("http://127.0.0.1:8545/rpc?x=1").unwrap(),
            Target::Http {
                tls: false,
                host: "127.0.0.1".into(),
                port: 8545,
                path: "/rpc?x=1".into()
            }
        );
        assert_eq!(
            Target::parse("https://example.com").unwrap(),
            Target::Http {
                tls: true,
                host: "example.com".into(),
                port: 443,
                path: "/".into()
            }
        );
        assert!(
            matches!(Target::parse("ws://[::1]:9/").unwrap(), Target::Ws { port: 9, ref host, .. } if host == "::1")
        );
        assert_eq!(
            Target::parse("tcp://localhost:8546").unwrap(),
            Target::Tcp {
                host: "localhost".into(),
                port: 8546
            }
        );
        assert_eq!(
            Target::parse("unix:/tmp/x.sock").unwrap(),
            Target::Unix {
                path: "/tmp/x.sock".into()
            }
        );
        assert_eq!(
            Target::parse(":8545").unwrap().to_string(),
            "http://127.0.0.1:8545/"
        );
        assert_eq!(
            Target::parse("localhost:8545").unwrap().to_string(),
            "http://localhost:8545/"
        );
    }

    #[test]
    fn bad_urls_say_why() {
        let error = Target::parse("ftp://x").unwrap_err().to_string();
        assert!(error.contains("unknown URL scheme 'ftp'"), "{error}");
        assert!(Target::parse("tcp://host")
            .unwrap_err()
            .to_string()
            .contains("port"));
        assert!(Target::parse("nonsense")
            .unwrap_err()
            .to_string()
            .contains("unknown URL scheme"));
        assert!(Target::parse("unix:").is_err());
    }

    #[test]
    fn exec_splits_like_a_shell() {
        assert_eq!(
            Target::exec("spec-server --stdio --framing 'content-length'").unwrap(),
            Target::Exec {
                program: "spec-server".into(),
                args: vec!["--stdio".into(), "--framing".into(), "content-length".into()]
            }
        );
        assert!(Target::exec("a 'b").is_err());
        assert!(Target::exec("  ").is_err());
    }
}
