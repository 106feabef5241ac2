//! The console's logic without the view, in headless Chromium: the work list and its
//! notifications, the thread (paging, replies, read state, R5), the slowed sign-in retry,
//! backoff, toasts, the tab title, languages, times and the event frames as the relay writes them;
//! a customer's return (R7).
#![cfg(target_arch = "wasm32")]

#[path = "support/fixtures.rs"]
mod fixtures;

use fixtures::*;
use tetap_console::backoff::{reconnect_delay_ms, sign_in_pause_s};
use tetap_console::events::{decode, events_url};
use tetap_console::i18n::{Locale, LocaleStrings};
use tetap_console::notify::{Toasts, quote, tab_title};
use tetap_console::signin::{Problem, SignIn};
use tetap_console::time::{Ago, ago, parse_ms};
use tetap_console::worklist::WorkList;
use tetap_shared::ConversationState::{Active, Waiting};
use tetap_shared::{AgentEvent, AuthorKind};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod logic {
    pub mod returns;
    pub mod thread;
    pub mod worklist;
}

/// A work list of agent [`ME`] holding `conversations`.
fn list_with(conversations: Vec<tetap_shared::Conversation>) -> WorkList {
    let mut list = WorkList::new(ME);
    list.replace_all(conversations, None);
    list
}

#[wasm_bindgen_test]
fn wrong_passwords_slow_the_next_attempt_down() {
    let mut form = SignIn::default();
    assert!(form.can_submit());
    form.start();
    assert!(!form.can_submit(), "one attempt at a time");
    form.fail(Problem::WrongPassword);
    assert_eq!(
        (form.problem, form.wait_s),
        (Some(Problem::WrongPassword), 1)
    );
    assert!(!form.can_submit());
    form.tick();
    assert!(form.can_submit());
    form.fail(Problem::WrongPassword);
    form.fail(Problem::WrongPassword);
    assert_eq!(form.wait_s, 4);
    assert_eq!(sign_in_pause_s(0), 0);
    assert_eq!(sign_in_pause_s(12), 30, "capped");
    form.fail(Problem::Unreachable);
    assert_eq!(form.failures, 3, "only wrong passwords count");
}

#[wasm_bindgen_test]
fn reconnect_delays_grow_with_jitter_and_are_capped() {
    for attempt in 0..20 {
        for random in [0.0, 0.5, 0.999] {
            let delay = reconnect_delay_ms(attempt, random);
            assert!(
                (250..=30_000).contains(&delay),
                "{attempt} {random}: {delay}"
            );
        }
    }
    assert!(reconnect_delay_ms(3, 0.0) > reconnect_delay_ms(0, 0.999));
}

#[wasm_bindgen_test]
fn one_toast_per_conversation_and_came_back_does_not_hide_what_they_wrote() {
    let strings = Locale::En.strings();
    let mut list = list_with(vec![conversation("w", Waiting, Some(ME), "Dewi")]);
    let wrote = list
        .apply(
            &message_event("w", message(2, AuthorKind::Customer, "I'm back")),
            None,
        )
        .expect("wrote");
    let returned = list
        .apply(
            &AgentEvent::CustomerReturned {
                conversation: id("w"),
                detail: conversation("w", Active, Some(ME), "Dewi"),
            },
            None,
        )
        .expect("returned");
    let mut toasts = Toasts::default();
    toasts.push(&wrote, strings);
    toasts.push(&returned, strings);
    assert_eq!(toasts.items.len(), 1);
    assert_eq!(toasts.items[0].title, "Dewi wrote");
    assert_eq!(toasts.items[0].body.as_deref(), Some("I'm back"));
    toasts.dismiss_conversation(&id("w"));
    assert!(toasts.items.is_empty());
}

#[wasm_bindgen_test]
fn long_messages_are_quoted_short_and_the_title_counts_unread() {
    assert_eq!(quote(&"é".repeat(200)).chars().count(), 121);
    assert_eq!(quote("short"), "short");
    assert_eq!(tab_title("Tetap console", 0), "Tetap console");
    assert_eq!(tab_title("Tetap console", 3), "(3) Tetap console");
}

#[wasm_bindgen_test]
fn indonesian_is_picked_by_primary_subtag_and_english_is_the_default() {
    assert_eq!(Locale::pick(["id-ID", "en"]), Locale::Id);
    assert_eq!(Locale::pick(["fr", "en-GB"]), Locale::En);
    assert_eq!(Locale::pick(["fr"]), Locale::En);
    let id = Locale::Id.strings();
    assert_eq!(id.wrong_password, "ID agen atau kata sandi salah.");
    assert_eq!(id.assigned("Sari"), "Percakapan baru dengan Sari");
    assert_eq!(id.ago(Ago::Minutes(5)), "5 menit lalu");
}

#[wasm_bindgen_test]
fn time_since_is_rounded_down_to_a_unit() {
    let then = parse_ms("2026-11-24T09:00:00Z").expect("parses");
    let at = |s: f64| then + s * 1000.0;
    assert_eq!(
        ago(at(-30.0), then),
        Ago::JustNow,
        "a clock slightly behind"
    );
    assert_eq!(ago(at(59.0), then), Ago::JustNow);
    assert_eq!(ago(at(125.0), then), Ago::Minutes(2));
    assert_eq!(ago(at(7200.0), then), Ago::Hours(2));
    assert_eq!(ago(at(3.0 * 86_400.0), then), Ago::Days(3));
    assert!(parse_ms("yesterday-ish").is_none());
}

#[wasm_bindgen_test]
fn event_frames_as_the_relay_writes_them_decode_into_events() {
    let detail =
        serde_json::to_value(conversation("a", Active, Some(ME), "Sari")).expect("encodes");
    let assigned = serde_json::json!({"type": "assigned", "conversation": "a", "detail": detail});
    assert!(matches!(
        decode(&assigned.to_string()),
        Some(AgentEvent::Assigned { .. })
    ));
    assert_eq!(
        decode(r#"{"type":"typing","conversation":"a"}"#),
        Some(AgentEvent::Typing {
            conversation: id("a")
        })
    );
    assert_eq!(
        decode(r#"{"type":"read","conversation":"a","seq":7}"#),
        Some(AgentEvent::Read {
            conversation: id("a"),
            seq: 7
        })
    );
    assert_eq!(
        decode(r#"{"type":"something_new","conversation":"a"}"#),
        None
    );
    assert_eq!(decode("not json"), None);
    assert_eq!(
        events_url("https:", "chat.example.com"),
        "wss://chat.example.com/v1/agent/events"
    );
    assert_eq!(
        events_url("http:", "127.0.0.1:8080"),
        "ws://127.0.0.1:8080/v1/agent/events"
    );
}
