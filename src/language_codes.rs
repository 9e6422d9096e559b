//! Language codes: the ISO 639 codes we store and configure, and whatlang's languages behind
//! them. Shared by the config (which validates codes) and the language stage (which detects).

use whatlang::Lang;

/// ISO 639-1 code for a whatlang language where one exists, else its ISO 639-3 code.
pub fn code(lang: Lang) -> String {
    let two = match lang {
        Lang::Ara => "ar",
        Lang::Cmn => "zh",
        Lang::Eng => "en",
        Lang::Fra => "fr",
        Lang::Rus => "ru",
        Lang::Spa => "es",
        Lang::Vie => "vi",
        Lang::Deu => "de",
        Lang::Por => "pt",
        Lang::Ita => "it",
        Lang::Nld => "nl",
        Lang::Pol => "pl",
        Lang::Ukr => "uk",
        Lang::Tur => "tr",
        Lang::Pes => "fa",
        Lang::Urd => "ur",
        Lang::Hin => "hi",
        Lang::Jpn => "ja",
        Lang::Kor => "ko",
        Lang::Ind => "id",
        Lang::Tha => "th",
        Lang::Heb => "he",
        Lang::Ell => "el",
        Lang::Swe => "sv",
        Lang::Ces => "cs",
        Lang::Ron => "ro",
        Lang::Hun => "hu",
        Lang::Tgl => "tl",
        _ => return lang.code().to_string(),
    };
    two.to_string()
}

/// The whatlang language for an ISO 639-1 (or 639-3) code.
pub fn lang_of_code(code: &str) -> Option<Lang> {
    let code = code.trim().to_ascii_lowercase();
    Lang::all()
        .iter()
        .copied()
        .find(|l| self::code(*l) == code || l.code() == code)
}

/// Turns a declared language ("vi-VN", "AR", "zh_CN", "ara") into our code, if it looks like one.
pub fn normalize_hint(hint: &str) -> Option<String> {
    let primary = hint.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    match primary.len() {
        2 if primary.bytes().all(|b| b.is_ascii_lowercase()) => Some(primary),
        3 => Lang::from_code(&primary).map(code),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_languages() {
        assert_eq!(lang_of_code("vi"), Some(Lang::Vie));
        assert_eq!(lang_of_code("ZH"), Some(Lang::Cmn));
        assert_eq!(lang_of_code("ara"), Some(Lang::Ara));
        assert_eq!(lang_of_code("xx"), None);
    }

    #[test]
    fn hints_are_normalized() {
        assert_eq!(normalize_hint("vi-VN").as_deref(), Some("vi"));
        assert_eq!(normalize_hint("AR").as_deref(), Some("ar"));
        assert_eq!(normalize_hint("zh_CN").as_deref(), Some("zh"));
        assert_eq!(normalize_hint("ara").as_deref(), Some("ar"));
        assert_eq!(normalize_hint("english"), None);
    }
}
