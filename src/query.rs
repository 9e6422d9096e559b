//! The read operations over the store (`list`, `show`, `stories`, `feeds`), each returning
//! typed results. The CLI prints them and the local API serves them, both from these types'
//! serialisation, so the two can never drift. Times are RFC 3339 strings in UTC, to the second.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Article, Entry, Feed, FeedState, LangMethod, TopicMatch};
use crate::store::{ArticleFilter, DeliveryState, JoinReason, Store, StoreError};

/// RFC 3339 in UTC, to the second: how every time in a view is written.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// An article (stored, or only parsed) as readers see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleView {
    /// Store id; `null` for entries that were only parsed.
    pub id: Option<u64>,
    /// Canonical URL.
    pub url: String,
    /// The link as the feed gave it.
    pub link: String,
    /// Title.
    pub title: String,
    /// Language code or `null`.
    pub lang: Option<String>,
    /// Detection confidence.
    pub lang_confidence: f64,
    /// What decided the language.
    pub lang_method: LangMethod,
    /// Feed name.
    pub feed: String,
    /// Publication time.
    pub published: Option<String>,
    /// First stored (or, for `parse`, fetched).
    pub fetched: String,
    /// The time it sorts by: publication, unless missing or in the future, else first sight.
    pub sort_time: String,
    /// Last update the feed declared.
    pub updated: Option<String>,
    /// Authors.
    pub authors: Vec<String>,
    /// Names of the topics it matched.
    pub topics: Vec<String>,
    /// The story it belongs to; `null` for entries that were only parsed.
    pub story: Option<u64>,
    /// Sources it cites.
    pub cited: Vec<String>,
    /// Body text, only for one article in full (`show`, `parse`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The feed's summary when `text` is the page's full text (`fetch_full`), only in full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// When its content last changed in the store, only in full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<String>,
    /// The topics with their scores and the phrases found, only in full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_matches: Option<Vec<TopicMatch>>,
    /// Topics it is in only through its story (another article of the story matched them, so
    /// digests about them list this one too), only in full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topics_via_story: Option<Vec<String>>,
    /// Why it joined its story (full view only; absent for a story's founder and for
    /// articles stored before reasons were kept).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub joined: Option<JoinReason>,
}

impl ArticleView {
    /// An entry that was parsed but not stored, as seen at `fetched`; with its text.
    pub fn parsed(entry: &Entry, feed: &str, fetched: DateTime<Utc>) -> ArticleView {
        ArticleView::of(
            None,
            feed,
            fetched,
            crate::model::sort_time(entry, fetched),
            entry,
            true,
        )
    }

    /// A stored article in `story`; `full` adds its text and what only `show` prints.
    pub fn stored(article: &Article, story: u64, full: bool) -> ArticleView {
        let mut view = ArticleView::of(
            Some(article.id),
            &article.feed,
            article.fetched,
            article.sort_time(),
            &article.entry,
            full,
        );
        view.story = Some(story);
        if full {
            view.changed = article.changed.map(rfc3339);
            view.topic_matches = Some(article.entry.topics.clone());
        }
        view
    }

    fn of(
        id: Option<u64>,
        feed: &str,
        fetched: DateTime<Utc>,
        sort_time: DateTime<Utc>,
        entry: &Entry,
        with_text: bool,
    ) -> ArticleView {
        ArticleView {
            id,
            url: entry.url.clone(),
            link: entry.link.clone(),
            title: entry.title.clone(),
            lang: entry.lang.lang.clone(),
            lang_confidence: entry.lang.confidence,
            lang_method: entry.lang.method,
            feed: feed.to_string(),
            published: entry.published.map(rfc3339),
            fetched: rfc3339(fetched),
            sort_time: rfc3339(sort_time),
            updated: entry.updated.map(rfc3339),
            authors: entry.authors.clone(),
            topics: entry.topics.iter().map(|t| t.name.clone()).collect(),
            story: None,
            cited: entry.cited.clone(),
            text: with_text.then(|| entry.text.clone()),
            summary: entry.summary.clone().filter(|_| with_text),
            changed: None,
            topic_matches: None,
            topics_via_story: None,
            joined: None,
        }
    }
}

