//! The service's logic: validate, authenticate, generate, bill, sign. Transport-free.
//!
//! Order matters: parameters are checked before anything else; values are drawn only for a running
//! key that has the allowance; the bill (and a signed result's serial number) is committed before
//! anything is signed or sent, so an answer never exists without its accounting.

use std::sync::Arc;

use jrpc::ErrorObject;

use crate::api::{errors, Generate, Kind, ResultObject};
use crate::clock::{day_of, format_timestamp, Clock};
use crate::entropy::Entropy;
use crate::generate::RandomStream;
use crate::key_cache::{CachedKey, KeyCache};
use crate::keys::{self, KeyHash};
use crate::ordered_json::OrderedJson;
use crate::signing::Signer;
use crate::store::{Charge, KeyRecord, KeyStatus, Refusal, Store, StoreError};

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
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("entropy", &self.entropy)
            .field("signer", &self.signer)
            .finish()
    }
}

fn member(name: &str, value: impl Into<OrderedJson>) -> (String, OrderedJson) {
    (name.to_owned(), value.into())
}

fn store_failed(error: StoreError) -> ErrorObject {
    tracing::error!(%error, "store unavailable");
    errors::offline()
}

impl App {
    /// A basic or signed generator call.
    pub async fn generate(&self, kind: Kind, signed: bool, params: Option<&str>) -> ResultObject {
        let parsed = Generate::parse(kind, params)?;
        let request = parsed.request;
        let bits = request.bits();
        let now = self.clock.now();
        let day = day_of(now);
        let hash = keys::storage_hash(&parsed.api_key);
        let key = self.spendable_key(&hash, day, bits).await?;

        let data = self.draw(&request, bits).await?;
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
        self.keys.charged(&hash, day, outcome.as_ref());
        let charged = outcome.map_err(refused)?;
        let completion_time = format_timestamp(self.clock.now());

        let mut result = Vec::with_capacity(6);
        if signed {
            let mut random = vec![
                member("method", kind.signed_name()),
                member("hashedApiKey", &*key.hashed_api_key),
            ];
            random.extend(request.echo());
            random.push(("data".to_owned(), data));
            random.push(member("completionTime", completion_time));
            random.push(member("serialNumber", charged.serial.unwrap_or_default()));
            let random = OrderedJson::Object(random);
            let signer = Arc::clone(&self.signer);
            let message = random.to_compact_bytes();
            let signature = tokio::task::spawn_blocking(move || signer.sign(&message))
                .await
                .map_err(|e| ErrorObject::internal(e.to_string()))?
                .map_err(ErrorObject::internal)?;
            result.push(("random".to_owned(), random));
            result.push(member("signature", signature));
        } else {
            let random = vec![
                ("data".to_owned(), data),
                member("completionTime", completion_time),
            ];
            result.push(("random".to_owned(), OrderedJson::Object(random)));
        }
        result.push(member("bitsUsed", bits));
        result.push(member("bitsLeft", charged.bits_left));
        result.push(member("requestsLeft", charged.requests_left));
        result.push(member("advisoryDelay", self.advisory_delay_ms));
        Ok(OrderedJson::Object(result))
    }

    /// `getUsage`: the key's status and allowances; not billed, served whatever the status.
    pub async fn usage(&self, params: Option<&str>) -> ResultObject {
        let params = crate::api::exact_params(params, &["apiKey"])?;
        let api_key = params.string("apiKey")?;
        let key = self
            .find_key(&keys::storage_hash(api_key), day_of(self.clock.now()))
            .await?;
        let created = time::OffsetDateTime::from_unix_timestamp(key.created_at)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        Ok(OrderedJson::Object(vec![
            member("status", key.status.as_str()),
            member("creationTime", format_timestamp(created)),
            member("bitsLeft", key.bits_left()),
            member("requestsLeft", key.requests_left()),
            member("totalBits", key.total_bits),
            member("totalRequests", key.total_requests),
        ]))
    }

    /// `verifySignature`: is `signature` this service's signature of `random`? Not billed.
    pub async fn verify(&self, params: Option<&str>) -> ResultObject {
        let params = crate::api::exact_params(params, &["random", "signature"])?;
        let Some(random @ OrderedJson::Object(_)) = params.get("random") else {
            return Err(errors::malformed("random"));
        };
        let signature = params.string("signature")?;
        let authentic = self
            .signer
            .verify(&signed_order(random).to_compact_bytes(), signature);
        Ok(OrderedJson::Object(vec![member("authenticity", authentic)]))
    }

    async fn find_key(&self, hash: &KeyHash, day: i64) -> Result<KeyRecord, ErrorObject> {
        match self.store.find_key(*hash, day).await {
            Ok(Some(key)) if keys::hashes_match(&key.key_hash, hash) => Ok(key),
            Ok(_) => Err(errors::no_such_key()),
            Err(error) => Err(store_failed(error)),
        }
    }

    /// The key, if it is running and has `bits` and a request left on `day`: from the cache when it
    /// last saw the key so, else from the store. The charge is the binding check either way.
    async fn spendable_key(&self, hash: &KeyHash, day: i64, bits: i64) -> Result<CachedKey, ErrorObject> {
        if let Some(key) = self.keys.ready_to_spend(hash, day, bits) {
            return Ok(key);
        }
        let record = self.find_key(hash, day).await?;
        self.keys.remember(&record, day);
        if record.status != KeyStatus::Running {
            return Err(errors::key_not_running());
        }
        if record.requests_left() < 1 {
            return Err(errors::out_of_requests(1, record.requests_left()));
        }
        if bits > record.bits_left() {
            return Err(errors::out_of_bits(bits, record.bits_left()));
        }
        Ok(CachedKey::of(&record, day))
    }

    async fn draw(&self, request: &Generate, bits: i64) -> Result<OrderedJson, ErrorObject> {
        let unavailable = |error: crate::entropy::EntropyError| {
            tracing::error!(%error, "no entropy");
            errors::offline()
        };
        if bits <= INLINE_BITS {
            return request
                .produce(&mut RandomStream::new(&self.entropy))
                .map_err(unavailable);
        }
        let entropy = Arc::clone(&self.entropy);
        let request = request.clone();
        tokio::task::spawn_blocking(move || request.produce(&mut RandomStream::new(&entropy)))
            .await
            .map_err(|e| ErrorObject::internal(e.to_string()))?
            .map_err(unavailable)
    }
}

/// `random` with its members in the order they were signed in, whatever order the client kept them
/// in (many JSON libraries sort object members). Unknown shapes are left as they are.
fn signed_order(random: &OrderedJson) -> OrderedJson {
    let (OrderedJson::Object(members), Some(kind)) = (
        random,
        random
            .get("method")
            .and_then(OrderedJson::as_str)
            .and_then(Kind::from_signed_name),
    ) else {
        return random.clone();
    };
    let order = kind.signed_members();
    if members.len() != order.len() || !members.iter().all(|(name, _)| order.contains(&name.as_str())) {
        return random.clone();
    }
    let mut sorted = members.clone();
    sorted.sort_by_key(|(name, _)| order.iter().position(|known| known == name));
    OrderedJson::Object(sorted)
}

fn refused(refusal: Refusal) -> ErrorObject {
    match refusal {
        Refusal::NoSuchKey => errors::no_such_key(),
        Refusal::NotRunning => errors::key_not_running(),
        Refusal::OutOfRequests { required, left } => errors::out_of_requests(required, left),
        Refusal::OutOfBits { required, left } => errors::out_of_bits(required, left),
    }
}
