//! Where the daemon's "now" comes from. In production it is the system clock; in tests it is
//! tokio's clock, so that a paused runtime moves the daemon's dates and its timers together
//! and a day of polling runs in a moment; shifted, it is a system clock that jumps.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};

/// The source of the current time.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    /// The system's wall clock.
    System,
    /// Tokio's clock (paused in tests), read as a date: `at` when tokio's clock read `start`.
    Tokio {
        /// Tokio's instant that corresponds to `at`.
        start: tokio::time::Instant,
        /// The date at `start`.
        at: DateTime<Utc>,
    },
    /// Tokio's clock, shifted by `shift` seconds that a test moves: a system clock that jumps
    /// while the monotonic one does not.
    Shifted {
        /// Tokio's instant that corresponds to `at`.
        start: tokio::time::Instant,
        /// The date at `start`, before any shift.
        at: DateTime<Utc>,
        /// The jumps so far, in seconds.
        shift: &'static AtomicI64,
    },
}

impl Clock {
    /// Tokio's clock, reading `at` now. Must be called inside a runtime.
    pub fn tokio(at: DateTime<Utc>) -> Clock {
        Clock::Tokio {
            start: tokio::time::Instant::now(),
            at,
        }
    }

    /// Tokio's clock reading `at` now, plus whatever `shift` holds when read. Must be called
    /// inside a runtime.
    pub fn shifted(at: DateTime<Utc>, shift: &'static AtomicI64) -> Clock {
        Clock::Shifted {
            start: tokio::time::Instant::now(),
            at,
            shift,
        }
    }

    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        let since = |start: &tokio::time::Instant, at: &DateTime<Utc>| {
            let elapsed = tokio::time::Instant::now().saturating_duration_since(*start);
            *at + chrono::Duration::from_std(elapsed).unwrap_or(chrono::Duration::MAX)
        };
        match self {
            Clock::System => Utc::now(),
            Clock::Tokio { start, at } => since(start, at),
            Clock::Shifted { start, at, shift } => {
                since(start, at) + chrono::Duration::seconds(shift.load(Ordering::Relaxed))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn tokio_time_moves_the_date() {
        let at: DateTime<Utc> = "2026-12-01T07:00:00Z".parse().unwrap();
        let clock = Clock::tokio(at);
        assert_eq!(clock.now(), at);
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        assert_eq!(clock.now(), at + chrono::Duration::hours(1));
    }
}
