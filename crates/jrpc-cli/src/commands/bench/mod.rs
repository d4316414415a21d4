//! `jrpc bench`: a load generator for JSON-RPC servers over HTTP/1.1, WebSocket, TCP and Unix
//! sockets, with latency percentiles from an HDR histogram.
//!
//! Each connection owns `pipeline` slots. Slot `k` holds the fully serialized bytes of one message
//! (a call with id `k`, or a batch whose calls have ids `k*batch ..`), written once before the run;
//! a reply's id says which slot it completes, and that slot's bytes are sent again at once.

pub(crate) mod conn;
mod report;

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use clap::Args;
use jrpc::transport::framing;
use jrpc::transport::{Endpoint, Framing};
use jrpc::wire::{parse_responses, Responses};
use tokio::sync::watch;
use tokio_util::codec::Encoder;

use self::conn::{Conn, ConnError, Reply};
pub use self::report::Summary;
use self::report::{ConnStats, Shape};
use crate::exit::{CliError, CliResult, Status};
use crate::target::Target;

/// The examples under `jrpc bench --help`.
pub const HELP: &str = "\
Sends METHOD with PARAMS (as `jrpc build`) over --connections persistent connections, keeping
--pipeline calls in flight on each (or sending batches of --batch calls), for --duration or until
--requests calls are done, then prints throughput, errors and latency percentiles.

Request bytes are serialized once per in-flight slot; replies are matched by id (HTTP/1.1 replies
come in order; WebSocket and stream replies may come in any order). HTTP uses keep-alive, and
--pipeline above 1 uses HTTP/1.1 pipelining. Errors are counted apart: JSON-RPC error replies, and
transport errors (connection reset, HTTP status other than 200, timeouts); broken connections are
reopened. A reply that is not JSON-RPC stops the run (exit status 4). Ctrl-C ends the run early and
still prints the summary.

Examples:
  jrpc bench http://127.0.0.1:8545/ subtract 42 23
  jrpc bench http://127.0.0.1:8545/ subtract 42 23 -c 64 -d 30s --pipeline 4
  jrpc bench ws://127.0.0.1:8545/ subtract minuend:=42 subtrahend:=23 -c 8 --pipeline 16
  jrpc bench tcp://127.0.0.1:8546 sum 1 2 3 --batch 100 --requests 100000 --json
  jrpc bench tcp://127.0.0.1:8546 subtract 42 23 --framing content-length
  jrpc bench unix:/tmp/spec.sock get_data --threads 2";

/// `jrpc bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// The server: http(s)://host:port/path, ws(s)://host:port/path, tcp://host:port,
    /// tls://host:port or unix:/path. With --exec there is no URL: the first word is the METHOD.
    #[arg(value_name = "URL")]
    pub url: String,
    /// The method to call.
    #[arg(value_name = "METHOD")]
    pub method: Option<String>,
    /// Load a program spoken to over its stdin and stdout instead of a URL: each connection is a
    /// process of its own (e.g. a language server, `spec-server --stdio`).
    #[arg(long, value_name = "COMMAND")]
    pub exec: Option<String>,
    /// Parameters, as for `jrpc build`: VALUE, name=value, name:=json.
    #[arg(value_name = "PARAMS")]
    pub params: Vec<String>,
    /// Send every bare parameter as a string.
    #[arg(short, long)]
    pub string: bool,
    /// The whole params member as JSON (an array or an object), instead of PARAMS.
    #[arg(
        long = "params",
        id = "params_json",
        value_name = "JSON",
        conflicts_with = "params"
    )]
    pub params_json: Option<String>,
    /// Connections to open (each is a persistent, keep-alive connection).
    #[arg(short, long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub connections: u32,
    /// How long to run, e.g. 10s, 500ms, 1m (default 10s unless --requests is given).
    #[arg(short, long, value_parser = crate::args::parse_duration, conflicts_with = "requests")]
    pub duration: Option<Duration>,
    /// Stop after this many calls instead of after a duration.
    #[arg(short = 'n', long, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000_000))]
    pub requests: Option<u64>,
    /// Messages in flight on each connection (HTTP: pipelining depth).
    #[arg(short, long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub pipeline: u32,
    /// Calls per message: send batches of this many calls (1: single calls).
    #[arg(short, long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub batch: u32,
    /// Framing on tcp:// and unix: targets.
    #[arg(long, value_parser = crate::args::framing_parser(), default_value = "newline")]
    pub framing: Framing,
    /// A CA certificate (PEM) to trust for https://, wss:// and tls:// besides the usual roots.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<std::path::PathBuf>,
    /// An extra HTTP header, 'Name: value' (repeatable).
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// A connection waiting this long for a reply counts its calls as timed out and reconnects.
    #[arg(long, default_value = "10s", value_parser = crate::args::parse_duration)]
    pub timeout: Duration,
    /// Worker threads of the load generator.
    #[arg(short, long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub threads: u32,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// No progress bar (it is shown only when stderr is a terminal anyway).
    #[arg(long)]
    pub no_progress: bool,
}

