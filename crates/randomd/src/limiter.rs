//! Rate limiting of calls that fail authentication (an unknown or a stopped API key), per client
//! address, so that nobody can probe keys or use the service as a free JSON parser at full speed.
//!
//! A token bucket per address (an IPv4 address, or an IPv6 /64): every failed authentication takes
//! a token; while an address has no token left, every call from it is refused at once, before its
//! key is looked at (so a limited prober learns nothing about the keys it tries). Tokens come back
//! at a steady rate. Memory is bounded: at most `max_addresses` buckets are kept; a full table
//! first drops the buckets that have refilled (they are the same as no bucket), then an arbitrary
//! one.
//!
//! The client address is the HTTP peer's; the `X-Forwarded-For` header is believed only when the
//! peer is one of the configured trusted proxies, and then its rightmost address that is not itself
//! a trusted proxy is the client. Calls that arrive without an address (not over HTTP) pass.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use jrpc::http::{ForwardedFor, RemoteAddr};
use jrpc::{Call, ErrorObject, Reply};
use serde::Deserialize;

/// Settings of the limiter (`[auth_failures]` in the settings file).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthLimit {
    /// Failed authentications an address may make in a burst; 0 turns the limiter off.
    pub burst: u32,
    /// Milliseconds for one token to come back.
    pub refill_ms: u64,
    /// The most addresses tracked at once.
    pub max_addresses: usize,
    /// Proxies whose `X-Forwarded-For` header names the client.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for AuthLimit {
    /// 20 failures in a burst, then one every 3 seconds; 65,536 addresses (a few MiB at most).
    fn default() -> Self {
        AuthLimit {
            burst: 20,
            refill_ms: 3000,
            max_addresses: 65_536,
            trusted_proxies: Vec::new(),
        }
    }
}

/// The key of a client: an IPv4 address, or the /64 of an IPv6 one (IPv4-mapped counts as IPv4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Client {
    V4(u32),
    V6(u64),
}

