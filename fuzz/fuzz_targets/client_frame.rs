//! Any text a customer's socket may send: the relay's client frame decoder
//! ([`ClientFrame::decode`], called on every WebSocket text frame) never panics, and whatever it
//! accepts re-encodes to a frame that decodes to the same value (what the widget sends is what
//! the relay reads).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tetap_shared::frames::ClientFrame;

fuzz_target!(|data: &[u8]| {
    // A WebSocket text frame is always UTF-8; lossy conversion keeps every input useful
    // instead of discarding the mutations that break UTF-8.
    let text = String::from_utf8_lossy(data);
    let Ok(frame) = ClientFrame::decode(&text) else {
        return;
    };
    let encoded = frame.encode();
    assert_eq!(
        ClientFrame::decode(&encoded).as_ref(),
        Ok(&frame),
        "re-encoded as {encoded}"
    );
});
