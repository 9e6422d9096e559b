//! Backups: a snapshot of every tree in one file (`treatywatch backup`, the daemon's daily
//! copies), and a store rebuilt from one. The file ends with a SHA-256 of everything before
//! it, checked in full before a restore writes anything; a corrupt store is moved aside, never
//! deleted.
//!
//! Layout: `TWBACKUP1\n`, then per tree `T` + name, then its entries `E` + key + value
//! (each length-prefixed, u32 big-endian), then `Z` + the 32-byte digest.

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use ring::digest::{Context, SHA256};

use super::{Store, StoreError};

const MAGIC: &[u8] = b"TWBACKUP1\n";

/// Why a backup could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The file is not a whole treatywatch backup.
    #[error("{} is not a usable backup: {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A writer that hashes what passes through it.
struct Hashing<W> {
    inner: W,
    hash: Context,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn chunk(out: &mut impl Write, tag: u8, parts: &[&[u8]]) -> std::io::Result<()> {
    out.write_all(&[tag])?;
    for part in parts {
        out.write_all(&(part.len() as u32).to_be_bytes())?;
        out.write_all(part)?;
    }
    Ok(())
}

impl Store {
    /// Writes a snapshot of every tree to `out`; returns the entries written. Ingest waits
    /// meanwhile (it holds the same lock), so articles, stories and their indexes agree in
    /// the copy; feed health and the outbox are single records, each whole.
    pub fn backup(&self, out: impl Write) -> Result<u64, std::io::Error> {
        let _writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Hashing {
            inner: BufWriter::new(out),
            hash: Context::new(&SHA256),
        };
        out.write_all(MAGIC)?;
        let mut entries = 0;
        for name in self.db.tree_names() {
            let tree = self.db.open_tree(&name).map_err(std::io::Error::other)?;
            chunk(&mut out, b'T', &[&name])?;
            for item in tree.iter() {
                let (k, v) = item.map_err(std::io::Error::other)?;
                chunk(&mut out, b'E', &[&k, &v])?;
                entries += 1;
            }
        }
        let digest = out.hash.clone().finish();
        out.inner.write_all(b"Z")?;
        out.inner.write_all(digest.as_ref())?;
        out.inner.flush()?;
        Ok(entries)
    }

    /// Writes a snapshot to `path` atomically (a temporary file renamed into place, synced).
    pub fn backup_to(&self, path: &Path) -> Result<u64, BackupError> {
        let io = |source| BackupError::Io {
            path: path.to_path_buf(),
            source,
        };
        let temp = path.with_extension("partial");
        let file = std::fs::File::create(&temp).map_err(io)?;
        let entries = self.backup(&file).map_err(io)?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&temp, path).map_err(io)?;
        Ok(entries)
    }
}

/// The folder of the daemon's own backups, inside the store's directory (under systemd the
/// state directory is all the daemon may write).
pub const BACKUP_DIR: &str = "backups";

/// The daemon's backups of the store at `store_dir`, newest first (their names sort by time).
pub fn backups(store_dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(store_dir.join(BACKUP_DIR))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "twbak"))
        .collect();
    found.sort();
    found.reverse();
    found
}

