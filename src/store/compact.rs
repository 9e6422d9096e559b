//! Compaction: the store rebuilt from a snapshot of itself. sled reclaims the space of
//! rewritten and removed records only as it rewrites segments, and under retention (every day's
//! articles in, the oldest out) its file kept growing: 180 to 227 MiB from day 10 to day 30 of
//! the 1,000-feed soak, with 26 MiB of live records in the backups. The same records restored
//! into a fresh directory take 58 MiB.
//!
//! The swap is made so that a crash at any point leaves one whole store: the new one is built
//! in `restoring/` while the old one stays in place; the old files then move into
//! `compacted-old/`, a marker says they all did, and the new files move in. [`finish`], run
//! before every open, rolls an interrupted swap back (marker absent) or forward (present).

use std::path::{Path, PathBuf};

use super::backup::{self, is_sled_file, BackupError, COMPACTED_OLD_DIR as OLD_DIR};

/// Written into [`OLD_DIR`] once every old file is in it: from then on the swap goes forward.
const MOVED_MARKER: &str = ".all-moved";

/// Where the new store is built (as [`backup::restore_in_place`] does).
const BUILD_DIR: &str = backup::RESTORING_DIR;

/// The snapshot compaction rebuilds from, in the backups folder (not a `.twbak`: never taken
/// for a daily backup, nor rotated away).
pub const SNAPSHOT: &str = "compaction.snapshot";

/// A store's files take more than this many times its snapshot before it is compacted: a fresh
/// restore takes about 2.3 times its snapshot (58 MiB for 26 MiB), so 4 lets it grow by about
/// three quarters between compactions.
pub const FACTOR: u64 = 4;

/// Stores smaller than this are never compacted: the work would outweigh the bytes.
pub const MIN_BYTES: u64 = 32 * 1024 * 1024;

/// What a compaction did.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Compacted {
    /// The store's bytes on disk before.
    pub before: u64,
    /// And after.
    pub after: u64,
    /// Records copied.
    pub entries: u64,
}

/// The longest compaction waits for calls under way to let go of the store.
pub const HANDLES_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// When a store is compacted, and how long it waits for the store to be free.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Compacted when its files take more than this many times its snapshot.
    pub factor: u64,
    /// Never compacted below this many bytes on disk.
    pub min_bytes: u64,
    /// Put off when calls still hold the store after this long.
    pub wait: std::time::Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            factor: FACTOR,
            min_bytes: MIN_BYTES,
            wait: HANDLES_WAIT,
        }
    }
}

impl Policy {
    /// Compacts whatever the store's size: what `treatywatch compact` asks for.
    pub fn always() -> Policy {
        Policy {
            factor: 0,
            min_bytes: 0,
            wait: HANDLES_WAIT,
        }
    }

    /// Whether a store of `bytes` on disk with a snapshot of `snapshot` bytes is worth it.
    pub fn worth_it(&self, bytes: u64, snapshot: u64) -> bool {
        bytes >= self.min_bytes && bytes > snapshot.saturating_mul(self.factor)
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Moves every entry of `from` accepted by `which` into `to`.
fn move_entries(from: &Path, to: &Path, which: impl Fn(&str) -> bool) -> Result<(), BackupError> {
    for entry in std::fs::read_dir(from).map_err(io(from))?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if which(&name) {
            std::fs::rename(entry.path(), to.join(&name)).map_err(io(&entry.path()))?;
        }
    }
    Ok(())
}

/// Makes the renames in `dir` durable.
fn sync_dir(dir: &Path) -> Result<(), BackupError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))
}

/// Builds the new store from `snapshot` beside the closed old one in `store_dir`, then swaps
/// them. On an error before the swap the old store is untouched; the new one is removed.
pub fn rebuild(store_dir: &Path, snapshot: &Path) -> Result<u64, BackupError> {
    let _swapping = backup::swap_lock(store_dir)?;
    let build = store_dir.join(BUILD_DIR);
    let _ = std::fs::remove_dir_all(&build);
    let entries = match backup::restore(snapshot, &build) {
        Ok(entries) => entries,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&build);
            return Err(e);
        }
    };
    crate::failpoint::pause("compact.built");
    let old = store_dir.join(OLD_DIR);
    let moved = std::fs::create_dir_all(&old)
        .map_err(io(&old))
        .and_then(|()| move_entries(store_dir, &old, is_sled_file))
        .and_then(|()| std::fs::write(old.join(MOVED_MARKER), b"").map_err(io(&old)))
        .and_then(|()| sync_dir(&old))
        .and_then(|()| sync_dir(store_dir));
    if let Err(e) = moved {
        // Without the marker this puts the old files back.
        finish_locked(store_dir)?;
        return Err(e);
    }
    crate::failpoint::pause("compact.moved");
    finish_locked(store_dir)?;
    Ok(entries)
}

