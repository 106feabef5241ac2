//! The thread: paging, replies from sending to read, system messages (R5), the actions a
//! conversation offers and the replies that are not sent.

use crate::fixtures::*;
use tetap_console::conversation_view::{allowed, check_reply};
use tetap_console::thread::{Delivery, Thread};
use tetap_shared::ConversationState::{Active, Closed, Open, Waiting};
use tetap_shared::{AuthorKind, Mode};
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
fn pages_merge_in_seq_order_and_a_full_page_means_more_before() {
    let mut thread = Thread::new(id("a"), Mode::Persistent);
    let newest: Vec<_> = (51..=100)
        .map(|seq| message(seq, AuthorKind::Customer, "x"))
        .collect();
    thread.add_page(newest, 50, false);
    assert!(thread.more_before);
    assert_eq!(thread.oldest_seq(), Some(51));
    let older: Vec<_> = (31..=50)
        .map(|seq| message(seq, AuthorKind::Customer, "x"))
        .collect();
    thread.add_page(older, 50, true);
    assert!(!thread.more_before, "a short page is the first");
    assert_eq!(thread.oldest_seq(), Some(31));
    assert_eq!(thread.messages.len(), 70);
    assert!(thread.messages.windows(2).all(|w| w[0].seq < w[1].seq));
}

#[wasm_bindgen_test]
fn a_refetch_after_a_long_gap_starts_over_from_the_newest_page() {
    let mut thread = Thread::new(id("a"), Mode::Persistent);
    thread.add_page(vec![message(1, AuthorKind::Customer, "old")], 50, false);
    let after_gap: Vec<_> = (100..150)
        .map(|seq| message(seq, AuthorKind::Customer, "x"))
        .collect();
    thread.add_page(after_gap, 50, false);
    assert_eq!(
        thread.oldest_seq(),
        Some(100),
        "no hole is shown as continuous"
    );
    assert!(thread.more_before);
}

#[wasm_bindgen_test]
fn a_reply_goes_from_sending_to_delivered_to_read() {
    let mut thread = Thread::new(id("a"), Mode::Persistent);
    thread.add_page(vec![message(1, AuthorKind::Customer, "Hi")], 50, false);
    thread.push_pending("c2", "Hello, Anna here");
    let delivery = |t: &Thread, read| t.rows(read).last().and_then(|r| r.delivery);
    assert_eq!(delivery(&thread, 0), Some(Delivery::Sending));
    thread.set_failed("c2", true);
    assert_eq!(delivery(&thread, 0), Some(Delivery::Failed));
    let mut stored = message(2, AuthorKind::Agent, "Hello, Anna here");
    stored.client_id = Some("c2".into());
    thread.add(stored.clone());
    thread.add(stored);
    assert!(thread.pending.is_empty());
    assert_eq!(thread.rows(0).len(), 2, "the reply is shown once");
    assert_eq!(delivery(&thread, 1), Some(Delivery::Delivered));
    assert_eq!(delivery(&thread, 2), Some(Delivery::Read));
    assert_eq!(
        thread.rows(2)[0].delivery,
        None,
        "the customer's messages carry no delivery state"
    );
}

#[wasm_bindgen_test]
fn system_messages_show_as_the_customers_widget_showed_them() {
    let page = vec![
        system(1, "queue_position", "You are number 2 in line."),
        system(2, "wait_time", "The average wait is about 3 min."),
        system(3, "agent_joined", "Anna joined the conversation."),
    ];
    let mut persistent = Thread::new(id("p"), Mode::Persistent);
    persistent.add_page(page.clone(), 50, false);
    let texts = |t: &Thread| t.rows(0).into_iter().map(|r| r.text).collect::<Vec<_>>();
    assert_eq!(texts(&persistent), ["Anna joined the conversation."], "R5");
    let mut live = Thread::new(id("l"), Mode::Live);
    live.add_page(page, 50, false);
    assert_eq!(texts(&live).len(), 3);
}

#[wasm_bindgen_test]
fn actions_follow_the_state_and_whose_conversation_it_is() {
    let open = allowed(&conversation("q", Open, None, "R"), ME);
    assert!(open.accept && open.end && open.reply && !open.wait && !open.pick_up);
    let active = allowed(&conversation("a", Active, Some(ME), "S"), ME);
    assert!(active.wait && active.end && active.reply && !active.accept);
    let waiting = allowed(&conversation("w", Waiting, Some(ME), "D"), ME);
    assert!(waiting.pick_up && waiting.end && !waiting.wait);
    let theirs = allowed(&conversation("t", Active, Some("budi"), "T"), ME);
    assert!(!theirs.reply && !theirs.end && !theirs.wait);
    let closed = allowed(&conversation("c", Closed, Some(ME), "C"), ME);
    assert_eq!(closed, Default::default());
}

#[wasm_bindgen_test]
fn blank_and_oversize_replies_are_not_sent() {
    assert_eq!(check_reply("  hi \n"), Some("hi"));
    assert_eq!(check_reply(" \n "), None);
    assert_eq!(check_reply(&"x".repeat(5000)), None);
}
