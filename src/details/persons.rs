//! People named in headlines, compared across scripts by how their names sound. A look-alike
//! story swaps the person a headline is about ("Priya Sharma breaks the national record in
//! Sydney", "伊琳娜·索科洛娃在悉尼打破400米全国纪录"), with every place and figure kept; a
//! translation keeps the person ("Priya Sharma", "بريا شارما", "Прия Шарма"). Each script
//! writes a foreign name by its sounds, so a name is compared by its consonants: transliterated
//! to ASCII (any_ascii: Chinese characters as pinyin, Arabic by its letters), then each
//! consonant by its class (`b`/`p`, `d`/`t`, `f`/`v`/`w`, `l`/`r`, …), vowels and `h` left out.
//! "Sokolova", "Соколова", "سوكولوفا" and "索科洛娃" are `SKLF` or one class from it.

use std::sync::OnceLock;

use super::gazetteer::fold_word;

/// English words written in lower case, stemmed (`data/words.en.txt`, see
/// `tools/common_words`), as a set built by `build.rs`.
static WORDS_EN: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/words.en.fst"));
/// Spanish words, as [`WORDS_EN`].
static WORDS_ES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/words.es.fst"));

/// The set of a language's common words, read in place from the binary.
fn words(lang: &str) -> Option<&'static fst::Set<&'static [u8]>> {
    static EN: OnceLock<Option<fst::Set<&'static [u8]>>> = OnceLock::new();
    static ES: OnceLock<Option<fst::Set<&'static [u8]>>> = OnceLock::new();
    let (cell, bytes) = match lang {
        "en" => (&EN, WORDS_EN),
        "es" => (&ES, WORDS_ES),
        _ => return None,
    };
    // Invariant: build.rs wrote these bytes with the same crate; a failure leaves the list out.
    cell.get_or_init(|| fst::Set::new(bytes).ok()).as_ref()
}

/// Consonant classes a name has at least to be compared: fewer ("Liu Yang": `LN`) match
/// too many others.
pub const MIN_SOUNDS: usize = 4;

/// Marks a name read from Chinese characters: Chinese writes a foreign name by syllables and
/// drops the consonants that end one ("Carter" 卡特, "Miller" 米勒), so such a name is
/// allowed one more difference.
pub const HAN_MARK: u8 = b'~';

/// Begins the sounds of a whole title in a script whose names we do not read (Arabic): a
/// name read in another report's title is listened for in them.
pub const HEARD_MARK: u8 = b'@';

/// Separates the words of a stored name.
pub const WORD_MARK: u8 = b'.';

/// Marks a word of a stored name that does not name anyone on its own: a headline's first
/// word (as often a role: "Swimmer Sarah Johnson"), a particle, a common word.
pub const NOT_ALONE_MARK: u8 = b'^';

/// The forms a word may stand in the common-word lists as: itself, without a plural ending,
/// and either with the other gender's ending ("naciones": "nacion", "unidas": "unido"). The
/// lists hold whole words, so a name that is a cut word ("Thi", from "this") is none of them.
fn base_forms(word: &str) -> Vec<String> {
    let mut forms = vec![word.to_string()];
    for ending in ["es", "s"] {
        if word.len() >= ending.len() + 3 && word.ends_with(ending) {
            forms.push(word[..word.len() - ending.len()].to_string());
        }
    }
    for form in forms.clone() {
        if form.len() > 3 {
            let swapped = match form.as_bytes().last() {
                Some(b'a') => 'o',
                Some(b'o') => 'a',
                _ => continue,
            };
            forms.push(format!("{}{swapped}", &form[..form.len() - 1]));
        }
    }
    forms
}

/// Whether a capitalised word can be part of a person's name: three letters at least, not
/// written mostly in capitals (an acronym: "AMs"), not a word `lang` writes in lower case.
pub fn names_someone(word: &str, lang: Option<&str>) -> bool {
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    let capitals = word.chars().filter(|c| c.is_uppercase()).count();
    letters >= 3 && capitals * 2 < letters && !is_common_word(word, lang)
}

