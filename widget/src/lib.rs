//! The customer chat widget: a Leptos app that runs in an iframe on the relay's origin, framed by
//! the `tetap.js` loader, talking to the host page by `postMessage` and to the relay by WebSocket.
//!
//! Logic lives in plain modules (`chat` with `entry`, `merge`, `history`, `earlier` and
//! `refusal`; `rows`, `window`, `links`, `bridge`, `backoff`, `params`, `i18n`, `identity`,
//! `outbox`, `wire`) so the browser tests can drive it without a relay; `view` and `log_view` hold the components; `session` (with `auth`
//! and `activity`) ties them to the socket and the loader, and `app` boots it all.

pub mod activity;
pub mod app;
pub mod auth;
pub mod backoff;
pub mod bridge;
pub mod chat;
pub mod connection;
pub mod earlier;
pub mod entry;
pub mod history;
pub mod i18n;
pub mod identity;
pub mod links;
pub mod log_view;
pub mod merge;
pub mod outbox;
pub mod params;
pub mod refusal;
pub mod rows;
pub mod session;
pub mod time;
pub mod view;
pub mod window;
pub mod wire;
pub mod workstream;

use wasm_bindgen::prelude::wasm_bindgen;

/// The id of the element `index.html` provides for the app.
pub const ROOT_ID: &str = "tetap";

/// Mounts the app when the page is the widget page. Under wasm-bindgen-test the document has no
/// `#tetap` element, so nothing starts and the tests mount components themselves.
#[wasm_bindgen(start)]
pub fn start() {
    if let Some(root) = leptos::prelude::document().get_element_by_id(ROOT_ID) {
        app::boot(root);
    }
}
