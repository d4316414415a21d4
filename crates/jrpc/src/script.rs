//! Conformance scripts: JSON-RPC exchanges written the way the specification's examples are, parsed
//! into cases that any runner (the crate's own tests, a command-line checker) can replay over any
//! transport. Sans-io: this module only reads text and compares replies.
//!
//! # Syntax
//! ```text
//! # A comment. A blank line or a comment ends the current case.
//! @max_batch_len 3          a setting of the server the script needs (see below)
//! ## a title                names the cases that follow
//! --> {"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}
//! <-- {"jsonrpc": "2.0", "result": 19, "id": 1}
//! ```
//! - `--> TEXT` is sent to the server as it is (it may be invalid on purpose). Lines that start
//!   with none of the markers continue the text above them, so a message may span lines.
//! - `<-- JSON` is the expected reply, compared as JSON; a top-level array (a batch reply) is
//!   compared as a set, since batch replies may come in any order. `<== TEXT` is the expected
//!   reply byte for byte (for ids that must be echoed exactly). `<-- nothing` means no reply.
//!   Each request has exactly one of these: a second one is an error of the script.
//! - Traffic the server starts, on persistent connections only (a script that has any declares
//!   `@persistent`), is written between the request and the reply, or after the reply, in the
//!   order it travels:
//!   - `<-- push JSON`: the server sends a notification to the client;
//!   - `<-- call JSON`: the server calls the client; the next line must be `--> TEXT`, the
//!     client's answer, sent back as it is.
//!
//!   The server's calls are compared as JSON, ids included.
//!
//! # Rules
//! A title may name the rule its cases check, for runners that judge servers other than jrpc's
//! (`jrpc conform`): `## rule NAME (SECTION, LEVEL[, NEEDS]): TITLE`, for example
//! `## rule parse-error (5.1, MUST): text that is not JSON is a parse error`. LEVEL is `MUST` or
//! `SHOULD`; NEEDS says what the server must offer for the cases to mean anything:
//! nothing (the default: any server, whatever its methods), `method` (a method of the server's
//! own, given by the runner: see templates), `spec-methods` (the specification's section 7
//! methods), or `jrpc` (this crate's test methods or a choice where the specification is silent,
//! see docs/TENETS.md: checked on jrpc's own servers only). A plain `## title` ends the rule.
//!
//! # Templates
//! In a request of a `method` rule, `{{call}}` stands for the members `"method": NAME, "params":
//! PARAMS` of a call the server answers with a result ([`call_members`], [`Case::render`]). In an
//! expected reply, `{{result}}` stands for any JSON value (the method's result, unknown to the
//! script).
//!
//! # Comparing
//! [`Expected::check`] is strict, for jrpc's own servers: error messages and data as written,
//! `<==` byte for byte. [`Expected::check_portable`] is the specification's standard, for anyone's
//! server: an error is judged by its `code` (the message must be a string, `data` is free), an
//! invalid request (-32600) may be answered with `"id": null` (the id could not be detected), and
//! `<==` means equal as JSON with every `id` echoed byte for byte (member order and spacing free).
//!
//! Settings (`@` lines) say how the server under test must be configured: `@accept_v1` (JSON-RPC
//! 1.0 requests are answered), `@max_batch_len N`, `@max_params_depth N`, and `@persistent` (the
//! script needs a connection that carries the server's own messages: WebSocket or a byte stream).
//!
//! The crate's scripts are embedded in [`SCRIPTS`], so every runner replays the same ones.

use std::fmt;

use serde_json::Value;

/// A script's name and text.
#[derive(Debug, Clone, Copy)]
pub struct Source {
    /// The file name, such as `spec_examples.txt`.
    pub name: &'static str,
    /// The script itself.
    pub text: &'static str,
}

/// The crate's conformance scripts (`crates/jrpc/conformance/*.txt`), in file name order.
pub const SCRIPTS: &[Source] = &[
    Source {
        name: "edge_cases.txt",
        text: include_str!("../conformance/edge_cases.txt"),
    },
    Source {
        name: "limits.txt",
        text: include_str!("../conformance/limits.txt"),
    },
    Source {
        name: "rules.txt",
        text: include_str!("../conformance/rules.txt"),
    },
    Source {
        name: "server_traffic.txt",
        text: include_str!("../conformance/server_traffic.txt"),
    },
    Source {
        name: "spec_examples.txt",
        text: include_str!("../conformance/spec_examples.txt"),
    },
    Source {
        name: "v1_compat.txt",
        text: include_str!("../conformance/v1_compat.txt"),
    },
    Source {
        name: "with_method.txt",
        text: include_str!("../conformance/with_method.txt"),
    },
];

/// A parsed script: the server settings it needs and its cases in order.
#[derive(Debug, Clone)]
pub struct Script {
    /// The script's name, used in messages.
    pub name: String,
    /// How the server under test must be configured.
    pub settings: Settings,
    /// The cases, in the order they must run (later cases may depend on earlier ones).
    pub cases: Vec<Case>,
}

