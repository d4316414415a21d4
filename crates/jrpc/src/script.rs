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
    /// The text sent to the server.
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

    /// True when the server sends messages of its own in this case (`<-- push`, `<-- call`).
    pub fn has_server_traffic(&self) -> bool {
        self.steps.iter().any(|step| !matches!(step, Step::Reply { .. }))
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
    /// Checks a reply (`None` when none came) against the expectation.
    pub fn check(&self, reply: Option<&[u8]>) -> Result<(), Mismatch> {
        let mismatch = |expected: &str, actual: Option<&[u8]>| {
            Err(Mismatch {
                expected: expected.to_owned(),
                actual: actual.map(|bytes| String::from_utf8_lossy(bytes).into_owned()),
            })
        };
        match (self, reply) {
            (Expected::Nothing, None) => Ok(()),
            (Expected::Nothing, actual) => mismatch("nothing", actual),
            (Expected::Exact(expected), Some(actual)) if expected.as_bytes() == actual => Ok(()),
            (Expected::Json(expected), Some(actual)) if same_json(expected, actual) => Ok(()),
            (Expected::Exact(expected) | Expected::Json(expected), actual) => mismatch(expected, actual),
        }
    }
}

/// Checks a message the server started (`<-- push`, `<-- call`) against the expected JSON text.
pub fn check_json(expected: &str, actual: &[u8]) -> Result<(), Mismatch> {
    Expected::Json(expected.to_owned()).check(Some(actual))
}

/// Equal as JSON, with the items of a top-level array compared as a set.
fn same_json(expected: &str, actual: &[u8]) -> bool {
    fn normalize(value: Value) -> Value {
        match value {
            Value::Array(mut items) => {
                items.sort_by_key(|item| item.to_string());
                Value::Array(items)
            }
            other => other,
        }
    }
    match (
        serde_json::from_str::<Value>(expected),
        serde_json::from_slice::<Value>(actual),
    ) {
        (Ok(expected), Ok(actual)) => normalize(expected) == normalize(actual),
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
                title = rest.trim().to_owned();
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
            if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(json) {
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
}
