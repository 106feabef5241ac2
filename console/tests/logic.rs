//! The console's logic without the view, in headless Chromium: the work list and its
//! notifications, the thread (paging, replies, read state, R5), the slowed sign-in retry,
//! backoff, toasts, the tab title, languages, times and the event frames as the relay writes them.
#![cfg(target_arch = "wasm32")]

#[path = "support/fixtures.rs"]
mod fixtures;

use fixtures::*;
use tetap_console::backoff::{reconnect_delay_ms, sign_in_pause_s};
use tetap_console::conversation_view::{allowed, check_reply};
use tetap_console::events::{decode, events_url};
use tetap_console::i18n::{Locale, LocaleStrings};
use tetap_console::notify::{Toasts, quote, tab_title};
use tetap_console::signin::{Problem, SignIn};
use tetap_console::thread::{Delivery, Thread};
use tetap_console::time::{Ago, ago, parse_ms};
use tetap_console::worklist::{Group, NoticeKind, WorkList};
use tetap_shared::ConversationState::{Active, Closed, Open, Waiting};
use tetap_shared::{AgentEvent, AuthorKind, Mode};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn list_with(conversations: Vec<tetap_shared::Conversation>) -> WorkList {
    let mut list = WorkList::new(ME);
    list.replace_all(conversations, None);
    list
}

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
