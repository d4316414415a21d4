//! TLS with rustls, for both sides: the listeners' identity (certificate chain and private key from
//! PEM files) and the dialing side's trust (the web's roots plus any private CA) and handshake.
//!
//! Without the `tls` feature the same names exist, so that configurations keep their shape, but
//! asking for TLS fails with a clear error instead of compiling rustls in.
// The listeners' half serves `http` and `stream`, the dialers' half the client: a build may leave
// either out.
#![cfg_attr(
    not(all(feature = "http", feature = "stream", feature = "client")),
    allow(dead_code)
)]

use std::io;
use std::path::PathBuf;
#[cfg(feature = "tls")]
use std::sync::Arc;

#[cfg(feature = "tls")]
use tokio_rustls::rustls::crypto::CryptoProvider;
#[cfg(feature = "tls")]
use tokio_rustls::rustls::pki_types::pem::PemObject;
#[cfg(feature = "tls")]
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
#[cfg(feature = "tls")]
use tokio_rustls::rustls::server::{ClientHello, ResolvesServerCert};
#[cfg(feature = "tls")]
use tokio_rustls::rustls::sign::CertifiedKey;
#[cfg(feature = "tls")]
use tokio_rustls::rustls::{ClientConfig, RootCertStore, ServerConfig};
#[cfg(feature = "tls")]
use tokio_rustls::{TlsAcceptor, TlsConnector};

/// A listener's side of TLS, ready to accept connections.
#[cfg(feature = "tls")]
pub(crate) type Acceptor = TlsAcceptor;

/// A listener's side of TLS: never made in a build without the `tls` feature.
#[cfg(not(feature = "tls"))]
#[derive(Debug, Clone)]
pub(crate) enum Acceptor {}

#[cfg(not(feature = "tls"))]
impl Acceptor {
    pub(crate) async fn accept<IO>(&self, _: IO) -> io::Result<IO> {
        match *self {}
    }
}

/// What a build without the `tls` feature says when TLS is asked for.
#[cfg(not(feature = "tls"))]
fn no_tls() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "TLS was asked for, but this build of jrpc has no `tls` feature",
    )
}

/// Where a listener's certificate and key are.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The certificate chain, leaf first (PEM).
    pub certificate_chain: PathBuf,
    /// The private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub private_key: PathBuf,
}

impl TlsFiles {
    /// Loads the files into an acceptor offering `alpn` protocols (e.g. `h2`, `http/1.1`).
    #[cfg(not(feature = "tls"))]
    pub(crate) fn acceptor(&self, _alpn: &[&[u8]]) -> io::Result<(Acceptor, TlsReloader)> {
        Err(no_tls())
    }

    /// Loads the files into an acceptor offering `alpn` protocols (e.g. `h2`, `http/1.1`), and the
    /// handle that re-reads them later for connections accepted from then on.
    #[cfg(feature = "tls")]
    pub(crate) fn acceptor(&self, alpn: &[&[u8]]) -> io::Result<(TlsAcceptor, TlsReloader)> {
        let identity = Arc::new(Identity {
            current: std::sync::RwLock::new(self.load()?),
            files: self.clone(),
        });
        let mut config = ServerConfig::builder_with_provider(crypto_provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("TLS setup: {e}")))?
            .with_no_client_auth()
            .with_cert_resolver(identity.clone());
        config.alpn_protocols = alpn.iter().map(|protocol| protocol.to_vec()).collect();
        Ok((TlsAcceptor::from(Arc::new(config)), TlsReloader(identity)))
    }

    /// Reads the files and checks that they make a TLS identity, as a listener would at start:
    /// for a program that wants to refuse a broken setting before it starts anything else.
    pub fn check(&self) -> io::Result<()> {
        #[cfg(feature = "tls")]
        return self.load().map(drop);
        #[cfg(not(feature = "tls"))]
        Err(no_tls())
    }

    /// Reads the chain and the key, and checks that they belong together.
    #[cfg(feature = "tls")]
    fn load(&self) -> io::Result<Arc<CertifiedKey>> {
        let invalid = |what: String| io::Error::new(io::ErrorKind::InvalidInput, what);
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&self.certificate_chain)
            .and_then(|certificates| certificates.collect::<Result<_, _>>())
            .map_err(|e| {
                invalid(format!(
                    "certificate chain {}: {e}",
                    self.certificate_chain.display()
                ))
            })?;
        if chain.is_empty() {
            return Err(invalid(format!(
                "no certificate in {}",
                self.certificate_chain.display()
            )));
        }
        let key = PrivateKeyDer::from_pem_file(&self.private_key)
            .map_err(|e| invalid(format!("private key {}: {e}", self.private_key.display())))?;
        CertifiedKey::from_der(chain, key, &crypto_provider())
            .map(Arc::new)
            .map_err(|e| invalid(format!("certificate and key do not make a TLS identity: {e}")))
    }
}

