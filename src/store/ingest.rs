//! One feed's entries into the store in one transaction. Each entry is decided in order (new or
//! known, which story) by reading the store through an overlay of what this batch has already
//! decided, so that a batch carrying two copies of one story, or an article and its citation,
//! comes out as if stored one by one; then everything is written at once. A transaction per
//! article cost more than everything else ingest does.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;

use super::codec::{
    alias_key, article_story_key, decode, encode, id_from, listed_value, member_key, ref_key, signature_key,
    story_key, time_key, KIND_CITED, KIND_LINK,
};
use super::near_dup::{
    decode_record, encode_record, lang_code, Happening, LangCode, NearDupIndex, EVENT_WINDOW_HOURS,
    LONG_SHAPE,
};
use super::stories::JoinReason;
use super::{Store, StoreError, Story, UpsertCounts};
use crate::details::event::Event;
use crate::details::{headlines_differ, title_names_differ, titles_swap_a_word, Report};
use crate::fingerprint::{Signature, DUPLICATE_SIMILARITY};
use crate::model::{Article, Entry};

/// Stored signatures compared per lookup at most.
const MAX_CANDIDATES: usize = 16;

/// Near duplicates of a new article whose stories are considered, best first.
const MAX_LIKENESS_TRIES: usize = 4;

/// A story's earliest members, which a text must be like to join it by likeness.
const STORY_CORE: usize = 5;

/// Articles naming a new article's rarest details that are compared with it at most.
const MAX_EVENT_CANDIDATES: usize = 32;

/// Event matches of a new article whose stories are considered, best first.
const MAX_EVENT_TRIES: usize = 4;

/// The weight of shared details two reports of one event reach at least: about three rare
/// details ("Hanoi", "25 October", "72"), or many common ones.
pub const EVENT_MIN_SCORE: f64 = 8.0;

/// How far apart the shapes of a translation and its original are at most (see
/// [`Event::shape_distance`]).
pub const TRANSLATION_MAX_SHAPE_DISTANCE: f64 = 0.2;

/// What a translation (two reports of one shape) shares at least: two details (the index
/// finds candidates by pairs), weighing 4, and 70 % of the weight of what the two say: a
/// translation says what its original says, so it needs fewer details but more agreement.
pub const TRANSLATION_MIN_SHARED: usize = 2;
/// See [`TRANSLATION_MIN_SHARED`].
pub const TRANSLATION_MIN_SCORE: f64 = 4.0;
/// See [`TRANSLATION_MIN_SHARED`].
pub const TRANSLATION_MIN_AGREEMENT: f64 = 0.7;

/// What a long translation (see [`long_translation`]) shares at least with its original:
/// one detail, a name or a figure, that is not a small number.
pub const LONG_TRANSLATION_MIN_SHARED: usize = 1;

/// Whether two reports in two languages are long texts of one shape: as many sentences, at
/// least [`LONG_SHAPE`], each of like length.
fn long_translation(one: &Happening, other: &Happening) -> bool {
    one.lang != other.lang
        && one.event.shape.len() >= LONG_SHAPE
        && lengths_agree(one, other)
        && one
            .event
            .shape_within(&other.event, TRANSLATION_MAX_SHAPE_DISTANCE)
            .is_some()
}

/// Whether two reports are of the lengths a translation of one into the other has (see
/// [`crate::details::event::lengths_agree`]).
/// Whether both texts are long ([`crate::details::event::ALIGNED_SHAPE`] sentences or more)
/// and as long as their languages say a translation is.
fn long_texts_of_one_length(one: &Happening, other: &Happening) -> bool {
    one.event.sentences() >= crate::details::event::ALIGNED_SHAPE
        && other.event.sentences() >= crate::details::event::ALIGNED_SHAPE
        && lengths_agree(one, other)
}

fn lengths_agree(one: &Happening, other: &Happening) -> bool {
    let code = |l: &LangCode| String::from_utf8_lossy(l).trim_end_matches('\0').to_string();
    crate::details::event::lengths_agree((&one.event, &code(&one.lang)), (&other.event, &code(&other.lang)))
}

/// The share of the weight of what two reports say (places, numbers, dates) that both say.
pub const EVENT_MIN_AGREEMENT: f64 = 0.7;

/// Shared details (other than small numbers) two independent reports of one event have at
/// least.
pub const EVENT_MIN_SHARED: usize = 3;

/// Of those, what every language writes alike (places, numbers, dates, a weekday), each rare
/// enough to weigh [`EVENT_RARE_WEIGHT`]: names alone are too often an organisation's.
pub const EVENT_MIN_EVIDENCE: usize = 2;

