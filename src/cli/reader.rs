//! Where the read commands read: the store itself, or the daemon that holds it (sled admits
//! one process). Both give the query layer's views, so a command prints the same either way.

use std::path::PathBuf;

use crate::api::client::{ApiClient, Found};
use crate::config::Config;
use crate::model::Feed;
use crate::query::{self, ArticleKey, ArticleView, FeedView, StoryView, UndeliveredView};
use crate::store::{ArticleFilter, Store, StoreError};

/// The store, opened here or read through the daemon's API.
pub enum Reader {
    /// Opened by this process: no daemon holds it.
    Store(Store),
    /// A running daemon holds it and answers on its socket.
    Daemon(ApiClient),
}

impl Reader {
    /// Reads through the daemon when one answers on the socket, else opens the store (which
    /// must exist already). With neither, the error says which was tried and why it failed.
    pub fn open(store_path: PathBuf, config: Option<&Config>) -> anyhow::Result<Reader> {
        let socket = crate::api::socket_path(config.and_then(|c| c.api_socket.as_deref()), &store_path);
        let nobody = match ApiClient::find(&socket)? {
            Found::Daemon(client) => return Ok(Reader::Daemon(client)),
            Found::Absent => format!("no daemon socket at {}", socket.display()),
            Found::Stale(why) => format!("a stale socket at {} ({why})", socket.display()),
        };
        if !store_path.exists() {
            return Err(super::no_store_yet(&store_path));
        }
        match Store::open(&store_path) {
            Ok(store) => Ok(Reader::Store(store)),
            Err(StoreError::Locked { .. }) => Err(super::exit(
                super::EXIT_STORE,
                format!(
                    "store {} is in use by another process, and {nobody}: is `treatywatch poll` running, or a daemon with another [api] socket?",
                    store_path.display()
                ),
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// Stored articles matching `filter`.
    pub fn articles(&self, filter: &ArticleFilter) -> anyhow::Result<Vec<ArticleView>> {
        Ok(match self {
            Reader::Store(store) => query::articles(store, filter)?,
            Reader::Daemon(api) => api.articles(filter)?,
        })
    }

    /// One article in full.
    pub fn article(&self, key: &ArticleKey) -> anyhow::Result<Option<ArticleView>> {
        Ok(match self {
            Reader::Store(store) => query::article(store, key)?,
            Reader::Daemon(api) => api.article(key)?,
        })
    }

    /// Stories with an article matching `filter`.
    pub fn stories(&self, filter: &ArticleFilter) -> anyhow::Result<Vec<StoryView>> {
        Ok(match self {
            Reader::Store(store) => query::stories(store, filter)?,
            Reader::Daemon(api) => api.stories(filter)?,
        })
    }

    /// Every digest record, newest first.
    pub fn digests(&self) -> anyhow::Result<Vec<crate::store::DigestRecord>> {
        Ok(match self {
            Reader::Store(store) => store.digests()?,
            Reader::Daemon(api) => api.digests()?,
        })
    }

    /// One story, by its id (or one it had before a merge).
    pub fn story(&self, id: u64) -> anyhow::Result<Option<StoryView>> {
        Ok(match self {
            Reader::Store(store) => query::story(store, id)?,
            Reader::Daemon(api) => api.story(id)?,
        })
    }

    /// Feed health: of `configured` when reading the store, of the daemon's running feeds
    /// through it.
    pub fn feeds(&self, configured: &[Feed]) -> anyhow::Result<Vec<FeedView>> {
        Ok(match self {
            Reader::Store(store) => query::feeds(store, configured)?,
            Reader::Daemon(api) => api.feeds()?,
        })
    }

    /// Articles containing `text`.
    pub fn search(&self, text: &str, filter: &ArticleFilter) -> anyhow::Result<Vec<ArticleView>> {
        Ok(match self {
            Reader::Store(store) => query::search(store, text, filter)?,
            Reader::Daemon(api) => api.search(text, filter)?,
        })
    }

    /// Every article matching `filter` in full, one at a time.
    pub fn export(
        &self,
        filter: &ArticleFilter,
        mut visit: impl FnMut(ArticleView) -> std::io::Result<()>,
    ) -> anyhow::Result<()> {
        match self {
            Reader::Store(store) => {
                // Writing failed (a closed pipe): the scan stops and the error is the answer.
                let mut failed = None;
                query::export(store, filter, |view| match visit(view) {
                    Ok(()) => Ok(true),
                    Err(e) => {
                        failed = Some(e);
                        Ok(false)
                    }
                })?;
                if let Some(e) = failed {
                    return Err(e.into());
                }
            }
            Reader::Daemon(api) => api.export(filter, visit)?,
        }
        Ok(())
    }

    /// Counts over the store.
    pub fn stats(&self) -> anyhow::Result<crate::store::StoreStats> {
        Ok(match self {
            Reader::Store(store) => query::stats(store)?,
            Reader::Daemon(api) => api.stats()?,
        })
    }

    /// Whether the daemon's store is failing its writes (a store read directly is not).
    pub fn store_trouble(&self) -> Option<crate::store::StoreTrouble> {
        match self {
            Reader::Store(_) => None,
            Reader::Daemon(api) => api.health.store_trouble.clone(),
        }
    }

    /// The store's consistency.
    pub fn check(&self) -> anyhow::Result<crate::store::StoreCheck> {
        Ok(match self {
            Reader::Store(store) => query::check(store)?,
            Reader::Daemon(api) => api.check()?,
        })
    }

    /// Digest copies not delivered.
    pub fn undelivered(&self) -> anyhow::Result<Vec<UndeliveredView>> {
        Ok(match self {
            Reader::Store(store) => query::undelivered(store)?,
            Reader::Daemon(api) => api.undelivered()?,
        })
    }
}
