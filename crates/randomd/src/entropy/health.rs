//! The continuous health tests of NIST SP 800-90B section 4.4, run on every byte the source gives.
//!
//! Samples are bytes. The cutoffs assume a min-entropy of H = 6 bits per byte (less than the 8 a
//! conditioned OS generator claims, so the tests are conservative) and a false-alarm rate of
//! α = 2^-40 per window:
//! - Repetition Count Test: C = 1 + ceil(-log2(α) / H) = 1 + ceil(40 / 6) = 8 identical bytes in a row.
//! - Adaptive Proportion Test: window W = 512; C = 1 + the smallest c with
//!   P[Binomial(511, 2^-6) >= c] <= 2^-40, which is 35, so C = 36 occurrences of the window's first byte.

/// A run of this many identical bytes fails the repetition count test.
pub const REPETITION_CUTOFF: u32 = 8;
/// The adaptive proportion test's window, in samples.
pub const PROPORTION_WINDOW: u32 = 512;
/// This many occurrences of the window's first byte within one window fail the test.
pub const PROPORTION_CUTOFF: u32 = 36;

/// Which test failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthFailure {
    RepetitionCount,
    AdaptiveProportion,
}

impl std::fmt::Display for HealthFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HealthFailure::RepetitionCount => {
                write!(f, "repetition count test failed: {REPETITION_CUTOFF} identical bytes in a row")
            }
            HealthFailure::AdaptiveProportion => write!(
                f,
                "adaptive proportion test failed: one byte value {PROPORTION_CUTOFF} times in {PROPORTION_WINDOW}"
            ),
        }
    }
}

/// The state of both tests across calls: the tests run on the source's output as one stream.
#[derive(Debug, Clone, Default)]
pub struct HealthTests {
    last: Option<u8>,
    run: u32,
    reference: u8,
    window_seen: u32,
    reference_count: u32,
}

impl HealthTests {
    /// Feeds samples through both tests.
    pub fn check(&mut self, samples: &[u8]) -> Result<(), HealthFailure> {
        for &sample in samples {
            if self.last == Some(sample) {
                self.run += 1;
                if self.run >= REPETITION_CUTOFF {
                    return Err(HealthFailure::RepetitionCount);
                }
            } else {
                self.last = Some(sample);
                self.run = 1;
            }

            if self.window_seen == 0 {
                self.reference = sample;
                self.reference_count = 1;
            } else if sample == self.reference {
                self.reference_count += 1;
                if self.reference_count >= PROPORTION_CUTOFF {
                    return Err(HealthFailure::AdaptiveProportion);
                }
            }
            self.window_seen = (self.window_seen + 1) % PROPORTION_WINDOW;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stuck_source_fails_the_repetition_test() {
        let mut tests = HealthTests::default();
        assert_eq!(tests.check(&[7; 7]), Ok(()));
        assert_eq!(tests.check(&[7]), Err(HealthFailure::RepetitionCount));
    }

    #[test]
    fn runs_are_counted_across_calls_and_reset_by_a_new_value() {
        let mut tests = HealthTests::default();
        // Runs of 7 of every byte value: one short of the cutoff, and no value too frequent.
        let samples: Vec<u8> = (0..=255u8).flat_map(|value| [value; 7]).collect();
        for _ in 0..10 {
            assert_eq!(tests.check(&samples), Ok(()));
        }
    }

    #[test]
    fn a_biased_source_fails_the_proportion_test() {
        let mut tests = HealthTests::default();
        // The value 0 in every other sample: never a long run, but far too frequent.
        let samples: Vec<u8> = (0..512u32)
            .map(|i| if i % 2 == 0 { 0 } else { (i % 251) as u8 + 1 })
            .collect();
        assert_eq!(tests.check(&samples), Err(HealthFailure::AdaptiveProportion));
    }

    #[test]
    fn the_cutoffs_match_their_false_alarm_rate() {
        // P[Binomial(511, 1/64) >= 35] must be at most 2^-40, and P[>= 34] above it.
        let tail = |c: u32| -> f64 {
            let (n, p) = (511u32, 1.0f64 / 64.0);
            (c..=n)
                .map(|k| {
                    let log_choose: f64 = (0..k)
                        .map(|i| ((n - i) as f64).ln() - ((i + 1) as f64).ln())
                        .sum();
                    (log_choose + k as f64 * p.ln() + (n - k) as f64 * (1.0 - p).ln()).exp()
                })
                .sum()
        };
        let alpha = 2f64.powi(-40);
        assert!(tail(PROPORTION_CUTOFF - 1) <= alpha);
        assert!(tail(PROPORTION_CUTOFF - 2) > alpha);
        assert_eq!(REPETITION_CUTOFF, 1 + (40f64 / 6.0).ceil() as u32);
    }

    #[test]
    fn the_operating_system_source_passes() {
        let mut tests = HealthTests::default();
        let mut buffer = vec![0u8; 1 << 20];
        getrandom::fill(&mut buffer).unwrap();
        assert_eq!(tests.check(&buffer), Ok(()));
    }
}
