//! The `jrpc` command-line tool as a library: each command in its own module, and the pieces a
//! sending command reuses (parameter parsing, message building, URL and target parsing, output
//! formatting, exit statuses) as modules of their own. The binary is `src/main.rs`.

pub mod bench;
pub mod build;
pub mod check;
pub mod cli;
pub mod exit;
pub mod json;
pub mod message;
pub mod output;
pub mod params;
pub mod playground;
pub mod send;
pub mod target;

use crate::cli::{Cli, Command};
use crate::exit::{CliResult, Status};

/// Runs a parsed command line.
pub fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Build(args) => build::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Call(args) => send::call(&args, false),
        Command::Notify(args) => send::call(&args, true),
        Command::Batch(args) => send::batch(&args),
        Command::Bench(args) => bench::run(args),
        Command::Playground(args) => playground::run(&args),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "jrpc", &mut std::io::stdout());
            Ok(Status::Ok)
        }
    }
}
