//! The main text of a page, found by scoring as readability does: every paragraph gives points
//! to its parent and grandparent (more for length and commas), containers whose class or id says
//! "article" gain and those that say "comments", "related" or "share" lose, link-heavy ones are
//! discounted; the best container and its strong siblings and cousins are the article, with the
//! standfirst before it. Inside it, furniture is dropped: link lists, ad markers, comment
//! counters, share bars.

use std::collections::{HashMap, HashSet};

use ego_tree::NodeId;
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
    "rating",
    "vote",
    "poll",
    "toolbar",
    "tools",
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
    "byline",
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
    // German, read in Vienna and in the coverage from Berlin and Geneva.
    "anzeige",
    "werbung",
    "kommentare",
    "keinekommentare",
    "kommentieren",
    "teilen",
    "teilenmit",
    "teilensiediesmit",
    "drucken",
    "zurück",
    "lesensieauch",
    "auchinteressant",
    "daskönntesieauchinteressieren",
    "daskönntedichauchinteressieren",
    "mehrzumthema",
    "weiterethemen",
    "sieheauch",
    "schongelesen",
];

/// Paragraph weight below which a paragraph gives no score (CJK characters count twice).
const MIN_PARAGRAPH_WEIGHT: usize = 25;

/// Above this share of linked text a paragraph is a link list. Sentences that link a name or
/// two in every clause stay (`extraction_dev`: at 0.5 Zyte F1 0.970 and trafilatura's set
/// 0.920, at 0.65 0.971 and 0.921; at 0.8 our labelled pages fell from 0.989 to 0.978, their
/// "read also" boxes read as text).
const MAX_LINK_DENSITY: f64 = 0.65;

/// A paragraph of the page, in document order.
struct Paragraph<'a> {
    element: ElementRef<'a>,
    text: String,
    link_chars: usize,
    /// An `h1`–`h6`: kept in the text, never scored.
    heading: bool,
    /// Containers around it whose class or id words say furniture, judged once the page's
    /// text is weighed (`Suspects`).
    suspects: Suspects,
}

/// What the walk found around a paragraph that may make it furniture.
#[derive(Debug, Clone, Default)]
struct Suspects {
    /// Containers named like furniture (outermost first).
    named: Vec<NodeId>,
    /// Inside a `<form>` (ASP.NET wraps whole pages in one).
    in_form: bool,
}

/// Finds the main text of a parsed page.
pub(super) fn main_text(document: &Html, base: &Url) -> MainText {
    let root = document.root_element();
    let body = root
        .children()
        .filter_map(ElementRef::wrap)
        .find(|e| e.value().name() == "body")
        .unwrap_or(root);
    let mut walk = Walk::default();
    // Sites name their main column "sidebar-1" too: a block holding the headline is not
    // furniture.
    for h1 in body
        .descendants()
        .filter_map(ElementRef::wrap)
        .filter(|e| e.value().name() == "h1")
    {
        walk.holds_headline.extend(h1.ancestors().map(|a| a.id()));
    }
    walk.collect(body, false);

    // Class and id words are evidence, not a verdict: a container named like furniture that
    // holds a large share of the page's text is where the article is (WordPress's `tag-…` and
    // Blogger's `widget` on the post, a `cookie-…` class on `<body>`).
    let mut mass: HashMap<NodeId, usize> = HashMap::new();
    let mut total = 0usize;
    for p in walk.paragraphs.iter().filter(|p| !p.heading) {
        let w = weight(&p.text);
        total += w;
        for id in &p.suspects.named {
            *mass.entry(*id).or_default() += w;
        }
    }
    let vetoes = |s: &Suspects| {
        s.in_form
            || s.named
                .iter()
                .any(|id| (mass.get(id).copied().unwrap_or(0) as f64) < VETO_BELOW_SHARE * total as f64)
    };
    let strict: Vec<&Paragraph> = walk.paragraphs.iter().filter(|p| !vetoes(&p.suspects)).collect();
    let heading = walk
        .headlines
        .iter()
        .find(|(_, s, _)| !vetoes(s))
        .map(|(text, _, at)| (text.clone(), *at));
    let strict = main_text_of(document, &strict, heading.clone(), base);
    // The rules may still leave little (Drupal's `field-label-hidden` on a short body, a
    // page-wide `<form>`): the page is then read again without them, and the longer reading
    // wins if it is clearly longer. A rule must not empty a page a person sees an article on.
    if weight(&strict.text) >= LENIENT_BELOW {
        return strict;
    }
    let all: Vec<&Paragraph> = walk.paragraphs.iter().collect();
    let heading = heading.or_else(|| walk.headlines.first().map(|(text, _, at)| (text.clone(), *at)));
    let lenient = main_text_of(document, &all, heading, base);
    if weight(&lenient.text) > weight(&strict.text) * 2 {
        lenient
    } else {
        strict
    }
}

