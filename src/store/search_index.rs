//! The search index: which articles hold which words, so that a search reads a few posting
//! lists instead of every article. It only narrows: the query layer checks every candidate
//! with the topic matcher, so a stale or colliding entry costs a lookup, never a wrong answer.
//!
//! Written in segments of [`SEGMENT`] articles, not per article: one article has hundreds of
//! distinct words, and a posting-list write per word would cost ingest more than the store
//! write itself. Every article write (new or changed) marks the article dirty in the same
//! transaction; the indexer turns the oldest dirty articles into a segment once there are
//! enough of them, and a search checks the dirty ones directly, so nothing is unsearchable in
//! between. Sixteen segments of a level are merged into one of the next, so that a term is
//! stored once per 65,536 or 1,048,576 articles rather than once per 4,096. Segment ids grow,
//! and a segment goes when every article in it was pruned.
//!
//! Trees:
//! - `search_postings`: segment (u64 BE) ++ FNV-1a hash of a term (u64 BE) → article ids,
//!   ascending, as LEB128 deltas
//! - `search_segments`: segment → the highest article id in it (u64 BE) and its level (u8)
//! - `search_dirty`: article id → the write sequence that last changed it (u64 BE)
//! - `meta`: `search_built` once every article stored before the index existed is indexed;
//!   `search_build_next`, the next article id to index while it is being built;
//!   `search_next_segment`, the next segment's id

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::model::Article;

use super::codec::{decode, id_from};
use super::{Store, StoreError};

/// Articles per segment: at a million articles, some 250 segments to read per query term.
pub const SEGMENT: usize = 4096;

/// Segments of one level merged into one of the next: a level holds up to 16 times the one
/// below, 4,096, 65,536, then 1,048,576 articles.
const MERGE: usize = 16;
const TOP_LEVEL: u8 = 2;

/// Postings written or removed per sled batch: bounds the memory of one batch.
const WRITE_BATCH: usize = 16_384;

const BUILT: &str = "search_built";
const BUILD_NEXT: &str = "search_build_next";
const NEXT_SEGMENT: &str = "search_next_segment";

/// A search reduced to index terms: any one alternative (the query read in one language) must
/// hold, and it holds when every group (a query word) has any of its terms (plain or stemmed).
pub type TermQuery = Vec<Vec<Vec<String>>>;

/// What one indexing pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Indexed {
    /// Articles written into segments.
    pub articles: usize,
    /// Segments written.
    pub segments: usize,
    /// Merges of segments into larger ones.
    pub merged: usize,
}

/// A stable 64-bit hash of a term: stored in keys, so it may never change with a library.
fn term_hash(term: &str) -> u64 {
    term.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A segment's record: the highest article id in it, and its level (0 as written, one more
/// for each merge).
fn segment_record(highest: u64, level: u8) -> [u8; 9] {
    let mut record = [0u8; 9];
    record[..8].copy_from_slice(&highest.to_be_bytes());
    record[8] = level;
    record
}

fn read_segment_record(record: &[u8]) -> Result<(u64, u8), StoreError> {
    match record {
        [highest @ .., level] if highest.len() == 8 => Ok((id_from(highest, "search_segments")?, *level)),
        _ => Err(StoreError::Corrupt {
            tree: "search_segments",
            message: format!("a segment record of {} bytes", record.len()),
        }),
    }
}

fn term_of(key: &[u8]) -> u64 {
    let mut term = [0u8; 8];
    term.copy_from_slice(&key[8..16]);
    u64::from_be_bytes(term)
}

fn posting_key(segment: u64, term: u64) -> [u8; 16] {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&segment.to_be_bytes());
    key[8..].copy_from_slice(&term.to_be_bytes());
    key
}

fn encode_ids(ids: &[u64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ids.len() * 2);
    let mut last = 0;
    for &id in ids {
        let mut delta = id - last;
        last = id;
        loop {
            let byte = (delta & 0x7f) as u8;
            delta >>= 7;
            if delta == 0 {
                out.push(byte);
                break;
            }
            out.push(byte | 0x80);
        }
    }
    out
}

