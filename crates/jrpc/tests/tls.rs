//! TLS on the HTTP, WebSocket and TCP listeners, with a self-signed certificate made by the test.

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use jrpc::http::{HttpConfig, HttpServer};
use jrpc::transport::{StreamConfig, StreamServer, TlsFiles};
use jrpc::{Methods, Server};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

const CALL: &str = r#"{"jsonrpc":"2.0","method":"add","params":[40,2],"id":1}"#;
const ANSWER: &str = r#"{"jsonrpc":"2.0","result":42,"id":1}"#;

fn server() -> Server {
    let mut methods = Methods::new();
    methods.method("add", ["a", "b"], |a: i64, b: i64| a + b);
    Server::new(methods)
}

/// A self-signed certificate for `localhost`, its files, and a client that trusts it.
fn identity(dir: &tempfile::TempDir) -> (TlsFiles, TlsConnector) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    let files = TlsFiles {
        certificate_chain: dir.path().join("cert.pem"),
        private_key: dir.path().join("key.pem"),
    };
    std::fs::write(&files.certificate_chain, certified.cert.pem()).expect("write");
    std::fs::write(&files.private_key, certified.signing_key.serialize_pem()).expect("write");
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(certified.cert.der().to_vec()))
        .expect("root");
    let config = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    (files, TlsConnector::from(Arc::new(config)))
}

async fn connect(
    connector: &TlsConnector,
    addr: std::net::SocketAddr,
) -> tokio_rustls::client::TlsStream<TcpStream> {
    let tcp = TcpStream::connect(addr).await.expect("connect");
    connector
        .connect(ServerName::try_from("localhost").expect("name"), tcp)
        .await
        .expect("TLS handshake")
}

#[tokio::test]
async fn https_and_wss() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (files, connector) = identity(&dir);
    let config = HttpConfig {
        tls: Some(files),
        ..HttpConfig::default()
    };
    let http = HttpServer::bind("127.0.0.1:0", server(), config)
        .await
        .expect("bind");

    let mut stream = connect(&connector, http.local_addr()).await;
    let request = format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{CALL}",
        CALL.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.ok();
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(response.ends_with(ANSWER), "{response}");

    let stream = connect(&connector, http.local_addr()).await;
    let (mut socket, _) = tokio_tungstenite::client_async("wss://localhost/", stream)
        .await
        .expect("WSS upgrade");
    socket.send(CALL.into()).await.expect("send");
    let reply = socket.next().await.expect("open").expect("frame");
    assert_eq!(reply.to_text().expect("text"), ANSWER);

    // Plain HTTP on a TLS port gets nothing served.
    let mut plain = TcpStream::connect(http.local_addr()).await.expect("connect");
    plain
        .write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        .await
        .expect("write");
    let mut bytes = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), plain.read_to_end(&mut bytes)).await;
    assert!(!String::from_utf8_lossy(&bytes).contains("200 OK"));
    http.shutdown().await;
}

#[tokio::test]
async fn tls_over_tcp() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (files, connector) = identity(&dir);
    let config = StreamConfig {
        tls: Some(files),
        ..StreamConfig::default()
    };
    let tcp = StreamServer::bind_tcp("127.0.0.1:0", server(), config)
        .await
        .expect("bind");
    let stream = connect(&connector, tcp.local_addr().expect("TCP")).await;
    let (reader, mut writer) = tokio::io::split(stream);
    writer
        .write_all(format!("{CALL}\n").as_bytes())
        .await
        .expect("write");
    let mut line = String::new();
    BufReader::new(reader).read_line(&mut line).await.expect("read");
    assert_eq!(line.trim_end(), ANSWER);
    tcp.shutdown().await;
}

#[tokio::test]
async fn bad_certificate_files_are_clear_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (good, _) = identity(&dir);
    std::fs::write(dir.path().join("garbage.pem"), "not a certificate").expect("write");
    let cases = [
        (
            TlsFiles {
                certificate_chain: dir.path().join("missing.pem"),
                ..good.clone()
            },
            "certificate chain",
        ),
        (
            TlsFiles {
                certificate_chain: dir.path().join("garbage.pem"),
                ..good.clone()
            },
            "no certificate",
        ),
        (
            TlsFiles {
                private_key: dir.path().join("garbage.pem"),
                ..good.clone()
            },
            "private key",
        ),
        (
            TlsFiles {
                private_key: good.certificate_chain.clone(),
                ..good.clone()
            },
            "private key",
        ),
    ];
    for (files, expected) in cases {
        let config = HttpConfig {
            tls: Some(files),
            ..HttpConfig::default()
        };
        let error = HttpServer::bind("127.0.0.1:0", server(), config)
            .await
            .expect_err("refused");
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
        assert!(error.to_string().contains(expected), "{error}");
    }
}