/// Whether `lang` writes `word` in lower case too (English and Spanish: the languages that
/// capitalise every word of an organisation's name); `false` for other languages.
pub fn is_common_word(word: &str, lang: Option<&str>) -> bool {
    let Some(set) = lang.and_then(words) else {
        return false;
    };
    let folded = fold_word(word);
    folded.chars().count() >= 3 && folded.is_ascii() && base_forms(&folded).iter().any(|f| set.contains(f))
}

/// Appends the consonant classes of `word` to `out`, a class never twice in a row.
pub fn push_sounds(word: &str, out: &mut Vec<u8>) {
    let arabic = word.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c));
    let han = word.chars().any(super::gazetteer::is_han);
    let ascii = any_ascii::any_ascii(word).to_ascii_lowercase();
    let letters: Vec<u8> = ascii.bytes().filter(u8::is_ascii_alphabetic).collect();
    // A class repeats only with a vowel between ("Haddad": `TT`; "Sokolova" never `KK`).
    let mut vowel_before = true;
    let mut i = 0;
    while i < letters.len() {
        let next = letters.get(i + 1).copied();
        let (class, used) = match (letters[i], next) {
            (b'p', Some(b'h')) => (Some(b'F'), 2),
            (b't', Some(b'h')) => (Some(b'T'), 2),
            // Russian and Arabic write an h as "kh" (Х, خ).
            (b'k', Some(b'h')) => (None, 2),
            (b'g', Some(b'h')) => (Some(b'K'), 2),
            (b's' | b'c' | b'z', Some(b'h')) => (Some(b'S'), 2),
            (b't' | b'd', Some(b's' | b'z' | b'j')) => (Some(b'S'), 2),
            (b'n', Some(b'g')) => (Some(b'N'), 2),
            (b'c', Some(b'k')) => (Some(b'K'), 2),
            // Pinyin's c and q are affricates.
            (b'c' | b'q', _) if han => (Some(b'S'), 1),
            (b'c', Some(b'e' | b'i' | b'y')) => (Some(b'S'), 1),
            (b'b' | b'p', _) => (Some(b'P'), 1),
            (b't' | b'd', _) => (Some(b'T'), 1),
            (b'k' | b'g' | b'q' | b'c', _) => (Some(b'K'), 1),
            (b'f' | b'v', _) => (Some(b'F'), 1),
            // Inside an Arabic word و is a vowel.
            (b'w', _) if i == 0 || !arabic => (Some(b'F'), 1),
            (b'l' | b'r', _) => (Some(b'L'), 1),
            (b'm', _) => (Some(b'M'), 1),
            (b'n', _) => (Some(b'N'), 1),
            (b's' | b'z' | b'j' | b'x', _) => (Some(b'S'), 1),
            _ => (None, 1),
        };
        match class {
            Some(class) => {
                if vowel_before || out.last() != Some(&class) {
                    out.push(class);
                }
                vowel_before = false;
            }
            // "h" and "kh" are silent and keep no two consonants apart.
            None if used == 2 || letters[i] == b'h' => {}
            None => vowel_before = true,
        }
        i += used;
    }
}

/// Edits a name of `len` classes may differ by and still be the same name: scripts lose or
/// add a sound ("Sokolova" and "索科洛娃" `SKL`, a Russian case ending).
fn allowed_edits(len: usize) -> usize {
    match len {
        0..5 => 0,
        5..8 => 1,
        _ => 2,
    }
}

/// The sounds of a stored name's words, and whether each may match on its own.
fn words_of(name: &[u8]) -> impl Iterator<Item = (&[u8], bool)> {
    name.split(|b| *b == WORD_MARK).map(|w| {
        let w = w.strip_prefix(&[HAN_MARK]).unwrap_or(w);
        match w.strip_prefix(&[NOT_ALONE_MARK]) {
            Some(rest) => (rest, false),
            None => (w, true),
        }
    })
}

