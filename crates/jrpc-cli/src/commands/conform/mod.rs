//! `jrpc conform`: judges someone else's JSON-RPC server against the specification. The rules are
//! the library's conformance scripts (`jrpc::script::SCRIPTS`, the cases under `## rule` titles),
//! replayed over the target's transport and compared with [`Expected::check_portable`], plus a few
//! transport conventions written here (`transport.rs`). Every wait is bounded by `--timeout` and
//! the number of requests by the scripts.

mod link;
mod param_structure;
mod report;
mod transport;

use std::time::Duration;

use clap::Args;
use jrpc::script::{call_members, Case, Expected, Needs, Script, Settings, SCRIPTS};
use jrpc::transport::Framing;

use crate::exit::{CliError, CliResult, Status};
use crate::target::Target;

use self::link::{show, Got, Link};
use self::report::{Outcome, Report, RuleResult};

/// The examples under `jrpc conform --help`.
pub const HELP: &str = "\
Examples:
  jrpc conform http://127.0.0.1:8545/                         rules that need no method of the server's
  jrpc conform http://127.0.0.1:8545/ --method subtract --params '[42,23]'   and the success path
  jrpc conform ws://127.0.0.1:8545/ --spec-methods             the specification's section 7 suite too
  jrpc conform tcp://127.0.0.1:8546 --framing content-length --json
  jrpc conform https://127.0.0.1:8443/ --cacert ca.pem        over TLS (https://, wss://, tls://)
  jrpc conform --exec 'spec-server --stdio' --spec-methods
  jrpc conform :8545 --only parse-error,batch-empty            some rules by name (--skip: all but)

Each rule shows its specification section, MUST or SHOULD, and pass, FAIL (a MUST broken) or warn
(a SHOULD broken), with what was sent and what came back. The last line counts them:
  conform: 41/47 MUST, 5/6 SHOULD
Exit status: 0 every MUST passed; 5 some MUST failed; 3 the target could not be reached or never
answered; 4 it answered, but never with JSON.";

/// `jrpc conform`.
#[derive(Debug, Args)]
pub struct ConformArgs {
    /// The server: http(s)://, ws(s)://, tcp://host:port, tls://host:port, unix:/path (omitted
    /// with --exec).
    #[arg(value_name = "URL")]
    pub url: Option<String>,
    /// Judge this program, spoken to over its stdin and stdout.
    #[arg(long, value_name = "COMMAND", conflicts_with = "url")]
    pub exec: Option<String>,
    /// Framing on TCP, Unix sockets and --exec.
    #[arg(long, value_parser = crate::args::framing_parser(), default_value = "newline")]
    pub framing: Framing,
    /// A method of the server's that succeeds with --params: checks the success path too.
    #[arg(long, value_name = "NAME")]
    pub method: Option<String>,
    /// The params of --method, as JSON (an array or an object); left out when not given.
    #[arg(long, value_name = "JSON", requires = "method")]
    pub params: Option<String>,
    /// The server implements the specification's section 7 methods (subtract, sum, update,
    /// notify_hello, get_data): run their suite too (and the success path with subtract).
    #[arg(long)]
    pub spec_methods: bool,
    /// Only these rules (comma-separated or repeated).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub only: Vec<String>,
    /// All rules but these (comma-separated or repeated).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub skip: Vec<String>,
    /// How long to wait for each reply (e.g. 3s, 500ms).
    #[arg(long, default_value = "3s", value_parser = crate::args::parse_duration, value_name = "DURATION")]
    pub timeout: Duration,
    /// A CA certificate (PEM) to trust for https://, wss:// and tls:// besides the usual roots.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<std::path::PathBuf>,
    /// An HTTP header to add to every request, as 'Name: value'; repeatable.
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,
    /// The size of the body the HTTP 413 rule sends, in bytes (just over the usual 10 MiB limit).
    #[arg(long, default_value_t = 10 * 1024 * 1024 + 1024, value_name = "BYTES")]
    pub oversized_body: usize,
    /// The verdicts as JSON.
    #[arg(long)]
    pub json: bool,
}

/// One rule as the scripts define it: its cases in order.
struct ScriptRule<'a> {
    pub rule: &'a jrpc::script::Rule,
    pub title: String,
    pub cases: Vec<&'a Case>,
}

/// The order the scripts' rules run and are shown in: the specification's own examples first.
const ORDER: [&str; 4] = [
    "spec_examples.txt",
    "rules.txt",
    "edge_cases.txt",
    "with_method.txt",
];

/// Stop when this many first exchanges brought no JSON at all: the target is not a JSON-RPC server.
const GIVE_UP_AFTER: usize = 3;