/// What every connection shares.
struct Shared {
    target: Target,
    framing: Framing,
    /// Extra CA certificates (PEM) for TLS targets.
    roots: Vec<Vec<u8>>,
    /// Slot k's bytes on the wire.
    slots: Vec<Bytes>,
    batch: u64,
    timeout: Duration,
    /// Messages still to send (u64::MAX: until the deadline).
    budget: AtomicU64,
    /// Calls answered so far, and errors, for the progress bar.
    done: AtomicU64,
    errors: AtomicU64,
}

impl Shared {
    fn claim(&self) -> bool {
        self.budget
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| match left {
                u64::MAX => Some(u64::MAX),
                0 => None,
                n => Some(n - 1),
            })
            .is_ok()
    }
}

/// Runs `jrpc bench`.
pub fn run(mut args: BenchArgs) -> CliResult {
    // With --exec the positional words shift: the first is the method, the rest its params.
    let (target, method) = match &args.exec {
        Some(command) => {
            let target = Target::exec(command)?;
            if let Some(first) = args.method.take() {
                args.params.insert(0, first);
            }
            (target, args.url.clone())
        }
        None => {
            let Some(method) = args.method.clone() else {
                return Err(CliError::usage(
                    "the METHOD is missing: jrpc bench URL METHOD [PARAMS...]",
                ));
            };
            (Target::parse(&args.url)?, method)
        }
    };
    #[cfg(not(unix))]
    if let Target::Url(Endpoint::Unix { .. }) = &target {
        return Err(CliError::usage("Unix sockets are not available on this system"));
    }
    let roots = crate::connect::read_cacert(args.cacert.as_deref())?;
    let params = match &args.params_json {
        Some(raw) => crate::params::parse_raw(raw)?,
        None => crate::params::parse(&args.params, args.string)?,
    };
    let headers = parse_headers(&args.headers)?;
    let slots = (0..u64::from(args.pipeline))
        .map(|slot| {
            slot_bytes(
                &target,
                args.framing,
                &method,
                &params,
                slot,
                u64::from(args.batch),
                &headers,
            )
        })
        .collect::<Result<Vec<Bytes>, CliError>>()?;
    let batch = u64::from(args.batch);
    let budget = match args.requests {
        Some(calls) => calls.div_ceil(batch),
        None => u64::MAX,
    };
    let duration = match (args.duration, args.requests) {
        (Some(duration), _) => Some(duration),
        (None, Some(_)) => None,
        (None, None) => Some(Duration::from_secs(10)),
    };
    let shared = Arc::new(Shared {
        target: target.clone(),
        framing: args.framing,
        roots,
        slots,
        batch,
        timeout: args.timeout,
        budget: AtomicU64::new(budget),
        done: AtomicU64::new(0),
        errors: AtomicU64::new(0),
    });
    let runtime = if args.threads == 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.threads as usize)
            .enable_all()
            .build()
    }
    .map_err(|e| CliError::usage(format!("cannot start the runtime: {e}")))?;
    let progress = !args.no_progress && !args.json && std::io::stderr().is_terminal();
    let (stats, elapsed, interrupted) = runtime.block_on(drive(
        Arc::clone(&shared),
        args.connections,
        duration,
        args.requests,
        progress,
    ))?;
    let shape = Shape {
        method: method.clone(),
        connections: args.connections,
        pipeline: args.pipeline,
        batch: args.batch,
        threads: args.threads,
    };
    let summary = Summary::new(&shape, &target, stats, elapsed, interrupted);
    if args.json {
        crate::outln!("{}", summary.to_json());
    } else {
        crate::out!("{}", summary.to_table());
    }
    if summary.requests == 0 && summary.transport_errors > 0 {
        let why = summary.first_transport_error.clone().unwrap_or_default();
        return Err(CliError::transport(format!("no call was answered: {why}")));
    }
    if summary.requests > 0 && summary.rpc_errors == summary.requests {
        eprintln!(
            "jrpc: warning: every reply was a JSON-RPC error (first: {})",
            summary.first_rpc_error.clone().unwrap_or_default()
        );
    }
    Ok(Status::Ok)
}

