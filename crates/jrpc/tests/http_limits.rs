//! The HTTP transport's defences against slow and greedy clients, over real loopback sockets: body
//! time limits (408 and close), the connection cap with WebSocket connections counted for their
//! whole life, and the per-address cap. Limits are configured small so the tests stay short; every
//! wait is bounded, so a regression fails instead of hanging.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use jrpc::http::{BodyTimeouts, HttpConfig, HttpServer};
use jrpc::{Methods, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

const CALL: &str = r#"{"jsonrpc":"2.0","method":"add","params":[1,2],"id":1}"#;
const ANSWER: &str = r#"{"jsonrpc":"2.0","result":3,"id":1}"#;

/// The longest any single wait in these tests may take before it counts as a hang.
const BOUND: Duration = Duration::from_secs(10);

async fn start(config: HttpConfig) -> HttpServer {
    let mut methods = Methods::new();
    methods.method("add", ["a", "b"], |a: i64, b: i64| a + b);
    HttpServer::bind("127.0.0.1:0", Server::new(methods), config)
        .await
        .expect("bind")
}

/// A connection from a chosen loopback address (any of 127.0.0.0/8 works on Linux).
async fn connect_from(source: [u8; 4], server: SocketAddr) -> std::io::Result<TcpStream> {
    if source == [127, 0, 0, 1] {
        return TcpStream::connect(server).await;
    }
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((source, 0)))?;
    socket.connect(server).await
}

