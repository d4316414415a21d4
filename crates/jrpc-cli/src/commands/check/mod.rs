//! `jrpc check`: judge messages against the specification and name every rule each one breaks.
//!
//! The library's parsers (`jrpc::wire::parse_incoming`, `parse_responses`) stop at the first broken
//! rule, as a server must; a checking tool should list them all and add the SHOULD-level warnings,
//! so the rules are applied here on the members captured as raw JSON text (ids and numbers are
//! judged as written). The unit tests hold the verdicts to the library's on every input they try.

use std::fmt::{self, Write as _};

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

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

Exit status: 0 when every message is valid, 5 when one is not, 2 when input cannot be read.";

/// `jrpc check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files to read; none or '-' reads stdin.
    #[arg(value_name = "FILE")]
    pub files: Vec<std::path::PathBuf>,
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

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// A MUST of the specification is broken: the message is invalid.
    Error,
    /// A SHOULD (or a habit peers rely on) is broken: the message is valid but suspect.
    Warning,
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub rule: String,
}

/// What a message (or a batch element) was judged to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Request,
    Notification,
    Response,
    ErrorResponse,
    Batch,
    /// Not valid JSON.
    ParseError,
    /// JSON, but neither a request nor a response.
    Unknown,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Request => "request",
            Kind::Notification => "notification",
            Kind::Response => "response",
            Kind::ErrorResponse => "error response",
            Kind::Batch => "batch",
            Kind::ParseError => "invalid JSON",
            Kind::Unknown => "message",
        }
    }
}

/// Which role to judge objects in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Expect {
    /// Requests have a method member; responses have result or error.
    #[default]
    Any,
    Request,
    Response,
}

/// The verdict on one message or one batch element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub kind: Kind,
    /// A short description: method and id, or result/error code and id.
    pub detail: String,
    pub findings: Vec<Finding>,
    /// The elements of a batch.
    pub elements: Vec<Verdict>,
}

impl Verdict {
    fn new(kind: Kind) -> Verdict {
        Verdict {
            kind,
            detail: String::new(),
            findings: Vec::new(),
            elements: Vec::new(),
        }
    }

    fn error(&mut self, rule: impl Into<String>) {
        self.findings.push(Finding {
            severity: Severity::Error,
            rule: rule.into(),
        });
    }

    fn warning(&mut self, rule: impl Into<String>) {
        self.findings.push(Finding {
            severity: Severity::Warning,
            rule: rule.into(),
        });
    }

    /// True when no MUST is broken here or in any element.
    pub fn is_valid(&self) -> bool {
        self.findings.iter().all(|f| f.severity == Severity::Warning)
            && self.elements.iter().all(Verdict::is_valid)
    }

    /// Warnings here and in the elements.
    pub fn warning_count(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count()
            + self.elements.iter().map(Verdict::warning_count).sum::<usize>()
    }
}

/// One message read from the input, with where it started.
#[derive(Debug, Clone)]
pub struct Checked {
    /// 1-based line of the message's first character.
    pub line: usize,
    pub verdict: Verdict,
}

/// Reads every message of `input` (one value, a batch, values one per line or concatenated) and
/// judges each. After invalid JSON, reading resumes at the next line.
pub fn check_all(input: &str, expect: Expect) -> Vec<Checked> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < input.len() {
        let rest = &input[pos..];
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<&RawValue>();
        loop {
            let before = stream.byte_offset();
            let start = before + leading_whitespace(&rest[before..]);
            match stream.next() {
                None => {
                    pos = input.len();
                    break;
                }
                Some(Ok(raw)) => out.push(Checked {
                    line: line_of(input, pos + start),
                    verdict: check_value(raw, expect),
                }),
                Some(Err(error)) => {
                    let mut verdict = Verdict::new(Kind::ParseError);
                    // serde_json's line is relative to `rest`; make it absolute.
                    let error_line = line_of(input, pos) + error.line().saturating_sub(1);
                    verdict.error(format!(
                        "not valid JSON: {} at line {error_line} column {} (a server answers -32700 Parse error, spec 5.1)",
                        error_message(&error),
                        error.column()
                    ));
                    out.push(Checked {
                        line: line_of(input, pos + start),
                        verdict,
                    });
                    pos = start_of_line_after(input, error_line);
                    break;
                }
            }
        }
    }
    out
}

