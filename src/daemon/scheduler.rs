//! The feed scheduler: one task per feed sleeps until the feed is due, refreshes it through the
//! [`Pipeline`] and sleeps again; the scheduler's own loop applies reloads and beats the
//! heartbeat the watchdog reads.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::notify::{self, Heartbeat};
use super::Options;
use crate::api::PollRequest;
use crate::clock::Clock;
use crate::config::{Config, FetchConfig, TopicConfig};
use crate::events::{ClockJumped, ConfigReloaded, Events, RefreshFinished, RefreshSummary};
use crate::model::Feed;
use crate::pipeline::Pipeline;
use crate::schedule;
use crate::store::StoreHandle;

/// New feeds (at start or after a reload) are spread over at most this long, so that a restart
/// does not fire every request in the same instant.
const START_SPREAD: Duration = Duration::from_secs(10);

/// How often the scheduler's loop beats when nothing else wakes it.
const BEAT: Duration = Duration::from_secs(1);

/// A system clock that moves this much more or less than the monotonic one between two beats
/// has jumped (NTP slews far less; a suspended machine shows as a jump forward).
const CLOCK_JUMP: chrono::Duration = chrono::Duration::seconds(60);

/// A running feed task and what it was started with.
struct FeedTask {
    feed: Feed,
    /// Cancelled to stop this feed alone (removed or changed on reload); a child of the
    /// daemon's shutdown token, so shutdown stops it too.
    cancel: CancellationToken,
    /// To the feed's loop: refresh now and send the summary back on the enclosed channel.
    /// The loop drops its end when it stops, and a waiting request then hears nothing.
    poll_now: mpsc::UnboundedSender<oneshot::Sender<RefreshSummary>>,
}

/// The feeds being polled, and what they share.
pub(super) struct Scheduler {
    config_path: PathBuf,
    /// The settings every feed task shares; a change restarts them all.
    fetch: FetchConfig,
    topics: Vec<TopicConfig>,
    languages: Vec<String>,
    /// What needs a restart to change, as the running daemon has it.
    store_path: Option<PathBuf>,
    dedup_window: Duration,
    pipeline: Arc<Pipeline>,
    store: StoreHandle,
    tasks: HashMap<String, FeedTask>,
    /// The caller's token: cancelled once, at shutdown; every feed loop selects on a child of
    /// it while sleeping, and the scheduler's loop on it.
    shutdown: CancellationToken,
    /// The daemon's tracker: shutdown waits on every feed task it holds.
    tracker: TaskTracker,
    clock: Clock,
    events: Events,
    /// The feeds the local API reports, replaced when a reload applies.
    running_feeds: Arc<RwLock<Vec<Feed>>>,
    /// Poll-now requests from the local API, received by `run`; the sending half is handed
    /// out by [`Scheduler::poll_requests`], and `run` stops reading at shutdown.
    polls: mpsc::Receiver<PollRequest>,
    polls_sender: mpsc::Sender<PollRequest>,
}

impl Scheduler {
    /// A scheduler with no feeds started yet.
    pub(super) fn new(
        config: &Config,
        pipeline: Pipeline,
        store: StoreHandle,
        tracker: &TaskTracker,
        shutdown: &CancellationToken,
        options: &Options,
    ) -> Scheduler {
        let (polls_sender, polls) = mpsc::channel(16);
        Scheduler {
            config_path: config.source.clone(),
            fetch: config.fetch.clone(),
            topics: config.topics.clone(),
            languages: config.languages.clone(),
            store_path: config.store_path.clone(),
            dedup_window: config.dedup_window,
            pipeline: Arc::new(pipeline),
            store,
            tasks: HashMap::new(),
            shutdown: shutdown.clone(),
            tracker: tracker.clone(),
            clock: options.clock,
            events: options.events.clone(),
            running_feeds: Arc::new(RwLock::new(config.feeds.clone())),
            polls,
            polls_sender,
        }
    }

