//! `jrpc call`, `jrpc notify` and `jrpc batch`: send messages with the jrpc client and print what
//! comes back. Results go to stdout; a JSON-RPC error goes to stderr with exit status 1, distinct
//! from transport failures (3) and replies that are not JSON-RPC (4).

use clap::Args;
use jrpc::client::Batch;
use serde_json::value::RawValue;

use crate::compose;
use crate::connect::{connect, failure, runtime, split_target, SendArgs};
use crate::exit::{CliError, CliResult, Status};
use crate::output::{Output, OutputArgs};
use crate::params;

/// The examples under `jrpc call --help`.
pub const CALL_HELP: &str = "\
Examples:
  jrpc call http://127.0.0.1:8545/ subtract 42 23          prints 19
  jrpc call ws://127.0.0.1:8545/ subtract minuend:=42 subtrahend:=23
  jrpc call tcp://127.0.0.1:8546 get_data
  jrpc call unix:/tmp/spec.sock sum 1 2 4
  jrpc call --exec 'spec-server --stdio' subtract 42 23   a child process over its stdio
  jrpc call --exec 'my-lsp' --framing content-length initialize --params '{\"capabilities\":{}}'
  jrpc call https://node.example/ eth_blockNumber -H 'Authorization: Bearer TOKEN' --timeout 5s
  jrpc call http://127.0.0.1:8545/ subtract 42 x --check-params   refused: param 'subtrahend' (exit 2)

URLs: http(s)://host:port/path, ws(s)://host:port/path, tcp://host:port, unix:/path/to/socket;
a bare host:port or :port means http://.
The result goes to stdout (pretty on a terminal, compact when piped, exact with --raw); a JSON-RPC
error goes to stderr with its code, message and data, and exit status 1.";

/// The examples under `jrpc notify --help`.
pub const NOTIFY_HELP: &str = "\
Examples:
  jrpc notify http://127.0.0.1:8545/ update 1 2 3 4 5
  jrpc notify tcp://127.0.0.1:8546 notify_hello 7
Nothing is printed; the exit status is 0 once the notification was delivered.";

/// The examples under `jrpc batch --help`.
pub const BATCH_HELP: &str = "\
Examples:
  jrpc batch http://127.0.0.1:8545/ -- sum 1 2 4 , --notify notify_hello 7 , subtract 42 23
  printf '%s\\n' 'sum 1 2 4' 'get_data' | jrpc batch ws://127.0.0.1:8545/
