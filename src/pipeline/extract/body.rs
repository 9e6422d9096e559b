//! The main text of a page, found by scoring as readability does: every paragraph gives points
//! to its parent and grandparent (more for length and commas), containers whose class or id says
//! "article" gain and those that say "comments", "related" or "share" lose, link-heavy ones are
//! discounted; the best container and its strong siblings are the article. Inside it, furniture
//! is dropped: link lists, ad markers, comment counters, share bars.

use std::collections::HashMap;

use scraper::{ElementRef, Html, Node};
use url::Url;

use crate::pipeline::cite::{self, Refs};

/// What the body scan found.
pub(super) struct MainText {
    /// One paragraph per line.
    pub(super) text: String,
    /// Links and cited sources in those paragraphs.
    pub(super) refs: Refs,
    /// The page's headline element (`h1`), if it has one outside the furniture.
    pub(super) heading: Option<String>,
}

/// Elements never read as text.
const SKIPPED: &[&str] = &[
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "svg",
    "button",
    "select",
    "textarea",
    "figure",
    "figcaption",
    "picture",
    "video",
    "audio",
    "object",
    "canvas",
    "input",
    "label",
];

/// Elements whose content is page furniture wherever they are.
const UNLIKELY_TAGS: &[&str] = &["nav", "aside", "footer", "form", "menu", "dialog"];

/// Elements that hold paragraphs rather than inline text.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "ul",
    "ol",
    "li",
    "table",
    "tr",
    "td",
    "blockquote",
    "pre",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "footer",
    "aside",
    "nav",
    "form",
    "figure",
    "dl",
    "hr",
    "address",
];

/// Class and id words of furniture (compared as whole words).
const NEGATIVE_WORDS: &[&str] = &[
    "ad",
    "ads",
    "adv",
    "advert",
    "banner",
    "nav",
    "navbar",
    "menu",
    "footer",
    "sidebar",
    "aside",
    "tag",
    "tags",
    "more",
    "also",
    "widget",
    "popup",
    "modal",
    "login",
    "signup",
    "pager",
    "pagination",
    "print",
    "rating",
    "vote",
    "poll",
    "toolbar",
    "tools",
    "hidden",
    "caption",
    "masthead",
    "topbar",
    "bottom",
    "author",
    "bio",
    "meta",
];

/// Class and id substrings of furniture (long enough not to match by accident).
const NEGATIVE_PARTS: &[&str] = &[
    "comment",
    "related",
    "share",
    "sharing",
    "social",
    "cookie",
    "consent",
    "newsletter",
    "subscri",
    "breadcrumb",
    "recommend",
    "popular",
    "mostread",
    "trending",
    "outbrain",
    "taboola",
    "sponsor",
    "promo",
    "advert",
    "paywall",
    "lienquan",
    "binhluan",
    "quangcao",
    "docthem",
    "xemthem",
    "readmore",
    "readalso",
    "lireaussi",
    "seealso",
    "footer",
    "sidebar",
    "banner",
    "gdpr",
];

/// Class and id words of article containers.
const POSITIVE_WORDS: &[&str] = &[
    "article", "content", "body", "entry", "post", "story", "text", "main", "detail", "prose", "richtext",
    "wysiwyg", "fck", "news", "chitiet", "noidung",
];

/// Class and id words of a lead paragraph kept outside the body container.
const LEAD_WORDS: &[&str] = &[
    "desc",
    "lead",
    "sapo",
    "description",
    "standfirst",
    "summary",
    "chapo",
    "intro",
    "excerpt",
    "deck",
];

/// Lines that are furniture whatever their container: ad markers, comment counters, share
/// prompts (compared lower-cased without digits, punctuation or spaces).
const FURNITURE_LINES: &[&str] = &[
    "advertisement",
    "ad",
    "ads",
    "sponsored",
    "sponsoredcontent",
    "quảngcáo",
    "إعلان",
    "إعلانرقم",
    "اعلان",
    "реклама",
    "publicidad",
    "publicité",
    "anuncio",
    "广告",
    "廣告",
    "comments",
    "comment",
    "nocomments",
    "bìnhluận",
    "tìnhluận",
    "تعليق",
    "تعليقات",
    "комментарии",
    "комментариев",
    "комментарий",
    "comentarios",
    "commentaires",
    "评论",
    "share",
    "sharethis",
    "sharethisarticle",
    "chiasẻ",
    "مشاركة",
    "شارك",
    "поделиться",
    "compartir",
    "partager",
    "分享",
    "readmore",
    "xemthêm",
    "اقرأأيضا",
    "читайтетакже",
    "leertambién",
    "lireaussi",
    "相关新闻",
    "print",
    "in",
    "طباعة",
    "печать",
    "imprimir",
    "imprimer",
    "打印",
];

