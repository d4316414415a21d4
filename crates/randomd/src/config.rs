//! Settings: built-in defaults, overridden by an optional TOML file, then environment variables,
//! then command-line flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use jrpc::transport::TlsFiles;
use serde::Deserialize;

use crate::entropy::SourceKind;
use crate::limiter::AuthLimit;
use crate::store::{Database, Durability, OpenOptions};

/// Connections one client address may hold at once, by default: enough for browsers and pooled
/// clients behind one NAT, a sixteenth of the 1,024 connections served at once.
pub const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS: usize = 64;

/// Flags (and their environment variables) shared by every command.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct StorageArgs {
    /// A TOML file of settings (every key, with its default: deploy/randomd.example.toml).
    #[arg(long, global = true, env = "RANDOMD_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Directory for the database and the signing key [default: ./randomd-data]
    #[arg(long, global = true, env = "RANDOMD_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// SQLite database file, or a postgres://user@host:port/dbname URL to share one PostgreSQL
    /// database between several instances [default: DATA_DIR/randomd.sqlite3]
    #[arg(
        long,
        global = true,
        env = "RANDOMD_DATABASE",
        value_name = "FILE|URL",
        hide_env_values = true
    )]
    pub database: Option<String>,
    /// PKCS#8 RSA private key (PEM or DER); generated (4096 bits) if missing [default: DATA_DIR/signing-key.pem]
    #[arg(long, global = true, env = "RANDOMD_SIGNING_KEY", value_name = "FILE")]
    pub signing_key: Option<PathBuf>,
}

/// Flags (and their environment variables) of the server.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeArgs {
    /// Address and port to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "RANDOMD_LISTEN", value_name = "ADDR:PORT")]
    pub listen: Option<SocketAddr>,
    /// Entropy source [default: os]
    #[arg(long, env = "RANDOMD_ENTROPY", value_enum)]
    pub entropy: Option<SourceKind>,
    /// Daily bit allowance of keys created by the server (the development key) [default: 1000000]
    #[arg(long, env = "RANDOMD_DAILY_BITS", value_name = "BITS")]
    pub daily_bits: Option<i64>,
    /// Daily request allowance of keys created by the server [default: 200000]
    #[arg(long, env = "RANDOMD_DAILY_REQUESTS", value_name = "REQUESTS")]
    pub daily_requests: Option<i64>,
    /// advisoryDelay sent with every result, in milliseconds [default: 0]
    #[arg(long, env = "RANDOMD_ADVISORY_DELAY_MS", value_name = "MS")]
    pub advisory_delay_ms: Option<u64>,
    /// The largest request body accepted, in bytes [default: 1048576]
    #[arg(long, env = "RANDOMD_MAX_REQUEST_BYTES", value_name = "BYTES")]
    pub max_request_bytes: Option<usize>,
    /// What billed usage survives before an answer is sent, with SQLite; with PostgreSQL it is the
    /// server's `synchronous_commit` [default: power-loss]
    #[arg(long, env = "RANDOMD_DURABILITY", value_enum)]
    pub durability: Option<Durability>,
    /// The most PostgreSQL connections this instance holds [default: 16]
    #[arg(long, env = "RANDOMD_DATABASE_CONNECTIONS", value_name = "N")]
    pub database_connections: Option<usize>,
    /// The most connections served at once from one client address (one IPv4 address or one IPv6
    /// /64); 0 turns the limit off, as behind a reverse proxy whose connections all come from one
    /// address [default: 64]
    #[arg(long, env = "RANDOMD_MAX_CONNECTIONS_PER_ADDRESS", value_name = "N")]
    pub max_connections_per_address: Option<usize>,
    /// Address of the admin listener (/metrics, /healthz, /readyz), or `off`; keep it off the
    /// public network [default: 127.0.0.1:9090]
    #[arg(long, env = "RANDOMD_ADMIN_LISTEN", value_name = "ADDR:PORT|off")]
    pub admin_listen: Option<String>,
    /// Reverse proxies whose X-Forwarded-For header names the client, for the limit on calls with
    /// unknown or stopped keys (comma-separated addresses; also `[auth_failures] trusted_proxies`)
    #[arg(
        long,
        env = "RANDOMD_TRUSTED_PROXIES",
        value_name = "ADDR,...",
        value_delimiter = ','
    )]
    pub trusted_proxies: Option<Vec<std::net::IpAddr>>,
    /// Serve HTTPS (and WSS, HTTP/2 by ALPN) with this certificate chain (PEM, leaf first); needs
    /// --tls-key. Both files are read again on SIGHUP, for connections made from then on
    #[arg(long, env = "RANDOMD_TLS_CERT", value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM: PKCS#8, PKCS#1 or SEC1)
    #[arg(long, env = "RANDOMD_TLS_KEY", value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// Serve the JSON-RPC playground page at /playground (true or false) [default: true]
    #[arg(long, env = "RANDOMD_PLAYGROUND", value_name = "BOOL")]
    pub playground: Option<bool>,
}