fn decode_ids(bytes: &[u8], into: &mut BTreeSet<u64>) -> Result<(), StoreError> {
    let (mut last, mut delta, mut shift) = (0u64, 0u64, 0u32);
    for &byte in bytes {
        if shift > 63 {
            return Err(StoreError::Corrupt {
                tree: "search_postings",
                message: "an id delta longer than 64 bits".into(),
            });
        }
        delta |= u64::from(byte & 0x7f) << shift;
        shift += 7;
        if byte & 0x80 == 0 {
            last = last.checked_add(delta).ok_or_else(|| StoreError::Corrupt {
                tree: "search_postings",
                message: "an article id beyond 64 bits".into(),
            })?;
            into.insert(last);
            (delta, shift) = (0, 0);
        }
    }
    Ok(())
}

impl Store {
    /// Indexes one segment: the oldest dirty articles once there are enough (with `all`, even
    /// fewer), or while the index is being built for a store older than it, the next old
    /// articles. Returns what it wrote; call it until it writes nothing to catch up.
    pub fn index_for_search(
        &self,
        terms: &dyn Fn(&Article) -> Vec<String>,
        all: bool,
    ) -> Result<Indexed, StoreError> {
        self.check_writable()?;
        let mut done = Indexed::default();
        if self.merge_segments()? {
            done.merged += 1;
            return Ok(done);
        }
        if self.meta.get(BUILT)?.is_none() {
            let next = match self.meta.get(BUILD_NEXT)? {
                Some(v) => id_from(&v, "meta")?,
                None => 0,
            };
            let mut batch = Vec::with_capacity(SEGMENT);
            for item in self.articles.range(next.to_be_bytes()..) {
                let (key, value) = item?;
                if key.len() == 8 {
                    batch.push(decode::<Article>("articles", &value)?);
                }
                if batch.len() == SEGMENT {
                    break;
                }
            }
            match batch.last() {
                Some(last) => {
                    let after = last.id + 1;
                    self.write_segment(&batch, terms)?;
                    self.meta.insert(BUILD_NEXT, &after.to_be_bytes())?;
                    done.articles += batch.len();
                    done.segments += 1;
                }
                None => {
                    self.meta.insert(BUILT, &[1])?;
                    self.meta.remove(BUILD_NEXT)?;
                }
            }
            return Ok(done);
        }
        let mut seen = Vec::with_capacity(SEGMENT);
        for item in self.search_dirty.iter().take(SEGMENT) {
            let (id, seq) = item?;
            seen.push((id_from(&id, "search_dirty")?, seq));
        }
        if seen.is_empty() || (seen.len() < SEGMENT && !all) {
            return Ok(done);
        }
        let mut batch = Vec::with_capacity(seen.len());
        for (id, _) in &seen {
            if let Some(article) = self.article(*id)? {
                batch.push(article);
            }
        }
        self.write_segment(&batch, terms)?;
        // An article changed since it was read stays dirty (its sequence moved on) and is
        // indexed again later.
        for (id, seq) in seen {
            let _ = self
                .search_dirty
                .compare_and_swap(id.to_be_bytes(), Some(seq), None as Option<&[u8]>)?;
        }
        done.articles += batch.len();
        done.segments += 1;
        Ok(done)
    }

    fn write_segment(
        &self,
        batch: &[Article],
        terms: &dyn Fn(&Article) -> Vec<String>,
    ) -> Result<(), StoreError> {
        let Some(highest) = batch.iter().map(|a| a.id).max() else {
            return Ok(());
        };
        let mut postings: HashMap<u64, Vec<u64>> = HashMap::new();
        let mut ordered: Vec<&Article> = batch.iter().collect();
        ordered.sort_by_key(|a| a.id);
        for article in ordered {
            let mut hashes: Vec<u64> = terms(article).iter().map(|t| term_hash(t)).collect();
            hashes.sort_unstable();
            hashes.dedup();
            for hash in hashes {
                postings.entry(hash).or_default().push(article.id);
            }
        }
        let segment = self.next_segment()?;
        let mut writes = sled::Batch::default();
        for (hash, ids) in &postings {
            writes.insert(&posting_key(segment, *hash), encode_ids(ids));
        }
        self.search_postings.apply_batch(writes)?;
        // The segment counts only once all its postings are written: a crash in between leaves
        // postings no search reads, removed once the segments after them are pruned.
        self.search_segments
            .insert(segment.to_be_bytes(), segment_record(highest, 0).as_slice())?;
        Ok(())
    }

