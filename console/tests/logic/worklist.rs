//! The work list: groups and their order, assignments, unread counts and notices, read marks.

use crate::fixtures::*;
use crate::list_with;
use tetap_console::worklist::{Group, NoticeKind, WorkList};
use tetap_shared::ConversationState::{Active, Closed, Open, Waiting};
use tetap_shared::{AgentEvent, AuthorKind};
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
fn conversations_are_grouped_into_mine_active_mine_waiting_and_the_queue() {
    let list = list_with(vec![
        conversation("a", Active, Some(ME), "Sari"),
        conversation("w", Waiting, Some(ME), "Dewi"),
        conversation("q", Open, None, "Rudi"),
        conversation("other", Active, Some("budi"), "Tono"),
        conversation("done", Closed, Some(ME), "Ayu"),
    ]);
    assert_eq!(list.ids(Group::Active), [id("a")]);
    assert_eq!(list.ids(Group::Waiting), [id("w")]);
    assert_eq!(list.ids(Group::Queue), [id("q")]);
    assert!(
        list.get(&id("other")).is_none(),
        "another agent's is not shown"
    );
    assert!(list.get(&id("done")).is_none(), "closed ones are not shown");
    assert_eq!(list.load(), 1, "only active conversations use capacity");
}

#[wasm_bindgen_test]
fn the_queue_is_oldest_first_and_mine_are_most_recent_first() {
    let mut old = conversation("old", Open, None, "A");
    old.created_at = "2026-11-24T08:00:00Z".into();
    let new = conversation("new", Open, None, "B");
    let mut quiet = conversation("quiet", Active, Some(ME), "C");
    quiet.last_message = Some(message(1, AuthorKind::Customer, "x"));
    let mut busy = conversation("busy", Active, Some(ME), "D");
    busy.last_message = Some(message(30, AuthorKind::Customer, "y"));
    let list = list_with(vec![new, old, quiet, busy]);
    assert_eq!(list.ids(Group::Queue), [id("old"), id("new")]);
    assert_eq!(list.ids(Group::Active), [id("busy"), id("quiet")]);
}

#[wasm_bindgen_test]
fn an_assignment_lists_the_conversation_and_raises_a_notice() {
    let mut list = WorkList::new(ME);
    let detail = conversation("a", Active, Some(ME), "Sari");
    let notice = list.apply(
        &AgentEvent::Assigned {
            conversation: id("a"),
            detail,
        },
        None,
    );
    let notice = notice.expect("a notice");
    assert_eq!(notice.kind, NoticeKind::Assigned);
    assert_eq!(notice.customer, "Sari");
    assert_eq!(list.ids(Group::Active), [id("a")]);
}

#[wasm_bindgen_test]
fn a_new_conversations_first_message_is_kept_until_its_state_event_lists_it() {
    let mut list = WorkList::new(ME);
    let first = message(1, AuthorKind::Customer, "Is anyone there?");
    assert!(list.apply(&message_event("n", first), None).is_none());
    let mut detail = conversation("n", Open, None, "Rudi");
    detail.last_message = None;
    list.apply(&state_event(&detail), None);
    let shown = list.get(&id("n")).expect("listed");
    assert_eq!(
        shown.last_message.as_ref().map(|m| m.text.as_str()),
        Some("Is anyone there?")
    );
}

#[wasm_bindgen_test]
fn a_state_event_without_a_last_message_keeps_the_known_one() {
    let mut list = list_with(vec![conversation("a", Active, Some(ME), "Sari")]);
    let mut detail = conversation("a", Waiting, Some(ME), "Sari");
    detail.last_message = None;
    list.apply(&state_event(&detail), None);
    assert_eq!(list.ids(Group::Waiting), [id("a")]);
    assert!(
        list.get(&id("a"))
            .and_then(|c| c.last_message.as_ref())
            .is_some()
    );
}

#[wasm_bindgen_test]
fn a_conversation_taken_by_another_agent_or_closed_leaves_the_list() {
    let mut list = list_with(vec![
        conversation("q", Open, None, "Rudi"),
        conversation("a", Active, Some(ME), "Sari"),
    ]);
    list.apply(
        &state_event(&conversation("q", Active, Some("budi"), "Rudi")),
        None,
    );
    list.apply(
        &state_event(&conversation("a", Closed, Some(ME), "Sari")),
        None,
    );
    assert!(list.get(&id("q")).is_none());
    assert!(list.get(&id("a")).is_none());
    assert_eq!(list.load(), 0);
}

