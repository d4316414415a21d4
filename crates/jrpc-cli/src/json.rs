//! JSON text helpers that keep the user's text: member order, number spelling and string escapes.
//!
//! Hand-written on purpose: `serde_json::Value` sorts object members and rounds big or fractional
//! numbers unless the `preserve_order` / `arbitrary_precision` features are on, and turning those on
//! here would change `serde_json` for the whole workspace (features are unified), library included.
//! So text is validated by serde_json (as `RawValue`) and then re-spaced token by token.

use anstyle::{AnsiColor, Style};
use serde_json::value::RawValue;

/// Checks that `text` is exactly one JSON value (surrounding whitespace allowed).
pub fn validate(text: &str) -> Result<(), serde_json::Error> {
    serde_json::from_str::<&RawValue>(text).map(|_| ())
}

/// Colours of the pretty printer, close to jq's.
const KEY: Style = AnsiColor::Blue.on_default().bold();
const STRING: Style = AnsiColor::Green.on_default();
const NUMBER: Style = AnsiColor::Cyan.on_default();
const LITERAL: Style = AnsiColor::Yellow.on_default();
const NULL: Style = AnsiColor::BrightBlack.on_default();

/// One token of a valid JSON text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    Open(u8),
    Close(u8),
    Colon,
    Comma,
    String(&'a str),
    /// A number, `true`, `false` or `null`, as written.
    Scalar(&'a str),
}

/// Splits a valid JSON text into tokens. On invalid text it stops early; callers validate first.
fn tokens(text: &str) -> Vec<Token<'_>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b @ (b'{' | b'[') => {
                out.push(Token::Open(b));
                i += 1;
            }
            b @ (b'}' | b']') => {
                out.push(Token::Close(b));
                i += 1;
            }
            b':' => {
                out.push(Token::Colon);
                i += 1;
            }
            b',' => {
                out.push(Token::Comma);
                i += 1;
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(bytes.len());
                out.push(Token::String(&text[start..i]));
            }
            _ => {
                let start = i;
                while i < bytes.len() && !b" \t\n\r,:]}".contains(&bytes[i]) {
                    i += 1;
                }
                out.push(Token::Scalar(&text[start..i]));
            }
        }
    }
    out
}

/// The text without insignificant whitespace (member order and number spelling untouched).
pub fn compact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for token in tokens(text) {
        match token {
            Token::Open(b) | Token::Close(b) => out.push(b as char),
            Token::Colon => out.push(':'),
            Token::Comma => out.push(','),
            Token::String(s) | Token::Scalar(s) => out.push_str(s),
        }
    }
    out
}

/// The text indented by two spaces per level, optionally with ANSI colours; no trailing newline.
pub fn pretty(text: &str, colour: bool) -> String {
    format(text, true, colour)
}

/// The text, indented or compact, coloured or not; no trailing newline.
pub fn format(text: &str, indent: bool, colour: bool) -> String {
    let tokens = tokens(text);
    let mut out = String::with_capacity(text.len() * 2);
    let mut depth = 0usize;
    // For each open container: is it an object (so the next string is a key)?
    let mut in_object: Vec<bool> = Vec::new();
    let mut expect_key = false;
    let paint = |out: &mut String, style: Style, s: &str| {
        if colour {
            out.push_str(&format!("{}{s}{}", style.render(), style.render_reset()));
        } else {
            out.push_str(s);
        }
    };
    let newline = |out: &mut String, depth: usize| {
        if !indent {
            return;
        }
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    };
    let mut i = 0;
    while i < tokens.len() {
        match tokens[i] {
            Token::Open(b) => {
                if matches!(tokens.get(i + 1), Some(Token::Close(_))) {
                    out.push(b as char);
                    out.push(if b == b'{' { '}' } else { ']' });
                    i += 2;
                    continue;
                }
                out.push(b as char);
                depth += 1;
                in_object.push(b == b'{');
                expect_key = b == b'{';
                newline(&mut out, depth);
            }
            Token::Close(b) => {
                depth = depth.saturating_sub(1);
                in_object.pop();
                newline(&mut out, depth);
                out.push(b as char);
            }
            Token::Colon => out.push_str(if indent { ": " } else { ":" }),
            Token::Comma => {
                out.push(',');
                expect_key = in_object.last().copied().unwrap_or(false);
                newline(&mut out, depth);
            }
            Token::String(s) => {
                if expect_key {
                    paint(&mut out, KEY, s);
                    expect_key = false;
                } else {
                    paint(&mut out, STRING, s);
                }
            }
            Token::Scalar(s) => {
                let style = match s {
                    "true" | "false" => LITERAL,
                    "null" => NULL,
                    _ => NUMBER,
                };
                paint(&mut out, style, s);
            }
        }
        i += 1;
    }
    out
}

/// Quotes a string as a JSON string.
pub fn quote(s: &str) -> String {
    // Serializing a &str cannot fail.
    serde_json::to_string(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_keeps_order_numbers_and_escapes() {
        let text = r#" { "b" : [1 , 2.50, 1e400] , "a":"x \" y",
            "c": {"z": null, "y": true} } "#;
        assert_eq!(
            compact(text),
            r#"{"b":[1,2.50,1e400],"a":"x \" y","c":{"z":null,"y":true}}"#
        );
    }

    #[test]
    fn pretty_indents_and_keeps_empty_containers_short() {
        let text = r#"{"a":[1,{}],"b":[],"c":{"d":"e"}}"#;
        assert_eq!(
            pretty(text, false),
            "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": [],\n  \"c\": {\n    \"d\": \"e\"\n  }\n}"
        );
        assert_eq!(pretty("42", false), "42");
    }

    #[test]
    fn colour_marks_keys_and_values() {
        let out = pretty(r#"{"k":"v"}"#, true);
        assert!(out.contains("\u{1b}["), "{out:?}");
        assert!(out.contains("\"k\"") && out.contains("\"v\""));
    }
}