/// A stored name's sounds without its marks.
fn bare(name: &[u8]) -> Vec<u8> {
    name.iter()
        .copied()
        .filter(|b| ![HAN_MARK, WORD_MARK, NOT_ALONE_MARK].contains(b))
        .collect()
}

/// Whether a word's sounds say enough to match on their own.
fn telling(word: &[u8]) -> bool {
    word.len() >= MIN_SOUNDS - 1
}

/// Whether a stored name is heard in `heard`, a title's sounds: the whole name with the
/// differences it allows, or one of its words that names someone alone, as it is.
pub fn heard_in(name: &[u8], heard: &[u8]) -> bool {
    let whole = bare(name);
    (whole.len() >= MIN_SOUNDS && within(&whole, heard, allowed_edits(whole.len())))
        || words_of(name).any(|(w, alone)| alone && telling(w) && within(w, heard, 0))
}

/// Whether two stored names are one person's: the shorter sounds like some of the longer's
/// words in a row (a headline's "Coach Lucía Fernández" and "Lucía Fernández"), with the
/// differences they allow, or when either was read from Chinese characters ([`HAN_MARK`]),
/// whose words are not known, like a part of it with one difference more than the shorter
/// allows; or they share a telling word (a family name: "Ryder Cup" and "Cúp
/// Ryder", "Pourquoi Trump" and "Почему Трамп"). Whole words: "Priya Sharma" is not the end
/// of "Carlos Ramírez" and the start of a word after it.
pub fn alike(one: &[u8], other: &[u8]) -> bool {
    let han = |s: &[u8]| s.first() == Some(&HAN_MARK);
    let extra = usize::from(han(one) || han(other));
    let (short, long) = if bare(one).len() <= bare(other).len() {
        (one, other)
    } else {
        (other, one)
    };
    let short = bare(short);
    // A name read from Chinese characters has no words: up to four characters on each side
    // of its `·`, some of them the words around it.
    if extra > 0 {
        let long = bare(long);
        // As many differences as the shorter allows: a short name inside a long one is found
        // with few ("Dmitri Volkov" holds 伊万·彼得罗夫 within three).
        return (short.len() >= MIN_SOUNDS && within(&short, &long, allowed_edits(short.len()) + extra))
            || shares_a_family_name(one, other);
    }
    let words: Vec<&[u8]> = words_of(long).map(|(w, _)| w).collect();
    let mut sounds_alike = false;
    for first in 0..words.len() {
        let mut span = Vec::new();
        for word in &words[first..] {
            span.extend_from_slice(word);
            if span.len() + allowed_edits(span.len()) + extra < short.len() {
                continue;
            }
            if distance(&short, &span) <= allowed_edits(span.len().max(short.len())) + extra {
                sounds_alike = true;
            }
            if span.len() > short.len() + allowed_edits(span.len()) + extra {
                break;
            }
        }
    }
    (short.len() >= MIN_SOUNDS && sounds_alike) || shares_a_family_name(one, other)
}

/// Whether two names share a telling word. A first word may be a name too ("Ryder Cup",
/// "Cúp Ryder"): one of the two alone is enough.
fn shares_a_family_name(one: &[u8], other: &[u8]) -> bool {
    words_of(one).any(|(w, alone)| {
        telling(w) && words_of(other).any(|(v, also)| (alone || also) && telling(v) && w == v)
    })
}

/// How many edits (Levenshtein's) make one name's sounds the other's.
fn distance(a: &[u8], b: &[u8]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0usize; b.len() + 1];
    for (i, x) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            current[j + 1] = (previous[j] + usize::from(x != y))
                .min(previous[j + 1] + 1)
                .min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// Whether `needle` sounds like some part of `hay` within `limit` edits (Sellers'
