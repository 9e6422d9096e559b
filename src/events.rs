//! What happens in the daemon, one struct per kind of event. Its `emit()` is the one place the
//! event is logged and counted (the metric names are in [`crate::telemetry`]), and it hands the
//! event to an observer when one listens: tests watch the daemon through it.

use chrono::{DateTime, Utc};
use metrics::{counter, gauge, histogram};
use tokio::sync::mpsc;

use crate::telemetry as m;

use crate::pipeline::{RefreshOutcome, Refreshed};

/// Where events go besides the log. Cheap to clone.
#[derive(Clone, Default)]
pub struct Events {
    /// Receives a copy of every event; dropped receivers are ignored.
    observer: Option<mpsc::UnboundedSender<Event>>,
}

impl Events {
    /// Events that are also sent to the returned receiver.
    pub fn observed() -> (Events, mpsc::UnboundedReceiver<Event>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Events { observer: Some(tx) }, rx)
    }

    fn send(&self, event: Event) {
        if let Some(observer) = &self.observer {
            let _ = observer.send(event);
        }
    }
}

/// An event, as an observer receives it.
#[derive(Debug, Clone)]
pub enum Event {
    /// The daemon has scheduled its feeds: from here on, time decides what happens.
    Started {
        /// How many feeds it polls.
        feeds: usize,
    },
    /// A feed was refreshed.
    Refreshed(RefreshSummary),
    /// A new config was applied: its feeds are scheduled.
    Reloaded,
    /// A digest was made and recorded.
    DigestMade {
        /// Its id.
        id: u64,
        /// Stories in it.
        stories: usize,
    },
    /// A digest hour passed with nothing new, and empty digests are not sent.
    DigestSkipped,
    /// A digest's copy was delivered, or failed.
    Delivery(crate::digest::outbox::Attempt),
    /// Shutdown has begun: in-flight work now has the grace period to finish.
    Stopping,
    /// A retention round removed this, or failed.
    Pruned(Result<crate::store::Pruned, String>),
    /// The daily backup went to this file, or failed.
    BackedUp(Result<std::path::PathBuf, String>),
    /// The store was rebuilt from a snapshot of itself, or that failed.
    Compacted(Result<crate::store::compact::Compacted, String>),
    /// The system clock jumped by this many seconds (negative: back).
    ClockJumped(i64),
}

/// The system clock moved more than a minute further, or less far, than the monotonic clock.
pub struct ClockJumped {
    /// How far: the wall clock's move less the monotonic one's.
    pub by: chrono::Duration,
}

impl ClockJumped {
    /// Logs it at WARN and counts it by direction.
    pub fn emit(self, events: &Events) {
        let seconds = self.by.num_seconds();
        let (direction, size) = if seconds < 0 {
            ("back", -seconds)
        } else {
            ("forward", seconds)
        };
        tracing::warn!(
            jump = %humantime::format_duration(std::time::Duration::from_secs(size as u64)),
            direction,
            "the system clock jumped; feeds keep their intervals, digests follow the new time \
             (one per digest hour passed, none twice)"
        );
        counter!(m::CLOCK_JUMPS, "direction" => direction).increment(1);
        events.send(Event::ClockJumped(seconds));
    }
}

/// A reload applied a new config.
pub struct ConfigReloaded {
    /// Feeds started.
    pub added: usize,
    /// Feeds stopped.
    pub removed: usize,
    /// Feeds restarted with new settings.
    pub changed: usize,
    /// Feeds now polled.
    pub feeds: usize,
}

impl ConfigReloaded {
    /// Logs it at INFO.
    pub fn emit(self, events: &Events) {
        let ConfigReloaded {
            added,
            removed,
            changed,
            feeds,
        } = self;
        tracing::info!(added, removed, changed, feeds, "reload: config reloaded");
        counter!(m::RELOADS).increment(1);
        gauge!(m::FEEDS).set(feeds as f64);
        events.send(Event::Reloaded);
    }
}

/// The daemon started: its components run and every feed is scheduled.
pub struct DaemonStarted<'a> {
    /// How many feeds it polls.
    pub feeds: usize,
    /// The config it runs on.
    pub config: &'a std::path::Path,
}

impl DaemonStarted<'_> {
    /// Logs the start at INFO.
    pub fn emit(self, events: &Events) {
        tracing::info!(feeds = self.feeds, config = %self.config.display(), "daemon started");
        gauge!(m::FEEDS).set(self.feeds as f64);
        events.send(Event::Started { feeds: self.feeds });
    }
}

/// The daemon was asked to stop.
pub struct ShutdownStarted;

impl ShutdownStarted {
    /// Logs it at INFO.
    pub fn emit(self, events: &Events) {
        tracing::info!("stopping");
        events.send(Event::Stopping);
    }
}

