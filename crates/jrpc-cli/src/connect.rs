//! Connecting to a server with the jrpc client, shared by the commands that talk to one (`call`,
//! `notify`, `batch`, `discover`): the flags, the target, and client errors as exit statuses.

use std::time::Duration;

use clap::Args;
use jrpc::client::{Client, ClientBuilder, Error};
use jrpc::transport::Framing;

use crate::exit::{CliError, Status};
use crate::target::Target;

/// Where to send and how: shared by `call`, `notify`, `batch` and `discover`.
#[derive(Debug, Clone, Args)]
pub struct SendArgs {
    /// Talk to this program over its stdin and stdout instead of a URL (e.g. a language server).
    #[arg(long, value_name = "COMMAND")]
    pub exec: Option<String>,
    /// An HTTP header (and WebSocket handshake header), as 'Name: value'; repeatable.
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,
    /// How long to wait for the reply (e.g. 30s, 500ms; 0 waits forever).
    #[arg(long, default_value = "30s", value_parser = crate::args::parse_duration, value_name = "DURATION")]
    pub timeout: Duration,
    /// Framing on TCP, Unix sockets and --exec.
    #[arg(long, value_parser = crate::args::framing_parser(), default_value = "newline")]
    pub framing: Framing,
    /// A CA certificate (PEM) to trust for https://, wss:// and tls:// besides the usual roots.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<std::path::PathBuf>,
}

/// The target (a URL first, or --exec) and the words after it.
pub fn split_target<'a>(words: &'a [String], send: &SendArgs) -> Result<(Target, &'a [String]), CliError> {
    if let Some(command) = &send.exec {
        return Ok((Target::exec(command)?, words));
    }
    let Some((url, rest)) = words.split_first() else {
        return Err(CliError::usage(
            "the URL is missing (or use --exec 'program args')",
        ));
    };
    Ok((Target::parse(url)?, rest))
}

pub async fn connect(target: &Target, send: &SendArgs) -> Result<Client, CliError> {
    let mut builder = ClientBuilder::new()
        .timeout((!send.timeout.is_zero()).then_some(send.timeout))
        .framing(send.framing);
    for header in &send.headers {
        let Some((name, value)) = header.split_once(':') else {
            return Err(CliError::usage(format!("header '{header}' is not 'Name: value'")));
        };
        builder = builder.header(name.trim(), value.trim());
    }
    for pem in read_cacert(send.cacert.as_deref())? {
        builder = builder.root_certificate_pem(&pem);
    }
    let connected = match target {
        Target::Exec { program, args } => builder.spawn(program, args).await,
        Target::Url(endpoint) => builder.connect_to(endpoint).await,
    };
    connected.map_err(failure)
}

/// The `--cacert` file's contents, as the list of extra roots (empty without the flag).
pub fn read_cacert(path: Option<&std::path::Path>) -> Result<Vec<Vec<u8>>, CliError> {
    match path {
        None => Ok(Vec::new()),
        Some(path) => {
            let pem = std::fs::read(path)
                .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?;
            if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
                return Err(CliError::usage(format!(
                    "{} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                    path.display()
                )));
            }
            Ok(vec![pem])
        }
    }
}

/// Maps a client error to its exit status, with the server's error spelled out.
pub fn failure(error: Error) -> CliError {
    if let Some(remote) = error.remote_error() {
        let mut text = format!(
            "the server answered with error {}: {}",
            remote.code(),
            remote.message()
        );
        if let Some(data) = remote.data() {
            text.push_str(&format!(" (data: {})", data.get()));
        }
        return CliError::new(Status::RpcError, text);
    }
    let status = if error.is_invalid_reply() || error.is_decode() {
        Status::InvalidReply
    } else if error.is_params() || error.is_config() {
        Status::Usage
    } else {
        Status::Transport
    };
    CliError::new(status, error.to_string())
}

pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::transport(format!("cannot start the runtime: {e}")))
}