/// The server configuration a script asks for with its `@` lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// `@accept_v1`: JSON-RPC 1.0 requests are accepted and answered in 1.0 form.
    pub accept_v1: bool,
    /// `@max_batch_len N`.
    pub max_batch_len: Option<usize>,
    /// `@max_params_depth N`.
    pub max_params_depth: Option<usize>,
    /// `@persistent`: the script needs a persistent connection (the server sends its own messages).
    pub persistent: bool,
}

/// One request and everything that must travel because of it.
#[derive(Debug, Clone)]
pub struct Case {
    /// The title (`##`) in force where the case starts; empty before the first one.
    pub title: String,
    /// The line of the request's `-->`, counting from 1.
    pub line: usize,
    /// The rule the case belongs to (`## rule ...`), if its title names one.
    pub rule: Option<Rule>,
    /// The text sent to the server; a `method` rule's cases hold `{{call}}` (see [`Case::render`]).
    pub request: String,
    /// What follows the request, in order: exactly one [`Step::Reply`], and any traffic the
    /// server starts before or after it.
    pub steps: Vec<Step>,
}

impl Case {
    /// The expected reply to the request.
    pub fn reply(&self) -> &Expected {
        self.steps
            .iter()
            .find_map(|step| match step {
                Step::Reply { expected, .. } => Some(expected),
                _ => None,
            })
            .unwrap_or(&Expected::Nothing)
    }

    /// The request with `{{call}}` replaced by `call` (the members of a call, from
    /// [`call_members`]); the request as written when it has no placeholder.
    pub fn render(&self, call: &str) -> String {
        self.request.replace(CALL, call)
    }

    /// True when the request holds the `{{call}}` placeholder.
    pub fn is_template(&self) -> bool {
        self.request.contains(CALL)
    }

    /// True when the server sends messages of its own in this case (`<-- push`, `<-- call`).
    pub fn has_server_traffic(&self) -> bool {
        self.steps.iter().any(|step| !matches!(step, Step::Reply { .. }))
    }
}

/// The placeholder of a request for the members of the runner's call.
pub const CALL: &str = "{{call}}";

/// The placeholder of an expected reply for any JSON value.
pub const ANY: &str = "{{result}}";

/// The members `"method": NAME, "params": PARAMS` (params left out when `None`) that replace
/// `{{call}}`; `params` is JSON text and is written as given.
pub fn call_members(method: &str, params: Option<&str>) -> String {
    let name = serde_json::to_string(method).unwrap_or_else(|_| format!("\"{method}\""));
    match params {
        Some(params) => format!("\"method\": {name}, \"params\": {params}"),
        None => format!("\"method\": {name}"),
    }
}

/// A rule of the specification (or of transport conventions) that a group of cases checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// A stable name, such as `parse-error`, unique across the scripts.
    pub name: String,
    /// The section of the specification, such as `5.1`.
    pub section: String,
    /// MUST or SHOULD.
    pub level: Level,
    /// What the server must offer for the rule to be checked.
    pub needs: Needs,
}

/// How binding a rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// The specification says MUST (or MUST NOT).
    Must,
    /// The specification says SHOULD, or the widely followed conventions do.
    Should,
}

impl Level {
    /// `MUST` or `SHOULD`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a rule's cases need of the server under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Needs {
    /// Nothing: any JSON-RPC server, whatever its methods.
    Nothing,
    /// A method of the server's own that succeeds (the runner fills `{{call}}`).
    Method,
    /// The specification's section 7 example methods (`subtract`, `sum`, `update`, `get_data`...).
    SpecMethods,
    /// jrpc's own test methods, or a choice where the specification is silent (docs/TENETS.md).
    Jrpc,
}

impl Needs {
    /// The word used in scripts: `nothing`, `method`, `spec-methods`, `jrpc`.
    pub fn as_str(self) -> &'static str {
        match self {
            Needs::Nothing => "nothing",
            Needs::Method => "method",
            Needs::SpecMethods => "spec-methods",
            Needs::Jrpc => "jrpc",
        }
    }
}

impl Rule {
    /// Reads `NAME (SECTION, LEVEL[, NEEDS]): TITLE` (what follows `## rule `) into the rule and
    /// the title.
    fn parse(text: &str) -> Result<(Rule, String), String> {
        let shape = "a rule is `## rule NAME (SECTION, MUST|SHOULD[, method|spec-methods|jrpc]): TITLE`";
        let (name, rest) = text.split_once('(').ok_or_else(|| shape.to_owned())?;
        let (inside, title) = rest.split_once("):").ok_or_else(|| shape.to_owned())?;
        let name = name.trim();
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        {
            return Err(format!(
                "rule name {name:?}: use lowercase letters, digits and `-`"
            ));
        }
        let parts: Vec<&str> = inside.split(',').map(str::trim).collect();
        let (section, level, needs) = match parts[..] {
            [section, level] => (section, level, "nothing"),
            [section, level, needs] => (section, level, needs),
            _ => return Err(shape.to_owned()),
        };
        if section.is_empty() {
            return Err(shape.to_owned());
        }
        let level = match level {
            "MUST" => Level::Must,
            "SHOULD" => Level::Should,
            other => return Err(format!("rule level {other:?}: use MUST or SHOULD")),
        };
        let needs = match needs {
            "nothing" => Needs::Nothing,
            "method" => Needs::Method,
            "spec-methods" => Needs::SpecMethods,
            "jrpc" => Needs::Jrpc,
            other => {
                return Err(format!(
                    "rule needs {other:?}: use method, spec-methods or jrpc (or nothing)"
                ))
            }
        };
        let rule = Rule {
            name: name.to_owned(),
            section: section.to_owned(),
            level,
            needs,
        };
        Ok((rule, title.trim().to_owned()))
    }
}

