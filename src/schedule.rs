//! When each feed is next due: regular or adaptive intervals, jitter, exponential backoff after
//! failures, and the server's own wishes (`ttl`, `Cache-Control: max-age`, `Expires`,
//! `Retry-After`). Pure arithmetic on an injected clock, so it is tested without waiting.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::model::Schedule;

/// Backoff after failures never waits longer than this: feeds that come back are found again.
pub const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);

/// Intervals are stretched or shrunk by up to this fraction so that feeds on one host drift
/// apart instead of firing together.
pub const JITTER: f64 = 0.1;

/// A feed is fetched without validators this often: some servers answer 304 forever with stale
/// validators.
pub const UNCONDITIONAL_EVERY: Duration = Duration::from_secs(24 * 3600);

/// A server cannot push a feed further away than this (a bogus `Expires` a year ahead, a huge
/// `Retry-After`).
pub const MAX_SERVER_DELAY: Duration = Duration::from_secs(24 * 3600);

/// At most this many of a feed's newest items are used to estimate how often it publishes.
const ADAPTIVE_SAMPLE: usize = 20;

/// What a poll found that bears on the next one.
#[derive(Debug, Clone, PartialEq)]
pub enum PollResult {
    /// The poll succeeded (content or 304).
    Success {
        /// The interval estimated from the feed's publication rhythm, when adaptive.
        adaptive_interval: Option<Duration>,
        /// The earliest time the server's `ttl`, `max-age` or `Expires` allows.
        not_before: Option<DateTime<Utc>>,
    },
    /// The poll failed.
    Failure {
        /// Failures in a row, including this one (at least 1).
        consecutive: u32,
        /// The time the server asked us to wait until (`Retry-After`).
        retry_after: Option<DateTime<Utc>>,
    },
}

/// When to poll next. `jitter` is in [-1, 1] (see [`random_jitter`]).
pub fn next_poll(schedule: &Schedule, result: &PollResult, now: DateTime<Utc>, jitter: f64) -> DateTime<Utc> {
    let ceiling = now + to_chrono(MAX_SERVER_DELAY);
    match result {
        PollResult::Success {
            adaptive_interval,
            not_before,
        } => {
            let interval = adaptive_interval
                .filter(|_| schedule.adaptive)
                .unwrap_or(schedule.interval);
            let due = now + to_chrono(jittered(interval, jitter));
            // The server's own cache lifetime only binds in adaptive mode: a fixed interval is
            // the user's explicit choice.
            match not_before {
                Some(t) if schedule.adaptive => due.max((*t).min(ceiling)),
                _ => due,
            }
        }
        PollResult::Failure {
            consecutive,
            retry_after,
        } => {
            let due = now + to_chrono(jittered(backoff(schedule.interval, *consecutive), jitter));
            match retry_after {
                Some(t) => due.max((*t).min(ceiling)),
                None => due,
            }
        }
    }
}

/// The wait after `failures` failures in a row: the interval, doubled for each further failure,
/// capped at [`MAX_BACKOFF`] (but never below the interval itself).
pub fn backoff(interval: Duration, failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(20);
    let grown = interval.saturating_mul(1 << doublings);
    grown.min(MAX_BACKOFF).max(interval)
}

/// The polling interval that follows a feed's rhythm: half the median gap between its newest
/// items (so a new item waits at most about half a gap), within the schedule's bounds. `None`
/// when fewer than three items carry dates.
pub fn adaptive_interval(schedule: &Schedule, published: &[DateTime<Utc>]) -> Option<Duration> {
    let mut times: Vec<DateTime<Utc>> = published.to_vec();
    times.sort_unstable_by(|a, b| b.cmp(a));
    times.dedup();
    times.truncate(ADAPTIVE_SAMPLE);
    if times.len() < 3 {
        return None;
    }
    let mut gaps: Vec<i64> = times.windows(2).map(|w| (w[0] - w[1]).num_seconds()).collect();
    gaps.sort_unstable();
    let median = gaps[gaps.len() / 2].max(0) as u64;
    Some(Duration::from_secs(median / 2).clamp(schedule.min_interval, schedule.max_interval))
}

/// The earliest next poll the server allows: `now + ttl`, `now + max-age`, `Expires`, whichever
/// is latest.
pub fn server_not_before(
    now: DateTime<Utc>,
    ttl: Option<Duration>,
    max_age: Option<Duration>,
    expires: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    [
        ttl.map(|t| now + to_chrono(t)),
        max_age.map(|m| now + to_chrono(m)),
        expires,
    ]
    .into_iter()
    .flatten()
    .max()
}

/// Whether the next fetch must go without validators.
pub fn due_unconditional(last_unconditional: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last_unconditional.is_none_or(|t| now - t >= to_chrono(UNCONDITIONAL_EVERY))
}

