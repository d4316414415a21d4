//! The top-level parser: the list of commands and the main help. Each command's arguments and help
//! text live in its own module under `commands/`; this module only assembles them and dispatches.

use clap::{Parser, Subcommand};

use crate::commands::{bench, build, check, conform, discover, playground, send};
use crate::exit::{CliResult, Status};

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
    #[command(after_help = build::HELP, allow_negative_numbers = true)]
    Build(build::BuildArgs),
    /// Validate messages against the JSON-RPC 2.0 specification and list every rule broken.
    #[command(after_help = check::HELP)]
    Check(check::CheckArgs),
    /// Call a method and print its result (stdout) or the server's error (stderr, exit status 1).
    #[command(after_help = send::CALL_HELP, allow_negative_numbers = true)]
    Call(send::CallArgs),
    /// Send a notification: the server runs it and never answers.
    #[command(after_help = send::NOTIFY_HELP, allow_negative_numbers = true)]
    Notify(send::CallArgs),
    /// Send a batch and print each call's result or error, in order.
    #[command(after_help = send::BATCH_HELP, allow_negative_numbers = true)]
    Batch(send::BatchArgs),
    /// Load-test a JSON-RPC server over HTTP, WebSocket, TCP or a Unix socket.
    #[command(after_help = bench::HELP, allow_negative_numbers = true)]
    Bench(bench::BenchArgs),
    /// Judge a JSON-RPC server against the specification, rule by rule.
    #[command(after_help = conform::HELP, allow_negative_numbers = true)]
    Conform(conform::ConformArgs),
    /// List a server's methods and their params from its OpenRPC document (rpc.discover).
    #[command(after_help = discover::HELP)]
    Discover(discover::DiscoverArgs),
    /// Serve the browser playground on a loopback port and open it, pointed at URL.
    Playground(playground::PlaygroundArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(after_help = COMPLETIONS_HELP)]
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

const COMPLETIONS_HELP: &str = "\
Examples:
  jrpc completions bash > ~/.local/share/bash-completion/completions/jrpc
  jrpc completions zsh > \"${fpath[1]}/_jrpc\"
  jrpc completions fish > ~/.config/fish/completions/jrpc.fish";

/// Runs a parsed command line.
pub fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Build(args) => build::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Call(args) => send::call(&args, false),
        Command::Notify(args) => send::call(&args, true),
        Command::Batch(args) => send::batch(&args),
        Command::Bench(args) => bench::run(args),
        Command::Conform(args) => conform::run(&args),
        Command::Discover(args) => discover::run(&args),
        Command::Playground(args) => playground::run(&args),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "jrpc", &mut std::io::stdout());
            Ok(Status::Ok)
        }
    }
}
