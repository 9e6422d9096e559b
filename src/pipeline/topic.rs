//! Is an article about a topic? Topics are lists of phrases per language, compiled once; a judge
//! that is pure and infallible. Matching survives real text: NFKC and case folding, Arabic
//! diacritics, tatweel and letter variants, attached clitics and inflection (Snowball stemmers,
//! chosen per word by its script, or by the article's language for Latin script), Vietnamese in
//! NFC or NFD alike, and Chinese without word boundaries (substring matching).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

use aho_corasick::AhoCorasick;
use rust_stemmers::{Algorithm, Stemmer};

use crate::config::topic::{builtin_topic, TopicConfig};
use crate::details::actors::Actors;
pub use crate::model::TopicMatch;
use crate::normalize::{is_word_char, normalize};

/// One phrase, analysed as its language's text would be.
#[derive(Debug, Clone)]
struct Phrase {
    /// As the topic writes it, for showing why an article matched.
    written: String,
    /// Normalised words.
    plain: Vec<String>,
    /// Normalised, stemmed words.
    stemmed: Vec<String>,
    /// Normalised text without spaces, for Chinese.
    compact: Option<String>,
    /// Words allowed between two of its words.
    max_gap: usize,
}

#[derive(Debug, Clone)]
struct CompiledTopic {
    name: String,
    phrases: Vec<Phrase>,
    excludes: Vec<Phrase>,
    min_score: f64,
}

/// Topics compiled once from the config: phrases normalised and stemmed.
#[derive(Debug, Clone)]
pub struct Topics {
    topics: Vec<CompiledTopic>,
    /// The first two letters of every stemmed phrase word: a longer word starting otherwise
    /// cannot match, so it is not stemmed. Snowball stems keep a word's first two letters in
    /// ru/fr/es and in English but for "dying", "lying" and "tying"; `None` when a phrase word's
    /// stem is a single letter.
    stem_starts: Option<HashSet<(char, char)>>,
    /// One anchor per positive phrase: text no phrase's anchor occurs in matches nothing, and
    /// most articles are ruled out by this one pass before any word is stemmed.
    anchors: AhoCorasick,
    /// The topics' actors, for reading event details.
    actors: std::sync::Arc<Actors>,
}

impl Default for Topics {
    /// The built-in topic.
    fn default() -> Self {
        Topics::new(&[])
    }
}

/// A text analysed for matching: its words plain and stemmed, and a spaceless form.
struct Analyzed<'a> {
    /// The words, borrowed from the normalised text.
    plain: Vec<&'a str>,
    /// Every word's stems, flat: one, or for Arabic several, one per reading of attached
    /// clitics. Word `i`'s are `readings[spans[i]]`.
    readings: Vec<Cow<'a, str>>,
    spans: Vec<std::ops::Range<u32>>,
    compact: String,
}

impl Analyzed<'_> {
    fn stems(&self, i: usize) -> &[Cow<'_, str>] {
        let span = &self.spans[i];
        &self.readings[span.start as usize..span.end as usize]
    }
}

impl Topics {
    /// Compiles topic configs; the built-in topic when `configs` is empty.
    pub fn new(configs: &[TopicConfig]) -> Topics {
        let builtin;
        let configs = if configs.is_empty() {
            builtin = [builtin_topic()];
            &builtin[..]
        } else {
            configs
        };
        let compile = |c: &TopicConfig, lists: &BTreeMap<String, Vec<String>>| -> Vec<Phrase> {
            lists
                .iter()
                .flat_map(|(lang, phrases)| phrases.iter().map(move |p| compile_phrase(p, lang, c.max_gap)))
                .filter(|p| !p.plain.is_empty() || p.compact.is_some())
                .collect()
        };
        let topics: Vec<CompiledTopic> = configs
            .iter()
            .map(|c| CompiledTopic {
                name: c.name.clone(),
                phrases: compile(c, &c.phrases),
                excludes: compile(c, &c.exclude),
                min_score: c.min_score,
            })
            .collect();
        let anchors: Vec<String> = topics
            .iter()
            .flat_map(|t| t.phrases.iter().map(Phrase::anchor))
            .collect();
        let stem_starts = topics
            .iter()
            .flat_map(|t| t.phrases.iter().chain(&t.excludes))
            .flat_map(|p| &p.stemmed)
            .map(|w| {
                let mut chars = w.chars();
                Some((chars.next()?, chars.next()?))
            })
            .collect();
        Topics {
            actors: std::sync::Arc::new(Actors::new(configs.iter().flat_map(|c| &c.actors))),
            // Invariant: anchors are plain strings; building the automaton cannot fail for them.
            anchors: AhoCorasick::new(anchors).expect("anchors build an automaton"),
            topics,
            stem_starts,
        }
    }