/// Below this weight of text (about 300 words), a page is read again without the class and id
/// rules.
const LENIENT_BELOW: usize = 1500;

/// A container named like furniture is furniture only when it holds less than this share of
/// the text of the page's paragraphs.
const VETO_BELOW_SHARE: f64 = 0.5;

/// How many levels above the best container other containers may join it from.
const JOIN_LEVELS: usize = 4;

/// A sibling of the best container joins it with this share of its score.
const JOIN_SIBLING_SHARE: f64 = 0.2;

/// A cousin needs this share of the best score per level above its parent
/// (`cargo bench --bench extraction_dev`: siblings only F1 0.892 on trafilatura's set, cousins
/// within 4 levels at 0.15 a level 0.904, at 0.2 0.903; Zyte's unchanged at 0.970).
const JOIN_COUSIN_SHARE: f64 = 0.15;

fn main_text_of(
    document: &Html,
    paragraphs: &[&Paragraph],
    headline: Option<(String, NodeId)>,
    base: &Url,
) -> MainText {
    let (heading, headline_at) = match headline {
        Some((text, at)) => (Some(text), Some(at)),
        None => (None, None),
    };
    // Score containers.
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
        // Ties go to the first in the document, whatever order the map keeps.
        if best.is_none_or(|(b, s)| score > s || (score == s && element.id() < b.id())) {
            best = Some((element, score));
        }
    }

    let Some((best, best_score)) = best else {
        // No paragraph long enough to score: keep what there is outside the furniture.
        let lines: Vec<&Paragraph> = paragraphs.iter().copied().filter(|p| keep(p)).collect();
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

    // The article may be split across siblings (a lead, the body, a continuation after an ad)
    // or across cousins (a CMS's body made of blocks, each in frames of its own): containers
    // that score well and share an ancestor near the best join it, the farther the stronger.
    // Past a thematic break (`<hr>`) comes what follows the article (a press release's "About
    // us").
    let mut roots = vec![best.id()];
    let around: Vec<NodeId> = best
        .ancestors()
        .filter_map(ElementRef::wrap)
        .take_while(|a| !matches!(a.value().name(), "body" | "html"))
        .take(JOIN_LEVELS)
        .map(|a| a.id())
        .collect();
    for (id, score) in &adjusted {
        if *id == best.id() || around.contains(id) {
            continue;
        }
        let Some(element) = document.tree.get(*id).and_then(ElementRef::wrap) else {
            continue;
        };
        if element.ancestors().any(|a| a.id() == best.id()) {
            continue;
        }
        // 0 for a sibling, 1 for a cousin under the grandparent, …
        let Some(distance) = element
            .ancestors()
            .find_map(|a| around.iter().position(|x| *x == a.id()))
        else {
            continue;
        };
        let share = if distance == 0 {
            JOIN_SIBLING_SHARE
        } else {
            JOIN_COUSIN_SHARE * distance as f64
        };
        if *score >= (best_score * share).max(10.0) && !opens_with_break(element) {
            roots.push(*id);
        }
    }
    let within = |p: &Paragraph| p.element.ancestors().any(|a| roots.contains(&a.id()));
    let first_inside = paragraphs.iter().position(|p| within(p));
    // A standfirst: between the headline and the body, outside the body's container, a
    // paragraph of sentences (not a caption, a pull quote or links). Zyte's ground truth
    // leaves standfirsts out, trafilatura's keeps them, and they tell what the story is about
    // (`extraction_dev`: trafilatura's set F1 0.904 -> 0.915, Zyte's 0.970 kept).
    let mut standfirst = HashSet::new();
    if let (Some(at), Some(first)) = (headline_at, first_inside) {
        // Node ids follow the document's order.
        for (i, p) in paragraphs[..first].iter().enumerate().rev() {
            if p.element.id() < at {
                break;
            }
            if is_standfirst(p) {
                standfirst.insert(i);
            }
        }
    }
    let lines: Vec<&Paragraph> = paragraphs
        .iter()
        .enumerate()
        .filter(|(i, p)| {
            within(p)
                || standfirst.contains(i)
                // A lead paragraph shown just before the body.
                || (first_inside.is_some_and(|f| *i < f) && is_lead(p.element) && !p.heading)
        })
        .map(|(_, p)| *p)
        .collect();
    // A heading that introduces nothing we keep ("Read also" before a list of links, "More
    // on this" at the end) is the furniture's title. (Short lines ending in a colon are not:
    // "The paper is here:" before its link is the article's; `extraction_dev` lost more than
    // it gained.)
    let kept: Vec<bool> = lines.iter().map(|p| keep(p)).collect();
    let lines: Vec<&Paragraph> = lines
        .iter()
        .enumerate()
        .filter(|(i, p)| kept[*i] && (!p.heading || kept.get(i + 1) == Some(&true)))
        .map(|(_, p)| *p)
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

/// Whether a paragraph outside the body's container reads as its standfirst.
fn is_standfirst(p: &Paragraph) -> bool {
    let w = weight(&p.text);
    !p.heading
        && w >= STANDFIRST_WEIGHT
        && p.link_chars * 10 < w
        && !p.text.contains('©')
        && !is_pull_quote(p.element)
        && keep(p)
}

/// Whether a paragraph is, or is in, a pull quote (which repeats a sentence of the body).
fn is_pull_quote(element: ElementRef) -> bool {
    std::iter::once(element)
        .chain(element.ancestors().filter_map(ElementRef::wrap))
        .take(4)
        .any(|e| {
            e.value().name() == "blockquote"
                || furniture_tokens(e)
                    .iter()
                    .flat_map(|t| camel_words(t))
                    .any(|w| w.ends_with("quote"))
        })
}

/// A standfirst's least weight (about 20 words).
const STANDFIRST_WEIGHT: usize = 100;

/// Whether a paragraph of the article is text rather than furniture.
fn keep(p: &Paragraph) -> bool {
    if p.text.is_empty() || is_furniture(&p.text) || is_byline(p) {
        return false;
    }
    let chars = p.text.chars().count().max(1);
    // A source line is mostly its link, and is the attribution, not a link list.
    p.link_chars as f64 / (chars as f64) <= MAX_LINK_DENSITY || cite::names_source(&p.text)
}

/// One walk over the page: its paragraphs and headlines outside the furniture that tags mark,
/// each with the furniture that roles, classes and ids name around it.
#[derive(Default)]
struct Walk<'a> {
    paragraphs: Vec<Paragraph<'a>>,
    /// The `h1` texts, in document order.
    headlines: Vec<(String, Suspects, NodeId)>,
    suspects: Suspects,
    /// The elements an `h1` is in.
    holds_headline: HashSet<NodeId>,
}

