//! What real feeds get wrong, mended before feed-rs reads them: feed-rs is strict where
//! feedparser and Miniflux are lenient, and one bare `&` or one `&hellip;` costs a whole feed.
//! Each repair is narrow and leaves a valid feed byte for byte as it was:
//! - a bare `&` becomes `&amp;`, and HTML named entities (`&nbsp;`, `&eacute;`) become numeric
//!   references, since XML knows only five names; CDATA sections and comments are left alone;
//! - `<rss>` without a version, or with one feed-rs does not know (`0.93`, `2.00`, ` 2.0`), is
//!   read as RSS 2.0, and RSS 2.0 in the Userland namespace loses that namespace;
//! - RSS 0.90's namespace becomes RSS 1.0's (the same elements), and Atom 0.3 becomes Atom 1.0
//!   (its namespace, and `issued`, `modified`, `tagline`, `copyright` renamed);
//! - an Atom text construct's `type` of `text/plain`, `""` or `TEXT` is read as `text`;
//! - an XML declaration anywhere but at the start is dropped.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

const RSS_090: &str = "http://my.netscape.com/rdf/simple/0.9/";
const RSS_10: &str = "http://purl.org/rss/1.0/";
const ATOM_03: &str = "http://purl.org/atom/ns#";
const ATOM_10: &str = "http://www.w3.org/2005/Atom";

/// The Atom 0.3 elements renamed in 1.0.
const ATOM_03_RENAMES: [(&str, &str); 4] = [
    ("issued", "published"),
    ("modified", "updated"),
    ("tagline", "subtitle"),
    ("copyright", "rights"),
];

/// The start tag of an Atom text construct, and its attributes.
static TEXT_CONSTRUCT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"<((?:atom:)?(?:title|subtitle|summary|content|rights))(\s[^>]*?)?(/?)>"#)
        .expect("a valid literal pattern")
});

static TYPE_ATTRIBUTE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(\stype\s*=\s*)(["'])([^"']*)(["'])"#).expect("a valid literal pattern"));

static VERSION_ATTRIBUTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(\sversion\s*=\s*)(["'])([^"']*)(["'])"#).expect("a valid literal pattern")
});

/// An XML declaration (or what looks like one), anywhere, up to the `?>` an XML reader ends it
/// at, whatever comes before (a `>` included: `<?xml version="1>` runs on to the next `?>`).
static DECLARATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<\?xml\s.*?\?>").expect("a valid literal pattern"));

/// The feed text with what feed-rs would refuse mended; borrowed when nothing needed it.
pub fn repair(text: &str) -> Cow<'_, str> {
    match normalise_declarations(text) {
        Cow::Borrowed(text) => repair_markup(text),
        Cow::Owned(text) => Cow::Owned(repair_markup(&text).into_owned()),
    }
}

/// A well-formed declaration naming UTF-8 or no encoding, which is left as it is.
static UTF8_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"^<\?xml\s+version\s*=\s*["'][0-9.]+["'](\s+encoding\s*=\s*["'](?i:utf-?8)["'])?(\s+standalone\s*=\s*["'](yes|no)["'])?\s*\?>$"#,
    )
    .expect("a valid literal pattern")
});

/// What the declaration at the start becomes: the text is UTF-8 by now, whatever it said.
const UTF8_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

/// Every XML declaration but one at the very start, and that one made to say UTF-8 and
/// nothing else: a second one (concatenated feeds, a template that printed its header twice)
/// is ill-formed, and a long or garbled first one can still name another encoding after the
/// one decoding rewrote; feed-rs switches its decoder on such a name, which its XML reader
/// cannot do once past the document's first bytes (it panics).
fn normalise_declarations(text: &str) -> Cow<'_, str> {
    let lead = text.len() - text.trim_start_matches('\u{feff}').trim_start().len();
    let found: Vec<_> = DECLARATION.find_iter(text).map(|m| m.range()).collect();
    let clean_lead =
        |range: &std::ops::Range<usize>| range.start == lead && UTF8_ONLY.is_match(&text[range.clone()]);
    if found.iter().all(clean_lead) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for range in found {
        out.push_str(&text[at..range.start]);
        if range.start == lead {
            out.push_str(UTF8_DECLARATION);
        }
        at = range.end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// [`repair`] past the declarations.
fn repair_markup(text: &str) -> Cow<'_, str> {
    let Some(root) = RootTag::find(text) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 64);
    out.push_str(&text[..root.start]);
    out.push_str(&root.mended(text));
    let atom_03 = root.local_name() == "feed" && root.tag(text).contains(ATOM_03);
    let atom = root.local_name() == "feed";
    let rest = &text[root.end..];
    for (markup, is_markup) in Sections::new(rest) {
        if !is_markup {
            out.push_str(markup);
            continue;
        }
        let mut part = escape_entities(markup);
        if atom_03 {
            part = Cow::Owned(rename_atom_03(&part));
        }
        if atom || part.contains("<atom:") {
            part = Cow::Owned(mend_text_types(&part).into_owned());
        }
        out.push_str(&part);
    }
    if out == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(out)
    }
}

