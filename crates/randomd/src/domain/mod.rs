//! What a generation request is: the six generators, their validated parameters, the bits each
//! request costs, and the values it yields when drawn from a random stream.
//!
//! Nothing here knows JSON-RPC, method names or error codes: a rule that is broken is an [`Invalid`]
//! value naming the parameter, and each release of the API says it in its own words.

pub mod generate;

use std::fmt;

pub use generate::{BlobFormat, RandomStream};

use crate::entropy::EntropyError;

/// The parameters' allowed ranges, as RANDOM.ORG's Release 1 reference gives them.
pub mod limits {
    /// `n` of integers, decimal fractions, gaussians and strings.
    pub const N: (i64, i64) = (1, 10_000);
    /// `min` and `max` of integers.
    pub const INTEGER: (i64, i64) = (-1_000_000_000, 1_000_000_000);
    /// `decimalPlaces`.
    pub const DECIMAL_PLACES: (i64, i64) = (1, 20);
    /// `mean` and `standardDeviation` of gaussians (any number, integral bounds).
    pub const GAUSSIAN_NUMBER: (i64, i64) = (-1_000_000, 1_000_000);
    /// `significantDigits`.
    pub const SIGNIFICANT_DIGITS: (i64, i64) = (2, 20);
    /// `length` of strings.
    pub const STRING_LENGTH: (i64, i64) = (1, 20);
    /// Characters a string may be drawn from.
    pub const CHARACTERS: (usize, usize) = (1, 80);
    /// `n` of UUIDs.
    pub const UUIDS_N: (i64, i64) = (1, 1_000);
    /// `n` of blobs.
    pub const BLOBS_N: (i64, i64) = (1, 100);
    /// The largest blob, and the most bits one blob request may return.
    pub const MAX_BLOB_BITS: i64 = 1_048_576;
    /// `size` of blobs, in bits.
    pub const BLOB_SIZE: (i64, i64) = (1, MAX_BLOB_BITS);
    /// The bases integers may be written in.
    pub const BASES: [i64; 4] = [2, 8, 10, 16];
    /// `n` of integer sequences (Release 4).
    pub const SEQUENCES_N: (i64, i64) = (1, 1_000);
    /// `length` of one integer sequence, and the most integers all sequences of a request hold.
    pub const SEQUENCE_LENGTH: (i64, i64) = (1, 10_000);
}

/// Which generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Integers,
    DecimalFractions,
    Gaussians,
    Strings,
    Uuids,
    Blobs,
    /// Release 4's integer sequences (not in [`Kind::ALL`], which lists Release 1's generators).
    IntegerSequences,
}

impl Kind {
    /// Every generator.
    pub const ALL: [Kind; 6] = [
        Kind::Integers,
        Kind::DecimalFractions,
        Kind::Gaussians,
        Kind::Strings,
        Kind::Uuids,
        Kind::Blobs,
    ];
}

/// A rule of a request broken: which parameter, and how. Nothing has been drawn or billed.
#[derive(Debug, Clone, PartialEq)]
pub enum Invalid {
    /// A value outside the parameter's set (a base of 3, a blob size that is not whole bytes).
    IllegalValue { param: &'static str },
    /// A number outside `[min, max]`.
    OutOfRange { param: &'static str, min: i64, max: i64 },
    /// A text longer than `max` characters.
    TooLong {
        param: &'static str,
        length: usize,
        max: usize,
    },
    /// A text shorter than `min` characters.
    TooShort {
        param: &'static str,
        length: usize,
        min: usize,
    },
    /// `first` is above `second`.
    MustBeLess {
        first: &'static str,
        second: &'static str,
    },
    /// More distinct values asked for than the domain holds.
    DomainTooSmall { n: i64, domain: u64 },
    /// The values would be larger than allowed, in bits.
    TooLarge { size: i64, max: i64 },
}

/// Where a request's randomness comes from (Release 4's `pregeneratedRandomization`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Randomization {
    /// Fresh true randomness from the pool, discarded afterwards.
    Fresh,
    /// The randomness of a day (today or a past day, checked by the API).
    Date(time::Date),
    /// The randomness of an identifier of 1 to 64 characters.
    Id(String),
}

impl Randomization {
    /// The label the deterministic stream's key is derived from: `date:YYYY-MM-DD` or `id:` and
    /// the identifier. The prefixes keep a date and an identifier spelt like it apart.
    pub fn label(&self) -> Option<String> {
        match self {
            Randomization::Fresh => None,
            Randomization::Date(date) => Some(format!(
                "date:{:04}-{:02}-{:02}",
                date.year(),
                u8::from(date.month()),
                date.day()
            )),
            Randomization::Id(id) => Some(format!("id:{id}")),
        }
    }
}

/// A number as the client wrote it: its value, and its text for echoing back (`5.0` stays `5.0`).
#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    pub value: f64,
    pub as_sent: serde_json::Number,
}

