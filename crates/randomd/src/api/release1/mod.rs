//! Release 1 of the RANDOM.ORG API at `/json-rpc/1/invoke`: its methods, the params each reads
//! (extractors that parse straight from the call's params text into domain requests), and the
//! result objects it sends, members in the order the reference shows them.

mod definition;
mod describe;
mod generators;

use std::sync::Arc;

use jrpc::server::FromCall;
use jrpc::{Call, ErrorObject, Methods};
use serde::ser::{Serialize, SerializeMap, Serializer};

pub use self::definition::{Release1, Release1Client, Release1Server};
pub use self::describe::discover;
pub(crate) use self::generators::parse_named;
pub use self::generators::{by_method, by_signed_name, echo, parse, Names};
use super::errors;
use super::params::NamedParams;
use crate::app::{App, Generated};
use crate::clock::format_timestamp;
use crate::domain::{Generate, Values};
use crate::ordered_json::OrderedJson;

/// The path Release 1 is served on.
pub const PATH: &str = "/json-rpc/1/invoke";

/// Every method of Release 1, basic and signed, over `app`, described for `rpc.discover`.
pub fn methods(app: Arc<App>) -> Methods {
    let mut methods = Release1Server::into_methods(Release1Service { app });
    describe::describe(&mut methods);
    methods
}

/// The params of a generator method: the API key and the request. The server reads them for the
/// generator the called method names; a client writes them with every param's value (defaults
/// filled in), in the order a signed `random` echoes them.
#[derive(Debug, Clone)]
pub struct GeneratorParams {
    pub api_key: String,
    pub request: Generate,
}

impl<S> FromCall<S> for GeneratorParams {
    const READS_PARAMS: bool = true;

    fn from_call(call: &Call, _: &Arc<S>) -> Result<Self, ErrorObject> {
        let (kind, _) =
            by_method(call.method()).ok_or_else(|| ErrorObject::internal("not a generator method"))?;
        let (api_key, request) = parse(kind, call.params())?;
        Ok(GeneratorParams { api_key, request })
    }
}

impl Serialize for GeneratorParams {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let members = echo(&self.request);
        let mut map = serializer.serialize_map(Some(members.len() + 1))?;
        map.serialize_entry("apiKey", &self.api_key)?;
        for (name, value) in &members {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// The params of `getUsage`.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageParams {
    pub api_key: String,
}

impl<S> FromCall<S> for UsageParams {
    const READS_PARAMS: bool = true;

    fn from_call(call: &Call, _: &Arc<S>) -> Result<Self, ErrorObject> {
        let params = NamedParams::parse(call.params(), &["apiKey"], &[])?;
        Ok(UsageParams {
            api_key: params.string("apiKey")?.to_owned(),
        })
    }
}

/// The params of `verifySignature`: a signed result's `random`, as received, and its signature.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VerifyParams {
    pub random: OrderedJson,
    pub signature: String,
}

impl<S> FromCall<S> for VerifyParams {
    const READS_PARAMS: bool = true;

    fn from_call(call: &Call, _: &Arc<S>) -> Result<Self, ErrorObject> {
        let params = NamedParams::parse(call.params(), &["random", "signature"], &[])?;
        let Some(random @ OrderedJson::Object(_)) = params.get("random") else {
            return Err(errors::malformed("random"));
        };
        let signature = params.string("signature")?.to_owned();
        Ok(VerifyParams {
            random: random.clone(),
            signature,
        })
    }
}

/// Release 1 over the app: what [`Release1`] is on the server.
struct Release1Service {
    app: Arc<App>,
}

/// The trait's generator methods, one line each: `fn_name => signed;` (the method called names
/// the generator, which `GeneratorParams` has read).
macro_rules! generators {
    ($($name:ident => $signed:literal;)*) => {
        $(
            async fn $name(&self, params: GeneratorParams) -> Result<OrderedJson, ErrorObject> {
                generate(&self.app, params, $signed).await
            }
        )*
    };
}