/// A jitter value in [-1, 1], different for every feed and call.
pub fn random_jitter(seed: &str) -> f64 {
    // RandomState is seeded from the OS once per process and then varies per instance: enough
    // randomness to spread polls, with no dependency.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write(seed.as_bytes());
    let unit = (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64;
    unit * 2.0 - 1.0
}

fn jittered(interval: Duration, jitter: f64) -> Duration {
    interval.mul_f64(1.0 + JITTER * jitter.clamp(-1.0, 1.0))
}

/// std to chrono; durations here are at most days, far below chrono's range.
pub fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn schedule(minutes: u64, adaptive: bool) -> Schedule {
        Schedule {
            interval: Duration::from_secs(minutes * 60),
            adaptive,
            min_interval: Duration::from_secs(5 * 60),
            max_interval: Duration::from_secs(6 * 3600),
        }
    }

    const SUCCESS: PollResult = PollResult::Success {
        adaptive_interval: None,
        not_before: None,
    };

    #[test]
    fn success_waits_one_interval_within_jitter() {
        let now = at("2026-11-28T12:00:00Z");
        let s = schedule(15, false);
        assert_eq!(next_poll(&s, &SUCCESS, now, 0.0), at("2026-11-28T12:15:00Z"));
        assert_eq!(next_poll(&s, &SUCCESS, now, 1.0), at("2026-11-28T12:16:30Z"));
        assert_eq!(next_poll(&s, &SUCCESS, now, -1.0), at("2026-11-28T12:13:30Z"));
    }

    #[test]
    fn backoff_doubles_caps_at_six_hours_and_resets() {
        let s = schedule(15, false);
        let minutes: Vec<u64> = (1..=8).map(|n| backoff(s.interval, n).as_secs() / 60).collect();
        assert_eq!(minutes, vec![15, 30, 60, 120, 240, 360, 360, 360]);
        assert_eq!(backoff(s.interval, 10_000), MAX_BACKOFF);
        // An interval longer than the cap is never shortened by failing.
        assert_eq!(
            backoff(Duration::from_secs(12 * 3600), 3),
            Duration::from_secs(12 * 3600)
        );

        let now = at("2026-11-28T12:00:00Z");
        let failing = PollResult::Failure {
            consecutive: 4,
            retry_after: None,
        };
        assert_eq!(next_poll(&s, &failing, now, 0.0), at("2026-11-28T14:00:00Z"));
        // One success and the next poll is a plain interval away again.
        assert_eq!(next_poll(&s, &SUCCESS, now, 0.0), at("2026-11-28T12:15:00Z"));
    }

    #[test]
    fn retry_after_pushes_next_poll_but_not_beyond_a_day() {
        let now = at("2026-11-28T12:00:00Z");
        let s = schedule(15, false);
        let asked = PollResult::Failure {
            consecutive: 1,
            retry_after: Some(at("2026-11-28T15:00:00Z")),
        };
        assert_eq!(next_poll(&s, &asked, now, 0.0), at("2026-11-28T15:00:00Z"));
        let soon = PollResult::Failure {
            consecutive: 1,
            retry_after: Some(at("2026-11-28T12:01:00Z")),
        };
        assert_eq!(next_poll(&s, &soon, now, 0.0), at("2026-11-28T12:15:00Z"));
        let absurd = PollResult::Failure {
            consecutive: 1,
            retry_after: Some(at("2027-01-01T00:00:00Z")),
        };
        assert_eq!(next_poll(&s, &absurd, now, 0.0), at("2026-11-29T12:00:00Z"));
    }

    #[test]
    fn adaptive_follows_the_feed_and_respects_the_server() {
        let s = schedule(15, true);
        // An item every two hours: poll every hour.
        let published: Vec<_> = (0..10)
            .map(|h| at("2026-11-28T12:00:00Z") - chrono::Duration::hours(2 * h))
            .collect();
        assert_eq!(adaptive_interval(&s, &published), Some(Duration::from_secs(3600)));
        // A flood of items a minute apart: no faster than min_interval.
        let flood: Vec<_> = (0..10)
            .map(|m| at("2026-11-28T12:00:00Z") - chrono::Duration::minutes(m))
            .collect();
        assert_eq!(adaptive_interval(&s, &flood), Some(s.min_interval));
        // A feed that posts once a week: no slower than max_interval.
        let weekly: Vec<_> = (0..5)
            .map(|w| at("2026-11-28T12:00:00Z") - chrono::Duration::weeks(w))
            .collect();
        assert_eq!(adaptive_interval(&s, &weekly), Some(s.max_interval));
        assert_eq!(adaptive_interval(&s, &published[..2]), None);

        let now = at("2026-11-28T12:00:00Z");
        let result = PollResult::Success {
            adaptive_interval: Some(Duration::from_secs(3600)),
            not_before: server_not_before(
                now,
                Some(Duration::from_secs(2 * 3600)),
                Some(Duration::from_secs(600)),
                None,
            ),
        };
        assert_eq!(next_poll(&s, &result, now, 0.0), at("2026-11-28T14:00:00Z"));
        // A fixed schedule is the user's choice: neither rhythm nor server cache apply.
        assert_eq!(
            next_poll(&schedule(15, false), &result, now, 0.0),
            at("2026-11-28T12:15:00Z")
        );
    }

    #[test]
    fn unconditional_fetch_once_a_day() {
        let now = at("2026-11-28T12:00:00Z");
        assert!(due_unconditional(None, now));
        assert!(!due_unconditional(Some(at("2026-11-28T00:00:00Z")), now));
        assert!(due_unconditional(Some(at("2026-11-27T12:00:00Z")), now));
    }

    #[test]
    fn jitter_is_in_range_and_varies() {
        let values: Vec<f64> = (0..100).map(|_| random_jitter("feed")).collect();
        assert!(values.iter().all(|v| (-1.0..=1.0).contains(v)));
        assert!(values.iter().any(|v| *v != values[0]));
    }
}

