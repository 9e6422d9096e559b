//! Where digests go. A sink delivers one rendered digest and says whether a failure is worth
//! retrying; the outbox (`digest::outbox`) decides when. Sinks are an enum dispatched with
//! `match`, one variant per kind the config knows.

mod file;

use std::path::{Path, PathBuf};

use crate::config::{DigestFormat, SinkConfig, SinkKind};

/// Why a delivery failed.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// Writing a digest file failed.
    #[error("cannot write {}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
}

impl SinkError {
    /// Whether trying again later may succeed (a full disk may empty; a missing permission
    /// usually stays missing, but an operator may fix it, so files are always retried until the
    /// give-up age).
    pub fn is_transient(&self) -> bool {
        match self {
            SinkError::File { .. } => true,
        }
    }
}

/// A sink, ready to deliver.
#[derive(Debug, Clone)]
pub enum Sink {
    /// One file per digest in a folder.
    File(file::FileSink),
}

impl Sink {
    /// The sink a config describes; `store_dir` anchors sinks that default into it.
    pub fn from_config(config: &SinkConfig, store_dir: &Path) -> Sink {
        match &config.kind {
            SinkKind::File { dir, format } => Sink::File(file::FileSink {
                dir: dir.clone().unwrap_or_else(|| store_dir.join("digests")),
                format: *format,
            }),
        }
    }

    /// The format this sink wants the digest in.
    pub fn format(&self) -> DigestFormat {
        match self {
            Sink::File(f) => f.format,
        }
    }

    /// Delivers digest `id` (for `date`, `YYYY-MM-DD`) as `body`. Delivering the same digest
    /// again delivers the same thing: the file of the same name, with the same bytes.
    pub async fn deliver(&self, id: u64, date: &str, body: &str) -> Result<(), SinkError> {
        match self {
            Sink::File(f) => f.deliver(id, date, body).await,
        }
    }
}
