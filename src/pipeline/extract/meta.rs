//! What a page declares about its article: JSON-LD, `<meta>` tags, `<time>`, `<link>`, `<title>`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;
use url::Url;

use crate::language_codes::normalize_hint;
use crate::links::canonical_url;
use crate::pipeline::text::tidy;

/// `<meta>` names and properties that carry the publication time, most trusted first.
const PUBLISHED_KEYS: &[&str] = &[
    "article:published_time",
    "datepublished",
    "og:published_time",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "dc.date.issued",
    "dcterms.created",
    "dc.date",
    "sailthru.date",
    "parsely-pub-date",
    "date",
];

/// `<meta>` names and properties that carry the modification time.
const MODIFIED_KEYS: &[&str] = &[
    "article:modified_time",
    "datemodified",
    "og:updated_time",
    "dcterms.modified",
    "lastmod",
];

/// JSON-LD types that describe an article.
const ARTICLE_TYPES: &[&str] = &[
    "NewsArticle",
    "Article",
    "BlogPosting",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "BackgroundNewsArticle",
    "LiveBlogPosting",
    "Report",
];

/// Separators between a headline and the site's name in `<title>` and `og:title`.
const TITLE_SEPARATORS: &[&str] = &[" | ", " - ", " – ", " — ", " :: ", " · ", " » ", " / "];

/// The page's declarations.
#[derive(Debug, Default)]
pub(super) struct Meta {
    og_title: Option<String>,
    ld_headline: Option<String>,
    html_title: Option<String>,
    site_name: Option<String>,
    host: String,
    pub(super) published: Option<DateTime<Utc>>,
    pub(super) modified: Option<DateTime<Utc>>,
    pub(super) author: Option<String>,
    pub(super) canonical: Option<String>,
    pub(super) lang: Option<String>,
}

fn selector(css: &str) -> Selector {
    // Invariant: only constant, valid selectors are passed.
    Selector::parse(css).expect("valid selector")
}

