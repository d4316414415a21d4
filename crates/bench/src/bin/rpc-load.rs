//! A load generator for persistent JSON-RPC connections (WebSocket or newline-delimited TCP), which
//! wrk cannot drive: each connection keeps `--depth` calls in flight for `--duration` seconds.
//! Only replies carrying a `result` count as completed. With `--never-read N`, one connection sends N
//! calls and reads nothing (for memory tests) while a second connection measures that it is served.

use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio_tungstenite::tungstenite::Message;

#[derive(Debug, Parser)]
struct Args {
    /// ws://host:port/path or tcp://host:port (loopback only).
    #[arg(long)]
    url: String,
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Calls in flight per connection.
    #[arg(long, default_value_t = 16)]
    depth: usize,
    /// Seconds of load.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// The call to send.
    #[arg(
        long,
        default_value = r#"{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}"#
    )]
    body: String,
    /// Send this many calls on one connection without reading, then check another connection is served.
    #[arg(long)]
    never_read: Option<usize>,
}

enum Connection {
    Ws(Box<tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>>),
    Tcp(
        BufReader<tokio::net::tcp::OwnedReadHalf>,
        tokio::net::tcp::OwnedWriteHalf,
        String,
    ),
}

impl Connection {
    async fn open(url: &str) -> Connection {
        if let Some(address) = url.strip_prefix("tcp://") {
            let stream = tokio::net::TcpStream::connect(address).await.expect("connect");
            stream.set_nodelay(true).expect("nodelay");
            let (reader, writer) = stream.into_split();
            Connection::Tcp(BufReader::new(reader), writer, String::new())
        } else {
            let (socket, _) = tokio_tungstenite::connect_async(url)
                .await
                .expect("WebSocket connect");
            Connection::Ws(Box::new(socket))
        }
    }

    async fn send(&mut self, body: &Bytes) {
        match self {
            Connection::Ws(socket) => {
                let text = tokio_tungstenite::tungstenite::Utf8Bytes::try_from(body.clone()).expect("UTF-8");
                socket.send(Message::Text(text)).await.expect("send");
            }
            Connection::Tcp(_, writer, _) => writer.write_all(body).await.expect("write"),
        }
    }

    /// The next reply; true if it is a success.
    async fn receive(&mut self) -> bool {
        match self {
            Connection::Ws(socket) => loop {
                match socket.next().await.expect("open").expect("frame") {
                    Message::Text(text) => break text.contains("\"result\""),
                    Message::Binary(bytes) => break bytes.windows(8).any(|w| w == b"\"result\""),
                    _ => continue,
                }
            },
            Connection::Tcp(reader, _, line) => {
                line.clear();
                reader.read_line(line).await.expect("read");
                line.contains("\"result\"")
            }
        }
    }
}

async fn drive(url: String, body: Bytes, depth: usize, until: Instant) -> (u64, u64) {
    let mut connection = Connection::open(&url).await;
    let (mut ok, mut errors) = (0u64, 0u64);
    for _ in 0..depth {
        connection.send(&body).await;
    }
    let mut outstanding = depth;
    while outstanding > 0 {
        if connection.receive().await {
            ok += 1;
        } else {
            errors += 1;
        }
        outstanding -= 1;
        if Instant::now() < until {
            connection.send(&body).await;
            outstanding += 1;
        }
    }
    (ok, errors)
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    // One write per call: over TCP the newline travels with the message.
    let body = if args.url.starts_with("tcp://") {
        format!("{}\n", args.body)
    } else {
        args.body.clone()
    };
    let body = Bytes::from(body);
    if let Some(count) = args.never_read {
        let mut greedy = Connection::open(&args.url).await;
        let sending = tokio::spawn({
            let body = body.clone();
            async move {
                for _ in 0..count {
                    greedy.send(&body).await;
                }
                greedy
            }
        });
        tokio::time::sleep(Duration::from_secs(2)).await;
        let mut polite = Connection::open(&args.url).await;
        let started = Instant::now();
        for _ in 0..100 {
            polite.send(&body).await;
            assert!(polite.receive().await, "the other client got an error");
        }
        println!(
            "never_read={count} other_client_100_calls_ms={:.1}",
            started.elapsed().as_secs_f64() * 1e3
        );
        println!("greedy sender finished: {}", sending.is_finished());
        // Hold the greedy connection open while the caller measures memory.
        tokio::time::sleep(Duration::from_secs(args.duration)).await;
        return;
    }
    let until = Instant::now() + Duration::from_secs(args.duration);
    let started = Instant::now();
    let tasks: Vec<_> = (0..args.connections)
        .map(|_| tokio::spawn(drive(args.url.clone(), body.clone(), args.depth, until)))
        .collect();
    let (mut ok, mut errors) = (0u64, 0u64);
    for task in tasks {
        let (o, e) = task.await.expect("connection task");
        ok += o;
        errors += e;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "completed={ok} errors={errors} seconds={seconds:.2} requests_per_sec={:.0}",
        ok as f64 / seconds
    );
}