/// Stored articles, newest first, filtered.
pub fn articles(store: &Store, filter: &ArticleFilter) -> Result<Vec<ArticleView>, StoreError> {
    store
        .list(filter)?
        .iter()
        .map(|a| Ok(ArticleView::stored(a, store.story_of(a.id)?, false)))
        .collect()
}

/// Every article matching `filter` in full (text, summary, topic matches), newest first,
/// handed to `visit` one at a time until it answers `false`: an export never holds the store.
pub fn export(
    store: &Store,
    filter: &ArticleFilter,
    mut visit: impl FnMut(ArticleView) -> Result<bool, StoreError>,
) -> Result<(), StoreError> {
    let limit = filter.limit.unwrap_or(usize::MAX);
    let mut sent = 0usize;
    if limit == 0 {
        return Ok(());
    }
    store.scan(filter, |article| {
        sent += 1;
        Ok(visit(ArticleView::stored(&article, store.story_of(article.id)?, true))? && sent < limit)
    })
}

/// The languages a search query is read in: its words are stemmed as each would stem them.
/// Chinese (matched without word boundaries) only when the query has Chinese characters:
/// read as Chinese, "crime" would match inside "cybercrime".
const SEARCH_LANGUAGES: [&str; 7] = ["en", "fr", "es", "ru", "ar", "vi", "zh"];

/// Up to this many index candidates are read and sorted; more, and the newest-first walk that
/// skips the rest finds a page sooner.
const FEW_CANDIDATES: usize = 4096;

/// Stored articles whose title or text contains `text`, newest first, filtered: matched as
/// topic phrases are (normalised, stemmed, Arabic clitics and Vietnamese NFD alike, Chinese
/// without word boundaries). `filter.limit` counts matches. The search index narrows which
/// articles are read; the matcher decides.
pub fn search(store: &Store, text: &str, filter: &ArticleFilter) -> Result<Vec<ArticleView>, StoreError> {
    search_reading(store, text, filter, FEW_CANDIDATES)
}

/// [`search`], reading and sorting up to `few` candidates and walking newest-first past more.
pub(crate) fn search_reading(
    store: &Store,
    text: &str,
    filter: &ArticleFilter,
    few: usize,
) -> Result<Vec<ArticleView>, StoreError> {
    let chinese = text.chars().any(crate::pipeline::topic::is_han);
    let languages: Vec<&str> = SEARCH_LANGUAGES
        .into_iter()
        .filter(|l| *l != "zh" || chinese)
        .collect();
    let query = crate::config::TopicConfig {
        name: "search".into(),
        phrases: languages
            .iter()
            .map(|lang| (lang.to_string(), vec![text.to_string()]))
            .collect(),
        exclude: Default::default(),
        actors: Default::default(),
        min_score: 1.0,
        max_gap: 2,
    };
    let matcher = crate::pipeline::topic::Topics::new(&[query]);
    let limit = filter.limit.unwrap_or(usize::MAX);
    let mut found = Vec::new();
    if limit == 0 || text.trim().is_empty() {
        return Ok(found);
    }
    let matches = |article: &Article| {
        let e = &article.entry;
        !matcher
            .classify(&e.title, &e.text, e.lang.lang.as_deref())
            .is_empty()
    };
    let terms: crate::store::TermQuery = languages
        .iter()
        .map(|lang| crate::pipeline::topic::phrase_terms(text, lang))
        .filter(|groups| !groups.is_empty())
        .collect();
    let candidates = store.search_candidates(&terms)?;
    match candidates {
        Some(ids) if ids.len() <= few => {
            let mut admitted = Vec::new();
            for id in ids {
                if let Some(article) = store.article(id)? {
                    if filter.admits(&article) {
                        admitted.push(article);
                    }
                }
            }
            // The order of `Store::scan`: newest sort time first, then the higher id. Sorted
            // before matching, which costs most, so that a page stops at its limit.
            admitted.sort_by_key(|a| std::cmp::Reverse((a.sort_time(), a.id)));
            for article in admitted {
                if found.len() == limit {
                    break;
                }
                if matches(&article) {
                    found.push(ArticleView::stored(&article, store.story_of(article.id)?, false));
                }
            }
        }
        candidates => store.scan_where(
            filter,
            |id| candidates.as_ref().is_none_or(|ids| ids.contains(&id)),
            |article| {
                if matches(&article) {
                    found.push(ArticleView::stored(&article, store.story_of(article.id)?, false));
                }
                Ok(found.len() < limit)
            },
        )?,
    }
    Ok(found)
}

