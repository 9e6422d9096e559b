//! Sources without feeds: the article links of a listing page that the source's
//! [`LinkPolicy`] allows, and an extracted page as an entry. Pure and synchronous
//! (`scraper::Html` is not `Send`); the fetching is the pipeline's.

use scraper::{ElementRef, Html, Selector};
use url::Url;

use super::extract::Extracted;
use crate::links::{canonical_url, LinkPolicy};
use crate::model::{Entry, LangGuess, PageRules, Unjudged};

/// Article pages fetched per poll of one listing at most: a new source with a hundred links is
/// read over a few polls rather than in one burst.
pub const MAX_ARTICLES_PER_POLL: usize = 30;

/// Path segments of navigation, not articles.
const NAV_SEGMENTS: &[&str] = &[
    "tag",
    "tags",
    "topic",
    "topics",
    "category",
    "categories",
    "author",
    "authors",
    "page",
    "search",
    "login",
    "register",
    "subscribe",
    "account",
    "video",
    "videos",
    "photo",
    "photos",
    "gallery",
    "rss",
    "feed",
    "contact",
    "about",
    "privacy",
    "terms",
    "cookies",
    "newsletter",
    "tim-kiem",
    "chu-de",
    "tac-gia",
];

/// File extensions that are not pages.
const NOT_PAGES: &[&str] = &[
    ".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".pdf", ".zip", ".mp3", ".mp4", ".css", ".js", ".xml",
    ".rss", ".doc", ".docx", ".xls", ".xlsx",
];

/// Whether `url` matches a pattern: `*` stands for any run of characters; a pattern without
/// `*` matches anywhere in the URL.
pub fn matches_pattern(url: &str, pattern: &str) -> bool {
    if !pattern.contains('*') {
        return url.contains(pattern);
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = url;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(at) = rest.find(part) else { return false };
            rest = &rest[at + part.len()..];
        }
    }
    true
}

/// The article links of a listing page, in page order, each once, canonical, and allowed by
/// `policy` and the rules' patterns.
pub fn article_links(html: &str, base: &Url, rules: &PageRules, policy: &LinkPolicy) -> Vec<Url> {
    let document = Html::parse_document(html);
    let selector = rules
        .link_selector
        .as_deref()
        .and_then(|s| Selector::parse(s).ok());
    // Invariant: a constant, valid selector.
    let any_link = Selector::parse("a[href]").expect("valid selector");
    let mut out: Vec<Url> = Vec::new();
    let anchors: Vec<ElementRef> = match &selector {
        // The selector may name the links or their containers (".news-item h3").
        Some(s) => document
            .select(s)
            .flat_map(|e| {
                if e.value().name() == "a" {
                    vec![e]
                } else {
                    e.select(&any_link).collect()
                }
            })
            .collect(),
        None => document.select(&any_link).collect(),
    };
    for a in anchors {
        let Some(href) = a.value().attr("href") else {
            continue;
        };
        let Ok(mut url) = base.join(href.trim()) else {
            continue;
        };
        url.set_fragment(None);
        let url = canonical_url(&url);
        if url == canonical_url(base) || out.contains(&url) || !policy.allows(&url) {
            continue;
        }
        let text = url.as_str();
        if !rules.include.is_empty() && !rules.include.iter().any(|p| matches_pattern(text, p)) {
            continue;
        }
        if rules.exclude.iter().any(|p| matches_pattern(text, p)) {
            continue;
        }
        if selector.is_none() && !(looks_like_article(&url) && headline_like(a) && !in_furniture(a)) {
            continue;
        }
        out.push(url);
    }
    out
}

/// A path shaped like an article's: a slug of several words, or a long numeric id, in a page
/// that is not a tag, author, search or pagination page.
fn looks_like_article(url: &Url) -> bool {
    let path = url.path().to_ascii_lowercase();
    if NOT_PAGES.iter().any(|ext| path.ends_with(ext)) {
        return false;
    }
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let Some(last) = segments.last() else {
        return false;
    };
    if segments.iter().any(|s| NAV_SEGMENTS.contains(s)) {
        return false;
    }
    if url
        .query_pairs()
        .any(|(k, _)| matches!(k.as_ref(), "page" | "p" | "tag" | "s" | "q"))
    {
        return false;
    }
    let stem = last.rsplit_once('.').map_or(*last, |(stem, _)| stem);
    let words = stem.split(['-', '_']).filter(|w| !w.is_empty()).count();
    let longest_digits = path
        .split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0);
    words >= 4 || longest_digits >= 5 || (words >= 2 && stem.len() >= 16)
}

