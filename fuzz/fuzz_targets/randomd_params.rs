//! randomd's parameter parsing for every generator method (basic and signed read the same params):
//! `api::release1::parse`, which reads a call's params text into a domain request.
//!
//! Properties: no panic; a request that parses echoes (as a signed result shows it) into params
//! that parse back to the same request and key; its bit cost is not negative; drawing it (from a
//! deterministic source, when small) yields `n` values, integers within [min, max], distinct
//! without replacement.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use randomd::api::release1::{echo, parse};
use randomd::domain::{Generate, Kind, RandomStream, Values};
use randomd::entropy::{Entropy, EntropyError, EntropySource};
use randomd::ordered_json::OrderedJson;

#[derive(Debug)]
struct XorShift(u64);

impl EntropySource for XorShift {
    fn name(&self) -> &'static str {
        "xorshift (fuzzing only)"
    }

    fn fill(&mut self, buffer: &mut [u8]) -> Result<(), EntropyError> {
        for chunk in buffer.chunks_mut(8) {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            chunk.copy_from_slice(&self.0.to_le_bytes()[..chunk.len()]);
        }
        Ok(())
    }
}

fn entropy() -> &'static Entropy {
    static ENTROPY: OnceLock<Entropy> = OnceLock::new();
    ENTROPY.get_or_init(|| Entropy::new(Box::new(XorShift(0x9E37_79B9_7F4A_7C15))))
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let kind = Kind::ALL[selector as usize % Kind::ALL.len()];
    let raw = (selector < 128).then_some(text);
    let Ok((api_key, request)) = parse(kind, raw) else {
        return;
    };
    assert_eq!(request.kind(), kind);
    let bits = request.bits();
    assert!(bits >= 0, "{request:?} costs {bits} bits");

    let mut members = vec![("apiKey".to_owned(), OrderedJson::from(api_key.as_str()))];
    members.extend(echo(&request));
    let echoed = String::from_utf8(OrderedJson::Object(members).to_compact_bytes()).expect("UTF-8");
    let (key_again, again) = parse(kind, Some(&echoed)).unwrap_or_else(|e| panic!("{echoed} refused: {e:?}"));
    assert_eq!(key_again, api_key);
    // serde_json reads decimals exactly (`float_roundtrip`, docs/RELIABILITY.md finding 4), so
    // an echoed gaussian mean or deviation reads back to the very same number.
    assert_eq!(again, request, "{echoed}");

    if bits > 1 << 16 {
        return;
    }
    let mut stream = RandomStream::new(entropy());
    let Ok(values) = request.draw(&mut stream) else {
        return;
    };
    let n = match &request {
        Generate::Integers { n, .. }
        | Generate::DecimalFractions { n, .. }
        | Generate::Gaussians { n, .. }
        | Generate::Strings { n, .. }
        | Generate::Uuids { n }
        | Generate::Blobs { n, .. } => *n as usize,
        Generate::IntegerSequences { sequences } => sequences.len(),
    };
    assert_eq!(count(&values), n, "{request:?}");
    if let (Generate::IntegerSequences { sequences }, Values::Sequences(lists)) = (&request, &values) {
        for (sequence, list) in sequences.iter().zip(lists) {
            assert_eq!(count(list), sequence.length as usize, "{request:?}");
        }
    }
    if let (Generate::Integers { min, max, replacement, .. }, Values::Integers(v)) = (&request, &values) {
        assert!(v.iter().all(|x| (min..=max).contains(&x)), "{request:?} drew {v:?}");
        if !replacement {
            let mut sorted = v.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), v.len(), "repeats without replacement: {v:?}");
        }
    }
});

/// How many values a draw holds (sequences: how many lists).
fn count(values: &Values) -> usize {
    match values {
        Values::Integers(v) => v.len(),
        Values::Numbers(v) => v.len(),
        Values::Texts(v) => v.len(),
        Values::Sequences(v) => v.len(),
    }
}