/// The characters strings are drawn from: 1 to 80 of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Characters {
    text: String,
    count: usize,
}

impl Characters {
    /// Checks the count of characters (not bytes) of `text`.
    pub fn new(text: &str) -> Result<Characters, Invalid> {
        let count = text.chars().count();
        let (min, max) = limits::CHARACTERS;
        if count > max {
            return Err(Invalid::TooLong {
                param: "characters",
                length: count,
                max,
            });
        }
        if count < min {
            return Err(Invalid::TooShort {
                param: "characters",
                length: count,
                min,
            });
        }
        Ok(Characters {
            text: text.to_owned(),
            count,
        })
    }

    /// The characters as one string.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// How many characters.
    pub fn count(&self) -> usize {
        self.count
    }
}

/// A validated generator request.
#[derive(Debug, Clone, PartialEq)]
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
        mean: Number,
        deviation: Number,
        digits: i64,
    },
    Strings {
        n: i64,
        length: i64,
        characters: Characters,
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
    IntegerSequences {
        sequences: Vec<Sequence>,
    },
}

/// One sequence of an integer-sequences request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sequence {
    pub length: i64,
    pub min: i64,
    pub max: i64,
    pub replacement: bool,
    pub base: i64,
}

/// What a request yields.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Integers in base 10.
    Integers(Vec<i64>),
    /// Decimal fractions and gaussians.
    Numbers(Vec<f64>),
    /// Integers in another base, strings, UUIDs and blobs.
    Texts(Vec<String>),
    /// One list of values per sequence.
    Sequences(Vec<Values>),
}

/// `value` if it lies in `range`.
pub fn in_range(param: &'static str, value: i64, (min, max): (i64, i64)) -> Result<i64, Invalid> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(Invalid::OutOfRange { param, min, max })
    }
}

/// `number` if it lies in `range`.
pub fn number_in_range(
    param: &'static str,
    number: Number,
    (min, max): (i64, i64),
) -> Result<Number, Invalid> {
    if (min as f64..=max as f64).contains(&number.value) {
        Ok(number)
    } else {
        Err(Invalid::OutOfRange { param, min, max })
    }
}

/// A blob size must be whole bytes.
pub fn blob_size(size: i64) -> Result<i64, Invalid> {
    let size = in_range("size", size, limits::BLOB_SIZE)?;
    if size % 8 != 0 {
        return Err(Invalid::IllegalValue { param: "size" });
    }
    Ok(size)
}

impl Generate {
    /// Integers on `min..=max`, distinct unless `replacement`, written in `base`.
    pub fn integers(n: i64, min: i64, max: i64, replacement: bool, base: i64) -> Result<Generate, Invalid> {
        let n = in_range("n", n, limits::N)?;
        let min = in_range("min", min, limits::INTEGER)?;
        let max = in_range("max", max, limits::INTEGER)?;
        if !limits::BASES.contains(&base) {
            return Err(Invalid::IllegalValue { param: "base" });
        }
        if min > max {
            return Err(Invalid::MustBeLess {
                first: "min",
                second: "max",
            });
        }
        let domain = max - min + 1;
        if !replacement && n > domain {
            return Err(Invalid::DomainTooSmall {
                n,
                domain: domain as u64,
            });
        }
        Ok(Generate::Integers {
            n,
            min,
            max,
            replacement,
            base,
        })
    }

    /// Fractions on the grid of `decimal_places` digits in `[0, 1)`.
    pub fn decimal_fractions(n: i64, decimal_places: i64, replacement: bool) -> Result<Generate, Invalid> {
        let n = in_range("n", n, limits::N)?;
        let decimal_places = in_range("decimalPlaces", decimal_places, limits::DECIMAL_PLACES)?;
        let domain = 10u128.pow(decimal_places as u32);
        if !replacement && n as u128 > domain {
            return Err(Invalid::DomainTooSmall {
                n,
                domain: domain as u64,
            });
        }
        Ok(Generate::DecimalFractions {
            n,
            decimal_places,
            replacement,
        })
    }