    /// Merges [`MERGE`] segments of one level into one of the next, if some level has that
    /// many: fewer, larger segments hold each term once instead of once per segment, which is
    /// most of the index's size, and a search reads fewer of them. Streams the postings in
    /// term order, so memory stays at one term's ids. `false` when nothing needed merging.
    fn merge_segments(&self) -> Result<bool, StoreError> {
        let mut levels: BTreeMap<u8, Vec<(u64, u64)>> = BTreeMap::new();
        for item in self.search_segments.iter() {
            let (segment, record) = item?;
            let (highest, level) = read_segment_record(&record)?;
            levels
                .entry(level)
                .or_default()
                .push((id_from(&segment, "search_segments")?, highest));
        }
        let Some((level, sources)) = levels
            .into_iter()
            .find(|(level, segments)| *level < TOP_LEVEL && segments.len() >= MERGE)
        else {
            return Ok(false);
        };
        let sources = &sources[..MERGE];
        let merged = self.next_segment()?;
        let mut lists = Vec::with_capacity(MERGE);
        for (segment, _) in sources {
            let mut list = self
                .search_postings
                .range(posting_key(*segment, 0)..=posting_key(*segment, u64::MAX));
            let head = list.next().transpose()?;
            lists.push((head, list));
        }
        let mut writes = sled::Batch::default();
        let mut pending = 0;
        while let Some(term) = lists
            .iter()
            .filter_map(|(head, _)| head.as_ref().map(|(key, _)| term_of(key)))
            .min()
        {
            let mut ids = BTreeSet::new();
            for (head, list) in &mut lists {
                if let Some((key, value)) = head {
                    if term_of(key) == term {
                        decode_ids(value, &mut ids)?;
                        *head = list.next().transpose()?;
                    }
                }
            }
            let ids: Vec<u64> = ids.into_iter().collect();
            writes.insert(&posting_key(merged, term), encode_ids(&ids));
            pending += 1;
            if pending == WRITE_BATCH {
                self.search_postings.apply_batch(std::mem::take(&mut writes))?;
                pending = 0;
            }
        }
        self.search_postings.apply_batch(writes)?;
        let highest = sources.iter().map(|(_, h)| *h).max().unwrap_or(0);
        self.search_segments.insert(
            merged.to_be_bytes(),
            segment_record(highest, level + 1).as_slice(),
        )?;
        // A crash from here on leaves articles in two segments: found twice, counted once.
        for (segment, _) in sources {
            self.search_segments.remove(segment.to_be_bytes())?;
            self.remove_postings(posting_key(*segment, 0)..=posting_key(*segment, u64::MAX))?;
        }
        Ok(true)
    }

    fn next_segment(&self) -> Result<u64, StoreError> {
        // Not sled's id generator: that one numbers articles, and these must not use up ids.
        let segment = match self.meta.get(NEXT_SEGMENT)? {
            Some(v) => id_from(&v, "meta")?,
            None => 0,
        };
        self.meta.insert(NEXT_SEGMENT, &(segment + 1).to_be_bytes())?;
        Ok(segment)
    }

    /// Removes the postings in `range`, a bounded batch at a time.
    fn remove_postings(&self, range: impl std::ops::RangeBounds<[u8; 16]>) -> Result<(), StoreError> {
        let mut writes = sled::Batch::default();
        let mut pending = 0;
        for key in self.search_postings.range(range).keys() {
            writes.remove(key?);
            pending += 1;
            if pending == WRITE_BATCH {
                self.search_postings.apply_batch(std::mem::take(&mut writes))?;
                pending = 0;
            }
        }
        self.search_postings.apply_batch(writes)?;
        Ok(())
    }

