//! What differs between persistent and live workstreams in the panel (R3, R4, R5), and what
//! the agent side shows: their name and their typing.
#![cfg(target_arch = "wasm32")]

#[path = "support/harness.rs"]
mod harness;

use harness::{agent_message, mount, system_message};
use leptos::prelude::*;
use leptos::task::tick;
use tetap_shared::frames::{ConversationInfo, ServerFrame};
use tetap_shared::{AgentRef, ConversationState, CustomerRef, ErrorCode, Mode};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn kinds(h: &harness::Harness) -> Vec<String> {
    h.all(".tetap-msg--system")
        .iter()
        .filter_map(|e| e.get_attribute("data-kind"))
        .collect()
}

#[wasm_bindgen_test]
async fn persistent_chats_never_show_wait_time_or_queue_position_r5() {
    let h = mount(Mode::Persistent);
    h.feed(system_message(1, "wait_time"));
    h.feed(system_message(2, "queue_position"));
    h.feed(system_message(3, "away"));
    h.feed(system_message(4, "agent_joined"));
    h.feed(ServerFrame::Messages {
        conversation: "c1".into(),
        messages: match (
            system_message(5, "wait_time"),
            system_message(6, "queue_position"),
        ) {
            (ServerFrame::Message { message: a, .. }, ServerFrame::Message { message: b, .. }) => {
                vec![a, b]
            }
            _ => unreachable!(),
        },
        more_before: false,
    });
    tick().await;
    assert_eq!(kinds(&h), ["away", "agent_joined"], "the away notice shows");
    let text = h.root.text_content().unwrap_or_default();
    assert!(!text.contains("wait_time text") && !text.contains("queue_position text"));
}

#[wasm_bindgen_test]
async fn live_chats_show_the_queue_messages_the_relay_sends() {
    let h = mount(Mode::Live);
    h.feed(system_message(1, "queue_position"));
    h.feed(system_message(2, "wait_time"));
    tick().await;
    assert_eq!(kinds(&h), ["queue_position", "wait_time"]);
}

#[wasm_bindgen_test]
async fn persistent_chats_have_no_end_control_r4() {
    let h = mount(Mode::Persistent);
    h.feed(h.state("c1", ConversationState::Active, Some("Anna")));
    tick().await;
    assert!(!h.shown(".tetap-end"));
    assert!(!h.shown(".tetap-confirm"));
}

#[wasm_bindgen_test]
async fn live_chats_end_only_after_confirmation_r4() {
    let h = mount(Mode::Live);
    assert!(
        !h.shown(".tetap-end"),
        "nothing to end before a chat starts"
    );
    h.feed(h.state("c1", ConversationState::Active, Some("Anna")));
    tick().await;
    assert!(h.shown(".tetap-end"));
    h.click(".tetap-end");
    tick().await;
    assert_eq!(h.ended.get_untracked(), 0, "not at the first click");
    assert!(h.shown(".tetap-confirm"));
    assert!(h.text(".tetap-confirm").contains("End this chat?"));

    // Esc cancels the question, not the panel.
    h.frame_drawn().await;
    let focused = document()
        .active_element()
        .expect("something has the focus");
    assert_eq!(
        focused.class_name(),
        "tetap-confirm-end",
        "the question has the focus"
    );
    h.press_on(&h.html(".tetap-confirm-end"), "Escape", false);
    tick().await;
    assert!(!h.shown(".tetap-confirm"));
    assert_eq!(h.closed.get_untracked(), 0);

    h.click(".tetap-end");
    tick().await;
    h.click(".tetap-confirm-cancel");
    tick().await;
    assert_eq!(h.ended.get_untracked(), 0);

    h.click(".tetap-end");
    tick().await;
    h.click(".tetap-confirm-end");
    tick().await;
    assert_eq!(h.ended.get_untracked(), 1);
    assert!(!h.shown(".tetap-confirm"));

    h.feed(h.state("c1", ConversationState::Closed, None));
    tick().await;
    assert!(!h.shown(".tetap-end"), "an ended chat cannot be ended");
}

#[wasm_bindgen_test]
async fn a_live_chat_outside_hours_shows_the_offline_notice_r3() {
    let h = mount(Mode::Live);
    let client_id = h.write("Anyone there?").await;
    h.feed(ServerFrame::Error {
        code: ErrorCode::OutsideOperatingHours,
        message: "We are offline now. Please come back during office hours.".into(),
        client_id: Some(client_id),
    });
    tick().await;
    assert_eq!(
        h.text(".tetap-offline"),
        "We are offline now. Please come back during office hours."
    );
    assert_eq!(
        h.find(".tetap-msg--customer")
            .and_then(|m| m.get_attribute("data-status"))
            .as_deref(),
        Some("failed")
    );
    assert_eq!(h.text(".tetap-msg--customer .tetap-status"), "Not sent");
}

