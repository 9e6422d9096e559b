//! The daemon's metrics: one Prometheus recorder per process (no listener of its own: the
//! API serves `/metrics`), the names and help texts of everything counted, and the gauges read
//! when scraped. The counting itself is in `events`, where each thing happens, beside its log.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Feed refreshes, by `outcome`: `stored`, `not_modified` or `failed`.
pub const POLLS: &str = "treatywatch_polls_total";
/// Failed refreshes by `kind` (`timeout`, `connect`, `http_status`, `parse`, `store`, …).
pub const POLL_FAILURES: &str = "treatywatch_poll_failures_total";
/// How long fetching a feed's own document took.
pub const FETCH_DURATION: &str = "treatywatch_fetch_duration_seconds";
/// Articles stored for the first time.
pub const ARTICLES_INGESTED: &str = "treatywatch_articles_ingested_total";
/// Stored articles whose content changed.
pub const ARTICLES_UPDATED: &str = "treatywatch_articles_updated_total";
/// Articles that joined a story as a copy of a member's text.
pub const DUPLICATES_MERGED: &str = "treatywatch_duplicates_merged_total";
/// Articles that joined a story told by others (copies, citations, links, shared details).
pub const ARTICLES_JOINED: &str = "treatywatch_articles_joined_total";
/// New articles that joined no story and so began one.
pub const STORIES_CREATED: &str = "treatywatch_stories_created_total";
/// Stories merged into another when an article joined both.
pub const STORIES_MERGED: &str = "treatywatch_stories_merged_total";
/// Digests made and recorded in the outbox.
pub const DIGESTS_MADE: &str = "treatywatch_digests_made_total";
/// Digest copies delivered, by `sink`.
pub const DIGESTS_SENT: &str = "treatywatch_digests_sent_total";
/// Digest deliveries that failed and will be retried, by `sink`.
pub const DIGEST_FAILURES: &str = "treatywatch_digest_failures_total";
/// Digest copies given up on, by `sink`.
pub const DIGESTS_GIVEN_UP: &str = "treatywatch_digests_given_up_total";
/// Articles removed by retention.
pub const ARTICLES_PRUNED: &str = "treatywatch_articles_pruned_total";
/// Retention rounds that failed.
pub const PRUNE_FAILURES: &str = "treatywatch_prune_failures_total";
/// The daemon's daily backups, by `result`: `written` or `failed`.
pub const BACKUPS: &str = "treatywatch_backups_total";
/// Store compactions, by result.
pub const COMPACTIONS: &str = "treatywatch_store_compactions_total";
/// Config reloads applied.
pub const RELOADS: &str = "treatywatch_config_reloads_total";
/// Jumps of the system clock against the monotonic one, by direction (`forward`, `back`).
pub const CLOCK_JUMPS: &str = "treatywatch_clock_jumps_total";
/// Feeds being polled.
pub const FEEDS: &str = "treatywatch_feeds";
/// The bytes the store takes on disk (read when scraped).
pub const STORE_BYTES: &str = "treatywatch_store_bytes";
/// Seconds since a feed last refreshed well (since the daemon started, before any has).
pub const LAST_POLL_AGE: &str = "treatywatch_last_successful_poll_age_seconds";
/// Always 1, labelled with the running `version`.
pub const BUILD_INFO: &str = "treatywatch_build_info";

/// Buckets for fetch times, in seconds: from a fast local answer to a feed at its timeout.
const FETCH_BUCKETS: &[f64] = &[0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

/// The process's recorder's handle, once installed (`None`: another recorder was there).
static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Unix seconds of the last successful refresh, or of the start before any; 0 before both.
static LAST_SUCCESS: AtomicI64 = AtomicI64::new(0);

/// Installs the Prometheus recorder for this process (once; later calls return the same
/// handle) and says what each metric means. Before it, counting is a no-op: the one-shot
/// commands (`poll --once`) count nothing.
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(FETCH_DURATION.to_string()), FETCH_BUCKETS)
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            describe();
            let _ = LAST_SUCCESS.compare_exchange(0, now(), Ordering::Relaxed, Ordering::Relaxed);
            metrics::gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
            Some(handle)
        })
        .as_ref()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        POLLS,
        "Feed refreshes, by outcome (stored, not_modified, failed)."
    );
    describe_counter!(POLL_FAILURES, "Failed feed refreshes, by kind of failure.");
    describe_histogram!(
        FETCH_DURATION,
        Unit::Seconds,
        "Time to fetch a feed's own document."
    );
    describe_counter!(ARTICLES_INGESTED, "Articles stored for the first time.");
    describe_counter!(ARTICLES_UPDATED, "Stored articles whose content changed.");
    describe_counter!(
        DUPLICATES_MERGED,
        "Articles that joined a story as a copy of a member."
    );
    describe_counter!(ARTICLES_JOINED, "Articles that joined a story told by others.");
    describe_counter!(STORIES_CREATED, "New articles that began a story.");
    describe_counter!(
        STORIES_MERGED,
        "Stories merged into another when an article joined both."
    );
    describe_counter!(DIGESTS_MADE, "Digests made and recorded.");
    describe_counter!(DIGESTS_SENT, "Digest copies delivered, by sink.");
    describe_counter!(DIGEST_FAILURES, "Digest deliveries failed and retried, by sink.");
    describe_counter!(DIGESTS_GIVEN_UP, "Digest copies given up on, by sink.");
    describe_counter!(ARTICLES_PRUNED, "Articles removed by retention ([store] keep).");
    describe_counter!(PRUNE_FAILURES, "Retention rounds that failed.");
    describe_counter!(BACKUPS, "Daily backups, by result (written, failed).");
    describe_counter!(
        COMPACTIONS,
        "Store rebuilds from a snapshot of itself, by result (done, failed)."
    );
    describe_counter!(RELOADS, "Config reloads applied.");
    describe_counter!(
        CLOCK_JUMPS,
        "Jumps of the system clock of more than a minute, by direction."
    );
    describe_gauge!(FEEDS, "Feeds being polled.");
    describe_gauge!(STORE_BYTES, Unit::Bytes, "Bytes the store takes on disk.");
    describe_gauge!(
        LAST_POLL_AGE,
        Unit::Seconds,
        "Seconds since a feed last refreshed well."
    );
    describe_gauge!(BUILD_INFO, "Always 1, labelled with the running version.");
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A feed refreshed well just now.
pub fn polled_well() {
    LAST_SUCCESS.store(now(), Ordering::Relaxed);
}

/// The metrics in the Prometheus text format, with the gauges read now (`store_bytes` from
/// the caller, who reads the store off the reactor).
pub fn render(handle: &PrometheusHandle, store_bytes: Option<u64>) -> String {
    if let Some(bytes) = store_bytes {
        metrics::gauge!(STORE_BYTES).set(bytes as f64);
    }
    let since = LAST_SUCCESS.load(Ordering::Relaxed);
    if since > 0 {
        metrics::gauge!(LAST_POLL_AGE).set((now() - since).max(0) as f64);
    }
    handle.run_upkeep();
    handle.render()
}
