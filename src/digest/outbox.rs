//! From window to delivered digest, losing nothing and sending nothing twice: the next digest
//! is built and rendered once per sink, then recorded with the cursor moved past it in one
//! flushed transaction (`Store::record_digest`); only then are the stored bytes delivered, each
//! sink's state flushed after every attempt. A crash before the record leaves the window to the
//! next digest; a crash after it leaves deliveries pending, and they go out on restart with
//! the same bytes and ids.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::chat;
use super::render::{RenderError, Renderer};
use super::schedule::DigestTime;
use super::{build, Digest, Focus, Window};
use crate::config::{DigestConfig, DigestFormat, WebhookFormat};
use crate::sinks::email::Letter;
use crate::sinks::{Sink, SinkError};
use crate::store::{Delivery, DeliveryState, DigestRecord, Store, StoreError, StoreHandle};

/// The first retry of a failed delivery waits this long; each further one twice as long, up to
/// [`MAX_RETRY`].
const FIRST_RETRY: Duration = Duration::from_secs(5 * 60);

/// The longest wait between two attempts of one delivery.
const MAX_RETRY: Duration = Duration::from_secs(6 * 3600);

/// Why a digest could not be made.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Rendering failed.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// A sink could not be made, or its copy composed.
    #[error(transparent)]
    Sink(#[from] SinkError),
}

/// How the digest's zone reads a config.
pub fn digest_time(config: &DigestConfig) -> DigestTime {
    DigestTime {
        time: config.time,
        zone: config.zone.clone(),
    }
}

/// The window the next digest covers: from where the last one ended to the newest article.
pub fn next_window(store: &Store, now: DateTime<Utc>) -> Result<Window, StoreError> {
    let cursor = store.digest_cursor()?;
    Ok(Window {
        start: cursor.at,
        end: now,
        from: cursor.next_article,
        to: store.article_id_end()?,
    })
}

/// A window's digest rendered for every sink, before it is recorded.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The subject line (in the digest's own locale).
    pub subject: String,
    /// The date it is for.
    pub date: String,
    /// Every story any sink lists.
    pub stories: Vec<u64>,
    /// What each sink is to deliver: one copy per sink, one per recipient for mail.
    pub copies: Vec<Delivery>,
}

/// Each sink's copies of a window's digest, which will carry id `id` and was made at
/// `created`, rendered without recording anything: what `--preview` shows and `make_next`
/// records.
pub fn render_for_sinks(
    store: &Store,
    config: &DigestConfig,
    renderer: &Renderer,
    sinks: &[(String, Sink)],
    window: &Window,
    id: u64,
    created: DateTime<Utc>,
) -> Result<Rendered, OutboxError> {
    let time = digest_time(config);
    let mut rendered = Rendered {
        subject: String::new(),
        date: String::new(),
        stories: Vec::new(),
        copies: Vec::new(),
    };
    // Sinks with the same topic and locale list the same digest: it is built once.
    let mut built: Vec<((Option<&str>, &str), Digest)> = Vec::new();
    for (index, (name, sink)) in sinks.iter().enumerate() {
        let own = &config.sinks[index];
        let focus = Focus {
            topic: own.topic.as_deref().or(config.topic.as_deref()),
            locale: own.locale.as_deref().unwrap_or(&config.locale),
            max_stories: config.max_stories,
            time: &time,
        };
        let key = (focus.topic, focus.locale);
        let digest = match built.iter().position(|(k, _)| *k == key) {
            Some(at) => &built[at].1,
            None => {
                built.push((key, build(store, window, &focus)?));
                &built[built.len() - 1].1
            }
        };
        if index == 0 {
            rendered.subject = digest.subject.clone();
            rendered.date = digest.date.clone();
        }
        for id in &digest.story_ids {
            if !rendered.stories.contains(id) {
                rendered.stories.push(*id);
            }
        }
        let copy = |recipient: Option<String>, body: String| Delivery {
            sink: name.clone(),
            recipient,
            body,
            attempts: 0,
            state: DeliveryState::Pending,
        };
        match sink {
            Sink::File(file) => rendered
                .copies
                .push(copy(None, renderer.render(digest, file.format)?)),
            Sink::Webhook(hook) => {
                let body = match hook.format {
                    WebhookFormat::Json => renderer.render(digest, DigestFormat::Json)?,
                    WebhookFormat::Slack => chat::slack(digest),
                    WebhookFormat::Discord => chat::discord(digest),
                    WebhookFormat::Matrix => chat::matrix(digest),
                    WebhookFormat::Ntfy => chat::ntfy(digest, &hook.ntfy_topic()),
                };
                rendered.copies.push(copy(None, body));
            }
            Sink::Email(mail) => {
                let text = renderer.render(digest, DigestFormat::Text)?;
                let html = renderer.render(digest, DigestFormat::Html)?;
                let letter = Letter {
                    digest: id,
                    created,
                    subject: &digest.subject,
                    text: &text,
                    html: &html,
                    list: focus.topic.unwrap_or("all"),
                };
                for (recipient, message) in mail.compose(&letter)? {
                    rendered.copies.push(copy(Some(recipient), message));
                }
            }
        }
    }
    Ok(rendered)
}

