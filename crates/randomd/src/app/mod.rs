//! The service's logic: authenticate, check the quota, draw, bill, sign. Transport-free and
//! protocol-free: it takes validated domain requests and returns domain results or an [`AppError`].
//!
//! Order matters: values are drawn only for a running key that has the allowance; the bill (and a
//! signed result's serial number) is committed before [`App::generate`] returns, so nothing can be
//! signed or sent without its accounting.

mod error;

use std::sync::Arc;

use time::OffsetDateTime;

pub use self::error::AppError;
use crate::clock::{day_of, Clock};
use crate::domain::{Generate, Kind, RandomStream, Values};
use crate::entropy::{Entropy, EntropyError};
use crate::keys::{self, KeyHash};
use crate::quota::{CachedKey, Charge, Charged, KeyCache, Refusal};
use crate::signing::Signer;
use crate::store::{KeyRecord, KeyStatus, Store, StoreError};
use crate::telemetry::Telemetry;

/// The JSON-RPC method a generation request came through, as a metric's label (from a fixed set).
fn method_name(kind: Kind, signed: bool) -> &'static str {
    match (kind, signed) {
        (Kind::Integers, false) => "generateIntegers",
        (Kind::Integers, true) => "generateSignedIntegers",
        (Kind::DecimalFractions, false) => "generateDecimalFractions",
        (Kind::DecimalFractions, true) => "generateSignedDecimalFractions",
        (Kind::Gaussians, false) => "generateGaussians",
        (Kind::Gaussians, true) => "generateSignedGaussians",
        (Kind::Strings, false) => "generateStrings",
        (Kind::Strings, true) => "generateSignedStrings",
        (Kind::Uuids, false) => "generateUUIDs",
        (Kind::Uuids, true) => "generateSignedUUIDs",
        (Kind::Blobs, false) => "generateBlobs",
        (Kind::Blobs, true) => "generateSignedBlobs",
    }
}

/// RANDOM.ORG's code of a refusal, as a metric's label.
fn refusal_code(refusal: &Refusal) -> &'static str {
    match refusal {
        Refusal::NoSuchKey => "400",
        Refusal::NotRunning => "401",
        Refusal::OutOfRequests { .. } => "402",
        Refusal::OutOfBits { .. } => "403",
    }
}

/// Requests that draw more bits than this are generated on the blocking pool.
const INLINE_BITS: i64 = 64 * 1024;

/// Everything a request needs.
pub struct App {
    pub store: Arc<dyn Store>,
    pub entropy: Arc<Entropy>,
    pub signer: Arc<Signer>,
    pub clock: Arc<dyn Clock>,
    /// Milliseconds a client should wait before its next request.
    pub advisory_delay_ms: u64,
    /// Keys as last seen, so that a busy key's calls skip the store's lookup.
    pub keys: KeyCache,
    /// What the admin listener's `/metrics` reports of the service's own work.
    pub telemetry: Arc<Telemetry>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("entropy", &self.entropy)
            .field("signer", &self.signer)
            .finish()
    }
}

/// A request served and billed.
#[derive(Debug, Clone)]
pub struct Generated {
    pub values: Values,
    /// The bits billed.
    pub bits: i64,
    /// What the key has left, and the serial number if the request was signed.
    pub charged: Charged,
    /// The key's published hash, for signed results.
    pub hashed_api_key: Arc<str>,
    /// When the bill was committed.
    pub completed: OffsetDateTime,
}

/// A key's status and allowances, as `getUsage` reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    pub status: KeyStatus,
    pub created: OffsetDateTime,
    pub bits_left: i64,
    pub requests_left: i64,
    pub total_bits: i64,
    pub total_requests: i64,
}

fn store_failed(error: StoreError) -> AppError {
    tracing::error!(%error, "store unavailable");
    AppError::Unavailable
}

fn no_entropy(error: EntropyError) -> AppError {
    tracing::error!(%error, "no entropy");
    AppError::Unavailable
}

fn task_failed(error: tokio::task::JoinError) -> AppError {
    AppError::Internal(error.to_string())
}

