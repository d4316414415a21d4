//! The shared store: PostgreSQL through a deadpool connection pool, for several instances at once.
//!
//! Exactness lives in the database: a charge is one call of the `randomd_charge` function (see the
//! migration), which locks the key's row, so allowances and serial numbers stay exact whichever
//! instance serves a key. Connections that break are dropped by the pool and replaced on next use,
//! so an instance recovers by itself when PostgreSQL comes back.

mod charges;
mod migrate;
mod tls;
mod url;

use std::sync::LazyLock;
use std::time::Duration;

use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime};
use futures_util::future::BoxFuture;
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::Row;

pub use self::migrate::latest_version;
pub use self::url::PostgresUrl;
use super::{
    Charge, Charged, KeyRecord, KeyStatus, NewKey, Refusal, Store, StoreError, TicketClaim, TicketRecord,
};
use crate::keys::KeyHash;

/// How long a call waits for a free connection, or for a new one to open, before it fails.
const POOL_TIMEOUT: Duration = Duration::from_secs(5);

/// Charge groups one instance runs at once. Two keep a busy key's row lock always in use (the next
/// group waits at the lock while the previous one flushes); more would split the waiting charges
/// into smaller groups that each pay their own flush.
const CHARGE_GROUPS_IN_FLIGHT: usize = 2;

/// The advisory lock key held while the first key is created ("randkey" in ASCII).
const FIRST_KEY_LOCK: i64 = i64::from_be_bytes(*b"\0randkey");

const KEY_COLUMNS: &str = "k.id, k.key_hash, k.key_prefix, k.hashed_api_key, k.name, k.status, k.daily_bits,
    k.daily_requests, k.created_at, k.total_bits, k.total_requests, k.last_serial,
    COALESCE(u.bits, 0), COALESCE(u.requests, 0)";

/// A key by its hash, with its usage on a day.
static FIND_KEY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {KEY_COLUMNS} FROM api_keys k
         LEFT JOIN daily_usage u ON u.key_id = k.id AND u.day = $2 WHERE k.key_hash = $1"
    )
});

/// Every key, oldest first, with its usage on a day.
static LIST_KEYS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {KEY_COLUMNS} FROM api_keys k
         LEFT JOIN daily_usage u ON u.key_id = k.id AND u.day = $1 ORDER BY k.id"
    )
});

/// A PostgreSQL database shared by every instance that points at it.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: Pool,
    charges: mpsc::UnboundedSender<charges::Pending>,
}

impl PostgresStore {
    /// Connects, applies pending migrations and opens a pool of at most `connections` connections.
    /// Must run inside a tokio runtime: the pool and the charge grouping live on it.
    pub async fn open(url: &PostgresUrl, connections: usize) -> Result<PostgresStore, StoreError> {
        let unreachable = |e: tokio_postgres::Error| {
            StoreError(format!("cannot connect to PostgreSQL at {url}: {}", describe(&e)))
        };
        let connector = url.connector().map_err(StoreError)?;
        let (mut client, connection) = url
            .config()
            .connect(connector.clone())
            .await
            .map_err(unreachable)?;
        let driver = tokio::spawn(connection);
        migrate::run(&mut client).await?;
        warn_if_not_durable(&client).await;
        drop(client);
        let _ = driver.await;

        let manager = Manager::from_config(
            url.config().clone(),
            connector,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let connections = connections.max(1);
        let pool = Pool::builder(manager)
            .max_size(connections)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(POOL_TIMEOUT))
            .create_timeout(Some(POOL_TIMEOUT))
            .recycle_timeout(Some(POOL_TIMEOUT))
            .build()
            .map_err(|e| StoreError(format!("cannot build the PostgreSQL pool: {e}")))?;
        let charges = charges::spawn(pool.clone(), CHARGE_GROUPS_IN_FLIGHT);
        Ok(PostgresStore { pool, charges })
    }

    /// A pooled connection.
    async fn client(&self) -> Result<deadpool_postgres::Client, StoreError> {
        self.pool.get().await.map_err(pool_error)
    }
}

