//! Time, behind a trait so that tests can cross midnight UTC without waiting for it.

use std::sync::Mutex;

use time::OffsetDateTime;

/// Tells the time.
pub trait Clock: Send + Sync + 'static {
    /// Now, in UTC.
    fn now(&self) -> OffsetDateTime;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that stands still until moved: for tests.
#[derive(Debug)]
pub struct ManualClock(Mutex<OffsetDateTime>);

impl ManualClock {
    /// A clock showing `start`.
    pub fn new(start: OffsetDateTime) -> Self {
        ManualClock(Mutex::new(start))
    }

    /// Moves the clock to `time`.
    pub fn set(&self, time: OffsetDateTime) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = time;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The day number (days since 1970-01-01, UTC) that daily allowances are counted by.
pub fn day_of(time: OffsetDateTime) -> i64 {
    time.unix_timestamp().div_euclid(86_400)
}

/// The API's timestamp format: `2011-10-10 13:19:12Z`.
pub fn format_timestamp(time: OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");
    time.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_days() {
        let time = time::macros::datetime!(2011-10-10 13:19:12 UTC);
        assert_eq!(format_timestamp(time), "2011-10-10 13:19:12Z");
        let before_midnight = time::macros::datetime!(2011-10-10 23:59:59 UTC);
        let after_midnight = time::macros::datetime!(2011-10-11 00:00:00 UTC);
        assert_eq!(day_of(before_midnight) + 1, day_of(after_midnight));
        assert_eq!(day_of(time), day_of(before_midnight));
    }
}