/// Judges one JSON value.
pub fn check_value(raw: &RawValue, expect: Expect) -> Verdict {
    let text = raw.get().trim();
    match text.as_bytes().first() {
        Some(b'[') => check_batch(text, expect),
        Some(b'{') => check_object(text, expect),
        _ => {
            let mut verdict = Verdict::new(Kind::Unknown);
            verdict.detail = kind_name(text).to_owned();
            verdict.error(format!(
                "a message must be an object or an array (batch), not {} (spec 4, 5, 6)",
                kind_name(text)
            ));
            verdict
        }
    }
}

fn check_batch(text: &str, expect: Expect) -> Verdict {
    let mut verdict = Verdict::new(Kind::Batch);
    let elements: Vec<&RawValue> = match serde_json::from_str(text) {
        Ok(elements) => elements,
        Err(e) => {
            verdict.error(format!("unreadable array: {e}"));
            return verdict;
        }
    };
    if elements.is_empty() {
        verdict.detail = "empty".into();
        verdict.error(
            "an empty array is not a valid batch: a batch needs at least one request, and a server \
             must not answer with [] (spec 6)",
        );
        return verdict;
    }
    for element in &elements {
        let element_text = element.get().trim();
        let mut judged = if element_text.starts_with('{') {
            check_object(element_text, expect)
        } else {
            let mut v = Verdict::new(Kind::Unknown);
            v.detail = kind_name(element_text).to_owned();
            v.error(format!(
                "a batch element must be a request or response object, not {} (spec 6)",
                kind_name(element_text)
            ));
            v
        };
        if element_text.starts_with('[') {
            judged.findings.clear();
            judged.elements.clear();
            judged.kind = Kind::Unknown;
            judged.detail = "an array".into();
            judged.error("batches cannot be nested: a batch element must be an object (spec 6)");
        }
        verdict.elements.push(judged);
    }
    let count = |kinds: &[Kind]| {
        verdict
            .elements
            .iter()
            .filter(|e| kinds.contains(&e.kind))
            .count()
    };
    let requests = count(&[Kind::Request]);
    let notifications = count(&[Kind::Notification]);
    let responses = count(&[Kind::Response, Kind::ErrorResponse]);
    let others = verdict.elements.len() - requests - notifications - responses;
    if requests + notifications > 0 && responses > 0 {
        verdict.error(format!(
            "a batch holds either requests or responses, not both ({} requests and notifications, {responses} responses; spec 6)",
            requests + notifications
        ));
    }
    let mut parts = Vec::new();
    for (n, what) in [
        (requests, "request"),
        (notifications, "notification"),
        (responses, "response"),
        (others, "invalid element"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}{}", if n == 1 { "" } else { "s" }));
        }
    }
    verdict.detail = format!("of {}: {}", elements.len(), parts.join(", "));
    // Duplicate ids among the calls of a request batch: replies cannot be matched (spec 6).
    if responses == 0 {
        let mut ids: Vec<String> = Vec::new();
        for element in &elements {
            if let Ok(members) = members_of(element.get()) {
                if members.find("method").is_some() {
                    if let Some(id) = members.find("id") {
                        let id = crate::json::compact(id.get());
                        if ids.contains(&id) {
                            verdict.warning(format!(
                                "id {id} is used by more than one request: their responses cannot be told apart (spec 6)"
                            ));
                        } else {
                            ids.push(id);
                        }
                    }
                }
            }
        }
    }
    verdict
}

