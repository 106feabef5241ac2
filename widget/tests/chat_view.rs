//! The chat view in headless Chromium: typing, sending, acks, pushed messages rendered as text,
//! the sign-in notice and the reconnecting banner. Frames are fed to the same `Chat::apply` the
//! socket uses.
#![cfg(target_arch = "wasm32")]

use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos::task::tick;
use tetap_shared::frames::ServerFrame;
use tetap_shared::{AuthorKind, Message, MessageAuthor, Mode};
use tetap_widget::chat::Chat;
use tetap_widget::connection::Status as Link;
use tetap_widget::i18n::Locale;
use tetap_widget::view::{ChatView, Outgoing};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{
    Event, EventInit, HtmlElement, HtmlTextAreaElement, KeyboardEvent, KeyboardEventInit,
};

wasm_bindgen_test_configure!(run_in_browser);

/// A mounted chat view and what it reported.
struct Harness {
    root: HtmlElement,
    chat: RwSignal<Chat>,
    link: RwSignal<Link>,
    can_write: RwSignal<bool>,
    sent: RwSignal<Vec<Outgoing>>,
    closed: RwSignal<u32>,
    _mounted: Box<dyn std::any::Any>,
}

fn mount(mode: Mode) -> Harness {
    let root: HtmlElement = document()
        .create_element("div")
        .expect("div")
        .dyn_into()
        .expect("an HTML element");
    document()
        .body()
        .expect("body")
        .append_child(&root)
        .expect("attached");
    let chat = RwSignal::new(Chat::new(mode));
    let link = RwSignal::new(Link::Online);
    let can_write = RwSignal::new(true);
    let sent = RwSignal::new(Vec::<Outgoing>::new());
    let closed = RwSignal::new(0u32);
    let handle = mount_to(root.clone(), move || {
        view! {
            <ChatView
                chat
                strings=Locale::En.strings()
                link
                can_write
                on_send=Callback::new(move |out| sent.update(|all| all.push(out)))
                on_close=Callback::new(move |()| closed.update(|n| *n += 1))
            />
        }
    });
    Harness {
        root,
        chat,
        link,
        can_write,
        sent,
        closed,
        _mounted: Box::new(handle),
    }
}

impl Harness {
    fn find(&self, selector: &str) -> Option<web_sys::Element> {
        self.root.query_selector(selector).expect("valid selector")
    }

    fn all(&self, selector: &str) -> Vec<web_sys::Element> {
        let list = self
            .root
            .query_selector_all(selector)
            .expect("valid selector");
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|node| node.dyn_into().ok())
            .collect()
    }

    fn text(&self, selector: &str) -> String {
        self.find(selector)
            .and_then(|e| e.text_content())
            .unwrap_or_else(|| panic!("no {selector}"))
    }

    fn textarea(&self) -> HtmlTextAreaElement {
        self.find("textarea")
            .expect("a composer")
            .dyn_into()
            .expect("a textarea")
    }

    fn type_text(&self, text: &str) {
        let textarea = self.textarea();
        textarea.set_value(text);
        let init = EventInit::new();
        init.set_bubbles(true);
        let input = Event::new_with_event_init_dict("input", &init).expect("event");
        textarea.dispatch_event(&input).expect("dispatched");
    }

    fn press(&self, key: &str, shift: bool) -> bool {
        let init = KeyboardEventInit::new();
        init.set_key(key);
        init.set_shift_key(shift);
        init.set_bubbles(true);
        init.set_cancelable(true);
        let event =
            KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("event");
        self.textarea().dispatch_event(&event).expect("dispatched")
    }

    fn click_send(&self) {
        let button: HtmlElement = self
            .find(".tetap-send")
            .expect("a send button")
            .dyn_into()
            .expect("html");
        button.click();
    }

    fn feed(&self, frame: ServerFrame) {
        self.chat.update(|chat| {
            chat.apply(frame);
        });
    }
}

