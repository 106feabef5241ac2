//! Same-origin checks for WebSocket upgrades and cookie-authenticated writes (CSWSH and CSRF).

use axum::http::HeaderMap;
use axum::http::header::{HOST, ORIGIN};

/// True when the request carries no `Origin` (not a browser), or an `Origin` whose host and port
/// are the relay's own as the browser addressed it (`Host`).
pub fn is_same_origin_or_absent(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(ORIGIN) else {
        return true;
    };
    let (Ok(origin), Some(Ok(host))) = (origin.to_str(), headers.get(HOST).map(|h| h.to_str()))
    else {
        return false;
    };
    origin_authority(origin).is_some_and(|authority| authority.eq_ignore_ascii_case(host))
}

/// The `host[:port]` of an origin such as `https://chat.example.com:8443`.
pub fn origin_authority(origin: &str) -> Option<&str> {
    let (scheme, authority) = origin.split_once("://")?;
    (matches!(scheme, "http" | "https") && !authority.is_empty() && !authority.contains('/'))
        .then_some(authority)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(origin: Option<&'static str>, host: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_static(host));
        if let Some(origin) = origin {
            headers.insert(ORIGIN, HeaderValue::from_static(origin));
        }
        headers
    }

    #[test]
    fn the_relays_own_origin_passes() {
        assert!(is_same_origin_or_absent(&headers(
            Some("http://127.0.0.1:8080"),
            "127.0.0.1:8080"
        )));
    }

    #[test]
    fn a_foreign_origin_is_refused() {
        for origin in ["http://evil.example", "http://127.0.0.1:9999", "null"] {
            assert!(
                !is_same_origin_or_absent(&headers(Some(origin), "127.0.0.1:8080")),
                "{origin}"
            );
        }
    }

    #[test]
    fn requests_without_origin_are_not_from_a_browser_page_and_pass() {
        assert!(is_same_origin_or_absent(&headers(None, "127.0.0.1:8080")));
    }
}
