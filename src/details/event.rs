//! The details of the event a report tells, in a form that does not depend on its language:
//! numbers (with their multipliers: "13万", "130 ألف" and "130,000" are one number), dates
//! (absolute, and weekdays resolved against the publication time), places (by their codes in
//! the [gazetteer](super::gazetteer)), and names as their script writes them. Two reports of one
//! event, in any two languages, share rare details; a look-alike names another city, another
//! count or another person.

use chrono::{DateTime, Datelike, Duration, Utc};

use super::actors::Actors;
use super::digit_value;
use super::gazetteer::{arabic_stems, fold_word, gazetteer, is_han, Meaning, MAX_HAN_NAME, MAX_NAME_WORDS};
use super::LEAD_CHARS;
use crate::fingerprint::short_hash;

/// What a detail is; each detail's key carries its kind in its top three bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A number below ten, or one in words: either is as often said another way ("seven"
    /// and "7", "two decades" and "vingt ans"), so it weighs little and conflicts only in
    /// titles, by its value.
    SmallNumber = 0,
    /// A number.
    Number = 1,
    /// A country or a city.
    Place = 2,
    /// A day of the year.
    Date = 3,
    /// A name in Latin script.
    LatinName = 4,
    /// A name in Cyrillic script.
    CyrillicName = 5,
    /// A name in Chinese characters (a foreign name, written with `·`).
    HanName = 6,
    /// A day read from a weekday ("on Saturday": the Saturday of the publication's week). Two
    /// reports published a day apart can read one weekday as two days, so it counts only
    /// when shared.
    Weekday = 7,
}

impl Kind {
    fn of_key(key: u32) -> Kind {
        match key >> 29 {
            0 => Kind::SmallNumber,
            1 => Kind::Number,
            2 => Kind::Place,
            3 => Kind::Date,
            4 => Kind::LatinName,
            5 => Kind::CyrillicName,
            6 => Kind::HanName,
            _ => Kind::Weekday,
        }
    }

    /// The word the explanations use.
    pub fn label(self) -> &'static str {
        match self {
            Kind::SmallNumber | Kind::Number => "number",
            Kind::Place => "place",
            Kind::Date | Kind::Weekday => "date",
            Kind::LatinName | Kind::CyrillicName | Kind::HanName => "name",
        }
    }
}

/// The script a report's names are written in: names compare only within one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Script {
    /// Latin (en, fr, es, vi, …).
    Latin,
    /// Cyrillic (ru, …).
    Cyrillic,
    /// Chinese characters.
    Han,
    /// Arabic, or anything whose names we do not read.
    #[default]
    Other,
}

impl Script {
    fn of_lang(lang: Option<&str>) -> Script {
        match lang {
            Some("ru" | "uk" | "bg" | "be" | "sr" | "mk" | "kk") => Script::Cyrillic,
            Some("zh" | "ja") => Script::Han,
            Some("ar" | "fa" | "ur" | "he") | None => Script::Other,
            Some(_) => Script::Latin,
        }
    }

    fn name_kind(self) -> Option<Kind> {
        match self {
            Script::Latin => Some(Kind::LatinName),
            Script::Cyrillic => Some(Kind::CyrillicName),
            Script::Han => Some(Kind::HanName),
            Script::Other => None,
        }
    }

    /// One byte, for the stored record.
    pub fn to_byte(self) -> u8 {
        self as u8
    }

    /// The script a stored byte names.
    pub fn from_byte(b: u8) -> Script {
        match b {
            0 => Script::Latin,
            1 => Script::Cyrillic,
            2 => Script::Han,
            _ => Script::Other,
        }
    }
}

/// One detail as read: its kind and its value in words ("VN", "72", "10-25", "guterres").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    /// What it is.
    pub kind: Kind,
    /// Its value, language-independent.
    pub value: String,
}

impl Detail {
    /// The 32-bit key it is indexed and compared by: the kind, then a hash of the value.
    pub fn key(&self) -> u32 {
        if let Some(country) = self.value.strip_prefix(IMPLIED) {
            return Detail::key_of(self.kind, country) | 1;
        }
        Detail::key_of(self.kind, &self.value)
    }

    fn key_of(kind: Kind, value: &str) -> u32 {
        let key = ((kind as u32) << 29) | (short_hash(value.as_bytes()) & VALUE_BITS);
        // A place's lowest bit tells a country named from one implied by its city; the next
        // one a city from a country.
        match kind {
            Kind::Place if value.starts_with(CITY) => (key & !3) | 2,
            Kind::Place if value.starts_with(ACTOR) => key | 3,
            Kind::Place => key & !3,
            _ => key,
        }
    }
}

/// The bits of a key that hash its value (the kind is in the others).
const VALUE_BITS: u32 = 0x1FFF_FFFF;

/// The prefix of a country's value when a city implies it ("in:LB" for Beirut).
const IMPLIED: &str = "in:";

/// Whether a key is of a country a city implies: it is said, never evidence of its own.
fn is_implied(key: u32) -> bool {
    Kind::of_key(key) == Kind::Place && key & 3 == 1
}

/// The prefix of an actor's value (`actor:guterres`).
const ACTOR: &str = "actor:";

/// Whether a key is of an actor (a place key's two low bits set).
fn is_actor(key: u32) -> bool {
    Kind::of_key(key) == Kind::Place && key & 3 == 3
}

/// The prefix of a city's value.
const CITY: &str = "geonames:";

/// Whether a key is of a city.
fn is_city(key: u32) -> bool {
    Kind::of_key(key) == Kind::Place && key & 3 == 2
}

impl std::fmt::Display for Detail {
    /// `kind:value`, as explanations show it (`place:VN`, `number:72`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.value.starts_with(ACTOR) {
            return write!(f, "{}", self.value);
        }
        write!(f, "{}:{}", self.kind.label(), self.value)
    }
}