/// Brings the search index up to date: indexes what was stored since its last full segment
/// (with `all`, every dirty article), or for a store older than the index, builds it.
pub fn index_for_search(store: &Store, all: bool) -> Result<crate::store::Indexed, StoreError> {
    let mut total = crate::store::Indexed::default();
    loop {
        let pass = index_pass(store, all)?;
        total.articles += pass.articles;
        total.segments += pass.segments;
        total.merged += pass.merged;
        if pass.segments == 0 && pass.merged == 0 && store.search_index_built()? {
            return Ok(total);
        }
    }
}

/// One step of [`index_for_search`]: at most one segment, or the step that ends a build.
pub fn index_pass(store: &Store, all: bool) -> Result<crate::store::Indexed, StoreError> {
    let terms = |article: &Article| {
        let e = &article.entry;
        crate::pipeline::topic::search_terms(&e.title, &e.text, e.lang.lang.as_deref())
    };
    store.index_for_search(&terms, all)
}

/// How a reader names one article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArticleKey {
    /// Its store id.
    Id(u64),
    /// Any of its URLs; canonicalised before the lookup.
    Url(url::Url),
}

/// One stored article in full, if there is one by that key.
pub fn article(store: &Store, key: &ArticleKey) -> Result<Option<ArticleView>, StoreError> {
    let found = match key {
        ArticleKey::Id(id) => store.article(*id)?,
        ArticleKey::Url(url) => store.article_by_url(crate::links::canonical_url(url).as_str())?,
    };
    let Some(article) = found else {
        return Ok(None);
    };
    let story = store.story_of(article.id)?;
    let mut view = ArticleView::stored(&article, story, true);
    let own: BTreeSet<&str> = article.entry.topics.iter().map(|t| t.name.as_str()).collect();
    let mut via = BTreeSet::new();
    for member in store.story_members(story)? {
        if member == article.id {
            continue;
        }
        if let Some(other) = store.article(member)? {
            via.extend(
                other
                    .entry
                    .topics
                    .iter()
                    .map(|t| t.name.clone())
                    .filter(|t| !own.contains(t.as_str())),
            );
        }
    }
    view.topics_via_story = Some(via.into_iter().collect());
    view.joined = store
        .join_reasons(story)?
        .into_iter()
        .find(|(member, _)| *member == article.id)
        .and_then(|(_, reason)| reason);
    Ok(Some(view))
}

/// A story: articles about one event, in every language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoryView {
    /// Its id.
    pub id: u64,
    /// Its first article's title.
    pub title: String,
    /// When its first article was stored.
    pub first_seen: String,
    /// When its last article was stored.
    pub updated: String,
    /// Its articles' languages, sorted.
    pub languages: Vec<String>,
    /// The feeds that brought its articles, sorted.
    pub outlets: Vec<String>,
    /// The topics its articles matched, sorted.
    pub topics: Vec<String>,
    /// Its articles, oldest first.
    pub members: Vec<MemberView>,
}

/// One article of a story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberView {
    /// Store id.
    pub id: u64,
    /// Canonical URL.
    pub url: String,
    /// Title.
    pub title: String,
    /// Language code or `null`.
    pub lang: Option<String>,
    /// The feed that brought it.
    pub feed: String,
    /// Publication time.
    pub published: Option<String>,
    /// Why it joined the story: `{"by": "copy" | "citation" | "link" | "details", "with":
    /// member id, …}` or `{"by": "merged", "via": id}`; `null` for the founder (and members
    /// stored before reasons were kept).
    pub joined: Option<JoinReason>,
}

/// Stories with an article matching `filter`, newest activity first; `filter.limit` counts
/// stories.
pub fn stories(store: &Store, filter: &ArticleFilter) -> Result<Vec<StoryView>, StoreError> {
    let mut out = Vec::new();
    for (id, members) in store.stories_of(filter)? {
        out.extend(story_view(store, id, &members)?);
    }
    Ok(out)
}