/// A refresh, as an observer sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct RefreshSummary {
    /// The feed's name.
    pub feed: String,
    /// When the refresh started.
    pub at: DateTime<Utc>,
    /// What it did, or why it failed.
    pub outcome: Result<RefreshOutcome, String>,
    /// Whether a failure was the feed's (it backs off) rather than the store's.
    pub feed_fault: bool,
    /// When the feed is due again.
    pub next_poll: DateTime<Utc>,
}

/// A feed refresh finished, well or not.
pub struct RefreshFinished {
    /// The feed's name.
    pub feed: String,
    /// When the refresh started.
    pub at: DateTime<Utc>,
    /// What the pipeline said.
    pub refreshed: Refreshed,
}

impl RefreshFinished {
    /// Logs and counts the refresh, and returns what observers see: new articles at INFO, a
    /// feed's failure at WARN, a store failure at ERROR (an operator must act: it is not the
    /// feed's fault), the rest at DEBUG.
    pub fn emit(self, events: &Events) -> RefreshSummary {
        let RefreshFinished { feed, at, refreshed } = self;
        let next = refreshed.next_poll;
        if let Some(took) = refreshed.fetch_time {
            histogram!(m::FETCH_DURATION).record(took.as_secs_f64());
        }
        match &refreshed.result {
            Ok(_) => m::polled_well(),
            Err(e) => {
                counter!(m::POLLS, "outcome" => "failed").increment(1);
                counter!(m::POLL_FAILURES, "kind" => e.kind()).increment(1);
            }
        }
        match &refreshed.result {
            Ok(RefreshOutcome::NotModified) => {
                counter!(m::POLLS, "outcome" => "not_modified").increment(1);
                tracing::debug!(feed = %feed, %next, "not modified");
            }
            Ok(RefreshOutcome::Stored {
                counts,
                skipped,
                unfetched,
            }) => {
                counter!(m::POLLS, "outcome" => "stored").increment(1);
                counter!(m::ARTICLES_INGESTED).increment(counts.new as u64);
                counter!(m::ARTICLES_UPDATED).increment(counts.updated as u64);
                counter!(m::ARTICLES_JOINED).increment(counts.joined as u64);
                counter!(m::DUPLICATES_MERGED).increment(counts.copies as u64);
                counter!(m::STORIES_CREATED).increment(counts.founded as u64);
                counter!(m::STORIES_MERGED).increment(counts.merged as u64);
                if counts.new > 0 || counts.updated > 0 {
                    tracing::info!(feed = %feed, new = counts.new, updated = counts.updated, "stored articles");
                }
                tracing::debug!(
                    feed = %feed, new = counts.new, updated = counts.updated,
                    unchanged = counts.unchanged, pruned = counts.pruned, skipped, unfetched, %next, "polled"
                );
            }
            Err(e) if e.is_feed_fault() => {
                tracing::warn!(feed = %feed, error = %e, %next, "poll failed");
            }
            Err(e) => {
                tracing::error!(feed = %feed, error = %e, %next, "store failed; the feed's articles were not stored");
            }
        }
        let summary = RefreshSummary {
            feed,
            at,
            feed_fault: refreshed.result.as_ref().err().is_some_and(|e| e.is_feed_fault()),
            outcome: refreshed.result.map_err(|e| e.to_string()),
            next_poll: next,
        };
        events.send(Event::Refreshed(summary.clone()));
        summary
    }
}

/// A digest was made and recorded in the outbox.
pub struct DigestMade<'a> {
    /// The record.
    pub record: &'a crate::store::DigestRecord,
}

impl DigestMade<'_> {
    /// Logs it at INFO.
    pub fn emit(self, events: &Events) {
        let r = self.record;
        tracing::info!(digest = r.id, stories = r.stories.len(), subject = %r.subject, "digest made");
        counter!(m::DIGESTS_MADE).increment(1);
        events.send(Event::DigestMade {
            id: r.id,
            stories: r.stories.len(),
        });
    }
}

/// One attempt to deliver a digest's copy.
pub struct DeliveryAttempted(pub crate::digest::outbox::Attempt);

impl DeliveryAttempted {
    /// Logs a delivery at INFO, a failure at WARN (it is retried), a copy given up at ERROR.
    pub fn emit(self, events: &Events) {
        use crate::store::DeliveryState;
        let a = &self.0;
        match &a.state {
            DeliveryState::Delivered { .. } => {
                counter!(m::DIGESTS_SENT, "sink" => a.sink.clone()).increment(1);
                tracing::info!(digest = a.digest, sink = %a.label(), "digest delivered")
            }
            DeliveryState::Failed { error, next_try } => {
                counter!(m::DIGEST_FAILURES, "sink" => a.sink.clone()).increment(1);
                tracing::warn!(digest = a.digest, sink = %a.label(), %error, %next_try, "digest delivery failed; retrying")
            }
            DeliveryState::Dead { error } => {
                counter!(m::DIGESTS_GIVEN_UP, "sink" => a.sink.clone()).increment(1);
                tracing::error!(digest = a.digest, sink = %a.label(), %error, "digest delivery given up")
            }
            DeliveryState::Pending => {}
        }
        events.send(Event::Delivery(self.0));
    }
}

