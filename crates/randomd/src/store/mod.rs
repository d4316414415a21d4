//! Persistent state behind a trait: API keys, daily usage, totals and signed-result serial numbers.
//!
//! The trait is shaped for several instances sharing one database: every change that must stay exact
//! (charging a request, taking a serial number) is one atomic operation of the store, never a read
//! followed by a write in the service.

mod open;
mod postgres;
mod sqlite;

use std::fmt;

use futures_util::future::BoxFuture;

pub use self::open::{Database, OpenOptions};
pub use self::postgres::{latest_version as postgres_schema_version, PostgresStore, PostgresUrl};
pub use self::sqlite::{Durability, SqliteStore};

use crate::keys::KeyHash;
use crate::quota::{self, Allowance};
pub use crate::quota::{Charge, Charged, Refusal};

/// A key's status: only running keys are served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyStatus {
    Running,
    Paused,
    Stopped,
}

impl KeyStatus {
    /// The name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Running => "running",
            KeyStatus::Paused => "paused",
            KeyStatus::Stopped => "stopped",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<KeyStatus> {
        match text {
            "running" => Some(KeyStatus::Running),
            "paused" => Some(KeyStatus::Paused),
            "stopped" => Some(KeyStatus::Stopped),
            _ => None,
        }
    }
}

/// A key as the service sees it on a given day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    pub id: i64,
    pub key_hash: KeyHash,
    pub key_prefix: String,
    pub hashed_api_key: String,
    pub name: String,
    pub status: KeyStatus,
    pub daily_bits: i64,
    pub daily_requests: i64,
    /// Unix seconds.
    pub created_at: i64,
    pub total_bits: i64,
    pub total_requests: i64,
    pub last_serial: i64,
    /// Usage on the day asked for.
    pub bits_used: i64,
    pub requests_used: i64,
}

impl KeyRecord {
    /// Bits left today.
    pub fn bits_left(&self) -> i64 {
        quota::left(self.daily_bits, self.bits_used)
    }

    /// Requests left today.
    pub fn requests_left(&self) -> i64 {
        quota::left(self.daily_requests, self.requests_used)
    }

    /// Its standing on the day it was read for.
    pub fn allowance(&self) -> Allowance {
        Allowance::of(
            self.status == KeyStatus::Running,
            self.daily_bits,
            self.bits_used,
            self.daily_requests,
            self.requests_used,
        )
    }
}

/// A key to create.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub key_hash: KeyHash,
    pub key_prefix: String,
    pub hashed_api_key: String,
    pub name: String,
    pub daily_bits: i64,
    pub daily_requests: i64,
    pub created_at: i64,
}

/// A ticket as stored, with its key's published hash and, once used, its signed result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRecord {
    pub ticket_id: String,
    pub key_id: i64,
    pub hashed_api_key: String,
    pub show_result: bool,
    /// Unix seconds.
    pub created_at: i64,
    pub used_at: Option<i64>,
    pub serial: Option<i64>,
    /// The signed result (compact JSON of the result object), once used.
    pub result: Option<String>,
}

/// What claiming a ticket for a signed request found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketClaim {
    /// This request has the ticket: nobody else can claim it.
    Claimed,
    NoSuchTicket,
    /// The ticket belongs to another key.
    OtherKey,
    AlreadyUsed,
}

/// The store could not do its work (unreachable, corrupt, full disk...).
#[derive(Debug, Clone)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "store error: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

/// Persistent state. Every method is atomic.
pub trait Store: Send + Sync + 'static {
    /// The key with this hash, with its usage on `day`.
    fn find_key(&self, key_hash: KeyHash, day: i64) -> BoxFuture<'_, Result<Option<KeyRecord>, StoreError>>;

    /// Bills one request of `bits` bits if the key is running and has the allowance left, and takes
    /// the next serial number if asked. Durable before it returns.
    fn charge(&self, charge: Charge) -> BoxFuture<'_, Result<Result<Charged, Refusal>, StoreError>>;

    /// Creates a key; returns its id.
    fn create_key(&self, key: NewKey) -> BoxFuture<'_, Result<i64, StoreError>>;

    /// Creates a key only if there is none yet (the development key of a first start); returns its
    /// id, or `None` if there were keys. Instances starting together create one key between them.
    fn create_first_key(&self, key: NewKey) -> BoxFuture<'_, Result<Option<i64>, StoreError>>;

    /// All keys with their usage on `day`, oldest first.
    fn list_keys(&self, day: i64) -> BoxFuture<'_, Result<Vec<KeyRecord>, StoreError>>;

    /// How many charges each database commit carried, for stores that group them (SQLite's
    /// writer); `None` where each charge commits alone.
    fn commit_group_sizes(&self) -> Option<prometheus_client::metrics::histogram::Histogram> {
        None
    }

    /// Sets a key's status; false if there is no such key.
    fn set_status(&self, key_id: i64, status: KeyStatus) -> BoxFuture<'_, Result<bool, StoreError>>;

    /// Sets a key's daily allowances (from the next charge on); false if there is no such key.
    fn set_allowances(
        &self,
        key_id: i64,
        daily_bits: i64,
        daily_requests: i64,
    ) -> BoxFuture<'_, Result<bool, StoreError>>;

    /// The secret called `name`: `candidate` if none was stored yet (it is stored then), else the
    /// one stored first. Every instance sharing the database gets the same value.
    fn shared_secret(
        &self,
        name: &'static str,
        candidate: Vec<u8>,
    ) -> BoxFuture<'_, Result<Vec<u8>, StoreError>>;

    /// Keeps a signed result (the result object's compact JSON) under its key and serial number.
    fn save_result(
        &self,
        key_id: i64,
        serial: i64,
        result: String,
        created_at: i64,
    ) -> BoxFuture<'_, Result<(), StoreError>>;

    /// A kept signed result.
    fn find_result(&self, key_id: i64, serial: i64) -> BoxFuture<'_, Result<Option<String>, StoreError>>;

    /// Creates unused tickets of a key.
    fn create_tickets(
        &self,
        key_id: i64,
        ticket_ids: Vec<String>,
        show_result: bool,
        created_at: i64,
    ) -> BoxFuture<'_, Result<(), StoreError>>;

    /// A ticket, with its result if it was used.
    fn find_ticket(&self, ticket_id: String) -> BoxFuture<'_, Result<Option<TicketRecord>, StoreError>>;

    /// Claims an unused ticket of `key_id` with one conditional UPDATE: of several requests (on any
    /// instances) claiming one ticket, exactly one gets [`TicketClaim::Claimed`].
    fn claim_ticket(
        &self,
        ticket_id: String,
        key_id: i64,
        used_at: i64,
    ) -> BoxFuture<'_, Result<TicketClaim, StoreError>>;

    /// Gives back a claimed ticket whose request was refused before it took a serial number.
    fn release_ticket(&self, ticket_id: String) -> BoxFuture<'_, Result<(), StoreError>>;

    /// Records the serial number of the result a claimed ticket was used for.
    fn finish_ticket(&self, ticket_id: String, serial: i64) -> BoxFuture<'_, Result<(), StoreError>>;

    /// A key's tickets, oldest first, at most `limit`.
    fn list_tickets(&self, key_id: i64, limit: i64) -> BoxFuture<'_, Result<Vec<TicketRecord>, StoreError>>;

    /// Makes a used ticket of `key_id` show its result; returns how many tickets changed (0 or 1).
    fn reveal_ticket(&self, key_id: i64, ticket_id: String) -> BoxFuture<'_, Result<u64, StoreError>>;
}
