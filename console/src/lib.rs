//! The agent console: a Leptos app served by the relay under `/console/`, talking only to the
//! agent API (DESIGN.md §3). The session is the relay's HttpOnly cookie; the console keeps nothing
//! in storage or in the URL.
//!
//! Logic lives in plain modules (`worklist`, `thread`, `signin`, `notify`, `time`, `backoff`,
//! `i18n`) so the browser tests drive it without a relay; `api` and `events` talk to the relay;
//! `signin_view`, `topbar`, `list_view`, `conversation_view` and `toasts` are the components;
//! `desk` holds the signed-in console's state and `app` boots it all.
#![cfg(target_arch = "wasm32")]

pub mod api;
pub mod app;
pub mod backoff;
pub mod conversation_view;
pub mod desk;
pub mod events;
pub mod i18n;
pub mod list_view;
pub mod notify;
pub mod signin;
pub mod signin_view;
pub mod thread;
pub mod time;
pub mod toasts;
pub mod topbar;
pub mod worklist;

use wasm_bindgen::prelude::wasm_bindgen;

/// The id of the element `console/index.html` provides for the app.
pub const ROOT_ID: &str = "tetap-console";

/// Mounts the app when the page is the console page. Under wasm-bindgen-test the document has no
/// `#tetap-console` element, so nothing starts and the tests mount components themselves.
#[wasm_bindgen(start)]
pub fn start() {
    if let Some(root) = leptos::prelude::document().get_element_by_id(ROOT_ID) {
        app::boot(root);
    }
}
