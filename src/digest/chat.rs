//! The digest as a chat message: the body each service's webhook accepts, within its size
//! limit. A chat message lists each story as one line (its title linked to its first version,
//! its languages and outlet count); past the limit, the rest are counted in the locale's words.
//! Titles are text in every shape: escaped for the service's markup, mentions disabled.

use serde_json::json;

use super::{Digest, DigestStory, StoryTitle};

/// Slack recommends at most 4,000 characters of `text` (it truncates at 40,000).
pub const SLACK_LIMIT: usize = 4_000;

/// Discord refuses `content` over 2,000 characters.
pub const DISCORD_LIMIT: usize = 2_000;

/// Matrix refuses events over 65,536 bytes; the text and HTML bodies share what is left after
/// the envelope.
pub const MATRIX_LIMIT: usize = 60_000;

/// ntfy turns a message over 4,096 bytes into an attachment.
pub const NTFY_LIMIT: usize = 4_000;

/// How a limit is counted.
#[derive(Clone, Copy)]
enum Unit {
    Chars,
    Bytes,
}

impl Unit {
    fn len(self, text: &str) -> usize {
        match self {
            Unit::Chars => text.chars().count(),
            Unit::Bytes => text.len(),
        }
    }
}

/// One listed story: its title, where it links, and what to say after it.
struct Line<'a> {
    title: &'a str,
    url: &'a str,
    note: String,
}

fn lines(digest: &Digest) -> Vec<Line<'_>> {
    let full = digest.stories.iter().map(|s: &DigestStory| Line {
        title: &s.title,
        url: s.versions.first().map_or("", |v| v.url.as_str()),
        note: format!(
            "{}{} · {}: {}",
            if s.update {
                format!("{} · ", digest.words.update)
            } else {
                String::new()
            },
            s.languages.join(", "),
            digest.words.outlets,
            s.outlets.len()
        ),
    });
    let titled = digest.more.iter().map(|s: &StoryTitle| Line {
        title: &s.title,
        url: &s.url,
        note: String::new(),
    });
    full.chain(titled).collect()
}

/// The heading, the stories that fit in `limit` (as `unit` counts), and the count of the rest,
/// each line made by `line` and the whole joined by `\n`.
fn fitted(
    digest: &Digest,
    heading: String,
    limit: usize,
    unit: Unit,
    line: impl Fn(&Line<'_>) -> String,
) -> String {
    let all = lines(digest);
    let mut out = heading;
    if all.is_empty() {
        out.push_str("\n\n");
        out.push_str(digest.words.nothing_new);
        return out;
    }
    out.push('\n');
    // Room for the count of what does not fit, in the longest form it can take.
    let reserve = unit.len(&omitted(digest, all.len() + digest.omitted)) + 2;
    let mut shown = 0;
    for item in &all {
        let text = line(item);
        if unit.len(&out) + 1 + unit.len(&text) + reserve > limit {
            break;
        }
        out.push('\n');
        out.push_str(&text);
        shown += 1;
    }
    let rest = all.len() - shown + digest.omitted;
    if rest > 0 {
        out.push_str("\n\n");
        out.push_str(&omitted(digest, rest));
    }
    out
}

fn omitted(digest: &Digest, n: usize) -> String {
    digest.words.omitted.replace("{n}", &n.to_string())
}

/// Slack's mrkdwn escapes only these three; a title can then never become a link or a mention.
fn slack_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A Slack incoming-webhook message.
pub fn slack(digest: &Digest) -> String {
    let text = fitted(
        digest,
        format!("*{}*", slack_text(&digest.subject)),
        SLACK_LIMIT,
        Unit::Chars,
        |l| {
            // In `<url|label>` the label ends at `|` or `>`: neither may occur in it.
            let label = slack_text(l.title).replace('|', "¦");
            let url = l.url.replace('|', "%7C").replace('>', "%3E").replace('<', "%3C");
            let note = if l.note.is_empty() {
                String::new()
            } else {
                format!(" — {}", slack_text(&l.note))
            };
            format!("• <{url}|{label}>{note}")
        },
    );
    json!({ "text": text, "unfurl_links": false, "unfurl_media": false }).to_string()
}

/// Discord's Markdown, escaped so that a title stays text (and a `@everyone` stays a word).
fn discord_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '#' | '-' | '[' | ']' | '(' | ')' | '@' | '<' | ':'
        ) {
            out.push('\\');
        }
        out.push(if c == '\n' { ' ' } else { c });
    }
    out
}

