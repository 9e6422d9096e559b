//! A second choice of the article's container, by another algorithm: dom_smoothie, a port of
//! Mozilla's Readability. Our scoring is the more precise of the two, Readability finds more of
//! a body split into many frames or marked with words our rules distrust; so it is asked only
//! when our reading is short, its container is read by our furniture rules in turn (its own
//! text kept comment threads and newsletter boxes on our labelled pages: F1 0.945 there), and
//! that reading is taken only when it reads far more (`cargo bench --bench extraction_dev`:
//! Zyte F1 0.948 → 0.970, trafilatura's set 0.874 → 0.890).

use url::Url;

/// Our reading is checked against Readability's when it has fewer words than this: raised to
/// 800, the second reading changed no more pages of either development set, and it costs
/// (`extraction_dev`, when this was chosen: 277 pages/s without it, 186 with it below 500
/// words, 157 below 800).
pub(super) const ASK_BELOW_WORDS: usize = 500;

/// Readability's reading replaces ours when ours has less than this share of its words.
const TAKE_BELOW_SHARE: f64 = 0.5;

/// The part of `html` Readability takes for the article, as HTML with the page's classes and
/// ids kept (so that our furniture rules can read it in turn). `None` when it finds none.
pub(super) fn article_html(html: &str, base: &Url) -> Option<String> {
    let config = dom_smoothie::Config {
        keep_classes: true,
        ..Default::default()
    };
    let article = dom_smoothie::Readability::new(html, Some(base.as_str()), Some(config))
        .ok()?
        .parse()
        .ok()?;
    Some(article.content.to_string())
}

/// Whether a reading of `other_words` words should replace ours of `ours_words`.
pub(super) fn reads_far_more(ours_words: usize, other_words: usize) -> bool {
    (ours_words as f64) < TAKE_BELOW_SHARE * other_words as f64
}

/// Words of a text, as the thresholds count them.
pub(super) fn words(text: &str) -> usize {
    text.split_whitespace().count()
}
