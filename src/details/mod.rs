//! Event details of a report: the numbers of its headline, in any numeral system, and the names
//! it gives (capitalised words, in scripts that have case). Two reports of one event name the
//! same things; a look-alike (another country signing, another city, another count) names other
//! ones. Stories use this to keep look-alikes apart however alike their words.

pub mod actors;
pub mod event;
pub mod gazetteer;
pub mod persons;

/// The zero of each decimal numeral system headlines in our languages use: ASCII,
/// Arabic-Indic, Extended Arabic-Indic (Persian, Urdu), Devanagari, Bengali, Thai, full-width.
const ZEROS: [u32; 7] = [0x30, 0x660, 0x6F0, 0x966, 0x9E6, 0xE50, 0xFF10];

/// The value of a decimal digit of any of [`ZEROS`]' systems.
pub fn digit_value(c: char) -> Option<u32> {
    let code = c as u32;
    ZEROS
        .iter()
        .find(|zero| (**zero..**zero + 10).contains(&code))
        .map(|zero| code - zero)
}

/// The numbers of `text`, written in ASCII digits: `7,800` and `7 800` are `7800`, `9,9` and
/// `٩٫٩` are `9.9`.
pub fn numbers(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if digit_value(chars[i]).is_none() {
            i += 1;
            continue;
        }
        let mut number = String::new();
        loop {
            while let Some(d) = chars.get(i).and_then(|c| digit_value(*c)) {
                number.push(char::from_digit(d, 10).unwrap_or('0'));
                i += 1;
            }
            // A separator followed by a digit continues the number: three digits after it are
            // a thousands group, anything else a decimal part.
            let Some(&sep) = chars.get(i) else { break };
            if !matches!(sep, ',' | '.' | '٫' | '٬' | '\u{a0}' | '\u{202f}' | '\'') {
                break;
            }
            let group: usize = chars[i + 1..]
                .iter()
                .take_while(|c| digit_value(**c).is_some())
                .count();
            if group == 0 {
                break;
            }
            let thousands = group == 3 && !matches!(sep, '٫') && !number.contains('.');
            if !thousands {
                if number.contains('.') {
                    break;
                }
                number.push('.');
            }
            i += 1;
        }
        out.push(number);
    }
    out
}

/// A report's details: the numbers and names of its lead, folded to lower case, and its
/// headline and text (folded, and their numbers), to tell whether it says what another lead
/// names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    details: Vec<String>,
    folded: String,
    numbers: Vec<String>,
}

/// The capitalised words of a text that are not capitalised only because they start a
/// sentence ("Earlier, …" is no name; "… in Hanoi" is).
fn names(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut sentence_start = true;
    let mut rest = text;
    while let Some(start) = rest.find(char::is_alphanumeric) {
        let before = &rest[..start];
        if before.contains(['.', '!', '?', '\n', '。', '！', '？', '؟', '—', ':']) {
            sentence_start = true;
        }
        let word_len = rest[start..]
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(rest.len() - start);
        let word = &rest[start..start + word_len];
        let capitalised = word.chars().next().is_some_and(char::is_uppercase)
            && !word.chars().all(|c| digit_value(c).is_some());
        if capitalised && !sentence_start {
            out.push(word);
        }
        sentence_start = false;
        rest = &rest[start + word_len..];
    }
    out
}

/// The words of a headline without capitals, folded: Arabic words of two letters or more,
/// and each pair of adjacent Chinese characters (Chinese writes no spaces).
fn uncased_words(title: &str) -> Vec<String> {
    let folded = title.to_lowercase();
    let mut out = Vec::new();
    for word in gazetteer::words(&folded) {
        // Runs of Chinese characters, of digits and of other letters, each apart.
        let mut runs: Vec<(u8, Vec<char>)> = Vec::new();
        for c in word.chars() {
            let class = if gazetteer::is_han(c) {
                0
            } else if digit_value(c).is_some() {
                1
            } else {
                2
            };
            match runs.last_mut() {
                Some((last, run)) if *last == class => run.push(c),
                _ => runs.push((class, vec![c])),
            }
        }
        for (class, run) in runs {
            match class {
                0 => out.extend(run.windows(2).map(|w| w.iter().collect::<String>())),
                2 if run.len() >= 2 => out.push(run.iter().collect()),
                _ => {}
            }
        }
    }
    out
}

