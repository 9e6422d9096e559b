//! The digest's own words in its seven locales: headings, counts, the subject, "nothing new".
//! Everything else in a digest is the articles' own text, in their own languages.

use serde::Serialize;

/// The locales a digest can be written in.
pub const LOCALES: &[&str] = &["en", "fr", "es", "ru", "zh", "ar", "vi"];

/// The fixed words of one locale.
#[derive(Debug, Clone, Serialize)]
pub struct Words {
    /// The locale's code (`lang` of the document).
    pub code: &'static str,
    /// Whether the locale is written right to left.
    pub rtl: bool,
    /// The built-in topic's name.
    pub treaty: &'static str,
    /// "{stories} stories in {languages} languages" (placeholders replaced when rendering),
    /// with the nouns of [`Words::story`] and [`Words::language`].
    pub summary: &'static str,
    /// The story noun, singular and plural (`{story}` in `summary`).
    pub story: (&'static str, &'static str),
    /// The language noun, singular and plural (`{language}` in `summary`).
    pub language: (&'static str, &'static str),
    /// The heading over the counts.
    pub coverage: &'static str,
    /// "Languages".
    pub languages: &'static str,
    /// "Outlets".
    pub outlets: &'static str,
    /// The mark of a story seen before that gained a language.
    pub update: &'static str,
    /// "Versions" of a story.
    pub versions: &'static str,
    /// "Matched".
    pub matched: &'static str,
    /// The heading over the stories listed by title only.
    pub more: &'static str,
    /// The heading over feeds that started failing.
    pub failing: &'static str,
    /// The text of an empty digest.
    pub nothing_new: &'static str,
    /// "{n} more stories are not listed here." (where a size budget ran out).
    pub omitted: &'static str,
    /// "Since" (before the start of the window).
    pub since: &'static str,
}

/// The words of `code`, English for any other code (config validation allows only [`LOCALES`]).
pub fn words(code: &str) -> Words {
    match code {
        "fr" => Words {
            code: "fr",
            rtl: false,
            treaty: "Convention des Nations Unies contre la cybercriminalité",
            summary: "{stories} {story} en {languages} {language}",
            story: ("sujet", "sujets"),
            language: ("langue", "langues"),
            coverage: "Couverture",
            languages: "Langues",
            outlets: "Médias",
            update: "Nouvelle langue",
            versions: "Versions",
            matched: "Termes trouvés",
            more: "Autres sujets",
            failing: "Flux en échec depuis le dernier résumé",
            nothing_new: "Rien de nouveau depuis le dernier résumé.",
            omitted: "Autres sujets non listés ici : {n}.",
            since: "Depuis",
        },
        "es" => Words {
            code: "es",
            rtl: false,
            treaty: "Convención de las Naciones Unidas contra la Ciberdelincuencia",
            summary: "{stories} {story} en {languages} {language}",
            story: ("noticia", "noticias"),
            language: ("idioma", "idiomas"),
            coverage: "Cobertura",
            languages: "Idiomas",
            outlets: "Medios",
            update: "Nuevo idioma",
            versions: "Versiones",
            matched: "Términos encontrados",
            more: "Otras noticias",
            failing: "Fuentes con errores desde el último resumen",
            nothing_new: "Nada nuevo desde el último resumen.",
            omitted: "Otras noticias no incluidas aquí: {n}.",
            since: "Desde",
        },
        "ru" => Words {
            code: "ru",
            rtl: false,
            treaty: "Конвенция ООН против киберпреступности",
            summary: "сюжеты: {stories}, языки: {languages}",
            story: ("", ""),
            language: ("", ""),
            coverage: "Охват",
            languages: "Языки",
            outlets: "Источники",
            update: "Новый язык",
            versions: "Публикации",
            matched: "Найдено",
            more: "Другие сюжеты",
            failing: "Ленты с ошибками после прошлой сводки",
            nothing_new: "С прошлой сводки ничего нового.",
            omitted: "Ещё сюжеты, не вошедшие сюда: {n}.",
            since: "С",
        },
        "zh" => Words {
            code: "zh-Hans",
            rtl: false,
            treaty: "联合国打击网络犯罪公约",
            summary: "{languages} 种语言的 {stories} 条报道",
            story: ("", ""),
            language: ("", ""),
            coverage: "报道概况",
            languages: "语言",
            outlets: "媒体",
            update: "新增语言",
            versions: "各版本",
            matched: "匹配词",
            more: "其他报道",
            failing: "自上次摘要以来出错的信息源",
            nothing_new: "自上次摘要以来没有新内容。",
            omitted: "另有 {n} 条报道未在此列出。",
            since: "起始",
        },
        "ar" => Words {
            code: "ar",
            rtl: true,
            treaty: "اتفاقية الأمم المتحدة لمكافحة الجرائم الإلكترونية",
            summary: "الأخبار: {stories}، اللغات: {languages}",
            story: ("", ""),
            language: ("", ""),
            coverage: "التغطية",
            languages: "اللغات",
            outlets: "المصادر",
            update: "لغة جديدة",
            versions: "النسخ",
            matched: "العبارات المطابقة",
            more: "أخبار أخرى",
            failing: "مصادر تتعطل منذ الملخص السابق",
            nothing_new: "لا جديد منذ الملخص السابق.",
            omitted: "أخبار أخرى غير مدرجة هنا: {n}.",
            since: "منذ",
        },
        "vi" => Words {
            code: "vi",
            rtl: false,
            treaty: "Công ước của Liên hợp quốc về chống tội phạm mạng",
            summary: "{stories} tin bằng {languages} ngôn ngữ",
            story: ("", ""),
            language: ("", ""),
            coverage: "Mức độ đưa tin",
            languages: "Ngôn ngữ",
            outlets: "Nguồn tin",
            update: "Thêm ngôn ngữ",
            versions: "Các bản tin",
            matched: "Cụm từ khớp",
            more: "Tin khác",
            failing: "Nguồn tin gặp lỗi từ bản tổng hợp trước",
            nothing_new: "Không có tin mới từ bản tổng hợp trước.",
            omitted: "Còn {n} tin khác không được liệt kê ở đây.",
            since: "Từ",
        },
        _ => Words {
            code: "en",
            rtl: false,
            treaty: "UN Convention against Cybercrime",
            summary: "{stories} {story} in {languages} {language}",
            story: ("story", "stories"),
            language: ("language", "languages"),
            coverage: "Coverage",
            languages: "Languages",
            outlets: "Outlets",
            update: "New language",
            versions: "Versions",
            matched: "Matched",
            more: "More stories",
            failing: "Feeds failing since the last digest",
            nothing_new: "Nothing new since the last digest.",
            omitted: "{n} more stories are not listed here.",
            since: "Since",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_locale_has_its_own_words() {
        let english = words("en");
        for code in LOCALES {
            let w = words(code);
            assert!(w.code.starts_with(code), "{code}");
            assert!(
                w.summary.contains("{stories}") && w.summary.contains("{languages}"),
                "{code}"
            );
            if *code != "en" {
                assert_ne!(w.nothing_new, english.nothing_new, "{code}");
                assert_ne!(w.treaty, english.treaty, "{code}");
            }
        }
        assert!(words("ar").rtl);
    }
}