/// Runs `jrpc conform`.
pub fn run(args: &ConformArgs) -> CliResult {
    let target = match (&args.exec, &args.url) {
        (Some(command), _) => Target::exec(command)?,
        (None, Some(url)) => Target::parse(url)?,
        (None, None) => {
            return Err(CliError::usage(
                "the URL is missing (or use --exec 'program args')",
            ))
        }
    };
    let roots = crate::connect::read_cacert(args.cacert.as_deref())?;
    if let Some(params) = &args.params {
        match serde_json::from_str::<serde_json::Value>(params) {
            Ok(serde_json::Value::Array(_) | serde_json::Value::Object(_)) => {}
            _ => {
                return Err(CliError::usage(
                    "--params must be a JSON array or object (spec 4.2)",
                ))
            }
        }
    }
    let mut headers = Vec::new();
    for header in &args.headers {
        let Some((name, value)) = header.split_once(':') else {
            return Err(CliError::usage(format!("header '{header}' is not 'Name: value'")));
        };
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    // The user's method and params, or the specification's subtract with --spec-methods.
    let method_call: Option<(&str, Option<&str>)> = match (&args.method, args.spec_methods) {
        (Some(method), _) => Some((method, args.params.as_deref())),
        (None, true) => Some(("subtract", Some("[42, 23]"))),
        (None, false) => None,
    };
    let call = method_call.map(|(method, params)| call_members(method, params));
    let scripts = parse_scripts()?;
    let mut rules = script_rules(&scripts, call.is_some(), args.spec_methods);
    let link = Link::new(&target, args.framing, args.timeout, headers, roots);
    let mut checks = transport::rules(link.is_http());
    // --only and --skip name rules that exist, whatever this run selects.
    let known: Vec<&str> = script_rules(&scripts, true, true)
        .iter()
        .map(|rule| rule.rule.name.as_str())
        .chain(
            transport::rules(true)
                .iter()
                .chain(transport::rules(false).iter())
                .map(|rule| rule.name),
        )
        .chain([param_structure::NAME])
        .collect();
    for name in args.only.iter().chain(&args.skip) {
        if !known.contains(&name.as_str()) {
            return Err(CliError::usage(format!(
                "no rule named '{name}' (jrpc conform --json lists the rules it runs)"
            )));
        }
    }
    let wanted = |name: &str| {
        (args.only.is_empty() || args.only.iter().any(|only| only == name))
            && !args.skip.iter().any(|skip| skip == name)
    };
    rules.retain(|rule| wanted(&rule.rule.name));
    checks.retain(|rule| wanted(rule.name));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::transport(format!("cannot start the runtime: {e}")))?;
    let mut judge = Judge {
        link,
        call: call.clone(),
        oversized_body: args.oversized_body,
        json_replies: 0,
        other_replies: 0,
        failures: 0,
        last_failure: None,
        exchanges: 0,
    };
    let mut report = Report::new(target.to_string(), transport_name(&target, args.framing));
    runtime.block_on(async {
        for rule in &rules {
            if judge.gave_up() {
                break;
            }
            let outcome = judge.script_rule(rule).await;
            report.push(RuleResult::new(
                &rule.rule.name,
                &rule.rule.section,
                rule.rule.level,
                &rule.title,
                outcome,
            ));
        }
        if let Some((method, Some(params))) = method_call {
            if wanted(param_structure::NAME) && !judge.gave_up() {
                let outcome = param_structure::run(&mut judge, method, params).await;
                report.push(RuleResult::new(
                    param_structure::NAME,
                    param_structure::SECTION,
                    param_structure::LEVEL,
                    param_structure::TITLE,
                    outcome,
                ));
            }
        }
        for check in &checks {
            if judge.gave_up() {
                break;
            }
            let outcome = transport::run(check, &mut judge).await;
            report.push(RuleResult::new(
                check.name,
                check.section,
                check.level,
                check.title,
                outcome,
            ));
        }
    });
    report.print(args.json);
    if judge.json_replies == 0 {
        let why = judge.last_failure.unwrap_or_else(|| "no reply".to_owned());
        return Err(if judge.other_replies > 0 {
            CliError::invalid_reply(format!("{target} never answered with JSON: {why}"))
        } else {
            CliError::transport(format!("{target} gave no reply: {why}"))
        });
    }
    if report.must_failed() {
        return Ok(Status::Invalid);
    }
    Ok(Status::Ok)
}

