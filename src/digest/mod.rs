//! The daily digest: which stories a window of stored articles brings (`build`), in the words of
//! a locale (`locale`), rendered from templates (`render`), at the hour its schedule says
//! (`schedule`), or as a chat service's message (`chat`). Building reads the store and never writes it; the outbox (`store::outbox`)
//! records what was built and the sinks (`sinks`) deliver it.

pub mod chat;
pub mod desk;
pub mod locale;
pub mod outbox;
pub mod render;
pub mod schedule;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::Article;
use crate::store::{Store, StoreError};
use locale::Words;
use schedule::DigestTime;

/// The articles a digest covers: ids from `from` up to, not including, `to` (article ids grow
/// in the order articles were stored), between two times for the reader.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    /// When the window starts (the previous digest's end; `None` for the first digest).
    pub start: Option<DateTime<Utc>>,
    /// When it ends.
    pub end: DateTime<Utc>,
    /// The first article id in it.
    pub from: u64,
    /// One past the last article id in it.
    pub to: u64,
}

/// What a digest is about and how it speaks.
#[derive(Debug, Clone)]
pub struct Focus<'a> {
    /// Only stories about this topic; `None`: any topic.
    pub topic: Option<&'a str>,
    /// The locale of its own words and of the titles it prefers.
    pub locale: &'a str,
    /// Stories listed in full; the rest by title only.
    pub max_stories: usize,
    /// The time zone its times are shown in.
    pub time: &'a DigestTime,
}

/// A digest, ready to render: everything in it is plain data (no markup).
#[derive(Debug, Clone, Serialize)]
pub struct Digest {
    /// Its title: the topic's name in the locale.
    pub title: String,
    /// Its subject line: title, counts and date.
    pub subject: String,
    /// The locale's fixed words.
    pub words: Words,
    /// The window's start and end, in the digest's time zone.
    pub since: Option<String>,
    /// See `since`.
    pub until: String,
    /// The date it is for, in the digest's time zone.
    pub date: String,
    /// Stories listed in full, most widely covered first.
    pub stories: Vec<DigestStory>,
    /// Stories past `max_stories`, by title only.
    pub more: Vec<StoryTitle>,
    /// Stories not even listed by title (only where a format's size budget ran out).
    pub omitted: usize,
    /// Versions per language, over every story in it.
    pub languages: Vec<Count>,
    /// Versions per outlet, over every story in it.
    pub outlets: Vec<Count>,
    /// Feeds that started failing within the window.
    pub failing_feeds: Vec<FailingFeed>,
    /// Every story's id (full and by title), for the outbox.
    #[serde(skip)]
    pub story_ids: Vec<u64>,
}

/// One story in a digest.
#[derive(Debug, Clone, Serialize)]
pub struct DigestStory {
    /// The story's id.
    pub id: u64,
    /// Its best title: a version in the locale's language, else the earliest.
    pub title: String,
    /// That title's language, for `lang` and direction.
    pub lang: Lang,
    /// The first sentence of that version.
    pub lead: String,
    /// Seen in an earlier digest, listed again because it gained a language.
    pub update: bool,
    /// Its languages, sorted.
    pub languages: Vec<String>,
    /// Its outlets, sorted.
    pub outlets: Vec<String>,
    /// Every version, earliest first.
    pub versions: Vec<Version>,
}

/// One version of a story: an article.
#[derive(Debug, Clone, Serialize)]
pub struct Version {
    /// Its title.
    pub title: String,
    /// Its language.
    pub lang: Lang,
    /// The feed that brought it.
    pub outlet: String,
    /// Its address.
    pub url: String,
    /// When it was published (else first stored), in the digest's time zone.
    pub time: String,
    /// The phrases that matched the digest's topic.
    pub matched: Vec<String>,
}