/// One story by its id, or by an id it had before a merge; `None` when no article has it.
pub fn story(store: &Store, id: u64) -> Result<Option<StoryView>, StoreError> {
    let id = store.resolve_story(id)?;
    let members = store
        .story_members(id)?
        .into_iter()
        .filter_map(|m| store.article(m).transpose())
        .collect::<Result<Vec<_>, _>>()?;
    // An article's id names its own story of one only while it is in no other.
    if members.len() == 1 && store.story_of(members[0].id)? != id {
        return Ok(None);
    }
    story_view(store, id, &members)
}

fn story_view(store: &Store, id: u64, members: &[Article]) -> Result<Option<StoryView>, StoreError> {
    let Some(first) = members.first() else {
        return Ok(None);
    };
    let mut reasons: std::collections::HashMap<u64, JoinReason> = store
        .join_reasons(id)?
        .into_iter()
        .filter_map(|(m, r)| r.map(|r| (m, r)))
        .collect();
    let set = |f: &dyn Fn(&Article) -> Vec<String>| -> Vec<String> {
        members
            .iter()
            .flat_map(f)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    Ok(Some(StoryView {
        id,
        title: first.entry.title.clone(),
        first_seen: rfc3339(members.iter().map(|a| a.fetched).min().unwrap_or(first.fetched)),
        updated: rfc3339(members.iter().map(|a| a.fetched).max().unwrap_or(first.fetched)),
        languages: set(&|a| a.entry.lang.lang.iter().cloned().collect()),
        outlets: set(&|a| vec![a.feed.clone()]),
        topics: set(&|a| a.entry.topics.iter().map(|t| t.name.clone()).collect()),
        members: members
            .iter()
            .map(|a| MemberView {
                id: a.id,
                url: a.entry.url.clone(),
                title: a.entry.title.clone(),
                lang: a.entry.lang.lang.clone(),
                feed: a.feed.clone(),
                published: a.entry.published.map(rfc3339),
                joined: reasons.remove(&a.id),
            })
            .collect(),
    }))
}

/// A feed's health, as the store recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedView {
    /// Its name.
    pub name: String,
    /// Its address when last polled (or as configured, before the first poll).
    pub url: String,
    /// Whether the feed is in the current config (a removed feed keeps its history).
    pub configured: bool,
    /// The feed's own title.
    pub title: Option<String>,
    /// When a poll last started.
    pub last_attempt: Option<String>,
    /// When a poll last succeeded.
    pub last_success: Option<String>,
    /// HTTP status of the last response.
    pub last_status: Option<u16>,
    /// Failures since the last success.
    pub consecutive_failures: u32,
    /// Why the last poll failed.
    pub last_error: Option<String>,
    /// The store's last failure while refreshing it (not the feed's fault).
    pub store_error: Option<String>,
    /// When it is next due.
    pub next_poll: Option<String>,
    /// `ETag` to send next time.
    pub etag: Option<String>,
    /// `Last-Modified` to send next time.
    pub last_modified: Option<String>,
    /// Articles it brought that were new to the store.
    pub articles: u64,
    /// Entries it last listed.
    pub last_entries: usize,
    /// Page sources: article pages that failed, with why and when they are tried again.
    pub unfetched: Vec<UnfetchedView>,
}

/// An article page that failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnfetchedView {
    /// Its address.
    pub url: String,
    /// Failures in a row.
    pub failures: u32,
    /// Why it last failed.
    pub error: String,
    /// Not tried again before this.
    pub retry_at: String,
}

impl FeedView {
    fn of(name: &str, configured: bool, s: &FeedState) -> FeedView {
        FeedView {
            name: name.to_string(),
            url: s.url.clone(),
            configured,
            title: s.title.clone(),
            last_attempt: s.last_attempt.map(rfc3339),
            last_success: s.last_success.map(rfc3339),
            last_status: s.last_status,
            consecutive_failures: s.consecutive_failures,
            last_error: s.last_error.clone(),
            store_error: s
                .store_error
                .as_ref()
                .map(|f| format!("{} (at {})", f.error, rfc3339(f.at))),
            next_poll: s.next_poll.map(rfc3339),
            etag: s.etag.clone(),
            last_modified: s.last_modified.clone(),
            articles: s.articles_new,
            last_entries: s.last_entries,
            unfetched: s
                .unfetched
                .iter()
                .map(|(url, u)| UnfetchedView {
                    url: url.clone(),
                    failures: u.failures,
                    error: u.error.clone(),
                    retry_at: rfc3339(u.retry_at),
                })
                .collect(),
        }
    }
}

