//! The log's model without the view, in headless Chromium: read receipts, typing, conversations
//! in order, older pages, links, the rendered window and the rows with their separators.
#![cfg(target_arch = "wasm32")]

use tetap_shared::frames::{ClientFrame, ConversationInfo, ServerFrame};
use tetap_shared::{AgentRef, AuthorKind, ConversationId, ConversationState, ErrorCode, Message};
use tetap_shared::{MessageAuthor, Mode};
use tetap_widget::chat::{Chat, Effect, Status};
use tetap_widget::links::{Piece, split};
use tetap_widget::rows::{Row, rows};
use tetap_widget::window::{MAX_RENDERED, STEP, Up, Window};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn message(seq: u64, kind: AuthorKind, client_id: Option<&str>, text: &str) -> Message {
    Message {
        seq,
        id: format!("m{seq}"),
        client_id: client_id.map(str::to_owned),
        author: MessageAuthor {
            kind,
            id: "x".into(),
            name: None,
        },
        system_kind: None,
        text: text.into(),
        at: "2026-11-24T01:00:00Z".into(),
    }
}

fn batch(conversation: &str, messages: Vec<Message>, more_before: bool) -> ServerFrame {
    ServerFrame::Messages {
        conversation: conversation.into(),
        messages,
        more_before,
    }
}

fn info(id: &str, state: ConversationState) -> ConversationInfo {
    ConversationInfo {
        id: id.into(),
        state,
        agent: None,
        last_seq: 0,
    }
}

fn texts(chat: &Chat) -> Vec<&str> {
    chat.entries.iter().map(|e| e.text.as_str()).collect()
}

fn ack(client_id: &str, conversation: &str, seq: u64) -> ServerFrame {
    ServerFrame::Ack {
        client_id: client_id.into(),
        conversation: conversation.into(),
        seq,
        id: format!("id{seq}"),
        at: "2026-11-24T01:00:00Z".into(),
    }
}

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
        conversation: info("c1", ConversationState::Active),
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
fn a_closed_conversation_stays_above_and_the_next_message_starts_a_new_one() {
    let mut chat = Chat::new(Mode::Live);
    chat.apply(ServerFrame::State {
        conversation: info("c1", ConversationState::Active),
    });
    assert!(chat.can_end());
    chat.apply(batch(
        "c1",
        vec![message(1, AuthorKind::Agent, None, "hello")],
        false,
    ));
    chat.apply(ServerFrame::State {
        conversation: info("c1", ConversationState::Closed),
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
        conversation: info("c1", ConversationState::Active),
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
        conversation: Some(info("c1", ConversationState::Open)),
        visitor_token: None,
        agent_read_seq: 0,
        earlier: Vec::new(),
    });
    assert!(chat.request_older().is_some(), "asked again after welcome");
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

#[wasm_bindgen_test]
fn only_http_and_https_addresses_become_links() {
    assert_eq!(
        split("see https://a.test/x?y=1, or http://b.test."),
        [
            Piece::Text("see "),
            Piece::Link("https://a.test/x?y=1"),
            Piece::Text(", or "),
            Piece::Link("http://b.test"),
            Piece::Text("."),
        ]
    );
    assert_eq!(
        split("(https://a.test/wiki/X_(y))"),
        [
            Piece::Text("("),
            Piece::Link("https://a.test/wiki/X_(y)"),
            Piece::Text(")"),
        ]
    );
    for text in [
        "javascript:alert(1)",
        "data:text/html,<script>",
        "xhttp://a.test",
        "http://",
        "https://.",
        "ftp://a.test",
    ] {
        assert!(
            split(text).iter().all(|p| matches!(p, Piece::Text(_))),
            "{text}"
        );
    }
    assert_eq!(
        split("<a href=\"https://a.test\">"),
        [
            Piece::Text("<a href=\""),
            Piece::Link("https://a.test"),
            Piece::Text("\">"),
        ]
    );
    assert_eq!(
        split("HTTPS://A.TEST ünï"),
        [Piece::Link("HTTPS://A.TEST"), Piece::Text(" ünï")]
    );
}

#[wasm_bindgen_test]
fn the_window_follows_the_newest_and_moves_over_what_is_loaded() {
    let len = 1000;
    assert_eq!(Window::Tail.range(len), len - MAX_RENDERED..len);
    assert_eq!(Window::Tail.range(10), 0..10);
    let Up::Show(up) = Window::Tail.up(len) else {
        panic!("loaded messages come first")
    };
    assert_eq!(up.range(len).start, len - MAX_RENDERED - STEP);
    assert_eq!(up.range(len).len(), MAX_RENDERED);
    assert_eq!(Window::At(0).up(len), Up::Fetch(Window::At(0)));
    assert_eq!(Window::Tail.up(10), Up::Fetch(Window::At(0)));
    assert_eq!(up.down(len), Window::Tail, "back at the newest");
    assert_eq!(Window::At(0).down(len), Window::At(STEP));
}

fn entry_rows(at: &[(&str, &str)]) -> Vec<tetap_widget::chat::Entry> {
    let mut chat = Chat::new(Mode::Persistent);
    for (i, (conversation, time)) in at.iter().enumerate() {
        let mut m = message(i as u64 + 1, AuthorKind::Agent, None, "t");
        m.id = format!("k{i}");
        m.at = (*time).into();
        chat.apply(ServerFrame::Message {
            conversation: (*conversation).into(),
            message: m,
        });
    }
    chat.entries
}

fn shape(rows: &[Row]) -> String {
    rows.iter()
        .map(|row| match row {
            Row::Day { .. } => 'D',
            Row::Divider { .. } => '|',
            Row::Message(_) => 'm',
        })
        .collect()
}

#[wasm_bindgen_test]
fn rows_separate_days_and_conversations() {
    let entries = entry_rows(&[
        ("c1", "2026-11-23T12:00:00Z"),
        ("c1", "2026-11-23T13:00:00Z"),
        ("c1", "2026-11-24T12:00:00Z"),
        ("c2", "2026-11-24T12:30:00Z"),
    ]);
    let day = |at: Option<&str>| tetap_widget::time::day_of(at);
    let closed = |id: &ConversationId| id.0 == "c1";
    assert_eq!(shape(&rows(&entries, day, closed)), "DmmDm|Dm");
    assert_eq!(shape(&rows(&entries[1..], day, closed)), "DmDm|Dm");
    let keys: Vec<String> = rows(&entries, day, closed).iter().map(Row::key).collect();
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), keys.len(), "keys are unique: {keys:?}");
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
        conversation: Some(info("c2", ConversationState::Active)),
        visitor_token: None,
        agent_read_seq: 1,
        earlier: vec!["c1".into()],
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
