//! Release 4 of the RANDOM.ORG API at `/json-rpc/4/invoke` (and, the same methods, Release 2 at
//! `/json-rpc/2/invoke`): integer sequences, pregenerated randomization, signed results with
//! licence, user data and tickets, `getResult` and the ticket methods, over the same app as
//! Release 1. Optional parameters sent as `null` count as left out.

mod definition;

use std::sync::Arc;

use jrpc::server::FromCall;
use jrpc::{Call, ErrorObject, Methods};
use serde::ser::{Serialize, SerializeMap, Serializer};
use time::Date;

pub use self::definition::{Release4, Release4Client, Release4Server};

use super::errors;
use super::params::{read_integer, NamedParams};
use super::release1::{echo, parse_named, Names};
use crate::app::{App, Generated, KeyStatus, TicketRecord, TICKET_LIFETIME_SECONDS};
use crate::clock::format_timestamp;
use crate::domain::{limits, Generate, Kind, Randomization, Sequence};
use crate::ordered_json::OrderedJson;

/// The path Release 4 is served on.
pub const PATH: &str = "/json-rpc/4/invoke";

/// The path Release 2 is served on (Release 4's methods: see the reference notes).
pub const PATH_2: &str = "/json-rpc/2/invoke";

/// Release 4's generators.
pub const KINDS: [Kind; 7] = [
    Kind::Integers,
    Kind::IntegerSequences,
    Kind::DecimalFractions,
    Kind::Gaussians,
    Kind::Strings,
    Kind::Uuids,
    Kind::Blobs,
];

/// The most characters `userData` may take once encoded as compact JSON.
pub const MAX_USER_DATA: usize = 1000;

/// The text of the licence every key of this service has.
pub const LICENSE_TEXT: &str = "Random values licensed strictly for development and testing only";

/// Every method of Release 4, over `app`.
pub fn methods(app: Arc<App>) -> Methods {
    Release4Server::into_methods(Release4Service { app })
}

/// The generator and signedness a Release 4 method name stands for.
fn by_method(name: &str) -> Option<(Kind, bool)> {
    KINDS.into_iter().find_map(|kind| {
        if kind.basic_name() == name {
            Some((kind, false))
        } else if kind.signed_name() == name {
            Some((kind, true))
        } else {
            None
        }
    })
}

/// The params a Release 4 method takes: required and optional.
fn params_of(method: &str) -> Option<(Vec<&'static str>, Vec<&'static str>)> {
    if let Some((kind, signed)) = by_method(method) {
        let (required, optional) = kind.params();
        let mut optional = optional.to_vec();
        optional.push("pregeneratedRandomization");
        if signed {
            optional.extend(["licenseData", "userData", "ticketId"]);
        }
        return Some((required.to_vec(), optional));
    }
    let (required, optional): (&[&str], &[&str]) = match method {
        "getUsage" => (&["apiKey"], &[]),
        "getResult" => (&["apiKey", "serialNumber"], &[]),
        "createTickets" => (&["apiKey", "n", "showResult"], &[]),
        "revealTickets" => (&["apiKey", "ticketId"], &[]),
        "listTickets" => (&["apiKey", "ticketType"], &[]),
        "getTicket" => (&["ticketId"], &[]),
        "verifySignature" => (&["random", "signature"], &[]),
        _ => return None,
    };
    Some((required.to_vec(), optional.to_vec()))
}

/// A Release 4 call's named params. The server reads them with the names checked against the
/// method called and optional `null`s dropped; a client writes the members it was given, in order.
#[derive(Debug)]
pub struct Params4(NamedParams);

impl Params4 {
    /// Params for a client to send: `Params4::new([("apiKey", key.into()), ("n", 6.into())])`.
    pub fn new<N: Into<String>>(members: impl IntoIterator<Item = (N, OrderedJson)>) -> Params4 {
        Params4(NamedParams::from_members(
            members
                .into_iter()
                .map(|(name, value)| (name.into(), value))
                .collect(),
        ))
    }
}