fn parse_scripts() -> Result<Vec<Script>, CliError> {
    let mut scripts = Vec::new();
    for name in ORDER {
        let Some(source) = SCRIPTS.iter().find(|source| source.name == name) else {
            continue;
        };
        // The scripts are compiled in; a broken one is a bug of this build, reported as usage.
        scripts.push(
            source
                .parse()
                .map_err(|e| CliError::usage(format!("conformance script: {e}")))?,
        );
    }
    Ok(scripts)
}

/// The scripts' rules that this run can check: none that need jrpc's own methods or server
/// settings; `method` rules with a call; `spec-methods` rules with --spec-methods.
fn script_rules(scripts: &[Script], with_call: bool, spec_methods: bool) -> Vec<ScriptRule<'_>> {
    let mut rules: Vec<ScriptRule> = Vec::new();
    for script in scripts {
        if script.settings != Settings::default() {
            continue;
        }
        for case in &script.cases {
            let Some(rule) = &case.rule else { continue };
            let runs = match rule.needs {
                Needs::Nothing => true,
                Needs::Method => with_call,
                Needs::SpecMethods => spec_methods,
                Needs::Jrpc => false,
            };
            if !runs {
                continue;
            }
            match rules.iter_mut().find(|known| known.rule.name == rule.name) {
                Some(known) => known.cases.push(case),
                None => rules.push(ScriptRule {
                    rule,
                    title: case.title.clone(),
                    cases: vec![case],
                }),
            }
        }
    }
    rules
}

fn transport_name(target: &Target, framing: Framing) -> String {
    match target.endpoint() {
        Some(endpoint)
            if endpoint.is_persistent() && endpoint.scheme() != "ws" && endpoint.scheme() != "wss" =>
        {
            format!("{} ({framing})", endpoint.scheme())
        }
        Some(endpoint) => endpoint.scheme().to_owned(),
        None => format!("exec ({framing})"),
    }
}

/// The state of one run: the link, and what has come back so far.
pub(crate) struct Judge {
    pub link: Link,
    pub call: Option<String>,
    pub oversized_body: usize,
    /// Replies that were JSON, and replies that were not (HTML, garbage).
    json_replies: usize,
    other_replies: usize,
    /// Exchanges that brought nothing usable, and the last reason.
    failures: usize,
    last_failure: Option<String>,
    exchanges: usize,
}

impl Judge {
    /// True once the first exchanges all failed to bring JSON: the rest would only wait.
    fn gave_up(&self) -> bool {
        self.json_replies == 0 && self.exchanges >= GIVE_UP_AFTER
    }

    /// Notes what an exchange brought, for the exit status.
    pub fn note(&mut self, got: &Got) {
        self.exchanges += 1;
        match got {
            Got::Reply(reply) if serde_json::from_slice::<serde::de::IgnoredAny>(&reply.body).is_ok() => {
                self.json_replies += 1
            }
            Got::Reply(reply) => {
                self.other_replies += 1;
                self.last_failure = Some(format!("it answered {}", show(&reply.body)));
            }
            Got::Nothing { .. } => {}
            Got::Garbage(why) => {
                self.other_replies += 1;
                self.failures += 1;
                self.last_failure = Some(why.clone());
            }
            Got::Timeout => {
                self.failures += 1;
                self.last_failure = Some("no reply within the timeout".to_owned());
            }
            Got::Closed(why) | Got::Unreachable(why) => {
                self.failures += 1;
                self.last_failure = Some(why.clone());
            }
        }
    }

    /// Sends a message and notes the answer.
    pub async fn exchange(&mut self, message: &str, nothing_due: bool) -> Got {
        let got = self.link.exchange(message, nothing_due).await;
        self.note(&got);
        got
    }

    /// Runs a rule's cases in order; the first that fails decides the rule.
    async fn script_rule(&mut self, rule: &ScriptRule<'_>) -> Outcome {
        for case in &rule.cases {
            let request = match &self.call {
                Some(call) => case.render(call),
                None => case.request.clone(),
            };
            let expected = case.reply();
            let got = self.exchange(&request, *expected == Expected::Nothing).await;
            let verdict = match got.body() {
                Ok(body) => expected.check_portable(body).map_err(|_| match body {
                    Some(body) => show(body),
                    None => "nothing".to_owned(),
                }),
                Err(why) => Err(why),
            };
            if let Err(actual) = verdict {
                return Outcome::failed(request, expected_text(expected), actual);
            }
        }
        Outcome::Pass
    }
}

fn expected_text(expected: &Expected) -> String {
    match expected {
        Expected::Nothing => "nothing".to_owned(),
        Expected::Json(text) | Expected::Exact(text) => text.clone(),
    }
}