/// Says so in the log if commits are not flushed: acknowledged usage would not survive a crash of
/// the database server (a crash of randomd is still safe).
async fn warn_if_not_durable(client: &tokio_postgres::Client) {
    for setting in ["fsync", "synchronous_commit"] {
        let row = client.query_one(&format!("SHOW {setting}"), &[]).await;
        if let Ok(value) = row.and_then(|row| row.try_get::<_, String>(0)) {
            if value == "off" {
                tracing::warn!(
                    setting,
                    "PostgreSQL has {setting} = off: usage may be lost if the database server crashes"
                );
            }
        }
    }
}

/// A driver error in one line, with PostgreSQL's own message when there is one.
pub(crate) fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} ({}): {}", db.severity(), db.code().code(), db.message()),
        None => match std::error::Error::source(error) {
            Some(cause) => format!("{error}: {cause}"),
            None => error.to_string(),
        },
    }
}

/// Why no connection could be had from the pool.
pub(crate) fn pool_error(error: PoolError) -> StoreError {
    StoreError(match error {
        PoolError::Backend(e) => format!("cannot connect to PostgreSQL: {}", describe(&e)),
        other => format!("no PostgreSQL connection: {other}"),
    })
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(error: tokio_postgres::Error) -> StoreError {
        StoreError(describe(&error))
    }
}

fn key_record(row: &Row) -> Result<KeyRecord, StoreError> {
    let hash: Vec<u8> = row.try_get(1)?;
    let status: String = row.try_get(5)?;
    Ok(KeyRecord {
        id: row.try_get(0)?,
        key_hash: KeyHash::try_from(hash.as_slice())
            .map_err(|_| StoreError("a stored key hash is not 32 bytes".into()))?,
        key_prefix: row.try_get(2)?,
        hashed_api_key: row.try_get(3)?,
        name: row.try_get(4)?,
        status: KeyStatus::parse(&status)
            .ok_or_else(|| StoreError(format!("unknown key status {status:?}")))?,
        daily_bits: row.try_get(6)?,
        daily_requests: row.try_get(7)?,
        created_at: row.try_get(8)?,
        total_bits: row.try_get(9)?,
        total_requests: row.try_get(10)?,
        last_serial: row.try_get(11)?,
        bits_used: row.try_get(12)?,
        requests_used: row.try_get(13)?,
    })
}

const TICKET_COLUMNS: &str = "t.ticket_id, t.key_id, k.hashed_api_key, t.show_result, t.created_at,
    t.used_at, t.serial, r.result FROM tickets t JOIN api_keys k ON k.id = t.key_id
    LEFT JOIN signed_results r ON r.key_id = t.key_id AND r.serial = t.serial";

fn ticket_record(row: &Row) -> Result<TicketRecord, StoreError> {
    Ok(TicketRecord {
        ticket_id: row.try_get(0)?,
        key_id: row.try_get(1)?,
        hashed_api_key: row.try_get(2)?,
        show_result: row.try_get(3)?,
        created_at: row.try_get(4)?,
        used_at: row.try_get(5)?,
        serial: row.try_get(6)?,
        result: row.try_get(7)?,
    })
}

const INSERT_KEY: &str =
    "INSERT INTO api_keys (key_hash, key_prefix, hashed_api_key, name, status, daily_bits,
                                               daily_requests, created_at)
                          VALUES ($1, $2, $3, $4, 'running', $5, $6, $7) RETURNING id";

async fn insert_key(client: &impl GenericClient, key: &NewKey) -> Result<i64, StoreError> {
    let row = client
        .query_one(
            INSERT_KEY,
            &[
                &&key.key_hash[..],
                &key.key_prefix,
                &key.hashed_api_key,
                &key.name,
                &key.daily_bits,
                &key.daily_requests,
                &key.created_at,
            ],
        )
        .await?;
    Ok(row.try_get(0)?)
}

