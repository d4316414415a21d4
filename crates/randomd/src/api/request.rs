//! What each generator was asked for, validated, with the bits it will use.

use jrpc::ErrorObject;
use serde_json::Number;

use super::errors;
use super::params::NamedParams;
use crate::entropy::EntropyError;
use crate::generate::{self, BlobFormat, RandomStream};
use crate::ordered_json::OrderedJson;

/// The largest blob, and the most bits one blob request may return.
const MAX_BLOB_BITS: i64 = 1_048_576;

/// A validated generator request.
#[derive(Debug, Clone)]
pub enum Generate {
    Integers {
        n: i64,
        min: i64,
        max: i64,
        replacement: bool,
        base: i64,
    },
    DecimalFractions {
        n: i64,
        decimal_places: i64,
        replacement: bool,
    },
    Gaussians {
        n: i64,
        mean: (f64, Number),
        deviation: (f64, Number),
        digits: i64,
    },
    Strings {
        n: i64,
        length: i64,
        characters: String,
        replacement: bool,
    },
    Uuids {
        n: i64,
    },
    Blobs {
        n: i64,
        size: i64,
        format: BlobFormat,
    },
}

/// Which generator a method name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Integers,
    DecimalFractions,
    Gaussians,
    Strings,
    Uuids,
    Blobs,
}

impl Kind {
    /// The basic method's name; the signed one is `generateSigned...`.
    pub fn basic_name(self) -> &'static str {
        match self {
            Kind::Integers => "generateIntegers",
            Kind::DecimalFractions => "generateDecimalFractions",
            Kind::Gaussians => "generateGaussians",
            Kind::Strings => "generateStrings",
            Kind::Uuids => "generateUUIDs",
            Kind::Blobs => "generateBlobs",
        }
    }

    /// The signed method's name.
    pub fn signed_name(self) -> &'static str {
        match self {
            Kind::Integers => "generateSignedIntegers",
            Kind::DecimalFractions => "generateSignedDecimalFractions",
            Kind::Gaussians => "generateSignedGaussians",
            Kind::Strings => "generateSignedStrings",
            Kind::Uuids => "generateSignedUUIDs",
            Kind::Blobs => "generateSignedBlobs",
        }
    }

    /// The members of a signed result's `random`, in the order they are signed.
    pub fn signed_members(self) -> &'static [&'static str] {
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
        }
    }

    /// The generator whose signed method has this name.
    pub fn from_signed_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.signed_name() == name)
    }

    /// Every generator.
    pub const ALL: [Kind; 6] = [
        Kind::Integers,
        Kind::DecimalFractions,
        Kind::Gaussians,
        Kind::Strings,
        Kind::Uuids,
        Kind::Blobs,
    ];

    fn names(self) -> (&'static [&'static str], &'static [&'static str]) {
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
        }
    }
}

/// A request's API key and what it asks for.
#[derive(Debug)]
pub struct Parsed {
    pub api_key: String,
    pub request: Generate,
}

impl Generate {
    /// Validates the params of `kind`'s methods, in the order the reference lists them.
    pub fn parse(kind: Kind, raw: Option<&str>) -> Result<Parsed, ErrorObject> {
        let (required, optional) = kind.names();
        let params = NamedParams::parse(raw, required, optional)?;
        let api_key = params.string("apiKey")?.to_owned();
        let request = match kind {
            Kind::Integers => {
                let n = params.integer("n", 1, 10_000)?;
                let min = params.integer("min", -1_000_000_000, 1_000_000_000)?;
                let max = params.integer("max", -1_000_000_000, 1_000_000_000)?;
                let replacement = params.boolean_or("replacement", true)?;
                let base = params.integer_or("base", 10, i64::MIN, i64::MAX)?;
                if ![2, 8, 10, 16].contains(&base) {
                    return Err(errors::illegal_value("base"));
                }
                if min > max {
                    return Err(errors::must_be_less("min", "max"));
                }
                let domain = max - min + 1;
                if !replacement && n > domain {
                    return Err(errors::domain_too_small(n, domain));
                }
                Generate::Integers {
                    n,
                    min,
                    max,
                    replacement,
                    base,
                }
            }
            Kind::DecimalFractions => {
                let n = params.integer("n", 1, 10_000)?;
                let decimal_places = params.integer("decimalPlaces", 1, 20)?;
                let replacement = params.boolean_or("replacement", true)?;
                let domain = 10u128.pow(decimal_places as u32);
                if !replacement && n as u128 > domain {
                    return Err(errors::domain_too_small(n, domain as u64));
                }
                Generate::DecimalFractions {
                    n,
                    decimal_places,
                    replacement,
                }
            }
            Kind::Gaussians => Generate::Gaussians {
                n: params.integer("n", 1, 10_000)?,
                mean: params.number("mean", -1e6, 1e6)?,
                deviation: params.number("standardDeviation", -1e6, 1e6)?,
                digits: params.integer("significantDigits", 2, 20)?,
            },
            Kind::Strings => {
                let n = params.integer("n", 1, 10_000)?;
                let length = params.integer("length", 1, 20)?;
                let characters = params.string("characters")?.to_owned();
                let count = characters.chars().count();
                if count > 80 {
                    return Err(errors::too_long("characters", count, 80));
                }
                if count == 0 {
                    return Err(errors::too_short("characters", 0, 1));
                }
                let replacement = params.boolean_or("replacement", true)?;
                if !replacement {
                    if let Some(domain) = generate::string_domain(count, length as usize) {
                        if n as u128 > domain {
                            return Err(errors::domain_too_small(n, domain as u64));
                        }
                    }
                }
                Generate::Strings {
                    n,
                    length,
                    characters,
                    replacement,
                }
            }
            Kind::Uuids => Generate::Uuids {
                n: params.integer("n", 1, 1_000)?,
            },
            Kind::Blobs => {
                let n = params.integer("n", 1, 100)?;
                let size = params.integer("size", 1, MAX_BLOB_BITS)?;
                if size % 8 != 0 {
                    return Err(errors::illegal_value("size"));
                }
                let format = match params.string_or("format", "base64")? {
                    "base64" => BlobFormat::Base64,
                    "hex" => BlobFormat::Hex,
                    _ => return Err(errors::illegal_value("format")),
                };
                if n * size > MAX_BLOB_BITS {
                    return Err(errors::too_large(n * size, MAX_BLOB_BITS));
                }
                Generate::Blobs { n, size, format }
            }
        };
        Ok(Parsed { api_key, request })
    }