impl App {
    /// Serves `request` for `api_key`: draws its values and bills them (taking a serial number if
    /// `signed`). The values exist only once the bill is committed.
    pub async fn generate(
        &self,
        api_key: &str,
        request: &Generate,
        signed: bool,
    ) -> Result<Generated, AppError> {
        let generated = self.generate_unrecorded(api_key, request, signed).await;
        match &generated {
            Ok(done) => self
                .telemetry
                .billed(method_name(request.kind(), signed), done.bits),
            Err(AppError::Refused(refusal)) => self.telemetry.refused(refusal_code(refusal)),
            Err(_) => {}
        }
        generated
    }

    async fn generate_unrecorded(
        &self,
        api_key: &str,
        request: &Generate,
        signed: bool,
    ) -> Result<Generated, AppError> {
        let bits = request.bits();
        let day = day_of(self.clock.now());
        let hash = keys::storage_hash(api_key);
        let key = self.spendable_key(&hash, day, bits).await?;

        let values = self.draw(request, bits).await?;
        let started = std::time::Instant::now();
        let outcome = self
            .store
            .charge(Charge {
                key_id: key.id,
                day,
                bits,
                signed,
            })
            .await
            .map_err(store_failed)?;
        self.telemetry
            .commit_seconds
            .observe(started.elapsed().as_secs_f64());
        self.keys.charged(&hash, day, outcome.as_ref());
        let charged = outcome?;
        Ok(Generated {
            values,
            bits,
            charged,
            hashed_api_key: key.hashed_api_key,
            completed: self.clock.now(),
        })
    }

    /// The base64 signature of `message` (compact JSON of a `random` object), made on the
    /// blocking pool: RSA-4096 takes milliseconds.
    pub async fn sign(&self, message: Vec<u8>) -> Result<String, AppError> {
        let signer = Arc::clone(&self.signer);
        let telemetry = Arc::clone(&self.telemetry);
        tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            let signature = signer.sign(&message);
            telemetry.signing_seconds.observe(started.elapsed().as_secs_f64());
            signature
        })
        .await
        .map_err(task_failed)?
        .map_err(AppError::Internal)
    }

    /// True if `signature` (base64) is this service's signature of `message`.
    pub fn verify(&self, message: &[u8], signature: &str) -> bool {
        self.signer.verify(message, signature)
    }

    /// The key's status and allowances; served whatever the status, and not billed.
    pub async fn usage(&self, api_key: &str) -> Result<Usage, AppError> {
        let key = self
            .find_key(&keys::storage_hash(api_key), day_of(self.clock.now()))
            .await?;
        Ok(Usage {
            status: key.status,
            created: OffsetDateTime::from_unix_timestamp(key.created_at)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
            bits_left: key.bits_left(),
            requests_left: key.requests_left(),
            total_bits: key.total_bits,
            total_requests: key.total_requests,
        })
    }

    async fn find_key(&self, hash: &KeyHash, day: i64) -> Result<KeyRecord, AppError> {
        match self.store.find_key(*hash, day).await {
            Ok(Some(key)) if keys::hashes_match(&key.key_hash, hash) => Ok(key),
            Ok(_) => Err(Refusal::NoSuchKey.into()),
            Err(error) => Err(store_failed(error)),
        }
    }

    /// The key, if it is running and has `bits` and a request left on `day`: from the cache when it
    /// last saw the key so, else from the store. The charge is the binding check either way.
    async fn spendable_key(&self, hash: &KeyHash, day: i64, bits: i64) -> Result<CachedKey, AppError> {
        if let Some(key) = self.keys.ready_to_spend(hash, day, bits) {
            return Ok(key);
        }
        let record = self.find_key(hash, day).await?;
        let key = CachedKey::new(
            record.id,
            record.hashed_api_key.as_str().into(),
            day,
            record.allowance(),
        );
        self.keys.remember(hash, key.clone());
        key.allowance().check(bits)?;
        Ok(key)
    }

    async fn draw(&self, request: &Generate, bits: i64) -> Result<Values, AppError> {
        if bits <= INLINE_BITS {
            return request
                .draw(&mut RandomStream::new(&self.entropy))
                .map_err(no_entropy);
        }
        let entropy = Arc::clone(&self.entropy);
        let request = request.clone();
        tokio::task::spawn_blocking(move || request.draw(&mut RandomStream::new(&entropy)))
            .await
            .map_err(task_failed)?
            .map_err(no_entropy)
    }
}
