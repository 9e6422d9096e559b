//! `treatywatch poll --once`: fetch every feed (or one) once, concurrently within the fetch
//! limits; through the daemon when one holds the store (it polls them now, on its own
//! schedule's tasks), else here.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use futures_util::stream::{self, StreamExt};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::output::stdout;
use super::Cli;
use crate::api::client::{ApiClient, Found};
use crate::pipeline::Pipeline;
use crate::query::PollView;
use crate::store::StoreHandle;

/// Arguments of `poll`.
#[derive(Debug, Args)]
pub struct PollArgs {
    /// Poll each feed once and exit (the only mode; `run` polls forever)
    #[arg(long)]
    pub once: bool,
    /// Only this feed
    #[arg(long, value_name = "NAME")]
    pub feed: Option<String>,
}

/// Polls the configured feeds once and prints a line per feed; exit code
/// [`super::EXIT_PARTIAL`] when any failed.
pub fn run(cli: &Cli, args: &PollArgs) -> anyhow::Result<ExitCode> {
    let config = cli.load_config()?;
    let mut feeds: Vec<_> = config.feeds.clone();
    if let Some(name) = &args.feed {
        feeds.retain(|f| &f.name == name);
        if feeds.is_empty() {
            return Err(super::exit(
                super::EXIT_USAGE,
                format!("{} has no feed named '{name}'", config.source.display()),
            ));
        }
    }
    let store_path = cli.store_path(Some(&config))?;
    let socket = crate::api::socket_path(config.api_socket.as_deref(), &store_path);
    let views = match ApiClient::find(&socket)? {
        Found::Daemon(client) => {
            let views = client.poll(args.feed.as_deref())?;
            let mut out = stdout();
            for view in &views {
                writeln!(out, "{}", view.line())?;
            }
            out.flush()?;
            views
        }
        Found::Absent | Found::Stale(_) => poll_here(cli, &config, &feeds)?,
    };
    let failed = views.iter().filter(|v| v.failed()).count();
    if failed > 0 {
        eprintln!("{failed} of {} feeds failed", views.len());
        Ok(ExitCode::from(super::EXIT_PARTIAL))
    } else {
        Ok(ExitCode::SUCCESS)
    }
}

/// Polls `feeds` in this process, printing each as it finishes, with a progress bar on stderr
/// when it is a terminal.
fn poll_here(
    cli: &Cli,
    config: &crate::config::Config,
    feeds: &[crate::model::Feed],
) -> anyhow::Result<Vec<PollView>> {
    let store = cli.open_store(Some(config))?;
    let runtime = tokio::runtime::Runtime::new()?;
    let progress = progress_bar(feeds.len() as u64);
    let mut out = stdout();
    let views = runtime.block_on(async {
        let pipeline = Arc::new(Pipeline::from_config(config, StoreHandle::new(store.clone()))?);
        let now = chrono::Utc::now();
        // The client's semaphores do the real limiting; this only bounds tasks in memory.
        let mut results = stream::iter(feeds.iter())
            .map(|feed| {
                let pipeline = pipeline.clone();
                async move { (feed, pipeline.refresh(feed, now).await.result) }
            })
            .buffer_unordered(config.fetch.concurrency.max(1));
        let mut views = Vec::with_capacity(feeds.len());
        while let Some((feed, result)) = results.next().await {
            if let Err(e) = &result {
                if e.is_feed_fault() {
                    tracing::warn!(feed = %feed.name, error = %e, "poll failed");
                } else {
                    tracing::error!(feed = %feed.name, error = %e, "store failed; the feed's articles were not stored");
                }
            }
            let view = PollView::new(
                &feed.name,
                result.as_ref().map_err(|e| (e.to_string(), e.is_feed_fault())),
            );
            progress.suspend(|| writeln!(out, "{}", view.line()))?;
            progress.inc(1);
            views.push(view);
        }
        anyhow::Ok(views)
    })?;
    progress.finish_and_clear();
    out.flush()?;
    // As the daemon's indexer would: a store only ever polled this way stays quick to search.
    if let Err(e) = crate::query::index_for_search(&store, false) {
        tracing::warn!(error = %e, "search index not brought up to date; searches read more articles");
    }
    store.flush()?;
    Ok(views)
}

/// A bar of `len` feeds on stderr; it draws nothing when stderr is not a terminal (a pipe, a
/// log, systemd's journal).
fn progress_bar(len: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} feeds  {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}