impl<'a> Walk<'a> {
    /// Walks the tree in document order.
    fn collect(&mut self, element: ElementRef<'a>, in_article: bool) {
        let name = element.value().name();
        if SKIPPED.contains(&name) || is_hidden(element) {
            return;
        }
        // A page whose `<header>` is never closed sits inside it: furniture by its tag does not
        // hold the main column.
        if ((UNLIKELY_TAGS.contains(&name) && name != "form") || (name == "header" && !in_article))
            && !holds_main(element)
        {
            return;
        }
        let in_article = in_article || name == "article" || name == "main";
        let outer = self.suspects.clone();
        self.suspects.in_form |= name == "form";
        if !self.holds_headline.contains(&element.id()) && is_negative_by_name(element) {
            self.suspects.named.push(element.id());
        }
        self.visit(element, name, in_article);
        self.suspects = outer;
    }

    fn visit(&mut self, element: ElementRef<'a>, name: &str, in_article: bool) {
        match name {
            "h1" => {
                let text = inline_text(element).0;
                if !text.is_empty() {
                    self.headlines.push((text, self.suspects.clone(), element.id()));
                }
                return;
            }
            "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.push(element, true);
                return;
            }
            "p" | "pre" => {
                self.push(element, false);
                return;
            }
            "li" | "div" | "td" | "blockquote" | "section" | "dd" if !has_block_child(element) => {
                self.push(element, false);
                return;
            }
            _ => {}
        }
        for child in element.children().filter_map(ElementRef::wrap) {
            self.collect(child, in_article);
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
                self.paragraphs.push(Paragraph {
                    element,
                    text: loose,
                    link_chars: 0,
                    heading: false,
                    suspects: self.suspects.clone(),
                });
            }
        }
    }

    fn push(&mut self, element: ElementRef<'a>, heading: bool) {
        let (text, link_chars) = inline_text(element);
        if !text.is_empty() {
            self.paragraphs.push(Paragraph {
                element,
                text,
                link_chars,
                heading,
                suspects: self.suspects.clone(),
            });
        }
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
    let tokens = furniture_tokens(element);
    if tokens.iter().any(|t| hides(&t.to_lowercase())) {
        return true;
    }
    let words: Vec<String> = tokens.iter().flat_map(|t| camel_words(t)).collect();
    if words.iter().any(|w| NEGATIVE_WORDS.contains(&w.as_str())) {
        return true;
    }
    let compact: String = words.concat();
    NEGATIVE_PARTS.iter().any(|p| compact.contains(p))
}

