//! Text normalisation for matching, shared by topics and fingerprints: NFKC, case folding and
//! the letter variants writers use interchangeably, so that one phrase or one text compares
//! equal however it was typed.

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// NFKC, lower case, and the letter variants that writers use interchangeably: Arabic
/// diacritics and tatweel dropped, alef forms to bare alef, the other hamza carriers to their
/// bare letters, ta marbuta to ha, alef maqsura to ya; Russian ё to е; typographic apostrophes to a plain one.
pub fn normalize(text: &str) -> String {
    // Most text already is NFKC; composing it again is the costliest step here. Arabic
    // diacritics are combining marks that make the quick check unsure, and are dropped anyway.
    let stripped: String;
    let text = if text.chars().any(is_arabic_mark) {
        stripped = text.chars().filter(|c| !is_arabic_mark(*c)).collect();
        stripped.as_str()
    } else {
        text
    };
    if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        return fold(text.chars(), text.len());
    }
    fold(text.nfkc(), text.len())
}

/// Whether `c` is part of a word: `char::is_alphanumeric`, answered without a table search for
/// the scripts we watch (that search dominated tokenising Arabic, Russian and Vietnamese).
pub fn is_word_char(c: char) -> bool {
    match c {
        c if c.is_ascii() => c.is_ascii_alphanumeric(),
        '\u{00C0}'..='\u{00D6}' | '\u{00D8}'..='\u{00F6}' | '\u{00F8}'..='\u{024F}' => true,
        '\u{0400}'..='\u{0481}' | '\u{048A}'..='\u{04FF}' => true,
        '\u{0621}'..='\u{064A}' | '\u{0660}'..='\u{0669}' | '\u{0671}'..='\u{06D3}' => true,
        '\u{1EA0}'..='\u{1EF9}' => true,
        '\u{4E00}'..='\u{9FFF}' => true,
        '\u{060C}' | '\u{061B}' | '\u{061F}' | '\u{2000}'..='\u{206F}' => false,
        c => c.is_alphanumeric(),
    }
}

/// Harakat, tanween, shadda, sukun, superscript alef, Quranic marks, and tatweel.
fn is_arabic_mark(c: char) -> bool {
    matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}' | '\u{0640}')
}

/// Lower case and letter variants (see [`normalize`]) over already-composed characters.
fn fold(chars: impl Iterator<Item = char>, capacity: usize) -> String {
    let mut out = String::with_capacity(capacity);
    for c in chars {
        // Most characters of most texts: spaces, digits, punctuation, Latin letters.
        if c.is_ascii() {
            out.push(if c == '`' { '\'' } else { c.to_ascii_lowercase() });
            continue;
        }
        fold_char(c, &mut out);
    }
    out
}

fn fold_char(c: char, out: &mut String) {
    for c in c.to_lowercase() {
        match c {
            // Marks that NFKC produced from presentation forms.
            c if is_arabic_mark(c) => {}
            'أ' | 'إ' | 'آ' | 'ٱ' => out.push('ا'),
            // The other letters that carry a hamza or madda, which written apart is a mark
            // and dropped: composed or not, they read alike.
            'ؤ' => out.push('و'),
            'ئ' => out.push('ي'),
            'ۀ' => out.push('ە'),
            'ۂ' => out.push('ہ'),
            'ۓ' => out.push('ے'),
            'ة' => out.push('ه'),
            'ى' => out.push('ي'),
            'ё' => out.push('е'),
            '\u{2019}' | '\u{2018}' => out.push('\''),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_chars_agree_with_the_standard_library() {
        for c in (0..0x2_0000u32).filter_map(char::from_u32) {
            assert_eq!(is_word_char(c), c.is_alphanumeric(), "{c:?} U+{:04X}", c as u32);
        }
    }

    #[test]
    fn normalization() {
        assert_eq!(normalize("ﺍﻻﺗﻔﺎﻗﻴﺔ"), "الاتفاقيه");
        assert_eq!(normalize("Объединённых"), "объединенных");
        assert_eq!(normalize("ONU’s"), "onu's");
        assert_eq!(normalize("أُمَمٌ"), "امم");
        // A hamza carrier composed, and its letter with the hamza written apart.
        assert_eq!(normalize("مسؤول"), normalize("مسو\u{654}ول"));
        assert_eq!(normalize("هيئة"), "هييه");
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::normalize;

    /// Text as our seven languages write it, with the variants writers mix: Arabic with
    /// diacritics, tatweel and alef forms, Vietnamese precomposed and decomposed, Russian ё,
    /// full-width and compatibility forms, typographic apostrophes; and anything else.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Zàáâãèéêìíòóôõùúýăđĩũơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ \u{300}\u{301}\u{303}\u{309}\u{323}]{0,40}",
            "[ابتثجحخدذرسشصضطظعغفقكلمنهويءآأإةىـ \u{64b}-\u{652}\u{670}]{0,40}",
            "[а-яА-ЯёЁ ]{0,40}",
            "[网络犯罪公约联合国河内 ０-９Ａ-Ｚ]{0,20}",
            "['’‘ʼﬁﬂ²½ⅣＡ-Ｚ a-z]{0,30}",
            any::<String>(),
        ]
    }

    proptest! {
        #[test]
        fn normalising_twice_changes_nothing(raw in text()) {
            let once = normalize(&raw);
            prop_assert_eq!(normalize(&once), once);
        }

        #[test]
        fn decomposed_and_precomposed_text_normalise_alike(raw in text()) {
            use unicode_normalization::UnicodeNormalization;
            let composed: String = raw.nfc().collect();
            let decomposed: String = raw.nfd().collect();
            prop_assert_eq!(normalize(&composed), normalize(&decomposed));
        }
    }
}
