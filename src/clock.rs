//! Where the daemon's "now" comes from. In production it is the system clock; in tests it is
//! tokio's clock, so that a paused runtime moves the daemon's dates and its timers together
//! and a day of polling runs in a moment.

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
}

impl Clock {
    /// Tokio's clock, reading `at` now. Must be called inside a runtime.
    pub fn tokio(at: DateTime<Utc>) -> Clock {
        Clock::Tokio {
            start: tokio::time::Instant::now(),
            at,
        }
    }

    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Tokio { start, at } => {
                let elapsed = tokio::time::Instant::now().saturating_duration_since(*start);
                *at + chrono::Duration::from_std(elapsed).unwrap_or(chrono::Duration::MAX)
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