/// Writes today's backup of `store` into its backup folder and removes all but the newest
/// `keep`; returns the new file.
pub fn rotate(
    store: &Store,
    keep: usize,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<PathBuf, BackupError> {
    let dir = store.path().join(BACKUP_DIR);
    std::fs::create_dir_all(&dir).map_err(|source| BackupError::Io {
        path: dir.clone(),
        source,
    })?;
    let file = dir.join(format!("treatywatch-{}.twbak", now.format("%Y%m%dT%H%M%SZ")));
    store.backup_to(&file)?;
    for old in backups(store.path()).into_iter().skip(keep.max(1)) {
        let _ = std::fs::remove_file(old);
    }
    Ok(file)
}

/// What [`recover`] did.
#[derive(Debug)]
pub struct Recovered {
    /// Where the store's own files went.
    pub moved_to: PathBuf,
    /// The backup it was rebuilt from.
    pub backup: PathBuf,
    /// Entries restored.
    pub entries: u64,
}

/// Moves the store's files at `store_dir` aside (into `corrupt-<time>/` beside them; the
/// daemon's backups and older set-asides stay) and rebuilds the store from the newest backup
/// that verifies. `None` when there is no usable backup: then nothing was moved.
pub fn recover(
    store_dir: &Path,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<Recovered>, BackupError> {
    let Some(backup) = backups(store_dir).into_iter().find(|b| verify(b).is_ok()) else {
        return Ok(None);
    };
    let moved_to = move_aside(store_dir, &format!("corrupt-{}", now.format("%Y%m%dT%H%M%SZ")))?;
    let entries = restore_in_place(&backup, store_dir)?;
    Ok(Some(Recovered {
        moved_to,
        backup,
        entries,
    }))
}

/// Where a compaction keeps the store it replaces until the new one is in place (see
/// [`super::compact`]).
pub const COMPACTED_OLD_DIR: &str = "compacted-old";

/// Where a store is rebuilt from a backup before it moves in.
pub(super) const RESTORING_DIR: &str = "restoring";

/// The file locked while a store's files are rebuilt or swapped (see [`swap_lock`]).
const SWAP_LOCK: &str = ".swap.lock";

/// Locks the store's files against a rebuild or swap in another process, waiting for one under
/// way: a daemon's compaction closes the store while it swaps the files, and a command that
/// opened it in that moment would otherwise undo the swap under it or open half a store. In a
/// folder it may not write (a read-only disk), no swap can be under way, and none is locked.
pub(super) fn swap_lock(store_dir: &Path) -> Result<Option<std::fs::File>, BackupError> {
    let path = store_dir.join(SWAP_LOCK);
    let io = |source| BackupError::Io {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(store_dir).map_err(io)?;
    let opened = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .or_else(|e| match e.kind() {
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
                std::fs::File::open(&path)
            }
            _ => Err(e),
        });
    let file = match opened {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    file.lock().map_err(io)?;
    Ok(Some(file))
}

/// Whether `name`, in a store's directory, is one of sled's own files: not the backups, the API
/// socket, stores set aside, or the folders of a restore or a compaction under way.
pub(super) fn is_sled_file(name: &str) -> bool {
    !(name == BACKUP_DIR
        || name == COMPACTED_OLD_DIR
        || name == RESTORING_DIR
        || name == SWAP_LOCK
        || name.starts_with("corrupt-")
        || name.starts_with("before-restore-")
        || name.ends_with(".sock"))
}

/// Moves the store's own files out of `store_dir` into `store_dir/name`; returns that folder.
pub fn move_aside(store_dir: &Path, name: &str) -> Result<PathBuf, BackupError> {
    let aside = store_dir.join(name);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BackupError::Io { path, source }
    };
    std::fs::create_dir_all(&aside).map_err(io(&aside))?;
    for entry in std::fs::read_dir(store_dir).map_err(io(store_dir))?.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if is_sled_file(&file_name) && file_name != name {
            std::fs::rename(entry.path(), aside.join(&file_name)).map_err(io(&entry.path()))?;
        }
    }
    Ok(aside)
}

/// Restores `backup` into `store_dir`, whose store files must have been moved aside: through
/// a folder beside them, so that a failure leaves no half store.
pub fn restore_in_place(backup: &Path, store_dir: &Path) -> Result<u64, BackupError> {
    let _swapping = swap_lock(store_dir)?;
    let building = store_dir.join(RESTORING_DIR);
    let _ = std::fs::remove_dir_all(&building);
    let entries = restore(backup, &building)?;
    for entry in std::fs::read_dir(&building)
        .map_err(|source| BackupError::Io {
            path: building.clone(),
            source,
        })?
        .flatten()
    {
        std::fs::rename(entry.path(), store_dir.join(entry.file_name())).map_err(|source| {
            BackupError::Io {
                path: entry.path(),
                source,
            }
        })?;
    }
    let _ = std::fs::remove_dir(&building);
    Ok(entries)
}

/// Checks that `path` is a whole backup (its digest matches) without writing anything.
pub fn verify(path: &Path) -> Result<u64, BackupError> {
    read(path, |_, _, _| Ok(()))
}

/// Builds a new store in the empty or absent directory `dir` from the backup at `path`,
/// which is verified in full first; returns the entries restored.
pub fn restore(path: &Path, dir: &Path) -> Result<u64, BackupError> {
    verify(path)?;
    if dir.exists()
        && std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(BackupError::Invalid {
            path: dir.to_path_buf(),
            reason: "the directory to restore into is not empty".into(),
        });
    }
    let db = sled::open(dir).map_err(StoreError::Io)?;
    let mut tree: Option<sled::Tree> = None;
    let entries = read(path, |tag, a, b| {
        match tag {
            b'T' => tree = Some(db.open_tree(a).map_err(StoreError::Io)?),
            _ => {
                if let Some(t) = &tree {
                    t.insert(a, b).map_err(StoreError::Io)?;
                }
            }
        }
        Ok(())
    })?;
    db.flush().map_err(StoreError::Io)?;
    Ok(entries)
}

