//! `[[topic]]`: what articles are about, as the config writes it, and the built-in topic that
//! applies when the config defines none.

use std::collections::BTreeMap;

use serde::Deserialize;

/// A topic as the config writes it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicConfig {
    /// Unique name, shown in the CLI and digests.
    pub name: String,
    /// Phrases that mean "this is about it", by language code.
    #[serde(default)]
    pub phrases: BTreeMap<String, Vec<String>>,
    /// Phrases that mean "this is about something else", by language code; any one vetoes.
    #[serde(default)]
    pub exclude: BTreeMap<String, Vec<String>>,
    /// The people and bodies its news names, each by an id with its spellings in any
    /// language: a report naming one says the same in every language.
    #[serde(default)]
    pub actors: BTreeMap<String, Vec<String>>,
    /// Score needed to match: 1 is one phrase in the body (a phrase in the title scores 2).
    #[serde(default = "default_min_score")]
    pub min_score: f64,
    /// Words allowed between two words of a phrase of three or more words ("the UN's new
    /// cybercrime treaty"). Two-word names and Vietnamese phrases (whose words are syllables)
    /// must appear as written: "Hanoi National Convention Center" is not the Hanoi Convention.
    #[serde(default = "default_max_gap")]
    pub max_gap: usize,
}

fn default_min_score() -> f64 {
    1.0
}
fn default_max_gap() -> usize {
    2
}

/// The name of the topic treatywatch watches when the config defines none.
pub const BUILTIN_TOPIC: &str = "un-cybercrime-convention";

/// The built-in topic: the convention's names in the seven languages and the ways outlets
/// shorten them. Deliberately absent: "Convention on Cybercrime" alone and its translations,
/// which name the Council of Europe's Budapest Convention.
pub fn builtin_topic() -> TopicConfig {
    let lists: [(&str, &[&str]); 7] = [
        (
            "en",
            &[
                "UN Convention against Cybercrime",
                "United Nations Convention against Cybercrime",
                "Convention against Cybercrime",
                "UN cybercrime convention",
                "UN cybercrime treaty",
                "United Nations cybercrime convention",
                "United Nations cybercrime treaty",
                "UN convention on cybercrime",
                "UN treaty on cybercrime",
                "Hanoi Convention",
            ],
        ),
        (
            "vi",
            &[
                "Công ước của Liên hợp quốc về chống tội phạm mạng",
                "Công ước Liên hợp quốc về chống tội phạm mạng",
                "Công ước LHQ về chống tội phạm mạng",
                "Công ước về chống tội phạm mạng",
                "Công ước chống tội phạm mạng",
                "Công ước Hà Nội",
            ],
        ),
        (
            "ar",
            &[
                "اتفاقية الأمم المتحدة لمكافحة الجريمة السيبرانية",
                "اتفاقية الأمم المتحدة لمكافحة الجرائم السيبرانية",
                "اتفاقية الأمم المتحدة لمكافحة الجرائم الإلكترونية",
                "اتفاقية الأمم المتحدة لمكافحة الجريمة الإلكترونية",
                "اتفاقية الأمم المتحدة بشأن الجرائم الإلكترونية",
                "اتفاقية مكافحة الجرائم الإلكترونية",
                "اتفاقية مكافحة الجريمة السيبرانية",
                "اتفاقية هانوي",
            ],
        ),
        (
            "fr",
            &[
                "Convention des Nations Unies contre la cybercriminalité",
                "Convention de l'ONU contre la cybercriminalité",
                "convention contre la cybercriminalité",
                "traité de l'ONU sur la cybercriminalité",
                "convention de l'ONU sur la cybercriminalité",
                "Convention de Hanoï",
                "Convention de Hanoi",
            ],
        ),
        (
            "es",
            &[
                "Convención de las Naciones Unidas contra la Ciberdelincuencia",
                "Convención de la ONU contra la Ciberdelincuencia",
                "Convención contra la Ciberdelincuencia",
                "tratado de la ONU sobre ciberdelincuencia",
                "tratado de la ONU contra la ciberdelincuencia",
                "Convención de Hanói",
                "Convención de Hanoi",
            ],
        ),
        (
            "ru",
            &[
                "Конвенция ООН против киберпреступности",
                "Конвенция Организации Объединенных Наций против киберпреступности",
                "Конвенция ООН о борьбе с киберпреступностью",
                "Конвенция ООН о противодействии киберпреступности",
                "конвенция против киберпреступности",
                "Ханойская конвенция",
            ],
        ),
        (
            "zh",
            &[
                "联合国打击网络犯罪公约",
                "打击网络犯罪公约",
                "联合国网络犯罪公约",
                "河内公约",
            ],
        ),
    ];
    TopicConfig {
        name: BUILTIN_TOPIC.to_string(),
        phrases: lists
            .iter()
            .map(|(lang, phrases)| (lang.to_string(), phrases.iter().map(|p| p.to_string()).collect()))
            .collect(),
        exclude: BTreeMap::new(),
        actors: builtin_actors(),
        min_score: default_min_score(),
        max_gap: default_max_gap(),
    }
}

/// The convention's actors, for the built-in topic: its secretariat and head, the
/// Secretary-General, the host country's leaders, the venue of its signing.
pub fn builtin_actors() -> BTreeMap<String, Vec<String>> {
    let actors: [(&str, &[&str]); 8] = [
        (
            "guterres",
            &[
                "António Guterres",
                "Antonio Guterres",
                "Guterres",
                "Гутерриш",
                "Гутерреш",
                "古特雷斯",
                "غوتيريش",
                "غوتيريس",
            ],
        ),
        (
            "unodc",
            &[
                "UNODC",
                "ONUDC",
                "UNODOC",
                "UNDOC",
                "УНП ООН",
                "联合国毒品和犯罪问题办公室",
                "毒罪办",
                "مكتب الأمم المتحدة المعني بالمخدرات والجريمة",
            ],
        ),
        (
            "ghada-waly",
            &[
                "Ghada Waly",
                "Waly",
                "Гада Вали",
                "加达·瓦利",
                "瓦利",
                "غادة والي",
            ],
        ),
        (
            "luong-cuong",
            &["Lương Cường", "Luong Cuong", "Лыонг Кыонг", "梁强", "لوونغ كوونغ"],
        ),
        (
            "pham-minh-chinh",
            &[
                "Phạm Minh Chính",
                "Pham Minh Chinh",
                "Фам Минь Тинь",
                "Фам Минь Чинь",
                "范明政",
                "فام مينه تشينه",
            ],
        ),
        (
            "luong-tam-quang",
            &["Lương Tam Quang", "Luong Tam Quang", "Лыонг Там Куанг", "梁三光"],
        ),
        (
            "ad-hoc-committee",
            &[
                "Ad Hoc Committee",
                "Comité spécial",
                "Comité Especial",
                "Специальный комитет",
                "Ủy ban đặc biệt",
                "特设委员会",
                "اللجنة المخصصة",
            ],
        ),
        (
            "national-convention-center",
            &[
                "National Convention Center",
                "National Convention Centre",
                "Trung tâm Hội nghị Quốc gia",
                "Centre national des congrès",
                "Centro Nacional de Convenciones",
                "Национальный конференц-центр",
                "国家会议中心",
                "المركز الوطني للمؤتمرات",
            ],
        ),
    ];
    actors
        .iter()
        .map(|(id, names)| (id.to_string(), names.iter().map(|n| n.to_string()).collect()))
        .collect()
}
