//! Every rule of the specification a message can break, as data: a stable id, the section of the
//! JSON-RPC 2.0 specification (or RFC 8259), its level and a one-line summary.
//!
//! It is one table for every checker: `jrpc check` names these rules in its findings and prints
//! them with `--list-rules`, and the playground page is served the same table as `rules.js`
//! ([`to_javascript`]), so a rule the page uses but this table lacks fails the page's tests.

/// How bad breaking a rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// A MUST of the specification is broken: the message is invalid.
    Error,
    /// A SHOULD (or a habit peers rely on) is broken: the message is valid but suspect.
    Warning,
}

impl Severity {
    /// `error` or `warning`, as findings are labelled.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }

    /// `MUST` or `SHOULD`, as the rules table says.
    pub fn keyword(self) -> &'static str {
        match self {
            Severity::Error => "MUST",
            Severity::Warning => "SHOULD",
        }
    }
}

/// One rule.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    /// Stable id, e.g. `request.method.type`: what scripts and the playground key on.
    pub id: &'static str,
    /// Where the rule is written: a section of the specification (`4.2`), or `RFC 8259 4`.
    pub section: &'static str,
    /// Error (MUST) or warning (SHOULD).
    pub level: Severity,
    /// The rule in one line.
    pub summary: &'static str,
}

macro_rules! rules {
    ($($name:ident: $id:literal, $section:literal, $level:ident, $summary:literal;)*) => {
        $(
            #[doc = $summary]
            pub static $name: Rule = Rule {
                id: $id,
                section: $section,
                level: Severity::$level,
                summary: $summary,
            };
        )*
        /// Every rule, in the order of the specification.
        pub static RULES: &[&Rule] = &[$(&$name),*];
    };
}