/// Class tokens that hide an element, compared whole: `field-label-hidden` (Drupal's body
/// field) and `hidden-xs` (hidden on phones only) are shown.
const HIDDEN_TOKENS: &[&str] = &["hidden", "is-hidden", "visually-hidden", "sr-only", "d-none"];

/// Whether a lower-cased class token hides its element: on screen (`HIDDEN_TOKENS`), or in
/// print, which is what screen furniture says of itself (`d-print-none`, `no-print`): share
/// bars, "explore further". Content meant for print (`print-content`) is the article.
fn hides(token: &str) -> bool {
    HIDDEN_TOKENS.contains(&token)
        || (token.contains("print")
            && (token.contains("none") || token.contains("hidden") || token.starts_with("no")))
}

/// Whether an element holds the page's `main` element (an `article` would not do: teasers in
/// an `aside` are articles too).
fn holds_main(element: ElementRef) -> bool {
    element
        .descendants()
        .filter_map(ElementRef::wrap)
        .any(|e| e.value().name() == "main")
}

/// Whether an element's first content is a thematic break, down its first children.
fn opens_with_break(element: ElementRef) -> bool {
    let mut element = element;
    while let Some(first) = element.children().filter_map(ElementRef::wrap).next() {
        if first.value().name() == "hr" {
            return true;
        }
        element = first;
    }
    false
}