/// The document's root start tag, by byte range.
struct RootTag {
    start: usize,
    end: usize,
    /// Its local name (`RDF` of `rdf:RDF`).
    name: String,
}

impl RootTag {
    /// Skips the prolog, comments, processing instructions and a doctype.
    fn find(text: &str) -> Option<RootTag> {
        let mut at = 0;
        loop {
            let start = at + text[at..].find('<')?;
            let rest = &text[start..];
            let skip_to = if rest.starts_with("<?") {
                rest.find("?>").map(|i| i + 2)
            } else if rest.starts_with("<!--") {
                rest.find("-->").map(|i| i + 3)
            } else if rest.starts_with("<!") {
                // A doctype, with or without an internal subset.
                match (rest.find('['), rest.find('>')) {
                    (Some(open), Some(close)) if open < close => rest.find("]>").map(|i| i + 2),
                    (_, close) => close.map(|i| i + 1),
                }
            } else {
                let end = start + rest.find('>')? + 1;
                let qualified: String = rest[1..]
                    .chars()
                    .take_while(|c| !c.is_whitespace() && !matches!(c, '>' | '/'))
                    .collect();
                let name = qualified.rsplit(':').next().unwrap_or("").to_string();
                return Some(RootTag { start, end, name });
            };
            at = start + skip_to?;
        }
    }

    fn tag<'a>(&self, text: &'a str) -> &'a str {
        &text[self.start..self.end]
    }

    fn local_name(&self) -> &str {
        &self.name
    }
}

/// Cut the text into markup (where entities and tags are mended) and CDATA sections and
/// comments (copied as they are), in order.
struct Sections<'a> {
    rest: &'a str,
}

impl<'a> Sections<'a> {
    fn new(text: &'a str) -> Sections<'a> {
        Sections { rest: text }
    }
}

impl<'a> Iterator for Sections<'a> {
    type Item = (&'a str, bool);

    fn next(&mut self) -> Option<(&'a str, bool)> {
        if self.rest.is_empty() {
            return None;
        }
        let (open, close) = match (self.rest.find("<![CDATA["), self.rest.find("<!--")) {
            (Some(c), Some(m)) if m < c => (m, "-->"),
            (Some(c), _) => (c, "]]>"),
            (None, Some(m)) => (m, "-->"),
            (None, None) => {
                let all = self.rest;
                self.rest = "";
                return Some((all, true));
            }
        };
        if open > 0 {
            let markup = &self.rest[..open];
            self.rest = &self.rest[open..];
            return Some((markup, true));
        }
        let end = self.rest.find(close).map_or(self.rest.len(), |i| i + close.len());
        let kept = &self.rest[..end];
        self.rest = &self.rest[end..];
        Some((kept, false))
    }
}

/// Bare `&` escaped, HTML named entities as numeric references; XML's own five and numeric
/// references kept.
fn escape_entities(markup: &str) -> Cow<'_, str> {
    if !markup.contains('&') {
        return Cow::Borrowed(markup);
    }
    let mut out = String::with_capacity(markup.len() + 16);
    let mut rest = markup;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let name_len = after
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '#')
            .unwrap_or(after.len());
        let name = &after[..name_len];
        let terminated = after[name_len..].starts_with(';');
        let numeric = name.strip_prefix('#').is_some_and(|n| {
            !n.is_empty()
                && (n.chars().all(|c| c.is_ascii_digit())
                    || n.strip_prefix(['x', 'X'])
                        .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit())))
        });
        if terminated && (numeric || matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")) {
            out.push('&');
            out.push_str(name);
            out.push(';');
            rest = &after[name_len + 1..];
            continue;
        }
        if terminated && !name.starts_with('#') {
            if let Some(&(first, second)) = markup5ever::data::NAMED_ENTITIES.get(&format!("{name};")[..]) {
                out.push_str(&format!("&#{first};"));
                if second != 0 {
                    out.push_str(&format!("&#{second};"));
                }
                rest = &after[name_len + 1..];
                continue;
            }
        }
        out.push_str("&amp;");
        rest = after;
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn rename_atom_03(markup: &str) -> String {
    let mut out = markup.to_string();
    for (old, new) in ATOM_03_RENAMES {
        for (from, to) in [
            (format!("<{old}>"), format!("<{new}>")),
            (format!("<{old} "), format!("<{new} ")),
            (format!("</{old}>"), format!("</{new}>")),
        ] {
            out = out.replace(&from, &to);
        }
    }
    out
}

