//! Checks of one `[[auth]]`: exactly one key source, a JWKS URL the relay may fetch, an
//! algorithm allow-list without `none` or HMAC, the leeway bound, the issuer the relay keeps for
//! its own visitor ids.

use super::AuthConfig;
use std::time::Duration;

/// What is wrong with one `[[auth]]`; `key` names it in messages.
pub(super) fn problems(auth: &AuthConfig, key: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let sources: Vec<&str> = [
        ("public_key_file", auth.public_key_file.is_some()),
        ("jwks_file", auth.jwks_file.is_some()),
        ("jwks_url", auth.jwks_url.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect();
    match sources.as_slice() {
        [] => problems.push(format!(
            "{key}: no key source: set one of public_key_file, jwks_file or jwks_url"
        )),
        [_] => {}
        several => problems.push(format!(
            "{key}: more than one key source ({}): keep exactly one",
            several.join(", ")
        )),
    }
    if let Some(url) = &auth.jwks_url
        && !is_key_url(url)
    {
        problems.push(format!(
            "{key}.jwks_url: \"{url}\" is not an https:// URL (http:// only on loopback)"
        ));
    }
    match &auth.algorithms {
        Some(algorithms) if algorithms.is_empty() => problems.push(format!(
            "{key}.algorithms: empty: list some of {}",
            ACCEPTED_ALGORITHMS.join(", ")
        )),
        Some(algorithms) => {
            for algorithm in algorithms {
                if !ACCEPTED_ALGORITHMS.contains(&algorithm.as_str()) {
                    problems.push(format!(
                        "{key}.algorithms: \"{algorithm}\" is not accepted: customer tokens are \
                         signed with {}",
                        ACCEPTED_ALGORITHMS.join(", ")
                    ));
                }
            }
        }
        None => {}
    }
    if auth.issuer == crate::customer_token::VISITOR_ISSUER {
        problems.push(format!(
            "{key}.issuer: \"{}\" is reserved for the relay's own visitor ids",
            auth.issuer
        ));
    }
    if auth.leeway > Duration::from_secs(60) {
        problems.push(format!("{key}.leeway: at most 60s"));
    }
    problems
}

/// The token algorithms an `[[auth]]` may accept: never `none`, never an HMAC algorithm (a
/// public key is public: whoever has it could sign).
const ACCEPTED_ALGORITHMS: [&str; 3] = ["RS256", "ES256", "EdDSA"];

/// An https URL, or an http one on a loopback address (a JWKS served next to the relay).
fn is_key_url(text: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(text) else {
        return false;
    };
    let host = url.host_str().unwrap_or_default();
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => !host.is_empty(),
        "http" => loopback,
        _ => false,
    }
}
