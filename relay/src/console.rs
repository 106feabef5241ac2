//! The agent console's files (the trunk output of `console/`): where they come from (embedded, or
//! `server.console_dir`) and how they are served under `/console/`, the page with a strict
//! Content-Security-Policy that no other site may frame.

use crate::assets::{content_type, inline_script_hashes, read_dir_into};
use crate::config::Config;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_FRAME_OPTIONS,
};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;

/// The console's files, loaded once at start.
#[derive(Debug, Default)]
pub struct ConsoleAssets {
    files: HashMap<String, Vec<u8>>,
    /// `'sha256-…'` sources for the inline scripts of `index.html` (trunk's bootstrap).
    inline_script_hashes: Vec<String>,
}

#[cfg(feature = "embed-assets")]
#[derive(rust_embed::RustEmbed)]
#[folder = "$TETAP_CONSOLE_DIST"]
struct Embedded;

impl ConsoleAssets {
    /// The embedded console when the binary has one, else `server.console_dir`, else nothing (the
    /// console page then answers 503 with a hint).
    pub fn load(config: &Config) -> std::io::Result<Self> {
        let mut files = HashMap::new();
        #[cfg(feature = "embed-assets")]
        for name in Embedded::iter() {
            if let Some(file) = Embedded::get(&name) {
                files.insert(name.to_string(), file.data.into_owned());
            }
        }
        if files.is_empty()
            && let Some(dir) = &config.server.console_dir
            && dir.is_dir()
        {
            read_dir_into(dir, "", &mut files)?;
        }
        let inline_script_hashes = files
            .get("index.html")
            .map(|html| inline_script_hashes(&String::from_utf8_lossy(html)))
            .unwrap_or_default();
        Ok(Self {
            files,
            inline_script_hashes,
        })
    }

    /// The page's policy: only its own scripts (trunk's bootstrap by hash), styles, images and
    /// connections (the agent API and its event stream); no plugins, forms, `<base>`, or framing.
    pub fn csp(&self) -> String {
        let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
        for hash in &self.inline_script_hashes {
            script_src.push(' ');
            script_src.push_str(hash);
        }
        format!(
            "default-src 'none'; script-src {script_src}; style-src 'self'; connect-src 'self'; \
             img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        )
    }
}

/// `GET /console`: to the page, so relative asset paths resolve.
pub async fn redirect() -> Redirect {
    Redirect::permanent("/console/")
}

/// `GET /console/`: the console's page.
pub async fn page(State(state): State<AppState>) -> Response {
    let console = &state.assets.console;
    let Some(html) = console.files.get("index.html") else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "the agent console is not built: run `cargo xtask run`, or set server.console_dir to \
             the output of `cargo xtask build-widget` (target/console-dist)",
        )
            .into_response();
    };
    let mut response = (
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CACHE_CONTROL, "no-cache"),
            (REFERRER_POLICY, "no-referrer"),
            // For browsers older than `frame-ancestors`.
            (X_FRAME_OPTIONS, "DENY"),
        ],
        html.clone(),
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&console.csp()) {
        response
            .headers_mut()
            .insert(CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// `GET /console/{*path}`: the console's script, wasm and styles. Revalidated on every load
/// (`no-cache`): the names carry no hash, and a console must not mix two builds.
pub async fn file(State(state): State<AppState>, Path(path): Path<String>) -> Response {
    if path.is_empty() || path == "index.html" {
        return Redirect::permanent("/console/").into_response();
    }
    match state.assets.console.files.get(&path) {
        Some(bytes) => (
            [
                (CONTENT_TYPE, content_type(&path)),
                (CACHE_CONTROL, "no-cache"),
            ],
            bytes.clone(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_console_policy_allows_its_bootstrap_by_hash_and_forbids_framing() {
        let console = ConsoleAssets {
            files: HashMap::new(),
            inline_script_hashes: vec!["'sha256-abc'".into()],
        };
        assert_eq!(
            console.csp(),
            "default-src 'none'; script-src 'self' 'wasm-unsafe-eval' 'sha256-abc'; \
             style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; \
             form-action 'none'; frame-ancestors 'none'"
        );
    }
}
