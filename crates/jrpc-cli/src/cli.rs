//! The command line: every command's arguments and the help text with examples.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::bench::BenchArgs;
use crate::check::Expect;
use crate::output::OutputArgs;

const MAIN_HELP: &str = "\
Examples:
  jrpc build subtract 42 23                       a request, id 1 by default
  jrpc build subtract minuend:=42 subtrahend:=23 --id 2
  jrpc build --notify update 1 2 3                a notification (no id)
  jrpc build --result 19 --id 1                   a response
  jrpc check messages.jsonl                       validate requests and responses
  jrpc call http://127.0.0.1:8545/ subtract 42 23 send a call, print its result
  jrpc notify ws://127.0.0.1:8545/ update 1 2 3   send a notification
  jrpc batch tcp://127.0.0.1:8546 -- sum 1 2 , get_data
  jrpc call --exec 'spec-server --stdio' get_data  talk to a child process over its stdio
  jrpc bench http://127.0.0.1:8545/ subtract 42 23 --connections 32 --duration 10s
  jrpc completions bash > /etc/bash_completion.d/jrpc

Parameters, HTTPie style:
  VALUE        positional: JSON if it parses as JSON (42, true, [1,2], '\"x\"'), else a string
  name=value   named, the value a string
  name:=json   named, the value JSON (name:=42, 'tags:=[\"a\",\"b\"]')
  Positional and named parameters cannot be mixed (params is an array or an object, spec 4.2).

URLs: http(s)://host:port/path, ws(s)://host:port/path, tcp://host:port, unix:/path/to/socket
(bench: no TLS). A bare host:port or :port means http://.
";

/// jrpc: build, check and benchmark JSON-RPC 2.0 messages.
#[derive(Debug, Parser)]
#[command(
    name = "jrpc",
    version,
    propagate_version = true,
    after_help = format!("{MAIN_HELP}\n{}", crate::exit::EXIT_STATUS_HELP),
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compose a request, notification, response, error response or batch and print it.
    #[command(after_help = BUILD_HELP, allow_negative_numbers = true)]
    Build(BuildArgs),
    /// Validate messages against the JSON-RPC 2.0 specification and list every rule broken.
    #[command(after_help = CHECK_HELP)]
    Check(CheckArgs),
    /// Call a method and print its result (stdout) or the server's error (stderr, exit status 1).
    #[command(after_help = CALL_HELP, allow_negative_numbers = true)]
    Call(crate::send::CallArgs),
    /// Send a notification: the server runs it and never answers.
    #[command(after_help = NOTIFY_HELP, allow_negative_numbers = true)]
    Notify(crate::send::CallArgs),
    /// Send a batch and print each call's result or error, in order.
    #[command(after_help = BATCH_SEND_HELP, allow_negative_numbers = true)]
    Batch(crate::send::BatchArgs),
    /// Load-test a JSON-RPC server over HTTP, WebSocket, TCP or a Unix socket.
    #[command(after_help = BENCH_HELP, allow_negative_numbers = true)]
    Bench(BenchArgs),
    /// Serve the browser playground on a loopback port and open it, pointed at URL.
    Playground(crate::playground::PlaygroundArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(after_help = COMPLETIONS_HELP)]
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

const CALL_HELP: &str = "\
Examples:
  jrpc call http://127.0.0.1:8545/ subtract 42 23          prints 19
  jrpc call ws://127.0.0.1:8545/ subtract minuend:=42 subtrahend:=23
  jrpc call tcp://127.0.0.1:8546 get_data
  jrpc call unix:/tmp/spec.sock sum 1 2 4
  jrpc call --exec 'spec-server --stdio' subtract 42 23   a child process over its stdio
  jrpc call --exec 'my-lsp' --framing content-length initialize --params '{\"capabilities\":{}}'
  jrpc call https://node.example/ eth_blockNumber -H 'Authorization: Bearer TOKEN' --timeout 5s

URLs: http(s)://host:port/path, ws(s)://host:port/path, tcp://host:port, unix:/path/to/socket;
a bare host:port or :port means http://.
The result goes to stdout (pretty on a terminal, compact when piped, exact with --raw); a JSON-RPC
error goes to stderr with its code, message and data, and exit status 1.";

const NOTIFY_HELP: &str = "\
Examples:
  jrpc notify http://127.0.0.1:8545/ update 1 2 3 4 5
  jrpc notify tcp://127.0.0.1:8546 notify_hello 7
Nothing is printed; the exit status is 0 once the notification was delivered.";

const BATCH_SEND_HELP: &str = "\
Examples:
  jrpc batch http://127.0.0.1:8545/ -- sum 1 2 4 , --notify notify_hello 7 , subtract 42 23
  printf '%s\\n' 'sum 1 2 4' 'get_data' | jrpc batch ws://127.0.0.1:8545/