#[wasm_bindgen_test]
async fn the_agent_is_named_and_their_typing_shows_until_they_write() {
    let h = mount(Mode::Persistent);
    h.feed(h.state("c1", ConversationState::Active, Some("Anna")));
    tick().await;
    assert_eq!(h.text(".tetap-agent"), "Anna");
    assert_eq!(h.text(".tetap-typing"), "");
    assert_eq!(
        h.find(".tetap-typing")
            .and_then(|t| t.get_attribute("role"))
            .as_deref(),
        Some("status")
    );
    h.feed(ServerFrame::Typing {
        conversation: "c1".into(),
        agent: AgentRef {
            id: "anna".into(),
            name: "Anna".into(),
        },
    });
    tick().await;
    assert_eq!(h.text(".tetap-typing"), "Anna is typing…");
    h.feed(agent_message(1, "Here is your answer."));
    tick().await;
    assert_eq!(h.text(".tetap-typing"), "");
}

/// The relay's welcome on a workstream now configured as `workstream`, with `conversation`
/// started in `mode`.
fn welcome(workstream: Mode, conversation: Option<(Mode, ConversationState)>) -> ServerFrame {
    ServerFrame::Welcome {
        protocol: 1,
        workstream: "w".into(),
        mode: workstream,
        customer: CustomerRef {
            sub: "sari".into(),
            name: None,
            email: None,
        },
        conversation: conversation.map(|(mode, state)| ConversationInfo {
            id: "c1".into(),
            mode,
            state,
            agent: None,
            last_seq: 0,
        }),
        visitor_token: None,
        agent_read_seq: 0,
        earlier: Vec::new(),
        earlier_modes: Vec::new(),
        more_earlier: false,
    }
}

#[wasm_bindgen_test]
async fn r4_r5_a_persistent_conversation_under_a_workstream_now_live_has_no_end_control_and_no_queue_texts()
 {
    let h = mount(Mode::Live);
    h.feed(welcome(
        Mode::Live,
        Some((Mode::Persistent, ConversationState::Active)),
    ));
    h.feed(system_message(1, "wait_time"));
    h.feed(system_message(2, "queue_position"));
    h.feed(system_message(3, "away"));
    tick().await;
    assert!(!h.shown(".tetap-end"), "R4 by the conversation's mode");
    assert_eq!(kinds(&h), ["away"], "R5 by the conversation's mode");
}

#[wasm_bindgen_test]
async fn r4_r5_a_live_conversation_under_a_workstream_now_persistent_keeps_its_end_control_and_queue_texts()
 {
    let h = mount(Mode::Persistent);
    h.feed(welcome(
        Mode::Persistent,
        Some((Mode::Live, ConversationState::Active)),
    ));
    h.feed(system_message(1, "queue_position"));
    tick().await;
    assert!(h.shown(".tetap-end"), "R4 by the conversation's mode");
    assert_eq!(
        kinds(&h),
        ["queue_position"],
        "R5 by the conversation's mode"
    );
}

const OFFLINE: &str = "We are offline right now. Please come back during our opening hours.";

#[wasm_bindgen_test]
async fn r3_a_live_chat_going_on_past_closing_time_keeps_its_composer_and_no_offline_notice() {
    let h = mount(Mode::Live);
    // The workstream endpoint said the workstream is closed now.
    h.chat.update(|chat| chat.notice = Some(OFFLINE.into()));
    h.feed(welcome(
        Mode::Live,
        Some((Mode::Live, ConversationState::Active)),
    ));
    h.feed(agent_message(1, "Still here, let us finish this."));
    tick().await;
    assert!(h.find(".tetap-input").is_some(), "the chat goes on");
    assert!(
        h.find(".tetap-offline").is_none(),
        "{}",
        h.text(".tetap-offline")
    );
    assert!(h.shown(".tetap-end"));
}

#[wasm_bindgen_test]
async fn r3_the_live_offline_notice_stays_until_the_first_message_is_accepted() {
    let h = mount(Mode::Live);
    h.chat.update(|chat| chat.notice = Some(OFFLINE.into()));
    h.feed(welcome(Mode::Live, None));
    tick().await;
    assert_eq!(h.text(".tetap-offline"), OFFLINE);
    assert!(
        !h.shown(".tetap-empty"),
        "no \"send us a message\" under the offline notice"
    );
    let client_id = h.write("Anyone there?").await;
    assert_eq!(h.text(".tetap-offline"), OFFLINE, "not accepted yet");
    h.feed(ServerFrame::Ack {
        client_id,
        conversation: "c1".into(),
        seq: 1,
        id: "m1".into(),
        at: "2026-11-24T09:00:00Z".into(),
    });
    tick().await;
    assert!(h.find(".tetap-offline").is_none());
}
