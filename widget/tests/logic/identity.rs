//! Who the customer is and what the browser keeps for them: storage keys, client ids, token
//! refresh, the visitor id and the unsent messages, all forgotten on logout.

use tetap_shared::ConversationId;
use tetap_widget::identity::{
    MIN_REFRESH_MS, base64url_decode, forget_visitor, format_uuid_v4, load_visitor, new_client_id,
    refresh_delay_ms, save_visitor, storage_key,
};
use tetap_widget::outbox::{self, Kept};
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
fn storage_is_keyed_by_issuer_subject_and_workstream() {
    // {"iss":"https://shop.example.com","sub":"cust-1"} — the signature is not ours to check.
    let token = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJodHRwczovL3Nob3AuZXhhbXBsZS5jb20iLCJzdWIiOiJjdXN0LTEifQ.sig";
    let key = storage_key(token, "support").expect("a key");
    assert!(key.starts_with("tetap:v1:") && key.contains("cust-1") && key.ends_with("support"));
    assert_ne!(storage_key(token, "billing"), Some(key));
    assert_eq!(storage_key("not-a-jwt", "support"), None);
    assert_eq!(base64url_decode("aGk").as_deref(), Some(&b"hi"[..]));
    assert_eq!(base64url_decode("a*b"), None);
}

#[wasm_bindgen_test]
fn client_ids_are_random_v4_uuids() {
    let id = format_uuid_v4([0xff; 16]);
    assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
    let (a, b) = (new_client_id(), new_client_id());
    assert_ne!(a, b);
    assert_eq!(a.len(), 36);
    assert_eq!(a.as_bytes()[14], b'4');
}

#[wasm_bindgen_test]
fn unsent_messages_and_conversations_survive_in_storage_until_logout() {
    let key = "tetap:v1:test\u{1f}cust\u{1f}support";
    let kept = Kept {
        pending: vec![("a".into(), "hello".into()), ("b".into(), "again".into())],
        conversations: vec!["c1".into(), "c2".into()],
    };
    outbox::save(key, &kept);
    assert_eq!(outbox::load(key), kept);
    outbox::forget_all();
    assert_eq!(outbox::load(key), Kept::default());

    let many = Kept {
        pending: vec![],
        conversations: (0..30).map(|i| ConversationId(format!("c{i}"))).collect(),
    };
    outbox::save(key, &many);
    let loaded = outbox::load(key).conversations;
    assert_eq!(
        loaded.len(),
        outbox::KEPT_CONVERSATIONS,
        "the newest are kept"
    );
    assert_eq!(loaded.last().map(|c| c.0.as_str()), Some("c29"));

    outbox::save(key, &Kept::default());
    let stored = outbox::storage().and_then(|s| s.get_item(key).ok().flatten());
    assert_eq!(stored, None, "nothing to keep removes the key");

    // What an earlier build stored: a bare array of pending messages.
    if let Some(storage) = outbox::storage() {
        storage
            .set_item(key, r#"[["a","from before"]]"#)
            .expect("stored");
    }
    assert_eq!(
        outbox::load(key).pending,
        [("a".to_owned(), "from before".to_owned())]
    );
    outbox::forget_all();
}

/// An unsigned JWT with these claims: the widget reads claims, it never checks signatures.
fn jwt(claims: &str) -> String {
    let encoded = leptos::prelude::window()
        .btoa(claims)
        .expect("ascii claims");
    let encoded = encoded
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_");
    format!("eyJhbGciOiJSUzI1NiJ9.{encoded}.sig")
}

#[wasm_bindgen_test]
fn a_fresh_token_is_asked_for_a_minute_before_expiry_whatever_the_browser_clock_says() {
    let iat = 1_795_510_800.0;
    let ten_minutes = jwt(&format!(r#"{{"iat":{iat},"exp":{}}}"#, iat + 600.0));
    // Right clock: nine minutes.
    assert_eq!(refresh_delay_ms(&ten_minutes, iat), Some(540_000));
    // Clock behind (or token minted "in the future"): the token's own lifetime bounds the wait.
    assert_eq!(
        refresh_delay_ms(&ten_minutes, iat - 7.0 * 3600.0),
        Some(540_000)
    );
    // Clock ahead by five minutes: ask earlier, never later.
    assert_eq!(refresh_delay_ms(&ten_minutes, iat + 300.0), Some(240_000));
    // Clock says it has already expired: trust the lifetime rather than ask in a loop.
    assert_eq!(refresh_delay_ms(&ten_minutes, iat + 3600.0), Some(540_000));
    // Short-lived tokens: a fifth of the lifetime before expiry, but never sooner than 10 s.
    let one_minute = jwt(&format!(r#"{{"iat":{iat},"exp":{}}}"#, iat + 60.0));
    assert_eq!(refresh_delay_ms(&one_minute, iat), Some(48_000));
    let five_seconds = jwt(&format!(r#"{{"iat":{iat},"exp":{}}}"#, iat + 5.0));
    assert_eq!(refresh_delay_ms(&five_seconds, iat), Some(MIN_REFRESH_MS));
    // Without iat the browser clock is all there is.
    let no_iat = jwt(&format!(r#"{{"exp":{}}}"#, iat + 600.0));
    assert_eq!(refresh_delay_ms(&no_iat, iat + 100.0), Some(440_000));
    assert_eq!(refresh_delay_ms(&jwt(r#"{"sub":"x"}"#), iat), None);
    assert_eq!(refresh_delay_ms("not-a-jwt", iat), None);
}

#[wasm_bindgen_test]
fn the_visitor_id_is_kept_per_workstream_until_logout() {
    save_visitor("chat", "visitor.token.one");
    assert_eq!(load_visitor("chat").as_deref(), Some("visitor.token.one"));
    assert_eq!(load_visitor("other"), None);
    forget_visitor("chat");
    assert_eq!(load_visitor("chat"), None);
    save_visitor("chat", "visitor.token.two");
    outbox::forget_all();
    assert_eq!(load_visitor("chat"), None, "logout forgets the visitor too");
}
