//! `treatywatch check-store`: whether the store holds together (after a crash, a full disk, a
//! restore), through the daemon while it runs.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

use super::output::stdout;
use super::{exit, Cli, EXIT_STORE};

/// Arguments of `check-store`.
#[derive(Debug, Args)]
pub struct CheckStoreArgs {
    /// As one JSON object
    #[arg(long)]
    pub json: bool,
}

/// Prints what was checked and every problem found; a store with problems exits with
/// [`EXIT_STORE`].
pub fn run(cli: &Cli, args: &CheckStoreArgs) -> anyhow::Result<ExitCode> {
    let reader = super::open_store_reader(cli)?;
    let report = reader.check()?;
    let mut out = stdout();
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    } else {
        writeln!(
            out,
            "{} articles, {} stories of several, {} URLs: {}",
            report.articles,
            report.stories,
            report.urls,
            if report.is_clean() {
                "consistent".to_string()
            } else {
                format!("{} problems", report.problem_count)
            }
        )?;
        for problem in &report.problems {
            writeln!(out, "  {problem}")?;
        }
        if report.problem_count > report.problems.len() as u64 {
            writeln!(
                out,
                "  … and {} more",
                report.problem_count - report.problems.len() as u64
            )?;
        }
    }
    out.flush()?;
    if report.is_clean() {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(exit(
            EXIT_STORE,
            format!("the store has {} problems (listed above)", report.problem_count),
        ))
    }
}
