//! Dates as feeds and pages write them: RFC 3339 and RFC 2822 and everything around them (a
//! space for the `T`, no zone, named zones, `+07`, no time, two-digit years), and the dates
//! news sites print in the languages we watch (`Thứ Hai, 05/01/2024 10:30 (GMT+7)`,
//! `5 janvier 2024`, `5 января 2024`, `2024年1月5日 10:30`, `05 يناير 2024`, `5 de enero de
//! 2024`). A time written without a zone is in the source's zone, not UTC. Conservative: a
//! string with no year, or a day or month out of range, is no date rather than a guess.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use jiff::tz::TimeZone;
use regex::Regex;
use unicode_normalization::UnicodeNormalization;

/// Zone abbreviations feeds write, with their offsets in minutes east of UTC. Ambiguous ones
/// are left out (`IST`: India, Israel or Ireland), except `CST`, which RFC 822 defines as US
/// Central and feeds use so.
const NAMED_ZONES: &[(&str, i32)] = &[
    ("ut", 0),
    ("utc", 0),
    ("gmt", 0),
    ("z", 0),
    ("wet", 0),
    ("bst", 60),
    ("cet", 60),
    ("met", 60),
    ("cest", 120),
    ("mest", 120),
    ("eet", 120),
    ("eest", 180),
    ("msk", 180),
    ("ict", 420),
    ("wib", 420),
    ("hkt", 480),
    ("sgt", 480),
    ("jst", 540),
    ("kst", 540),
    ("est", -300),
    ("edt", -240),
    ("cst", -360),
    ("cdt", -300),
    ("mst", -420),
    ("pdt", -420),
    ("pst", -480),
];

/// Month names and abbreviations, normalised (lower case, NFC), in the languages we watch;
/// Russian in both the nominative and the genitive dates use.
const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("february", 2),
    ("march", 3),
    ("april", 4),
    ("june", 6),
    ("july", 7),
    ("august", 8),
    ("september", 9),
    ("october", 10),
    ("november", 11),
    ("december", 12),
    ("janvier", 1),
    ("février", 2),
    ("fevrier", 2),
    ("avril", 4),
    ("juin", 6),
    ("juillet", 7),
    ("août", 8),
    ("aout", 8),
    ("septembre", 9),
    ("octobre", 10),
    ("novembre", 11),
    ("décembre", 12),
    ("decembre", 12),
    ("enero", 1),
    ("febrero", 2),
    ("marzo", 3),
    ("abril", 4),
    ("mayo", 5),
    ("junio", 6),
    ("julio", 7),
    ("agosto", 8),
    ("septiembre", 9),
    ("setiembre", 9),
    ("octubre", 10),
    ("noviembre", 11),
    ("diciembre", 12),
    ("января", 1),
    ("февраля", 2),
    ("марта", 3),
    ("апреля", 4),
    ("мая", 5),
    ("июня", 6),
    ("июля", 7),
    ("августа", 8),
    ("сентября", 9),
    ("октября", 10),
    ("ноября", 11),
    ("декабря", 12),
    ("январь", 1),
    ("февраль", 2),
    ("март", 3),
    ("апрель", 4),
    ("май", 5),
    ("июнь", 6),
    ("июль", 7),
    ("август", 8),
    ("сентябрь", 9),
    ("октябрь", 10),
    ("ноябрь", 11),
    ("декабрь", 12),
    ("يناير", 1),
    ("فبراير", 2),
    ("مارس", 3),
    ("أبريل", 4),
    ("ابريل", 4),
    ("مايو", 5),
    ("يونيو", 6),
    ("يوليو", 7),
    ("أغسطس", 8),
    ("اغسطس", 8),
    ("سبتمبر", 9),
    ("أكتوبر", 10),
    ("اكتوبر", 10),
    ("نوفمبر", 11),
    ("ديسمبر", 12),
];

/// Three-letter English abbreviations (and `sept`), matched as whole words.
const MONTH_ABBREVIATIONS: &[(&str, u32)] = &[
    ("jan", 1),
    ("feb", 2),
    ("mar", 3),
    ("apr", 4),
    ("may", 5),
    ("jun", 6),
    ("jul", 7),
    ("aug", 8),
    ("sep", 9),
    ("sept", 9),
    ("oct", 10),
    ("nov", 11),
    ("dec", 12),
];

/// Where a month name was, after [`with_month_numbers`]: `§5§` for May.
static MONTH_WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[\p{L}]+").expect("valid pattern"));

