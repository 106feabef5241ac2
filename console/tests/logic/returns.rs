//! R7 in the work list: a customer's return is marked from `returned_at`, told once however often
//! the stream re-sends it, listed first among the waiting ones and unmarked once handled.

use crate::fixtures::*;
use crate::list_with;
use tetap_console::i18n::{Locale, LocaleStrings};
use tetap_console::notify::Toasts;
use tetap_console::worklist::{Group, NoticeKind, WorkList, is_returned};
use tetap_shared::ConversationState::{Active, Waiting};
use tetap_shared::{AgentEvent, Conversation};
use wasm_bindgen_test::*;

/// Dewi's waiting conversation, marked returned at `at` (or not).
fn dewi(at: Option<&str>) -> Conversation {
    let mut c = conversation("w", Waiting, Some(ME), "Dewi");
    c.returned_at = at.map(str::to_owned);
    c
}

fn returned(detail: Conversation) -> AgentEvent {
    AgentEvent::CustomerReturned {
        conversation: detail.id.clone(),
        detail,
    }
}

fn marked(list: &WorkList, conversation: &str) -> bool {
    list.get(&id(conversation)).is_some_and(is_returned)
}

#[wasm_bindgen_test]
fn r7_a_customer_returned_event_re_sent_for_the_same_return_notifies_once() {
    let strings = Locale::En.strings();
    let mut list = list_with(vec![dewi(None)]);
    let mut toasts = Toasts::default();
    let first = list.apply(&returned(dewi(Some("2026-11-24T09:05:00Z"))), None);
    let first = first.expect("the first event of a return is news");
    assert_eq!(first.kind, NoticeKind::Returned);
    let toast = toasts.push(&first, strings);
    assert!(marked(&list, "w"));

    // The stream reconnects: the list is refetched and the relay re-sends the return.
    list.replace_all(vec![dewi(Some("2026-11-24T09:05:00Z"))], None);
    let again = list.apply(&returned(dewi(Some("2026-11-24T09:05:00Z"))), None);
    assert_eq!(again, None, "the same return is not told twice");
    assert!(marked(&list, "w"));

    // Even a notice told twice keeps the one toast already shown, with its timer.
    assert_eq!(toasts.push(&first, strings), toast);
    assert_eq!(toasts.items.len(), 1);
    assert_eq!(toasts.items[0].title, "Dewi came back");
}

#[wasm_bindgen_test]
fn r7_the_return_mark_clears_when_a_state_event_or_a_list_refresh_says_returned_at_is_null() {
    let mut list = list_with(vec![dewi(Some("2026-11-24T09:05:00Z")), {
        let mut c = conversation("v", Waiting, Some(ME), "Rudi");
        c.returned_at = Some("2026-11-24T09:06:00Z".into());
        c
    }]);
    assert!(marked(&list, "w") && marked(&list, "v"));

    // Accepted (or the customer wrote): the relay's `state` event says active, returned_at null.
    list.apply(
        &state_event(&conversation("w", Active, Some(ME), "Dewi")),
        None,
    );
    assert!(!marked(&list, "w"));
    assert_eq!(list.ids(Group::Active), [id("w")]);

    // Handled while the console was offline: the refetched list says null.
    list.replace_all(
        vec![
            conversation("w", Active, Some(ME), "Dewi"),
            conversation("v", Active, Some(ME), "Rudi"),
        ],
        None,
    );
    assert!(!marked(&list, "v"));
}

#[wasm_bindgen_test]
fn r7_a_new_return_after_the_last_one_was_handled_notifies_again() {
    let mut list = list_with(vec![dewi(None)]);
    let event = returned(dewi(Some("2026-11-24T09:05:00Z")));
    assert!(list.apply(&event, None).is_some());
    list.apply(
        &state_event(&conversation("w", Active, Some(ME), "Dewi")),
        None,
    );
    list.apply(&state_event(&dewi(None)), None);
    let next = list.apply(&returned(dewi(Some("2026-11-25T08:00:00Z"))), None);
    assert_eq!(next.map(|n| n.kind), Some(NoticeKind::Returned));
}

#[wasm_bindgen_test]
fn r7_returned_conversations_come_first_in_waiting_the_longest_waiting_return_first() {
    let mut busy = conversation("busy", Waiting, Some(ME), "A");
    busy.last_message = Some(message(40, tetap_shared::AuthorKind::Customer, "x"));
    let mut late = conversation("late", Waiting, Some(ME), "B");
    late.returned_at = Some("2026-11-24T09:30:00Z".into());
    let mut early = conversation("early", Waiting, Some(ME), "C");
    early.returned_at = Some("2026-11-24T09:10:00Z".into());
    let list = list_with(vec![busy, late, early]);
    assert_eq!(
        list.ids(Group::Waiting),
        [id("early"), id("late"), id("busy")]
    );
}
