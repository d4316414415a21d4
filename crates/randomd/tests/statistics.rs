//! Statistical tests of the generators, with fixed sample sizes and thresholds at p = 10^-6: a correct
//! generator fails each of them less than once in a million runs. The critical values were computed
//! from the chi-square and normal distributions (regularized incomplete gamma function).

use randomd::domain::generate::{self, RandomStream};
use randomd::entropy::{Entropy, SourceKind};

/// Chi-square critical values at p = 10^-6, by degrees of freedom.
const CHI2_DF2: f64 = 27.63;
const CHI2_DF5: f64 = 35.89;
const CHI2_DF9: f64 = 44.81;
const CHI2_DF19: f64 = 63.68;
const CHI2_DF25: f64 = 73.89;
/// Two-sided normal critical value at p = 10^-6.
const Z: f64 = 4.892;

fn entropy() -> Entropy {
    Entropy::new(SourceKind::Os.open().expect("os source"))
}

fn chi_square(counts: &[u64], expected: f64) -> f64 {
    counts
        .iter()
        .map(|&observed| (observed as f64 - expected).powi(2) / expected)
        .sum()
}

/// The Kolmogorov-Smirnov statistic of `samples` against `cdf`.
fn ks_statistic(mut samples: Vec<f64>, cdf: impl Fn(f64) -> f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    let n = samples.len() as f64;
    samples
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max)
}

/// The KS critical value at p = 10^-6 for `n` samples: sqrt(-ln(p / 2) / (2n)).
fn ks_critical(n: usize) -> f64 {
    (-(0.5e-6f64).ln() / (2.0 * n as f64)).sqrt()
}

