//! Who the customer is, as far as browser storage is concerned, and fresh message ids.
//!
//! The token is verified by the relay, never here: the widget only reads the `iss` and `sub` claims
//! to key its storage by identity (issuer, subject, workstream), so that one customer never sees
//! another's unsent messages on a shared computer.

use crate::wire;

/// The storage key for this customer and workstream, or `None` when the token has no readable
/// `iss`/`sub` (anonymous or malformed: nothing is stored then).
pub fn storage_key(token: &str, workstream: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let claims = wire::parse(&String::from_utf8(base64url_decode(payload)?).ok()?)?;
    let (iss, sub) = (wire::string(&claims, "iss")?, wire::string(&claims, "sub")?);
    Some(format!(
        "{}{}\u{1f}{}\u{1f}{}",
        crate::outbox::PREFIX,
        iss,
        sub,
        workstream
    ))
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
