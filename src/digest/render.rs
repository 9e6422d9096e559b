//! A digest rendered for reading: plain text, HTML for mail clients, Markdown and JSON, from
//! minijinja templates (the shipped ones embedded in the binary, each overridable by a file of
//! the same name in `[digest] templates`). Nothing from a feed becomes markup: HTML templates
//! escape every value, and Markdown values are escaped by the `md` filter.

use std::path::Path;

use minijinja::{context, Environment};

use super::{Digest, StoryTitle};
use crate::config::DigestFormat;

/// The HTML part's budget: Gmail clips messages at about 102 KB, and Arabic, Chinese and
/// Vietnamese grow threefold in quoted-printable; past it the remaining stories are listed by
/// title only.
pub const HTML_BUDGET: usize = 80 * 1024;

/// The shipped templates, by file name.
const SHIPPED: &[(&str, &str)] = &[
    ("digest.txt", include_str!("templates/digest.txt")),
    ("digest.md", include_str!("templates/digest.md")),
    ("digest.html", include_str!("templates/digest.html")),
];

/// Why a digest could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A template override could not be read.
    #[error("cannot read template {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// A template does not compile or fails to render; the message names its file and line.
    #[error("template {0:#}")]
    Template(#[from] minijinja::Error),
    /// The digest does not serialise (it always does; this carries the reason if not).
    #[error("cannot write the digest as JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Templates compiled once.
pub struct Renderer {
    env: Environment<'static>,
}

impl Renderer {
    /// The shipped templates, with the files of `overrides` (named `digest.txt`, `digest.md`,
    /// `digest.html`) in their place where present. A template that does not compile is an
    /// error here, naming its file and line.
    pub fn new(overrides: Option<&Path>) -> Result<Renderer, RenderError> {
        let mut env = Environment::new();
        env.set_keep_trailing_newline(true);
        env.add_filter("md", escape_markdown);
        env.add_filter("mdurl", markdown_url);
        for (name, shipped) in SHIPPED {
            let own = overrides.map(|dir| dir.join(name)).filter(|p| p.is_file());
            match own {
                Some(path) => {
                    let source = std::fs::read_to_string(&path).map_err(|source| RenderError::Read {
                        path: path.display().to_string(),
                        source,
                    })?;
                    env.add_template_owned(name.to_string(), source)?;
                }
                None => env.add_template(name, shipped)?,
            }
        }
        Ok(Renderer { env })
    }

    /// The digest in `format`. HTML beyond [`HTML_BUDGET`] lists its last stories by title.
    pub fn render(&self, digest: &Digest, format: DigestFormat) -> Result<String, RenderError> {
        let name = match format {
            DigestFormat::Json => return Ok(serde_json::to_string_pretty(digest)? + "\n"),
            DigestFormat::Text => "digest.txt",
            DigestFormat::Markdown => "digest.md",
            DigestFormat::Html => "digest.html",
        };
        let template = self.env.get_template(name)?;
        let mut html = template.render(context! { digest })?;
        if format != DigestFormat::Html || html.len() <= HTML_BUDGET {
            return Ok(html);
        }
        // Too big for a mail client: keep as many stories in full as the budget allows, judged
        // by the average size of one, and list the rest by title.
        let mut fitted = digest.clone();
        while html.len() > HTML_BUDGET && !(fitted.stories.is_empty() && fitted.more.is_empty()) {
            if fitted.stories.is_empty() {
                // Even the titles are too many: the last ones are only counted.
                let per_title = html.len() / (fitted.more.len() + 1);
                let over = (html.len() - HTML_BUDGET) / per_title.max(1) + 1;
                let keep = fitted.more.len().saturating_sub(over);
                fitted.omitted += fitted.more.len() - keep;
                fitted.more.truncate(keep);
                html = template.render(context! { digest => fitted })?;
                continue;
            }
            let per_story = html.len() / (fitted.stories.len() + 1);
            let over = (html.len() - HTML_BUDGET) / per_story.max(1) + 1;
            let keep = fitted.stories.len().saturating_sub(over);
            let moved: Vec<StoryTitle> = fitted
                .stories
                .drain(keep..)
                .map(|s| StoryTitle {
                    url: s.versions.first().map(|v| v.url.clone()).unwrap_or_default(),
                    id: s.id,
                    title: s.title,
                    lang: s.lang,
                })
                .collect();
            fitted.more.splice(0..0, moved);
            html = template.render(context! { digest => fitted })?;
        }
        Ok(html)
    }
}

/// Escapes Markdown's punctuation, so that a title is text and never markup (or HTML, which
/// Markdown passes through).
pub(super) fn escape_markdown(value: String) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '{'
                | '}'
                | '['
                | ']'
                | '('
                | ')'
                | '<'
                | '>'
                | '#'
                | '+'
                | '-'
                | '!'
                | '|'
                | '&'
                | '~'
        ) {
            out.push('\\');
        }
        if c == '\n' {
            out.push(' ');
            continue;
        }
        out.push(c);
    }
    out
}

/// A URL inside `<…>` in a Markdown link: only what would end it is encoded.
pub(super) fn markdown_url(value: String) -> String {
    value.replace('<', "%3C").replace('>', "%3E").replace(' ', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_values_stay_text() {
        assert_eq!(
            escape_markdown("<script>alert(1)</script> *bold* [x](y)".into()),
            "\\<script\\>alert\\(1\\)\\</script\\> \\*bold\\* \\[x\\]\\(y\\)"
        );
        assert_eq!(
            markdown_url("https://a.example/x y<z>".into()),
            "https://a.example/x%20y%3Cz%3E"
        );
    }
}