/// Whether each of two reports in one language has a name in its title (a person, a body;
/// places aside, which [`event::Event`] compares with their countries) that the other never
/// says: two reports of one event may open on different facts, but a headline about another
/// person is about another event, however alike the rest.
pub fn title_names_differ(one: (&str, &str), other: (&str, &str), lang: Option<&str>) -> bool {
    title_names_more(one, other, lang) && title_names_more(other, one, lang)
}

/// Whether two reports in one language each headline something the other never says, a
/// name in the title on one side being as good as a place, number or date on the other:
/// "Chen Jing signs for Senegal" and "Senegal's parliament to vote on 29 November" share
/// their country and their topic, and are two events.
pub fn headlines_differ(
    one: (&str, &str, &event::Event),
    other: (&str, &str, &event::Event),
    lang: Option<&str>,
) -> bool {
    let more = |a: (&str, &str, &event::Event), b: (&str, &str, &event::Event)| {
        a.2.names_more_than(b.2) || title_names_more((a.0, a.1), (b.0, b.1), lang)
    };
    more(one, other) && more(other, one)
}

/// Whether a report's title names a person or body (places aside) that `other` never says.
fn title_names_more(one: (&str, &str), other: (&str, &str), lang: Option<&str>) -> bool {
    let names = title_names(one.0, lang);
    if names.is_empty() {
        return false;
    }
    let said = format!("{}\n{}", other.0, other.1);
    let words: std::collections::HashSet<String> =
        gazetteer::words(&said).map(gazetteer::fold_word).collect();
    names.iter().any(|(kind, name)| match kind {
        // A Chinese name's second part, as written after its dot.
        event::Kind::HanName => name.split('·').nth(1).is_some_and(|last| !said.contains(last)),
        _ => !words.contains(name),
    })
}

/// Whether two titles in one language are one template with a word swapped: in the same
/// order, the words they share are at least 60 % of the longer, and each keeps a word the
/// other report never says ("Coach Kenji Sato leaves …" and "Coach Emily Carter leaves …";
/// "… after four decades" and "… after eight decades"). An outlet that rewrites a copy's
/// headline reorders it or keeps its facts, which the copy's text says.
pub fn titles_swap_a_word(one: (&str, &str), other: (&str, &str)) -> bool {
    let (mine, theirs) = (title_tokens(one.0), title_tokens(other.0));
    let common = common_subsequence(&mine, &theirs);
    if common * 5 < mine.len().max(theirs.len()) * 3 {
        return false;
    }
    let says = |(title, text): (&str, &str)| -> std::collections::HashSet<String> {
        title_tokens(title)
            .into_iter()
            .chain(title_tokens(text))
            .collect()
    };
    let (said_by_one, said_by_other) = (says(one), says(other));
    mine.iter().any(|w| !said_by_other.contains(w)) && theirs.iter().any(|w| !said_by_one.contains(w))
}

/// A title's words, folded, in order; Chinese characters one by one (Chinese writes no
/// spaces).
fn title_tokens(title: &str) -> Vec<String> {
    let folded = event::headline(title).to_lowercase();
    let mut out = Vec::new();
    for word in gazetteer::words(&folded) {
        if word.chars().any(gazetteer::is_han) {
            out.extend(word.chars().map(String::from));
        } else {
            out.push(gazetteer::fold_word(word));
        }
    }
    out
}