/// A report's details as one line, each marked by where it is said ([`Part::mark`]): for the
/// benches' and tests' diagnostics.
pub fn marked(title: &str, text: &str, lang: Option<&str>, published: Option<DateTime<Utc>>) -> String {
    read(title, text, lang, published)
        .into_iter()
        .map(|(d, part)| format!("{}{d}", part.mark()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A report's event details, as keys: those of its title and lead (what the event is) and
/// those anywhere in it (what it says).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Event {
    /// Keys of the title's details, sorted, with the countries its cities are in: two
    /// titles naming figures, dates or places and none alike are of two events.
    pub title: Vec<u32>,
    /// Keys of the details of the title and the text's first sentence, sorted: what the
    /// event is. Two reports conflict by these.
    pub headline: Vec<u32>,
    /// Keys of the title's and the lead's details, sorted; includes `headline`.
    pub lead: Vec<u32>,
    /// Keys of every detail, sorted; includes `lead`.
    pub said: Vec<u32>,
    /// The script of its names.
    pub script: Script,
    /// The share of the text each of its sentences has, in 255ths, for at most
    /// [`MAX_SHAPE`] sentences (none when there are more): a translation keeps its
    /// original's sentences and their relative lengths (Gale and Church's observation, which
    /// sentence aligners are built on); another report of the event does not.
    pub shape: Vec<u8>,
    /// How the people its title names sound ([`super::persons`]), each followed by a space:
    /// compared across scripts.
    pub persons: Vec<u8>,
    /// Characters of its text, spaces aside: a translation's length is its original's
    /// times what its language takes to say as much (see [`lengths_agree`]).
    pub length: u32,
}

/// Characters a language takes to say what English says in one, spaces aside: the median over
/// the development part of NTREX-128 (`cargo bench --bench ntrex` prints it), news documents
/// professionally translated from English. `None` for a language it does not hold.
fn characters_per_english(lang: &str) -> Option<f64> {
    Some(match lang {
        "en" => 1.0,
        "vi" => 1.02,
        "ar" => 0.93,
        "fr" => 1.18,
        "ru" => 1.13,
        "es" => 1.16,
        "zh" => 0.40,
        _ => return None,
    })
}

/// How far a translation's length strays from what its languages predict at most, as a
/// natural log: NTREX's documents stray by 0.27 at most, two unrelated texts of one shape
/// by chance much further.
pub const MAX_LENGTH_STRAY: f64 = 0.3;

/// Whether two texts in two languages are of the lengths a translation of one into the other
/// has; `true` when either language or length is unknown.
pub fn lengths_agree(one: (&Event, &str), other: (&Event, &str)) -> bool {
    let (Some(f1), Some(f2)) = (characters_per_english(one.1), characters_per_english(other.1)) else {
        return true;
    };
    if one.0.length == 0 || other.0.length == 0 {
        return true;
    }
    let ratio = (f64::from(one.0.length) / f1) / (f64::from(other.0.length) / f2);
    ratio.ln().abs() <= MAX_LENGTH_STRAY
}

/// Sentences of a text whose shape is kept at most.
pub const MAX_SHAPE: usize = 40;

/// The shape of a text: each sentence's share of its characters, in 255ths. A sentence ends at
/// `.`, `!`, `?` (and their Arabic and Chinese forms) before a space or the end, or at a line
/// break; a decimal point ends nothing.
fn shape(text: &str) -> Vec<u8> {
    let mut lengths: Vec<usize> = Vec::new();
    let mut current = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if !c.is_whitespace() {
            current += 1;
        }
        let ends = match c {
            '。' | '！' | '？' | '\n' => true,
            '.' | '!' | '?' | '؟' => chars.peek().is_none_or(|n| n.is_whitespace()),
            _ => false,
        };
        if ends && current > 1 {
            lengths.push(current);
            current = 0;
        }
    }
    if current > 1 {
        lengths.push(current);
    }
    let total: usize = lengths.iter().sum();
    if lengths.len() > MAX_SHAPE || total == 0 {
        return Vec::new();
    }
    lengths
        .iter()
        .map(|l| ((l * 255 + total / 2) / total).min(255) as u8)
        .collect()
}

/// Sentences two texts have at least for their shapes to be aligned with merges.
pub const ALIGNED_SHAPE: usize = 8;

/// Merged or split sentences an alignment of two shapes has at most.
pub const MAX_SHAPE_MERGES: usize = 2;

/// What one merged or split sentence adds to an aligned shapes' distance, in 255ths.
pub const SHAPE_MERGE_COST: u32 = 5;

/// The least summed length difference (in 255ths) of an alignment of two shapes by beads of
/// one to one, two to one and one to two sentences, with at most [`MAX_SHAPE_MERGES`] of the
/// latter; `None` when none aligns them within `limit`. With so few merges an alignment stays
/// within a band of the diagonal, so only that band is computed, three rows at a time.
fn aligned_distance(a: &[u8], b: &[u8], limit: u32) -> Option<u32> {
    const NONE: u32 = u32::MAX;
    const BAND: usize = 2 * MAX_SHAPE_MERGES + 1;
    let (n, m) = (a.len(), b.len());
    if n > MAX_SHAPE || m > MAX_SHAPE || n.abs_diff(m) > MAX_SHAPE_MERGES {
        return None;
    }
    // cost[merges][i % 3][j + MAX_SHAPE_MERGES - i]: the best alignment of a[..i] and b[..j].
    // A row is written from the two before it only, so three rows are kept, reused in turn.
    let mut cost = [[[NONE; BAND]; 3]; MAX_SHAPE_MERGES + 1];
    let band = |i: usize, j: usize| (j + MAX_SHAPE_MERGES).checked_sub(i).filter(|d| *d < BAND);
    cost[0][0][MAX_SHAPE_MERGES] = 0;
    let at = |s: &[u8], i: usize| u32::from(s[i]);
    let mut previous_row_open = true;
    for i in 0..=n {
        if i == n {
            let d = band(n, m)?;
            return (0..=MAX_SHAPE_MERGES)
                .map(|k| cost[k][n % 3][d])
                .filter(|c| *c <= limit)
                .min();
        }
        let mut row_open = false;
        for d in 0..BAND {
            let Some(j) = (i + d).checked_sub(MAX_SHAPE_MERGES).filter(|j| *j <= m) else {
                continue;
            };
            for merges in 0..=MAX_SHAPE_MERGES {
                let here = cost[merges][i % 3][d];
                if here > limit {
                    continue;
                }
                row_open = true;
                let mut relax = |merges: usize, i: usize, j: usize, c: u32| {
                    if let Some(d) = band(i, j).filter(|_| i <= n && j <= m && c <= limit) {
                        let slot = &mut cost[merges][i % 3][d];
                        *slot = (*slot).min(c);
                    }
                };
                if j < m {
                    relax(merges, i + 1, j + 1, here + at(a, i).abs_diff(at(b, j)));
                }
                if merges < MAX_SHAPE_MERGES {
                    if i + 1 < n && j < m {
                        let c = here + (at(a, i) + at(a, i + 1)).abs_diff(at(b, j)) + SHAPE_MERGE_COST;
                        relax(merges + 1, i + 2, j + 1, c);
                    }
                    if j + 1 < m {
                        let c = here + at(a, i).abs_diff(at(b, j) + at(b, j + 1)) + SHAPE_MERGE_COST;
                        relax(merges + 1, i + 1, j + 2, c);
                    }
                }
            }
        }
        // A row is reached from the two before it: two closed rows close the rest.
        if !row_open && !previous_row_open {
            return None;
        }
        previous_row_open = row_open;
        // This row's buffer becomes row i + 3's.
        for layer in cost.iter_mut() {
            layer[i % 3] = [NONE; BAND];
        }
    }
    None
}

/// Characters of a text read for its details at most.
pub const MAX_READ_CHARS: usize = 2000;

/// Details of one report kept at most: a lead names a handful, a long text many more.
pub const MAX_LEAD_DETAILS: usize = 24;
/// Details of a whole text kept at most.
pub const MAX_SAID_DETAILS: usize = 64;

/// A token of a text: a number (its value), a run of Chinese characters, or a word.
#[derive(Debug)]
enum Token<'a> {
    Number(f64),
    Han(&'a str),
    Word(&'a str),
}

struct Tok<'a> {
    token: Token<'a>,
    /// Byte offset in the text.
    start: usize,
    /// What separates it from the token before.
    gap: &'a str,
    /// First word of a sentence (its capital says nothing).
    sentence_start: bool,
    /// A word folded as the gazetteer folds names (empty for other tokens): once per word,
    /// however many names it is tried in.
    folded: String,
}

/// `char::is_alphabetic`, answered without a table search for the scripts we read most.
fn is_letter(c: char) -> bool {
    match c {
        c if c.is_ascii() => c.is_ascii_alphabetic(),
        '\u{00D7}' | '\u{00F7}' => false,
        '\u{00C0}'..='\u{024F}' | '\u{0400}'..='\u{0481}' | '\u{048A}'..='\u{04FF}' => true,
        '\u{0621}'..='\u{064A}' | '\u{1EA0}'..='\u{1EF9}' => true,
        c => c.is_alphabetic(),
    }
}

fn tokens(text: &str) -> Vec<Tok<'_>> {
    let mut out: Vec<Tok<'_>> = Vec::new();
    let bytes_end = text.len();
    let mut last_end = 0;
    let mut sentence_start = true;
    let mut iter = text.char_indices().peekable();
    while let Some((start, c)) = iter.next() {
        let token = if digit_value(c).is_some() {
            let (value, len) = read_number(&text[start..]);
            while iter.peek().is_some_and(|(i, _)| *i < start + len) {
                iter.next();
            }
            Some((Token::Number(value), start + len))
        } else if is_han(c) {
            let mut end = start + c.len_utf8();
            while let Some((i, c)) = iter.peek().copied().filter(|(_, c)| is_han(*c)) {
                end = i + c.len_utf8();
                iter.next();
            }
            Some((Token::Han(&text[start..end]), end))
        } else if is_letter(c) {
            let mut end = start + c.len_utf8();
            while let Some((i, c)) = iter.peek().copied().filter(|(_, c)| is_letter(*c) && !is_han(*c)) {
                end = i + c.len_utf8();
                iter.next();
            }
            Some((Token::Word(&text[start..end]), end))
        } else {
            None
        };
        let Some((token, end)) = token else {
            continue;
        };
        let gap = &text[last_end..start];
        if gap.contains([
            '.', '!', '?', '\n', '。', '！', '？', '؟', '—', ':', '»', '«', '"', '“',
        ]) {
            sentence_start = true;
        }
        let folded = match token {
            Token::Word(w) => fold_word(w),
            _ => String::new(),
        };
        out.push(Tok {
            token,
            start,
            gap,
            sentence_start,
            folded,
        });
        sentence_start = false;
        last_end = end.min(bytes_end);
    }
    out
}

/// The number at the start of `text` (see [`super::numbers`]) and its length in bytes.
fn read_number(text: &str) -> (f64, usize) {
    let mut digits = String::new();
    let chars = text.char_indices();
    let mut end = 0;
    let mut decimal = false;
    let mut first_group: Option<usize> = None;
    for (i, c) in chars {
        if let Some(d) = digit_value(c) {
            digits.push(char::from_digit(d, 10).unwrap_or('0'));
            end = i + c.len_utf8();
            continue;
        }
        if !matches!(c, ',' | '.' | '٫' | '٬' | '\u{a0}' | '\u{202f}' | '\'' | ' ') {
            break;
        }
        let group = text[i + c.len_utf8()..]
            .chars()
            .take_while(|c| digit_value(*c).is_some())
            .count();
        if group == 0 {
            break;
        }
        let first = *first_group.get_or_insert(digits.len());
        // "130 000" is a number, "2025 100" two: groups follow at most three digits.
        let thousands = group == 3 && c != '٫' && !decimal && first <= 3;
        if !thousands {
            // A space never starts a decimal part ("5 3" is two numbers).
            if decimal || c == ' ' || c == '\u{a0}' || c == '\u{202f}' {
                break;
            }
            digits.push('.');
            decimal = true;
        }
    }
    (digits.parse().unwrap_or(0.0), end)
}