/// The weight of a detail said by at most one article in twenty of the window: the
/// background every report of a topic repeats ("adopted in December 2024") is commoner.
pub const EVENT_RARE_WEIGHT: f64 = 3.0;

/// Places, numbers, dates or weekdays both headlines (title and first sentence) must say for
/// another report of an event: what the event is, every report says first, and two reports
/// that share a city and a figure only in their background are of two events. A translation
/// needs none (it keeps everything), nor do two long texts of one length (a translation
/// whose sentences were regrouped).
pub const EVENT_MIN_HEADLINE_EVIDENCE: usize = 2;

/// A new article's fingerprint, to be stored and indexed once the batch is written.
pub(super) struct Fingerprinted {
    pub(super) id: u64,
    pub(super) lang: LangCode,
    pub(super) signature: Signature,
    pub(super) happening: Happening,
}

/// What a batch has decided but not yet written, read before the store.
pub(super) struct Ingest<'a> {
    store: &'a Store,
    index: &'a NearDupIndex,
    now: DateTime<Utc>,
    articles: HashMap<u64, Article>,
    /// Time-index keys to remove (an updated article's old position) and to add.
    time_removed: Vec<[u8; 16]>,
    urls: HashMap<String, u64>,
    fingerprints: Vec<Fingerprinted>,
    refs: HashMap<String, Vec<(u8, u64)>>,
    article_story: HashMap<u64, u64>,
    /// Story records changed; `None` for stories merged away.
    stories: HashMap<u64, Option<Story>>,
    /// Members added to stories, by story, with why they joined (`None`: the founder).
    members: HashMap<u64, Vec<(u64, Option<JoinReason>)>>,
    /// Member keys of stories merged away, to remove.
    members_dropped: Vec<[u8; 17]>,
    aliases: HashMap<u64, u64>,
    pub(super) counts: UpsertCounts,
    /// Updated articles' new fingerprints, to store and to put in the index in place of the
    /// old ones.
    refingerprinted: Vec<Fingerprinted>,
    /// The topics' actors.
    actors: std::sync::Arc<crate::details::actors::Actors>,
    /// Pruned URLs listed again, to remember for longer.
    pruned_listed: Vec<String>,
}

impl<'a> Ingest<'a> {
    pub(super) fn new(store: &'a Store, index: &'a NearDupIndex, now: DateTime<Utc>) -> Self {
        Ingest {
            store,
            index,
            now,
            articles: HashMap::new(),
            time_removed: Vec::new(),
            urls: HashMap::new(),
            fingerprints: Vec::new(),
            refs: HashMap::new(),
            article_story: HashMap::new(),
            stories: HashMap::new(),
            members: HashMap::new(),
            members_dropped: Vec::new(),
            aliases: HashMap::new(),
            counts: UpsertCounts::default(),
            refingerprinted: Vec::new(),
            actors: store.actors(),
            pruned_listed: Vec::new(),
        }
    }

    /// Decides one entry: a new article (with its story), an update, or nothing.
    pub(super) fn add(&mut self, feed: &str, entry: &Entry) -> Result<(), StoreError> {
        match self.url_id(&entry.url)? {
            None => {
                if let Some(listed) = self.store.pruned_listed(&entry.url)? {
                    // Still in its feed, long after: storing it again would tell it again.
                    if super::retention::stale(listed, self.now) {
                        self.pruned_listed.push(entry.url.clone());
                    }
                    self.counts.pruned += 1;
                    return Ok(());
                }
                self.insert_new(feed, entry, entry.fingerprint.as_ref())?;
                self.counts.new += 1;
            }
            Some(id) => {
                if self.update_existing(feed, id, entry)? {
                    self.counts.updated += 1;
                } else {
                    self.counts.unchanged += 1;
                }
            }
        }
        Ok(())
    }

    fn insert_new(
        &mut self,
        feed: &str,
        entry: &Entry,
        signature: Option<&Signature>,
    ) -> Result<(), StoreError> {
        let lang = entry.lang.lang.as_deref();
        // Links within the article's own site are navigation and "related" boxes, not
        // citations: only links to other sites join stories.
        let links = foreign_links(&entry.url, &entry.links);
        let happening = Happening {
            event: entry.event.clone(),
            lang: lang_code(lang),
            at: entry.published.unwrap_or(self.now),
        };
        let joins = self.story_links(entry, lang, signature, &happening, &links)?;
        let id = self.store.new_id()?;
        self.articles.insert(
            id,
            Article {
                id,
                feed: feed.to_string(),
                fetched: self.now,
                changed: None,
                entry: entry.clone(),
            },
        );
        self.urls.insert(entry.url.clone(), id);
        if let Some(signature) = signature {
            self.fingerprints.push(Fingerprinted {
                id,
                lang: lang_code(lang),
                signature: *signature,
                happening,
            });
        }
        for (url, kind) in links
            .iter()
            .map(|u| (u, KIND_LINK))
            .chain(entry.cited.iter().map(|u| (u, KIND_CITED)))
        {
            self.refs.entry(url.clone()).or_default().push((kind, id));
        }
        if joins.is_empty() {
            self.counts.founded += 1;
        }
        self.join(id, &joins)
    }

