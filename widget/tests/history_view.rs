//! The message log's history in headless Chromium, with the widget's own styles: the newest page
//! first, older pages on reaching the top with the reading position kept, a bounded number of
//! rendered messages however long the conversation, day separators, and earlier conversations
//! above a divider.
#![cfg(target_arch = "wasm32")]

#[path = "support/harness.rs"]
mod harness;

use harness::{Harness, message, mount, page, pushed};
use leptos::prelude::*;
use leptos::task::tick;
use tetap_shared::frames::{ClientFrame, ServerFrame};
use tetap_shared::{AuthorKind, ConversationId, ConversationState, Mode};
use tetap_widget::window::MAX_RENDERED;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn history(h: &Harness) -> Vec<(String, u64)> {
    h.requests
        .get_untracked()
        .into_iter()
        .map(|frame| match frame {
            ClientFrame::History {
                conversation,
                before,
                ..
            } => (conversation.0, before),
            other => panic!("only history requests: {other:?}"),
        })
        .collect()
}

/// Where the message with `text` sits relative to the top of the log's viewport.
fn offset_in_view(h: &Harness, seq: u64) -> i32 {
    let scroller = h.scroller();
    let row = h.html(&format!("li[data-key=m{seq}]"));
    row.offset_top() - scroller.scroll_top()
}

#[wasm_bindgen_test]
async fn the_newest_page_renders_at_the_bottom_and_older_pages_load_at_the_top_in_place() {
    let h = mount(Mode::Persistent);
    h.feed(h.state("c1", ConversationState::Active, Some("Anna")));
    h.feed(page(951..=1000, true));
    h.frame_drawn().await;
    assert_eq!(h.all(".tetap-msg").len(), 50);
    assert!(
        h.requests.get_untracked().is_empty(),
        "the first page came with welcome"
    );
    let scroller = h.scroller();
    assert!(
        scroller.scroll_height() > scroller.client_height(),
        "the page overflows"
    );
    let bottom = scroller.scroll_height() - scroller.client_height();
    assert!(
        (scroller.scroll_top() - bottom).abs() <= 2,
        "the newest message is in view"
    );

    // Reading back to the top asks for the page above the first message, once.
    scroller.set_scroll_top(0);
    h.frame_drawn().await;
    scroller.set_scroll_top(1);
    h.frame_drawn().await;
    assert_eq!(history(&h), [("c1".to_owned(), 951)]);
    let before = offset_in_view(&h, 951);

    h.feed(page(901..=950, true));
    h.frame_drawn().await;
    assert_eq!(h.all(".tetap-msg").len(), 100);
    assert_eq!(
        offset_in_view(&h, 951),
        before,
        "the message that was on top stays where it was"
    );
    assert!(scroller.scroll_top() > 0, "the new page is above the view");
    let first = h.texts(".tetap-msg .tetap-text");
    assert_eq!(first.first().map(String::as_str), Some("message 901"));
    assert_eq!(first.last().map(String::as_str), Some("message 1000"));
}

#[wasm_bindgen_test]
async fn the_earlier_messages_button_asks_for_the_page_above_and_hides_at_the_start() {
    let h = mount(Mode::Persistent);
    h.feed(page(3..=4, true));
    tick().await;
    h.click(".tetap-older");
    tick().await;
    assert_eq!(history(&h), [("c1".to_owned(), 3)]);
    assert_eq!(h.text(".tetap-older"), "Loading…");
    h.click(".tetap-older");
    tick().await;
    assert_eq!(history(&h).len(), 1, "one request at a time");

    h.feed(page(1..=2, false));
    tick().await;
    assert_eq!(
        h.texts(".tetap-msg .tetap-text"),
        ["message 1", "message 2", "message 3", "message 4"]
    );
    assert!(!h.shown(".tetap-older"), "nothing older is left");
}

#[wasm_bindgen_test]
async fn a_very_long_conversation_renders_a_bounded_number_of_messages() {
    let h = mount(Mode::Persistent);
    // 1,000 loaded messages (a customer who read far back), in pages as the relay sends them.
    for start in (0..5).rev() {
        let first = start * 200 + 1;
        h.feed(page(first..=first + 199, start > 0));
    }
    h.frame_drawn().await;
    let rendered = h.all("li").len();
    assert_eq!(h.all(".tetap-msg").len(), MAX_RENDERED);
    assert!(rendered <= MAX_RENDERED + 4, "{rendered} rows");
    assert_eq!(
        h.texts(".tetap-msg .tetap-text").last().map(String::as_str),
        Some("message 1000"),
        "the newest are rendered"
    );

    // The button moves the window over what is loaded before asking the relay.
    h.click(".tetap-older");
    h.frame_drawn().await;
    assert!(h.requests.get_untracked().is_empty());
    assert_eq!(h.all(".tetap-msg").len(), MAX_RENDERED);
    assert_eq!(
        h.texts(".tetap-msg .tetap-text")
            .first()
            .map(String::as_str),
        Some("message 801")
    );

    // Sending a message brings the newest back into view.
    h.write("back to the present").await;
    h.frame_drawn().await;
    let texts = h.texts(".tetap-msg .tetap-text");
    assert_eq!(
        texts.last().map(String::as_str),
        Some("back to the present")
    );
    assert_eq!(h.all(".tetap-msg").len(), MAX_RENDERED);
}