    /// Normal deviates rounded to `digits` significant digits.
    pub fn gaussians(n: i64, mean: Number, deviation: Number, digits: i64) -> Result<Generate, Invalid> {
        Ok(Generate::Gaussians {
            n: in_range("n", n, limits::N)?,
            mean: number_in_range("mean", mean, limits::GAUSSIAN_NUMBER)?,
            deviation: number_in_range("standardDeviation", deviation, limits::GAUSSIAN_NUMBER)?,
            digits: in_range("significantDigits", digits, limits::SIGNIFICANT_DIGITS)?,
        })
    }

    /// Strings of `length` characters, distinct unless `replacement`.
    pub fn strings(
        n: i64,
        length: i64,
        characters: Characters,
        replacement: bool,
    ) -> Result<Generate, Invalid> {
        let n = in_range("n", n, limits::N)?;
        let length = in_range("length", length, limits::STRING_LENGTH)?;
        if !replacement {
            if let Some(domain) = generate::string_domain(characters.count(), length as usize) {
                if n as u128 > domain {
                    return Err(Invalid::DomainTooSmall {
                        n,
                        domain: domain as u64,
                    });
                }
            }
        }
        Ok(Generate::Strings {
            n,
            length,
            characters,
            replacement,
        })
    }

    /// Version 4 UUIDs.
    pub fn uuids(n: i64) -> Result<Generate, Invalid> {
        Ok(Generate::Uuids {
            n: in_range("n", n, limits::UUIDS_N)?,
        })
    }

    /// `n` blobs of `size` bits.
    pub fn blobs(n: i64, size: i64, format: BlobFormat) -> Result<Generate, Invalid> {
        let n = in_range("n", n, limits::BLOBS_N)?;
        let size = blob_size(size)?;
        if n * size > limits::MAX_BLOB_BITS {
            return Err(Invalid::TooLarge {
                size: n * size,
                max: limits::MAX_BLOB_BITS,
            });
        }
        Ok(Generate::Blobs { n, size, format })
    }

    /// Integer sequences: each one checked as [`Generate::integers`] checks its request, and
    /// all of them together at most [`limits::SEQUENCE_LENGTH`]'s maximum of integers (304).
    pub fn integer_sequences(sequences: Vec<Sequence>) -> Result<Generate, Invalid> {
        let mut total = 0;
        for sequence in &sequences {
            in_range("length", sequence.length, limits::SEQUENCE_LENGTH)?;
            in_range("min", sequence.min, limits::INTEGER)?;
            in_range("max", sequence.max, limits::INTEGER)?;
            if !limits::BASES.contains(&sequence.base) {
                return Err(Invalid::IllegalValue { param: "base" });
            }
            if sequence.min > sequence.max {
                return Err(Invalid::MustBeLess {
                    first: "min",
                    second: "max",
                });
            }
            let domain = sequence.max - sequence.min + 1;
            if !sequence.replacement && sequence.length > domain {
                return Err(Invalid::DomainTooSmall {
                    n: sequence.length,
                    domain: domain as u64,
                });
            }
            total += sequence.length;
        }
        if total > limits::SEQUENCE_LENGTH.1 {
            return Err(Invalid::TooLarge {
                size: total,
                max: limits::SEQUENCE_LENGTH.1,
            });
        }
        Ok(Generate::IntegerSequences { sequences })
    }

