//! The agent console's files (the trunk output of `console/`): where they come from (embedded, or
//! `server.console_dir`) and how they are served under `/console/`, the page with a strict
//! Content-Security-Policy that no other site may frame.

use crate::assets::{AppFiles, content_type};
use crate::config::Config;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_FRAME_OPTIONS,
};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

/// The console's files, loaded once at start.
#[derive(Debug, Default)]
pub struct ConsoleAssets(AppFiles);

#[cfg(feature = "embed-assets")]
#[derive(rust_embed::RustEmbed)]
#[folder = "$TETAP_CONSOLE_DIST"]
struct Embedded;

impl ConsoleAssets {
    /// The embedded console when the binary has one, else `server.console_dir`, else nothing (the
    /// console page then answers 503 with a hint).
    pub fn load(config: &Config) -> std::io::Result<Self> {
        #[cfg(feature = "embed-assets")]
        let embedded = Embedded::iter()
            .filter_map(|name| {
                Embedded::get(&name).map(|f| (name.to_string(), f.data.into_owned()))
            })
            .collect();
        #[cfg(not(feature = "embed-assets"))]
        let embedded = Vec::new();
        AppFiles::load(embedded, config.server.console_dir.as_deref()).map(Self)
    }

    /// The page's policy: only its own scripts (trunk's bootstrap by hash), styles, images and
    /// connections (the agent API and its event stream); no plugins, forms, `<base>`, or framing.
    pub fn csp(&self) -> String {
        let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
        for hash in &self.0.inline_script_hashes {
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
    let Some(html) = console.0.files.get("index.html") else {
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
    match state.assets.console.0.files.get(&path) {
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
    use std::collections::HashMap;

    #[test]
    fn the_console_policy_allows_its_bootstrap_by_hash_and_forbids_framing() {
        let console = ConsoleAssets(AppFiles {
            files: HashMap::new(),
            inline_script_hashes: vec!["'sha256-abc'".into()],
        });
        assert_eq!(
            console.csp(),
            "default-src 'none'; script-src 'self' 'wasm-unsafe-eval' 'sha256-abc'; \
             style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; \
             form-action 'none'; frame-ancestors 'none'"
        );
    }
}