#[wasm_bindgen_test]
async fn messages_of_different_days_are_separated_by_the_day() {
    let h = mount(Mode::Persistent);
    let mut monday = message(1, AuthorKind::Agent, "Monday's message");
    monday.at = "2025-03-03T12:00:00Z".into();
    let mut tuesday = message(2, AuthorKind::Agent, "Tuesday's message");
    tuesday.at = "2025-03-04T12:00:00Z".into();
    let mut later = message(3, AuthorKind::Agent, "Tuesday again");
    later.at = "2025-03-04T12:05:00Z".into();
    h.feed(ServerFrame::Messages {
        conversation: "c1".into(),
        messages: vec![monday, tuesday, later],
        more_before: false,
    });
    tick().await;
    let days = h.texts(".tetap-day");
    assert_eq!(days.len(), 2, "one separator per day: {days:?}");
    assert!(days[0].contains("2025"), "a full date from Intl: {days:?}");
    assert!(
        days[1].contains('4') && days[1].contains("March"),
        "{days:?}"
    );
    let rows: Vec<String> = h
        .all(".tetap-log > li")
        .iter()
        .map(|li| li.class_name())
        .collect();
    assert_eq!(
        rows,
        [
            "tetap-day",
            "tetap-msg tetap-msg--agent",
            "tetap-day",
            "tetap-msg tetap-msg--agent",
            "tetap-msg tetap-msg--agent"
        ]
    );
}

#[wasm_bindgen_test]
async fn an_ended_conversation_stays_above_a_divider_and_the_next_one_starts_below() {
    let h = mount(Mode::Live);
    h.feed(h.state("c1", ConversationState::Active, Some("Anna")));
    h.feed(page(1..=2, false));
    h.feed(h.state("c1", ConversationState::Closed, None));
    tick().await;
    assert_eq!(
        h.text(".tetap-ended"),
        "This chat has ended. Write to start a new one."
    );
    assert!(h.find(".tetap-divider").is_none());

    let client_id = h.write("A new question").await;
    assert!(h.find(".tetap-ended").is_none(), "a new one is starting");
    assert_eq!(
        h.all(".tetap-divider").len(),
        1,
        "the next one starts below"
    );
    h.feed(ServerFrame::Ack {
        client_id,
        conversation: "c2".into(),
        seq: 1,
        id: "n1".into(),
        at: "2026-11-24T10:00:00Z".into(),
    });
    h.feed(h.state("c2", ConversationState::Open, None));
    tick().await;
    let rows: Vec<String> = h
        .all(".tetap-log > li")
        .iter()
        .map(|li| li.class_name())
        .collect();
    assert_eq!(
        rows,
        [
            "tetap-day",
            "tetap-msg tetap-msg--agent",
            "tetap-msg tetap-msg--agent",
            "tetap-divider",
            "tetap-day",
            "tetap-msg tetap-msg--customer"
        ]
    );
    assert_eq!(h.text(".tetap-divider"), "New conversation");
}

#[wasm_bindgen_test]
async fn earlier_conversations_this_browser_saw_are_loaded_above_the_current_one() {
    let h = mount(Mode::Persistent);
    h.chat.update(|chat| {
        chat.earlier = vec![ConversationId::from("old"), ConversationId::from("c1")];
    });
    h.feed(h.state("c1", ConversationState::Active, Some("Anna")));
    h.feed(page(1..=2, false));
    tick().await;
    h.click(".tetap-older");
    tick().await;
    assert_eq!(history(&h), [("old".to_owned(), (1 << 53) - 1)]);
    let mut question = message(1, AuthorKind::Customer, "last year's question");
    question.id = "old-1".into();
    h.feed(ServerFrame::Messages {
        conversation: "old".into(),
        messages: vec![question],
        more_before: false,
    });
    h.feed(pushed(
        "c1",
        message(3, AuthorKind::Agent, "today's answer"),
    ));
    tick().await;
    assert_eq!(
        h.texts(".tetap-msg .tetap-text"),
        [
            "last year's question",
            "message 1",
            "message 2",
            "today's answer"
        ]
    );
    assert_eq!(h.all(".tetap-divider").len(), 1);
    assert!(!h.shown(".tetap-older"));
}
