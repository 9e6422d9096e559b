//! Retention (`[store] keep`): articles fetched longer ago leave the store with everything
//! that points at them (URL, time index, fingerprint, links and citations, story membership),
//! in bounded transactions so that ingest goes on between them; stories shrink with their
//! members and vanish with the last; digest records whose copies are all settled go too.
//!
//! A feed may list an item long after retention removed its article (a slow blog, an archive
//! page): the removed URL is remembered in `pruned_urls`, with the last time a feed listed it,
//! so that it is not stored, judged and told in a digest again. It is forgotten once no feed
//! has listed it for as long as `keep`.

use chrono::{DateTime, Utc};
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};

use super::codec::{
    alias_key, article_story_key, decode, encode, id_from, listed_from, listed_value, member_key, ref_key,
    signature_key, story_key, time_key, KIND_CITED, KIND_LINK,
};
use super::{DeliveryState, Store, StoreError, Story};
use crate::model::Article;

/// Articles removed per transaction: small enough that ingest never waits long for the
/// writer's lock, large enough that a year's backlog goes in seconds.
const PRUNE_BATCH: usize = 256;

/// What a prune removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pruned {
    /// Articles removed.
    pub articles: usize,
    /// Stories whose last article went.
    pub stories: usize,
    /// Digest records removed (made before the cutoff, every copy delivered or given up).
    pub digests: usize,
    /// Removed URLs forgotten: no feed listed them since the cutoff.
    #[serde(default)]
    pub forgotten: usize,
}

/// Whether a pruned URL's last listing is old enough to note a new one (once a day at most,
/// so that a feed polled hourly does not write on every poll).
pub(super) fn stale(listed: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - listed >= chrono::Duration::days(1)
}

impl Store {
    /// Removes what was fetched before `cutoff`. Article ids grow with fetch time, so the
    /// oldest come first and the walk stops at the first one to keep; an article whose id
    /// is younger than its fetch time (a clock set back) waits for the next prune. `now`
    /// dates the removed URLs' memory.
    pub fn prune(&self, cutoff: DateTime<Utc>, now: DateTime<Utc>) -> Result<Pruned, StoreError> {
        let mut total = Pruned::default();
        self.mark_ids()?;
        loop {
            self.check_writable()?;
            // Ingest decides stories from what is stored: nothing may vanish in between.
            let _writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
            let mut batch = Vec::with_capacity(PRUNE_BATCH);
            for item in self.articles.iter() {
                let (key, value) = item?;
                if key.len() != 8 {
                    continue;
                }
                let article: Article = decode("articles", &value)?;
                if article.fetched >= cutoff || batch.len() == PRUNE_BATCH {
                    break;
                }
                batch.push(article);
            }
            if batch.is_empty() {
                break;
            }
            total.stories += self.remove_articles(&batch, now)?;
            self.forget_for_search(&batch.iter().map(|a| a.id).collect::<Vec<_>>())?;
            total.articles += batch.len();
            if batch.len() < PRUNE_BATCH {
                break;
            }
        }
        total.digests = self.prune_digests(cutoff)?;
        total.forgotten = self.forget_pruned_urls(cutoff)?;
        if total != Pruned::default() {
            self.flush()?;
        }
        Ok(total)
    }

    /// Removes `articles` and what points at them in one transaction; returns how many
    /// stories lost their last article.
    fn remove_articles(&self, articles: &[Article], now: DateTime<Utc>) -> Result<usize, StoreError> {
        let listed = listed_value(now);
        let result = (
            &self.articles,
            &self.by_url,
            &self.by_time,
            &self.fingerprints,
            &self.refs,
            &self.stories,
            &self.pruned_urls,
        )
            .transaction(
                |(tx_articles, by_url, by_time, fingerprints, refs, stories, pruned_urls)| {
                    let mut emptied = 0;
                    for article in articles {
                        let id = article.id;
                        tx_articles.remove(&id.to_be_bytes())?;
                        // The URL is another article's only if it was re-stored under a new id.
                        if by_url
                            .get(article.entry.url.as_bytes())?
                            .is_some_and(|v| v.as_ref() == id.to_be_bytes())
                        {
                            by_url.remove(article.entry.url.as_bytes())?;
                            pruned_urls.insert(article.entry.url.as_bytes(), &listed)?;
                        }
                        by_time.remove(time_key(article.sort_time(), id).as_slice())?;
                        fingerprints.remove(signature_key(id).as_slice())?;
                        for url in article.entry.links.iter().chain(&article.entry.cited) {
                            for kind in [KIND_LINK, KIND_CITED] {
                                refs.remove(ref_key(url, kind, id))?;
                            }
                        }
                        // A founder has no `A` key: its story has its id.
                        let story = match stories.get(article_story_key(id).as_slice())? {
                            Some(v) => id_from(&v, "stories").map_err(abort)?,
                            None => id,
                        };
                        stories.remove(article_story_key(id).as_slice())?;
                        stories.remove(alias_key(id).as_slice())?;
                        if stories.remove(member_key(story, id).as_slice())?.is_none() {
                            continue;
                        }
                        if let Some(record) = stories.get(story_key(story).as_slice())? {
                            let mut record: Story = decode("stories", &record).map_err(abort)?;
                            record.size = record.size.saturating_sub(1);
                            if record.size == 0 {
                                stories.remove(story_key(story).as_slice())?;
                                emptied += 1;
                            } else {
                                stories.insert(story_key(story).as_slice(), encode(&record))?;
                            }
                        }
                    }
                    Ok(emptied)
                },
            );
        result.map_err(|e| match e {
            TransactionError::Abort(e) => e,
            TransactionError::Storage(e) => StoreError::Io(e),
        })
    }

