//! The writer's memory of the rows it charges, so that a group of charges reads each key once and
//! writes each key's rows once, instead of running four statements per charge.
//!
//! The memory is only trusted while no other connection has committed: each group reads
//! `PRAGMA data_version` inside its write transaction (which holds the write lock from then to the
//! commit), and that number changes exactly when another connection (the `randomd keys` command,
//! another process) has committed since the last look. The writer's own other writes and any failed
//! group make it forget everything too. Decisions are therefore the same as re-reading every row.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use rusqlite::{Connection, OptionalExtension};

use super::super::{Charge, Charged, KeyStatus, Refusal};
use crate::quota::Allowance;

/// Past this many remembered rows the memory starts again empty, so it cannot grow without bound.
const MAX_ROWS: usize = 10_000;

/// A key's allowances and serial counter as last read or written by this connection.
#[derive(Debug, Clone, Copy)]
struct KeyLimits {
    running: bool,
    daily_bits: i64,
    daily_requests: i64,
    last_serial: i64,
}

/// A key's usage on one day.
#[derive(Debug, Clone, Copy, Default)]
struct Usage {
    bits: i64,
    requests: i64,
}

/// What one group changed, to be written before it commits.
#[derive(Debug, Default)]
struct Changes {
    /// (key, day) rows of `daily_usage`.
    usage: Vec<(i64, i64)>,
    /// Per key: bits and requests to add to the totals.
    totals: BTreeMap<i64, (i64, i64)>,
}

/// Rows as this connection last saw them.
#[derive(Debug, Default)]
pub(super) struct Ledger {
    data_version: Option<i64>,
    keys: HashMap<i64, KeyLimits>,
    usage: HashMap<(i64, i64), Usage>,
}

impl Ledger {
    /// Drops everything remembered: after this connection's other writes, or a failed group.
    pub(super) fn forget(&mut self) {
        self.data_version = None;
        self.keys.clear();
        self.usage.clear();
    }

    /// Decides and writes a group of charges inside `transaction`, which the caller commits. If this
    /// fails or the commit does, the caller must call [`Ledger::forget`].
    pub(super) fn charge_group(
        &mut self,
        transaction: &Connection,
        charges: &[Charge],
    ) -> Result<Vec<Result<Charged, Refusal>>, rusqlite::Error> {
        let version: i64 = transaction.pragma_query_value(None, "data_version", |row| row.get(0))?;
        if self.data_version != Some(version) || self.keys.len() + self.usage.len() > MAX_ROWS {
            self.forget();
            self.data_version = Some(version);
        }
        let mut changes = Changes::default();
        let results = charges
            .iter()
            .map(|charge| self.apply(transaction, charge, &mut changes))
            .collect::<Result<Vec<_>, _>>()?;
        self.write(transaction, &changes)?;
        Ok(results)
    }

    /// Bills one charge in memory if the key is running and has the allowance.
    fn apply(
        &mut self,
        transaction: &Connection,
        charge: &Charge,
        changes: &mut Changes,
    ) -> Result<Result<Charged, Refusal>, rusqlite::Error> {
        let limits = match self.keys.entry(charge.key_id) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => match read_limits(transaction, charge.key_id)? {
                Some(limits) => entry.insert(limits),
                None => return Ok(Err(Refusal::NoSuchKey)),
            },
        };
        let row = (charge.key_id, charge.day);
        let usage = match self.usage.entry(row) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => entry.insert(read_usage(transaction, row)?),
        };
        let allowance = Allowance::of(
            limits.running,
            limits.daily_bits,
            usage.bits,
            limits.daily_requests,
            usage.requests,
        );
        if let Err(refusal) = allowance.check(charge.bits) {
            return Ok(Err(refusal));
        }
        usage.bits += charge.bits;
        usage.requests += 1;
        if charge.signed {
            limits.last_serial += 1;
        }
        if !changes.usage.contains(&row) {
            changes.usage.push(row);
        }
        let totals = changes.totals.entry(charge.key_id).or_default();
        totals.0 += charge.bits;
        totals.1 += 1;
        Ok(Ok(Charged {
            serial: charge.signed.then_some(limits.last_serial),
            ..allowance.after(charge.bits)
        }))
    }

    /// Writes the rows a group changed: one statement per usage row and one per key.
    fn write(&self, transaction: &Connection, changes: &Changes) -> Result<(), rusqlite::Error> {
        let mut upsert_usage = transaction.prepare_cached(
            "INSERT INTO daily_usage (key_id, day, bits, requests) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (key_id, day) DO UPDATE SET bits = excluded.bits, requests = excluded.requests",
        )?;
        for row in &changes.usage {
            let usage = self.usage[row];
            upsert_usage.execute([row.0, row.1, usage.bits, usage.requests])?;
        }
        let mut update_key = transaction.prepare_cached(
            "UPDATE api_keys SET total_bits = total_bits + ?2, total_requests = total_requests + ?3,
                    last_serial = ?4
             WHERE id = ?1",
        )?;
        for (&key_id, &(bits, requests)) in &changes.totals {
            update_key.execute([key_id, bits, requests, self.keys[&key_id].last_serial])?;
        }
        Ok(())
    }
}

fn read_limits(connection: &Connection, key_id: i64) -> Result<Option<KeyLimits>, rusqlite::Error> {
    connection
        .prepare_cached("SELECT status, daily_bits, daily_requests, last_serial FROM api_keys WHERE id = ?1")?
        .query_row([key_id], |row| {
            Ok(KeyLimits {
                running: KeyStatus::parse(&row.get::<_, String>(0)?) == Some(KeyStatus::Running),
                daily_bits: row.get(1)?,
                daily_requests: row.get(2)?,
                last_serial: row.get(3)?,
            })
        })
        .optional()
}

fn read_usage(connection: &Connection, (key_id, day): (i64, i64)) -> Result<Usage, rusqlite::Error> {
    Ok(connection
        .prepare_cached("SELECT bits, requests FROM daily_usage WHERE key_id = ?1 AND day = ?2")?
        .query_row([key_id, day], |row| {
            Ok(Usage {
                bits: row.get(0)?,
                requests: row.get(1)?,
            })
        })
        .optional()?
        .unwrap_or_default())
}