impl<S> FromCall<S> for Params4 {
    const READS_PARAMS: bool = true;

    fn from_call(call: &Call, _: &Arc<S>) -> Result<Self, ErrorObject> {
        let (required, optional) =
            params_of(call.method()).ok_or_else(|| ErrorObject::internal("not a Release 4 method"))?;
        NamedParams::parse_nullable(call.params(), &required, &optional).map(Params4)
    }
}

impl Serialize for Params4 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let members = self.0.members();
        let mut map = serializer.serialize_map(Some(members.len()))?;
        for (name, value) in members {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// Release 4 over the app: what [`Release4`] is on the server.
struct Release4Service {
    app: Arc<App>,
}

/// The trait's generator methods, one line each: `fn_name => Kind, signed;`.
macro_rules! generators {
    ($($name:ident => $kind:ident, $signed:literal;)*) => {
        $(
            async fn $name(&self, params: Params4) -> Result<OrderedJson, ErrorObject> {
                generate(&self.app, params, Kind::$kind, $signed).await
            }
        )*
    };
}

impl Release4 for Release4Service {
    generators! {
        generate_integers => Integers, false;
        generate_signed_integers => Integers, true;
        generate_integer_sequences => IntegerSequences, false;
        generate_signed_integer_sequences => IntegerSequences, true;
        generate_decimal_fractions => DecimalFractions, false;
        generate_signed_decimal_fractions => DecimalFractions, true;
        generate_gaussians => Gaussians, false;
        generate_signed_gaussians => Gaussians, true;
        generate_strings => Strings, false;
        generate_signed_strings => Strings, true;
        generate_uuids => Uuids, false;
        generate_signed_uuids => Uuids, true;
        generate_blobs => Blobs, false;
        generate_signed_blobs => Blobs, true;
    }

    async fn get_usage(&self, params: Params4) -> Result<OrderedJson, ErrorObject> {
        usage(&self.app, params).await
    }

    async fn get_result(&self, params: Params4) -> Result<OrderedJson, ErrorObject> {
        get_result(&self.app, params).await
    }

    async fn create_tickets(&self, params: Params4) -> Result<OrderedJson, ErrorObject> {
        create_tickets(&self.app, params).await
    }

    async fn reveal_tickets(&self, params: Params4) -> Result<OrderedJson, ErrorObject> {
        reveal_tickets(&self.app, params).await
    }

    async fn list_tickets(&self, params: Params4) -> Result<OrderedJson, ErrorObject> {
        list_tickets(&self.app, params).await
    }

    async fn get_ticket(&self, params: Params4) -> Result<OrderedJson, ErrorObject> {
        get_ticket(&self.app, params).await
    }

    fn verify_signature(&self, params: Params4) -> Result<OrderedJson, ErrorObject> {
        verify(&self.app, params)
    }
}

fn member(name: &str, value: impl Into<OrderedJson>) -> (String, OrderedJson) {
    (name.to_owned(), value.into())
}

/// A scalar, or an array of `n` values, each read by `read`.
fn scalar_or_array<T: Copy>(
    params: &NamedParams,
    name: &'static str,
    n: usize,
    default: Option<T>,
    read: impl Fn(&OrderedJson) -> Result<T, ErrorObject>,
) -> Result<(Vec<T>, OrderedJson), ErrorObject> {
    match params.get(name) {
        None => match default {
            Some(value) => Ok((vec![value; n], OrderedJson::Null)),
            None => Err(errors::invalid_params()),
        },
        Some(OrderedJson::Array(items)) => {
            if items.len() > n {
                return Err(errors::too_long(name, items.len(), n));
            }
            if items.len() < n {
                return Err(errors::too_short(name, items.len(), n));
            }
            let values = items.iter().map(&read).collect::<Result<_, _>>()?;
            Ok((values, OrderedJson::Array(items.clone())))
        }
        Some(value) => Ok((vec![read(value)?; n], value.clone())),
    }
}

/// Members of an object, in order.
type Members = Vec<(String, OrderedJson)>;

/// Reads `generateIntegerSequences`'s params; the echo keeps each as sent, defaults filled in.
fn parse_sequences(params: &NamedParams) -> Result<(String, Generate, Members), ErrorObject> {
    let api_key = params.string("apiKey")?.to_owned();
    let n = params.integer("n", limits::SEQUENCES_N)?;
    let count = n as usize;
    let integer = |name: &'static str, range: (i64, i64)| {
        move |value: &OrderedJson| read_integer(name, value, range.0, range.1)
    };
    let (lengths, length_sent) = scalar_or_array(
        params,
        "length",
        count,
        None,
        integer("length", limits::SEQUENCE_LENGTH),
    )?;
    let (mins, min_sent) = scalar_or_array(params, "min", count, None, integer("min", limits::INTEGER))?;
    let (maxs, max_sent) = scalar_or_array(params, "max", count, None, integer("max", limits::INTEGER))?;
    let (replacements, replacement_sent) =
        scalar_or_array(params, "replacement", count, Some(true), |value| match value {
            OrderedJson::Bool(value) => Ok(*value),
            _ => Err(errors::malformed("replacement")),
        })?;
    let (bases, base_sent) = scalar_or_array(
        params,
        "base",
        count,
        Some(10),
        integer("base", (i64::MIN, i64::MAX)),
    )?;
    let sequences = (0..count)
        .map(|i| Sequence {
            length: lengths[i],
            min: mins[i],
            max: maxs[i],
            replacement: replacements[i],
            base: bases[i],
        })
        .collect();
    let request = Generate::integer_sequences(sequences)?;
    let or_default = |sent: OrderedJson, default: OrderedJson| match sent {
        OrderedJson::Null => default,
        sent => sent,
    };
    let echo = vec![
        member("n", n),
        member("length", length_sent),
        member("min", min_sent),
        member("max", max_sent),
        member("replacement", or_default(replacement_sent, true.into())),
        member("base", or_default(base_sent, 10i64.into())),
    ];
    Ok((api_key, request, echo))
}