Elements are written as for 'jrpc build' and separated by ',' (or one per line on stdin); ids are
given by the client. The output lists each call in order as {\"result\": ...} or {\"error\": ...};
the exit status is 1 if any call failed.";

/// `jrpc call` and `jrpc notify`.
#[derive(Debug, Args)]
pub struct CallArgs {
    /// URL (omitted with --exec), METHOD, then PARAMS: VALUE, name=value or name:=json.
    #[arg(value_name = "URL METHOD PARAMS", required = true, num_args = 1..)]
    pub words: Vec<String>,
    /// Send every bare parameter as a string, even if it parses as JSON.
    #[arg(short, long)]
    pub string: bool,
    /// The whole params member as JSON (an array or an object), instead of PARAMS.
    #[arg(long = "params", value_name = "JSON")]
    pub params_json: Option<String>,
    /// Print the result exactly as the server sent it: no re-formatting, no colour.
    #[arg(long)]
    pub raw: bool,
    /// Fetch the server's OpenRPC document (rpc.discover) first and refuse params that do not
    /// match the method's schemas (exit status 2), naming the wrong param.
    #[arg(long)]
    pub check_params: bool,
    #[command(flatten)]
    pub send: SendArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `jrpc batch`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// URL (omitted with --exec), then elements separated by ',' (e.g. sum 1 2 , --notify
    /// update 3); with no elements, one per line from stdin.
    #[arg(value_name = "URL ELEMENTS", num_args = 0.., allow_hyphen_values = true)]
    pub words: Vec<String>,
    #[command(flatten)]
    pub send: SendArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Runs `jrpc call` (or `jrpc notify` when `notify` is set).
pub fn call(args: &CallArgs, notify: bool) -> CliResult {
    let (target, rest) = split_target(&args.words, &args.send)?;
    let Some((method, words)) = rest.split_first() else {
        return Err(CliError::usage("the METHOD is missing"));
    };
    let params = match &args.params_json {
        Some(_) if !words.is_empty() => {
            return Err(CliError::usage(
                "give the parameters either as PARAMS or with --params, not both",
            ))
        }
        Some(text) => params::parse_raw(text)?,
        None => params::parse(words, args.string)?,
    };
    let params = match params.to_json() {
        Some(text) => Some(raw(text)?),
        None => None,
    };
    let output = Output::for_stdout(&args.output);
    runtime()?.block_on(async {
        let client = connect(&target, &args.send).await?;
        if args.check_params {
            let document = super::discover::fetch(&client).await?;
            let value = match params.as_deref() {
                Some(raw) => Some(
                    serde_json::from_str::<serde_json::Value>(raw.get())
                        .map_err(|e| CliError::usage(format!("the params: {e}")))?,
                ),
                None => None,
            };
            super::discover::check_params(&document, method, value.as_ref())
                .map_err(|reason| CliError::usage(format!("{reason}; not sent (--check-params)")))?;
        }
        if notify {
            client.notify(method, &params).await.map_err(failure)?;
            return Ok(Status::Ok);
        }
        let result = client
            .call_raw(method, params.as_deref())
            .await
            .map_err(failure)?;
        if args.raw {
            crate::outln!("{}", result.get());
        } else {
            crate::outln!("{}", output.render(result.get()));
        }
        Ok(Status::Ok)
    })
}

/// Runs `jrpc batch`: prints one entry per call, in order: `{"result": ...}` or `{"error": ...}`.
pub fn batch(args: &BatchArgs) -> CliResult {
    let (target, rest) = split_target(&args.words, &args.send)?;
    let rest = match rest.first().map(String::as_str) {
        Some("--") => &rest[1..],
        _ => rest,
    };
    let elements = if rest.is_empty() {
        compose::from_stdin()?
    } else {
        compose::from_groups(rest)?
    };
    // Composing first checks every element as `jrpc build --batch` does.
    let composed = compose::build_batch(&elements)?;
    let values: Vec<serde_json::Value> =
        serde_json::from_str(&composed).map_err(|e| CliError::usage(format!("the batch: {e}")))?;
    let mut batch = Batch::new();
    let mut slots = Vec::new();
    for (index, value) in values.iter().enumerate() {
        let Some(method) = value.get("method").and_then(serde_json::Value::as_str) else {
            return Err(CliError::usage(format!(
                "batch element {}: only requests and notifications can be sent",
                index + 1
            )));
        };
        let params = value.get("params");
        let added = if value.get("id").is_some() {
            batch
                .call::<Box<RawValue>, _>(method, params)
                .map(|slot| slots.push(slot))
        } else {
            batch.notify(method, params)
        };
        added.map_err(|e| CliError::usage(format!("batch element {}: {e}", index + 1)))?;
    }
    let output = Output::for_stdout(&args.output);
    runtime()?.block_on(async {
        let client = connect(&target, &args.send).await?;
        let mut results = client.send_batch(batch).await.map_err(failure)?;
        let mut entries = Vec::with_capacity(slots.len());
        let mut status = Status::Ok;
        for slot in slots {
            match results.take(slot) {
                Ok(result) => entries.push(format!(r#"{{"result":{}}}"#, result.get())),
                Err(error) => {
                    let Some(remote) = error.remote_error() else {
                        return Err(failure(error));
                    };
                    status = Status::RpcError;
                    let object =
                        serde_json::to_string(remote).map_err(|e| CliError::invalid_reply(e.to_string()))?;
                    entries.push(format!(r#"{{"error":{object}}}"#));
                }
            }
        }
        if !entries.is_empty() {
            crate::outln!("{}", output.render(&format!("[{}]", entries.join(","))));
        }
        Ok(status)
    })
}

fn raw(text: String) -> Result<Box<RawValue>, CliError> {
    RawValue::from_string(text).map_err(|e| CliError::usage(format!("the params are not valid JSON: {e}")))
}