impl From<IpAddr> for Client {
    fn from(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Client::V4(v4.into()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Client::V4(v4.into()),
                None => Client::V6((u128::from(v6) >> 64) as u64),
            },
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// The buckets, shared by every connection.
#[derive(Debug)]
pub struct Limiter {
    settings: AuthLimit,
    buckets: Mutex<Table>,
}

#[derive(Debug, Default)]
struct Table {
    buckets: HashMap<Client, Bucket>,
    last_sweep: Option<Instant>,
}

impl Limiter {
    pub fn new(settings: AuthLimit) -> Limiter {
        Limiter {
            settings,
            buckets: Mutex::default(),
        }
    }

    fn rate(&self) -> f64 {
        1.0 / (self.settings.refill_ms.max(1) as f64 / 1000.0)
    }

    fn refilled(&self, bucket: Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        (bucket.tokens + elapsed * self.rate()).min(f64::from(self.settings.burst))
    }

    /// How long `ip` must wait, if it is limited now.
    pub fn limited(&self, ip: IpAddr, now: Instant) -> Option<Duration> {
        if self.settings.burst == 0 {
            return None;
        }
        let table = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = *table.buckets.get(&Client::from(ip))?;
        let tokens = self.refilled(bucket, now);
        (tokens < 1.0).then(|| Duration::from_secs_f64((1.0 - tokens) / self.rate()))
    }

    /// Records a failed authentication from `ip`.
    pub fn failed(&self, ip: IpAddr, now: Instant) {
        if self.settings.burst == 0 {
            return;
        }
        let client = Client::from(ip);
        let mut table = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if !table.buckets.contains_key(&client) && table.buckets.len() >= self.settings.max_addresses.max(1) {
            self.make_room(&mut table, now);
        }
        let full = f64::from(self.settings.burst);
        let bucket = table.buckets.entry(client).or_insert(Bucket {
            tokens: full,
            updated: now,
        });
        let tokens = self.refilled(*bucket, now);
        *bucket = Bucket {
            tokens: (tokens - 1.0).max(0.0),
            updated: now,
        };
    }

    /// Drops refilled buckets (at most once a second: the sweep visits them all), then, if the
    /// table is still full, an arbitrary one.
    fn make_room(&self, table: &mut Table, now: Instant) {
        let due = table.last_sweep.map_or(true, |last| {
            now.saturating_duration_since(last) >= Duration::from_secs(1)
        });
        if due {
            table.last_sweep = Some(now);
            let full = f64::from(self.settings.burst);
            let buckets = std::mem::take(&mut table.buckets);
            table.buckets = buckets
                .into_iter()
                .filter(|(_, bucket)| self.refilled(*bucket, now) < full)
                .collect();
        }
        if table.buckets.len() >= self.settings.max_addresses.max(1) {
            if let Some(victim) = table.buckets.keys().next().copied() {
                table.buckets.remove(&victim);
            }
        }
    }

    /// Addresses tracked now.
    pub fn tracked(&self) -> usize {
        self.buckets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .buckets
            .len()
    }

    /// The client a call came from: the HTTP peer, or what a trusted proxy says it forwarded.
    pub fn client_of(&self, call: &Call) -> Option<IpAddr> {
        let RemoteAddr(remote) = call.extensions().get::<RemoteAddr>()?;
        let peer = remote.ip();
        if !self.is_trusted(peer) {
            return Some(peer);
        }
        let Some(ForwardedFor(header)) = call.extensions().get::<ForwardedFor>() else {
            return Some(peer);
        };
        let forwarded = header.to_str().ok()?;
        let mut client = peer;
        for hop in forwarded.rsplit(',') {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                // A malformed entry: trust nothing further left of it.
                break;
            };
            client = ip;
            if !self.is_trusted(ip) {
                break;
            }
        }
        Some(client)
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        self.settings.trusted_proxies.contains(&ip)
    }
}

/// The tower layer: `refusal` builds the error for a limited client from the wait, and a reply
/// with one of `auth_codes` counts as a failed authentication.
#[derive(Clone)]
pub struct AuthLimitLayer {
    limiter: Arc<Limiter>,
    refusal: fn(Duration) -> ErrorObject,
    auth_codes: &'static [i64],
}

impl std::fmt::Debug for AuthLimitLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthLimitLayer")
            .field("limiter", &self.limiter)
            .field("auth_codes", &self.auth_codes)
            .finish()
    }
}

impl AuthLimitLayer {
    pub fn new(
        limiter: Arc<Limiter>,
        refusal: fn(Duration) -> ErrorObject,
        auth_codes: &'static [i64],
    ) -> Self {
        AuthLimitLayer {
            limiter,
            refusal,
            auth_codes,
        }
    }
}

