//! The relay's frames as the widget's own decoder reads them, checked against the shared types.

use crate::{message, welcome};
use tetap_shared::frames::{ConversationInfo, EarlierConversation, ServerFrame};
use tetap_shared::{
    AgentRef, AuthorKind, ConversationState, CustomerRef, ErrorCode, Message, MessageAuthor, Mode,
};
use tetap_widget::wire;
use wasm_bindgen_test::*;

fn every_server_frame() -> Vec<ServerFrame> {
    let full = Message {
        seq: 9_007_199_254_740_991,
        id: "m".into(),
        client_id: Some("c".into()),
        author: MessageAuthor {
            kind: AuthorKind::Customer,
            id: "cust-1".into(),
            name: Some("Budi".into()),
        },
        system_kind: Some("agent_joined".into()),
        text: "\"quotes\", <tags> & ünïcödé 🙂".into(),
        at: "2026-11-24T01:00:00Z".into(),
    };
    vec![
        welcome(Some("c1")),
        welcome(None),
        ServerFrame::Welcome {
            protocol: 1,
            workstream: "w".into(),
            mode: Mode::Live,
            customer: CustomerRef {
                sub: "v".into(),
                name: Some("N".into()),
                email: Some("n@example.test".into()),
            },
            conversation: Some(ConversationInfo {
                id: "c".into(),
                mode: Mode::Persistent,
                state: ConversationState::Open,
                agent: None,
                last_seq: 3,
            }),
            visitor_token: Some("visitor.token".into()),
            agent_read_seq: 2,
            earlier: vec!["c0".into(), "c00".into()],
            earlier_modes: vec![Mode::Persistent, Mode::Live],
            more_earlier: true,
        },
        ServerFrame::Earlier {
            before: "c0".into(),
            conversations: vec![
                EarlierConversation {
                    id: "b1".into(),
                    mode: Mode::Live,
                },
                EarlierConversation {
                    id: "b2".into(),
                    mode: Mode::Persistent,
                },
            ],
            more: true,
        },
        ServerFrame::Earlier {
            before: "b1".into(),
            conversations: vec![],
            more: false,
        },
        ServerFrame::Messages {
            conversation: "c1".into(),
            messages: vec![full.clone(), message(2, AuthorKind::System, None, "")],
            more_before: true,
        },
        ServerFrame::Messages {
            conversation: "c1".into(),
            messages: vec![],
            more_before: false,
        },
        ServerFrame::Message {
            conversation: "c1".into(),
            message: full,
        },
        ServerFrame::Ack {
            client_id: "c".into(),
            conversation: "c1".into(),
            seq: 4,
            id: "m4".into(),
            at: "t".into(),
        },
        ServerFrame::Typing {
            conversation: "c1".into(),
            agent: AgentRef {
                id: "anna".into(),
                name: "Anna".into(),
            },
        },
        ServerFrame::Read {
            conversation: "c1".into(),
            seq: 4,
        },
        ServerFrame::State {
            conversation: ConversationInfo {
                id: "c1".into(),
                mode: Mode::Live,
                state: ConversationState::Closed,
                agent: Some(AgentRef {
                    id: "a".into(),
                    name: "A".into(),
                }),
                last_seq: 0,
            },
        },
        ServerFrame::Error {
            code: ErrorCode::CustomerCannotEnd,
            message: "no".into(),
            client_id: Some("c".into()),
        },
        ServerFrame::error(ErrorCode::Internal, "oops"),
    ]
}

#[wasm_bindgen_test]
fn every_relay_frame_reads_back_as_the_shared_type_encoded_it() {
    for frame in every_server_frame() {
        let text = frame.encode();
        assert_eq!(wire::server_frame(&text), Some(frame), "{text}");
    }
}

#[wasm_bindgen_test]
fn every_error_code_reads_back_and_unknown_ones_do_not_fail() {
    for name in [
        "bad_frame",
        "frame_too_large",
        "unsupported_protocol",
        "hello_required",
        "unauthorized",
        "token_expired",
        "unknown_workstream",
        "empty_message",
        "message_too_long",
        "bad_client_id",
        "client_id_conflict",
        "unknown_conversation",
        "customer_cannot_end",
        "outside_operating_hours",
        "rate_limited",
        "internal",
    ] {
        let text = format!(r#"{{"type":"error","code":"{name}","message":"m"}}"#);
        let read = wire::server_frame(&text);
        assert_eq!(read, ServerFrame::decode(&text).ok(), "{name}");
        assert!(
            !matches!(
                read,
                Some(ServerFrame::Error {
                    code: ErrorCode::Unknown,
                    ..
                })
            ),
            "{name}"
        );
    }
    let newer = r#"{"type":"error","code":"brand_new","message":"m"}"#;
    assert_eq!(
        wire::server_frame(newer),
        Some(ServerFrame::error(ErrorCode::Unknown, "m"))
    );
}

#[wasm_bindgen_test]
fn frames_the_shared_decoder_refuses_are_refused() {
    for text in [
        "not json",
        "{}",
        r#"{"type":"explode"}"#,
        r#"{"type":"ack","client_id":"c","conversation":"c1","seq":-1,"id":"m","at":"t"}"#,
        r#"{"type":"ack","client_id":"c","conversation":"c1","seq":1.5,"id":"m","at":"t"}"#,
        r#"{"type":"ack","client_id":"c","conversation":"c1","id":"m","at":"t"}"#,
        r#"{"type":"message","conversation":"c1","message":{"seq":1}}"#,
        r#"{"type":"state","conversation":{"id":"c","state":"gone","agent":null,"last_seq":0}}"#,
        r#"{"type":"messages","conversation":"c1","messages":{},"more_before":false}"#,
    ] {
        assert!(
            ServerFrame::decode(text).is_err(),
            "the shared decoder refuses {text}"
        );
        assert_eq!(wire::server_frame(text), None, "{text}");
    }
}