/// Every configured feed's health, in config order, then that of feeds no longer configured,
/// by name.
pub fn feeds(store: &Store, configured: &[Feed]) -> Result<Vec<FeedView>, StoreError> {
    let mut states: BTreeMap<String, FeedState> = store.feed_states()?.into_iter().collect();
    let mut out = Vec::new();
    for feed in configured {
        let state = states.remove(&feed.name).unwrap_or_else(|| FeedState {
            url: feed.url.to_string(),
            ..FeedState::default()
        });
        out.push(FeedView::of(&feed.name, true, &state));
    }
    out.extend(
        states
            .iter()
            .map(|(name, state)| FeedView::of(name, false, state)),
    );
    Ok(out)
}

/// A digest copy that has not been delivered: failing (retried later) or dead (given up).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UndeliveredView {
    /// The digest.
    pub digest: u64,
    /// The date it is for.
    pub date: String,
    /// The sink, by name.
    pub sink: String,
    /// The recipient, for mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    /// Attempts so far.
    pub attempts: u32,
    /// `failed` or `dead`.
    pub state: String,
    /// What the sink said last.
    pub error: String,
    /// When it is tried again (failed copies only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_try: Option<String>,
}

/// Counts over the store: articles per language, feed and day, stories, bytes on disk.
pub fn stats(store: &Store) -> Result<crate::store::StoreStats, StoreError> {
    store.stats()
}

/// The store's consistency: every article by URL, time and story, every story's records.
pub fn check(store: &Store) -> Result<crate::store::StoreCheck, StoreError> {
    store.check()
}

