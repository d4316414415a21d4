//! Where the randomness comes from: a raw source behind a small trait, watched by health tests.
//!
//! By default the source is the operating system's generator (`getrandom`: the kernel's CSPRNG,
//! seeded from hardware and interrupt timing noise). On x86-64 the CPU's hardware source (RDSEED) can be
//! chosen instead. Every byte passes the continuous health tests of NIST SP 800-90B; once they fail,
//! the pool refuses to serve until restarted, and the service answers error 101.

mod health;

use std::fmt;
use std::sync::Mutex;

pub use health::{HealthFailure, HealthTests, PROPORTION_CUTOFF, PROPORTION_WINDOW, REPETITION_CUTOFF};

/// A raw source of random bytes.
pub trait EntropySource: Send + 'static {
    /// A short name for logs and the web page.
    fn name(&self) -> &'static str;
    /// Fills `buffer` entirely.
    fn fill(&mut self, buffer: &mut [u8]) -> Result<(), EntropyError>;
}

/// The operating system's generator.
#[derive(Debug, Default)]
pub struct OsSource;

impl EntropySource for OsSource {
    fn name(&self) -> &'static str {
        "os (getrandom)"
    }

    fn fill(&mut self, buffer: &mut [u8]) -> Result<(), EntropyError> {
        getrandom::fill(buffer).map_err(|e| EntropyError::Source(e.to_string()))
    }
}

/// The CPU's RDSEED instruction (x86-64 only).
#[cfg(target_arch = "x86_64")]
pub struct RdseedSource(rdrand::RdSeed);

#[cfg(target_arch = "x86_64")]
impl fmt::Debug for RdseedSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RdseedSource")
    }
}

#[cfg(target_arch = "x86_64")]
impl RdseedSource {
    /// Fails if the CPU has no RDSEED.
    pub fn new() -> Result<Self, EntropyError> {
        rdrand::RdSeed::new()
            .map(RdseedSource)
            .map_err(|e| EntropyError::Source(format!("RDSEED is not available: {e}")))
    }
}

#[cfg(target_arch = "x86_64")]
impl EntropySource for RdseedSource {
    fn name(&self) -> &'static str {
        "cpu (RDSEED)"
    }

    fn fill(&mut self, buffer: &mut [u8]) -> Result<(), EntropyError> {
        self.0
            .try_fill_bytes(buffer)
            .map_err(|e| EntropyError::Source(e.to_string()))
    }
}

/// Which source to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// The operating system's generator (getrandom).
    Os,
    /// The CPU's hardware source (RDSEED), x86-64 only.
    Rdseed,
}

impl SourceKind {
    /// Opens the source.
    pub fn open(self) -> Result<Box<dyn EntropySource>, EntropyError> {
        match self {
            SourceKind::Os => Ok(Box::new(OsSource)),
            #[cfg(target_arch = "x86_64")]
            SourceKind::Rdseed => Ok(Box::new(RdseedSource::new()?)),
            #[cfg(not(target_arch = "x86_64"))]
            SourceKind::Rdseed => Err(EntropyError::Source("RDSEED exists only on x86-64".into())),
        }
    }
}

/// Why no random bytes could be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntropyError {
    /// The source itself failed.
    Source(String),
    /// The health tests failed (now or earlier): the source is not trusted any more.
    Unhealthy(String),
}

impl fmt::Display for EntropyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntropyError::Source(reason) => write!(f, "entropy source failed: {reason}"),
            EntropyError::Unhealthy(reason) => write!(f, "entropy source is unhealthy: {reason}"),
        }
    }
}

impl std::error::Error for EntropyError {}

/// Bytes read from the source at a time for small requests: one system call and one pass of the
/// health tests serve many calls, instead of one each.
const RESERVE_BYTES: usize = 4096;

/// The shared pool: one source, its health tests, the verdict, and tested bytes not handed out yet.
pub struct Entropy {
    name: &'static str,
    state: Mutex<State>,
}

struct State {
    source: Box<dyn EntropySource>,
    tests: HealthTests,
    failure: Option<String>,
    /// Tested bytes; those before `reserve_used` have been handed out and are never served again.
    reserve: Box<[u8; RESERVE_BYTES]>,
    reserve_used: usize,
    /// Bytes read from the source since start.
    drawn: u64,
}

