//! The topic's stories as an Atom feed (`/feed.atom`), so that the filtered coverage can be
//! read in any feed reader: one entry per story, its versions (the articles of every outlet
//! and language) listed in the entry. Nothing from a feed is passed on as markup: titles are
//! Atom text, and the entry's HTML is ours with every value escaped.

use atom_syndication::{Content, Entry, Feed, FixedDateTime, Generator, Link, Person, Text};
use chrono::{DateTime, Utc};

use crate::markup::{escape, xml_safe};
use crate::query::{MemberView, StoryView};

/// The feed of `stories` (newest activity first) for `topic`, updated at `now` when empty.
pub fn feed(topic: &str, stories: &[StoryView], now: DateTime<Utc>) -> String {
    let updated = stories
        .iter()
        .filter_map(|s| time(&s.updated))
        .max()
        .unwrap_or_else(|| now.fixed_offset());
    let feed = Feed {
        title: Text::plain(format!("treatywatch: {}", xml_safe(topic))),
        id: format!("urn:treatywatch:topic:{}", urn_part(topic)),
        updated,
        authors: vec![Person {
            name: "treatywatch".into(),
            ..Default::default()
        }],
        generator: Some(Generator {
            value: "treatywatch".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
            ..Default::default()
        }),
        subtitle: Some(Text::plain(format!(
            "Stories about {}, one entry per event, in every language covered",
            xml_safe(topic)
        ))),
        entries: stories.iter().map(entry).collect(),
        ..Default::default()
    };
    feed.to_string()
}

fn entry(story: &StoryView) -> Entry {
    let updated = time(&story.updated).unwrap_or_default();
    let mut links: Vec<Link> = Vec::new();
    for (i, member) in story.members.iter().filter(|m| is_web(&m.url)).enumerate() {
        links.push(Link {
            href: member.url.clone(),
            rel: if i == 0 { "alternate" } else { "related" }.into(),
            hreflang: member.lang.clone(),
            mime_type: Some("text/html".into()),
            title: Some(xml_safe(&member.title)),
            ..Default::default()
        });
    }
    let summary = format!(
        "{} report{} in {} from {}",
        story.members.len(),
        if story.members.len() == 1 { "" } else { "s" },
        if story.languages.is_empty() {
            "an unknown language".to_string()
        } else {
            story.languages.join(", ")
        },
        story.outlets.join(", ")
    );
    Entry {
        title: Text::plain(xml_safe(&story.title)),
        id: format!("urn:treatywatch:story:{}", story.id),
        updated,
        published: time(&story.first_seen),
        links,
        summary: Some(Text::plain(xml_safe(&summary))),
        content: Some(Content {
            content_type: Some("html".into()),
            value: Some(versions_html(&story.members)),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The story's articles as a list of links; every value escaped.
fn versions_html(members: &[MemberView]) -> String {
    let mut html = String::from("<ul>");
    for m in members {
        html.push_str("<li>");
        if is_web(&m.url) {
            html.push_str(&format!(
                "<a href=\"{}\">{}</a>",
                escape(&m.url),
                escape(&m.title)
            ));
        } else {
            html.push_str(&escape(&m.title));
        }
        let mut about = vec![escape(&m.feed)];
        if let Some(lang) = &m.lang {
            about.push(escape(lang));
        }
        if let Some(published) = &m.published {
            about.push(escape(published));
        }
        html.push_str(&format!(" ({})</li>", about.join(", ")));
    }
    html.push_str("</ul>");
    html
}

fn time(rfc3339: &str) -> Option<FixedDateTime> {
    DateTime::parse_from_rfc3339(rfc3339).ok()
}

fn is_web(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

/// A topic name as it may stand in a URN.
fn urn_part(topic: &str) -> String {
    topic
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: u64, url: &str, title: &str, lang: &str) -> MemberView {
        MemberView {
            id,
            url: url.into(),
            title: title.into(),
            lang: Some(lang.into()),
            feed: "wire <b>".into(),
            published: Some("2026-10-25T08:00:00+07:00".into()),
            joined: None,
        }
    }

    #[test]
    fn stories_become_entries_that_a_parser_reads_with_their_versions_and_no_markup_from_feeds() {
        let story = StoryView {
            id: 7,
            title: "Hanoi <script>alert(1)</script> signing \u{1}ceremony".into(),
            first_seen: "2026-10-25T01:00:00Z".into(),
            updated: "2026-10-25T03:00:00Z".into(),
            languages: vec!["en".into(), "vi".into()],
            outlets: vec!["wire <b>".into()],
            topics: vec!["convention".into()],
            members: vec![
                member(7, "https://a.example/1", "Hanoi signing", "en"),
                member(9, "https://b.example/2?x=1&y=2", "Lễ ký tại Hà Nội", "vi"),
                member(10, "javascript:alert(1)", "bad link", "en"),
            ],
        };
        let xml = feed("convention", &[story], Utc::now());
        let parsed = feed_rs::parser::parse(xml.as_bytes()).expect("feed-rs reads it");
        assert_eq!(parsed.entries.len(), 1);
        let entry = &parsed.entries[0];
        assert_eq!(entry.id, "urn:treatywatch:story:7");
        let title = &entry.title.as_ref().unwrap().content;
        assert_eq!(title, "Hanoi <script>alert(1)</script> signing ceremony");
        let hrefs: Vec<&str> = entry.links.iter().map(|l| l.href.as_str()).collect();
        assert_eq!(hrefs, ["https://a.example/1", "https://b.example/2?x=1&y=2"]);
        let html = entry.content.as_ref().unwrap().body.as_deref().unwrap();
        assert!(
            html.contains("<a href=\"https://b.example/2?x=1&amp;y=2\">Lễ ký tại Hà Nội</a>"),
            "{html}"
        );
        assert!(html.contains("wire &lt;b&gt;"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
    }

    #[test]
    fn an_empty_topic_is_still_a_valid_feed() {
        let xml = feed("a topic/with spaces", &[], Utc::now());
        let parsed = feed_rs::parser::parse(xml.as_bytes()).unwrap();
        assert!(parsed.entries.is_empty());
        assert_eq!(parsed.id, "urn:treatywatch:topic:a_topic_with_spaces");
    }
}
