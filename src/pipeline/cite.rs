//! What an article points to: every link in its body, and the ones it names as its source
//! ("Nguồn:", "المصدر:", "Source:", …). Stories across languages are joined through these: a
//! translation cites its original, and two write-ups of one wire story cite the same source.

use scraper::{ElementRef, Html, Selector};
use url::Url;

use crate::links::canonical_url;

/// Words that introduce a source, in the languages we watch (compared lower-cased, before a
/// colon). Vietnamese outlets write "Nguồn", Arabic ones "المصدر", Chinese ones "来源".
const SOURCE_MARKERS: &[&str] = &[
    "source",
    "sources",
    "nguồn",
    "theo nguồn",
    "المصدر",
    "مصدر",
    "المصادر",
    "источник",
    "источники",
    "fuente",
    "fuentes",
    "来源",
    "來源",
    "出处",
    "消息来源",
];

/// Elements whose text is one unit for deciding whether a link is a cited source.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "li",
    "blockquote",
    "td",
    "figcaption",
    "footer",
    "section",
    "article",
];

/// Links found in an article.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refs {
    /// Every http(s) link in the body, canonical.
    pub links: Vec<String>,
    /// The links the article names as its source, canonical (also in `links`).
    pub cited: Vec<String>,
}

/// The links and cited sources of an HTML (or plain text) body, resolved against `base`. `text`
/// is the body as plain text (from [`super::text::html_to_text`]), for bare URLs.
pub fn refs_of(body: &str, text: &str, base: &Url) -> Refs {
    let fragment = (body.contains("<a") || body.contains("<A")).then(|| Html::parse_fragment(body));
    refs_in(fragment.as_ref(), text, base)
}

/// [`refs_of`] over a body already parsed (`None`: plain text).
pub fn refs_in(fragment: Option<&Html>, text: &str, base: &Url) -> Refs {
    // Invariant: a constant, valid selector.
    let anchors = Selector::parse("a[href]").expect("valid selector");
    match fragment {
        Some(fragment) => refs_of_anchors(fragment.select(&anchors), text, base),
        None => refs_of_anchors(std::iter::empty(), text, base),
    }
}

/// The links among `anchors` (a source when the link or its block names one), and the bare
/// URLs of `text`.
pub fn refs_of_anchors<'a>(anchors: impl Iterator<Item = ElementRef<'a>>, text: &str, base: &Url) -> Refs {
    let mut refs = Refs::default();
    for a in anchors {
        let Some(url) = a.value().attr("href").and_then(|h| absolute(h, base)) else {
            continue;
        };
        let cited = has_marker(&a.text().collect::<String>()) || has_marker(&block_text(a));
        refs.add(url, cited);
    }
    refs.add_bare(text, base);
    refs
}

/// Whether a line names a source ("Nguồn: …", "المصدر: …").
pub fn names_source(line: &str) -> bool {
    has_marker(line)
}

impl Refs {
    fn add(&mut self, url: String, cited: bool) {
        if cited && !self.cited.contains(&url) {
            self.cited.push(url.clone());
        }
        if !self.links.contains(&url) {
            self.links.push(url);
        }
    }

    /// Bare URLs written in the text ("المصدر: https://…"), line by line.
    fn add_bare(&mut self, text: &str, base: &Url) {
        for line in text.lines() {
            let cited = has_marker(line);
            for word in line.split_whitespace() {
                let Some(start) = word.find("http://").or_else(|| word.find("https://")) else {
                    continue;
                };
                let candidate = word[start..].trim_end_matches(|c: char| {
                    matches!(
                        c,
                        '.' | ',' | ';' | ':' | '!' | '?' | ')' | ']' | '"' | '\'' | '»' | '،' | '。' | '，'
                    )
                });
                if let Some(url) = absolute(candidate, base) {
                    self.add(url, cited);
                }
            }
        }
    }
}

/// The text of the nearest block around a link.
fn block_text(a: ElementRef) -> String {
    let mut node = a.parent();
    while let Some(n) = node {
        if let Some(el) = ElementRef::wrap(n) {
            if BLOCKS.contains(&el.value().name()) {
                return el.text().collect();
            }
        }
        node = n.parent();
    }
    String::new()
}

/// Whether a line names a source: a marker word followed by a colon.
fn has_marker(text: &str) -> bool {
    // Most lines have no colon at all: skip lower-casing them.
    if !text.contains([':', '：']) {
        return false;
    }
    let lower = text.to_lowercase();
    SOURCE_MARKERS.iter().any(|marker| {
        lower.match_indices(marker).any(|(i, _)| {
            let before_ok = lower[..i]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric());
            let after = lower[i + marker.len()..].trim_start();
            before_ok && (after.starts_with(':') || after.starts_with('：'))
        })
    })
}

fn absolute(href: &str, base: &Url) -> Option<String> {
    let url = base.join(href.trim()).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host().is_some())
        .then(|| canonical_url(&url).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://arabic.example.com/world/a.html").unwrap()
    }

    #[test]
    fn the_seed_cites_its_vietnamese_source() {
        let seed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/seeds/000_74555ccaf6b3bf05.txt"))
            .unwrap_or_else(|_| "المصدر: https://kinhtedothi.vn/lhq-se-to-chuc-le-ky-cong-uoc-ve-chong-toi-pham-mang-tai-viet-nam.html\nتعليق (0)".into());
        let refs = refs_of(&seed, &seed, &base());
        assert_eq!(
            refs.cited,
            vec!["https://kinhtedothi.vn/lhq-se-to-chuc-le-ky-cong-uoc-ve-chong-toi-pham-mang-tai-viet-nam.html"]
        );
    }

    #[test]
    fn anchors_in_a_source_line_are_cited_others_only_linked() {
        let html = r#"<p>Bài viết <a href="/the-gioi">Thế giới</a></p>
            <p>Nguồn: <a href="https://news.un.org/en/story/2025/10/1?utm_source=x">UN News</a></p>
            <p>Source : <a href="https://www.reuters.com/world/x">Reuters</a>.</p>
            <p>来源：https://www.news.cn/world/20251025/abc.html。</p>
            <p>Resource: https://example.org/not-a-source</p>"#;
        let text = crate::pipeline::text::html_to_text(html);
        let refs = refs_of(html, &text, &Url::parse("https://vnexpress.net/a.html").unwrap());
        assert_eq!(
            refs.cited,
            vec![
                "https://news.un.org/en/story/2025/10/1",
                "https://www.reuters.com/world/x",
                "https://www.news.cn/world/20251025/abc.html"
            ]
        );
        assert!(refs.links.contains(&"https://vnexpress.net/the-gioi".to_string()));
        assert!(refs
            .links
            .contains(&"https://example.org/not-a-source".to_string()));
        assert_eq!(refs.links.len(), 5);
    }
}