/// Every digest copy that failed and is not delivered yet, newest digest first.
pub fn undelivered(store: &Store) -> Result<Vec<UndeliveredView>, StoreError> {
    let mut out = Vec::new();
    for record in store.digests()? {
        for d in &record.deliveries {
            let (state, error, next_try) = match &d.state {
                DeliveryState::Failed { error, next_try } => ("failed", error, Some(rfc3339(*next_try))),
                DeliveryState::Dead { error } => ("dead", error, None),
                DeliveryState::Pending | DeliveryState::Delivered { .. } => continue,
            };
            out.push(UndeliveredView {
                digest: record.id,
                date: record.date.clone(),
                sink: d.sink.clone(),
                recipient: d.recipient.clone(),
                attempts: d.attempts,
                state: state.to_string(),
                error: error.clone(),
                next_try,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LangGuess, StoreFailure};

    const WIRE: &str =
        "More than sixty countries signed the United Nations Convention against Cybercrime at a \
        ceremony in Hanoi on Saturday, opening a new chapter in cooperation on electronic evidence.";

    fn now() -> DateTime<Utc> {
        "2026-11-28T12:00:00Z".parse().unwrap()
    }

    fn judged(url: &str, title: &str, text: &str, lang: &str, published: &str) -> Entry {
        let published = Some(published.parse().unwrap());
        Entry {
            link: format!("{url}?utm_source=rss"),
            authors: vec!["A. Writer".into()],
            ..crate::pipeline::judge::judged_for_test(url, title, text, Some(lang), published)
        }
    }

    /// A store with a two-article story in two feeds and a lone article.
    fn store_with_story(dir: &std::path::Path) -> Store {
        let store = Store::open(dir).unwrap();
        let first = judged(
            "https://wire.example/a",
            "Sixty sign in Hanoi",
            WIRE,
            "en",
            "2026-11-27T08:00:00Z",
        );
        let mut lone = judged(
            "https://other.example/x",
            "Harvest up",
            "Farmers expect one of the best harvests in a decade after strong rains this season.",
            "en",
            "2026-11-26T08:00:00Z",
        );
        lone.lang = LangGuess {
            lang: Some("fr".into()),
            ..lone.lang
        };
        store.upsert_entries("wire", &[first, lone], now()).unwrap();
        let copy = judged(
            "https://paper.example/b",
            "Sixty sign in Hanoi",
            &format!("{WIRE} Reporting by staff."),
            "en",
            "2026-11-27T09:00:00Z",
        );
        store
            .upsert_entries("paper", &[copy], now() + chrono::Duration::hours(1))
            .unwrap();
        store
    }

    #[test]
    fn articles_are_listed_newest_first_with_their_story() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_story(dir.path());
        let all = articles(&store, &ArticleFilter::default()).unwrap();
        let urls: Vec<&str> = all.iter().map(|a| a.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://paper.example/b",
                "https://wire.example/a",
                "https://other.example/x"
            ]
        );
        assert_eq!(all[0].story, all[1].story);
        assert_ne!(all[0].story, all[2].story);
        assert_eq!(all[0].text, None, "lists carry no text");
        assert_eq!(all[0].sort_time, "2026-11-27T09:00:00Z");
        assert_eq!(all[1].topics, ["un-cybercrime-convention"]);
        let french = articles(
            &store,
            &ArticleFilter {
                lang: Some("fr".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(french.len(), 1);
        assert_eq!(french[0].title, "Harvest up");
    }

    #[test]
    fn one_article_in_full_by_id_or_any_url() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_story(dir.path());
        let by_url = article(
            &store,
            &ArticleKey::Url(url::Url::parse("https://wire.example/a?utm_source=x#top").unwrap()),
        )
        .unwrap()
        .unwrap();
        let id = by_url.id.unwrap();
        let by_id = article(&store, &ArticleKey::Id(id)).unwrap().unwrap();
        assert_eq!(by_url, by_id);
        assert_eq!(by_id.text.as_deref(), Some(WIRE));
        assert_eq!(by_id.authors, ["A. Writer"]);
        let matches = by_id.topic_matches.unwrap();
        assert_eq!(matches[0].name, "un-cybercrime-convention");
        assert!(matches[0].score >= 1.0);
        assert_eq!(article(&store, &ArticleKey::Id(id + 1000)).unwrap(), None);
        assert_eq!(by_id.topics_via_story, Some(vec![]), "its copy adds no topic");

        // An article that cites the wire without naming the treaty is in its topic through the
        // story, and says so.
        let mut citing = judged(
            "https://regional.example/r",
            "Delegations gather",
            "Delegations met on Saturday. Source: https://wire.example/a",
            "en",
            "2026-11-27T10:00:00Z",
        );
        citing.cited = vec!["https://wire.example/a".into()];
        assert!(citing.topics.is_empty());
        store.upsert_entries("regional", &[citing], now()).unwrap();
        let shown = article(
            &store,
            &ArticleKey::Url(url::Url::parse("https://regional.example/r").unwrap()),
        )
        .unwrap()
        .unwrap();
        assert_eq!(shown.story, by_id.story);
        assert!(shown.topics.is_empty());
        assert_eq!(
            shown.topics_via_story,
            Some(vec!["un-cybercrime-convention".to_string()])
        );
    }

    #[test]
    fn stories_gather_languages_outlets_and_members() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_story(dir.path());
        let stories = stories(&store, &ArticleFilter::default()).unwrap();
        assert_eq!(stories.len(), 2);
        let story = &stories[0];
        assert_eq!(story.title, "Sixty sign in Hanoi");
        assert_eq!(story.outlets, ["paper", "wire"]);
        assert_eq!(story.languages, ["en"]);
        assert_eq!(story.topics, ["un-cybercrime-convention"]);
        assert_eq!(story.first_seen, "2026-11-28T12:00:00Z");
        assert_eq!(story.updated, "2026-11-28T13:00:00Z");
        let members: Vec<&str> = story.members.iter().map(|m| m.url.as_str()).collect();
        assert_eq!(members, ["https://wire.example/a", "https://paper.example/b"]);
        // The founder joined nothing; the copy says what it copies and how alike they are.
        assert_eq!(story.members[0].joined, None);
        match &story.members[1].joined {
            Some(JoinReason::Copy { with, score }) => {
                assert_eq!(*with, story.members[0].id);
                assert!(*score >= crate::fingerprint::DUPLICATE_SIMILARITY && *score <= 1.0);
            }
            other => panic!("the copy joined by {other:?}"),
        }
        let json = serde_json::to_value(&story.members[1]).unwrap();
        assert_eq!(json["joined"]["by"], "copy");
        assert_eq!(stories[1].languages, ["fr"]);
        let limited = super::stories(
            &store,
            &ArticleFilter {
                limit: Some(1),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(limited.len(), 1);
    }

    #[test]
    fn feeds_come_in_config_order_then_the_unconfigured() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_story(dir.path());
        store
            .put_feed_state(
                "wire",
                &FeedState {
                    url: "https://wire.example/feed".into(),
                    consecutive_failures: 2,
                    last_error: Some("HTTP 500".into()),
                    store_error: Some(StoreFailure {
                        at: now(),
                        error: "store i/o: disk full".into(),
                    }),
                    ..Default::default()
                },
            )
            .unwrap();
        store.put_feed_state("gone", &FeedState::default()).unwrap();
        let config = crate::config::Config::parse(
            "[[feed]]\nname = \"new\"\nurl = \"https://new.example/rss\"\n\n[[feed]]\nname = \"wire\"\nurl = \"https://wire.example/feed\"\n",
            std::path::Path::new("feeds.toml"),
        )
        .unwrap();
        let views = feeds(&store, &config.feeds).unwrap();
        let names: Vec<(&str, bool)> = views.iter().map(|f| (f.name.as_str(), f.configured)).collect();
        assert_eq!(names, [("new", true), ("wire", true), ("gone", false)]);
        assert_eq!(views[0].url, "https://new.example/rss");
        assert_eq!(views[0].last_attempt, None);
        assert_eq!(views[1].consecutive_failures, 2);
        assert_eq!(views[1].last_error.as_deref(), Some("HTTP 500"));
        assert_eq!(
            views[1].store_error.as_deref(),
            Some("store i/o: disk full (at 2026-11-28T12:00:00Z)")
        );
    }
}

/// What one refresh did, as `poll --once` prints it and `POST /v1/poll` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PollView {
    /// The feed's name.
    pub feed: String,
    /// `stored`, `not_modified` or `failed`.
    pub outcome: String,
    /// Articles stored for the first time.
    pub new: usize,
    /// Stored articles whose content changed.
    pub updated: usize,
    /// Stored articles as they were.
    pub unchanged: usize,
    /// Entries without a usable link.
    pub skipped: usize,
    /// Article pages not fetched (retried at the next poll).
    pub unfetched: usize,
    /// Why it failed.
    pub error: Option<String>,
    /// Whether a failure was the feed's (it backs off) rather than the store's.
    pub feed_fault: bool,
}

impl PollView {
    /// The view of a refresh: what it stored, or why it failed (`error`, and whether the feed
    /// is to blame).
    pub fn new(feed: &str, outcome: Result<&crate::pipeline::RefreshOutcome, (String, bool)>) -> PollView {
        use crate::pipeline::RefreshOutcome;
        let mut view = PollView {
            feed: feed.to_string(),
            outcome: String::new(),
            new: 0,
            updated: 0,
            unchanged: 0,
            skipped: 0,
            unfetched: 0,
            error: None,
            feed_fault: false,
        };
        match outcome {
            Ok(RefreshOutcome::NotModified) => view.outcome = "not_modified".into(),
            Ok(RefreshOutcome::Stored {
                counts,
                skipped,
                unfetched,
            }) => {
                view.outcome = "stored".into();
                (view.new, view.updated, view.unchanged) = (counts.new, counts.updated, counts.unchanged);
                (view.skipped, view.unfetched) = (*skipped, *unfetched);
            }
            Err((error, feed_fault)) => {
                view.outcome = "failed".into();
                view.error = Some(error);
                view.feed_fault = feed_fault;
            }
        }
        view
    }

    /// Whether the refresh failed.
    pub fn failed(&self) -> bool {
        self.error.is_some()
    }

    /// The line `poll` prints for it.
    pub fn line(&self) -> String {
        match (&self.error, self.outcome.as_str()) {
            (Some(error), _) => format!("{}: failed: {error}", self.feed),
            (None, "not_modified") => format!("{}: not modified", self.feed),
            (None, _) => {
                let mut tail = String::new();
                if self.skipped > 0 {
                    tail.push_str(&format!(", {} without a link skipped", self.skipped));
                }
                if self.unfetched > 0 {
                    tail.push_str(&format!(
                        ", {} article pages not fetched (retried next poll)",
                        self.unfetched
                    ));
                }
                format!(
                    "{}: {} new, {} updated, {} unchanged{tail}",
                    self.feed, self.new, self.updated, self.unchanged
                )
            }
        }
    }
}