impl Release1 for Release1Service {
    generators! {
        generate_integers => false;
        generate_signed_integers => true;
        generate_decimal_fractions => false;
        generate_signed_decimal_fractions => true;
        generate_gaussians => false;
        generate_signed_gaussians => true;
        generate_strings => false;
        generate_signed_strings => true;
        generate_uuids => false;
        generate_signed_uuids => true;
        generate_blobs => false;
        generate_signed_blobs => true;
    }

    async fn get_usage(&self, params: UsageParams) -> Result<OrderedJson, ErrorObject> {
        usage(&self.app, params).await
    }

    fn verify_signature(&self, params: VerifyParams) -> Result<OrderedJson, ErrorObject> {
        Ok(verify(&self.app, params))
    }
}

fn member(name: &str, value: impl Into<OrderedJson>) -> (String, OrderedJson) {
    (name.to_owned(), value.into())
}

impl From<Values> for OrderedJson {
    fn from(values: Values) -> Self {
        match values {
            Values::Integers(values) => values.into(),
            Values::Numbers(values) => values.into(),
            Values::Texts(values) => values.into(),
            Values::Sequences(values) => values.into(),
        }
    }
}

/// A basic or signed generator method.
async fn generate(app: &App, params: GeneratorParams, signed: bool) -> Result<OrderedJson, ErrorObject> {
    let GeneratorParams { api_key, request } = params;
    let Generated {
        values,
        bits,
        charged,
        hashed_api_key,
        completed,
        ..
    } = app.generate(&api_key, &request, signed).await?;
    let completion_time = format_timestamp(completed);

    let mut result = Vec::with_capacity(6);
    if signed {
        let mut random = vec![
            member("method", request.kind().signed_name()),
            member("hashedApiKey", &*hashed_api_key),
        ];
        random.extend(echo(&request));
        random.push(member("data", values));
        random.push(member("completionTime", completion_time));
        random.push(member("serialNumber", charged.serial.unwrap_or_default()));
        let random = OrderedJson::Object(random);
        let signature = app.sign(random.to_compact_bytes()).await?;
        result.push(("random".to_owned(), random));
        result.push(member("signature", signature));
    } else {
        let random = vec![member("data", values), member("completionTime", completion_time)];
        result.push(("random".to_owned(), OrderedJson::Object(random)));
    }
    result.push(member("bitsUsed", bits));
    result.push(member("bitsLeft", charged.bits_left));
    result.push(member("requestsLeft", charged.requests_left));
    result.push(member("advisoryDelay", app.advisory_delay_ms));
    Ok(OrderedJson::Object(result))
}

/// `getUsage`: the key's status and allowances.
async fn usage(app: &App, params: UsageParams) -> Result<OrderedJson, ErrorObject> {
    let usage = app.usage(&params.api_key).await?;
    Ok(OrderedJson::Object(vec![
        member("status", usage.status.as_str()),
        member("creationTime", format_timestamp(usage.created)),
        member("bitsLeft", usage.bits_left),
        member("requestsLeft", usage.requests_left),
        member("totalBits", usage.total_bits),
        member("totalRequests", usage.total_requests),
    ]))
}

/// `verifySignature`: is `signature` this service's signature of `random`?
fn verify(app: &App, params: VerifyParams) -> OrderedJson {
    let message = signed_order(&params.random).to_compact_bytes();
    let authentic = app.verify(&message, &params.signature);
    OrderedJson::Object(vec![member("authenticity", authentic)])
}

/// `random` with its members in the order they were signed in, whatever order the client kept them
/// in (many JSON libraries sort object members). Unknown shapes are left as they are.
fn signed_order(random: &OrderedJson) -> OrderedJson {
    let (OrderedJson::Object(members), Some(kind)) = (
        random,
        random
            .get("method")
            .and_then(OrderedJson::as_str)
            .and_then(by_signed_name),
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