/// Completes or undoes a swap that was cut short (a no-op when none was under way): before the
/// marker the old files go back and the half-built store is removed; after it the new files
/// move in. Then the leftovers go.
pub fn finish(store_dir: &Path) -> Result<(), BackupError> {
    if !store_dir.exists() {
        return Ok(());
    }
    let _swapping = backup::swap_lock(store_dir)?;
    finish_locked(store_dir)
}

/// [`finish`], with the swap lock held by the caller.
fn finish_locked(store_dir: &Path) -> Result<(), BackupError> {
    let old = store_dir.join(OLD_DIR);
    let build = store_dir.join(BUILD_DIR);
    if !old.exists() {
        // No swap under way, and with the lock no build either: a store built and never
        // swapped in (a kill before the swap) is only space.
        if build.exists() {
            std::fs::remove_dir_all(&build).map_err(io(&build))?;
        }
        return Ok(());
    }
    if old.join(MOVED_MARKER).exists() {
        if build.exists() {
            move_entries(&build, store_dir, |_| true)?;
            sync_dir(store_dir)?;
            std::fs::remove_dir(&build).map_err(io(&build))?;
        }
        std::fs::remove_dir_all(&old).map_err(io(&old))?;
    } else {
        move_entries(&old, store_dir, |name| name != MOVED_MARKER)?;
        sync_dir(store_dir)?;
        std::fs::remove_dir_all(&old).map_err(io(&old))?;
        let _ = std::fs::remove_dir_all(&build);
    }
    Ok(())
}

