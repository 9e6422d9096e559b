//! OPML, the subscription lists other feed readers import and export: read the feeds out of
//! one (nested outlines, any reader's dialect) and add them to a config file as `[[feed]]`
//! entries without disturbing its comments and layout; write the configured feeds as one.

use std::collections::HashSet;

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use toml_edit::{value, ArrayOfTables, DocumentMut, Item, Table};
use url::Url;

use crate::model::{Feed, SourceKind};

/// A feed found in an OPML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpmlFeed {
    /// Its `title`, else its `text`, else its host.
    pub title: String,
    /// Its `xmlUrl`.
    pub url: Url,
    /// Its `htmlUrl`, if given.
    pub site: Option<String>,
    /// The titles of the outlines it sits in (a reader's folders).
    pub folders: Vec<String>,
}

/// Why an OPML file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum OpmlError {
    /// It is not well-formed XML.
    #[error("not OPML: malformed XML at byte {position}: {message}")]
    Malformed {
        /// Where the parser stopped.
        position: u64,
        /// What it said.
        message: String,
    },
    /// It is XML, but has no `<opml>` root.
    #[error("not OPML: the root element is <{0}>")]
    NotOpml(String),
}

/// Outlines whose `xmlUrl` is not an http(s) URL, as `(title, reason)`.
pub type Refused = Vec<(String, String)>;

/// The feeds of an OPML document, in document order, with what could not be used.
pub fn parse(text: &str) -> Result<(Vec<OpmlFeed>, Refused), OpmlError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut feeds = Vec::new();
    let mut refused = Vec::new();
    let mut folders: Vec<Option<String>> = Vec::new();
    let mut root_seen = false;
    loop {
        let event = reader.read_event().map_err(|e| OpmlError::Malformed {
            position: reader.error_position(),
            message: e.to_string(),
        })?;
        let (element, empty) = match &event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) => {
                if e.local_name().into_inner().eq_ignore_ascii_case("outline") {
                    folders.pop();
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = element.local_name().into_inner().to_string();
        if !root_seen {
            if !name.eq_ignore_ascii_case("opml") {
                return Err(OpmlError::NotOpml(name));
            }
            root_seen = true;
            continue;
        }
        if !name.eq_ignore_ascii_case("outline") {
            continue;
        }
        let attr = |key: &str| attribute(element, key);
        let title = attr("title")
            .or_else(|| attr("text"))
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        match attr("xmlUrl") {
            Some(xml_url) => match Url::parse(xml_url.trim()) {
                Ok(url) if matches!(url.scheme(), "http" | "https") => feeds.push(OpmlFeed {
                    title: title.unwrap_or_else(|| url.host_str().unwrap_or("feed").to_string()),
                    url,
                    site: attr("htmlUrl").filter(|s| !s.trim().is_empty()),
                    folders: folders.iter().flatten().cloned().collect(),
                }),
                Ok(url) => refused.push((
                    title.unwrap_or_default(),
                    format!("{url}: only http and https feeds are polled"),
                )),
                Err(e) => refused.push((title.unwrap_or_default(), format!("'{xml_url}': {e}"))),
            },
            // An outline without a feed is a folder of the ones inside it.
            None if !empty => {
                folders.push(title);
                continue;
            }
            None => {}
        }
        if !empty {
            // A feed outline with children: they are in no folder of its.
            folders.push(None);
        }
    }
    if !root_seen {
        return Err(OpmlError::NotOpml("nothing".into()));
    }
    Ok((feeds, refused))
}

/// An attribute's value, its entities resolved, matched without regard to case (readers
/// write `xmlUrl`, `xmlurl` and `XMLURL`).
fn attribute(element: &BytesStart, key: &str) -> Option<String> {
    element.attributes().flatten().find_map(|a| {
        if !a.key.local_name().into_inner().eq_ignore_ascii_case(key) {
            return None;
        }
        // An entity XML does not define (`&eacute;` from an HTML-minded exporter) is read
        // the way a browser reads it, rather than losing the feed.
        Some(match a.normalized_value(XmlVersion::Implicit1_0) {
            Ok(v) => v.into_owned(),
            Err(_) => html_text(&a.value),
        })
    })
}