static ZONE_OFFSET: LazyLock<Regex> = LazyLock::new(|| {
    // `+0700`, `+07:00`, `+07`, `GMT+7`, `UTC-03:30`; after a time or at the end.
    Regex::new(r"(?:\b(?:gmt|utc)\s*)?([+-])(\d{1,2})(?::?(\d{2}))?\)?\s*$|\(?\b(?:gmt|utc)\s*([+-])(\d{1,2})(?::?(\d{2}))?\)?")
        .expect("valid pattern")
});

static ZONE_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\(?\b([a-z]{1,4})\)?\s*$").expect("valid pattern"));

static TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\d])(\d{1,2})[:h時时](\d{2})(?:[:分](\d{2}))?(?:[.,]\d+)?\s*(am|pm|a\.m\.|p\.m\.)?")
        .expect("valid pattern")
});

static YMD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})").expect("valid pattern")
});

static DMY_NUMERIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\d])(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?:[^\d]|$)").expect("valid pattern")
});

static DMY_NAMED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\d])(\d{1,2})(?:er|st|nd|rd|th)?\.?\s*(?:de\s+|tháng\s+)?§(\d{1,2})§\s*(?:de\s+|del\s+|,\s*|năm\s+)?(\d{4}|\d{2})(?:[^\d]|$)")
        .expect("valid pattern")
});

static MDY_NAMED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"§(\d{1,2})§\s*(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4}|\d{2})(?:[^\d]|$)")
        .expect("valid pattern")
});

static VIETNAMESE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:ngày\s+)?(\d{1,2})\s+tháng\s+(\d{1,2})(?:\s*,\s*|\s+năm\s+|\s+)(\d{4})")
        .expect("valid pattern")
});

/// The default zone for sources in a language, when the feed names none: where most of that
/// language's outlets we watch publish from. English and anything else: UTC.
pub fn default_zone(lang: Option<&str>) -> TimeZone {
    let name = match lang.map(|l| l.split(['-', '_']).next().unwrap_or(l).to_ascii_lowercase()) {
        Some(l) if l == "vi" => "Asia/Ho_Chi_Minh",
        Some(l) if l == "ru" => "Europe/Moscow",
        Some(l) if l == "zh" => "Asia/Shanghai",
        Some(l) if l == "fr" => "Europe/Paris",
        Some(l) if l == "es" => "Europe/Madrid",
        Some(l) if l == "ar" => "Asia/Riyadh",
        _ => return TimeZone::UTC,
    };
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

/// The zone `feed`'s times without one are read in: its `timezone`, else its language's.
pub fn feed_zone(feed: &crate::model::Feed) -> TimeZone {
    feed.timezone
        .clone()
        .unwrap_or_else(|| default_zone(feed.language.as_deref()))
}

/// The instant `raw` names, reading a time without a zone in `zone`.
pub fn parse_date(raw: &str, zone: &TimeZone) -> Option<DateTime<Utc>> {
    let s = raw.trim();
    if s.is_empty() || s.len() > 200 {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(s) {
        return Some(t.with_timezone(&Utc));
    }
    let text = ascii_digits(&s.nfc().collect::<String>().to_lowercase());
    let (text, offset) = take_zone(&text);
    let text = with_month_numbers(&text);
    let date = find_date(&text)?;
    let time = find_time(&text).unwrap_or(NaiveTime::MIN);
    let local = NaiveDateTime::new(date, time);
    match offset {
        Some(minutes) => Some(local.and_utc() - chrono::Duration::minutes(i64::from(minutes))),
        None => in_zone(local, zone),
    }
}

/// A wall-clock time in `zone`, as an instant (the earlier one when the clock shows it twice).
fn in_zone(local: NaiveDateTime, zone: &TimeZone) -> Option<DateTime<Utc>> {
    use chrono::{Datelike, Timelike};
    let civil = jiff::civil::DateTime::new(
        i16::try_from(local.year()).ok()?,
        i8::try_from(local.month()).ok()?,
        i8::try_from(local.day()).ok()?,
        i8::try_from(local.hour()).ok()?,
        i8::try_from(local.minute()).ok()?,
        i8::try_from(local.second()).ok()?,
        0,
    )
    .ok()?;
    let instant = zone.to_ambiguous_zoned(civil).compatible().ok()?.timestamp();
    DateTime::from_timestamp(instant.as_second(), 0)
}

/// Arabic-Indic, Persian and full-width digits as ASCII.
fn ascii_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '٠'..='٩' => char::from(b'0' + (c as u32 - '٠' as u32) as u8),
            '۰'..='۹' => char::from(b'0' + (c as u32 - '۰' as u32) as u8),
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '：' => ':',
            c => c,
        })
        .collect()
}

