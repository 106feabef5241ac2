//! What the widget keeps in `localStorage` for an identity, under one key: the unsent messages, so
//! that what the customer typed while offline survives a reload and is sent when the connection
//! returns (DESIGN.md §4), and the ids of the conversations shown, so that earlier (closed) ones
//! can be shown again after a reload. `logout()` clears it all. Where storage is unavailable
//! (blocked third-party storage), nothing is kept and the widget works as before.

use crate::wire;
use tetap_shared::ConversationId;
use wasm_bindgen::JsValue;
use web_sys::Storage;

/// Every key the widget writes starts with this.
pub const PREFIX: &str = "tetap:v1:";

/// How many conversation ids are kept per identity.
pub const KEPT_CONVERSATIONS: usize = 20;

/// What is kept for one identity.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Kept {
    /// Unsent messages as `(client_id, text)`, oldest first.
    pub pending: Vec<(String, String)>,
    /// The conversations shown, oldest first.
    pub conversations: Vec<ConversationId>,
}

/// The page's `localStorage`, where the browser allows it.
pub fn storage() -> Option<Storage> {
    leptos::prelude::window().local_storage().ok().flatten()
}

/// The items of a JSON array (none when `value` is no array).
fn items(value: &JsValue) -> Vec<JsValue> {
    if js_sys::Array::is_array(value) {
        js_sys::Array::from(value).to_vec()
    } else {
        Vec::new()
    }
}

/// What is stored under `key` (also read from the older form: a bare array of pending pairs).
pub fn load(key: &str) -> Kept {
    let Some(json) = storage().and_then(|s| s.get_item(key).ok().flatten()) else {
        return Kept::default();
    };
    let Some(value) = wire::parse(&json) else {
        return Kept::default();
    };
    let pairs = if js_sys::Array::is_array(&value) {
        value.clone()
    } else {
        wire::field(&value, "pending")
    };
    let pending = items(&pairs)
        .iter()
        .filter_map(|pair| match items(pair).as_slice() {
            [id, text] => Some((id.as_string()?, text.as_string()?)),
            _ => None,
        })
        .collect();
    let conversations = items(&wire::field(&value, "conversations"))
        .iter()
        .filter_map(|id| id.as_string().map(ConversationId))
        .collect();
    Kept {
        pending,
        conversations,
    }
}

/// Replaces what is stored under `key`, keeping the newest [`KEPT_CONVERSATIONS`] ids; nothing
/// to keep removes the key.
pub fn save(key: &str, kept: &Kept) {
    let Some(storage) = storage() else { return };
    if kept.pending.is_empty() && kept.conversations.is_empty() {
        let _ = storage.remove_item(key);
        return;
    }
    let newest = kept.conversations.len().saturating_sub(KEPT_CONVERSATIONS);
    let ids: js_sys::Array = kept.conversations[newest..]
        .iter()
        .map(|id| JsValue::from_str(&id.0))
        .collect();
    let pending: js_sys::Array = kept
        .pending
        .iter()
        .map(|(id, text)| js_sys::Array::of2(&id.into(), &text.into()))
        .collect();
    let object = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&object, &"pending".into(), &pending);
    let _ = js_sys::Reflect::set(&object, &"conversations".into(), &ids);
    if let Some(json) = js_sys::JSON::stringify(&object)
        .ok()
        .and_then(|j| j.as_string())
    {
        let _ = storage.set_item(key, &json);
    }
}

/// Removes everything the widget stored, for every identity (logout on a shared computer).
pub fn forget_all() {
    let Some(storage) = storage() else { return };
    let length = storage.length().unwrap_or(0);
    let keys: Vec<String> = (0..length)
        .filter_map(|i| storage.key(i).ok().flatten())
        .filter(|key| key.starts_with(PREFIX))
        .collect();
    for key in keys {
        let _ = storage.remove_item(&key);
    }
}
