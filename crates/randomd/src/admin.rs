//! The admin listener: `/metrics` (Prometheus), `/healthz` (the process answers) and `/readyz`
//! (the store answers and the entropy source is healthy), on an address of its own, never the
//! public one unless the operator gives the same address, which binding then refuses.

use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::clock::day_of;
use crate::keys;
use crate::store::Store;

/// How long `/readyz` waits for the store before it answers not ready.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// Renders every metric in the text exposition format.
pub type Render = Arc<dyn Fn() -> String + Send + Sync>;

/// A running admin listener.
pub struct Admin {
    local_addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl fmt::Debug for Admin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Admin")
            .field("local_addr", &self.local_addr)
            .finish()
    }
}

struct State {
    app: Arc<App>,
    render: Render,
    /// The entropy source's count at the last scrape, to move the counter by the difference.
    drawn_reported: Mutex<u64>,
}

impl Admin {
    /// Binds `addr` and serves the admin endpoints for `app`.
    pub async fn bind(addr: SocketAddr, app: Arc<App>, render: Render) -> Result<Admin, String> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr} (admin): {e}"))?;
        let local_addr = listener.local_addr().map_err(|e| e.to_string())?;
        let state = Arc::new(State {
            app,
            render,
            drawn_reported: Mutex::new(0),
        });
        let (shutdown, mut stop) = watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                let (stream, _) = tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok(accepted) => accepted,
                        Err(error) => {
                            tracing::warn!(%error, "admin accept failed");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    },
                    _ = stop.changed() => return,
                };
                let state = Arc::clone(&state);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let state = Arc::clone(&state);
                        async move { Ok::<_, Infallible>(answer(&state, request).await) }
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Admin {
            local_addr,
            shutdown,
            task,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops listening.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }
}

fn text(status: StatusCode, content_type: &'static str, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(content_type),
    );
    response
}

async fn answer(state: &State, request: Request<Incoming>) -> Response<Full<Bytes>> {
    const PLAIN: &str = "text/plain; charset=utf-8";
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return text(StatusCode::METHOD_NOT_ALLOWED, PLAIN, "GET only\n".into());
    }
    match request.uri().path() {
        "/healthz" => text(StatusCode::OK, PLAIN, "ok\n".into()),
        "/readyz" => match readiness(&state.app).await {
            Ok(()) => text(StatusCode::OK, PLAIN, "ready\n".into()),
            Err(reason) => {
                tracing::warn!(%reason, "not ready");
                text(
                    StatusCode::SERVICE_UNAVAILABLE,
                    PLAIN,
                    format!("not ready: {reason}\n"),
                )
            }
        },
        "/metrics" => {
            refresh(state).await;
            text(
                StatusCode::OK,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
                (state.render)(),
            )
        }
        _ => text(
            StatusCode::NOT_FOUND,
            PLAIN,
            "not found: /metrics, /healthz, /readyz\n".into(),
        ),
    }
}

/// Ready when the store answers a lookup and the entropy source yields bytes that pass the
/// health tests. A failed health test latches (the service answers 101 until restarted), so
/// readiness comes back after a database outage, not after an entropy failure.
async fn readiness(app: &App) -> Result<(), String> {
    let mut probe = [0u8; 16];
    app.entropy
        .fill(&mut probe)
        .map_err(|e| format!("entropy: {e}"))?;
    let day = day_of(app.clock.now());
    let lookup = app
        .store
        .find_key(keys::storage_hash("randomd readiness probe"), day);
    match tokio::time::timeout(READY_TIMEOUT, lookup).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(error)) => Err(format!("database: {error}")),
        Err(_) => Err(format!("database: no answer within {READY_TIMEOUT:?}")),
    }
}

/// Updates the metrics read at scrape time: entropy drawn and health, keys active today.
async fn refresh(state: &State) {
    let telemetry = &state.app.telemetry;
    let drawn = state.app.entropy.bytes_drawn();
    {
        let mut reported = state
            .drawn_reported
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        telemetry
            .entropy_bytes_drawn
            .inc_by(drawn.saturating_sub(*reported));
        *reported = drawn.max(*reported);
    }
    telemetry
        .entropy_healthy
        .set(i64::from(state.app.entropy.is_healthy()));
    let store: &dyn Store = state.app.store.as_ref();
    let day = day_of(state.app.clock.now());
    if let Ok(Ok(keys)) = tokio::time::timeout(READY_TIMEOUT, store.list_keys(day)).await {
        let active = keys.iter().filter(|key| key.requests_used > 0).count();
        telemetry
            .keys_active_today
            .set(i64::try_from(active).unwrap_or(i64::MAX));
    }
}