#[wasm_bindgen_test]
fn a_customer_message_counts_as_unread_and_notifies_unless_it_is_on_screen() {
    let mut list = list_with(vec![conversation("a", Active, Some(ME), "Sari")]);
    let notice = list.apply(
        &message_event("a", message(2, AuthorKind::Customer, "Still there?")),
        None,
    );
    let notice = notice.expect("the customer wrote");
    assert_eq!(notice.kind, NoticeKind::Wrote);
    assert_eq!(notice.text.as_deref(), Some("Still there?"));
    assert_eq!(list.get(&id("a")).map(|c| c.unread), Some(2));
    assert_eq!(list.unread_mine(), 2);

    let on_screen = list.apply(
        &message_event("a", message(3, AuthorKind::Customer, "Hello?")),
        Some(&id("a")),
    );
    assert!(
        on_screen.is_none(),
        "no notice for the conversation on screen"
    );
    assert_eq!(list.get(&id("a")).map(|c| c.unread), Some(0));
    assert_eq!(
        list.get(&id("a")).map(|c| c.last_seq),
        Some(3),
        "the newest seq is tracked"
    );
}

#[wasm_bindgen_test]
fn queue_messages_and_the_agents_own_replies_raise_no_notice() {
    let mut list = list_with(vec![
        conversation("q", Open, None, "Rudi"),
        conversation("a", Active, Some(ME), "Sari"),
    ]);
    assert!(
        list.apply(
            &message_event("q", message(2, AuthorKind::Customer, "hi")),
            None
        )
        .is_none()
    );
    assert!(
        list.apply(
            &message_event("a", message(2, AuthorKind::Agent, "hi")),
            None
        )
        .is_none()
    );
    assert_eq!(
        list.unread_mine(),
        2,
        "the queue does not count in the title"
    );
}

#[wasm_bindgen_test]
fn a_returning_customer_on_a_waiting_conversation_raises_a_notice() {
    let mut list = list_with(vec![conversation("w", Waiting, Some(ME), "Dewi")]);
    let notice = list.apply(
        &AgentEvent::CustomerReturned {
            conversation: id("w"),
            detail: conversation("w", Waiting, Some(ME), "Dewi"),
        },
        None,
    );
    assert_eq!(notice.map(|n| n.kind), Some(NoticeKind::Returned));
}

#[wasm_bindgen_test]
fn read_events_move_the_customers_read_mark_forward_only() {
    let mut list = list_with(vec![conversation("a", Active, Some(ME), "Sari")]);
    let read = |seq| AgentEvent::Read {
        conversation: id("a"),
        seq,
    };
    list.apply(&read(4), None);
    list.apply(&read(2), None);
    assert_eq!(list.get(&id("a")).map(|c| c.customer_read_seq), Some(4));
}

#[wasm_bindgen_test]
fn a_customer_without_a_name_is_shown_by_id() {
    let mut anonymous = conversation("a", Open, None, "");
    anonymous.customer.name = None;
    let list = list_with(vec![anonymous]);
    let mut list = list;
    let notice = list
        .apply(
            &AgentEvent::Assigned {
                conversation: id("a"),
                detail: conversation("a", Active, Some(ME), "  "),
            },
            None,
        )
        .expect("notice");
    assert_eq!(notice.customer, "sub-a");
}

#[wasm_bindgen_test]
fn the_rows_preview_is_what_a_person_wrote_not_a_system_notice() {
    let mut list = WorkList::new(ME);
    list.apply(
        &message_event("n", message(1, AuthorKind::Customer, "Where is my parcel?")),
        None,
    );
    let mut detail = conversation("n", Active, Some(ME), "Sari");
    detail.last_message = Some(system(2, "agent_joined", "Anna joined the conversation."));
    list.apply(&state_event(&detail), None);
    list.apply(
        &message_event(
            "n",
            system(3, "agent_joined", "Anna joined the conversation."),
        ),
        None,
    );
    let preview = |l: &WorkList| {
        l.get(&id("n"))
            .and_then(|c| c.last_message.as_ref())
            .map(|m| m.text.clone())
    };
    assert_eq!(preview(&list).as_deref(), Some("Where is my parcel?"));
    list.apply(
        &message_event("n", message(4, AuthorKind::Agent, "On its way")),
        None,
    );
    assert_eq!(preview(&list).as_deref(), Some("On its way"));
    let mut only_system = conversation("s", Open, None, "Rudi");
    only_system.last_message = Some(system(1, "offline", "We are offline right now."));
    list.upsert(only_system, None);
    assert!(
        list.get(&id("s"))
            .and_then(|c| c.last_message.as_ref())
            .is_some(),
        "a system message is shown while nothing else is known"
    );
}
