//! `treatywatch run`: the long-running daemon. One task per feed sleeps until the feed is due,
//! refreshes it through the [`Pipeline`], and sleeps again; the main loop waits for signals.
//! SIGTERM/SIGINT stop it cleanly, SIGHUP reloads the config, systemd hears about all of it.

mod notify;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::signal::unix::{signal, SignalKind};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::{Config, FetchConfig};
use crate::model::Feed;
use crate::pipeline::fetch::{FetchError, HttpClient};
use crate::pipeline::topic::TopicConfig;
use crate::pipeline::{Judges, Pipeline, RefreshOutcome};
use crate::schedule;
use crate::store::{Store, StoreError};

/// How long in-flight refreshes get to finish after SIGTERM before they are abandoned. Each
/// feed's store writes are one transaction, so an abandoned refresh leaves nothing half-written.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// New feeds (at start or after a reload) are spread over at most this long, so that a restart
/// does not fire every request in the same instant.
const START_SPREAD: Duration = Duration::from_secs(10);

/// Why the daemon could not run.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// Installing a signal handler failed.
    #[error("cannot install signal handlers: {0}")]
    Signals(std::io::Error),
    /// The HTTP client could not be built.
    #[error(transparent)]
    Http(#[from] FetchError),
    /// The store failed at start or at shutdown.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A running feed task and what it was started with.
struct FeedTask {
    feed: Feed,
    /// Cancelled to stop this feed alone (removed or changed on reload); a child of the
    /// daemon's shutdown token, so shutdown stops it too.
    cancel: CancellationToken,
}

/// The daemon's running state: the current config, the shared pipeline and one task per feed.
struct Daemon {
    config_path: PathBuf,
    /// The settings every feed task shares; a change restarts them all.
    fetch: FetchConfig,
    topics: Vec<TopicConfig>,
    languages: Vec<String>,
    pipeline: Arc<Pipeline>,
    store: Store,
    tasks: HashMap<String, FeedTask>,
    /// Cancelled once, on SIGTERM/SIGINT; every feed loop selects on it while sleeping.
    shutdown: CancellationToken,
    /// Tracks every feed task so that shutdown can wait for in-flight refreshes.
    tracker: TaskTracker,
}

/// Runs until SIGTERM or SIGINT. The store must already be open.
pub async fn run(config: Config, store: Store) -> Result<(), DaemonError> {
    // Install handlers first: a signal between start and install would kill us uncleanly.
    let mut sigterm = signal(SignalKind::terminate()).map_err(DaemonError::Signals)?;
    let mut sigint = signal(SignalKind::interrupt()).map_err(DaemonError::Signals)?;
    let mut sighup = signal(SignalKind::hangup()).map_err(DaemonError::Signals)?;

    let mut daemon = Daemon {
        config_path: config.source.clone(),
        fetch: config.fetch.clone(),
        topics: config.topics.clone(),
        languages: config.languages.clone(),
        pipeline: Arc::new(build_pipeline(&config, &store)?),
        store: store.clone(),
        tasks: HashMap::new(),
        shutdown: CancellationToken::new(),
        tracker: TaskTracker::new(),
    };
    for feed in &config.feeds {
        daemon.start_feed(feed.clone()).await;
    }
    tracing::info!(feeds = config.feeds.len(), config = %config.source.display(), "daemon started");
    notify::ready(config.feeds.len());
    let watchdog = notify::spawn_watchdog(daemon.shutdown.clone());

    loop {
        tokio::select! {
            _ = sigterm.recv() => { tracing::info!("SIGTERM: stopping"); break; }
            _ = sigint.recv() => { tracing::info!("SIGINT: stopping"); break; }
            _ = sighup.recv() => daemon.reload().await,
        }
    }

    notify::stopping();
    daemon.shutdown.cancel();
    daemon.tracker.close();
    if tokio::time::timeout(SHUTDOWN_GRACE, daemon.tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            in_flight = daemon.tracker.len(),
            grace = ?SHUTDOWN_GRACE,
            "refreshes still running after the grace period; abandoning them"
        );
    }
    if let Some(watchdog) = watchdog {
        watchdog.abort();
    }
    let store = daemon.store.clone();
    tokio::task::spawn_blocking(move || store.flush())
        .await
        .map_err(|e| StoreError::Task(e.to_string()))??;
    tracing::info!("daemon stopped");
    Ok(())
}

impl Daemon {
    /// Starts polling one feed; it is due at the time the store recorded, or soon.
    async fn start_feed(&mut self, feed: Feed) {
        let first_delay = self.first_delay(&feed).await;
        let cancel = self.shutdown.child_token();
        let pipeline = self.pipeline.clone();
        tracing::debug!(feed = %feed.name, delay = ?first_delay, "feed scheduled");
        self.tracker
            .spawn(feed_loop(pipeline, feed.clone(), cancel.clone(), first_delay));
        self.tasks.insert(feed.name.clone(), FeedTask { feed, cancel });
    }

