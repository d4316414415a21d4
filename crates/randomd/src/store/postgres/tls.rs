//! TLS to PostgreSQL with rustls, as libpq's `sslmode` describes it:
//!
//! - `disable` (and no `sslmode` at all, randomd's default): plain TCP;
//! - `prefer`, `require`: encrypted, the server's certificate not checked (libpq's meaning: safe
//!   against eavesdroppers, not against an active attacker); `prefer` falls back to plain TCP;
//! - `verify-ca`: the certificate must chain to `sslrootcert` (a PEM file; the Mozilla roots when
//!   absent), whatever name it carries;
//! - `verify-full`: that, and it must name the host connected to.
//!
//! tokio-postgres itself reads only `disable`, `prefer` and `require`, so the URL's `sslmode` and
//! `sslrootcert` are taken out of it here and turned into a rustls client configuration.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// What the URL asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    #[default]
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<SslMode, String> {
        Ok(match value {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(format!(
                    "unknown sslmode {other:?}: use disable, prefer, require, verify-ca or verify-full"
                ))
            }
        })
    }

    /// tokio-postgres's setting for it.
    pub fn driver_mode(self) -> tokio_postgres::config::SslMode {
        match self {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            _ => tokio_postgres::config::SslMode::Require,
        }
    }
}

/// The TLS part of a URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsSettings {
    pub mode: SslMode,
    pub root_cert: Option<PathBuf>,
}

/// Takes `sslmode` and `sslrootcert` out of the URL's query; returns the rest of the URL and them.
pub fn split_url(text: &str) -> Result<(String, TlsSettings), String> {
    let Some((base, query)) = text.split_once('?') else {
        return Ok((text.to_owned(), TlsSettings::default()));
    };
    let mut settings = TlsSettings::default();
    let mut kept = Vec::new();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("sslmode", value)) => settings.mode = SslMode::parse(value)?,
            Some(("sslrootcert", value)) => settings.root_cert = Some(PathBuf::from(percent_decode(value))),
            _ => kept.push(pair),
        }
    }
    let rest = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((rest, settings))
}

/// `%XX` escapes decoded (paths in URLs are written that way); anything else kept as it is.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(byte) = u8::from_str_radix(hex, 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn provider() -> Arc<CryptoProvider> {
    CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
}

/// The connector for `settings` (with `disable`, one the driver never uses).
pub fn connector(settings: &TlsSettings) -> Result<tokio_postgres_rustls::MakeRustlsConnect, String> {
    let config = match client_config(settings)? {
        Some(config) => config,
        None => client_config(&TlsSettings {
            mode: SslMode::Require,
            root_cert: None,
        })?
        .ok_or("TLS to PostgreSQL: no configuration")?,
    };
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// The rustls configuration for `settings`, or `None` for plain TCP.
pub fn client_config(settings: &TlsSettings) -> Result<Option<ClientConfig>, String> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS to PostgreSQL: {e}"))?;
    let verifier: Arc<dyn ServerCertVerifier> = match settings.mode {
        SslMode::Disable => return Ok(None),
        SslMode::Prefer | SslMode::Require => Arc::new(NoVerification(provider)),
        SslMode::VerifyCa | SslMode::VerifyFull => {
            let mut roots = RootCertStore::empty();
            match &settings.root_cert {
                Some(path) => {
                    let certificates = CertificateDer::pem_file_iter(path)
                        .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
                        .map_err(|e| format!("sslrootcert {}: {e}", path.display()))?;
                    if certificates.is_empty() {
                        return Err(format!("sslrootcert {}: no certificate in it", path.display()));
                    }
                    for certificate in certificates {
                        roots
                            .add(certificate)
                            .map_err(|e| format!("sslrootcert {}: {e}", path.display()))?;
                    }
                }
                None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
            }
            let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| format!("TLS to PostgreSQL: {e}"))?;
            if settings.mode == SslMode::VerifyFull {
                webpki
            } else {
                Arc::new(AnyName(webpki))
            }
        }
    };
    Ok(Some(
        builder
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth(),
    ))
}

/// `require`: any certificate (libpq checks none in this mode); signatures are still checked, so
/// the key exchange is bound to the certificate shown.
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain must verify; a certificate for another name is accepted.
#[derive(Debug)]
struct AnyName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName))
            | Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForNameContext {
                ..
            })) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_and_sslrootcert_are_taken_out_of_the_url() {
        let (rest, tls) =
            split_url("postgres://u@h/d?sslmode=verify-full&application_name=x&sslrootcert=%2Ftmp%2Fca.pem")
                .unwrap();
        assert_eq!(rest, "postgres://u@h/d?application_name=x");
        assert_eq!(tls.mode, SslMode::VerifyFull);
        assert_eq!(tls.root_cert, Some(PathBuf::from("/tmp/ca.pem")));
        assert_eq!(split_url("postgres://u@h/d").unwrap().1, TlsSettings::default());
        assert!(split_url("postgres://u@h/d?sslmode=sometimes").is_err());
        assert!(client_config(&TlsSettings::default()).unwrap().is_none());
        let require = TlsSettings {
            mode: SslMode::Require,
            root_cert: None,
        };
        assert!(client_config(&require).unwrap().is_some());
    }
}
