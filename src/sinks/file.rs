//! The file sink: one file per digest, written whole or not at all (a temporary file renamed
//! into place), named after the digest's date and id so that a resend replaces it with the
//! same bytes.

use std::path::PathBuf;

use super::SinkError;
use crate::config::DigestFormat;

/// A folder of digests.
#[derive(Debug, Clone)]
pub struct FileSink {
    /// Where the files go (created when missing).
    pub dir: PathBuf,
    /// Their format.
    pub format: DigestFormat,
}

impl FileSink {
    /// The file digest `id` goes to.
    pub fn path(&self, id: u64, date: &str) -> PathBuf {
        self.dir
            .join(format!("treatywatch-{date}-{id}.{}", self.format.extension()))
    }

    pub(super) async fn deliver(&self, id: u64, date: &str, body: &str) -> Result<(), SinkError> {
        let path = self.path(id, date);
        let temporary = self
            .dir
            .join(format!(".treatywatch-{id}.{}.tmp", self.format.extension()));
        let failed = |source| SinkError::File {
            path: path.clone(),
            source,
        };
        tokio::fs::create_dir_all(&self.dir).await.map_err(failed)?;
        tokio::fs::write(&temporary, body).await.map_err(failed)?;
        // The bytes are on disk before the name appears: a reader never sees half a digest.
        let file = tokio::fs::File::open(&temporary).await.map_err(failed)?;
        file.sync_all().await.map_err(failed)?;
        tokio::fs::rename(&temporary, &path).await.map_err(failed)?;
        Ok(())
    }
}
