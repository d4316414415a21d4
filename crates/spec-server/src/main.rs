//! `spec-server`: serves the specification's example methods over HTTP.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use jrpc::http::{HttpConfig, HttpServer};
use tracing_subscriber::EnvFilter;

/// Serves the JSON-RPC 2.0 specification's example methods (subtract, sum, update, notify_hello,
/// notify_sum, get_data) over HTTP.
#[derive(Debug, Parser)]
#[command(
    version,
    after_help = "Example:\n  spec-server --listen 127.0.0.1:8545\n  \
curl -s http://127.0.0.1:8545/ -H 'Content-Type: application/json' \\\n    \
-d '{\"jsonrpc\":\"2.0\",\"method\":\"subtract\",\"params\":[42,23],\"id\":1}'"
)]
struct Args {
    /// Address and port to listen on.
    #[arg(long, short, default_value = "127.0.0.1:8545", env = "SPEC_SERVER_LISTEN")]
    listen: SocketAddr,
    /// The HTTP path that answers JSON-RPC.
    #[arg(long, default_value = "/")]
    path: String,
    /// Answer JSON-RPC 1.0 requests (no "jsonrpc" member) in 1.0 form.
    #[arg(long)]
    accept_v1: bool,
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
    let server = jrpc::Server::builder()
        .accept_v1(args.accept_v1)
        .build(spec_server::methods());
    let config = HttpConfig {
        path: args.path.clone(),
        ..HttpConfig::default()
    };
    let running = match HttpServer::bind(args.listen, server, config).await {
        Ok(running) => running,
        Err(error) => {
            eprintln!("error: cannot listen on {}: {error}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let url = format!("http://{}{}", running.local_addr(), args.path);
    println!("spec-server: JSON-RPC 2.0 on {url}");
    println!(
        "try: curl -s {url} -H 'Content-Type: application/json' \
         -d '{{\"jsonrpc\":\"2.0\",\"method\":\"subtract\",\"params\":[42,23],\"id\":1}}'"
    );
    jrpc::transport::shutdown_signal().await;
    tracing::info!("shutting down: finishing calls in flight");
    running.shutdown().await;
    ExitCode::SUCCESS
}
