//! Bytes to text. Charset precedence follows the standards, with one pragmatic exception:
//! BOM, then the HTTP `Content-Type` charset, then the document's own declaration (XML prolog
//! `encoding`, HTML `<meta charset>`), then UTF-8 if the bytes are valid UTF-8, then a statistical
//! guess. Servers often send a blanket `charset=utf-8` for legacy documents, so an HTTP charset
//! that fails to decode yields to a declaration that decodes cleanly.

use encoding_rs::{Encoding, UTF_8};

/// How many leading bytes are searched for an in-document declaration (HTML's prescan uses 1024;
/// real pages put long scripts before `<meta>`, so look further).
const PRESCAN_BYTES: usize = 8192;

/// What decided the charset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharsetSource {
    /// A byte-order mark.
    Bom,
    /// No byte-order mark, but the bytes of `<?xml` in UTF-16 (XML 1.0, appendix F).
    XmlPattern,
    /// The HTTP `Content-Type` header.
    Http,
    /// The XML prolog or an HTML `<meta>`.
    Document,
    /// Nothing was declared and the bytes are valid UTF-8.
    Utf8Default,
    /// A legacy charset was declared, but the bytes are valid UTF-8 with characters beyond
    /// ASCII: pages copied into a UTF-8 CMS keep their old `gb2312` or `iso-8859-15`
    /// declaration, and legacy text almost never forms valid UTF-8 by chance.
    Utf8Bytes,
    /// Nothing usable was declared and the bytes are not UTF-8: a statistical guess.
    Guessed,
}

/// A document decoded to UTF-8.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The text, with any XML prolog's `encoding` rewritten to UTF-8.
    pub text: String,
    /// The charset the bytes were decoded from (UTF-8 for UTF-32, which encoding_rs lacks;
    /// `charset` names it).
    pub encoding: &'static Encoding,
    /// The charset's name.
    pub charset: &'static str,
    /// What decided it.
    pub source: CharsetSource,
    /// Whether some bytes did not decode and were replaced (U+FFFD).
    pub lossy: bool,
}