/// A Discord webhook message.
pub fn discord(digest: &Digest) -> String {
    let content = fitted(
        digest,
        format!("**{}**", discord_text(&digest.subject)),
        DISCORD_LIMIT,
        Unit::Chars,
        |l| {
            let url = l.url.replace('>', "%3E").replace(' ', "%20");
            let note = if l.note.is_empty() {
                String::new()
            } else {
                format!(" — {}", discord_text(&l.note))
            };
            // `<…>` around the address: a link without an embed under it.
            format!("• [{}](<{url}>){note}", discord_text(l.title))
        },
    );
    json!({
        "content": content,
        // No pings, whatever a title says; no previews of thirty links.
        "allowed_mentions": { "parse": [] },
        "flags": 4,
    })
    .to_string()
}

/// Text escaped for HTML.
fn html_text(text: &str) -> String {
    crate::markup::escape(text)
}

/// A Matrix `m.room.message` event's content: plain text and the HTML subset Matrix clients
/// render.
pub fn matrix(digest: &Digest) -> String {
    // Each body gets half the budget: the event carries both.
    let half = MATRIX_LIMIT / 2;
    let body = fitted(digest, digest.subject.clone(), half, Unit::Bytes, |l| {
        if l.note.is_empty() {
            format!("• {} {}", l.title, l.url)
        } else {
            format!("• {} — {} {}", l.title, l.note, l.url)
        }
    });
    let html = fitted(
        digest,
        format!("<b>{}</b><br>", html_text(&digest.subject)),
        half,
        Unit::Bytes,
        |l| {
            let note = if l.note.is_empty() {
                String::new()
            } else {
                format!(" — {}", html_text(&l.note))
            };
            format!(
                "• <a href=\"{}\">{}</a>{note}<br>",
                html_text(l.url),
                html_text(l.title)
            )
        },
    )
    .replace("\n\n", "<br>")
    .replace('\n', "");
    json!({
        "msgtype": "m.notice",
        "body": body,
        "format": "org.matrix.custom.html",
        "formatted_body": html,
    })
    .to_string()
}