/// The identity a listener presents: read from its files at start, and again on
/// [`TlsReloader::reload`], so a renewed certificate is used without a restart or a dropped
/// connection (handshakes in progress finish with the one they started with).
#[cfg(feature = "tls")]
#[derive(Debug)]
struct Identity {
    files: TlsFiles,
    current: std::sync::RwLock<Arc<CertifiedKey>>,
}

#[cfg(feature = "tls")]
impl ResolvesServerCert for Identity {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        // A poisoned lock still holds a complete identity: the swap is a single assignment.
        Some(match self.current.read() {
            Ok(current) => current.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        })
    }
}

/// Re-reads a listener's certificate and key (e.g. on SIGHUP, after a renewal). Cloning is cheap.
#[derive(Debug, Clone)]
pub struct TlsReloader(
    #[cfg(feature = "tls")] Arc<Identity>,
    #[cfg(not(feature = "tls"))] std::convert::Infallible,
);

impl TlsReloader {
    /// Reads the files again; new handshakes present what they now hold. On error (a missing or
    /// broken file, a key that does not match) the identity in use stays, and the error says why.
    pub fn reload(&self) -> io::Result<()> {
        #[cfg(feature = "tls")]
        {
            let fresh = self.0.files.load()?;
            match self.0.current.write() {
                Ok(mut current) => *current = fresh,
                Err(poisoned) => *poisoned.into_inner() = fresh,
            }
            Ok(())
        }
        #[cfg(not(feature = "tls"))]
        match self.0 {}
    }
}

/// The process's default rustls provider if the program installed one, else aws-lc-rs: never the
/// panic rustls gives when several providers are compiled in and none was chosen.
#[cfg(feature = "tls")]
pub(crate) fn crypto_provider() -> Arc<CryptoProvider> {
    CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider()))
}

/// The dialing side's TLS settings.
#[cfg(all(feature = "client", feature = "tls"))]
pub(crate) type ClientTls = ClientConfig;

/// A dialed connection after the TLS handshake.
#[cfg(all(feature = "client", feature = "tls"))]
pub(crate) type ClientStream = tokio_rustls::client::TlsStream<tokio::net::TcpStream>;

/// A dialed connection after the TLS handshake (never made without the `tls` feature).
#[cfg(all(feature = "client", not(feature = "tls")))]
pub(crate) type ClientStream = tokio::net::TcpStream;

/// The dialing side's TLS settings: nothing, in a build without the `tls` feature.
#[cfg(all(feature = "client", not(feature = "tls")))]
#[derive(Debug, Clone)]
pub(crate) struct ClientTls;

/// Without the `tls` feature there is nothing to trust; a private CA is refused.
#[cfg(all(feature = "client", not(feature = "tls")))]
pub(crate) fn client_config(extra_roots: &[Vec<u8>]) -> Result<ClientTls, String> {
    match extra_roots.is_empty() {
        true => Ok(ClientTls),
        false => Err(no_tls().to_string()),
    }
}

/// Without the `tls` feature a TLS handshake is a setting that can never work.
#[cfg(all(feature = "client", not(feature = "tls")))]
pub(crate) async fn connect(
    _stream: tokio::net::TcpStream,
    _host: &str,
    _config: ClientTls,
    _alpn: &[u8],
) -> io::Result<ClientStream> {
    Err(io::Error::new(io::ErrorKind::InvalidInput, no_tls().to_string()))
}

/// The dialing side's TLS settings: the web's roots (webpki-roots) plus the CA certificates in each
/// of `extra_roots` (PEM). Errors name the unusable certificate.
#[cfg(all(feature = "client", feature = "tls"))]
pub(crate) fn client_config(extra_roots: &[Vec<u8>]) -> Result<ClientConfig, String> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for pem in extra_roots {
        let mut found = false;
        for certificate in CertificateDer::pem_slice_iter(pem) {
            let certificate = certificate.map_err(|e| format!("unreadable root certificate: {e}"))?;
            roots
                .add(certificate)
                .map_err(|e| format!("unusable root certificate: {e}"))?;
            found = true;
        }
        if !found {
            return Err("no certificate in the root certificate PEM".to_owned());
        }
    }
    Ok(ClientConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// The client's handshake on `stream` with the server `host`, offering `alpn` if not empty.
///
/// A host that is no valid server name fails with `InvalidInput` (a setting that can never work);
/// a failed handshake with the error's own kind.
#[cfg(all(feature = "client", feature = "tls"))]
pub(crate) async fn connect(
    stream: tokio::net::TcpStream,
    host: &str,
    mut config: ClientConfig,
    alpn: &[u8],
) -> io::Result<ClientStream> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let name = ServerName::try_from(host.to_owned()).map_err(|error| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{host} is not a valid TLS server name: {error}"),
        )
    })?;
    if !alpn.is_empty() {
        config.alpn_protocols = vec![alpn.to_vec()];
    }
    TlsConnector::from(Arc::new(config))
        .connect(name, stream)
        .await
        .map_err(|error| io::Error::new(error.kind(), format!("TLS handshake with {host} failed: {error}")))
}