    /// The topics' actors.
    pub fn actors(&self) -> &std::sync::Arc<Actors> {
        &self.actors
    }

    /// The topics' names, in config order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.topics.iter().map(|t| t.name.as_str())
    }

    /// The topics an article is about, given its title, body and language.
    pub fn classify(&self, title: &str, text: &str, lang: Option<&str>) -> Vec<TopicMatch> {
        self.classify_normalized(&normalize(title), &normalize(text), lang)
    }

    /// [`Topics::classify`] of a title and text already passed through [`normalize`].
    pub fn classify_normalized(&self, title: &str, text: &str, lang: Option<&str>) -> Vec<TopicMatch> {
        if !self.anchors.is_match(title) && !self.anchors.is_match(text) {
            return Vec::new();
        }
        let title = analyze_normalized(title, lang, self.stem_starts.as_ref());
        let body = analyze_normalized(text, lang, self.stem_starts.as_ref());
        let mut found = Vec::new();
        for topic in &self.topics {
            if topic
                .excludes
                .iter()
                .any(|p| p.found_in(&title) || p.found_in(&body))
            {
                continue;
            }
            let mut score = 0.0;
            let mut matched = Vec::new();
            for phrase in &topic.phrases {
                let weight = if phrase.found_in(&title) {
                    2.0
                } else if phrase.found_in(&body) {
                    1.0
                } else {
                    continue;
                };
                score += weight;
                matched.push(phrase.written.clone());
            }
            if score >= topic.min_score && !matched.is_empty() {
                found.push(TopicMatch {
                    name: topic.name.clone(),
                    score,
                    matched,
                });
            }
        }
        found
    }
}

impl Phrase {
    /// A string every text this phrase matches contains (normalised): the start of the stem of
    /// its longest word. Stemmers here only trim a word's ends, and the Arabic readings only
    /// strip letters from its edges, so the stem's first characters survive any inflection.
    fn anchor(&self) -> String {
        if let Some(compact) = &self.compact {
            return compact.chars().take(1).collect();
        }
        let longest = self
            .stemmed
            .iter()
            .max_by_key(|w| w.chars().count())
            .map(String::as_str)
            .unwrap_or("");
        longest.chars().take(4).collect()
    }

    fn found_in(&self, text: &Analyzed) -> bool {
        let max_gap = self.max_gap;
        if let Some(compact) = &self.compact {
            return text.compact.contains(compact.as_str());
        }
        let stemmed = |i: usize, w: &str| text.stems(i).iter().any(|s| s == w);
        let plain = |i: usize, w: &str| text.plain[i] == w;
        contains_sequence(text.plain.len(), &stemmed, &self.stemmed, max_gap)
            || contains_sequence(text.plain.len(), &plain, &self.plain, max_gap)
    }
}

/// A word's first two characters, when it has three or more (shorter words are always stemmed).
fn start_of(word: &str) -> Option<(char, char)> {
    let mut chars = word.chars();
    let (a, b) = (chars.next()?, chars.next()?);
    chars.next().map(|_| (a, b))
}

/// Whether a text of `len` words holds `phrase` in order, with at most `max_gap` other words
/// between two of its words; `is(i, w)` says whether word `i` reads as `w`. A linear scan: a
/// phrase's first word is rare, and an index of every word cost more to build than it saved.
fn contains_sequence(
    len: usize,
    is: &dyn Fn(usize, &str) -> bool,
    phrase: &[String],
    max_gap: usize,
) -> bool {
    let Some((first, rest)) = phrase.split_first() else {
        return false;
    };
    'starts: for start in (0..len).filter(|i| is(*i, first)) {
        let mut pos = start;
        for word in rest {
            match (pos + 1..len.min(pos + 2 + max_gap)).find(|i| is(*i, word)) {
                Some(i) => pos = i,
                None => continue 'starts,
            }
        }
        return true;
    }
    false
}

