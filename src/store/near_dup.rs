//! The near-duplicate index: LSH buckets over the MinHash signatures of the articles of a recent
//! window (`[store] dedup_window`, default 30 days), in memory. The signatures themselves are
//! stored (`fingerprints`: `S` ++ id), and the index is rebuilt from them when a process first
//! needs it. Beside the buckets, an event index: for the last 72 hours, the articles naming
//! each pair of rare event details, and how many articles say each detail (which weighs it).
//!
//! Why memory and not sled: as sled keys the buckets cost eight reads and eight rewrites per new
//! article; in a profile of a cold poll cycle the store's share of the CPU fell from 51 % to
//! 40 % when they moved here. In memory a lookup is a few hash probes, and an article costs,
//! by the layout below, about 400 bytes while it is in the window.
//!
//! Why a window: copies and rewrites of a story appear within days; a text that resembles one
//! from months ago is a new event (the yearly report, the next session). Links and citations,
//! which are stored, still join stories of any age.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Duration, Utc};

use crate::details::event::{Event, Script, MAX_SHAPE_MERGES};
use crate::fingerprint::{Signature, BANDS, SIGNATURE_LEN};

/// Article slots one bucket keeps: its newest. Copies of one text sit in one story, so the
/// newest few speak for all of them, and a text shared by thousands costs no more to look up.
pub const BUCKET_SLOTS: usize = 4;

const EMPTY: u32 = u32::MAX;

/// How far apart two reports of one event are published at most, and how long (by fetch
/// time) an article stays in the event index.
pub const EVENT_WINDOW_HOURS: i64 = 72;

/// The articles a detail's rarity is measured against at least: in a young store every
/// detail is rare, and a detail one article in a thousand says is rare indeed.
const MIN_POPULATION: u32 = 1000;

/// Article slots one pair of event details keeps: its newest.
pub const EVENT_SLOTS: usize = 8;

/// Article slots one shape (a number of sentences) keeps: its newest. A long text's
/// translation keeps its sentences, so texts of as many sentences are its candidates; a
/// translation appears within hours, and one version of it among the newest of its length is enough (a story is joined once).
pub const SHAPE_SLOTS: usize = 16;

/// Sentences a text has at least for its shape alone to find its translations: the shapes
/// of a few sentences are alike by chance.
pub const LONG_SHAPE: usize = 8;

/// The rarest details of a lead that are indexed and looked up in pairs. One detail alone
/// ("Jakarta", "1,200") is in too many articles for its newest few to be the right ones; two
/// together ("Jakarta" and "1,200") are in few.
const PAIRED_DETAILS: usize = 5;

/// An article's event details, its language, and when the event was reported (published,
/// else fetched).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Happening {
    pub(super) event: Event,
    pub(super) lang: LangCode,
    pub(super) at: DateTime<Utc>,
}

/// Three bytes of language code (zero-padded; `???` unknown): only texts in one language are
/// compared.
pub(super) type LangCode = [u8; 3];

/// One indexed article.
struct Record {
    id: u64,
    at: i64,
    lang: LangCode,
    signature: Signature,
    happening: Option<Happening>,
}

/// LSH buckets over a sliding window of articles, oldest first.
pub(super) struct NearDupIndex {
    window: Duration,
    /// Slot `n` is `records[n - first]`; slots only grow, so a bucket's slot older than `first`
    /// is an article that left the window.
    records: VecDeque<Record>,
    first: u32,
    buckets: HashMap<u64, [u32; BUCKET_SLOTS]>,
    /// How long articles stay in the event index (a shorter window than the text's).
    event_window: Duration,
    /// The oldest slot in the event index; older slots are in the text index only.
    event_first: u32,
    /// The newest articles naming each pair of rare event details in their lead.
    events: HashMap<u64, [u32; EVENT_SLOTS]>,
    /// The newest articles of each long shape (by its number of sentences).
    shapes: HashMap<u8, [u32; SHAPE_SLOTS]>,
    /// How many articles in the event window say each detail.
    counts: HashMap<u32, u32>,
    /// Slots evicted since the buckets were last swept of them.
    stale: usize,
}

impl NearDupIndex {
    /// An empty index keeping articles for `window`.
    pub(super) fn new(window: Duration, event_window: Duration) -> Self {
        NearDupIndex {
            window,
            event_window,
            event_first: 0,
            records: VecDeque::new(),
            first: 0,
            buckets: HashMap::new(),
            events: HashMap::new(),
            shapes: HashMap::new(),
            counts: HashMap::new(),
            stale: 0,
        }
    }

