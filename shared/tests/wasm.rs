//! The protocol compiled to wasm32 and run in headless Chromium: the widget decodes with this code.
#![cfg(target_arch = "wasm32")]

use tetap_shared::frames::{ClientFrame, Cursor, PROTOCOL_VERSION, ServerFrame};
use tetap_shared::{AuthorKind, ErrorCode, Message, MessageAuthor};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn hello_round_trips_in_the_browser() {
    let hello = ClientFrame::Hello {
        protocol: PROTOCOL_VERSION,
        workstream: "support".into(),
        token: "token".into(),
        resume: Some(Cursor {
            conversation: "c".into(),
            after_seq: 3,
        }),
        locale: Some("id".into()),
    };
    assert_eq!(ClientFrame::decode(&hello.encode()), Ok(hello));
}

#[wasm_bindgen_test]
fn a_relay_message_frame_decodes_in_the_browser() {
    let frame = ServerFrame::Message {
        conversation: "c".into(),
        message: Message {
            seq: 1,
            id: "m".into(),
            client_id: None,
            author: MessageAuthor {
                kind: AuthorKind::Agent,
                id: "anna".into(),
                name: Some("Anna".into()),
            },
            system_kind: None,
            text: "<img src=x onerror=alert(1)>".into(),
            at: "2026-11-24T01:00:00Z".into(),
        },
    };
    assert_eq!(ServerFrame::decode(&frame.encode()), Ok(frame));
}

#[wasm_bindgen_test]
fn malformed_input_is_an_error_not_a_panic() {
    let error = ClientFrame::decode("{\"type\":").expect_err("malformed");
    assert_eq!(error.code(), ErrorCode::BadFrame);
}
