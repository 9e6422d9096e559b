//! `treatywatch list` and `treatywatch show`: read the store.

use std::io::Write;
use std::process::ExitCode;

use chrono::{DateTime, NaiveDate, Utc};
use clap::Args;
use url::Url;

use super::output::{print_table, stdout, Row};
use super::{Cli, Exit, EXIT_USAGE};
use crate::query::{ArticleKey, ArticleView};
use crate::store::ArticleFilter;

/// How many articles or stories `list` and `stories` print unless told: a page, not the
/// whole store.
pub const DEFAULT_LIMIT: usize = 50;

/// Arguments of `list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only articles in this language (ISO 639-1, e.g. vi, ar)
    #[arg(long, value_name = "L")]
    pub lang: Option<String>,
    /// Only articles from this feed
    #[arg(long, value_name = "NAME")]
    pub feed: Option<String>,
    /// Only articles about this topic (e.g. un-cybercrime-convention)
    #[arg(long, value_name = "NAME")]
    pub topic: Option<String>,
    /// Only articles published since a duration ago ("2d", "12h") or a date ("2026-11-01")
    #[arg(long, value_name = "DURATION|DATE")]
    pub since: Option<String>,
    /// At most N articles, newest first; 0 for all
    #[arg(long, value_name = "N", default_value_t = DEFAULT_LIMIT)]
    pub limit: usize,
    /// One JSON object per line
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// What to look for in titles and texts, matched as topic phrases are
    pub text: String,
    /// Only articles in this language (ISO 639-1)
    #[arg(long, value_name = "L")]
    pub lang: Option<String>,
    /// Only articles about this topic
    #[arg(long, value_name = "NAME")]
    pub topic: Option<String>,
    /// Only articles published since a duration ago ("2d") or a date ("2026-11-01")
    #[arg(long, value_name = "DURATION|DATE")]
    pub since: Option<String>,
    /// At most N articles, newest first; 0 for all
    #[arg(long, value_name = "N", default_value_t = DEFAULT_LIMIT)]
    pub limit: usize,
    /// One JSON object per line
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Article id (from `list`) or URL
    pub article: String,
    /// As one JSON object
    #[arg(long)]
    pub json: bool,
}

/// Lists stored articles.
pub fn list(cli: &Cli, args: &ListArgs) -> anyhow::Result<ExitCode> {
    let since = since_arg(args.since.as_deref())?;
    let reader = super::open_store_reader(cli)?;
    let filter = ArticleFilter {
        lang: args.lang.as_ref().map(|l| l.to_ascii_lowercase()),
        feed: args.feed.clone(),
        topic: args.topic.clone(),
        since,
        limit: (args.limit > 0).then_some(args.limit),
    };
    print_articles(&reader.articles(&filter)?, args.json)
}

/// Lists the articles whose title or text contains a text.
pub fn search(cli: &Cli, args: &SearchArgs) -> anyhow::Result<ExitCode> {
    let since = since_arg(args.since.as_deref())?;
    let reader = super::open_store_reader(cli)?;
    let filter = ArticleFilter {
        lang: args.lang.as_ref().map(|l| l.to_ascii_lowercase()),
        topic: args.topic.clone(),
        since,
        limit: (args.limit > 0).then_some(args.limit),
        ..Default::default()
    };
    print_articles(&reader.search(&args.text, &filter)?, args.json)
}

/// Prints articles as a table or JSON Lines.
fn print_articles(articles: &[ArticleView], json: bool) -> anyhow::Result<ExitCode> {
    let mut out = stdout();
    if json {
        for article in articles {
            writeln!(out, "{}", serde_json::to_string(article)?)?;
        }
    } else {
        let rows: Vec<Row> = articles.iter().map(Row::of).collect();
        print_table(&mut out, &rows)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Shows one article.
pub fn show(cli: &Cli, args: &ShowArgs) -> anyhow::Result<ExitCode> {
    let reader = super::open_store_reader(cli)?;
    let key = match args.article.trim().parse::<u64>() {
        Ok(id) => ArticleKey::Id(id),
        Err(_) => ArticleKey::Url(Url::parse(args.article.trim()).map_err(|e| Exit {
            code: EXIT_USAGE,
            message: format!("'{}' is neither an article id nor a URL: {e}", args.article),
        })?),
    };
    let Some(article) = reader.article(&key)? else {
        return Err(super::exit(
            super::EXIT_NOT_FOUND,
            format!("no article {} in the store", args.article),
        ));
    };
    let mut out = stdout();
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&article)?)?;
    } else {
        print_article(&mut out, &article)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn print_article(out: &mut impl Write, a: &ArticleView) -> std::io::Result<()> {
    writeln!(
        out,
        "id:         {}",
        a.id.map(|id| id.to_string()).unwrap_or_default()
    )?;
    writeln!(
        out,
        "story:      {}",
        a.story.map(|id| id.to_string()).unwrap_or_default()
    )?;
    writeln!(out, "title:      {}", a.title)?;
    writeln!(out, "url:        {}", a.url)?;
    if a.link != a.url {
        writeln!(out, "link:       {}", a.link)?;
    }
    writeln!(out, "feed:       {}", a.feed)?;
    writeln!(
        out,
        "lang:       {} (confidence {:.2}, by {:?})",
        a.lang.as_deref().unwrap_or("unknown"),
        a.lang_confidence,
        a.lang_method
    )?;
    if let Some(p) = &a.published {
        writeln!(out, "published:  {p}")?;
    }
    writeln!(out, "fetched:    {}", a.fetched)?;
    if let Some(c) = &a.changed {
        writeln!(out, "changed:    {c}")?;
    }
    if !a.authors.is_empty() {
        writeln!(out, "authors:    {}", a.authors.join(", "))?;
    }
    for t in a.topic_matches.iter().flatten() {
        writeln!(
            out,
            "topic:      {} (score {}: {})",
            t.name,
            t.score,
            t.matched.join("; ")
        )?;
    }
    writeln!(out)?;
    writeln!(out, "{}", a.text.as_deref().unwrap_or_default())
}

/// A `--since` argument, read against now.
pub fn since_arg(text: Option<&str>) -> anyhow::Result<Option<DateTime<Utc>>> {
    text.map(|t| parse_since(t, Utc::now())).transpose()
}

/// `--since`: a duration back from `now` ("2d", "12h"), a date, or an RFC 3339 time.
pub fn parse_since(text: &str, now: DateTime<Utc>) -> anyhow::Result<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc());
    }
    if let Ok(d) = humantime::parse_duration(text) {
        return Ok(now - chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX));
    }
    Err(Exit {
        code: EXIT_USAGE,
        message: format!(
            "--since '{text}' is neither a duration (\"2d\", \"12h\") nor a date (\"2026-11-01\")"
        ),
    }
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_forms() {
        let now: DateTime<Utc> = "2026-11-28T12:00:00Z".parse().unwrap();
        assert_eq!(
            parse_since("2d", now).unwrap(),
            "2026-11-26T12:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(
            parse_since("2026-11-01", now).unwrap(),
            "2026-11-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(
            parse_since("2026-11-01T10:00:00+02:00", now).unwrap(),
            "2026-11-01T08:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert!(parse_since("last week", now).is_err());
    }
}