    /// The articles that may match `query`: every indexed article holding its terms, and
    /// every dirty one. `None` while the index is still being built: search every article.
    pub fn search_candidates(&self, query: &TermQuery) -> Result<Option<BTreeSet<u64>>, StoreError> {
        if !self.search_index_built()? {
            return Ok(None);
        }
        let mut found = BTreeSet::new();
        for item in self.search_dirty.iter().keys() {
            found.insert(id_from(&item?, "search_dirty")?);
        }
        let hashes: BTreeSet<u64> = query.iter().flatten().flatten().map(|t| term_hash(t)).collect();
        for item in self.search_segments.iter().keys() {
            let segment = id_from(&item?, "search_segments")?;
            let mut lists: BTreeMap<u64, BTreeSet<u64>> = BTreeMap::new();
            for &hash in &hashes {
                let mut ids = BTreeSet::new();
                if let Some(bytes) = self.search_postings.get(posting_key(segment, hash))? {
                    decode_ids(&bytes, &mut ids)?;
                }
                lists.insert(hash, ids);
            }
            for alternative in query {
                let mut holding: Option<BTreeSet<u64>> = None;
                for group in alternative {
                    let any: BTreeSet<u64> = group
                        .iter()
                        .flat_map(|t| &lists[&term_hash(t)])
                        .copied()
                        .collect();
                    holding = Some(match holding {
                        None => any,
                        Some(h) => h.intersection(&any).copied().collect(),
                    });
                    if holding.as_ref().is_some_and(BTreeSet::is_empty) {
                        break;
                    }
                }
                found.extend(holding.unwrap_or_default());
            }
        }
        Ok(Some(found))
    }

    /// Whether every stored article is in the index or dirty (false while it is being built).
    pub fn search_index_built(&self) -> Result<bool, StoreError> {
        Ok(self.meta.get(BUILT)?.is_some())
    }

    /// Marks a fresh store's index as built: it has no older articles to index.
    pub(super) fn start_search_index(&self) -> Result<(), StoreError> {
        if self.meta.get(BUILT)?.is_none() && self.articles.is_empty() {
            self.meta.insert(BUILT, &[1])?;
        }
        Ok(())
    }