/// The value of the number spelled out from token `at`, whose word means `count`, and how
/// many tokens it takes: a ten and a unit make one ("sixty-five", "soixante-cinq", "двадцать
/// пять", "treinta y cinco", and in Arabic the unit first: "خمسة وستون").
fn spelled_number(toks: &[Tok<'_>], at: usize, count: u8, lang: Option<&str>) -> (u8, usize) {
    let count_at = |j: usize| -> Option<u8> {
        match toks.get(j)?.token {
            Token::Word(_) => match lookup(toks, j) {
                Some((Meaning::Count(c), 1)) => Some(c),
                _ => None,
            },
            _ => None,
        }
    };
    let gap = |j: usize| toks.get(j).map(|t| t.gap);
    let is_ten = |c: u8| c >= 20 && c.is_multiple_of(10);
    let is_unit = |c: u8| c < 10;
    if is_ten(count) {
        if let (Some("-" | " "), Some(unit)) = (gap(at + 1), count_at(at + 1)) {
            if is_unit(unit) {
                return (count + unit, 2);
            }
        }
        let and = matches!(toks.get(at + 1).map(|t| &t.token), Some(Token::Word("y")));
        if and && gap(at + 1) == Some(" ") && gap(at + 2) == Some(" ") {
            if let Some(unit) = count_at(at + 2).filter(|u| is_unit(*u)) {
                return (count + unit, 3);
            }
        }
    } else if is_unit(count) && lang == Some("ar") && gap(at + 1) == Some(" ") {
        if let Some(ten) = count_at(at + 1).filter(|t| is_ten(*t)) {
            return (count + ten, 2);
        }
    }
    (count, 1)
}

/// A number as a detail's value: integers without a decimal part, others with one.
fn number_value(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// The longest name `look_up` knows that begins at token `at` (its words folded and joined by
/// one space; a lone Arabic word also without its proclitics: "بمرسيليا", "والرياض"), and how
/// many tokens it takes. `look_up` says what a name means and whether a longer one begins with
/// it, so that the reader stops when none can follow.
fn longest_name<T>(
    tokens: &[Tok<'_>],
    at: usize,
    max_words: usize,
    look_up: impl Fn(&str) -> (Option<T>, bool),
) -> Option<(T, usize)> {
    let mut key = String::new();
    let mut best = None;
    for n in 0..max_words {
        let Some(tok) = tokens.get(at + n) else { break };
        let Token::Word(_) = tok.token else { break };
        if n > 0 {
            if !tok.gap.chars().all(|c| c == ' ' || c == '-' || c == '\u{a0}') {
                break;
            }
            key.push(' ');
        }
        key.push_str(&tok.folded);
        let (meaning, longer) = look_up(&key);
        if let Some(m) = meaning {
            best = Some((m, n + 1));
        }
        if !longer {
            break;
        }
    }
    if best.is_none() {
        if let Some(Token::Word(word)) = tokens.get(at).map(|t| &t.token) {
            best = arabic_stems(word)
                .find_map(|stem| look_up(&fold_word(stem)).0)
                .map(|m| (m, 1));
        }
    }
    best
}

/// The actor whose spelling begins at token `at`, and how many tokens it takes.
fn actor_at(actors: &Actors, tokens: &[Tok<'_>], at: usize) -> Option<(u32, usize)> {
    if actors.is_empty() {
        return None;
    }
    longest_name(tokens, at, super::actors::MAX_ACTOR_WORDS, |key| {
        actors.look_up(key)
    })
}

/// The place, month, weekday or number word that begins at token `at`, and how many tokens it
/// takes.
fn lookup(tokens: &[Tok<'_>], at: usize) -> Option<(Meaning, usize)> {
    let g = gazetteer();
    longest_name(tokens, at, MAX_NAME_WORDS, |key| g.look_up(key))
}

/// Lower-case words inside a person's name ("Khalid al-Mansouri", "Ludwig van Beethoven").
const NAME_PARTICLES: [&str; 21] = [
    "al", "el", "ibn", "bin", "ben", "van", "von", "der", "de", "da", "dos", "del", "di", "du", "аль", "эль",
    "ибн", "бин", "ван", "фон", "де",
];

/// How the people a title names sound (see [`Event::persons`]). A person is two or more
/// capitalised words in a row (with [`NAME_PARTICLES`] between them) that are no place, no
/// month and no actor (actors compare by their own detail), in English and Spanish with one
/// word at least that the language does not also write in lower case ("World Bank",
/// "Naciones Unidas" are organisations); in Chinese a name written with "·". Arabic has no
/// capitals to tell a name by: its titles name nobody here (listening for another title's
/// names in an Arabic title's sounds split 27 of NTREX's 1,302 pairs of translations, which
/// name bodies, places and events, not people).
fn title_persons(actors: &Actors, title: &str, lang: Option<&str>, script: Script) -> Vec<u8> {
    use super::persons::{
        names_someone, push_sounds, HAN_MARK, HEARD_MARK, MIN_SOUNDS, NOT_ALONE_MARK, WORD_MARK,
    };
    let toks = tokens(title);
    let mut persons = Vec::new();
    // A name is stored as its words' sounds, `.` between words, a word that may match
    // another name's word on its own marked by none and any other (a first word, a particle,
    // a common word) by `^`; Chinese names begin with `~`; a space ends each name.
    let mut add = |words: &[(&str, bool)], han: bool| {
        let mut name = Vec::new();
        let mut classes = 0;
        for (n, (word, alone)) in words.iter().enumerate() {
            if n > 0 {
                name.push(WORD_MARK);
            }
            if !alone {
                name.push(NOT_ALONE_MARK);
            }
            let before = name.len();
            push_sounds(word, &mut name);
            classes += name.len() - before;
        }
        if classes >= MIN_SOUNDS {
            if han {
                persons.push(HAN_MARK);
            }
            persons.extend_from_slice(&name);
            persons.push(b' ');
        }
    };
    match script {
        // Arabic has no capitals to tell a name by: the whole title's sounds are kept, in which
        // another title's names are listened for.
        Script::Other if title.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)) => {
            let mut heard = vec![HEARD_MARK];
            for tok in &toks {
                if let Token::Word(word) = tok.token {
                    push_sounds(word, &mut heard);
                }
            }
            if heard.len() > MIN_SOUNDS {
                persons.extend_from_slice(&heard);
                persons.push(b' ');
            }
        }
        Script::Other => {}
        Script::Han => {
            for pair in toks.windows(2) {
                if let (Token::Han(first), Token::Han(last)) = (&pair[0].token, &pair[1].token) {
                    if pair[1].gap == "·" || pair[1].gap == "・" {
                        let given: Vec<char> = first.chars().collect();
                        let given: String = given[given.len().saturating_sub(4)..].iter().collect();
                        let family: String = last.chars().take(4).collect();
                        add(&[(&given, false), (&family, false)], true);
                    }
                }
            }
        }
        Script::Latin | Script::Cyrillic => {
            let cased = |w: &str| {
                w.chars().next().is_some_and(char::is_uppercase) && w.chars().skip(1).any(char::is_lowercase)
            };
            let words: Vec<&str> = toks
                .iter()
                .filter_map(|t| match t.token {
                    Token::Word(w) if w.chars().count() >= 4 => Some(w),
                    _ => None,
                })
                .collect();
            // A headline in title case says nothing by its capitals.
            let capitalised = words.iter().filter(|w| cased(w)).count();
            if words.len() >= 4 && capitalised * 4 >= words.len() * 3 {
                return persons;
            }
            let joined = |t: &Tok<'_>| t.gap.chars().all(|c| c == ' ' || c == '-' || c == '\u{a0}');
            // A capitalised word that is a name of its own: no place, month or actor.
            let name_at = |i: usize| -> Option<&str> {
                match toks.get(i)?.token {
                    Token::Word(w)
                        if cased(w) && actor_at(actors, &toks, i).is_none() && lookup(&toks, i).is_none() =>
                    {
                        Some(w)
                    }
                    _ => None,
                }
            };
            let mut i = 0;
            while i < toks.len() {
                let Some(first) = name_at(i) else {
                    i += 1;
                    continue;
                };
                let mut run = vec![first];
                let mut names = 1;
                let mut j = i + 1;
                while j < toks.len() && joined(&toks[j]) {
                    if let Some(word) = name_at(j) {
                        run.push(word);
                        names += 1;
                        j += 1;
                        continue;
                    }
                    let particle = match toks[j].token {
                        Token::Word(w) => NAME_PARTICLES.contains(&w),
                        _ => false,
                    };
                    if particle && toks.get(j + 1).is_some_and(joined) && name_at(j + 1).is_some() {
                        if let Token::Word(w) = toks[j].token {
                            run.push(w);
                        }
                        j += 1;
                        continue;
                    }
                    break;
                }
                // A headline's first word is capitalised as its first: before a name it is as
                // often a role ("Swimmer Sarah Johnson", "Почему Трамп") as the name's own.
                let words: Vec<(&str, bool)> = run
                    .iter()
                    .enumerate()
                    .map(|(n, w)| {
                        (
                            *w,
                            cased(w) && !(n == 0 && toks[i].sentence_start) && names_someone(w, lang),
                        )
                    })
                    .collect();
                if names >= 2 && words.iter().any(|(w, _)| cased(w) && names_someone(w, lang)) {
                    add(&words, false);
                    // And the name without that first word, for a report in a script whose
                    // names are heard in its whole title.
                    if toks[i].sentence_start {
                        let start = words[1..]
                            .iter()
                            .position(|(w, _)| !NAME_PARTICLES.contains(w))
                            .map_or(words.len(), |p| p + 1);
                        add(&words[start..], false);
                    }
                }
                i = j;
            }
        }
    }
    persons
}

/// Where in a report a detail is first said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Part {
    /// The title: what the event is, in a few words.
    Title,
    /// The text's first sentence: what the event is, told.
    Headline,
    /// The rest of the lead (the text's first [`LEAD_CHARS`] characters).
    Lead,
    /// Further on.
    Body,
}

impl Part {
    /// How the explanations and benches mark it: `**` headline, `*` lead, nothing further on.
    pub fn mark(self) -> &'static str {
        match self {
            Part::Title => "***",
            Part::Headline => "**",
            Part::Lead => "*",
            Part::Body => "",
        }
    }
}

/// Reads the event details of a report: its title, its text and when it was published
/// (weekdays name the day of that week).
pub fn read(
    title: &str,
    text: &str,
    lang: Option<&str>,
    published: Option<DateTime<Utc>>,
) -> Vec<(Detail, Part)> {
    read_with(Actors::none(), title, text, lang, published)
}

/// [`read`], knowing the topics' actors.
pub fn read_with(
    actors: &Actors,
    title: &str,
    text: &str,
    lang: Option<&str>,
    published: Option<DateTime<Utc>>,
) -> Vec<(Detail, Part)> {
    let script = Script::of_lang(lang);
    let title = headline(title);
    // What a report says of its event is in its first paragraphs; reading a long text to the
    // end cost more than everything else the judges do.
    let text = match text.char_indices().nth(MAX_READ_CHARS) {
        Some((end, _)) => &text[..end],
        None => text,
    };
    let full = format!("{title}\n{text}");
    let title_end = title.len();
    let headline_end = title.len() + 1 + first_sentence_end(text);
    let lead_end = title.len()
        + 1
        + text
            .char_indices()
            .nth(LEAD_CHARS)
            .map(|(i, _)| i)
            .unwrap_or(text.len());
    let toks = tokens(&full);
    let mut out: Vec<(Detail, Part)> = Vec::new();
    // Where each detail is in `out`: a long text names hundreds.
    let mut seen: rustc_hash::FxHashMap<(Kind, String), usize> = Default::default();
    let mut push = |kind: Kind, value: String, at: usize| {
        let part = if at < title_end {
            Part::Title
        } else if at < headline_end {
            Part::Headline
        } else if at < lead_end {
            Part::Lead
        } else {
            Part::Body
        };
        match seen.entry((kind, value)) {
            std::collections::hash_map::Entry::Occupied(e) => {
                let said = &mut out[*e.get()].1;
                *said = (*said).min(part);
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                let value = e.key().1.clone();
                e.insert(out.len());
                out.push((Detail { kind, value }, part));
            }
        }
    };
    let date = |month: f64, day: f64| -> Option<String> {
        let (m, d) = (month as u32, day as u32);
        ((1..=12).contains(&m) && (1..=31).contains(&d) && month.fract() == 0.0 && day.fract() == 0.0)
            .then(|| format!("{m:02}-{d:02}"))
    };
    let g = gazetteer();
    let month_of = |tok: Option<&Tok<'_>>| match tok.map(|t| &t.token) {
        Some(Token::Word(_)) => match tok.and_then(|t| g.get(&t.folded)) {
            Some(Meaning::Month(m)) => Some(m),
            _ => None,
        },
        _ => None,
    };
    // A weekday is the day of that name in the publication's week.
    let weekday_date = |day: u8| -> Option<String> {
        let at = published?;
        let back = (at.weekday().number_from_monday() + 7 - u32::from(day)) % 7;
        let on = at - Duration::days(i64::from(back));
        Some(format!("{:02}-{:02}", on.month(), on.day()))
    };
    // The countries of the cities named: "Sydney" says "Australia" already.
    let mut cities_in: Vec<(String, usize)> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let tok = &toks[i];
        match tok.token {
            Token::Number(n) => {
                let next = toks.get(i + 1);
                let adjacent = |t: Option<&Tok<'_>>| t.is_some_and(|t| t.gap.trim().is_empty());
                // 10月25日
                if let (Some(Token::Han(m)), Some(Token::Number(d)), Some(Token::Han(after))) = (
                    next.map(|t| &t.token),
                    toks.get(i + 2).map(|t| &t.token),
                    toks.get(i + 3).map(|t| &t.token),
                ) {
                    if *m == "月" && after.starts_with('日') {
                        if let Some(v) = date(n, *d) {
                            push(Kind::Date, v, tok.start);
                            i += 3;
                            continue;
                        }
                    }
                }
                // 25/10 (day first but in English)
                if let (Some(second), true) = (next, next.is_some_and(|t| t.gap == "/")) {
                    if let Token::Number(b) = second.token {
                        let (month, day) = if lang == Some("en") && n <= 12.0 {
                            (n, b)
                        } else {
                            (b, n)
                        };
                        // "24/7" is around the clock.
                        let around_the_clock = n == 24.0 && b == 7.0;
                        if let Some(v) = date(month, day).filter(|_| !around_the_clock) {
                            push(Kind::Date, v, tok.start);
                            i += 2;
                            if toks
                                .get(i)
                                .is_some_and(|t| t.gap == "/" && matches!(t.token, Token::Number(_)))
                            {
                                i += 1;
                            }
                            continue;
                        }
                    }
                }
                // 25 octobre, 25 de octubre, 25th of October, 1er octobre
                let mut j = i + 1;
                if toks.get(j).is_some_and(|t| {
                    matches!(t.token, Token::Word(w) if w.chars().count() <= 2 && month_of(Some(t)).is_none())
                }) {
                    j += 1;
                }
                if let Some(m) = month_of(toks.get(j)) {
                    if let Some(v) = date(f64::from(m), n) {
                        push(Kind::Date, v, tok.start);
                        i = j + 1;
                        continue;
                    }
                }
                // A month by its number ("tháng 10", "10月"), which other languages name:
                // no figure.
                let month = n.fract() == 0.0
                    && (1.0..=12.0).contains(&n)
                    && (matches!(next.map(|t| &t.token), Some(Token::Han(h)) if adjacent(next) && h.starts_with('月'))
                        || i.checked_sub(1).is_some_and(|p| toks[p].folded == "thang"));
                if month {
                    i += 1;
                    continue;
                }
                // 13万, 130 ألف, 7.5 million
                let multiplier = match next.map(|t| &t.token) {
                    Some(Token::Han(h)) if adjacent(next) => h
                        .char_indices()
                        .map(|(at, c)| &h[..at + c.len_utf8()])
                        .take(2)
                        .filter_map(|prefix| match g.get(prefix) {
                            Some(Meaning::Multiplier(p)) => Some(p),
                            _ => None,
                        })
                        .last(),
                    Some(Token::Word(_)) => match lookup(&toks, i + 1) {
                        Some((Meaning::Multiplier(p), _)) => Some(p),
                        _ => None,
                    },
                    _ => None,
                };
                let value = n * 10f64.powi(i32::from(multiplier.unwrap_or(0)));
                // Small whole numbers are as often words ("2-1", "1er"); a decimal is a figure.
                let kind = if value < 10.0 && value.fract() == 0.0 {
                    Kind::SmallNumber
                } else {
                    Kind::Number
                };
                push(kind, number_value(value), tok.start);
                if multiplier.is_some() && matches!(next.map(|t| &t.token), Some(Token::Word(_))) {
                    i += 1;
                }
            }
            Token::Han(run) => {
                // Places inside a run, longest first; a foreign name is written with "·".
                let chars: Vec<(usize, char)> = run.char_indices().collect();
                let mut at = 0;
                while at < chars.len() {
                    if !g.han_start(chars[at].1) {
                        at += 1;
                        continue;
                    }
                    let mut matched = 0;
                    for len in (2..=MAX_HAN_NAME.min(chars.len() - at)).rev() {
                        let from = chars[at].0;
                        let to = chars.get(at + len).map(|c| c.0).unwrap_or(run.len());
                        match g.get(&run[from..to]) {
                            Some(Meaning::Place(p)) => {
                                push(Kind::Place, p.code(), tok.start + from);
                                cities_in.extend(city_country(p).map(|c| (c, tok.start + from)));
                            }
                            // 星期一
                            Some(Meaning::Weekday(day)) => {
                                if let Some(on) = weekday_date(day) {
                                    push(Kind::Weekday, on, tok.start + from);
                                }
                            }
                            _ => continue,
                        }
                        matched = len;
                        break;
                    }
                    at += matched.max(1);
                }
                for actor in actors.in_han_run(run) {
                    push(Kind::Place, format!("{ACTOR}{}", actors.id(actor)), tok.start);
                }
                if let Some(Token::Han(next)) = toks.get(i + 1).map(|t| &t.token) {
                    if toks[i + 1].gap == "·" || toks[i + 1].gap == "・" {
                        let first: String = run
                            .chars()
                            .rev()
                            .take(4)
                            .collect::<Vec<_>>()
                            .into_iter()
                            .rev()
                            .collect();
                        let last: String = next.chars().take(4).collect();
                        push(Kind::HanName, format!("{first}·{last}"), tok.start);
                    }
                }
            }
            Token::Word(word) => {
                let cased = word.chars().next().is_some_and(|c| c.is_uppercase());
                let has_case = word
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_lowercase() || c.is_uppercase());
                // October 25
                if let (Some(m), Some(Token::Number(d))) =
                    (month_of(Some(tok)), toks.get(i + 1).map(|t| &t.token))
                {
                    if let Some(v) = date(f64::from(m), *d) {
                        push(Kind::Date, v, tok.start);
                        i += 2;
                        continue;
                    }
                }
                if cased || !has_case {
                    if let Some((actor, n)) = actor_at(actors, &toks, i) {
                        push(Kind::Place, format!("{ACTOR}{}", actors.id(actor)), tok.start);
                        i += n;
                        continue;
                    }
                }
                match lookup(&toks, i) {
                    Some((Meaning::Place(p), n)) if cased || !has_case => {
                        push(Kind::Place, p.code(), tok.start);
                        cities_in.extend(city_country(p).map(|c| (c, tok.start)));
                        i += n;
                        continue;
                    }
                    Some((Meaning::Weekday(day), n)) => {
                        if let Some(on) = weekday_date(day) {
                            push(Kind::Weekday, on, tok.start);
                        }
                        i += n;
                        continue;
                    }
                    Some((Meaning::Count(count), _)) => {
                        let (value, used) = spelled_number(&toks, i, count, lang);
                        // A number word joined to a word we do not read ("soixante-quinze",
                        // "quatre-vingts") is part of a number we cannot tell.
                        let joined = |t: &Tok<'_>| t.gap == "-" && matches!(t.token, Token::Word(_));
                        let compound = (i > 0 && joined(tok) && matches!(toks[i - 1].token, Token::Word(_)))
                            || toks.get(i + used).is_some_and(joined);
                        // A number in words is as often written another way ("two decades",
                        // "vingt ans"): it weighs as little as a small one.
                        if !compound {
                            push(Kind::SmallNumber, value.to_string(), tok.start);
                        }
                        i += used;
                        continue;
                    }
                    Some((Meaning::Month(_) | Meaning::Multiplier(_), n)) => {
                        i += n;
                        continue;
                    }
                    _ => {}
                }
                // An ordinal's suffix ("25th", "1er") belongs to its number.
                let suffix = i > 0 && tok.gap.is_empty() && matches!(toks[i - 1].token, Token::Number(_));
                // A headline in capitals: its capitals say nothing.
                let shouted = |t: Option<&Tok<'_>>| {
                    t.is_some_and(|t| matches!(t.token, Token::Word(w) if w.chars().count() >= 2 && !w.chars().any(char::is_lowercase)))
                };
                let shouting = shouted(Some(tok))
                    && (shouted(i.checked_sub(1).and_then(|p| toks.get(p))) || shouted(toks.get(i + 1)));
                if cased && !tok.sentence_start && !suffix && !shouting && word.chars().count() >= 2 {
                    if let Some(kind) = script.name_kind().filter(|k| *k != Kind::HanName) {
                        let in_script = match kind {
                            Kind::CyrillicName => word.chars().all(|c| matches!(c, '\u{0400}'..='\u{04FF}')),
                            _ => word.chars().all(|c| {
                                c.is_ascii_alphabetic()
                                    || ('\u{C0}'..='\u{24F}').contains(&c)
                                    || ('\u{1E00}'..='\u{1EFF}').contains(&c)
                            }),
                        };
                        if in_script {
                            push(kind, fold_word(word), tok.start);
                        }
                    }
                }
            }
        }
        i += 1;
    }
    // A city's country is said, not named: a report naming Beirut says Lebanon, and one
    // naming Lebanon conflicts with it in nothing; only the city is evidence of its own.
    // Where each country so said was named: a title naming Senegal keeps it in its title
    // when its text names Dakar.
    let mut named_at: Vec<(String, Part)> = Vec::new();
    out.retain(|(d, part)| {
        let implied = d.kind == Kind::Place && cities_in.iter().any(|(c, _)| *c == d.value);
        if implied {
            named_at.push((d.value.clone(), *part));
        }
        !implied
    });
    // A title's city says its country in the title: "Sydney" and "Australia" agree there.
    cities_in.sort_unstable();
    cities_in.dedup_by(|later, first| later.0 == first.0);
    out.extend(cities_in.into_iter().map(|(country, at)| {
        let named_in_title = named_at
            .iter()
            .any(|(c, part)| *c == country && *part == Part::Title);
        let part = if at < title_end || named_in_title {
            Part::Title
        } else {
            Part::Body
        };
        let value = format!("{IMPLIED}{country}");
        (
            Detail {
                kind: Kind::Place,
                value,
            },
            part,
        )
    }));
    out
}

