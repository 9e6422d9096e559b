//! How commands print: through one locked, buffered stdout; JSON Lines for programs, an aligned
//! table for people.

use std::io::IsTerminal;

use std::io::Write;

use chrono::{DateTime, Utc};
use unicode_width::UnicodeWidthChar;

use crate::query::ArticleView;

/// First-strong isolate and pop-directional isolate: a right-to-left title between them cannot
/// reorder the columns around it.
const FSI: char = '\u{2068}';
const PDI: char = '\u{2069}';

/// Standard output, locked and buffered: what every command prints through. A closed pipe
/// (`list | head -1`) surfaces as a `BrokenPipe` error, which `main` turns into a quiet exit 0.
pub fn stdout() -> std::io::BufWriter<std::io::StdoutLock<'static>> {
    std::io::BufWriter::new(std::io::stdout().lock())
}

/// Whether an error is the reader of our output going away.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
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

impl Row {
    /// The row of an article.
    pub fn of(a: &ArticleView) -> Row {
        Row {
            id: a.id.map(|id| id.to_string()).unwrap_or_default(),
            date: DateTime::parse_from_rfc3339(&a.sort_time)
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default(),
            lang: a.lang.clone().unwrap_or_else(|| "?".into()),
            feed: a.feed.clone(),
            title: a.title.clone(),
        }
    }
}

/// Prints rows as an aligned table. The title comes last so that its width and direction never
/// shift another column; on a terminal it is cut to the screen width.
pub fn print_table(out: &mut impl Write, rows: &[Row]) -> std::io::Result<()> {
    let id_width = rows.iter().map(|r| r.id.len()).max().unwrap_or(0).max(2);
    let feed_width = rows
        .iter()
        .map(|r| width(&r.feed))
        .max()
        .unwrap_or(0)
        .clamp(4, 28);
    let title_room = std::io::stdout().is_terminal().then(|| {
        let columns = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse::<usize>().ok())
            .unwrap_or(120);
        columns.saturating_sub(id_width + 16 + 4 + feed_width + 8).max(20)
    });
    writeln!(
        out,
        "{:>id_width$}  {:<16}  {:<4}  {}  TITLE",
        "ID",
        "DATE",
        "LANG",
        pad("FEED", feed_width)
    )?;
    for row in rows {
        let title = match title_room {
            Some(room) => truncate(&row.title, room),
            None => row.title.clone(),
        };
        writeln!(
            out,
            "{:>id_width$}  {:<16}  {:<4}  {}  {FSI}{title}{PDI}",
            row.id,
            row.date.format("%Y-%m-%d %H:%M"),
            row.lang,
            pad(&truncate(&row.feed, feed_width), feed_width),
        )?;
    }
    Ok(())
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