    /// Puts a new article in the oldest of the stories it joins, merging the others into it. A
    /// story of one article has no records; they are written when a second article joins.
    fn join(&mut self, id: u64, joins: &BTreeMap<u64, JoinReason>) -> Result<(), StoreError> {
        let Some((&target, reason)) = joins.iter().next() else {
            return Ok(());
        };
        let reason = reason.clone();
        self.counts.joined += 1;
        if matches!(reason, JoinReason::Copy { .. }) {
            self.counts.copies += 1;
        }
        let now = self.now;
        let mut story = match self.story_record(target)? {
            Some(story) => story,
            None => {
                self.members.entry(target).or_default().push((target, None));
                Story {
                    id: target,
                    size: 1,
                    first_seen: now,
                    updated: now,
                }
            }
        };
        for &other in joins.keys().skip(1) {
            self.counts.merged += 1;
            let moved = self.story_members(other)?;
            // Moved members keep why they joined; the merging article's reason says why the
            // stories met.
            let mut reasons: HashMap<u64, JoinReason> = HashMap::new();
            if self.store.story(other)?.is_some() {
                reasons.extend(
                    self.store
                        .join_reasons(other)?
                        .into_iter()
                        .filter_map(|(m, r)| r.map(|r| (m, r))),
                );
            }
            for (m, r) in self.members.get(&other).into_iter().flatten() {
                if let Some(r) = r {
                    reasons.insert(*m, r.clone());
                }
            }
            for member in &moved {
                self.article_story.insert(*member, target);
                // The merged story's founder joined nothing until now: the merge is its reason.
                let reason = reasons.remove(member).unwrap_or(JoinReason::Merged { via: id });
                self.members
                    .entry(target)
                    .or_default()
                    .push((*member, Some(reason)));
            }
            story.size += moved.len();
            if let Some(merged) = self.story_record(other)? {
                story.first_seen = story.first_seen.min(merged.first_seen);
            }
            if self.store.story(other)?.is_some() {
                for member in self.store.story_members(other)? {
                    self.members_dropped.push(member_key(other, member));
                }
            }
            self.members.remove(&other);
            self.stories.insert(other, None);
            self.aliases.insert(other, target);
        }
        self.members.entry(target).or_default().push((id, Some(reason)));
        story.size += 1;
        story.updated = now;
        self.stories.insert(target, Some(story));
        self.article_story.insert(id, target);
        Ok(())
    }

    /// A story's articles: stored and decided in this batch (a story of one: its article).
    fn story_members(&self, story: u64) -> Result<Vec<u64>, StoreError> {
        let mut members = if self.store.story(story)?.is_some() {
            self.store.story_members(story)?
        } else {
            Vec::new()
        };
        for (m, _) in self.members.get(&story).into_iter().flatten() {
            if !members.contains(m) {
                members.push(*m);
            }
        }
        if members.is_empty() {
            members.push(story);
        }
        Ok(members)
    }

    /// Updates a known article in place when its own feed changed it; `false` when unchanged.
    fn update_existing(&mut self, feed: &str, id: u64, entry: &Entry) -> Result<bool, StoreError> {
        let Some(mut article) = self.article(id)? else {
            return Err(StoreError::Corrupt {
                tree: "article_by_url",
                message: format!("points at missing article for {}", entry.url),
            });
        };
        // Only the feed that brought an article may update it: a second feed carrying the same
        // URL with another summary would otherwise flip it back and forth on every poll.
        if article.feed != feed || same_content(&article.entry, entry) {
            return Ok(false);
        }
        // A feed whose items' pages were fetched for their full text: what the feed sends again
        // is the summary, and must not replace the text.
        let entry = &match (&article.entry.summary, &entry.summary) {
            (Some(_), None) => Entry {
                summary: Some(entry.text.clone()),
                text: article.entry.text.clone(),
                ..entry.clone()
            },
            _ => entry.clone(),
        };
        if same_content(&article.entry, entry) && article.entry.summary == entry.summary {
            return Ok(false);
        }
        // A new text is fingerprinted and its details read again: stories are judged on what
        // the article says now. (A summary sent again over a fetched text changes nothing.)
        let text_changed = !entry.text.is_empty() && entry.text != article.entry.text;
        if let (true, Some(signature)) = (text_changed, entry.fingerprint) {
            let lang = entry.lang.lang.as_deref();
            let happening = Happening {
                event: entry.event.clone(),
                lang: lang_code(lang),
                at: entry.published.or(article.entry.published).unwrap_or(self.now),
            };
            // An article still alone looks for its story again; one in a story stays there.
            if self.story_of(id)? == id && self.story_record(id)?.is_none() {
                let links = foreign_links(&entry.url, &entry.links);
                let mut joins = self.story_links(entry, lang, Some(&signature), &happening, &links)?;
                joins.remove(&id);
                self.join(id, &joins)?;
            }
            self.refingerprinted.retain(|f| f.id != id);
            self.refingerprinted.push(Fingerprinted {
                id,
                lang: lang_code(lang),
                signature,
                happening,
            });
        }
        self.time_removed.push(time_key(article.sort_time(), article.id));
        article.entry = Entry {
            // Keep what a thin update would lose: a later feed copy without the body or the date
            // must not erase them.
            text: if entry.text.is_empty() {
                article.entry.text.clone()
            } else {
                entry.text.clone()
            },
            published: entry.published.or(article.entry.published),
            ..entry.clone()
        };
        article.changed = Some(self.now);
        self.articles.insert(id, article);
        Ok(true)
    }

