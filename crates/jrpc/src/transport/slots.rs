//! Connection slots of the HTTP server: a cap on connections served at once, and optionally a cap
//! per client address, so that one address cannot take every slot. A slot is held for the whole
//! life of a connection, including a WebSocket it upgrades to.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Hands out slots.
#[derive(Debug)]
pub(crate) struct Slots {
    capacity: Arc<Semaphore>,
    per_address: Option<Arc<AddressCounts>>,
}

/// Why a connection got no slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Every slot is taken.
    Full,
    /// Its address holds as many slots as one address may.
    AddressFull,
}

/// One connection's place; freed when the last holder drops it.
#[derive(Debug)]
pub(crate) struct Slot {
    _permit: OwnedSemaphorePermit,
    _address: Option<AddressSlot>,
}

impl Slots {
    /// `max` slots in all, at most `per_address` of them for one address (grouped as
    /// [`address_group`] says).
    pub(crate) fn new(max: usize, per_address: Option<usize>) -> Slots {
        Slots {
            capacity: Arc::new(Semaphore::new(max.clamp(1, Semaphore::MAX_PERMITS))),
            per_address: per_address.map(|limit| {
                Arc::new(AddressCounts {
                    limit: limit.max(1),
                    counts: Mutex::new(HashMap::new()),
                })
            }),
        }
    }

    /// A slot for a connection from `peer`, if one is free.
    pub(crate) fn take(&self, peer: IpAddr) -> Result<Slot, Refusal> {
        // The address first: a refused address must not hold a server-wide permit even briefly.
        let address = match &self.per_address {
            Some(counts) => Some(counts.take(address_group(peer)).ok_or(Refusal::AddressFull)?),
            None => None,
        };
        let permit = Arc::clone(&self.capacity)
            .try_acquire_owned()
            .map_err(|_| Refusal::Full)?;
        Ok(Slot {
            _permit: permit,
            _address: address,
        })
    }
}

/// The group of addresses that share a per-address limit: one IPv4 address (an IPv4-mapped IPv6
/// address counts as its IPv4 address), or one IPv6 /64 network, the usual allocation of one host
/// or one customer.
pub(crate) fn address_group(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(prefix))
            }
        },
    }
}

#[derive(Debug)]
struct AddressCounts {
    limit: usize,
    counts: Mutex<HashMap<IpAddr, usize>>,
}

impl AddressCounts {
    fn take(self: &Arc<Self>, group: IpAddr) -> Option<AddressSlot> {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let count = counts.entry(group).or_insert(0);
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(AddressSlot {
            counts: Arc::clone(self),
            group,
        })
    }
}

#[derive(Debug)]
struct AddressSlot {
    counts: Arc<AddressCounts>,
    group: IpAddr,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut counts = self.counts.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&self.group) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(&self.group);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_and_the_per_address_cap() {
        let slots = Slots::new(3, Some(2));
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let first = slots.take(a).expect("first");
        let second = slots.take(a).expect("second");
        assert_eq!(slots.take(a).unwrap_err(), Refusal::AddressFull);
        let third = slots.take(b).expect("another address");
        assert_eq!(slots.take(b).unwrap_err(), Refusal::Full);
        drop(first);
        let again = slots.take(a).expect("a freed slot is reusable");
        drop((second, third, again));
        assert!(slots
            .per_address
            .as_ref()
            .unwrap()
            .counts
            .lock()
            .unwrap()
            .is_empty());
    }

    #[test]
    fn a_refused_address_holds_no_slot() {
        let slots = Slots::new(2, Some(1));
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let _held = slots.take(a).expect("first");
        for _ in 0..10 {
            assert_eq!(slots.take(a).unwrap_err(), Refusal::AddressFull);
        }
        slots
            .take("::1".parse().unwrap())
            .expect("the other slot is still free");
    }

    #[test]
    fn groups() {
        let group = |text: &str| address_group(text.parse().unwrap()).to_string();
        assert_eq!(group("192.0.2.7"), "192.0.2.7");
        assert_eq!(group("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(group("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::");
        assert_eq!(group("2001:db8:1:2:ffff::1"), "2001:db8:1:2::");
        assert_eq!(group("::1"), "::");
    }

    #[test]
    fn no_per_address_cap_by_default() {
        let slots = Slots::new(100, None);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let held: Vec<Slot> = (0..100).map(|_| slots.take(a).expect("slot")).collect();
        assert_eq!(slots.take(a).unwrap_err(), Refusal::Full);
        drop(held);
    }
}