/// An ntfy JSON publish to `topic`: the subject as its title, the stories in Markdown.
pub fn ntfy(digest: &Digest, topic: &str) -> String {
    let message = fitted(digest, String::new(), NTFY_LIMIT, Unit::Bytes, |l| {
        let note = if l.note.is_empty() {
            String::new()
        } else {
            format!(" — {}", super::render::escape_markdown(l.note.clone()))
        };
        format!(
            "- [{}](<{}>){note}",
            super::render::escape_markdown(l.title.to_string()),
            super::render::markdown_url(l.url.to_string())
        )
    });
    json!({
        "topic": topic,
        "title": digest.subject,
        "message": message.trim_start(),
        "markdown": true,
        "tags": ["newspaper"],
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::tests::{hanoi, judged, now};
    use crate::digest::{build, Focus, Window};
    use crate::store::Store;

    /// A digest of `n` stories, each its own event, with titles from `title`.
    fn digest_of(n: usize, title: impl Fn(usize) -> String) -> Digest {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let entries: Vec<_> = (0..n)
            .map(|i| {
                let words: Vec<String> = (1..25).map(|k| format!("w{i}x{k}")).collect();
                judged(
                    &format!("https://wire.example/{i}"),
                    &title(i),
                    &format!(
                        "The UN Convention against Cybercrime was signed by state {i}: {}.",
                        words.join(" ")
                    ),
                    &[],
                )
            })
            .collect();
        store.upsert_entries("wire", &entries, now()).unwrap();
        let time = hanoi();
        let focus = Focus {
            topic: None,
            locale: "en",
            max_stories: 50,
            time: &time,
        };
        let window = Window {
            start: None,
            end: now(),
            from: 0,
            to: store.article_id_end().unwrap(),
        };
        build(&store, &window, &focus).unwrap()
    }

    fn field(json: &str, key: &str) -> String {
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        value[key].as_str().unwrap().to_string()
    }

    #[test]
    fn chat_messages_fit_their_services_limits_and_count_the_rest() {
        // Arabic titles: two bytes a letter, so byte and character limits both bind.
        let digest = digest_of(300, |i| {
            format!("الدولة رقم {i} توقع اتفاقية الأمم المتحدة لمكافحة الجرائم الإلكترونية UN Convention against Cybercrime")
        });
        assert_eq!(digest.stories.len() + digest.more.len(), 300);
        let slack_text = field(&slack(&digest), "text");
        let discord_text = field(&discord(&digest), "content");
        let matrix_event = matrix(&digest);
        let ntfy_text = field(&ntfy(&digest, "treaty"), "message");
        assert!(
            slack_text.chars().count() <= SLACK_LIMIT,
            "{}",
            slack_text.chars().count()
        );
        assert!(discord_text.chars().count() <= DISCORD_LIMIT);
        assert!(matrix_event.len() <= 65_536, "{}", matrix_event.len());
        assert!(ntfy_text.len() <= 4_096, "{}", ntfy_text.len());
        for (service, text) in [
            ("slack", &slack_text),
            ("discord", &discord_text),
            ("matrix", &field(&matrix_event, "body")),
            ("ntfy", &ntfy_text),
        ] {
            let listed = text.matches("توقع اتفاقية").count();
            assert!(listed >= 3, "{service}: {listed} listed");
            let rest = 300 - listed;
            assert!(
                text.ends_with(&format!("{rest} more stories are not listed here.")),
                "{service}: {text}"
            );
        }
        // The space is used: a limit that binds leaves less than one line unused.
        assert!(discord_text.chars().count() > DISCORD_LIMIT - 250);
    }

    #[test]
    fn a_small_digest_is_listed_whole_with_links() {
        let digest = digest_of(3, |i| {
            format!("State {i} signs the UN Convention against Cybercrime")
        });
        let text = field(&slack(&digest), "text");
        assert_eq!(text.matches("• <https://wire.example/").count(), 3, "{text}");
        assert!(!text.contains("not listed"), "{text}");
        let content = field(&discord(&digest), "content");
        assert!(content.contains("](<https://wire.example/"), "{content}");
        let event: serde_json::Value = serde_json::from_str(&matrix(&digest)).unwrap();
        assert_eq!(event["format"], "org.matrix.custom.html");
        assert!(event["formatted_body"]
            .as_str()
            .unwrap()
            .contains("<a href=\"https://wire.example/"));
        let publish: serde_json::Value = serde_json::from_str(&ntfy(&digest, "treaty")).unwrap();
        assert_eq!(
            (publish["topic"].as_str(), publish["markdown"].as_bool()),
            (Some("treaty"), Some(true))
        );
        assert_eq!(publish["title"].as_str(), Some(digest.subject.as_str()));
    }

    #[test]
    fn titles_stay_text_in_every_chat() {
        let digest = digest_of(1, |_| {
            "<!channel> @everyone <script>x</script> [click](https://evil.example) *UN Convention against Cybercrime*".into()
        });
        let slack_text = field(&slack(&digest), "text");
        assert!(
            !slack_text.contains("<!channel>") && !slack_text.contains("<script"),
            "{slack_text}"
        );
        let message: serde_json::Value = serde_json::from_str(&discord(&digest)).unwrap();
        let content = message["content"].as_str().unwrap();
        assert!(
            content.contains("\\@everyone") && content.contains("\\[click\\]"),
            "{content}"
        );
        assert_eq!(message["allowed_mentions"]["parse"], serde_json::json!([]));
        let html = field(&matrix(&digest), "formatted_body");
        assert!(
            !html.contains("<script") && html.contains("&lt;script&gt;"),
            "{html}"
        );
        let markdown = field(&ntfy(&digest, "t"), "message");
        assert!(
            markdown.contains("\\[click\\]") && markdown.contains("\\<script\\>"),
            "{markdown}"
        );
    }
}