    /// The wait before a feed's first poll in this process: its recorded `next_poll` when that
    /// still applies, else a moment's spread.
    async fn first_delay(&self, feed: &Feed) -> Duration {
        let spread = START_SPREAD
            .min(feed.schedule.interval / 10)
            .mul_f64((schedule::random_jitter(&feed.name) + 1.0) / 2.0);
        let store = self.store.clone();
        let name = feed.name.clone();
        let state = tokio::task::spawn_blocking(move || store.feed_state(&name))
            .await
            .ok()
            .and_then(Result::ok)
            .flatten();
        let Some(state) = state.filter(|s| s.url == feed.url.as_str()) else {
            return spread;
        };
        let Some(due) = state.next_poll else { return spread };
        let wait = (due - Utc::now()).to_std().unwrap_or(Duration::ZERO);
        // After failures the recorded time carries backoff or Retry-After: keep it. Otherwise
        // a shortened interval in a reloaded config takes effect at once.
        let cap = if state.consecutive_failures > 0 {
            schedule::MAX_SERVER_DELAY
        } else {
            feed.schedule.interval.max(if feed.schedule.adaptive {
                feed.schedule.max_interval
            } else {
                Duration::ZERO
            })
        };
        wait.min(cap).max(spread)
    }

    /// SIGHUP: re-reads the config. An invalid config is logged and the running one kept;
    /// otherwise removed feeds stop, added feeds start, changed feeds restart.
    async fn reload(&mut self) {
        notify::reloading();
        let config = match Config::load(&self.config_path) {
            Ok(config) => config,
            Err(e) => {
                tracing::error!(error = %e, "SIGHUP: config invalid; keeping the running config");
                notify::ready(self.tasks.len());
                return;
            }
        };
        config.log_warnings();
        let wanted: HashMap<&str, &Feed> = config.feeds.iter().map(|f| (f.name.as_str(), f)).collect();
        let added = wanted.keys().filter(|n| !self.tasks.contains_key(**n)).count();
        let removed = self
            .tasks
            .keys()
            .filter(|n| !wanted.contains_key(n.as_str()))
            .count();
        let changed = self
            .tasks
            .iter()
            .filter(|(n, t)| wanted.get(n.as_str()).is_some_and(|f| **f != t.feed))
            .count();
        let mut restart_all = false;
        // Every feed shares the client and the judges: when [fetch], the topics or the
        // languages change, every feed restarts on new ones.
        if config.fetch != self.fetch || config.topics != self.topics || config.languages != self.languages {
            match build_pipeline(&config, &self.store) {
                Ok(pipeline) => {
                    self.pipeline = Arc::new(pipeline);
                    self.fetch = config.fetch.clone();
                    self.topics = config.topics.clone();
                    self.languages = config.languages.clone();
                    restart_all = true;
                }
                Err(e) => {
                    tracing::error!(error = %e, "SIGHUP: cannot apply [fetch]; keeping the old settings")
                }
            }
        }
        self.tasks.retain(|name, task| {
            let keep = !restart_all && wanted.get(name.as_str()).is_some_and(|feed| **feed == task.feed);
            if !keep {
                task.cancel.cancel();
            }
            keep
        });
        for feed in &config.feeds {
            if !self.tasks.contains_key(&feed.name) {
                self.start_feed(feed.clone()).await;
            }
        }
        tracing::info!(
            added,
            removed,
            changed,
            feeds = self.tasks.len(),
            "SIGHUP: config reloaded"
        );
        notify::ready(self.tasks.len());
    }
}

/// One feed, forever: sleep until due (or cancelled), refresh, repeat. A refresh in progress
/// is not interrupted; the daemon's grace period bounds how long shutdown waits for it.
async fn feed_loop(pipeline: Arc<Pipeline>, feed: Feed, cancel: CancellationToken, first_delay: Duration) {
    let mut delay = first_delay;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(delay) => {}
        }
        let refreshed = pipeline.refresh(&feed, Utc::now()).await;
        match &refreshed.result {
            Ok(RefreshOutcome::NotModified) => {
                tracing::debug!(feed = %feed.name, next = %refreshed.next_poll, "not modified");
            }
            Ok(RefreshOutcome::Stored {
                counts,
                skipped,
                unfetched,
            }) => {
                let level_info = counts.new > 0 || counts.updated > 0;
                if level_info {
                    tracing::info!(feed = %feed.name, new = counts.new, updated = counts.updated, "stored articles");
                }
                tracing::debug!(
                    feed = %feed.name, new = counts.new, updated = counts.updated,
                    unchanged = counts.unchanged, skipped, unfetched, next = %refreshed.next_poll, "polled"
                );
            }
            Err(e) => {
                tracing::warn!(feed = %feed.name, error = %e, next = %refreshed.next_poll, "poll failed");
            }
        }
        delay = (refreshed.next_poll - Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO);
    }
}

fn build_pipeline(config: &Config, store: &Store) -> Result<Pipeline, FetchError> {
    Ok(Pipeline::new(
        HttpClient::new(&config.fetch)?,
        store.clone(),
        Arc::new(Judges::from_config(config)),
    ))
}