/// One message that travels after a case's request.
#[derive(Debug, Clone)]
pub enum Step {
    /// `<-- push`: the server sends this notification (compared as JSON).
    Push {
        /// The line of the `<--`.
        line: usize,
        /// The expected notification, JSON text.
        expected: String,
    },
    /// `<-- call` and the `-->` after it: the server calls the client, the client answers.
    Call {
        /// The line of the `<--`.
        line: usize,
        /// The expected call, JSON text (compared as JSON, id included).
        expected: String,
        /// The client's answer, sent as it is.
        answer: String,
    },
    /// `<--`, `<==` or `<-- nothing`: the server's reply to the request.
    Reply {
        /// The line of the `<--` or `<==`.
        line: usize,
        /// What the reply must be.
        expected: Expected,
    },
}

/// An expected reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// `<-- nothing`: no reply at all.
    Nothing,
    /// `<-- JSON`: equal as JSON, a top-level array compared as a set.
    Json(String),
    /// `<== TEXT`: equal byte for byte.
    Exact(String),
}

impl Expected {
    /// Checks a reply (`None` when none came) against the expectation, strictly: as jrpc's own
    /// servers must answer (error messages as written, `<==` byte for byte).
    pub fn check(&self, reply: Option<&[u8]>) -> Result<(), Mismatch> {
        self.check_as(reply, false)
    }

    /// Checks a reply as the specification allows any server to answer it: errors judged by
    /// their code, -32600 with the id or null, `<==` as JSON with ids echoed byte for byte.
    pub fn check_portable(&self, reply: Option<&[u8]>) -> Result<(), Mismatch> {
        self.check_as(reply, true)
    }

    fn check_as(&self, reply: Option<&[u8]>, portable: bool) -> Result<(), Mismatch> {
        let mismatch = |expected: &str, actual: Option<&[u8]>| {
            Err(Mismatch {
                expected: expected.to_owned(),
                actual: actual.map(|bytes| String::from_utf8_lossy(bytes).into_owned()),
            })
        };
        match (self, reply) {
            (Expected::Nothing, None) => Ok(()),
            (Expected::Nothing, actual) => mismatch("nothing", actual),
            (Expected::Exact(expected), Some(actual)) if !portable && same_bytes(expected, actual) => Ok(()),
            (Expected::Exact(expected), Some(actual))
                if portable && same_json(expected, actual, true) && same_ids(expected, actual) =>
            {
                Ok(())
            }
            (Expected::Json(expected), Some(actual)) if same_json(expected, actual, portable) => Ok(()),
            (Expected::Exact(expected) | Expected::Json(expected), actual) => mismatch(expected, actual),
        }
    }
}

/// Checks a message the server started (`<-- push`, `<-- call`) against the expected JSON text.
pub fn check_json(expected: &str, actual: &[u8]) -> Result<(), Mismatch> {
    Expected::Json(expected.to_owned()).check(Some(actual))
}

/// The string that stands for `{{result}}` once the expected text is read as JSON.
const WILDCARD: &str = "\u{0}jrpc-script-any";

/// Reads expected JSON text, `{{result}}` read as a wildcard.
fn expected_json(text: &str) -> Result<Value, serde_json::Error> {
    let wildcard = serde_json::to_string(WILDCARD).unwrap_or_default();
    serde_json::from_str(&text.replace(ANY, &wildcard))
}

/// Byte for byte, `{{result}}` matching any JSON text.
fn same_bytes(expected: &str, actual: &[u8]) -> bool {
    match expected.split_once(ANY) {
        None => expected.as_bytes() == actual,
        Some((before, after)) => {
            actual.len() >= before.len() + after.len()
                && actual.starts_with(before.as_bytes())
                && actual.ends_with(after.as_bytes())
                && serde_json::from_slice::<serde::de::IgnoredAny>(
                    &actual[before.len()..actual.len() - after.len()],
                )
                .is_ok()
        }
    }
}

/// Equal as JSON, with the items of a top-level array compared as a set and `{{result}}` matching
/// anything; `portable` judges error objects by their code (see [`Expected::check_portable`]).
fn same_json(expected: &str, actual: &[u8], portable: bool) -> bool {
    let (Ok(expected), Ok(actual)) = (expected_json(expected), serde_json::from_slice::<Value>(actual))
    else {
        return false;
    };
    match (&expected, &actual) {
        (Value::Array(expected), Value::Array(actual)) => {
            // A batch reply: each expected item pairs with a distinct actual one, in any order.
            if expected.len() != actual.len() {
                return false;
            }
            let mut used = vec![false; actual.len()];
            expected.iter().all(|item| {
                let found = actual
                    .iter()
                    .enumerate()
                    .position(|(index, candidate)| !used[index] && matches(item, candidate, portable, true));
                found.map(|index| used[index] = true).is_some()
            })
        }
        _ => matches(&expected, &actual, portable, true),
    }
}

