//! Text made safe to stand in HTML or XML that we write (digest chat messages, the Atom
//! feed's content, OPML): markup characters escaped, and the characters XML 1.0 cannot hold
//! dropped, so a stray control byte in a title never makes a whole document unreadable.

/// `s` escaped for HTML and XML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if xml_allows(c) => out.push(c),
            _ => {}
        }
    }
    out
}

/// `s` without the characters XML 1.0 cannot hold, for text a library escapes itself.
pub fn xml_safe(s: &str) -> String {
    s.chars().filter(|&c| xml_allows(c)).collect()
}

/// Tab, newlines and everything from space up, but U+FFFE and U+FFFF.
fn xml_allows(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{fffe}' && c != '\u{ffff}')
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_is_escaped_and_what_xml_cannot_hold_dropped() {
        assert_eq!(
            super::escape("a<b>&\"c'\u{1}\td"),
            "a&lt;b&gt;&amp;&quot;c&#39;\td"
        );
        assert_eq!(super::xml_safe("x\u{0}y\u{ffff}z"), "xyz");
    }
}
