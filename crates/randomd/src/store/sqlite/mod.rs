//! The embedded store: SQLite in WAL mode with full fsync, written by one thread with group commit.
//!
//! Charges queue up while a commit is in progress and the next commit takes all of them at once, so
//! every answer's usage is on disk before it is sent and a busy server pays one fsync per group. The
//! writer remembers the rows it charges (see `ledger`), so a group writes each key's rows once.
//! Reads run on a second connection and thread: WAL lets them proceed while the writer waits on fsync.

use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use std::path::Path;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use futures_util::future::BoxFuture;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use tokio::sync::oneshot;

mod ledger;
mod scheduling;

use self::ledger::Ledger;
use super::{
    Charge, Charged, KeyRecord, KeyStatus, NewKey, Refusal, Store, StoreError, TicketClaim, TicketRecord,
};
use crate::keys::KeyHash;

/// The schema's migrations, in order; `PRAGMA user_version` records how many are applied.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/sqlite/0001_init.sql"),
    include_str!("../../../migrations/sqlite/0002_release4.sql"),
];

/// The most charges one transaction takes.
const GROUP_LIMIT: usize = 512;

type ChargeReply = oneshot::Sender<Result<Result<Charged, Refusal>, StoreError>>;

enum Job {
    Charge(Charge, ChargeReply),
    Other(Box<dyn FnOnce(&mut Connection) + Send>),
}

/// What a committed charge survives before its answer is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Durability {
    /// Every commit is fsynced (`synchronous=FULL`): usage survives a power loss.
    #[default]
    PowerLoss,
    /// Every commit is written to the operating system (`synchronous=NORMAL` in WAL mode): usage
    /// survives the process being killed, not a power loss. Several times the throughput on slow disks.
    ProcessCrash,
}

/// A SQLite database file served by a writer thread and a reader thread.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    jobs: mpsc::Sender<Job>,
    reads: mpsc::Sender<Job>,
    /// How many charges each commit of the writer carried (group commit at work).
    group_sizes: Histogram,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and applies pending migrations, fsyncing
    /// every commit.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with(path, Durability::PowerLoss)
    }

    /// Opens the database with the given durability.
    pub fn open_with(path: &Path, durability: Durability) -> Result<SqliteStore, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| StoreError(format!("cannot create {}: {e}", parent.display())))?;
        }
        let open =
            || Connection::open(path).map_err(|e| StoreError(format!("cannot open {}: {e}", path.display())));
        let mut connection = open()?;
        configure(&connection, durability)?;
        migrate(&mut connection)?;
        let reader = open()?;
        configure(&reader, durability)?;
        let group_sizes = Histogram::new(exponential_buckets(1.0, 2.0, 10));
        let spawn = |name: &str, connection: Connection| {
            let (jobs, queue) = mpsc::channel();
            let sizes = group_sizes.clone();
            thread::Builder::new()
                .name(name.into())
                .spawn(move || serve(connection, queue, sizes))
                .map(|_| jobs)
                .map_err(|e| StoreError(format!("cannot start the database thread: {e}")))
        };
        Ok(SqliteStore {
            jobs: spawn("randomd-sqlite-writer", connection)?,
            reads: spawn("randomd-sqlite-reader", reader)?,
            group_sizes,
        })
    }

    /// Runs `job` on the writer's connection.
    fn write<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    ) -> BoxFuture<'_, Result<T, StoreError>> {
        run_on(&self.jobs, job)
    }

    /// Runs `job` on the reader's connection.
    fn read<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    ) -> BoxFuture<'_, Result<T, StoreError>> {
        run_on(&self.reads, job)
    }
}

fn run_on<T: Send + 'static>(
    queue: &mpsc::Sender<Job>,
    job: impl FnOnce(&mut Connection) -> Result<T, rusqlite::Error> + Send + 'static,
) -> BoxFuture<'static, Result<T, StoreError>> {
    let (reply, answer) = oneshot::channel();
    let sent = queue.send(Job::Other(Box::new(move |connection| {
        let _ = reply.send(job(connection).map_err(|e| StoreError(e.to_string())));
    })));
    Box::pin(reply_of(sent.is_ok(), answer))
}

/// The answer of a job sent (or not) to a database thread.
async fn reply_of<T>(sent: bool, answer: oneshot::Receiver<Result<T, StoreError>>) -> Result<T, StoreError> {
    let stopped = || StoreError("the database thread has stopped".into());
    if !sent {
        return Err(stopped());
    }
    answer.await.map_err(|_| stopped())?
}

