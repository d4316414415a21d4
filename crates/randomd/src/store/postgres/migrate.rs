//! Versioned schema migrations, applied on start in one transaction under an advisory lock, so that
//! instances starting together take turns and the second finds the work done.

use tokio_postgres::Client;

use crate::store::StoreError;

/// The migrations, in order; version N is the N-th.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/postgres/0001_init.sql"),
    include_str!("../../../migrations/postgres/0002_release4.sql"),
];

/// The advisory lock key that migrations hold (an arbitrary constant: "randomd" in ASCII).
const MIGRATION_LOCK: i64 = i64::from_be_bytes(*b"\0randomd");

/// The schema version this binary knows.
pub fn latest_version() -> i32 {
    i32::try_from(MIGRATIONS.len()).unwrap_or(i32::MAX)
}

/// Brings the schema up to date; an error if the database is at a version this binary does not know.
pub async fn run(client: &mut Client) -> Result<(), StoreError> {
    let error = |e: tokio_postgres::Error| StoreError(format!("migration failed: {}", super::describe(&e)));
    let transaction = client.transaction().await.map_err(error)?;
    transaction
        .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(error)?;
    // No "already exists, skipping" notice in every start's log.
    transaction
        .batch_execute(
            "SET LOCAL client_min_messages = warning;
             CREATE TABLE IF NOT EXISTS randomd_schema_migrations (
                 version     INTEGER PRIMARY KEY,
                 applied_at  TIMESTAMPTZ NOT NULL DEFAULT now()
             )",
        )
        .await
        .map_err(error)?;
    let version: i32 = transaction
        .query_one(
            "SELECT coalesce(max(version), 0) FROM randomd_schema_migrations",
            &[],
        )
        .await
        .and_then(|row| row.try_get(0))
        .map_err(error)?;
    if version > latest_version() {
        return Err(StoreError(format!(
            "the database is at schema version {version}, newer than this randomd knows ({}); \
             upgrade randomd or point it at another database",
            latest_version()
        )));
    }
    for (number, migration) in (1..).zip(MIGRATIONS).skip(usize::try_from(version).unwrap_or(0)) {
        transaction.batch_execute(migration).await.map_err(error)?;
        transaction
            .execute(
                "INSERT INTO randomd_schema_migrations (version) VALUES ($1)",
                &[&number],
            )
            .await
            .map_err(error)?;
        tracing::info!(version = number, "applied PostgreSQL migration");
    }
    transaction.commit().await.map_err(error)
}
