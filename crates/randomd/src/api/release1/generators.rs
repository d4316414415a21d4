//! Release 1's generator methods: their names, their params read into domain requests (in the
//! order the reference checks them), and the parameters a signed `random` echoes.

use jrpc::ErrorObject;

use crate::api::errors;
use crate::api::params::NamedParams;
use crate::domain::{self, limits, BlobFormat, Characters, Generate, Kind};
use crate::ordered_json::OrderedJson;

/// Release 1's names for a generator's methods and params.
pub trait Names {
    /// The basic method's name.
    fn basic_name(self) -> &'static str;
    /// The signed method's name.
    fn signed_name(self) -> &'static str;
    /// The members of a signed result's `random`, in the order they are signed.
    fn signed_members(self) -> &'static [&'static str];
    /// The required and the optional params.
    fn params(self) -> (&'static [&'static str], &'static [&'static str]);
}

/// The generator and signedness a method name stands for.
pub fn by_method(name: &str) -> Option<(Kind, bool)> {
    Kind::ALL.into_iter().find_map(|kind| {
        if kind.basic_name() == name {
            Some((kind, false))
        } else if kind.signed_name() == name {
            Some((kind, true))
        } else {
            None
        }
    })
}

/// The generator whose signed method has this name.
pub fn by_signed_name(name: &str) -> Option<Kind> {
    Kind::ALL.into_iter().find(|kind| kind.signed_name() == name)
}

impl Names for Kind {
    fn basic_name(self) -> &'static str {
        match self {
            Kind::Integers => "generateIntegers",
            Kind::DecimalFractions => "generateDecimalFractions",
            Kind::Gaussians => "generateGaussians",
            Kind::Strings => "generateStrings",
            Kind::Uuids => "generateUUIDs",
            Kind::Blobs => "generateBlobs",
            Kind::IntegerSequences => "generateIntegerSequences",
        }
    }

    fn signed_name(self) -> &'static str {
        match self {
            Kind::Integers => "generateSignedIntegers",
            Kind::DecimalFractions => "generateSignedDecimalFractions",
            Kind::Gaussians => "generateSignedGaussians",
            Kind::Strings => "generateSignedStrings",
            Kind::Uuids => "generateSignedUUIDs",
            Kind::Blobs => "generateSignedBlobs",
            Kind::IntegerSequences => "generateSignedIntegerSequences",
        }
    }

    fn signed_members(self) -> &'static [&'static str] {
        match self {
            Kind::Integers => &[
                "method",
                "hashedApiKey",
                "n",
                "min",
                "max",
                "replacement",
                "base",
                "data",
                "completionTime",
                "serialNumber",
            ],
            Kind::DecimalFractions => &[
                "method",
                "hashedApiKey",
                "n",
                "decimalPlaces",
                "replacement",
                "data",
                "completionTime",
                "serialNumber",
            ],
            Kind::Gaussians => &[
                "method",
                "hashedApiKey",
                "n",
                "mean",
                "standardDeviation",
                "significantDigits",
                "data",
                "completionTime",
                "serialNumber",
            ],
            Kind::Strings => &[
                "method",
                "hashedApiKey",
                "n",
                "length",
                "characters",
                "replacement",
                "data",
                "completionTime",
                "serialNumber",
            ],
            Kind::Uuids => &[
                "method",
                "hashedApiKey",
                "n",
                "data",
                "completionTime",
                "serialNumber",
            ],
            Kind::Blobs => &[
                "method",
                "hashedApiKey",
                "n",
                "size",
                "format",
                "data",
                "completionTime",
                "serialNumber",
            ],
            // Not a Release 1 generator: no signed result of Release 1 has this method.
            Kind::IntegerSequences => &[],
        }
    }

    fn params(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Kind::Integers => (&["apiKey", "n", "min", "max"], &["replacement", "base"]),
            Kind::DecimalFractions => (&["apiKey", "n", "decimalPlaces"], &["replacement"]),
            Kind::Gaussians => (
                &["apiKey", "n", "mean", "standardDeviation", "significantDigits"],
                &[],
            ),
            Kind::Strings => (&["apiKey", "n", "length", "characters"], &["replacement"]),
            Kind::Uuids => (&["apiKey", "n"], &[]),
            Kind::Blobs => (&["apiKey", "n", "size"], &["format"]),
            Kind::IntegerSequences => (&["apiKey", "n", "length", "min", "max"], &["replacement", "base"]),
        }
    }
}

/// Reads the params of `kind`'s methods into the API key and a domain request, checking them in
/// the order the reference lists them (the first broken rule is the one reported).
pub fn parse(kind: Kind, raw: Option<&str>) -> Result<(String, Generate), ErrorObject> {
    let (required, optional) = kind.params();
    let params = NamedParams::parse(raw, required, optional)?;
    parse_named(kind, &params)
}