impl<S> tower::Layer<S> for AuthLimitLayer {
    type Service = AuthLimitService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthLimitService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service [`AuthLimitLayer`] builds.
#[derive(Clone, Debug)]
pub struct AuthLimitService<S> {
    inner: S,
    layer: AuthLimitLayer,
}

type BoxedReply<E> = Pin<Box<dyn Future<Output = Result<Option<Reply>, E>> + Send>>;

impl<S> tower::Service<Call> for AuthLimitService<S>
where
    S: tower::Service<Call, Response = Option<Reply>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Option<Reply>;
    type Error = S::Error;
    type Future = BoxedReply<S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, call: Call) -> Self::Future {
        let limiter = &self.layer.limiter;
        let Some(client) = limiter.client_of(&call) else {
            return Box::pin(self.inner.call(call));
        };
        if let Some(wait) = limiter.limited(client, Instant::now()) {
            tracing::debug!(%client, ?wait, "refused a call: too many failed authentications");
            let reply = call.reply_error(&(self.layer.refusal)(wait));
            return Box::pin(std::future::ready(Ok(reply)));
        }
        let limiter = Arc::clone(limiter);
        let auth_codes = self.layer.auth_codes;
        let answer = self.inner.call(call);
        Box::pin(async move {
            let reply = answer.await?;
            if let Some(code) = reply.as_ref().and_then(Reply::error_code) {
                if auth_codes.contains(&code) {
                    limiter.failed(client, Instant::now());
                }
            }
            Ok(reply)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(burst: u32, refill_ms: u64, max_addresses: usize) -> Limiter {
        Limiter::new(AuthLimit {
            burst,
            refill_ms,
            max_addresses,
            trusted_proxies: vec!["10.0.0.1".parse().unwrap()],
        })
    }

    #[test]
    fn a_burst_then_a_steady_rate() {
        let limiter = limiter(3, 1000, 16);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.limited(ip, t0), None);
            limiter.failed(ip, t0);
        }
        let wait = limiter.limited(ip, t0).expect("limited after the burst");
        assert!(
            wait <= Duration::from_secs(1) && wait > Duration::from_millis(900),
            "{wait:?}"
        );
        assert_eq!(
            limiter.limited("192.0.2.2".parse().unwrap(), t0),
            None,
            "others are not limited"
        );
        assert_eq!(
            limiter.limited(ip, t0 + Duration::from_millis(1001)),
            None,
            "one token back"
        );
    }

    #[test]
    fn an_ipv6_64_is_one_client() {
        let limiter = limiter(1, 60_000, 16);
        let t0 = Instant::now();
        limiter.failed("2001:db8::1".parse().unwrap(), t0);
        assert!(limiter.limited("2001:db8::ffff".parse().unwrap(), t0).is_some());
        assert!(limiter.limited("2001:db8:0:1::1".parse().unwrap(), t0).is_none());
    }

    #[test]
    fn memory_is_bounded() {
        let limiter = limiter(2, 60_000, 100);
        let t0 = Instant::now();
        for i in 0..10_000u32 {
            limiter.failed(IpAddr::V4(i.into()), t0);
            assert!(limiter.tracked() <= 100);
        }
        // Refilled buckets are swept first.
        let later = t0 + Duration::from_secs(3600);
        limiter.failed("198.51.100.1".parse().unwrap(), later);
        assert_eq!(limiter.tracked(), 1);
    }

    #[test]
    fn off_when_the_burst_is_zero() {
        let limiter = limiter(0, 1000, 16);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..100 {
            limiter.failed(ip, Instant::now());
        }
        assert_eq!(limiter.limited(ip, Instant::now()), None);
        assert_eq!(limiter.tracked(), 0);
    }

    fn call_from(remote: &str, forwarded: Option<&str>) -> Call {
        let mut call = Call::new("getUsage", None, Some("1")).unwrap();
        call.extensions_mut().insert(RemoteAddr(remote.parse().unwrap()));
        if let Some(forwarded) = forwarded {
            call.extensions_mut()
                .insert(ForwardedFor(http::HeaderValue::from_str(forwarded).unwrap()));
        }
        call
    }

    #[test]
    fn the_forwarded_header_is_believed_from_trusted_proxies_only() {
        let limiter = limiter(1, 1000, 16);
        let client = |remote, forwarded| {
            limiter
                .client_of(&call_from(remote, forwarded))
                .unwrap()
                .to_string()
        };
        assert_eq!(client("192.0.2.9:1", Some("203.0.113.5")), "192.0.2.9");
        assert_eq!(client("10.0.0.1:1", None), "10.0.0.1");
        assert_eq!(client("10.0.0.1:1", Some("203.0.113.5")), "203.0.113.5");
        // The client may write its own entries on the left: the rightmost untrusted one counts.
        assert_eq!(
            client("10.0.0.1:1", Some("1.1.1.1, 203.0.113.5, 10.0.0.1")),
            "203.0.113.5"
        );
        assert_eq!(client("[::ffff:10.0.0.1]:1", Some("203.0.113.5")), "203.0.113.5");
        assert_eq!(client("10.0.0.1:1", Some("junk, 203.0.113.5")), "203.0.113.5");
        assert_eq!(client("10.0.0.1:1", Some("203.0.113.5, junk")), "10.0.0.1");
    }
}