/// `type` on Atom text constructs, in the forms feed-rs knows.
fn mend_text_types(markup: &str) -> Cow<'_, str> {
    TEXT_CONSTRUCT.replace_all(markup, |caps: &regex::Captures| {
        let whole = &caps[0];
        let Some(attrs) = caps.get(2) else {
            return whole.to_string();
        };
        let mended = TYPE_ATTRIBUTE.replace(attrs.as_str(), |t: &regex::Captures| {
            let value = t[3].trim().to_ascii_lowercase();
            let value = match value.as_str() {
                "" | "text/plain" | "plain" => "text".to_string(),
                "application/xhtml+xml" => "xhtml".to_string(),
                "text" | "html" | "xhtml" | "text/html" => value,
                _ => t[3].to_string(),
            };
            format!("{}{}{}{}", &t[1], &t[2], value, &t[4])
        });
        format!("<{}{}{}>", &caps[1], mended, &caps[3])
    })
}

impl RootTag {
    /// The root tag with its version and namespace mended.
    fn mended(&self, text: &str) -> String {
        let tag = self.tag(text);
        match self.local_name() {
            "rss" => {
                let mut tag = tag
                    .replace("xmlns=\"http://backend.userland.com/rss2\"", "")
                    .replace("xmlns='http://backend.userland.com/rss2'", "");
                match VERSION_ATTRIBUTE.captures(&tag) {
                    Some(caps) if matches!(&caps[3], "2.0" | "0.91" | "0.92") => {}
                    Some(caps) => {
                        let range = caps.get(0).map(|m| m.range()).unwrap_or_default();
                        let fixed = format!("{}{}2.0{}", &caps[1], &caps[2], &caps[4]);
                        tag.replace_range(range, &fixed);
                    }
                    None => {
                        let at = "<rss".len();
                        tag.insert_str(at, " version=\"2.0\"");
                    }
                }
                tag
            }
            "RDF" => tag.replace(RSS_090, RSS_10),
            "feed" => tag.replace(ATOM_03, ATOM_10),
            _ => tag.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::feed::parse_feed;

    const ITEM: &str = "<item><title>AT&T wins &hellip; caf&eacute;&nbsp;deal</title>\
        <link>https://news.example/a</link><description>Hanoi &amp; Vienna &#8212; &#x2014;</description></item>";

    fn rss(root: &str) -> String {
        format!("<?xml version=\"1.0\"?>\n<!-- a comment -->\n{root}<channel><title>T</title>{ITEM}</channel></rss>")
    }

    /// The titles feed-rs reads from `text` once mended.
    fn titles(text: &str) -> Vec<String> {
        let base = url::Url::parse("https://news.example/feed").unwrap();
        match parse_feed(text, &base, None, &jiff::tz::TimeZone::UTC) {
            Ok(feed) => feed.entries.into_iter().map(|e| e.entry.title).collect(),
            Err(e) => panic!("{e}\n{}", repair(text)),
        }
    }

    #[test]
    fn a_second_xml_declaration_is_dropped_not_a_crash() {
        // Found by the feed fuzz target: feed-rs switched encodings on the second declaration,
        // and its XML reader panicked.
        let twice = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<?xml version=\"1.0\" encoding=\"windows-1256\"?>{}",
            &rss("<rss version=\"2.0\">")["<?xml version=\"1.0\"?>\n".len()..]
        );
        assert_eq!(titles(&twice), ["AT&T wins … café deal"]);
        let inside = rss("<rss version=\"2.0\">").replace(
            "<channel>",
            "<channel><?xml version=\"1.0\" encoding=\"koi8-r\"?>",
        );
        assert_eq!(titles(&inside), ["AT&T wins … café deal"]);
        // Found by a later campaign: a broken one with a `>` in it runs on to the next `?>`.
        let broken = rss("<rss version=\"2.0\">").replace(
            "<channel>",
            "<channel><?xml version=\"1.0>\n<title>x</title>\" encoding=\"koi8-r\"?>",
        );
        assert_eq!(titles(&broken), ["AT&T wins … café deal"]);
        // The one at the start stays, saying UTF-8 and nothing else, however garbled it was
        // (found by the same campaign: a later `encoding=` inside a broken first one).
        assert!(repair(&rss("<rss version=\"2.0\">")).starts_with("<?xml version=\"1.0\"?>"));
        let garbled = rss("<rss version=\"2.0\">").replacen(
            "<?xml version=\"1.0\"?>",
            "<?xml version=\"1.0\" encoding\u{c3}\u{dd}version=\"1.0\" encoding=\"windows-1256\"?>",
            1,
        );
        assert_eq!(titles(&garbled), ["AT&T wins … café deal"]);
    }

    #[test]
    fn rss_without_a_known_version_is_read_as_rss_2() {
        for root in [
            "<rss>",
            "<rss version=\"0.93\">",
            "<rss version=\"0.94\">",
            "<rss version=\"2.00\">",
            "<rss version=\" 2.0\">",
            "<rss version='2.0.1'>",
            "<rss version=\"2.0\" xmlns=\"http://backend.userland.com/rss2\">",
        ] {
            assert_eq!(titles(&rss(root)), ["AT&T wins … café deal"], "{root}");
        }
    }

    #[test]
    fn entities_html_knows_and_bare_ampersands_are_read() {
        let mended =
            repair("<rss version=\"2.0\"><x>a & b &hellip; &amp; &#38; &#x26; &bogus; &lt;</x></rss>");
        assert_eq!(
            mended,
            "<rss version=\"2.0\"><x>a &amp; b &#8230; &amp; &#38; &#x26; &amp;bogus; &lt;</x></rss>"
        );
    }

    #[test]
    fn cdata_and_comments_are_left_as_they_are() {
        let text = "<rss version=\"2.0\"><channel><title>T</title><item><title><![CDATA[Keep & this &hellip;]]></title>\
            <!-- & here too --><link>https://news.example/e</link></item></channel></rss>";
        assert_eq!(repair(text), text);
        assert_eq!(titles(text), ["Keep & this …"]);
    }

    #[test]
    fn a_valid_feed_is_not_copied() {
        let valid =
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T &amp; U</title></channel></rss>";
        assert!(matches!(repair(valid), Cow::Borrowed(_)));
    }

    #[test]
    fn rss_090_and_atom_03_have_their_entries_read() {
        let rss_090 = "<?xml version=\"1.0\"?><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" \
            xmlns=\"http://my.netscape.com/rdf/simple/0.9/\"><channel><title>T</title><link>https://news.example/</link>\
            </channel><item><title>Old one</title><link>https://news.example/b</link></item></rdf:RDF>";
        assert_eq!(titles(rss_090), ["Old one"]);
        let atom_03 = "<?xml version=\"1.0\"?><feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><title>T</title>\
            <tagline>Sub</tagline><entry><title type=\"text/plain\">Atom zero three</title>\
            <link rel=\"alternate\" type=\"text/html\" href=\"https://news.example/c\"/><id>tag:x,2004:c</id>\
            <issued>2004-07-08T23:56:58+07:00</issued><modified>2004-07-09T10:00:00Z</modified></entry></feed>";
        let base = url::Url::parse("https://news.example/feed").unwrap();
        let feed = parse_feed(atom_03, &base, None, &jiff::tz::TimeZone::UTC).unwrap();
        assert_eq!(feed.entries.len(), 1);
        let entry = &feed.entries[0].entry;
        assert_eq!(entry.title, "Atom zero three");
        assert_eq!(
            entry.published.map(|p| p.to_rfc3339()),
            Some("2004-07-08T16:56:58+00:00".to_string())
        );
    }

    #[test]
    fn atom_text_types_written_oddly_are_read() {
        for kind in ["text/plain", "TEXT", "", " Text "] {
            let atom = format!(
                "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title type=\"{kind}\">T</title><entry>\
                 <title type=\"{kind}\">Odd types</title><link href=\"https://news.example/d\"/><id>urn:d</id>\
                 <updated>2024-01-05T10:00:00Z</updated><content type=\"{kind}\">Body</content></entry></feed>"
            );
            assert_eq!(titles(&atom), ["Odd types"], "type=\"{kind}\"");
        }
        // A media type on other elements is not touched.
        let media =
            "<feed xmlns=\"http://www.w3.org/2005/Atom\"><content type=\"image/png\" src=\"x\"/></feed>";
        assert_eq!(repair(media), media);
    }
}
