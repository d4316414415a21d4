//! Composing messages from command-line words: the arguments of one message (`jrpc build`, a batch
//! element of `jrpc build --batch` and `jrpc batch`), and batches given as groups of words or lines.

use std::io::{IsTerminal, Read};

use clap::{Args, Parser};

use crate::exit::CliError;
use crate::json;
use crate::message;
use crate::params;

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

/// One element of a batch, before it is composed.
#[derive(Debug)]
pub enum Element {
    /// Arguments, as for `jrpc build` (the words and where they came from, for errors).
    Args(Vec<String>),
    /// A JSON text copied as is.
    Json(String),
}

/// Composes one message (compact JSON) from its arguments. `next_id` is the automatic id, advanced
/// when used.
pub fn compose(args: &MessageArgs, next_id: &mut u64) -> Result<String, CliError> {
    let id = match &args.id {
        Some(id) => Some(message::parse_id(id)?),
        None => None,
    };
    let mut auto_id = || {
        let id = next_id.to_string();
        *next_id += 1;
        id
    };
    if args.result.is_some() || args.error.is_some() {
        if args.method.is_some() || args.params_json.is_some() || args.string {
            let what = if args.result.is_some() {
                "--result"
            } else {
                "--error"
            };
            return Err(CliError::usage(format!(
                "{what} makes a response, which has no method or params (got method '{}')",
                args.method.as_deref().unwrap_or_default()
            )));
        }
        let id = id.unwrap_or_else(&mut auto_id);
        if let Some(result) = &args.result {
            let result = json_or_string(result, "--result")?;
            return message::result_response(&result, &id);
        }
        let error = args.error.as_deref().unwrap_or_default();
        let code = message::parse_error_code(error.first().map(String::as_str).unwrap_or_default())?;
        let message = match (error.get(1), message::standard_message(code)) {
            (Some(message), _) => message.as_str(),
            (None, Some(standard)) => standard,
            (None, None) => {
                return Err(CliError::usage(format!(
                    "--error {code}: give a message too (only the predefined codes have a standard one), e.g. --error {code} 'Server busy'"
                )))
            }
        };
        let data = match &args.data {
            Some(data) => Some(json_or_string(data, "--data")?),
            None => None,
        };
        return message::error_response(code, message, data.as_deref(), &id);
    }
    let Some(method) = &args.method else {
        return Err(CliError::usage(
            "a METHOD is required (or --result / --error for a response); see jrpc build --help",
        ));
    };
    let params = match &args.params_json {
        Some(raw) => params::parse_raw(raw)?,
        None => params::parse(&args.params, args.string)?,
    };
    let id = if args.notify {
        None
    } else {
        Some(id.unwrap_or_else(auto_id))
    };
    message::request(method, &params, id.as_deref())
}

/// Composes a batch from its elements; requests without an id get 1, 2, 3... in order.
pub fn build_batch(elements: &[Element]) -> Result<String, CliError> {
    if elements.is_empty() {
        return Err(CliError::usage(
            "the batch is empty: a batch needs at least one element (spec 6)",
        ));
    }
    let mut next_id = 1;
    let mut out = Vec::with_capacity(elements.len());
    for (index, element) in elements.iter().enumerate() {
        let composed = match element {
            Element::Json(text) => {
                json::validate(text).map_err(|e| {
                    CliError::usage(format!(
                        "batch element {} '{text}' is not valid JSON: {e}",
                        index + 1
                    ))
                })?;
                json::compact(text)
            }
            Element::Args(words) => {
                let label = || format!("batch element {} '{}'", index + 1, words.join(" "));
                let parsed = ElementArgs::try_parse_from(words)
                    .map_err(|e| CliError::usage(format!("{}: {}", label(), first_line(&e.to_string()))))?;
                compose(&parsed.message, &mut next_id)
                    .map_err(|e| CliError::new(e.status(), format!("{}: {e}", label())))?
            }
        };
        out.push(composed);
    }
    Ok(message::batch(&out))
}

/// Elements given as groups of words separated by a lone ','.
pub fn from_groups(words: &[String]) -> Result<Vec<Element>, CliError> {
    let mut elements = Vec::new();
    for group in words.split(|w| w == ",") {
        if group.is_empty() {
            return Err(CliError::usage(
                "an empty batch element: separate elements with a single ',' (e.g. sum 1 2 , subtract 3 1)",
            ));
        }
        elements.push(element_from_words(group.to_vec()));
    }
    Ok(elements)
}

fn element_from_words(words: Vec<String>) -> Element {
    match words.as_slice() {
        [only] if only.trim_start().starts_with(['{', '[']) => Element::Json(only.clone()),
        _ => Element::Args(words),
    }
}

/// Elements read from stdin, one per line; blank lines and lines starting with '#' are skipped.
pub fn from_stdin() -> Result<Vec<Element>, CliError> {
    let mut stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("jrpc: reading batch elements from stdin, one per line (end with Ctrl-D)");
    }
    let mut input = String::new();
    stdin
        .read_to_string(&mut input)
        .map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
    parse_lines(&input)
}

/// Splits batch lines: JSON lines as they are, others shell-style into arguments.
pub fn parse_lines(input: &str) -> Result<Vec<Element>, CliError> {
    let mut elements = Vec::new();
    for (number, line) in input.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if trimmed.starts_with(['{', '[']) {
            elements.push(Element::Json(trimmed.to_owned()));
            continue;
        }
        let Some(words) = shlex::split(trimmed) else {
            return Err(CliError::usage(format!(
                "line {} '{trimmed}': unbalanced quotes",
                number + 1
            )));
        };
        elements.push(Element::Args(words));
    }
    Ok(elements)
}

/// A value for --result or --data: JSON if it parses, else a string (as bare parameters).
fn json_or_string(text: &str, flag: &str) -> Result<String, CliError> {
    if json::validate(text).is_ok() {
        return Ok(json::compact(text));
    }
    if text.trim_start().starts_with(['{', '[', '"']) {
        let error = json::validate(text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        return Err(CliError::usage(format!(
            "{flag} '{text}' is not valid JSON: {error}"
        )));
    }
    Ok(json::quote(text))
}

fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    line.strip_prefix("error: ").unwrap_or(line).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(words: &[&str]) -> Result<String, CliError> {
        let parsed = ElementArgs::try_parse_from(words).expect("arguments");
        compose(&parsed.message, &mut 1)
    }

    #[test]
    fn responses() {
        assert_eq!(
            build(&["--result", "19", "--id", "1"]).unwrap(),
            r#"{"jsonrpc":"2.0","result":19,"id":1}"#
        );
        assert_eq!(
            build(&["--error", "-32700", "--id", "null"]).unwrap(),
            r#"{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}"#
        );
        assert!(build(&["--error", "5"]).is_err());
        assert!(build(&["m", "--result", "1"]).is_err());
        assert!(build(&["--result", "{x"]).is_err());
    }

    #[test]
    fn batches_number_their_requests() {
        let elements =
            parse_lines("sum 1 2\n\n# comment\n--notify n\n{\"foo\": \"boo\"}\nget --id 9\nx").unwrap();
        assert_eq!(
            build_batch(&elements).unwrap(),
            r#"[{"jsonrpc":"2.0","method":"sum","params":[1,2],"id":1},{"jsonrpc":"2.0","method":"n"},{"foo":"boo"},{"jsonrpc":"2.0","method":"get","id":9},{"jsonrpc":"2.0","method":"x","id":2}]"#
        );
        assert!(build_batch(&[]).is_err());
    }
}
