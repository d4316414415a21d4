//! randomd: a true random number service speaking the RANDOM.ORG JSON-RPC Release 1 API.
//!
//! Layers, each using only those below it (no module imports one that imports it back; checked by
//! `tests/layers.rs`):
//!
//! - [`api`]: the JSON-RPC API, one module per release ([`api::release1`] at [`RPC_PATH`]): params
//!   read into domain requests, result objects written from domain results, and the one mapping of
//!   domain and app errors to RANDOM.ORG's codes ([`api::errors`]).
//! - [`app`]: keys, quotas, drawing, billing and signing; takes [`domain`] requests, returns domain
//!   results or an [`app::AppError`]. No JSON-RPC.
//! - [`store`] (SQLite or PostgreSQL), over [`quota`] (the allowance rule, charges, the key cache),
//!   over [`keys`] (API keys and their hashes).
//! - [`domain`]: what a generation request is, its rules, the bits it costs and the values it
//!   yields from a [`domain::RandomStream`] over [`entropy`].
//! - Leaves: [`entropy`], [`signing`], [`clock`], [`ordered_json`]; [`config`] reads settings.
//!
//! The HTTP transport and the JSON-RPC server are jrpc's; this file wires them to the layers.

pub mod admin;
pub mod api;
pub mod app;
pub mod clock;
pub mod config;
pub mod domain;
pub mod entropy;
pub mod keys;
pub mod limiter;
pub mod ordered_json;
pub mod quota;
pub mod signing;
pub mod store;
pub mod telemetry;

use std::sync::Arc;

use jrpc::http::{HttpConfig, HttpServer, Page, Route, RouteOptions};

use crate::app::App;
use crate::clock::Clock;
use crate::config::Settings;
use crate::entropy::{Entropy, EntropySource};
use crate::signing::Signer;
use crate::store::{NewKey, Store};

/// The path Release 1's methods are called on.
pub const RPC_PATH: &str = api::release1::PATH;

/// A running service.
#[derive(Debug)]
pub struct Running {
    pub http: HttpServer,
    pub app: Arc<App>,
    /// The development key, if this start created it (it is shown once: only its hash is kept).
    pub new_development_key: Option<String>,
    /// True if this start generated the signing key.
    pub generated_signing_key: bool,
    /// The admin listener (`/metrics`, `/healthz`, `/readyz`), unless turned off.
    pub admin: Option<admin::Admin>,
    /// Every metric: jrpc's per-call ones and randomd's own.
    pub metrics: jrpc::server::metrics::Metrics,
}

/// Opens the store, the entropy source and the signing key, and starts serving.
pub async fn start(settings: &Settings, clock: Arc<dyn Clock>) -> Result<Running, String> {
    let source = settings.entropy.open().map_err(|e| e.to_string())?;
    start_with_source(settings, clock, source).await
}