fn agent_message(seq: u64, text: &str) -> ServerFrame {
    ServerFrame::Message {
        conversation: "c1".into(),
        message: Message {
            seq,
            id: format!("m{seq}"),
            client_id: None,
            author: MessageAuthor {
                kind: AuthorKind::Agent,
                id: "anna".into(),
                name: Some("Anna".into()),
            },
            system_kind: None,
            text: text.into(),
            at: "2026-11-24T01:00:00Z".into(),
        },
    }
}

#[wasm_bindgen_test]
async fn a_sent_message_shows_as_sending_then_sent_on_its_ack() {
    let h = mount(Mode::Persistent);
    h.type_text("Halo, pesanan saya belum sampai");
    tick().await;
    h.click_send();
    tick().await;

    let sent = h.sent.get_untracked();
    assert_eq!(sent.len(), 1, "the send callback got one message");
    assert_eq!(sent[0].text, "Halo, pesanan saya belum sampai");
    assert_eq!(
        sent[0].client_id.len(),
        36,
        "a UUID client id: {}",
        sent[0].client_id
    );
    let mine = h
        .find(".tetap-msg--customer")
        .expect("the message is shown at once");
    assert_eq!(
        mine.get_attribute("data-status").as_deref(),
        Some("sending")
    );
    assert_eq!(
        h.text(".tetap-msg--customer .tetap-text"),
        "Halo, pesanan saya belum sampai"
    );
    assert_eq!(h.text(".tetap-msg--customer .tetap-status"), "Sending…");
    assert_eq!(h.textarea().value(), "", "the composer is cleared");

    h.feed(ServerFrame::Ack {
        client_id: sent[0].client_id.clone(),
        conversation: "c1".into(),
        seq: 1,
        id: "m1".into(),
        at: "2026-11-24T01:00:00Z".into(),
    });
    tick().await;
    let mine = h.all(".tetap-msg--customer");
    assert_eq!(mine.len(), 1, "the ack updates the message, it adds none");
    assert_eq!(
        mine[0].get_attribute("data-status").as_deref(),
        Some("sent")
    );
    assert_eq!(h.text(".tetap-msg--customer .tetap-status"), "Sent");
}

#[wasm_bindgen_test]
async fn enter_sends_and_shift_enter_does_not() {
    let h = mount(Mode::Live);
    h.type_text("first line");
    tick().await;
    let not_cancelled = h.press("Enter", true);
    tick().await;
    assert!(not_cancelled, "Shift+Enter keeps its newline");
    assert!(h.sent.get_untracked().is_empty());

    let not_cancelled = h.press("Enter", false);
    tick().await;
    assert!(!not_cancelled, "Enter does not insert a newline");
    let sent = h.sent.get_untracked();
    assert_eq!(
        sent.iter().map(|o| o.text.as_str()).collect::<Vec<_>>(),
        ["first line"]
    );
    assert_eq!(h.all(".tetap-msg[data-status=sending]").len(), 1);
}

#[wasm_bindgen_test]
async fn blank_messages_are_not_sent() {
    let h = mount(Mode::Live);
    h.type_text("   \n ");
    tick().await;
    h.click_send();
    tick().await;
    assert!(h.sent.get_untracked().is_empty());
    assert!(h.find(".tetap-msg").is_none());
}

#[wasm_bindgen_test]
async fn an_agent_message_is_rendered_as_text_never_as_html() {
    let h = mount(Mode::Persistent);
    let attack = "<img src=x onerror=alert(1)>";
    h.feed(agent_message(1, attack));
    tick().await;
    assert!(
        h.find("img").is_none(),
        "no element was created from the text"
    );
    assert_eq!(h.text(".tetap-msg--agent .tetap-text"), attack);
    assert_eq!(h.text(".tetap-msg--agent .tetap-author"), "Anna");
}

