//! The near-duplicate index: LSH buckets over the MinHash signatures of the articles of a recent
//! window (`[store] dedup_window`, default 30 days), in memory. The signatures themselves are
//! stored (`fingerprints`: `S` ++ id), and the index is rebuilt from them when a process first
//! needs it.
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

use crate::fingerprint::{Signature, BANDS, SIGNATURE_LEN};

/// Article slots one bucket keeps: its newest. Copies of one text sit in one story, so the
/// newest few speak for all of them, and a text shared by thousands costs no more to look up.
pub const BUCKET_SLOTS: usize = 4;

const EMPTY: u32 = u32::MAX;

/// Three bytes of language code (zero-padded; `???` unknown): only texts in one language are
/// compared.
pub(super) type LangCode = [u8; 3];

/// One indexed article.
struct Record {
    id: u64,
    at: i64,
    lang: LangCode,
    signature: Signature,
}

/// LSH buckets over a sliding window of articles, oldest first.
pub(super) struct NearDupIndex {
    window: Duration,
    /// Slot `n` is `records[n - first]`; slots only grow, so a bucket's slot older than `first`
    /// is an article that left the window.
    records: VecDeque<Record>,
    first: u32,
    buckets: HashMap<u64, [u32; BUCKET_SLOTS]>,
    /// Slots evicted since the buckets were last swept of them.
    stale: usize,
}

impl NearDupIndex {
    /// An empty index keeping articles for `window`.
    pub(super) fn new(window: Duration) -> Self {
        NearDupIndex {
            window,
            records: VecDeque::new(),
            first: 0,
            buckets: HashMap::new(),
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
    pub(super) fn insert(&mut self, id: u64, at: DateTime<Utc>, lang: LangCode, signature: Signature) {
        let slot = self.first.wrapping_add(self.records.len() as u32);
        for key in bucket_keys(lang, &signature) {
            let bucket = self.buckets.entry(key).or_insert([EMPTY; BUCKET_SLOTS]);
            bucket.rotate_right(1);
            bucket[0] = slot;
        }
        self.records.push_back(Record {
            id,
            at: at.timestamp_micros(),
            lang,
            signature,
        });
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
            self.stale = 0;
        }
    }
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

/// `S` record value: signature ++ language ++ time (µs since the epoch, BE).
pub(super) fn encode_record(signature: &Signature, lang: LangCode, at: DateTime<Utc>) -> Vec<u8> {
    let mut v = signature.to_bytes();
    v.extend_from_slice(&lang);
    v.extend_from_slice(&at.timestamp_micros().to_be_bytes());
    v
}

/// An `S` record value, or `None` when it is not one (a signature alone, written before the
/// record carried its language and time).
pub(super) fn decode_record(bytes: &[u8]) -> Option<(Signature, LangCode, DateTime<Utc>)> {
    let sig_len = SIGNATURE_LEN * 4;
    if bytes.len() != sig_len + 3 + 8 {
        return None;
    }
    let signature = Signature::from_bytes(&bytes[..sig_len])?;
    let lang: LangCode = bytes[sig_len..sig_len + 3].try_into().ok()?;
    let micros = i64::from_be_bytes(bytes[sig_len + 3..].try_into().ok()?);
    Some((signature, lang, DateTime::from_timestamp_micros(micros)?))
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
        let mut index = NearDupIndex::new(Duration::days(30));
        let en = lang_code(Some("en"));
        let fr = lang_code(Some("fr"));
        index.insert(1, t(0), en, signature(1));
        index.insert(2, t(0), fr, signature(1));
        let found = index.candidates(en, &signature(1), 16);
        assert_eq!(found.iter().map(|c| c.0).collect::<Vec<_>>(), [1]);
        assert!(index.candidates(en, &signature(99), 16).is_empty());

        // Past the window both leave, and the sweep leaves only the new article's buckets.
        index.evict(t(40));
        index.insert(3, t(40), en, signature(3));
        assert_eq!(index.len(), 1);
        assert!(index.candidates(en, &signature(1), 16).is_empty());
        assert_eq!(index.buckets.len(), BANDS);
        assert_eq!(index.candidates(en, &signature(3), 16)[0].0, 3);
    }

    #[test]
    fn a_bucket_keeps_its_newest() {
        let mut index = NearDupIndex::new(Duration::days(30));
        let en = lang_code(Some("en"));
        for id in 1..=10 {
            index.insert(id, t(0), en, signature(7));
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
        let bytes = encode_record(&signature(5), lang_code(Some("vi")), t(3));
        assert_eq!(decode_record(&bytes), Some((signature(5), *b"vi\0", t(3))));
        assert_eq!(decode_record(&signature(5).to_bytes()), None);
    }
}
