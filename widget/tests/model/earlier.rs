//! Every earlier conversation readable (R9): the relay's list paged in and merged with what this
//! browser kept, none twice, none dropped; and each conversation shown by its own mode (R4, R5),
//! whatever the workstream is configured as now.

use crate::{info, message, texts};
use tetap_shared::frames::{ClientFrame, ConversationInfo, EarlierConversation, ServerFrame};
use tetap_shared::{AuthorKind, ConversationId, ConversationState, CustomerRef, Message, Mode};
use tetap_widget::chat::{Chat, Effect};
use tetap_widget::earlier::merge_page;
use wasm_bindgen_test::*;

fn ids(names: &[&str]) -> Vec<ConversationId> {
    names
        .iter()
        .map(|name| ConversationId::from(*name))
        .collect()
}

/// `a1` … `a45` style names, oldest first.
fn numbered(range: std::ops::RangeInclusive<u32>) -> Vec<String> {
    range.map(|n| format!("a{n}")).collect()
}

fn welcome(
    mode: Mode,
    conversation: Option<ConversationInfo>,
    earlier: Vec<EarlierConversation>,
    more_earlier: bool,
) -> ServerFrame {
    ServerFrame::Welcome {
        protocol: 1,
        workstream: "support".into(),
        mode,
        customer: CustomerRef {
            sub: "sari".into(),
            name: None,
            email: None,
        },
        conversation,
        visitor_token: None,
        agent_read_seq: 0,
        earlier_modes: earlier.iter().map(|e| e.mode).collect(),
        earlier: earlier.into_iter().map(|e| e.id).collect(),
        more_earlier,
    }
}

fn listed(names: &[String], mode: Mode) -> Vec<EarlierConversation> {
    names
        .iter()
        .map(|name| EarlierConversation {
            id: name.as_str().into(),
            mode,
        })
        .collect()
}

fn batch(conversation: &str, messages: Vec<Message>) -> ServerFrame {
    ServerFrame::Messages {
        conversation: conversation.into(),
        messages,
        more_before: false,
    }
}

fn system(seq: u64, kind: &str) -> Message {
    let mut message = message(seq, AuthorKind::System, None, &format!("{kind} text"));
    message.system_kind = Some(kind.into());
    message
}

#[wasm_bindgen_test]
fn r9_the_relays_pages_merge_with_what_the_browser_kept_none_twice_none_dropped() {
    let mut chat = Chat::new(Mode::Persistent);
    // What this browser kept: a conversation the relay no longer lists (`gone`), some it does,
    // and the current one.
    chat.earlier = ids(&["a40", "gone", "a44", "a45", "now"]);
    let current = info("now", Mode::Persistent, ConversationState::Active);
    chat.apply(welcome(
        Mode::Persistent,
        Some(current),
        listed(&numbered(26..=45), Mode::Persistent),
        true,
    ));
    chat.apply(ServerFrame::Earlier {
        before: "a26".into(),
        conversations: listed(&numbered(6..=25), Mode::Persistent),
        more: true,
    });
    // A reconnect's welcome names the newest page again: nothing moves, paging goes on.
    chat.apply(welcome(
        Mode::Persistent,
        Some(info("now", Mode::Persistent, ConversationState::Active)),
        listed(&numbered(26..=45), Mode::Persistent),
        true,
    ));
    assert_eq!(chat.oldest_listed, Some("a6".into()));
    chat.apply(ServerFrame::Earlier {
        before: "a6".into(),
        conversations: listed(&numbered(1..=5), Mode::Persistent),
        more: false,
    });
    let mut expected = numbered(1..=40);
    expected.push("gone".into());
    expected.extend(numbered(41..=45));
    expected.push("now".into());
    let expected: Vec<ConversationId> = expected.iter().map(|n| n.as_str().into()).collect();
    assert_eq!(chat.earlier, expected);
    assert!(!chat.more_earlier, "the relay has no older page");
}