    /// Drops what the index holds on articles no longer stored: dirty marks of `removed`, and
    /// every segment whose articles are all older than the oldest one left.
    pub(super) fn forget_for_search(&self, removed: &[u64]) -> Result<(), StoreError> {
        for id in removed {
            self.search_dirty.remove(id.to_be_bytes())?;
        }
        let oldest_left = match self.articles.iter().keys().next() {
            Some(key) => id_from(&key?, "articles")?,
            None => u64::MAX,
        };
        let mut first_kept = u64::MAX;
        let mut gone = Vec::new();
        for item in self.search_segments.iter() {
            let (segment, record) = item?;
            let segment = id_from(&segment, "search_segments")?;
            if read_segment_record(&record)?.0 < oldest_left {
                gone.push(segment);
            } else {
                first_kept = first_kept.min(segment);
            }
        }
        for segment in &gone {
            self.search_segments.remove(segment.to_be_bytes())?;
        }
        // Postings below the first segment kept belong to segments gone, or to segments a
        // crash left half-written: neither is read again.
        self.remove_postings(..posting_key(first_kept, 0))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Entry;
    use crate::query::{index_for_search, search, search_reading};
    use crate::store::ArticleFilter;
    use chrono::{DateTime, Utc};

    fn at(hours: i64) -> DateTime<Utc> {
        "2026-11-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + chrono::Duration::hours(hours)
    }

    fn judged(url: &str, title: &str, text: &str, lang: &str, hours: i64) -> Entry {
        crate::pipeline::judge::judged_for_test(url, title, text, Some(lang), Some(at(hours)))
    }

    /// Articles in six languages and scripts, each fetched an hour after the one before.
    const ARTICLES: [(&str, &str, &str); 8] = [
        (
            "en",
            "Delegates gather in Hanoi",
            "Delegations from sixty states signed the convention against cybercrime in Hanoi on Saturday.",
        ),
        (
            "en",
            "Harvest forecasts improve",
            "Farmers in the delta expect a strong rice harvest after the rains, officials said.",
        ),
        (
            "fr",
            "Signature à Hanoï",
            "Les délégations ont signé la convention contre la cybercriminalité à Hanoï samedi.",
        ),
        (
            "es",
            "Firma en Hanói",
            "Las delegaciones firmaron la convención contra la ciberdelincuencia en Hanói el sábado.",
        ),
        (
            "ru",
            "Подписание в Ханое",
            "Делегации подписали конвенцию против киберпреступности в Ханое в субботу.",
        ),
        (
            "ar",
            "التوقيع في هانوي",
            "وقعت الوفود على الاتفاقية لمكافحة الجريمة السيبرانية في هانوي يوم السبت.",
        ),
        (
            "vi",
            "Lễ ký tại Hà Nội",
            "Các phái đoàn đã ký công ước về chống tội phạm mạng tại Hà Nội hôm thứ Bảy.",
        ),
        (
            "zh",
            "河内签署仪式",
            "各国代表团星期六在河内签署了联合国打击网络犯罪公约。",
        ),
    ];

    const QUERIES: [&str; 12] = [
        "hanoi",
        "convention",
        "signed",
        "harvest",
        "conventions signed",
        "cybercriminalité",
        "киберпреступность",
        "الاتفاقية",
        "Hà Nội",
        "网络犯罪",
        "zanzibarite",
        "delegates gather",
    ];

    fn fill(store: &Store) {
        for (i, (lang, title, text)) in ARTICLES.iter().enumerate() {
            let url = format!("https://news{i}.example/story");
            let entry = judged(&url, title, text, lang, i as i64);
            store
                .upsert_entries(&format!("feed{i}"), &[entry], at(i as i64))
                .unwrap();
        }
    }

    fn titles(store: &Store, query: &str, few: usize) -> Vec<String> {
        search_reading(store, query, &ArticleFilter::default(), few)
            .unwrap()
            .into_iter()
            .map(|a| a.title)
            .collect()
    }

    /// Every query's answer, read through candidates, through the newest-first walk, and by
    /// reading every article (the index not built).
    fn answers(store: &Store) -> Vec<Vec<String>> {
        let answers: Vec<Vec<String>> = QUERIES.iter().map(|q| titles(store, q, usize::MAX)).collect();
        let walked: Vec<Vec<String>> = QUERIES.iter().map(|q| titles(store, q, 0)).collect();
        assert_eq!(answers, walked);
        store.meta.remove(BUILT).unwrap();
        let scanned: Vec<Vec<String>> = QUERIES.iter().map(|q| titles(store, q, usize::MAX)).collect();
        store.meta.insert(BUILT, &[1]).unwrap();
        assert_eq!(
            answers, scanned,
            "the index found other articles than reading them all"
        );
        answers
    }

    #[test]
    fn the_index_finds_what_reading_every_article_finds() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        fill(&store);
        let dirty = answers(&store);
        assert_eq!(dirty[0], ["Delegates gather in Hanoi"]);
        assert_eq!(dirty[3], ["Harvest forecasts improve"]);
        assert_eq!(dirty[6], ["Подписание в Ханое"], "stemmed: киберпреступности");
        assert_eq!(
            dirty[7],
            ["التوقيع في هانوي"],
            "with its clitic: لمكافحة, الاتفاقية"
        );
        assert_eq!(dirty[9], ["河内签署仪式"]);
        assert!(dirty[10].is_empty());
        let written = index_for_search(&store, true).unwrap();
        assert_eq!(written.articles, ARTICLES.len());
        assert_eq!(store.search_dirty.len(), 0);
        assert!(store.search_postings.len() > 50);
        assert_eq!(answers(&store), dirty);
        // Only Chinese characters are matched inside words: "crime" is not found in "cybercrime".
        assert!(titles(&store, "crime", usize::MAX).is_empty());
    }