#[cfg(test)]
mod properties {
    use std::time::Duration;

    use chrono::{DateTime, Utc};
    use proptest::prelude::*;

    use super::*;

    fn schedule() -> impl Strategy<Value = Schedule> {
        (60u64..86_400, any::<bool>(), 60u64..3_600, 3_600u64..172_800).prop_map(
            |(interval, adaptive, min, max)| Schedule {
                interval: Duration::from_secs(interval),
                adaptive,
                min_interval: Duration::from_secs(min),
                max_interval: Duration::from_secs(max),
            },
        )
    }

    fn instant() -> impl Strategy<Value = DateTime<Utc>> {
        (1_500_000_000i64..2_500_000_000).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
    }

    /// An optional time within a year either side of `now`'s range: servers send the past and
    /// absurd futures.
    fn server_time() -> impl Strategy<Value = Option<DateTime<Utc>>> {
        prop::option::of(
            (1_450_000_000i64..2_600_000_000).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap()),
        )
    }

    proptest! {
        #[test]
        fn a_success_waits_the_interval_give_or_take_the_jitter(
            schedule in schedule(),
            now in instant(),
            jitter in -1.5f64..1.5,
            adaptive in prop::option::of(60u64..200_000),
            not_before in server_time(),
        ) {
            let adaptive_interval = adaptive.map(Duration::from_secs);
            let result = PollResult::Success { adaptive_interval, not_before };
            let due = next_poll(&schedule, &result, now, jitter);
            let interval = adaptive_interval.filter(|_| schedule.adaptive).unwrap_or(schedule.interval);
            let earliest = now + to_chrono(interval.mul_f64(1.0 - JITTER)) - chrono::Duration::milliseconds(1);
            let latest = (now + to_chrono(interval.mul_f64(1.0 + JITTER))).max(now + to_chrono(MAX_SERVER_DELAY));
            prop_assert!(due > now);
            prop_assert!(due >= earliest && due <= latest, "{} not in {}..{}", due, earliest, latest);
            if let (Some(t), true) = (not_before, schedule.adaptive) {
                prop_assert!(due >= t.min(now + to_chrono(MAX_SERVER_DELAY)));
            }
        }

        #[test]
        fn failures_back_off_never_shorter_and_within_bounds(
            schedule in schedule(),
            now in instant(),
            jitter in -1.0f64..1.0,
            failures in 1u32..80,
            retry_after in server_time(),
        ) {
            let wait = backoff(schedule.interval, failures);
            prop_assert!(wait >= schedule.interval);
            prop_assert!(wait <= MAX_BACKOFF.max(schedule.interval));
            prop_assert!(backoff(schedule.interval, failures + 1) >= wait);
            let result = PollResult::Failure { consecutive: failures, retry_after };
            let due = next_poll(&schedule, &result, now, jitter);
            let ceiling = now + to_chrono(MAX_SERVER_DELAY);
            prop_assert!(due > now);
            prop_assert!(due <= (now + to_chrono(wait.mul_f64(1.0 + JITTER))).max(ceiling));
            if let Some(t) = retry_after {
                prop_assert!(due >= t.min(ceiling));
            }
        }

        #[test]
        fn the_adaptive_interval_stays_within_its_bounds(
            schedule in schedule(),
            gaps in prop::collection::vec(0i64..400_000, 0..30),
            start in instant(),
        ) {
            let mut at = start;
            let published: Vec<DateTime<Utc>> = gaps
                .iter()
                .map(|g| {
                    at -= chrono::Duration::seconds(*g);
                    at
                })
                .collect();
            match adaptive_interval(&schedule, &published) {
                Some(d) => {
                    prop_assert!(d >= schedule.min_interval.min(schedule.max_interval));
                    prop_assert!(d <= schedule.max_interval.max(schedule.min_interval));
                }
                None => {
                    let mut distinct = published.clone();
                    distinct.sort();
                    distinct.dedup();
                    prop_assert!(distinct.len() < 3);
                }
            }
        }
    }
}
