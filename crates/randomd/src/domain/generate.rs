//! Turning health-tested random bytes into the values the API promises, with no bias.

use std::collections::HashSet;

use base64::Engine as _;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

use crate::entropy::{Entropy, EntropyError};

/// Reads random bytes from the pool in chunks and hands them out as uniform values; or, for
/// pregenerated randomization, from a deterministic keystream (see [`RandomStream::keystream`]).
pub struct RandomStream<'a> {
    source: Source<'a>,
    buffer: [u8; 512],
    /// Bytes of `buffer` filled by the last refill; it doubles each time, so a call that needs eight
    /// bytes takes 32 from the pool, not 512, while a large one soon reads 512 at a time.
    filled: usize,
    position: usize,
}

enum Source<'a> {
    Pool(&'a Entropy),
    Keystream(Box<ChaCha20Rng>),
}

impl std::fmt::Debug for RandomStream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.source {
            Source::Pool(entropy) => f.debug_struct("RandomStream").field("entropy", entropy).finish(),
            Source::Keystream(_) => f.write_str("RandomStream(keystream)"),
        }
    }
}

impl<'a> RandomStream<'a> {
    /// A stream over `entropy`.
    pub fn new(entropy: &'a Entropy) -> Self {
        RandomStream::over(Source::Pool(entropy))
    }

