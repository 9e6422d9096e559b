//! Stories: every article belongs to exactly one. A new article joins the story of the stored
//! article it is most alike (same language, MinHash similarity), and the stories of the stored
//! articles it links to or cites, that cite the same source, or that link to it; when it joins
//! several, they merge into the oldest, whose id stays (merged ids resolve through an alias).
//!
//! Likeness alone never merges stories: only its single best match counts. Texts that share
//! stock paragraphs would otherwise chain unrelated stories into one; an explicit link or
//! citation is evidence enough to merge.
//!
//! Keys:
//! - `fingerprints`: `S` ++ article id → signature; `B` ++ lang (3) ++ band (1) ++ key (8) ++ id → ()
//! - `refs`: URL ++ 0 ++ kind (`l` link, `c` cited) ++ id → ()
//! - `stories`: `A` ++ article id → story id; `S` ++ story id → [`Story`]; `L` ++ old → new id

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::{decode, encode, id_from, Store, StoreError};
use crate::pipeline::dedup::{Signature, DUPLICATE_SIMILARITY};

/// A story: articles about one event, in any language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Story {
    /// Stable id: the id of its first article (or of the older story it merged into).
    pub id: u64,
    /// Article ids, in the order they joined.
    pub members: Vec<u64>,
    /// When its first article was stored.
    pub first_seen: DateTime<Utc>,
    /// When an article last joined.
    pub updated: DateTime<Utc>,
}

/// Why a new article joins the stories it joins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct StoryLinks {
    /// Stories to join (current ids).
    pub stories: BTreeSet<u64>,
}

/// How deep one LSH bucket is read: its newest articles. Copies of one text sit in one story,
/// so the newest few speak for all of them.
pub const BUCKET_SCAN: usize = 16;

pub(super) const KIND_LINK: u8 = b'l';
pub(super) const KIND_CITED: u8 = b'c';

impl Store {
    /// The stories a new article belongs with, found by lookups alone (the caller holds the
    /// writer lock, so nothing changes until it writes).
    pub(super) fn story_links(
        &self,
        url: &str,
        lang: Option<&str>,
        signature: Option<&Signature>,
        links: &[String],
        cited: &[String],
    ) -> Result<StoryLinks, StoreError> {
        let mut found = StoryLinks::default();
        if let Some(signature) = signature {
            if let Some((id, _)) = self.near_duplicates(lang, signature)?.first() {
                found.stories.insert(self.story_of(*id)?);
            }
        }
        // It links to or cites stored articles.
        for target in links.iter().chain(cited) {
            if let Some(id) = self.by_url.get(target.as_bytes())? {
                found
                    .stories
                    .insert(self.story_of(id_from(&id, "article_by_url")?)?);
            }
        }
        // It shares a cited source with stored articles.
        for source in cited {
            for id in self.referrers(source, Some(KIND_CITED))? {
                found.stories.insert(self.story_of(id)?);
            }
        }
        // Stored articles link to it or cite it.
        for id in self.referrers(url, None)? {
            found.stories.insert(self.story_of(id)?);
        }
        Ok(found)
    }

    /// Stored articles in `lang` whose signature is at least [`DUPLICATE_SIMILARITY`] alike,
    /// most alike first (then newest). Each LSH bucket is read newest first and at most
    /// [`BUCKET_SCAN`] deep, so a text shared by thousands of articles costs no more to look up
    /// than a unique one.
    pub fn near_duplicates(
        &self,
        lang: Option<&str>,
        signature: &Signature,
    ) -> Result<Vec<(u64, f64)>, StoreError> {
        let mut checked = BTreeSet::new();
        let mut alike = Vec::new();
        for (band, key) in signature.bands().iter().enumerate() {
            let prefix = band_prefix(lang, band, *key);
            for item in self.fingerprints.scan_prefix(prefix).rev().take(BUCKET_SCAN) {
                let (k, _) = item?;
                let id = id_from(&k[k.len() - 8..], "fingerprints")?;
                if !checked.insert(id) {
                    continue;
                }
                if let Some(other) = self.signature(id)? {
                    let similarity = signature.similarity(&other);
                    if similarity >= DUPLICATE_SIMILARITY {
                        alike.push((id, similarity));
                    }
                }
            }
        }
        alike.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
        Ok(alike)
    }

    fn signature(&self, id: u64) -> Result<Option<Signature>, StoreError> {
        Ok(self
            .fingerprints
            .get(signature_key(id))?
            .and_then(|b| Signature::from_bytes(&b)))
    }

    /// Ids of articles that link to `url` (of one kind, or any).
    fn referrers(&self, url: &str, kind: Option<u8>) -> Result<Vec<u64>, StoreError> {
        let mut prefix = url.as_bytes().to_vec();
        prefix.push(0);
        if let Some(kind) = kind {
            prefix.push(kind);
        }
        self.refs
            .scan_prefix(prefix)
            .map(|item| {
                let (k, _) = item?;
                id_from(&k[k.len() - 8..], "refs")
            })
            .collect()
    }