/// Where a text's first sentence ends (at most [`LEAD_CHARS`] characters in): what an event
/// is, a report says in its headline and first sentence; the sentences after it give the
/// background each outlet picks for itself ("90 days after the 40th ratification").
fn first_sentence_end(text: &str) -> usize {
    let cap = text
        .char_indices()
        .nth(LEAD_CHARS)
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    let mut chars = text[..cap].char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let end = at + c.len_utf8();
        match c {
            '\n' | '。' | '！' | '？' => return end,
            '.' | '!' | '?' | '؟' if chars.peek().is_none_or(|(_, n)| n.is_whitespace()) => {
                // "U.N." and "St. Petersburg" are no sentence end: one more letter must follow
                // a space before a capital or a digit.
                let next_word = text[end..].trim_start();
                let short_before = text[..at]
                    .rsplit(|c: char| !c.is_alphanumeric())
                    .next()
                    .is_some_and(|w| w.chars().count() <= 2 && w.chars().any(char::is_uppercase));
                if !short_before && next_word.chars().next().is_none_or(|c| !c.is_lowercase()) {
                    return end;
                }
            }
            _ => {}
        }
    }
    cap
}

/// Separators between a headline and the outlet's name that feeds append to it.
const OUTLET_SEPARATORS: [&str; 5] = [" - ", " | ", " – ", " — ", " · "];

