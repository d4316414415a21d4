//! `jrpc playground [URL]`: serves the browser playground on a loopback port and opens it.
//!
//! The page is the one every jrpc HTTP server can serve (`HttpConfig::with_playground`), compiled
//! into this binary, so it works offline. The target URL travels in the page's fragment (`#url=`),
//! which the browser never sends. The page runs on its own origin, so sending to another server
//! needs that server to allow cross-origin requests (CORS); a jrpc server's own `/playground` has
//! no such need.

use std::net::SocketAddr;

use clap::Args;

use crate::exit::{CliError, CliResult, Status};

/// `jrpc playground`.
#[derive(Debug, Args)]
pub struct PlaygroundArgs {
    /// The JSON-RPC server the page sends to (http(s):// or ws(s)://).
    #[arg(default_value = "http://127.0.0.1:8545/")]
    pub url: String,
    /// Where to serve the page: a loopback address (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Print the page's address without opening a browser.
    #[arg(long)]
    pub no_open: bool,
}

/// The page's address for `url`, with the target in the fragment.
pub fn page_url(local: SocketAddr, url: &str) -> String {
    let mut fragment = String::new();
    for byte in url.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~:/?@!$'()*+,;=".contains(&byte) {
            fragment.push(byte as char);
        } else {
            fragment.push_str(&format!("%{byte:02X}"));
        }
    }
    format!(
        "http://{local}{}#url={fragment}",
        jrpc::transport::playground::PATH
    )
}

/// Runs `jrpc playground` until Ctrl-C.
pub fn run(args: &PlaygroundArgs) -> CliResult {
    if !args.listen.ip().is_loopback() {
        return Err(CliError::usage(format!(
            "--listen {}: the playground is served on loopback addresses only",
            args.listen
        )));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(Status::Transport, format!("cannot start: {e}")))?;
    runtime.block_on(async {
        // The page's files only: the JSON-RPC path answers nothing (an empty registry).
        let config = jrpc::http::HttpConfig {
            path: "/jrpc-playground-unused".to_owned(),
            pages: jrpc::transport::playground::pages(&args.url),
            ..jrpc::http::HttpConfig::default()
        };
        let server = jrpc::Server::new(jrpc::Methods::new());
        let http = jrpc::http::HttpServer::bind(args.listen, server, config)
            .await
            .map_err(|e| {
                CliError::new(
                    Status::Transport,
                    format!("cannot listen on {}: {e}", args.listen),
                )
            })?;
        let url = page_url(http.local_addr(), &args.url);
        crate::outln!("jrpc playground: {url}");
        crate::outln!("(sending to another server needs it to allow cross-origin requests; Ctrl-C stops)");
        if !args.no_open {
            open(&url);
        }
        jrpc::transport::shutdown_signal().await;
        http.shutdown().await;
        Ok(Status::Ok)
    })
}

/// Opens the page in the desktop's browser, if there is one; the address is printed anyway.
fn open(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let _ = std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_rides_in_the_fragment() {
        let local: SocketAddr = "127.0.0.1:4000".parse().unwrap_or_else(|_| unreachable!());
        assert_eq!(
            page_url(local, "http://127.0.0.1:8545/rpc?a=1&b=2 x"),
            "http://127.0.0.1:4000/playground#url=http://127.0.0.1:8545/rpc?a=1%26b=2%20x"
        );
    }
}