fn compile_phrase(written: &str, lang: &str, max_gap: usize) -> Phrase {
    let normalized = normalize(written);
    let analyzed = analyze_normalized(&normalized, Some(lang), None);
    let compact = (lang == "zh").then(|| analyzed.compact.clone());
    let max_gap = if analyzed.plain.len() <= 2 || lang == "vi" {
        0
    } else {
        max_gap
    };
    Phrase {
        max_gap,
        written: written.to_string(),
        plain: analyzed.plain.iter().map(|w| w.to_string()).collect(),
        // A phrase is written without stray clitics: its first reading is the one meant.
        stemmed: (0..analyzed.plain.len())
            .map(|i| analyzed.stems(i)[0].to_string())
            .collect(),
        compact,
    }
}

/// Words and stems of a normalised text. With `stem_starts`, a Latin or Cyrillic word that
/// starts like no phrase word is kept unstemmed: it cannot match either way.
fn analyze_normalized<'a>(
    normalized: &'a str,
    lang: Option<&str>,
    stem_starts: Option<&HashSet<(char, char)>>,
) -> Analyzed<'a> {
    let latin_stemmer = lang.and_then(latin_algorithm).map(Stemmer::create);
    let russian = Stemmer::create(Algorithm::Russian);
    let mut plain = Vec::new();
    let mut readings: Vec<Cow<'a, str>> = Vec::new();
    let mut spans = Vec::new();
    for word in normalized
        .split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
    {
        let start = readings.len() as u32;
        let wanted = || match (stem_starts, start_of(word)) {
            (Some(starts), Some(s)) => starts.contains(&s),
            _ => true,
        };
        match word.chars().next().map(script_of) {
            Some(Script::Arabic) => readings.extend(arabic_readings(word).into_iter().map(Cow::Owned)),
            Some(Script::Cyrillic) if wanted() => readings.push(russian.stem(word)),
            Some(Script::Latin) if wanted() => match &latin_stemmer {
                Some(s) => readings.push(s.stem(word)),
                None => readings.push(Cow::Borrowed(word)),
            },
            _ => readings.push(Cow::Borrowed(word)),
        }
        plain.push(word);
        spans.push(start..readings.len() as u32);
    }
    let compact: String = normalized.chars().filter(|c| is_word_char(*c)).collect();
    Analyzed {
        plain,
        readings,
        spans,
        compact,
    }
}

/// Every term a search may look an article up by: its words as stemmed (each Arabic
/// reading), and each Chinese character, since Chinese phrases match within words. Words as
/// written are not kept: a query finds them by their stems (see [`phrase_terms`]), and at
/// most one term per word keeps the index small.
pub fn search_terms(title: &str, text: &str, lang: Option<&str>) -> Vec<String> {
    let mut terms = HashSet::new();
    for part in [title, text] {
        let normalized = normalize(part);
        let analyzed = analyze_normalized(&normalized, lang, None);
        terms.extend(analyzed.readings.iter().map(|w| w.to_string()));
        terms.extend(analyzed.compact.chars().filter(|c| is_han(*c)).map(String::from));
    }
    terms.into_iter().collect()
}

/// The terms a phrase in `lang` needs in an article's [`search_terms`] to possibly match it:
/// one group per word, or per Chinese character. A word matches an article's word by its stem
/// in `lang`, or as written, and then the article holds that word's stem in the article's own
/// language: every stem the word may have is in the group.
pub fn phrase_terms(written: &str, lang: &str) -> Vec<Vec<String>> {
    let phrase = compile_phrase(written, lang, 0);
    if let Some(compact) = &phrase.compact {
        return compact
            .chars()
            .filter(|c| is_han(*c))
            .map(|c| vec![c.to_string()])
            .collect();
    }
    phrase
        .plain
        .iter()
        .zip(phrase.stemmed)
        .map(|(plain, stem)| {
            let mut group = vec![stem];
            for reading in stems_in_any_language(plain) {
                if !group.contains(&reading) {
                    group.push(reading);
                }
            }
            group
        })
        .collect()
}

