//! The conversation pane: history as text, replies and the keyboard, ✖, accept and end with
//! confirmation, an ended conversation, typing and older pages.

use crate::XSS;
use crate::dom::Dom;
use crate::fixtures::*;
use leptos::prelude::*;
use leptos::task::tick;
use tetap_console::api::Action;
use tetap_console::conversation_view::ConversationView;
use tetap_console::i18n::{Locale, LocaleStrings};
use tetap_console::thread::Thread;
use tetap_shared::ConversationState::{Active, Closed, Open, Waiting};
use tetap_shared::{AuthorKind, Conversation, Mode};
use wasm_bindgen_test::*;

/// A mounted conversation pane and what it reported.
struct Pane {
    dom: Dom,
    conversation: RwSignal<Option<Conversation>>,
    thread: RwSignal<Option<Thread>>,
    typing: RwSignal<bool>,
    sent: RwSignal<Vec<String>>,
    actions: RwSignal<Vec<Action>>,
    older: RwSignal<u32>,
    typed: RwSignal<u32>,
}

fn mount_pane(c: Conversation, messages: Vec<tetap_shared::Message>) -> Pane {
    let mut thread = Thread::new(c.id.clone(), c.mode);
    thread.add_page(messages, 50, false);
    let conversation = RwSignal::new(Some(c));
    let thread = RwSignal::new(Some(thread));
    let typing = RwSignal::new(false);
    let sent = RwSignal::new(Vec::new());
    let actions = RwSignal::new(Vec::new());
    let older = RwSignal::new(0);
    let typed = RwSignal::new(0);
    let dom = Dom::new().mount(move || {
        view! {
            <ConversationView
                strings=Locale::En.strings()
                me=ME.to_owned()
                conversation
                thread
                customer_typing=typing
                error=Signal::derive(|| None::<String>)
                busy=Signal::derive(|| false)
                on_send=Callback::new(move |text| sent.update(|all| all.push(text)))
                on_retry=Callback::new(|_| {})
                on_older=Callback::new(move |()| older.update(|n| *n += 1))
                on_action=Callback::new(move |a| actions.update(|all| all.push(a)))
                on_typing=Callback::new(move |()| typed.update(|n| *n += 1))
            />
        }
    });
    Pane {
        dom,
        conversation,
        thread,
        typing,
        sent,
        actions,
        older,
        typed,
    }
}

#[wasm_bindgen_test]
async fn the_pane_shows_the_history_as_text_with_the_customers_name() {
    let mut c = conversation("x", Active, Some(ME), XSS);
    c.customer_read_seq = 2;
    let pane = mount_pane(
        c,
        vec![
            message(1, AuthorKind::Customer, XSS),
            message(2, AuthorKind::Agent, "Read this"),
            message(3, AuthorKind::Agent, "Not yet read"),
            system(4, "agent_joined", "Anna joined the conversation."),
        ],
    );
    tick().await;
    let dom = &pane.dom;
    assert!(
        dom.find("img").is_none(),
        "no element made from customer text"
    );
    assert_eq!(dom.text(".pane-title"), XSS);
    assert_eq!(dom.text(".msg--customer .msg-text"), XSS);
    assert_eq!(dom.text(".msg--customer .msg-author"), XSS);
    assert_eq!(
        dom.texts(".msg--agent .msg-delivery"),
        ["Read", "Delivered"],
        "read = seq ≤ customer_read_seq"
    );
    assert_eq!(
        dom.text(".msg--system .msg-text"),
        "Anna joined the conversation."
    );
    assert_eq!(
        dom.attr("[role=log]", "aria-live").as_deref(),
        Some("polite")
    );
    // The customer reads on: the mark moves.
    pane.conversation.update(|c| {
        if let Some(c) = c {
            c.customer_read_seq = 3;
        }
    });
    tick().await;
    assert_eq!(dom.texts(".msg--agent .msg-delivery"), ["Read", "Read"]);
}

#[wasm_bindgen_test]
async fn enter_sends_and_shift_enter_adds_a_line() {
    let pane = mount_pane(conversation("a", Active, Some(ME), "Sari"), vec![]);
    tick().await;
    let dom = &pane.dom;
    dom.type_into(".composer-input", "first line");
    tick().await;
    assert_eq!(pane.typed.get_untracked(), 1, "typing is reported");
    assert!(
        dom.press(".composer-input", "Enter", true),
        "Shift+Enter keeps its newline"
    );
    tick().await;
    assert!(pane.sent.get_untracked().is_empty());
    assert!(
        !dom.press(".composer-input", "Enter", false),
        "Enter does not add a line"
    );
    tick().await;
    assert_eq!(pane.sent.get_untracked(), ["first line"]);
    dom.press(".composer-input", "Enter", false);
    tick().await;
    assert_eq!(
        pane.sent.get_untracked().len(),
        1,
        "a blank box sends nothing"
    );
    assert!(
        dom.find("label .composer-input").is_some(),
        "the reply box is labelled"
    );
}

