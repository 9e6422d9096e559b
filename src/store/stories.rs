//! Stories: every article belongs to exactly one. A new article joins the story of the stored
//! article it is most alike (same language, MinHash similarity) or, failing that, of one in
//! another language that tells the same event (`details::event`, rarity-weighted shared
//! details), and the stories of the stored articles it links to or cites, that cite the same
//! source, or that link to it; when it joins several, they merge into the oldest, whose id
//! stays (merged ids resolve through an alias).
//!
//! Likeness and details never merge stories: only their single best match counts, and it must
//! agree with its story's core. Texts that share stock paragraphs, or a city and a count, would
//! otherwise chain unrelated stories into one; an explicit link or citation is evidence enough
//! to merge.
//!
//! Keys (written by `codec`):
//! - `fingerprints`: `S` ++ article id → signature ++ language (3) ++ fetched (µs, BE) ++ the
//!   event details (`near_dup::encode_record`); the LSH buckets and the event index over them
//!   live in memory (`near_dup`)
//! - `refs`: URL ++ 0 ++ kind (`l` link, `c` cited) ++ id → ()
//! - `stories`: `A` ++ article id → story id; `S` ++ story id → [`Story`]; `M` ++ story id ++
//!   article id → why it joined ([`JoinReason`], JSON; empty for the founder and for members
//!   stored before reasons were kept); `L` ++ old → new id. A story of one article has no records at all: its id
//!   is the article's, which keeps the common case (most articles) to no writes here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::codec::{alias_key, article_story_key, decode, id_from, member_prefix, story_key};
use super::{ArticleFilter, Store, StoreError};
use crate::model::Article;

/// Why an article joined its story: the evidence, naming the member it was found against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum JoinReason {
    /// A copy of `with`'s text (MinHash similarity `score`).
    Copy {
        /// The member it is a copy of.
        with: u64,
        /// Their estimated Jaccard similarity.
        score: f64,
    },
    /// It cites `with`, or `with` cites it, or both cite one source.
    Citation {
        /// The member cited or citing.
        with: u64,
    },
    /// It links to `with`, or `with` links to it.
    Link {
        /// The member linked or linking.
        with: u64,
    },
    /// It was in another story, which merged into this one when `via` joined both (by a link
    /// or a citation to each).
    Merged {
        /// The article that joined both stories.
        via: u64,
    },
    /// It tells `with`'s event: their shared details and what each weighs.
    Details {
        /// The member whose details it shares.
        with: u64,
        /// The sum of the shared details' weights.
        score: f64,
        /// Whether the two have the shape of a translation (as many sentences, of like
        /// lengths).
        translation: bool,
        /// The shared details, `kind:value` (`place:VN`, `number:72`, `date:10-25`), with
        /// their weights.
        shared: Vec<(String, f64)>,
    },
}

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

impl Store {
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
            .map(|b| decode("stories", &b))
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

    /// Why each member of a story joined it (`None`: its founder, or stored before reasons
    /// were kept).
    pub fn join_reasons(&self, id: u64) -> Result<Vec<(u64, Option<JoinReason>)>, StoreError> {
        let id = self.resolve_story(id)?;
        self.stories
            .scan_prefix(member_prefix(id))
            .map(|item| {
                let (k, v) = item?;
                let member = id_from(&k[9..], "stories")?;
                let reason = if v.is_empty() {
                    None
                } else {
                    Some(decode("stories", &v)?)
                };
                Ok((member, reason))
            })
            .collect()
    }

    /// Stories with an article matching `filter`, newest activity first, each with all its
    /// articles; `filter.limit` counts stories.
    pub fn stories_of(&self, filter: &ArticleFilter) -> Result<Vec<(u64, Vec<Article>)>, StoreError> {
        // The listing index is by time, so walking it newest first meets each story at its
        // newest article: the walk is the index by last activity, and it stops at the page.
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        if filter.limit == Some(0) {
            return Ok(out);
        }
        self.scan(filter, |article| {
            let story = self.story_of(article.id)?;
            if seen.insert(story) {
                let members = self
                    .story_members(story)?
                    .into_iter()
                    .filter_map(|id| self.article(id).transpose())
                    .collect::<Result<Vec<_>, _>>()?;
                out.push((story, members));
            }
            Ok(filter.limit.is_none_or(|l| out.len() < l))
        })?;
        Ok(out)
    }
}