#[wasm_bindgen_test]
async fn a_message_pushed_twice_is_shown_once() {
    let h = mount(Mode::Persistent);
    h.feed(agent_message(1, "Hello, this is Anna."));
    h.feed(agent_message(1, "Hello, this is Anna."));
    h.feed(agent_message(2, "How can I help?"));
    tick().await;
    let texts: Vec<String> = h
        .all(".tetap-msg .tetap-text")
        .iter()
        .filter_map(|e| e.text_content())
        .collect();
    assert_eq!(texts, ["Hello, this is Anna.", "How can I help?"]);
}

#[wasm_bindgen_test]
async fn escape_and_the_minimise_button_ask_to_close() {
    let h = mount(Mode::Persistent);
    h.press("Escape", false);
    tick().await;
    assert_eq!(h.closed.get_untracked(), 1);
    let minimise: HtmlElement = h
        .find(".tetap-minimise")
        .expect("a minimise button")
        .dyn_into()
        .expect("html");
    assert!(
        minimise
            .get_attribute("aria-label")
            .is_some_and(|l| !l.is_empty()),
        "labelled"
    );
    minimise.click();
    tick().await;
    assert_eq!(h.closed.get_untracked(), 2);
}

#[wasm_bindgen_test]
async fn signed_out_customers_see_a_sign_in_notice_instead_of_the_composer() {
    let h = mount(Mode::Persistent);
    h.can_write.set(false);
    tick().await;
    assert!(h.find("textarea").is_none());
    assert_eq!(h.text(".tetap-signin"), "Please sign in to chat.");
    h.can_write.set(true);
    tick().await;
    assert!(h.find("textarea").is_some());
}

#[wasm_bindgen_test]
async fn a_lost_connection_shows_reconnecting() {
    let h = mount(Mode::Live);
    assert!(h.find(".tetap-banner").is_none());
    h.link.set(Link::Reconnecting);
    tick().await;
    assert_eq!(h.text(".tetap-banner"), "Reconnecting…");
    h.link.set(Link::Online);
    tick().await;
    assert!(h.find(".tetap-banner").is_none());
}

#[wasm_bindgen_test]
async fn the_log_is_a_polite_live_region_and_the_composer_is_labelled() {
    let h = mount(Mode::Live);
    let log = h.find("[role=log]").expect("a log");
    assert_eq!(log.get_attribute("aria-live").as_deref(), Some("polite"));
    let label = h.find("label").expect("a label");
    assert!(
        label
            .query_selector("textarea")
            .expect("selector")
            .is_some(),
        "the label wraps the textarea"
    );
    assert_eq!(h.text("label .tetap-sr"), "Message");
}

fn system_message(seq: u64, kind: &str) -> ServerFrame {
    ServerFrame::Message {
        conversation: "c1".into(),
        message: Message {
            seq,
            id: format!("s{seq}"),
            client_id: None,
            author: MessageAuthor {
                kind: AuthorKind::System,
                id: String::new(),
                name: None,
            },
            system_kind: Some(kind.into()),
            text: format!("{kind} text"),
            at: "2026-11-24T01:00:00Z".into(),
        },
    }
}

#[wasm_bindgen_test]
async fn persistent_chats_hide_wait_time_and_queue_position_messages_r5() {
    let h = mount(Mode::Persistent);
    h.feed(system_message(1, "wait_time"));
    h.feed(system_message(2, "queue_position"));
    h.feed(system_message(3, "agent_joined"));
    tick().await;
    let shown: Vec<String> = h
        .all(".tetap-msg--system")
        .iter()
        .filter_map(|e| e.get_attribute("data-kind"))
        .collect();
    assert_eq!(shown, ["agent_joined"]);

    let live = mount(Mode::Live);
    live.feed(system_message(1, "wait_time"));
    live.feed(system_message(2, "queue_position"));
    tick().await;
    assert_eq!(live.all(".tetap-msg--system").len(), 2, "live shows them");
}