/// Like [`start`], with an entropy source given by the caller (tests use broken ones).
pub async fn start_with_source(
    settings: &Settings,
    clock: Arc<dyn Clock>,
    source: Box<dyn EntropySource>,
) -> Result<Running, String> {
    let store = settings
        .database
        .open(settings.open_options())
        .await
        .map_err(|e| e.to_string())?;
    let entropy = Arc::new(Entropy::new(source));
    let signing_key = settings.signing_key.clone();
    let (signer, generated_signing_key) =
        tokio::task::spawn_blocking(move || Signer::load_or_generate(&signing_key))
            .await
            .map_err(|e| e.to_string())??;
    let new_development_key = ensure_a_key(
        store.as_ref(),
        clock.as_ref(),
        settings.daily_bits,
        settings.daily_requests,
    )
    .await?;
    let mut candidate = vec![0u8; 32];
    getrandom::fill(&mut candidate).map_err(|e| e.to_string())?;
    let secret = store
        .shared_secret(app::PREGENERATED_SECRET, candidate)
        .await
        .map_err(|e| e.to_string())?;
    let pregenerated_secret: [u8; 32] = secret
        .try_into()
        .map_err(|_| "the stored pregenerated-randomization secret is not 32 bytes".to_owned())?;
    let app = Arc::new(App {
        store,
        entropy,
        signer: Arc::new(signer),
        clock,
        advisory_delay_ms: settings.advisory_delay_ms,
        keys: Default::default(),
        telemetry: Default::default(),
        pregenerated_secret,
    });
    let metrics = jrpc::server::metrics::Metrics::new();
    metrics.register(|registry| {
        app.telemetry.register(registry);
        if let Some(sizes) = app.store.commit_group_sizes() {
            registry.register(
                "randomd_store_commit_group_size",
                "Charges carried by each database commit (group commit)",
                sizes,
            );
        }
    });
    let limits = jrpc::Limits {
        max_request_bytes: settings.max_request_bytes,
        ..jrpc::Limits::default()
    };
    let limiter = Arc::new(limiter::Limiter::new(settings.auth_failures.clone()));
    let routes = api::Release::ALL
        .into_iter()
        .map(|release| {
            let limits = jrpc::Limits {
                max_batch_len: release.max_batch_len(limits.max_batch_len),
                ..limits.clone()
            };
            let mut builder = jrpc::Server::builder()
                .layer(jrpc::server::trace::TraceLayer::new())
                .layer(metrics.layer())
                .layer(limiter::AuthLimitLayer::new(
                    Arc::clone(&limiter),
                    api::errors::too_many_failures,
                    api::errors::AUTHENTICATION_CODES,
                ))
                .limits(limits);
            if release == api::Release::One {
                builder = builder.discover(api::release1::discover());
            }
            let server = builder.build(release.methods(Arc::clone(&app)));
            let options = RouteOptions {
                media_types: release.media_types(),
            };
            Route::new(release.path(), server, options)
        })
        .collect();
    let config = HttpConfig {
        path: api::Release::One.path().to_owned(),
        pages: vec![Page {
            path: "/".to_owned(),
            content_type: "text/html; charset=utf-8",
            body: jrpc::http::Bytes::from_static(include_str!("../web/index.html").as_bytes()),
        }],
        max_connections_per_address: (settings.max_connections_per_address > 0)
            .then_some(settings.max_connections_per_address),
        tls: settings.tls.clone(),
        request_log: true,
        ..HttpConfig::default()
    };
    // The playground at /playground, pointed at Release 1 (whose rpc.discover fills its picker).
    let config = if settings.playground {
        config.with_playground()
    } else {
        config
    };
    let http = HttpServer::bind_routes(settings.listen, routes, config)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?;
    let admin = match settings.admin_listen {
        Some(addr) => {
            let render = metrics.clone();
            Some(admin::Admin::bind(addr, Arc::clone(&app), Arc::new(move || render.render())).await?)
        }
        None => None,
    };
    Ok(Running {
        http,
        app,
        new_development_key,
        generated_signing_key,
        admin,
        metrics,
    })
}

/// Creates a development key if the database has none; returns it.
async fn ensure_a_key(
    store: &dyn Store,
    clock: &dyn Clock,
    daily_bits: i64,
    daily_requests: i64,
) -> Result<Option<String>, String> {
    let api_key = keys::new_api_key().map_err(|e| e.to_string())?;
    let created = store
        .create_first_key(new_key_record(
            &api_key,
            "development",
            daily_bits,
            daily_requests,
            clock,
        ))
        .await
        .map_err(|e| e.to_string())?;
    Ok(created.map(|_| api_key))
}

/// The stored form of a new key.
pub fn new_key_record(
    api_key: &str,
    name: &str,
    daily_bits: i64,
    daily_requests: i64,
    clock: &dyn Clock,
) -> NewKey {
    NewKey {
        key_hash: keys::storage_hash(api_key),
        key_prefix: api_key[..8.min(api_key.len())].to_owned(),
        hashed_api_key: keys::published_hash(api_key),
        name: name.to_owned(),
        daily_bits,
        daily_requests,
        created_at: clock.now().unix_timestamp(),
    }
}
