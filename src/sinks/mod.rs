//! Where digests go: files and webhooks. A sink delivers one rendered digest and says whether a
//! failure is worth retrying; the outbox (`digest::outbox`) decides when. Sinks are an enum dispatched with
//! `match`, one variant per kind the config knows.

mod file;
mod webhook;

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
    /// A webhook receiver failed or refused.
    #[error("webhook {url}: {message}")]
    Webhook {
        /// The receiver.
        url: String,
        /// Its HTTP status, when it answered.
        status: Option<u16>,
        /// What went wrong, with the receiver's own words.
        message: String,
    },
}

impl SinkError {
    /// Whether trying again later may succeed (a full disk may empty; a missing permission
    /// usually stays missing, but an operator may fix it, so files are always retried until the
    /// give-up age).
    pub fn is_transient(&self) -> bool {
        match self {
            SinkError::File { .. } => true,
            // No answer (refused, reset, timed out), a server error, or "later, please": retry.
            // Any other 4xx is a refusal that sending again will not change.
            SinkError::Webhook { status, .. } => match status {
                None => true,
                Some(s) => *s >= 500 || *s == 408 || *s == 429,
            },
        }
    }
}

/// A sink, ready to deliver.
#[derive(Debug, Clone)]
pub enum Sink {
    /// One file per digest in a folder.
    File(file::FileSink),
    /// An HTTP POST of the digest's JSON.
    Webhook(webhook::WebhookSink),
}

impl Sink {
    /// The sink a config describes; `store_dir` anchors sinks that default into it.
    pub fn from_config(config: &SinkConfig, store_dir: &Path) -> Sink {
        match &config.kind {
            SinkKind::File { dir, format } => Sink::File(file::FileSink {
                dir: dir.clone().unwrap_or_else(|| store_dir.join("digests")),
                format: *format,
            }),
            SinkKind::Webhook { url, secret } => Sink::Webhook(webhook::WebhookSink {
                url: url.clone(),
                secret: secret.clone(),
                tag: tag_of(&config.name),
            }),
        }
    }

    /// The format this sink wants the digest in.
    pub fn format(&self) -> DigestFormat {
        match self {
            Sink::File(f) => f.format,
            Sink::Webhook(_) => DigestFormat::Json,
        }
    }

    /// Delivers digest `id` (for `date`, `YYYY-MM-DD`) as `body`. Delivering the same digest
    /// again delivers the same thing: the file of the same name, with the same bytes.
    pub async fn deliver(&self, id: u64, date: &str, body: &str) -> Result<(), SinkError> {
        match self {
            Sink::File(f) => f.deliver(id, date, body).await,
            Sink::Webhook(w) => w.deliver(id, body).await,
        }
    }
}

/// A short, stable tag of a sink's name (FNV-1a), so that its message ids differ from another
/// sink's and stay the same across restarts.
fn tag_of(name: &str) -> u32 {
    name.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}
