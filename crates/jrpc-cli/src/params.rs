//! Parameters from the command line, HTTPie style.
//!
//! - a bare value is positional: JSON if it parses as JSON (`42`, `true`, `[1,2]`, `"x"`), else a
//!   string (`hello`); with `--string` every bare value is a string;
//! - `name=value` is a named string; `name:=json` a named JSON value;
//! - positional and named parameters cannot be mixed: `params` is an array or an object (spec 4.2).
//!
//! Every value is kept as compact JSON text in the order given, so the output shows exactly what
//! the user typed (see `json.rs` for why this is not a `serde_json::Value`).

use crate::exit::CliError;
use crate::json;

/// The parameters of one request, ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Params {
    /// No `params` member at all.
    None,
    /// `params` as an array: compact JSON texts in order.
    Positional(Vec<String>),
    /// `params` as an object: (name, compact JSON text) in the order given.
    Named(Vec<(String, String)>),
    /// `params` given whole with `--params`: compact JSON text of an array or object.
    Raw(String),
}

impl Params {
    /// The compact JSON text of the `params` member, if there is one.
    pub fn to_json(&self) -> Option<String> {
        match self {
            Params::None => None,
            Params::Positional(values) => Some(format!("[{}]", values.join(","))),
            Params::Named(members) => {
                let members: Vec<String> = members
                    .iter()
                    .map(|(name, value)| format!("{}:{value}", json::quote(name)))
                    .collect();
                Some(format!("{{{}}}", members.join(",")))
            }
            Params::Raw(text) => Some(text.clone()),
        }
    }
}

/// What one argument is.
enum Arg<'a> {
    Positional(String),
    Named(&'a str, String),
}

/// Parses the parameter arguments. `strings` forces bare values to be strings.
pub fn parse(args: &[String], strings: bool) -> Result<Params, CliError> {
    let mut positional: Vec<String> = Vec::new();
    let mut named: Vec<(String, String)> = Vec::new();
    // The first argument of each kind, to name both in the mixing error.
    let mut first_positional: Option<(usize, &str)> = None;
    let mut first_named: Option<(usize, &str)> = None;
    for (index, arg) in args.iter().enumerate() {
        match classify(index + 1, arg, strings)? {
            Arg::Positional(value) => {
                first_positional.get_or_insert((index + 1, arg));
                positional.push(value);
            }
            Arg::Named(name, value) => {
                first_named.get_or_insert((index + 1, arg));
                if named.iter().any(|(existing, _)| existing == name) {
                    return Err(CliError::usage(format!(
                        "parameter {} '{arg}': the name '{name}' is given twice",
                        index + 1
                    )));
                }
                named.push((name.to_owned(), value));
            }
        }
    }
    match (first_positional, first_named) {
        (Some((p, p_arg)), Some((n, n_arg))) => Err(CliError::usage(format!(
            "cannot mix positional parameter {p} '{p_arg}' with named parameter {n} '{n_arg}': \
             params is either an array or an object (spec 4.2)"
        ))),
        (Some(_), None) => Ok(Params::Positional(positional)),
        (None, Some(_)) => Ok(Params::Named(named)),
        (None, None) => Ok(Params::None),
    }
}

/// Parses `--params JSON`: the whole params member, which must be an array or an object.
pub fn parse_raw(text: &str) -> Result<Params, CliError> {
    json::validate(text).map_err(|e| CliError::usage(format!("--params '{text}' is not valid JSON: {e}")))?;
    let compact = json::compact(text);
    if !(compact.starts_with('[') || compact.starts_with('{')) {
        return Err(CliError::usage(format!(
            "--params '{text}': params must be an array or an object (spec 4.2)"
        )));
    }
    Ok(Params::Raw(compact))
}

fn classify(position: usize, arg: &str, strings: bool) -> Result<Arg<'_>, CliError> {
    // A value that is JSON as a whole (a quoted string, an array...) is positional even if it holds
    // '=': that is how a positional string with '=' is written, e.g. '"a=b"'.
    let looks_like_json = arg.starts_with(['{', '[', '"']);
    if !looks_like_json {
        if let Some(eq) = arg.find('=') {
            let (name, is_json) = match arg[..eq].strip_suffix(':') {
                Some(name) => (name, true),
                None => (&arg[..eq], false),
            };
            let raw = &arg[eq + 1..];
            if name.is_empty() {
                return Err(CliError::usage(format!(
                    "parameter {position} '{arg}': the parameter name before '{}' is empty",
                    if is_json { ":=" } else { "=" }
                )));
            }
            let value = if is_json {
                json_value(raw).map_err(|e| {
                    CliError::usage(format!(
                        "parameter {position} '{arg}': the value of '{name}' is not valid JSON: {e}"
                    ))
                })?
            } else {
                json::quote(raw)
            };
            return Ok(Arg::Named(name, value));
        }
    }
    if strings {
        return Ok(Arg::Positional(json::quote(arg)));
    }
    match json_value(arg) {
        Ok(value) => Ok(Arg::Positional(value)),
        // Something that starts like JSON but is broken is almost always a typo, not a string.
        Err(e) if looks_like_json => Err(CliError::usage(format!(
            "parameter {position} '{arg}' is not valid JSON: {e} (use --string to send it as a string)"
        ))),
        Err(_) => Ok(Arg::Positional(json::quote(arg))),
    }
}

fn json_value(text: &str) -> Result<String, serde_json::Error> {
    if text.trim().is_empty() {
        // serde_json says "EOF while parsing a value at line 1 column 0", which is less clear.
        return Err(serde::de::Error::custom("the value is empty"));
    }
    json::validate(text)?;
    Ok(json::compact(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn bare_values_are_json_or_strings() {
        let params = parse(
            &args(&["42", "hello", "true", "[1, 2]", "\"x=y\"", "-1.5"]),
            false,
        )
        .unwrap();
        assert_eq!(params.to_json().unwrap(), r#"[42,"hello",true,[1,2],"x=y",-1.5]"#);
        let params = parse(&args(&["42", "true"]), true).unwrap();
        assert_eq!(params.to_json().unwrap(), r#"["42","true"]"#);
    }

    #[test]
    fn named_strings_and_json_keep_their_order() {
        let params = parse(&args(&["subtrahend:=23", "minuend:=42", "name=me", "e="]), false).unwrap();
        assert_eq!(
            params.to_json().unwrap(),
            r#"{"subtrahend":23,"minuend":42,"name":"me","e":""}"#
        );
    }

    #[test]
    fn errors_name_the_argument() {
        let error = parse(&args(&["a:={x"]), false).unwrap_err().to_string();
        assert!(
            error.contains("parameter 1 'a:={x'") && error.contains("not valid JSON"),
            "{error}"
        );
        let error = parse(&args(&["a:="]), false).unwrap_err().to_string();
        assert!(error.contains("empty"), "{error}");
        let error = parse(&args(&["1", "b=2"]), false).unwrap_err().to_string();
        assert!(
            error.contains("cannot mix") && error.contains("spec 4.2"),
            "{error}"
        );
        let error = parse(&args(&["=2"]), false).unwrap_err().to_string();
        assert!(error.contains("name"), "{error}");
        let error = parse(&args(&["a=1", "a=2"]), false).unwrap_err().to_string();
        assert!(error.contains("twice"), "{error}");
        assert!(parse(&args(&["[1,"]), false).is_err());
    }

    #[test]
    fn raw_params_must_be_structured() {
        assert_eq!(parse_raw("[ ]").unwrap(), Params::Raw("[]".into()));
        assert!(parse_raw("1").is_err());
        assert!(parse_raw("{").is_err());
    }
}
