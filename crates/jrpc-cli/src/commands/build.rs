//! `jrpc build`: compose one message or a batch from command-line arguments.

use clap::Args;

use crate::compose::{self, MessageArgs};
use crate::exit::{CliError, CliResult, Status};
use crate::output::{Output, OutputArgs};

/// The examples under `jrpc build --help`.
pub const HELP: &str = "\
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

/// Runs `jrpc build`.
pub fn run(args: &BuildArgs) -> CliResult {
    let text = if args.batch {
        let elements = if args.message.method.is_some() {
            let mut words = Vec::new();
            words.extend(args.message.method.iter().cloned());
            words.extend(args.message.params.iter().cloned());
            compose::from_groups(&words)?
        } else {
            compose::from_stdin()?
        };
        check_no_top_level_options(&args.message)?;
        compose::build_batch(&elements)?
    } else {
        let mut next_id = 1;
        compose::compose(&args.message, &mut next_id)?
    };
    let output = Output::for_stdout(&args.output);
    crate::outln!("{}", output.render(&text));
    Ok(Status::Ok)
}

fn check_no_top_level_options(args: &MessageArgs) -> Result<(), CliError> {
    let set = args.notify
        || args.id.is_some()
        || args.string
        || args.params_json.is_some()
        || args.result.is_some()
        || args.error.is_some()
        || args.data.is_some();
    if set {
        return Err(CliError::usage(
            "with --batch, each element takes its own options: put them after '--', e.g. \
             jrpc build --batch -- sum 1 2 --id 7 , --notify update 1",
        ));
    }
    Ok(())
}
