//! Daily quotas, in one place: what a key has left, the rule that decides whether a request may be
//! billed, the charge and its outcome, and the cache of keys as last seen.
//!
//! The rule ([`Allowance::check`]): a key must be running, have a request left today, and have at
//! least the request's bits left today; it is refused for the first of these that fails, in that
//! order. The service applies it to the cache and to a key just read (to refuse early, before
//! drawing), and the store applies it atomically when it bills: SQLite's ledger through
//! [`Allowance::check`], PostgreSQL in its `randomd_charge` function (written in SQL, in the same
//! order; `migrations/postgres`), so that every instance sharing the database decides alike.
//!
//! The cache is only ever used to say "go ahead": a key it remembers as running, with allowance left
//! today, is drawn for without asking the store first. The charge that follows is the store's atomic
//! check, so a key paused or exhausted elsewhere (the `randomd keys` command, another instance) is
//! still refused with the right error, at the price of one wasted draw. Anything else (unknown keys,
//! keys last seen paused or exhausted) goes to the store every time, so a resumed key is served at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::keys::KeyHash;

/// The most keys remembered; past it the cache starts again empty, so it cannot grow without bound.
const CAPACITY: usize = 100_000;

/// What is left of a daily allowance of which `used` has been spent (never negative).
pub fn left(daily: i64, used: i64) -> i64 {
    (daily - used).max(0)
}

/// A key's standing on one day: running or not, and what it has left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    pub running: bool,
    pub bits_left: i64,
    pub requests_left: i64,
}

impl Allowance {
    /// The allowance of a key with these daily limits and this usage.
    pub fn of(
        running: bool,
        daily_bits: i64,
        bits_used: i64,
        daily_requests: i64,
        requests_used: i64,
    ) -> Self {
        Allowance {
            running,
            bits_left: left(daily_bits, bits_used),
            requests_left: left(daily_requests, requests_used),
        }
    }

    /// The rule: may one request of `bits` bits be billed?
    pub fn check(&self, bits: i64) -> Result<(), Refusal> {
        if !self.running {
            return Err(Refusal::NotRunning);
        }
        if self.requests_left < 1 {
            return Err(Refusal::OutOfRequests {
                required: 1,
                left: self.requests_left,
            });
        }
        if bits > self.bits_left {
            return Err(Refusal::OutOfBits {
                required: bits,
                left: self.bits_left,
            });
        }
        Ok(())
    }

    /// What is left after billing a request of `bits` bits that [`Allowance::check`] let through.
    pub fn after(&self, bits: i64) -> Charged {
        Charged {
            bits_left: self.bits_left - bits,
            requests_left: self.requests_left - 1,
            serial: None,
        }
    }
}

/// One billed request.
#[derive(Debug, Clone, Copy)]
pub struct Charge {
    pub key_id: i64,
    pub day: i64,
    pub bits: i64,
    /// Take the key's next serial number too.
    pub signed: bool,
}

/// A charge that went through: what is left, and the serial number if one was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charged {
    pub bits_left: i64,
    pub requests_left: i64,
    pub serial: Option<i64>,
}

/// Why a request was refused; nothing was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NoSuchKey,
    NotRunning,
    /// Error 402: `[required, left]`.
    OutOfRequests {
        required: i64,
        left: i64,
    },
    /// Error 403: `[required, left]`.
    OutOfBits {
        required: i64,
        left: i64,
    },
}

/// A key as last seen: the parts that never change, and the last known state of its allowance.
#[derive(Debug, Clone)]
pub struct CachedKey {
    pub id: i64,
    /// Published in signed results; shared, so that handing out a copy allocates nothing.
    pub hashed_api_key: Arc<str>,
    day: i64,
    allowance: Allowance,
}

impl CachedKey {
    /// The key as just read from the store, with its allowance on `day`.
    pub fn new(id: i64, hashed_api_key: Arc<str>, day: i64, allowance: Allowance) -> CachedKey {
        CachedKey {
            id,
            hashed_api_key,
            day,
            allowance,
        }
    }

    /// Its allowance, as last seen.
    pub fn allowance(&self) -> &Allowance {
        &self.allowance
    }