/// A digest hour passed with nothing to send (`send_empty = false`); the window stays open.
pub struct DigestSkipped;

impl DigestSkipped {
    /// Logs it at INFO.
    pub fn emit(self, events: &Events) {
        tracing::info!("digest: nothing new, and send_empty is off; none made");
        events.send(Event::DigestSkipped);
    }
}

impl RefreshSummary {
    /// The refresh as `poll` prints it and the API answers it.
    pub fn view(&self) -> crate::query::PollView {
        crate::query::PollView::new(
            &self.feed,
            self.outcome.as_ref().map_err(|e| (e.clone(), self.feed_fault)),
        )
    }
}

/// A retention round finished.
pub struct PruneFinished {
    /// What was fetched before this went.
    pub cutoff: DateTime<Utc>,
    /// How long it took.
    pub took: std::time::Duration,
    /// What it removed, or why it stopped (what was removed before stays removed).
    pub result: Result<crate::store::Pruned, crate::store::StoreError>,
}

impl PruneFinished {
    /// Logs a round that removed something at INFO, a failure at ERROR, and counts both.
    pub fn emit(self, events: &Events) {
        match &self.result {
            Ok(p) => {
                counter!(m::ARTICLES_PRUNED).increment(p.articles as u64);
                if p.articles > 0 || p.digests > 0 || p.forgotten > 0 {
                    tracing::info!(
                        articles = p.articles, stories = p.stories, digests = p.digests,
                        urls_forgotten = p.forgotten,
                        cutoff = %self.cutoff, took = ?self.took, "retention: pruned"
                    );
                } else {
                    tracing::debug!(cutoff = %self.cutoff, "retention: nothing to prune");
                }
            }
            Err(e) => {
                counter!(m::PRUNE_FAILURES).increment(1);
                tracing::error!(error = %e, cutoff = %self.cutoff, "retention: prune failed; trying again tomorrow");
            }
        }
        events.send(Event::Pruned(self.result.map_err(|e| e.to_string())));
    }
}

/// A round of search indexing finished.
pub struct IndexFinished {
    /// How long it took.
    pub took: std::time::Duration,
    /// What it indexed, or why it stopped (searches still find the unindexed articles).
    pub result: Result<crate::store::Indexed, crate::store::StoreError>,
}

impl IndexFinished {
    /// Logs indexing at DEBUG, a failure at WARN.
    pub fn emit(self) {
        match &self.result {
            Ok(i) if i.segments > 0 || i.merged > 0 => tracing::debug!(
                articles = i.articles, segments = i.segments, merged = i.merged, took = ?self.took,
                "search index: indexed"
            ),
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "search index: indexing failed; searches read more articles until it works")
            }
        }
    }
}

/// The daemon's daily backup was written, or failed.
pub struct BackupFinished {
    /// How long it took.
    pub took: std::time::Duration,
    /// The file, or why there is none.
    pub result: Result<std::path::PathBuf, crate::store::backup::BackupError>,
}

impl BackupFinished {
    /// Logs a backup at INFO, a failure at ERROR (the older backups stay), and counts both.
    pub fn emit(self, events: &Events) {
        match &self.result {
            Ok(file) => {
                counter!(m::BACKUPS, "result" => "written").increment(1);
                tracing::info!(file = %file.display(), took = ?self.took, "backup written");
            }
            Err(e) => {
                counter!(m::BACKUPS, "result" => "failed").increment(1);
                tracing::error!(error = %e, "backup failed; the older backups are kept");
            }
        }
        events.send(Event::BackedUp(self.result.map_err(|e| e.to_string())));
    }
}

/// A compaction round finished.
pub struct CompactFinished {
    /// How long it took.
    pub took: std::time::Duration,
    /// What it did, `None` when the store had not grown enough, or why it failed (the store
    /// in place then is whole: the old one, or the new one).
    pub result: Result<Option<crate::store::compact::Compacted>, crate::store::backup::BackupError>,
}

impl CompactFinished {
    /// Logs a compaction at INFO, a failure at ERROR, and counts both; a round that found
    /// nothing to do only at DEBUG, with no event (most days have none).
    pub fn emit(self, events: &Events) {
        let mib = |bytes: u64| (bytes as f64 / (1024.0 * 1024.0) * 10.0).round() / 10.0;
        let result = match self.result {
            Ok(None) => {
                tracing::debug!("store compaction not needed");
                return;
            }
            Ok(Some(c)) => {
                counter!(m::COMPACTIONS, "result" => "done").increment(1);
                tracing::info!(
                    before_mib = mib(c.before), after_mib = mib(c.after), records = c.entries,
                    took = ?self.took, "store compacted"
                );
                Ok(c)
            }
            Err(e) => {
                counter!(m::COMPACTIONS, "result" => "failed").increment(1);
                tracing::error!(error = %e, "store compaction failed; the store in place is kept");
                Err(e.to_string())
            }
        };
        events.send(Event::Compacted(result));
    }
}
