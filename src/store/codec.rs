//! How values and keys are written: JSON records, big-endian ids and times, and the key
//! layouts of the story trees (described in `stories`).

use chrono::{DateTime, Utc};

use super::StoreError;

/// Key ordering by time then id: microseconds with the sign bit flipped, so negative (pre-1970)
/// times still sort before positive ones as unsigned bytes.
pub(super) fn time_key(time: DateTime<Utc>, id: u64) -> [u8; 16] {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&((time.timestamp_micros() as u64) ^ (1 << 63)).to_be_bytes());
    key[8..].copy_from_slice(&id.to_be_bytes());
    key
}

pub(super) fn time_from_key(key: &[u8]) -> i64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&key[..8]);
    (u64::from_be_bytes(bytes) ^ (1 << 63)) as i64
}

pub(super) fn id_from(bytes: &[u8], tree: &'static str) -> Result<u64, StoreError> {
    bytes
        .try_into()
        .map(u64::from_be_bytes)
        .map_err(|_| StoreError::Corrupt {
            tree,
            message: format!("id of {} bytes", bytes.len()),
        })
}

/// A `pruned_urls` value: when a feed last listed the URL (seconds, i64 BE).
pub(super) fn listed_value(at: DateTime<Utc>) -> [u8; 8] {
    at.timestamp().to_be_bytes()
}

/// The time in a `pruned_urls` value; `None` if it is not one.
pub(super) fn listed_from(value: &[u8]) -> Option<DateTime<Utc>> {
    let bytes = <[u8; 8]>::try_from(value).ok()?;
    DateTime::from_timestamp(i64::from_be_bytes(bytes), 0)
}

pub(super) fn encode<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Invariant: our records are plain structs of strings, numbers and times; serde_json cannot
    // fail on them.
    serde_json::to_vec(value).expect("records always serialize")
}

/// A record of `tree`; one that does not decode is reported as corrupt, naming the tree.
pub(super) fn decode<T: serde::de::DeserializeOwned>(
    tree: &'static str,
    bytes: &[u8],
) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        tree,
        message: e.to_string(),
    })
}
pub(super) fn signature_key(id: u64) -> [u8; 9] {
    let mut k = [b'S'; 9];
    k[1..].copy_from_slice(&id.to_be_bytes());
    k
}

pub(super) fn article_story_key(id: u64) -> [u8; 9] {
    let mut k = [b'A'; 9];
    k[1..].copy_from_slice(&id.to_be_bytes());
    k
}

pub(super) fn story_key(id: u64) -> [u8; 9] {
    let mut k = [b'S'; 9];
    k[1..].copy_from_slice(&id.to_be_bytes());
    k
}

/// URL ++ 0 ++ kind ++ article id.
pub(super) fn ref_key(url: &str, kind: u8, id: u64) -> Vec<u8> {
    let mut k = url.as_bytes().to_vec();
    k.push(0);
    k.push(kind);
    k.extend_from_slice(&id.to_be_bytes());
    k
}

/// `M` ++ story id: the prefix of a story's member keys.
pub(super) fn member_prefix(story: u64) -> [u8; 9] {
    let mut k = [b'M'; 9];
    k[1..].copy_from_slice(&story.to_be_bytes());
    k
}

/// `M` ++ story id ++ article id.
pub(super) fn member_key(story: u64, article: u64) -> [u8; 17] {
    let mut k = [0u8; 17];
    k[..9].copy_from_slice(&member_prefix(story));
    k[9..].copy_from_slice(&article.to_be_bytes());
    k
}

pub(super) fn alias_key(id: u64) -> [u8; 9] {
    let mut k = [b'L'; 9];
    k[1..].copy_from_slice(&id.to_be_bytes());
    k
}

/// Kinds of `refs` keys: a link in the body, a cited source.
pub(super) const KIND_LINK: u8 = b'l';
pub(super) const KIND_CITED: u8 = b'c';