    /// Forgets removed URLs no feed listed since `cutoff`; returns how many.
    fn forget_pruned_urls(&self, cutoff: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut forgotten = 0;
        for item in self.pruned_urls.iter() {
            let (url, listed) = item?;
            if listed_from(&listed).is_none_or(|at| at < cutoff) {
                self.check_writable()?;
                self.pruned_urls.remove(url)?;
                forgotten += 1;
            }
        }
        Ok(forgotten)
    }

    /// Removes digest records made before `cutoff` whose every copy is settled; a copy still
    /// pending or retried keeps its record, however old.
    fn prune_digests(&self, cutoff: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut removed = 0;
        for record in self.digests()? {
            let settled = record.deliveries.iter().all(|d| {
                matches!(
                    d.state,
                    DeliveryState::Delivered { .. } | DeliveryState::Dead { .. }
                )
            });
            if record.created < cutoff && settled {
                self.digests.remove(record.id.to_be_bytes())?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

fn abort(e: StoreError) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Entry, LangGuess, LangMethod, Unjudged};
    use crate::store::{ArticleFilter, Delivery, DigestRecord};

    const WIRE: &str = "More than sixty countries signed the United Nations Convention against Cybercrime at a \
        ceremony in Hanoi on Saturday, opening a new chapter in cooperation on electronic evidence. The treaty \
        enters into force ninety days after the fortieth ratification.";

    fn day(n: i64) -> DateTime<Utc> {
        "2026-01-01T12:00:00Z".parse::<DateTime<Utc>>().unwrap() + chrono::Duration::days(n)
    }

    fn judged(url: &str, title: &str, text: &str, published: DateTime<Utc>) -> Entry {
        let entry = Entry {
            url: url.into(),
            link: url.into(),
            title: title.into(),
            text: text.into(),
            summary: None,
            published: Some(published),
            updated: None,
            authors: vec![],
            topics: vec![],
            links: vec![],
            cited: vec![],
            fingerprint: None,
            event: Default::default(),
            lang: LangGuess {
                lang: Some("en".into()),
                confidence: 1.0,
                method: LangMethod::Text,
            },
        };
        crate::pipeline::Judges::default().judge_entry(Unjudged {
            entry,
            lang_hint: Some("en".into()),
        })
    }

    fn digest(id: u64, created: DateTime<Utc>, state: DeliveryState) -> DigestRecord {
        DigestRecord {
            id,
            created,
            window_start: None,
            window_end: created,
            articles_from: 0,
            articles_to: 0,
            subject: format!("digest {id}"),
            date: created.format("%Y-%m-%d").to_string(),
            stories: vec![],
            deliveries: vec![Delivery {
                sink: "file:/tmp".into(),
                recipient: None,
                body: "b".into(),
                attempts: 1,
                state,
            }],
        }
    }

    #[test]
    fn pruning_removes_exactly_what_was_fetched_before_the_cutoff_and_stories_follow() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let a = judged("https://wire.example/a", "Hanoi signing", WIRE, day(0));
        let b = judged(
            "https://paper.example/b",
            "Hanoi signing",
            &format!("UPDATE: {WIRE}"),
            day(0),
        );
        let mut c = judged(
            "https://c.example/c",
            "Harvest",
            "A record harvest is expected this year.",
            day(0),
        );
        c.links = vec!["https://elsewhere.example/report".into()];
        c.cited = vec!["https://source.example/original".into()];
        store.upsert_entries("wire", &[a.clone(), b, c], day(0)).unwrap();
        let d = judged(
            "https://late.example/d",
            "Hanoi signing",
            &format!("{WIRE} Reactions followed."),
            day(10),
        );
        assert_eq!(store.upsert_entries("late", &[d], day(10)).unwrap().joined, 1);
        let e = judged(
            "https://e.example/e",
            "Floods",
            "Floods closed the northern roads on Monday.",
            day(100),
        );
        store.upsert_entries("late", &[e], day(100)).unwrap();
        let id = |u: &str| store.article_by_url(u).unwrap().map(|a| a.id);
        let story = id("https://wire.example/a").unwrap();
        assert_eq!(store.story(story).unwrap().unwrap().size, 3);
        store
            .record_digest(&digest(1, day(1), DeliveryState::Delivered { at: day(1) }))
            .unwrap();
        store
            .record_digest(&digest(
                2,
                day(2),
                DeliveryState::Failed {
                    error: "down".into(),
                    next_try: day(3),
                },
            ))
            .unwrap();
        store
            .record_digest(&digest(3, day(50), DeliveryState::Delivered { at: day(50) }))
            .unwrap();

        let pruned = store.prune(day(5), day(6)).unwrap();
        assert_eq!(
            pruned,
            Pruned {
                articles: 3,
                stories: 0,
                digests: 1,
                forgotten: 0,
            }
        );
        let left: Vec<String> = store
            .list(&ArticleFilter::default())
            .unwrap()
            .into_iter()
            .map(|a| a.entry.url)
            .collect();
        assert_eq!(left, ["https://e.example/e", "https://late.example/d"]);
        assert_eq!(id("https://wire.example/a"), None);
        assert_eq!(
            store.known_urls(&["https://c.example/c".into()], day(6)).unwrap(),
            [true],
            "a pruned page is not fetched again while it is listed"
        );
        assert_eq!(
            store.refs.len(),
            0,
            "the old article's links and citations went with it"
        );
        for key in store.fingerprints.scan_prefix(b"S").keys() {
            let owner = id_from(&key.unwrap()[1..], "fingerprints").unwrap();
            assert!(
                store.article(owner).unwrap().is_some(),
                "fingerprint of pruned {owner}"
            );
        }
        // The story keeps its id and its one member left.
        let late = id("https://late.example/d").unwrap();
        assert_eq!(store.story_of(late).unwrap(), story);
        assert_eq!(store.story(story).unwrap().unwrap().size, 1);
        assert_eq!(store.story_members(story).unwrap(), [late]);
        let digests: Vec<u64> = store.digests().unwrap().iter().map(|d| d.id).collect();
        assert_eq!(digests, [3, 2], "a copy still being retried keeps its digest");

        // Nothing more before the same cutoff; the last member takes the story with it.
        assert_eq!(store.prune(day(5), day(6)).unwrap(), Pruned::default());
        assert_eq!(
            store.prune(day(20), day(21)).unwrap(),
            Pruned {
                articles: 1,
                stories: 1,
                digests: 0,
                forgotten: 3,
            }
        );
        assert!(store.story(story).unwrap().is_none());
        assert_eq!(store.stories.scan_prefix(b"M").count(), 0);
        assert_eq!(store.stories.scan_prefix(b"A").count(), 0);

        // A pruned URL forgotten and listed again is a new article; the store reopens as it
        // was left.
        assert_eq!(store.upsert_entries("wire", &[a], day(101)).unwrap().new, 1);
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.list(&ArticleFilter::default()).unwrap().len(), 2);
    }