/// A title without the outlet's name that many feeds append ("… - Daily News #12"): a
/// copy's outlet names its own city and numbers, which the original never says.
pub(crate) fn headline(title: &str) -> &str {
    let Some((at, separator)) = OUTLET_SEPARATORS
        .iter()
        .filter_map(|sep| title.rfind(sep).map(|at| (at, sep.len())))
        .max()
    else {
        return title;
    };
    let tail = &title[at + separator..];
    let short = tail.split_whitespace().count() <= 6 && tail.len() * 5 <= title.len() * 2;
    if short && !title[..at].trim().is_empty() {
        &title[..at]
    } else {
        title
    }
}

/// The country code of a city.
fn city_country(place: super::gazetteer::Place) -> Option<String> {
    match place {
        super::gazetteer::Place::City(_, cc) => Some(String::from_utf8_lossy(&cc).into_owned()),
        super::gazetteer::Place::Country(_) => None,
    }
}

impl Event {
    /// The event details of a report, as keys.
    pub fn of(title: &str, text: &str, lang: Option<&str>, published: Option<DateTime<Utc>>) -> Event {
        Event::of_with(Actors::none(), title, text, lang, published)
    }

    /// [`Event::of`], knowing the topics' actors.
    pub fn of_with(
        actors: &Actors,
        title: &str,
        text: &str,
        lang: Option<&str>,
        published: Option<DateTime<Utc>>,
    ) -> Event {
        let details = read_with(actors, title, text, lang, published);
        let script = Script::of_lang(lang);
        let persons = title_persons(actors, headline(title), lang, script);
        // The countries a title's cities imply are for comparing titles only.
        let named = |d: &Detail| !is_implied(d.key());
        let mut lead: Vec<u32> = details
            .iter()
            .filter(|(d, part)| *part <= Part::Lead && named(d))
            .map(|(d, _)| d.key())
            .take(MAX_LEAD_DETAILS)
            .collect();
        let mut headline: Vec<u32> = details
            .iter()
            .filter(|(d, part)| *part <= Part::Headline && named(d))
            .map(|(d, _)| d.key())
            .take(MAX_LEAD_DETAILS)
            .collect();
        headline.sort_unstable();
        headline.dedup();
        let mut title: Vec<u32> = details
            .iter()
            .filter(|(_, part)| *part == Part::Title)
            .map(|(d, _)| d.key())
            .take(MAX_LEAD_DETAILS)
            .collect();
        title.sort_unstable();
        title.dedup();
        let mut said: Vec<u32> = details
            .iter()
            .map(|(d, _)| d.key())
            .take(MAX_SAID_DETAILS)
            .collect();
        said.extend(&lead);
        lead.sort_unstable();
        lead.dedup();
        said.sort_unstable();
        said.dedup();
        Event {
            title,
            headline,
            lead,
            said,
            script,
            shape: shape(text),
            persons,
            length: u32::try_from(text.chars().filter(|c| !c.is_whitespace()).count()).unwrap_or(u32::MAX),
        }
    }

    /// How far apart two texts' shapes are, from 0 (sentence for sentence alike in length) to
    /// 2; `None` when they do not have the same number of sentences (at least two). Long
    /// texts ([`ALIGNED_SHAPE`] sentences and more) may differ by [`MAX_SHAPE_MERGES`]
    /// sentences: a translator joins two sentences or splits one, and the two are aligned as
    /// sentence aligners do (Gale and Church's beads of one to one, two to one and one to
    /// two), each merge costing [`SHAPE_MERGE_COST`].
    pub fn shape_distance(&self, other: &Event) -> Option<f64> {
        self.shape_within(other, f64::INFINITY)
    }

    /// [`Event::shape_distance`] when it is at most `max`, else `None`: the comparison stops
    /// as soon as it is certain to exceed it, which for unlike shapes is after a sentence or
    /// two (the event index compares every new long text with dozens).
    pub fn shape_within(&self, other: &Event, max: f64) -> Option<f64> {
        let (a, b) = (&self.shape, &other.shape);
        if a.len() < 2 || b.len() < 2 {
            return None;
        }
        let limit = (max * 255.0).floor().min(f64::from(u32::MAX - 1)) as u32;
        let distance = if a.len() == b.len() && a.len() < ALIGNED_SHAPE {
            let mut sum = 0u32;
            for (x, y) in a.iter().zip(b) {
                sum += u32::from(x.abs_diff(*y));
                if sum > limit {
                    return None;
                }
            }
            sum
        } else if a.len().min(b.len()) < ALIGNED_SHAPE || a.len().abs_diff(b.len()) > MAX_SHAPE_MERGES {
            return None;
        } else {
            aligned_distance(a, b, limit)?
        };
        Some(f64::from(distance) / 255.0)
    }
    /// Whether a detail is evidence a report in any language gives the same way: places,
    /// dates and numbers. Small numbers are as often words; a weekday is read against each
    /// report's own publication; a country a city implies is no evidence of its own; names
    /// never: another language translates an organisation's name and writes a person's its
    /// own way, and within one language [`super::Report`] reads names with their context.
    pub fn comparable(key: u32) -> bool {
        !is_implied(key)
            && !matches!(
                Kind::of_key(key),
                Kind::SmallNumber | Kind::LatinName | Kind::CyrillicName | Kind::HanName | Kind::Weekday
            )
    }

    /// Whether two reports sharing the detail is evidence they tell one event: what is
    /// [`Event::comparable`], and a weekday both name.
    pub fn shared_evidence(key: u32) -> bool {
        Event::comparable(key) || Kind::of_key(key) == Kind::Weekday
    }

    /// Whether this report's headline names something `other` could say and never does.
    pub fn names_more_than(&self, other: &Event) -> bool {
        self.headline.iter().any(|k| {
            Event::comparable(*k) && !other.says(*k) && !(is_city(*k) && self.country_said_by(other))
        })
    }

    /// Whether `other` names a country one of this report's cities is in: a report naming
    /// the country ("Vietnam") says less than one naming its capital, but nothing else.
    fn country_said_by(&self, other: &Event) -> bool {
        self.said
            .iter()
            .any(|k| is_implied(*k) && other.said.binary_search(&(*k & !1)).is_ok())
    }

    /// Whether this report says what `key` is: itself, or for a country one of its cities.
    pub fn says(&self, key: u32) -> bool {
        self.said.binary_search(&key).is_ok()
            || (Kind::of_key(key) == Kind::Place && self.said.binary_search(&(key | 1)).is_ok())
    }

    /// Whether the two reports tell different events: each headline names something (a
    /// number, a place, a date) that the other never says, or their titles name figures,
    /// dates, cities or countries and none alike ("190 cyclists start the Tour of Nigeria" and
    /// "150 riders …"). What an event is, every report says first; the background after it
    /// each outlet picks for itself.
    pub fn conflicts_with(&self, other: &Event) -> bool {
        (self.names_more_than(other) && other.names_more_than(self))
            || self.titles_conflict(other)
            || self.persons_conflict(other)
    }

    /// Whether the two titles are about different people: both name people and none of one
    /// sounds like any of the other.
    pub fn persons_conflict(&self, other: &Event) -> bool {
        use super::persons::alike;
        let (mine, theirs) = (self.names(), other.names());
        !mine.is_empty() && !theirs.is_empty() && !mine.iter().any(|p| theirs.iter().any(|q| alike(p, q)))
    }