/// Member names and raw values of one object, in order, duplicates kept.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'a> Members<'a> {
    fn find(&self, name: &str) -> Option<&'a RawValue> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }

    fn has(&self, name: &str) -> bool {
        self.find(name).is_some()
    }
}

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members<'de>, A::Error> {
                let mut members = Vec::new();
                while let Some(name) = map.next_key::<String>()? {
                    let value: &'de RawValue = map.next_value()?;
                    members.push((name, value));
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(MembersVisitor)
    }
}

fn members_of(text: &str) -> Result<Members<'_>, serde_json::Error> {
    serde_json::from_str(text)
}

fn check_object(text: &str, expect: Expect) -> Verdict {
    let members = match members_of(text) {
        Ok(members) => members,
        Err(e) => {
            let mut verdict = Verdict::new(Kind::Unknown);
            verdict.error(format!("unreadable object: {e}"));
            return verdict;
        }
    };
    let is_request = match expect {
        Expect::Request => true,
        Expect::Response => false,
        Expect::Any => members.has("method") || !(members.has("result") || members.has("error")),
    };
    if expect == Expect::Any && !members.has("method") && !members.has("result") && !members.has("error") {
        let mut verdict = Verdict::new(Kind::Unknown);
        verdict.detail = "an object".into();
        verdict.error(
            "neither a request (no method member, spec 4) nor a response (no result or error member, spec 5)",
        );
        check_duplicates(&members, &mut verdict);
        return verdict;
    }
    let mut verdict = if is_request {
        check_request(&members)
    } else {
        check_response(&members)
    };
    check_duplicates(&members, &mut verdict);
    verdict
}

fn check_duplicates(members: &Members<'_>, verdict: &mut Verdict) {
    let mut seen: Vec<&str> = Vec::new();
    for (name, _) in &members.0 {
        if seen.contains(&name.as_str()) {
            verdict.error(format!(
                "member {} appears more than once: peers disagree on which one counts (RFC 8259 section 4)",
                crate::json::quote(name)
            ));
        } else {
            seen.push(name);
        }
    }
}

fn check_version(members: &Members<'_>, verdict: &mut Verdict, section: &str) {
    match members.find("jsonrpc") {
        Some(raw) if string_value(raw).as_deref() == Some("2.0") => {}
        Some(raw) => verdict.error(format!(
            "jsonrpc must be exactly \"2.0\", not {} (spec {section})",
            crate::json::compact(raw.get())
        )),
        None => verdict.error(format!(
            "the jsonrpc member is missing; it must be exactly \"2.0\" (spec {section}; without it this reads as JSON-RPC 1.0, spec 3)"
        )),
    }
}

/// Judges an id: errors for a wrong type, warnings for null and fractional numbers.
fn check_id(raw: &RawValue, verdict: &mut Verdict, section: &str, is_request: bool) {
    let text = raw.get().trim();
    match text.as_bytes().first() {
        Some(b'"') => {}
        Some(b'-' | b'0'..=b'9') => {
            if text.contains(['.', 'e', 'E']) {
                verdict.warning(format!(
                    "id {text}: numbers should not contain fractional parts (spec {section})"
                ));
            }
        }
        Some(b'n') if is_request => verdict.warning(
            "id should not be null: null is the id of responses to requests whose id could not be read, \
             and JSON-RPC 1.0 uses it for notifications (spec 4)",
        ),
        Some(b'n') => {}
        _ => verdict.error(format!(
            "id must be a string, a number or null, not {} (spec {section})",
            kind_name(text)
        )),
    }
}