/// Paragraph weight below which a paragraph gives no score (CJK characters count twice).
const MIN_PARAGRAPH_WEIGHT: usize = 25;

/// Above this share of linked text a paragraph is a link list.
const MAX_LINK_DENSITY: f64 = 0.5;

/// A paragraph of the page, in document order.
struct Paragraph<'a> {
    element: ElementRef<'a>,
    text: String,
    link_chars: usize,
    heading: bool,
}

/// Finds the main text of a parsed page.
pub(super) fn main_text(document: &Html, base: &Url) -> MainText {
    let strict = main_text_with(document, base, Rules::Strict);
    // Class and id words mislead on some sites (Drupal's `field-label-hidden` on the body,
    // WordPress's `tag-…` on the post, ASP.NET's page-wide `<form>`): when the rules leave
    // little, the page is read again without them, and the longer reading wins if it is
    // clearly longer. A rule must not empty a page a person sees an article on.
    if weight(&strict.text) >= LENIENT_BELOW {
        return strict;
    }
    let lenient = main_text_with(document, base, Rules::Lenient);
    if weight(&lenient.text) > weight(&strict.text) * 2 {
        lenient
    } else {
        strict
    }
}

/// Below this weight of text (about 300 words), a page is read again without the class and id
/// rules.
const LENIENT_BELOW: usize = 1500;

/// Which furniture rules a reading applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rules {
    /// Tags, roles, and class and id words.
    Strict,
    /// Tags and roles only, and a `<form>` may hold the article.
    Lenient,
}

fn main_text_with(document: &Html, base: &Url, rules: Rules) -> MainText {
    let root = document.root_element();
    let body = root
        .children()
        .filter_map(ElementRef::wrap)
        .find(|e| e.value().name() == "body")
        .unwrap_or(root);

    let mut paragraphs = Vec::new();
    let mut heading = None;
    collect(body, &mut paragraphs, &mut heading, false, rules);

    // Score containers.
    // Keyed by node id (ego_tree's, which scraper does not re-export).
    let mut scores = HashMap::new();
    for p in paragraphs.iter().filter(|p| !p.heading) {
        let weight = weight(&p.text);
        if weight < MIN_PARAGRAPH_WEIGHT {
            continue;
        }
        let commas = p
            .text
            .chars()
            .filter(|c| matches!(c, ',' | '،' | '，' | '、' | '；'))
            .count();
        let score = 1.0 + commas as f64 + (weight as f64 / 100.0).min(3.0);
        let mut ancestor = p.element.parent().and_then(ElementRef::wrap);
        for divide in [1.0, 2.0, 3.0] {
            let Some(a) = ancestor else { break };
            *scores.entry(a.id()).or_insert_with(|| class_weight(a)) += score / divide;
            ancestor = a.parent().and_then(ElementRef::wrap);
        }
    }
    // Discount link-heavy containers.
    let mut best: Option<(ElementRef, f64)> = None;
    let mut adjusted = HashMap::new();
    for (id, score) in &scores {
        let Some(element) = document.tree.get(*id).and_then(ElementRef::wrap) else {
            continue;
        };
        let score = score * (1.0 - link_density(element));
        adjusted.insert(*id, score);
        if best.is_none_or(|(_, s)| score > s) {
            best = Some((element, score));
        }
    }

    let Some((best, best_score)) = best else {
        // No paragraph long enough to score: keep what there is outside the furniture.
        let lines: Vec<&Paragraph> = paragraphs.iter().filter(|p| keep(p)).collect();
        return finish(&lines, heading, base);
    };

    // A container whose text is nearly all in one child (an `article` holding a byline, the
    // body and a newsletter box) stands for that child: the rest is furniture around it.
    let mut mass = HashMap::new();
    for p in paragraphs.iter().filter(|p| !p.heading) {
        let w = weight(&p.text);
        for a in p.element.ancestors() {
            *mass.entry(a.id()).or_insert(0usize) += w;
        }
    }
    let mut best = best;
    loop {
        let total = mass.get(&best.id()).copied().unwrap_or(0);
        let dominant = best
            .children()
            .filter_map(ElementRef::wrap)
            .find(|c| mass.get(&c.id()).is_some_and(|m| *m * 10 >= total * 9));
        match dominant {
            // Only containers: a lone paragraph is not the article.
            Some(child) if has_block_child(child) => best = child,
            _ => break,
        }
    }

    // The article may be split across siblings (a lead, the body, a continuation after an ad).
    let threshold = (best_score * 0.2).max(10.0);
    let mut roots = vec![best.id()];
    if let Some(parent) = best.parent() {
        for sibling in parent.children().filter_map(ElementRef::wrap) {
            if sibling.id() != best.id() && adjusted.get(&sibling.id()).is_some_and(|s| *s >= threshold) {
                roots.push(sibling.id());
            }
        }
    }
    let within = |p: &Paragraph| p.element.ancestors().any(|a| roots.contains(&a.id()));
    let first_inside = paragraphs.iter().position(&within);
    let lines: Vec<&Paragraph> = paragraphs
        .iter()
        .enumerate()
        .filter(|(i, p)| {
            within(p)
                // A lead paragraph shown just before the body.
                || (first_inside.is_some_and(|f| *i < f) && is_lead(p.element) && !p.heading)
        })
        .map(|(_, p)| p)
        .filter(|p| keep(p))
        .collect();
    finish(&lines, heading, base)
}