    /// The people a title names, as their sounds.
    fn names(&self) -> Vec<&[u8]> {
        self.persons
            .split(|b| *b == b' ')
            .filter(|p| !p.is_empty() && p[0] != super::persons::HEARD_MARK)
            .collect()
    }

    /// Whether one title names people and the other, written in a script whose names are
    /// read by their capitals (Latin, Cyrillic), names nobody: a translation keeps its
    /// original's people.
    pub fn persons_one_sided(&self, other: &Event) -> bool {
        let capitals = |e: &Event| matches!(e.script, Script::Latin | Script::Cyrillic);
        let one_way = |a: &Event, b: &Event| !a.names().is_empty() && capitals(b) && b.names().is_empty();
        one_way(self, other) || one_way(other, self)
    }

    /// The sounds of a title whose names are not read (Arabic), if this is one.
    fn heard(&self) -> Option<&[u8]> {
        self.persons
            .split(|b| *b == b' ')
            .find_map(|p| p.strip_prefix(&[super::persons::HEARD_MARK]))
    }

    /// Whether one title names people and the other, in a script whose names are not read,
    /// sounds like none of them: "Amadou Diallo breaks the record" and an Arabic title about
    /// someone else.
    pub fn persons_unheard(&self, other: &Event) -> bool {
        let unheard_by = |one: &Event, other: &Event| {
            other.heard().is_some_and(|heard| {
                let names = one.names();
                !names.is_empty() && !names.iter().any(|n| super::persons::heard_in(n, heard))
            })
        };
        unheard_by(self, other) || unheard_by(other, self)
    }

    /// Whether both titles name details of one sort (figures, dates, cities, countries) and
    /// share none of them.
    pub fn titles_conflict(&self, other: &Event) -> bool {
        let sorts: [fn(u32) -> Option<u32>; 4] = [
            // Any number: "9 hospitals" and "85 villages" are two events, and so are "after
            // six decades" and "tras 9 décadas".
            |k| matches!(Kind::of_key(k), Kind::Number | Kind::SmallNumber).then_some(k & VALUE_BITS),
            |k| (Kind::of_key(k) == Kind::Date).then_some(k),
            |k| is_city(k).then_some(k),
            // A country named, or implied by a city (its key with the low bit set).
            |k| (Kind::of_key(k) == Kind::Place && !is_city(k) && !is_actor(k)).then_some(k & !1),
        ];
        sorts.iter().any(|sort| {
            let mine: Vec<u32> = self.title.iter().filter_map(|k| sort(*k)).collect();
            let theirs: Vec<u32> = other.title.iter().filter_map(|k| sort(*k)).collect();
            !mine.is_empty() && !theirs.is_empty() && !mine.iter().any(|k| theirs.contains(k))
        })
    }

    /// The details both reports say, anywhere.
    pub fn said_both<'a>(&'a self, other: &'a Event) -> impl Iterator<Item = u32> + 'a {
        self.said
            .iter()
            .copied()
            .filter(|k| !is_implied(*k) && other.said.binary_search(k).is_ok())
    }

