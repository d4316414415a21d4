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

/// The shared pool: one source, its health tests, and the verdict.
pub struct Entropy {
    name: &'static str,
    state: Mutex<State>,
}

struct State {
    source: Box<dyn EntropySource>,
    tests: HealthTests,
    failure: Option<String>,
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
            }),
        }
    }

    /// The source's name.
    pub fn source_name(&self) -> &'static str {
        self.name
    }

    /// Fills `buffer` with bytes that passed the health tests.
    pub fn fill(&self, buffer: &mut [u8]) -> Result<(), EntropyError> {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(reason) = &state.failure {
            return Err(EntropyError::Unhealthy(reason.clone()));
        }
        state.source.fill(buffer)?;
        if let Err(failure) = state.tests.check(buffer) {
            tracing::error!(source = self.name, %failure, "entropy health test failed; refusing to serve");
            state.failure = Some(failure.to_string());
            return Err(EntropyError::Unhealthy(failure.to_string()));
        }
        Ok(())
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

    #[test]
    fn the_os_source_serves() {
        let entropy = Entropy::new(SourceKind::Os.open().unwrap());
        let mut buffer = [0u8; 4096];
        entropy.fill(&mut buffer).unwrap();
        assert!(buffer.iter().any(|&b| b != 0));
    }
}