    /// A deterministic stream: the ChaCha20 keystream (RFC 8439's block function, nonce and counter
    /// starting at zero, as `rand_chacha` defines it and keeps stable) under the 256-bit `key`.
    /// The same key gives the same bytes on every machine, so the same request gives the same values.
    /// Sound as long as the key is secret and uniformly random: ChaCha20's keystream is then
    /// indistinguishable from random bytes, and values are derived from it by the same unbiased
    /// rejection sampling as from the pool.
    pub fn keystream(key: [u8; 32]) -> RandomStream<'static> {
        RandomStream::over(Source::Keystream(Box::new(ChaCha20Rng::from_seed(key))))
    }

    fn over(source: Source<'a>) -> Self {
        RandomStream {
            source,
            buffer: [0; 512],
            filled: 0,
            position: 0,
        }
    }

    /// Fills `out` with random bytes.
    pub fn fill(&mut self, out: &mut [u8]) -> Result<(), EntropyError> {
        let entropy = match &mut self.source {
            Source::Pool(entropy) => *entropy,
            Source::Keystream(rng) => {
                // Whole buffers of keystream (rand_chacha hands out whole 32-bit words per call),
                // then byte by byte: the bytes do not depend on how the reads are cut.
                for byte in out.iter_mut() {
                    if self.position == self.filled {
                        rng.fill_bytes(&mut self.buffer);
                        self.filled = self.buffer.len();
                        self.position = 0;
                    }
                    *byte = self.buffer[self.position];
                    self.position += 1;
                }
                return Ok(());
            }
        };
        if out.len() >= self.buffer.len() {
            return entropy.fill(out);
        }
        for byte in out.iter_mut() {
            if self.position == self.filled {
                let size = (self.filled * 2).clamp(32, self.buffer.len());
                entropy.fill(&mut self.buffer[..size])?;
                self.filled = size;
                self.position = 0;
            }
            *byte = self.buffer[self.position];
            self.position += 1;
        }
        Ok(())
    }

    fn next_u64(&mut self) -> Result<u64, EntropyError> {
        let mut bytes = [0u8; 8];
        self.fill(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn next_u128(&mut self) -> Result<u128, EntropyError> {
        let mut bytes = [0u8; 16];
        self.fill(&mut bytes)?;
        Ok(u128::from_le_bytes(bytes))
    }

    /// A uniform integer in `0..bound` (`bound >= 1`), by rejection: no modulo bias.
    pub fn below(&mut self, bound: u64) -> Result<u64, EntropyError> {
        debug_assert!(bound >= 1);
        let mask = bound.checked_next_power_of_two().map_or(u64::MAX, |p| p - 1);
        loop {
            let candidate = self.next_u64()? & mask;
            if candidate < bound {
                return Ok(candidate);
            }
        }
    }

    /// A uniform integer in `0..bound` for domains beyond 64 bits.
    pub fn below_u128(&mut self, bound: u128) -> Result<u128, EntropyError> {
        debug_assert!(bound >= 1);
        if let Ok(small) = u64::try_from(bound) {
            return self.below(small).map(u128::from);
        }
        let mask = bound.checked_next_power_of_two().map_or(u128::MAX, |p| p - 1);
        loop {
            let candidate = self.next_u128()? & mask;
            if candidate < bound {
                return Ok(candidate);
            }
        }
    }

    /// A uniform double in (0, 1], with 53 random bits.
    fn unit_interval(&mut self) -> Result<f64, EntropyError> {
        Ok(((self.next_u64()? >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64))
    }

    /// `n` distinct values of `0..domain`, a uniform random subset in uniformly random order.
    ///
    /// Floyd's algorithm picks the subset with exactly `n` draws; a Fisher-Yates shuffle orders it.
    pub fn distinct(&mut self, n: usize, domain: u128) -> Result<Vec<u128>, EntropyError> {
        debug_assert!(n as u128 <= domain);
        let mut chosen = HashSet::with_capacity(n);
        let mut values = Vec::with_capacity(n);
        for j in (domain - n as u128)..domain {
            let pick = self.below_u128(j + 1)?;
            let value = if chosen.insert(pick) { pick } else { j };
            if value == j {
                chosen.insert(j);
            }
            values.push(value);
        }
        self.shuffle(&mut values)?;
        Ok(values)
    }

    fn shuffle<T>(&mut self, values: &mut [T]) -> Result<(), EntropyError> {
        for i in (1..values.len()).rev() {
            let j = self.below(i as u64 + 1)? as usize;
            values.swap(i, j);
        }
        Ok(())
    }
}

/// `round(n * log2(domain size))`: the bits a request uses, as the reference's examples work out.
pub fn bits_used(n: u64, log2_domain: f64) -> u64 {
    (n as f64 * log2_domain).round() as u64
}

/// Integers uniform on `min..=max`, distinct when `replacement` is false.
pub fn integers(
    stream: &mut RandomStream<'_>,
    n: usize,
    min: i64,
    max: i64,
    replacement: bool,
) -> Result<Vec<i64>, EntropyError> {
    let domain = (max - min + 1) as u64;
    if replacement {
        (0..n).map(|_| Ok(min + stream.below(domain)? as i64)).collect()
    } else {
        Ok(stream
            .distinct(n, u128::from(domain))?
            .into_iter()
            .map(|v| min + v as i64)
            .collect())
    }
}

/// An integer written in base 2, 8 or 16, zero-padded to the width of the range's widest end.
pub fn in_base(value: i64, base: u32, min: i64, max: i64) -> String {
    let digits = |magnitude: u64| match base {
        2 => format!("{magnitude:b}"),
        8 => format!("{magnitude:o}"),
        16 => format!("{magnitude:x}"),
        _ => magnitude.to_string(),
    };
    let width = digits(min.unsigned_abs())
        .len()
        .max(digits(max.unsigned_abs()).len());
    let body = format!("{:0>width$}", digits(value.unsigned_abs()));
    if value < 0 {
        format!("-{body}")
    } else {
        body
    }
}

/// Decimal fractions uniform on the grid `{0, 1, ..., 10^places - 1} / 10^places`.
pub fn decimal_fractions(
    stream: &mut RandomStream<'_>,
    n: usize,
    places: u32,
    replacement: bool,
) -> Result<Vec<f64>, EntropyError> {
    let domain = 10u128.pow(places);
    let indices = if replacement {
        (0..n)
            .map(|_| stream.below_u128(domain))
            .collect::<Result<Vec<_>, _>>()?
    } else {
        stream.distinct(n, domain)?
    };
    // Through the decimal text, so each value is the double nearest to its grid point.
    Ok(indices
        .into_iter()
        .map(|i| {
            format!("0.{i:0>width$}", width = places as usize)
                .parse::<f64>()
                .unwrap_or(0.0)
        })
        .collect())
}

/// Normal deviates with the given mean and standard deviation, rounded to `digits` significant digits.
pub fn gaussians(
    stream: &mut RandomStream<'_>,
    n: usize,
    mean: f64,
    deviation: f64,
    digits: u32,
) -> Result<Vec<f64>, EntropyError> {
    let mut values = Vec::with_capacity(n + 1);
    while values.len() < n {
        // Box-Muller: two independent standard normals from two uniforms on (0, 1].
        let radius = (-2.0 * stream.unit_interval()?.ln()).sqrt();
        let angle = std::f64::consts::TAU * stream.unit_interval()?;
        values.push(mean + deviation * radius * angle.cos());
        values.push(mean + deviation * radius * angle.sin());
    }
    values.truncate(n);
    Ok(values
        .into_iter()
        .map(|value| round_significant(value, digits))
        .collect())
}

/// Rounds to `digits` significant decimal digits (through the decimal text, so it is exact).
pub fn round_significant(value: f64, digits: u32) -> f64 {
    let precision = digits.saturating_sub(1) as usize;
    format!("{value:.precision$e}").parse().unwrap_or(value)
}

/// Strings of `length` characters drawn uniformly from `characters`, distinct when `replacement` is false.
pub fn strings(
    stream: &mut RandomStream<'_>,
    n: usize,
    length: usize,
    characters: &[char],
    replacement: bool,
) -> Result<Vec<String>, EntropyError> {
    let k = characters.len() as u64;
    if replacement {
        return (0..n)
            .map(|_| {
                (0..length)
                    .map(|_| Ok(characters[stream.below(k)? as usize]))
                    .collect()
            })
            .collect();
    }
    // A distinct index in 0..k^length for each string, written in base k.
    let domain = string_domain(characters.len(), length).unwrap_or(u128::MAX);
    Ok(stream
        .distinct(n, domain)?
        .into_iter()
        .map(|mut index| {
            let mut text = Vec::with_capacity(length);
            for _ in 0..length {
                text.push(characters[(index % u128::from(k)) as usize]);
                index /= u128::from(k);
            }
            text.into_iter().collect()
        })
        .collect())
}

/// How many distinct strings of `length` characters there are, if it fits in 128 bits.
pub fn string_domain(characters: usize, length: usize) -> Option<u128> {
    (characters as u128).checked_pow(u32::try_from(length).ok()?)
}

/// Version 4 UUIDs: 122 random bits, with the version and variant bits set.
pub fn uuids(stream: &mut RandomStream<'_>, n: usize) -> Result<Vec<String>, EntropyError> {
    (0..n)
        .map(|_| {
            let mut bytes = [0u8; 16];
            stream.fill(&mut bytes)?;
            Ok(uuid_v4(bytes))
        })
        .collect()
}

/// 16 random bytes as a version 4 UUID: version and variant bits set, lowercase, hyphenated.
pub fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// How blobs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobFormat {
    Base64,
    Hex,
}

impl BlobFormat {
    /// The name used in the API.
    pub fn name(self) -> &'static str {
        match self {
            BlobFormat::Base64 => "base64",
            BlobFormat::Hex => "hex",
        }
    }
}

