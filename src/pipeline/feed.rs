//! feed-rs entries to our entries, still [`Unjudged`]: RSS 0.9x/1.0/2.0, Atom and JSON Feed,
//! from text already decoded to UTF-8 by [`super::decode`].

use feed_rs::model::{Entry as FeedEntry, Link};
use url::Url;

use super::text::html_to_text;
use crate::links::canonical_url;
use crate::model::{Entry, LangGuess, Unjudged};

/// A parsed feed: its own metadata and its entries, not yet judged.
#[derive(Debug, Clone)]
pub struct ParsedFeed {
    /// The feed's own title.
    pub title: Option<String>,
    /// The feed's declared language, as written.
    pub language: Option<String>,
    /// The feed's `<ttl>` in minutes (RSS 2.0).
    pub ttl_minutes: Option<u32>,
    /// Entries that have a usable link, in feed order.
    pub entries: Vec<Unjudged>,
    /// Entries dropped because they had no http(s) link to identify them.
    pub skipped: usize,
}

/// Why a document is not a usable feed.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The document is an HTML page, not a feed.
    #[error("not a feed: the document is an HTML page")]
    Html,
    /// The document is empty.
    #[error("not a feed: the document is empty")]
    Empty,
    /// feed-rs could not parse it.
    #[error("malformed feed: {0}")]
    Malformed(String),
    /// It has items, but none could be read: a format or namespace the parser does not know,
    /// even once mended (`feed_repair`). Reported, never "0 new".
    #[error("the document has {items} item(s) but none could be read: its format ({root}) is not one this version reads")]
    Unread {
        /// Item-like elements in the document.
        items: usize,
        /// Its root element and namespace.
        root: String,
    },
}

/// Parses feed text fetched from `base` (relative links resolve against it). `hint` is the
/// configured language, which wins over what the feed declares; times written without a zone
/// are in `zone`.
pub fn parse_feed(
    text: &str,
    base: &Url,
    hint: Option<&str>,
    zone: &jiff::tz::TimeZone,
) -> Result<ParsedFeed, ParseError> {
    let head = text.trim_start_matches('\u{feff}').trim_start();
    if head.is_empty() {
        return Err(ParseError::Empty);
    }
    if looks_like_html(head) {
        return Err(ParseError::Html);
    }
    let parser_zone = zone.clone();
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(base.as_str()))
        .timestamp_parser(move |written| super::dates::parse_date(written, &parser_zone))
        .build();
    // The XML parser has panicked on documents it misreads (UTF-16 bytes read as UTF-8): a
    // panic is this feed's error, not the end of the process.
    let repaired = super::feed_repair::repair(text);
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parser.parse(repaired.as_bytes())));
    let feed = match parsed {
        Ok(result) => result.map_err(|e| ParseError::Malformed(e.to_string()))?,
        Err(panic) => {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".into());
            return Err(ParseError::Malformed(format!(
                "the XML parser crashed on it ({why})"
            )));
        }
    };
    let extras = (feed.feed_type != feed_rs::model::FeedType::Atom
        && feed.feed_type != feed_rs::model::FeedType::JSON)
        .then(|| rss_extras(&repaired))
        .flatten()
        .filter(|x| x.items.len() == feed.entries.len())
        .unwrap_or_default();
    let feed_language = feed.language.clone().or(extras.language);
    let mut entries = Vec::with_capacity(feed.entries.len());
    let mut skipped = 0;
    let mut item_extras = extras.items.into_iter();
    for mut item in feed.entries {
        let more = item_extras.next().unwrap_or_default();
        if item.published.is_none() {
            item.published = more.published.and_then(|d| super::dates::parse_date(&d, zone));
        }
        // feed-rs copies `pubDate` into `updated` when nothing else says it: a modification
        // date the item writes says more.
        if item.updated.is_none() || item.updated == item.published {
            if let Some(updated) = more.updated.and_then(|d| super::dates::parse_date(&d, zone)) {
                item.updated = Some(updated);
            }
        }
        let item_language = item.language.clone();
        let lang_hint = hint.or(item_language.as_deref()).or(feed_language.as_deref());
        match to_entry(item, base, lang_hint, more.original.as_deref()) {
            Some(mut entry) => {
                if entry.entry.title.trim().is_empty() {
                    if let Some(title) = more.title {
                        entry.entry.title = html_to_text(&title);
                    }
                }
                entries.push(entry)
            }
            None => skipped += 1,
        }
    }
    if entries.is_empty() && skipped == 0 {
        let items = item_elements(text);
        if items > 0 {
            return Err(ParseError::Unread {
                items,
                root: root_element(text),
            });
        }
    }
    Ok(ParsedFeed {
        title: feed.title.map(|t| html_to_text(&t.content)),
        language: feed_language,
        ttl_minutes: feed.ttl,
        entries,
        skipped,
    })
}