/// `raw` with its character references resolved as HTML resolves them.
fn html_text(raw: &str) -> String {
    let escaped = raw.replace('<', "&lt;");
    scraper::Html::parse_fragment(&escaped)
        .root_element()
        .text()
        .collect()
}

/// What [`add_to_config`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Added {
    /// Names given to the feeds added, in order.
    pub added: Vec<String>,
    /// Feeds left out because the config (or the OPML file, earlier) has their URL:
    /// `(title, url)`.
    pub already: Vec<(String, String)>,
}

/// `config` with `feeds` appended as `[[feed]]` tables, each after a comment naming where it
/// came from; every other byte of the file is kept. Feeds whose URL the config already polls
/// are skipped, and names are made unique against the config's.
pub fn add_to_config(
    config: &str,
    feeds: &[OpmlFeed],
    source: &str,
) -> Result<(String, Added), toml_edit::TomlError> {
    let mut doc: DocumentMut = config.parse()?;
    let mut names: HashSet<String> = HashSet::new();
    let mut urls: HashSet<String> = HashSet::new();
    if let Some(existing) = doc.get("feed").and_then(Item::as_array_of_tables) {
        for table in existing.iter() {
            if let Some(name) = table.get("name").and_then(Item::as_str) {
                names.insert(name.to_string());
            }
            if let Some(url) = table.get("url").and_then(Item::as_str) {
                urls.insert(url_key(url));
            }
        }
    }
    let mut report = Added::default();
    let mut tables = Vec::new();
    for feed in feeds {
        if !urls.insert(url_key(feed.url.as_str())) {
            report.already.push((feed.title.clone(), feed.url.to_string()));
            continue;
        }
        let name = unique_name(&slug(&feed.title), &mut names);
        let mut table = Table::new();
        table["name"] = value(name.as_str());
        table["url"] = value(feed.url.as_str());
        let mut about = format!("# from {source}: {}", one_line(&feed.title));
        if !feed.folders.is_empty() {
            about.push_str(&format!(" (in {})", one_line(&feed.folders.join(" / "))));
        }
        if let Some(site) = &feed.site {
            about.push_str(&format!("; site {}", one_line(site)));
        }
        table.decor_mut().set_prefix(format!("\n{about}\n"));
        tables.push(table);
        report.added.push(name);
    }
    if !tables.is_empty() {
        if !doc.contains_key("feed") {
            doc.insert("feed", Item::ArrayOfTables(ArrayOfTables::new()));
        }
        let Some(array) = doc.get_mut("feed").and_then(Item::as_array_of_tables_mut) else {
            // `feed` is something else than [[feed]]: the config is invalid anyway, and the
            // caller's validation of the result says where.
            return Ok((doc.to_string(), report));
        };
        for table in tables {
            array.push(table);
        }
    }
    Ok((doc.to_string(), report))
}

/// The configured feeds as an OPML 2.0 document. Page sources are not feeds another reader
/// could poll; they are listed in a comment.
pub fn export(feeds: &[Feed], title: &str) -> String {
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head>\n");
    out.push_str(&format!(
        "    <title>{}</title>\n  </head>\n  <body>\n",
        crate::markup::escape(title)
    ));
    let mut pages = Vec::new();
    for feed in feeds {
        match feed.kind {
            SourceKind::Feed { .. } => out.push_str(&format!(
                "    <outline type=\"rss\" text=\"{0}\" title=\"{0}\" xmlUrl=\"{1}\"{2}/>\n",
                crate::markup::escape(&feed.name),
                crate::markup::escape(feed.url.as_str()),
                feed.language
                    .as_deref()
                    .map(|l| format!(" language=\"{}\"", crate::markup::escape(l)))
                    .unwrap_or_default(),
            )),
            SourceKind::Page(_) => pages.push(format!("{} {}", feed.name, feed.url)),
        }
    }
    if !pages.is_empty() {
        // `--` may not appear inside an XML comment.
        let list = pages.join(", ").replace("--", "- -");
        out.push_str(&format!("    <!-- page sources, not feeds: {list} -->\n"));
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

/// A URL as compared for "already there": parsed (so case of scheme and host, default ports
/// and escapes agree), without a fragment or a trailing slash.
fn url_key(url: &str) -> String {
    match Url::parse(url.trim()) {
        Ok(mut u) => {
            u.set_fragment(None);
            u.as_str().trim_end_matches('/').to_string()
        }
        Err(_) => url.trim().to_string(),
    }
}

/// A config name from a title: lower-case letters and digits of any script, words joined by
/// `-`, at most 48 characters.
fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.chars().count() >= 48 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "feed".into()
    } else {
        out
    }
}

