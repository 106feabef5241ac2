//! What happens to messages as they arrive: read receipts, acks putting them in place by seq,
//! the agent typing, and the outside-hours notice.

use crate::{ack, info, message, texts};
use tetap_shared::frames::ServerFrame;
use tetap_shared::{AgentRef, AuthorKind, ConversationState, ErrorCode, Mode};
use tetap_widget::chat::{Chat, Effect, Status};
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
fn the_agent_reading_marks_the_customers_messages_read_up_to_its_seq() {
    let mut chat = Chat::new(Mode::Persistent);
    chat.push_local("a", "one");
    chat.push_local("b", "two");
    chat.push_local("c", "three");
    chat.apply(ack("a", "c1", 1));
    chat.apply(ack("b", "c1", 2));
    chat.apply(ServerFrame::Read {
        conversation: "c1".into(),
        seq: 1,
    });
    let statuses: Vec<Status> = chat.entries.iter().map(|e| e.status).collect();
    assert_eq!(statuses, [Status::Read, Status::Sent, Status::Sending]);
    // An ack below what the agent has read already arrives read.
    chat.apply(ServerFrame::Read {
        conversation: "c1".into(),
        seq: 5,
    });
    chat.apply(ack("c", "c1", 3));
    let statuses: Vec<Status> = chat.entries.iter().map(|e| e.status).collect();
    assert_eq!(statuses, [Status::Read, Status::Read, Status::Read]);
}

#[wasm_bindgen_test]
fn an_ack_puts_the_message_in_its_place_by_seq() {
    let mut chat = Chat::new(Mode::Persistent);
    chat.push_local("a", "mine");
    chat.apply(ServerFrame::Message {
        conversation: "c1".into(),
        message: message(2, AuthorKind::Agent, None, "agent after"),
    });
    chat.apply(ServerFrame::Message {
        conversation: "c1".into(),
        message: message(1, AuthorKind::Agent, None, "agent before"),
    });
    assert_eq!(texts(&chat), ["agent before", "agent after", "mine"]);
    chat.apply(ack("a", "c1", 3));
    chat.apply(ServerFrame::Message {
        conversation: "c1".into(),
        message: message(4, AuthorKind::Agent, None, "later"),
    });
    assert_eq!(
        texts(&chat),
        ["agent before", "agent after", "mine", "later"]
    );
}

#[wasm_bindgen_test]
fn typing_shows_for_the_current_conversation_until_the_agent_writes() {
    let mut chat = Chat::new(Mode::Persistent);
    chat.apply(ServerFrame::State {
        conversation: info("c1", Mode::Persistent, ConversationState::Active),
    });
    let anna = AgentRef {
        id: "anna".into(),
        name: "Anna".into(),
    };
    let elsewhere = ServerFrame::Typing {
        conversation: "old".into(),
        agent: anna.clone(),
    };
    assert_eq!(chat.apply(elsewhere), Effect::Nothing);
    assert_eq!(chat.agent_typing, None);
    let here = ServerFrame::Typing {
        conversation: "c1".into(),
        agent: anna,
    };
    assert_eq!(chat.apply(here), Effect::AgentTyping);
    assert_eq!(chat.agent_typing.as_deref(), Some("Anna"));
    chat.apply(ServerFrame::Message {
        conversation: "c1".into(),
        message: message(1, AuthorKind::Agent, None, "done"),
    });
    assert_eq!(chat.agent_typing, None);
}

#[wasm_bindgen_test]
fn outside_hours_the_live_refusal_becomes_the_offline_notice_and_an_ack_clears_it() {
    let mut chat = Chat::new(Mode::Live);
    chat.push_local("a", "hi");
    let refusal = ServerFrame::Error {
        code: ErrorCode::OutsideOperatingHours,
        message: "We are closed.".into(),
        client_id: Some("a".into()),
    };
    assert_eq!(chat.apply(refusal), Effect::Nothing);
    assert_eq!(chat.notice.as_deref(), Some("We are closed."));
    assert_eq!(chat.entries[0].status, Status::Failed);
    assert!(chat.pending().is_empty(), "not resent");
    chat.push_local("b", "later");
    chat.apply(ack("b", "c1", 1));
    assert_eq!(chat.notice, None);
}
