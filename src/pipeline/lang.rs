//! Language of a text: the script when one allowed language writes it, whatlang on a clear
//! sentence, lingua on short or unclear Latin-script text, then the feed's declared language.
//! A judge: pure and infallible.

use lingua::{Language, LanguageDetectorBuilder};
use whatlang::{Detector, Lang, Script};

use crate::language_codes::{code, lang_of_code, normalize_hint};
use crate::model::{LangGuess, LangMethod};

/// Languages detection may choose from by default: the six UN languages and Vietnamese. Without
/// this, short Arabic is often taken for Urdu or Persian, and Vietnamese without marks for Tagalog.
pub const DEFAULT_ALLOWLIST: &[Lang] = &[
    Lang::Ara,
    Lang::Cmn,
    Lang::Eng,
    Lang::Fra,
    Lang::Rus,
    Lang::Spa,
    Lang::Vie,
];

/// Fewer letters than this and the script alone does not decide a text.
const MIN_LETTERS: usize = 12;

/// A whatlang guess this confident decides a text of at least [`CLEAR_LETTERS`] letters; below
/// it lingua decides (`cargo bench --bench langid_dev`: with 0.2, 0.8 % of English sentences
/// went to whatlang's wrong guesses; with 0.5 none, and every language's sentences ≥ 99.6 %).
const CLEAR_CONFIDENCE: f64 = 0.5;

/// Letters a text has for a clear whatlang guess to decide it: a sentence, not a title's words.
const CLEAR_LETTERS: usize = 25;

/// A declared language lingua gives at least this share of its top language's confidence is
/// taken: a title's few words rarely rule out the language its feed says it is in.
const HINT_SHARE: f64 = 0.5;

/// A language detector built once from an allowlist.
pub struct LangDetector {
    detector: Detector,
    allowlist: Vec<Lang>,
    /// lingua over the allowed Latin-script languages, when it has a model for each of them.
    latin: Option<lingua::LanguageDetector>,
}

impl Default for LangDetector {
    fn default() -> Self {
        LangDetector::new(DEFAULT_ALLOWLIST.to_vec())
    }
}

impl LangDetector {
    /// A detector for ISO 639 codes (unknown codes are skipped; validated config has none).
    pub fn from_codes(codes: &[String]) -> Self {
        let langs: Vec<Lang> = codes.iter().filter_map(|c| lang_of_code(c)).collect();
        if langs.is_empty() {
            return LangDetector::default();
        }
        LangDetector::new(langs)
    }

    /// A detector that chooses only among `allowlist`.
    pub fn new(allowlist: Vec<Lang>) -> Self {
        let latin: Vec<Lang> = allowlist
            .iter()
            .copied()
            .filter(|l| script_of(*l).is_none())
            .collect();
        // lingua among some of the Latin-script languages would force the others into them.
        let models: Option<Vec<Language>> = latin.iter().map(|l| lingua_of(*l)).collect();
        let latin = models.filter(|m| m.len() >= 2).map(|m| {
            // Models load on first use, into a cache shared by every detector.
            LanguageDetectorBuilder::from_languages(&m).build()
        });
        LangDetector {
            detector: Detector::with_allowlist(allowlist.clone()),
            allowlist,
            latin,
        }
    }