/// The snapshot's path for the store at `store_dir`.
pub fn snapshot_path(store_dir: &Path) -> PathBuf {
    store_dir.join(backup::BACKUP_DIR).join(SNAPSHOT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ArticleFilter, Store, StoreHandle};

    fn entry(n: usize) -> crate::model::Entry {
        serde_json::from_value(serde_json::json!({
            "url": format!("https://a.example/{n}"), "link": format!("https://a.example/{n}"),
            "title": format!("Article {n}"), "text": "Some text.", "summary": null,
            "published": null, "updated": null, "authors": [], "topics": [], "links": [],
            "cited": [], "fingerprint": null,
            "lang": {"lang": "en", "confidence": 1.0, "method": "text"}
        }))
        .unwrap()
    }

    fn urls(store: &Store) -> Vec<String> {
        let mut urls: Vec<String> = store
            .list(&ArticleFilter::default())
            .unwrap()
            .into_iter()
            .map(|a| a.entry.url)
            .collect();
        urls.sort();
        urls
    }

    /// A store whose file has grown far past what it holds: records rewritten many times.
    fn grown_store(path: &Path) -> Store {
        let store = Store::open(path).unwrap();
        let entries: Vec<_> = (0..20).map(entry).collect();
        store.upsert_entries("f", &entries, chrono::Utc::now()).unwrap();
        for round in 0..200u32 {
            store.meta.insert("filler", vec![round as u8; 64 * 1024]).unwrap();
        }
        store.flush().unwrap();
        store
    }

    /// Adds article `n`; then the distinct URLs listed and the articles stored.
    fn add_and_count(store: &Store, n: usize) -> (usize, usize) {
        store
            .upsert_entries("f", &[entry(n)], chrono::Utc::now())
            .unwrap();
        let mut listed = urls(store);
        listed.dedup();
        (listed.len(), store.article_count())
    }

    const EVERY_TIME: Policy = Policy {
        factor: 1,
        min_bytes: 0,
        wait: std::time::Duration::from_millis(200),
    };

    #[tokio::test]
    async fn a_grown_store_is_rebuilt_from_itself_with_every_record_and_stays_usable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store");
        let store = grown_store(&path);
        let want = urls(&store);
        let handle = StoreHandle::new(store);
        // The default policy leaves a small store alone.
        assert_eq!(handle.compact_if_grown(Policy::default()).await.unwrap(), None);
        let done = handle.compact_if_grown(EVERY_TIME).await.unwrap().unwrap();
        assert!(done.after < done.before, "{done:?}");
        assert!(done.entries > 20);
        let store = handle.store().unwrap();
        assert_eq!(urls(&store), want);
        assert_eq!(store.bytes_on_disk().unwrap(), done.after);
        // Writable, new articles overwrite none (sled's id generator starts again in a new
        // database), and nothing of the swap is left behind.
        assert_eq!(add_and_count(&store, 99), (21, 21));
        // Again: each rebuilt database's generator starts from the same low value, so the
        // article added after the first compaction would be overwritten by the next one.
        drop(store);
        assert!(handle.compact_if_grown(EVERY_TIME).await.unwrap().is_some());
        assert_eq!(add_and_count(&handle.store().unwrap(), 100), (22, 22));
        for leftover in [OLD_DIR, BUILD_DIR] {
            assert!(!path.join(leftover).exists(), "{leftover} left");
        }
        assert!(!snapshot_path(&path).exists());
    }

    #[tokio::test]
    async fn compaction_is_put_off_while_a_call_holds_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let handle = StoreHandle::new(grown_store(&dir.path().join("store")));
        let held = handle.store().unwrap();
        let put_off = handle.compact_if_grown(EVERY_TIME).await.unwrap_err();
        assert!(put_off.to_string().contains("put off"), "{put_off}");
        // Nothing changed: the store held and the handle's are one, and both work.
        held.upsert_entries("f", &[entry(50)], chrono::Utc::now())
            .unwrap();
        assert_eq!(urls(&handle.store().unwrap()).len(), 21);
        drop(held);
        assert!(handle.compact_if_grown(EVERY_TIME).await.unwrap().is_some());
        assert_eq!(urls(&handle.store().unwrap()).len(), 21);
    }

    /// The old store (20 articles and one more) and, in `restoring/`, the new one built from a
    /// snapshot taken before the last article, as a swap cut short would leave them.
    fn half_swapped(path: &Path) {
        let store = grown_store(path);
        let snapshot = path.join("snapshot.twbak");
        store.backup_to(&snapshot).unwrap();
        store
            .upsert_entries("f", &[entry(20)], chrono::Utc::now())
            .unwrap();
        store.flush().unwrap();
        drop(store);
        backup::restore(&snapshot, &path.join(BUILD_DIR)).unwrap();
        std::fs::remove_file(&snapshot).unwrap();
        std::fs::create_dir_all(path.join(OLD_DIR)).unwrap();
    }

    #[test]
    fn a_swap_cut_short_before_all_old_files_moved_is_rolled_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store");
        half_swapped(&path);
        // Only the first of the old files had moved.
        move_entries(&path, &path.join(OLD_DIR), |name| name == "conf").unwrap();
        let store = Store::open(&path).unwrap();
        assert_eq!(urls(&store).len(), 21, "the old store, whole");
        assert!(!path.join(OLD_DIR).exists() && !path.join(BUILD_DIR).exists());
    }

    #[test]
    fn a_swap_cut_short_after_all_old_files_moved_goes_forward() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store");
        half_swapped(&path);
        move_entries(&path, &path.join(OLD_DIR), is_sled_file).unwrap();
        std::fs::write(path.join(OLD_DIR).join(MOVED_MARKER), b"").unwrap();
        // Only the first of the new files had moved in.
        move_entries(&path.join(BUILD_DIR), &path, |name| name == "conf").unwrap();
        let store = Store::open(&path).unwrap();
        assert_eq!(urls(&store).len(), 20, "the new store, whole");
        assert!(!path.join(OLD_DIR).exists() && !path.join(BUILD_DIR).exists());
    }

    #[test]
    fn a_new_store_built_and_never_swapped_in_is_removed_and_the_old_one_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store");
        half_swapped(&path);
        // Cut before any old file moved: not even the old files' folder was made.
        std::fs::remove_dir(path.join(OLD_DIR)).unwrap();
        assert!(path.join(BUILD_DIR).exists());
        let store = Store::open(&path).unwrap();
        assert_eq!(urls(&store).len(), 21, "the old store, whole");
        assert!(
            !path.join(BUILD_DIR).exists(),
            "the unused copy's space is given back"
        );
    }
}