#[wasm_bindgen_test]
async fn the_cross_moves_a_persistent_conversation_to_waiting_and_a_live_one_to_the_queue() {
    let pane = mount_pane(conversation("a", Active, Some(ME), "Sari"), vec![]);
    tick().await;
    assert_eq!(pane.dom.text(".action-wait"), "✖ Move to waiting");
    pane.dom.click(".action-wait");
    tick().await;
    assert_eq!(pane.actions.get_untracked(), [Action::Wait]);
    pane.conversation.update(|c| {
        if let Some(c) = c {
            c.mode = Mode::Live;
        }
    });
    tick().await;
    assert_eq!(pane.dom.text(".action-wait"), "✖ Return to queue");
    assert_eq!(
        pane.dom
            .attr(".action-wait [aria-hidden]", "aria-hidden")
            .as_deref(),
        Some("true"),
        "the ✖ glyph is not read out"
    );
}

#[wasm_bindgen_test]
async fn ending_asks_for_confirmation_and_escape_cancels() {
    let pane = mount_pane(conversation("a", Active, Some(ME), "Sari"), vec![]);
    tick().await;
    let dom = &pane.dom;
    dom.click(".action-end");
    tick().await;
    assert!(dom.find("[role=alertdialog]").is_some());
    assert!(pane.actions.get_untracked().is_empty(), "nothing ended yet");
    let focused = document()
        .active_element()
        .and_then(|e| e.get_attribute("class"));
    assert!(
        focused.is_some_and(|c| c.contains("confirm-cancel")),
        "the safe choice has the focus"
    );
    dom.press("[role=alertdialog]", "Escape", false);
    tick().await;
    assert!(dom.find("[role=alertdialog]").is_none());
    dom.click(".action-end");
    tick().await;
    dom.click(".confirm-yes");
    tick().await;
    assert_eq!(pane.actions.get_untracked(), [Action::End]);
    assert!(dom.find("[role=alertdialog]").is_none());
}

#[wasm_bindgen_test]
async fn open_conversations_offer_accept_and_waiting_ones_pick_up() {
    let pane = mount_pane(conversation("q", Open, None, "Rudi"), vec![]);
    tick().await;
    assert!(pane.dom.find(".action-wait").is_none());
    pane.dom.click(".action-accept");
    tick().await;
    pane.conversation
        .set(Some(conversation("q", Waiting, Some(ME), "Rudi")));
    tick().await;
    assert!(pane.dom.find(".action-accept").is_none());
    pane.dom.click(".action-pick-up");
    tick().await;
    assert_eq!(
        pane.actions.get_untracked(),
        [Action::Accept, Action::Accept]
    );
}

#[wasm_bindgen_test]
async fn an_ended_conversation_says_so_and_takes_no_reply() {
    let pane = mount_pane(conversation("a", Active, Some(ME), "Sari"), vec![]);
    tick().await;
    assert!(pane.dom.find(".composer-input").is_some());
    pane.conversation
        .set(Some(conversation("a", Closed, Some(ME), "Sari")));
    tick().await;
    assert_eq!(
        pane.dom.text(".pane-notice"),
        "This conversation has ended."
    );
    assert!(pane.dom.find(".composer-input").is_none());
    assert!(pane.dom.find(".action-end").is_none());
}

#[wasm_bindgen_test]
async fn the_customers_typing_shows_and_older_messages_load_on_request() {
    let history: Vec<_> = (51..=100)
        .map(|seq| message(seq, AuthorKind::Customer, "x"))
        .collect();
    let pane = mount_pane(conversation("a", Active, Some(ME), "Sari"), history);
    tick().await;
    assert_eq!(pane.dom.text(".typing"), "");
    pane.typing.set(true);
    tick().await;
    assert_eq!(pane.dom.text(".typing"), "Sari is typing…");
    pane.dom.click(".load-older");
    tick().await;
    assert_eq!(pane.older.get_untracked(), 1);
    pane.thread.update(|t| {
        if let Some(t) = t {
            t.add_page(
                (1..=50)
                    .map(|seq| message(seq, AuthorKind::Customer, "x"))
                    .collect(),
                50,
                true,
            );
        }
    });
    tick().await;
    assert_eq!(pane.dom.all(".msg").len(), 100);
    assert!(
        pane.dom.find(".load-older").is_none(),
        "the first message is shown"
    );
}