/// One expected value against one actual value; `top` is true for a response object.
fn matches(expected: &Value, actual: &Value, portable: bool, top: bool) -> bool {
    if expected.as_str() == Some(WILDCARD) {
        return true;
    }
    match (expected, actual) {
        (Value::Object(expected), Value::Object(actual)) => {
            if expected.len() != actual.len() || expected.keys().any(|key| !actual.contains_key(key)) {
                return false;
            }
            let code = expected
                .get("error")
                .and_then(|error| error.get("code"))
                .and_then(Value::as_i64);
            expected.iter().all(|(key, value)| {
                let other = &actual[key];
                match key.as_str() {
                    // An error is its code; the message is free text and data is the server's own.
                    "error" if portable && top => match (value, other) {
                        (Value::Object(value), Value::Object(other)) => {
                            other.get("code") == value.get("code")
                                && other.get("message").is_some_and(Value::is_string)
                                && other
                                    .keys()
                                    .all(|key| matches!(key.as_str(), "code" | "message" | "data"))
                        }
                        _ => false,
                    },
                    // An invalid request's id may be null: the server could not detect it.
                    "id" if portable && top && code == Some(-32600) && other.is_null() => true,
                    _ => matches(value, other, portable, false),
                }
            })
        }
        (Value::Array(expected), Value::Array(actual)) => {
            expected.len() == actual.len()
                && expected
                    .iter()
                    .zip(actual)
                    .all(|(expected, actual)| matches(expected, actual, portable, false))
        }
        _ => expected == actual,
    }
}

/// The `id` members of a reply (an object or a batch) as raw text, sorted.
fn raw_ids(text: &[u8]) -> Option<Vec<String>> {
    use serde_json::value::RawValue;
    #[derive(serde::Deserialize)]
    struct Reply<'a> {
        #[serde(borrow)]
        id: Option<&'a RawValue>,
    }
    // Not an untagged enum: those buffer their input and cannot lend out raw values.
    let replies: Vec<Reply> = if text.trim_ascii_start().starts_with(b"[") {
        serde_json::from_slice(text).ok()?
    } else {
        vec![serde_json::from_slice(text).ok()?]
    };
    let mut ids: Vec<String> = replies
        .into_iter()
        .map(|reply| reply.id.map_or_else(String::new, |id| id.get().to_owned()))
        .collect();
    ids.sort();
    Some(ids)
}

/// Every id echoed byte for byte.
fn same_ids(expected: &str, actual: &[u8]) -> bool {
    let expected = expected.replace(ANY, "null");
    match (raw_ids(expected.as_bytes()), raw_ids(actual)) {
        (Some(expected), Some(actual)) => expected == actual,
        _ => false,
    }
}

/// A message that differs from what the script expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    expected: String,
    actual: Option<String>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.actual {
            Some(actual) => write!(f, "expected {}\n     got {actual}", self.expected),
            None => write!(f, "expected {}\n     got nothing", self.expected),
        }
    }
}

impl std::error::Error for Mismatch {}

/// A script that cannot be parsed: its name, the line, and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptError {
    script: String,
    line: usize,
    message: String,
}

impl ScriptError {
    /// The script's name.
    pub fn script(&self) -> &str {
        &self.script
    }

    /// The line, counting from 1.
    pub fn line(&self) -> usize {
        self.line
    }
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.script, self.line, self.message)
    }
}

impl std::error::Error for ScriptError {}

impl Source {
    /// Parses this script.
    pub fn parse(&self) -> Result<Script, ScriptError> {
        Script::parse(self.name, self.text)
    }
}

/// Where continuation lines go: the text most recently opened.
#[derive(Clone, Copy)]
enum Open {
    Nothing,
    Request,
    /// The text of the last step (its expectation, or a call's answer once given).
    Step,
}

/// A case being read.
struct Building {
    case: Case,
    /// The line of a `<-- call` still waiting for the client's `-->` answer.
    awaiting_answer: Option<usize>,
}