/// The optional settings file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    database: Option<String>,
    signing_key: Option<PathBuf>,
    entropy: Option<SourceKind>,
    daily_bits: Option<i64>,
    daily_requests: Option<i64>,
    advisory_delay_ms: Option<u64>,
    max_request_bytes: Option<usize>,
    durability: Option<Durability>,
    database_connections: Option<usize>,
    max_connections_per_address: Option<usize>,
    admin_listen: Option<String>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    playground: Option<bool>,
    auth_failures: Option<AuthLimit>,
}

/// The settings in force.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub database: Database,
    pub signing_key: PathBuf,
    pub entropy: SourceKind,
    pub daily_bits: i64,
    pub daily_requests: i64,
    pub advisory_delay_ms: u64,
    pub max_request_bytes: usize,
    pub durability: Durability,
    pub database_connections: usize,
    /// Connections served at once from one client address; 0: no limit.
    pub max_connections_per_address: usize,
    /// The admin listener's address; `None`: no admin listener.
    pub admin_listen: Option<SocketAddr>,
    /// The limit on calls that fail authentication, per client address (`[auth_failures]`).
    pub auth_failures: AuthLimit,
    /// Serve the playground page at `/playground`.
    pub playground: bool,
    /// HTTPS: the certificate chain and key; `None`: plain HTTP.
    pub tls: Option<TlsFiles>,
}

/// The admin listener's address unless told otherwise.
pub const DEFAULT_ADMIN_LISTEN: &str = "127.0.0.1:9090";

/// `off`, or an address.
fn parse_admin_listen(text: &str) -> Result<Option<SocketAddr>, String> {
    if text.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| format!("admin_listen: expected ADDR:PORT or \"off\", got {text:?}"))
}

impl Settings {
    /// Resolves flags and environment (`storage`, `serve`) over the file over the defaults.
    pub fn resolve(storage: &StorageArgs, serve: &ServeArgs) -> Result<Settings, String> {
        let file = match &storage.config {
            Some(path) => read_file(path)?,
            None => FileSettings::default(),
        };
        let data_dir = storage
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("randomd-data"));
        // Parsed here rather than by clap, whose error would repeat the value, password and all.
        let database = storage
            .database
            .as_deref()
            .or(file.database.as_deref())
            .map(Database::parse)
            .transpose()
            .map_err(|e| format!("database: {e}"))?;
        let settings = Settings {
            listen: serve
                .listen
                .or(file.listen)
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
            database: database.unwrap_or_else(|| Database::Sqlite(data_dir.join("randomd.sqlite3"))),
            signing_key: storage
                .signing_key
                .clone()
                .or(file.signing_key)
                .unwrap_or_else(|| data_dir.join("signing-key.pem")),
            entropy: serve.entropy.or(file.entropy).unwrap_or(SourceKind::Os),
            daily_bits: serve.daily_bits.or(file.daily_bits).unwrap_or(1_000_000),
            daily_requests: serve.daily_requests.or(file.daily_requests).unwrap_or(200_000),
            advisory_delay_ms: serve.advisory_delay_ms.or(file.advisory_delay_ms).unwrap_or(0),
            max_request_bytes: serve
                .max_request_bytes
                .or(file.max_request_bytes)
                .unwrap_or(1 << 20),
            durability: serve.durability.or(file.durability).unwrap_or_default(),
            database_connections: serve
                .database_connections
                .or(file.database_connections)
                .unwrap_or(OpenOptions::default().connections),
            max_connections_per_address: serve
                .max_connections_per_address
                .or(file.max_connections_per_address)
                .unwrap_or(DEFAULT_MAX_CONNECTIONS_PER_ADDRESS),
            admin_listen: parse_admin_listen(
                serve
                    .admin_listen
                    .as_deref()
                    .or(file.admin_listen.as_deref())
                    .unwrap_or(DEFAULT_ADMIN_LISTEN),
            )?,
            playground: serve.playground.or(file.playground).unwrap_or(true),
            tls: match (
                serve.tls_cert.clone().or(file.tls_cert),
                serve.tls_key.clone().or(file.tls_key),
            ) {
                (Some(certificate_chain), Some(private_key)) => Some(TlsFiles {
                    certificate_chain,
                    private_key,
                }),
                (None, None) => None,
                (Some(_), None) => return Err("tls_cert is set but tls_key is not: HTTPS needs both".into()),
                (None, Some(_)) => return Err("tls_key is set but tls_cert is not: HTTPS needs both".into()),
            },
            auth_failures: {
                let mut limit = file.auth_failures.unwrap_or_default();
                if let Some(proxies) = &serve.trusted_proxies {
                    limit.trusted_proxies = proxies.clone();
                }
                limit
            },
        };
        if settings.listen.port() != 0 && settings.admin_listen == Some(settings.listen) {
            return Err(format!(
                "admin_listen and listen are both {}: the admin endpoints never share the public port",
                settings.listen
            ));
        }
        if settings.daily_bits < 0 || settings.daily_requests < 0 {
            return Err("daily allowances cannot be negative".into());
        }
        if settings.database_connections == 0 {
            return Err("database_connections must be at least 1".into());
        }
        if settings.max_request_bytes < 64 {
            return Err("max_request_bytes must be at least 64".into());
        }
        Ok(settings)
    }

    /// How to open the store.
    pub fn open_options(&self) -> OpenOptions {
        OpenOptions {
            durability: self.durability,
            connections: self.database_connections,
        }
    }
}

