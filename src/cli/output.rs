//! How articles are printed: JSON Lines for programs, an aligned table for people.

use std::io::IsTerminal;

use chrono::{DateTime, Utc};
use serde::Serialize;
use unicode_width::UnicodeWidthChar;

use crate::model::{Article, Entry, LangMethod};

/// First-strong isolate and pop-directional isolate: a right-to-left title between them cannot
/// reorder the columns around it.
const FSI: char = '\u{2068}';
const PDI: char = '\u{2069}';

/// An article (stored or only parsed) as one JSON object.
#[derive(Debug, Serialize)]
pub struct ArticleJson<'a> {
    /// Store id; `null` for entries that were only parsed.
    pub id: Option<u64>,
    /// Canonical URL.
    pub url: &'a str,
    /// The link as the feed gave it.
    pub link: &'a str,
    /// Title.
    pub title: &'a str,
    /// Language code or `null`.
    pub lang: Option<&'a str>,
    /// Detection confidence.
    pub lang_confidence: f64,
    /// What decided the language.
    pub lang_method: LangMethod,
    /// Feed name.
    pub feed: &'a str,
    /// Publication time.
    pub published: Option<String>,
    /// First stored (or, for `parse`, fetched).
    pub fetched: String,
    /// Last update the feed declared.
    pub updated: Option<String>,
    /// Authors.
    pub authors: &'a [String],
    /// Names of the topics it matched.
    pub topics: Vec<&'a str>,
    /// The story it belongs to; `null` for entries that were only parsed.
    pub story: Option<u64>,
    /// Sources it cites.
    pub cited: &'a [String],
    /// Body text, only for `show` and `parse`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<&'a str>,
    /// The feed's summary when `text` is the page's full text (`fetch_full`), only for `show`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<&'a str>,
}

impl<'a> ArticleJson<'a> {
    /// The JSON view of an entry; `id` when stored.
    pub fn new(
        id: Option<u64>,
        feed: &'a str,
        fetched: DateTime<Utc>,
        entry: &'a Entry,
        with_text: bool,
    ) -> Self {
        ArticleJson {
            id,
            url: &entry.url,
            link: &entry.link,
            title: &entry.title,
            lang: entry.lang.lang.as_deref(),
            lang_confidence: entry.lang.confidence,
            lang_method: entry.lang.method,
            feed,
            published: entry.published.map(rfc3339),
            fetched: rfc3339(fetched),
            updated: entry.updated.map(rfc3339),
            authors: &entry.authors,
            topics: entry.topics.iter().map(|t| t.name.as_str()).collect(),
            story: None,
            cited: &entry.cited,
            text: with_text.then_some(entry.text.as_str()),
            summary: entry.summary.as_deref().filter(|_| with_text),
        }
    }

    /// The JSON view of a stored article in `story`.
    pub fn stored(article: &'a Article, story: u64, with_text: bool) -> Self {
        ArticleJson {
            story: Some(story),
            ..ArticleJson::new(
                Some(article.id),
                &article.feed,
                article.fetched,
                &article.entry,
                with_text,
            )
        }
    }
}

/// RFC 3339 in UTC, to the second.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// One table row: id, date, language, feed, title.
pub struct Row {
    /// Id column (may be empty).
    pub id: String,
    /// When.
    pub date: DateTime<Utc>,
    /// Language code.
    pub lang: String,
    /// Feed name.
    pub feed: String,
    /// Title, printed last and isolated.
    pub title: String,
}

/// Prints rows as an aligned table. The title comes last so that its width and direction never
/// shift another column; on a terminal it is cut to the screen width.
pub fn print_table(rows: &[Row]) {
    let id_width = rows.iter().map(|r| r.id.len()).max().unwrap_or(0).max(2);
    let feed_width = rows
        .iter()
        .map(|r| width(&r.feed))
        .max()
        .unwrap_or(0)
        .clamp(4, 28);
    let stdout = std::io::stdout();
    let title_room = stdout.is_terminal().then(|| {
        let columns = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse::<usize>().ok())
            .unwrap_or(120);
        columns.saturating_sub(id_width + 16 + 4 + feed_width + 8).max(20)
    });
    println!(
        "{:>id_width$}  {:<16}  {:<4}  {}  TITLE",
        "ID",
        "DATE",
        "LANG",
        pad("FEED", feed_width)
    );
    for row in rows {
        let title = match title_room {
            Some(room) => truncate(&row.title, room),
            None => row.title.clone(),
        };
        println!(
            "{:>id_width$}  {:<16}  {:<4}  {}  {FSI}{title}{PDI}",
            row.id,
            row.date.format("%Y-%m-%d %H:%M"),
            row.lang,
            pad(&truncate(&row.feed, feed_width), feed_width),
        );
    }
}

fn width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

fn pad(s: &str, to: usize) -> String {
    let mut out = s.to_string();
    out.extend(std::iter::repeat_n(' ', to.saturating_sub(width(s))));
    out
}

/// Cuts `s` to at most `room` display columns, marking the cut with an ellipsis.
fn truncate(s: &str, room: usize) -> String {
    if width(s) <= room {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > room {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_counts_display_columns() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("联合国打击网络犯罪公约", 7), "联合国…");
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(width(&pad("ab", 5)), 5);
    }
}