impl Meta {
    pub(super) fn read(document: &Html, url: &Url) -> Meta {
        let mut meta = Meta {
            host: url
                .host_str()
                .unwrap_or_default()
                .trim_start_matches("www.")
                .to_string(),
            ..Meta::default()
        };
        let tags = meta_tags(document);
        let tag = |keys: &[&str]| -> Option<String> {
            keys.iter()
                .find_map(|k| tags.iter().find(|(name, _)| name == k).map(|(_, v)| v.clone()))
        };
        let ld = json_ld_article(document);

        meta.og_title = tag(&["og:title", "twitter:title"]).map(|t| tidy(&t));
        meta.site_name = tag(&["og:site_name", "application-name"]);
        meta.ld_headline = ld
            .as_ref()
            .and_then(|a| a.get("headline").or_else(|| a.get("name")))
            .and_then(Value::as_str)
            .map(tidy);
        meta.html_title = document
            .select(&selector("title"))
            .next()
            .map(|t| tidy(&t.text().collect::<String>()));

        let ld_date = |key: &str| {
            ld.as_ref()
                .and_then(|a| a.get(key))
                .and_then(Value::as_str)
                .and_then(parse_time)
        };
        meta.published = ld_date("datePublished")
            .or_else(|| {
                PUBLISHED_KEYS
                    .iter()
                    .find_map(|k| tag(&[k]).and_then(|v| parse_time(&v)))
            })
            .or_else(|| time_element(document))
            .or_else(|| ld_date("dateCreated"));
        meta.modified = ld_date("dateModified").or_else(|| {
            MODIFIED_KEYS
                .iter()
                .find_map(|k| tag(&[k]).and_then(|v| parse_time(&v)))
        });

        meta.author = ld
            .as_ref()
            .and_then(|a| a.get("author"))
            .and_then(ld_names)
            .or_else(|| {
                tag(&["author", "article:author", "dc.creator", "byl"]).filter(|a| !a.starts_with("http"))
            })
            .or_else(|| byline(document))
            .map(|a| tidy(&a))
            .filter(|a| !a.is_empty());

        meta.canonical = document
            .select(&selector("link[rel~=canonical][href]"))
            .next()
            .and_then(|l| l.value().attr("href"))
            .or(tags.iter().find(|(k, _)| k == "og:url").map(|(_, v)| v.as_str()))
            .and_then(|href| url.join(href.trim()).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .map(|u| canonical_url(&u).to_string());

        meta.lang = document
            .select(&selector("html[lang]"))
            .next()
            .and_then(|h| h.value().attr("lang"))
            .and_then(normalize_hint)
            .or_else(|| {
                tag(&["og:locale", "content-language", "language", "dc.language"])
                    .and_then(|l| normalize_hint(&l))
            });
        meta
    }

    /// The headline: the page's `h1` when the declared titles confirm it (so that a logo in
    /// an `h1` is not taken), else the declared headline, else `<title>`, each without the
    /// site's name.
    pub(super) fn title(&self, heading: Option<&str>) -> String {
        let declared: Vec<String> = [&self.ld_headline, &self.og_title, &self.html_title]
            .into_iter()
            .flatten()
            .map(|t| self.strip_site(t))
            .filter(|t| !t.is_empty())
            .collect();
        if let Some(h1) = heading.map(tidy).filter(|h| !h.is_empty()) {
            if declared.is_empty() || declared.iter().any(|d| overlap(&h1, d) >= 0.5) {
                return h1;
            }
        }
        declared.into_iter().next().unwrap_or_default()
    }

    /// `title` without a leading or trailing site name ("Headline | Site", "Site - Headline").
    fn strip_site(&self, title: &str) -> String {
        let Some(sep) = TITLE_SEPARATORS.iter().find(|s| title.contains(**s)) else {
            return title.to_string();
        };
        let parts: Vec<&str> = title.split(sep).map(str::trim).collect();
        let is_site = |part: &str| {
            let p = part.to_lowercase();
            let compact: String = p.chars().filter(|c| c.is_alphanumeric()).collect();
            self.site_name.as_deref().is_some_and(|s| s.to_lowercase() == p)
                || (!compact.is_empty()
                    && self
                        .host
                        .to_lowercase()
                        .replace(['.', '-'], "")
                        .contains(&compact))
        };
        let kept: Vec<&str> = parts.iter().copied().filter(|p| !is_site(p)).collect();
        if kept.len() < parts.len() && !kept.is_empty() {
            return kept.join(sep);
        }
        // No part names the site: drop a short last part ("… - Politics", "… | Site").
        let last = parts[parts.len() - 1];
        let rest = parts[..parts.len() - 1].join(sep);
        if parts.len() > 1 && last.chars().count() * 2 < rest.chars().count() {
            return rest;
        }
        title.to_string()
    }
}

/// Share of `a`'s words also in `b`.
fn overlap(a: &str, b: &str) -> f64 {
    let words = |s: &str| -> Vec<String> {
        s.to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(String::from)
            .collect()
    };
    let (a, b) = (words(a), words(b));
    // Chinese has no spaces: compare characters.
    let (a, b) = if a.len() <= 2 && b.len() <= 2 {
        let chars = |v: Vec<String>| -> Vec<String> { v.concat().chars().map(String::from).collect() };
        (chars(a), chars(b))
    } else {
        (a, b)
    };
    if a.is_empty() {
        return 0.0;
    }
    a.iter().filter(|w| b.contains(w)).count() as f64 / a.len() as f64
}

/// Every `<meta>` as (lower-cased name, property or itemprop; content).
fn meta_tags(document: &Html) -> Vec<(String, String)> {
    document
        .select(&selector("meta[content]"))
        .filter_map(|m| {
            let el = m.value();
            let key = el
                .attr("property")
                .or_else(|| el.attr("name"))
                .or_else(|| el.attr("itemprop"))
                .or_else(|| el.attr("http-equiv"))?;
            Some((key.trim().to_lowercase(), el.attr("content")?.trim().to_string()))
        })
        .collect()
}

/// The first JSON-LD object of an article type, searching arrays and `@graph`.
fn json_ld_article(document: &Html) -> Option<Value> {
    for script in document.select(&selector("script[type='application/ld+json']")) {
        let text: String = script.text().collect();
        let Ok(value) = serde_json::from_str::<Value>(text.trim()) else {
            continue;
        };
        if let Some(found) = find_article(&value) {
            return Some(found.clone());
        }
    }
    None
}

fn find_article(value: &Value) -> Option<&Value> {
    match value {
        Value::Array(items) => items.iter().find_map(find_article),
        Value::Object(map) => {
            let typed = match map.get("@type") {
                Some(Value::String(t)) => ARTICLE_TYPES.contains(&t.as_str()),
                Some(Value::Array(ts)) => ts
                    .iter()
                    .any(|t| t.as_str().is_some_and(|t| ARTICLE_TYPES.contains(&t))),
                _ => false,
            };
            if typed {
                return Some(value);
            }
            map.get("@graph").and_then(find_article)
        }
        _ => None,
    }
}

/// Names from a JSON-LD `author`: a string, a person or organisation, or a list of them.
fn ld_names(value: &Value) -> Option<String> {
    let names: Vec<String> = match value {
        Value::String(s) => vec![s.clone()],
        Value::Object(map) => map
            .get("name")
            .and_then(Value::as_str)
            .map(String::from)
            .into_iter()
            .collect(),
        Value::Array(items) => items.iter().filter_map(ld_names).collect(),
        _ => vec![],
    };
    (!names.is_empty()).then(|| names.join(", "))
}

/// A `<time datetime>`: the one marked as the publication time, else the first in an article.
fn time_element(document: &Html) -> Option<DateTime<Utc>> {
    let marked = selector("time[datetime][pubdate], time[datetime][itemprop=datePublished]");
    let in_article = selector("article time[datetime], main time[datetime]");
    let any = selector("time[datetime]");
    [marked, in_article, any].iter().find_map(|s| {
        document
            .select(s)
            .find_map(|t| t.value().attr("datetime").and_then(parse_time))
    })
}

/// A byline shown on the page (`rel=author`, `itemprop=author`, `.byline`, `.author`).
fn byline(document: &Html) -> Option<String> {
    let s = selector("[rel~=author], [itemprop=author], .byline, .author, .author-name, .article-author");
    document
        .select(&s)
        .map(|e: ElementRef| tidy(&e.text().collect::<String>()))
        .find(|t| !t.is_empty() && t.chars().count() <= 80)
}

/// Times as pages write them for machines: RFC 3339 (with or without the offset's colon or
/// seconds), RFC 2822, a date and time without a zone (taken as UTC), or a date alone; then
/// every form [`crate::pipeline::dates`] reads.
pub(super) fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    machine_time(raw).or_else(|| crate::pipeline::dates::parse_date(raw, &jiff::tz::TimeZone::UTC))
}