rules! {
    JSON_PARSE: "json.parse", "5.1", Error,
        "A message must be valid JSON (a server answers -32700 Parse error).";
    JSON_DUPLICATE_MEMBER: "json.duplicate-member", "RFC 8259 4", Error,
        "An object must not repeat a member JSON-RPC defines: peers disagree on which one counts.";
    JSON_DUPLICATE_UNKNOWN_MEMBER: "json.duplicate-unknown-member", "RFC 8259 4", Warning,
        "An object should not repeat a member name, even one JSON-RPC does not define (servers ignore those).";
    MESSAGE_TYPE: "message.type", "4, 5, 6", Error,
        "A message is an object (request or response) or an array (batch).";
    MESSAGE_ROLE: "message.role", "4, 5", Error,
        "An object is a request (method member) or a response (result or error member).";
    REQUEST_JSONRPC: "request.jsonrpc", "4", Error,
        "A request has a jsonrpc member that is exactly \"2.0\".";
    REQUEST_METHOD_MISSING: "request.method.missing", "4", Error,
        "A request has a method member.";
    REQUEST_METHOD_TYPE: "request.method.type", "4", Error,
        "The method is a string.";
    REQUEST_METHOD_RESERVED: "request.method.reserved", "4", Warning,
        "Method names beginning with \"rpc.\" are reserved for rpc-internal methods and extensions.";
    REQUEST_PARAMS_TYPE: "request.params.type", "4.2", Error,
        "params, when present, is an array (by position) or an object (by name).";
    REQUEST_ID_TYPE: "request.id.type", "4", Error,
        "The id is a string, a number or null.";
    REQUEST_ID_NULL: "request.id.null", "4", Warning,
        "The id should not be null.";
    REQUEST_ID_FRACTION: "request.id.fraction", "4", Warning,
        "A numeric id should not contain fractional parts.";
    REQUEST_RESPONSE_MEMBER: "request.response-member", "4, 5", Error,
        "A request has no result or error member.";
    REQUEST_UNKNOWN_MEMBER: "request.unknown-member", "4", Warning,
        "A request has only jsonrpc, method, params and id.";
    RESPONSE_JSONRPC: "response.jsonrpc", "5", Error,
        "A response has a jsonrpc member that is exactly \"2.0\".";
    RESPONSE_RESULT_AND_ERROR: "response.result-and-error", "5", Error,
        "A response does not have both result and error.";
    RESPONSE_RESULT_OR_ERROR: "response.result-or-error", "5", Error,
        "A response has either result or error.";
    RESPONSE_METHOD_MEMBER: "response.method-member", "4, 5", Error,
        "A response has no method member.";
    RESPONSE_ID_MISSING: "response.id.missing", "5", Error,
        "A response has an id (null when the request's id could not be read).";
    RESPONSE_ID_TYPE: "response.id.type", "5", Error,
        "The id is a string, a number or null.";
    RESPONSE_ID_FRACTION: "response.id.fraction", "5", Warning,
        "A numeric id should not contain fractional parts.";
    RESPONSE_UNKNOWN_MEMBER: "response.unknown-member", "5", Warning,
        "A response has only jsonrpc, result or error, and id.";
    ERROR_TYPE: "error.type", "5.1", Error,
        "error is an object.";
    ERROR_CODE_MISSING: "error.code.missing", "5.1", Error,
        "The error object has a code.";
    ERROR_CODE_TYPE: "error.code.type", "5.1", Error,
        "error.code is a number.";
    ERROR_CODE_INTEGER: "error.code.integer", "5.1", Error,
        "error.code is an integer.";
    ERROR_CODE_FRACTION: "error.code.fraction", "5.1", Warning,
        "error.code should be written without a fraction or exponent (1, not 1.0).";
    ERROR_CODE_RESERVED: "error.code.reserved", "5.1", Warning,
        "Codes from -32768 to -32000 are reserved for the pre-defined errors.";
    ERROR_MESSAGE_MISSING: "error.message.missing", "5.1", Error,
        "The error object has a message.";
    ERROR_MESSAGE_TYPE: "error.message.type", "5.1", Error,
        "error.message is a string.";
    ERROR_UNKNOWN_MEMBER: "error.unknown-member", "5.1", Warning,
        "The error object has only code, message and data.";
    BATCH_EMPTY: "batch.empty", "6", Error,
        "A batch has at least one element (and a server never answers with []).";
    BATCH_ELEMENT_TYPE: "batch.element.type", "6", Error,
        "A batch element is a request or response object.";
    BATCH_NESTED: "batch.nested", "6", Error,
        "Batches cannot be nested.";
    BATCH_MIXED: "batch.mixed", "6", Error,
        "A batch holds either requests or responses, not both.";
    BATCH_DUPLICATE_ID: "batch.duplicate-id", "6", Warning,
        "The requests of a batch should have distinct ids, or their responses cannot be told apart.";
}

/// The table as an ES module, `export const RULES = {id: {section, level, summary}, ...}` in the
/// table's order: what the playground imports, so its rules are these and no others.
pub fn to_javascript() -> String {
    let mut out = String::from(
        "// Generated from jrpc's rules table (crates/jrpc/src/wire/rules.rs): do not edit.\n\
         export const RULES = Object.freeze({\n",
    );
    for rule in RULES {
        let entry = serde_json::json!({
            "section": rule.section,
            "level": rule.level.name(),
            "keyword": rule.level.keyword(),
            "summary": rule.summary,
        });
        out.push_str(&format!(
            "  {}: Object.freeze({entry}),\n",
            serde_json::Value::from(rule.id)
        ));
    }
    out.push_str("});\n");
    out
}

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|rule| rule.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_well_formed() {
        for (index, rule) in RULES.iter().enumerate() {
            assert!(
                rule.id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'-'),
                "{}",
                rule.id
            );
            assert_eq!(
                find(rule.id).map(|r| r as *const Rule),
                Some(RULES[index] as *const Rule)
            );
            assert!(rule.summary.ends_with('.'), "{}", rule.id);
        }
    }

    #[test]
    fn the_javascript_table_holds_every_rule_in_order() {
        let js = to_javascript();
        let mut from = 0;
        for rule in RULES {
            let key = format!("  \"{}\": Object.freeze({{", rule.id);
            let at = js[from..].find(&key).expect(rule.id) + from;
            assert!(js[at..].contains(&format!("\"level\":\"{}\"", rule.level.name())));
            from = at + key.len();
        }
        assert!(js.starts_with("// Generated") && js.ends_with("});\n"));
    }
}
