//! The digest outbox: every digest as it was built, with the rendered bytes for each sink and
//! each sink's delivery state, so that nothing is lost and nothing is built twice. Recording a
//! digest and moving the cursor (the last article a digest has covered) is one transaction,
//! flushed to disk before anything is sent; every change of a delivery is flushed too.
//!
//! Keys: `digests`: id (u64 BE) → [`DigestRecord`]; `meta`: `digest_cursor` → [`Cursor`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;

use super::codec::{decode, encode, id_from};
use super::{Store, StoreError};
use crate::model::Article;

const CURSOR_KEY: &str = "digest_cursor";

/// How far digests have covered the store: articles are stored with growing ids, so a digest
/// covers the ids from where the previous one stopped, however late an article's own date is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    /// The first article id no digest has covered yet.
    pub next_article: u64,
    /// When the last digest's window ended.
    pub at: Option<DateTime<Utc>>,
}

/// Where one sink's copy of a digest stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum DeliveryState {
    /// Not sent yet.
    Pending,
    /// Sent and acknowledged.
    Delivered {
        /// When.
        at: DateTime<Utc>,
    },
    /// Failed; tried again at `next_try`.
    Failed {
        /// What the sink said last.
        error: String,
        /// When to try again.
        next_try: DateTime<Utc>,
    },
    /// Refused for good, or failing past the give-up age: not tried again.
    Dead {
        /// What the sink said last.
        error: String,
    },
}

/// One sink's copy of a digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// The sink, as the config names it (`file:/var/lib/treatywatch/digests`).
    pub sink: String,
    /// The recipient, for sinks that send one copy to each (mail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    /// The rendered body, exactly as it is sent (and resent).
    pub body: String,
    /// Attempts so far.
    pub attempts: u32,
    /// Where it stands.
    #[serde(flatten)]
    pub state: DeliveryState,
}

/// A digest as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DigestRecord {
    /// Its id, fixed for its life: file names and message ids derive from it.
    pub id: u64,
    /// When it was built.
    pub created: DateTime<Utc>,
    /// Where its window started (the previous digest's end; `None` for the first).
    pub window_start: Option<DateTime<Utc>>,
    /// Where its window ended.
    pub window_end: DateTime<Utc>,
    /// The articles it covered: ids from `articles_from` up to, not including, `articles_to`.
    pub articles_from: u64,
    /// See `articles_from`.
    pub articles_to: u64,
    /// Its subject line.
    pub subject: String,
    /// The date it is for (`YYYY-MM-DD`, in the digest's zone), which names its files.
    pub date: String,
    /// The stories it lists.
    pub stories: Vec<u64>,
    /// One per sink.
    pub deliveries: Vec<Delivery>,
}

impl Store {
    /// Where digests stand.
    pub fn digest_cursor(&self) -> Result<Cursor, StoreError> {
        match self.meta.get(CURSOR_KEY)? {
            Some(v) => decode("meta", &v),
            None => Ok(Cursor::default()),
        }
    }

    /// One past the highest article id stored (0 when empty): where the next digest's window
    /// ends.
    pub fn article_id_end(&self) -> Result<u64, StoreError> {
        match self.articles.last()? {
            Some((k, _)) => Ok(id_from(&k, "articles")? + 1),
            None => Ok(0),
        }
    }

    /// Articles with ids from `from` up to, not including, `to` (ids grow in the order articles
    /// were first stored).
    pub fn articles_between(&self, from: u64, to: u64) -> Result<Vec<Article>, StoreError> {
        if to <= from {
            return Ok(Vec::new());
        }
        self.articles
            .range(from.to_be_bytes()..to.to_be_bytes())
            .values()
            .map(|v| {
                let v = v?;
                decode("articles", &v)
            })
            .collect()
    }

    /// The first article id stored at or after `since` (articles are stored in time order), for
    /// previews of an arbitrary window; scans back from the newest.
    pub fn first_article_since(&self, since: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut first = self.article_id_end()?;
        for item in self.articles.iter().rev() {
            let (k, v) = item?;
            let article: Article = decode("articles", &v)?;
            if article.fetched < since {
                break;
            }
            first = id_from(&k, "articles")?;
        }
        Ok(first)
    }

    /// Records a digest and moves the cursor past it, in one transaction, flushed to disk before
    /// it returns: once this returns, the digest will be delivered, and never built again.
    pub fn record_digest(&self, digest: &DigestRecord) -> Result<(), StoreError> {
        self.check_writable()?;
        let cursor = Cursor {
            next_article: digest.articles_to,
            at: Some(digest.window_end),
        };
        let result = (&self.digests, &self.meta).transaction(|(digests, meta)| {
            digests.insert(&digest.id.to_be_bytes(), encode(digest))?;
            meta.insert(CURSOR_KEY, encode(&cursor))?;
            Ok::<_, ConflictableTransactionError<String>>(())
        });
        result.map_err(|e| match e {
            TransactionError::Abort(message) => StoreError::Corrupt {
                tree: "digests",
                message,
            },
            TransactionError::Storage(e) => StoreError::Io(e),
        })?;
        self.flush()
    }

    /// A new digest id.
    pub fn next_digest_id(&self) -> Result<u64, StoreError> {
        self.new_id()
    }

    /// Records where one sink's copy stands, flushed to disk before it returns.
    pub fn set_delivery(
        &self,
        digest: u64,
        sink: usize,
        attempts: u32,
        state: DeliveryState,
    ) -> Result<(), StoreError> {
        let Some(mut record) = self.digest(digest)? else {
            return Err(StoreError::Corrupt {
                tree: "digests",
                message: format!("no digest {digest}"),
            });
        };
        let Some(delivery) = record.deliveries.get_mut(sink) else {
            return Err(StoreError::Corrupt {
                tree: "digests",
                message: format!("digest {digest} has no sink {sink}"),
            });
        };
        delivery.attempts = attempts;
        delivery.state = state;
        self.digests.insert(digest.to_be_bytes(), encode(&record))?;
        self.flush()
    }

    /// One digest.
    pub fn digest(&self, id: u64) -> Result<Option<DigestRecord>, StoreError> {
        self.digests
            .get(id.to_be_bytes())?
            .map(|v| decode("digests", &v))
            .transpose()
    }

    /// Every digest, newest first.
    pub fn digests(&self) -> Result<Vec<DigestRecord>, StoreError> {
        self.digests
            .iter()
            .rev()
            .map(|item| {
                let (_, v) = item?;
                decode("digests", &v)
            })
            .collect()
    }
}