    #[test]
    fn a_changed_article_is_found_by_its_new_words() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        fill(&store);
        index_for_search(&store, true).unwrap();
        let (lang, title, text) = ARTICLES[1];
        let changed = judged(
            "https://news1.example/story",
            title,
            &format!("{text} Traders in zanzibarite cloves were pleased."),
            lang,
            1,
        );
        store.upsert_entries("feed1", &[changed], at(20)).unwrap();
        assert_eq!(store.search_dirty.len(), 1, "the change marks it");
        assert_eq!(answers(&store)[10], ["Harvest forecasts improve"]);
        index_for_search(&store, true).unwrap();
        assert_eq!(answers(&store)[10], ["Harvest forecasts improve"]);
    }

    #[test]
    fn an_old_store_is_read_whole_until_its_index_is_built() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        fill(&store);
        let expected = answers(&store);
        // A store from before the index: no dirty marks, no segments, not built.
        store.meta.remove(BUILT).unwrap();
        store.search_dirty.clear().unwrap();
        assert_eq!(store.search_candidates(&vec![]).unwrap(), None);
        assert_eq!(titles(&store, "hanoi", usize::MAX), expected[0]);
        let built = index_for_search(&store, false).unwrap();
        assert_eq!((built.articles, built.segments), (ARTICLES.len(), 1));
        assert!(store.search_index_built().unwrap());
        assert_eq!(answers(&store), expected);
    }

    #[test]
    fn sixteen_segments_merge_into_one_that_finds_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        fill(&store);
        // One segment per article and then per copy: sixteen of level 0.
        for round in 0..MERGE {
            if round >= ARTICLES.len() {
                let (lang, title, text) = ARTICLES[round % ARTICLES.len()];
                let url = format!("https://copies{round}.example/story");
                let entry = judged(&url, title, text, lang, round as i64);
                store
                    .upsert_entries("copies", &[entry], at(round as i64))
                    .unwrap();
            }
            let first = store.search_dirty.iter().keys().next().unwrap().unwrap();
            // Index one dirty article at a time: leave the others dirty for the next rounds.
            let rest: Vec<_> = store.search_dirty.iter().skip(1).map(|i| i.unwrap()).collect();
            for (key, _) in &rest {
                store.search_dirty.remove(key).unwrap();
            }
            crate::query::index_pass(&store, true).unwrap();
            for (key, seq) in rest {
                store.search_dirty.insert(key, seq).unwrap();
            }
            assert!(store.search_dirty.get(&first).unwrap().is_none());
        }
        assert_eq!(store.search_segments.len(), MERGE);
        assert_eq!(store.search_dirty.len(), 0);
        let before = answers(&store);
        let postings_before = store.search_postings.len();
        let pass = index_for_search(&store, true).unwrap();
        assert_eq!(pass.merged, 1);
        assert_eq!(store.search_segments.len(), 1);
        let (_, record) = store.search_segments.iter().next().unwrap().unwrap();
        assert_eq!(read_segment_record(&record).unwrap().1, 1, "one level up");
        assert!(store.search_postings.len() < postings_before, "each term once");
        assert_eq!(answers(&store), before);
        assert_eq!(before[0].len(), 2, "the original and its copy: {before:?}");
    }

    #[test]
    fn pruning_drops_the_segments_of_articles_gone() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        fill(&store);
        index_for_search(&store, true).unwrap();
        let (lang, title, text) = ARTICLES[0];
        let later = judged("https://late.example/a", title, text, lang, 40);
        store.upsert_entries("late", &[later], at(40)).unwrap();
        index_for_search(&store, true).unwrap();
        assert_eq!(store.search_segments.len(), 2);
        let pruned = store.prune(at(30), at(40)).unwrap();
        assert_eq!(pruned.articles, ARTICLES.len());
        assert_eq!(
            store.search_segments.len(),
            1,
            "the first segment's articles are all gone"
        );
        let first_kept = store.search_segments.iter().keys().next().unwrap().unwrap();
        let lowest_posting = store.search_postings.iter().keys().next().unwrap().unwrap();
        assert_eq!(&lowest_posting[..8], first_kept.as_ref());
        let found: Vec<String> = search(&store, "hanoi", &ArticleFilter::default())
            .unwrap()
            .into_iter()
            .map(|a| a.url)
            .collect();
        assert_eq!(found, ["https://late.example/a"]);
    }

    #[test]
    fn id_lists_round_trip() {
        let ids = [0, 1, 127, 128, 300, 1 << 40, u64::MAX];
        let mut back = BTreeSet::new();
        decode_ids(&encode_ids(&ids), &mut back).unwrap();
        assert_eq!(back.into_iter().collect::<Vec<_>>(), ids);
    }

    #[test]
    fn a_truncated_list_is_corrupt_not_a_panic() {
        let mut back = BTreeSet::new();
        assert!(decode_ids(&[0xff; 11], &mut back).is_err());
    }

    #[test]
    fn term_hash_is_fnv1a() {
        // The published FNV-1a 64 test vector: stored keys depend on it never changing.
        assert_eq!(term_hash("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