fn read_file(path: &Path) -> Result<FileSettings, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    // toml's own message spans several lines (a snippet of the file): keep the line, the setting
    // written on it and the reason.
    toml::from_str(&text).map_err(|e| {
        let reason = e.message().trim();
        let Some(span) = e.span() else {
            return format!("{}: {reason}", path.display());
        };
        let start = span.start.min(text.len());
        let line_start = text.as_bytes()[..start]
            .iter()
            .rposition(|&byte| byte == b'\n')
            .map_or(0, |at| at + 1);
        let number = text.as_bytes()[..line_start]
            .iter()
            .filter(|&&byte| byte == b'\n')
            .count()
            + 1;
        let line = String::from_utf8_lossy(&text.as_bytes()[line_start..]);
        let line = line.lines().next().unwrap_or_default();
        match line.split_once('=') {
            Some((key, _)) if !key.trim().is_empty() => {
                format!("{} line {number}, {}: {reason}", path.display(), key.trim())
            }
            _ => format!("{} line {number}: {reason}", path.display()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_the_file_which_beats_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("randomd.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\ndaily_bits = 5\ndata_dir = \"/srv/r\"\n",
        )
        .unwrap();
        let storage = StorageArgs {
            config: Some(file),
            ..StorageArgs::default()
        };
        let serve = ServeArgs {
            daily_bits: Some(7),
            ..ServeArgs::default()
        };
        let settings = Settings::resolve(&storage, &serve).unwrap();
        assert_eq!(settings.listen, "127.0.0.1:9000".parse().unwrap());
        assert_eq!(settings.daily_bits, 7);
        assert_eq!(settings.daily_requests, 200_000);
        assert_eq!(
            settings.max_connections_per_address,
            DEFAULT_MAX_CONNECTIONS_PER_ADDRESS
        );
        assert!(
            matches!(&settings.database, Database::Sqlite(p) if p == Path::new("/srv/r/randomd.sqlite3"))
        );
    }

    /// deploy/randomd.example.toml names every setting, each with its default.
    #[test]
    fn the_example_file_covers_every_setting_with_its_default() {
        let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/randomd.example.toml");
        let text = std::fs::read_to_string(example).unwrap();
        let file: FileSettings = toml::from_str(&text).unwrap();
        // Exhaustive: a setting added to FileSettings fails to compile here until it is listed,
        // and fails the test until the example sets it.
        let FileSettings {
            listen,
            data_dir,
            database,
            signing_key,
            entropy,
            daily_bits,
            daily_requests,
            advisory_delay_ms,
            max_request_bytes,
            durability,
            database_connections,
            max_connections_per_address,
            admin_listen,
            tls_cert,
            tls_key,
            playground,
            auth_failures,
        } = file;
        let set = [
            ("listen", listen.is_some()),
            ("data_dir", data_dir.is_some()),
            ("database", database.is_some()),
            ("signing_key", signing_key.is_some()),
            ("entropy", entropy.is_some()),
            ("daily_bits", daily_bits.is_some()),
            ("daily_requests", daily_requests.is_some()),
            ("advisory_delay_ms", advisory_delay_ms.is_some()),
            ("max_request_bytes", max_request_bytes.is_some()),
            ("durability", durability.is_some()),
            ("database_connections", database_connections.is_some()),
            (
                "max_connections_per_address",
                max_connections_per_address.is_some(),
            ),
            ("admin_listen", admin_listen.is_some()),
            ("tls_cert", tls_cert.is_some()),
            ("tls_key", tls_key.is_some()),
            ("playground", playground.is_some()),
            ("auth_failures", auth_failures.is_some()),
        ];
        for (name, is_set) in set {
            assert!(is_set, "{name} is missing from {example}");
        }
        // [auth_failures] names each of its fields too.
        let table: toml::Table = toml::from_str(&text).unwrap();
        let limiter = table["auth_failures"].as_table().unwrap();
        for field in ["burst", "refill_ms", "max_addresses", "trusted_proxies"] {
            assert!(limiter.contains_key(field), "auth_failures.{field} is missing");
        }
        // Every value is the default, TLS aside (off by default, shown on in the example).
        let from_example = Settings::resolve(
            &StorageArgs {
                config: Some(example.into()),
                ..StorageArgs::default()
            },
            &ServeArgs::default(),
        )
        .unwrap();
        assert!(from_example.tls.is_some());
        let defaults = Settings::resolve(&StorageArgs::default(), &ServeArgs::default()).unwrap();
        let without_tls = Settings {
            tls: None,
            ..from_example
        };
        assert_eq!(format!("{without_tls:?}"), format!("{defaults:?}"));
    }

    #[test]
    fn tls_needs_both_files() {
        for (cert, key, expected) in [
            (Some("c.pem"), None, "tls_key is not"),
            (None, Some("k.pem"), "tls_cert is not"),
        ] {
            let serve = ServeArgs {
                tls_cert: cert.map(PathBuf::from),
                tls_key: key.map(PathBuf::from),
                ..ServeArgs::default()
            };
            let error = Settings::resolve(&StorageArgs::default(), &serve).unwrap_err();
            assert!(error.contains(expected), "{error}");
        }
    }

    #[test]
    fn the_per_address_connection_limit_can_be_set_or_turned_off() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("randomd.toml");
        std::fs::write(&file, "max_connections_per_address = 8\n").unwrap();
        let storage = StorageArgs {
            config: Some(file),
            ..StorageArgs::default()
        };
        let settings = Settings::resolve(&storage, &ServeArgs::default()).unwrap();
        assert_eq!(settings.max_connections_per_address, 8);
        let serve = ServeArgs {
            max_connections_per_address: Some(0),
            ..ServeArgs::default()
        };
        let settings = Settings::resolve(&storage, &serve).unwrap();
        assert_eq!(settings.max_connections_per_address, 0);
    }

    #[test]
    fn bad_files_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        for (text, expected) in [
            ("listen = 5", "listen"),
            ("lisen = \"127.0.0.1:1\"", "unknown field"),
            ("daily_bits = \"many\"", "daily_bits"),
            ("not toml at all [", ""),
            ("daily_bits = -1", "negative"),
            ("database = \"postgres://u@h:port/d\"", "malformed PostgreSQL URL"),
            ("database = \"redis://h/0\"", "unsupported database URL"),
            ("database_connections = 0", "at least 1"),
            ("\n\nplayground = \"yes\"", "line 3, playground: invalid type"),
        ] {
            let file = dir.path().join("bad.toml");
            std::fs::write(&file, text).unwrap();
            let storage = StorageArgs {
                config: Some(file),
                ..StorageArgs::default()
            };
            let error = Settings::resolve(&storage, &ServeArgs::default()).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
            assert_eq!(error.lines().count(), 1, "one line: {error}");
        }
        let storage = StorageArgs {
            config: Some(dir.path().join("missing.toml")),
            ..StorageArgs::default()
        };
        assert!(Settings::resolve(&storage, &ServeArgs::default())
            .unwrap_err()
            .contains("cannot read"));
    }
}