fn finish(lines: &[&Paragraph], heading: Option<String>, base: &Url) -> MainText {
    let text = lines
        .iter()
        .map(|p| p.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let anchors = lines.iter().flat_map(|p| {
        p.element
            .descendants()
            .filter_map(ElementRef::wrap)
            .chain(std::iter::once(p.element))
            .filter(|e| e.value().name() == "a")
    });
    let refs = cite::refs_of_anchors(anchors, &text, base);
    MainText { text, refs, heading }
}

/// Whether a paragraph of the article is text rather than furniture.
fn keep(p: &Paragraph) -> bool {
    if p.text.is_empty() || is_furniture(&p.text) || is_byline(p) {
        return false;
    }
    let chars = p.text.chars().count().max(1);
    // A source line is mostly its link, and is the attribution, not a link list.
    p.link_chars as f64 / (chars as f64) <= MAX_LINK_DENSITY || cite::names_source(&p.text)
}

/// Walks the tree in document order, collecting paragraphs outside furniture.
fn collect<'a>(
    element: ElementRef<'a>,
    out: &mut Vec<Paragraph<'a>>,
    heading: &mut Option<String>,
    in_article: bool,
    rules: Rules,
) {
    let name = element.value().name();
    if SKIPPED.contains(&name) || is_hidden(element) {
        return;
    }
    let unlikely = match rules {
        Rules::Strict => UNLIKELY_TAGS.contains(&name) || is_negative(element),
        Rules::Lenient => UNLIKELY_TAGS.contains(&name) && name != "form",
    };
    if unlikely || (name == "header" && !in_article) {
        return;
    }
    let in_article = in_article || name == "article" || name == "main";
    match name {
        "h1" => {
            if heading.is_none() {
                let text = inline_text(element).0;
                if !text.is_empty() {
                    *heading = Some(text);
                }
            }
            return;
        }
        "h2" | "h3" | "h4" | "h5" | "h6" => {
            let (text, link_chars) = inline_text(element);
            out.push(Paragraph {
                element,
                text,
                link_chars,
                heading: true,
            });
            return;
        }
        "p" | "pre" => {
            push_paragraph(element, out);
            return;
        }
        "li" | "div" | "td" | "blockquote" | "section" | "dd" if !has_block_child(element) => {
            push_paragraph(element, out);
            return;
        }
        _ => {}
    }
    for child in element.children().filter_map(ElementRef::wrap) {
        collect(child, out, heading, in_article, rules);
    }
    // Text written straight into a container between its blocks ("<div>text<br>text<p>…").
    if matches!(name, "div" | "section" | "article" | "td") {
        let loose: String = element
            .children()
            .filter_map(|c| match c.value() {
                Node::Text(t) => Some(t.to_string()),
                _ => None,
            })
            .collect();
        let loose = crate::pipeline::text::tidy(&loose);
        if weight(&loose) >= MIN_PARAGRAPH_WEIGHT {
            out.push(Paragraph {
                element,
                text: loose,
                link_chars: 0,
                heading: false,
            });
        }
    }
}

fn push_paragraph<'a>(element: ElementRef<'a>, out: &mut Vec<Paragraph<'a>>) {
    let (text, link_chars) = inline_text(element);
    if !text.is_empty() {
        out.push(Paragraph {
            element,
            text,
            link_chars,
            heading: false,
        });
    }
}