/// Decodes a fetched body given its HTTP `Content-Type` (if any).
pub fn decode(body: &[u8], content_type: Option<&str>) -> Decoded {
    // Before the UTF-16 BOM: UTF-32LE's BOM starts with it.
    if let Some(decoded) = utf32(body) {
        return decoded;
    }
    if let Some((encoding, bom_len)) = Encoding::for_bom(body) {
        return finish(&body[bom_len..], encoding, CharsetSource::Bom);
    }
    // UTF-16 without a BOM: read as bytes, it would be mojibake (and it crashes the XML parser).
    match body {
        [0, b'<', 0, b'?', ..] => return finish(body, encoding_rs::UTF_16BE, CharsetSource::XmlPattern),
        [b'<', 0, b'?', 0, ..] => return finish(body, encoding_rs::UTF_16LE, CharsetSource::XmlPattern),
        _ => {}
    }
    let http = content_type
        .and_then(charset_param)
        .and_then(|l| Encoding::for_label(l.as_bytes()));
    let declared = document_charset(body);
    if http.or(declared).is_some_and(|e| e != UTF_8) && is_utf8_beyond_ascii(body) {
        return finish(body, UTF_8, CharsetSource::Utf8Bytes);
    }
    if let Some(http) = http {
        let clean = decodes_cleanly(http, body);
        if clean || declared.is_none_or(|d| d == http || !decodes_cleanly(d, body)) {
            return finish(body, http, CharsetSource::Http);
        }
    }
    if let Some(declared) = declared {
        return finish(body, declared, CharsetSource::Document);
    }
    if std::str::from_utf8(body).is_ok() {
        return finish(body, UTF_8, CharsetSource::Utf8Default);
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(body, true);
    let guessed = detector.guess(None, true);
    finish(body, guessed, CharsetSource::Guessed)
}

/// UTF-32 by its BOM or by the bytes of `<` (XML 1.0, appendix F); `None` for anything else.
fn utf32(body: &[u8]) -> Option<Decoded> {
    let (big_endian, skip, source) = match body {
        [0, 0, 0xFE, 0xFF, ..] => (true, 4, CharsetSource::Bom),
        [0xFF, 0xFE, 0, 0, ..] => (false, 4, CharsetSource::Bom),
        [0, 0, 0, b'<', ..] => (true, 0, CharsetSource::XmlPattern),
        [b'<', 0, 0, 0, ..] => (false, 0, CharsetSource::XmlPattern),
        _ => return None,
    };
    let mut lossy = false;
    let text: String = body[skip..]
        .chunks(4)
        .map(|unit| {
            let bytes: [u8; 4] = unit.try_into().unwrap_or([0, 0, 0xFF, 0xFD]);
            let value = if big_endian {
                u32::from_be_bytes(bytes)
            } else {
                u32::from_le_bytes(bytes)
            };
            char::from_u32(value)
                .filter(|_| unit.len() == 4)
                .unwrap_or_else(|| {
                    lossy = true;
                    char::REPLACEMENT_CHARACTER
                })
        })
        .collect();
    Some(Decoded {
        text: rewrite_xml_prolog(text),
        encoding: UTF_8,
        charset: if big_endian { "UTF-32BE" } else { "UTF-32LE" },
        source,
        lossy,
    })
}

fn finish(body: &[u8], encoding: &'static Encoding, source: CharsetSource) -> Decoded {
    let (text, lossy) = encoding.decode_without_bom_handling(body);
    Decoded {
        text: rewrite_xml_prolog(text.into_owned()),
        encoding,
        charset: encoding.name(),
        source,
        lossy,
    }
}

fn is_utf8_beyond_ascii(body: &[u8]) -> bool {
    !body.is_ascii() && std::str::from_utf8(body).is_ok()
}

fn decodes_cleanly(encoding: &'static Encoding, body: &[u8]) -> bool {
    encoding
        .decode_without_bom_handling_and_without_replacement(body)
        .is_some()
}

/// The `charset` parameter of a `Content-Type` value.
fn charset_param(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(|c| c == '"' || c == '\''))
    })
}

/// The charset a document declares about itself: its XML prolog's `encoding`, else an HTML
/// `<meta charset>` or `<meta http-equiv="Content-Type" content="…; charset=…">`.
fn document_charset(body: &[u8]) -> Option<&'static Encoding> {
    let head = &body[..body.len().min(PRESCAN_BYTES)];
    // Every charset we can meet here is ASCII-compatible in its declaration, so an ASCII
    // lower-cased copy is safe to search.
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let label = if lower.starts_with(b"<?xml") {
        let end = find(&lower, b"?>", 0)?;
        attribute_value(&head[..end], &lower[..end], b"encoding")
    } else {
        meta_charset(head, &lower)
    }?;
    let encoding = Encoding::for_label(label)?;
    // A document cannot truly declare itself UTF-16 in ASCII bytes; HTML says read it as UTF-8.
    if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
        return Some(UTF_8);
    }
    Some(encoding)
}

fn meta_charset<'a>(head: &'a [u8], lower: &[u8]) -> Option<&'a [u8]> {
    let mut from = 0;
    while let Some(start) = find(lower, b"<meta", from) {
        let end = find(lower, b">", start).unwrap_or(lower.len());
        let tag = &lower[start..end];
        if let Some(pos) = find(tag, b"charset", 0) {
            let rest = &tag[pos + b"charset".len()..];
            let skipped = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
            if rest.get(skipped) == Some(&b'=') {
                let value_start = start + pos + b"charset".len() + skipped + 1;
                let value = read_value(&head[value_start..end]);
                if !value.is_empty() {
                    return Some(value);
                }
            }
        }
        from = end;
    }
    None
}

/// The value of `name="value"` (or single-quoted) in a tag.
fn attribute_value<'a>(tag: &'a [u8], lower: &[u8], name: &[u8]) -> Option<&'a [u8]> {
    let pos = find(lower, name, 0)?;
    let rest = &tag[pos + name.len()..];
    let eq = rest.iter().position(|&b| b == b'=')?;
    if rest[..eq].iter().any(|b| !b.is_ascii_whitespace()) {
        return None;
    }
    let value = read_value(&rest[eq + 1..]);
    (!value.is_empty()).then_some(value)
}