fn post(body: &str) -> String {
    format!(
        "POST / HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// Reads one response (status and Content-Length body) off a keep-alive connection.
async fn read_response(stream: &mut TcpStream) -> std::io::Result<(u16, Vec<u8>)> {
    let mut buffer = Vec::new();
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let mut chunk = [0u8; 4096];
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or(std::io::ErrorKind::InvalidData)?;
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buffer.len() < head_end + 4 + length {
        let mut chunk = [0u8; 4096];
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    Ok((status, buffer[head_end + 4..head_end + 4 + length].to_vec()))
}

/// One call on a new connection from `source`: the status and body, or the I/O error.
async fn call_from(source: [u8; 4], server: SocketAddr) -> std::io::Result<(u16, Vec<u8>)> {
    let mut stream = connect_from(source, server).await?;
    stream.write_all(post(CALL).as_bytes()).await?;
    tokio::time::timeout(BOUND, read_response(&mut stream))
        .await
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))?
}

/// Calls until answered 200 (a refusal, 503 or a reset, means try again), within [`BOUND`].
async fn call_until_answered(source: [u8; 4], server: SocketAddr) -> Vec<u8> {
    let deadline = tokio::time::Instant::now() + BOUND;
    loop {
        let outcome = call_from(source, server).await;
        if let Ok((200, body)) = outcome {
            return body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never answered; last: {outcome:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Whatever the server sends until it closes the connection, within [`BOUND`].
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let read = tokio::time::timeout(BOUND, async {
        let mut chunk = [0u8; 4096];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(read) => received.extend_from_slice(&chunk[..read]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the connection was not closed");
    received
}

/// Clients that declare a large body and send it a byte per `interval` until stopped.
struct SlowClients {
    stop: watch::Sender<bool>,
    /// How many have seen the server close their connection.
    ended: Arc<AtomicUsize>,
    /// Each returns what the server sent it.
    clients: Vec<JoinHandle<Vec<u8>>>,
}

fn slow_clients(server: SocketAddr, source: [u8; 4], count: usize, interval: Duration) -> SlowClients {
    let (stop, stopped) = watch::channel(false);
    let ended = Arc::new(AtomicUsize::new(0));
    let clients = (0..count)
        .map(|_| {
            let mut stopped = stopped.clone();
            let ended = Arc::clone(&ended);
            tokio::spawn(async move {
                let Ok(stream) = connect_from(source, server).await else {
                    return Vec::new();
                };
                let (mut reader, mut writer) = stream.into_split();
                let head = "POST / HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[";
                let writing = async move {
                    if writer.write_all(head.as_bytes()).await.is_err() {
                        return;
                    }
                    loop {
                        tokio::select! {
                            _ = stopped.changed() => return,
                            () = tokio::time::sleep(interval) => {}
                        }
                        if writer.write_all(b" ").await.is_err() {
                            return;
                        }
                    }
                };
                let reading = async move {
                    let mut received = Vec::new();
                    let _ = reader.read_to_end(&mut received).await;
                    ended.fetch_add(1, Ordering::Relaxed);
                    received
                };
                let ((), received) = tokio::join!(writing, reading);
                received
            })
        })
        .collect();
    SlowClients { stop, ended, clients }
}

/// Waits (within [`BOUND`]) until `count` slow clients have been closed by the server.
async fn until_ended(slow: &SlowClients, count: usize) {
    let deadline = tokio::time::Instant::now() + BOUND;
    while slow.ended.load(Ordering::Relaxed) < count {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} slow clients were closed",
            slow.ended.load(Ordering::Relaxed)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn status_of(response: &[u8]) -> Option<&str> {
    std::str::from_utf8(response.get(..12)?)
        .ok()?
        .strip_prefix("HTTP/1.1 ")
}

#[tokio::test]
async fn a_stalled_body_is_answered_408_and_closed() {
    let server = start(HttpConfig {
        body_timeouts: BodyTimeouts {
            stall: Duration::from_millis(200),
            min_bytes_per_second: 0,
            ..BodyTimeouts::default()
        },
        ..HttpConfig::default()
    })
    .await;
    let mut stream = TcpStream::connect(server.local_addr()).await.expect("connect");
    let head = "POST / HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[1,2";
    stream.write_all(head.as_bytes()).await.expect("write");
    let received = read_until_closed(&mut stream).await;
    assert_eq!(
        status_of(&received),
        Some("408"),
        "{:?}",
        String::from_utf8_lossy(&received)
    );
    assert!(String::from_utf8_lossy(&received)
        .to_ascii_lowercase()
        .contains("connection: close"));
}

#[tokio::test]
async fn a_body_slower_than_the_floor_is_cut() {
    let server = start(HttpConfig {
        body_timeouts: BodyTimeouts {
            stall: Duration::from_secs(5),
            min_bytes_per_second: 1000,
            rate_grace: Duration::from_millis(300),
            total: Duration::from_secs(30),
        },
        ..HttpConfig::default()
    })
    .await;
    // About 20 bytes a second: never stalled, far below the floor.
    let mut slow = slow_clients(server.local_addr(), [127, 0, 0, 1], 1, Duration::from_millis(50));
    let received = tokio::time::timeout(BOUND, slow.clients.remove(0))
        .await
        .expect("cut within the bound")
        .expect("no panic");
    assert_eq!(
        status_of(&received),
        Some("408"),
        "{:?}",
        String::from_utf8_lossy(&received)
    );
}

#[tokio::test]
async fn a_body_never_takes_longer_than_the_total() {
    let server = start(HttpConfig {
        body_timeouts: BodyTimeouts {
            stall: Duration::from_secs(5),
            min_bytes_per_second: 10,
            rate_grace: Duration::from_millis(100),
            total: Duration::from_millis(500),
        },
        ..HttpConfig::default()
    })
    .await;
    let mut stream = TcpStream::connect(server.local_addr()).await.expect("connect");
    let head =
        "POST / HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n[";
    stream.write_all(head.as_bytes()).await.expect("write");
    // 100 bytes every 20 ms: well above the floor, but the body would take 200 s.
    let (mut reader, mut writer) = stream.into_split();
    let writing = tokio::spawn(async move {
        while writer.write_all(&[b' '; 100]).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let mut received = Vec::new();
    tokio::time::timeout(BOUND, reader.read_to_end(&mut received))
        .await
        .expect("cut within the bound")
        .ok();
    assert_eq!(
        status_of(&received),
        Some("408"),
        "{:?}",
        String::from_utf8_lossy(&received)
    );
    writing.abort();
}

#[tokio::test]
async fn a_fast_large_body_within_the_limits_is_served_and_the_connection_kept() {
    let server = start(HttpConfig {
        body_timeouts: BodyTimeouts {
            stall: Duration::from_millis(500),
            min_bytes_per_second: 100_000,
            rate_grace: Duration::from_millis(200),
            total: Duration::from_secs(5),
        },
        ..HttpConfig::default()
    })
    .await;
    // 2 MB of padding around one call, written in 64 KiB pieces.
    let body = format!(
        r#"{{"jsonrpc":"2.0","method":"add","params":[1,2],"id":1{}}}"#,
        " ".repeat(2_000_000)
    );
    let mut stream = TcpStream::connect(server.local_addr()).await.expect("connect");
    let request = post(&body);
    let (mut reader, mut writer) = stream.split();
    let writing = async {
        for piece in request.as_bytes().chunks(64 * 1024) {
            writer.write_all(piece).await.expect("write");
        }
    };
    let reading = async {
        let mut buffer = Vec::new();
        loop {
            let mut chunk = [0u8; 4096];
            let read = reader.read(&mut chunk).await.expect("read");
            assert!(read > 0, "closed");
            buffer.extend_from_slice(&chunk[..read]);
            if buffer.ends_with(ANSWER.as_bytes()) {
                return buffer;
            }
        }
    };
    let ((), response) = tokio::time::timeout(BOUND, async { tokio::join!(writing, reading) })
        .await
        .expect("answered");
    assert_eq!(status_of(&response), Some("200"));
    // The same connection serves the next call.
    stream.write_all(post(CALL).as_bytes()).await.expect("write");
    let (status, answer) = read_response(&mut stream).await.expect("answered");
    assert_eq!((status, answer), (200, ANSWER.as_bytes().to_vec()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_bodies_from_one_address_cannot_lock_out_another_client() {
    const LIMIT: usize = 20;
    const SLOW: usize = 300;
    let server = start(HttpConfig {
        max_connections: 60,
        max_connections_per_address: Some(LIMIT),
        // Generous body limits: the slow clients that get in keep their connections throughout.
        body_timeouts: BodyTimeouts {
            min_bytes_per_second: 0,
            ..BodyTimeouts::default()
        },
        ..HttpConfig::default()
    })
    .await;
    let addr = server.local_addr();
    let slow = slow_clients(addr, [127, 0, 0, 1], SLOW, Duration::from_millis(100));
    // All but the address's share are refused, and the share is still dribbling.
    until_ended(&slow, SLOW - LIMIT).await;
    // A client from another address is answered at once, and again.
    for _ in 0..3 {
        let (status, body) = call_from([127, 0, 0, 2], addr).await.expect("answered");
        assert_eq!((status, body), (200, ANSWER.as_bytes().to_vec()));
    }
    assert_eq!(
        slow.ended.load(Ordering::Relaxed),
        SLOW - LIMIT,
        "a slow client that got in was closed early"
    );
    let _ = slow.stop.send(true);
    for client in slow.clients {
        tokio::time::timeout(BOUND, client)
            .await
            .expect("slow client ends")
            .expect("no panic");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_filling_every_slot_are_cut_and_others_get_in() {
    const CAP: usize = 30;
    let server = start(HttpConfig {
        max_connections: CAP,
        body_timeouts: BodyTimeouts {
            stall: Duration::from_secs(5),
            min_bytes_per_second: 1000,
            rate_grace: Duration::from_millis(300),
            total: Duration::from_secs(30),
        },
        ..HttpConfig::default()
    })
    .await;
    let addr = server.local_addr();
    // 200 slow clients from as many addresses (a per-address cap would stop one address), each
    // dribbling about 10 bytes a second, far below the floor.
    let slow: Vec<SlowClients> = (0..200u8)
        .map(|source| slow_clients(addr, [127, 0, 1, source], 1, Duration::from_millis(100)))
        .collect();
    // They take every slot; once the floor cuts them, a normal client is answered.
    let body = call_until_answered([127, 0, 0, 2], addr).await;
    assert_eq!(body, ANSWER.as_bytes());
    let mut cut = 0;
    for clients in slow {
        for client in clients.clients {
            let received = tokio::time::timeout(BOUND, client)
                .await
                .expect("every slow client is closed: cut or refused")
                .expect("no panic");
            if status_of(&received) == Some("408") {
                cut += 1;
            }
        }
    }
    // The slots were theirs (a slot may also have gone to one of the normal client's tries).
    assert!(cut >= CAP / 2, "only {cut} slow clients were answered 408");
}

async fn ws_connect(
    addr: SocketAddr,
) -> Result<tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>, WsError> {
    tokio::time::timeout(BOUND, tokio_tungstenite::connect_async(format!("ws://{addr}/")))
        .await
        .map_err(|_| WsError::Io(std::io::ErrorKind::TimedOut.into()))?
        .map(|(socket, _response)| socket)
}

async fn ws_call<S>(socket: &mut tokio_tungstenite::WebSocketStream<S>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    socket.send(Message::text(CALL)).await.expect("send");
    let reply = tokio::time::timeout(BOUND, socket.next())
        .await
        .expect("answered")
        .expect("a frame")
        .expect("no error");
    assert_eq!(reply.into_text().expect("text").as_str(), ANSWER);
}

#[tokio::test]
async fn websocket_connections_count_against_the_cap_for_their_whole_life() {
    const CAP: usize = 4;
    let server = start(HttpConfig {
        max_connections: CAP,
        ..HttpConfig::default()
    })
    .await;
    let addr = server.local_addr();
    let mut open = Vec::new();
    for _ in 0..CAP {
        let mut socket = ws_connect(addr).await.expect("within the cap");
        ws_call(&mut socket).await;
        open.push(socket);
    }
    // The upgraded connections still hold every slot: more WebSockets and plain HTTP are refused.
    for _ in 0..3 {
        match ws_connect(addr).await {
            Err(WsError::Http(response)) => assert_eq!(response.status(), 503),
            Err(_) => {} // Refused by a close before the handshake finished.
            Ok(_) => panic!("a WebSocket over the cap was accepted"),
        }
    }
    let outcome = call_from([127, 0, 0, 1], addr).await;
    assert!(
        !matches!(outcome, Ok((200, _))),
        "a plain HTTP call over the cap was served"
    );
    // The open ones are still served.
    for socket in &mut open {
        ws_call(socket).await;
    }
    // A WebSocket that closes frees its slot for the next one.
    let mut closing = open.pop().expect("one");
    closing.close(None).await.expect("close");
    drop(closing);
    let deadline = tokio::time::Instant::now() + BOUND;
    let mut socket = loop {
        if let Ok(socket) = ws_connect(addr).await {
            break socket;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the freed slot never came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    ws_call(&mut socket).await;
}

#[tokio::test]
async fn the_per_address_limit_refuses_one_more_and_accepts_again_after_one_closes() {
    const LIMIT: usize = 3;
    let server = start(HttpConfig {
        max_connections_per_address: Some(LIMIT),
        ..HttpConfig::default()
    })
    .await;
    let addr = server.local_addr();
    let mut held = Vec::new();
    for _ in 0..LIMIT {
        let mut stream = connect_from([127, 0, 0, 1], addr).await.expect("connect");
        stream.write_all(post(CALL).as_bytes()).await.expect("write");
        let (status, _) = read_response(&mut stream).await.expect("answered");
        assert_eq!(status, 200);
        held.push(stream);
    }
    // The next connection from 127.0.0.1 is told to come back later, and closed.
    let mut refused = connect_from([127, 0, 0, 1], addr).await.expect("connect");
    let received = read_until_closed(&mut refused).await;
    assert_eq!(
        status_of(&received),
        Some("503"),
        "{:?}",
        String::from_utf8_lossy(&received)
    );
    assert!(String::from_utf8_lossy(&received).contains("Retry-After"));
    // Another address is not affected.
    let (status, _) = call_from([127, 0, 0, 2], addr).await.expect("answered");
    assert_eq!(status, 200);
    // A WebSocket from the full address is refused too.
    let socket = TcpSocket::new_v4().expect("socket");
    socket.bind(SocketAddr::from(([127, 0, 0, 1], 0))).expect("bind");
    let stream = socket.connect(addr).await.expect("connect");
    let handshake = tokio_tungstenite::client_async(format!("ws://{addr}/"), stream).await;
    assert!(
        handshake.is_err(),
        "a WebSocket over the per-address limit was accepted"
    );
    // Once one closes, the address is served again.
    drop(held.remove(0));
    let body = call_until_answered([127, 0, 0, 1], addr).await;
    assert_eq!(body, ANSWER.as_bytes());
    drop(held);
}