/// The length of the longest common subsequence of two short sequences.
fn common_subsequence(a: &[String], b: &[String]) -> usize {
    let mut row = vec![0usize; b.len() + 1];
    for x in a {
        let mut diagonal = 0;
        for (j, y) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if x == y { diagonal + 1 } else { above.max(row[j]) };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The names of a title, as [`event::read`] folds them.
fn title_names(title: &str, lang: Option<&str>) -> Vec<(event::Kind, String)> {
    event::read(title, "", lang, None)
        .into_iter()
        .filter(|(d, _)| {
            matches!(
                d.kind,
                event::Kind::LatinName | event::Kind::CyrillicName | event::Kind::HanName
            )
        })
        .map(|(d, _)| (d.kind, d.value))
        .collect()
}

/// How much of a text's start is its lead.
pub const LEAD_CHARS: usize = 400;

impl Report {
    /// Reads a report's headline and text. The details come from the lead (the text's first
    /// [`LEAD_CHARS`] characters; the headline when there is no text): headlines are rewritten
    /// by every outlet that copies a text ("Dozens of states …" over "Sixty-five states …"),
    /// the lead much less, and a look-alike's lead names its own city, count or person.
    pub fn of(title: &str, text: &str) -> Report {
        let title = event::headline(title);
        let lead: String = if text.trim().is_empty() {
            title.to_string()
        } else {
            text.chars().take(LEAD_CHARS).collect()
        };
        // The last word of a cut lead may be cut too.
        let lead = match lead.rfind(char::is_whitespace) {
            Some(end) if lead.chars().count() >= LEAD_CHARS => lead[..end].to_string(),
            _ => lead,
        };
        let mut details = numbers(&lead);
        for word in names(&lead) {
            let folded = word.to_lowercase();
            if !details.contains(&folded) {
                details.push(folded);
            }
        }
        // A headline in a script without capitals (Chinese, Arabic) shows no names by their
        // capital: each of its words (pairs of characters in Chinese) that the lead repeats
        // counts as one. What a story is about is in both, and a look-alike swaps it (a
        // person, a city); an outlet that rewrites the headline keeps the lead.
        if !title.chars().any(|c| c.is_uppercase() || c.is_lowercase()) {
            let lead = lead.to_lowercase();
            for word in uncased_words(title) {
                if lead.contains(&word) && !details.contains(&word) {
                    details.push(word);
                }
            }
        }
        let folded = format!("{title}\n{text}").to_lowercase();
        let numbers = numbers(&folded);
        Report {
            details,
            folded,
            numbers,
        }
    }

    /// Whether the report says `detail` (a folded word or a number) anywhere, as a whole word.
    fn says(&self, detail: &str) -> bool {
        if detail.starts_with(|c: char| c.is_ascii_digit()) {
            return self.numbers.iter().any(|n| n == detail);
        }
        if detail.starts_with(gazetteer::is_han) {
            return self.folded.contains(detail);
        }
        self.folded.match_indices(detail).any(|(at, _)| {
            let before = self.folded[..at].chars().next_back();
            let after = self.folded[at + detail.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    }

    /// Whether this report's lead names something the other report never says.
    fn names_more_than(&self, other: &Report) -> bool {
        self.details.iter().any(|d| !other.says(d))
    }

    /// Whether the two reports are of different events: each lead names something (a number,
    /// a place, a person) the other report never says. A copy carries the same text, and what
    /// it adds (a dateline, an outlet's name) is on one side only; a look-alike swaps names
    /// throughout (another city, another count, another person).
    pub fn conflicts_with(&self, other: &Report) -> bool {
        self.names_more_than(other) && other.names_more_than(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_in_every_numeral_system() {
        assert_eq!(numbers("Forest fires burn 7,800 hectares"), ["7800"]);
        assert_eq!(numbers("sales up 9.9% in October, 2-1"), ["9.9", "2", "1"]);
        assert_eq!(numbers("يستقطب ٦٠ شركة و٧٫٥ مليون"), ["60", "7.5"]);
        assert_eq!(numbers("۱۴۰۳"), ["1403"]);
        assert_eq!(numbers("７２か国"), ["72"]);
        assert_eq!(numbers("1.234.567 người"), ["1234567"]);
        assert_eq!(numbers("72 quốc gia ký ngày 25/10"), ["72", "25", "10"]);
    }

    fn conflict(a: &str, b: &str) -> bool {
        Report::of(a, "").conflicts_with(&Report::of(b, ""))
    }

    #[test]
    fn a_swapped_word_in_one_template_is_another_event() {
        let swap = |a: &str, b: &str| titles_swap_a_word((a, ""), (b, ""));
        assert!(swap(
            "Coach Kenji Sato leaves Da Nang club after nine seasons",
            "Coach Emily Carter leaves Da Nang club after nine seasons"
        ));
        assert!(swap(
            "Stolen statue back on display in Chile after eight decades",
            "Stolen statue back on display in Chile after four decades"
        ));
        assert!(swap(
            "导演安娜·库兹涅佐娃将在肯尼亚拍摄新片",
            "导演佐藤健二将在肯尼亚拍摄新片"
        ));
        // A rewritten headline is no template, and a copy's says what the other's text says.
        assert!(!swap(
            "Talks on protocol to UN cybercrime convention open in Vienna",
            "Vienna talks on cybercrime protocol begin amid divisions"
        ));
        assert!(!titles_swap_a_word(
            (
                "Sixty-five countries sign UN cybercrime treaty in Hanoi",
                "Dozens of countries signed."
            ),
            (
                "Dozens of countries sign UN cybercrime treaty in Hanoi",
                "Sixty-five countries signed."
            )
        ));
        assert!(!swap(
            "Kenya signs the convention",
            "UPDATE: Kenya signs the convention"
        ));
    }

    #[test]
    fn a_name_on_one_side_and_a_date_on_the_other_differ() {
        let en = Some("en");
        let report = |title: &'static str, text: &'static str| {
            let published = "2025-11-20T09:00:00Z".parse().ok();
            (title, text, event::Event::of(title, text, en, published))
        };
        let differ = |a: &(&str, &str, event::Event), b: &(&str, &str, event::Event)| {
            headlines_differ((a.0, a.1, &a.2), (b.0, b.1, &b.2), en)
        };
        let signs = report(
            "Chen Jing signs the cybercrime convention on behalf of Senegal",
            "Senegal signed the convention at a ceremony on Thursday.",
        );
        let vote = report(
            "Senegal's parliament to vote on the cybercrime convention on 29 November",
            "Lawmakers will vote on ratification next week.",
        );
        assert!(differ(&signs, &vote));
        // Places, numbers and dates alone do not tell them apart: the signing says none.
        assert!(!signs.2.conflicts_with(&vote.2));
        // Another report of the signing names what the first says: one event.
        let again = report(
            "Senegal signs UN cybercrime treaty",
            "Ambassador Chen Jing signed for Senegal on Thursday.",
        );
        assert!(!differ(&signs, &again));
        assert!(!differ(&again, &signs));
    }

    #[test]
    fn titles_about_other_people_differ() {
        let en = Some("en");
        assert!(title_names_differ(
            ("Swimmer Aminata Sow wins seven gold medals in Doha", ""),
            ("Swimmer Siti Rahmawati wins seven gold medals in Doha", ""),
            en
        ));
        // A title naming no one, or one the other report names too, does not.
        assert!(!title_names_differ(
            (
                "72 countries sign UN convention in Hanoi",
                "Secretary-General Guterres spoke."
            ),
            ("In Hanoi, Guterres hails the treaty", ""),
            en
        ));
    }

    #[test]
    fn look_alikes_conflict_and_copies_do_not() {
        // Another person, another city, another count: another event.
        assert!(conflict(
            "Swimmer Rahul Mehta wins seven gold medals at the championships in Kuala Lumpur",
            "Swimmer Javier Morales wins seven gold medals at the championships in Kuala Lumpur"
        ));
        assert!(conflict(
            "La feria comercial de Riad atrae a 30 empresas extranjeras",
            "La feria comercial de Marsella atrae a 60 empresas extranjeras"
        ));
        assert!(conflict(
            "معرض تجاري في مرسيليا يستقطب 60 شركة أجنبية",
            "معرض تجاري في الرياض يستقطب 30 شركة أجنبية"
        ));
        assert!(conflict(
            "On Monday Viet Nam signed the UN Convention against Cybercrime",
            "On Monday Kenya signed the UN Convention against Cybercrime"
        ));
        // A sentence's first word is no name: "Earlier, …" in one copy's lead only.
        let text = "The delegation signed the Convention in Hanoi on Saturday.";
        let longer = Report::of("", &format!("{text} Earlier, rights groups criticised it."));
        let dated = Report::of("", &format!("HANOI (Agency) — {text}"));
        assert!(!longer.conflicts_with(&dated));
        // Without capitals, a headline's words that its lead repeats are its names.
        assert!(conflict(
            "导演安娜·库兹涅佐娃将在肯尼亚拍摄新片",
            "导演佐藤健二将在肯尼亚拍摄新片"
        ));
        assert!(conflict(
            "وزيرة الصحة أميناتا سو تكشف عن خطة لتقليص فترات الانتظار",
            "وزيرة الصحة بريا شارما تكشف عن خطة لتقليص فترات الانتظار"
        ));
        // A rewritten headline over the same lead is a copy.
        let lead = "72个国家星期六在河内签署了公约。";
        let rewritten = Report::of("河内签署仪式举行", lead);
        let copy = Report::of("数十国签署联合国公约", lead);
        assert!(!rewritten.conflicts_with(&copy) && !copy.conflicts_with(&rewritten));
        assert!(!conflict(
            "更新：72个国家在河内签署公约",
            "72个国家在河内签署公约。"
        ));
        assert!(!conflict(
            "«72 دولة توقع في هانوي»",
            "72 دولة توقع في هانوي - أخبار الرياض #52"
        ));
        assert!(conflict(
            "72 states sign the UN Convention against Cybercrime in Hanoi",
            "65 states sign the UN Convention against Cybercrime in Hanoi"
        ));
        // Copies: a prefix, an outlet's suffix, capitals.
        for (a, b) in [
            (
                "Qatar beat hosts 2-1 in Lyon friendly",
                "UPDATE: Qatar beat hosts 2-1 in Lyon friendly",
            ),
            (
                "Khalid al-Mansouri named head of the central bank of Brazil",
                "Khalid al-Mansouri named head of the central bank of Brazil - New Delhi Daily News #2",
            ),
            (
                "Electric car sales in France up 9.9% in October",
                "ELECTRIC CAR SALES IN FRANCE UP 9.9% IN OCTOBER",
            ),
            ("Hà Nội đón 72 quốc gia", "Hà Nội đón 72 quốc gia"),
        ] {
            assert!(!conflict(a, b), "{a} / {b}");
            assert!(!conflict(b, a), "{b} / {a}");
        }
        // Rewritten headlines and a dateline over one text: a copy.
        let text = "Sixty-five states signed the UN Convention against Cybercrime on Saturday in the Vietnamese capital, Viet Nam's foreign ministry said.";
        let wire = Report::of(
            "Dozens of states sign UN cybercrime treaty in Hanoi",
            &format!("HANOI (Wire) — {text}"),
        );
        let paper = Report::of("UN cybercrime treaty signed by 65 nations in Vietnam", text);
        assert!(!wire.conflicts_with(&paper) && !paper.conflicts_with(&wire));
        // The same lead with another city and count: a look-alike.
        let other = Report::of(
            "UN cybercrime treaty signed by 40 nations",
            &text
                .replace("Sixty-five", "Forty")
                .replace("Vietnamese", "Kenyan")
                .replace("Viet Nam", "Kenya"),
        );
        assert!(other.conflicts_with(&paper));
    }
}
