//! `treatywatch export`: every article in full, as JSON Lines or CSV, for analysis elsewhere.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::list::since_arg;
use super::output::stdout;
use super::Cli;
use crate::query::ArticleView;
use crate::store::ArticleFilter;

/// What `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// One JSON object per article, as `show --json` prints it.
    Jsonl,
    /// One row per article: id, story, url, title, lang, feed, published, fetched, topics, text.
    Csv,
}

/// Arguments of `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The format
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    pub format: ExportFormat,
    /// Only articles published since a duration ago ("30d") or a date ("2026-11-01")
    #[arg(long, value_name = "DURATION|DATE")]
    pub since: Option<String>,
    /// Only articles in this language
    #[arg(long, value_name = "L")]
    pub lang: Option<String>,
    /// Only articles about this topic
    #[arg(long, value_name = "NAME")]
    pub topic: Option<String>,
}

/// The CSV columns.
const COLUMNS: [&str; 10] = [
    "id",
    "story",
    "url",
    "title",
    "lang",
    "feed",
    "published",
    "fetched",
    "topics",
    "text",
];

/// Writes every matching article, newest first, as it is read.
pub fn run(cli: &Cli, args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let since = since_arg(args.since.as_deref())?;
    let reader = super::open_store_reader(cli)?;
    let filter = ArticleFilter {
        since,
        lang: args.lang.as_ref().map(|l| l.to_ascii_lowercase()),
        topic: args.topic.clone(),
        ..Default::default()
    };
    let mut out = stdout();
    match args.format {
        ExportFormat::Jsonl => reader.export(&filter, |view| {
            serde_json::to_writer(&mut out, &view)?;
            out.write_all(b"\n")
        })?,
        ExportFormat::Csv => {
            let mut csv = csv::Writer::from_writer(&mut out);
            csv.write_record(COLUMNS)?;
            reader.export(&filter, |view| {
                csv.write_record(row(&view)).map_err(std::io::Error::from)
            })?;
            csv.flush()?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn row(v: &ArticleView) -> [String; 10] {
    let id = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
    [
        id(v.id),
        id(v.story),
        v.url.clone(),
        v.title.clone(),
        v.lang.clone().unwrap_or_default(),
        v.feed.clone(),
        v.published.clone().unwrap_or_default(),
        v.fetched.clone(),
        v.topics.join(" "),
        v.text.clone().unwrap_or_default(),
    ]
}