/// The zone written in `text` (minutes east of UTC) and the text without it.
fn take_zone(text: &str) -> (String, Option<i32>) {
    if let Some(caps) = ZONE_OFFSET.captures(text) {
        let (sign, hours, minutes) = match (caps.get(1), caps.get(4)) {
            (Some(sign), _) => (sign, caps.get(2), caps.get(3)),
            (None, Some(sign)) => (sign, caps.get(5), caps.get(6)),
            _ => return (text.to_string(), None),
        };
        // A trailing "-05" may be a day, not a zone: only after a time.
        let before = &text[..caps.get(0).map_or(0, |m| m.start())];
        let after_time = before.trim_end().ends_with(|c: char| c.is_ascii_digit()) && TIME.is_match(before);
        let named = caps
            .get(0)
            .is_some_and(|m| m.as_str().contains("gmt") || m.as_str().contains("utc"));
        if named || after_time {
            let hours: i32 = hours.and_then(|h| h.as_str().parse().ok()).unwrap_or(0);
            let minutes: i32 = minutes.and_then(|m| m.as_str().parse().ok()).unwrap_or(0);
            if hours <= 14 && minutes < 60 {
                let total = hours * 60 + minutes;
                let total = if sign.as_str() == "-" { -total } else { total };
                let range = caps.get(0).map(|m| m.range()).unwrap_or_default();
                let mut rest = text.to_string();
                rest.replace_range(range, " ");
                return (rest, Some(total));
            }
        }
    }
    if let Some(caps) = ZONE_NAME.captures(text) {
        let name = &caps[1];
        if let Some((_, offset)) = NAMED_ZONES.iter().find(|(n, _)| *n == name) {
            let range = caps.get(0).map(|m| m.range()).unwrap_or_default();
            let mut rest = text.to_string();
            rest.replace_range(range, " ");
            return (rest, Some(*offset));
        }
    }
    (text.to_string(), None)
}

/// Month names replaced by `§N§`.
fn with_month_numbers(text: &str) -> String {
    MONTH_WORD
        .replace_all(text, |caps: &regex::Captures| {
            let word = caps[0].trim_end_matches('.');
            MONTHS
                .iter()
                .chain(MONTH_ABBREVIATIONS)
                .find(|(name, _)| *name == word)
                .map_or_else(|| caps[0].to_string(), |(_, n)| format!("§{n}§"))
        })
        .into_owned()
}

fn year(written: &str) -> Option<i32> {
    let y: i32 = written.parse().ok()?;
    let y = match (written.len(), y) {
        (2, y) if y < 50 => 2000 + y,
        (2, y) => 1900 + y,
        (4, y) => y,
        _ => return None,
    };
    (1970..=2100).contains(&y).then_some(y)
}

fn number(caps: &regex::Captures, i: usize) -> Option<u32> {
    caps.get(i)?.as_str().parse().ok()
}

fn find_date(text: &str) -> Option<NaiveDate> {
    if let Some(c) = YMD.captures(text) {
        return NaiveDate::from_ymd_opt(year(&c[1])?, number(&c, 2)?, number(&c, 3)?);
    }
    if let Some(c) = VIETNAMESE.captures(text) {
        return NaiveDate::from_ymd_opt(year(&c[3])?, number(&c, 2)?, number(&c, 1)?);
    }
    if let Some(c) = DMY_NAMED.captures(text) {
        return NaiveDate::from_ymd_opt(year(&c[3])?, number(&c, 2)?, number(&c, 1)?);
    }
    if let Some(c) = MDY_NAMED.captures(text) {
        return NaiveDate::from_ymd_opt(year(&c[3])?, number(&c, 1)?, number(&c, 2)?);
    }
    if let Some(c) = DMY_NUMERIC.captures(text) {
        let (first, second) = (number(&c, 1)?, number(&c, 2)?);
        // Day first, as everywhere but the US; a second number over 12 can only be a day.
        let (day, month) = if second > 12 && first <= 12 {
            (second, first)
        } else {
            (first, second)
        };
        return NaiveDate::from_ymd_opt(year(&c[3])?, month, day);
    }
    None
}