/// The visible text of an element (line breaks at `<br>`, whitespace collapsed) and how many
/// of its characters are link text.
fn inline_text(element: ElementRef) -> (String, usize) {
    let mut text = String::new();
    let mut link_chars = 0;
    walk_text(element, &mut text, &mut link_chars, false);
    let text = crate::pipeline::text::tidy(&text);
    (text, link_chars)
}

fn walk_text(element: ElementRef, out: &mut String, link_chars: &mut usize, in_link: bool) {
    for child in element.children() {
        match child.value() {
            Node::Text(t) => {
                out.push_str(t);
                if in_link {
                    *link_chars += t.trim().chars().count();
                }
            }
            Node::Element(el) => {
                let name = el.name();
                if name == "br" {
                    out.push('\n');
                    continue;
                }
                let Some(child) = ElementRef::wrap(child) else {
                    continue;
                };
                if SKIPPED.contains(&name) || is_hidden(child) || is_negative(child) || is_card(child) {
                    continue;
                }
                walk_text(child, out, link_chars, in_link || name == "a");
            }
            _ => {}
        }
    }
}

/// A short line naming the author or the time: metadata shown in the text's place.
fn is_byline(p: &Paragraph) -> bool {
    p.text.chars().count() < 100
        && p.element.descendants().filter_map(ElementRef::wrap).any(|e| {
            let el = e.value();
            matches!(el.name(), "time" | "address")
                || el
                    .attr("rel")
                    .is_some_and(|r| r.split_whitespace().any(|r| r == "author"))
        })
}

fn has_block_child(element: ElementRef) -> bool {
    element
        .children()
        .filter_map(ElementRef::wrap)
        .any(|c| BLOCKS.contains(&c.value().name()))
}

/// Whether an element inside a sentence is a card shown on hover (a portrait, then links to a
/// person's page and other stories, as some sites put after every name): an image before any
/// link, and two links or more. The name the sentence shows is a link before the card, so the
/// element that holds both is not one. The card's text would make the paragraph read as a
/// link list, and is not the article's.
fn is_card(element: ElementRef) -> bool {
    // Inside a sentence; a figure or a list of teasers is judged as a block.
    if element.value().name() != "span" {
        return false;
    }
    let mut links = 0usize;
    let mut image_first = false;
    for e in element.descendants().filter_map(ElementRef::wrap) {
        match e.value().name() {
            "img" | "picture" if links == 0 => image_first = true,
            "a" => links += 1,
            _ => {}
        }
    }
    image_first && links >= 2
}

fn is_hidden(element: ElementRef) -> bool {
    let el = element.value();
    el.attr("hidden").is_some()
        || el.attr("aria-hidden") == Some("true")
        || el
            .attr("style")
            .is_some_and(|s| s.replace(' ', "").to_ascii_lowercase().contains("display:none"))
}

/// The words of an element's class and id ("article__body-text" → article, body, text).
fn class_words(element: ElementRef) -> Vec<String> {
    let el = element.value();
    let mut words = Vec::new();
    for value in [el.attr("class"), el.attr("id")].into_iter().flatten() {
        for word in value
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            words.push(word.to_lowercase());
        }
    }
    words
}

fn is_negative(element: ElementRef) -> bool {
    let negative = is_negative_by_name(element);
    // Sites name their main column "sidebar-1" too: a block holding the headline is not furniture.
    negative
        && !element
            .descendants()
            .filter_map(ElementRef::wrap)
            .any(|e| e.value().name() == "h1")
}

fn is_negative_by_name(element: ElementRef) -> bool {
    let el = element.value();
    if matches!(
        el.attr("role"),
        Some("navigation" | "complementary" | "banner" | "contentinfo" | "dialog")
    ) {
        return true;
    }
    let words = class_words(element);
    if words.iter().any(|w| NEGATIVE_WORDS.contains(&w.as_str())) {
        return true;
    }
    let compact: String = words.concat();
    NEGATIVE_PARTS.iter().any(|p| compact.contains(p))
}

fn class_weight(element: ElementRef) -> f64 {
    let words = class_words(element);
    let name = element.value().name();
    let mut weight = 0.0;
    if matches!(name, "article" | "main") || words.iter().any(|w| POSITIVE_WORDS.contains(&w.as_str())) {
        weight += 25.0;
    }
    weight
}

fn is_lead(element: ElementRef) -> bool {
    class_words(element)
        .iter()
        .any(|w| LEAD_WORDS.contains(&w.as_str()))
}