    /// The details a report says that another report in any language says too when it tells
    /// the same: no names, no small numbers.
    pub fn comparable_said(&self) -> impl Iterator<Item = u32> + '_ {
        self.said.iter().copied().filter(|k| Event::comparable(*k))
    }

    /// Whether `other` says every figure this report's title names, however it writes it
    /// ("seven" and "7"): a translation keeps them all ("5 provinces with reservoirs at 34 %"
    /// is not a translation of "reservoirs at 34 %").
    pub fn title_figures_said_by(&self, other: &Event) -> bool {
        self.title_figures_unsaid_by(other).next().is_none()
    }

    /// The figures this report's title names that `other` never says.
    pub fn title_figures_unsaid_by<'a>(&'a self, other: &'a Event) -> impl Iterator<Item = u32> + 'a {
        let figure = |k: u32| matches!(Kind::of_key(k), Kind::Number | Kind::SmallNumber);
        self.title.iter().copied().filter(move |k| {
            figure(*k)
                && !other
                    .said
                    .iter()
                    .any(|o| figure(*o) && o & VALUE_BITS == k & VALUE_BITS)
        })
    }

    /// How many sentences the text has (at most [`MAX_SHAPE`] are counted).
    pub fn sentences(&self) -> usize {
        self.shape.len()
    }

    /// How many details both headlines say that are evidence in any language (see
    /// [`Event::shared_evidence`]).
    pub fn headline_evidence(&self, other: &Event) -> usize {
        self.headline
            .iter()
            .filter(|k| Event::shared_evidence(**k) && other.headline.binary_search(k).is_ok())
            .count()
    }

    /// The lead details both reports name.
    pub fn shared<'a>(&'a self, other: &'a Event) -> impl Iterator<Item = u32> + 'a {
        self.lead
            .iter()
            .copied()
            .filter(|k| other.lead.binary_search(k).is_ok())
    }

    /// Whether a key is of a small number, which weighs little.
    pub fn is_small_number(key: u32) -> bool {
        Kind::of_key(key) == Kind::SmallNumber
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report published on Tuesday 18 November 2025.
    fn report(title: &str, text: &str, lang: &str) -> Event {
        Event::of(title, text, Some(lang), "2025-11-18T09:00:00Z".parse().ok())
    }

    fn values(title: &str, text: &str, lang: &str) -> Vec<String> {
        let published = "2025-10-27T09:00:00Z".parse().ok();
        read(title, text, Some(lang), published)
            .into_iter()
            .map(|(d, _)| d.to_string())
            .collect()
    }

    #[test]
    fn one_event_reads_alike_in_seven_languages() {
        let en = values(
            "72 states sign UN cybercrime treaty in Hanoi on 25 October",
            "",
            "en",
        );
        let fr = values(
            "72 États signent à Hanoï, le 25 octobre, le traité de l'ONU",
            "",
            "fr",
        );
        let es = values("72 Estados firman en Hanói el 25 de octubre el tratado", "", "es");
        let ru = values("72 государства подписали в Ханое 25 октября конвенцию", "", "ru");
        let ar = values("72 دولة توقع في هانوي يوم 25 أكتوبر على الاتفاقية", "", "ar");
        let zh = values("72个国家10月25日在河内签署公约", "", "zh");
        let vi = values("72 quốc gia ký công ước tại Hà Nội ngày 25/10", "", "vi");
        let hanoi = en
            .iter()
            .find(|v| v.starts_with("place:"))
            .expect("Hanoi is a place")
            .clone();
        for other in [&fr, &es, &ru, &ar, &zh, &vi] {
            for detail in ["number:72", "date:10-25", hanoi.as_str()] {
                assert!(other.iter().any(|v| v == detail), "{detail} in {other:?}");
            }
        }
    }

    #[test]
    fn numbers_spelled_out_are_read_whole() {
        let numbers = |text: &str, lang: &str| -> Vec<String> {
            values("", text, lang)
                .into_iter()
                .filter(|v| v.starts_with("number:"))
                .collect()
        };
        assert_eq!(numbers("after seven years of work", "en"), ["number:7"]);
        assert_eq!(numbers("tras nueve décadas", "es"), ["number:9"]);
        assert_eq!(numbers("Sixty-five countries signed", "en"), ["number:65"]);
        let words = report("Sixty-five countries sign", "", "en");
        let digits = report("65 pays signent", "", "fr");
        assert!(!words.titles_conflict(&digits));
        assert_eq!(numbers("Soixante-cinq pays ont signé", "fr"), ["number:65"]);
        assert_eq!(numbers("подписали двадцать пять стран", "ru"), ["number:25"]);
        assert_eq!(numbers("firmaron treinta y cinco países", "es"), ["number:35"]);
        assert_eq!(numbers("وقعت خمسة وستون دولة", "ar"), ["number:65"]);
        // A number word joined to one we do not read is part of a number we cannot tell.
        assert!(numbers("quatre-vingts pays", "fr").is_empty());
        // "très" folds like Spanish "tres", "neuf" is also "new": neither is a number.
        assert!(numbers("un très beau livre neuf", "fr").is_empty());
    }

    #[test]
    fn months_by_number_are_no_figures_and_chinese_weekdays_are_read() {
        // Published on Tuesday 18 November: Monday is the 17th.
        let at = "2025-11-18T09:00:00Z".parse().ok();
        let read = |title: &str, lang: &str| -> Vec<String> {
            super::read(title, "", Some(lang), at)
                .into_iter()
                .map(|(d, _)| d.to_string())
                .collect()
        };
        let en = read("Electric car sales in Canada up 9.2% in October", "en");
        assert_eq!(
            read("Doanh số ô tô điện tại Canada tăng 9,2% trong tháng 10", "vi"),
            en
        );
        assert_eq!(
            read("加拿大10月电动汽车销量增长9.2%", "zh"),
            ["place:CA", "number:9.2"]
        );
        assert!(read("风暴导致圣地亚哥星期一70个航班取消", "zh").contains(&"date:11-17".to_string()));
        assert_eq!(read("签署于10月25日", "zh"), ["date:10-25"]);
        // Around the clock, not the 24th of July.
        assert!(!read("Un point de contact 24/7", "fr")
            .iter()
            .any(|d| d.starts_with("date:")));
        assert_eq!(read("Signé le 24/7", "fr").len(), 2);
    }

    #[test]
    fn a_translation_says_every_figure_of_its_original_title() {
        let vi = report(
            "Hạn hán ở Thái Lan: hồ chứa chỉ còn 34% dung tích",
            "Các hồ chứa ở Thái Lan chỉ còn 34% dung tích.",
            "vi",
        );
        let es = report(
            "Tailandia declara la emergencia por sequía en 5 provincias con los embalses al 34 %",
            "Tailandia declaró la emergencia en 5 provincias.",
            "es",
        );
        let en = report(
            "Reservoirs in Thailand at 34% of capacity after five dry months",
            "Thailand's reservoirs hold 34% of their capacity after 5 months without rain.",
            "en",
        );
        assert!(vi.title_figures_said_by(&es) && !es.title_figures_said_by(&vi));
        // "five" and "5" are one figure.
        let digits = report(
            "Thai reservoirs at 34% after 5 months of drought",
            "The reservoirs hold 34% after 5 months.",
            "en",
        );
        assert!(en.title_figures_said_by(&digits) && digits.title_figures_said_by(&en));
        assert!(!en.title_figures_said_by(&vi));
        assert!(es.title_figures_unsaid_by(&vi).count() == 1);
    }

    #[test]
    fn a_translation_keeps_its_people() {
        let marathon = report("Грейс Ванджиру выиграла марафон в Бангкоке", "", "ru");
        let festival = report(
            "Theatre festival in Bangkok sells 2,100 tickets in a week",
            "",
            "en",
        );
        let told = report("Grace Wanjiru wins the Bangkok marathon", "", "en");
        // Chinese writes a Vietnamese name without "·": its titles say nothing of people.
        let chinese = report("阮文明赢得曼谷马拉松", "", "zh");
        assert!(marathon.persons_one_sided(&festival));
        assert!(!marathon.persons_one_sided(&told));
        assert!(!told.persons_one_sided(&chinese));
    }

    #[test]
    fn another_report_shares_its_headline() {
        let signing = report(
            "Hanoi: 65 states sign the UN cybercrime convention",
            "Sixty-five states signed the convention in Hanoi on Saturday.",
            "en",
        );
        let fr = report(
            "La convention de l'ONU signée à Hanoï",
            "65 pays ont signé samedi à Hanoï la convention.",
            "fr",
        );
        // The same city and figure, but only in the background.
        let training = report(
            "Des procureurs formés à Bruxelles",
            "Les procureurs étudient la convention. Elle fut signée par 65 pays à Hanoï.",
            "fr",
        );
        assert!(signing.headline_evidence(&fr) >= 2);
        assert!(signing.headline_evidence(&training) < 2);
    }

    #[test]
    fn titles_naming_other_small_numbers_conflict() {
        let en = report(
            "Stolen statue back on display in Tunisia after six decades",
            "",
            "en",
        );
        let es = report(
            "Una estatua robada vuelve a exponerse en Túnez tras 9 décadas",
            "",
            "es",
        );
        let same = report(
            "Una estatua robada vuelve a exponerse en Túnez tras seis décadas",
            "",
            "es",
        );
        assert!(en.titles_conflict(&es));
        assert!(!en.titles_conflict(&same));
        let vi = report("Chile sẽ mở thêm 9 bệnh viện vùng mới", "", "vi");
        let en = report("Mobile clinics to reach 85 remote villages in Chile", "", "en");
        assert!(vi.titles_conflict(&en));
    }

    #[test]
    fn multipliers_weekdays_and_names() {
        assert!(values("", "130 ألف طفل", "ar").contains(&"number:130000".to_string()));
        assert!(values("", "13万名儿童", "zh").contains(&"number:130000".to_string()));
        assert!(values("", "130,000 children", "en").contains(&"number:130000".to_string()));
        assert!(values("", "130 000 enfants", "fr").contains(&"number:130000".to_string()));
        assert!(values("", "7.5 million", "en").contains(&"number:7500000".to_string()));
        // Published on Monday 27 October: "Saturday" is the 25th.
        assert!(values("", "Officials met on Saturday.", "en").contains(&"date:10-25".to_string()));
        let names = values("", "The head of UNODC, Ghada Waly, spoke.", "en");
        for name in ["name:unodc", "name:ghada", "name:waly"] {
            assert!(names.contains(&name.to_string()), "{names:?}");
        }
        assert!(values("", "秘书长安东尼奥·古特雷斯出席", "zh")
            .iter()
            .any(|v| v.starts_with("name:")));
    }

    #[test]
    fn a_long_translation_aligns_across_a_merged_sentence() {
        let with_shape = |shape: &[u8]| Event {
            shape: shape.to_vec(),
            ..Event::default()
        };
        let original = with_shape(&[20, 30, 25, 35, 30, 40, 25, 30, 20]);
        // The translator joined the third and fourth sentences (25 + 35).
        let joined = with_shape(&[21, 29, 61, 29, 41, 24, 30, 20]);
        let d = original.shape_distance(&joined).expect("aligned");
        assert!(d <= 0.1, "{d}");
        // Its reverse, and itself, align alike.
        assert_eq!(joined.shape_distance(&original), Some(d));
        assert_eq!(original.shape_distance(&original), Some(0.0));
        // Another text of as many sentences in another order does not come close.
        let other = with_shape(&[60, 20, 20, 25, 20, 30, 25, 35]);
        assert!(original.shape_distance(&other).is_none_or(|d| d > 0.2));
        // Three merges are more than a translation makes; short texts align only one to one.
        assert_eq!(original.shape_distance(&with_shape(&[50, 60, 70, 75])), None);
        let short = with_shape(&[40, 60, 70, 85]);
        assert_eq!(short.shape_distance(&with_shape(&[100, 70, 85])), None);
    }

    #[test]
    fn an_actor_is_one_detail_in_every_script() {
        let actors = Actors::new(&std::collections::BTreeMap::from([
            (
                "guterres".to_string(),
                ["António Guterres", "Guterres", "Гутерриш", "古特雷斯", "غوتيريش"]
                    .map(String::from)
                    .to_vec(),
            ),
            ("unodc".to_string(), vec!["UNODC".to_string()]),
        ]));
        let at = "2025-10-25T09:00:00Z".parse().ok();
        let values = |title: &str, text: &str, lang: &str| -> Vec<String> {
            read_with(&actors, title, text, Some(lang), at)
                .into_iter()
                .map(|(d, _)| d.to_string())
                .collect()
        };
        for (title, text, lang) in [
            ("Guterres hails the UN Convention against Cybercrime", "", "en"),
            (
                "Гутерриш приветствовал Конвенцию ООН против киберпреступности",
                "",
                "ru",
            ),
            ("古特雷斯欢迎《联合国打击网络犯罪公约》", "", "zh"),
            (
                "وغوتيريش يرحب باتفاقية الأمم المتحدة لمكافحة الجرائم الإلكترونية",
                "",
                "ar",
            ),
            (
                "La UNODC y António Guterres celebran la Convención de Hanói",
                "",
                "es",
            ),
        ] {
            let found = values(title, text, lang);
            assert!(found.contains(&"actor:guterres".to_string()), "{lang}: {found:?}");
        }
        assert!(values(
            "La UNODC y António Guterres celebran la Convención de Hanói",
            "",
            "es"
        )
        .contains(&"actor:unodc".to_string()));
        // Without the topic, Guterres is a name.
        let plain: Vec<String> = read(
            "Secretary-General Guterres hails the Convention",
            "",
            Some("en"),
            at,
        )
        .into_iter()
        .map(|(d, _)| d.to_string())
        .collect();
        assert!(plain.contains(&"name:guterres".to_string()), "{plain:?}");
        // An actor's key is neither a country nor a city.
        let key = Detail {
            kind: Kind::Place,
            value: "actor:guterres".into(),
        }
        .key();
        assert!(is_actor(key) && !is_city(key) && !is_implied(key));
    }

    #[test]
    fn titles_naming_other_figures_or_places_conflict() {
        let at = "2025-11-20T09:00:00Z".parse().ok();
        let of = |title: &str, text: &str, lang: &str| Event::of(title, text, Some(lang), at);
        // Each text names the other's count, so only the titles tell them apart.
        let en = of(
            "190 cyclists start the Tour of Nigeria in Lagos",
            "The race has 190 riders; last year 150 started.",
            "en",
        );
        let fr = of(
            "150 coureurs au départ du Tour du Nigeria à Lagos",
            "La course réunit 150 coureurs, contre 190 l'an dernier.",
            "fr",
        );
        assert!(en.titles_conflict(&fr) && fr.titles_conflict(&en));
        assert!(en.conflicts_with(&fr));
        // A city says its country; a title naming no figure conflicts with none.
        let hanoi = of("72 countries sign the convention in Hanoi", "", "en");
        let vietnam = of("Vietnam: 72 États signent la convention", "", "fr");
        let quiet = of("Le Vietnam accueille la cérémonie", "", "fr");
        let sydney = of("72 countries sign the convention in Sydney", "", "en");
        assert!(!hanoi.titles_conflict(&vietnam) && !vietnam.titles_conflict(&hanoi));
        assert!(!hanoi.titles_conflict(&quiet));
        assert!(
            hanoi.titles_conflict(&sydney),
            "{:?} {:?}",
            hanoi.title,
            sydney.title
        );
        assert!(vietnam.titles_conflict(&sydney));
    }

    /// The alignment over every cell, unbounded: what the banded one must agree with.
    fn aligned_everywhere(a: &[u8], b: &[u8]) -> Option<u32> {
        const NONE: u32 = u32::MAX;
        let (n, m) = (a.len(), b.len());
        let mut cost = vec![vec![vec![NONE; m + 1]; n + 1]; MAX_SHAPE_MERGES + 1];
        cost[0][0][0] = 0;
        let at = |s: &[u8], i: usize| u32::from(s[i]);
        for i in 0..=n {
            for j in 0..=m {
                for k in 0..=MAX_SHAPE_MERGES {
                    let here = cost[k][i][j];
                    if here == NONE {
                        continue;
                    }
                    if i < n && j < m {
                        let c = here + at(a, i).abs_diff(at(b, j));
                        cost[k][i + 1][j + 1] = cost[k][i + 1][j + 1].min(c);
                    }
                    if k < MAX_SHAPE_MERGES && i + 1 < n && j < m {
                        let c = here + (at(a, i) + at(a, i + 1)).abs_diff(at(b, j)) + SHAPE_MERGE_COST;
                        cost[k + 1][i + 2][j + 1] = cost[k + 1][i + 2][j + 1].min(c);
                    }
                    if k < MAX_SHAPE_MERGES && i < n && j + 1 < m {
                        let c = here + at(a, i).abs_diff(at(b, j) + at(b, j + 1)) + SHAPE_MERGE_COST;
                        cost[k + 1][i + 1][j + 2] = cost[k + 1][i + 1][j + 2].min(c);
                    }
                }
            }
        }
        (0..=MAX_SHAPE_MERGES)
            .map(|k| cost[k][n][m])
            .filter(|c| *c != NONE)
            .min()
    }

    #[test]
    fn the_banded_alignment_agrees_with_the_full_one() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |below: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % below
        };
        let mut compared = 0;
        for _ in 0..3000 {
            let n = 8 + next(12) as usize;
            let m = n + next(5) as usize - 2;
            let a: Vec<u8> = (0..n).map(|_| 5 + next(40) as u8).collect();
            // Half are near copies (a sentence joined here and there), half unrelated.
            let b: Vec<u8> = if next(2) == 0 {
                (0..m).map(|_| 5 + next(40) as u8).collect()
            } else {
                let mut b = a.clone();
                while b.len() > m {
                    let at = next(b.len() as u64 - 1) as usize;
                    let joined = b[at].saturating_add(b[at + 1]);
                    b.splice(at..at + 2, [joined]);
                }
                while b.len() < m {
                    let at = next(b.len() as u64) as usize;
                    let half = b[at] / 2;
                    b.splice(at..at + 1, [half, b[at] - half]);
                }
                b.iter().map(|x| x.saturating_add(next(3) as u8)).collect()
            };
            let full = aligned_everywhere(&a, &b);
            assert_eq!(aligned_distance(&a, &b, u32::MAX - 1), full, "{a:?} {b:?}");
            for limit in [0, 20, 51, 120] {
                let want = full.filter(|d| *d <= limit);
                assert_eq!(
                    aligned_distance(&a, &b, limit),
                    want,
                    "{a:?} {b:?} within {limit}"
                );
            }
            compared += usize::from(full.is_some_and(|d| d <= 51));
        }
        assert!(compared > 300, "near copies align: {compared}");
    }

    #[test]
    fn a_translation_keeps_its_shape() {
        let en = Event::of(
            "",
            "A short one. Then a much longer sentence follows it here. End.",
            Some("en"),
            None,
        );
        let fr = Event::of(
            "",
            "Une courte. Puis suit une phrase bien plus longue que la première. Fin.",
            Some("fr"),
            None,
        );
        let other = Event::of(
            "",
            "A first sentence of some length. And a second one.",
            Some("en"),
            None,
        );
        assert_eq!(en.shape.len(), 3);
        assert!(
            en.shape_distance(&fr).is_some_and(|d| d < 0.2),
            "{:?} {:?}",
            en.shape,
            fr.shape
        );
        assert_eq!(en.shape_distance(&other), None);
        // A decimal point ends no sentence.
        assert_eq!(
            Event::of("", "Growth was 5.3 percent. It slowed.", Some("en"), None)
                .shape
                .len(),
            2
        );
    }

    #[test]
    fn look_alikes_conflict_across_languages_and_translations_do_not() {
        let at = "2025-10-27T09:00:00Z".parse().ok();
        let en = Event::of(
            "Trade fair in Marseille draws 60 foreign firms",
            "",
            Some("en"),
            at,
        );
        let es = Event::of(
            "La feria comercial de Marsella atrae a 60 empresas extranjeras",
            "",
            Some("es"),
            at,
        );
        let ar = Event::of("معرض تجاري في الرياض يستقطب 30 شركة أجنبية", "", Some("ar"), at);
        assert!(!en.conflicts_with(&es));
        assert_eq!(en.shared(&es).count(), 2);
        assert!(en.conflicts_with(&ar));
        assert!(es.conflicts_with(&ar));
        // A shouted headline names nothing.
        let shout = Event::of(
            "ELECTRIC CAR SALES IN FRANCE UP 9.9% IN OCTOBER",
            "",
            Some("en"),
            at,
        );
        let plain = Event::of(
            "Electric car sales in France up 9.9% in October",
            "",
            Some("en"),
            at,
        );
        assert!(!shout.conflicts_with(&plain));
    }

    #[test]
    fn another_person_in_any_script_is_another_event() {
        // Written here: one record broken by one runner, told in five languages, and the same
        // record in the same city broken by another runner.
        let at = "2025-11-18T09:00:00Z".parse().ok();
        let told = [
            ("en", "Amina Yusuf breaks the national 800 m record in Nairobi"),
            ("fr", "Amina Yusuf bat le record national du 800 m à Nairobi"),
            ("ru", "Амина Юсуф побила национальный рекорд на 800 м в Найроби"),
            ("ar", "أمينة يوسف تحطم الرقم القياسي الوطني في 800 متر في نيروبي"),
            ("zh", "阿米娜·优素福在内罗毕打破800米全国纪录"),
        ];
        let other = [
            ("en", "Olga Petrenko breaks the national 800 m record in Nairobi"),
            (
                "ru",
                "Ольга Петренко побила национальный рекорд на 800 м в Найроби",
            ),
            ("zh", "奥尔加·彼得连科在内罗毕打破800米全国纪录"),
        ];
        let event = |(lang, title): (&str, &str)| Event::of(title, "", Some(lang), at);
        for (i, one) in told.iter().enumerate() {
            for two in &told[i + 1..] {
                assert!(
                    !event(*one).conflicts_with(&event(*two)),
                    "{} and {}",
                    one.1,
                    two.1
                );
            }
            // Arabic has no capitals to tell a name by: another title's names are listened
            // for in its sounds.
            for two in &other {
                let (one, two) = (event(*one), event(*two));
                assert!(
                    one.persons_conflict(&two) || one.persons_unheard(&two),
                    "{:?} and {:?}",
                    one.persons,
                    two.persons
                );
            }
            let arabic = event(told[3]);
            assert!(!event(*one).persons_unheard(&arabic), "{}", one.1);
        }
        // A role before a name is no part of it; Chinese drops the consonants that end a
        // syllable ("Miller" 米勒).
        let swimmer = event(("en", "Swimmer Karen Miller wins three gold medals in Doha"));
        let russian = event(("ru", "Пловчиха Карен Миллер выиграла три золотые медали в Дохе"));
        let chinese = event(("zh", "游泳运动员凯伦·米勒在多哈夺得三枚金牌"));
        assert!(!swimmer.persons_conflict(&russian) && !swimmer.persons_conflict(&chinese));
        // An organisation is no person: "World Bank" and "Banco Mundial" name nobody.
        let bank = event(("en", "World Bank lends Kenya 300 million dollars"));
        let banco = event(("es", "El Banco Mundial presta 300 millones de dólares a Kenia"));
        assert!(bank.persons.is_empty() && banco.persons.is_empty());
        assert!(!bank.conflicts_with(&banco));
    }

    #[test]
    fn a_translation_is_as_long_as_its_languages_say() {
        let of = |text: &str, lang: &str| Event::of("", text, Some(lang), None);
        let en = of(
            "The ministers met in the capital on Monday and agreed on a common text.",
            "en",
        );
        let zh = of("各位部长星期一在首都会晤，商定了一份共同文本。", "zh");
        let fr = of(
            "Les ministres se sont réunis lundi dans la capitale et se sont accordés sur un texte commun.",
            "fr",
        );
        let short = of("Talks ended.", "fr");
        assert!(lengths_agree((&en, "en"), (&zh, "zh")));
        assert!(lengths_agree((&en, "en"), (&fr, "fr")) && lengths_agree((&fr, "fr"), (&zh, "zh")));
        assert!(!lengths_agree((&en, "en"), (&short, "fr")));
        // A language without a measured ratio says nothing against.
        assert!(lengths_agree((&en, "en"), (&short, "de")));
    }

    #[test]
    fn a_country_named_in_a_title_stays_in_it_when_the_text_names_its_city() {
        let at = "2025-11-18T09:00:00Z".parse().ok();
        let senegal = Event::of(
            "Senegal ratifies the convention after a parliamentary vote",
            "Deputies in Dakar approved the text on Tuesday.",
            Some("en"),
            at,
        );
        let brazil = Event::of(
            "Experts in São Paulo debate the convention",
            "The meeting gathered lawyers and police officers.",
            Some("en"),
            at,
        );
        assert!(senegal.titles_conflict(&brazil));
    }

    #[test]
    fn a_city_says_its_country_and_an_outlet_suffix_says_nothing() {
        let at = "2025-11-18T09:00:00Z".parse().ok();
        let city = Event::of(
            "Exports rise 1.4% in the third quarter",
            "Analysts in Beirut said the figures pointed to a recovery.",
            Some("en"),
            at,
        );
        let country = Event::of(
            "Exports from Lebanon rise 1.4% in the third quarter - Daily News of Santiago #12",
            "The finance ministry expects growth this year.",
            Some("en"),
            at,
        );
        // Lebanon is said by the report naming Beirut; Santiago and 12 are the outlet's.
        assert!(!city.conflicts_with(&country));
        assert!(!values(
            "Exports from Lebanon rise 1.4% in the third quarter - Daily News of Santiago #12",
            "",
            "en"
        )
        .iter()
        .any(|v| v.contains("number:12")));
        let other = Event::of("Exports from Jordan rise 1.4%", "", Some("en"), at);
        assert!(country.conflicts_with(&other));
        // A decimal is a figure, however small: 1.4% and 9.7% are two events.
        let more = Event::of("Exports from Lebanon rise 9.7%", "", Some("en"), at);
        assert!(country.conflicts_with(&more));
    }

    #[test]
    fn the_headline_is_the_title_and_first_sentence() {
        let text = "The U.N. office said on Monday that 15 states had ratified. It needs 40.";
        assert_eq!(
            &text[..first_sentence_end(text)],
            "The U.N. office said on Monday that 15 states had ratified."
        );
        let at = "2025-11-18T09:00:00Z".parse().ok();
        let one = Event::of("Ratifications reach 15", text, Some("en"), at);
        let other = Event::of(
            "Ratifications reach 15",
            "Fifteen states have ratified, 15 in all. It takes 90 days after the 40th.",
            Some("en"),
            at,
        );
        // Background after the first sentence differs without a conflict.
        assert!(!one.conflicts_with(&other));
    }
}