    /// The stories a new article belongs with.
    fn story_links(
        &self,
        entry: &Entry,
        lang: Option<&str>,
        signature: Option<&Signature>,
        happening: &Happening,
        links: &[String],
    ) -> Result<BTreeMap<u64, JoinReason>, StoreError> {
        let (url, cited) = (entry.url.as_str(), entry.cited.as_slice());
        let mut stories = BTreeMap::new();
        // Likeness joins one story: that of the best match that is not another event (by the
        // names and numbers of the headlines, `details::Report`) and whose story's core the
        // text matches too. Joining the best match alone let
        // texts sharing stock paragraphs chain one look-alike to the next.
        if let Some(signature) = signature {
            // Read only when there is a match to compare with: most articles have none.
            let mut report: Option<Report> = None;
            let mut tried = BTreeSet::new();
            for (id, similarity) in self
                .near_duplicates(lang, signature)?
                .into_iter()
                .take(MAX_LIKENESS_TRIES)
            {
                let Some(candidate) = self.article(id)? else {
                    continue;
                };
                let report = report.get_or_insert_with(|| Report::of(&entry.title, &entry.text));
                let theirs = (candidate.entry.title.as_str(), candidate.entry.text.as_str());
                let mine = (entry.title.as_str(), entry.text.as_str());
                if report.conflicts_with(&Report::of(theirs.0, theirs.1)) || titles_swap_a_word(mine, theirs)
                {
                    continue;
                }
                let differ = match self.happening_of(id)? {
                    Some(other) => {
                        details_conflict(happening, &other)
                            || headlines_differ(
                                (mine.0, mine.1, &happening.event),
                                (theirs.0, theirs.1, &other.event),
                                lang,
                            )
                    }
                    None => title_names_differ(mine, theirs, lang),
                };
                if differ {
                    continue;
                }
                let story = self.story_of(id)?;
                if tried.insert(story)
                    && self.matches_core(story, lang, signature)?
                    && !self.conflicts_with_core(story, happening)?
                {
                    stories.insert(
                        story,
                        JoinReason::Copy {
                            with: id,
                            score: (similarity * 1000.0).round() / 1000.0,
                        },
                    );
                    break;
                }
            }
        }
        // Reports of one event in any language: they share rare details and none conflicts.
        // Joins one story too, whose core the report must agree with.
        if stories.is_empty() && !happening.event.lead.is_empty() {
            let mut tried = BTreeSet::new();
            for (id, score) in self.event_matches(happening)?.into_iter().take(MAX_EVENT_TRIES) {
                if self.headlines_differ_in_language(entry, happening, id)? {
                    continue;
                }
                let story = self.story_of(id)?;
                if tried.insert(story)
                    && self.matches_event_core(story, entry, happening)?
                    && !self.conflicts_with_core(story, happening)?
                {
                    let reason = self.explain_event(entry, lang, happening, id, score)?;
                    stories.insert(story, reason);
                    break;
                }
            }
        }
        // It links to or cites stored articles.
        for (target, cites) in links
            .iter()
            .map(|l| (l, false))
            .chain(cited.iter().map(|c| (c, true)))
        {
            if let Some(id) = self.url_id(target)? {
                let reason = if cites {
                    JoinReason::Citation { with: id }
                } else {
                    JoinReason::Link { with: id }
                };
                stories.entry(self.story_of(id)?).or_insert(reason);
            }
        }
        // It shares a cited source with stored articles.
        for source in cited {
            for id in self.referrers(source, Some(KIND_CITED))? {
                stories
                    .entry(self.story_of(id)?)
                    .or_insert(JoinReason::Citation { with: id });
            }
        }
        // Stored articles link to it or cite it.
        for id in self.referrers(url, None)? {
            stories
                .entry(self.story_of(id)?)
                .or_insert(JoinReason::Link { with: id });
        }
        Ok(stories)
    }

