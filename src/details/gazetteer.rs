//! The multilingual names of places, months, weekdays and number words that event details are
//! read with, from `data/gazetteer.tsv` (generated from CLDR and GeoNames by
//! `tools/gazetteer/generate.py`; embedded in the binary). Names are folded here, once, the way
//! text is folded when it is read: lower case, Latin diacritics and Arabic letter forms
//! dropped, Russian case endings cut, so "Hà Nội", "Hanoï", "Ханое" and "هانوي" find their
//! city however a sentence inflects them.

use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};

use unicode_normalization::UnicodeNormalization;

const DATA: &str = include_str!("../../data/gazetteer.tsv");

/// Words of one name looked up together at most ("Thành phố Hồ Chí Minh").
pub const MAX_NAME_WORDS: usize = 5;

/// Characters of one Chinese name at most, which has no spaces to find it by.
pub const MAX_HAN_NAME: usize = 6;

/// A place: a country's ISO 3166 code, or a city's GeoNames id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Place {
    /// A country by its alpha-2 code.
    Country([u8; 2]),
    /// A city by its GeoNames id, and its country.
    City(u32, [u8; 2]),
}

impl Place {
    /// The place as a stable code: `VN`, or `geonames:1581130`.
    pub fn code(&self) -> String {
        match self {
            Place::Country(c) => String::from_utf8_lossy(c).into_owned(),
            Place::City(id, _) => format!("geonames:{id}"),
        }
    }
}

/// What a folded name means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
    /// A place.
    Place(Place),
    /// A month, 1 to 12.
    Month(u8),
    /// A weekday, Monday 1 to Sunday 7.
    Weekday(u8),
    /// A number word: multiply by ten to this power.
    Multiplier(u8),
    /// A small number spelled out ("seven", "siete"), 2 to 9.
    Count(u8),
}

/// Folded names and what they mean. Looked up for every word of every article, so hashed
/// with FxHash, not SipHash: the keys are our own data, not an attacker's.
pub struct Gazetteer {
    /// A folded name: what it means, if it is a name, and whether a longer name begins with
    /// it ("new", "new york"), so that a reader stops trying longer names when none can follow.
    names: FxHashMap<String, (Option<Meaning>, bool)>,
    /// The characters Chinese names begin with: a reader tries names only from those.
    han_starts: FxHashSet<char>,
}

/// The gazetteer, read on first use.
pub fn gazetteer() -> &'static Gazetteer {
    static GAZETTEER: OnceLock<Gazetteer> = OnceLock::new();
    GAZETTEER.get_or_init(|| Gazetteer::parse(DATA))
}

impl Gazetteer {
    /// Reads `kind<TAB>code<TAB>name<TAB>name…` lines; the first meaning of a folded name wins.
    fn parse(data: &str) -> Gazetteer {
        let mut names: FxHashMap<String, (Option<Meaning>, bool)> = FxHashMap::default();
        let mut han_starts = FxHashSet::default();
        for line in data.lines().filter(|l| !l.starts_with('#')) {
            let mut cols = line.split('\t');
            let (Some(kind), Some(code)) = (cols.next(), cols.next()) else {
                continue;
            };
            let meaning = match kind {
                "c" => match code.as_bytes() {
                    [a, b] => Meaning::Place(Place::Country([*a, *b])),
                    _ => continue,
                },
                "p" => match code.split_once('@') {
                    Some((id, cc)) => match (id.parse(), cc.as_bytes()) {
                        (Ok(id), [a, b]) => Meaning::Place(Place::City(id, [*a, *b])),
                        _ => continue,
                    },
                    None => continue,
                },
                "m" => match code.parse() {
                    Ok(m) => Meaning::Month(m),
                    Err(_) => continue,
                },
                "w" => match code.parse() {
                    Ok(d) => Meaning::Weekday(d),
                    Err(_) => continue,
                },
                "x" => match code.parse() {
                    Ok(p) => Meaning::Multiplier(p),
                    Err(_) => continue,
                },
                "n" => match code.parse() {
                    Ok(n) => Meaning::Count(n),
                    Err(_) => continue,
                },
                _ => continue,
            };
            for name in cols {
                add_name(&mut names, &mut han_starts, name, meaning);
            }
        }
        Gazetteer { names, han_starts }
    }
    /// What a folded name means, and whether a longer name begins with it.
    pub fn look_up(&self, folded: &str) -> (Option<Meaning>, bool) {
        self.names.get(folded).copied().unwrap_or((None, false))
    }

