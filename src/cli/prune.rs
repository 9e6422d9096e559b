//! `treatywatch prune`: apply retention now, as the daemon does daily (`[store] keep`).

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

use super::output::stdout;
use super::Cli;

/// Arguments of `prune`.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Remove what was fetched longer ago than this ("400d"); default: [store] keep
    #[arg(long, value_name = "DURATION")]
    pub older_than: Option<String>,
}

/// Prunes the store (which no daemon may hold: the daemon prunes by itself).
pub fn run(cli: &Cli, args: &PruneArgs) -> anyhow::Result<ExitCode> {
    let config = cli.load_config()?;
    let keep = match &args.older_than {
        Some(text) => humantime::parse_duration(text)
            .map_err(|e| super::exit(super::EXIT_USAGE, format!("--older-than '{text}': {e}")))?,
        None => config.keep.ok_or_else(|| {
            super::exit(
                super::EXIT_USAGE,
                format!(
                    "{} sets no [store] keep, and --older-than is not given: nothing says what is old",
                    config.source.display()
                ),
            )
        })?,
    };
    let store = cli.open_store(Some(&config))?;
    let now = chrono::Utc::now();
    let cutoff = now - crate::schedule::to_chrono(keep);
    let pruned = store.prune(cutoff, now)?;
    let mut out = stdout();
    writeln!(
        out,
        "pruned {} article(s) fetched before {}, {} story(ies) emptied, {} digest record(s)",
        pruned.articles,
        crate::query::rfc3339(cutoff),
        pruned.stories,
        pruned.digests
    )?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
