//! What the topics know about their own news: the people and bodies they name (`[[topic]]
//! actors`, each with its spellings in any language and script), read from reports as one
//! detail whatever the language ("Guterres", "Гутерриш", "古特雷斯" and "غوتيريش" are
//! `actor:guterres`). A person's name otherwise compares only within its script.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use super::gazetteer::{fold_word, is_han, words};

/// The actors of a set of topics.
#[derive(Debug, Default, Clone)]
pub struct Actors {
    /// A folded spelling (words joined by one space): the actor's index, if it is a whole
    /// spelling, and whether a longer spelling begins with it.
    names: FxHashMap<String, (Option<u32>, bool)>,
    /// Chinese spellings, found inside runs of characters (Chinese writes no spaces).
    han: Vec<(String, u32)>,
    /// Actor ids by index.
    ids: Vec<String>,
}

/// Words of a spelling tried at most.
pub const MAX_ACTOR_WORDS: usize = 5;

impl Actors {
    /// No actors: what a reader knows without a topic.
    pub fn none() -> &'static Actors {
        static NONE: OnceLock<Actors> = OnceLock::new();
        NONE.get_or_init(Actors::default)
    }

    /// Actors by id, each with its spellings.
    pub fn new<'a>(actors: impl IntoIterator<Item = (&'a String, &'a Vec<String>)>) -> Actors {
        let mut out = Actors::default();
        for (id, spellings) in actors {
            let index = match out.ids.iter().position(|i| i == id) {
                Some(i) => i as u32,
                None => {
                    out.ids.push(id.clone());
                    (out.ids.len() - 1) as u32
                }
            };
            for spelling in spellings {
                out.add(spelling, index);
            }
        }
        out
    }

    fn add(&mut self, spelling: &str, index: u32) {
        if spelling.chars().any(is_han) {
            let han: String = spelling.chars().filter(|c| is_han(*c)).collect();
            if han.chars().count() >= 2 {
                self.han.push((han, index));
            }
            return;
        }
        let folded: Vec<String> = words(spelling).map(fold_word).collect();
        if folded.is_empty() || folded.len() > MAX_ACTOR_WORDS {
            return;
        }
        for n in 1..folded.len() {
            self.names.entry(folded[..n].join(" ")).or_default().1 = true;
        }
        self.names
            .entry(folded.join(" "))
            .or_default()
            .0
            .get_or_insert(index);
    }

    /// Whether there is nothing to read.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The actor a folded spelling is, and whether a longer spelling begins with it.
    pub(super) fn look_up(&self, folded: &str) -> (Option<u32>, bool) {
        self.names.get(folded).copied().unwrap_or((None, false))
    }

    /// The actors a run of Chinese characters names.
    pub(super) fn in_han_run<'a>(&'a self, run: &'a str) -> impl Iterator<Item = u32> + 'a {
        self.han
            .iter()
            .filter(move |(name, _)| run.contains(name.as_str()))
            .map(|(_, i)| *i)
    }

    /// An actor's id.
    pub(super) fn id(&self, index: u32) -> &str {
        &self.ids[index as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_in_every_script_are_one_actor() {
        let spellings = std::collections::BTreeMap::from([
            (
                "guterres".to_string(),
                ["Guterres", "Гутерриш", "古特雷斯", "غوتيريش"]
                    .map(String::from)
                    .to_vec(),
            ),
            (
                "venue".to_string(),
                vec!["National Convention Center".to_string()],
            ),
            ("pham-minh-chinh".to_string(), vec!["Phạm Minh Chính".to_string()]),
        ]);
        let actors = Actors::new(&spellings);
        let (guterres, longer) = actors.look_up("guterres");
        assert!(guterres.is_some() && !longer);
        assert_eq!(actors.look_up(&fold_word("Гутерриш")).0, guterres);
        assert_eq!(actors.look_up(&fold_word("غوتيريش")).0, guterres);
        assert_eq!(
            actors.in_han_run("秘书长古特雷斯出席").collect::<Vec<_>>(),
            vec![guterres.unwrap()]
        );
        // A longer spelling begins with a word of it.
        assert_eq!(actors.look_up("national"), (None, true));
        assert_eq!(
            actors.id(actors.look_up("pham minh chinh").0.unwrap()),
            "pham-minh-chinh"
        );
        assert!(Actors::none().is_empty() && !actors.is_empty());
    }
}