    /// Articles in the index.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.records.len()
    }

    /// Adds an article, newer than every article already in. Articles leave only through
    /// [`NearDupIndex::evict`].
    pub(super) fn insert(
        &mut self,
        id: u64,
        at: DateTime<Utc>,
        lang: LangCode,
        signature: Signature,
        happening: Option<Happening>,
    ) {
        let slot = self.first.wrapping_add(self.records.len() as u32);
        for key in bucket_keys(lang, &signature) {
            let bucket = self.buckets.entry(key).or_insert([EMPTY; BUCKET_SLOTS]);
            bucket.rotate_right(1);
            bucket[0] = slot;
        }
        if let Some(h) = &happening {
            for key in self.pair_keys(&h.event) {
                let slots = self.events.entry(key).or_insert([EMPTY; EVENT_SLOTS]);
                slots.rotate_right(1);
                slots[0] = slot;
            }
            if let Some(len) = long_shape(&h.event) {
                let slots = self.shapes.entry(len).or_insert([EMPTY; SHAPE_SLOTS]);
                slots.rotate_right(1);
                slots[0] = slot;
            }
            for key in counted_details(h) {
                *self.counts.entry(key).or_default() += 1;
            }
        }
        self.records.push_back(Record {
            id,
            at: at.timestamp_micros(),
            lang,
            signature,
            happening,
        });
    }

    /// Replaces an indexed article's signature and details with those of its new text (an
    /// update from its feed); an article no longer in the window stays out.
    pub(super) fn update(&mut self, id: u64, lang: LangCode, signature: Signature, happening: Happening) {
        let at = self.records.partition_point(|r| r.id < id);
        if self.records.get(at).is_none_or(|r| r.id != id) {
            return;
        }
        let slot = self.first.wrapping_add(at as u32);
        let in_events = self.in_event_window(slot);
        if in_events {
            self.uncount(at);
        }
        // The old buckets keep the slot until swept; candidates are compared with the record's
        // signature, which is the new one.
        for key in bucket_keys(lang, &signature) {
            let bucket = self.buckets.entry(key).or_insert([EMPTY; BUCKET_SLOTS]);
            if !bucket.contains(&slot) {
                bucket.rotate_right(1);
                bucket[0] = slot;
            }
        }
        if in_events {
            for key in self.pair_keys(&happening.event) {
                let slots = self.events.entry(key).or_insert([EMPTY; EVENT_SLOTS]);
                if !slots.contains(&slot) {
                    slots.rotate_right(1);
                    slots[0] = slot;
                }
            }
            if let Some(len) = long_shape(&happening.event) {
                let slots = self.shapes.entry(len).or_insert([EMPTY; SHAPE_SLOTS]);
                if !slots.contains(&slot) {
                    slots.rotate_right(1);
                    slots[0] = slot;
                }
            }
            for key in counted_details(&happening) {
                *self.counts.entry(key).or_default() += 1;
            }
        }
        let record = &mut self.records[at];
        record.lang = lang;
        record.signature = signature;
        record.happening = Some(happening);
    }

    /// How much sharing `key` says: the rarer the detail in the window, the more.
    pub(super) fn weight(&self, key: u32) -> f64 {
        if Event::is_small_number(key) {
            return 0.5;
        }
        let count = f64::from(self.counts.get(&key).copied().unwrap_or(0));
        let population = self
            .first
            .wrapping_add(self.records.len() as u32)
            .wrapping_sub(self.event_first)
            .max(MIN_POPULATION);
        ((f64::from(population) + 1.0) / (count + 1.0)).ln().max(0.0)
    }

    /// The keys of the pairs of `event`'s rarest lead details.
    fn pair_keys(&self, event: &Event) -> Vec<u64> {
        let mut rare: Vec<u32> = indexed_details(event).collect();
        // The headline's details first (what the event is, which every report of it says
        // first), and details every language gives alike before names, which a translation
        // writes otherwise.
        rare.sort_by_key(|k| {
            let count = self.counts.get(k).copied().unwrap_or(0);
            let in_headline = event.headline.binary_search(k).is_ok();
            (!in_headline, !Event::comparable(*k), count, *k)
        });
        rare.truncate(PAIRED_DETAILS);
        rare.sort_unstable();
        let mut keys = Vec::with_capacity(rare.len() * rare.len().saturating_sub(1) / 2);
        for (x, a) in rare.iter().enumerate() {
            for b in &rare[x + 1..] {
                keys.push((u64::from(*a) << 32) | u64::from(*b));
            }
        }
        keys
    }

    /// Indexed articles of any language naming two of the rarest details of `event`'s lead,
    /// reported within `window` of `at`, newest first per pair, then those in another
    /// language whose long shape is a translation's of `event`'s; each at most once, and at
    /// most `limit`.
    pub(super) fn event_candidates(
        &self,
        event: &Event,
        lang: LangCode,
        at: DateTime<Utc>,
        window: Duration,
        (limit, shape_distance): (usize, f64),
    ) -> Vec<(u64, &Happening)> {
        let mut out: Vec<(u64, &Happening)> = Vec::new();
        for key in self.pair_keys(event) {
            let Some(slots) = self.events.get(&key) else {
                continue;
            };
            for &slot in slots {
                let Some((record, happening)) = self.in_events(slot) else {
                    continue;
                };
                if (happening.at - at).abs() > window || out.iter().any(|(id, _)| *id == record.id) {
                    continue;
                }
                out.push((record.id, happening));
                if out.len() >= limit {
                    return out;
                }
            }
        }
        let Some(len) = long_shape(event) else {
            return out;
        };
        // A translation may have merged or split a sentence or two.
        let lengths = len.saturating_sub(MAX_SHAPE_MERGES as u8)..=len.saturating_add(MAX_SHAPE_MERGES as u8);
        let slots = lengths.filter_map(|l| self.shapes.get(&l)).flatten();
        for &slot in slots {
            let Some((record, happening)) = self.in_events(slot) else {
                continue;
            };
            let translated =
                lang != record.lang && event.shape_within(&happening.event, shape_distance).is_some();
            if !translated || (happening.at - at).abs() > window || out.iter().any(|(id, _)| *id == record.id)
            {
                continue;
            }
            out.push((record.id, happening));
            if out.len() >= limit {
                break;
            }
        }
        out
    }

    /// Takes the details of the record at `offset` out of the counts that weigh details.
    fn uncount(&mut self, offset: usize) {
        let Some(happening) = self.records.get(offset).and_then(|r| r.happening.as_ref()) else {
            return;
        };
        for key in counted_details(happening).collect::<Vec<_>>() {
            if let Some(count) = self.counts.get_mut(&key) {
                *count -= 1;
                if *count == 0 {
                    self.counts.remove(&key);
                }
            }
        }
    }

    /// The record of a slot still in the event index, with its details.
    fn in_events(&self, slot: u32) -> Option<(&Record, &Happening)> {
        if !self.in_event_window(slot) {
            return None;
        }
        let record = self.record(slot)?;
        Some((record, record.happening.as_ref()?))
    }

    /// Whether a slot is of an article still in the event index.
    fn in_event_window(&self, slot: u32) -> bool {
        slot != EMPTY
            && slot.wrapping_sub(self.first) >= self.event_first.wrapping_sub(self.first)
            && slot.wrapping_sub(self.first) < self.records.len() as u32
    }

    /// The event of an indexed article.
    pub(super) fn happening(&self, id: u64) -> Option<&Happening> {
        // Ids grow with insertion order: a binary search finds the record.
        let at = self.records.partition_point(|r| r.id < id);
        self.records
            .get(at)
            .filter(|r| r.id == id)
            .and_then(|r| r.happening.as_ref())
    }

    /// Indexed articles in `lang` sharing a band with `signature`, newest first per band, with
    /// their signatures; each at most once, and at most `limit`.
    pub(super) fn candidates(
        &self,
        lang: LangCode,
        signature: &Signature,
        limit: usize,
    ) -> Vec<(u64, Signature)> {
        let mut out: Vec<(u64, Signature)> = Vec::new();
        for key in bucket_keys(lang, signature) {
            let Some(bucket) = self.buckets.get(&key) else {
                continue;
            };
            for &slot in bucket {
                let Some(record) = self.record(slot) else {
                    continue;
                };
                // Distinct keys can share a hash; the language must match exactly.
                if record.lang != lang || out.iter().any(|(id, _)| *id == record.id) {
                    continue;
                }
                out.push((record.id, record.signature));
                if out.len() >= limit {
                    return out;
                }
            }
        }
        out
    }

    fn record(&self, slot: u32) -> Option<&Record> {
        if slot == EMPTY {
            return None;
        }
        let offset = slot.wrapping_sub(self.first) as usize;
        self.records.get(offset)
    }

    /// Drops the articles that left the window by `now`.
    pub(super) fn evict(&mut self, now: DateTime<Utc>) {
        let horizon = (now - self.window).timestamp_micros();
        let event_horizon = horizon.max((now - self.event_window).timestamp_micros());
        // The event index first: its window ends before the text's.
        while self
            .record(self.event_first)
            .is_some_and(|r| r.at < event_horizon)
        {
            self.uncount(self.event_first.wrapping_sub(self.first) as usize);
            self.event_first = self.event_first.wrapping_add(1);
        }
        if self.records.is_empty() {
            self.event_first = self.first;
        }
        while self.records.front().is_some_and(|r| r.at < horizon) {
            self.records.pop_front();
            self.first = self.first.wrapping_add(1);
            self.stale += 1;
        }
        // Evicted slots linger in buckets until swept; sweep when they could be half the map.
        if self.stale > 0 && self.stale >= self.records.len() {
            let (first, live) = (self.first, self.records.len() as u32);
            let is_live = |slot: u32| slot != EMPTY && slot.wrapping_sub(first) < live;
            self.buckets.retain(|_, bucket| {
                for slot in bucket.iter_mut() {
                    if !is_live(*slot) {
                        *slot = EMPTY;
                    }
                }
                bucket.iter().any(|s| *s != EMPTY)
            });
            self.buckets.shrink_to_fit();
            let event_first = self.event_first;
            let in_events =
                |slot: u32| is_live(slot) && slot.wrapping_sub(first) >= event_first.wrapping_sub(first);
            self.events.retain(|_, slots| {
                for slot in slots.iter_mut() {
                    if !in_events(*slot) {
                        *slot = EMPTY;
                    }
                }
                slots.iter().any(|s| *s != EMPTY)
            });
            self.events.shrink_to_fit();
            self.shapes.retain(|_, slots| {
                for slot in slots.iter_mut() {
                    if !in_events(*slot) {
                        *slot = EMPTY;
                    }
                }
                slots.iter().any(|s| *s != EMPTY)
            });
            self.stale = 0;
        }
    }
}