    /// Where the local API sends poll-now requests.
    pub(super) fn poll_requests(&self) -> mpsc::Sender<PollRequest> {
        self.polls_sender.clone()
    }

    /// The feeds it runs, as the local API shows them.
    pub(super) fn running_feeds(&self) -> Arc<RwLock<Vec<Feed>>> {
        self.running_feeds.clone()
    }

    /// Starts every feed of the config.
    pub(super) async fn start_all(&mut self, feeds: &[Feed]) {
        for feed in feeds {
            self.start_feed(feed.clone()).await;
        }
    }

    /// Applies reload requests until shutdown, beating `heartbeat` as it goes, and watching
    /// the system clock against the monotonic one: a jump is reported and `jumped` told (the
    /// digest timer waits by the system clock).
    pub(super) async fn run(
        mut self,
        mut reload: mpsc::Receiver<()>,
        heartbeat: Heartbeat,
        jumped: Arc<tokio::sync::Notify>,
    ) {
        let mut beats = tokio::time::interval(BEAT);
        beats.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut reloads_open = true;
        let mut last = (self.clock.now(), tokio::time::Instant::now());
        loop {
            tokio::select! {
                _ = self.shutdown.cancelled() => return,
                request = reload.recv(), if reloads_open => match request {
                    Some(()) => self.reload().await,
                    None => reloads_open = false,
                },
                Some(request) = self.polls.recv() => self.poll_now(request),
                _ = beats.tick() => {
                    heartbeat.beat();
                    let now = (self.clock.now(), tokio::time::Instant::now());
                    let monotonic = chrono::Duration::from_std(now.1 - last.1).unwrap_or_default();
                    let by = (now.0 - last.0) - monotonic;
                    if by.abs() > CLOCK_JUMP {
                        ClockJumped { by }.emit(&self.events);
                        jumped.notify_one();
                    }
                    last = now;
                }
            }
        }
    }

    /// Asks the feeds of `request` to refresh now and answers it, from a task of its own,
    /// once all have (in the config's order). A feed stopped before it could (a reload,
    /// shutdown) is reported as such.
    fn poll_now(&self, request: PollRequest) {
        let order = self.running_feeds.read().map(|f| f.clone()).unwrap_or_default();
        let names: Vec<String> = match &request.feed {
            Some(name) if self.tasks.contains_key(name) => vec![name.clone()],
            Some(name) => {
                let _ = request
                    .reply
                    .send(Err(format!("no feed named '{name}' is running")));
                return;
            }
            None => order
                .iter()
                .map(|f| f.name.clone())
                .filter(|n| self.tasks.contains_key(n))
                .collect(),
        };
        let waits: Vec<(String, oneshot::Receiver<RefreshSummary>)> = names
            .into_iter()
            .filter_map(|name| {
                let (tx, rx) = oneshot::channel();
                self.tasks.get(&name)?.poll_now.send(tx).ok()?;
                Some((name, rx))
            })
            .collect();
        let clock = self.clock;
        self.tracker.spawn(async move {
            let mut summaries = Vec::with_capacity(waits.len());
            for (feed, rx) in waits {
                summaries.push(rx.await.unwrap_or_else(|_| {
                    let now = clock.now();
                    RefreshSummary {
                        feed,
                        at: now,
                        outcome: Err("the feed stopped before it was polled (a reload or shutdown)".into()),
                        feed_fault: false,
                        next_poll: now,
                    }
                }));
            }
            let _ = request.reply.send(Ok(summaries));
        });
    }

    /// Starts polling one feed; it is due at the time the store recorded, or soon.
    async fn start_feed(&mut self, feed: Feed) {
        let first_delay = self.first_delay(&feed).await;
        let cancel = self.shutdown.child_token();
        let (poll_now, requests) = mpsc::unbounded_channel();
        tracing::debug!(feed = %feed.name, delay = ?first_delay, "feed scheduled");
        self.tracker.spawn(feed_loop(
            self.pipeline.clone(),
            feed.clone(),
            cancel.clone(),
            first_delay,
            requests,
            self.clock,
            self.events.clone(),
        ));
        self.tasks.insert(
            feed.name.clone(),
            FeedTask {
                feed,
                cancel,
                poll_now,
            },
        );
    }

