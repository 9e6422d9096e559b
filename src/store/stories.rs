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
//! - `fingerprints`: `S` ++ article id → signature ++ language (3) ++ fetched (µs, BE); the LSH
//!   buckets over them live in memory (`near_dup`)
//! - `refs`: URL ++ 0 ++ kind (`l` link, `c` cited) ++ id → ()
//! - `stories`: `A` ++ article id → story id; `S` ++ story id → [`Story`]; `M` ++ story id ++
//!   article id → (); `L` ++ old → new id. A story of one article has no records at all: its id
//!   is the article's, which keeps the common case (most articles) to no writes here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{decode, id_from, Store, StoreError};
use crate::model::Article;
use crate::pipeline::dedup::Signature;

/// A story of more than one article: articles about one event, in any language. Its members are
/// indexed apart (`M` keys), so that joining costs the same for a story of two or of thousands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Story {
    /// Stable id: the id of its first article (or of the older story it merged into).
    pub id: u64,
    /// How many articles it has.
    pub size: usize,
    /// When its second article joined.
    pub first_seen: DateTime<Utc>,
    /// When an article last joined.
    pub updated: DateTime<Utc>,
}

pub(super) const KIND_LINK: u8 = b'l';
pub(super) const KIND_CITED: u8 = b'c';

impl Store {
    /// Articles in `lang` stored within the last [`Store::dedup_window`] whose
    /// signature is at least
    /// [`DUPLICATE_SIMILARITY`](crate::pipeline::dedup::DUPLICATE_SIMILARITY) alike, most alike
    /// first.
    pub fn near_duplicates(
        &self,
        lang: Option<&str>,
        signature: &Signature,
    ) -> Result<Vec<(u64, f64)>, StoreError> {
        let mut index = self.near_dup_index()?;
        let now = Utc::now();
        index.evict(now);
        super::ingest::Ingest::new(self, &index, now).near_duplicates(lang, signature)
    }

    /// The story an article belongs to (itself alone if it predates stories).
    pub fn story_of(&self, article: u64) -> Result<u64, StoreError> {
        match self.stories.get(article_story_key(article))? {
            Some(id) => id_from(&id, "stories"),
            None => Ok(article),
        }
    }

    /// The current id of a story, following merges.
    pub fn resolve_story(&self, id: u64) -> Result<u64, StoreError> {
        let mut id = id;
        // Aliases chain at most as often as stories merged; each step moves to an older id.
        while let Some(newer) = self.stories.get(alias_key(id))? {
            id = id_from(&newer, "stories")?;
        }
        Ok(id)
    }

    /// The record of a story of more than one article, following merges (`None` for a story of
    /// one article, or no story).
    pub fn story(&self, id: u64) -> Result<Option<Story>, StoreError> {
        let id = self.resolve_story(id)?;
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

    /// The articles of a story, oldest first (a story of one: its article).
    pub fn story_members(&self, id: u64) -> Result<Vec<u64>, StoreError> {
        let id = self.resolve_story(id)?;
        let members: Vec<u64> = self
            .stories
            .scan_prefix(member_prefix(id))
            .map(|item| {
                let (k, _) = item?;
                id_from(&k[9..], "stories")
            })
            .collect::<Result<_, _>>()?;
        if members.is_empty() {
            return Ok(vec![id]);
        }
        Ok(members)
    }

    /// Stories with an article matching `filter`, newest activity first, each with all its
    /// articles; `filter.limit` counts stories.
    pub fn stories_of(&self, filter: &super::ArticleFilter) -> Result<Vec<(u64, Vec<Article>)>, StoreError> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for article in self.list(&super::ArticleFilter {
            limit: None,
            ..filter.clone()
        })? {
            if filter.limit.is_some_and(|l| out.len() >= l) {
                break;
            }
            let story = self.story_of(article.id)?;
            if !seen.insert(story) {
                continue;
            }
            let members = self
                .story_members(story)?
                .into_iter()
                .filter_map(|id| self.article(id).transpose())
                .collect::<Result<Vec<_>, _>>()?;
            out.push((story, members));
        }
        Ok(out)
    }
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
