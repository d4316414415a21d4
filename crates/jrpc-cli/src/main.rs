//! `jrpc`: build, check and benchmark JSON-RPC 2.0 messages from a terminal.

use std::process::ExitCode;

use clap::Parser;
use jrpc_cli::cli::Cli;
use jrpc_cli::exit::Status;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // --help and --version print to stdout and succeed; usage errors exit with status 2.
            let _ = error.print();
            return if error.use_stderr() {
                Status::Usage.into()
            } else {
                Status::Ok.into()
            };
        }
    };
    match jrpc_cli::run(cli) {
        Ok(status) => status.into(),
        Err(error) => {
            eprintln!("jrpc: error: {error}");
            error.status().into()
        }
    }
}