    /// Whether a Chinese name may begin with this character.
    pub fn han_start(&self, c: char) -> bool {
        self.han_starts.contains(&c)
    }

    /// What a folded name (words joined by one space) means.
    pub fn get(&self, folded: &str) -> Option<Meaning> {
        self.names.get(folded).and_then(|(m, _)| *m)
    }
}

/// Adds one name of a place (or month, weekday, number word) to the folded names, unless a
/// name folded alike is there already.
fn add_name(
    names: &mut FxHashMap<String, (Option<Meaning>, bool)>,
    han_starts: &mut FxHashSet<char>,
    name: &str,
    meaning: Meaning,
) {
    let key = words(name).map(fold_word).collect::<Vec<_>>().join(" ");
    if key.is_empty() {
        return;
    }
    // Russian drops a fleeting vowel before a case ending: "Египет", "в Египте".
    if let Some(fleeting) = without_fleeting_vowel(&key) {
        names.entry(fleeting).or_default().0.get_or_insert(meaning);
    }
    if let Some(first) = key.chars().next().filter(|c| is_han(*c)) {
        han_starts.insert(first);
    }
    let mut words_so_far = String::new();
    for word in key.split(' ') {
        if !words_so_far.is_empty() {
            names.entry(words_so_far.clone()).or_default().1 = true;
            words_so_far.push(' ');
        }
        words_so_far.push_str(word);
    }
    names.entry(key).or_default().0.get_or_insert(meaning);
}

/// The words of a text: runs of letters and digits (a hyphen or an apostrophe separates).
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// Whether `c` is a Han character (Chinese has no spaces between words).
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// Whether `c` is a Cyrillic letter.
fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04FF}')
}