Elements are written as for 'jrpc build' and separated by ',' (or one per line on stdin); ids are
given by the client. The output lists each call in order as {\"result\": ...} or {\"error\": ...};
the exit status is 1 if any call failed.";

const BUILD_HELP: &str = "\
Examples:
  jrpc build subtract 42 23
      {\"jsonrpc\":\"2.0\",\"method\":\"subtract\",\"params\":[42,23],\"id\":1}
  jrpc build subtract minuend:=42 subtrahend:=23 --id 2
      {\"jsonrpc\":\"2.0\",\"method\":\"subtract\",\"params\":{\"minuend\":42,\"subtrahend\":23},\"id\":2}
  jrpc build --notify update 1 2 3
      {\"jsonrpc\":\"2.0\",\"method\":\"update\",\"params\":[1,2,3]}
  jrpc build greet name=Ada --id '\"a1\"'          a string id; --id abc is the string \"abc\" too
  jrpc build echo -s 42 true                      --string: bare values are strings [\"42\",\"true\"]
  jrpc build getBlock --params '[\"latest\", false]'
  jrpc build --result 19 --id 1
  jrpc build --error -32601 'Method not found' --id 3
  jrpc build --error method-not-found --id 3      the standard message is filled in
  jrpc build --error -32000 'Busy' --data '{\"retry\":5}' --id null

Batches (--batch): elements as groups separated by ',' after '--', or one element per line on stdin.
Each element takes the same arguments as `jrpc build`; a line that starts with '{' or '[' is copied
as JSON. Requests without --id get ids 1, 2, 3... in order.
  jrpc build --batch -- sum 1 2 4 , --notify notify_hello 7 , subtract 42 23
  printf '%s\\n' 'sum 1 2 4' '--notify notify_hello 7' '{\"foo\": \"boo\"}' | jrpc build --batch

Output is compact on one line when stdout is not a terminal, pretty and coloured on a terminal;
--pretty, --compact and --color force either.";

const CHECK_HELP: &str = "\
Reads one message, a batch, or many messages (one per line, or concatenated), from files or stdin,
and says for each whether it is a valid request, notification, response, error response or batch,
with every rule it breaks and the section of the specification. Warnings (SHOULD-level rules such as
a null or fractional id, or a method named rpc.*) do not make a message invalid unless --strict.
After invalid JSON, reading resumes at the next line.

Examples:
  jrpc check request.json
  echo '{\"jsonrpc\":\"2.0\",\"method\":1,\"params\":\"bar\"}' | jrpc check
      message 1 (line 1): invalid request (no id)
        error: method must be a string, not a number (spec 4)
        error: params must be an array or an object, not a string (spec 4.2)
  jrpc build subtract 42 23 | jrpc check --quiet && echo valid
  jrpc check --expect response replies.jsonl --json

Exit status: 0 when every message is valid, 5 when one is not, 2 when input cannot be read.";

const BENCH_HELP: &str = "\
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

const COMPLETIONS_HELP: &str = "\
Examples:
  jrpc completions bash > ~/.local/share/bash-completion/completions/jrpc
  jrpc completions zsh > \"${fpath[1]}/_jrpc\"
  jrpc completions fish > ~/.config/fish/completions/jrpc.fish";

/// One message to compose: the arguments of `jrpc build` and of each batch element.
#[derive(Debug, Clone, Default, Args)]
pub struct MessageArgs {
    /// The method to call (omit with --result or --error).
    #[arg(value_name = "METHOD")]
    pub method: Option<String>,
    /// Parameters: VALUE (positional), name=value (named string), name:=json (named JSON).
    #[arg(value_name = "PARAMS")]
    pub params: Vec<String>,
    /// Make a notification: no id, and no reply expected (spec 4.1).
    #[arg(short, long, conflicts_with_all = ["id", "result", "error"])]
    pub notify: bool,
    /// The id: a number (1), a string ("1" in JSON quotes, or any text that is not JSON), or null.
    /// Default: 1 (in a batch: 1, 2, 3...).
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// Send every bare parameter as a string, even if it parses as JSON (42 becomes "42").
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
    /// Make a success response with this result (JSON; a bare word is a string).
    #[arg(long, value_name = "JSON", conflicts_with = "error")]
    pub result: Option<String>,
    /// Make an error response: an integer code or a standard name (method-not-found...), and a
    /// message (default: the standard message of a predefined code).
    #[arg(long, num_args = 1..=2, value_names = ["CODE", "MESSAGE"])]
    pub error: Option<Vec<String>>,
    /// The error's data member (JSON; a bare word is a string).
    #[arg(long, value_name = "JSON", requires = "error")]
    pub data: Option<String>,
}

/// `jrpc build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub message: MessageArgs,
    /// Compose a batch: elements separated by ',' after '--', or one per line from stdin.
    #[arg(long, short = 'b')]
    pub batch: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// A batch element parsed on its own.
#[derive(Debug, Parser)]
#[command(
    name = "element",
    no_binary_name = true,
    allow_negative_numbers = true,
    disable_help_flag = true,
    disable_version_flag = true
)]
pub struct ElementArgs {
    #[command(flatten)]
    pub message: MessageArgs,
}

/// `jrpc check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files to read; none or '-' reads stdin.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Judge objects as requests or responses only (default: by their members).
    #[arg(long, value_enum, default_value_t = Expect::Any)]
    pub expect: Expect,
    /// Count warnings as violations (exit status 5).
    #[arg(long)]
    pub strict: bool,
    /// Print nothing; only the exit status tells.
    #[arg(short, long, conflicts_with = "json")]
    pub quiet: bool,
    /// Print the verdicts as JSON (one array).
    #[arg(long)]
    pub json: bool,
    /// Colour the verdicts.
    #[arg(long, value_enum, default_value_t = crate::output::ColorChoice::Auto, value_name = "WHEN")]
    pub color: crate::output::ColorChoice,
}

/// Parses durations such as `10s`, `500ms`, `2m`, `1m30s`, or plain seconds (`10`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    if let Ok(seconds) = text.parse::<f64>() {
        if seconds.is_finite() && seconds >= 0.0 {
            return Ok(Duration::from_secs_f64(seconds));
        }
    }
    humantime::parse_duration(text)
        .map_err(|e| format!("'{text}' is not a duration like 10s, 500ms or 2m: {e}"))
}