fn configure(connection: &Connection, durability: Durability) -> Result<(), StoreError> {
    let synchronous = match durability {
        Durability::PowerLoss => "FULL",
        Durability::ProcessCrash => "NORMAL",
    };
    connection
        .execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON;"
        ))
        .and_then(|_| connection.busy_timeout(Duration::from_secs(10)))
        .map_err(|e| StoreError(format!("cannot configure the database: {e}")))
}

fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    let error = |e: rusqlite::Error| StoreError(format!("migration failed: {e}"));
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(error)?;
    let version: usize = transaction
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(error)?;
    if version > MIGRATIONS.len() {
        return Err(StoreError(format!(
            "the database is at schema version {version}, newer than this randomd knows ({}); \
             upgrade randomd or point it at another database",
            MIGRATIONS.len()
        )));
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(version) {
        transaction.execute_batch(migration).map_err(error)?;
        transaction
            .pragma_update(None, "user_version", index + 1)
            .map_err(error)?;
    }
    transaction.commit().map_err(error)
}

fn serve(mut connection: Connection, queue: mpsc::Receiver<Job>, group_sizes: Histogram) {
    if let Err(error) = scheduling::prefer_batches() {
        tracing::debug!(%error, "the database thread keeps the default scheduling policy");
    }
    let mut ledger = Ledger::default();
    while let Ok(first) = queue.recv() {
        let mut charges = Vec::new();
        let mut next = Some(first);
        while let Some(job) = next.take() {
            match job {
                Job::Charge(charge, reply) => charges.push((charge, reply)),
                Job::Other(job) => {
                    job(&mut connection);
                    ledger.forget();
                }
            }
            if charges.len() < GROUP_LIMIT {
                next = queue.try_recv().ok();
            }
        }
        if !charges.is_empty() {
            group_sizes.observe(charges.len() as f64);
            commit_charges(&mut connection, &mut ledger, charges);
        }
    }
}

/// Applies a group of charges in one transaction, then answers each.
fn commit_charges(connection: &mut Connection, ledger: &mut Ledger, charges: Vec<(Charge, ChargeReply)>) {
    let outcome = (|| -> Result<Vec<Result<Charged, Refusal>>, rusqlite::Error> {
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let group: Vec<Charge> = charges.iter().map(|(charge, _)| *charge).collect();
        let results = ledger.charge_group(&transaction, &group)?;
        transaction.commit()?;
        Ok(results)
    })();
    match outcome {
        Ok(results) => {
            for ((_, reply), result) in charges.into_iter().zip(results) {
                let _ = reply.send(Ok(result));
            }
        }
        Err(error) => {
            ledger.forget();
            tracing::error!(%error, "charge transaction failed");
            for (_, reply) in charges {
                let _ = reply.send(Err(StoreError(error.to_string())));
            }
        }
    }
}

const TICKET_COLUMNS: &str = "t.ticket_id, t.key_id, k.hashed_api_key, t.show_result, t.created_at,
    t.used_at, t.serial, r.result FROM tickets t JOIN api_keys k ON k.id = t.key_id
    LEFT JOIN signed_results r ON r.key_id = t.key_id AND r.serial = t.serial";

fn ticket_record(row: &rusqlite::Row<'_>) -> Result<TicketRecord, rusqlite::Error> {
    Ok(TicketRecord {
        ticket_id: row.get(0)?,
        key_id: row.get(1)?,
        hashed_api_key: row.get(2)?,
        show_result: row.get(3)?,
        created_at: row.get(4)?,
        used_at: row.get(5)?,
        serial: row.get(6)?,
        result: row.get(7)?,
    })
}

const KEY_COLUMNS: &str = "k.id, k.key_hash, k.key_prefix, k.hashed_api_key, k.name, k.status, k.daily_bits,
    k.daily_requests, k.created_at, k.total_bits, k.total_requests, k.last_serial,
    COALESCE(u.bits, 0), COALESCE(u.requests, 0)";

/// Looks a key up by its hash, with its usage on a day.
static FIND_KEY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {KEY_COLUMNS} FROM api_keys k
         LEFT JOIN daily_usage u ON u.key_id = k.id AND u.day = ?2 WHERE k.key_hash = ?1"
    )
});

