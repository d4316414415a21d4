//! Named parameters, checked the way the real service checks them: unknown or missing names are
//! -32602; a wrong type is 200; a value outside its set is 201; outside its range is 202.

use jrpc::ErrorObject;

use super::errors;
use crate::domain;
use crate::ordered_json::OrderedJson;

/// The params object of a call, members in the order sent.
#[derive(Debug)]
pub struct NamedParams {
    members: Vec<(String, OrderedJson)>,
}

impl NamedParams {
    /// Reads raw params: an object with every `required` name and no name outside `required` and
    /// `optional`. Positional params are not part of the API.
    pub fn parse(
        raw: Option<&str>,
        required: &[&str],
        optional: &[&str],
    ) -> Result<NamedParams, ErrorObject> {
        let members = match raw.map(serde_json::from_str::<OrderedJson>) {
            None => Vec::new(),
            Some(Ok(OrderedJson::Object(members))) => members,
            Some(_) => return Err(errors::invalid_params()),
        };
        let known = |name: &str| required.contains(&name) || optional.contains(&name);
        if let Some((unknown, _)) = members.iter().find(|(name, _)| !known(name)) {
            tracing::debug!(param = unknown.as_str(), "unknown parameter");
            return Err(errors::invalid_params());
        }
        let mut names: Vec<&str> = members.iter().map(|(name, _)| name.as_str()).collect();
        names.sort_unstable();
        if names.windows(2).any(|pair| pair[0] == pair[1]) {
            return Err(errors::invalid_params());
        }
        if let Some(missing) = required.iter().find(|name| !names.contains(name)) {
            tracing::debug!(param = missing, "missing parameter");
            return Err(errors::invalid_params());
        }
        Ok(NamedParams { members })
    }

    /// Like [`NamedParams::parse`], with optional params sent as `null` taken as left out (Release
    /// 4's clients send every optional parameter, often as `null`).
    pub fn parse_nullable(
        raw: Option<&str>,
        required: &[&str],
        optional: &[&str],
    ) -> Result<NamedParams, ErrorObject> {
        let mut params = NamedParams::parse(raw, required, optional)?;
        params
            .members
            .retain(|(name, value)| !(*value == OrderedJson::Null && optional.contains(&name.as_str())));
        Ok(params)
    }

    /// Params as a client writes them: these members, in this order (nothing is checked).
    pub fn from_members(members: Vec<(String, OrderedJson)>) -> NamedParams {
        NamedParams { members }
    }

    /// The members, in the order sent.
    pub fn members(&self) -> &[(String, OrderedJson)] {
        &self.members
    }

    /// The raw value of a parameter.
    pub fn get(&self, name: &str) -> Option<&OrderedJson> {
        self.members
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }

    /// A required integer in `min..=max`.
    pub fn integer(&self, name: &str, (min, max): (i64, i64)) -> Result<i64, ErrorObject> {
        match self.get(name) {
            Some(value) => read_integer(name, value, min, max),
            None => Err(errors::invalid_params()),
        }
    }

    /// An optional integer in `min..=max`.
    pub fn integer_or(&self, name: &str, default: i64, (min, max): (i64, i64)) -> Result<i64, ErrorObject> {
        self.get(name)
            .map_or(Ok(default), |value| read_integer(name, value, min, max))
    }

    /// An optional boolean.
    pub fn boolean_or(&self, name: &str, default: bool) -> Result<bool, ErrorObject> {
        match self.get(name) {
            None => Ok(default),
            Some(OrderedJson::Bool(value)) => Ok(*value),
            Some(_) => Err(errors::malformed(name)),
        }
    }