/// What feed-rs leaves unread in RSS and uses no fallback for: Dublin Core and Atom elements
/// that many feeds write instead of (or besides) RSS's own.
#[derive(Debug, Default)]
struct RssExtras {
    /// The channel's `dc:language`.
    language: Option<String>,
    /// Per `<item>`, in document order.
    items: Vec<ItemExtras>,
}

#[derive(Debug, Default)]
struct ItemExtras {
    /// `dc:title`.
    title: Option<String>,
    /// `dcterms:issued`, `dcterms:created` or `atom:published`.
    published: Option<String>,
    /// `dcterms:modified` or `atom:updated`.
    updated: Option<String>,
    /// `feedburner:origLink`: the article behind FeedBurner's redirecting link.
    original: Option<String>,
}

/// Reads [`RssExtras`] from an RSS document (already mended); `None` for anything else or a
/// document the reader cannot follow (feed-rs has read it already, so nothing is lost).
fn rss_extras(text: &str) -> Option<RssExtras> {
    use quick_xml::events::Event;
    // A second pass over every feed only for the feeds that have something for it.
    if ![
        "<dc:",
        "<dcterms:",
        "<atom:published",
        "<atom:updated",
        "<feedburner:origLink",
    ]
    .iter()
    .any(|prefix| text.contains(prefix))
    {
        return None;
    }
    let mut reader = quick_xml::Reader::from_str(text);
    let mut extras = RssExtras::default();
    let mut in_item = false;
    // The element whose text is being read, and the text so far.
    let mut reading: Option<(String, String)> = None;
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) => {
                let name = e.name().into_inner().to_string();
                if name == "item" {
                    in_item = true;
                    extras.items.push(ItemExtras::default());
                } else if matches!(
                    name.as_str(),
                    "dc:title"
                        | "dc:language"
                        | "dcterms:issued"
                        | "dcterms:created"
                        | "dcterms:modified"
                        | "atom:published"
                        | "atom:updated"
                        | "feedburner:origLink"
                ) {
                    reading = Some((name, String::new()));
                }
            }
            Event::Text(t) => {
                if let Some((_, text)) = &mut reading {
                    text.push_str(&t.into_inner());
                }
            }
            Event::CData(t) => {
                if let Some((_, text)) = &mut reading {
                    text.push_str(&t.into_inner());
                }
            }
            Event::GeneralRef(r) => {
                if let Some((_, text)) = &mut reading {
                    let name = r.into_inner();
                    let resolved = quick_xml::escape::unescape(&format!("&{name};"))
                        .map(|c| c.into_owned())
                        .unwrap_or_default();
                    text.push_str(&resolved);
                }
            }
            Event::End(e) => {
                let name = e.name().into_inner().to_string();
                if name == "item" {
                    in_item = false;
                }
                if let Some((element, value)) = reading.take_if(|(element, _)| *element == name) {
                    let value = Some(value.trim().to_string()).filter(|v| !v.is_empty());
                    match (in_item, extras.items.last_mut(), element.as_str()) {
                        (false, _, "dc:language") => extras.language = extras.language.take().or(value),
                        (true, Some(item), "dc:title") => item.title = item.title.take().or(value),
                        (true, Some(item), "dcterms:issued" | "dcterms:created" | "atom:published") => {
                            item.published = item.published.take().or(value)
                        }
                        (true, Some(item), "dcterms:modified" | "atom:updated") => {
                            item.updated = item.updated.take().or(value)
                        }
                        (true, Some(item), "feedburner:origLink") => {
                            item.original = item.original.take().or(value)
                        }
                        _ => {}
                    }
                }
            }
            Event::Eof => return Some(extras),
            _ => {}
        }
    }
}