fn check_request(members: &Members<'_>) -> Verdict {
    let mut verdict = Verdict::new(if members.has("id") {
        Kind::Request
    } else {
        Kind::Notification
    });
    check_version(members, &mut verdict, "4");
    let method = match members.find("method") {
        None => {
            verdict.error("the method member is missing (spec 4)");
            None
        }
        Some(raw) => match string_value(raw) {
            Some(method) => {
                if method.starts_with("rpc.") {
                    verdict.warning(format!(
                        "method {}: names beginning with \"rpc.\" are reserved for rpc-internal methods and extensions (spec 4, 8)",
                        crate::json::quote(&method)
                    ));
                }
                Some(method)
            }
            None => {
                verdict.error(format!(
                    "method must be a string, not {} (spec 4)",
                    kind_name(raw.get())
                ));
                None
            }
        },
    };
    if let Some(params) = members.find("params") {
        let text = params.get().trim();
        if !text.starts_with(['[', '{']) {
            verdict.error(format!(
                "params must be an array or an object, not {} (spec 4.2)",
                kind_name(text)
            ));
        }
    }
    let id = members.find("id");
    if let Some(id) = id {
        check_id(id, &mut verdict, "4", true);
    }
    for (name, _) in &members.0 {
        match name.as_str() {
            "jsonrpc" | "method" | "params" | "id" => {}
            "result" | "error" => verdict.error(format!(
                "a request has no {name} member: it mixes a request and a response (spec 4, 5)"
            )),
            other => verdict.warning(format!(
                "unknown member {}: a request has jsonrpc, method, params and id (spec 4)",
                crate::json::quote(other)
            )),
        }
    }
    let mut detail = match &method {
        Some(method) => format!("method {}", crate::json::quote(method)),
        None => String::new(),
    };
    if let Some(id) = id {
        if !detail.is_empty() {
            detail.push_str(", ");
        }
        let _ = write!(detail, "id {}", crate::json::compact(id.get()));
    }
    verdict.detail = detail;
    verdict
}

fn check_response(members: &Members<'_>) -> Verdict {
    let error = members.find("error");
    let mut verdict = Verdict::new(if error.is_some() && !members.has("result") {
        Kind::ErrorResponse
    } else {
        Kind::Response
    });
    check_version(members, &mut verdict, "5");
    let mut detail = Vec::new();
    match (members.find("result"), error) {
        (Some(_), Some(error)) => {
            verdict.error("a response must not have both result and error (spec 5)");
            check_error_object(error, &mut verdict);
        }
        (None, None) => verdict.error("a response needs either result or error (spec 5)"),
        (Some(_), None) => detail.push("result".to_owned()),
        (None, Some(error)) => {
            if let Some(code) = check_error_object(error, &mut verdict) {
                detail.push(format!("code {code}"));
            }
        }
    }
    if members.has("method") {
        verdict.error("a response has no method member: it mixes a request and a response (spec 4, 5)");
    }
    match members.find("id") {
        None => verdict.error(
            "the id member is required in a response, null when the request's id was unreadable (spec 5)",
        ),
        Some(id) => {
            check_id(id, &mut verdict, "5", false);
            detail.push(format!("id {}", crate::json::compact(id.get())));
        }
    }
    for (name, _) in &members.0 {
        if !matches!(name.as_str(), "jsonrpc" | "result" | "error" | "id" | "method") {
            verdict.warning(format!(
                "unknown member {}: a response has jsonrpc, result or error, and id (spec 5)",
                crate::json::quote(name)
            ));
        }
    }
    verdict.detail = detail.join(", ");
    verdict
}

