//! `randomd`: run the service, or manage its API keys and signing key from the command line.

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use randomd::clock::{self, Clock, SystemClock};
use randomd::config::{ServeArgs, Settings, StorageArgs};
use randomd::store::{KeyRecord, KeyStatus, Store};
use tracing_subscriber::EnvFilter;

/// A true random number service speaking the RANDOM.ORG JSON-RPC Release 1 API.
///
/// Without a command, `randomd` serves. Settings come from flags, then environment variables, then
/// the --config file, then built-in defaults.
#[derive(Debug, Parser)]
#[command(
    version,
    after_help = "Examples:
  randomd                                   serve on 127.0.0.1:8080 with ./randomd-data
  randomd serve --listen 0.0.0.0:8080 --entropy rdseed
  randomd --tls-cert cert.pem --tls-key key.pem   HTTPS (and HTTP/2); `kill -HUP` re-reads both files
  randomd --config randomd.example.toml     every setting, with its default and what it does
  randomd keys create --name alice --bits 250000 --requests 1000
  randomd keys set 3 --bits 500000          change a key's daily allowances
  randomd keys list --json
  randomd keys pause 3
  randomd --database postgres://randomd@db:5432/randomd serve   share one PostgreSQL between instances
  randomd pubkey > randomd.pub.pem"
)]
struct Cli {
    #[command(flatten)]
    storage: StorageArgs,
    /// Log lines as JSON objects (one per line) or as text; which lines is RUST_LOG's filter
    /// (e.g. `info`, `randomd=debug,jrpc=info`) [default: text]
    #[arg(
        long,
        global = true,
        env = "RANDOMD_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    log_format: LogFormat,
    /// The serve flags, also accepted without the `serve` word (`randomd --listen ADDR`).
    #[command(flatten)]
    serve: ServeArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API over HTTP (the default command).
    Serve(ServeArgs),
    /// Manage API keys, directly in the database (never over the network).
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Print the public signing key (PEM), to verify signed results offline.
    Pubkey,
}