/// How many `<item>` or `<entry>` elements (with any prefix) a document has.
fn item_elements(text: &str) -> usize {
    text.match_indices('<')
        .filter(|(at, _)| {
            let name: String = text[at + 1..]
                .chars()
                .take_while(|c| !c.is_whitespace() && !matches!(c, '>' | '/'))
                .collect();
            let local = name.rsplit(':').next().unwrap_or("");
            matches!(local, "item" | "entry")
        })
        .count()
}

/// The root element's name and namespace, as a message shows them.
fn root_element(text: &str) -> String {
    let mut rest = text;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        if rest.starts_with(['?', '!']) {
            continue;
        }
        let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
        let name = tag.split_whitespace().next().unwrap_or("");
        let namespace = tag
            .split("xmlns=")
            .nth(1)
            .and_then(|v| v.trim_start_matches(['"', '\'']).split(['"', '\'']).next());
        return match namespace {
            Some(ns) => format!("<{name}> in {ns}"),
            None => format!("<{name}>"),
        };
    }
    "no root element".into()
}

/// Whether text that is not a feed is an HTML page (servers hand out error and login pages with
/// a 200 status).
fn looks_like_html(head: &str) -> bool {
    let mut rest = head;
    // Skip an XML prolog and comments before the root element.
    loop {
        rest = rest.trim_start();
        if rest.starts_with("<?") {
            rest = rest.find("?>").map_or("", |i| &rest[i + 2..]);
        } else if rest.starts_with("<!--") {
            rest = rest.find("-->").map_or("", |i| &rest[i + 3..]);
        } else {
            break;
        }
    }
    let start: String = rest.chars().take(14).collect::<String>().to_ascii_lowercase();
    start.starts_with("<!doctype html") || start.starts_with("<html")
}

/// The plain text of an item's body and what it links to, parsing its HTML once.
fn text_and_refs(raw_body: &str, base: &Url) -> (String, super::cite::Refs) {
    if !raw_body.contains(['<', '&']) {
        let text = html_to_text(raw_body);
        let refs = super::cite::refs_in(None, &text, base);
        return (text, refs);
    }
    let fragment = scraper::Html::parse_fragment(raw_body);
    let text = super::text::fragment_text(&fragment);
    let refs = super::cite::refs_in(Some(&fragment), &text, base);
    (text, refs)
}