/// The number of sentences of a shape long enough to find translations by.
fn long_shape(event: &Event) -> Option<u8> {
    (event.shape.len() >= LONG_SHAPE).then_some(event.shape.len() as u8)
}

/// The details of a lead that are looked up: small numbers are everywhere.
fn indexed_details(event: &Event) -> impl Iterator<Item = u32> + '_ {
    event.lead.iter().copied().filter(|k| !Event::is_small_number(*k))
}

/// The details whose frequency weighs them: all a text says, small numbers aside.
fn counted_details(happening: &Happening) -> impl Iterator<Item = u32> + '_ {
    happening
        .event
        .said
        .iter()
        .copied()
        .filter(|k| !Event::is_small_number(*k))
}

/// The language code of a record key.
pub(super) fn lang_code(lang: Option<&str>) -> LangCode {
    let mut code = [0u8; 3];
    match lang {
        Some(l) => l.bytes().take(3).enumerate().for_each(|(i, b)| code[i] = b),
        None => code = *b"???",
    }
    code
}

/// One hash per band, over the language, the band and its key.
fn bucket_keys(lang: LangCode, signature: &Signature) -> [u64; BANDS] {
    let mut keys = signature.bands();
    let lang = u64::from_le_bytes([lang[0], lang[1], lang[2], 0, 0, 0, 0, 0]);
    for key in &mut keys {
        // Bands already differ in their keys (each is seeded by its index); mixing the
        // language in keeps one language's texts out of another's buckets.
        *key = (*key ^ lang.wrapping_mul(0x9e37_79b9_7f4a_7c15)).rotate_left(17);
    }
    keys
}