/// `pregeneratedRandomization`: absent or `null`, `{"date": "YYYY-MM-DD"}` (not after `today`) or
/// `{"id": "..."}` (1 to 64 characters). Returns the randomization and its echo.
fn parse_randomization(
    params: &NamedParams,
    today: Date,
) -> Result<(Randomization, OrderedJson), ErrorObject> {
    const NAME: &str = "pregeneratedRandomization";
    let Some(value) = params.get(NAME) else {
        return Ok((Randomization::Fresh, OrderedJson::Null));
    };
    let OrderedJson::Object(members) = value else {
        return Err(errors::malformed(NAME));
    };
    let randomization = match members.as_slice() {
        [(name, OrderedJson::String(text))] if name == "date" => {
            let date = parse_date(text).ok_or_else(|| errors::malformed(NAME))?;
            if date > today {
                return Err(errors::illegal_value(NAME));
            }
            Randomization::Date(date)
        }
        [(name, OrderedJson::String(id))] if name == "id" => {
            let length = id.chars().count();
            if length > 64 {
                return Err(errors::too_long(NAME, length, 64));
            }
            if length < 1 {
                return Err(errors::too_short(NAME, length, 1));
            }
            Randomization::Id(id.clone())
        }
        _ => return Err(errors::malformed(NAME)),
    };
    Ok((randomization, value.clone()))
}

/// A calendar date written `YYYY-MM-DD`.
fn parse_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = &text[range];
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let month = time::Month::try_from(u8::try_from(digits(5..7)?).ok()?).ok()?;
    Date::from_calendar_date(digits(0..4)? as i32, month, u8::try_from(digits(8..10)?).ok()?).ok()
}

