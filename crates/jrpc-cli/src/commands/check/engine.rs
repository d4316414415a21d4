//! The rule engine of `jrpc check`: message text in, verdicts out, with no I/O and no rendering.
//!
//! The library's parsers (`jrpc::wire::parse_incoming`, `parse_responses`) stop at the first broken
//! rule, as a server must; a checking tool should list them all and add the SHOULD-level warnings,
//! so the rules are applied here on the members captured as raw JSON text (ids and numbers are
//! judged as written). Each finding names its rule from [`super::rules`]. The unit tests hold the
//! verdicts to the library's on every input they try.

use std::fmt::{self, Write as _};

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::json;
use jrpc::wire::rules::*;

/// Which side's rules an object is judged by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Request,
    Response,
}

/// `at` extended by one member name, as a JSON Pointer (RFC 6901: `~` and `/` escaped).
fn member(at: &str, name: &str) -> String {
    format!("{at}/{}", name.replace('~', "~0").replace('/', "~1"))
}

/// One broken rule, where and how it was broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule (its id, section and level).
    pub rule: &'static Rule,
    /// Error or warning: the rule's level.
    pub severity: Severity,
    /// What is wrong with this message, ending with the section, e.g. "method must be a string, not
    /// a number (spec 4)".
    pub message: String,
    /// Where: a JSON Pointer (RFC 6901) into the message, e.g. `/1/params`; empty for the whole.
    pub pointer: String,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Expect {
    /// Requests have a method member; responses have result or error.
    #[default]
    Any,
    /// Every object is judged as a request.
    Request,
    /// Every object is judged as a response.
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

    fn add(&mut self, rule: &'static Rule, pointer: &str, message: impl Into<String>) {
        self.findings.push(Finding {
            rule,
            severity: rule.level,
            message: message.into(),
            pointer: pointer.to_owned(),
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
    let mut lines = Lines::new(input);
    while pos < input.len() {
        let rest = &input[pos..];
        let rest_line = lines.line_of(pos);
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
                    line: lines.line_of(pos + start),
                    verdict: check_value(raw, expect),
                }),
                Some(Err(error)) => {
                    let mut verdict = Verdict::new(Kind::ParseError);
                    // serde_json's line is relative to `rest`; make it absolute.
                    let error_line = rest_line + error.line().saturating_sub(1);
                    verdict.add(&JSON_PARSE, "", format!(
                        "not valid JSON: {} at line {error_line} column {} (a server answers -32700 Parse error, spec 5.1)",
                        error_message(&error),
                        error.column()
                    ));
                    out.push(Checked {
                        line: lines.line_of(pos + start),
                        verdict,
                    });
                    pos += start_of_line_after(rest, error.line());
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
        Some(b'{') => check_object(text, expect, ""),
        _ => {
            let mut verdict = Verdict::new(Kind::Unknown);
            verdict.detail = kind_name(text).to_owned();
            verdict.add(
                &MESSAGE_TYPE,
                "",
                format!(
                    "a message must be an object or an array (batch), not {} (spec 4, 5, 6)",
                    kind_name(text)
                ),
            );
            verdict
        }
    }
}

fn check_batch(text: &str, expect: Expect) -> Verdict {
    let mut verdict = Verdict::new(Kind::Batch);
    let elements: Vec<&RawValue> = match serde_json::from_str(text) {
        Ok(elements) => elements,
        Err(e) => {
            verdict.add(&JSON_PARSE, "", format!("unreadable array: {e}"));
            return verdict;
        }
    };
    if elements.is_empty() {
        verdict.detail = "empty".into();
        verdict.add(
            &BATCH_EMPTY,
            "",
            "an empty array is not a valid batch: a batch needs at least one request, and a server \
             must not answer with [] (spec 6)",
        );
        return verdict;
    }
    for (index, element) in elements.iter().enumerate() {
        let at = format!("/{index}");
        let element_text = element.get().trim();
        let mut judged = if element_text.starts_with('{') {
            check_object(element_text, expect, &at)
        } else {
            let mut v = Verdict::new(Kind::Unknown);
            v.detail = kind_name(element_text).to_owned();
            v.add(
                &BATCH_ELEMENT_TYPE,
                &at,
                format!(
                    "a batch element must be a request or response object, not {} (spec 6)",
                    kind_name(element_text)
                ),
            );
            v
        };
        if element_text.starts_with('[') {
            judged.findings.clear();
            judged.elements.clear();
            judged.kind = Kind::Unknown;
            judged.detail = "an array".into();
            judged.add(
                &BATCH_NESTED,
                &at,
                "batches cannot be nested: a batch element must be an object (spec 6)",
            );
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
        verdict.add(&BATCH_MIXED, "", format!(
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
        for (index, element) in elements.iter().enumerate() {
            if let Ok(members) = members_of(element.get()) {
                if members.find("method").is_some() {
                    if let Some(id) = members.find("id") {
                        let id = json::compact(id.get());
                        if ids.contains(&id) {
                            verdict.add(&BATCH_DUPLICATE_ID, &format!("/{index}/id"), format!(
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

fn check_object(text: &str, expect: Expect, at: &str) -> Verdict {
    let members = match members_of(text) {
        Ok(members) => members,
        Err(e) => {
            let mut verdict = Verdict::new(Kind::Unknown);
            verdict.add(&JSON_PARSE, at, format!("unreadable object: {e}"));
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
        verdict.add(
            &MESSAGE_ROLE,
            at,
            "neither a request (no method member, spec 4) nor a response (no result or error member, spec 5)",
        );
        check_duplicates(&members, &mut verdict, at, ALL_MEMBERS);
        return verdict;
    }
    let mut verdict = if is_request {
        check_request(&members, at)
    } else {
        check_response(&members, at)
    };
    let defined = if is_request {
        REQUEST_MEMBERS
    } else {
        RESPONSE_MEMBERS
    };
    check_duplicates(&members, &mut verdict, at, defined);
    verdict
}

/// The members JSON-RPC defines, per object: a repeat of one of these is ambiguous (which counts?);
/// a repeat of any other name is only unusual, since servers ignore members they do not know.
const REQUEST_MEMBERS: &[&str] = &["jsonrpc", "method", "params", "id"];
const RESPONSE_MEMBERS: &[&str] = &["jsonrpc", "result", "error", "id"];
const ERROR_MEMBERS: &[&str] = &["code", "message", "data"];
/// For an object that is neither a request nor a response: every repeat counts.
const ALL_MEMBERS: &[&str] = &[];

fn check_duplicates(members: &Members<'_>, verdict: &mut Verdict, at: &str, defined: &[&str]) {
    let mut seen: Vec<&str> = Vec::new();
    for (name, _) in &members.0 {
        if seen.contains(&name.as_str()) {
            if defined.is_empty() || defined.contains(&name.as_str()) {
                verdict.add(
                    &JSON_DUPLICATE_MEMBER,
                    &member(at, name),
                    format!(
                        "member {} appears more than once: peers disagree on which one counts (RFC 8259 section 4)",
                        json::quote(name)
                    ),
                );
            } else {
                verdict.add(
                    &JSON_DUPLICATE_UNKNOWN_MEMBER,
                    &member(at, name),
                    format!(
                        "member {} appears more than once; JSON-RPC does not define it, so servers ignore it, but names should be unique (RFC 8259 section 4)",
                        json::quote(name)
                    ),
                );
            }
        } else {
            seen.push(name);
        }
    }
}

fn check_version(members: &Members<'_>, verdict: &mut Verdict, role: Role, at: &str) {
    let (rule, section) = match role {
        Role::Request => (&REQUEST_JSONRPC, "4"),
        Role::Response => (&RESPONSE_JSONRPC, "5"),
    };
    let at = member(at, "jsonrpc");
    match members.find("jsonrpc") {
        Some(raw) if string_value(raw).as_deref() == Some("2.0") => {}
        Some(raw) => verdict.add(rule, &at, format!(
            "jsonrpc must be exactly \"2.0\", not {} (spec {section})",
            json::compact(raw.get())
        )),
        None => verdict.add(rule, &at, format!(
            "the jsonrpc member is missing; it must be exactly \"2.0\" (spec {section}; without it this reads as JSON-RPC 1.0, spec 3)"
        )),
    }
}

/// Judges an id: errors for a wrong type, warnings for null and fractional numbers.
fn check_id(raw: &RawValue, verdict: &mut Verdict, role: Role, at: &str) {
    let (section, is_request) = match role {
        Role::Request => ("4", true),
        Role::Response => ("5", false),
    };
    let at = &member(at, "id");
    let text = raw.get().trim();
    match text.as_bytes().first() {
        Some(b'"') => {}
        Some(b'-' | b'0'..=b'9') => {
            if text.contains(['.', 'e', 'E']) {
                let rule = if is_request {
                    &REQUEST_ID_FRACTION
                } else {
                    &RESPONSE_ID_FRACTION
                };
                verdict.add(
                    rule,
                    at,
                    format!("id {text}: numbers should not contain fractional parts (spec {section})"),
                );
            }
        }
        Some(b'n') if is_request => verdict.add(
            &REQUEST_ID_NULL,
            at,
            "id should not be null: null is the id of responses to requests whose id could not be read, \
             and JSON-RPC 1.0 uses it for notifications (spec 4)",
        ),
        Some(b'n') => {}
        _ => verdict.add(
            if is_request {
                &REQUEST_ID_TYPE
            } else {
                &RESPONSE_ID_TYPE
            },
            at,
            format!(
                "id must be a string, a number or null, not {} (spec {section})",
                kind_name(text)
            ),
        ),
    }
}

fn check_request(members: &Members<'_>, at: &str) -> Verdict {
    let mut verdict = Verdict::new(if members.has("id") {
        Kind::Request
    } else {
        Kind::Notification
    });
    check_version(members, &mut verdict, Role::Request, at);
    let method = match members.find("method") {
        None => {
            verdict.add(
                &REQUEST_METHOD_MISSING,
                at,
                "the method member is missing (spec 4)",
            );
            None
        }
        Some(raw) => match string_value(raw) {
            Some(method) => {
                if method.starts_with("rpc.") {
                    verdict.add(&REQUEST_METHOD_RESERVED, &member(at, "method"), format!(
                        "method {}: names beginning with \"rpc.\" are reserved for rpc-internal methods and extensions (spec 4, 8)",
                        json::quote(&method)
                    ));
                }
                Some(method)
            }
            None => {
                verdict.add(
                    &REQUEST_METHOD_TYPE,
                    &member(at, "method"),
                    format!("method must be a string, not {} (spec 4)", kind_name(raw.get())),
                );
                None
            }
        },
    };
    if let Some(params) = members.find("params") {
        let text = params.get().trim();
        if !text.starts_with(['[', '{']) {
            verdict.add(
                &REQUEST_PARAMS_TYPE,
                &member(at, "params"),
                format!(
                    "params must be an array or an object, not {} (spec 4.2)",
                    kind_name(text)
                ),
            );
        }
    }
    let id = members.find("id");
    if let Some(id) = id {
        check_id(id, &mut verdict, Role::Request, at);
    }
    for (name, _) in &members.0 {
        match name.as_str() {
            "jsonrpc" | "method" | "params" | "id" => {}
            "result" | "error" => verdict.add(
                &REQUEST_RESPONSE_MEMBER,
                &member(at, name),
                format!("a request has no {name} member: it mixes a request and a response (spec 4, 5)"),
            ),
            other => verdict.add(
                &REQUEST_UNKNOWN_MEMBER,
                &member(at, other),
                format!(
                    "unknown member {}: a request has jsonrpc, method, params and id (spec 4)",
                    json::quote(other)
                ),
            ),
        }
    }
    let mut detail = match &method {
        Some(method) => format!("method {}", json::quote(method)),
        None => String::new(),
    };
    if let Some(id) = id {
        if !detail.is_empty() {
            detail.push_str(", ");
        }
        let _ = write!(detail, "id {}", json::compact(id.get()));
    }
    verdict.detail = detail;
    verdict
}

fn check_response(members: &Members<'_>, at: &str) -> Verdict {
    let error = members.find("error");
    let mut verdict = Verdict::new(if error.is_some() && !members.has("result") {
        Kind::ErrorResponse
    } else {
        Kind::Response
    });
    check_version(members, &mut verdict, Role::Response, at);
    let mut detail = Vec::new();
    match (members.find("result"), error) {
        (Some(_), Some(error)) => {
            verdict.add(
                &RESPONSE_RESULT_AND_ERROR,
                at,
                "a response must not have both result and error (spec 5)",
            );
            check_error_object(error, &mut verdict, &member(at, "error"));
        }
        (None, None) => verdict.add(
            &RESPONSE_RESULT_OR_ERROR,
            at,
            "a response needs either result or error (spec 5)",
        ),
        (Some(_), None) => detail.push("result".to_owned()),
        (None, Some(error)) => {
            if let Some(code) = check_error_object(error, &mut verdict, &member(at, "error")) {
                detail.push(format!("code {code}"));
            }
        }
    }
    if members.has("method") {
        verdict.add(
            &RESPONSE_METHOD_MEMBER,
            &member(at, "method"),
            "a response has no method member: it mixes a request and a response (spec 4, 5)",
        );
    }
    match members.find("id") {
        None => verdict.add(
            &RESPONSE_ID_MISSING,
            at,
            "the id member is required in a response, null when the request's id was unreadable (spec 5)",
        ),
        Some(id) => {
            check_id(id, &mut verdict, Role::Response, at);
            detail.push(format!("id {}", json::compact(id.get())));
        }
    }
    for (name, _) in &members.0 {
        if !matches!(name.as_str(), "jsonrpc" | "result" | "error" | "id" | "method") {
            verdict.add(
                &RESPONSE_UNKNOWN_MEMBER,
                &member(at, name),
                format!(
                    "unknown member {}: a response has jsonrpc, result or error, and id (spec 5)",
                    json::quote(name)
                ),
            );
        }
    }
    verdict.detail = detail.join(", ");
    verdict
}

/// Judges an error object; returns its code's text when it is an integer.
fn check_error_object(raw: &RawValue, verdict: &mut Verdict, at: &str) -> Option<String> {
    let text = raw.get().trim();
    if !text.starts_with('{') {
        verdict.add(
            &ERROR_TYPE,
            at,
            format!("error must be an object, not {} (spec 5.1)", kind_name(text)),
        );
        return None;
    }
    let members = match members_of(text) {
        Ok(members) => members,
        Err(e) => {
            verdict.add(&JSON_PARSE, at, format!("unreadable error object: {e}"));
            return None;
        }
    };
    let mut code_text = None;
    match members.find("code") {
        None => verdict.add(&ERROR_CODE_MISSING, at, "error.code is required (spec 5.1)"),
        Some(code) => {
            let at = &member(at, "code");
            let code = code.get().trim();
            if !code.starts_with(['-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']) {
                verdict.add(
                    &ERROR_CODE_TYPE,
                    at,
                    format!("error.code must be a number, not {} (spec 5.1)", kind_name(code)),
                );
            } else if code.contains(['.', 'e', 'E']) {
                let integral = code.parse::<f64>().is_ok_and(|v| v.fract() == 0.0);
                if integral {
                    verdict.add(&ERROR_CODE_FRACTION, at, format!(
                        "error.code {code} is written with a fraction or exponent; many peers will not read it as an integer (spec 5.1)"
                    ));
                    code_text = Some(code.to_owned());
                } else {
                    verdict.add(
                        &ERROR_CODE_INTEGER,
                        at,
                        format!("error.code must be an integer, not {code} (spec 5.1)"),
                    );
                }
            } else {
                code_text = Some(code.to_owned());
                if let Ok(value) = code.parse::<i64>() {
                    let predefined = jrpc::ErrorCode::from_code(value).is_some()
                        || jrpc::ErrorCode::is_server_error_range(value);
                    if (-32768..=-32000).contains(&value) && !predefined {
                        verdict.add(&ERROR_CODE_RESERVED, at, format!(
                            "error.code {value} is in the range reserved for pre-defined errors (-32768 to -32000) but is not one of them (spec 5.1)"
                        ));
                    }
                }
            }
        }
    }
    match members.find("message") {
        None => verdict.add(&ERROR_MESSAGE_MISSING, at, "error.message is required (spec 5.1)"),
        Some(message) if string_value(message).is_none() => verdict.add(
            &ERROR_MESSAGE_TYPE,
            &member(at, "message"),
            format!(
                "error.message must be a string, not {} (spec 5.1)",
                kind_name(message.get())
            ),
        ),
        Some(_) => {}
    }
    for (name, _) in &members.0 {
        if !matches!(name.as_str(), "code" | "message" | "data") {
            verdict.add(
                &ERROR_UNKNOWN_MEMBER,
                &member(at, name),
                format!(
                    "unknown member {} in the error object: it has code, message and data (spec 5.1)",
                    json::quote(name)
                ),
            );
        }
    }
    check_duplicates(&members, verdict, at, ERROR_MEMBERS);
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

/// 1-based lines of byte offsets, asked for in increasing order: each question counts only the
/// line breaks since the last one, so judging many messages stays linear in the input.
struct Lines<'a> {
    input: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> Lines<'a> {
    fn new(input: &'a str) -> Self {
        Lines {
            input: input.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    fn line_of(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.input.len());
        if offset < self.offset {
            (self.offset, self.line) = (0, 1);
        }
        self.line += self.input[self.offset..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.offset = offset;
        self.line
    }
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

    /// Every rule of the table is applied by the engine, and findings point at what broke it.
    #[test]
    fn every_rule_in_the_table_is_applied() {
        let input = [
            r#"{"jsonrpc":"1.0","method":1,"params":"bar","id":true,"result":1,"x":1}"#,
            r#"{"jsonrpc":"2.0","method":"rpc.m","id":null,"id":1.5}"#,
            r#"{"jsonrpc":"2.0","method":"m","id":1.5}"#,
            r#"{"jsonrpc":"2.0","params":[]}"#,
            r#"{"id":1}"#,
            r#"{"jsonrpc":"2.0","result":1,"error":"x","id":[],"x":1}"#,
            r#"{"error":{"code":1.5},"id":2.5}"#,
            r#"{"jsonrpc":"2.0","result":1}"#,
            r#"{"jsonrpc":"2.0","error":{"message":1,"x":1},"id":1}"#,
            r#"{"jsonrpc":"2.0","error":{"code":"1"},"id":1}"#,
            r#"{"jsonrpc":"2.0","error":{"code":1.0,"message":"m"},"id":1}"#,
            r#"{"jsonrpc":"2.0","error":{"code":-32100,"message":"m"},"id":1}"#,
            r#"{"jsonrpc":"2.0","id":1}"#,
            r#"{"jsonrpc":"2.0","method":"m","x":1,"x":2,"id":1}"#,
            "[]",
            r#"[1,[],{"jsonrpc":"2.0","method":"m","id":1},{"jsonrpc":"2.0","result":1,"id":1}]"#,
            r#"[{"jsonrpc":"2.0","method":"m","id":1},{"jsonrpc":"2.0","method":"m","id":1}]"#,
            "42",
            "{",
        ]
        .join("\n");
        fn collect(verdict: &Verdict, ids: &mut Vec<&'static str>) {
            ids.extend(verdict.findings.iter().map(|f| f.rule.id));
            for element in &verdict.elements {
                collect(element, ids);
            }
        }
        let mut applied = Vec::new();
        for checked in check_all(&input, Expect::Any)
            .into_iter()
            .chain(check_all(r#"{"jsonrpc":"2.0","result":1}"#, Expect::Request))
            .chain(check_all(
                r#"{"jsonrpc":"2.0","method":"m","id":1}"#,
                Expect::Response,
            ))
        {
            collect(&checked.verdict, &mut applied);
        }
        for rule in RULES {
            assert!(applied.contains(&rule.id), "no input breaks {}", rule.id);
        }
        let verdict = one(r#"[{"jsonrpc":"2.0","method":"m","params":1,"error":{"code":"x"}}]"#);
        let element = &verdict.elements[0];
        let at: Vec<(&str, &str)> = element
            .findings
            .iter()
            .map(|f| (f.rule.id, f.pointer.as_str()))
            .collect();
        assert_eq!(
            at,
            [
                ("request.params.type", "/0/params"),
                ("request.response-member", "/0/error")
            ]
        );
        let verdict = one(r#"{"jsonrpc":"2.0","error":{"code":"x","message":"m"},"id":1,"a/b":1}"#);
        let at: Vec<&str> = verdict.findings.iter().map(|f| f.pointer.as_str()).collect();
        assert_eq!(at, ["/error/code", "/a~1b"]);
    }
}