/// A language as markup needs it.
#[derive(Debug, Clone, Serialize)]
pub struct Lang {
    /// ISO 639-1 code, or `und` when unknown.
    pub code: String,
    /// The `lang` attribute: `zh-Hans` for Chinese, so that clients pick Chinese glyphs.
    pub tag: String,
    /// `rtl` or `ltr`.
    pub dir: &'static str,
    /// `right` or `left`, for `text-align`.
    pub align: &'static str,
}

impl Lang {
    fn of(code: Option<&str>) -> Lang {
        let code = code.unwrap_or("und");
        let rtl = matches!(code, "ar" | "fa" | "ur" | "he" | "yi" | "ps");
        Lang {
            code: code.to_string(),
            tag: if code == "zh" {
                "zh-Hans".into()
            } else {
                code.to_string()
            },
            dir: if rtl { "rtl" } else { "ltr" },
            align: if rtl { "right" } else { "left" },
        }
    }
}

/// A story listed by title only.
#[derive(Debug, Clone, Serialize)]
pub struct StoryTitle {
    /// The story's id.
    pub id: u64,
    /// Its best title.
    pub title: String,
    /// That title's language.
    pub lang: Lang,
    /// Its first version's address.
    pub url: String,
}

/// A count by name.
#[derive(Debug, Clone, Serialize)]
pub struct Count {
    /// Language code or outlet name.
    pub name: String,
    /// Versions.
    pub count: usize,
}

/// A feed that started failing within the window.
#[derive(Debug, Clone, Serialize)]
pub struct FailingFeed {
    /// Its name.
    pub name: String,
    /// Why its last poll failed.
    pub error: String,
    /// Failures in a row.
    pub failures: u32,
}

impl Digest {
    /// Whether it lists no story.
    pub fn is_empty(&self) -> bool {
        self.stories.is_empty() && self.more.is_empty()
    }
}

