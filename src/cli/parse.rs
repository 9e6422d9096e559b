//! `treatywatch parse FILE|URL`: what the store would get from one feed, without storing it, so
//! that users can see why a source misbehaves.

use std::process::ExitCode;

use anyhow::Context;
use chrono::Utc;
use clap::Args;
use serde::Serialize;
use url::Url;

use super::output::{print_table, ArticleJson, Row};
use super::Cli;
use crate::config::FetchConfig;
use crate::model::RequestLimits;
use crate::pipeline::fetch::{HttpClient, Validators};
use crate::pipeline::{decode, feed, Judges};

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
    article: ArticleJson<'a>,
    feed_title: Option<&'a str>,
    feed_language: Option<&'a str>,
}

/// Fetches or reads one feed and prints its entries.
pub fn run(cli: &Cli, args: &ParseArgs) -> anyhow::Result<ExitCode> {
    let fetched_at = Utc::now();
    let config = cli.optional_config()?;
    let judges = config.as_ref().map(Judges::from_config).unwrap_or_default();
    let (bytes, content_type, base) =
        if args.source.starts_with("http://") || args.source.starts_with("https://") {
            let url =
                Url::parse(&args.source).with_context(|| format!("'{}' is not a valid URL", args.source))?;
            let fetch = config
                .as_ref()
                .map(|c| c.fetch.clone())
                .unwrap_or_else(FetchConfig::default);
            let client = HttpClient::new(&fetch)?;
            let limits = RequestLimits {
                timeout: fetch.timeout,
                max_body: fetch.max_body,
            };
            let runtime = tokio::runtime::Runtime::new()?;
            let fetched = runtime
                .block_on(client.get(&url, &Validators::default(), &limits))
                .with_context(|| format!("fetching {url}"))?;
            (fetched.body, fetched.content_type, fetched.final_url)
        } else {
            let path = std::path::absolute(&args.source)?;
            let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            let base = Url::from_file_path(&path)
                .map_err(|_| anyhow::anyhow!("cannot make a URL of {}", path.display()))?;
            (bytes, None, base)
        };
    let decoded = decode::decode(&bytes, content_type.as_deref());
    let parsed = feed::parse_feed(&decoded.text, &base, args.language.as_deref(), &judges)
        .with_context(|| format!("parsing {}", args.source))?;
    if args.json {
        for entry in &parsed.entries {
            let line = ParsedJson {
                article: ArticleJson::new(None, &args.source, fetched_at, entry, true),
                feed_title: parsed.title.as_deref(),
                feed_language: parsed.language.as_deref(),
            };
            println!("{}", serde_json::to_string(&line)?);
        }
    } else {
        println!(
            "feed: {} (language: {}, charset: {} from {:?}, {} entries, {} skipped without a link)",
            parsed.title.as_deref().unwrap_or("untitled"),
            parsed.language.as_deref().unwrap_or("undeclared"),
            decoded.encoding.name(),
            decoded.source,
            parsed.entries.len(),
            parsed.skipped,
        );
        let rows: Vec<Row> = parsed
            .entries
            .iter()
            .map(|e| Row {
                id: String::new(),
                date: e.published.unwrap_or(fetched_at),
                lang: e.lang.lang.clone().unwrap_or_else(|| "?".into()),
                feed: e.url.clone(),
                title: e.title.clone(),
            })
            .collect();
        print_table(&rows);
    }
    Ok(ExitCode::SUCCESS)
}
