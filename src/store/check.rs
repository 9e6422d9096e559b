//! A full consistency check: every article reachable by its URL and its time, in exactly one
//! story, and every story's records agreeing with its members. sled has no repair tool, so
//! after a crash this is how an operator (`treatywatch check-store`) and the crash harness
//! learn whether the store still holds together.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::codec::{decode, id_from, member_key, story_key, time_key};
use super::{Store, StoreError, Story};
use crate::model::Article;

/// At most this many problems are described; the rest are only counted.
const DESCRIBED: usize = 50;

/// What a check found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StoreCheck {
    /// Articles read.
    pub articles: u64,
    /// Stories of more than one article.
    pub stories: u64,
    /// URLs that lead to an article.
    pub urls: u64,
    /// Problems found, in all.
    pub problem_count: u64,
    /// The first of them, described.
    pub problems: Vec<String>,
}

impl StoreCheck {
    /// Whether nothing is wrong.
    pub fn is_clean(&self) -> bool {
        self.problem_count == 0
    }

    fn problem(&mut self, description: String) {
        self.problem_count += 1;
        if self.problems.len() < DESCRIBED {
            self.problems.push(description);
        }
    }
}

impl Store {
    /// Reads every article, URL, time entry and story record and reports what disagrees. A
    /// record that does not decode is a problem, not an error: the check goes on.
    pub fn check(&self) -> Result<StoreCheck, StoreError> {
        let mut report = StoreCheck::default();
        // article id -> the story it says it is in (resolved through merges)
        let mut story_of: HashMap<u64, u64> = HashMap::new();
        for item in self.articles.iter() {
            let (key, value) = item?;
            report.articles += 1;
            let id = match id_from(&key, "articles") {
                Ok(id) => id,
                Err(e) => {
                    report.problem(format!("an article key is damaged: {e}"));
                    continue;
                }
            };
            let article: Article = match decode("articles", &value) {
                Ok(a) => a,
                Err(e) => {
                    report.problem(format!("article {id} does not decode: {e}"));
                    continue;
                }
            };
            if article.id != id {
                report.problem(format!("article {id} says it is article {}", article.id));
            }
            match self.by_url.get(article.entry.url.as_bytes())? {
                Some(found) if id_from(&found, "article_by_url").ok() == Some(id) => {}
                Some(found) => report.problem(format!(
                    "the URL of article {id} ({}) leads to {:?}",
                    article.entry.url,
                    id_from(&found, "article_by_url").ok()
                )),
                None => report.problem(format!(
                    "the URL of article {id} ({}) leads nowhere",
                    article.entry.url
                )),
            }
            if !self
                .by_time
                .contains_key(time_key(article.sort_time(), id).as_slice())?
            {
                report.problem(format!("article {id} is missing from the time index"));
            }
            story_of.insert(id, self.resolve_story(self.story_of(id)?)?);
        }

        // Every time entry is one article's, and no article has two.
        let mut timed = HashSet::new();
        for item in self.by_time.iter() {
            let (key, _) = item?;
            match key.get(8..).map(|k| id_from(k, "article_by_time")) {
                Some(Ok(id)) if !story_of.contains_key(&id) => {
                    report.problem(format!("the time index lists article {id}, which is not stored"))
                }
                Some(Ok(id)) if !timed.insert(id) => {
                    report.problem(format!("the time index lists article {id} twice"))
                }
                Some(Ok(_)) => {}
                _ => report.problem("a time index key is damaged".into()),
            }
        }
        for item in self.by_url.iter() {
            let (url, id) = item?;
            report.urls += 1;
            match id_from(&id, "article_by_url") {
                Ok(id) if story_of.contains_key(&id) => {}
                Ok(id) => report.problem(format!(
                    "URL {} leads to article {id}, which is not stored",
                    String::from_utf8_lossy(&url)
                )),
                Err(e) => report.problem(format!("a URL entry is damaged: {e}")),
            }
        }

        // Stories: each member listed once, in the story its article names, and the size
        // counted right. An article in no listed story is a story of its own.
        let mut listed: HashMap<u64, u64> = HashMap::new();
        for item in self.stories.scan_prefix([b'S']) {
            let (key, value) = item?;
            let Ok(id) = id_from(&key[1..], "stories") else {
                report.problem("a story key is damaged".into());
                continue;
            };
            report.stories += 1;
            let story: Story = match decode("stories", &value) {
                Ok(s) => s,
                Err(e) => {
                    report.problem(format!("story {id} does not decode: {e}"));
                    continue;
                }
            };
            let members = self.story_members(id)?;
            if members.len() != story.size {
                report.problem(format!(
                    "story {id} says it has {} articles and lists {}",
                    story.size,
                    members.len()
                ));
            }
            for member in members {
                if let Some(other) = listed.insert(member, id) {
                    report.problem(format!("article {member} is listed in stories {other} and {id}"));
                }
                match story_of.get(&member) {
                    None => report.problem(format!("story {id} lists article {member}, which is not stored")),
                    Some(&named) if named != id => report.problem(format!(
                        "story {id} lists article {member}, which says it is in story {named}"
                    )),
                    Some(_) => {}
                }
            }
        }
        for (&article, &story) in &story_of {
            let recorded = self.stories.contains_key(story_key(story).as_slice())?;
            let alone = story == article && !recorded && !listed.contains_key(&article);
            let member = listed.get(&article) == Some(&story)
                && self.stories.contains_key(member_key(story, article).as_slice())?;
            if !alone && !member {
                report.problem(if recorded {
                    format!("article {article} says it is in story {story}, which does not list it")
                } else {
                    format!("article {article} says it is in story {story}, which has no record")
                });
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::judge::judged_for_test;

    #[test]
    fn a_store_with_stories_is_clean_and_a_lost_record_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let text = "The convention was signed in Hanoi by seventy two states on Saturday, \
                    with the Secretary-General present at the ceremony.";
        let entries = vec![
            judged_for_test("https://a.example/1", "Signed in Hanoi", text, Some("en"), None),
            judged_for_test("https://b.example/1", "Signed in Hanoi", text, Some("en"), None),
            judged_for_test(
                "https://c.example/9",
                "Another matter entirely",
                "Rain in Lagos.",
                Some("en"),
                None,
            ),
        ];
        store.upsert_entries("f", &entries, chrono::Utc::now()).unwrap();
        let report = store.check().unwrap();
        assert!(report.is_clean(), "{report:?}");
        assert_eq!((report.articles, report.stories, report.urls), (3, 1, 3));

        // A member record lost (what a torn write would leave).
        let first = store.article_by_url("https://a.example/1").unwrap().unwrap().id;
        let story = store.story_of(first).unwrap();
        store.stories.remove(member_key(story, first).as_slice()).unwrap();
        let report = store.check().unwrap();
        assert!(!report.is_clean());
        assert!(
            report.problems.iter().any(|p| p.contains("lists 1")),
            "{:?}",
            report.problems
        );
        assert!(
            report.problems.iter().any(|p| p.contains(&format!(
                "article {first} says it is in story {story}, which does not list it"
            ))),
            "{:?}",
            report.problems
        );

        // A time entry lost.
        let third = store.article_by_url("https://c.example/9").unwrap().unwrap();
        store
            .by_time
            .remove(time_key(third.sort_time(), third.id).as_slice())
            .unwrap();
        let report = store.check().unwrap();
        assert!(report
            .problems
            .iter()
            .any(|p| p == &format!("article {} is missing from the time index", third.id)));
    }
}
