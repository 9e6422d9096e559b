//! `treatywatch poll --once`: fetch every feed once, concurrently within the fetch limits.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use futures_util::stream::{self, StreamExt};

use super::output::stdout;
use super::Cli;
use crate::pipeline::{Pipeline, RefreshOutcome};
use crate::store::StoreHandle;

/// Arguments of `poll`.
#[derive(Debug, Args)]
pub struct PollArgs {
    /// Poll each feed once and exit (the only mode; `run` polls forever)
    #[arg(long)]
    pub once: bool,
}

/// Polls every configured feed once; exit code 1 when any failed.
pub fn run(cli: &Cli, _args: &PollArgs) -> anyhow::Result<ExitCode> {
    let mut out = stdout();
    let config = cli.load_config()?;
    let store = cli.open_store(Some(&config))?;
    let runtime = tokio::runtime::Runtime::new()?;
    let failed = runtime.block_on(async {
        let pipeline = Arc::new(Pipeline::from_config(&config, StoreHandle::new(store.clone()))?);
        let now = chrono::Utc::now();
        // The client's semaphores do the real limiting; this only bounds tasks in memory.
        let mut results = stream::iter(config.feeds.iter())
            .map(|feed| {
                let pipeline = pipeline.clone();
                async move { (feed, pipeline.refresh(feed, now).await.result) }
            })
            .buffer_unordered(config.fetch.concurrency.max(1));
        let mut failed = 0usize;
        while let Some((feed, result)) = results.next().await {
            match result {
                Ok(RefreshOutcome::NotModified) => { writeln!(out, "{}: not modified", feed.name)?; },
                Ok(RefreshOutcome::Stored {
                    counts,
                    skipped,
                    unfetched,
                }) => {
                    let mut skipped = if skipped > 0 {
                        format!(", {skipped} without a link skipped")
                    } else {
                        String::new()
                    };
                    if unfetched > 0 {
                        skipped.push_str(&format!(
                            ", {unfetched} article pages not fetched (retried next poll)"
                        ));
                    }
                    writeln!(out,
                        "{}: {} new, {} updated, {} unchanged{skipped}",
                        feed.name, counts.new, counts.updated, counts.unchanged
                    )?;
                }
                Err(e) => {
                    failed += 1;
                    if e.is_feed_fault() {
                        tracing::warn!(feed = %feed.name, error = %e, "poll failed");
                    } else {
                        tracing::error!(feed = %feed.name, error = %e, "store failed; the feed's articles were not stored");
                    }
                    writeln!(out, "{}: failed: {e}", feed.name)?;
                }
            }
        }
        anyhow::Ok(failed)
    })?;
    out.flush()?;
    store.flush()?;
    let total = config.feeds.len();
    if failed > 0 {
        eprintln!("{failed} of {total} feeds failed");
        Ok(ExitCode::from(1))
    } else {
        Ok(ExitCode::SUCCESS)
    }
}