    /// Decides the language of `text`, with `hint` (ISO 639-1 or 639-3, possibly with a region,
    /// as feeds write it: "vi-VN", "ar") used when the text cannot decide.
    pub fn detect(&self, text: &str, hint: Option<&str>) -> LangGuess {
        let text = sample(text);
        let hint = hint.and_then(normalize_hint);
        let letters = text
            .chars()
            .filter(|c| c.is_alphabetic())
            .take(CLEAR_LETTERS + 1)
            .count();
        let script = (letters > 0).then(|| whatlang::detect_script(text)).flatten();
        // A declared language outside the allowlist that writes the text's script (Persian or
        // Urdu in Arabic script, Ukrainian in Cyrillic) is one detection cannot rule out: it
        // would only ever answer the allowed language of that script.
        if let (Some(hint), Some(script)) = (&hint, script) {
            let declared = lang_of_code(hint);
            if declared.is_some_and(|l| !self.allowlist.contains(&l) && script_of(l) == Some(script)) {
                return guess(Some(hint.clone()), 0.5, LangMethod::Hint);
            }
        }
        // A script written by one allowed language alone decides it (Arabic, Cyrillic, Han with
        // the default list): the trigram scoring would only confirm it, at a tenth of the cost of
        // parsing the whole feed.
        if letters >= MIN_LETTERS {
            if let Some(lang) = script.and_then(|s| self.only_language_of(s)) {
                return guess(Some(code(lang)), 1.0, LangMethod::Script);
            }
        }
        let info = (letters > 0).then(|| self.detector.detect(text)).flatten();
        if let Some(info) = &info {
            let clear = info.is_reliable() || info.confidence() >= CLEAR_CONFIDENCE;
            if clear && letters > CLEAR_LETTERS {
                return guess(Some(code(info.lang())), info.confidence(), LangMethod::Text);
            }
            if let Some(lang) = self.only_language_of(info.script()) {
                return guess(Some(code(lang)), 1.0, LangMethod::Script);
            }
        }
        // A word or two says little against the language its source declares.
        let declared_decides = hint.is_some() && letters < MIN_LETTERS;
        if let (Some(Script::Latin), false) = (script, declared_decides) {
            // Vietnamese writes letters no other allowed Latin-script language does: when
            // most words carry one, the letters decide ("sản", "backdrop người").
            if self.allowlist.contains(&Lang::Vie) && mostly_vietnamese(text) {
                return guess(Some(code(Lang::Vie)), 1.0, LangMethod::Text);
            }
        }
        if let (Some(latin), Some(Script::Latin), false) = (&self.latin, script, declared_decides) {
            if let Some(found) = self.decide_latin(latin, text, hint.as_deref()) {
                return found;
            }
        }
        match (hint, info) {
            (Some(hint), Some(info)) if code(info.lang()) == hint => {
                guess(Some(hint), info.confidence().max(0.5), LangMethod::Hint)
            }
            (Some(hint), _) => guess(Some(hint), 0.5, LangMethod::Hint),
            (None, _) => guess(None, 0.0, LangMethod::Unknown),
        }
    }

    /// lingua's verdict on short or unclear Latin-script text: the declared language when lingua
    /// finds it plausible, else lingua's first choice.
    fn decide_latin(
        &self,
        latin: &lingua::LanguageDetector,
        text: &str,
        hint: Option<&str>,
    ) -> Option<LangGuess> {
        let values = latin.compute_language_confidence_values(text);
        let &(top, top_confidence) = values.first()?;
        if top_confidence <= 0.0 {
            return None;
        }
        let declared = hint.and_then(|h| {
            values
                .iter()
                .find(|(l, _)| lang_of_lingua(*l).map(code).as_deref() == Some(h))
        });
        if let Some(&(lang, confidence)) = declared {
            if confidence >= top_confidence * HINT_SHARE {
                let code = lang_of_lingua(lang).map(code);
                return Some(guess(code, confidence, LangMethod::Hint));
            }
        }
        let code = lang_of_lingua(top).map(code)?;
        Some(guess(Some(code), top_confidence, LangMethod::Text))
    }

    /// The allowed language written in `script`, when exactly one is.
    fn only_language_of(&self, script: Script) -> Option<Lang> {
        let mut candidates = self.allowlist.iter().filter(|l| script_of(**l) == Some(script));
        let first = candidates.next()?;
        candidates.next().is_none().then_some(*first)
    }
}

/// Whether a letter is one only Vietnamese writes among the languages we read: `ă`, `đ`,
/// `ơ`, `ư` and the vowels with a hook or a dot below (U+1EA0–U+1EF9), also decomposed.
fn vietnamese_letter(c: char) -> bool {
    matches!(
        c,
        'ă' | 'Ă' | 'đ' | 'Đ' | 'ơ' | 'Ơ' | 'ư' | 'Ư' | '\u{1EA0}'..='\u{1EF9}' | '\u{0309}' | '\u{0323}'
    )
}