fn find_time(text: &str) -> Option<NaiveTime> {
    let c = TIME.captures(text)?;
    let mut hour = number(&c, 1)?;
    let minute = number(&c, 2)?;
    let second = number(&c, 3).unwrap_or(0);
    match c.get(4).map(|m| m.as_str().starts_with('p')) {
        Some(true) if hour < 12 => hour += 12,
        Some(false) if hour == 12 => hour = 0,
        _ => {}
    }
    NaiveTime::from_hms_opt(hour, minute, second)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(raw: &str, zone: &str) -> Option<String> {
        let zone = TimeZone::get(zone).unwrap();
        parse_date(raw, &zone).map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
    }

    #[test]
    fn every_form_reaches_the_right_instant() {
        let cases = [
            // Machine forms and their near misses.
            ("2024-01-05T10:00:00+07:00", "UTC", "2024-01-05T03:00:00Z"),
            ("Fri, 05 Jan 2024 10:00:00 +0700", "UTC", "2024-01-05T03:00:00Z"),
            ("2024-01-05 10:00:00 +0700", "UTC", "2024-01-05T03:00:00Z"),
            ("2024-01-05 10:00:00 +07", "UTC", "2024-01-05T03:00:00Z"),
            ("2024-01-05T10:00:00+07", "UTC", "2024-01-05T03:00:00Z"),
            ("2004-07-08 23:56:58", "UTC", "2004-07-08T23:56:58Z"),
            ("2004-07-08 23:56:58", "Asia/Ho_Chi_Minh", "2004-07-08T16:56:58Z"),
            ("2024-01-05T10:00:00", "Europe/Moscow", "2024-01-05T07:00:00Z"),
            ("Fri, 05 Jan 2024 10:00:00 MSK", "UTC", "2024-01-05T07:00:00Z"),
            ("Fri, 05 Jan 2024 10:00:00 CET", "UTC", "2024-01-05T09:00:00Z"),
            ("Fri, 05 Jan 2024 10:00:00 MET", "UTC", "2024-01-05T09:00:00Z"),
            ("Fri, 05 Jan 2024 10:00:00 EST", "UTC", "2024-01-05T15:00:00Z"),
            ("Fri, 05 Jan 2024 10:00:00 ICT", "UTC", "2024-01-05T03:00:00Z"),
            ("Thu, 01 Jan 2004", "UTC", "2004-01-01T00:00:00Z"),
            ("Thu, 01 Jan 04 10:00:00 GMT", "UTC", "2004-01-01T10:00:00Z"),
            ("Mon, 5 Feb 24 08:30 +0100", "UTC", "2024-02-05T07:30:00Z"),
            ("January 5, 2024 10:30 am", "UTC", "2024-01-05T10:30:00Z"),
            ("Jan 5, 2024, 3:15 PM EST", "UTC", "2024-01-05T20:15:00Z"),
            // As sites print them, in their languages and zones.
            ("Thứ Hai, 05/01/2024 10:30 (GMT+7)", "UTC", "2024-01-05T03:30:00Z"),
            ("Thứ hai, 5/1/2024, 10:30 (GMT+7)", "UTC", "2024-01-05T03:30:00Z"),
            (
                "ngày 5 tháng 1 năm 2024",
                "Asia/Ho_Chi_Minh",
                "2024-01-04T17:00:00Z",
            ),
            ("5 janvier 2024", "Europe/Paris", "2024-01-04T23:00:00Z"),
            (
                "vendredi 5 janvier 2024 à 10h30",
                "Europe/Paris",
                "2024-01-05T09:30:00Z",
            ),
            ("1er février 2024", "UTC", "2024-02-01T00:00:00Z"),
            ("5 января 2024", "Europe/Moscow", "2024-01-04T21:00:00Z"),
            ("5 января 2024, 10:30", "Europe/Moscow", "2024-01-05T07:30:00Z"),
            ("2024年1月5日 10:30", "Asia/Shanghai", "2024-01-05T02:30:00Z"),
            ("２０２４年１月５日", "Asia/Shanghai", "2024-01-04T16:00:00Z"),
            ("05 يناير 2024", "Asia/Riyadh", "2024-01-04T21:00:00Z"),
            ("٠٥ يناير ٢٠٢٤", "UTC", "2024-01-05T00:00:00Z"),
            ("5 de enero de 2024", "Europe/Madrid", "2024-01-04T23:00:00Z"),
            ("5 de enero de 2024 10:30", "UTC", "2024-01-05T10:30:00Z"),
            ("15/10/2025", "UTC", "2025-10-15T00:00:00Z"),
        ];
        let mut wrong = Vec::new();
        for (raw, zone, want) in cases {
            let got = utc(raw, zone);
            if got.as_deref() != Some(want) {
                wrong.push(format!("{raw:?} in {zone}: {got:?}, want {want}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn what_is_not_a_whole_date_is_none() {
        for raw in [
            "",
            "yesterday",
            "10:30",
            "5 janvier",
            "31/02/2024",
            "2024-13-01",
            "Volume 12, issue 3",
            "page 2 of 10",
        ] {
            assert_eq!(utc(raw, "UTC"), None, "{raw:?}");
        }
    }

    #[test]
    fn the_default_zone_follows_the_language() {
        assert_eq!(
            default_zone(Some("vi-VN")),
            TimeZone::get("Asia/Ho_Chi_Minh").unwrap()
        );
        assert_eq!(default_zone(Some("en")), TimeZone::UTC);
        assert_eq!(default_zone(None), TimeZone::UTC);
    }
}
