//! The service's logic: authenticate, check the quota, draw, bill, sign. Transport-free and
//! protocol-free: it takes validated domain requests and returns domain results or an [`AppError`].
//!
//! Order matters: values are drawn only for a running key that has the allowance; the bill (and a
//! signed result's serial number) is committed before [`App::generate`] returns, so nothing can be
//! signed or sent without its accounting.

mod error;

use std::sync::Arc;

use time::OffsetDateTime;

pub use self::error::{AppError, TicketProblem};
use crate::clock::{day_of, Clock};
use crate::domain::{Generate, Kind, RandomStream, Randomization, Values};
use crate::entropy::{Entropy, EntropyError};
use crate::keys::{self, KeyHash};
use crate::quota::{CachedKey, Charge, Charged, KeyCache, Refusal};
use crate::signing::Signer;
use crate::store::{KeyRecord, Store, StoreError, TicketClaim};
/// A key's status and a ticket, as the API shows them.
pub use crate::store::{KeyStatus, TicketRecord};
use crate::telemetry::Telemetry;

/// The JSON-RPC method a generation request came through, as a metric's label (from a fixed set).
fn method_name(kind: Kind, signed: bool) -> &'static str {
    match (kind, signed) {
        (Kind::Integers, false) => "generateIntegers",
        (Kind::Integers, true) => "generateSignedIntegers",
        (Kind::IntegerSequences, false) => "generateIntegerSequences",
        (Kind::IntegerSequences, true) => "generateSignedIntegerSequences",
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
    /// The secret behind pregenerated randomization: 32 random bytes made once and kept in the
    /// store, so every instance sharing it derives the same values (see [`App::stream_key`]).
    pub pregenerated_secret: [u8; 32],
}

/// The name the pregenerated-randomization secret is kept under in the store.
pub const PREGENERATED_SECRET: &str = "pregenerated-randomization";

/// Unused tickets expire this long after creation (shown in `expirationTime`).
pub const TICKET_LIFETIME_SECONDS: i64 = 30 * 24 * 3600;