    #[test]
    fn an_item_its_feed_still_lists_after_pruning_is_not_stored_again_until_the_feed_drops_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let slow = judged(
            "https://blog.example/post",
            "Harvest",
            "A record harvest is expected.",
            day(0),
        );
        let keep = chrono::Duration::days(7);
        assert_eq!(
            store
                .upsert_entries("blog", std::slice::from_ref(&slow), day(0))
                .unwrap()
                .new,
            1
        );
        assert_eq!(store.prune(day(8) - keep, day(8)).unwrap().articles, 1);

        // Each later poll that still lists it stores nothing, and says why.
        for d in [9, 12, 20] {
            let counts = store
                .upsert_entries("blog", std::slice::from_ref(&slow), day(d))
                .unwrap();
            assert_eq!((counts.new, counts.pruned), (0, 1), "day {d}");
            assert_eq!(
                store.prune(day(d) - keep, day(d)).unwrap().forgotten,
                0,
                "day {d}"
            );
        }
        assert!(store.list(&ArticleFilter::default()).unwrap().is_empty());
        // Listed on day 20, so remembered until day 27; then forgotten, and new if it returns.
        assert_eq!(store.prune(day(26) - keep, day(26)).unwrap().forgotten, 0);
        assert_eq!(store.prune(day(28) - keep, day(28)).unwrap().forgotten, 1);
        assert_eq!(store.upsert_entries("blog", &[slow], day(29)).unwrap().new, 1);
    }
}