impl State {
    /// Reads `buffer` from the source and runs the health tests on it; a failure latches. The
    /// caller has checked that no earlier failure did.
    fn draw(&mut self, name: &'static str, buffer: &mut [u8]) -> Result<(), EntropyError> {
        self.source.fill(buffer)?;
        self.drawn += buffer.len() as u64;
        if let Err(failure) = self.tests.check(buffer) {
            tracing::error!(source = name, %failure, "entropy health test failed; refusing to serve");
            self.failure = Some(failure.to_string());
            return Err(EntropyError::Unhealthy(failure.to_string()));
        }
        Ok(())
    }
}

impl fmt::Debug for Entropy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entropy").field("source", &self.name).finish()
    }
}

impl Entropy {
    /// Wraps a source.
    pub fn new(source: Box<dyn EntropySource>) -> Self {
        let name = source.name();
        Entropy {
            name,
            state: Mutex::new(State {
                source,
                tests: HealthTests::default(),
                failure: None,
                reserve: Box::new([0; RESERVE_BYTES]),
                reserve_used: RESERVE_BYTES,
                drawn: 0,
            }),
        }
    }

    /// The source's name.
    pub fn source_name(&self) -> &'static str {
        self.name
    }

    /// Fills `buffer` with bytes that passed the health tests.
    /// Small requests are served from a reserve of tested bytes; large ones straight from the source.
    pub fn fill(&self, buffer: &mut [u8]) -> Result<(), EntropyError> {
        let mut guard = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let state = &mut *guard;
        if let Some(reason) = &state.failure {
            return Err(EntropyError::Unhealthy(reason.clone()));
        }
        if buffer.len() > RESERVE_BYTES / 4 {
            return state.draw(self.name, buffer);
        }
        if RESERVE_BYTES - state.reserve_used < buffer.len() {
            let mut fresh = [0u8; RESERVE_BYTES];
            state.draw(self.name, &mut fresh)?;
            *state.reserve = fresh;
            state.reserve_used = 0;
        }
        let start = state.reserve_used;
        buffer.copy_from_slice(&state.reserve[start..start + buffer.len()]);
        state.reserve_used += buffer.len();
        Ok(())
    }

    /// Bytes read from the source since start (each passed through the health tests).
    pub fn bytes_drawn(&self) -> u64 {
        self.state
            .lock()
            .map(|state| state.drawn)
            .unwrap_or_else(|poisoned| poisoned.into_inner().drawn)
    }

    /// True until a health test has failed.
    pub fn is_healthy(&self) -> bool {
        self.state
            .lock()
            .map(|state| state.failure.is_none())
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Stuck;
    impl EntropySource for Stuck {
        fn name(&self) -> &'static str {
            "stuck"
        }
        fn fill(&mut self, buffer: &mut [u8]) -> Result<(), EntropyError> {
            buffer.fill(0xAA);
            Ok(())
        }
    }

    #[test]
    fn a_failed_health_test_latches() {
        let entropy = Entropy::new(Box::new(Stuck));
        let mut buffer = [0u8; 16];
        assert!(matches!(
            entropy.fill(&mut buffer),
            Err(EntropyError::Unhealthy(_))
        ));
        assert!(!entropy.is_healthy());
        assert!(matches!(
            entropy.fill(&mut [0u8; 1]),
            Err(EntropyError::Unhealthy(_))
        ));
    }

    /// Counts up from 0, one byte at a time: every byte it gives is different from its neighbours.
    struct Counter(u8);
    impl EntropySource for Counter {
        fn name(&self) -> &'static str {
            "counter"
        }
        fn fill(&mut self, buffer: &mut [u8]) -> Result<(), EntropyError> {
            for byte in buffer {
                *byte = self.0;
                self.0 = self.0.wrapping_add(1);
            }
            Ok(())
        }
    }

    #[test]
    fn the_reserve_never_hands_out_a_byte_twice() {
        let entropy = Entropy::new(Box::new(Counter(0)));
        let mut seen = Vec::new();
        for size in [1usize, 7, 300, 1024, 5, 2000, 3] {
            let mut buffer = vec![0u8; size];
            entropy.fill(&mut buffer).unwrap();
            seen.extend(buffer);
        }
        // Small requests come from the reserve in order; a large one (2000) reads the source
        // directly after what the reserve holds, and nothing is repeated in between.
        let mut expected: Vec<u8> = (0..1337u32).map(|i| i as u8).collect();
        expected.extend((4096..4096 + 2000u32).map(|i| i as u8));
        expected.extend((1337..1340u32).map(|i| i as u8));
        assert_eq!(seen, expected);
    }

    #[test]
    fn the_os_source_serves() {
        let entropy = Entropy::new(SourceKind::Os.open().unwrap());
        let mut buffer = [0u8; 4096];
        entropy.fill(&mut buffer).unwrap();
        assert!(buffer.iter().any(|&b| b != 0));
    }
}