/// The standard normal CDF, through erfc (Numerical Recipes' Chebyshev fit, error below 1.2e-7).
fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.26551223
        + t * (1.00002368
            + t * (0.37409196
                + t * (0.09678418
                    + t * (-0.18628806
                        + t * (0.27886807
                            + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
    let erfc = t * poly.exp();
    if x >= 0.0 {
        1.0 - 0.5 * erfc
    } else {
        0.5 * erfc
    }
}

#[test]
fn dice_are_uniform() {
    let entropy = entropy();
    let mut stream = RandomStream::new(&entropy);
    let rolls = generate::integers(&mut stream, 60_000, 1, 6, true).expect("rolls");
    let mut counts = [0u64; 6];
    for roll in rolls {
        counts[(roll - 1) as usize] += 1;
    }
    let statistic = chi_square(&counts, 10_000.0);
    assert!(statistic < CHI2_DF5, "chi-square {statistic} for {counts:?}");
}

#[test]
fn wide_ranges_have_no_modulo_bias() {
    // With a bound of 3 * 2^62, reducing a 64-bit word modulo the bound would make the first third
    // twice as likely as the others; rejection sampling keeps the thirds equal.
    let entropy = entropy();
    let mut stream = RandomStream::new(&entropy);
    let bound = 3u64 << 62;
    let mut thirds = [0u64; 3];
    for _ in 0..30_000 {
        thirds[(stream.below(bound).expect("draw") / (1u64 << 62)) as usize] += 1;
    }
    let statistic = chi_square(&thirds, 10_000.0);
    assert!(statistic < CHI2_DF2, "chi-square {statistic} for {thirds:?}");
}

#[test]
fn draws_without_replacement_are_uniform_ordered_subsets() {
    let entropy = entropy();
    let mut stream = RandomStream::new(&entropy);
    // Ordered pairs of distinct values from 1..=5: 20 outcomes, each 1/20.
    let mut pairs = [0u64; 20];
    for _ in 0..20_000 {
        let draw = generate::integers(&mut stream, 2, 1, 5, false).expect("draw");
        assert_ne!(draw[0], draw[1]);
        let (first, second) = ((draw[0] - 1) as usize, (draw[1] - 1) as usize);
        let second_rank = if second > first { second - 1 } else { second };
        pairs[first * 4 + second_rank] += 1;
    }
    let statistic = chi_square(&pairs, 1_000.0);
    assert!(statistic < CHI2_DF19, "chi-square {statistic} for {pairs:?}");

    // Every value of 1..=10 is in half of the 5-of-10 draws, and first equally often.
    let mut present = [0u64; 10];
    let mut first = [0u64; 10];
    for _ in 0..20_000 {
        let draw = generate::integers(&mut stream, 5, 1, 10, false).expect("draw");
        let mut sorted = draw.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 5, "values repeat in {draw:?}");
        for value in &draw {
            present[(value - 1) as usize] += 1;
        }
        first[(draw[0] - 1) as usize] += 1;
    }
    // Each count is Binomial(20000, 1/2): variance 5000, so the statistic is conservative here.
    assert!(chi_square(&present, 10_000.0) < CHI2_DF9, "{present:?}");
    assert!(chi_square(&first, 2_000.0) < CHI2_DF9, "{first:?}");
}

#[test]
fn decimal_fractions_are_uniform_on_the_unit_interval() {
    let entropy = entropy();
    let mut stream = RandomStream::new(&entropy);
    let samples = generate::decimal_fractions(&mut stream, 20_000, 10, true).expect("fractions");
    let statistic = ks_statistic(samples, |x| x.clamp(0.0, 1.0));
    assert!(statistic < ks_critical(20_000), "KS {statistic}");
}

#[test]
fn gaussians_have_the_right_distribution() {
    let entropy = entropy();
    let mut stream = RandomStream::new(&entropy);
    let (mean, deviation) = (100.0, 15.0);
    let samples = generate::gaussians(&mut stream, 20_000, mean, deviation, 10).expect("gaussians");
    let statistic = ks_statistic(samples.clone(), |x| normal_cdf((x - mean) / deviation));
    assert!(statistic < ks_critical(20_000), "KS {statistic}");
    let sample_mean = samples.iter().sum::<f64>() / samples.len() as f64;
    assert!(
        (sample_mean - mean).abs() < Z * deviation / (20_000f64).sqrt(),
        "mean {sample_mean}"
    );
}

#[test]
fn string_characters_are_uniform() {
    let entropy = entropy();
    let mut stream = RandomStream::new(&entropy);
    let alphabet: Vec<char> = ('a'..='z').collect();
    let strings = generate::strings(&mut stream, 10_000, 10, &alphabet, true).expect("strings");
    let mut counts = [0u64; 26];
    for text in &strings {
        for c in text.chars() {
            counts[(c as u8 - b'a') as usize] += 1;
        }
    }
    let statistic = chi_square(&counts, 100_000.0 / 26.0);
    assert!(statistic < CHI2_DF25, "chi-square {statistic}");
}

#[test]
fn blob_and_uuid_bits_are_balanced() {
    let entropy = entropy();
    let mut stream = RandomStream::new(&entropy);
    let blob = generate::blobs(&mut stream, 1, 1 << 20, generate::BlobFormat::Hex).expect("blob");
    let bytes = hex::decode(&blob[0]).expect("hex");
    let ones: u64 = bytes.iter().map(|b| u64::from(b.count_ones())).sum();
    let n = (1u64 << 20) as f64;
    let z = (ones as f64 - n / 2.0) / (n / 4.0).sqrt();
    assert!(z.abs() < Z, "monobit z = {z}");

    // The 122 random bits of each UUID: everything but the version nibble and the variant bits.
    let uuids = generate::uuids(&mut stream, 10_000).expect("uuids");
    let mut ones = 0u64;
    for uuid in &uuids {
        let mut bytes = hex::decode(uuid.replace('-', "")).expect("hex");
        assert_eq!(bytes[6] >> 4, 4, "version");
        assert_eq!(bytes[8] >> 6, 0b10, "variant");
        bytes[6] &= 0x0f;
        bytes[8] &= 0x3f;
        ones += bytes.iter().map(|b| u64::from(b.count_ones())).sum::<u64>();
    }
    let n = (10_000 * 122) as f64;
    let z = (ones as f64 - n / 2.0) / (n / 4.0).sqrt();
    assert!(z.abs() < Z, "UUID monobit z = {z}");
}

#[test]
fn the_normal_cdf_is_accurate() {
    assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
    assert!((normal_cdf(1.96) - 0.975_002_1).abs() < 1e-6);
    assert!((normal_cdf(-1.0) - 0.158_655_25).abs() < 1e-6);
}

#[test]
fn pregenerated_keystreams_pass_the_same_tests() {
    // Pregenerated randomization draws from ChaCha20 under a key derived from the date or id; the
    // values must be as uniform as fresh ones. Fixed keys: the outcome is reproducible.
    for seed in [[0u8; 32], [1u8; 32], *b"date:2026-03-14 and some padding"] {
        let mut stream = RandomStream::keystream(seed);
        let rolls = generate::integers(&mut stream, 60_000, 1, 6, true).expect("rolls");
        let mut counts = [0u64; 6];
        for roll in rolls {
            counts[(roll - 1) as usize] += 1;
        }
        let statistic = chi_square(&counts, 10_000.0);
        assert!(statistic < CHI2_DF5, "chi-square {statistic} for {counts:?}");
        let samples = generate::decimal_fractions(&mut stream, 20_000, 10, true).expect("fractions");
        let statistic = ks_statistic(samples, |x| x.clamp(0.0, 1.0));
        assert!(statistic < ks_critical(20_000), "KS {statistic}");
        let samples = generate::gaussians(&mut stream, 20_000, 0.0, 1.0, 10).expect("gaussians");
        let statistic = ks_statistic(samples, normal_cdf);
        assert!(statistic < ks_critical(20_000), "KS {statistic}");
    }
}
