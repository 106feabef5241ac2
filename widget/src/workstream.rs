//! The workstream's public settings, fetched from the relay before anything else: its mode and the
//! origins that may embed it.

use serde::Deserialize;
use tetap_shared::Mode;

/// `GET /v1/widget/workstreams/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct WorkstreamInfo {
    pub id: String,
    pub mode: Mode,
    pub allowed_origins: Vec<String>,
}

/// Why the workstream could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// The relay does not know the workstream (404), or the URL named none.
    Unknown,
    /// Network trouble or an unexpected answer.
    Unavailable,
}

/// Fetches the workstream's settings from the relay this page came from.
pub async fn fetch(id: &str) -> Result<WorkstreamInfo, LoadError> {
    if id.is_empty() {
        return Err(LoadError::Unknown);
    }
    let url = format!(
        "/v1/widget/workstreams/{}",
        String::from(js_sys::encode_uri_component(id))
    );
    let response = gloo_net::http::Request::get(&url)
        .send()
        .await
        .map_err(|_| LoadError::Unavailable)?;
    match response.status() {
        200 => response.json().await.map_err(|_| LoadError::Unavailable),
        404 => Err(LoadError::Unknown),
        _ => Err(LoadError::Unavailable),
    }
}