/// A stored `S` record: what the index keeps of an article.
#[derive(Debug, PartialEq)]
pub(super) struct StoredRecord {
    pub(super) signature: Signature,
    pub(super) lang: LangCode,
    pub(super) at: DateTime<Utc>,
    /// `None` in records written before they carried event details.
    pub(super) happening: Option<Happening>,
}

/// `S` record value: signature ++ language ++ time (µs since the epoch, BE), then the event:
/// script ++ its time (µs, BE) ++ lead count (u8) ++ said count (u8) ++ the keys (u32, BE) ++
/// the shape's length (u8) ++ the shape ++ headline count (u8) ++ its keys (u32, BE).
pub(super) fn encode_record(
    signature: &Signature,
    lang: LangCode,
    at: DateTime<Utc>,
    happening: &Happening,
) -> Vec<u8> {
    let mut v = signature.to_bytes();
    v.extend_from_slice(&lang);
    v.extend_from_slice(&at.timestamp_micros().to_be_bytes());
    let event = &happening.event;
    v.push(event.script.to_byte());
    v.extend_from_slice(&happening.at.timestamp_micros().to_be_bytes());
    let (lead, said) = (
        &event.lead[..event.lead.len().min(255)],
        &event.said[..event.said.len().min(255)],
    );
    v.push(lead.len() as u8);
    v.push(said.len() as u8);
    for key in lead.iter().chain(said) {
        v.extend_from_slice(&key.to_be_bytes());
    }
    let shape = &event.shape[..event.shape.len().min(255)];
    v.push(shape.len() as u8);
    v.extend_from_slice(shape);
    let headline = &event.headline[..event.headline.len().min(255)];
    v.push(headline.len() as u8);
    for key in headline {
        v.extend_from_slice(&key.to_be_bytes());
    }
    let title = &event.title[..event.title.len().min(255)];
    v.push(title.len() as u8);
    for key in title {
        v.extend_from_slice(&key.to_be_bytes());
    }
    let persons = &event.persons[..event.persons.len().min(255)];
    v.push(persons.len() as u8);
    v.extend_from_slice(persons);
    v.extend_from_slice(&event.length.to_be_bytes());
    v
}