    /// Which generator this request is for.
    pub fn kind(&self) -> Kind {
        match self {
            Generate::Integers { .. } => Kind::Integers,
            Generate::DecimalFractions { .. } => Kind::DecimalFractions,
            Generate::Gaussians { .. } => Kind::Gaussians,
            Generate::Strings { .. } => Kind::Strings,
            Generate::Uuids { .. } => Kind::Uuids,
            Generate::Blobs { .. } => Kind::Blobs,
            Generate::IntegerSequences { .. } => Kind::IntegerSequences,
        }
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
            } => generate::bits_used(*n as u64, *length as f64 * (characters.count() as f64).log2()),
            Generate::Uuids { n } => (*n as u64) * 122,
            Generate::Blobs { n, size, .. } => (*n * *size) as u64,
            Generate::IntegerSequences { sequences } => sequences
                .iter()
                .map(|s| generate::bits_used(s.length as u64, ((s.max - s.min + 1) as f64).log2()))
                .sum(),
        };
        bits as i64
    }

    /// Draws the values from `stream`.
    pub fn draw(&self, stream: &mut RandomStream<'_>) -> Result<Values, EntropyError> {
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
                    Values::Integers(values)
                } else {
                    Values::Texts(
                        values
                            .into_iter()
                            .map(|v| generate::in_base(v, *base as u32, *min, *max))
                            .collect(),
                    )
                }
            }
            Generate::DecimalFractions {
                n,
                decimal_places,
                replacement,
            } => Values::Numbers(generate::decimal_fractions(
                stream,
                *n as usize,
                *decimal_places as u32,
                *replacement,
            )?),
            Generate::Gaussians {
                n,
                mean,
                deviation,
                digits,
            } => Values::Numbers(generate::gaussians(
                stream,
                *n as usize,
                mean.value,
                deviation.value,
                *digits as u32,
            )?),
            Generate::Strings {
                n,
                length,
                characters,
                replacement,
            } => {
                let characters: Vec<char> = characters.as_str().chars().collect();
                Values::Texts(generate::strings(
                    stream,
                    *n as usize,
                    *length as usize,
                    &characters,
                    *replacement,
                )?)
            }
            Generate::Uuids { n } => Values::Texts(generate::uuids(stream, *n as usize)?),
            Generate::Blobs { n, size, format } => {
                Values::Texts(generate::blobs(stream, *n as usize, *size as usize, *format)?)
            }
            Generate::IntegerSequences { sequences } => Values::Sequences(
                sequences
                    .iter()
                    .map(|s| {
                        let values =
                            generate::integers(stream, s.length as usize, s.min, s.max, s.replacement)?;
                        Ok(if s.base == 10 {
                            Values::Integers(values)
                        } else {
                            Values::Texts(
                                values
                                    .into_iter()
                                    .map(|v| generate::in_base(v, s.base as u32, s.min, s.max))
                                    .collect(),
                            )
                        })
                    })
                    .collect::<Result<_, EntropyError>>()?,
            ),
        })
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Invalid::IllegalValue { param } => write!(f, "{param} has an illegal value"),
            Invalid::OutOfRange { param, min, max } => write!(f, "{param} is outside [{min},{max}]"),
            Invalid::TooLong { param, length, max } => write!(f, "{param} has length {length} > {max}"),
            Invalid::TooShort { param, length, min } => write!(f, "{param} has length {length} < {min}"),
            Invalid::MustBeLess { first, second } => write!(f, "{first} is above {second}"),
            Invalid::DomainTooSmall { n, domain } => write!(f, "{n} distinct values from {domain}"),
            Invalid::TooLarge { size, max } => write!(f, "{size} bits > {max}"),
        }
    }
}

impl std::error::Error for Invalid {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_parameter_rules() {
        assert_eq!(
            Generate::integers(1, 2, 1, true, 10),
            Err(Invalid::MustBeLess {
                first: "min",
                second: "max"
            })
        );
        assert_eq!(
            Generate::integers(1, 1, 2, true, 3),
            Err(Invalid::IllegalValue { param: "base" })
        );
        assert_eq!(
            Generate::integers(3, 1, 2, false, 10),
            Err(Invalid::DomainTooSmall { n: 3, domain: 2 })
        );
        assert_eq!(
            Generate::decimal_fractions(11, 1, false),
            Err(Invalid::DomainTooSmall { n: 11, domain: 10 })
        );
        assert_eq!(
            Generate::blobs(2, limits::MAX_BLOB_BITS, BlobFormat::Hex),
            Err(Invalid::TooLarge {
                size: 2 * limits::MAX_BLOB_BITS,
                max: limits::MAX_BLOB_BITS
            })
        );
        assert_eq!(blob_size(12), Err(Invalid::IllegalValue { param: "size" }));
        assert_eq!(
            Characters::new("").map(|_| ()),
            Err(Invalid::TooShort {
                param: "characters",
                length: 0,
                min: 1
            })
        );
        let characters = Characters::new("ab").unwrap();
        assert_eq!(
            Generate::strings(5, 2, characters, false),
            Err(Invalid::DomainTooSmall { n: 5, domain: 4 })
        );
    }

    #[test]
    fn bits_follow_the_domain() {
        assert_eq!(Generate::integers(6, 1, 6, true, 10).unwrap().bits(), 16);
        assert_eq!(Generate::uuids(1).unwrap().bits(), 122);
        assert_eq!(Generate::blobs(1, 1024, BlobFormat::Base64).unwrap().bits(), 1024);
    }
}
