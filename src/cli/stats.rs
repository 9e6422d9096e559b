//! `treatywatch stats`: what the store holds, counted.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

use super::output::stdout;
use super::Cli;

/// Arguments of `stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Days shown, newest first (the JSON has them all)
    #[arg(long, value_name = "N", default_value_t = 14)]
    pub days: usize,
    /// As one JSON object
    #[arg(long)]
    pub json: bool,
}

/// The rows of a count, largest first.
fn by_count(map: &std::collections::BTreeMap<String, usize>) -> Vec<(&String, &usize)> {
    let mut rows: Vec<(&String, &usize)> = map.iter().collect();
    rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    rows
}

/// Prints articles per language, feed and day, the stories and the store's size.
pub fn run(cli: &Cli, args: &StatsArgs) -> anyhow::Result<ExitCode> {
    let reader = super::open_store_reader(cli)?;
    let stats = reader.stats()?;
    let mut out = stdout();
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&stats)?)?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "articles: {}", stats.articles)?;
    writeln!(out, "stories:  {}", stats.stories)?;
    writeln!(out, "store:    {:.1} MB on disk", stats.store_bytes as f64 / 1e6)?;
    let mut section = |title: &str, rows: Vec<(&String, &usize)>| -> std::io::Result<()> {
        writeln!(out, "\n{title}")?;
        let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (key, n) in rows {
            writeln!(out, "  {key:<width$}  {n:>8}")?;
        }
        Ok(())
    };
    section("BY LANGUAGE", by_count(&stats.by_language))?;
    section("BY FEED", by_count(&stats.by_feed))?;
    section(
        &format!("BY DAY (last {} with articles)", args.days),
        stats.by_day.iter().rev().take(args.days).collect(),
    )?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