    /// A required number in `min..=max`, with its text as sent (for echoing in signed results).
    pub fn number(&self, name: &str, (min, max): (i64, i64)) -> Result<domain::Number, ErrorObject> {
        match self.get(name) {
            Some(OrderedJson::Number(number)) => {
                let value = number.as_f64().ok_or_else(|| errors::malformed(name))?;
                if !(min as f64..=max as f64).contains(&value) {
                    return Err(errors::out_of_range(name, min, max));
                }
                Ok(domain::Number {
                    value,
                    as_sent: number.clone(),
                })
            }
            Some(_) => Err(errors::malformed(name)),
            None => Err(errors::invalid_params()),
        }
    }

    /// A required string.
    pub fn string(&self, name: &str) -> Result<&str, ErrorObject> {
        match self.get(name) {
            Some(OrderedJson::String(text)) => Ok(text),
            Some(_) => Err(errors::malformed(name)),
            None => Err(errors::invalid_params()),
        }
    }

    /// An optional string.
    pub fn string_or<'a>(&'a self, name: &str, default: &'a str) -> Result<&'a str, ErrorObject> {
        match self.get(name) {
            None => Ok(default),
            Some(_) => self.string(name),
        }
    }
}

pub fn read_integer(name: &str, value: &OrderedJson, min: i64, max: i64) -> Result<i64, ErrorObject> {
    let OrderedJson::Number(number) = value else {
        return Err(errors::malformed(name));
    };
    // An integer beyond 64 bits reaches us as a float: it is out of range, not malformed.
    let integer = match (number.as_i64(), number.as_u64(), number.as_f64()) {
        (Some(integer), _, _) => integer,
        (None, Some(_), _) => i64::MAX,
        (None, None, Some(float)) if float.fract() == 0.0 && float.abs() >= 9.2e18 => {
            if float > 0.0 {
                i64::MAX
            } else {
                i64::MIN
            }
        }
        _ => return Err(errors::malformed(name)),
    };
    if !(min..=max).contains(&integer) {
        return Err(errors::out_of_range(name, min, max));
    }
    Ok(integer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(result: Result<impl std::fmt::Debug, ErrorObject>) -> i64 {
        result.unwrap_err().code()
    }

    #[test]
    fn names_are_checked_before_values() {
        assert_eq!(
            code(NamedParams::parse(Some(r#"{"a":1,"x":2}"#), &["a"], &[])),
            -32602
        );
        assert_eq!(
            code(NamedParams::parse(Some(r#"{"b":1}"#), &["a"], &["b"])),
            -32602
        );
        assert_eq!(code(NamedParams::parse(Some("[1]"), &["a"], &[])), -32602);
        assert_eq!(code(NamedParams::parse(None, &["a"], &[])), -32602);
        assert_eq!(
            code(NamedParams::parse(Some(r#"{"a":1,"a":2}"#), &["a"], &[])),
            -32602
        );
        assert!(NamedParams::parse(None, &[], &["a"]).is_ok());
    }

    #[test]
    fn types_and_ranges() {
        let params = NamedParams::parse(
            Some(r#"{"n":5,"f":5.0,"s":"5","big":123456789012345678901,"neg":-3,"b":"true","x":2.5}"#),
            &[],
            &["n", "f", "s", "big", "neg", "b", "x"],
        )
        .unwrap();
        assert_eq!(params.integer("n", (1, 10)).unwrap(), 5);
        assert_eq!(code(params.integer("f", (1, 10))), 200);
        assert_eq!(code(params.integer("s", (1, 10))), 200);
        assert_eq!(code(params.integer("big", (1, 10))), 202);
        let error = params.integer("neg", (1, 10)).unwrap_err();
        assert_eq!(
            error.message(),
            "Parameter 'neg' is out of range; allowable values are [1,10]"
        );
        assert_eq!(error.data().unwrap().get(), r#"["neg",1,10]"#);
        assert_eq!(code(params.boolean_or("b", true)), 200);
        assert_eq!(params.number("x", (-10, 10)).unwrap().value, 2.5);
        assert_eq!(code(params.number("s", (-10, 10))), 200);
        assert_eq!(params.integer_or("missing", 7, (1, 10)).unwrap(), 7);
    }
}
