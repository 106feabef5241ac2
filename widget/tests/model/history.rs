//! Conversations over time: closed ones staying above, older pages and earlier conversations
//! asked for one at a time, and what a welcome says about them.

use crate::{ack, info, message, texts};
use tetap_shared::frames::{ClientFrame, ServerFrame};
use tetap_shared::{AuthorKind, ConversationId, ConversationState, ErrorCode, Message, Mode};
use tetap_widget::chat::{Chat, Effect, Status};
use wasm_bindgen_test::*;

fn batch(conversation: &str, messages: Vec<Message>, more_before: bool) -> ServerFrame {
    ServerFrame::Messages {
        conversation: conversation.into(),
        messages,
        more_before,
    }
}

#[wasm_bindgen_test]
fn a_closed_conversation_stays_above_and_the_next_message_starts_a_new_one() {
    let mut chat = Chat::new(Mode::Live);
    chat.apply(ServerFrame::State {
        conversation: info("c1", Mode::Live, ConversationState::Active),
    });
    assert!(chat.can_end());
    chat.apply(batch(
        "c1",
        vec![message(1, AuthorKind::Agent, None, "hello")],
        false,
    ));
    chat.apply(ServerFrame::State {
        conversation: info("c1", Mode::Live, ConversationState::Closed),
    });
    assert!(!chat.can_end());
    assert!(chat.is_closed(&"c1".into()));
    chat.push_local("n", "new question");
    chat.apply(ack("n", "c2", 1));
    assert_eq!(
        chat.known_conversations(),
        [ConversationId::from("c1"), ConversationId::from("c2")]
    );
    assert_eq!(texts(&chat), ["hello", "new question"]);
    assert_eq!(chat.entries[1].conversation, Some("c2".into()));
}

#[wasm_bindgen_test]
fn a_welcome_without_a_conversation_means_the_last_one_closed_meanwhile() {
    let mut chat = Chat::new(Mode::Live);
    chat.apply(ServerFrame::State {
        conversation: info("c1", Mode::Live, ConversationState::Active),
    });
    chat.apply(ServerFrame::Welcome {
        protocol: 1,
        workstream: "sales".into(),
        mode: Mode::Live,
        customer: tetap_shared::CustomerRef {
            sub: "s".into(),
            name: None,
            email: None,
        },
        conversation: None,
        visitor_token: None,
        agent_read_seq: 0,
        earlier: Vec::new(),
        earlier_modes: Vec::new(),
        more_earlier: false,
    });
    assert!(chat.is_closed(&"c1".into()));
    assert!(!chat.can_end());
}

#[wasm_bindgen_test]
fn older_pages_are_asked_for_one_at_a_time_then_earlier_conversations() {
    let mut chat = Chat::new(Mode::Persistent);
    chat.earlier = vec!["a".into(), "b".into(), "c1".into()];
    chat.apply(batch(
        "c1",
        vec![message(51, AuthorKind::Agent, None, "x")],
        true,
    ));
    assert!(chat.has_older());
    let first = chat.request_older();
    assert_eq!(
        first,
        Some(ClientFrame::History {
            conversation: "c1".into(),
            before: 51,
            limit: None
        })
    );
    assert_eq!(chat.request_older(), None, "one request at a time");
    chat.apply(batch(
        "c1",
        vec![message(50, AuthorKind::Agent, None, "w")],
        false,
    ));
    assert_eq!(chat.loading, None);
    let ClientFrame::History { conversation, .. } = chat.request_older().expect("b next") else {
        panic!("a history request")
    };
    assert_eq!(conversation, ConversationId::from("b"));
    // The relay no longer knows it: it is dropped quietly and the next one is asked for.
    assert_eq!(
        chat.apply(ServerFrame::error(ErrorCode::UnknownConversation, "gone")),
        Effect::Nothing
    );
    let ClientFrame::History { conversation, .. } = chat.request_older().expect("a next") else {
        panic!("a history request")
    };
    assert_eq!(conversation, ConversationId::from("a"));
    chat.apply(batch(
        "a",
        vec![message(1, AuthorKind::Customer, Some("q"), "first ever")],
        false,
    ));
    assert_eq!(texts(&chat), ["first ever", "w", "x"]);
    assert!(!chat.has_older());
    assert_eq!(
        chat.known_conversations(),
        [ConversationId::from("a"), ConversationId::from("c1")]
    );
}

#[wasm_bindgen_test]
fn a_reconnect_forgets_a_history_request_that_died_with_the_socket() {
    let mut chat = Chat::new(Mode::Persistent);
    chat.apply(batch(
        "c1",
        vec![message(9, AuthorKind::Agent, None, "x")],
        true,
    ));
    assert!(chat.request_older().is_some());
    assert!(chat.request_older().is_none());
    chat.apply(ServerFrame::Welcome {
        protocol: 1,
        workstream: "support".into(),
        mode: Mode::Persistent,
        customer: tetap_shared::CustomerRef {
            sub: "s".into(),
            name: None,
            email: None,
        },
        conversation: Some(info("c1", Mode::Persistent, ConversationState::Open)),
        visitor_token: None,
        agent_read_seq: 0,
        earlier: Vec::new(),
        earlier_modes: Vec::new(),
        more_earlier: false,
    });
    assert!(chat.request_older().is_some(), "asked again after welcome");
}

#[wasm_bindgen_test]
fn a_welcome_on_another_device_brings_earlier_conversations_and_the_read_mark() {
    let mut chat = Chat::new(Mode::Persistent);
    chat.apply(ServerFrame::Welcome {
        protocol: 1,
        workstream: "support".into(),
        mode: Mode::Persistent,
        customer: tetap_shared::CustomerRef {
            sub: "s".into(),
            name: None,
            email: None,
        },
        conversation: Some(info("c2", Mode::Persistent, ConversationState::Active)),
        visitor_token: None,
        agent_read_seq: 1,
        earlier: vec!["c1".into()],
        earlier_modes: vec![Mode::Persistent],
        more_earlier: false,
    });
    chat.apply(batch(
        "c2",
        vec![
            message(1, AuthorKind::Customer, Some("m1"), "read already"),
            message(2, AuthorKind::Customer, Some("m2"), "not yet"),
        ],
        false,
    ));
    assert_eq!(chat.entries[0].status, Status::Read);
    assert_eq!(chat.entries[1].status, Status::Sent);
    assert!(chat.has_older(), "the earlier conversation can be loaded");
    assert_eq!(
        chat.request_older(),
        Some(ClientFrame::History {
            conversation: "c1".into(),
            before: (1 << 53) - 1,
            limit: None
        })
    );
}