/// An `S` record value, or `None` when it is not one (a signature alone, written before the
/// record carried its language and time).
pub(super) fn decode_record(bytes: &[u8]) -> Option<StoredRecord> {
    let sig_len = SIGNATURE_LEN * 4;
    let base = sig_len + 3 + 8;
    if bytes.len() < base {
        return None;
    }
    let signature = Signature::from_bytes(&bytes[..sig_len])?;
    let lang: LangCode = bytes[sig_len..sig_len + 3].try_into().ok()?;
    let micros = i64::from_be_bytes(bytes[sig_len + 3..base].try_into().ok()?);
    let at = DateTime::from_timestamp_micros(micros)?;
    let happening = match &bytes[base..] {
        [] => None,
        [script, rest @ ..] if rest.len() >= 10 => {
            let micros = i64::from_be_bytes(rest[..8].try_into().ok()?);
            let (lead_n, said_n) = (usize::from(rest[8]), usize::from(rest[9]));
            let (keys, shape) = rest[10..].split_at_checked(4 * (lead_n + said_n))?;
            let decode = |keys: &[u8]| -> Vec<u32> {
                keys.chunks_exact(4)
                    .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                    .collect()
            };
            // Records of the first version with details have no shape, those of the second
            // no headline: their lead stands for it; those of the third no title, whose
            // details are then unknown (no title conflicts with theirs); those of the fourth
            // no people's sounds (no person conflicts with theirs).
            let mut persons = Vec::new();
            let mut length = 0;
            let (shape, headline, title) = match shape {
                [] => (Vec::new(), None, Vec::new()),
                [n, rest @ ..] => {
                    let (shape, rest) = rest.split_at_checked(usize::from(*n))?;
                    let (headline, title) = match rest {
                        [] => (None, Vec::new()),
                        [h, rest @ ..] => {
                            let (keys, rest) = rest.split_at_checked(4 * usize::from(*h))?;
                            let title = match rest {
                                [] => Vec::new(),
                                [t, rest @ ..] => {
                                    let (title, rest) = rest.split_at_checked(4 * usize::from(*t))?;
                                    match rest {
                                        [] => {}
                                        [p, rest @ ..] => {
                                            let (people, rest) = rest.split_at_checked(usize::from(*p))?;
                                            persons = people.to_vec();
                                            length = match rest {
                                                [] => 0,
                                                bytes => u32::from_be_bytes(bytes.try_into().ok()?),
                                            };
                                        }
                                    }
                                    decode(title)
                                }
                            };
                            (Some(decode(keys)), title)
                        }
                    };
                    (shape.to_vec(), headline, title)
                }
            };
            let mut keys = decode(keys);
            let said = keys.split_off(lead_n);
            Some(Happening {
                event: Event {
                    title,
                    headline: headline.unwrap_or_else(|| keys.clone()),
                    lead: keys,
                    said,
                    script: Script::from_byte(*script),
                    shape,
                    persons,
                    length,
                },
                lang,
                at: DateTime::from_timestamp_micros(micros)?,
            })
        }
        _ => return None,
    };
    Some(StoredRecord {
        signature,
        lang,
        at,
        happening,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signature(seed: u32) -> Signature {
        let mut values = [0u32; SIGNATURE_LEN];
        for (i, v) in values.iter_mut().enumerate() {
            *v = seed.wrapping_mul(2_654_435_761).wrapping_add(i as u32 * 7919);
        }
        Signature(values)
    }

    fn t(days: i64) -> DateTime<Utc> {
        "2026-11-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::days(days)
    }

    #[test]
    fn finds_within_language_and_window_only() {
        let mut index = NearDupIndex::new(Duration::days(30), Duration::hours(72));
        let en = lang_code(Some("en"));
        let fr = lang_code(Some("fr"));
        index.insert(1, t(0), en, signature(1), None);
        index.insert(2, t(0), fr, signature(1), None);
        let found = index.candidates(en, &signature(1), 16);
        assert_eq!(found.iter().map(|c| c.0).collect::<Vec<_>>(), [1]);
        assert!(index.candidates(en, &signature(99), 16).is_empty());

        // Past the window both leave, and the sweep leaves only the new article's buckets.
        index.evict(t(40));
        index.insert(3, t(40), en, signature(3), None);
        assert_eq!(index.len(), 1);
        assert!(index.candidates(en, &signature(1), 16).is_empty());
        assert_eq!(index.buckets.len(), BANDS);
        assert_eq!(index.candidates(en, &signature(3), 16)[0].0, 3);
    }

    #[test]
    fn a_bucket_keeps_its_newest() {
        let mut index = NearDupIndex::new(Duration::days(30), Duration::hours(72));
        let en = lang_code(Some("en"));
        for id in 1..=10 {
            index.insert(id, t(0), en, signature(7), None);
        }
        let found: Vec<u64> = index
            .candidates(en, &signature(7), 16)
            .iter()
            .map(|c| c.0)
            .collect();
        assert_eq!(found, [10, 9, 8, 7]);
    }

    #[test]
    fn record_round_trips() {
        let happening = Happening {
            event: Event::of(
                "Trần Thị Lan: 72 quốc gia ký tại Hà Nội",
                "Hôm nay 72 quốc gia đã ký. Lễ ký diễn ra tại Hà Nội.",
                Some("vi"),
                None,
            ),
            lang: lang_code(Some("vi")),
            at: t(2),
        };
        assert!(happening.event.lead.len() >= 2);
        assert_eq!(happening.event.shape.len(), 2);
        let bytes = encode_record(&signature(5), lang_code(Some("vi")), t(3), &happening);
        let record = decode_record(&bytes).expect("a record");
        assert_eq!(
            (record.signature, record.lang, record.at),
            (signature(5), *b"vi\0", t(3))
        );
        assert_eq!(record.happening, Some(happening.clone()));
        assert!(!happening.event.title.is_empty(), "72 and Hanoi with its country");
        assert!(!happening.event.persons.is_empty(), "Trần Thị Lan");
        // Records written before people's sounds were stored read none.
        let sound_bytes = 1 + happening.event.persons.len() + 4;
        let bytes = &bytes[..bytes.len() - sound_bytes];
        let unheard = decode_record(bytes)
            .expect("a record")
            .happening
            .expect("its event");
        assert!(unheard.event.persons.is_empty());
        assert_eq!(unheard.event.title, happening.event.title);
        // Records written before the title was stored read no title.
        let title_bytes = 1 + 4 * happening.event.title.len();
        let untitled = decode_record(&bytes[..bytes.len() - title_bytes]).expect("a record");
        let untitled = untitled.happening.expect("its event");
        assert!(untitled.event.title.is_empty());
        assert_eq!(untitled.event.headline, happening.event.headline);
        // Records written before the headline was stored read their lead as it.
        let headline_bytes = 1 + 4 * happening.event.headline.len() + title_bytes;
        let older = decode_record(&bytes[..bytes.len() - headline_bytes]).expect("a record");
        let older = older.happening.expect("its event");
        assert_eq!(older.event.headline, happening.event.lead);
        assert_eq!(older.event.said, happening.event.said);
        // Records written before events were stored still read.
        let old = &bytes[..SIGNATURE_LEN * 4 + 11];
        assert_eq!(decode_record(old).map(|r| r.happening), Some(None));
        assert_eq!(decode_record(&signature(5).to_bytes()), None);
    }
}