/// Whether at least half the words of a text carry a letter only Vietnamese writes.
fn mostly_vietnamese(text: &str) -> bool {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphabetic() && !matches!(c, '\u{0300}'..='\u{036F}'))
        .filter(|w| !w.is_empty())
        .collect();
    let marked = words.iter().filter(|w| w.chars().any(vietnamese_letter)).count();
    marked > 0 && marked * 2 >= words.len()
}

/// The lingua model compiled in for a whatlang language (see Cargo.toml's `lingua` features).
fn lingua_of(lang: Lang) -> Option<Language> {
    Some(match lang {
        Lang::Eng => Language::English,
        Lang::Fra => Language::French,
        Lang::Spa => Language::Spanish,
        Lang::Vie => Language::Vietnamese,
        _ => return None,
    })
}

/// The whatlang language of a compiled-in lingua model.
fn lang_of_lingua(lang: Language) -> Option<Lang> {
    [Lang::Eng, Lang::Fra, Lang::Spa, Lang::Vie]
        .into_iter()
        .find(|l| lingua_of(*l) == Some(lang))
}

/// Detection looks at most this many bytes: a paragraph or two (150 words of Latin script)
/// decides a language as well as a whole article does, and the cost grows with the length.
const SAMPLE_BYTES: usize = 1024;

