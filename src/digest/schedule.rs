//! When the digest is due: a time of day in a time zone, with the zone's rules (jiff reads the
//! system's tz database): pure functions of "now", so that DST transitions can be tested on an
//! injected clock.

use chrono::{DateTime, Utc};
use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// A digest hour: a time of day in a time zone.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestTime {
    /// The local time of day.
    pub time: Time,
    /// The zone it is read in.
    pub zone: TimeZone,
}

impl DigestTime {
    /// The first digest time strictly after `after`. A day whose clock skips the time (a
    /// spring-forward gap) has it just after the gap; a day whose clock shows it twice (fall
    /// back) has it at the first: every day has exactly one.
    pub fn next_after(&self, after: DateTime<Utc>) -> DateTime<Utc> {
        let after = to_timestamp(after);
        let today = after.to_zoned(self.zone.clone()).date();
        let mut day = today.yesterday().unwrap_or(today);
        // Yesterday, today and tomorrow cover any offset; a few more days cover nothing odd.
        for _ in 0..4 {
            let candidate = self
                .zone
                .to_ambiguous_zoned(day.to_datetime(self.time))
                .compatible()
                .map(|z| z.timestamp());
            if let Ok(t) = candidate {
                if t > after {
                    return from_timestamp(t);
                }
            }
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        // Only at the end of representable time; a day later is as good as any.
        from_timestamp(after) + chrono::Duration::days(1)
    }

    /// The last digest time at or before `at`: the one a digest made at `at` answers for.
    pub fn last_at_or_before(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        let day_before = at - chrono::Duration::hours(49);
        let mut t = self.next_after(day_before);
        loop {
            let next = self.next_after(t);
            if next > at {
                return t;
            }
            t = next;
        }
    }

    /// The date (`YYYY-MM-DD`) of a time in the digest's zone, as its subject says it.
    pub fn local_date(&self, at: DateTime<Utc>) -> String {
        to_timestamp(at).to_zoned(self.zone.clone()).date().to_string()
    }

    /// A time as the digest prints it: local date and time with the zone's abbreviation.
    pub fn local_time(&self, at: DateTime<Utc>) -> String {
        to_timestamp(at)
            .to_zoned(self.zone.clone())
            .strftime("%Y-%m-%d %H:%M %Z")
            .to_string()
    }
}

fn to_timestamp(t: DateTime<Utc>) -> Timestamp {
    // Invariant: chrono and jiff both cover every time a store can hold (years -9999..9999).
    Timestamp::from_microsecond(t.timestamp_micros()).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn from_timestamp(t: Timestamp) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.as_microsecond()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn digest_time(time: &str, zone: &str) -> DigestTime {
        DigestTime {
            time: time.parse().unwrap(),
            zone: TimeZone::get(zone).unwrap(),
        }
    }

    #[test]
    fn the_next_digest_is_at_the_local_hour() {
        let hanoi = digest_time("07:00", "Asia/Ho_Chi_Minh");
        // 07:00 in Hanoi is 00:00 UTC.
        assert_eq!(
            hanoi.next_after(at("2026-11-27T23:00:00Z")),
            at("2026-11-28T00:00:00Z")
        );
        assert_eq!(
            hanoi.next_after(at("2026-11-28T00:00:00Z")),
            at("2026-11-29T00:00:00Z")
        );
        let new_york = digest_time("07:00", "America/New_York");
        assert_eq!(
            new_york.next_after(at("2026-11-28T11:00:00Z")),
            at("2026-11-28T12:00:00Z")
        );
        assert_eq!(
            new_york.last_at_or_before(at("2026-11-28T11:59:59Z")),
            at("2026-11-27T12:00:00Z")
        );
        assert_eq!(
            new_york.last_at_or_before(at("2026-11-28T12:00:00Z")),
            at("2026-11-28T12:00:00Z")
        );
        assert_eq!(hanoi.local_date(at("2026-11-28T18:00:00Z")), "2026-11-29");
    }

    #[test]
    fn a_day_without_the_hour_or_with_it_twice_has_one_digest() {
        // Vienna springs forward on 2026-03-29: 02:00 becomes 03:00, so 02:30 does not exist.
        let vienna = digest_time("02:30", "Europe/Vienna");
        let mut t = at("2026-03-27T12:00:00Z");
        let mut runs = Vec::new();
        for _ in 0..4 {
            t = vienna.next_after(t);
            runs.push(t);
        }
        assert_eq!(
            runs,
            [
                at("2026-03-28T01:30:00Z"),
                // Just after the gap: 03:30 CEST.
                at("2026-03-29T01:30:00Z"),
                at("2026-03-30T00:30:00Z"),
                at("2026-03-31T00:30:00Z"),
            ]
        );
        // New York falls back on 2026-11-01: 01:30 happens twice; the digest comes at the first.
        let new_york = digest_time("01:30", "America/New_York");
        let mut t = at("2026-10-31T12:00:00Z");
        let mut runs = Vec::new();
        for _ in 0..3 {
            t = new_york.next_after(t);
            runs.push(t);
        }
        assert_eq!(
            runs,
            [
                at("2026-11-01T05:30:00Z"),
                at("2026-11-02T06:30:00Z"),
                at("2026-11-03T06:30:00Z"),
            ]
        );
    }
}

#[cfg(test)]
mod properties {
    use chrono::{DateTime, Utc};
    use jiff::tz::TimeZone;
    use proptest::prelude::*;

    use super::DigestTime;

    /// Zones our users live in, with and without daylight saving, and odd offsets.
    const ZONES: [&str; 8] = [
        "Asia/Ho_Chi_Minh",
        "Europe/Vienna",
        "America/New_York",
        "Asia/Riyadh",
        "Asia/Kathmandu",
        "Australia/Lord_Howe",
        "Pacific/Chatham",
        "UTC",
    ];

    proptest! {
        #[test]
        fn every_digest_time_comes_once_a_local_day_after_now(
            zone in prop::sample::select(ZONES.to_vec()),
            hour in 0i8..24,
            minute in 0i8..60,
            seconds in 1_600_000_000i64..2_100_000_000,
        ) {
            let zone = TimeZone::get(zone).expect("the tz database has our users' zones");
            let digest = DigestTime {
                time: jiff::civil::Time::new(hour, minute, 0, 0).unwrap(),
                zone,
            };
            let now = DateTime::<Utc>::from_timestamp(seconds, 0).unwrap();
            let next = digest.next_after(now);
            prop_assert!(next > now);
            // At most a day and the largest DST shift away, and the day after comes next.
            prop_assert!(next - now <= chrono::Duration::hours(26), "{now} -> {next}");
            let after = digest.next_after(next);
            prop_assert!(after > next);
            prop_assert!(after - next >= chrono::Duration::hours(22) && after - next <= chrono::Duration::hours(26));
            prop_assert_ne!(digest.local_date(next), digest.local_date(after));
            // The digest made then answers for it, and one made a moment before for the last.
            prop_assert_eq!(digest.last_at_or_before(next), next);
            prop_assert!(digest.last_at_or_before(next - chrono::Duration::seconds(1)) < next);
        }
    }
}