/// A basic or signed generator method of Release 4.
async fn generate(app: &App, params: Params4, kind: Kind, signed: bool) -> Result<OrderedJson, ErrorObject> {
    let Params4(params) = params;
    let (api_key, request, echoed) = match kind {
        Kind::IntegerSequences => parse_sequences(&params)?,
        kind => {
            let (api_key, request) = parse_named(kind, &params)?;
            let echoed = echo(&request);
            (api_key, request, echoed)
        }
    };
    let today = app.clock.now().date();
    let (randomization, randomization_sent) = parse_randomization(&params, today)?;
    let mut user_data = OrderedJson::Null;
    let mut ticket = None;
    if signed {
        if params.get("licenseData").is_some() {
            return Err(errors::license_data_not_allowed());
        }
        if let Some(value) = params.get("userData") {
            let length = String::from_utf8_lossy(&value.to_compact_bytes()).chars().count();
            if length > MAX_USER_DATA {
                return Err(errors::too_long("userData", length, MAX_USER_DATA));
            }
            user_data = value.clone();
        }
        if params.get("ticketId").is_some() {
            ticket = Some(params.string("ticketId")?.to_owned());
        }
    }
    let generated = app
        .generate_with(&api_key, &request, signed, &randomization, ticket.as_deref())
        .await?;
    let Generated {
        values,
        bits,
        charged,
        completed,
        ..
    } = generated.clone();
    let completion_time = format_timestamp(completed);
    if !signed {
        let random = vec![member("data", values), member("completionTime", completion_time)];
        return Ok(OrderedJson::Object(vec![
            ("random".to_owned(), OrderedJson::Object(random)),
            member("bitsUsed", bits),
            member("bitsLeft", charged.bits_left),
            member("requestsLeft", charged.requests_left),
            member("advisoryDelay", app.advisory_delay_ms),
        ]));
    }
    let ticket_data = match &ticket {
        None => OrderedJson::Null,
        Some(id) => OrderedJson::Object(vec![
            member("ticketId", id.as_str()),
            ("previousTicketId".to_owned(), OrderedJson::Null),
            ("nextTicketId".to_owned(), OrderedJson::Null),
        ]),
    };
    let mut random = vec![
        member("method", kind.signed_name()),
        member("hashedApiKey", &*generated.hashed_api_key),
    ];
    random.extend(echoed);
    random.push(("pregeneratedRandomization".to_owned(), randomization_sent));
    random.push(member("data", values));
    random.push(("license".to_owned(), license()));
    random.push(("licenseData".to_owned(), OrderedJson::Null));
    random.push(("userData".to_owned(), user_data));
    random.push(("ticketData".to_owned(), ticket_data));
    random.push(member("completionTime", completion_time));
    random.push(member("serialNumber", charged.serial.unwrap_or_default()));
    let random = OrderedJson::Object(random);
    let signature = app.sign(random.to_compact_bytes()).await?;
    let mut result = vec![
        ("random".to_owned(), random),
        member("signature", signature),
        ("cost".to_owned(), cost()),
        member("bitsUsed", bits),
        member("bitsLeft", charged.bits_left),
        member("requestsLeft", charged.requests_left),
    ];
    let kept = OrderedJson::Object(result.clone()).to_compact_bytes();
    app.keep_result(
        &generated,
        String::from_utf8_lossy(&kept).into_owned(),
        ticket.as_deref(),
    )
    .await?;
    result.push(member("advisoryDelay", app.advisory_delay_ms));
    Ok(OrderedJson::Object(result))
}

/// The licence of every key of this service: development and testing.
fn license() -> OrderedJson {
    OrderedJson::Object(vec![
        member("type", "developer"),
        member("text", LICENSE_TEXT),
        ("infoUrl".to_owned(), OrderedJson::Null),
    ])
}

/// What a signed request cost: nothing, on a self-hosted service.
fn cost() -> OrderedJson {
    OrderedJson::Object(vec![member("currency", "USD"), member("amount", 0.0)])
}

