//! Rendering verdicts: the text report (optionally coloured), the JSON report, and the rules table.

use std::fmt::Write as _;

use super::engine::{Checked, Kind, Verdict};
use jrpc::wire::rules::{Rule, Severity};

/// Where a message is, as the text report names it: `message 2 (line 5)`, prefixed by the source
/// when there are several.
pub fn place(source: Option<&str>, index: usize, line: usize) -> String {
    match source {
        Some(name) => format!("{name}: message {} (line {line})", index + 1),
        None => format!("message {} (line {line})", index + 1),
    }
}

/// Appends one message's verdict, its findings and its elements, to the text report.
pub fn write_text(out: &mut String, place: &str, verdict: &Verdict, colour: bool) {
    write_verdict(out, place, verdict, 0, colour);
}

/// The last line of the text report.
pub fn summary_line(total: usize, invalid: usize, warnings: usize) -> String {
    format!(
        "{total} message{}: {} valid, {invalid} invalid, {warnings} warning{}",
        if total == 1 { "" } else { "s" },
        total - invalid.min(total),
        if warnings == 1 { "" } else { "s" }
    )
}

/// One message's verdict as a JSON object, with where it came from.
pub fn json_item(source: &str, index: usize, checked: &Checked) -> serde_json::Value {
    let mut value = verdict_json(&checked.verdict);
    if let serde_json::Value::Object(map) = &mut value {
        map.insert("source".into(), source.into());
        map.insert("message".into(), (index + 1).into());
        map.insert("line".into(), checked.line.into());
    }
    value
}

/// The rules table: one line per rule (id, section, MUST/SHOULD, summary).
pub fn rules_text(rules: &[&Rule]) -> String {
    let id_width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    let section_width = rules.iter().map(|r| r.section.len()).max().unwrap_or(0);
    let mut out = String::new();
    for rule in rules {
        let _ = writeln!(
            out,
            "{:id_width$}  {:section_width$}  {:6}  {}",
            rule.id,
            rule.section,
            rule.level.keyword(),
            rule.summary
        );
    }
    out
}

/// The rules table as a JSON array of `{id, section, level, summary}`.
pub fn rules_json(rules: &[&Rule]) -> serde_json::Value {
    rules
        .iter()
        .map(|rule| {
            serde_json::json!({
                "id": rule.id,
                "section": rule.section,
                "level": rule.level.keyword(),
                "summary": rule.summary,
            })
        })
        .collect()
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
        let _ = writeln!(out, "{pad}  {label}: {}", finding.message);
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
            .map(|f| serde_json::Value::String(f.message.clone()))
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
        "findings": verdict.findings.iter().map(|f| serde_json::json!({
            "rule": f.rule.id,
            "level": f.severity.name(),
            "section": f.rule.section,
            "pointer": f.pointer,
            "message": f.message,
        })).collect::<Vec<_>>(),
    });
    if verdict.kind == Kind::Batch {
        value["elements"] = verdict.elements.iter().map(verdict_json).collect();
    }
    value
}