/// Walks the backup at `path`, calling `each(tag, first, second)` per chunk, and checks its
/// digest at the end; returns the entries read.
fn read(
    path: &Path,
    mut each: impl FnMut(u8, &[u8], &[u8]) -> Result<(), BackupError>,
) -> Result<u64, BackupError> {
    let invalid = |reason: &str| BackupError::Invalid {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let io = |source| BackupError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut input = BufReader::new(std::fs::File::open(path).map_err(io)?);
    let mut hash = Context::new(&SHA256);
    let mut magic = [0u8; MAGIC.len()];
    input.read_exact(&mut magic).map_err(|_| invalid("too short"))?;
    if magic != MAGIC {
        return Err(invalid("not a treatywatch backup (wrong first bytes)"));
    }
    hash.update(&magic);
    let mut entries = 0;
    let field = |input: &mut BufReader<std::fs::File>, hash: &mut Context| -> Result<Vec<u8>, BackupError> {
        let mut len = [0u8; 4];
        input.read_exact(&mut len).map_err(|_| invalid("cut short"))?;
        hash.update(&len);
        let len = u32::from_be_bytes(len) as usize;
        let mut bytes = vec![0u8; len];
        input.read_exact(&mut bytes).map_err(|_| invalid("cut short"))?;
        hash.update(&bytes);
        Ok(bytes)
    };
    loop {
        let mut tag = [0u8; 1];
        input
            .read_exact(&mut tag)
            .map_err(|_| invalid("cut short: no end mark"))?;
        match tag[0] {
            b'T' => {
                hash.update(&tag);
                let name = field(&mut input, &mut hash)?;
                each(b'T', &name, &[])?;
            }
            b'E' => {
                hash.update(&tag);
                let key = field(&mut input, &mut hash)?;
                let value = field(&mut input, &mut hash)?;
                each(b'E', &key, &value)?;
                entries += 1;
            }
            b'Z' => {
                let mut digest = [0u8; 32];
                input
                    .read_exact(&mut digest)
                    .map_err(|_| invalid("cut short in its digest"))?;
                if hash.finish().as_ref() != digest {
                    return Err(invalid("its digest does not match its contents"));
                }
                return Ok(entries);
            }
            _ => return Err(invalid("damaged: an unknown record")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ArticleFilter;

    #[test]
    fn a_backup_restores_to_a_store_that_lists_the_same_and_damage_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("a")).unwrap();
        let entry: crate::model::Entry = serde_json::from_value(serde_json::json!({
            "url": "https://a.example/1", "link": "https://a.example/1", "title": "One",
            "text": "Some text.", "summary": null, "published": null, "updated": null,
            "authors": [], "topics": [], "links": [], "cited": [], "fingerprint": null,
            "lang": {"lang": "en", "confidence": 1.0, "method": "text"}
        }))
        .unwrap();
        store
            .upsert_entries("f", std::slice::from_ref(&entry), chrono::Utc::now())
            .unwrap();
        let file = dir.path().join("b.twbak");
        assert!(store.backup_to(&file).unwrap() > 0);
        let into = dir.path().join("restored");
        restore(&file, &into).unwrap();
        let restored = Store::open(&into).unwrap();
        let urls = |s: &Store| -> Vec<String> {
            s.list(&ArticleFilter::default())
                .unwrap()
                .into_iter()
                .map(|a| a.entry.url)
                .collect()
        };
        assert_eq!(urls(&restored), urls(&store));
        assert_eq!(restored.article_count(), 1);
        // The restored store's new articles and digests take new ids, not the stored ones.
        let mut second = entry.clone();
        (second.url, second.link) = ("https://a.example/2".into(), "https://a.example/2".into());
        restored
            .upsert_entries("f", &[second], chrono::Utc::now())
            .unwrap();
        assert_eq!(restored.article_count(), 2);
        assert_eq!(urls(&restored).len(), 2);
        let stored = store.list(&ArticleFilter::default()).unwrap()[0].id;
        assert!(restored.next_digest_id().unwrap() > stored);

        // A byte changed anywhere, or the end cut off: refused before anything is written.
        let mut bytes = std::fs::read(&file).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x55;
        let damaged = dir.path().join("damaged.twbak");
        std::fs::write(&damaged, &bytes).unwrap();
        assert!(matches!(verify(&damaged), Err(BackupError::Invalid { .. })));
        let good = std::fs::read(&file).unwrap();
        std::fs::write(&damaged, &good[..good.len() - 10]).unwrap();
        assert!(matches!(verify(&damaged), Err(BackupError::Invalid { .. })));
        assert!(matches!(
            restore(&damaged, &dir.path().join("never")),
            Err(BackupError::Invalid { .. })
        ));
        assert!(!dir.path().join("never").exists());
    }

    #[test]
    fn daily_backups_keep_the_newest_and_recovery_uses_the_newest_good_one() {
        let dir = tempfile::tempdir().unwrap();
        let store_dir = dir.path().join("store");
        let store = Store::open(&store_dir).unwrap();
        let day = |d: u32| format!("2026-12-0{d}T03:00:00Z").parse().unwrap();
        for d in 1..=3 {
            rotate(&store, 2, day(d)).unwrap();
        }
        let names: Vec<String> = backups(&store_dir)
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "treatywatch-20261203T030000Z.twbak",
                "treatywatch-20261202T030000Z.twbak"
            ]
        );
        drop(store);
        // The newest is damaged: the one before it is used.
        std::fs::write(backups(&store_dir)[0].clone(), b"TWBACKUP1\nT").unwrap();
        let recovered = recover(&store_dir, day(4)).unwrap().unwrap();
        assert!(recovered.backup.ends_with("treatywatch-20261202T030000Z.twbak"));
        assert!(recovered.moved_to.join("db").exists() || recovered.moved_to.join("conf").exists());
        Store::open(&store_dir).unwrap();
        assert_eq!(backups(&store_dir).len(), 2, "recovery keeps the backups");
    }
}
