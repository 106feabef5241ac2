//! The `postMessage` protocol between the widget (in its iframe) and the `tetap.js` loader on the
//! host page. Every message is a JSON object `{tetap: 1, type, …}`.
//!
//! Loader → widget: `token {token: string|null}`, `open`, `close`, `logout`.
//! Widget → loader: `ready`, `token_request`, `unread {count}`, `message {message}`, `close`,
//! `error {code, message}`.
//!
//! The widget accepts a message only from `window.parent` and from the host origin named in its URL,
//! and only when that origin is one of the workstream's `allowed_origins`; it posts only to that
//! exact origin, never `*`.

use crate::wire;
use serde::Serialize;
use tetap_shared::Message;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::MessageEvent;

/// The version field every message carries.
pub const BRIDGE_VERSION: u32 = 1;

/// What the loader tells the widget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inbound {
    /// The customer's token; `None` when the host says nobody is signed in.
    Token(Option<String>),
    /// The launcher opened the chat.
    Open,
    /// The chat was minimised.
    Close,
    /// Forget the customer (shared computer): drop the socket, the token and the browser storage.
    Logout,
}

/// What the widget tells the loader.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Outbound {
    Ready,
    TokenRequest,
    Unread { count: u32 },
    Message { message: Message },
    Close,
    Error { code: String, message: String },
}

#[derive(Serialize)]
struct Stamped<'a> {
    tetap: u32,
    #[serde(flatten)]
    message: &'a Outbound,
}

/// Reads a loader message (the `data` of a `message` event); `None` for anything that is not one.
pub fn parse_inbound(data: &JsValue) -> Option<Inbound> {
    if wire::field(data, "tetap").as_f64() != Some(f64::from(BRIDGE_VERSION)) {
        return None;
    }
    match wire::string(data, "type")?.as_str() {
        "token" => Some(Inbound::Token(
            wire::string(data, "token").filter(|token| !token.is_empty()),
        )),
        "open" => Some(Inbound::Open),
        "close" => Some(Inbound::Close),
        "logout" => Some(Inbound::Logout),
        _ => None,
    }
}

/// The JSON text of a message to the loader.
pub fn encode_outbound(message: &Outbound) -> String {
    let stamped = Stamped {
        tetap: BRIDGE_VERSION,
        message,
    };
    serde_json::to_string(&stamped).unwrap_or_default()
}

/// Whether a `message` event may be believed: it comes from our parent window, from the host
/// origin of our URL, and that origin may embed this workstream.
pub fn accepts(from_parent: bool, origin: &str, host: &str, allowed_origins: &[String]) -> bool {
    from_parent && origin == host && host_allowed(host, allowed_origins)
}

/// Whether the host origin named in the widget's URL may embed the workstream.
pub fn host_allowed(host: &str, allowed_origins: &[String]) -> bool {
    !host.is_empty()
        && allowed_origins
            .iter()
            .any(|allowed| crate::params::normalize_origin(allowed) == host)
}

/// The widget's end of the channel: posts to the parent at the host's exact origin.
#[derive(Clone, Debug)]
pub struct Bridge {
    host: String,
}

impl Bridge {
    /// A bridge to `host`, which the caller has checked against `allowed_origins`.
    pub fn new(host: String) -> Self {
        Bridge { host }
    }

    /// Posts one message to the loader. Silently does nothing without a parent window.
    pub fn post(&self, message: &Outbound) {
        let Some(parent) = leptos::prelude::window().parent().ok().flatten() else {
            return;
        };
        if let Ok(value) = js_sys::JSON::parse(&encode_outbound(message)) {
            let _ = parent.post_message(&value, &self.host);
        }
    }

    /// Calls `handler` for every loader message that passes [`accepts`], for the page's lifetime.
    pub fn listen(&self, allowed_origins: Vec<String>, handler: impl Fn(Inbound) + 'static) {
        let host = self.host.clone();
        let window = leptos::prelude::window();
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
            let window = leptos::prelude::window();
            let from_parent = match (event.source(), window.parent().ok().flatten()) {
                (Some(source), Some(parent)) => js_sys::Object::is(&source, &parent),
                _ => false,
            };
            if !accepts(from_parent, &event.origin(), &host, &allowed_origins) {
                return;
            }
            if let Some(inbound) = parse_inbound(&event.data()) {
                handler(inbound);
            }
        });
        let _ =
            window.add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
        // The listener lives as long as the page.
        on_message.forget();
    }
}