/// The window a preview shows: articles stored since `since`, else since the last digest.
pub fn preview_window(
    store: &Store,
    since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Window, StoreError> {
    match since {
        Some(since) => Ok(Window {
            start: Some(since),
            end: now,
            from: store.first_article_since(since)?,
            to: store.article_id_end()?,
        }),
        None => next_window(store, now),
    }
}

/// What a digest of `window` would hold, rendered in `format`; nothing is recorded.
pub fn preview(
    store: &Store,
    config: &DigestConfig,
    renderer: &Renderer,
    window: &Window,
    format: DigestFormat,
) -> Result<String, OutboxError> {
    let time = digest_time(config);
    let focus = Focus {
        topic: config.topic.as_deref(),
        locale: &config.locale,
        max_stories: config.max_stories,
        time: &time,
    };
    Ok(renderer.render(&build(store, window, &focus)?, format)?)
}

/// Marks the copies of digest `id` (every sink's, or only `sink`'s) to be delivered again, the
/// same bytes; returns how many were marked (none: no such sink), or `None` without the digest.
pub fn mark_for_resend(store: &Store, id: u64, sink: Option<&str>) -> Result<Option<usize>, StoreError> {
    let Some(record) = store.digest(id)? else {
        return Ok(None);
    };
    let mut chosen = 0;
    for (index, delivery) in record.deliveries.iter().enumerate() {
        if sink.is_none_or(|s| s == delivery.sink) {
            store.set_delivery(id, index, delivery.attempts, DeliveryState::Pending)?;
            chosen += 1;
        }
    }
    Ok(Some(chosen))
}

/// Builds, renders and records the next digest, moving the cursor past its window. `None`
/// when the window brings nothing and the config sends no empty digests (the window then
/// stays open for the next one).
pub fn make_next(
    store: &Store,
    config: &DigestConfig,
    renderer: &Renderer,
    sinks: &[(String, Sink)],
    now: DateTime<Utc>,
) -> Result<Option<DigestRecord>, OutboxError> {
    let window = next_window(store, now)?;
    let id = store.next_digest_id()?;
    let rendered = render_for_sinks(store, config, renderer, sinks, &window, id, now)?;
    if rendered.stories.is_empty() && !config.send_empty {
        return Ok(None);
    }
    let record = DigestRecord {
        id,
        created: now,
        window_start: window.start,
        window_end: window.end,
        articles_from: window.from,
        articles_to: window.to,
        subject: rendered.subject,
        date: rendered.date,
        stories: rendered.stories,
        deliveries: rendered.copies,
    };
    crate::failpoint::pause("digest.rendered");
    store.record_digest(&record)?;
    Ok(Some(record))
}

/// What one delivery attempt did.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Attempt {
    /// The digest.
    pub digest: u64,
    /// The sink, by name.
    pub sink: String,
    /// The recipient, for mail.
    pub recipient: Option<String>,
    /// Where the delivery stands now.
    pub state: DeliveryState,
}

/// Delivers every copy that is pending, or failed and due, at `now`; each outcome is flushed
/// before the next is tried. A copy failing past `give_up` after its digest was made, or
/// refused for good, becomes dead.
pub async fn deliver_due(
    store: &StoreHandle,
    sinks: &[(String, Sink)],
    give_up: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<Attempt>, StoreError> {
    let records = store.call(|s| s.digests()).await?;
    let mut attempts = Vec::new();
    // Oldest first: a day's digest goes before the next day's.
    for record in records.into_iter().rev() {
        for (index, delivery) in record.deliveries.iter().enumerate() {
            let due = match &delivery.state {
                DeliveryState::Pending => true,
                DeliveryState::Failed { next_try, .. } => *next_try <= now,
                DeliveryState::Delivered { .. } | DeliveryState::Dead { .. } => false,
            };
            if !due {
                continue;
            }
            let Some((_, sink)) = sinks.iter().find(|(name, _)| *name == delivery.sink) else {
                // A sink no longer configured: its copy waits for it to come back.
                continue;
            };
            let tries = delivery.attempts + 1;
            let state = match sink
                .deliver(
                    record.id,
                    &record.date,
                    delivery.recipient.as_deref(),
                    &delivery.body,
                )
                .await
            {
                Ok(()) => DeliveryState::Delivered { at: now },
                Err(e) if !e.is_transient() || now - record.created >= chrono_of(give_up) => {
                    DeliveryState::Dead { error: e.to_string() }
                }
                Err(e) => DeliveryState::Failed {
                    error: e.to_string(),
                    next_try: now + chrono_of(retry_after(tries)),
                },
            };
            if matches!(state, DeliveryState::Delivered { .. }) {
                crate::failpoint::pause_async("digest.delivered").await;
            }
            let (id, stored) = (record.id, state.clone());
            store
                .call(move |s| s.set_delivery(id, index, tries, stored))
                .await?;
            attempts.push(Attempt {
                digest: record.id,
                sink: delivery.sink.clone(),
                recipient: delivery.recipient.clone(),
                state,
            });
        }
    }
    Ok(attempts)
}

impl Attempt {
    /// The copy as people read it: the sink, and for mail its recipient.
    pub fn label(&self) -> String {
        copy_label(&self.sink, self.recipient.as_deref())
    }
}

/// A copy of a digest as people read it: `email:smtp://host:25 → desk@example.org`.
pub fn copy_label(sink: &str, recipient: Option<&str>) -> String {
    match recipient {
        Some(to) => format!("{sink} → {to}"),
        None => sink.to_string(),
    }
}

/// The wait after `attempts` failed attempts.
fn retry_after(attempts: u32) -> Duration {
    FIRST_RETRY
        .saturating_mul(1 << attempts.saturating_sub(1).min(16))
        .min(MAX_RETRY)
}

fn chrono_of(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// The configured sinks, named, with their defaults anchored in the store's folder.
pub fn sinks(config: &DigestConfig, store_dir: &Path) -> Vec<(String, Sink)> {
    config
        .sinks
        .iter()
        .map(|s| (s.name.clone(), Sink::from_config(s, store_dir)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_six_hours() {
        assert_eq!(retry_after(1), Duration::from_secs(300));
        assert_eq!(retry_after(2), Duration::from_secs(600));
        assert_eq!(retry_after(30), MAX_RETRY);
    }
}
