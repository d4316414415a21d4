//! What the service last saw of each key, so that a busy key's calls skip the store's lookup.
//!
//! The cache is only ever used to say "go ahead": a key it remembers as running, with allowance left
//! today, is drawn for without asking the store first. The charge that follows is the store's atomic
//! check, so a key paused or exhausted elsewhere (the `randomd keys` command, another instance) is
//! still refused with the right error, at the price of one wasted draw. Anything else (unknown keys,
//! keys last seen paused or exhausted) goes to the store every time, so a resumed key is served at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::keys::KeyHash;
use crate::store::{Charged, KeyRecord, KeyStatus, Refusal};

/// The most keys remembered; past it the cache starts again empty, so it cannot grow without bound.
const CAPACITY: usize = 100_000;

/// A key as last seen: the parts that never change, and the last known state of its allowance.
#[derive(Debug, Clone)]
pub struct CachedKey {
    pub id: i64,
    /// Published in signed results; shared, so that handing out a copy allocates nothing.
    pub hashed_api_key: Arc<str>,
    running: bool,
    day: i64,
    bits_left: i64,
    requests_left: i64,
}

impl CachedKey {
    /// The key as just read from the store.
    pub fn of(record: &KeyRecord, day: i64) -> CachedKey {
        CachedKey {
            id: record.id,
            hashed_api_key: record.hashed_api_key.as_str().into(),
            running: record.status == KeyStatus::Running,
            day,
            bits_left: record.bits_left(),
            requests_left: record.requests_left(),
        }
    }

    /// True if the key, as last seen, may be charged `bits` on `day`.
    fn may_spend(&self, day: i64, bits: i64) -> bool {
        self.running && self.day == day && self.requests_left >= 1 && bits <= self.bits_left
    }
}

/// Keys by their storage hash.
#[derive(Debug, Default)]
pub struct KeyCache {
    keys: Mutex<HashMap<KeyHash, CachedKey>>,
}

impl KeyCache {
    /// The key, if it was last seen running with room for `bits` more on `day`.
    pub fn ready_to_spend(&self, hash: &KeyHash, day: i64, bits: i64) -> Option<CachedKey> {
        let keys = self.keys.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        keys.get(hash).filter(|key| key.may_spend(day, bits)).cloned()
    }

    /// Remembers a key just read from the store.
    pub fn remember(&self, record: &KeyRecord, day: i64) {
        let mut keys = self.keys.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if keys.len() >= CAPACITY && !keys.contains_key(&record.key_hash) {
            keys.clear();
        }
        keys.insert(record.key_hash, CachedKey::of(record, day));
    }

    /// Records what a charge of the key said about it.
    pub fn charged(&self, hash: &KeyHash, day: i64, outcome: Result<&Charged, &Refusal>) {
        let mut keys = self.keys.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(key) = keys.get_mut(hash) else {
            return;
        };
        key.day = day;
        match outcome {
            Ok(charged) => {
                key.running = true;
                key.bits_left = charged.bits_left;
                key.requests_left = charged.requests_left;
            }
            Err(Refusal::NotRunning) => key.running = false,
            Err(Refusal::OutOfRequests { left, .. }) => key.requests_left = *left,
            Err(Refusal::OutOfBits { left, .. }) => key.bits_left = *left,
            Err(Refusal::NoSuchKey) => {
                keys.remove(hash);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(status: KeyStatus, bits_used: i64) -> KeyRecord {
        KeyRecord {
            id: 7,
            key_hash: [9; 32],
            key_prefix: "abcd".into(),
            hashed_api_key: "published".into(),
            name: "test".into(),
            status,
            daily_bits: 100,
            daily_requests: 10,
            created_at: 0,
            total_bits: 0,
            total_requests: 0,
            last_serial: 0,
            bits_used,
            requests_used: 0,
        }
    }

    #[test]
    fn only_a_running_key_with_allowance_today_is_ready() {
        let cache = KeyCache::default();
        assert!(
            cache.ready_to_spend(&[9; 32], 1, 1).is_none(),
            "unknown keys go to the store"
        );

        cache.remember(&record(KeyStatus::Running, 40), 1);
        let key = cache.ready_to_spend(&[9; 32], 1, 60).expect("60 bits are left");
        assert_eq!((key.id, &*key.hashed_api_key), (7, "published"));
        assert!(
            cache.ready_to_spend(&[9; 32], 1, 61).is_none(),
            "more than is left"
        );
        assert!(
            cache.ready_to_spend(&[9; 32], 2, 1).is_none(),
            "another day is re-read"
        );

        cache.remember(&record(KeyStatus::Paused, 0), 1);
        assert!(
            cache.ready_to_spend(&[9; 32], 1, 1).is_none(),
            "a paused key is re-read"
        );
    }

    #[test]
    fn charges_keep_the_allowance_current() {
        let cache = KeyCache::default();
        cache.remember(&record(KeyStatus::Running, 0), 1);
        let charged = Charged {
            bits_left: 10,
            requests_left: 0,
            serial: None,
        };
        cache.charged(&[9; 32], 1, Ok(&charged));
        assert!(cache.ready_to_spend(&[9; 32], 1, 1).is_none(), "no requests left");

        cache.remember(&record(KeyStatus::Running, 0), 1);
        cache.charged(&[9; 32], 1, Err(&Refusal::NotRunning));
        assert!(cache.ready_to_spend(&[9; 32], 1, 1).is_none(), "paused elsewhere");

        cache.remember(&record(KeyStatus::Running, 0), 1);
        cache.charged(&[9; 32], 1, Err(&Refusal::OutOfBits { required: 5, left: 4 }));
        assert!(cache.ready_to_spend(&[9; 32], 1, 5).is_none());
        assert!(cache.ready_to_spend(&[9; 32], 1, 4).is_some());

        cache.charged(&[9; 32], 1, Err(&Refusal::NoSuchKey));
        assert!(cache.ready_to_spend(&[9; 32], 1, 0).is_none());
    }
}