/// `getUsage`: the key's status (`running` or `stopped`: Release 2 dropped `paused`) and allowances.
async fn usage(app: &App, params: Params4) -> Result<OrderedJson, ErrorObject> {
    let usage = app.usage(params.0.string("apiKey")?).await?;
    let status = match usage.status {
        KeyStatus::Running => "running",
        KeyStatus::Paused | KeyStatus::Stopped => "stopped",
    };
    Ok(OrderedJson::Object(vec![
        member("status", status),
        member("creationTime", format_timestamp(usage.created)),
        member("bitsLeft", usage.bits_left),
        member("requestsLeft", usage.requests_left),
        member("totalBits", usage.total_bits),
        member("totalRequests", usage.total_requests),
    ]))
}

/// `getResult`: a kept signed result again, with the key's allowances now. Not billed.
async fn get_result(app: &App, params: Params4) -> Result<OrderedJson, ErrorObject> {
    let params = params.0;
    let api_key = params.string("apiKey")?;
    let serial = params.integer("serialNumber", (1, i64::MAX))?;
    let (text, key) = app.result(api_key, serial).await?;
    let OrderedJson::Object(mut members) =
        serde_json::from_str(&text).map_err(|e| ErrorObject::internal(e.to_string()))?
    else {
        return Err(ErrorObject::internal("a kept result is not an object"));
    };
    members.retain(|(name, _)| name != "bitsLeft" && name != "requestsLeft");
    members.push(member("bitsLeft", key.bits_left()));
    members.push(member("requestsLeft", key.requests_left()));
    members.push(member("advisoryDelay", app.advisory_delay_ms));
    Ok(OrderedJson::Object(members))
}

/// A ticket as the ticket methods show it.
fn ticket_object(ticket: &TicketRecord) -> OrderedJson {
    let time = |seconds: i64| {
        time::OffsetDateTime::from_unix_timestamp(seconds)
            .map(|t| OrderedJson::from(format_timestamp(t)))
            .unwrap_or(OrderedJson::Null)
    };
    let mut members = vec![
        member("ticketId", ticket.ticket_id.as_str()),
        member("hashedApiKey", ticket.hashed_api_key.as_str()),
        member("showResult", ticket.show_result),
        ("creationTime".to_owned(), time(ticket.created_at)),
        (
            "usedTime".to_owned(),
            ticket.used_at.map_or(OrderedJson::Null, time),
        ),
        (
            "serialNumber".to_owned(),
            ticket.serial.map_or(OrderedJson::Null, OrderedJson::from),
        ),
        (
            "expirationTime".to_owned(),
            time(ticket.created_at + TICKET_LIFETIME_SECONDS),
        ),
        ("previousTicketId".to_owned(), OrderedJson::Null),
        ("nextTicketId".to_owned(), OrderedJson::Null),
    ];
    if ticket.show_result {
        let result = ticket
            .result
            .as_deref()
            .and_then(|text| serde_json::from_str::<OrderedJson>(text).ok())
            .map(|result| match result {
                OrderedJson::Object(members) => OrderedJson::Object(
                    members
                        .into_iter()
                        .filter(|(name, _)| name == "random" || name == "signature")
                        .collect(),
                ),
                other => other,
            })
            .unwrap_or(OrderedJson::Null);
        members.push(("result".to_owned(), result));
    }
    OrderedJson::Object(members)
}

/// `createTickets`: `n` (1 to 50) new singleton tickets. Not billed.
async fn create_tickets(app: &App, params: Params4) -> Result<OrderedJson, ErrorObject> {
    let params = params.0;
    let api_key = params.string("apiKey")?;
    let n = params.integer("n", (1, 50))?;
    let show_result = match params.get("showResult") {
        Some(OrderedJson::Bool(value)) => *value,
        _ => return Err(errors::malformed("showResult")),
    };
    let tickets = app.create_tickets(api_key, n as usize, show_result).await?;
    Ok(OrderedJson::Array(
        tickets
            .iter()
            .map(|ticket| {
                let OrderedJson::Object(members) = ticket_object(ticket) else {
                    return OrderedJson::Null;
                };
                OrderedJson::Object(
                    members
                        .into_iter()
                        .filter(|(name, _)| {
                            matches!(
                                name.as_str(),
                                "ticketId" | "creationTime" | "previousTicketId" | "nextTicketId"
                            )
                        })
                        .collect(),
                )
            })
            .collect(),
    ))
}

