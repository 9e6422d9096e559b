//! Named points where the crash harness stops the process on purpose. With
//! `TREATYWATCH_PAUSE_AT=NAME` in its environment, the first task to reach point `NAME` logs
//! `failpoint reached` and waits there until the process is killed, so a kill lands exactly
//! between two steps that must survive being cut apart. Unset, a point costs one read of an
//! initialised cell.
//!
//! The points: `ingest.transaction` (an ingest transaction's writes made, not committed),
//! `ingest.committed` (articles committed, the feed's state not yet recorded),
//! `digest.rendered` (a digest built and rendered, not recorded), `digest.delivered` (a copy
//! accepted by its sink, its state not yet recorded), `compact.built` (a compaction's new store
//! built beside the closed old one) and `compact.moved` (the old files moved aside and marked
//! so, the new ones not yet in place).

use std::sync::OnceLock;

/// The environment variable that arms a point.
pub const PAUSE_AT: &str = "TREATYWATCH_PAUSE_AT";

fn armed(name: &str) -> bool {
    static ARMED: OnceLock<Option<String>> = OnceLock::new();
    let armed = ARMED.get_or_init(|| std::env::var(PAUSE_AT).ok().filter(|v| !v.is_empty()));
    armed.as_deref() == Some(name)
}

fn reached(name: &str) {
    tracing::warn!(failpoint = name, "failpoint reached: waiting here until killed");
}

/// A point on a thread that may block (the store's writer): an armed one parks the thread.
pub fn pause(name: &str) {
    if armed(name) {
        reached(name);
        loop {
            std::thread::park();
        }
    }
}

/// A point in async code: an armed one never resolves, holding its task and no thread.
pub async fn pause_async(name: &str) {
    if armed(name) {
        reached(name);
        std::future::pending::<()>().await;
    }
}
