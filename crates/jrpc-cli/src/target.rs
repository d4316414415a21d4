//! Where messages go: a URL, read into the library's [`Endpoint`] (`http(s)://`, `ws(s)://`,
//! `tcp://host:port`, `tls://host:port`, `unix:/path`), or a child process (`--exec 'program args'`).
//! The CLI adds HTTPie's shorthand: a bare `host:port` or `:port` means `http://`.

use std::fmt;

use jrpc::transport::{Endpoint, EndpointError};

use crate::exit::CliError;

/// A peer to talk to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A URL.
    Url(Endpoint),
    /// A child process spoken to over its stdin/stdout.
    Exec { program: String, args: Vec<String> },
}

impl Target {
    /// Parses a URL. A bare `host:port` or `:port` means `http://` (as in HTTPie).
    pub fn parse(text: &str) -> Result<Target, CliError> {
        let expanded;
        let url = if text.contains("://") || text.starts_with("unix:") {
            text
        } else if let Some(port) = text.strip_prefix(':') {
            expanded = format!("http://127.0.0.1:{port}");
            &expanded
        } else if looks_like_host_port(text) {
            expanded = format!("http://{text}");
            &expanded
        } else {
            return Err(unknown_scheme(text, text.split(':').next().unwrap_or(text)));
        };
        url.parse::<Endpoint>()
            .map(Target::Url)
            .map_err(|error| url_error(text, &error))
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

    /// The URL, unless this is a child process.
    pub fn endpoint(&self) -> Option<&Endpoint> {
        match self {
            Target::Url(endpoint) => Some(endpoint),
            Target::Exec { .. } => None,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Url(endpoint) => endpoint.fmt(f),
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

/// The library's reason, said about the text the user typed.
fn url_error(text: &str, error: &EndpointError) -> CliError {
    if let Some(scheme) = error.unknown_scheme() {
        return unknown_scheme(text, scheme);
    }
    if error.is_invalid() {
        // "'x' is not a valid URL: ..."
        return CliError::usage(format!("'{text}' is {error}"));
    }
    CliError::usage(format!("'{text}': {error}"))
}

fn unknown_scheme(text: &str, scheme: &str) -> CliError {
    CliError::usage(format!(
        "unknown URL scheme '{scheme}' in '{text}': use http://, https://, ws://, wss://, \
         tcp://host:port, tls://host:port, unix:/path, or --exec 'program args'"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Endpoint {
        match Target::parse(text) {
            Ok(Target::Url(endpoint)) => endpoint,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn urls() {
        assert_eq!(
            url("http://127.0.0.1:8545/rpc?x=1"),
            Endpoint::Http {
                tls: false,
                host: "127.0.0.1".into(),
                port: 8545,
                path: "/rpc?x=1".into()
            }
        );
        assert_eq!(
            url("https://example.com"),
            Endpoint::Http {
                tls: true,
                host: "example.com".into(),
                port: 443,
                path: "/".into()
            }
        );
        assert!(
            matches!(url("ws://[::1]:9/"), Endpoint::WebSocket { port: 9, ref host, .. } if host == "::1")
        );
        assert_eq!(
            url("tcp://localhost:8546"),
            Endpoint::Tcp {
                tls: false,
                host: "localhost".into(),
                port: 8546
            }
        );
        assert_eq!(
            url("unix:/tmp/x.sock"),
            Endpoint::Unix {
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
        assert_eq!(
            Target::parse("tcp://host").unwrap_err().to_string(),
            "'tcp://host': a TCP URL needs a port, e.g. tcp://127.0.0.1:8546"
        );
        assert_eq!(
            Target::parse("http://h /").unwrap_err().to_string(),
            "'http://h /' is not a valid URL: invalid uri character"
        );
        // The shorthand's errors name what the user typed.
        let error = Target::parse(":99999").unwrap_err().to_string();
        assert!(error.starts_with("':99999' is not a valid URL"), "{error}");
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
