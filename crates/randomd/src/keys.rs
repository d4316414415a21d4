//! API keys: UUID strings given to clients, stored only as hashes.

use aws_lc_rs::digest;
use base64::Engine as _;

/// The hash an API key is stored and looked up by (SHA-256 of its text). It differs from the
/// published `hashedApiKey`, so a signed result does not reveal what the database holds.
pub type KeyHash = [u8; 32];

/// Hashes a key for storage and lookup.
pub fn storage_hash(api_key: &str) -> KeyHash {
    let digest = digest::digest(&digest::SHA256, api_key.as_bytes());
    let mut hash = [0u8; 32];
    hash.copy_from_slice(digest.as_ref());
    hash
}

/// `hashedApiKey` of signed results: base64 of SHA-512 of the key's UTF-8 text.
pub fn published_hash(api_key: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(digest::digest(&digest::SHA512, api_key.as_bytes()))
}

/// Compares two stored hashes without leaking where they differ.
pub fn hashes_match(a: &KeyHash, b: &KeyHash) -> bool {
    subtle::ConstantTimeEq::ct_eq(&a[..], &b[..]).into()
}

/// A new key: a version 4 UUID from the operating system's generator, lowercase and hyphenated.
pub fn new_api_key() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)?;
    Ok(crate::domain::generate::uuid_v4(bytes))
}

/// True for the shape of a key: a lowercase or uppercase hyphenated UUID.
pub fn looks_like_key(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_hash_matches_the_reference_check() {
        let hash = published_hash("00000000-0000-0000-0000-000000000000");
        assert_eq!(hash.len(), 88);
        assert!(hash.starts_with("oT3AdLMV"), "{hash}");
        assert!(hash.ends_with("Rbn51Q=="), "{hash}");
    }

    #[test]
    fn new_keys_are_uuids() {
        let key = new_api_key().unwrap();
        assert!(looks_like_key(&key), "{key}");
        assert_ne!(key, new_api_key().unwrap());
        assert!(!looks_like_key("not-a-key"));
        assert!(hashes_match(&storage_hash(&key), &storage_hash(&key)));
        assert!(!hashes_match(&storage_hash(&key), &storage_hash("x")));
    }
}
