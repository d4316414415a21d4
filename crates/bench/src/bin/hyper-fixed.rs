//! `hyper-fixed`: a bare hyper 1.x HTTP/1.1 server that reads the whole POST body and answers a fixed
//! `{"jsonrpc":"2.0","result":19,"id":1}`. No JSON is parsed: it is the ceiling for HTTP throughput.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

const REPLY: &[u8] = br#"{"jsonrpc":"2.0","result":19,"id":1}"#;

/// Answers every request with a fixed JSON-RPC response, after reading the body.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address and port to listen on.
    #[arg(long, short, default_value = "127.0.0.1:8547")]
    listen: SocketAddr,
}

async fn answer(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    // Read (and drop) the whole body, as a JSON-RPC server must before answering.
    let _body = request
        .into_body()
        .collect()
        .await
        .map(|collected| collected.to_bytes());
    let mut response = Response::new(Full::new(Bytes::from_static(REPLY)));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(response)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let listener = TcpListener::bind(args.listen).await?;
    println!("hyper-fixed: fixed reply on http://{}/", listener.local_addr()?);
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                eprintln!("accept failed: {error}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        stream.set_nodelay(true)?;
        tokio::spawn(async move {
            let service = hyper::service::service_fn(answer);
            let _ = auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
