//! The chat model: our own messages and their echoes, history in seq order, what counts as
//! incoming, refusals, and the agent named by welcome and state frames.

use crate::{message, welcome};
use tetap_shared::frames::{ConversationInfo, Cursor, ServerFrame};
use tetap_shared::{AuthorKind, ConversationState, ErrorCode, Mode};
use tetap_widget::chat::{Chat, Effect, Status};
use wasm_bindgen_test::*;

fn texts(chat: &Chat) -> Vec<&str> {
    chat.entries.iter().map(|e| e.text.as_str()).collect()
}

#[wasm_bindgen_test]
fn our_own_message_echoed_by_the_relay_replaces_the_pending_one() {
    let mut chat = Chat::new(Mode::Persistent);
    chat.push_local("a", "hi");
    let effect = chat.apply(ServerFrame::Message {
        conversation: "c1".into(),
        message: message(4, AuthorKind::Customer, Some("a"), "hi"),
    });
    assert_eq!(effect, Effect::Nothing, "our own message is not incoming");
    assert_eq!(texts(&chat), ["hi"]);
    assert_eq!(chat.entries[0].status, Status::Sent);
    assert_eq!(chat.entries[0].seq, Some(4));
}

#[wasm_bindgen_test]
fn a_message_from_another_tab_is_added_once() {
    let mut chat = Chat::new(Mode::Persistent);
    for _ in 0..2 {
        chat.apply(ServerFrame::Message {
            conversation: "c1".into(),
            message: message(1, AuthorKind::Customer, Some("other-tab"), "from my phone"),
        });
    }
    assert_eq!(texts(&chat), ["from my phone"]);
}

#[wasm_bindgen_test]
fn history_is_ordered_by_seq_and_pending_messages_stay_last() {
    let mut chat = Chat::new(Mode::Persistent);
    chat.push_local("p", "still sending");
    chat.apply(ServerFrame::Messages {
        conversation: "c1".into(),
        messages: vec![
            message(5, AuthorKind::Agent, None, "five"),
            message(6, AuthorKind::Customer, Some("q"), "six"),
        ],
        more_before: true,
    });
    chat.apply(ServerFrame::Messages {
        conversation: "c1".into(),
        messages: vec![message(3, AuthorKind::Agent, None, "three")],
        more_before: false,
    });
    assert_eq!(texts(&chat), ["three", "five", "six", "still sending"]);
    assert!(
        !chat.has_older(),
        "the oldest page says there is nothing above"
    );
    assert_eq!(
        chat.resume_cursor(),
        Some(Cursor {
            conversation: "c1".into(),
            after_seq: 6
        })
    );
    assert_eq!(
        chat.pending(),
        [("p".to_owned(), "still sending".to_owned())]
    );
}

#[wasm_bindgen_test]
fn only_messages_after_what_we_had_count_as_incoming() {
    let mut chat = Chat::new(Mode::Persistent);
    let first = chat.apply(ServerFrame::Messages {
        conversation: "c1".into(),
        messages: vec![message(1, AuthorKind::Agent, None, "old")],
        more_before: false,
    });
    assert_eq!(first, Effect::Nothing, "the first page is history");
    let resumed = chat.apply(ServerFrame::Messages {
        conversation: "c1".into(),
        messages: vec![message(2, AuthorKind::Agent, None, "missed while offline")],
        more_before: false,
    });
    assert!(matches!(resumed, Effect::Incoming(ref m) if m.len() == 1));
    let pushed = chat.apply(ServerFrame::Message {
        conversation: "c1".into(),
        message: message(3, AuthorKind::Agent, None, "new"),
    });
    assert!(matches!(pushed, Effect::Incoming(ref m) if m[0].text == "new"));
}

#[wasm_bindgen_test]
fn token_errors_ask_for_a_new_token_and_permanent_refusals_fail_the_message() {
    let mut chat = Chat::new(Mode::Persistent);
    chat.push_local("a", "x");
    chat.push_local("b", "y");
    for code in [ErrorCode::TokenExpired, ErrorCode::Unauthorized] {
        assert_eq!(
            chat.apply(ServerFrame::error(code, "m")),
            Effect::TokenNeeded
        );
    }
    let refused = ServerFrame::Error {
        code: ErrorCode::MessageTooLong,
        message: "too long".into(),
        client_id: Some("a".into()),
    };
    assert_eq!(chat.apply(refused), Effect::Nothing);
    let limited = ServerFrame::Error {
        code: ErrorCode::RateLimited,
        message: "slow down".into(),
        client_id: Some("b".into()),
    };
    assert!(matches!(
        chat.apply(limited),
        Effect::Error {
            code: ErrorCode::RateLimited,
            ..
        }
    ));
    let statuses: Vec<Status> = chat.entries.iter().map(|e| e.status).collect();
    assert_eq!(
        statuses,
        [Status::Failed, Status::Sending],
        "rate-limited messages are retried"
    );
    assert_eq!(chat.pending().len(), 1);
}

#[wasm_bindgen_test]
fn welcome_and_state_frames_name_the_agent() {
    let mut chat = Chat::default();
    assert_eq!(chat.apply(welcome(Some("c9"))), Effect::Welcomed);
    assert_eq!(chat.mode, Some(Mode::Persistent));
    assert_eq!(chat.agent_name(), Some("Anna"));
    chat.apply(ServerFrame::State {
        conversation: ConversationInfo {
            id: "c9".into(),
            mode: Mode::Persistent,
            state: ConversationState::Waiting,
            agent: None,
            last_seq: 0,
        },
    });
    assert_eq!(chat.agent_name(), None);
}
