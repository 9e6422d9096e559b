//! Article pages a refresh fetches: the new articles a listing page links to (page sources) and
//! the full text behind a teaser feed's items (`fetch_full`). Pages are fetched a few at a
//! time under the client's bounds, decoded and extracted on the blocking pool, and handed back
//! unjudged: the refresh judges them with everything else.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use url::Url;

use super::extract::{self, Extracted};
use super::feed::ParseError;
use super::fetch::{Fetched, Validators};
use super::{decode, page, Pipeline, RefreshError};
use crate::links::{canonical_url, LinkPolicy};
use crate::model::{Feed, FeedState, PageRules, Unfetched, Unjudged};
use crate::schedule;

/// Article pages of one source fetched at once (the per-host limit applies as well).
const PAGE_FETCHES: usize = 4;

impl Pipeline {
    /// A listing page's new articles, fetched and extracted, and how many could not be.
    pub(super) async fn read_page(
        &self,
        feed: &Feed,
        rules: &PageRules,
        listing: Fetched,
        now: DateTime<Utc>,
        state: &mut FeedState,
    ) -> Result<(Vec<Unjudged>, usize), RefreshError> {
        let policy = LinkPolicy::new(&feed.url, &feed.follow_hosts);
        let rules = rules.clone();
        let links = tokio::task::spawn_blocking(move || {
            let decoded = decode::decode(&listing.body, listing.content_type.as_deref());
            page::article_links(&decoded.text, &listing.final_url, &rules, &policy)
        })
        .await
        .map_err(|e| ParseError::Malformed(format!("link finder crashed: {e}")))?;
        let new = self.unknown(links, now).await?;
        // Forget failures of links that left the listing (or were stored meanwhile); wait out
        // the backoff of the others.
        state
            .unfetched
            .retain(|url, _| new.iter().any(|u| u.as_str() == url));
        let new: Vec<Url> = new
            .into_iter()
            .filter(|u| state.unfetched.get(u.as_str()).is_none_or(|f| f.retry_at <= now))
            .collect();
        if new.len() > page::MAX_ARTICLES_PER_POLL {
            tracing::info!(
                feed = %feed.name,
                found = new.len(),
                "more new article links than one poll reads; the rest follow on the next polls"
            );
        }
        let pages = self
            .fetch_pages(feed, new.into_iter().take(page::MAX_ARTICLES_PER_POLL).collect())
            .await;
        let failed = pages.iter().filter(|p| p.1.is_err()).count();
        for (url, result) in &pages {
            match result {
                Ok(_) => {
                    state.unfetched.remove(url.as_str());
                }
                Err(error) => {
                    let failures = state.unfetched.get(url.as_str()).map_or(0, |f| f.failures) + 1;
                    let delay = schedule::backoff(feed.schedule.interval, failures);
                    state.unfetched.insert(
                        url.to_string(),
                        Unfetched {
                            failures,
                            retry_at: now + schedule::to_chrono(delay),
                            error: error.clone(),
                        },
                    );
                }
            }
        }
        let entries = pages
            .into_iter()
            .filter_map(|(url, extracted)| {
                extracted
                    .ok()
                    .map(|x| page::entry_from_page(&url, x, feed.language.as_deref()))
            })
            .collect();
        Ok((entries, failed))
    }

    /// Gives a feed's new items the full text of their pages, the feed's text becoming the
    /// summary; items whose page cannot be fetched keep the feed's text. Returns how many
    /// pages could not be read.
    pub(super) async fn full_text(
        &self,
        feed: &Feed,
        entries: &mut [Unjudged],
        now: DateTime<Utc>,
    ) -> Result<usize, RefreshError> {
        let policy = LinkPolicy::new(&feed.url, &feed.follow_hosts);
        let urls: Vec<String> = entries.iter().map(|e| e.entry.url.clone()).collect();
        let known = self.store.call(move |s| s.known_urls(&urls, now)).await?;
        let wanted: Vec<Url> = entries
            .iter()
            .zip(&known)
            .filter(|(_, known)| !**known)
            .filter_map(|(e, _)| Url::parse(&e.entry.link).ok())
            .filter(|u| {
                let allowed = policy.allows(u);
                if !allowed {
                    tracing::debug!(feed = %feed.name, url = %u, "full text not fetched: host not followed");
                }
                allowed
            })
            .take(page::MAX_ARTICLES_PER_POLL)
            .collect();
        let fetched = self.fetch_pages(feed, wanted).await;
        let unfetched = fetched.iter().filter(|p| p.1.is_err()).count();
        let mut pages: HashMap<String, Extracted> = fetched
            .into_iter()
            .filter_map(|(url, x)| x.ok().map(|x| (url.to_string(), x)))
            .collect();
        for item in entries.iter_mut() {
            let entry = &mut item.entry;
            let key = Url::parse(&entry.link).map(|u| u.to_string()).unwrap_or_default();
            let Some(page) = pages.remove(&key).filter(|p| !p.text.is_empty()) else {
                continue;
            };
            let summary = std::mem::replace(&mut entry.text, page.text);
            entry.summary = Some(summary);
            entry.published = entry.published.or(page.published);
            for link in page.links {
                if !entry.links.contains(&link) {
                    entry.links.push(link);
                }
            }
            for cited in page.cited {
                if !entry.cited.contains(&cited) {
                    entry.cited.push(cited);
                }
            }
            // The page's declared language speaks for the text now in hand.
            item.lang_hint = page.lang_hint.or_else(|| feed.language.clone());
        }
        Ok(unfetched)
    }

    /// The links not stored yet, in order.
    async fn unknown(&self, links: Vec<Url>, now: DateTime<Utc>) -> Result<Vec<Url>, RefreshError> {
        let urls: Vec<String> = links.iter().map(|u| canonical_url(u).to_string()).collect();
        let known = self.store.call(move |s| s.known_urls(&urls, now)).await?;
        Ok(links
            .into_iter()
            .zip(known)
            .filter(|(_, k)| !k)
            .map(|(u, _)| u)
            .collect())
    }

    /// Fetches and extracts article pages, a few at a time (the client's per-host limit holds
    /// too); a page that fails is logged with the source's name and comes back as the reason.
    async fn fetch_pages(&self, feed: &Feed, urls: Vec<Url>) -> Vec<(Url, Result<Extracted, String>)> {
        let fetches = urls.into_iter().map(|url| async move {
            let fetched = match self.http.get(&url, &Validators::default(), &feed.limits).await {
                Ok(f) => f,
                Err(e) => {
                    tracing::warn!(feed = %feed.name, url = %url, error = %e, "article page not fetched");
                    return (url, Err(e.to_string()));
                }
            };
            let base = fetched.final_url.clone();
            let extracted = tokio::task::spawn_blocking(move || {
                let decoded = decode::decode(&fetched.body, fetched.content_type.as_deref());
                extract::extract(&decoded.text, &base, fetched.content_language.as_deref())
            })
            .await;
            match extracted {
                Ok(x) => (url, Ok(x)),
                Err(e) => {
                    tracing::warn!(feed = %feed.name, url = %url, error = %e, "article page not extracted");
                    (url, Err(format!("extraction crashed: {e}")))
                }
            }
        });
        futures_util::stream::iter(fetches)
            .buffered(PAGE_FETCHES)
            .collect()
            .await
    }
}