/// Judges an error object; returns its code's text when it is an integer.
fn check_error_object(raw: &RawValue, verdict: &mut Verdict) -> Option<String> {
    let text = raw.get().trim();
    if !text.starts_with('{') {
        verdict.error(format!(
            "error must be an object, not {} (spec 5.1)",
            kind_name(text)
        ));
        return None;
    }
    let members = match members_of(text) {
        Ok(members) => members,
        Err(e) => {
            verdict.error(format!("unreadable error object: {e}"));
            return None;
        }
    };
    let mut code_text = None;
    match members.find("code") {
        None => verdict.error("error.code is required (spec 5.1)"),
        Some(code) => {
            let code = code.get().trim();
            if !code.starts_with(['-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']) {
                verdict.error(format!(
                    "error.code must be a number, not {} (spec 5.1)",
                    kind_name(code)
                ));
            } else if code.contains(['.', 'e', 'E']) {
                let integral = code.parse::<f64>().is_ok_and(|v| v.fract() == 0.0);
                if integral {
                    verdict.warning(format!(
                        "error.code {code} is written with a fraction or exponent; many peers will not read it as an integer (spec 5.1)"
                    ));
                    code_text = Some(code.to_owned());
                } else {
                    verdict.error(format!("error.code must be an integer, not {code} (spec 5.1)"));
                }
            } else {
                code_text = Some(code.to_owned());
                if let Ok(value) = code.parse::<i64>() {
                    let predefined = jrpc::ErrorCode::from_code(value).is_some()
                        || jrpc::ErrorCode::is_server_error_range(value);
                    if (-32768..=-32000).contains(&value) && !predefined {
                        verdict.warning(format!(
                            "error.code {value} is in the range reserved for pre-defined errors (-32768 to -32000) but is not one of them (spec 5.1)"
                        ));
                    }
                }
            }
        }
    }
    match members.find("message") {
        None => verdict.error("error.message is required (spec 5.1)"),
        Some(message) if string_value(message).is_none() => verdict.error(format!(
            "error.message must be a string, not {} (spec 5.1)",
            kind_name(message.get())
        )),
        Some(_) => {}
    }
    for (name, _) in &members.0 {
        if !matches!(name.as_str(), "code" | "message" | "data") {
            verdict.warning(format!(
                "unknown member {} in the error object: it has code, message and data (spec 5.1)",
                crate::json::quote(name)
            ));
        }
    }
    check_duplicates(&members, verdict);
    code_text
}

/// The unescaped string, if the raw value is a JSON string.
fn string_value(raw: &RawValue) -> Option<String> {
    if raw.get().trim().starts_with('"') {
        serde_json::from_str::<String>(raw.get()).ok()
    } else {
        None
    }
}

/// The JSON type of a raw value, for messages ("a number", "an array"...).
fn kind_name(text: &str) -> &'static str {
    match text.trim().as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        Some(_) => "a number",
        None => "nothing",
    }
}

fn leading_whitespace(text: &str) -> usize {
    text.len() - text.trim_start_matches([' ', '\t', '\n', '\r']).len()
}