/// The first [`SAMPLE_BYTES`] of `text`, cut at a character boundary.
fn sample(text: &str) -> &str {
    if text.len() <= SAMPLE_BYTES {
        return text;
    }
    let mut end = SAMPLE_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn guess(lang: Option<String>, confidence: f64, method: LangMethod) -> LangGuess {
    LangGuess {
        lang,
        confidence: (confidence * 1000.0).round() / 1000.0,
        method,
    }
}

fn script_of(lang: Lang) -> Option<Script> {
    Some(match lang {
        Lang::Ara | Lang::Pes | Lang::Urd => Script::Arabic,
        Lang::Cmn => Script::Mandarin,
        Lang::Rus | Lang::Ukr | Lang::Bel | Lang::Bul | Lang::Srp | Lang::Mkd => Script::Cyrillic,
        Lang::Jpn => Script::Hiragana,
        Lang::Kor => Script::Hangul,
        Lang::Heb | Lang::Yid => Script::Hebrew,
        Lang::Ell => Script::Greek,
        Lang::Tha => Script::Thai,
        Lang::Hin | Lang::Mar | Lang::Nep => Script::Devanagari,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(text: &str, hint: Option<&str>) -> (Option<String>, LangMethod) {
        let g = LangDetector::default().detect(text, hint);
        (g.lang, g.method)
    }

    #[test]
    fn a_clear_lead_decides_a_sentence_and_lingua_a_few_words() {
        // whatlang calls these unreliable, with a clear lead for English.
        for sentence in [
            "The minister said the vote would take place next week.",
            "Talks will resume in Vienna after the summer break.",
        ] {
            assert_eq!(
                detect(sentence, None),
                (Some("en".into()), LangMethod::Text),
                "{sentence}"
            );
        }
        // Too short for whatlang to lead; lingua reads a title's few words.
        for (want, words) in [
            ("en", "Prices rose again"),
            ("fr", "Les prix augmentent encore"),
            ("es", "Los precios suben otra vez"),
            ("vi", "Giá lại tăng"),
        ] {
            assert_eq!(
                detect(words, None),
                (Some(want.into()), LangMethod::Text),
                "{words}"
            );
        }
        // A declared language lingua finds plausible is taken.
        assert_eq!(
            detect("Prices rose again", Some("en")),
            (Some("en".into()), LangMethod::Hint)
        );
    }

    #[test]
    fn sentences_in_each_language() {
        let cases = [
            ("ar", "عقد مكتب الأمم المتحدة المعني بالمخدرات والجريمة مشاورة إعلامية مع وفود الدول الأعضاء بشأن الاتفاقية"),
            ("vi", "Việt Nam sẽ tổ chức lễ ký Công ước của Liên hợp quốc về chống tội phạm mạng tại Hà Nội"),
            ("en", "Member states signed the United Nations Convention against Cybercrime at a ceremony in Hanoi"),
            ("fr", "Les États membres ont signé la Convention des Nations Unies contre la cybercriminalité à Hanoï"),
            ("es", "Los Estados miembros firmaron la Convención de las Naciones Unidas contra la Ciberdelincuencia"),
            ("ru", "Государства-члены подписали Конвенцию ООН против киберпреступности в Ханое"),
            ("zh", "各成员国在河内签署了联合国打击网络犯罪公约，这是一项重要的国际条约"),
        ];
        for (want, text) in cases {
            assert_eq!(detect(text, None).0.as_deref(), Some(want), "for {text}");
        }
    }

    #[test]
    fn short_arabic_is_arabic_not_urdu() {
        assert_eq!(detect("اتفاقية هانوي", None).0.as_deref(), Some("ar"));
        // Too short for whatlang to be sure; the Arabic script alone decides among the allowed.
        assert_eq!(detect("هانوي", None), (Some("ar".into()), LangMethod::Script));
        assert_eq!(detect("Конвенция", None), (Some("ru".into()), LangMethod::Script));
    }

    #[test]
    fn vietnamese_letters_decide_a_few_words() {
        for words in ["sản", "đèn", "trải", "backdrop người", "Hội nghị"] {
            assert_eq!(detect(words, None).0.as_deref(), Some("vi"), "{words}");
        }
        // A Vietnamese name in a French title is not enough for the letters to decide.
        assert!(!mostly_vietnamese("Nguyễn Văn Minh à Paris"));
        assert!(!mostly_vietnamese("Les ministres à Paris"));
    }

    #[test]
    fn hint_decides_short_latin_text() {
        assert_eq!(
            detect("Hanoi", Some("vi-VN")),
            (Some("vi".into()), LangMethod::Hint)
        );
        // Without a declaration lingua still answers, for what a name alone is worth.
        assert_eq!(detect("Hanoi", None).1, LangMethod::Text);
        assert_eq!(detect("12 345", None), (None, LangMethod::Unknown));
        assert_eq!(detect("", Some("fr")), (Some("fr".into()), LangMethod::Hint));
    }

    #[test]
    fn a_declared_language_of_the_same_script_outside_the_allowlist_is_kept() {
        // Persian and Urdu are written in Arabic script; among the seven languages detection
        // could only ever say Arabic.
        let persian = "وزیر امور خارجه گفت که این کنوانسیون در هانوی امضا خواهد شد";
        assert_eq!(detect(persian, Some("fa")), (Some("fa".into()), LangMethod::Hint));
        assert_eq!(detect(persian, Some("ur-PK")).0.as_deref(), Some("ur"));
        assert_eq!(detect(persian, None).0.as_deref(), Some("ar"));
        // A declaration in another script than the text's is not believed.
        assert_eq!(detect(persian, Some("de")).0.as_deref(), Some("ar"));
        let russian = "Государства подписали конвенцию против киберпреступности";
        assert_eq!(detect(russian, Some("uk")).0.as_deref(), Some("uk"));
        assert_eq!(detect(russian, Some("fa")).0.as_deref(), Some("ru"));
    }

    #[test]
    fn allowed_latin_languages_without_a_model_leave_lingua_out() {
        // German has no lingua model compiled in: lingua among the other three would call it
        // English or French, so short text stays whatlang's or the declaration's.
        let detector = LangDetector::from_codes(&["en".into(), "de".into(), "fr".into()]);
        assert!(detector.latin.is_none());
        assert_eq!(
            detector.detect("Preise steigen", Some("de")).lang.as_deref(),
            Some("de")
        );
        assert!(LangDetector::default().latin.is_some());
    }
}