fn unique_name(base: &str, taken: &mut HashSet<String>) -> String {
    let mut name = base.to_string();
    let mut n = 2;
    while !taken.insert(name.clone()) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>Subscriptions</title></head>
  <body>
    <outline text="News" title="News">
      <outline text="Vietnam" title="Vietnam">
        <outline type="rss" text="VnExpress &amp; Thế giới" xmlUrl="https://vnexpress.net/rss/the-gioi.rss" htmlUrl="https://vnexpress.net/"/>
      </outline>
      <outline type="rss" text="ONU Info" title="ONU Info &#8211; Fran&#xE7;ais" xmlurl="https://news.un.org/feed/subscribe/fr/news/all/rss.xml"/>
    </outline>
    <outline type="rss" text="Again" xmlUrl="HTTPS://VNEXPRESS.NET/rss/the-gioi.rss"/>
    <outline type="rss" text="Podcast" xmlUrl="ftp://example.org/feed"/>
    <outline type="rss" text="Caf&eacute;" xmlUrl="https://cafe.example/feed"/>
  </body>
</opml>"#;

    #[test]
    fn nested_outlines_entities_and_dialects_are_read() {
        let (feeds, refused) = parse(OPML).unwrap();
        let titles: Vec<&str> = feeds.iter().map(|f| f.title.as_str()).collect();
        assert_eq!(
            titles,
            ["VnExpress & Thế giới", "ONU Info – Français", "Again", "Café"]
        );
        assert_eq!(feeds[0].folders, ["News", "Vietnam"]);
        assert_eq!(feeds[0].site.as_deref(), Some("https://vnexpress.net/"));
        assert_eq!(feeds[1].folders, ["News"]);
        assert!(feeds[2].folders.is_empty());
        assert_eq!(refused.len(), 1);
        assert!(refused[0].1.contains("only http and https"), "{refused:?}");
        assert!(matches!(parse("<rss/>"), Err(OpmlError::NotOpml(_))));
        assert!(matches!(
            parse("<opml><body><outline"),
            Err(OpmlError::Malformed { .. })
        ));
    }

    #[test]
    fn feeds_are_added_after_the_config_which_keeps_every_byte() {
        let config = "# my feeds\n[store]\npath = \"s\"  # here\n\n[[feed]]\nname = \"vnexpress-the-gioi\"\nurl = \"https://vnexpress.net/rss/the-gioi.rss\"\n";
        let (feeds, _) = parse(OPML).unwrap();
        let (text, report) = add_to_config(config, &feeds, "subs.opml").unwrap();
        assert!(text.starts_with(config), "{text}");
        assert_eq!(report.added, ["onu-info-français", "café"]);
        assert_eq!(
            report.already.len(),
            2,
            "the config's own and the OPML's duplicate"
        );
        assert!(
            text.contains(
                "# from subs.opml: ONU Info – Français (in News)\n[[feed]]\nname = \"onu-info-français\""
            ),
            "{text}"
        );
        let again = add_to_config(&text, &feeds, "subs.opml").unwrap();
        assert_eq!(again.0, text, "importing twice adds nothing");
    }

    #[test]
    fn names_are_made_unique() {
        let mut taken = HashSet::from(["un-news".to_string()]);
        assert_eq!(unique_name("un-news", &mut taken), "un-news-2");
        assert_eq!(unique_name("un-news", &mut taken), "un-news-3");
        assert_eq!(slug("  ***  "), "feed");
        assert_eq!(slug("UN News: Law & Crime"), "un-news-law-crime");
    }
}