fn key_record(row: &rusqlite::Row<'_>) -> Result<KeyRecord, rusqlite::Error> {
    let hash: Vec<u8> = row.get(1)?;
    let status: String = row.get(5)?;
    let bad =
        |what: String| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, what.into());
    Ok(KeyRecord {
        id: row.get(0)?,
        key_hash: hash
            .try_into()
            .map_err(|_| bad("key hash is not 32 bytes".into()))?,
        key_prefix: row.get(2)?,
        hashed_api_key: row.get(3)?,
        name: row.get(4)?,
        status: KeyStatus::parse(&status).ok_or_else(|| bad(format!("unknown status {status}")))?,
        daily_bits: row.get(6)?,
        daily_requests: row.get(7)?,
        created_at: row.get(8)?,
        total_bits: row.get(9)?,
        total_requests: row.get(10)?,
        last_serial: row.get(11)?,
        bits_used: row.get(12)?,
        requests_used: row.get(13)?,
    })
}

fn insert_key(connection: &Connection, key: &NewKey) -> Result<i64, rusqlite::Error> {
    connection.execute(
        "INSERT INTO api_keys (key_hash, key_prefix, hashed_api_key, name, status, daily_bits,
                               daily_requests, created_at)
         VALUES (?1, ?2, ?3, ?4, 'running', ?5, ?6, ?7)",
        params![
            &key.key_hash[..],
            key.key_prefix,
            key.hashed_api_key,
            key.name,
            key.daily_bits,
            key.daily_requests,
            key.created_at
        ],
    )?;
    Ok(connection.last_insert_rowid())
}

impl Store for SqliteStore {
    fn commit_group_sizes(&self) -> Option<Histogram> {
        Some(self.group_sizes.clone())
    }

