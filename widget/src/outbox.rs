//! Unsent messages kept in `localStorage`, keyed by identity, so that what the customer typed
//! while offline survives a reload and is sent when the connection returns (DESIGN.md §4).
//! `logout()` clears it all. Where storage is unavailable (blocked third-party storage), nothing is
//! kept and the widget works as before.

use crate::wire;
use web_sys::Storage;

/// Every key the widget writes starts with this.
pub const PREFIX: &str = "tetap:v1:";

/// The page's `localStorage`, where the browser allows it.
pub fn storage() -> Option<Storage> {
    leptos::prelude::window().local_storage().ok().flatten()
}

/// The unsent messages stored under `key`, as `(client_id, text)`.
pub fn load(key: &str) -> Vec<(String, String)> {
    let Some(json) = storage().and_then(|s| s.get_item(key).ok().flatten()) else {
        return Vec::new();
    };
    let Some(items) = wire::parse(&json).filter(js_sys::Array::is_array) else {
        return Vec::new();
    };
    js_sys::Array::from(&items)
        .iter()
        .filter_map(|pair| {
            let pair = js_sys::Array::from(&pair);
            Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
        })
        .collect()
}

/// Replaces what is stored under `key`; an empty outbox removes the key.
pub fn save(key: &str, pending: &[(String, String)]) {
    let Some(storage) = storage() else { return };
    if pending.is_empty() {
        let _ = storage.remove_item(key);
    } else if let Ok(json) = serde_json::to_string(pending) {
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