/// 1-based line of a byte offset.
fn line_of(input: &str, offset: usize) -> usize {
    input.as_bytes()[..offset.min(input.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Byte offset where the line after `line` (1-based) starts, or the end.
fn start_of_line_after(input: &str, line: usize) -> usize {
    input
        .match_indices('\n')
        .nth(line.saturating_sub(1))
        .map_or(input.len(), |(i, _)| i + 1)
}

/// serde_json's message without its " at line L column C" suffix (reported separately).
fn error_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// Runs `jrpc check`.
pub fn run(args: &CheckArgs) -> crate::exit::CliResult {
    use std::io::{IsTerminal, Read};

    use crate::exit::{CliError, Status};

    let mut sources: Vec<(String, String)> = Vec::new();
    let stdin_only = [std::path::PathBuf::from("-")];
    let files = if args.files.is_empty() {
        &stdin_only[..]
    } else {
        &args.files[..]
    };
    for file in files {
        if file.as_os_str() == "-" {
            let mut stdin = std::io::stdin();
            if stdin.is_terminal() {
                eprintln!("jrpc: reading messages from stdin (end with Ctrl-D)");
            }
            let mut bytes = Vec::new();
            stdin
                .read_to_end(&mut bytes)
                .map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
            sources.push(("stdin".into(), utf8(bytes, "stdin")?));
        } else {
            let bytes = std::fs::read(file)
                .map_err(|e| CliError::usage(format!("cannot read {}: {e}", file.display())))?;
            sources.push((
                file.display().to_string(),
                utf8(bytes, &file.display().to_string())?,
            ));
        }
    }
    let many_sources = sources.len() > 1;
    let colour = match args.color {
        crate::output::ColorChoice::Always => true,
        crate::output::ColorChoice::Never => false,
        crate::output::ColorChoice::Auto => {
            std::io::stdout().is_terminal() && crate::output::colour_allowed()
        }
    };
    let mut report = String::new();
    let mut json_items = Vec::new();
    let (mut total, mut invalid, mut warnings) = (0usize, 0usize, 0usize);
    for (name, input) in &sources {
        let checked = check_all(input, args.expect);
        if checked.is_empty() {
            let _ = writeln!(report, "{name}: no message found");
            invalid += 1;
        }
        for (index, item) in checked.iter().enumerate() {
            total += 1;
            let ok = item.verdict.is_valid() && !(args.strict && item.verdict.warning_count() > 0);
            if !ok {
                invalid += 1;
            }
            warnings += item.verdict.warning_count();
            let place = if many_sources {
                format!("{name}: message {} (line {})", index + 1, item.line)
            } else {
                format!("message {} (line {})", index + 1, item.line)
            };
            if args.json {
                let mut value = verdict_json(&item.verdict);
                if let serde_json::Value::Object(map) = &mut value {
                    map.insert("source".into(), name.clone().into());
                    map.insert("message".into(), (index + 1).into());
                    map.insert("line".into(), item.line.into());
                }
                json_items.push(value);
            } else {
                write_verdict(&mut report, &place, &item.verdict, 0, colour);
            }
        }
    }
    if !args.quiet {
        if args.json {
            println!("{}", serde_json::Value::Array(json_items));
        } else {
            print!("{report}");
            println!(
                "{total} message{}: {} valid, {invalid} invalid, {warnings} warning{}",
                if total == 1 { "" } else { "s" },
                total - invalid.min(total),
                if warnings == 1 { "" } else { "s" }
            );
        }
    }
    Ok(if invalid == 0 { Status::Ok } else { Status::Invalid })
}

fn utf8(bytes: Vec<u8>, name: &str) -> Result<String, crate::exit::CliError> {
    String::from_utf8(bytes).map_err(|e| {
        crate::exit::CliError::new(
            crate::exit::Status::Invalid,
            format!(
                "{name} is not UTF-8 (byte {}): JSON text must be UTF-8 (RFC 8259 section 8.1)",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

fn verdict_word(verdict: &Verdict) -> String {
    let validity = if verdict.is_valid() { "valid" } else { "invalid" };
    match verdict.kind {
        Kind::ParseError => "invalid JSON".to_owned(),
        Kind::Unknown => format!("invalid message ({})", verdict.detail),
        // Without a valid method it is no notification: a server answers it with id null (spec 5).
        Kind::Notification if !verdict.is_valid() && verdict.detail.is_empty() => {
            "invalid request (no id)".to_owned()
        }
        Kind::Notification if !verdict.is_valid() => format!("invalid request ({}, no id)", verdict.detail),
        kind if verdict.detail.is_empty() => format!("{validity} {}", kind.name()),
        Kind::Batch if verdict.detail == "empty" => format!("{validity} batch (empty)"),
        Kind::Batch => format!("{validity} batch {}", verdict.detail),
        kind => format!("{validity} {} ({})", kind.name(), verdict.detail),
    }
}

fn write_verdict(out: &mut String, place: &str, verdict: &Verdict, indent: usize, colour: bool) {
    use anstyle::{AnsiColor, Style};
    let paint = |style: Style, text: &str| {
        if colour {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_owned()
        }
    };
    let word_style = if verdict.is_valid() {
        AnsiColor::Green.on_default()
    } else {
        AnsiColor::Red.on_default().bold()
    };
    let pad = " ".repeat(indent);
    let _ = writeln!(out, "{pad}{place}: {}", paint(word_style, &verdict_word(verdict)));
    for finding in &verdict.findings {
        let label = match finding.severity {
            Severity::Error => paint(AnsiColor::Red.on_default(), "error"),
            Severity::Warning => paint(AnsiColor::Yellow.on_default(), "warning"),
        };
        let _ = writeln!(out, "{pad}  {label}: {}", finding.rule);
    }
    for (index, element) in verdict.elements.iter().enumerate() {
        write_verdict(
            out,
            &format!("element {}", index + 1),
            element,
            indent + 2,
            colour,
        );
    }
}

fn verdict_json(verdict: &Verdict) -> serde_json::Value {
    let rules = |severity| {
        verdict
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .map(|f| serde_json::Value::String(f.rule.clone()))
            .collect::<Vec<_>>()
    };
    let mut value = serde_json::json!({
        "valid": verdict.is_valid(),
        "kind": match verdict.kind {
            Kind::ErrorResponse => "error_response",
            Kind::ParseError => "invalid_json",
            Kind::Unknown => "unknown",
            kind => kind.name(),
        },
        "detail": verdict.detail,
        "errors": rules(Severity::Error),
        "warnings": rules(Severity::Warning),
    });
    if verdict.kind == Kind::Batch {
        value["elements"] = verdict.elements.iter().map(verdict_json).collect();
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Verdict {
        let mut all = check_all(text, Expect::Any);
        assert_eq!(all.len(), 1, "{text}");
        all.remove(0).verdict
    }

    /// Our verdict on requests must agree with the library's parser (which servers use).
    #[test]
    fn request_verdicts_agree_with_the_library() {
        let options = jrpc::wire::ParseOptions::default();
        for text in [
            r#"{"jsonrpc":"2.0","method":"m","params":[1],"id":1}"#,
            r#"{"jsonrpc":"2.0","method":"m"}"#,
            r#"{"jsonrpc":"2.0","method":"rpc.discover","id":1.5}"#,
            r#"{"jsonrpc":"2.0","method":"m","id":null}"#,
            r#"{"jsonrpc":"2.0","method":1,"params":"bar"}"#,
            r#"{"jsonrpc":"2.0","method":"m","params":"bar","id":1}"#,
            r#"{"jsonrpc":"2.0","method":"m","id":{}}"#,
            r#"{"jsonrpc":"2.0","method":"m","id":true}"#,
            r#"{"jsonrpc":"1.0","method":"m","id":1}"#,
            r#"{"method":"m","id":1}"#,
            r#"{"jsonrpc":"2.0","method":"a","method":"b","id":1}"#,
            r#"{"jsonrpc":"2.0","method":"a","x":1,"id":1}"#,
        ] {
            let ours = one(text).is_valid();
            let library = match jrpc::wire::parse_incoming(text, &options).unwrap() {
                jrpc::wire::Incoming::Single(r) => r.is_ok(),
                jrpc::wire::Incoming::Batch(_) => unreachable!(),
            };
            assert_eq!(ours, library, "{text}");
        }
    }

    #[test]
    fn response_verdicts_agree_with_the_library() {
        for text in [
            r#"{"jsonrpc":"2.0","result":19,"id":1}"#,
            r#"{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":"1"}"#,
            r#"{"jsonrpc":"2.0","result":1,"error":{"code":1,"message":"x"},"id":1}"#,
            r#"{"jsonrpc":"2.0","error":{"code":1.5,"message":"x"},"id":1}"#,
            r#"{"jsonrpc":"2.0","error":{"code":1},"id":1}"#,
            r#"{"jsonrpc":"2.0","error":{"message":"x"},"id":1}"#,
            r#"{"jsonrpc":"2.0","error":"x","id":1}"#,
            r#"{"jsonrpc":"2.0","result":1}"#,
            r#"{"jsonrpc":"2.0","error":{"code":1,"message":2},"id":1}"#,
        ] {
            let ours = one(text).is_valid();
            let library = jrpc::wire::parse_responses(text).is_ok();
            assert_eq!(ours, library, "{text}");
        }
    }

    #[test]
    fn every_rule_is_listed() {
        let verdict = one(r#"{"jsonrpc":"1.0","method":1,"params":"bar","id":true}"#);
        assert_eq!(verdict.findings.len(), 4, "{verdict:?}");
    }

    #[test]
    fn reading_resumes_after_broken_json() {
        let all = check_all("{\"a\" 1}\n{\"jsonrpc\":\"2.0\",\"method\":\"m\"}\n", Expect::Any);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].verdict.kind, Kind::ParseError);
        assert_eq!(all[1].line, 2);
        assert!(all[1].verdict.is_valid());
    }
}