#[derive(Debug, Subcommand)]
enum KeysAction {
    /// Create a key and print it (it is shown only this once).
    Create {
        /// A name to recognise the key by.
        #[arg(long, default_value = "")]
        name: String,
        /// Daily bit allowance.
        #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(i64).range(0..))]
        bits: i64,
        /// Daily request allowance.
        #[arg(long, default_value_t = 200_000, value_parser = clap::value_parser!(i64).range(0..))]
        requests: i64,
    },
    /// List keys with today's usage.
    List {
        /// One JSON array of keys (id, name, status, allowances, today's usage, totals).
        #[arg(long)]
        json: bool,
    },
    /// Change a key's daily allowances (from its next call on; today's usage stays).
    Set {
        /// The key's id, or the key itself.
        key: String,
        /// Daily bit allowance.
        #[arg(long, value_parser = clap::value_parser!(i64).range(0..))]
        bits: Option<i64>,
        /// Daily request allowance.
        #[arg(long, value_parser = clap::value_parser!(i64).range(0..))]
        requests: Option<i64>,
    },
    /// Show one key (by id or by the key itself).
    Show { key: String },
    /// Pause a key (error 401 until started again).
    Pause { key: String },
    /// Stop a key (error 401 until started again).
    Stop { key: String },
    /// Start (resume) a key.
    Start { key: String },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let logs = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().with_current_span(true).with_span_list(false).init(),
    }
    let outcome = match cli.command {
        None => serve(&cli.storage, &cli.serve).await,
        Some(Command::Serve(args)) => serve(&cli.storage, &args).await,
        Some(Command::Keys { action }) => keys(&cli.storage, action).await,
        Some(Command::Pubkey) => pubkey(&cli.storage).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Config(message)) => {
            eprintln!("randomd: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Runtime(message)) => {
            eprintln!("randomd: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Why a command failed: a setting (exit status 2, nothing was started) or anything else (1).
enum Failure {
    Config(String),
    Runtime(String),
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure::Runtime(message)
    }
}

async fn serve(storage: &StorageArgs, args: &ServeArgs) -> Result<(), Failure> {
    let settings = Settings::resolve(storage, args).map_err(Failure::Config)?;
    if let Some(tls) = &settings.tls {
        tls.check().map_err(|e| Failure::Config(format!("TLS: {e}")))?;
    }
    let running = randomd::start(&settings, Arc::new(SystemClock)).await?;
    let scheme = if settings.tls.is_some() { "https" } else { "http" };
    let url = format!("{scheme}://{}{}", running.http.local_addr(), randomd::RPC_PATH);
    // Scripts read the URL at the end of this first line: keep its shape.
    println!("randomd: RANDOM.ORG Release 1 API on {url}");
    println!(
        "  releases 2, 4: {scheme}://{addr}/json-rpc/2/invoke, {scheme}://{addr}/json-rpc/4/invoke",
        addr = running.http.local_addr()
    );
    println!(
        "  web page:     {scheme}://{}/ (and /playground)",
        running.http.local_addr()
    );
    match &running.admin {
        Some(admin) => println!(
            "  admin:        http://{}/metrics, /healthz, /readyz",
            admin.local_addr()
        ),
        None => println!("  admin:        off"),
    }
    println!("  entropy:      {}", running.app.entropy.source_name());
    println!("  database:     {}", settings.database);
    let generated = if running.generated_signing_key {
        " (generated now)"
    } else {
        ""
    };
    println!(
        "  signing key:  {}{generated}; `randomd pubkey` prints the public half",
        settings.signing_key.display()
    );
    let example_key = match &running.new_development_key {
        Some(key) => {
            println!("  development API key (created now, shown only this once): {key}");
            key.clone()
        }
        None => {
            println!("  API keys:     `randomd keys list`; create one with `randomd keys create`");
            "YOUR-API-KEY".to_owned()
        }
    };
    println!(
        "try:\n  curl -s {url} -H 'Content-Type: application/json-rpc' -d \
         '{{\"jsonrpc\":\"2.0\",\"method\":\"generateIntegers\",\"params\":{{\"apiKey\":\"{example_key}\",\
         \"n\":6,\"min\":1,\"max\":6}},\"id\":1}}'"
    );
    #[cfg(unix)]
    if let Some(reloader) = running.http.tls_reloader() {
        tokio::spawn(reload_on_hangup(reloader));
    }
    jrpc::transport::shutdown_signal().await;
    tracing::info!("shutting down: finishing calls in flight");
    running.http.shutdown().await;
    if let Some(admin) = running.admin {
        admin.shutdown().await;
    }
    Ok(())
}

/// Re-reads the certificate and key on every SIGHUP; a broken file leaves the old ones in use.
#[cfg(unix)]
async fn reload_on_hangup(reloader: jrpc::transport::TlsReloader) {
    let Ok(mut hangups) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
        tracing::warn!("cannot watch SIGHUP: the TLS certificate is read only at start");
        return;
    };
    while hangups.recv().await.is_some() {
        match reloader.reload() {
            Ok(()) => tracing::info!("SIGHUP: re-read the TLS certificate and key"),
            Err(error) => tracing::error!(%error, "SIGHUP: the TLS certificate and key stay as they were"),
        }
    }
}

async fn open_store(storage: &StorageArgs) -> Result<Arc<dyn Store>, Failure> {
    let settings = Settings::resolve(storage, &ServeArgs::default()).map_err(Failure::Config)?;
    let options = randomd::store::OpenOptions {
        connections: 1,
        ..settings.open_options()
    };
    Ok(settings.database.open(options).await.map_err(|e| e.to_string())?)
}

async fn keys(storage: &StorageArgs, action: KeysAction) -> Result<(), Failure> {
    let store = open_store(storage).await?;
    let store = store.as_ref();
    let clock = SystemClock;
    let day = clock::day_of(clock.now());
    match action {
        KeysAction::Create { name, bits, requests } => {
            let api_key = randomd::keys::new_api_key().map_err(|e| e.to_string())?;
            let record = randomd::new_key_record(&api_key, &name, bits, requests, &clock);
            let id = store.create_key(record).await.map_err(|e| e.to_string())?;
            println!("{api_key}");
            eprintln!("created key {id}: {bits} bits and {requests} requests a day; the key is shown only this once");
        }
        KeysAction::List { json: true } => {
            let keys = store.list_keys(day).await.map_err(|e| e.to_string())?;
            let list: Vec<serde_json::Value> = keys.iter().map(key_json).collect();
            println!("{}", serde_json::Value::Array(list));
        }
        KeysAction::Set { key, bits, requests } => {
            if bits.is_none() && requests.is_none() {
                return Err(Failure::Config(
                    "keys set: give --bits, --requests or both".into(),
                ));
            }
            let record = find(store, &key, day).await?;
            let bits = bits.unwrap_or(record.daily_bits);
            let requests = requests.unwrap_or(record.daily_requests);
            store
                .set_allowances(record.id, bits, requests)
                .await
                .map_err(|e| e.to_string())?;
            println!("key {}: {bits} bits and {requests} requests a day", record.id);
        }
        KeysAction::List { json: false } => {
            let keys = store.list_keys(day).await.map_err(|e| e.to_string())?;
            println!(
                "{:>4}  {:<9} {:<8} {:<16} {:>21} {:>17} {:>8}  created",
                "id", "key", "status", "name", "bits left/daily", "requests left", "serial"
            );
            for key in keys {
                println!(
                    "{:>4}  {:<9} {:<8} {:<16} {:>21} {:>17} {:>8}  {}",
                    key.id,
                    format!("{}…", key.key_prefix),
                    key.status.as_str(),
                    key.name,
                    format!("{}/{}", key.bits_left(), key.daily_bits),
                    format!("{}/{}", key.requests_left(), key.daily_requests),
                    key.last_serial,
                    created(&key)
                );
            }
        }
        KeysAction::Show { key } => {
            let record = find(store, &key, day).await?;
            println!("id:             {}", record.id);
            println!("key:            {}… (stored hashed)", record.key_prefix);
            println!("name:           {}", record.name);
            println!("status:         {}", record.status.as_str());
            println!("created:        {}", created(&record));
            println!(
                "bits left:      {} of {} today",
                record.bits_left(),
                record.daily_bits
            );
            println!(
                "requests left:  {} of {} today",
                record.requests_left(),
                record.daily_requests
            );
            println!("total bits:     {}", record.total_bits);
            println!("total requests: {}", record.total_requests);
            println!("last serial:    {}", record.last_serial);
            println!("hashedApiKey:   {}", record.hashed_api_key);
        }
        KeysAction::Pause { key } => set_status(store, &key, day, KeyStatus::Paused).await?,
        KeysAction::Stop { key } => set_status(store, &key, day, KeyStatus::Stopped).await?,
        KeysAction::Start { key } => set_status(store, &key, day, KeyStatus::Running).await?,
    }
    Ok(())
}

/// A key as `keys list --json` shows it: never the key, only its prefix and hashes.
fn key_json(key: &KeyRecord) -> serde_json::Value {
    serde_json::json!({
        "id": key.id,
        "key_prefix": key.key_prefix,
        "hashed_api_key": key.hashed_api_key,
        "name": key.name,
        "status": key.status.as_str(),
        "created": created(key),
        "daily_bits": key.daily_bits,
        "daily_requests": key.daily_requests,
        "bits_used_today": key.bits_used,
        "requests_used_today": key.requests_used,
        "bits_left": key.bits_left(),
        "requests_left": key.requests_left(),
        "total_bits": key.total_bits,
        "total_requests": key.total_requests,
        "last_serial": key.last_serial,
    })
}

fn created(key: &KeyRecord) -> String {
    time::OffsetDateTime::from_unix_timestamp(key.created_at)
        .map(clock::format_timestamp)
        .unwrap_or_default()
}

/// A key by its id, or by the key itself.
async fn find(store: &dyn Store, key: &str, day: i64) -> Result<KeyRecord, String> {
    let found = if let Ok(id) = key.parse::<i64>() {
        store
            .list_keys(day)
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .find(|k| k.id == id)
    } else {
        store
            .find_key(randomd::keys::storage_hash(key), day)
            .await
            .map_err(|e| e.to_string())?
    };
    found.ok_or_else(|| format!("no key {key:?} (give its id from `randomd keys list`, or the key itself)"))
}

async fn set_status(store: &dyn Store, key: &str, day: i64, status: KeyStatus) -> Result<(), String> {
    let record = find(store, key, day).await?;
    store
        .set_status(record.id, status)
        .await
        .map_err(|e| e.to_string())?;
    println!("key {} is now {}", record.id, status.as_str());
    Ok(())
}

async fn pubkey(storage: &StorageArgs) -> Result<(), Failure> {
    let settings = Settings::resolve(storage, &ServeArgs::default()).map_err(Failure::Config)?;
    let path = settings.signing_key.clone();
    let (signer, generated) =
        tokio::task::spawn_blocking(move || randomd::signing::Signer::load_or_generate(&path))
            .await
            .map_err(|e| e.to_string())??;
    if generated {
        eprintln!(
            "generated a new signing key at {}",
            settings.signing_key.display()
        );
    }
    print!("{}", signer.public_key_pem());
    Ok(())
}
