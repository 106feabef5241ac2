//! The workstream's public settings, fetched from the relay before anything else: its mode, the
//! origins that may embed it, and whether it takes anonymous visitors.

use crate::wire;
use tetap_shared::Mode;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// `GET /v1/widget/workstreams/{id}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkstreamInfo {
    pub id: String,
    pub mode: Mode,
    pub allowed_origins: Vec<String>,
    /// A live workstream with `anonymous = true`: visitors chat without a site token, under a
    /// visitor id the relay signs.
    pub anonymous: bool,
    /// A live workstream outside its hours: the offline notice to show at once (R3).
    pub offline_notice: Option<String>,
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
    // `boot` set the page's `lang` to the picked locale: the relay words notices in it.
    let locale = leptos::prelude::document()
        .document_element()
        .and_then(|html| html.get_attribute("lang"))
        .unwrap_or_default();
    let url = format!(
        "/v1/widget/workstreams/{}?locale={}",
        String::from(js_sys::encode_uri_component(id)),
        String::from(js_sys::encode_uri_component(&locale))
    );
    let response = JsFuture::from(leptos::prelude::window().fetch_with_str(&url))
        .await
        .map_err(|_| LoadError::Unavailable)?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| LoadError::Unavailable)?;
    match response.status() {
        200 => {}
        404 => return Err(LoadError::Unknown),
        _ => return Err(LoadError::Unavailable),
    }
    let body = response.json().map_err(|_| LoadError::Unavailable)?;
    let body = JsFuture::from(body)
        .await
        .map_err(|_| LoadError::Unavailable)?;
    info(&body).ok_or(LoadError::Unavailable)
}

/// Reads the JSON body of the workstream endpoint.
pub fn info(body: &JsValue) -> Option<WorkstreamInfo> {
    Some(WorkstreamInfo {
        id: wire::string(body, "id")?,
        mode: wire::mode(&wire::string(body, "mode")?)?,
        allowed_origins: wire::array(body, "allowed_origins")?
            .iter()
            .filter_map(JsValue::as_string)
            .collect(),
        anonymous: wire::field(body, "anonymous").as_bool().unwrap_or(false),
        offline_notice: wire::string(body, "offline_notice"),
    })
}
