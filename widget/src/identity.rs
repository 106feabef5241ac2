//! Who the customer is, as far as the browser is concerned: storage keyed by identity, when to ask
//! the host page for a fresh token, the anonymous visitor's id, and fresh message ids.
//!
//! The token is verified by the relay, never here: the widget only reads its `iss` and `sub` claims
//! to key its storage by identity (issuer, subject, workstream), so that one customer never sees
//! another's unsent messages on a shared computer, and `iat`/`exp` to renew it in time.

use crate::wire;
use wasm_bindgen::JsValue;

/// Ask for a fresh token this long before the current one expires (less for short lifetimes).
const REFRESH_MARGIN_S: f64 = 60.0;
/// Ask no sooner than this after a token arrived, so a host page that hands out short-lived or
/// already expired tokens is not asked in a loop.
pub const MIN_REFRESH_MS: u32 = 10_000;

/// The claims of a JWT, unverified; `None` unless the payload is a JSON object.
fn claims(token: &str) -> Option<JsValue> {
    let payload = token.split('.').nth(1)?;
    wire::parse(&String::from_utf8(base64url_decode(payload)?).ok()?).filter(JsValue::is_object)
}

/// The storage key for this customer and workstream, or `None` when the token has no readable
/// `iss`/`sub` (malformed: nothing is stored then).
pub fn storage_key(token: &str, workstream: &str) -> Option<String> {
    let claims = claims(token)?;
    let (iss, sub) = (wire::string(&claims, "iss")?, wire::string(&claims, "sub")?);
    Some(format!(
        "{}{}\u{1f}{}\u{1f}{}",
        crate::outbox::PREFIX,
        iss,
        sub,
        workstream
    ))
}

/// How long after `token` arrived to ask the host page for a fresh one: a minute before it
/// expires (a fifth of its lifetime when that is short). The time left is the token's own lifetime
/// (`exp - iat`) unless the browser's clock (`now_s`, seconds) says less, so a browser clock that
/// is wrong cannot make the widget ask too late, or in a loop. `None` without a readable `exp`.
pub fn refresh_delay_ms(token: &str, now_s: f64) -> Option<u32> {
    let claims = claims(token)?;
    let exp = wire::field(&claims, "exp").as_f64()?;
    let lifetime = wire::field(&claims, "iat")
        .as_f64()
        .map(|iat| exp - iat)
        .filter(|lifetime| *lifetime > 0.0);
    let by_clock = exp - now_s;
    let left = match lifetime {
        Some(lifetime) if by_clock > 0.0 => lifetime.min(by_clock),
        Some(lifetime) => lifetime,
        None => by_clock,
    };
    let wait_s = left - REFRESH_MARGIN_S.min(left / 5.0);
    Some((wait_s * 1000.0).clamp(f64::from(MIN_REFRESH_MS), f64::from(i32::MAX)) as u32)
}

fn visitor_key(workstream: &str) -> String {
    format!("{}visitor\u{1f}{workstream}", crate::outbox::PREFIX)
}

/// The anonymous visitor's token for `workstream`, kept from an earlier visit.
pub fn load_visitor(workstream: &str) -> Option<String> {
    crate::outbox::storage()?
        .get_item(&visitor_key(workstream))
        .ok()
        .flatten()
        .filter(|token| !token.is_empty())
}

/// Keeps the visitor token the relay issued (or renewed) for `workstream`.
pub fn save_visitor(workstream: &str, token: &str) {
    if let Some(storage) = crate::outbox::storage() {
        let _ = storage.set_item(&visitor_key(workstream), token);
    }
}

/// Forgets the visitor token of `workstream` (the relay refused it: a new visitor starts).
pub fn forget_visitor(workstream: &str) {
    if let Some(storage) = crate::outbox::storage() {
        let _ = storage.remove_item(&visitor_key(workstream));
    }
}

/// Decodes unpadded (or padded) base64url; `None` on any other character.
pub fn base64url_decode(input: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in input.trim_end_matches('=').bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// A random UUID v4 for a message's `client_id`, from `crypto.getRandomValues` (which, unlike
/// `crypto.randomUUID`, also works on a plain-http relay during development).
pub fn new_client_id() -> String {
    let mut bytes = [0u8; 16];
    let filled = leptos::prelude::window()
        .crypto()
        .and_then(|crypto| crypto.get_random_values_with_u8_array(&mut bytes))
        .is_ok();
    if !filled {
        for byte in &mut bytes {
            *byte = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    format_uuid_v4(bytes)
}

/// Formats 16 random bytes as a version 4, variant 1 UUID.
pub fn format_uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