impl Store for PostgresStore {
    fn find_key(&self, key_hash: KeyHash, day: i64) -> BoxFuture<'_, Result<Option<KeyRecord>, StoreError>> {
        Box::pin(async move {
            let client = self.client().await?;
            let statement = client.prepare_cached(&FIND_KEY).await?;
            client
                .query_opt(&statement, &[&&key_hash[..], &day])
                .await?
                .map(|row| key_record(&row))
                .transpose()
        })
    }

    fn charge(&self, charge: Charge) -> BoxFuture<'_, Result<Result<Charged, Refusal>, StoreError>> {
        let (reply, answer) = oneshot::channel();
        let sent = self.charges.send(charges::Pending { charge, reply }).is_ok();
        Box::pin(async move {
            let stopped = || StoreError("the charge task has stopped".into());
            if !sent {
                return Err(stopped());
            }
            answer.await.map_err(|_| stopped())?
        })
    }

    fn create_key(&self, key: NewKey) -> BoxFuture<'_, Result<i64, StoreError>> {
        Box::pin(async move { insert_key(&self.client().await?, &key).await })
    }

    fn create_first_key(&self, key: NewKey) -> BoxFuture<'_, Result<Option<i64>, StoreError>> {
        Box::pin(async move {
            let mut client = self.client().await?;
            let transaction = client.transaction().await?;
            // Instances starting together on an empty database create one development key, not two.
            transaction
                .execute("SELECT pg_advisory_xact_lock($1)", &[&FIRST_KEY_LOCK])
                .await?;
            let exists: bool = transaction
                .query_one("SELECT EXISTS (SELECT 1 FROM api_keys)", &[])
                .await?
                .try_get(0)?;
            if exists {
                return Ok(None);
            }
            let id = insert_key(&transaction, &key).await?;
            transaction.commit().await?;
            Ok(Some(id))
        })
    }

    fn list_keys(&self, day: i64) -> BoxFuture<'_, Result<Vec<KeyRecord>, StoreError>> {
        Box::pin(async move {
            let client = self.client().await?;
            let rows = client.query(LIST_KEYS.as_str(), &[&day]).await?;
            rows.iter().map(key_record).collect()
        })
    }

    fn set_status(&self, key_id: i64, status: KeyStatus) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(async move {
            let changed = self
                .client()
                .await?
                .execute(
                    "UPDATE api_keys SET status = $2 WHERE id = $1",
                    &[&key_id, &status.as_str()],
                )
                .await?;
            Ok(changed == 1)
        })
    }

    fn set_allowances(
        &self,
        key_id: i64,
        daily_bits: i64,
        daily_requests: i64,
    ) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(async move {
            let changed = self
                .client()
                .await?
                .execute(
                    "UPDATE api_keys SET daily_bits = $2, daily_requests = $3 WHERE id = $1",
                    &[&key_id, &daily_bits, &daily_requests],
                )
                .await?;
            Ok(changed == 1)
        })
    }

    fn shared_secret(
        &self,
        name: &'static str,
        candidate: Vec<u8>,
    ) -> BoxFuture<'_, Result<Vec<u8>, StoreError>> {
        Box::pin(async move {
            let client = self.client().await?;
            client
                .execute(
                    "INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                    &[&name, &candidate],
                )
                .await?;
            let row = client
                .query_one("SELECT value FROM secrets WHERE name = $1", &[&name])
                .await?;
            Ok(row.try_get(0)?)
        })
    }

    fn save_result(
        &self,
        key_id: i64,
        serial: i64,
        result: String,
        created_at: i64,
    ) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            self.client()
                .await?
                .execute(
                    "INSERT INTO signed_results (key_id, serial, result, created_at) VALUES ($1, $2, $3, $4)",
                    &[&key_id, &serial, &result, &created_at],
                )
                .await?;
            Ok(())
        })
    }

    fn find_result(&self, key_id: i64, serial: i64) -> BoxFuture<'_, Result<Option<String>, StoreError>> {
        Box::pin(async move {
            let client = self.client().await?;
            let statement = client
                .prepare_cached("SELECT result FROM signed_results WHERE key_id = $1 AND serial = $2")
                .await?;
            let row = client.query_opt(&statement, &[&key_id, &serial]).await?;
            Ok(row.map(|row| row.try_get(0)).transpose()?)
        })
    }

    fn create_tickets(
        &self,
        key_id: i64,
        ticket_ids: Vec<String>,
        show_result: bool,
        created_at: i64,
    ) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            self.client()
                .await?
                .execute(
                    "INSERT INTO tickets (ticket_id, key_id, show_result, created_at)
                     SELECT id, $2, $3, $4 FROM unnest($1::text[]) AS id",
                    &[&ticket_ids, &key_id, &show_result, &created_at],
                )
                .await?;
            Ok(())
        })
    }

    fn find_ticket(&self, ticket_id: String) -> BoxFuture<'_, Result<Option<TicketRecord>, StoreError>> {
        Box::pin(async move {
            let client = self.client().await?;
            let statement = client
                .prepare_cached(&format!("SELECT {TICKET_COLUMNS} WHERE t.ticket_id = $1"))
                .await?;
            client
                .query_opt(&statement, &[&ticket_id])
                .await?
                .map(|row| ticket_record(&row))
                .transpose()
        })
    }

    fn claim_ticket(
        &self,
        ticket_id: String,
        key_id: i64,
        used_at: i64,
    ) -> BoxFuture<'_, Result<TicketClaim, StoreError>> {
        Box::pin(async move {
            let client = self.client().await?;
            // One conditional UPDATE: PostgreSQL lets exactly one concurrent claim see used_at null.
            let claimed = client
                .execute(
                    "UPDATE tickets SET used_at = $3 WHERE ticket_id = $1 AND key_id = $2 AND used_at IS NULL",
                    &[&ticket_id, &key_id, &used_at],
                )
                .await?;
            if claimed == 1 {
                return Ok(TicketClaim::Claimed);
            }
            let owner = client
                .query_opt("SELECT key_id FROM tickets WHERE ticket_id = $1", &[&ticket_id])
                .await?;
            Ok(match owner.map(|row| row.try_get::<_, i64>(0)).transpose()? {
                None => TicketClaim::NoSuchTicket,
                Some(owner) if owner != key_id => TicketClaim::OtherKey,
                Some(_) => TicketClaim::AlreadyUsed,
            })
        })
    }

    fn release_ticket(&self, ticket_id: String) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            self.client()
                .await?
                .execute(
                    "UPDATE tickets SET used_at = NULL WHERE ticket_id = $1 AND serial IS NULL",
                    &[&ticket_id],
                )
                .await?;
            Ok(())
        })
    }

    fn finish_ticket(&self, ticket_id: String, serial: i64) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            self.client()
                .await?
                .execute(
                    "UPDATE tickets SET serial = $2 WHERE ticket_id = $1",
                    &[&ticket_id, &serial],
                )
                .await?;
            Ok(())
        })
    }

    fn list_tickets(&self, key_id: i64, limit: i64) -> BoxFuture<'_, Result<Vec<TicketRecord>, StoreError>> {
        Box::pin(async move {
            let client = self.client().await?;
            let rows = client
                .query(
                    &format!(
                        "SELECT {TICKET_COLUMNS} WHERE t.key_id = $1 ORDER BY t.created_at, t.ticket_id LIMIT $2"
                    ),
                    &[&key_id, &limit],
                )
                .await?;
            rows.iter().map(ticket_record).collect()
        })
    }

    fn reveal_ticket(&self, key_id: i64, ticket_id: String) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move {
            Ok(self
                .client()
                .await?
                .execute(
                    "UPDATE tickets SET show_result = true
                     WHERE ticket_id = $1 AND key_id = $2 AND used_at IS NOT NULL AND NOT show_result",
                    &[&ticket_id, &key_id],
                )
                .await?)
        })
    }
}