/// approximate substring match).
fn within(needle: &[u8], hay: &[u8], limit: usize) -> bool {
    let mut previous: Vec<usize> = (0..=needle.len()).collect();
    let mut current = vec![0usize; needle.len() + 1];
    for &h in hay {
        current[0] = 0;
        for j in 1..=needle.len() {
            current[j] = (previous[j - 1] + usize::from(needle[j - 1] != h))
                .min(previous[j] + 1)
                .min(current[j - 1] + 1);
        }
        if current[needle.len()] <= limit {
            return true;
        }
        std::mem::swap(&mut previous, &mut current);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sounds(name: &str) -> Vec<u8> {
        let mut out = Vec::new();
        for word in name.split(|c: char| !c.is_alphanumeric()) {
            push_sounds(word, &mut out);
        }
        out
    }

    #[test]
    fn one_name_sounds_alike_in_every_script() {
        // Written here for the test, as each language's press writes these names.
        for spellings in [
            [
                "Irina Sokolova",
                "Ирина Соколова",
                "إيرينا سوكولوفا",
                "伊琳娜·索科洛娃",
            ],
            ["Grace Wanjiru", "Грейс Ванджиру", "غريس وانجيرو", "格雷丝·万吉鲁"],
            [
                "Khalid al-Mansouri",
                "Халид аль-Мансури",
                "خالد المنصوري",
                "哈立德·曼苏里",
            ],
            [
                "Nguyen Van Minh",
                "Нгуен Ван Минь",
                "نغوين فان مينه",
                "Nguyễn Văn Minh",
            ],
            [
                "Fatima El Amrani",
                "Фатима эль-Амрани",
                "فاطمة العمراني",
                "法蒂玛·阿姆拉尼",
            ],
        ] {
            let first = sounds(spellings[0]);
            for other in &spellings[1..] {
                assert!(alike(&first, &sounds(other)), "{} and {other}", spellings[0]);
            }
        }
    }

    #[test]
    fn different_people_sound_different() {
        let people = [
            "Irina Sokolova",
            "Grace Wanjiru",
            "Khalid al-Mansouri",
            "Fatima El Amrani",
            "Priya Sharma",
        ];
        for (i, one) in people.iter().enumerate() {
            for other in &people[i + 1..] {
                assert!(!alike(&sounds(one), &sounds(other)), "{one} and {other}");
            }
        }
        // Too short to tell.
        assert!(!alike(&sounds("Liu Yang"), &sounds("Liu Yang")));
        // As titles store them, a word at a time: one name is not the end of one word and
        // the start of the next.
        let stored = |name: &str| -> Vec<u8> {
            let mut out = Vec::new();
            for (n, word) in name.split(' ').enumerate() {
                if n > 0 {
                    out.push(WORD_MARK);
                }
                push_sounds(word, &mut out);
            }
            out
        };
        for (one, other) in [
            ("Carlos Ramírez", "Priya Sharma"),
            ("Somchai Wongsakul", "Sarah Johnson"),
        ] {
            assert!(!alike(&stored(one), &stored(other)), "{one} and {other}");
        }
        assert!(alike(
            &stored("Coach Lucía Fernández"),
            &stored("Lucía Fernández")
        ));
        // A name read from Chinese characters is found in a longer one with the differences
        // the shorter allows, not the longer.
        let mut chinese = vec![HAN_MARK];
        chinese.extend(stored("伊万 彼得罗夫"));
        assert!(!alike(&stored("Dmitri Volkov"), &chinese));
        assert!(alike(&stored("Ivan Petrov"), &chinese));
    }

    #[test]
    fn organisations_are_made_of_common_words() {
        for word in [
            "World",
            "Bank",
            "Nations",
            "Naciones",
            "Unidas",
            "Mundial",
            "Organización",
        ] {
            let lang = if word.is_ascii() && !["Naciones", "Unidas", "Mundial"].contains(&word) {
                "en"
            } else {
                "es"
            };
            assert!(is_common_word(word, Some(lang)), "{word}");
        }
        // Vietnamese names are short syllables that a cut word would match ("Thi": "this").
        for word in ["Sharma", "Wanjiru", "Haddad", "Rahmawati", "Tran", "Thi", "Lan"] {
            assert!(
                !is_common_word(word, Some("en")) && !is_common_word(word, Some("es")),
                "{word}"
            );
        }
        // French capitalises an organisation's first word only: no list.
        assert!(!is_common_word("Banque", Some("fr")));
    }
}