/// The words of a class token, lower-cased, split at punctuation and camel case
/// (`InlineImage-imageEmbedCaption` → inline, image, image, embed, caption).
fn camel_words(token: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in token.chars() {
        if !c.is_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_lowercase();
        word.extend(c.to_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// An element's class tokens and id, lower-cased, without those that say nothing about what it
/// is: what it holds or lacks (`has-sidebar`, `no-sidebar`, `has-ads`), its spacing
/// (`margin-bottom`, `mg-bottom-38px`), Elementor's `elementor-widget-…` (every block of the
/// builder is a widget) and a WordPress post's taxonomy (`tag-…`, `category-…` on the post).
fn furniture_tokens(element: ElementRef) -> Vec<String> {
    let el = element.value();
    let tokens: Vec<String> = el
        .attr("class")
        .into_iter()
        .flat_map(str::split_whitespace)
        .chain(el.attr("id"))
        .map(str::to_string)
        .collect();
    let wordpress_post = tokens.iter().any(|t| {
        matches!(
            t.as_str(),
            "hentry" | "type-post" | "type-page" | "status-publish"
        )
    });
    tokens
        .into_iter()
        .filter(|t| {
            let t = t.to_lowercase();
            !(t.starts_with("has-")
                || t.starts_with("no-")
                || t.starts_with("elementor")
                || t.contains("margin")
                || t.contains("padding")
                || t.starts_with("mg-")
                || (wordpress_post && (t.starts_with("tag-") || t.starts_with("category-"))))
        })
        .collect()
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
    fn a_body_made_of_blocks_in_frames_of_their_own_is_read_whole() {
        // A CMS's body as separate blocks (Drupal paragraphs), each in frames of its own, with a
        // share bar between two of them: cousins of the best block, not siblings.
        let block = |n: usize, sentences: usize| {
            let text: String = (0..sentences)
                .map(|k| format!("Block {n} sentence {k} says the harbour depot, built in brick, will stay open, with a library. "))
                .collect();
            format!("<div class=\"field__item\"><div class=\"paragraph paragraph--type--text\"><div class=\"text-formatted\"><p>{text}</p></div></div></div>")
        };
        let html = format!(
            "<html><body><main><h1>Depot stays open</h1><div class=\"field__items\">{}{}<div class=\"share\"><a href=\"/s\">Share</a></div>{}</div></main>\
             <div class=\"teasers\"><p><a href=\"/a\">Another story about trams and their long history in the city</a></p></div></body></html>",
            block(1, 2),
            block(2, 6),
            block(3, 2)
        );
        let text = body_of(&html);
        for n in 1..=3 {
            assert!(
                text.contains(&format!("Block {n} sentence 1")),
                "block {n}: {text:?}"
            );
        }
        assert!(
            !text.contains("Another story") && !text.contains("Share"),
            "{text:?}"
        );
    }

    #[test]
    fn a_standfirst_between_the_headline_and_the_body_is_kept() {
        let paragraphs = article_paragraphs();
        let html = format!(
            "<html><body><div class=\"top\"><h1>Depot stays open</h1>\
             <div class=\"sub\"><p>The council voted on Monday to keep the harbour tram depot, built in brick a century ago, and to turn it into a workshop, a library and a museum.</p></div>\
             <div class=\"pull\"><blockquote><p>A century of trams deserves a home in the harbour, with a workshop, a library and a museum, the mayor said after the long vote in the council.</p></blockquote></div>\
             <div class=\"photo\"><p>The depot in 1920, seen from the harbour, with trams, workers and a crane. © City archive</p></div></div>\
             <div class=\"columns\"><div class=\"story\">{paragraphs}</div></div>\
             <div class=\"next\"><p>Another story that follows the article, about the river and its bridges, which the council also discussed.</p></div></body></html>"
        );
        let text = body_of(&html);
        assert!(
            text.starts_with("The council voted on Monday") && text.contains("Paragraph 6 of"),
            "{text:?}"
        );
        assert!(
            !text.contains("A century of trams")
                && !text.contains("in 1920")
                && !text.contains("Another story"),
            "{text:?}"
        );
    }

    #[test]
    fn a_heading_that_introduces_only_furniture_goes_with_it() {
        let paragraphs = article_paragraphs();
        let html = format!(
            "<html><body><article><h2>The vote</h2>{paragraphs}<h2>The depot tomorrow</h2>{paragraphs}\
             <h3>Read also</h3><ul><li><a href=\"/a\">Trams return to the harbour line next spring</a></li>\
             <li><a href=\"/b\">The museum of the city opens a new wing</a></li></ul>\
             <h3>More on this</h3></article></body></html>"
        );
        let text = body_of(&html);
        assert!(
            text.starts_with("The vote\n") && text.contains("The depot tomorrow\n"),
            "{text:?}"
        );
        assert!(
            !text.contains("Read also") && !text.contains("More on this"),
            "{text:?}"
        );
    }

    #[test]
    fn a_page_inside_a_header_never_closed_is_read() {
        let paragraphs = article_paragraphs();
        // The parser nests the whole page in the `<header>` left open.
        let html = format!(
            "<html><body><header class=\"header\"><div class=\"logo\"><a href=\"/\">Harbour News</a></div>\
             <main id=\"content\"><article><h1>Depot stays open</h1>{paragraphs}</article></main></body></html>"
        );
        let text = body_of(&html);
        assert!(
            text.contains("Paragraph 1 of") && text.contains("Paragraph 6 of"),
            "{text:?}"
        );
        // A site header without the main column stays out.
        let html = format!(
            "<html><body><header><p>Harbour News, the daily paper of the harbour district, since 1901, in print and online.</p></header>\
             <main><article><h1>Depot stays open</h1>{paragraphs}</article></main></body></html>"
        );
        assert!(!body_of(&html).contains("daily paper"));
    }

    #[test]
    fn a_press_release_ends_at_its_thematic_break() {
        let paragraphs = article_paragraphs();
        let html = format!(
            "<html><body><div class=\"press\"><div class=\"content\">\
             <div class=\"text\"><div>{paragraphs}</div></div>\
             <div class=\"text\"><div><hr><p>Harbourworks is a company, founded in 1901, that builds depots, trams, libraries and museums in forty countries.</p></div></div>\
             </div></div></body></html>"
        );
        let text = body_of(&html);
        assert!(
            text.contains("Paragraph 6 of") && !text.contains("Harbourworks is"),
            "{text:?}"
        );
    }

    #[test]
    fn class_words_that_say_nothing_about_furniture() {
        let paragraphs = article_paragraphs();
        // Shown: on phones only hidden, Drupal's hidden field label, Elementor's text widget, a
        // WordPress post's taxonomy, a spacing utility, a body that has a sidebar, a camel-cased
        // name without a furniture word.
        for wrapped in [
            format!("<div class=\"col-md-8 hidden-xs\">{paragraphs}</div>"),
            format!("<div class=\"field field--label-hidden\">{paragraphs}</div>"),
            format!("<div class=\"elementor-widget elementor-widget-text-editor\">{paragraphs}</div>"),
            format!("<div class=\"post hentry tag-trams category-city\">{paragraphs}</div>"),
            format!("<div class=\"margin-bottom-xl\">{paragraphs}</div>"),
            format!("<div class=\"ArticleBody-articleBody\">{paragraphs}</div>"),
        ] {
            let html = format!("<html><body class=\"has-sidebar\"><div class=\"sidebar\"><p>Most read: a list of other stories, each one a link.</p></div>{wrapped}</body></html>");
            let text = body_of(&html);
            assert!(
                text.contains("Paragraph 1 of") && !text.contains("Most read"),
                "{wrapped}: {text:?}"
            );
        }
        // Hidden, or furniture by a camel-cased word: left out around the article.
        for furniture in [
            "<div class=\"d-none\"><p>Cite this article: the depot story, retrieved on a Monday, copyright reserved.</p></div>",
            "<div class=\"d-print-none\"><p>Explore further: the depot story and its many cousins across the whole site.</p></div>",
            "<div class=\"InlineImage-imageEmbedCaption\"><p>The depot in 1920, seen from the harbour, with trams, workers and a crane.</p></div>",
        ] {
            let html = format!("<html><body><article>{paragraphs}{furniture}</article></body></html>");
            let text = body_of(&html);
            assert!(text.contains("Paragraph 6 of") && !text.contains("depot story") && !text.contains("in 1920"), "{furniture}: {text:?}");
        }
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
            "Das könnte Sie auch interessieren",
            "Teilen mit:",
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