    fn find_key(&self, key_hash: KeyHash, day: i64) -> BoxFuture<'_, Result<Option<KeyRecord>, StoreError>> {
        self.read(move |connection| {
            connection
                .prepare_cached(&FIND_KEY)?
                .query_row(params![&key_hash[..], day], key_record)
                .optional()
        })
    }

    fn charge(&self, charge: Charge) -> BoxFuture<'_, Result<Result<Charged, Refusal>, StoreError>> {
        let (reply, answer) = oneshot::channel();
        let sent = self.jobs.send(Job::Charge(charge, reply)).is_ok();
        Box::pin(reply_of(sent, answer))
    }

    fn create_key(&self, key: NewKey) -> BoxFuture<'_, Result<i64, StoreError>> {
        self.write(move |connection| insert_key(connection, &key))
    }

    fn create_first_key(&self, key: NewKey) -> BoxFuture<'_, Result<Option<i64>, StoreError>> {
        self.write(move |connection| {
            let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let exists: bool =
                transaction.query_row("SELECT EXISTS (SELECT 1 FROM api_keys)", [], |row| row.get(0))?;
            if exists {
                return Ok(None);
            }
            let id = insert_key(&transaction, &key)?;
            transaction.commit()?;
            Ok(Some(id))
        })
    }

    fn list_keys(&self, day: i64) -> BoxFuture<'_, Result<Vec<KeyRecord>, StoreError>> {
        self.read(move |connection| {
            let mut statement = connection.prepare(&format!(
                "SELECT {KEY_COLUMNS} FROM api_keys k
                 LEFT JOIN daily_usage u ON u.key_id = k.id AND u.day = ?1 ORDER BY k.id"
            ))?;
            let rows = statement.query_map([day], key_record)?;
            rows.collect()
        })
    }

    fn set_status(&self, key_id: i64, status: KeyStatus) -> BoxFuture<'_, Result<bool, StoreError>> {
        self.write(move |connection| {
            let changed = connection.execute(
                "UPDATE api_keys SET status = ?2 WHERE id = ?1",
                params![key_id, status.as_str()],
            )?;
            Ok(changed == 1)
        })
    }

    fn set_allowances(
        &self,
        key_id: i64,
        daily_bits: i64,
        daily_requests: i64,
    ) -> BoxFuture<'_, Result<bool, StoreError>> {
        self.write(move |connection| {
            let changed = connection.execute(
                "UPDATE api_keys SET daily_bits = ?2, daily_requests = ?3 WHERE id = ?1",
                params![key_id, daily_bits, daily_requests],
            )?;
            Ok(changed == 1)
        })
    }

    fn shared_secret(
        &self,
        name: &'static str,
        candidate: Vec<u8>,
    ) -> BoxFuture<'_, Result<Vec<u8>, StoreError>> {
        self.write(move |connection| {
            connection.execute(
                "INSERT INTO secrets (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
                params![name, candidate],
            )?;
            connection.query_row("SELECT value FROM secrets WHERE name = ?1", [name], |row| {
                row.get(0)
            })
        })
    }

    fn save_result(
        &self,
        key_id: i64,
        serial: i64,
        result: String,
        created_at: i64,
    ) -> BoxFuture<'_, Result<(), StoreError>> {
        self.write(move |connection| {
            connection.execute(
                "INSERT INTO signed_results (key_id, serial, result, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![key_id, serial, result, created_at],
            )?;
            Ok(())
        })
    }

    fn find_result(&self, key_id: i64, serial: i64) -> BoxFuture<'_, Result<Option<String>, StoreError>> {
        self.read(move |connection| {
            connection
                .prepare_cached("SELECT result FROM signed_results WHERE key_id = ?1 AND serial = ?2")?
                .query_row(params![key_id, serial], |row| row.get(0))
                .optional()
        })
    }

    fn create_tickets(
        &self,
        key_id: i64,
        ticket_ids: Vec<String>,
        show_result: bool,
        created_at: i64,
    ) -> BoxFuture<'_, Result<(), StoreError>> {
        self.write(move |connection| {
            let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for ticket_id in &ticket_ids {
                transaction.execute(
                    "INSERT INTO tickets (ticket_id, key_id, show_result, created_at) VALUES (?1, ?2, ?3, ?4)",
                    params![ticket_id, key_id, show_result, created_at],
                )?;
            }
            transaction.commit()
        })
    }

    fn find_ticket(&self, ticket_id: String) -> BoxFuture<'_, Result<Option<TicketRecord>, StoreError>> {
        self.read(move |connection| {
            connection
                .prepare_cached(&format!("SELECT {TICKET_COLUMNS} WHERE t.ticket_id = ?1"))?
                .query_row([ticket_id], ticket_record)
                .optional()
        })
    }

    fn claim_ticket(
        &self,
        ticket_id: String,
        key_id: i64,
        used_at: i64,
    ) -> BoxFuture<'_, Result<TicketClaim, StoreError>> {
        self.write(move |connection| {
            let claimed = connection.execute(
                "UPDATE tickets SET used_at = ?3 WHERE ticket_id = ?1 AND key_id = ?2 AND used_at IS NULL",
                params![ticket_id, key_id, used_at],
            )?;
            if claimed == 1 {
                return Ok(TicketClaim::Claimed);
            }
            let owner: Option<i64> = connection
                .query_row(
                    "SELECT key_id FROM tickets WHERE ticket_id = ?1",
                    [&ticket_id],
                    |row| row.get(0),
                )
                .optional()?;
            Ok(match owner {
                None => TicketClaim::NoSuchTicket,
                Some(owner) if owner != key_id => TicketClaim::OtherKey,
                Some(_) => TicketClaim::AlreadyUsed,
            })
        })
    }

    fn release_ticket(&self, ticket_id: String) -> BoxFuture<'_, Result<(), StoreError>> {
        self.write(move |connection| {
            connection.execute(
                "UPDATE tickets SET used_at = NULL WHERE ticket_id = ?1 AND serial IS NULL",
                [ticket_id],
            )?;
            Ok(())
        })
    }

    fn finish_ticket(&self, ticket_id: String, serial: i64) -> BoxFuture<'_, Result<(), StoreError>> {
        self.write(move |connection| {
            connection.execute(
                "UPDATE tickets SET serial = ?2 WHERE ticket_id = ?1",
                params![ticket_id, serial],
            )?;
            Ok(())
        })
    }

    fn list_tickets(&self, key_id: i64, limit: i64) -> BoxFuture<'_, Result<Vec<TicketRecord>, StoreError>> {
        self.read(move |connection| {
            let mut statement = connection.prepare_cached(&format!(
                "SELECT {TICKET_COLUMNS} WHERE t.key_id = ?1 ORDER BY t.created_at, t.ticket_id LIMIT ?2"
            ))?;
            let rows = statement.query_map(params![key_id, limit], ticket_record)?;
            rows.collect()
        })
    }

    fn reveal_ticket(&self, key_id: i64, ticket_id: String) -> BoxFuture<'_, Result<u64, StoreError>> {
        self.write(move |connection| {
            let changed = connection.execute(
                "UPDATE tickets SET show_result = 1
                 WHERE ticket_id = ?1 AND key_id = ?2 AND used_at IS NOT NULL AND show_result = 0",
                params![ticket_id, key_id],
            )?;
            Ok(changed as u64)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_key(hash_byte: u8, bits: i64, requests: i64) -> NewKey {
        NewKey {
            key_hash: [hash_byte; 32],
            key_prefix: "abcd".into(),
            hashed_api_key: "h".into(),
            name: "test".into(),
            daily_bits: bits,
            daily_requests: requests,
            created_at: 0,
        }
    }

    #[tokio::test]
    async fn charges_respect_allowances_and_serials_never_skip() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("db.sqlite3")).unwrap();
        let id = store.create_key(new_key(1, 100, 3)).await.unwrap();
        let charge = |bits, signed| Charge {
            key_id: id,
            day: 10,
            bits,
            signed,
        };

        assert_eq!(
            store.charge(charge(60, true)).await.unwrap(),
            Ok(Charged {
                bits_left: 40,
                requests_left: 2,
                serial: Some(1)
            })
        );
        assert_eq!(
            store.charge(charge(41, true)).await.unwrap(),
            Err(Refusal::OutOfBits {
                required: 41,
                left: 40
            })
        );
        assert_eq!(
            store.charge(charge(40, false)).await.unwrap(),
            Ok(Charged {
                bits_left: 0,
                requests_left: 1,
                serial: None
            })
        );
        assert_eq!(
            store.charge(charge(0, true)).await.unwrap().unwrap().serial,
            Some(2),
            "no gap after a refusal"
        );
        assert_eq!(
            store.charge(charge(0, true)).await.unwrap(),
            Err(Refusal::OutOfRequests { required: 1, left: 0 })
        );

        // A new day resets the allowances; totals keep counting.
        let next_day = Charge {
            day: 11,
            ..charge(10, true)
        };
        assert_eq!(
            store.charge(next_day).await.unwrap(),
            Ok(Charged {
                bits_left: 90,
                requests_left: 2,
                serial: Some(3)
            })
        );
        let record = store.find_key([1; 32], 11).await.unwrap().unwrap();
        assert_eq!(
            (record.total_bits, record.total_requests, record.last_serial),
            (110, 4, 3)
        );
        assert_eq!((record.bits_used, record.requests_used), (10, 1));

        assert!(store.set_status(id, KeyStatus::Paused).await.unwrap());
        assert_eq!(
            store.charge(charge(1, false)).await.unwrap(),
            Err(Refusal::NotRunning)
        );
        assert!(!store.set_status(999, KeyStatus::Paused).await.unwrap());
        assert_eq!(
            store
                .charge(Charge {
                    key_id: 999,
                    ..charge(1, false)
                })
                .await
                .unwrap(),
            Err(Refusal::NoSuchKey)
        );
    }

    #[tokio::test]
    async fn concurrent_charges_never_exceed_the_allowance() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("db.sqlite3")).unwrap();
        let id = store.create_key(new_key(2, 1000, 1_000_000)).await.unwrap();
        let tasks: Vec<_> = (0..300)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .charge(Charge {
                            key_id: id,
                            day: 1,
                            bits: 7,
                            signed: true,
                        })
                        .await
                })
            })
            .collect();
        let mut serials = Vec::new();
        for task in tasks {
            if let Ok(charged) = task.await.unwrap().unwrap() {
                serials.push(charged.serial.unwrap());
            }
        }
        assert_eq!(serials.len(), 1000 / 7);
        serials.sort_unstable();
        assert_eq!(serials, (1..=serials.len() as i64).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn changes_by_another_connection_are_seen_by_the_next_charge() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        let store = SqliteStore::open(&path).unwrap();
        let id = store.create_key(new_key(6, 1000, 100)).await.unwrap();
        let charge = Charge {
            key_id: id,
            day: 3,
            bits: 10,
            signed: true,
        };
        assert_eq!(store.charge(charge).await.unwrap().unwrap().serial, Some(1));

        // As `randomd keys pause` does from another process.
        let other = Connection::open(&path).unwrap();
        other
            .execute("UPDATE api_keys SET status = 'paused' WHERE id = ?1", [id])
            .unwrap();
        assert_eq!(store.charge(charge).await.unwrap(), Err(Refusal::NotRunning));
        other
            .execute(
                "UPDATE api_keys SET status = 'running', daily_bits = 15 WHERE id = ?1",
                [id],
            )
            .unwrap();
        assert_eq!(
            store.charge(charge).await.unwrap(),
            Err(Refusal::OutOfBits {
                required: 10,
                left: 5
            })
        );
        // Another instance sharing the file billed some requests and took serial numbers.
        other
            .execute(
                "UPDATE daily_usage SET bits = 0, requests = 99 WHERE key_id = ?1 AND day = 3",
                [id],
            )
            .unwrap();
        other
            .execute("UPDATE api_keys SET last_serial = 41 WHERE id = ?1", [id])
            .unwrap();
        assert_eq!(
            store.charge(charge).await.unwrap(),
            Ok(Charged {
                bits_left: 5,
                requests_left: 0,
                serial: Some(42)
            })
        );
        let record = store.find_key([6; 32], 3).await.unwrap().unwrap();
        assert_eq!(
            (
                record.bits_used,
                record.requests_used,
                record.last_serial,
                record.total_requests
            ),
            (10, 100, 42, 2)
        );
    }

    #[tokio::test]
    async fn a_group_of_charges_is_written_as_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("db.sqlite3")).unwrap();
        let first = store.create_key(new_key(7, 1_000_000, 1_000_000)).await.unwrap();
        let second = store.create_key(new_key(8, 50, 1_000_000)).await.unwrap();
        let charges: Vec<_> = (0..400)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .charge(Charge {
                            key_id: if i % 2 == 0 { first } else { second },
                            day: 1 + i % 3,
                            bits: 1,
                            signed: i % 4 == 0,
                        })
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut granted = 0;
        for charge in charges {
            granted += i64::from(charge.await.unwrap().is_ok());
        }
        let keys = store.list_keys(1).await.unwrap();
        let totals: i64 = keys.iter().map(|key| key.total_requests).sum();
        assert_eq!(totals, granted);
        // The second key has 50 bits a day: 50 on each of the three days, whatever the grouping.
        assert_eq!(keys[1].total_bits, 150);
        assert_eq!(keys[0].total_bits, 200);
        assert_eq!(
            keys[0].last_serial, 100,
            "every fourth charge was signed, all on the first key"
        );
        for day in 1..=3 {
            let record = store.find_key([8; 32], day).await.unwrap().unwrap();
            assert_eq!((record.bits_used, record.requests_used), (50, 50));
        }
    }

    #[tokio::test]
    async fn state_survives_reopening_and_a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        {
            let store = SqliteStore::open(&path).unwrap();
            let id = store.create_key(new_key(3, 100, 100)).await.unwrap();
            store
                .charge(Charge {
                    key_id: id,
                    day: 1,
                    bits: 5,
                    signed: true,
                })
                .await
                .unwrap()
                .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        let record = store.find_key([3; 32], 1).await.unwrap().unwrap();
        assert_eq!((record.bits_used, record.last_serial), (5, 1));
        drop(store);

        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let error = SqliteStore::open(&path).unwrap_err();
        assert!(error.0.contains("schema version 99"), "{error}");
    }

    #[tokio::test]
    async fn the_first_key_is_created_only_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("db.sqlite3")).unwrap();
        let first = store.create_first_key(new_key(4, 1, 1)).await.unwrap();
        assert!(first.is_some());
        assert_eq!(store.create_first_key(new_key(5, 1, 1)).await.unwrap(), None);
        assert_eq!(store.list_keys(0).await.unwrap().len(), 1);
    }

    /// The calling thread's scheduling policy: field 41 of its `stat` (3 is SCHED_BATCH).
    #[cfg(target_os = "linux")]
    fn own_policy() -> String {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        // Fields from the third on follow the parenthesised name.
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        after_name.split(' ').nth(41 - 3).unwrap().to_owned()
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn the_database_threads_run_as_batch_work() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("db.sqlite3")).unwrap();
        assert_eq!(own_policy(), "0", "the test's own thread is a normal one");
        assert_eq!(store.write(|_| Ok(own_policy())).await.unwrap(), "3");
        assert_eq!(store.read(|_| Ok(own_policy())).await.unwrap(), "3");
    }

    #[test]
    fn a_file_that_is_not_a_database_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        std::fs::write(
            &path,
            b"this is not a database, just some text that is long enough",
        )
        .unwrap();
        assert!(SqliteStore::open(&path).is_err());
    }
}