    /// The story an article belongs to (itself alone if it predates stories).
    pub fn story_of(&self, article: u64) -> Result<u64, StoreError> {
        match self.stories.get(article_story_key(article))? {
            Some(id) => id_from(&id, "stories"),
            None => Ok(article),
        }
    }

    /// A story by id, following merges.
    pub fn story(&self, id: u64) -> Result<Option<Story>, StoreError> {
        let mut id = id;
        // Aliases chain at most as often as stories merged; each step moves to an older id.
        while let Some(newer) = self.stories.get(alias_key(id))? {
            id = id_from(&newer, "stories")?;
        }
        self.stories
            .get(story_key(id))?
            .map(|b| {
                decode(&b).map_err(|message| StoreError::Corrupt {
                    tree: "stories",
                    message,
                })
            })
            .transpose()
    }

    /// Every story, newest activity first.
    pub fn stories(&self) -> Result<Vec<Story>, StoreError> {
        let mut all: Vec<Story> = self
            .stories
            .scan_prefix([b'S'])
            .map(|item| {
                let (_, v) = item?;
                decode(&v).map_err(|message| StoreError::Corrupt {
                    tree: "stories",
                    message,
                })
            })
            .collect::<Result<_, _>>()?;
        all.sort_by(|a, b| b.updated.cmp(&a.updated).then(b.id.cmp(&a.id)));
        Ok(all)
    }
}

/// Writes a new article's fingerprint, references and story membership inside the article's
/// transaction, merging the stories it joins into the oldest.
#[allow(clippy::too_many_arguments)]
pub(super) fn write_story(
    fingerprints: &TransactionalTree,
    refs: &TransactionalTree,
    stories: &TransactionalTree,
    id: u64,
    lang: Option<&str>,
    signature: Option<&Signature>,
    links: &[String],
    cited: &[String],
    joins: &StoryLinks,
    now: DateTime<Utc>,
) -> Result<u64, ConflictableTransactionError<String>> {
    if let Some(signature) = signature {
        fingerprints.insert(signature_key(id).as_slice(), signature.to_bytes())?;
        for (band, key) in signature.bands().iter().enumerate() {
            let mut k = band_prefix(lang, band, *key);
            k.extend_from_slice(&id.to_be_bytes());
            fingerprints.insert(k, &[])?;
        }
    }
    for (url, kind) in links
        .iter()
        .map(|u| (u, KIND_LINK))
        .chain(cited.iter().map(|u| (u, KIND_CITED)))
    {
        let mut k = url.as_bytes().to_vec();
        k.push(0);
        k.push(kind);
        k.extend_from_slice(&id.to_be_bytes());
        refs.insert(k, &[])?;
    }
    let target = joins.stories.iter().next().copied().unwrap_or(id);
    let mut story = match stories.get(story_key(target))? {
        Some(b) => decode::<Story>(&b).map_err(ConflictableTransactionError::Abort)?,
        // An article stored before stories existed is a story of one.
        None => Story {
            id: target,
            members: if target == id { vec![] } else { vec![target] },
            first_seen: now,
            updated: now,
        },
    };
    for &other in joins.stories.iter().skip(1) {
        let merged = match stories.get(story_key(other))? {
            Some(b) => decode::<Story>(&b).map_err(ConflictableTransactionError::Abort)?,
            None => Story {
                id: other,
                members: vec![other],
                first_seen: now,
                updated: now,
            },
        };
        for member in &merged.members {
            stories.insert(article_story_key(*member).as_slice(), &target.to_be_bytes())?;
        }
        story.members.extend(merged.members);
        story.first_seen = story.first_seen.min(merged.first_seen);
        stories.remove(story_key(other).as_slice())?;
        stories.insert(alias_key(other).as_slice(), &target.to_be_bytes())?;
    }
    story.members.push(id);
    story.updated = now;
    stories.insert(story_key(target).as_slice(), encode(&story))?;
    stories.insert(article_story_key(id).as_slice(), &target.to_be_bytes())?;
    Ok(target)
}

fn signature_key(id: u64) -> [u8; 9] {
    let mut k = [b'S'; 9];
    k[1..].copy_from_slice(&id.to_be_bytes());
    k
}

/// `B` ++ language (3 bytes, zero-padded; `???` when unknown) ++ band ++ key.
fn band_prefix(lang: Option<&str>, band: usize, key: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(21);
    k.push(b'B');
    let mut code = [0u8; 3];
    match lang {
        Some(l) => l.bytes().take(3).enumerate().for_each(|(i, b)| code[i] = b),
        None => code = *b"???",
    }
    k.extend_from_slice(&code);
    k.push(band as u8);
    k.extend_from_slice(&key.to_be_bytes());
    k
}

fn article_story_key(id: u64) -> [u8; 9] {
    let mut k = [b'A'; 9];
    k[1..].copy_from_slice(&id.to_be_bytes());
    k
}

fn story_key(id: u64) -> [u8; 9] {
    let mut k = [b'S'; 9];
    k[1..].copy_from_slice(&id.to_be_bytes());
    k
}

fn alias_key(id: u64) -> [u8; 9] {
    let mut k = [b'L'; 9];
    k[1..].copy_from_slice(&id.to_be_bytes());
    k
}
