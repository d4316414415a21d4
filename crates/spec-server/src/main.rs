//! `spec-server`: serves the specification's example methods over HTTP and WebSocket, and
//! optionally TCP, a Unix socket, or stdio.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::Parser;
use jrpc::http::{HttpConfig, HttpServer};
use jrpc::transport::{Framing, StreamConfig, StreamServer};
use tracing_subscriber::EnvFilter;

/// Serves the JSON-RPC 2.0 specification's example methods (subtract, sum, update, notify_hello,
/// notify_sum, get_data).
#[derive(Debug, Parser)]
#[command(
    version,
    after_help = "Examples:
  spec-server --listen 127.0.0.1:8545                  HTTP and WebSocket (ws://127.0.0.1:8545/)
  spec-server --tcp 127.0.0.1:8546 --unix /tmp/spec.sock
  spec-server --stdio --framing content-length         speak on stdin/stdout, as a language server
  curl -s http://127.0.0.1:8545/ -H 'Content-Type: application/json' \\
    -d '{\"jsonrpc\":\"2.0\",\"method\":\"subtract\",\"params\":[42,23],\"id\":1}'"
)]
struct Args {
    /// Address and port for HTTP and WebSocket.
    #[arg(long, short, default_value = "127.0.0.1:8545", env = "SPEC_SERVER_LISTEN")]
    listen: SocketAddr,
    /// The HTTP path that answers JSON-RPC (and accepts WebSocket upgrades).
    #[arg(long, default_value = "/")]
    path: String,
    /// Also serve newline-delimited (or --framing) JSON-RPC on this TCP address.
    #[arg(long, value_name = "ADDR:PORT")]
    tcp: Option<SocketAddr>,
    /// Also serve on a Unix domain socket at this path.
    #[arg(long, value_name = "PATH")]
    unix: Option<PathBuf>,
    /// Serve on stdin/stdout only (no network); logs go to stderr.
    #[arg(long)]
    stdio: bool,
    /// Framing for --tcp, --unix and --stdio.
    #[arg(long, value_parser = framing_parser(), default_value = "newline")]
    framing: Framing,
    /// Answer JSON-RPC 1.0 requests (no "jsonrpc" member) in 1.0 form.
    #[arg(long)]
    accept_v1: bool,
    /// Count calls with jrpc's MetricsLayer (for measuring its cost; the counts are not served).
    #[arg(long)]
    metrics: bool,
}

/// `--framing newline|content-length`, read into the library's [`Framing`].
fn framing_parser() -> impl TypedValueParser<Value = Framing> {
    let values = Framing::ALL.map(|framing| {
        PossibleValue::new(framing.name()).help(match framing {
            Framing::NewlineDelimited => "One JSON text per line",
            Framing::ContentLength => "`Content-Length` headers, as language servers use",
        })
    });
    // Only the names above get through, and each of them parses.
    PossibleValuesParser::new(values).map(|name| name.parse::<Framing>().unwrap_or_default())
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    if !args.path.starts_with('/') {
        eprintln!("error: --path must start with '/' (got {:?})", args.path);
        return ExitCode::from(2);
    }
    let build = |discover: jrpc::server::Discover| {
        jrpc::Server::builder()
            .layer(tower::util::option_layer(
                args.metrics.then(jrpc::server::metrics::MetricsLayer::new),
            ))
            .accept_v1(args.accept_v1)
            .discover(discover)
            .build(spec_server::methods())
    };
    let stream_config = StreamConfig {
        framing: args.framing,
        ..StreamConfig::default()
    };
    if args.stdio {
        jrpc::transport::serve_stdio(build(spec_server::discover()), &stream_config).await;
        return ExitCode::SUCCESS;
    }

    let config = HttpConfig {
        path: args.path.clone(),
        ..HttpConfig::default()
    }
    .with_playground();
    // Bound before the server is built, so that the OpenRPC document names the real address
    // (the port may have been 0).
    let bound = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(listener) => listener.local_addr().map(|addr| (listener, addr)),
        Err(error) => Err(error),
    };
    let (listener, local_addr) = match bound {
        Ok(bound) => bound,
        Err(error) => {
            eprintln!("error: cannot listen on {}: {error}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let url = format!("http://{local_addr}{}", args.path);
    let server = build(spec_server::discover().server("http", &url));
    let http = match HttpServer::serve(listener, server.clone(), config) {
        Ok(running) => running,
        Err(error) => {
            eprintln!("error: cannot serve on {local_addr}: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "spec-server: JSON-RPC 2.0 on {url} (WebSocket: ws://{}{})",
        http.local_addr(),
        args.path
    );
    println!(
        "spec-server: playground on http://{}{}",
        http.local_addr(),
        jrpc::transport::playground::PATH
    );
    let mut streams = Vec::new();
    if let Some(addr) = args.tcp {
        match StreamServer::bind_tcp(addr, server.clone(), stream_config.clone()).await {
            Ok(running) => {
                println!("spec-server: TCP on {}", running.local_addr().unwrap_or(addr));
                streams.push(running);
            }
            Err(error) => {
                eprintln!("error: cannot listen on TCP {addr}: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    #[cfg(unix)]
    if let Some(path) = &args.unix {
        match StreamServer::bind_unix(path, server.clone(), stream_config.clone()) {
            Ok(running) => {
                println!("spec-server: Unix socket at {}", path.display());
                streams.push(running);
            }
            Err(error) => {
                eprintln!("error: cannot listen on {}: {error}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    println!(
        "try: curl -s {url} -H 'Content-Type: application/json' \
         -d '{{\"jsonrpc\":\"2.0\",\"method\":\"subtract\",\"params\":[42,23],\"id\":1}}'"
    );
    jrpc::transport::shutdown_signal().await;
    tracing::info!("shutting down: finishing calls in flight");
    for stream in streams {
        stream.shutdown().await;
    }
    http.shutdown().await;
    if let Some(path) = &args.unix {
        let _ = std::fs::remove_file(path);
    }
    ExitCode::SUCCESS
}