/// The most tickets `listTickets` returns.
pub const MAX_LISTED_TICKETS: i64 = 2000;

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
    /// The key's id, to keep a signed result under.
    pub key_id: i64,
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
        self.generate_with(api_key, request, signed, &Randomization::Fresh, None)
            .await
    }

    /// Like [`App::generate`], from the given randomization, using `ticket` if given (signed
    /// requests only): the ticket is claimed before anything is drawn, and given back if the
    /// request is then refused. Billed requests and refusals are counted for `/metrics`.
    pub async fn generate_with(
        &self,
        api_key: &str,
        request: &Generate,
        signed: bool,
        randomization: &Randomization,
        ticket: Option<&str>,
    ) -> Result<Generated, AppError> {
        let generated = self
            .generate_unrecorded(api_key, request, signed, randomization, ticket)
            .await;
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
        randomization: &Randomization,
        ticket: Option<&str>,
    ) -> Result<Generated, AppError> {
        let bits = request.bits();
        let day = day_of(self.clock.now());
        let hash = keys::storage_hash(api_key);
        let key = self.spendable_key(&hash, day, bits).await?;
        if let Some(ticket) = ticket {
            let claim = self
                .store
                .claim_ticket(ticket.to_owned(), key.id, self.clock.now().unix_timestamp())
                .await
                .map_err(store_failed)?;
            let problem = match claim {
                TicketClaim::Claimed => None,
                TicketClaim::NoSuchTicket => Some(TicketProblem::NotFound),
                TicketClaim::OtherKey => Some(TicketProblem::OtherKey),
                TicketClaim::AlreadyUsed => Some(TicketProblem::AlreadyUsed),
            };
            if let Some(problem) = problem {
                return Err(AppError::Ticket(problem));
            }
        }
        let outcome = self
            .draw_and_charge(&key, &hash, day, request, bits, signed, randomization)
            .await;
        if let (Err(_), Some(ticket)) = (&outcome, ticket) {
            if let Err(error) = self.store.release_ticket(ticket.to_owned()).await {
                tracing::error!(%error, "a claimed ticket could not be given back");
            }
        }
        outcome
    }

    #[allow(clippy::too_many_arguments)]
    async fn draw_and_charge(
        &self,
        key: &CachedKey,
        hash: &KeyHash,
        day: i64,
        request: &Generate,
        bits: i64,
        signed: bool,
        randomization: &Randomization,
    ) -> Result<Generated, AppError> {
        let values = self.draw(request, bits, randomization).await?;
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
        self.keys.charged(hash, day, outcome.as_ref());
        let charged = outcome?;
        Ok(Generated {
            values,
            bits,
            charged,
            hashed_api_key: Arc::clone(&key.hashed_api_key),
            completed: self.clock.now(),
            key_id: key.id,
        })
    }

    /// The key of the deterministic stream of a pregenerated randomization:
    /// HMAC-SHA256(secret, label), label `date:YYYY-MM-DD` or `id:<identifier>`.
    ///
    /// Sound because HMAC-SHA256 is a pseudorandom function: under a secret, uniformly random
    /// 256-bit key, distinct labels give independent-looking uniform keys, and nobody without the
    /// secret can predict a date's values before the service shows them. The stream itself is
    /// ChaCha20 ([`RandomStream::keystream`]). The secret is in the store, so every instance derives
    /// the same keys.
    pub fn stream_key(&self, label: &str) -> [u8; 32] {
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &self.pregenerated_secret);
        let tag = aws_lc_rs::hmac::sign(&key, label.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }

    /// Keeps a signed result for `getResult` and `getTicket`, and marks the ticket it used.
    pub async fn keep_result(
        &self,
        generated: &Generated,
        result: String,
        ticket: Option<&str>,
    ) -> Result<(), AppError> {
        let Some(serial) = generated.charged.serial else {
            return Ok(());
        };
        self.store
            .save_result(
                generated.key_id,
                serial,
                result,
                generated.completed.unix_timestamp(),
            )
            .await
            .map_err(store_failed)?;
        if let Some(ticket) = ticket {
            self.store
                .finish_ticket(ticket.to_owned(), serial)
                .await
                .map_err(store_failed)?;
        }
        Ok(())
    }

    /// A signed result of the key, by serial number, and the key's allowances now. Not billed.
    pub async fn result(&self, api_key: &str, serial: i64) -> Result<(String, KeyRecord), AppError> {
        let key = self
            .find_key(&keys::storage_hash(api_key), day_of(self.clock.now()))
            .await?;
        match self
            .store
            .find_result(key.id, serial)
            .await
            .map_err(store_failed)?
        {
            Some(result) => Ok((result, key)),
            None => Err(AppError::NoSuchResult(serial)),
        }
    }

    /// Creates `n` unused tickets for a running key. Not billed.
    pub async fn create_tickets(
        &self,
        api_key: &str,
        n: usize,
        show_result: bool,
    ) -> Result<Vec<TicketRecord>, AppError> {
        let key = self.running_key(api_key).await?;
        let created_at = self.clock.now().unix_timestamp();
        let mut ids = Vec::with_capacity(n);
        for _ in 0..n {
            let mut bytes = [0u8; 8];
            getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(e.to_string()))?;
            ids.push(hex::encode(bytes));
        }
        self.store
            .create_tickets(key.id, ids.clone(), show_result, created_at)
            .await
            .map_err(store_failed)?;
        Ok(ids
            .into_iter()
            .map(|ticket_id| TicketRecord {
                ticket_id,
                key_id: key.id,
                hashed_api_key: key.hashed_api_key.clone(),
                show_result,
                created_at,
                used_at: None,
                serial: None,
                result: None,
            })
            .collect())
    }

    /// A ticket, whoever asks.
    pub async fn ticket(&self, ticket_id: &str) -> Result<TicketRecord, AppError> {
        self.store
            .find_ticket(ticket_id.to_owned())
            .await
            .map_err(store_failed)?
            .ok_or(AppError::Ticket(TicketProblem::NotFound))
    }

    /// The key's tickets, oldest first, at most [`MAX_LISTED_TICKETS`].
    pub async fn tickets(&self, api_key: &str) -> Result<Vec<TicketRecord>, AppError> {
        let key = self.running_key(api_key).await?;
        self.store
            .list_tickets(key.id, MAX_LISTED_TICKETS)
            .await
            .map_err(store_failed)
    }

    /// Makes a used ticket of the key show its result; how many tickets changed.
    pub async fn reveal_ticket(&self, api_key: &str, ticket_id: &str) -> Result<u64, AppError> {
        let key = self.running_key(api_key).await?;
        let ticket = self.ticket(ticket_id).await?;
        if ticket.key_id != key.id {
            return Err(AppError::Ticket(TicketProblem::OtherKey));
        }
        if ticket.used_at.is_none() {
            return Err(AppError::Ticket(TicketProblem::NotYetUsed));
        }
        self.store
            .reveal_ticket(key.id, ticket_id.to_owned())
            .await
            .map_err(store_failed)
    }

    async fn running_key(&self, api_key: &str) -> Result<KeyRecord, AppError> {
        let key = self
            .find_key(&keys::storage_hash(api_key), day_of(self.clock.now()))
            .await?;
        if key.status != KeyStatus::Running {
            return Err(Refusal::NotRunning.into());
        }
        Ok(key)
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
            Ok(Some(key)) if keys::hashes_match(&key.key_hash, hash) => {
                // The call's tracing span names the key by its id, never by the key.
                tracing::Span::current().record("key", key.id);
                Ok(key)
            }
            Ok(_) => Err(Refusal::NoSuchKey.into()),
            Err(error) => Err(store_failed(error)),
        }
    }

    /// The key, if it is running and has `bits` and a request left on `day`: from the cache when it
    /// last saw the key so, else from the store. The charge is the binding check either way.
    async fn spendable_key(&self, hash: &KeyHash, day: i64, bits: i64) -> Result<CachedKey, AppError> {
        if let Some(key) = self.keys.ready_to_spend(hash, day, bits) {
            tracing::Span::current().record("key", key.id);
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

    async fn draw(
        &self,
        request: &Generate,
        bits: i64,
        randomization: &Randomization,
    ) -> Result<Values, AppError> {
        if let Some(label) = randomization.label() {
            let key = self.stream_key(&label);
            if bits <= INLINE_BITS {
                return request
                    .draw(&mut RandomStream::keystream(key))
                    .map_err(no_entropy);
            }
            let request = request.clone();
            return tokio::task::spawn_blocking(move || request.draw(&mut RandomStream::keystream(key)))
                .await
                .map_err(task_failed)?
                .map_err(no_entropy);
        }
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