/// A word as names are compared: lower case; Latin letters without diacritics (`đ` as `d`);
/// Arabic without diacritics, tatweel and letter variants; Russian without its case ending
/// (`Ханое`, `Ханоя` and `Ханой` are one word).
pub fn fold_word(word: &str) -> String {
    if word.is_ascii() {
        return word.to_ascii_lowercase();
    }
    if word.chars().next().is_some_and(is_cyrillic) {
        // Not decomposed: NFD would split й into и and a breve.
        let mut out = word.to_lowercase().replace('ё', "е");
        cut_russian_ending(&mut out);
        return out;
    }
    let mut out = String::with_capacity(word.len());
    for c in word.nfd() {
        match c {
            '\u{0300}'..='\u{036F}' | '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' => {}
            'đ' | 'Đ' => out.push('d'),
            'أ' | 'إ' | 'آ' | 'ٱ' => out.push('ا'),
            'ى' => out.push('ي'),
            'ة' => out.push('ه'),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// A one-word Russian name without the `е` or `о` before its final consonant ("египет" as
/// "египт"), as its inflected forms write it.
fn without_fleeting_vowel(key: &str) -> Option<String> {
    let chars: Vec<char> = key.chars().collect();
    let n = chars.len();
    if n < 5 || key.contains(' ') || !chars.iter().all(|c| is_cyrillic(*c)) {
        return None;
    }
    let consonant = |c: char| {
        !matches!(
            c,
            'а' | 'е' | 'и' | 'о' | 'у' | 'ы' | 'э' | 'ю' | 'я' | 'й' | 'ь' | 'ъ'
        )
    };
    (matches!(chars[n - 2], 'е' | 'о') && consonant(chars[n - 1]) && consonant(chars[n - 3]))
        .then(|| chars[..n - 2].iter().chain(&chars[n - 1..]).collect())
}

/// Cuts up to two final vowels, `й` or `ь` from a Russian word, leaving at least three
/// letters: what case endings add to a place's name ("Москва", "Москве", "Москвой"; "Доха",
/// "Дохе").
fn cut_russian_ending(word: &mut String) {
    for _ in 0..2 {
        if word.chars().count() <= 3 {
            return;
        }
        match word.chars().next_back() {
            Some('а' | 'е' | 'и' | 'о' | 'у' | 'ы' | 'э' | 'ю' | 'я' | 'й' | 'ь') => {
                word.pop();
            }
            _ => return,
        }
    }
}

/// The Arabic proclitics a name can carry: "و" and "ف" (and), then "ب", "ل", "ك" (in, for,
/// like), and the article "ال", which names are listed with and without.
pub fn arabic_stems(word: &str) -> impl Iterator<Item = &str> {
    let mut out = Vec::with_capacity(4);
    let mut rest = word;
    for set in [&['و', 'ف'][..], &['ب', 'ل', 'ك'][..]] {
        if let Some(c) = rest.chars().next().filter(|c| set.contains(c)) {
            let stripped = &rest[c.len_utf8()..];
            if stripped.chars().count() >= 3 {
                out.push(stripped);
                rest = stripped;
            }
        }
    }
    if let Some(bare) = rest.strip_prefix("ال").filter(|b| b.chars().count() >= 3) {
        out.push(bare);
    }
    out.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(name: &str) -> Option<Place> {
        let key = words(name).map(fold_word).collect::<Vec<_>>().join(" ");
        match gazetteer().get(&key) {
            Some(Meaning::Place(p)) => Some(p),
            _ => None,
        }
    }

    #[test]
    fn one_city_in_every_language_and_form() {
        let hanoi = place("Hanoi").expect("Hanoi is in the gazetteer");
        for name in [
            "Hà Nội",
            "Hanoï",
            "Hanói",
            "Ханой",
            "Ханое",
            "Ханоя",
            "هانوي",
            "河内",
            "河內",
        ] {
            assert_eq!(place(name), Some(hanoi), "{name}");
        }
        assert_eq!(place("Viet Nam"), Some(Place::Country(*b"VN")));
        for name in ["Việt Nam", "Vietnam", "Вьетнам", "Вьетнаме", "فيتنام", "越南"]
        {
            assert_eq!(place(name), Some(Place::Country(*b"VN")), "{name}");
        }
        assert_ne!(place("Marseille"), place("Lyon"));
        // Russian drops a fleeting vowel: "Египет", "в Египте".
        assert!(place("Египет").is_some());
        assert_eq!(place("Египте"), place("Египет"));
        assert_eq!(place("Marsella"), place("Marseille"));
        assert!(place("Riyadh").is_some());
        assert_eq!(place("الرياض"), place("Riyadh"));
        // A smaller city's name in a script without case could be a word: "الخبر" is "the
        // news" and a city of 600,000.
        assert_eq!(place("الخبر"), None);
    }

    #[test]
    fn months_weekdays_and_multipliers() {
        let g = gazetteer();
        for (name, month) in [
            ("October", 10),
            ("octobre", 10),
            ("октября", 10),
            ("أكتوبر", 10),
            ("octubre", 10),
        ] {
            assert_eq!(g.get(&fold_word(name)), Some(Meaning::Month(month)), "{name}");
        }
        assert_eq!(g.get(&fold_word("samedi")), Some(Meaning::Weekday(6)));
        assert_eq!(g.get(&fold_word("万")), Some(Meaning::Multiplier(4)));
        assert_eq!(g.get(&fold_word("тысяч")), Some(Meaning::Multiplier(3)));
        assert_eq!(g.get(&fold_word("seven")), Some(Meaning::Count(7)));
        assert_eq!(g.get(&fold_word("Siete")), Some(Meaning::Count(7)));
        // Folded alike with another word, or another meaning first: not numbers.
        assert_eq!(g.get(&fold_word("très")), None);
        assert_eq!(g.get(&fold_word("neuf")), None);
        assert_eq!(g.get(&fold_word("sept")), Some(Meaning::Month(9)));
        assert_eq!(arabic_stems("والرياض").collect::<Vec<_>>(), ["الرياض", "رياض"]);
        assert_eq!(arabic_stems("بمرسيليا").collect::<Vec<_>>(), ["مرسيليا"]);
    }
}