fn machine_time(raw: &str) -> Option<DateTime<Utc>> {
    let s = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S %z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(s, format) {
            return Some(t.with_timezone(&Utc));
        }
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(s) {
        return Some(t.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, format) {
            return Some(t.and_utc());
        }
    }
    for format in ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, format) {
            return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_the_forms_pages_use() {
        let cases = [
            ("2026-02-06T10:30:00+07:00", "2026-02-06T03:30:00+00:00"),
            ("2026-02-06T10:30:00+0700", "2026-02-06T03:30:00+00:00"),
            ("2026-02-06T10:30+07:00", "2026-02-06T03:30:00+00:00"),
            ("Fri, 06 Feb 2026 10:30:00 GMT", "2026-02-06T10:30:00+00:00"),
            ("2026-02-06 10:30:00", "2026-02-06T10:30:00+00:00"),
            ("2026-02-06", "2026-02-06T00:00:00+00:00"),
        ];
        for (written, expected) in cases {
            assert_eq!(
                parse_time(written).map(|t| t.to_rfc3339()).as_deref(),
                Some(expected),
                "{written}"
            );
        }
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn site_names_come_off_titles() {
        let meta = |site: Option<&str>, host: &str| Meta {
            site_name: site.map(String::from),
            host: host.into(),
            ..Meta::default()
        };
        assert_eq!(
            meta(None, "vnexpress.net").strip_site("Lễ ký Công ước Hà Nội - VnExpress"),
            "Lễ ký Công ước Hà Nội"
        );
        assert_eq!(
            meta(Some("BBC News عربي"), "bbc.com").strip_site("عنوان الخبر - BBC News عربي"),
            "عنوان الخبر"
        );
        assert_eq!(
            meta(None, "lemonde.fr").strip_site("Le Monde | La convention de Hanoï signée"),
            "La convention de Hanoï signée"
        );
        assert_eq!(
            meta(None, "example.org").strip_site("Talks resume in Vienna on the cybercrime protocol | World"),
            "Talks resume in Vienna on the cybercrime protocol"
        );
        assert_eq!(
            meta(None, "example.org").strip_site("No separator here"),
            "No separator here"
        );
    }
}
