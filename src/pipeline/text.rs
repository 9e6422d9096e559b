//! HTML fragments to plain text with paragraph breaks, for feed summaries and article bodies.

use scraper::{Html, Node};

/// Elements whose content is never text a reader sees.
const SKIPPED: &[&str] = &["script", "style", "noscript", "template", "iframe", "svg", "head"];

/// Elements that start a new line.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "table",
    "tr",
    "section",
    "article",
    "header",
    "footer",
    "figure",
    "figcaption",
    "hr",
    "dd",
    "dt",
    "dl",
    "aside",
    "nav",
    "main",
    "address",
];

/// Converts an HTML fragment to plain text: one paragraph per line, whitespace collapsed, entities
/// decoded. Plain text without markup passes through with its whitespace tidied.
pub fn html_to_text(html: &str) -> String {
    if !html.contains('<') && !html.contains('&') {
        return tidy(html);
    }
    fragment_text(&Html::parse_fragment(html))
}

/// The text of a parsed fragment, as [`html_to_text`] gives it.
pub fn fragment_text(fragment: &Html) -> String {
    let mut out = String::new();
    let mut stack = vec![(fragment.tree.root(), false)];
    // Depth-first walk with explicit exit markers, so block ends add a break too.
    while let Some((node, exiting)) = stack.pop() {
        match node.value() {
            Node::Text(text) if !exiting => out.push_str(text),
            Node::Element(el) => {
                let name = el.name();
                if SKIPPED.contains(&name) {
                    continue;
                }
                let block = BLOCKS.contains(&name);
                if block {
                    out.push('\n');
                }
                if !exiting {
                    if block {
                        stack.push((node, true));
                    }
                    for child in node.children().rev() {
                        stack.push((child, false));
                    }
                }
            }
            _ if !exiting => {
                for child in node.children().rev() {
                    stack.push((child, false));
                }
            }
            _ => {}
        }
    }
    tidy(&out)
}

/// Collapses runs of whitespace inside lines and drops empty lines.
pub fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut words = line.split_whitespace().peekable();
        if words.peek().is_none() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        for (i, word) in words.enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_markup_keeps_paragraphs() {
        let html =
            "<p>Công ước <b>Hà Nội</b> &amp; LHQ</p><script>var x=1;</script><p>Đoạn&nbsp;hai<br>dòng ba</p>";
        assert_eq!(html_to_text(html), "Công ước Hà Nội & LHQ\nĐoạn hai\ndòng ba");
    }

    #[test]
    fn plain_text_passes_through() {
        assert_eq!(html_to_text("  a   b \n\n c "), "a b\nc");
        assert_eq!(html_to_text("1 < 2 and 3 > 2"), "1 < 2 and 3 > 2");
    }
}