impl Script {
    /// Parses a script; `name` is used in errors.
    pub fn parse(name: &str, text: &str) -> Result<Script, ScriptError> {
        let error = |line: usize, message: String| ScriptError {
            script: name.to_owned(),
            line,
            message,
        };
        let mut script = Script {
            name: name.to_owned(),
            settings: Settings::default(),
            cases: Vec::new(),
        };
        let mut title = String::new();
        let mut rule: Option<Rule> = None;
        let mut building: Option<Building> = None;
        let mut open = Open::Nothing;
        let mut last_line = 0;
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            last_line = number;
            if let Some(rest) = line.strip_prefix("-->") {
                let text = rest.trim_start().to_owned();
                if let Some(current) = building.as_mut().filter(|b| b.awaiting_answer.is_some()) {
                    current.awaiting_answer = None;
                    if let Some(Step::Call { answer, .. }) = current.case.steps.last_mut() {
                        *answer = text;
                    }
                    open = Open::Step;
                } else {
                    script.finish(building.take(), &error)?;
                    building = Some(Building {
                        case: Case {
                            title: title.clone(),
                            rule: rule.clone(),
                            line: number,
                            request: text,
                            steps: Vec::new(),
                        },
                        awaiting_answer: None,
                    });
                    open = Open::Request;
                }
            } else if let Some(rest) = line.strip_prefix("<--").or_else(|| line.strip_prefix("<==")) {
                let exact = line.starts_with("<==");
                let Some(current) = building.as_mut() else {
                    return Err(error(
                        number,
                        format!("`{}` with no `-->` request before it", &line[..3]),
                    ));
                };
                if let Some(call) = current.awaiting_answer {
                    return Err(error(
                        number,
                        format!("the server's call on line {call} needs the client's answer (`-->`) first"),
                    ));
                }
                let rest = rest.trim_start();
                let step = match (exact, word(rest, "push"), word(rest, "call")) {
                    (false, Some(json), _) => Step::Push {
                        line: number,
                        expected: json.to_owned(),
                    },
                    (false, _, Some(json)) => {
                        current.awaiting_answer = Some(number);
                        Step::Call {
                            line: number,
                            expected: json.to_owned(),
                            answer: String::new(),
                        }
                    }
                    _ => {
                        if let Some(previous) = current.case.steps.iter().find_map(|step| match step {
                            Step::Reply { line, .. } => Some(*line),
                            _ => None,
                        }) {
                            return Err(error(
                                number,
                                format!(
                                    "a second reply to the request on line {} (the first is on line \
                                     {previous}); messages the server starts are `<-- push` or `<-- call`",
                                    current.case.line
                                ),
                            ));
                        }
                        let expected = if exact {
                            Expected::Exact(rest.to_owned())
                        } else if rest.trim_end() == "nothing" {
                            Expected::Nothing
                        } else {
                            Expected::Json(rest.to_owned())
                        };
                        Step::Reply {
                            line: number,
                            expected,
                        }
                    }
                };
                current.case.steps.push(step);
                open = Open::Step;
            } else if let Some(rest) = line.strip_prefix("##") {
                script.finish(building.take(), &error)?;
                open = Open::Nothing;
                match word(rest.trim_start(), "rule") {
                    Some(text) => {
                        let (named, text) = Rule::parse(text).map_err(|message| error(number, message))?;
                        if let Some(other) = script.rules().find(|other| other.name == named.name) {
                            if other != &named {
                                return Err(error(
                                    number,
                                    format!("rule `{}` is declared twice, differently", named.name),
                                ));
                            }
                        }
                        rule = Some(named);
                        title = text;
                    }
                    None => {
                        rule = None;
                        title = rest.trim().to_owned();
                    }
                }
            } else if line.starts_with('#') || line.trim().is_empty() {
                script.finish(building.take(), &error)?;
                open = Open::Nothing;
            } else if let Some(directive) = line.strip_prefix('@') {
                script.finish(building.take(), &error)?;
                open = Open::Nothing;
                script
                    .settings
                    .apply(directive)
                    .map_err(|message| error(number, message))?;
            } else {
                let target = match (open, building.as_mut()) {
                    (Open::Request, Some(current)) => &mut current.case.request,
                    (Open::Step, Some(current)) => match current.case.steps.last_mut() {
                        Some(Step::Call { answer, .. }) if current.awaiting_answer.is_none() => answer,
                        Some(
                            Step::Push { expected, .. }
                            | Step::Call { expected, .. }
                            | Step::Reply {
                                expected: Expected::Json(expected) | Expected::Exact(expected),
                                ..
                            },
                        ) => expected,
                        _ => return Err(error(number, format!("text after `<-- nothing`: {line:?}"))),
                    },
                    _ => return Err(error(number, format!("stray text outside a case: {line:?}"))),
                };
                target.push('\n');
                target.push_str(line);
            }
        }
        script.finish(building.take(), &error)?;
        if script.cases.is_empty() {
            return Err(error(last_line, "the script has no cases".to_owned()));
        }
        Ok(script)
    }

    /// The rules of the script's cases, each once, in order.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        let mut seen: Vec<&str> = Vec::new();
        self.cases
            .iter()
            .filter_map(|case| case.rule.as_ref())
            .filter(move |rule| {
                let new = !seen.contains(&rule.name.as_str());
                if new {
                    seen.push(&rule.name);
                }
                new
            })
    }

    /// Checks a finished case and adds it.
    fn finish(
        &mut self,
        building: Option<Building>,
        error: &impl Fn(usize, String) -> ScriptError,
    ) -> Result<(), ScriptError> {
        let Some(Building {
            case,
            awaiting_answer,
        }) = building
        else {
            return Ok(());
        };
        if let Some(line) = awaiting_answer {
            return Err(error(
                line,
                "the server's call is not followed by the client's answer (`-->`)".to_owned(),
            ));
        }
        if !case.steps.iter().any(|step| matches!(step, Step::Reply { .. })) {
            return Err(error(
                case.line,
                "the request has no expected reply (`<--`, `<==` or `<-- nothing`)".to_owned(),
            ));
        }
        if case.is_template() && case.rule.as_ref().map(|rule| rule.needs) != Some(Needs::Method) {
            return Err(error(
                case.line,
                format!("`{CALL}` belongs in the cases of a rule that needs `method`"),
            ));
        }
        for step in &case.steps {
            let (line, json) = match step {
                Step::Push { line, expected } | Step::Call { line, expected, .. } => {
                    if !self.settings.persistent {
                        return Err(error(
                            *line,
                            "messages the server starts need `@persistent` at the top of the script"
                                .to_owned(),
                        ));
                    }
                    (*line, expected)
                }
                Step::Reply {
                    line,
                    expected: Expected::Json(expected),
                } => (*line, expected),
                Step::Reply { .. } => continue,
            };
            if let Err(e) = expected_json(json) {
                return Err(error(line, format!("the expected message is not JSON ({e})")));
            }
        }
        self.cases.push(case);
        Ok(())
    }
}

