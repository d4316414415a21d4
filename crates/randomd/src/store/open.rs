//! Which store one setting names, and opening it: a `postgres://` or `postgresql://` URL picks the
//! shared PostgreSQL store; anything else is the path of a SQLite file (the default).

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use super::{Durability, PostgresStore, PostgresUrl, SqliteStore, Store, StoreError};

/// Where the state lives.
#[derive(Debug, Clone)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(Box<PostgresUrl>),
}

/// How to open the store; each backend uses what applies to it.
#[derive(Debug, Clone, Copy)]
pub struct OpenOptions {
    /// SQLite only; PostgreSQL's durability is the server's (`synchronous_commit`).
    pub durability: Durability,
    /// PostgreSQL only: the most connections one instance holds.
    pub connections: usize,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            durability: Durability::default(),
            connections: 16,
        }
    }
}

impl Database {
    /// Reads the `--database` setting: a URL or a file path.
    pub fn parse(text: &str) -> Result<Database, String> {
        if PostgresUrl::is_postgres(text) {
            return PostgresUrl::parse(text).map(|url| Database::Postgres(Box::new(url)));
        }
        if let Some((scheme, _)) = text.split_once("://") {
            return Err(format!(
                "unsupported database URL scheme {scheme:?}: give a SQLite file path or a postgres:// URL"
            ));
        }
        if text.is_empty() {
            return Err("the database setting is empty: give a SQLite file path or a postgres:// URL".into());
        }
        Ok(Database::Sqlite(PathBuf::from(text)))
    }

    /// Opens the store, applying pending migrations. Inside a tokio runtime.
    pub async fn open(&self, options: OpenOptions) -> Result<Arc<dyn Store>, StoreError> {
        Ok(match self {
            Database::Sqlite(path) => Arc::new(SqliteStore::open_with(path, options.durability)?),
            Database::Postgres(url) => Arc::new(PostgresStore::open(url, options.connections).await?),
        })
    }
}

impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(path) => write!(f, "{} (SQLite)", path.display()),
            Database::Postgres(url) => write!(f, "{url} (PostgreSQL)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn one_setting_picks_the_backend() {
        assert!(
            matches!(Database::parse("data/r.sqlite3"), Ok(Database::Sqlite(p)) if p == Path::new("data/r.sqlite3"))
        );
        assert!(matches!(
            Database::parse("postgres://postgres@127.0.0.1:5432/randomd"),
            Ok(Database::Postgres(_))
        ));
        assert!(matches!(
            Database::parse("postgresql://127.0.0.1/randomd"),
            Ok(Database::Postgres(_))
        ));
        for (text, expected) in [
            ("mysql://127.0.0.1/randomd", "unsupported database URL scheme"),
            ("postgres://u@h:99999/d", "malformed"),
            ("", "empty"),
        ] {
            let error = Database::parse(text).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