#[wasm_bindgen_test]
fn r9_merging_a_page_keeps_the_browsers_order_and_adds_only_what_is_new() {
    let mut list = ids(&["k1", "b", "k2", "d"]);
    merge_page(&mut list, &ids(&["a", "b", "c", "d"]), 4);
    assert_eq!(list, ids(&["k1", "a", "b", "k2", "c", "d"]));
    merge_page(&mut list, &ids(&["a", "b", "c", "d"]), 6);
    assert_eq!(list, ids(&["k1", "a", "b", "k2", "c", "d"]), "idempotent");
    merge_page(&mut list, &ids(&["x", "y"]), 0);
    assert_eq!(list, ids(&["x", "y", "k1", "a", "b", "k2", "c", "d"]));
}

#[wasm_bindgen_test]
fn r9_reading_back_past_the_listed_conversations_asks_for_the_next_page_then_loads_on() {
    let mut chat = Chat::new(Mode::Persistent);
    chat.apply(welcome(
        Mode::Persistent,
        None,
        listed(&["e2".into(), "e3".into()], Mode::Persistent),
        true,
    ));
    for id in ["e3", "e2"] {
        assert!(chat.has_older());
        let Some(ClientFrame::History { conversation, .. }) = chat.request_older() else {
            panic!("a history request for {id}");
        };
        assert_eq!(conversation, ConversationId::from(id));
        chat.apply(batch(id, vec![message(1, AuthorKind::Agent, None, id)]));
    }
    assert!(chat.has_older(), "the relay has more than it listed");
    assert_eq!(
        chat.request_older(),
        Some(ClientFrame::Earlier {
            before: "e2".into()
        })
    );
    assert_eq!(chat.request_older(), None, "one request at a time");
    let effect = chat.apply(ServerFrame::Earlier {
        before: "e2".into(),
        conversations: listed(&["e1".into()], Mode::Persistent),
        more: false,
    });
    assert_eq!(
        effect,
        Effect::Request(ClientFrame::History {
            conversation: "e1".into(),
            before: (1 << 53) - 1,
            limit: None,
        }),
        "the newest of the page is loaded on"
    );
    chat.apply(batch("e1", vec![message(1, AuthorKind::Agent, None, "e1")]));
    assert_eq!(texts(&chat), ["e1", "e2", "e3"]);
    assert!(!chat.has_older());
    assert_eq!(chat.request_older(), None);
}

#[wasm_bindgen_test]
fn r5_earlier_conversations_are_filtered_by_their_own_mode_not_the_workstreams() {
    // The workstream is persistent now; the earlier conversation was a live one.
    let mut chat = Chat::new(Mode::Persistent);
    chat.apply(welcome(
        Mode::Persistent,
        None,
        vec![
            EarlierConversation {
                id: "was-live".into(),
                mode: Mode::Live,
            },
            EarlierConversation {
                id: "was-persistent".into(),
                mode: Mode::Persistent,
            },
        ],
        false,
    ));
    chat.apply(batch("was-persistent", vec![system(1, "queue_position")]));
    chat.apply(batch("was-live", vec![system(1, "queue_position")]));
    assert_eq!(
        texts(&chat),
        ["queue_position text"],
        "only the live one shows it"
    );
    assert_eq!(chat.entries[0].conversation, Some("was-live".into()));
}

#[wasm_bindgen_test]
fn r4_r5_a_persistent_conversation_keeps_its_rules_under_a_workstream_now_live() {
    let mut chat = Chat::new(Mode::Live);
    chat.apply(welcome(
        Mode::Live,
        Some(info("c1", Mode::Persistent, ConversationState::Active)),
        Vec::new(),
        false,
    ));
    chat.apply(batch("c1", vec![system(1, "wait_time"), system(2, "away")]));
    assert_eq!(texts(&chat), ["away text"]);
    assert!(!chat.can_end(), "R4: never an end control in persistent");
}

#[wasm_bindgen_test]
fn r4_r5_a_live_conversation_keeps_its_rules_under_a_workstream_now_persistent() {
    let mut chat = Chat::new(Mode::Persistent);
    chat.apply(welcome(
        Mode::Persistent,
        Some(info("c1", Mode::Live, ConversationState::Active)),
        Vec::new(),
        false,
    ));
    chat.apply(batch("c1", vec![system(1, "queue_position")]));
    assert_eq!(texts(&chat), ["queue_position text"]);
    assert!(chat.can_end(), "R4: the customer ends a live chat");
}
