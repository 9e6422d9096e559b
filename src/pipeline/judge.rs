//! The judges every entry passes exactly once, after its full text is known: language, then
//! topics, then the fingerprint. Pure, synchronous and CPU-bound: a refresh runs them on the
//! blocking pool, never on the reactor.

use super::lang::LangDetector;
use super::topic::Topics;
use crate::config::Config;
use crate::details::event::Event;
use crate::fingerprint::{fingerprint_normalized, Signature};
use crate::model::{Entry, LangGuess, TopicMatch, Unjudged};
use crate::normalize::normalize;

/// The judges, built once from the config.
#[derive(Default)]
pub struct Judges {
    /// Language detection over the allowed languages.
    pub lang: LangDetector,
    /// The topics (the built-in one when the config has none).
    pub topics: Topics,
}

/// What the judges decide about one text.
pub struct Judged {
    /// Its language.
    pub lang: LangGuess,
    /// The topics it is about.
    pub topics: Vec<TopicMatch>,
    /// Its near-duplicate fingerprint, if it has enough text.
    pub fingerprint: Option<Signature>,
}

impl Judges {
    /// Language, topics and fingerprint of a title and text, normalising the text once.
    pub fn judge(&self, title: &str, text: &str, hint: Option<&str>) -> Judged {
        let lang = self.lang.detect(&format!("{title}\n{text}"), hint);
        let (title, text) = (normalize(title), normalize(text));
        let code = lang.lang.as_deref();
        let topics = self.topics.classify_normalized(&title, &text, code);
        let fingerprint = fingerprint_normalized(&format!("{title}\n{text}"), code);
        Judged {
            lang,
            topics,
            fingerprint,
        }
    }

    /// An entry judged: ready to store.
    pub fn judge_entry(&self, item: Unjudged) -> Entry {
        let Unjudged { mut entry, lang_hint } = item;
        let judged = self.judge(&entry.title, &entry.text, lang_hint.as_deref());
        (entry.lang, entry.topics, entry.fingerprint) = (judged.lang, judged.topics, judged.fingerprint);
        entry.event = Event::of_with(
            self.topics.actors(),
            &entry.title,
            &entry.text,
            entry.lang.lang.as_deref(),
            entry.published,
        );
        entry
    }

    /// The judges a config asks for.
    pub fn from_config(config: &Config) -> Judges {
        Judges {
            lang: LangDetector::from_codes(&config.languages),
            topics: Topics::new(&config.topics),
        }
    }
}

/// An entry as a feed brings it, judged by the default judges (language, topics,
/// fingerprint; its event details left to the store's caller): for tests across the crate.
#[cfg(test)]
pub(crate) fn judged_for_test(
    url: &str,
    title: &str,
    text: &str,
    lang: Option<&str>,
    published: Option<chrono::DateTime<chrono::Utc>>,
) -> Entry {
    let judged = Judges::default().judge(title, text, lang);
    Entry {
        url: url.into(),
        link: url.into(),
        title: title.into(),
        text: text.into(),
        summary: None,
        published,
        updated: None,
        authors: vec![],
        lang: judged.lang,
        topics: judged.topics,
        links: vec![],
        cited: vec![],
        fingerprint: judged.fingerprint,
        event: Default::default(),
    }
}