    /// Whether a stored article in the report's language headlines another event (see
    /// [`headlines_differ`]); across languages the names are not comparable.
    fn headlines_differ_in_language(
        &self,
        entry: &Entry,
        happening: &Happening,
        id: u64,
    ) -> Result<bool, StoreError> {
        let Some(other) = self.happening_of(id)? else {
            return Ok(false);
        };
        if other.lang != happening.lang {
            return Ok(false);
        }
        let Some(article) = self.article(id)? else {
            return Ok(false);
        };
        Ok(headlines_differ(
            (&entry.title, &entry.text, &happening.event),
            (&article.entry.title, &article.entry.text, &other.event),
            entry.lang.lang.as_deref(),
        ))
    }

    /// Whether a text is like the core of `story`: its founding article, or most of its first
    /// [`STORY_CORE`] members that have a signature in the text's language. A story then grows
    /// only by what is like what it was about, however many members it has.
    fn matches_core(
        &self,
        story: u64,
        lang: Option<&str>,
        signature: &Signature,
    ) -> Result<bool, StoreError> {
        let mut members = self.story_members(story)?;
        members.sort_unstable();
        let lang = lang_code(lang);
        let (mut compared, mut alike) = (0usize, 0usize);
        for (rank, member) in members.iter().take(STORY_CORE).enumerate() {
            let Some(other) = self.signature_of(*member, lang)? else {
                continue;
            };
            let like = signature.similarity(&other) >= DUPLICATE_SIMILARITY;
            if rank == 0 && like {
                return Ok(true);
            }
            compared += 1;
            alike += usize::from(like);
        }
        // A core with nothing comparable (founded by a citation in another language): the
        // match itself is the evidence.
        Ok(compared == 0 || alike * 2 > compared)
    }

    /// Why a report joined `with`'s story by its details: those both say, readable, with
    /// their weights.
    fn explain_event(
        &self,
        entry: &Entry,
        lang: Option<&str>,
        happening: &Happening,
        with: u64,
        score: f64,
    ) -> Result<JoinReason, StoreError> {
        let other = self.happening_of(with)?.unwrap_or_else(|| happening.clone());
        let shared: BTreeSet<u32> = happening.event.said_both(&other.event).collect();
        let round = |x: f64| (x * 100.0).round() / 100.0;
        let labelled =
            crate::details::event::read_with(&self.actors, &entry.title, &entry.text, lang, entry.published);
        let mut details: Vec<(String, f64)> = labelled
            .into_iter()
            .filter(|(d, _)| shared.contains(&d.key()))
            .map(|(d, _)| (d.to_string(), round(self.index.weight(d.key()))))
            .collect();
        details.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        details.dedup_by(|a, b| a.0 == b.0);
        Ok(JoinReason::Details {
            with,
            score: round(score),
            translation: happening
                .event
                .shape_within(&other.event, TRANSLATION_MAX_SHAPE_DISTANCE)
                .is_some(),
            shared: details,
        })
    }