/// Reads an attribute value, quoted or not, after `=`.
fn read_value(rest: &[u8]) -> &[u8] {
    let skipped = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let rest = &rest[skipped..];
    match rest.first() {
        Some(&q @ (b'"' | b'\'')) => {
            let inner = &rest[1..];
            let end = inner.iter().position(|&b| b == q).unwrap_or(inner.len());
            // `content="text/html; charset=x"` arrives here as the tail after `charset=`.
            let value = &inner[..end];
            let stop = value.iter().position(|&b| b == b';' || b.is_ascii_whitespace());
            &value[..stop.unwrap_or(value.len())]
        }
        _ => {
            let end = rest
                .iter()
                .position(|&b| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b';' | b'>' | b'/'))
                .unwrap_or(rest.len());
            &rest[..end]
        }
    }
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Makes an XML prolog say UTF-8, since the text now is UTF-8 and parsers trust the prolog.
fn rewrite_xml_prolog(text: String) -> String {
    if !text.starts_with("<?xml") {
        return text;
    }
    let Some(end) = text.find("?>") else {
        return text;
    };
    let prolog = &text[..end];
    let Some(pos) = prolog.find("encoding") else {
        return text;
    };
    let rest = &prolog[pos..];
    let Some(open) = rest.find(['"', '\'']) else {
        return text;
    };
    let quote = rest.as_bytes()[open] as char;
    let Some(close) = rest[open + 1..].find(quote) else {
        return text;
    };
    let start = pos + open + 1;
    let stop = start + close;
    format!("{}UTF-8{}", &text[..start], &text[stop..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn win1256(s: &str) -> Vec<u8> {
        encoding_rs::WINDOWS_1256.encode(s).0.into_owned()
    }

    #[test]
    fn xml_prolog_decides_when_http_is_silent() {
        let mut body = b"<?xml version=\"1.0\" encoding=\"windows-1256\"?><rss><t>".to_vec();
        body.extend(win1256("اتفاقية هانوي"));
        body.extend(b"</t></rss>");
        let d = decode(&body, Some("application/rss+xml"));
        assert_eq!(d.source, CharsetSource::Document);
        assert!(d.text.contains("اتفاقية هانوي"), "{}", d.text);
        assert!(
            d.text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
            "{}",
            d.text
        );
        assert!(!d.lossy);
    }

    #[test]
    fn html_meta_charset_decides() {
        let mut body = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1256\"></head><body>".to_vec();
        body.extend(win1256("الجرائم الإلكترونية"));
        let d = decode(&body, Some("text/html"));
        assert_eq!(d.encoding, encoding_rs::WINDOWS_1256);
        assert!(d.text.contains("الجرائم الإلكترونية"));
        let short = b"<meta charset=windows-1256><p>"
            .iter()
            .copied()
            .chain(win1256("هانوي"))
            .collect::<Vec<_>>();
        assert!(decode(&short, None).text.contains("هانوي"));
    }

    #[test]
    fn utf16_without_a_bom_is_recognised_by_its_prolog() {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><rss><title>Hà Nội ký Công ước</title></rss>";
        let be: Vec<u8> = xml.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let le: Vec<u8> = xml.encode_utf16().flat_map(u16::to_le_bytes).collect();
        for (bytes, encoding) in [(be, encoding_rs::UTF_16BE), (le, encoding_rs::UTF_16LE)] {
            let d = decode(&bytes, None);
            assert_eq!((d.encoding, d.source), (encoding, CharsetSource::XmlPattern));
            assert!(
                d.text.contains("<title>Hà Nội ký Công ước</title>") && !d.lossy,
                "{}",
                d.text
            );
        }
    }

    #[test]
    fn precedence_bom_then_http_then_document() {
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend("<?xml version='1.0' encoding='windows-1256'?><a>é</a>".as_bytes());
        let d = decode(&bom, Some("text/xml; charset=iso-8859-1"));
        assert_eq!(d.source, CharsetSource::Bom);
        assert!(d.text.contains("<a>é</a>"));

        let latin = b"<?xml version='1.0' encoding='utf-8'?><a>\xe9</a>";
        let d = decode(latin, Some("text/xml; charset=\"ISO-8859-1\""));
        assert_eq!(d.source, CharsetSource::Http);
        assert!(d.text.contains("<a>é</a>"));
    }

    #[test]
    fn wrong_http_utf8_yields_to_clean_declaration() {
        let mut body = b"<?xml version=\"1.0\" encoding=\"windows-1256\"?><a>".to_vec();
        body.extend(win1256("مكافحة"));
        let d = decode(&body, Some("text/xml; charset=utf-8"));
        assert_eq!(d.source, CharsetSource::Document);
        assert!(d.text.contains("مكافحة"));
    }

    #[test]
    fn undeclared_legacy_bytes_are_guessed_not_dropped() {
        let text = "اتفاقية الأمم المتحدة لمكافحة الجرائم الإلكترونية في هانوي. وقعت الدول على الاتفاقية.";
        let d = decode(&win1256(text), None);
        assert_eq!(d.source, CharsetSource::Guessed);
        assert_eq!(d.encoding, encoding_rs::WINDOWS_1256);
        assert_eq!(d.text, text);
    }

    #[test]
    fn utf8_bytes_under_a_legacy_declaration_are_read_as_utf8() {
        for declared in ["gb2312", "iso-8859-15", "windows-1252"] {
            let page = format!(
                "<html><head><meta charset=\"{declared}\"></head><body>网络犯罪公约 — Công ước — Конвенция</body></html>"
            );
            let d = decode(page.as_bytes(), None);
            assert_eq!(d.source, CharsetSource::Utf8Bytes, "{declared}");
            assert!(
                d.text.contains("网络犯罪公约 — Công ước — Конвенция"),
                "{declared}"
            );
            let served = decode(page.as_bytes(), Some(&format!("text/html; charset={declared}")));
            assert_eq!(served.source, CharsetSource::Utf8Bytes, "{declared} over HTTP");
        }
        // Real legacy bytes stay legacy: ISO-8859-15 "é€" is not valid UTF-8.
        let mut legacy = b"<html><head><meta charset=\"iso-8859-15\"></head><body>caf".to_vec();
        legacy.extend([0xE9, 0x20, 0xA4]);
        let d = decode(&legacy, None);
        assert_eq!(d.source, CharsetSource::Document);
        assert!(d.text.ends_with("café €"), "{}", d.text);
    }

    #[test]
    fn utf32_with_or_without_a_bom_is_decoded() {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-32\"?><rss><title>Hà Nội 网络</title></rss>";
        let be: Vec<u8> = xml.chars().flat_map(|c| (c as u32).to_be_bytes()).collect();
        let le: Vec<u8> = xml.chars().flat_map(|c| (c as u32).to_le_bytes()).collect();
        let mut le_bom = vec![0xFF, 0xFE, 0, 0];
        le_bom.extend(&le);
        for (bytes, charset, source) in [
            (be.clone(), "UTF-32BE", CharsetSource::XmlPattern),
            (le, "UTF-32LE", CharsetSource::XmlPattern),
            (le_bom, "UTF-32LE", CharsetSource::Bom),
        ] {
            let d = decode(&bytes, None);
            assert_eq!((d.charset, d.source, d.lossy), (charset, source, false));
            assert!(d.text.contains("<title>Hà Nội 网络</title>"), "{}", d.text);
            assert!(
                d.text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
                "{}",
                d.text
            );
        }
        let mut cut = be;
        cut.pop();
        assert!(
            decode(&cut, None).lossy,
            "a truncated last unit is replaced, not dropped"
        );
    }

    #[test]
    fn plain_utf8_is_default() {
        let d = decode("Công ước Hà Nội".as_bytes(), None);
        assert_eq!(d.source, CharsetSource::Utf8Default);
        assert_eq!(d.text, "Công ước Hà Nội");
    }
}