impl Settings {
    /// Applies one `@` line (without the `@`).
    fn apply(&mut self, directive: &str) -> Result<(), String> {
        let mut words = directive.split_whitespace();
        let (name, value) = (words.next().unwrap_or(""), words.next());
        if words.next().is_some() {
            return Err(format!("`@{directive}` has too many words"));
        }
        let number = |value: Option<&str>| {
            value
                .and_then(|value| value.parse::<usize>().ok())
                .ok_or_else(|| format!("`@{name}` needs a number"))
        };
        match (name, value) {
            ("accept_v1", None) => self.accept_v1 = true,
            ("persistent", None) => self.persistent = true,
            ("max_batch_len", value) => self.max_batch_len = Some(number(value)?),
            ("max_params_depth", value) => self.max_params_depth = Some(number(value)?),
            _ => return Err(format!("unknown setting `@{directive}`")),
        }
        Ok(())
    }
}

/// The rest of `text` after the keyword `word` and a space, if it starts with them.
fn word<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    text.strip_prefix(word)
        .filter(|rest| rest.starts_with(char::is_whitespace))
        .map(str::trim_start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Script, ScriptError> {
        Script::parse("test.txt", text)
    }

    fn fails(text: &str, line: usize, contains: &str) {
        let error = parse(text).expect_err("a malformed script");
        assert_eq!(error.script(), "test.txt");
        assert_eq!(error.line(), line, "{error}");
        assert!(error.to_string().contains(contains), "{error}");
        assert!(
            error.to_string().starts_with(&format!("test.txt:{line}: ")),
            "{error}"
        );
    }

    #[test]
    fn every_embedded_script_parses_and_every_file_is_embedded() {
        for source in SCRIPTS {
            let script = source.parse().unwrap_or_else(|e| panic!("{e}"));
            assert!(!script.cases.is_empty());
        }
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .expect("the conformance directory")
            .map(|entry| {
                entry
                    .expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        files.sort();
        let embedded: Vec<&str> = SCRIPTS.iter().map(|source| source.name).collect();
        assert_eq!(files, embedded, "every script file is in SCRIPTS, in name order");
        // A rule's name means one rule across all the scripts.
        let mut rules: Vec<Rule> = Vec::new();
        for source in SCRIPTS {
            let script = source.parse().unwrap_or_else(|e| panic!("{e}"));
            for rule in script.rules() {
                match rules.iter().find(|known| known.name == rule.name) {
                    Some(known) => assert_eq!(known, rule, "{}: rule {}", source.name, rule.name),
                    None => rules.push(rule.clone()),
                }
            }
        }
        assert!(rules.len() >= 40, "only {} rules", rules.len());
    }

    #[test]
    fn cases_titles_settings_and_continuation_lines() {
        let script = parse(
            "# comment\n@max_batch_len 3\n@accept_v1\n## first\n--> [\n  1\n]\n<-- [\n  2\n]\n\n\
             --> {\"id\": 1}\n<== {\"id\":1}\n--> x\n<-- nothing\n",
        )
        .expect("valid");
        assert_eq!(
            script.settings,
            Settings {
                accept_v1: true,
                max_batch_len: Some(3),
                ..Settings::default()
            }
        );
        assert_eq!(script.cases.len(), 3);
        let first = &script.cases[0];
        assert_eq!((first.title.as_str(), first.line), ("first", 5));
        assert_eq!(first.request, "[\n  1\n]");
        assert_eq!(first.reply(), &Expected::Json("[\n  2\n]".to_owned()));
        assert_eq!(script.cases[1].reply(), &Expected::Exact("{\"id\":1}".to_owned()));
        assert_eq!(script.cases[2].reply(), &Expected::Nothing);
        assert!(!first.has_server_traffic());
    }

    #[test]
    fn server_traffic_in_order() {
        let script = parse(
            "@persistent\n--> {\"id\": 1}\n<-- push {\"method\": \"a\"}\n<-- call {\"method\": \"b\", \"id\": \"s1\"}\n\
             --> {\"result\": 5,\n  \"id\": \"s1\"}\n<-- {\"result\": 50}\n<-- push {\"method\": \"c\"}\n",
        )
        .expect("valid");
        let case = &script.cases[0];
        assert!(case.has_server_traffic());
        assert_eq!(case.reply(), &Expected::Json("{\"result\": 50}".to_owned()));
        match &case.steps[..] {
            [Step::Push { line: 3, .. }, Step::Call { line: 4, answer, .. }, Step::Reply { line: 7, .. }, Step::Push { line: 8, expected }] =>
            {
                assert_eq!(answer, "{\"result\": 5,\n  \"id\": \"s1\"}");
                assert_eq!(expected, "{\"method\": \"c\"}");
            }
            other => panic!("unexpected steps {other:?}"),
        }
    }

    #[test]
    fn a_second_reply_is_an_error_not_a_replacement() {
        fails(
            "--> {\"id\": 1}\n<-- {\"result\": 1}\n<-- {\"result\": 2}\n",
            3,
            "a second reply to the request on line 1 (the first is on line 2)",
        );
        fails("--> 1\n<-- nothing\n<== 2\n", 3, "a second reply");
        fails(
            "@persistent\n--> 1\n<-- 1\n<-- push {}\n<-- 2\n",
            5,
            "a second reply",
        );
    }

    #[test]
    fn malformed_scripts_name_the_line() {
        fails("<-- {}\n", 1, "no `-->` request before it");
        fails("## t\n--> 1\n<-- 1\n\n<-- 2\n", 5, "no `-->` request before it");
        fails("--> 1\n--> 2\n<-- 2\n", 1, "no expected reply");
        fails("--> 1\n", 1, "no expected reply");
        fails("text\n", 1, "stray text");
        fails("--> 1\n<-- nothing\nmore\n", 3, "text after `<-- nothing`");
        fails("--> 1\n<-- {\"a\": }\n", 2, "not JSON");
        fails("--> 1\n<-- push {}\n<-- 1\n", 2, "need `@persistent`");
        fails(
            "@persistent\n--> 1\n<-- call {}\n<-- 1\n",
            4,
            "needs the client's answer",
        );
        fails(
            "@persistent\n--> 1\n<-- call {}\n",
            3,
            "not followed by the client's answer",
        );
        fails("@persistent\n--> 1\n<-- push nope\n<-- 1\n", 3, "not JSON");
        fails("@max_batch_len\n--> 1\n<-- 1\n", 1, "needs a number");
        fails("@max_batch_len x\n", 1, "needs a number");
        fails("@accept_v1 yes\n", 1, "unknown setting");
        fails("@colour blue\n", 1, "unknown setting");
        fails("# only a comment\n", 1, "no cases");
    }

    #[test]
    fn replies_are_checked_as_json_sets_or_exact_bytes() {
        let json = Expected::Json(r#"[{"id": 1}, {"id": 2}]"#.to_owned());
        assert_eq!(json.check(Some(br#"[{"id":2},{"id":1}]"#)), Ok(()));
        assert!(json.check(Some(br#"[{"id":2}]"#)).is_err());
        assert!(json.check(Some(b"not json")).is_err());
        let mismatch = json.check(None).expect_err("a reply was expected");
        assert!(mismatch.to_string().contains("got nothing"), "{mismatch}");
        let exact = Expected::Exact(r#"{"id":1.50}"#.to_owned());
        assert_eq!(exact.check(Some(br#"{"id":1.50}"#)), Ok(()));
        assert!(exact.check(Some(br#"{"id":1.5}"#)).is_err());
        assert_eq!(Expected::Nothing.check(None), Ok(()));
        assert!(Expected::Nothing.check(Some(b"{}")).is_err());
        assert_eq!(check_json(r#"{"a": [1, 2]}"#, br#"{"a":[1,2]}"#), Ok(()));
    }

    #[test]
    fn rules_name_their_cases_until_a_plain_title() {
        let script = parse(
            "## rule parse-error (5.1, MUST): not JSON\n--> x\n<-- {}\n\n--> y\n<-- {}\n\
             ## rule call-id (5, SHOULD, method): ids\n--> {\"jsonrpc\": \"2.0\", {{call}}, \"id\": 1}\n\
             <-- {\"result\": {{result}}, \"id\": 1}\n## plain\n--> z\n<-- nothing\n",
        )
        .expect("valid");
        let rule = script.cases[0].rule.as_ref().expect("a rule");
        assert_eq!(
            (rule.name.as_str(), rule.section.as_str(), rule.level, rule.needs),
            ("parse-error", "5.1", Level::Must, Needs::Nothing)
        );
        assert_eq!(script.cases[0].title, "not JSON");
        assert_eq!(script.cases[1].rule.as_ref(), Some(rule));
        let call = script.cases[2].rule.as_ref().expect("a rule");
        assert_eq!((call.level, call.needs), (Level::Should, Needs::Method));
        assert!(script.cases[2].is_template());
        assert_eq!(
            script.cases[2].render(&call_members("sum", Some("[1,2]"))),
            r#"{"jsonrpc": "2.0", "method": "sum", "params": [1,2], "id": 1}"#
        );
        assert_eq!(call_members("a\"b", None), r#""method": "a\"b""#);
        assert_eq!(script.cases[3].rule, None);
        let names: Vec<&str> = script.rules().map(|rule| rule.name.as_str()).collect();
        assert_eq!(names, ["parse-error", "call-id"]);
    }

    #[test]
    fn malformed_rules_name_the_line() {
        fails("## rule x\n--> 1\n<-- 1\n", 1, "a rule is");
        fails("## rule x (5): t\n--> 1\n<-- 1\n", 1, "a rule is");
        fails("## rule x (5, MAY): t\n--> 1\n<-- 1\n", 1, "MUST or SHOULD");
        fails("## rule x (5, MUST, tea): t\n--> 1\n<-- 1\n", 1, "rule needs");
        fails("## rule Bad_Name (5, MUST): t\n--> 1\n<-- 1\n", 1, "rule name");
        fails(
            "## rule x (5, MUST): t\n--> 1\n<-- 1\n## rule x (6, MUST): t\n--> 1\n<-- 1\n",
            4,
            "declared twice",
        );
        fails(
            "## rule x (5, MUST): t\n--> {{call}}\n<-- 1\n",
            2,
            "needs `method`",
        );
        fails("--> {{call}}\n<-- 1\n", 1, "needs `method`");
        fails("--> 1\n<-- {\"result\": {{resul}}}\n", 2, "not JSON");
    }

    #[test]
    fn wildcards_match_any_value() {
        let json = Expected::Json(r#"{"result": {{result}}, "id": 1}"#.to_owned());
        assert_eq!(json.check(Some(br#"{"result":[1,{"a":2}],"id":1}"#)), Ok(()));
        assert!(json.check(Some(br#"{"result":1,"id":2}"#)).is_err());
        assert!(json.check(Some(br#"{"error":1,"id":1}"#)).is_err());
        let exact = Expected::Exact(r#"{"result":{{result}},"id":1.50}"#.to_owned());
        assert_eq!(exact.check(Some(br#"{"result":"x","id":1.50}"#)), Ok(()));
        assert!(exact.check(Some(br#"{"result":"x","id":1.5}"#)).is_err());
        assert!(exact.check(Some(br#"{"result":x,"id":1.50}"#)).is_err());
        let batch = Expected::Json(r#"[{"result": {{result}}, "id": 1}, {"error": {"code": -32601, "message": "Method not found"}, "id": 2}]"#.to_owned());
        assert_eq!(
            batch.check(Some(
                br#"[{"error":{"code":-32601,"message":"Method not found"},"id":2},{"result":7,"id":1}]"#
            )),
            Ok(())
        );
        assert!(batch
            .check(Some(br#"[{"result":7,"id":1},{"result":7,"id":2}]"#))
            .is_err());
    }

    #[test]
    fn portable_checks_judge_errors_by_code_and_ids_by_bytes() {
        let error = Expected::Json(
            r#"{"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": 1}"#
                .to_owned(),
        );
        let other_words =
            br#"{"id":1,"jsonrpc":"2.0","error":{"code":-32601,"message":"No such method","data":"x"}}"#;
        assert!(error.check(Some(other_words)).is_err(), "strict wants the words");
        assert_eq!(error.check_portable(Some(other_words)), Ok(()));
        assert!(error
            .check_portable(Some(
                br#"{"jsonrpc":"2.0","error":{"code":-32600,"message":"x"},"id":1}"#
            ))
            .is_err());
        assert!(
            error
                .check_portable(Some(br#"{"jsonrpc":"2.0","error":{"code":-32601},"id":1}"#))
                .is_err(),
            "the message is required"
        );
        assert!(
            error
                .check_portable(Some(
                    br#"{"jsonrpc":"2.0","error":{"code":-32601,"message":"m"},"result":null,"id":1}"#
                ))
                .is_err(),
            "no result beside an error"
        );
        let invalid = Expected::Json(
            r#"{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": 7}"#
                .to_owned(),
        );
        assert_eq!(
            invalid.check_portable(Some(
                br#"{"jsonrpc":"2.0","error":{"code":-32600,"message":"bad"},"id":null}"#
            )),
            Ok(())
        );
        assert!(invalid
            .check_portable(Some(
                br#"{"jsonrpc":"2.0","error":{"code":-32600,"message":"bad"},"id":8}"#
            ))
            .is_err());
        let exact = Expected::Exact(
            r#"{"jsonrpc":"2.0","result":{{result}},"id":123456789012345678901234567890}"#.to_owned(),
        );
        assert_eq!(
            exact.check_portable(Some(
                br#"{"id":123456789012345678901234567890, "jsonrpc":"2.0", "result":5}"#
            )),
            Ok(())
        );
        assert!(exact
            .check_portable(Some(
                br#"{"jsonrpc":"2.0","result":5,"id":1.2345678901234568e29}"#
            ))
            .is_err());
        let batch = Expected::Exact(
            r#"[{"jsonrpc":"2.0","result":1,"id":1.50},{"jsonrpc":"2.0","result":2,"id":"a"}]"#.to_owned(),
        );
        assert_eq!(
            batch.check_portable(Some(
                br#"[{"jsonrpc":"2.0","result":2,"id":"a"},{"jsonrpc":"2.0","result":1,"id":1.50}]"#
            )),
            Ok(())
        );
        assert!(batch
            .check_portable(Some(
                br#"[{"jsonrpc":"2.0","result":2,"id":"a"},{"jsonrpc":"2.0","result":1,"id":1.5}]"#
            ))
            .is_err());
    }
}
