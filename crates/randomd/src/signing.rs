//! Signed results: RSA-4096, PKCS#1 v1.5 over SHA-512 of the compact JSON of `random`.
//!
//! aws-lc-rs does the RSA work: it is the well-kept library behind rustls, and it has no known
//! timing side-channel advisory (the pure-Rust `rsa` crate carries RUSTSEC-2023-0071, "Marvin").

use std::fs;
use std::io::Write;
use std::path::Path;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{self, KeyPair as _, UnparsedPublicKey};
use base64::Engine as _;

/// The service's signing key.
pub struct Signer {
    key: KeyPair,
    public_der: Vec<u8>,
    rng: SystemRandom,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("bits", &(self.key.public_modulus_len() * 8))
            .finish()
    }
}

impl Signer {
    /// Loads the key at `path` (PKCS#8, PEM or DER), or generates a 4096-bit key there if the file
    /// does not exist, readable by its owner only. Returns whether a key was generated.
    pub fn load_or_generate(path: &Path) -> Result<(Signer, bool), String> {
        match fs::read(path) {
            Ok(bytes) => Signer::from_pkcs8(&bytes)
                .map(|signer| (signer, false))
                .map_err(|e| format!("signing key {}: {e}", path.display())),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let key = KeyPair::generate(KeySize::Rsa4096)
                    .map_err(|_| "RSA key generation failed".to_owned())?;
                let der = key.as_der().map_err(|_| "cannot encode the new key".to_owned())?;
                write_private(path, pem("PRIVATE KEY", der.as_ref()).as_bytes())
                    .map_err(|e| format!("cannot write signing key {}: {e}", path.display()))?;
                Ok((Signer::from_key(key)?, true))
            }
            Err(error) => Err(format!("cannot read signing key {}: {error}", path.display())),
        }
    }

    /// Parses a PKCS#8 private key, PEM or DER.
    pub fn from_pkcs8(bytes: &[u8]) -> Result<Signer, String> {
        let der = match std::str::from_utf8(bytes) {
            Ok(text) if text.contains("-----BEGIN") => unpem(text)?,
            _ => bytes.to_vec(),
        };
        let key = KeyPair::from_pkcs8(&der).map_err(|e| format!("not an RSA PKCS#8 key: {e}"))?;
        Signer::from_key(key)
    }

    fn from_key(key: KeyPair) -> Result<Signer, String> {
        let public_der = key
            .public_key()
            .as_der()
            .map_err(|_| "cannot encode the public key".to_owned())?
            .as_ref()
            .to_vec();
        Ok(Signer {
            key,
            public_der,
            rng: SystemRandom::new(),
        })
    }

    /// The base64 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> Result<String, String> {
        let mut signature = vec![0u8; self.key.public_modulus_len()];
        self.key
            .sign(&signature::RSA_PKCS1_SHA512, &self.rng, message, &mut signature)
            .map_err(|_| "signing failed".to_owned())?;
        Ok(base64::engine::general_purpose::STANDARD.encode(signature))
    }

    /// True if `signature` (base64) is this key's signature of `message`.
    pub fn verify(&self, message: &[u8], signature: &str) -> bool {
        let Ok(signature) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
            return false;
        };
        UnparsedPublicKey::new(
            &signature::RSA_PKCS1_2048_8192_SHA512,
            self.key.public_key().as_ref(),
        )
        .verify(message, &signature)
        .is_ok()
    }

    /// The public key as PEM (SubjectPublicKeyInfo), for offline verification with any tool.
    pub fn public_key_pem(&self) -> String {
        pem("PUBLIC KEY", &self.public_der)
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut text = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        text.push_str(std::str::from_utf8(line).unwrap_or_default());
        text.push('\n');
    }
    text.push_str(&format!("-----END {label}-----\n"));
    text
}

fn unpem(text: &str) -> Result<Vec<u8>, String> {
    let body: String = text
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .map(str::trim)
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|e| format!("bad PEM: {e}"))
}

/// Writes a file readable and writable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_is_kept_private_signs_and_verifies_and_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/signing.pem");
        let (signer, generated) = Signer::load_or_generate(&path).unwrap();
        assert!(generated);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let signature = signer.sign(b"message").unwrap();
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(&signature)
                .unwrap()
                .len(),
            512
        );
        assert!(signer.verify(b"message", &signature));
        assert!(!signer.verify(b"messagf", &signature));
        assert!(!signer.verify(b"message", "not base64!"));

        let (reloaded, generated) = Signer::load_or_generate(&path).unwrap();
        assert!(!generated);
        assert!(reloaded.verify(b"message", &signature));
        assert_eq!(reloaded.public_key_pem(), signer.public_key_pem());
        assert!(signer
            .public_key_pem()
            .starts_with("-----BEGIN PUBLIC KEY-----\n"));
    }

    #[test]
    fn garbage_is_not_a_key() {
        assert!(Signer::from_pkcs8(b"garbage").is_err());
        assert!(
            Signer::from_pkcs8(b"-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----\n").is_err()
        );
    }
}
