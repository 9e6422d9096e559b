//! Where digests go: files, webhooks and mail. A sink delivers one rendered digest and says whether a
//! failure is worth retrying; the outbox (`digest::outbox`) decides when. Sinks are an enum dispatched with
//! `match`, one variant per kind the config knows.

pub mod email;
mod file;
mod webhook;

use std::path::{Path, PathBuf};

use crate::config::{SinkConfig, SinkKind};

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
    /// An SMTP server failed or refused.
    #[error("mail via {server}: {message}")]
    Email {
        /// The server.
        server: String,
        /// Its reply code, when it replied.
        code: Option<u16>,
        /// Whether the server refused for good (a 5xx reply), or the message cannot be sent.
        permanent: bool,
        /// What went wrong, with the server's own words.
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
            // A 4xx reply, a refused or dropped connection, a timeout: later may work.
            SinkError::Email { permanent, .. } => !permanent,
        }
    }
}

/// A sink, ready to deliver.
#[derive(Debug, Clone)]
pub enum Sink {
    /// One file per digest in a folder.
    File(file::FileSink),
    /// An HTTP POST of the digest.
    Webhook(webhook::WebhookSink),
    /// Mail.
    Email(email::EmailSink),
}

impl Sink {
    /// The sink a config describes; `store_dir` anchors sinks that default into it.
    pub fn from_config(config: &SinkConfig, store_dir: &Path) -> Sink {
        match &config.kind {
            SinkKind::File { dir, format } => Sink::File(file::FileSink {
                dir: dir.clone().unwrap_or_else(|| store_dir.join("digests")),
                format: *format,
            }),
            SinkKind::Webhook { url, format, secret } => Sink::Webhook(webhook::WebhookSink {
                url: url.clone(),
                format: *format,
                secret: secret.clone(),
                tag: tag_of(&config.name),
            }),
            SinkKind::Email {
                server,
                from,
                to,
                login,
            } => Sink::Email(email::EmailSink::new(
                server,
                from,
                to,
                login.clone(),
                &config.name,
            )),
        }
    }

    /// Delivers copy `body` of digest `id` (for `date`, `YYYY-MM-DD`), addressed to
    /// `recipient` where the sink has several. Delivering the same copy again delivers the
    /// same thing: the file of the same name, the same bytes, the same message ids.
    pub async fn deliver(
        &self,
        id: u64,
        date: &str,
        recipient: Option<&str>,
        body: &str,
    ) -> Result<(), SinkError> {
        match self {
            Sink::File(f) => f.deliver(id, date, body).await,
            Sink::Webhook(w) => w.deliver(id, body).await,
            Sink::Email(e) => match recipient {
                Some(to) => e.deliver(to, body).await,
                None => Err(SinkError::Email {
                    server: e.server.to_string(),
                    code: None,
                    permanent: true,
                    message: "the stored copy names no recipient".into(),
                }),
            },
        }
    }
}

/// A short, stable tag of a sink's name, so that its message ids differ from another sink's
/// and stay the same across restarts.
fn tag_of(name: &str) -> u32 {
    crate::fingerprint::short_hash(name.as_bytes())
}
