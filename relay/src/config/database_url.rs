//! `server.database_url`: a secret in part (a PostgreSQL URL may carry a password), so it prints
//! with the password redacted wherever it is formatted (`Debug`, `Display`, logs, errors).

use serde::Deserialize;
use std::fmt;
use std::ops::Deref;

/// The database URL; reads as the `&str` it is, prints redacted.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// The URL with its password (if any) replaced by `***`.
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }
}

impl From<String> for DatabaseUrl {
    fn from(url: String) -> Self {
        Self(url)
    }
}

impl Deref for DatabaseUrl {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// `scheme://user:password@host/…` → `scheme://user:***@host/…`; also a `password=` query
/// parameter. Anything else is returned as it is.
pub fn redact(url: &str) -> String {
    let mut redacted = url.to_owned();
    if let Some(scheme_end) = url.find("://") {
        let authority_start = scheme_end + 3;
        let authority_end = url[authority_start..]
            .find(['/', '?'])
            .map_or(url.len(), |i| authority_start + i);
        // The last `@` of the authority ends the user information (a password may hold `@`s
        // only percent-encoded, but be safe).
        if let Some(at) = url[authority_start..authority_end].rfind('@')
            && let Some(colon) = url[authority_start..authority_start + at].find(':')
        {
            let password = authority_start + colon + 1..authority_start + at;
            redacted.replace_range(password, "***");
        }
    }
    if let Some(query) = redacted.find('?') {
        let (path, params) = redacted.split_at(query + 1);
        let params: Vec<String> = params
            .split('&')
            .map(|param| match param.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => param.to_owned(),
            })
            .collect();
        redacted = format!("{path}{}", params.join("&"));
    }
    redacted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_in_the_url_never_prints() {
        let url = DatabaseUrl::from("postgres://tetap:s3cr@t!@db.example:5432/tetap".to_owned());
        for shown in [format!("{url:?}"), url.to_string(), url.redacted()] {
            assert!(!shown.contains("s3cr"), "{shown}");
            assert!(
                shown.contains("postgres://tetap:***@db.example:5432/tetap"),
                "{shown}"
            );
        }
        assert_eq!(&*url, "postgres://tetap:s3cr@t!@db.example:5432/tetap");
    }

    #[test]
    fn a_password_parameter_never_prints_and_urls_without_one_are_unchanged() {
        assert_eq!(
            redact("postgres://db/tetap?sslmode=require&password=hunter2"),
            "postgres://db/tetap?sslmode=require&password=***"
        );
        for plain in [
            "sqlite://data/tetap.db",
            "postgres://tetap@127.0.0.1:5432/tetap",
        ] {
            assert_eq!(redact(plain), plain);
        }
    }
}
