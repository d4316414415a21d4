//! The verdicts: one line per rule (with what was sent and what came back for a rule broken), the
//! summary line, or all of it as JSON.

use jrpc::script::Level;
use serde::Serialize;

/// How a rule fared.
#[derive(Debug, Clone)]
pub enum Outcome {
    Pass,
    /// The first case that failed: what was sent, what was expected, what came back.
    Fail {
        sent: String,
        expected: String,
        got: String,
    },
    /// Not checked on this server, and why (it does not offer what the rule needs).
    Skipped(String),
}

impl Outcome {
    pub fn failed(sent: String, expected: String, got: String) -> Outcome {
        Outcome::Fail { sent, expected, got }
    }
}

/// One rule's verdict, as printed and as JSON.
#[derive(Debug, Serialize)]
pub struct RuleResult {
    pub rule: String,
    pub section: String,
    pub level: &'static str,
    /// `pass`, `fail` (a MUST broken), `warn` (a SHOULD broken) or `skip` (not checked: see
    /// `note`).
    pub verdict: &'static str,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub got: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl RuleResult {
    pub fn new(rule: &str, section: &str, level: Level, title: &str, outcome: Outcome) -> RuleResult {
        let mut note = None;
        let (verdict, sent, expected, got) = match outcome {
            Outcome::Pass => ("pass", None, None, None),
            Outcome::Fail { sent, expected, got } => (
                if level == Level::Must { "fail" } else { "warn" },
                Some(sent),
                Some(expected),
                Some(got),
            ),
            Outcome::Skipped(why) => {
                note = Some(why);
                ("skip", None, None, None)
            }
        };
        RuleResult {
            rule: rule.to_owned(),
            section: section.to_owned(),
            level: level.as_str(),
            verdict,
            title: title.to_owned(),
            sent,
            expected,
            got,
            note,
        }
    }
}

/// The counts of the summary line.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub must_passed: usize,
    pub must: usize,
    pub should_passed: usize,
    pub should: usize,
}

/// Every verdict of a run.
#[derive(Debug, Serialize)]
pub struct Report {
    pub target: String,
    pub transport: String,
    pub rules: Vec<RuleResult>,
    pub summary: Summary,
}

impl Report {
    pub fn new(target: String, transport: String) -> Report {
        Report {
            target,
            transport,
            rules: Vec::new(),
            summary: Summary::default(),
        }
    }

    /// Adds a verdict; a skipped rule counts in neither total.
    pub fn push(&mut self, result: RuleResult) {
        if result.verdict == "skip" {
            self.rules.push(result);
            return;
        }
        let pass = result.verdict == "pass";
        if result.level == "MUST" {
            self.summary.must += 1;
            self.summary.must_passed += usize::from(pass);
        } else {
            self.summary.should += 1;
            self.summary.should_passed += usize::from(pass);
        }
        self.rules.push(result);
    }

    pub fn must_failed(&self) -> bool {
        self.summary.must_passed < self.summary.must
    }

    /// `conform: 41/47 MUST, 5/6 SHOULD`.
    pub fn summary_line(&self) -> String {
        let Summary {
            must_passed,
            must,
            should_passed,
            should,
        } = self.summary;
        format!("conform: {must_passed}/{must} MUST, {should_passed}/{should} SHOULD")
    }

    pub fn print(&self, json: bool) {
        if json {
            crate::outln!("{}", serde_json::to_string(self).unwrap_or_default());
            return;
        }
        crate::outln!("jrpc conform {} over {}", self.target, self.transport);
        let width = self.rules.iter().map(|rule| rule.rule.len()).max().unwrap_or(0);
        for rule in &self.rules {
            let verdict = match rule.verdict {
                "fail" => "FAIL",
                other => other,
            };
            crate::outln!(
                "  {verdict:<4}  {:<width$}  {:<7} {:<6}  {}",
                rule.rule,
                rule.section,
                rule.level,
                rule.title
            );
            if let (Some(sent), Some(expected), Some(got)) = (&rule.sent, &rule.expected, &rule.got) {
                for (index, line) in sent.lines().enumerate() {
                    crate::outln!("        {} {line}", if index == 0 { "-->" } else { "   " });
                }
                crate::outln!("        expected {expected}");
                crate::outln!("             got {got}");
            }
            if let Some(note) = &rule.note {
                crate::outln!("        ({note})");
            }
        }
        crate::outln!("{}", self.summary_line());
    }
}
