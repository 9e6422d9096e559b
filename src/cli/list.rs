//! `treatywatch list` and `treatywatch show`: read the store.

use std::process::ExitCode;

use anyhow::bail;
use chrono::{DateTime, NaiveDate, Utc};
use clap::Args;
use url::Url;

use super::output::{print_table, rfc3339, ArticleJson, Row};
use super::{Cli, Exit, EXIT_USAGE};
use crate::model::Article;
use crate::pipeline::dedup::canonical_url;
use crate::store::{ArticleFilter, Store};

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
    /// At most N articles
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
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
    let since = args
        .since
        .as_deref()
        .map(|s| parse_since(s, Utc::now()))
        .transpose()?;
    let store = open_existing(cli)?;
    let filter = ArticleFilter {
        lang: args.lang.as_ref().map(|l| l.to_ascii_lowercase()),
        feed: args.feed.clone(),
        topic: args.topic.clone(),
        since,
        limit: args.limit,
    };
    let articles = store.list(&filter)?;
    if args.json {
        for article in &articles {
            let story = store.story_of(article.id)?;
            println!(
                "{}",
                serde_json::to_string(&ArticleJson::stored(article, story, false))?
            );
        }
    } else {
        let rows: Vec<Row> = articles
            .iter()
            .map(|a| Row {
                id: a.id.to_string(),
                date: a.sort_time(),
                lang: a.entry.lang.lang.clone().unwrap_or_else(|| "?".into()),
                feed: a.feed.clone(),
                title: a.entry.title.clone(),
            })
            .collect();
        print_table(&rows);
    }
    Ok(ExitCode::SUCCESS)
}

/// Shows one article.
pub fn show(cli: &Cli, args: &ShowArgs) -> anyhow::Result<ExitCode> {
    let store = open_existing(cli)?;
    let found = match args.article.trim().parse::<u64>() {
        Ok(id) => store.article(id)?,
        Err(_) => {
            let url = Url::parse(args.article.trim()).map_err(|e| Exit {
                code: EXIT_USAGE,
                message: format!("'{}' is neither an article id nor a URL: {e}", args.article),
            })?;
            store.article_by_url(canonical_url(&url).as_str())?
        }
    };
    let Some(article) = found else {
        bail!("no article {} in the store", args.article);
    };
    let story = store.story_of(article.id)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&ArticleJson::stored(&article, story, true))?
        );
    } else {
        print_article(&article, story);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_article(a: &Article, story: u64) {
    let e = &a.entry;
    println!("id:         {}", a.id);
    println!("story:      {story}");
    println!("title:      {}", e.title);
    println!("url:        {}", e.url);
    if e.link != e.url {
        println!("link:       {}", e.link);
    }
    println!("feed:       {}", a.feed);
    println!(
        "lang:       {} (confidence {:.2}, by {:?})",
        e.lang.lang.as_deref().unwrap_or("unknown"),
        e.lang.confidence,
        e.lang.method
    );
    if let Some(p) = e.published {
        println!("published:  {}", rfc3339(p));
    }
    println!("fetched:    {}", rfc3339(a.fetched));
    if let Some(c) = a.changed {
        println!("changed:    {}", rfc3339(c));
    }
    if !e.authors.is_empty() {
        println!("authors:    {}", e.authors.join(", "));
    }
    for t in &e.topics {
        println!(
            "topic:      {} (score {}: {})",
            t.name,
            t.score,
            t.matched.join("; ")
        );
    }
    println!();
    println!("{}", e.text);
}

/// Opens the store for reading; the config is only needed for its store path.
fn open_existing(cli: &Cli) -> anyhow::Result<Store> {
    let config = if cli.store.is_some() {
        None
    } else {
        cli.optional_config()?
    };
    super::open_existing_store(cli, config.as_ref())
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