/// Starts the connections and the clock; returns the merged stats, the elapsed time and whether
/// Ctrl-C ended the run.
async fn drive(
    shared: Arc<Shared>,
    connections: u32,
    duration: Option<Duration>,
    requests: Option<u64>,
    progress: bool,
) -> Result<(Vec<ConnStats>, Duration, bool), CliError> {
    // Take over Ctrl-C before anything else, so an early one ends the run with a summary too.
    let mut interrupt = Interrupt::new();
    // Open every connection first, so connection set-up is not measured and an unreachable server
    // is reported at once.
    let mut opened = Vec::with_capacity(connections as usize);
    for _ in 0..connections {
        let conn = Conn::connect(&shared.target, shared.framing, &shared.roots)
            .await
            .map_err(|e| match e {
                ConnError::Io(error) => {
                    CliError::transport(format!("cannot connect to {}: {error}", shared.target))
                }
                ConnError::Garbage(why) => {
                    CliError::invalid_reply(format!("invalid reply from {}: {why}", shared.target))
                }
            })?;
        opened.push(conn);
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    let start = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for conn in opened {
        workers.spawn(worker(Arc::clone(&shared), conn, stop_rx.clone()));
    }
    let bar = progress.then(|| report::progress_bar(duration, requests));
    let interrupted = Arc::new(AtomicBool::new(false));
    let clock = {
        let stop_tx = stop_tx.clone();
        let interrupted = Arc::clone(&interrupted);
        let shared = Arc::clone(&shared);
        let bar = bar.clone();
        tokio::spawn(async move {
            let deadline = duration.map(|d| tokio::time::Instant::from_std(start + d));
            let mut tick = tokio::time::interval(Duration::from_millis(200));
            loop {
                tokio::select! {
                    _ = interrupt.recv() => {
                        interrupted.store(true, Ordering::Relaxed);
                        break;
                    }
                    _ = async { match deadline { Some(d) => tokio::time::sleep_until(d).await, None => std::future::pending().await } } => break,
                    _ = tick.tick() => {
                        if let Some(bar) = &bar {
                            report::update_bar(bar, start, duration, shared.done.load(Ordering::Relaxed), shared.errors.load(Ordering::Relaxed));
                        }
                    }
                }
            }
            let _ = stop_tx.send(true);
        })
    };
    let mut stats = Vec::new();
    let mut fatal = None;
    while let Some(joined) = workers.join_next().await {
        match joined {
            Ok(Ok(conn_stats)) => stats.push(conn_stats),
            Ok(Err(error)) => {
                let _ = stop_tx.send(true);
                fatal.get_or_insert(error);
            }
            Err(join_error) => {
                let _ = stop_tx.send(true);
                fatal.get_or_insert(CliError::new(
                    Status::Usage,
                    format!("a load task failed: {join_error}"),
                ));
            }
        }
    }
    let elapsed = start.elapsed();
    clock.abort();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if let Some(error) = fatal {
        return Err(error);
    }
    Ok((stats, elapsed, interrupted.load(Ordering::Relaxed)))
}

/// SIGINT (Ctrl-C), listened for from the moment this is created (`tokio::signal::ctrl_c` only
/// starts listening when first polled).
struct Interrupt {
    #[cfg(unix)]
    signal: Option<tokio::signal::unix::Signal>,
}

impl Interrupt {
    fn new() -> Interrupt {
        Interrupt {
            #[cfg(unix)]
            signal: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok(),
        }
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        if let Some(signal) = &mut self.signal {
            signal.recv().await;
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// One connection's loop: keep every slot in flight until the budget or the clock runs out.
async fn worker(
    shared: Arc<Shared>,
    mut conn: Conn,
    mut stop: watch::Receiver<bool>,
) -> Result<ConnStats, CliError> {
    let depth = shared.slots.len();
    let calls = shared.batch;
    let mut stats = ConnStats::empty();
    let mut sent_at: Vec<Option<Instant>> = vec![None; depth];
    // HTTP/1.1 answers in order: the slots in the order they were sent.
    let mut order = std::collections::VecDeque::with_capacity(depth);
    let is_http = matches!(shared.target, Target::Url(Endpoint::Http { .. }));
    let mut ready: Vec<usize> = (0..depth).collect();
    let mut in_flight = 0usize;
    loop {
        if *stop.borrow() {
            break;
        }
        // Send every free slot the budget allows, in one write.
        let mut sending: Vec<&Bytes> = Vec::with_capacity(ready.len());
        let now = Instant::now();
        for &slot in &ready {
            if !shared.claim() {
                break;
            }
            sent_at[slot] = Some(now);
            if is_http {
                order.push_back(slot);
            }
            sending.push(&shared.slots[slot]);
        }
        ready.clear();
        in_flight += sending.len();
        if !sending.is_empty() {
            if let Err(error) = conn.send(&sending).await {
                match error {
                    ConnError::Garbage(why) => return Err(invalid(&shared, why)),
                    ConnError::Io(error) => {
                        stats.transport_error(in_flight as u64 * calls, || format!("write failed: {error}"));
                        shared
                            .errors
                            .fetch_add(in_flight as u64 * calls, Ordering::Relaxed);
                        match reopen(&shared, &mut stats).await {
                            Some(new) => conn = new,
                            None => break,
                        }
                        in_flight = 0;
                        order.clear();
                        ready.extend(0..depth);
                        continue;
                    }
                }
            }
        }
        if in_flight == 0 {
            break;
        }
        let reply = tokio::select! {
            biased;
            _ = stop.changed() => break,
            reply = tokio::time::timeout(shared.timeout, conn.next()) => reply,
        };
        let reply = match reply {
            Ok(Ok(reply)) => reply,
            Ok(Err(ConnError::Garbage(why))) => return Err(invalid(&shared, why)),
            failed => {
                let lost = in_flight as u64 * calls;
                match failed {
                    Err(_) => {
                        stats.timeouts += lost;
                        stats.transport_error(lost, || format!("no reply within {:?}", shared.timeout));
                    }
                    Ok(Err(ConnError::Io(error))) => stats.transport_error(lost, || error.to_string()),
                    Ok(_) => {}
                }
                shared.errors.fetch_add(lost, Ordering::Relaxed);
                match reopen(&shared, &mut stats).await {
                    Some(new) => conn = new,
                    None => break,
                }
                in_flight = 0;
                order.clear();
                ready.extend(0..depth);
                continue;
            }
        };
        let mut next = Some(reply);
        while let Some(reply) = next {
            let slot = complete(
                &shared,
                &reply,
                is_http.then(|| order.pop_front()).flatten(),
                &sent_at,
                &mut stats,
            )?;
            sent_at[slot] = None;
            in_flight -= 1;
            ready.push(slot);
            if reply.close {
                // The server ends the connection after this reply (HTTP `Connection: close`):
                // calls still in flight on it are lost; carry on over a new connection.
                if in_flight > 0 {
                    let lost = in_flight as u64 * calls;
                    stats.transport_error(lost, || {
                        "the server closed the connection (Connection: close)".into()
                    });
                    shared.errors.fetch_add(lost, Ordering::Relaxed);
                }
                match reopen(&shared, &mut stats).await {
                    Some(new) => conn = new,
                    None => return Ok(stats),
                }
                in_flight = 0;
                order.clear();
                ready.clear();
                ready.extend(0..depth);
                break;
            }
            next = match conn.buffered() {
                Ok(next) => next,
                Err(ConnError::Garbage(why)) => return Err(invalid(&shared, why)),
                Err(ConnError::Io(_)) => None,
            };
        }
    }
    Ok(stats)
}

/// Reopens a broken connection; None (after counting the failure) if the server is gone.
async fn reopen(shared: &Shared, stats: &mut ConnStats) -> Option<Conn> {
    match Conn::connect(&shared.target, shared.framing, &shared.roots).await {
        Ok(conn) => Some(conn),
        Err(error) => {
            let why = match error {
                ConnError::Io(error) => format!("reconnect failed: {error}"),
                ConnError::Garbage(why) => format!("reconnect failed: {why}"),
            };
            stats.transport_error(1, || why);
            shared.errors.fetch_add(1, Ordering::Relaxed);
            None
        }
    }
}

fn invalid(shared: &Shared, why: String) -> CliError {
    CliError::invalid_reply(format!("invalid reply from {}: {why}", shared.target))
}

/// Accounts for one reply; returns the slot it completes.
fn complete(
    shared: &Shared,
    reply: &Reply,
    http_slot: Option<usize>,
    sent_at: &[Option<Instant>],
    stats: &mut ConnStats,
) -> Result<usize, CliError> {
    let calls = shared.batch;
    let now = Instant::now();
    let record = |stats: &mut ConnStats, slot: usize| {
        if let Some(sent) = sent_at[slot] {
            let micros = now.duration_since(sent).as_micros().max(1);
            stats
                .histogram
                .saturating_record(u64::try_from(micros).unwrap_or(u64::MAX));
        }
        stats.messages += 1;
    };
    if let Some(status) = reply.status {
        if status != 200 {
            let slot =
                http_slot.ok_or_else(|| invalid(shared, format!("an HTTP {status} reply to no request")))?;
            record(stats, slot);
            stats.transport_error(calls, || {
                format!("HTTP status {status}: {}", conn::snippet(&reply.body))
            });
            shared.errors.fetch_add(calls, Ordering::Relaxed);
            return Ok(slot);
        }
    }
    let text = std::str::from_utf8(&reply.body).map_err(|_| {
        invalid(
            shared,
            format!("the reply is not UTF-8: {}", conn::snippet(&reply.body)),
        )
    })?;
    let parsed =
        parse_responses(text).map_err(|e| invalid(shared, format!("{e}: {}", conn::snippet(&reply.body))))?;
    let lookup = |id: &str| -> Result<usize, CliError> {
        let slot = id
            .parse::<u64>()
            .ok()
            .map(|id| id / calls)
            .filter(|&slot| (slot as usize) < sent_at.len() && sent_at[slot as usize].is_some());
        match (slot, http_slot) {
            (Some(slot), Some(expected)) if slot as usize != expected => Err(invalid(
                shared,
                format!("reply id {id} answers another request than the one HTTP/1.1 order says"),
            )),
            (Some(slot), _) => Ok(slot as usize),
            (None, _) => Err(invalid(
                shared,
                format!(
                    "reply id {id} matches no call in flight: {}",
                    conn::snippet(&reply.body)
                ),
            )),
        }
    };
    let (slot, answered, errors, first_error) = match parsed {
        Responses::Single(response) => {
            if response.id == jrpc::wire::NULL_ID {
                if let Err(error) = &response.outcome {
                    // The server could not read our request at all: every call will get the same.
                    return Err(CliError::new(
                        Status::RpcError,
                        format!(
                            "{} rejected the request: {} {}{}",
                            shared.target,
                            error.code(),
                            error.message(),
                            error
                                .data()
                                .map(|d| format!(" (data: {})", d.get()))
                                .unwrap_or_default()
                        ),
                    ));
                }
            }
            if calls != 1 {
                return Err(invalid(
                    shared,
                    format!(
                        "a single response to a batch of {calls}: {}",
                        conn::snippet(&reply.body)
                    ),
                ));
            }
            let slot = lookup(response.id)?;
            let error = response
                .outcome
                .err()
                .map(|e| format!("{} {}", e.code(), e.message()));
            (slot, 1, u64::from(error.is_some()), error)
        }
        Responses::Batch(elements) => {
            if elements.len() as u64 != calls {
                return Err(invalid(
                    shared,
                    format!("{} responses to a batch of {calls} calls", elements.len()),
                ));
            }
            let mut slot = None;
            let mut errors = 0;
            let mut first_error = None;
            for element in elements {
                let response = element.map_err(|e| invalid(shared, format!("a batch element: {e}")))?;
                let element_slot = lookup(response.id)?;
                if *slot.get_or_insert(element_slot) != element_slot {
                    return Err(invalid(
                        shared,
                        "a batch reply mixes the answers of two batches".into(),
                    ));
                }
                if let Err(error) = response.outcome {
                    errors += 1;
                    first_error.get_or_insert_with(|| format!("{} {}", error.code(), error.message()));
                }
            }
            (slot.unwrap_or_default(), calls, errors, first_error)
        }
    };
    record(stats, slot);
    stats.calls += answered;
    stats.rpc_errors += errors;
    if stats.first_rpc_error.is_none() {
        stats.first_rpc_error = first_error;
    }
    shared.done.fetch_add(answered, Ordering::Relaxed);
    if errors > 0 {
        shared.errors.fetch_add(errors, Ordering::Relaxed);
    }
    Ok(slot)
}

/// The bytes of slot `slot`: one call with id `slot`, or a batch with ids `slot*batch ..`, written
/// by the library's request writer and framed: an HTTP/1.1 POST, a WebSocket message as it is, or
/// the library's stream codec.
fn slot_bytes(
    target: &Target,
    framing: Framing,
    method: &str,
    params: &crate::params::Params,
    slot: u64,
    batch: u64,
    headers: &str,
) -> Result<Bytes, CliError> {
    let body = if batch == 1 {
        crate::message::request(method, params, Some(&slot.to_string()))?
    } else {
        let calls = (0..batch)
            .map(|i| crate::message::request(method, params, Some(&(slot * batch + i).to_string())))
            .collect::<Result<Vec<String>, CliError>>()?;
        crate::message::batch(&calls)
    };
    Ok(match target {
        Target::Url(endpoint @ Endpoint::Http { path, .. }) => Bytes::from(format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: {}\r\n{headers}\r\n{body}",
            endpoint.authority().unwrap_or_default(),
            body.len()
        )),
        Target::Url(Endpoint::WebSocket { .. }) => Bytes::from(body),
        _ => {
            let mut framed = BytesMut::with_capacity(body.len() + 32);
            framing::Codec::new(framing, usize::MAX)
                .encode(Bytes::from(body), &mut framed)
                .map_err(|e| CliError::usage(format!("cannot frame the request: {e}")))?;
            framed.freeze()
        }
    })
}

/// `-H 'Name: value'` headers as wire text (each ending in CRLF).
fn parse_headers(headers: &[String]) -> Result<String, CliError> {
    let mut out = String::new();
    for header in headers {
        let Some((name, value)) = header.split_once(':') else {
            return Err(CliError::usage(format!(
                "--header '{header}': write it as 'Name: value'"
            )));
        };
        let name = name.trim();
        let valid_name = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !valid_name || value.contains(['\r', '\n']) {
            return Err(CliError::usage(format!(
                "--header '{header}' is not a valid HTTP header"
            )));
        }
        out.push_str(&format!("{name}: {}\r\n", value.trim()));
    }
    Ok(out)
}