/// Link text long enough to be a headline (CJK characters count twice).
fn headline_like(a: ElementRef) -> bool {
    let text: String = a.text().collect();
    let weight: usize = text
        .chars()
        .map(|c| match c {
            '\u{3400}'..='\u{9FFF}' => 2,
            c if c.is_alphanumeric() => 1,
            _ => 0,
        })
        .sum();
    // A linked picture whose link is also a headline elsewhere is found there.
    weight >= 15
}

/// Inside navigation, a header or a footer.
fn in_furniture(a: ElementRef) -> bool {
    a.ancestors()
        .filter_map(ElementRef::wrap)
        .any(|e| matches!(e.value().name(), "nav" | "header" | "footer"))
}

/// An article page as an entry, under the URL it was fetched from: its extracted text, to be
/// judged in the language the page declares (else `hint`, the source's).
pub fn entry_from_page(url: &Url, extracted: Extracted, hint: Option<&str>) -> Unjudged {
    let hint = extracted.lang_hint.clone().or(hint.map(str::to_string));
    let entry = Entry {
        url: canonical_url(url).to_string(),
        link: url.to_string(),
        title: extracted.title,
        text: extracted.text,
        summary: None,
        published: extracted.published,
        updated: extracted.modified,
        authors: extracted.author.into_iter().collect(),
        lang: LangGuess::unknown(),
        topics: Vec::new(),
        links: extracted.links,
        cited: extracted.cited,
        fingerprint: None,
        event: Default::default(),
    };
    Unjudged::new(entry, hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn patterns() {
        assert!(matches_pattern("https://a.vn/the-gioi/x.html", "/the-gioi/"));
        assert!(matches_pattern(
            "https://a.vn/the-gioi/x.html",
            "https://a.vn/*.html"
        ));
        assert!(!matches_pattern(
            "https://a.vn/the-gioi/x.htm",
            "https://a.vn/*.html"
        ));
        assert!(matches_pattern("https://a.vn/2026/02/x.html", "*/2026/*/x*"));
    }

    #[test]
    fn finds_article_links_without_a_selector() {
        let html = r#"<html><body>
            <header><nav><a href="/the-gioi">Thế giới</a><a href="/kinh-te-va-doi-song-hom-nay">Kinh tế và đời sống hôm nay</a></nav></header>
            <main>
              <h3><a href="/lhq-se-to-chuc-le-ky-cong-uoc-ve-chong-toi-pham-mang.html">LHQ sẽ tổ chức lễ ký Công ước về chống tội phạm mạng</a></h3>
              <a href="/lhq-se-to-chuc-le-ky-cong-uoc-ve-chong-toi-pham-mang.html#comments">Bình luận</a>
              <h3><a href="https://kinhtedothi.vn/2026/02/06/12345678">Hà Nội chuẩn bị hạ tầng cho hội nghị quốc tế</a></h3>
              <a href="/tag/cong-uoc-ha-noi">Công ước Hà Nội và những điều cần biết</a>
              <a href="/the-gioi?page=2">Trang sau của chuyên mục thế giới</a>
              <a href="https://facebook.com/sharer/sharer.php?u=x-y-z-w">Chia sẻ bài viết này lên Facebook</a>
              <a href="http://10.0.0.5/noi-bo-tai-lieu-mat-khong-cong-khai">Tài liệu nội bộ không công khai đâu</a>
              <a href="/anh/a-b-c-d.jpg">Ảnh minh họa lễ ký công ước tại Hà Nội</a>
            </main>
            <footer><a href="/gioi-thieu-ve-toa-soan-bao">Giới thiệu về tòa soạn báo điện tử</a></footer>
        </body></html>"#;
        let base = url("https://kinhtedothi.vn/the-gioi");
        let policy = LinkPolicy::new(&base, &[]);
        let links: Vec<String> = article_links(html, &base, &PageRules::default(), &policy)
            .iter()
            .map(Url::to_string)
            .collect();
        assert_eq!(
            links,
            [
                "https://kinhtedothi.vn/lhq-se-to-chuc-le-ky-cong-uoc-ve-chong-toi-pham-mang.html",
                "https://kinhtedothi.vn/2026/02/06/12345678"
            ]
        );
        let rules = PageRules {
            link_selector: Some("main h3".into()),
            include: vec![],
            exclude: vec!["/2026/".into()],
        };
        let links = article_links(html, &base, &rules, &policy);
        assert_eq!(links.len(), 1);
    }
}
