//! The messages exchanged with the loader on the host page, and which parent window is believed.

use tetap_widget::bridge::{
    Inbound, Outbound, accepts, encode_outbound, host_allowed, parse_inbound,
};
use wasm_bindgen_test::*;

fn inbound(json: &str) -> Option<Inbound> {
    parse_inbound(&js_sys::JSON::parse(json).expect("test JSON"))
}

#[wasm_bindgen_test]
fn loader_messages_are_parsed_strictly() {
    assert_eq!(
        inbound(r#"{"tetap":1,"type":"token","token":"abc"}"#),
        Some(Inbound::Token(Some("abc".into())))
    );
    assert_eq!(
        inbound(r#"{"tetap":1,"type":"token","token":null}"#),
        Some(Inbound::Token(None))
    );
    assert_eq!(
        inbound(r#"{"tetap":1,"type":"token","token":""}"#),
        Some(Inbound::Token(None))
    );
    assert_eq!(inbound(r#"{"tetap":1,"type":"open"}"#), Some(Inbound::Open));
    assert_eq!(
        inbound(r#"{"tetap":1,"type":"close"}"#),
        Some(Inbound::Close)
    );
    assert_eq!(
        inbound(r#"{"tetap":1,"type":"logout"}"#),
        Some(Inbound::Logout)
    );
    for junk in [
        r#"{"type":"open"}"#,
        r#"{"tetap":2,"type":"open"}"#,
        r#"{"tetap":"1","type":"open"}"#,
        r#"{"tetap":1,"type":"explode"}"#,
        "\"open\"",
        "null",
        "[1]",
    ] {
        assert_eq!(inbound(junk), None, "{junk}");
    }
}

#[wasm_bindgen_test]
fn messages_to_the_loader_carry_the_version_and_type() {
    let json: serde_json::Value =
        serde_json::from_str(&encode_outbound(&Outbound::Unread { count: 3 })).expect("json");
    assert_eq!(
        json,
        serde_json::json!({"tetap": 1, "type": "unread", "count": 3})
    );
    let json: serde_json::Value =
        serde_json::from_str(&encode_outbound(&Outbound::TokenRequest)).expect("json");
    assert_eq!(
        json,
        serde_json::json!({"tetap": 1, "type": "token_request"})
    );
}

#[wasm_bindgen_test]
fn only_the_parent_on_an_allowed_host_origin_is_believed() {
    let allowed = vec!["https://shop.example.com/".to_owned()];
    let host = "https://shop.example.com";
    assert!(accepts(true, host, host, &allowed));
    assert!(!accepts(false, host, host, &allowed), "another window");
    assert!(
        !accepts(true, "https://evil.example", host, &allowed),
        "another origin"
    );
    assert!(
        !accepts(
            true,
            "https://evil.example",
            "https://evil.example",
            &allowed
        ),
        "a host not allowed"
    );
    assert!(!host_allowed("", &allowed));
    assert!(!host_allowed(
        "https://shop.example.com.evil.example",
        &allowed
    ));
}
