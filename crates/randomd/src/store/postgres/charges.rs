//! Group commit for charges: requests waiting while a group is in flight go together in the next one,
//! one statement (so one transaction and one WAL flush) for the whole group.
//!
//! Charges of one key serialize on that key's row lock across every instance, and the lock is held
//! until the commit is durable; grouping is what lets a busy key bill more than one request per flush.

use std::sync::Arc;

use deadpool_postgres::Pool;
use tokio::sync::{mpsc, oneshot, Semaphore};
use tokio_postgres::error::SqlState;

use super::{describe, pool_error};
use crate::store::{Charge, Charged, Refusal, StoreError};

/// The most charges one group takes.
const GROUP_LIMIT: usize = 256;

/// How often a group that PostgreSQL aborted (deadlock, serialization failure) is tried again.
const ATTEMPTS: usize = 5;

const CHARGE: &str = "SELECT o_position, o_outcome, o_required, o_bits_left, o_requests_left, o_serial
                      FROM randomd_charge($1, $2, $3, $4)";

pub type Outcome = Result<Result<Charged, Refusal>, StoreError>;

/// A charge waiting for its group.
pub struct Pending {
    pub charge: Charge,
    pub reply: oneshot::Sender<Outcome>,
}

/// Starts the task that groups charges; at most `in_flight` groups run at once.
pub fn spawn(pool: Pool, in_flight: usize) -> mpsc::UnboundedSender<Pending> {
    let (sender, queue) = mpsc::unbounded_channel();
    tokio::spawn(group_charges(
        pool,
        queue,
        Arc::new(Semaphore::new(in_flight.max(1))),
    ));
    sender
}

async fn group_charges(pool: Pool, mut queue: mpsc::UnboundedReceiver<Pending>, slots: Arc<Semaphore>) {
    while let Some(first) = queue.recv().await {
        // Waiting for a slot first lets the queue fill, so the next group is as large as the load.
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        let mut group = vec![first];
        while group.len() < GROUP_LIMIT {
            match queue.try_recv() {
                Ok(pending) => group.push(pending),
                Err(_) => break,
            }
        }
        let pool = pool.clone();
        tokio::spawn(async move {
            commit_group(&pool, group).await;
            drop(slot);
        });
    }
}

/// Applies a group in one transaction and answers each charge.
async fn commit_group(pool: &Pool, mut group: Vec<Pending>) {
    // One lock order for every group, so two groups never wait on each other in a cycle; and runs
    // of one key and day, which randomd_charge writes once. The sort is stable: arrival order
    // decides within a key.
    group.sort_by_key(|pending| (pending.charge.key_id, pending.charge.day));
    let charges: Vec<Charge> = group.iter().map(|pending| pending.charge).collect();
    match apply_with_retries(pool, &charges).await {
        Ok(outcomes) => {
            for (pending, outcome) in group.into_iter().zip(outcomes) {
                let _ = pending.reply.send(Ok(outcome));
            }
        }
        Err(error) => {
            tracing::error!(%error, charges = group.len(), "charge transaction failed");
            for pending in group {
                let _ = pending.reply.send(Err(error.clone()));
            }
        }
    }
}

async fn apply_with_retries(
    pool: &Pool,
    charges: &[Charge],
) -> Result<Vec<Result<Charged, Refusal>>, StoreError> {
    let mut attempt = 1;
    loop {
        match apply(pool, charges).await {
            Err(Failure::Aborted(error)) if attempt < ATTEMPTS => {
                tracing::warn!(error = %describe(&error), attempt, "charge transaction aborted; retrying");
                attempt += 1;
            }
            Err(Failure::Aborted(error)) | Err(Failure::Database(error)) => {
                return Err(StoreError(format!("cannot charge: {}", describe(&error))));
            }
            Err(Failure::Store(error)) => return Err(error),
            Ok(outcomes) => return Ok(outcomes),
        }
    }
}

enum Failure {
    /// PostgreSQL rolled the transaction back and says a retry may succeed.
    Aborted(tokio_postgres::Error),
    /// Anything else: the connection may have died after the commit, so no retry.
    Database(tokio_postgres::Error),
    Store(StoreError),
}

impl From<tokio_postgres::Error> for Failure {
    fn from(error: tokio_postgres::Error) -> Failure {
        match error.code() {
            Some(code)
                if *code == SqlState::T_R_SERIALIZATION_FAILURE
                    || *code == SqlState::T_R_DEADLOCK_DETECTED =>
            {
                Failure::Aborted(error)
            }
            _ => Failure::Database(error),
        }
    }
}

async fn apply(pool: &Pool, charges: &[Charge]) -> Result<Vec<Result<Charged, Refusal>>, Failure> {
    let client = pool.get().await.map_err(|e| Failure::Store(pool_error(e)))?;
    let statement = client.prepare_cached(CHARGE).await?;
    let key_ids: Vec<i64> = charges.iter().map(|c| c.key_id).collect();
    let days: Vec<i64> = charges.iter().map(|c| c.day).collect();
    let bits: Vec<i64> = charges.iter().map(|c| c.bits).collect();
    let signed: Vec<bool> = charges.iter().map(|c| c.signed).collect();
    let rows = client
        .query(&statement, &[&key_ids, &days, &bits, &signed])
        .await?;
    let mut outcomes: Vec<Option<Result<Charged, Refusal>>> = vec![None; charges.len()];
    for row in rows {
        let position: i32 = row.try_get(0)?;
        let outcome = decode(
            row.try_get(1)?,
            row.try_get(2)?,
            row.try_get(3)?,
            row.try_get(4)?,
            row.try_get(5)?,
        )
        .map_err(Failure::Store)?;
        let slot = usize::try_from(position)
            .ok()
            .and_then(|p| p.checked_sub(1))
            .and_then(|p| outcomes.get_mut(p))
            .ok_or_else(|| {
                Failure::Store(StoreError(format!("randomd_charge returned position {position}")))
            })?;
        *slot = Some(outcome);
    }
    outcomes
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| Failure::Store(StoreError("randomd_charge skipped a charge".into())))
}

/// One row of `randomd_charge` as the store's answer.
fn decode(
    outcome: &str,
    required: Option<i64>,
    bits_left: Option<i64>,
    requests_left: Option<i64>,
    serial: Option<i64>,
) -> Result<Result<Charged, Refusal>, StoreError> {
    let missing = || StoreError(format!("randomd_charge returned {outcome} without its numbers"));
    Ok(match outcome {
        "charged" => Ok(Charged {
            bits_left: bits_left.ok_or_else(missing)?,
            requests_left: requests_left.ok_or_else(missing)?,
            serial,
        }),
        "no_such_key" => Err(Refusal::NoSuchKey),
        "not_running" => Err(Refusal::NotRunning),
        "out_of_requests" => Err(Refusal::OutOfRequests {
            required: required.ok_or_else(missing)?,
            left: requests_left.ok_or_else(missing)?,
        }),
        "out_of_bits" => Err(Refusal::OutOfBits {
            required: required.ok_or_else(missing)?,
            left: bits_left.ok_or_else(missing)?,
        }),
        other => {
            return Err(StoreError(format!(
                "randomd_charge returned an unknown outcome {other:?}"
            )))
        }
    })
}