    /// The wait before a feed's first poll in this process: its recorded `next_poll` when that
    /// still applies, else a moment's spread.
    async fn first_delay(&self, feed: &Feed) -> Duration {
        let spread = START_SPREAD
            .min(feed.schedule.interval / 10)
            .mul_f64((schedule::random_jitter(&feed.name) + 1.0) / 2.0);
        let name = feed.name.clone();
        let state = self.store.call(move |s| s.feed_state(&name)).await.ok().flatten();
        let Some(state) = state.filter(|s| s.url == feed.url.as_str()) else {
            return spread;
        };
        let Some(due) = state.next_poll else { return spread };
        let wait = (due - self.clock.now()).to_std().unwrap_or(Duration::ZERO);
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

    /// Re-reads the config. An invalid config is logged and the running one kept; otherwise
    /// removed feeds stop, added feeds start, changed feeds restart, and what only a restart
    /// can change is named.
    async fn reload(&mut self) {
        notify::reloading();
        let config = match Config::load(&self.config_path) {
            Ok(config) => config,
            Err(e) => {
                tracing::error!(error = %e, "reload: config invalid; keeping the running config");
                notify::ready(self.tasks.len());
                return;
            }
        };
        config.log_warnings();
        if config.store_path != self.store_path {
            tracing::warn!("reload: [store] path changed; the daemon keeps its open store until restarted");
        }
        if config.dedup_window != self.dedup_window {
            tracing::warn!(
                running = ?self.dedup_window,
                configured = ?config.dedup_window,
                "reload: [store] dedup_window changed; it takes effect when the daemon is restarted"
            );
        }
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
            match Pipeline::from_config(&config, self.store.clone()) {
                Ok(pipeline) => {
                    self.pipeline = Arc::new(pipeline);
                    self.fetch = config.fetch.clone();
                    self.topics = config.topics.clone();
                    self.languages = config.languages.clone();
                    restart_all = true;
                }
                Err(e) => {
                    tracing::error!(error = %e, "reload: cannot apply [fetch]; keeping the old settings")
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
        if let Ok(mut running) = self.running_feeds.write() {
            *running = config.feeds.clone();
        }
        notify::ready(self.tasks.len());
        ConfigReloaded {
            added,
            removed,
            changed,
            feeds: self.tasks.len(),
        }
        .emit(&self.events);
    }
}

/// One feed, forever: sleep until due, or asked to poll now (or cancelled), refresh, repeat.
/// A refresh in progress is not interrupted; the daemon's grace period bounds how long
/// shutdown waits for it.
async fn feed_loop(
    pipeline: Arc<Pipeline>,
    feed: Feed,
    cancel: CancellationToken,
    first_delay: Duration,
    mut poll_now: mpsc::UnboundedReceiver<oneshot::Sender<RefreshSummary>>,
    clock: Clock,
    events: Events,
) {
    let mut delay = first_delay;
    loop {
        let asked = tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(delay) => None,
            Some(reply) = poll_now.recv() => Some(reply),
        };
        let (at, started) = (clock.now(), tokio::time::Instant::now());
        let refreshed = pipeline.refresh(&feed, at).await;
        // Measured on the monotonic clock from the refresh's start: a system clock that jumps
        // meanwhile neither stalls the feed nor makes it poll early.
        delay = (refreshed.next_poll - at)
            .to_std()
            .unwrap_or(Duration::ZERO)
            .saturating_sub(started.elapsed());
        let summary = RefreshFinished {
            feed: feed.name.clone(),
            at,
            refreshed,
        }
        .emit(&events);
        if let Some(reply) = asked {
            let _ = reply.send(summary);
        }
    }
}
