//! An article page to what a reader came for: its title, dates, author, canonical address,
//! language hints, the main text with its paragraph breaks, and the sources it names. Pure and
//! synchronous (`scraper::Html` is not `Send`), returning owned data; the judges see the text
//! afterwards.
//!
//! Metadata comes from what the page declares for machines (JSON-LD, Open Graph and other
//! `<meta>` tags, `<time datetime>`, `<link rel=canonical>`) before what it shows (`h1`,
//! `<title>`). The main text is found by scoring (`body`), and by Readability's algorithm
//! (`readable`) when ours reads little.

mod body;
mod meta;
mod readable;

use chrono::{DateTime, Utc};
use scraper::Html;
use serde::Serialize;
use url::Url;

/// What extraction found on a page.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Extracted {
    /// The article's headline, without the site's name.
    pub title: String,
    /// When it was first published.
    pub published: Option<DateTime<Utc>>,
    /// When it was last modified, if the page says.
    pub modified: Option<DateTime<Utc>>,
    /// Its author or authors, as the page names them.
    pub author: Option<String>,
    /// The page's own address for itself (`<link rel=canonical>`, `og:url`), absolute.
    pub canonical: Option<String>,
    /// The language the page declares (`<html lang>`, `og:locale`, `Content-Language`), as an
    /// ISO 639 code.
    pub lang_hint: Option<String>,
    /// The main text: one paragraph per line, in the page's own language.
    pub text: String,
    /// Links the article names as its source, canonical.
    pub cited: Vec<String>,
    /// Every link to another page in the main text, canonical.
    pub links: Vec<String>,
}

/// Extracts an article from a decoded HTML page fetched from `url`. `content_language` is the
/// HTTP `Content-Language` header, if any.
pub fn extract(html: &str, url: &Url, content_language: Option<&str>) -> Extracted {
    let document = Html::parse_document(html);
    let meta = meta::Meta::read(&document, url);
    let mut main = body::main_text(&document, url);
    let title = meta.title(main.heading.as_deref());
    // Our reading is precise but can miss a body split into many frames or marked with words
    // our rules distrust; when it is short, Readability's is asked too and wins if it reads
    // far more.
    let ours = readable::words(&main.text);
    if ours < readable::ASK_BELOW_WORDS {
        if let Some(article) = readable::article_html(html, url) {
            // Read by our rules in turn: its choice of container, our furniture.
            let again = body::main_text(&Html::parse_document(&article), url);
            if readable::reads_far_more(ours, readable::words(&again.text)) {
                (main.text, main.refs) = (again.text, again.refs);
            }
        }
    }
    Extracted {
        title,
        published: meta.published,
        modified: meta.modified,
        author: meta.author,
        canonical: meta.canonical,
        lang_hint: meta
            .lang
            .or_else(|| content_language.and_then(crate::language_codes::normalize_hint)),
        text: main.text,
        cited: main.refs.cited,
        links: main.refs.links,
    }
}