    /// The true random bits this request uses: `round(n * log2(size of the value domain))`.
    pub fn bits(&self) -> i64 {
        let bits = match self {
            Generate::Integers { n, min, max, .. } => {
                generate::bits_used(*n as u64, ((max - min + 1) as f64).log2())
            }
            Generate::DecimalFractions {
                n, decimal_places, ..
            } => generate::bits_used(*n as u64, *decimal_places as f64 * 10f64.log2()),
            Generate::Gaussians { n, digits, .. } => {
                generate::bits_used(*n as u64, *digits as f64 * 10f64.log2())
            }
            Generate::Strings {
                n,
                length,
                characters,
                ..
            } => generate::bits_used(
                *n as u64,
                *length as f64 * (characters.chars().count() as f64).log2(),
            ),
            Generate::Uuids { n } => (*n as u64) * 122,
            Generate::Blobs { n, size, .. } => (*n * *size) as u64,
        };
        bits as i64
    }

    /// Draws the values.
    pub fn produce(&self, stream: &mut RandomStream<'_>) -> Result<OrderedJson, EntropyError> {
        Ok(match self {
            Generate::Integers {
                n,
                min,
                max,
                replacement,
                base,
            } => {
                let values = generate::integers(stream, *n as usize, *min, *max, *replacement)?;
                if *base == 10 {
                    values.into()
                } else {
                    values
                        .into_iter()
                        .map(|v| generate::in_base(v, *base as u32, *min, *max))
                        .collect::<Vec<_>>()
                        .into()
                }
            }
            Generate::DecimalFractions {
                n,
                decimal_places,
                replacement,
            } => {
                generate::decimal_fractions(stream, *n as usize, *decimal_places as u32, *replacement)?.into()
            }
            Generate::Gaussians {
                n,
                mean,
                deviation,
                digits,
            } => generate::gaussians(stream, *n as usize, mean.0, deviation.0, *digits as u32)?.into(),
            Generate::Strings {
                n,
                length,
                characters,
                replacement,
            } => {
                let characters: Vec<char> = characters.chars().collect();
                generate::strings(stream, *n as usize, *length as usize, &characters, *replacement)?.into()
            }
            Generate::Uuids { n } => generate::uuids(stream, *n as usize)?.into(),
            Generate::Blobs { n, size, format } => {
                generate::blobs(stream, *n as usize, *size as usize, *format)?.into()
            }
        })
    }

    /// The request's parameters as a signed `random` echoes them, defaults filled in, in order.
    pub fn echo(&self) -> Vec<(String, OrderedJson)> {
        let member = |name: &str, value: OrderedJson| (name.to_owned(), value);
        match self {
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
                member("mean", OrderedJson::Number(mean.1.clone())),
                member("standardDeviation", OrderedJson::Number(deviation.1.clone())),
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
        }
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
            let request = Generate::parse(kind, Some(&params)).unwrap().request;
            let echoed: Vec<String> = request.echo().into_iter().map(|(name, _)| name).collect();
            let members = kind.signed_members();
            assert_eq!(echoed, members[2..members.len() - 3], "{kind:?}");
        }
    }
}
