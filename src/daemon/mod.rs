//! `treatywatch run`: the long-running daemon, a set of components on one [`TaskTracker`]
//! under one [`CancellationToken`] that the caller owns: the feed scheduler (one task per feed,
//! reloads), the digest timer, the systemd watchdog and the local API; maintenance joins them
//! here. The caller also owns the signals (`signals` turns them into the token and reload
//! requests), so tests run the whole daemon in-process on tokio's paused clock.

mod digest_timer;
mod maintenance;
mod notify;
mod scheduler;
pub mod signals;

use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::clock::Clock;
use crate::config::Config;
use crate::digest::render::Renderer;
use crate::events::{DaemonStarted, Events, ShutdownStarted};
use crate::pipeline::fetch::FetchError;
use crate::pipeline::Pipeline;
use crate::store::{StoreError, StoreHandle};
use scheduler::Scheduler;

/// How long in-flight refreshes get to finish after shutdown is asked before they are
/// abandoned, unless the caller says otherwise. Each feed's store writes are one transaction,
/// so an abandoned refresh leaves nothing half-written.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

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
    /// The digest's templates do not compile.
    #[error(transparent)]
    Templates(crate::digest::render::RenderError),
}

/// How the caller steers a running daemon.
pub struct Control {
    /// Cancelled by the caller to stop the daemon (SIGTERM, SIGINT, a test); every component
    /// selects on it at a safe point.
    pub shutdown: CancellationToken,
    /// One message per request to re-read the config (SIGHUP); the scheduler receives them.
    /// Closing it only means no more reloads.
    pub reload: mpsc::Receiver<()>,
}

/// What the caller decides about a run.
#[derive(Clone)]
pub struct Options {
    /// How long in-flight work may take after shutdown is asked.
    pub grace: Duration,
    /// Where "now" comes from.
    pub clock: Clock,
    /// Where events go besides the log.
    pub events: Events,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            grace: SHUTDOWN_GRACE,
            clock: Clock::System,
            events: Events::default(),
        }
    }
}

/// The topic `/feed.atom` shows by default: the digest's, else the first configured.
fn feed_topic(config: &Config) -> String {
    config
        .digest
        .as_ref()
        .and_then(|d| d.topic.clone())
        .or_else(|| config.topics.first().map(|t| t.name.clone()))
        .unwrap_or_else(|| crate::config::topic::BUILTIN_TOPIC.to_string())
}

/// Serves the local API on `socket` until `shutdown`. A socket that cannot be made (its folder
/// on a read-only disk, say) is tried again every [`crate::store::REOPEN_PAUSE`], as the store
/// beside it is.
async fn serve_api(socket: std::path::PathBuf, state: crate::api::ApiState, shutdown: CancellationToken) {
    let mut failing = false;
    loop {
        match crate::api::bind(&socket) {
            Ok(listener) => {
                tracing::info!(socket = %socket.display(), "local API listening");
                return crate::api::serve(listener, socket, state, shutdown).await;
            }
            Err(e) => {
                if !failing {
                    tracing::error!(error = %e, retry = ?crate::store::REOPEN_PAUSE, "local API not started");
                    failing = true;
                }
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(crate::store::REOPEN_PAUSE) => {}
        }
    }
}

/// Runs until `control.shutdown` is cancelled, then gives in-flight work `options.grace` to
/// finish and flushes the store. The store is open, or its handle keeps trying to open it.
pub async fn run(
    config: Config,
    store: impl Into<StoreHandle>,
    control: Control,
    options: Options,
) -> Result<(), DaemonError> {
    let Control { shutdown, reload } = control;
    let store: StoreHandle = store.into();
    let tracker = TaskTracker::new();
    let pipeline = Pipeline::from_config(&config, store.clone())?;
    let heartbeat = crate::health::Heartbeat::new();
    // Counted from the start, whether or not anything serves them yet.
    crate::telemetry::install();
    let mut scheduler = Scheduler::new(&config, pipeline, store.clone(), &tracker, &shutdown, &options);
    scheduler.start_all(&config.feeds).await;

    // The local API, for the CLI while the daemon holds the store. Polling goes on without it
    // when the socket cannot be made; the CLI then says why it cannot read.
    let (digest_requests, requested) = tokio::sync::mpsc::channel(8);
    let socket = crate::api::socket_path(config.api_socket.as_deref(), &store.path());
    let state = crate::api::ApiState {
        store: store.clone(),
        feeds: scheduler.running_feeds(),
        poll: scheduler.poll_requests(),
        digest: digest_requests,
        events: options.events.clone(),
    };
    tracker.spawn(serve_api(socket, state, shutdown.clone()));
    if let Some(addr) = config.api_listen {
        match tokio::net::TcpListener::bind(addr).await {
            Ok(listener) => {
                let state = crate::api::web::WebState {
                    store: store.clone(),
                    heartbeat: heartbeat.clone(),
                    metrics: crate::telemetry::install(),
                    topic: feed_topic(&config),
                };
                let addr = listener.local_addr().unwrap_or(addr);
                tracing::info!(%addr, "serving /metrics, /healthz and /feed.atom");
                tracker.spawn(crate::api::web::serve(listener, state, shutdown.clone()));
            }
            Err(e) => {
                tracing::error!(%addr, error = %e, "cannot listen for /metrics, /healthz and /feed.atom")
            }
        }
    }
    let clock_jumped = std::sync::Arc::new(tokio::sync::Notify::new());
    tracker.spawn(scheduler.run(reload, heartbeat.clone(), clock_jumped.clone()));
    // Without a [digest] the timer only answers the API (previews; sends are refused).
    let digest = config.digest.clone();
    let renderer = Renderer::new(digest.as_ref().and_then(|d| d.templates.as_deref()))
        .map_err(DaemonError::Templates)?;
    let timer = digest_timer::DigestTimer {
        scheduled: digest.is_some(),
        config: digest.unwrap_or_default(),
        source: config.source.clone(),
        renderer: std::sync::Arc::new(renderer),
        store: store.clone(),
        // Sinks without a folder of their own write into the store's.
        store_dir: store.path(),
        clock: options.clock,
        events: options.events.clone(),
        requests: requested,
        clock_jumped,
    };
    tracker.spawn(timer.run(shutdown.clone()));
    let upkeep = maintenance::Maintenance {
        store: store.clone(),
        keep: config.keep,
        backups: config.backups,
        clock: options.clock,
        events: options.events.clone(),
    };
    tracker.spawn(upkeep.run(shutdown.clone()));
    tracker.spawn(maintenance::index_for_search(store.clone(), shutdown.clone()));
    if let Some(period) = notify::watchdog_period() {
        tracker.spawn(notify::watchdog(
            period,
            heartbeat,
            store.clone(),
            shutdown.clone(),
        ));
    }

    notify::ready(config.feeds.len());
    DaemonStarted {
        feeds: config.feeds.len(),
        config: &config.source,
    }
    .emit(&options.events);

    shutdown.cancelled().await;
    notify::stopping();
    tracker.close();
    let waited = tokio::time::timeout(options.grace, tracker.wait());
    ShutdownStarted.emit(&options.events);
    if waited.await.is_err() {
        tracing::warn!(
            in_flight = tracker.len(),
            grace = ?options.grace,
            "refreshes still running after the grace period; abandoning them"
        );
    }
    store.call(|s| s.flush()).await?;
    tracing::info!("daemon stopped");
    Ok(())
}
