//! The loader script and the built widget app: where they come from (embedded or a directory) and
//! how they are served (content types, caching, the widget page's Content-Security-Policy).

use crate::config::Config;
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The loader a host page includes: plain JS, small, always built in.
const LOADER: &str = include_str!("../../widget/tetap.js");

/// The widget's and the console's files, loaded once at start.
#[derive(Debug, Default)]
pub struct Assets {
    widget: AppFiles,
    /// The agent console's files, served under `/console/`.
    pub console: crate::console::ConsoleAssets,
}

/// One built app (a trunk output): its files by path below the output directory, and the
/// `'sha256-…'` sources of its `index.html`'s inline scripts (trunk's bootstrap) for the CSP.
#[derive(Debug, Default)]
pub struct AppFiles {
    pub(crate) files: HashMap<String, Vec<u8>>,
    pub(crate) inline_script_hashes: Vec<String>,
}

impl AppFiles {
    /// `embedded` when the binary carries the app, else the files under `dir`, else none (its
    /// page then answers 503 with a hint).
    pub fn load(
        embedded: Vec<(String, Vec<u8>)>,
        dir: Option<&std::path::Path>,
    ) -> std::io::Result<Self> {
        let mut files: HashMap<String, Vec<u8>> = embedded.into_iter().collect();
        if files.is_empty()
            && let Some(dir) = dir
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
}

#[cfg(feature = "embed-assets")]
#[derive(rust_embed::RustEmbed)]
#[folder = "$TETAP_WIDGET_DIST"]
struct Embedded;

impl Assets {
    /// The embedded widget when the binary has one, else `server.widget_dir`; likewise the console.
    pub fn load(config: &Config) -> std::io::Result<Self> {
        #[cfg(feature = "embed-assets")]
        let embedded = Embedded::iter()
            .filter_map(|name| {
                Embedded::get(&name).map(|f| (name.to_string(), f.data.into_owned()))
            })
            .collect();
        #[cfg(not(feature = "embed-assets"))]
        let embedded = Vec::new();
        Ok(Self {
            widget: AppFiles::load(embedded, config.server.widget_dir.as_deref())?,
            console: crate::console::ConsoleAssets::load(config)?,
        })
    }
}

/// Reads every file under `dir` into `files`, keyed by its path below `dir`.
pub(crate) fn read_dir_into(
    dir: &std::path::Path,
    prefix: &str,
    files: &mut HashMap<String, Vec<u8>>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if entry.file_type()?.is_dir() {
            read_dir_into(&entry.path(), &format!("{name}/"), files)?;
        } else {
            files.insert(name, std::fs::read(entry.path())?);
        }
    }
    Ok(())
}

/// Hashes the body of every `<script>` without `src`, for the CSP's `script-src`.
pub(crate) fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        rest = &rest[start..];
        let Some(tag_end) = rest.find('>') else { break };
        let tag = &rest[..tag_end];
        let body_and_more = &rest[tag_end + 1..];
        let Some(close) = body_and_more.find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            let digest = Sha256::digest(&body_and_more.as_bytes()[..close]);
            hashes.push(format!("'sha256-{}'", STANDARD.encode(digest)));
        }
        rest = &body_and_more[close..];
    }
    hashes
}

/// `GET /tetap.js`.
pub async fn loader() -> Response {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            // Short: a site picks up a new loader within minutes, without a new snippet.
            (CACHE_CONTROL, "public, max-age=300"),
        ],
        LOADER,
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct WidgetPageQuery {
    workstream: Option<String>,
}

/// `GET /widget/`: the widget app's page, frameable only by the workstream's allowed origins.
pub async fn widget_page(
    State(state): State<AppState>,
    Query(query): Query<WidgetPageQuery>,
) -> Response {
    let Some(html) = state.assets.widget.files.get("index.html") else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "the widget is not built: run `cargo xtask run`, or build with `cargo xtask dist`",
        )
            .into_response();
    };
    let ancestors = query
        .workstream
        .as_deref()
        .and_then(|id| state.config.workstream(id))
        .map(|ws| ws.allowed_origins.join(" "))
        .filter(|origins| !origins.is_empty())
        .unwrap_or_else(|| "'none'".into());
    let csp = format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval' {}; style-src 'self'; \
         connect-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; \
         form-action 'none'; frame-ancestors {ancestors}",
        state.assets.widget.inline_script_hashes.join(" ")
    );
    let mut response = (
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CACHE_CONTROL, "no-cache"),
        ],
        html.clone(),
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&csp) {
        response
            .headers_mut()
            .insert(CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// `GET /widget/{*path}`: the app's scripts, wasm and styles.
pub async fn widget_file(State(state): State<AppState>, Path(path): Path<String>) -> Response {
    if path.is_empty() || path == "index.html" {
        return (StatusCode::NOT_FOUND, "use /widget/").into_response();
    }
    match state.assets.widget.files.get(&path) {
        Some(bytes) => (
            [
                (CONTENT_TYPE, content_type(&path)),
                (CACHE_CONTROL, "public, max-age=300"),
            ],
            bytes.clone(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}

/// The `Content-Type` of a built asset, by its extension.
pub(crate) fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("mp3") => "audio/mpeg",
        _ => "application/octet-stream",
    }
}

/// What the widget needs to know about its workstream before it talks to anyone.
#[derive(serde::Serialize)]
pub struct WorkstreamInfo {
    id: String,
    mode: tetap_shared::Mode,
    allowed_origins: Vec<String>,
    /// A live workstream that takes anonymous visitors: the widget chats without a site token.
    anonymous: bool,
    /// For a live workstream outside its hours that starts no chat (R3): the notice to show
    /// before the customer writes anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    offline_notice: Option<String>,
}

#[derive(Deserialize)]
pub struct InfoQuery {
    locale: Option<String>,
}

/// `GET /v1/widget/workstreams/{id}`.
pub async fn workstream_info(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<InfoQuery>,
) -> Result<axum::Json<WorkstreamInfo>, AppError> {
    let ws = state
        .config
        .workstream(&id)
        .ok_or_else(|| AppError::not_found("unknown_workstream", "no such workstream"))?;
    Ok(axum::Json(WorkstreamInfo {
        id: ws.id.clone(),
        mode: ws.mode,
        allowed_origins: ws.allowed_origins.clone(),
        anonymous: ws.mode == tetap_shared::Mode::Live && ws.anonymous,
        offline_notice: (ws.mode == tetap_shared::Mode::Live
            && !ws.offline_chat
            && !state.config.is_open(ws, state.clock.now()))
        .then(|| {
            let locale = query.locale.as_deref().unwrap_or("en");
            tetap_shared::rules::system_messages::render(
                tetap_shared::rules::system_messages::OFFLINE,
                locale,
                &ws.messages,
                &[],
            )
        }),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_are_not() {
        let html = r#"<script src="/a.js"></script><script type="module">boot()</script>"#;
        let expected = format!("'sha256-{}'", STANDARD.encode(Sha256::digest(b"boot()")));
        assert_eq!(inline_script_hashes(html), vec![expected]);
    }
}