/// The client over HTTPS, WSS and TLS on TCP, trusting the test's own CA; and refusing a server
/// whose certificate it has no reason to trust.
#[tokio::test]
async fn the_client_over_https_wss_and_tls() {
    use jrpc::client::{Client, ClientBuilder};

    let dir = tempfile::tempdir().expect("temp dir");
    let (files, _) = identity(&dir);
    let certificate = std::fs::read(&files.certificate_chain).expect("read");
    let http_config = HttpConfig {
        tls: Some(files.clone()),
        ..HttpConfig::default()
    };
    let http = HttpServer::bind("127.0.0.1:0", server(), http_config)
        .await
        .expect("bind");
    let stream_config = StreamConfig {
        tls: Some(files),
        ..StreamConfig::default()
    };
    let tcp = StreamServer::bind_tcp("127.0.0.1:0", server(), stream_config)
        .await
        .expect("bind");
    let http_port = http.local_addr().port();
    let tcp_port = tcp.local_addr().expect("tcp").port();
    for url in [
        format!("https://localhost:{http_port}/"),
        format!("wss://localhost:{http_port}/"),
        format!("tls://localhost:{tcp_port}"),
    ] {
        let client = ClientBuilder::new()
            .root_certificate_pem(&certificate)
            .connect(&url)
            .await
            .expect(&url);
        assert_eq!(client.call::<_, i64>("add", &(40, 2)).await.expect(&url), 42);

        let untrusting = match Client::connect(&url).await {
            Ok(client) => client.call::<_, i64>("add", &(1, 1)).await.map(|_| ()),
            Err(error) => Err(error),
        };
        let error = untrusting.expect_err("an unknown issuer is refused");
        assert!(error.is_transport(), "{url}: {error}");
    }
    let error = ClientBuilder::new()
        .root_certificate_pem(b"not a certificate")
        .connect(&format!("https://localhost:{http_port}/"))
        .await
        .expect_err("bad PEM");
    assert!(error.is_config(), "{error}");
}

/// The certificate the server presented on `stream`.
fn presented(stream: &tokio_rustls::client::TlsStream<TcpStream>) -> Vec<u8> {
    stream.get_ref().1.peer_certificates().expect("a certificate")[0].to_vec()
}

#[tokio::test]
async fn a_reload_serves_the_new_certificate_to_new_connections_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (files, _) = identity(&dir);
    let first = std::fs::read(&files.certificate_chain).expect("read");
    let second = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    // A client that trusts both.
    let mut roots = RootCertStore::empty();
    for pem in [first.as_slice(), second.cert.pem().as_bytes()] {
        for certificate in pem_certificates(pem) {
            roots.add(certificate).expect("root");
        }
    }
    let connector = TlsConnector::from(Arc::new(
        ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    ));
    let http = HttpServer::bind(
        "127.0.0.1:0",
        server(),
        HttpConfig {
            tls: Some(files.clone()),
            ..HttpConfig::default()
        },
    )
    .await
    .expect("bind");
    let reloader = http.tls_reloader().expect("a TLS server has a reloader");
    let mut before = connect(&connector, http.local_addr()).await;
    let old = presented(&before);

    // A broken file is refused and the identity in use stays.
    std::fs::write(&files.private_key, "not a key").expect("write");
    let error = reloader.reload().expect_err("a broken key is refused");
    assert!(error.to_string().contains("private key"), "{error}");
    assert_eq!(presented(&connect(&connector, http.local_addr()).await), old);

    std::fs::write(&files.certificate_chain, second.cert.pem()).expect("write");
    std::fs::write(&files.private_key, second.signing_key.serialize_pem()).expect("write");
    reloader.reload().expect("reload");
    let after = connect(&connector, http.local_addr()).await;
    assert_eq!(presented(&after), second.cert.der().to_vec());
    assert_ne!(presented(&after), old);

    // The connection made before the reload is still served.
    let request = format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{CALL}",
        CALL.len()
    );
    before.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    before.read_to_string(&mut response).await.ok();
    assert!(response.ends_with(ANSWER), "{response}");
    assert!(HttpServer::bind("127.0.0.1:0", server(), HttpConfig::default())
        .await
        .expect("bind")
        .tls_reloader()
        .is_none());
    http.shutdown().await;
}

/// The certificates of a PEM text.
fn pem_certificates(pem: &[u8]) -> Vec<CertificateDer<'static>> {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .expect("PEM")
}
