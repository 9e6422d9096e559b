//! `treatywatch parse FILE|URL`: what the store would get from one feed, without storing it, so
//! that users can see why a source misbehaves.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use chrono::Utc;
use clap::Args;
use serde::Serialize;

use super::output::{print_table, stdout, Row};
use super::Cli;
use crate::model::Entry;
use crate::pipeline::{decode, feed, Judges};
use crate::query::ArticleView;

/// Arguments of `parse`.
#[derive(Debug, Args)]
pub struct ParseArgs {
    /// A feed file, or an http(s) URL to fetch
    pub source: String,
    /// Language hint, as a feed's `language` in the config
    #[arg(long, value_name = "L")]
    pub language: Option<String>,
    /// One JSON object per entry
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct ParsedJson<'a> {
    #[serde(flatten)]
    article: ArticleView,
    feed_title: Option<&'a str>,
    feed_language: Option<&'a str>,
}

/// Fetches or reads one feed and prints its entries.
pub fn run(cli: &Cli, args: &ParseArgs) -> anyhow::Result<ExitCode> {
    let fetched_at = Utc::now();
    let config = cli.optional_config()?;
    let judges = config.as_ref().map(Judges::from_config).unwrap_or_default();
    let loaded = super::source::load(&args.source, config.as_ref())?;
    let decoded = decode::decode(&loaded.bytes, loaded.content_type.as_deref());
    // A configured feed's zone; else the language's default.
    let zone = config
        .as_ref()
        .and_then(|c| c.feeds.iter().find(|f| f.url.as_str() == args.source))
        .map(crate::pipeline::dates::feed_zone)
        .unwrap_or_else(|| crate::pipeline::dates::default_zone(args.language.as_deref()));
    let mut parsed = feed::parse_feed(&decoded.text, &loaded.base, args.language.as_deref(), &zone)
        .with_context(|| format!("parsing {}", args.source))?;
    let entries: Vec<Entry> = std::mem::take(&mut parsed.entries)
        .into_iter()
        .map(|e| judges.judge_entry(e))
        .collect();
    let mut out = stdout();
    if args.json {
        // The feed's own line first, so that a feed without entries still says what it is.
        let feed_line = serde_json::json!({
            "feed": {
                "title": parsed.title,
                "language": parsed.language,
                "charset": decoded.charset,
                "charset_source": format!("{:?}", decoded.source),
                "entries": entries.len(),
                "skipped": parsed.skipped,
            }
        });
        writeln!(out, "{feed_line}")?;
        for entry in &entries {
            let line = ParsedJson {
                article: ArticleView::parsed(entry, &args.source, fetched_at),
                feed_title: parsed.title.as_deref(),
                feed_language: parsed.language.as_deref(),
            };
            writeln!(out, "{}", serde_json::to_string(&line)?)?;
        }
    } else {
        writeln!(
            out,
            "feed: {} (language: {}, charset: {} from {:?}, {} entries, {} skipped without a link)",
            parsed.title.as_deref().unwrap_or("untitled"),
            parsed.language.as_deref().unwrap_or("undeclared"),
            decoded.charset,
            decoded.source,
            entries.len(),
            parsed.skipped,
        )?;
        let rows: Vec<Row> = entries
            .iter()
            .map(|e| Row {
                id: String::new(),
                date: e.published.unwrap_or(fetched_at),
                lang: e.lang.lang.clone().unwrap_or_else(|| "?".into()),
                feed: e.url.clone(),
                title: e.title.clone(),
            })
            .collect();
        print_table(&mut out, &rows)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
