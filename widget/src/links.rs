//! Finds the web links in a message so the view can make them clickable. Only `http:` and
//! `https:` addresses become links (never `javascript:`, `data:` or anything else); the text
//! around them, and the link text itself, is still rendered as text.

/// A run of a message's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    /// An `http(s)://` address, as written.
    Link(&'a str),
}

/// Splits `text` into plain runs and links, in order; joining the pieces gives `text` back.
pub fn split(text: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some((start, end)) = next_link(rest) {
        if start > 0 {
            pieces.push(Piece::Text(&rest[..start]));
        }
        pieces.push(Piece::Link(&rest[start..end]));
        rest = &rest[end..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    pieces
}

/// The byte range of the first link in `text`.
fn next_link(text: &str) -> Option<(usize, usize)> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    loop {
        let found = lower[from..].find("http")? + from;
        let after_scheme = ["https://", "http://"]
            .iter()
            .find(|scheme| lower[found..].starts_with(*scheme))
            .map(|scheme| found + scheme.len());
        // A scheme glued to a word ("xhttp://") is no link start.
        let boundary = text[..found]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        if let (Some(host_start), true) = (after_scheme, boundary) {
            let end = link_end(text, host_start);
            if end > host_start {
                return Some((found, end));
            }
        }
        from = found + 4;
    }
}

/// Where the address that starts at `start` ends: at white space or a character that cannot be
/// in a written URL, without trailing punctuation, or a closing bracket it did not open.
fn link_end(text: &str, start: usize) -> usize {
    let stop = text[start..]
        .find(|c: char| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '`'))
        .map_or(text.len(), |i| start + i);
    let mut end = stop;
    loop {
        let Some(last) = text[start..end].chars().next_back() else {
            return end;
        };
        let unbalanced = match last {
            ')' => count(&text[start..end], '(') < count(&text[start..end], ')'),
            ']' => count(&text[start..end], '[') < count(&text[start..end], ']'),
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' => true,
            _ => false,
        };
        if !unbalanced {
            return end;
        }
        end -= last.len_utf8();
    }
}

fn count(text: &str, wanted: char) -> usize {
    text.chars().filter(|c| *c == wanted).count()
}