/// `revealTickets`: shows a used ticket's result (its chain is itself: tickets here are singletons).
async fn reveal_tickets(app: &App, params: Params4) -> Result<OrderedJson, ErrorObject> {
    let params = params.0;
    let count = app
        .reveal_ticket(params.string("apiKey")?, params.string("ticketId")?)
        .await?;
    Ok(OrderedJson::Object(vec![member("ticketCount", count)]))
}

/// `listTickets`: the key's singleton tickets (every ticket here); no heads or tails.
async fn list_tickets(app: &App, params: Params4) -> Result<OrderedJson, ErrorObject> {
    let params = params.0;
    let api_key = params.string("apiKey")?;
    let singleton = match params.string("ticketType")? {
        "singleton" => true,
        "head" | "tail" => false,
        _ => return Err(errors::illegal_value("ticketType")),
    };
    let tickets = app.tickets(api_key).await?;
    if !singleton {
        return Ok(OrderedJson::Array(Vec::new()));
    }
    Ok(OrderedJson::Array(tickets.iter().map(ticket_object).collect()))
}

/// `getTicket`: one ticket, for anyone who knows its id.
async fn get_ticket(app: &App, params: Params4) -> Result<OrderedJson, ErrorObject> {
    let ticket = app.ticket(params.0.string("ticketId")?).await?;
    Ok(ticket_object(&ticket))
}

/// The members of a Release 4 signed `random`, in order, for a generator's echoed params.
pub fn signed_members(kind: Kind) -> Vec<&'static str> {
    let params: &[&str] = match kind {
        Kind::IntegerSequences => &["n", "length", "min", "max", "replacement", "base"],
        kind => {
            let members = kind.signed_members();
            &members[2..members.len() - 3]
        }
    };
    let mut members = vec!["method", "hashedApiKey"];
    members.extend_from_slice(params);
    members.extend([
        "pregeneratedRandomization",
        "data",
        "license",
        "licenseData",
        "userData",
        "ticketData",
        "completionTime",
        "serialNumber",
    ]);
    members
}

/// `verifySignature`: `random` as received, or with its members in Release 4's order (for
/// clients whose JSON library sorted them).
fn verify(app: &App, params: Params4) -> Result<OrderedJson, ErrorObject> {
    let params = params.0;
    let Some(random @ OrderedJson::Object(members)) = params.get("random") else {
        return Err(errors::malformed("random"));
    };
    let signature = params.string("signature")?;
    let mut authentic = app.verify(&random.to_compact_bytes(), signature);
    if !authentic {
        let kind = random
            .get("method")
            .and_then(OrderedJson::as_str)
            .and_then(|name| by_method(name).filter(|(_, signed)| *signed))
            .map(|(kind, _)| kind);
        if let Some(kind) = kind {
            let order = signed_members(kind);
            if members.len() == order.len() && members.iter().all(|(name, _)| order.contains(&name.as_str()))
            {
                let mut sorted = members.clone();
                sorted.sort_by_key(|(name, _)| order.iter().position(|known| known == name));
                for (name, value) in &mut sorted {
                    let inner: &[&str] = match name.as_str() {
                        "license" => &["type", "text", "infoUrl"],
                        "ticketData" => &["ticketId", "previousTicketId", "nextTicketId"],
                        _ => continue,
                    };
                    if let OrderedJson::Object(members) = value {
                        members.sort_by_key(|(name, _)| inner.iter().position(|known| known == name));
                    }
                }
                authentic = app.verify(&OrderedJson::Object(sorted).to_compact_bytes(), signature);
            }
        }
    }
    Ok(OrderedJson::Object(vec![member("authenticity", authentic)]))
}