/// The first reading [`analyze_normalized`] gives a normalised word, in every language an
/// article may be in: Latin script is stemmed by the article's language (or not at all).
fn stems_in_any_language(word: &str) -> Vec<String> {
    match word.chars().next().map(script_of) {
        Some(Script::Arabic) => vec![arabic_light_stem(word)],
        Some(Script::Cyrillic) => vec![Stemmer::create(Algorithm::Russian).stem(word).into_owned()],
        Some(Script::Latin) => std::iter::once(word.to_string())
            .chain(
                [Algorithm::English, Algorithm::French, Algorithm::Spanish]
                    .into_iter()
                    .map(|a| Stemmer::create(a).stem(word).into_owned()),
            )
            .collect(),
        _ => vec![word.to_string()],
    }
}

/// Whether `c` is a CJK ideograph, the characters Chinese phrases are matched by.
pub fn is_han(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

fn arabic_readings(word: &str) -> Vec<String> {
    let mut readings = vec![arabic_light_stem(word)];
    let mut add = |w: &str| {
        let stem = arabic_light_stem(w);
        if !readings.contains(&stem) {
            readings.push(stem);
        }
    };
    let strip = |w: &str, letters: &[char]| -> Option<String> {
        let mut chars = w.chars();
        let first = chars.next()?;
        let rest: String = chars.collect();
        (letters.contains(&first) && rest.chars().count() >= 3).then_some(rest)
    };
    if let Some(rest) = strip(word, &['و', 'ف']) {
        add(&rest);
        if let Some(rest) = strip(&rest, &['ب', 'ك', 'ل']) {
            add(&rest);
        }
    }
    if let Some(rest) = strip(word, &['ب', 'ك', 'ل']) {
        add(&rest);
    }
    readings
}

/// A light stemmer after Larkey's "light10" for Arabic retrieval: the article with its
/// attached particles, then common suffixes. Input is already normalised (ة→ه, ى→ي, bare alef).
fn arabic_light_stem(word: &str) -> String {
    const ARTICLES: [&str; 6] = ["وال", "بال", "كال", "فال", "لل", "ال"];
    const SUFFIXES: [&str; 9] = ["ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي", "ة"];
    let len = |s: &str| s.chars().count();
    let mut w = word;
    if let Some(article) = ARTICLES
        .iter()
        .find(|a| w.starts_with(**a) && len(w) - len(a) >= 2)
    {
        w = &w[article.len()..];
    }
    for suffix in SUFFIXES {
        if w.ends_with(suffix) && len(w) - len(suffix) >= 2 {
            w = &w[..w.len() - suffix.len()];
        }
    }
    w.to_string()
}

fn latin_algorithm(lang: &str) -> Option<Algorithm> {
    match lang {
        "en" => Some(Algorithm::English),
        "fr" => Some(Algorithm::French),
        "es" => Some(Algorithm::Spanish),
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Arabic,
    Cyrillic,
    Latin,
    Other,
}

fn script_of(c: char) -> Script {
    match c {
        '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{08A0}'..='\u{08FF}' => Script::Arabic,
        '\u{0400}'..='\u{04FF}' => Script::Cyrillic,
        c if c.is_ascii_alphanumeric() => Script::Latin,
        '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' => Script::Latin,
        _ => Script::Other,
    }
}

#[cfg(test)]
mod tests {
    use unicode_normalization::UnicodeNormalization;

    use super::*;

    fn builtin(title: &str, text: &str, lang: &str) -> Vec<String> {
        Topics::new(&[])
            .classify(title, text, Some(lang))
            .into_iter()
            .flat_map(|m| m.matched)
            .collect()
    }

    fn matches(title: &str, text: &str, lang: &str) -> bool {
        !builtin(title, text, lang).is_empty()
    }

    #[test]
    fn names_in_every_language_and_inflection() {
        let cases = [
            ("en", "Countries sign the UN's new cybercrime treaty in Hanoi"),
            (
                "en",
                "Rights groups criticise the United Nations Convention against Cybercrime",
            ),
            ("vi", "Việt Nam tổ chức lễ ký Công ước Hà Nội"),
            (
                "ar",
                "وقعت الدول على اتفاقية الأمم المتحدة لمكافحة الجرائم الإلكترونية",
            ),
            (
                "fr",
                "La France signe la Convention des Nations unies contre la cybercriminalité",
            ),
            (
                "es",
                "México firma la Convención de las Naciones Unidas contra la Ciberdelincuencia",
            ),
            // Genitive and instrumental cases.
            (
                "ru",
                "Россия подписала текст Конвенции ООН против киберпреступности",
            ),
            ("ru", "Переговоры по Ханойской конвенции продолжатся"),
            ("zh", "越南河内举行联合国打击网络犯罪公约签署仪式"),
        ];
        for (lang, title) in cases {
            assert!(matches(title, "", lang), "{lang}: {title}");
        }
    }

    #[test]
    fn arabic_clitics_diacritics_and_variants() {
        // و + ب clitics, tashkeel, tatweel, alef with hamza written bare, ة written ه.
        let text = "وبِاتِّفاقيّة الامم المتحـدة لمكافحة الجرائم الالكترونيه";
        assert!(matches("", text, "ar"), "{text}");
        assert!(matches("", "والتزمت الحكومة باتفاقية هانوي", "ar"));
    }

    #[test]
    fn vietnamese_nfc_and_nfd_alike() {
        let nfc = "Lễ ký Công ước Hà Nội diễn ra tại Trung tâm Hội nghị Quốc gia";
        let nfd: String = nfc.nfd().collect();
        assert_ne!(nfc, nfd);
        assert!(matches("", nfc, "vi"));
        assert!(matches("", &nfd, "vi"));
    }

    #[test]
    fn a_foreign_name_quoted_verbatim_still_counts() {
        assert!(matches(
            "",
            "Bài viết trích dẫn tên tiếng Anh: Hanoi Convention, ký năm 2025.",
            "vi"
        ));
    }

    #[test]
    fn hard_negatives_do_not_match() {
        let cases = [
            ("en", "Police dismantle an online fraud ring; cybercrime losses reached record levels, the United Nations said"),
            ("en", "Ukraine ratifies the Council of Europe Convention on Cybercrime protocol"),
            ("en", "Parties to the UN Convention against Corruption meet in Vienna"),
            ("fr", "La Convention de Budapest sur la cybercriminalité fête ses vingt ans"),
            ("es", "El Convenio sobre la Ciberdelincuencia de Budapest suma nuevos Estados"),
            ("ru", "Конвенция Совета Европы о киберпреступности: новые участники"),
            ("ar", "اتفاقية بودابست بشأن الجرائم الإلكترونية تضم دولا جديدة"),
            ("zh", "布达佩斯网络犯罪公约迎来新的缔约国"),
            ("vi", "Cảnh báo lừa đảo trực tuyến và tội phạm mạng gia tăng dịp cuối năm"),
            // Two-word names do not stretch over other words.
            ("en", "A trade fair opens at the Hanoi National Convention Center"),
            ("ar", "وقعت الشركتان اتفاقية تجارية في هانوي"),
        ];
        for (lang, title) in cases {
            assert!(
                !matches(title, "", lang),
                "{lang}: {title} matched {:?}",
                builtin(title, "", lang)
            );
        }
    }

    #[test]
    fn title_counts_double_and_exclusions_veto() {
        let topics = Topics::new(&[TopicConfig {
            name: "t".into(),
            phrases: BTreeMap::from([(
                "en".into(),
                vec!["Hanoi Convention".into(), "cybercrime treaty".into()],
            )]),
            exclude: BTreeMap::from([("en".into(), vec!["football".into()])]),
            actors: BTreeMap::new(),
            min_score: 2.0,
            max_gap: 0,
        }]);
        assert!(
            topics.classify("", "the Hanoi Convention", Some("en")).is_empty(),
            "1 < min_score"
        );
        let m = topics.classify("Hanoi Convention signed", "", Some("en"));
        assert_eq!(
            (m[0].score, m[0].matched.clone()),
            (2.0, vec!["Hanoi Convention".to_string()])
        );
        let both = topics.classify("", "the Hanoi Convention, a cybercrime treaty", Some("en"));
        assert_eq!(both[0].score, 2.0);
        assert!(topics
            .classify("Hanoi Convention", "a football match", Some("en"))
            .is_empty());
        // max_gap = 0: words must be adjacent.
        assert!(topics
            .classify("", "Hanoi's new Convention", Some("en"))
            .is_empty());
    }
}