/// Reads the API key and a request of `kind` from params whose names were checked.
pub(crate) fn parse_named(kind: Kind, params: &NamedParams) -> Result<(String, Generate), ErrorObject> {
    let api_key = params.string("apiKey")?.to_owned();
    let request = match kind {
        Kind::Integers => {
            let n = params.integer("n", limits::N)?;
            let min = params.integer("min", limits::INTEGER)?;
            let max = params.integer("max", limits::INTEGER)?;
            let replacement = params.boolean_or("replacement", true)?;
            let base = params.integer_or("base", 10, (i64::MIN, i64::MAX))?;
            Generate::integers(n, min, max, replacement, base)?
        }
        Kind::DecimalFractions => {
            let n = params.integer("n", limits::N)?;
            let decimal_places = params.integer("decimalPlaces", limits::DECIMAL_PLACES)?;
            let replacement = params.boolean_or("replacement", true)?;
            Generate::decimal_fractions(n, decimal_places, replacement)?
        }
        Kind::Gaussians => Generate::gaussians(
            params.integer("n", limits::N)?,
            params.number("mean", limits::GAUSSIAN_NUMBER)?,
            params.number("standardDeviation", limits::GAUSSIAN_NUMBER)?,
            params.integer("significantDigits", limits::SIGNIFICANT_DIGITS)?,
        )?,
        Kind::Strings => {
            let n = params.integer("n", limits::N)?;
            let length = params.integer("length", limits::STRING_LENGTH)?;
            let characters = Characters::new(params.string("characters")?)?;
            let replacement = params.boolean_or("replacement", true)?;
            Generate::strings(n, length, characters, replacement)?
        }
        Kind::Uuids => Generate::uuids(params.integer("n", limits::UUIDS_N)?)?,
        Kind::Blobs => {
            let n = params.integer("n", limits::BLOBS_N)?;
            let size = domain::blob_size(params.integer("size", limits::BLOB_SIZE)?)?;
            let format = match params.string_or("format", "base64")? {
                "base64" => BlobFormat::Base64,
                "hex" => BlobFormat::Hex,
                _ => return Err(errors::illegal_value("format")),
            };
            Generate::blobs(n, size, format)?
        }
        // Release 1 has no integer sequences (Release 4 reads them in its own module).
        Kind::IntegerSequences => return Err(errors::invalid_params()),
    };
    Ok((api_key, request))
}

/// The request's parameters as a signed `random` echoes them, defaults filled in, in order.
pub fn echo(request: &Generate) -> Vec<(String, OrderedJson)> {
    let member = |name: &str, value: OrderedJson| (name.to_owned(), value);
    match request {
        Generate::Integers {
            n,
            min,
            max,
            replacement,
            base,
        } => vec![
            member("n", (*n).into()),
            member("min", (*min).into()),
            member("max", (*max).into()),
            member("replacement", (*replacement).into()),
            member("base", (*base).into()),
        ],
        Generate::DecimalFractions {
            n,
            decimal_places,
            replacement,
        } => vec![
            member("n", (*n).into()),
            member("decimalPlaces", (*decimal_places).into()),
            member("replacement", (*replacement).into()),
        ],
        Generate::Gaussians {
            n,
            mean,
            deviation,
            digits,
        } => vec![
            member("n", (*n).into()),
            member("mean", OrderedJson::Number(mean.as_sent.clone())),
            member(
                "standardDeviation",
                OrderedJson::Number(deviation.as_sent.clone()),
            ),
            member("significantDigits", (*digits).into()),
        ],
        Generate::Strings {
            n,
            length,
            characters,
            replacement,
        } => vec![
            member("n", (*n).into()),
            member("length", (*length).into()),
            member("characters", characters.as_str().into()),
            member("replacement", (*replacement).into()),
        ],
        Generate::Uuids { n } => vec![member("n", (*n).into())],
        Generate::Blobs { n, size, format } => vec![
            member("n", (*n).into()),
            member("size", (*size).into()),
            member("format", format.name().into()),
        ],
        // Release 4 echoes sequence parameters as sent; it keeps them itself.
        Generate::IntegerSequences { .. } => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_echo_follows_the_signed_member_order() {
        let key = r#""apiKey":"k""#;
        let params = [
            (Kind::Integers, format!(r#"{{{key},"n":1,"min":1,"max":2}}"#)),
            (
                Kind::DecimalFractions,
                format!(r#"{{{key},"n":1,"decimalPlaces":2}}"#),
            ),
            (
                Kind::Gaussians,
                format!(r#"{{{key},"n":1,"mean":0,"standardDeviation":1,"significantDigits":3}}"#),
            ),
            (
                Kind::Strings,
                format!(r#"{{{key},"n":1,"length":2,"characters":"ab"}}"#),
            ),
            (Kind::Uuids, format!(r#"{{{key},"n":1}}"#)),
            (Kind::Blobs, format!(r#"{{{key},"n":1,"size":8}}"#)),
        ];
        for (kind, params) in params {
            let (_, request) = parse(kind, Some(&params)).unwrap();
            let echoed: Vec<String> = echo(&request).into_iter().map(|(name, _)| name).collect();
            let members = kind.signed_members();
            assert_eq!(echoed, members[2..members.len() - 3], "{kind:?}");
        }
    }
}