    /// True if the key, as last seen, may be charged `bits` on `day`.
    fn may_spend(&self, day: i64, bits: i64) -> bool {
        self.day == day && self.allowance.check(bits).is_ok()
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
    pub fn remember(&self, hash: &KeyHash, key: CachedKey) {
        let mut keys = self.keys.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if keys.len() >= CAPACITY && !keys.contains_key(hash) {
            keys.clear();
        }
        keys.insert(*hash, key);
    }

    /// Records what a charge of the key said about it.
    pub fn charged(&self, hash: &KeyHash, day: i64, outcome: Result<&Charged, &Refusal>) {
        let mut keys = self.keys.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(key) = keys.get_mut(hash) else {
            return;
        };
        key.day = day;
        let allowance = &mut key.allowance;
        match outcome {
            Ok(charged) => {
                allowance.running = true;
                allowance.bits_left = charged.bits_left;
                allowance.requests_left = charged.requests_left;
            }
            Err(Refusal::NotRunning) => allowance.running = false,
            Err(Refusal::OutOfRequests { left, .. }) => allowance.requests_left = *left,
            Err(Refusal::OutOfBits { left, .. }) => allowance.bits_left = *left,
            Err(Refusal::NoSuchKey) => {
                keys.remove(hash);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Key 7 ("published"), 100 bits and 10 requests a day, as read on `day`.
    fn key(running: bool, bits_used: i64, day: i64) -> CachedKey {
        CachedKey::new(
            7,
            "published".into(),
            day,
            Allowance::of(running, 100, bits_used, 10, 0),
        )
    }

    #[test]
    fn the_rule_refuses_in_order() {
        let stopped = Allowance::of(false, 100, 200, 10, 10);
        assert_eq!(stopped.check(1), Err(Refusal::NotRunning));
        let no_requests = Allowance::of(true, 100, 200, 10, 10);
        assert_eq!(
            no_requests.check(1),
            Err(Refusal::OutOfRequests { required: 1, left: 0 })
        );
        let few_bits = Allowance::of(true, 100, 96, 10, 9);
        assert_eq!(
            few_bits.check(5),
            Err(Refusal::OutOfBits { required: 5, left: 4 })
        );
        assert_eq!(few_bits.check(4), Ok(()));
        assert_eq!(
            few_bits.after(4),
            Charged {
                bits_left: 0,
                requests_left: 0,
                serial: None
            }
        );
    }

    #[test]
    fn only_a_running_key_with_allowance_today_is_ready() {
        let cache = KeyCache::default();
        assert!(
            cache.ready_to_spend(&[9; 32], 1, 1).is_none(),
            "unknown keys go to the store"
        );

        cache.remember(&[9; 32], key(true, 40, 1));
        let key_seen = cache.ready_to_spend(&[9; 32], 1, 60).expect("60 bits are left");
        assert_eq!((key_seen.id, &*key_seen.hashed_api_key), (7, "published"));
        assert!(
            cache.ready_to_spend(&[9; 32], 1, 61).is_none(),
            "more than is left"
        );
        assert!(
            cache.ready_to_spend(&[9; 32], 2, 1).is_none(),
            "another day is re-read"
        );

        cache.remember(&[9; 32], key(false, 0, 1));
        assert!(
            cache.ready_to_spend(&[9; 32], 1, 1).is_none(),
            "a paused key is re-read"
        );
    }

    #[test]
    fn charges_keep_the_allowance_current() {
        let cache = KeyCache::default();
        cache.remember(&[9; 32], key(true, 0, 1));
        let charged = Charged {
            bits_left: 10,
            requests_left: 0,
            serial: None,
        };
        cache.charged(&[9; 32], 1, Ok(&charged));
        assert!(cache.ready_to_spend(&[9; 32], 1, 1).is_none(), "no requests left");

        cache.remember(&[9; 32], key(true, 0, 1));
        cache.charged(&[9; 32], 1, Err(&Refusal::NotRunning));
        assert!(cache.ready_to_spend(&[9; 32], 1, 1).is_none(), "paused elsewhere");

        cache.remember(&[9; 32], key(true, 0, 1));
        cache.charged(&[9; 32], 1, Err(&Refusal::OutOfBits { required: 5, left: 4 }));
        assert!(cache.ready_to_spend(&[9; 32], 1, 5).is_none());
        assert!(cache.ready_to_spend(&[9; 32], 1, 4).is_some());

        cache.charged(&[9; 32], 1, Err(&Refusal::NoSuchKey));
        assert!(cache.ready_to_spend(&[9; 32], 1, 0).is_none());
    }
}