    /// Whether a report's details conflict with those of one of `story`'s first
    /// [`STORY_CORE`] members. Agreeing with the founder is not enough: a founder whose lead
    /// names much agrees with reports of several events, which must not meet in its story.
    fn conflicts_with_core(&self, story: u64, happening: &Happening) -> Result<bool, StoreError> {
        let mut members = self.story_members(story)?;
        members.sort_unstable();
        for member in members.iter().take(STORY_CORE) {
            if let Some(other) = self.happening_of(*member)? {
                if details_conflict(happening, &other) {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// Articles that report the event `happening` reports, best first, with their score.
    fn event_matches(&self, happening: &Happening) -> Result<Vec<(u64, f64)>, StoreError> {
        let window = chrono::Duration::hours(EVENT_WINDOW_HOURS);
        let in_window = |other: &Happening| (other.at - happening.at).abs() <= window;
        let shares_lead = |other: &Happening| {
            happening
                .event
                .shared(&other.event)
                .any(|k| !Event::is_small_number(k))
        };
        let pending = self
            .fingerprints
            .iter()
            .filter(|f| {
                in_window(&f.happening)
                    && (shares_lead(&f.happening) || long_translation(happening, &f.happening))
            })
            .map(|f| (f.id, &f.happening));
        let indexed = self.index.event_candidates(
            &happening.event,
            happening.lang,
            happening.at,
            window,
            (MAX_EVENT_CANDIDATES, TRANSLATION_MAX_SHAPE_DISTANCE),
        );
        let mut matches: Vec<(u64, f64)> = pending
            .chain(indexed)
            .filter_map(|(id, other)| self.event_score(happening, other).map(|s| (id, s)))
            .collect();
        matches.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
        matches.dedup_by_key(|m| m.0);
        Ok(matches)
    }

    /// How strongly two reports' details say they tell one event: the weight of the lead
    /// details they share, or `None` when that is too little or their details conflict.
    fn event_score(&self, one: &Happening, other: &Happening) -> Option<f64> {
        // The cheap tests first (counts, shape), the weights last: most candidates fail early.
        let shared = one
            .event
            .said_both(&other.event)
            .filter(|k| !Event::is_small_number(*k))
            .count();
        // Names count for a translation, which keeps its original's; an independent report
        // must share what every language writes alike.
        let comparable = one
            .event
            .said_both(&other.event)
            .filter(|k| Event::shared_evidence(*k) && self.index.weight(*k) >= EVENT_RARE_WEIGHT)
            .count();
        // A translation keeps its original's sentences and their length in its language, the
        // figures of its title and its people: then fewer shared details are enough. Within
        // one language a text of the same shape is a copy, which likeness judges.
        let translated = one.lang != other.lang
            && lengths_agree(one, other)
            && one
                .event
                .shape_within(&other.event, TRANSLATION_MAX_SHAPE_DISTANCE)
                .is_some()
            && one.event.title_figures_said_by(&other.event)
            && other.event.title_figures_said_by(&one.event)
            && !one.event.persons_one_sided(&other.event);
        // A long text of the same shape is a translation by its shape alone (as many
        // sentences, at least eight, of like lengths: by chance, 4 pairs in 90,000 of
        // NTREX's documents): one shared detail and no conflict are enough.
        if long_translation(one, other) {
            return (shared >= LONG_TRANSLATION_MIN_SHARED && !one.event.conflicts_with(&other.event)).then(
                || {
                    one.event
                        .said_both(&other.event)
                        .map(|k| self.index.weight(k))
                        .sum()
                },
            );
        }
        // In one language, shared words make shared details likelier: one more is needed.
        let min_evidence = EVENT_MIN_EVIDENCE + usize::from(one.lang == other.lang);
        let (min_shared, min_score) = if translated {
            (TRANSLATION_MIN_SHARED, TRANSLATION_MIN_SCORE)
        } else {
            (EVENT_MIN_SHARED, EVENT_MIN_SCORE)
        };
        if shared < min_shared
            || (!translated && comparable < min_evidence)
            || one.event.shared(&other.event).next().is_none()
            || one.event.conflicts_with(&other.event)
            || one.event.persons_unheard(&other.event)
            || (!translated
                && !long_texts_of_one_length(one, other)
                && one.event.headline_evidence(&other.event) < EVENT_MIN_HEADLINE_EVIDENCE)
        {
            return None;
        }
        let score: f64 = one
            .event
            .said_both(&other.event)
            .map(|k| self.index.weight(k))
            .sum();
        if score < min_score {
            return None;
        }
        // What either says and the other does not weighs against: two reports that share a
        // city and a count but not the rest of their details are of two events.
        let unshared = |e: &Event, o: &Event| -> f64 {
            e.comparable_said()
                .filter(|k| !o.says(*k))
                .map(|k| self.index.weight(k))
                .sum()
        };
        let union = score + unshared(&one.event, &other.event) + unshared(&other.event, &one.event);
        let min_agreement = if translated {
            TRANSLATION_MIN_AGREEMENT
        } else {
            EVENT_MIN_AGREEMENT
        };
        (score / union.max(f64::EPSILON) >= min_agreement).then_some(score)
    }

    /// Whether a report tells the event of `story`'s core: its founding article's, or most of
    /// its first [`STORY_CORE`] members that have details.
    /// In one language, the titles' names must not differ either: a look-alike swaps the
    /// person a headline is about, with every detail around it kept.
    fn matches_event_core(
        &self,
        story: u64,
        entry: &Entry,
        happening: &Happening,
    ) -> Result<bool, StoreError> {
        let mut members = self.story_members(story)?;
        members.sort_unstable();
        let (mut compared, mut agree) = (0usize, 0usize);
        for (rank, member) in members.iter().take(STORY_CORE).enumerate() {
            let Some(other) = self.happening_of(*member)? else {
                continue;
            };
            if other.lang == happening.lang {
                if let Some(article) = self.article(*member)? {
                    let theirs = (article.entry.title.as_str(), article.entry.text.as_str());
                    let mine = (entry.title.as_str(), entry.text.as_str());
                    if headlines_differ(
                        (mine.0, mine.1, &happening.event),
                        (theirs.0, theirs.1, &other.event),
                        entry.lang.lang.as_deref(),
                    ) || titles_swap_a_word(mine, theirs)
                    {
                        return Ok(false);
                    }
                }
            }
            let agrees = self.event_score(happening, &other).is_some();
            if rank == 0 && agrees {
                return Ok(true);
            }
            compared += 1;
            agree += usize::from(agrees);
        }
        Ok(compared > 0 && agree * 2 > compared)
    }

    /// The event details of a stored (or pending) article, if it has them.
    fn happening_of(&self, id: u64) -> Result<Option<Happening>, StoreError> {
        if let Some(f) = self.fingerprints.iter().find(|f| f.id == id) {
            return Ok(Some(f.happening.clone()));
        }
        if let Some(h) = self.index.happening(id) {
            return Ok(Some(h.clone()));
        }
        Ok(self
            .store
            .fingerprints
            .get(signature_key(id))?
            .and_then(|bytes| decode_record(&bytes))
            .and_then(|r| r.happening))
    }

    /// The stored (or pending) signature of an article in `lang`.
    fn signature_of(&self, id: u64, lang: LangCode) -> Result<Option<Signature>, StoreError> {
        if let Some(f) = self.fingerprints.iter().find(|f| f.id == id) {
            return Ok((f.lang == lang).then_some(f.signature));
        }
        Ok(self
            .store
            .fingerprints
            .get(signature_key(id))?
            .and_then(|bytes| decode_record(&bytes))
            .filter(|r| r.lang == lang)
            .map(|r| r.signature))
    }

    /// Articles in `lang` at least [`DUPLICATE_SIMILARITY`] alike, most alike first (then
    /// newest): those of this batch, and at most [`MAX_CANDIDATES`] from the index.
    pub(super) fn near_duplicates(
        &self,
        lang: Option<&str>,
        signature: &Signature,
    ) -> Result<Vec<(u64, f64)>, StoreError> {
        let lang = lang_code(lang);
        let bands = signature.bands();
        let pending = self
            .fingerprints
            .iter()
            .filter(|f| f.lang == lang && f.signature.bands().iter().zip(&bands).any(|(a, b)| a == b));
        let mut alike: Vec<(u64, f64)> = pending
            .map(|f| (f.id, &f.signature))
            .map(|(id, other)| (id, signature.similarity(other)))
            .chain(
                self.index
                    .candidates(lang, signature, MAX_CANDIDATES)
                    .into_iter()
                    .map(|(id, other)| (id, signature.similarity(&other))),
            )
            .filter(|(_, similarity)| *similarity >= DUPLICATE_SIMILARITY)
            .collect();
        alike.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
        Ok(alike)
    }

    fn url_id(&self, url: &str) -> Result<Option<u64>, StoreError> {
        if let Some(id) = self.urls.get(url) {
            return Ok(Some(*id));
        }
        self.store
            .by_url
            .get(url.as_bytes())?
            .map(|id| id_from(&id, "article_by_url"))
            .transpose()
    }

    fn article(&self, id: u64) -> Result<Option<Article>, StoreError> {
        match self.articles.get(&id) {
            Some(a) => Ok(Some(a.clone())),
            None => self.store.article(id),
        }
    }

    /// Ids of articles that link to `url` (of one kind, or any).
    fn referrers(&self, url: &str, kind: Option<u8>) -> Result<Vec<u64>, StoreError> {
        let mut prefix = url.as_bytes().to_vec();
        prefix.push(0);
        if let Some(kind) = kind {
            prefix.push(kind);
        }
        let mut ids: Vec<u64> = self
            .store
            .refs
            .scan_prefix(prefix)
            .map(|item| {
                let (k, _) = item?;
                id_from(&k[k.len() - 8..], "refs")
            })
            .collect::<Result<_, _>>()?;
        if let Some(pending) = self.refs.get(url) {
            ids.extend(
                pending
                    .iter()
                    .filter(|(k, _)| kind.is_none_or(|want| *k == want))
                    .map(|(_, id)| *id),
            );
        }
        Ok(ids)
    }

    fn story_of(&self, article: u64) -> Result<u64, StoreError> {
        match self.article_story.get(&article) {
            Some(story) => Ok(*story),
            None => self.store.story_of(article),
        }
    }

    fn story_record(&self, id: u64) -> Result<Option<Story>, StoreError> {
        match self.stories.get(&id) {
            Some(story) => Ok(story.clone()),
            None => self
                .store
                .stories
                .get(story_key(id))?
                .map(|b| decode("stories", &b))
                .transpose(),
        }
    }

    /// Writes everything decided, atomically.
    pub(super) fn commit(self) -> Result<(UpsertCounts, Vec<Fingerprinted>, Vec<Fingerprinted>), StoreError> {
        let s = self.store;
        // Orders the writes for the search indexer, which keeps an article dirty when it
        // changed again while being indexed.
        let sequence = s
            .write_sequence
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            .to_be_bytes();
        let result = (
            &s.articles,
            &s.by_url,
            &s.by_time,
            &s.fingerprints,
            &s.refs,
            &s.stories,
            &s.search_dirty,
            &s.pruned_urls,
        )
            .transaction(
                |(articles, by_url, by_time, fingerprints, refs, stories, search_dirty, pruned_urls)| {
                    for url in &self.pruned_listed {
                        pruned_urls.insert(url.as_bytes(), &listed_value(self.now))?;
                    }
                    for key in &self.time_removed {
                        by_time.remove(key.as_slice())?;
                    }
                    for (id, article) in &self.articles {
                        articles.insert(&id.to_be_bytes(), encode(article))?;
                        search_dirty.insert(&id.to_be_bytes(), &sequence)?;
                        by_time.insert(time_key(article.sort_time(), *id).as_slice(), &[])?;
                    }
                    for (url, id) in &self.urls {
                        by_url.insert(url.as_bytes(), &id.to_be_bytes())?;
                    }
                    for f in self.fingerprints.iter().chain(&self.refingerprinted) {
                        let record = encode_record(&f.signature, f.lang, self.now, &f.happening);
                        fingerprints.insert(signature_key(f.id).as_slice(), record)?;
                    }
                    for (url, pending) in &self.refs {
                        for (kind, id) in pending {
                            refs.insert(ref_key(url, *kind, *id), &[])?;
                        }
                    }
                    for (article, story) in &self.article_story {
                        stories.insert(article_story_key(*article).as_slice(), &story.to_be_bytes())?;
                    }
                    for (id, story) in &self.stories {
                        match story {
                            Some(story) => stories.insert(story_key(*id).as_slice(), encode(story))?,
                            None => stories.remove(story_key(*id).as_slice())?,
                        };
                    }
                    for key in &self.members_dropped {
                        stories.remove(key.as_slice())?;
                    }
                    for (story, members) in &self.members {
                        for (member, reason) in members {
                            let why = reason.as_ref().map(encode).unwrap_or_default();
                            stories.insert(member_key(*story, *member).as_slice(), why)?;
                        }
                    }
                    for (old, new) in &self.aliases {
                        stories.insert(alias_key(*old).as_slice(), &new.to_be_bytes())?;
                    }
                    crate::failpoint::pause("ingest.transaction");
                    Ok::<_, ConflictableTransactionError<String>>(())
                },
            );
        result.map_err(|e| match e {
            TransactionError::Abort(message) => StoreError::Corrupt {
                tree: "articles",
                message,
            },
            TransactionError::Storage(e) => StoreError::Io(e),
        })?;
        Ok((self.counts, self.fingerprints, self.refingerprinted))
    }
}

impl Store {
    /// Articles in `lang` stored within the last [`Store::dedup_window`] whose
    /// signature is at least
    /// [`DUPLICATE_SIMILARITY`] alike, most alike
    /// first.
    pub fn near_duplicates(
        &self,
        lang: Option<&str>,
        signature: &Signature,
    ) -> Result<Vec<(u64, f64)>, StoreError> {
        let mut index = self.near_dup_index()?;
        let now = Utc::now();
        index.evict(now);
        Ingest::new(self, &index, now).near_duplicates(lang, signature)
    }
}

/// Whether two reports' details say they tell different events. Within one language written
/// with capitals, `Report` judges, reading names in their context; without capitals (Chinese,
/// Arabic) and across languages, the places, numbers and dates of their details.
fn details_conflict(one: &Happening, other: &Happening) -> bool {
    one.event.conflicts_with(&other.event)
}

/// Whether storing `new` over `old` would change what a reader sees.
fn same_content(old: &Entry, new: &Entry) -> bool {
    old.title == new.title
        && (new.text.is_empty() || old.text == new.text)
        && (new.published.is_none() || old.published == new.published)
        && old.link == new.link
}

/// The links that leave the article's own site (`www.` aside).
fn foreign_links(url: &str, links: &[String]) -> Vec<String> {
    let host = |u: &str| {
        url::Url::parse(u)
            .ok()
            .and_then(|u| u.host_str().map(|h| h.trim_start_matches("www.").to_string()))
    };
    let own = host(url);
    links.iter().filter(|l| host(l) != own).cloned().collect()
}
