//! Keeps the databases' passwords out of what `migrate-store` prints: URLs are shown redacted
//! ([`crate::config::DatabaseUrl`]), and the text of a driver's error, which we do not write,
//! has any password of the two URLs masked before it is shown.

/// The passwords of the URLs a move was given, to mask in any text it prints.
#[derive(Clone, Default)]
pub(super) struct Scrubber {
    passwords: Vec<String>,
}

impl Scrubber {
    /// Learns the passwords of `urls`: the user information's and a `password=` parameter's,
    /// as written and percent-decoded (an error may quote either form).
    pub(super) fn new(urls: &[&str]) -> Self {
        let mut passwords = Vec::new();
        for url in urls {
            for password in passwords_of(url) {
                passwords.push(percent_decoded(&password));
                passwords.push(password);
            }
        }
        passwords.retain(|p| !p.is_empty());
        // Longest first, so a password that contains another is masked whole.
        passwords.sort_by_key(|p| std::cmp::Reverse(p.len()));
        passwords.dedup();
        Self { passwords }
    }

    /// `text` with every known password replaced by `***`.
    pub(super) fn scrub(&self, text: &str) -> String {
        self.passwords
            .iter()
            .fold(text.to_owned(), |text, password| {
                text.replace(password.as_str(), "***")
            })
    }
}

/// The passwords written in `url`, as written.
fn passwords_of(url: &str) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(scheme_end) = url.find("://") {
        let start = scheme_end + 3;
        let end = url[start..]
            .find(['/', '?'])
            .map_or(url.len(), |i| start + i);
        let authority = &url[start..end];
        if let Some(at) = authority.rfind('@')
            && let Some((_, password)) = authority[..at].split_once(':')
        {
            found.push(password.to_owned());
        }
    }
    if let Some((_, query)) = url.split_once('?') {
        for param in query.split('&') {
            if let Some((key, value)) = param.split_once('=')
                && key.eq_ignore_ascii_case("password")
            {
                found.push(value.to_owned());
            }
        }
    }
    found
}

/// `%XX` escapes decoded (a URL's password may be percent-encoded); anything else kept.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                i += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_masked_as_written_and_percent_decoded() {
        let scrub = Scrubber::new(&[
            "sqlite://data/tetap.db",
            "postgres://tetap:p%40ss-w0rd@db:5432/tetap?password=other-secret",
        ]);
        let text = "failed for p@ss-w0rd, p%40ss-w0rd and other-secret at db:5432";
        assert_eq!(scrub.scrub(text), "failed for ***, *** and *** at db:5432");
    }

    #[test]
    fn urls_without_a_password_mask_nothing() {
        let scrub = Scrubber::new(&["sqlite://data/tetap.db", "postgres://tetap@db/tetap"]);
        assert_eq!(scrub.scrub("tetap@db: refused"), "tetap@db: refused");
    }
}