/// Builds the digest of a window: the stories whose first article about the topic was stored
/// in it, and stories seen before that gained a language in it (marked as updates). Topics
/// follow stories: a story is about the topic when one of its articles is, and then lists
/// every version, also those that name the treaty only as "the Convention".
pub fn build(store: &Store, window: &Window, focus: &Focus) -> Result<Digest, StoreError> {
    let about = |a: &Article| match focus.topic {
        Some(topic) => a.entry.topics.iter().any(|t| t.name == topic),
        None => !a.entry.topics.is_empty(),
    };
    // The window's articles by story: those about the topic, and those in a story of several
    // articles (which may be about it through another member).
    let mut arrived: BTreeMap<u64, Vec<Article>> = BTreeMap::new();
    for article in store.articles_between(window.from, window.to)? {
        let story = store.story_of(article.id)?;
        if about(&article) || store.story(story)?.is_some() {
            arrived.entry(story).or_default().push(article);
        }
    }
    let mut candidates = Vec::new();
    for (story, new) in arrived {
        let mut versions: Vec<Article> = Vec::new();
        for id in store.story_members(story)? {
            if id >= window.to {
                continue;
            }
            match new.iter().find(|a| a.id == id) {
                Some(a) => versions.push(a.clone()),
                None => {
                    if let Some(a) = store.article(id)? {
                        versions.push(a);
                    }
                }
            }
        }
        if !versions.iter().any(about) {
            continue;
        }
        let (before, during): (Vec<&Article>, Vec<&Article>) =
            versions.iter().partition(|a| a.id < window.from);
        // Listed before: the story was about the topic before this window.
        let update = before.iter().any(|a| about(a));
        if update {
            let known: BTreeSet<Option<&str>> = before.iter().map(|a| a.entry.lang.lang.as_deref()).collect();
            if during
                .iter()
                .all(|a| known.contains(&a.entry.lang.lang.as_deref()))
            {
                continue;
            }
        }
        versions.sort_by_key(|a| (a.fetched, a.id));
        candidates.push((story, update, versions));
    }
    // Most widely covered first, then the newest.
    let breadth = |versions: &[Article]| {
        let outlets: BTreeSet<&str> = versions.iter().map(|a| a.feed.as_str()).collect();
        let languages: BTreeSet<Option<&str>> =
            versions.iter().map(|a| a.entry.lang.lang.as_deref()).collect();
        (outlets.len(), languages.len())
    };
    candidates.sort_by(|a, b| {
        breadth(&b.2)
            .cmp(&breadth(&a.2))
            .then(b.2.last().map(|v| v.fetched).cmp(&a.2.last().map(|v| v.fetched)))
            .then(a.0.cmp(&b.0))
    });

    let words = locale::words(focus.locale);
    let mut by_language: HashMap<String, usize> = HashMap::new();
    let mut by_outlet: HashMap<String, usize> = HashMap::new();
    let mut stories = Vec::new();
    let mut more = Vec::new();
    let mut story_ids = Vec::new();
    for (story, update, versions) in candidates {
        story_ids.push(story);
        for v in &versions {
            *by_language
                .entry(v.entry.lang.lang.clone().unwrap_or_else(|| "und".into()))
                .or_default() += 1;
            *by_outlet.entry(v.feed.clone()).or_default() += 1;
        }
        // Invariant: a candidate has at least one version, the article that brought it.
        let best = versions
            .iter()
            .find(|a| a.entry.lang.lang.as_deref() == Some(focus.locale))
            .unwrap_or(&versions[0]);
        if stories.len() >= focus.max_stories {
            more.push(StoryTitle {
                id: story,
                title: best.entry.title.clone(),
                lang: Lang::of(best.entry.lang.lang.as_deref()),
                url: best.entry.url.clone(),
            });
            continue;
        }
        let set = |f: &dyn Fn(&Article) -> String| -> Vec<String> {
            versions
                .iter()
                .map(f)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        };
        stories.push(DigestStory {
            id: story,
            title: best.entry.title.clone(),
            lang: Lang::of(best.entry.lang.lang.as_deref()),
            lead: lead_sentence(&best.entry.text),
            update,
            languages: set(&|a| a.entry.lang.lang.clone().unwrap_or_else(|| "und".into())),
            outlets: set(&|a| a.feed.clone()),
            versions: versions
                .iter()
                .map(|a| Version {
                    title: a.entry.title.clone(),
                    lang: Lang::of(a.entry.lang.lang.as_deref()),
                    outlet: a.feed.clone(),
                    url: a.entry.url.clone(),
                    time: focus.time.local_time(a.sort_time()),
                    matched: a
                        .entry
                        .topics
                        .iter()
                        .filter(|t| focus.topic.is_none_or(|topic| t.name == topic))
                        .flat_map(|t| t.matched.iter().cloned())
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect(),
                })
                .collect(),
        });
    }
    let counts = |map: HashMap<String, usize>| {
        let mut counts: Vec<Count> = map
            .into_iter()
            .map(|(name, count)| Count { name, count })
            .collect();
        counts.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
        counts
    };
    let mut failing_feeds: Vec<FailingFeed> = store
        .feed_states()?
        .into_iter()
        .filter(|(_, s)| s.consecutive_failures > 0)
        .filter(|(_, s)| match (window.start, s.failing_since) {
            (Some(start), Some(since)) => since >= start && since <= window.end,
            (Some(_), None) => false,
            (None, _) => true,
        })
        .map(|(name, s)| FailingFeed {
            name,
            error: s.last_error.unwrap_or_default(),
            failures: s.consecutive_failures,
        })
        .collect();
    failing_feeds.sort_by(|a, b| a.name.cmp(&b.name));

    let languages = counts(by_language);
    let title = match focus.topic {
        Some(topic) if topic != crate::config::topic::BUILTIN_TOPIC => topic.to_string(),
        _ => words.treaty.to_string(),
    };
    let date = focus.time.local_date(window.end);
    let noun =
        |n: usize, (one, many): (&str, &'static str)| if n == 1 { one.to_string() } else { many.to_string() };
    let summary = words
        .summary
        .replace("{stories}", &story_ids.len().to_string())
        .replace("{story}", &noun(story_ids.len(), words.story))
        .replace("{languages}", &languages.len().to_string())
        .replace("{language}", &noun(languages.len(), words.language));
    Ok(Digest {
        subject: format!("{title} — {summary} — {date}"),
        title,
        since: window.start.map(|t| focus.time.local_time(t)),
        until: focus.time.local_time(window.end),
        date,
        words,
        stories,
        more,
        omitted: 0,
        languages,
        outlets: counts(by_outlet),
        failing_feeds,
        story_ids,
    })
}

/// A text's first sentence (or its first 300 characters), for the lead.
fn lead_sentence(text: &str) -> String {
    let first_line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let mut end = first_line.len();
    for (i, c) in first_line.char_indices() {
        if matches!(c, '.' | '!' | '?' | '。' | '！' | '？' | '؟') && i > 20 {
            let next = first_line[i + c.len_utf8()..].chars().next();
            if next.is_none_or(|n| n.is_whitespace() || !c.is_ascii()) {
                end = i + c.len_utf8();
                break;
            }
        }
    }
    let sentence = &first_line[..end];
    if sentence.chars().count() > 300 {
        let cut: String = sentence.chars().take(299).collect();
        return format!("{cut}…");
    }
    sentence.to_string()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::DigestFormat;
    use crate::model::{Entry, FeedState};
    use render::Renderer;

    pub(crate) fn now() -> DateTime<Utc> {
        "2026-11-28T00:00:00Z".parse().unwrap()
    }

    pub(crate) fn hanoi() -> DigestTime {
        DigestTime {
            time: jiff::civil::Time::constant(7, 0, 0, 0),
            zone: jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").unwrap(),
        }
    }

    /// An entry as the pipeline stores it: judged by the default judges.
    pub(crate) fn judged(url: &str, title: &str, text: &str, cited: &[&str]) -> Entry {
        Entry {
            cited: cited.iter().map(|c| c.to_string()).collect(),
            ..crate::pipeline::judge::judged_for_test(url, title, text, None, None)
        }
    }

    const EN: &str = "More than sixty countries signed the United Nations Convention against Cybercrime in Hanoi on Saturday. Rights groups objected.";
    const AR: &str =
        "وقعت أكثر من ستين دولة على اتفاقية الأمم المتحدة لمكافحة الجرائم الإلكترونية في هانوي يوم السبت.";
    const VI: &str =
        "Hơn 60 quốc gia đã ký Công ước của Liên hợp quốc về chống tội phạm mạng tại Hà Nội hôm thứ Bảy.";

    fn window(store: &Store, from: u64, start: Option<DateTime<Utc>>, end: DateTime<Utc>) -> Window {
        Window {
            start,
            end,
            from,
            to: store.article_id_end().unwrap(),
        }
    }

    #[test]
    fn a_digest_lists_new_stories_once_and_updates_when_a_language_arrives() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let time = hanoi();
        let focus = Focus {
            topic: Some(crate::config::topic::BUILTIN_TOPIC),
            locale: "ar",
            max_stories: 10,
            time: &time,
        };
        let wire = judged(
            "https://wire.example/a",
            "Sixty states sign the UN Convention against Cybercrime",
            EN,
            &[],
        );
        let arabic = judged(
            "https://ar.example/b",
            "ستون دولة توقع اتفاقية الأمم المتحدة لمكافحة الجرائم الإلكترونية",
            AR,
            &["https://wire.example/a"],
        );
        let other = judged(
            "https://other.example/c",
            "Harvest up",
            "Farmers expect one of the best harvests in a decade after strong rains this season.",
            &[],
        );
        store.upsert_entries("wire", &[wire], now()).unwrap();
        store.upsert_entries("arabic", &[arabic, other], now()).unwrap();
        let first = build(&store, &window(&store, 0, None, now()), &focus).unwrap();
        assert_eq!(first.stories.len(), 1, "{first:#?}");
        let story = &first.stories[0];
        // The locale's language has a version: its title leads, marked right-to-left.
        assert_eq!(
            story.title,
            "ستون دولة توقع اتفاقية الأمم المتحدة لمكافحة الجرائم الإلكترونية"
        );
        assert_eq!((story.lang.dir, story.lang.align), ("rtl", "right"));
        assert_eq!(story.languages, ["ar", "en"]);
        assert_eq!(story.outlets, ["arabic", "wire"]);
        assert!(!story.update);
        assert_eq!(story.versions.len(), 2);
        assert!(
            story.versions[0]
                .matched
                .iter()
                .any(|m| m == "United Nations Convention against Cybercrime"),
            "{:?}",
            story.versions[0]
        );
        assert_eq!(first.words.code, "ar");
        assert!(
            first.subject.starts_with(
                "اتفاقية الأمم المتحدة لمكافحة الجرائم الإلكترونية — الأخبار: 1، اللغات: 2 — 2026-11-28"
            ),
            "{}",
            first.subject
        );

        // The next window: another copy in a known language is not news; a new language is.
        let from = store.article_id_end().unwrap();
        let later = now() + chrono::Duration::days(1);
        let copy = judged(
            "https://paper.example/d",
            "Sixty states sign the UN Convention against Cybercrime",
            &format!("{EN} More follows."),
            &[],
        );
        store.upsert_entries("paper", &[copy], later).unwrap();
        let second = build(&store, &window(&store, from, Some(now()), later), &focus).unwrap();
        assert!(second.is_empty(), "{second:#?}");
        let from = store.article_id_end().unwrap();
        let vietnamese = judged(
            "https://vi.example/e",
            "Hơn 60 nước ký Công ước của Liên hợp quốc về chống tội phạm mạng",
            VI,
            &["https://wire.example/a"],
        );
        store.upsert_entries("vi", &[vietnamese], later).unwrap();
        let third = build(&store, &window(&store, from, Some(later), later), &focus).unwrap();
        assert_eq!(third.stories.len(), 1);
        assert!(third.stories[0].update);
        assert_eq!(third.stories[0].languages, ["ar", "en", "vi"]);
        assert_eq!(
            third
                .languages
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
            ["en", "ar", "vi"]
        );
    }

    #[test]
    fn widely_covered_stories_come_first_and_the_rest_are_titles() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let time = hanoi();
        let lone = judged("https://lone.example/x", "Hanoi Convention: a lone report", "A single outlet reports on the Hanoi Convention and its protocol talks, which resume next year in Vienna.", &[]);
        store.upsert_entries("lone", &[lone], now()).unwrap();
        let wire = judged(
            "https://wire.example/a",
            "Sixty states sign the UN Convention against Cybercrime",
            EN,
            &[],
        );
        let arabic = judged(
            "https://ar.example/b",
            "ستون دولة توقع الاتفاقية",
            AR,
            &["https://wire.example/a"],
        );
        store.upsert_entries("wire", &[wire], now()).unwrap();
        store.upsert_entries("arabic", &[arabic], now()).unwrap();
        store
            .put_feed_state(
                "broken",
                &FeedState {
                    consecutive_failures: 2,
                    failing_since: Some(now() - chrono::Duration::hours(2)),
                    last_error: Some("http 500".into()),
                    ..Default::default()
                },
            )
            .unwrap();
        let focus = Focus {
            topic: None,
            locale: "en",
            max_stories: 1,
            time: &time,
        };
        let digest = build(
            &store,
            &window(&store, 0, Some(now() - chrono::Duration::days(1)), now()),
            &focus,
        )
        .unwrap();
        assert_eq!(digest.stories.len(), 1);
        assert_eq!(
            digest.stories[0].title,
            "Sixty states sign the UN Convention against Cybercrime"
        );
        assert_eq!(digest.more.len(), 1);
        assert_eq!(digest.more[0].title, "Hanoi Convention: a lone report");
        assert_eq!(digest.failing_feeds.len(), 1);
        assert_eq!(digest.failing_feeds[0].name, "broken");
        assert!(
            digest.subject.contains("2 stories in 2 languages"),
            "{}",
            digest.subject
        );

        // Every format renders it, the Arabic version marked right-to-left in HTML.
        let renderer = Renderer::new(None).unwrap();
        let html = renderer.render(&digest, DigestFormat::Html).unwrap();
        assert!(html.contains(r#"<td lang="ar" dir="rtl" style="padding:3px 0;font-size:13px;line-height:18px;direction:rtl;text-align:right;">"#), "{html}");
        let text = renderer.render(&digest, DigestFormat::Text).unwrap();
        assert!(
            text.contains("More stories") && text.contains("http 500"),
            "{text}"
        );
        let json: serde_json::Value =
            serde_json::from_str(&renderer.render(&digest, DigestFormat::Json).unwrap()).unwrap();
        assert_eq!(json["stories"][0]["versions"][1]["lang"]["dir"], "rtl");
        let markdown = renderer.render(&digest, DigestFormat::Markdown).unwrap();
        assert!(
            markdown.contains("## Sixty states sign the UN Convention against Cybercrime"),
            "{markdown}"
        );
    }

    #[test]
    fn topics_follow_stories() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let time = hanoi();
        let wire = judged(
            "https://wire.example/hanoi",
            "Sixty states sign the UN Convention against Cybercrime",
            EN,
            &[],
        );
        // It names the treaty only as "the Convention" and cites the wire: same story, no topic
        // of its own.
        let follow_up = judged(
            "https://regional.example/ru/follow-up",
            "Конвенция подписана в Ханое",
            "Делегации подписали Конвенцию в субботу. Источник: https://wire.example/hanoi",
            &["https://wire.example/hanoi"],
        );
        assert!(follow_up.topics.is_empty(), "{:?}", follow_up.topics);
        store.upsert_entries("wire", &[wire], now()).unwrap();
        let first = build(
            &store,
            &window(&store, 0, None, now()),
            &Focus {
                topic: Some(crate::config::topic::BUILTIN_TOPIC),
                locale: "en",
                max_stories: 10,
                time: &time,
            },
        )
        .unwrap();
        assert_eq!(first.stories.len(), 1);
        let from = store.article_id_end().unwrap();
        store.upsert_entries("regional", &[follow_up], now()).unwrap();
        let focus = Focus {
            topic: Some(crate::config::topic::BUILTIN_TOPIC),
            locale: "en",
            max_stories: 10,
            time: &time,
        };
        // The next window: the follow-up brings a language to a story about the topic.
        let next = build(&store, &window(&store, from, Some(now()), now()), &focus).unwrap();
        assert_eq!(next.stories.len(), 1, "{next:?}");
        let story = &next.stories[0];
        assert!(story.update);
        assert_eq!(story.languages, ["en", "ru"]);
        assert!(story
            .versions
            .iter()
            .any(|v| v.title == "Конвенция подписана в Ханое"));
    }

    #[test]
    fn nothing_from_a_feed_becomes_markup() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let time = hanoi();
        let hostile = judged(
            "https://evil.example/a?x=\"><script>alert(1)</script>",
            "<img src=x onerror=alert(1)> UN Convention against Cybercrime",
            "<script>alert(2)</script> The UN Convention against Cybercrime was signed in Hanoi by sixty states.",
            &[],
        );
        store.upsert_entries("evil", &[hostile], now()).unwrap();
        let focus = Focus {
            topic: None,
            locale: "en",
            max_stories: 10,
            time: &time,
        };
        let digest = build(&store, &window(&store, 0, None, now()), &focus).unwrap();
        assert_eq!(digest.stories.len(), 1);
        let renderer = Renderer::new(None).unwrap();
        let html = renderer.render(&digest, DigestFormat::Html).unwrap();
        assert!(!html.contains("<script") && !html.contains("<img"), "{html}");
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"), "{html}");
        // In Markdown a backslash before `<` makes it a character, not a tag.
        let markdown = renderer.render(&digest, DigestFormat::Markdown).unwrap();
        let unescaped_tag = markdown
            .as_bytes()
            .windows(3)
            .any(|w| !matches!(w[0], b'\\' | b'(') && w[1] == b'<' && w[2].is_ascii_alphabetic());
        assert!(!unescaped_tag, "{markdown}");
    }

    #[test]
    fn html_past_its_budget_lists_the_rest_by_title() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let time = hanoi();
        // Texts that share no more than the treaty's name, so that each is its own story.
        let entries: Vec<Entry> = (0..400usize)
            .map(|i| {
                let words: Vec<String> = (1..25).map(|k| format!("w{i}x{k}")).collect();
                judged(
                    &format!("https://wire.example/{i}"),
                    &format!("State number {i} signs the UN Convention against Cybercrime"),
                    &format!(
                        "The UN Convention against Cybercrime was signed by state {i}: {}.",
                        words.join(" ")
                    ),
                    &[],
                )
            })
            .collect();
        store.upsert_entries("wire", &entries, now()).unwrap();
        let focus = Focus {
            topic: None,
            locale: "en",
            max_stories: 400,
            time: &time,
        };
        let digest = build(&store, &window(&store, 0, None, now()), &focus).unwrap();
        assert_eq!(digest.stories.len(), 400);
        let html = Renderer::new(None)
            .unwrap()
            .render(&digest, DigestFormat::Html)
            .unwrap();
        assert!(html.len() <= render::HTML_BUDGET, "{} bytes", html.len());
        let listed = html.matches("State number").count();
        assert!(
            listed > 100,
            "as many stories as fit, in full or by title ({listed})"
        );
        assert!(html.contains("More stories"));
        assert!(
            html.contains("more stories are not listed here") && !html.contains("{n}"),
            "the rest are counted"
        );
        // The other formats have no budget: every story in full.
        let text = Renderer::new(None)
            .unwrap()
            .render(&digest, DigestFormat::Text)
            .unwrap();
        assert_eq!(
            text.matches("signs the UN Convention against Cybercrime").count(),
            800,
            "title twice per story"
        );
    }

    #[test]
    fn leads_end_at_the_first_sentence_in_any_script() {
        assert_eq!(
            lead_sentence("More than sixty states signed the treaty. Rights groups objected."),
            "More than sixty states signed the treaty."
        );
        assert_eq!(
            lead_sentence("六十多个国家签署了联合国打击网络犯罪公约。人权组织表示反对。"),
            "六十多个国家签署了联合国打击网络犯罪公约。"
        );
        assert_eq!(
            lead_sentence("هل وقعت أكثر من ستين دولة على الاتفاقية في هانوي؟ نعم، يوم السبت."),
            "هل وقعت أكثر من ستين دولة على الاتفاقية في هانوي؟"
        );
        // Abbreviations early in a line do not end it; the first line is the lead.
        assert_eq!(
            lead_sentence("U.N. signs a treaty in Hanoi\nSecond paragraph."),
            "U.N. signs a treaty in Hanoi"
        );
    }

    /// The digest every golden file renders: one story in three languages and scripts, one in
    /// French, one in Chinese, and a failing feed.
    fn golden_store(dir: &std::path::Path) -> Store {
        let store = Store::open(dir).unwrap();
        let wire = judged(
            "https://wire.example/a",
            "Sixty states sign the UN Convention against Cybercrime",
            EN,
            &[],
        );
        let arabic = judged(
            "https://ar.example/b",
            "ستون دولة توقع اتفاقية الأمم المتحدة لمكافحة الجرائم الإلكترونية",
            AR,
            &["https://wire.example/a"],
        );
        let vietnamese = judged(
            "https://vi.example/c",
            "Hơn 60 nước ký Công ước của Liên hợp quốc về chống tội phạm mạng",
            VI,
            &["https://wire.example/a"],
        );
        let french = judged("https://fr.example/d", "La Convention des Nations Unies contre la cybercriminalité entre en vigueur", "La Convention des Nations Unies contre la cybercriminalité entrera en vigueur après la quarantième ratification, a rappelé l'ONUDC.", &[]);
        let chinese = judged(
            "https://zh.example/e",
            "联合国打击网络犯罪公约议定书谈判启动",
            "联合国打击网络犯罪公约附加议定书的谈判在维也纳启动。各国代表表示将继续磋商。",
            &[],
        );
        store.upsert_entries("wire", &[wire], now()).unwrap();
        store
            .upsert_entries("regional", &[arabic, vietnamese, french, chinese], now())
            .unwrap();
        store
            .put_feed_state(
                "broken",
                &FeedState {
                    consecutive_failures: 3,
                    failing_since: Some(now() - chrono::Duration::hours(5)),
                    last_error: Some("http 503 Service Unavailable".into()),
                    ..Default::default()
                },
            )
            .unwrap();
        store
    }

    /// Golden files in `tests/fixtures/digest/`: every format in English and Arabic, and text in
    /// the other locales. `TREATYWATCH_BLESS=1 cargo test --lib golden` rewrites them after a
    /// deliberate change (then read the diff).
    #[test]
    fn renderings_match_their_golden_files() {
        let dir = tempfile::tempdir().unwrap();
        let store = golden_store(dir.path());
        let time = hanoi();
        let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/digest");
        let bless = std::env::var_os("TREATYWATCH_BLESS").is_some();
        let renderer = Renderer::new(None).unwrap();
        let window = Window {
            start: Some(now() - chrono::Duration::days(1)),
            end: now(),
            from: 0,
            to: store.article_id_end().unwrap(),
        };
        let mut cases = vec![];
        for locale in crate::config::digest::LOCALES {
            for format in [
                DigestFormat::Text,
                DigestFormat::Html,
                DigestFormat::Markdown,
                DigestFormat::Json,
            ] {
                cases.push((*locale, Some(format), ""));
            }
        }
        // The chat messages, in a left-to-right and a right-to-left locale.
        for locale in ["en", "ar"] {
            for service in ["slack", "discord", "matrix", "ntfy"] {
                cases.push((locale, None, service));
            }
        }
        let mut mismatched = Vec::new();
        for (locale, format, service) in cases {
            let focus = Focus {
                topic: Some(crate::config::topic::BUILTIN_TOPIC),
                locale,
                max_stories: 50,
                time: &time,
            };
            let digest = build(&store, &window, &focus).unwrap();
            let (rendered, name) = match format {
                Some(format) => (
                    renderer.render(&digest, format).unwrap(),
                    format!("digest.{locale}.{}", format.extension()),
                ),
                None => {
                    let body = match service {
                        "slack" => chat::slack(&digest),
                        "discord" => chat::discord(&digest),
                        "matrix" => chat::matrix(&digest),
                        _ => chat::ntfy(&digest, "treaty"),
                    };
                    // Pretty, so that a change reads well in a diff.
                    let value: serde_json::Value = serde_json::from_str(&body).unwrap();
                    (
                        serde_json::to_string_pretty(&value).unwrap() + "\n",
                        format!("chat.{locale}.{service}.json"),
                    )
                }
            };
            let path = golden.join(name);
            if bless {
                std::fs::create_dir_all(&golden).unwrap();
                std::fs::write(&path, &rendered).unwrap();
                continue;
            }
            let expected = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e} (TREATYWATCH_BLESS=1 writes it)", path.display()));
            if expected != rendered {
                mismatched.push(path.display().to_string());
            }
        }
        assert!(mismatched.is_empty(), "renderings differ from {mismatched:?}");
    }
}
