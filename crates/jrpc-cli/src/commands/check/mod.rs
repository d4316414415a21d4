//! `jrpc check`: judge messages against the specification and name every rule each one breaks.
//!
//! `engine` judges message text (no I/O), by the rules listed as data in `rules`; `input` reads
//! files and stdin; `render` writes the text and JSON reports. This module parses the arguments and
//! ties them together.

pub mod engine;
pub mod input;
pub mod render;

use std::io::IsTerminal;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

use self::engine::{check_all, Expect};
use crate::exit::{CliResult, Status};
use crate::output::{colour_allowed, ColorChoice};

/// The examples under `jrpc check --help`.
pub const HELP: &str = "\
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
  jrpc check --list-rules                         every rule: id, section, MUST/SHOULD, summary

Exit status: 0 when every message is valid, 5 when one is not, 2 when input cannot be read.";

/// `jrpc check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files to read; none or '-' reads stdin.
    #[arg(value_name = "FILE")]
    pub files: Vec<std::path::PathBuf>,
    /// Judge objects as requests or responses only (default: by their members).
    #[arg(long, value_parser = expect_parser(), default_value = "any")]
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
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Print every rule the checker applies (id, section, MUST/SHOULD, summary) instead of
    /// checking; with --json, as a JSON array.
    #[arg(long, conflicts_with_all = ["files", "expect", "strict", "quiet"])]
    pub list_rules: bool,
}

/// `--expect any|request|response`, read into the engine's [`Expect`] (which knows nothing of clap).
fn expect_parser() -> impl TypedValueParser<Value = Expect> {
    PossibleValuesParser::new([
        PossibleValue::new("any").help("Requests have a method member; responses have result or error"),
        PossibleValue::new("request"),
        PossibleValue::new("response"),
    ])
    .map(|name| match name.as_str() {
        "request" => Expect::Request,
        "response" => Expect::Response,
        _ => Expect::Any,
    })
}

/// Runs `jrpc check`.
pub fn run(args: &CheckArgs) -> CliResult {
    if args.list_rules {
        if args.json {
            crate::outln!("{}", render::rules_json(jrpc::wire::rules::RULES));
        } else {
            crate::out!("{}", render::rules_text(jrpc::wire::rules::RULES));
        }
        return Ok(Status::Ok);
    }
    let sources = input::read_sources(&args.files)?;
    let many_sources = sources.len() > 1;
    let colour = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::io::stdout().is_terminal() && colour_allowed(),
    };
    let mut report = String::new();
    let mut json_items = Vec::new();
    let (mut total, mut invalid, mut warnings) = (0usize, 0usize, 0usize);
    for source in &sources {
        let checked = check_all(&source.text, args.expect);
        if checked.is_empty() {
            report.push_str(&format!("{}: no message found\n", source.name));
            invalid += 1;
        }
        for (index, item) in checked.iter().enumerate() {
            total += 1;
            let ok = item.verdict.is_valid() && !(args.strict && item.verdict.warning_count() > 0);
            if !ok {
                invalid += 1;
            }
            warnings += item.verdict.warning_count();
            if args.json {
                json_items.push(render::json_item(&source.name, index, item));
            } else {
                let place = render::place(many_sources.then_some(source.name.as_str()), index, item.line);
                render::write_text(&mut report, &place, &item.verdict, colour);
            }
        }
    }
    if !args.quiet {
        if args.json {
            crate::outln!("{}", serde_json::Value::Array(json_items));
        } else {
            crate::out!("{report}");
            crate::outln!("{}", render::summary_line(total, invalid, warnings));
        }
    }
    Ok(if invalid == 0 { Status::Ok } else { Status::Invalid })
}
