//! Digests on request: sending the next one now, resending one, previewing. The CLI does these
//! itself when no daemon runs; otherwise the daemon's digest timer does them between its own
//! rounds, so one deliverer at a time touches the outbox.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::render::Renderer;
use crate::config::DigestConfig;
use crate::sinks::Sink;
use crate::store::StoreHandle;

/// What a client asks of the daemon's digests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DigestAction {
    /// Make the next digest now and deliver what is due.
    Send,
    /// Deliver digest `id` again, to every sink or to `sink`, then what else is due.
    Resend {
        /// The digest.
        id: u64,
        /// Only this sink.
        sink: Option<String>,
    },
    /// Render what the next digest would hold (since `since`, else since the last digest).
    Preview {
        /// The format.
        format: crate::config::DigestFormat,
        /// The window's start.
        since: Option<DateTime<Utc>>,
    },
}

/// What a digest action did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DigestReport {
    /// The digest made (its id and subject); `None` when the window brought nothing.
    pub made: Option<(u64, String)>,
    /// Every delivery attempted, in order.
    pub attempts: Vec<super::outbox::Attempt>,
    /// A send found nothing new, and empty digests are not sent: none was made.
    pub skipped: bool,
    /// The rendered preview.
    pub preview: Option<String>,
}

/// Why a digest action was not done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum DigestRefused {
    /// No such digest.
    #[error("{0}")]
    NotFound(String),
    /// The request cannot be done with this config (no `[digest]`, no such sink).
    #[error("{0}")]
    Invalid(String),
    /// The store or a renderer failed.
    #[error("{0}")]
    Failed(String),
}

/// Why a send is refused when the config has no `[digest]`.
pub fn no_digest(source: &std::path::Path) -> String {
    format!(
        "{} has no [digest]: nothing says where digests go",
        source.display()
    )
}

/// Does `action` on `store`: what the daemon's digest timer does for the API, and the CLI
/// when no daemon runs. A send makes the next digest; every action but a preview then
/// delivers what is due.
pub async fn act(
    store: &StoreHandle,
    digest: &DigestConfig,
    renderer: &Arc<Renderer>,
    sinks: &[(String, Sink)],
    action: &DigestAction,
    now: DateTime<Utc>,
) -> Result<DigestReport, DigestRefused> {
    let failed = |e: &dyn std::fmt::Display| DigestRefused::Failed(e.to_string());
    let mut report = DigestReport::default();
    match action.clone() {
        DigestAction::Preview { format, since } => {
            let (digest, renderer) = (digest.clone(), renderer.clone());
            let text = store
                .call(move |s| {
                    let window = super::outbox::preview_window(s, since, now)?;
                    super::outbox::preview(s, &digest, &renderer, &window, format)
                        .map_err(|e| crate::store::StoreError::Task(e.to_string()))
                })
                .await
                .map_err(|e| failed(&e))?;
            report.preview = Some(text);
            return Ok(report);
        }
        DigestAction::Send => {
            let (digest, renderer, sinks) = (digest.clone(), renderer.clone(), sinks.to_vec());
            let made = store
                .write(move |s| {
                    super::outbox::make_next(s, &digest, &renderer, &sinks, now)
                        .map_err(|e| crate::store::StoreError::Task(e.to_string()))
                })
                .await
                .map_err(|e| failed(&e))?;
            report.skipped = made.is_none();
            report.made = made.map(|r| (r.id, r.subject));
        }
        DigestAction::Resend { id, sink } => {
            let one = sink.clone();
            let marked = store
                .call(move |s| super::outbox::mark_for_resend(s, id, one.as_deref()))
                .await
                .map_err(|e| failed(&e))?;
            match marked {
                None => {
                    return Err(DigestRefused::NotFound(format!(
                        "no digest {id}: `treatywatch digest --history` lists them"
                    )))
                }
                Some(0) => {
                    return Err(DigestRefused::Invalid(format!(
                        "digest {id} has no sink named '{}'",
                        sink.as_deref().unwrap_or("")
                    )))
                }
                Some(_) => {}
            }
        }
    }
    report.attempts = super::outbox::deliver_due(store, sinks, digest.give_up, now)
        .await
        .map_err(|e| failed(&e))?;
    Ok(report)
}