/// `n` blobs of `size_bits` random bits each (a multiple of 8).
pub fn blobs(
    stream: &mut RandomStream<'_>,
    n: usize,
    size_bits: usize,
    format: BlobFormat,
) -> Result<Vec<String>, EntropyError> {
    let mut bytes = vec![0u8; size_bits / 8];
    (0..n)
        .map(|_| {
            stream.fill(&mut bytes)?;
            Ok(match format {
                BlobFormat::Base64 => base64::engine::general_purpose::STANDARD.encode(&bytes),
                BlobFormat::Hex => hex::encode(&bytes),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entropy::SourceKind;

    fn entropy() -> Entropy {
        Entropy::new(SourceKind::Os.open().unwrap())
    }

    #[test]
    fn a_keystream_is_the_same_for_the_same_key_whatever_the_reads() {
        let mut one = RandomStream::keystream([7; 32]);
        let mut two = RandomStream::keystream([7; 32]);
        let mut a = [0u8; 1000];
        one.fill(&mut a).unwrap();
        let mut b = Vec::new();
        for size in [1usize, 3, 600, 396] {
            let mut part = vec![0u8; size];
            two.fill(&mut part).unwrap();
            b.extend(part);
        }
        assert_eq!(&a[..], &b[..]);
        let mut other = RandomStream::keystream([8; 32]);
        let mut c = [0u8; 1000];
        other.fill(&mut c).unwrap();
        assert_ne!(a, c);
        // RFC 8439 2.3.2's block function with an all-zero key, nonce and counter begins 76 b8 e0 ad.
        let mut zero = RandomStream::keystream([0; 32]);
        let mut first = [0u8; 4];
        zero.fill(&mut first).unwrap();
        assert_eq!(first, [0x76, 0xb8, 0xe0, 0xad]);
    }

    #[test]
    fn bits_used_matches_the_reference_examples() {
        assert_eq!(bits_used(6, 6f64.log2()), 16);
        assert_eq!(bits_used(8, 10.0 * 26f64.log2()), 376);
        assert_eq!(bits_used(10, 8.0 * 10f64.log2()), 266);
        assert_eq!(bits_used(4, 8.0 * 10f64.log2()), 106);
        assert_eq!(bits_used(1, 122.0), 122);
        assert_eq!(bits_used(1, 1024.0), 1024);
    }

    #[test]
    fn integers_stay_in_range_and_distinct_ones_are_distinct() {
        let entropy = entropy();
        let mut stream = RandomStream::new(&entropy);
        let values = integers(&mut stream, 1000, -3, 3, true).unwrap();
        assert!(values.iter().all(|v| (-3..=3).contains(v)));
        let mut values = integers(&mut stream, 7, -3, 3, false).unwrap();
        values.sort_unstable();
        assert_eq!(values, vec![-3, -2, -1, 0, 1, 2, 3]);
        let full = integers(&mut stream, 3, -1_000_000_000, 1_000_000_000, false).unwrap();
        assert_eq!(full.iter().collect::<HashSet<_>>().len(), 3);
    }

    #[test]
    fn bases_are_zero_padded_to_the_range() {
        assert_eq!(in_base(5, 2, 0, 15), "0101");
        assert_eq!(in_base(255, 16, 0, 255), "ff");
        assert_eq!(in_base(-8, 8, -64, 7), "-010");
        assert_eq!(in_base(1, 16, 1, 6), "1");
    }

    #[test]
    fn fractions_lie_on_the_grid() {
        let entropy = entropy();
        let mut stream = RandomStream::new(&entropy);
        for value in decimal_fractions(&mut stream, 1000, 3, true).unwrap() {
            assert!((0.0..1.0).contains(&value));
            let text = value.to_string();
            assert!(text.len() <= "0.123".len(), "{text}");
        }
        let mut all = decimal_fractions(&mut stream, 10, 1, false).unwrap();
        all.sort_by(f64::total_cmp);
        assert_eq!(all, vec![0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    }

    #[test]
    fn gaussians_are_rounded_to_their_digits() {
        assert_eq!(round_significant(1.23456, 3), 1.23);
        assert_eq!(round_significant(-98765.4, 2), -99000.0);
        assert_eq!(round_significant(0.000123456, 4), 0.0001235);
        let entropy = entropy();
        let mut stream = RandomStream::new(&entropy);
        let values = gaussians(&mut stream, 5, 10.0, 2.0, 5).unwrap();
        assert_eq!(values.len(), 5);
    }

    #[test]
    fn distinct_strings_cover_a_small_domain_exactly() {
        let entropy = entropy();
        let mut stream = RandomStream::new(&entropy);
        let mut values = strings(&mut stream, 4, 2, &['a', 'b'], false).unwrap();
        values.sort();
        assert_eq!(values, vec!["aa", "ab", "ba", "bb"]);
        let unicode = strings(&mut stream, 3, 5, &['é', '日', '🎲'], true).unwrap();
        assert!(unicode.iter().all(|s| s.chars().count() == 5));
    }

    #[test]
    fn uuids_have_version_4_and_the_rfc_variant() {
        let entropy = entropy();
        let mut stream = RandomStream::new(&entropy);
        for uuid in uuids(&mut stream, 100).unwrap() {
            assert_eq!(uuid.len(), 36);
            assert_eq!(&uuid[14..15], "4");
            assert!(matches!(&uuid[19..20], "8" | "9" | "a" | "b"), "{uuid}");
        }
    }

    #[test]
    fn blobs_have_their_size() {
        let entropy = entropy();
        let mut stream = RandomStream::new(&entropy);
        let hex = blobs(&mut stream, 2, 16, BlobFormat::Hex).unwrap();
        assert!(hex.iter().all(|b| b.len() == 4));
        let b64 = blobs(&mut stream, 1, 1024, BlobFormat::Base64).unwrap();
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(&b64[0])
                .unwrap()
                .len(),
            128
        );
    }
}