fn to_entry(item: FeedEntry, base: &Url, hint: Option<&str>, original: Option<&str>) -> Option<Unjudged> {
    let original = original
        .and_then(|o| Url::parse(o.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    let link =
        crate::links::unwrap_redirect(&original.or_else(|| article_link(&item.links, &item.id, base))?);
    let title = item.title.map(|t| html_to_text(&t.content)).unwrap_or_default();
    let raw_body = item
        .content
        .and_then(|c| c.body)
        .filter(|b| !b.trim().is_empty())
        .or(item.summary.map(|s| s.content))
        .unwrap_or_default();
    let (body, refs) = text_and_refs(&raw_body, &link);
    let entry = Entry {
        url: canonical_url(&link).to_string(),
        link: link.to_string(),
        title,
        text: body,
        summary: None,
        published: item.published.or(item.updated),
        updated: item.updated,
        authors: item
            .authors
            .into_iter()
            .filter_map(|p| p.name)
            .filter(|n| !n.trim().is_empty())
            .collect(),
        lang: LangGuess::unknown(),
        topics: Vec::new(),
        links: refs.links,
        cited: refs.cited,
        fingerprint: None,
        event: Default::default(),
    };
    Some(Unjudged::new(entry, hint.map(str::to_string)))
}

/// The article's address: the entry's alternate (or only) link, else a GUID that is a URL.
fn article_link(links: &[Link], id: &str, base: &Url) -> Option<Url> {
    let preferred = links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or_else(|| links.first())
        .map(|l| l.href.as_str());
    // Links may be relative; a GUID counts only when it is itself an absolute URL (feed-rs
    // invents hashes for items without one).
    let from_link = preferred.and_then(|href| base.join(href.trim()).ok());
    from_link
        .into_iter()
        .chain(Url::parse(id.trim()).ok())
        .find(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ParsedFeed, ParseError> {
        parse_feed(
            text,
            &Url::parse("https://example.org/feed.xml").unwrap(),
            None,
            &jiff::tz::TimeZone::UTC,
        )
    }

    #[test]
    fn declared_entities_are_never_expanded_nor_files_read() {
        // A billion laughs (ten to the ninth "lol"s if expanded) and an external entity.
        let mut dtd = String::from("<!ENTITY lol0 \"lol\">\n");
        for n in 1..10 {
            let refs = format!("&lol{};", n - 1).repeat(10);
            dtd.push_str(&format!("<!ENTITY lol{n} \"{refs}\">\n"));
        }
        dtd.push_str("<!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n");
        let feed = format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n{dtd}]>\n<rss version=\"2.0\"><channel><title>Laughs</title>\
             <item><title>Laugh &lol9; now</title><link>https://a.example/1</link>\
             <description>Read &xxe; here</description></item></channel></rss>"
        );
        // Read, with the references left as written: nothing expanded, nothing fetched.
        let parsed = parse(&feed).expect("a feed with a DTD is still a feed");
        assert_eq!(parsed.entries.len(), 1);
        let e = &parsed.entries[0].entry;
        assert_eq!(e.title, "Laugh &lol9; now");
        let said = format!("{} {} {:?}", e.title, e.text, e.summary);
        assert!(said.len() < 500, "expanded: {} bytes", said.len());
        assert!(!said.contains("root:"), "a file was read: {said}");
        assert!(!said.contains("lollol"), "an entity was expanded: {said}");
    }

    #[test]
    fn items_that_cannot_be_read_are_an_error_not_an_empty_feed() {
        // Items in a namespace no feed format has: RSS 0.90 and Atom 0.3 are read since they
        // are mended first (`feed_repair`), but this is read by nothing.
        let foreign = r#"<?xml version="1.0"?>
<rss version="2.0"><channel xmlns="http://example.org/other/"><title>T</title>
<item><title>Sixty states sign</title><link>https://old.example/a</link></item>
<item><title>Second</title><link>https://old.example/b</link></item>
</channel></rss>"#;
        let err = parse(foreign).unwrap_err();
        assert!(matches!(err, ParseError::Unread { items: 2, .. }), "{err}");
        assert!(
            err.to_string().contains("2 item(s)") && err.to_string().contains("<rss>"),
            "{err}"
        );
        // A feed that is empty is not an error.
        let empty = parse("<rss version=\"2.0\"><channel><title>Quiet</title></channel></rss>").unwrap();
        assert!(empty.entries.is_empty());
    }

    #[test]
    fn dublin_core_and_atom_elements_fill_what_rss_leaves_out() {
        let rss = r#"<?xml version="1.0"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>T</title><dc:language>ru</dc:language>
<item><dc:title>Только &amp; dc</dc:title><link>https://ru.example/a</link><dcterms:issued>2024-01-05T10:00:00Z</dcterms:issued></item>
<item><title>Own title</title><dc:title>Not this</dc:title><link>https://ru.example/b</link><atom:published>2024-01-06T10:00:00Z</atom:published></item>
<item><title>C</title><link>https://ru.example/c</link><pubDate>Sun, 07 Jan 2024 10:00:00 GMT</pubDate><dcterms:modified>2024-01-08T10:00:00Z</dcterms:modified></item>
</channel></rss>"#;
        let feed = parse(rss).unwrap();
        assert_eq!(feed.language.as_deref(), Some("ru"));
        let seen: Vec<(String, String, Option<String>)> = feed
            .entries
            .iter()
            .map(|e| {
                (
                    e.entry.title.clone(),
                    e.entry.published.unwrap().to_rfc3339(),
                    e.entry.updated.map(|u| u.to_rfc3339()),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                (
                    "Только & dc".to_string(),
                    "2024-01-05T10:00:00+00:00".to_string(),
                    None
                ),
                (
                    "Own title".to_string(),
                    "2024-01-06T10:00:00+00:00".to_string(),
                    None
                ),
                (
                    "C".to_string(),
                    "2024-01-07T10:00:00+00:00".to_string(),
                    Some("2024-01-08T10:00:00+00:00".to_string())
                ),
            ]
        );
        assert_eq!(feed.entries[0].lang_hint.as_deref(), Some("ru"));
    }

    #[test]
    fn alert_and_feedburner_links_become_the_articles_own() {
        let alert = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>Google Alert - Hanoi Convention</title>
<entry><id>tag:google.com,2013:googlealerts/feed:1</id><title type="html">UN &lt;b&gt;cybercrime&lt;/b&gt; convention signed</title>
<link href="https://www.google.com/url?rct=j&amp;sa=t&amp;url=https://www.outlet.example/a%3Fref%3Drss&amp;ct=ga"/>
<updated>2025-10-25T10:00:00Z</updated></entry></feed>"#;
        let feed = parse(alert).unwrap();
        assert_eq!(feed.entries[0].entry.url, "https://www.outlet.example/a?ref=rss");
        let feedburner = r#"<rss version="2.0" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0"><channel><title>T</title>
<item><title>Signed</title><link>https://feeds.feedburner.example/~r/outlet/~3/xyz/</link>
<feedburner:origLink>https://www.outlet.example/b</feedburner:origLink></item></channel></rss>"#;
        let feed = parse(feedburner).unwrap();
        assert_eq!(feed.entries[0].entry.url, "https://www.outlet.example/b");
    }

    #[test]
    fn dates_without_a_zone_are_in_the_feeds_zone() {
        let rss = "<rss version=\"2.0\"><channel><title>T</title>\
            <item><title>A</title><link>https://vn.example/a</link><pubDate>2004-07-08 23:56:58</pubDate></item>\
            <item><title>B</title><link>https://vn.example/b</link><pubDate>Thu, 08 Jul 2004 23:56:58 ICT</pubDate></item>\
            <item><title>C</title><link>https://vn.example/c</link><pubDate>08/07/2004 23:56</pubDate></item>\
            </channel></rss>";
        let base = Url::parse("https://vn.example/rss").unwrap();
        let hanoi = jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").unwrap();
        let feed = parse_feed(rss, &base, Some("vi"), &hanoi).unwrap();
        let published: Vec<String> = feed
            .entries
            .iter()
            .map(|e| e.entry.published.unwrap().to_rfc3339())
            .collect();
        assert_eq!(
            published,
            [
                "2004-07-08T16:56:58+00:00",
                "2004-07-08T16:56:58+00:00",
                "2004-07-08T16:56:00+00:00"
            ]
        );
    }

    #[test]
    fn a_parser_crash_is_the_feeds_error() {
        // UTF-16 bytes decoded as a single-byte charset: the XML parser panics on the text.
        let utf16: Vec<u8> = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><rss version=\"2.0\"><channel><title>Thế giới</title></channel></rss>"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        let (misread, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&utf16);
        let err = parse(&misread).unwrap_err();
        assert!(err.to_string().contains("crashed"), "{err}");
    }

    #[test]
    fn html_page_is_reported_as_html() {
        let err = parse("<?xml version='1.0'?>\n<!DOCTYPE html><html><body>Login</body></html>").unwrap_err();
        assert!(matches!(err, ParseError::Html), "{err}");
        assert!(matches!(
            parse("<html><p>x</p></html>").unwrap_err(),
            ParseError::Html
        ));
    }

    #[test]
    fn malformed_and_empty() {
        assert!(matches!(parse("   ").unwrap_err(), ParseError::Empty));
        assert!(matches!(
            parse("<rss version=\"2.0\"><channel><item><title>x</item>").unwrap_err(),
            ParseError::Malformed(_)
        ));
        assert!(matches!(
            parse("just some words").unwrap_err(),
            ParseError::Malformed(_)
        ));
    }

    #[test]
    fn relative_links_resolve_and_linkless_items_are_counted() {
        let rss = r#"<rss version="2.0"><channel><title>T</title>
            <item><title>A</title><link>/news/a.html?utm_source=rss#x</link></item>
            <item><title>B</title><description>no link</description></item>
            <item><title>C</title><guid isPermaLink="true">https://example.org/c</guid></item>
            </channel></rss>"#;
        let feed = parse(rss).unwrap();
        let urls: Vec<&str> = feed.entries.iter().map(|e| e.entry.url.as_str()).collect();
        assert_eq!(
            urls,
            vec!["https://example.org/news/a.html", "https://example.org/c"]
        );
        assert_eq!(
            feed.entries[0].entry.link,
            "https://example.org/news/a.html?utm_source=rss#x"
        );
        assert_eq!(feed.skipped, 1);
    }
}
