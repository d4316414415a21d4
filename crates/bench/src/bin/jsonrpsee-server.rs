//! `jsonrpsee-server`: the benchmark methods (`subtract`, `sum`, `get_data`) served by jsonrpsee 0.26
//! over HTTP with its default settings (batches unlimited, 100 connections, TCP_NODELAY).

use std::net::SocketAddr;

use clap::Parser;

/// Serves subtract, sum and get_data with jsonrpsee 0.26 over HTTP (and WebSocket) on path `/`.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address and port to listen on.
    #[arg(long, short, default_value = "127.0.0.1:8546")]
    listen: SocketAddr,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let server = jsonrpsee::server::Server::builder().build(args.listen).await?;
    let addr = server.local_addr()?;
    let handle = server.start(jrpc_bench::jsonrpsee_module());
    println!("jsonrpsee-server: JSON-RPC 2.0 on http://{addr}/");
    handle.stopped().await;
    Ok(())
}