/// Linked characters over all characters of an element's text.
fn link_density(element: ElementRef) -> f64 {
    let (text, links) = inline_text(element);
    let chars = text.chars().filter(|c| !c.is_whitespace()).count();
    if chars == 0 {
        return 1.0;
    }
    (links as f64 / chars as f64).min(1.0)
}

/// Characters, with CJK ideographs counting twice (a Chinese sentence is short in characters).
fn weight(text: &str) -> usize {
    text.chars()
        .map(|c| match c {
            '\u{3040}'..='\u{30FF}' | '\u{3400}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}' => 2,
            c if c.is_whitespace() => 0,
            _ => 1,
        })
        .sum()
}

/// Whether a line is an ad marker, a comment counter or a share prompt.
fn is_furniture(line: &str) -> bool {
    let compact: String = line
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphabetic())
        .collect();
    compact.is_empty() || FURNITURE_LINES.contains(&compact.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_of(html: &str) -> String {
        let document = Html::parse_document(html);
        main_text(&document, &Url::parse("https://news.example/a").unwrap()).text
    }

    /// Six paragraphs of an article, about 900 characters in all.
    fn article_paragraphs() -> String {
        (1..=6)
            .map(|n| {
                format!(
                    "<p>Paragraph {n} of the council report says that the harbour tram depot, built in brick \
                     a century ago, will stay open as a workshop, a library and a museum, after a long vote.</p>"
                )
            })
            .collect()
    }

    #[test]
    fn a_body_a_class_word_would_drop_is_read_anyway() {
        let paragraphs = article_paragraphs();
        // Drupal's body field, a WordPress post tagged "tag-…", a page-wide ASP.NET form.
        for wrapped in [
            format!("<div class=\"field field-name-body field-label-hidden\"><div class=\"field-items\">{paragraphs}</div></div>"),
            format!("<article class=\"post type-post tag-harbour tag-trams\">{paragraphs}</article>"),
            format!("<form id=\"aspnetForm\" method=\"post\"><div class=\"page\">{paragraphs}</div></form>"),
        ] {
            let html = format!(
                "<html><body><nav><a href=\"/\">Home</a></nav>{wrapped}\
                 <div class=\"sidebar\"><p>Most read: a list of other stories, each one a link.</p></div></body></html>"
            );
            let text = body_of(&html);
            assert!(text.contains("Paragraph 1 of") && text.contains("Paragraph 6 of"), "{wrapped}: {text:?}");
            assert!(!text.contains("Most read"), "{text:?}");
        }
        // Where the rules leave the article whole, they stand: the tagged box is dropped.
        let html = format!(
            "<html><body><article class=\"story\">{paragraphs}{paragraphs}</article>\
             <div class=\"tags\"><p>Tags: harbour, trams, council, museum, library, workshop, brick</p></div></body></html>"
        );
        let text = body_of(&html);
        assert!(
            text.contains("Paragraph 6 of") && !text.contains("Tags:"),
            "{text:?}"
        );
    }

    #[test]
    fn a_card_shown_on_hover_is_not_part_of_the_sentence() {
        let card = "<span class=\"person\"><a href=\"/people/lindqvist\">Maria Lindqvist</a>\
            <span class=\"card\"><img src=\"/p.jpg\" alt=\"\"><a href=\"/people/lindqvist\">Maria Lindqvist</a>\
            <a href=\"/s/1\">Depot vote delayed again after a long night of debate in the council</a>\
            <a href=\"/s/2\">Council backs museum plan for the harbour district and its old trams</a></span></span>";
        let paragraphs: String = (1..=5)
            .map(|n| format!("<p>In part {n}, councillor {card} said the depot, built in brick a century ago, will stay open as a workshop and museum.</p>"))
            .collect();
        let text = body_of(&format!(
            "<html><body><article>{paragraphs}</article></body></html>"
        ));
        assert!(
            text.contains("In part 1, councillor Maria Lindqvist said the depot"),
            "{text:?}"
        );
        assert!(
            text.contains("In part 5,") && !text.contains("Depot vote delayed"),
            "{text:?}"
        );
    }

    #[test]
    fn furniture_lines() {
        for line in [
            "[إعلان رقم 2]",
            "تعليق (0)",
            "Bình luận (12)",
            "Advertisement",
            "Комментарии: 3",
            "广告",
            "Share",
        ] {
            assert!(is_furniture(line), "{line}");
        }
        for line in [
            "Ad hoc committee meets",
            "Các nước ký công ước",
            "Share of votes rose",
        ] {
            assert!(!is_furniture(line), "{line}");
        }
    }
}
