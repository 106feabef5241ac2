//! Mounts the chat panel in the test page with every callback recorded, and the steps the
//! component tests repeat: typing, pressing keys, clicking, feeding relay frames, waiting for
//! the next frame to be drawn.
#![allow(dead_code)]

use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos::task::tick;
use std::sync::Once;
use tetap_shared::frames::{ClientFrame, ConversationInfo, ServerFrame};
use tetap_shared::{AgentRef, AuthorKind, ConversationState, Message, MessageAuthor, Mode};
use tetap_widget::chat::Chat;
use tetap_widget::connection::Status as Link;
use tetap_widget::i18n::{Locale, LocaleStrings};
use tetap_widget::view::{Actions, ChatView, Outgoing};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Event, EventInit, HtmlElement, HtmlTextAreaElement, KeyboardEvent, KeyboardEventInit,
};

/// A mounted chat panel and what it reported.
pub struct Harness {
    pub root: HtmlElement,
    pub chat: RwSignal<Chat>,
    pub link: RwSignal<Link>,
    pub can_write: RwSignal<bool>,
    pub following: RwSignal<bool>,
    pub sent: RwSignal<Vec<Outgoing>>,
    pub closed: RwSignal<u32>,
    pub ended: RwSignal<u32>,
    pub typed: RwSignal<u32>,
    pub requests: RwSignal<Vec<ClientFrame>>,
    _mounted: Box<dyn std::any::Any>,
}

static STYLES: Once = Once::new();

/// The widget's own style sheet, so the log scrolls as it does in the product.
fn add_styles() {
    STYLES.call_once(|| {
        let style = document().create_element("style").expect("style");
        style.set_text_content(Some(include_str!("../../src/widget.css")));
        document()
            .body()
            .expect("body")
            .append_child(&style)
            .expect("styles added");
    });
}

/// Mounts a panel for a workstream of `mode` in a 360×480 box.
pub fn mount(mode: Mode) -> Harness {
    add_styles();
    let root: HtmlElement = document()
        .create_element("div")
        .expect("div")
        .dyn_into()
        .expect("an HTML element");
    root.set_attribute("style", "height: 480px; width: 360px; display: flex")
        .expect("sized");
    document()
        .body()
        .expect("body")
        .append_child(&root)
        .expect("attached");
    let chat = RwSignal::new(Chat::new(mode));
    let link = RwSignal::new(Link::Online);
    let can_write = RwSignal::new(true);
    let following = RwSignal::new(true);
    let sent = RwSignal::new(Vec::<Outgoing>::new());
    let closed = RwSignal::new(0u32);
    let ended = RwSignal::new(0u32);
    let typed = RwSignal::new(0u32);
    let requests = RwSignal::new(Vec::<ClientFrame>::new());
    let actions = Actions {
        send: Callback::new(move |out| sent.update(|all| all.push(out))),
        close: Callback::new(move |()| closed.update(|n| *n += 1)),
        end: Callback::new(move |()| ended.update(|n| *n += 1)),
        typing: Callback::new(move |()| typed.update(|n| *n += 1)),
        request: Callback::new(move |frame| requests.update(|all| all.push(frame))),
    };
    let handle = mount_to(root.clone(), move || {
        view! {
            <ChatView chat strings=Locale::En.strings() link can_write following actions/>
        }
    });
    Harness {
        root,
        chat,
        link,
        can_write,
        following,
        sent,
        closed,
        ended,
        typed,
        requests,
        _mounted: Box::new(handle),
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.root.remove();
    }
}

impl Harness {
    pub fn find(&self, selector: &str) -> Option<web_sys::Element> {
        self.root.query_selector(selector).expect("valid selector")
    }

    pub fn all(&self, selector: &str) -> Vec<web_sys::Element> {
        let list = self
            .root
            .query_selector_all(selector)
            .expect("valid selector");
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|node| node.dyn_into().ok())
            .collect()
    }

    /// Whether an element matching `selector` exists and is not hidden.
    pub fn shown(&self, selector: &str) -> bool {
        self.find(selector)
            .is_some_and(|e| e.closest("[hidden]").ok().flatten().is_none())
    }

    pub fn text(&self, selector: &str) -> String {
        self.find(selector)
            .and_then(|e| e.text_content())
            .unwrap_or_else(|| panic!("no {selector}"))
    }

    /// The text of every element matching `selector`, in document order.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        self.all(selector)
            .iter()
            .filter_map(|e| e.text_content())
            .collect()
    }

    pub fn html(&self, selector: &str) -> HtmlElement {
        self.find(selector)
            .unwrap_or_else(|| panic!("no {selector}"))
            .dyn_into()
            .expect("an HTML element")
    }

    pub fn textarea(&self) -> HtmlTextAreaElement {
        self.find("textarea")
            .expect("a composer")
            .dyn_into()
            .expect("a textarea")
    }

    pub fn type_text(&self, text: &str) {
        let textarea = self.textarea();
        textarea.set_value(text);
        let init = EventInit::new();
        init.set_bubbles(true);
        let input = Event::new_with_event_init_dict("input", &init).expect("event");
        textarea.dispatch_event(&input).expect("dispatched");
    }

    /// Dispatches a keydown on `target`; returns false when the page cancelled it.
    pub fn press_on(&self, target: &web_sys::EventTarget, key: &str, shift: bool) -> bool {
        let init = KeyboardEventInit::new();
        init.set_key(key);
        init.set_shift_key(shift);
        init.set_bubbles(true);
        init.set_cancelable(true);
        let event =
            KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("event");
        target.dispatch_event(&event).expect("dispatched")
    }

    /// A keydown in the composer.
    pub fn press(&self, key: &str, shift: bool) -> bool {
        self.press_on(&self.textarea(), key, shift)
    }

    pub fn click(&self, selector: &str) {
        self.html(selector).click();
    }

    pub fn feed(&self, frame: ServerFrame) {
        self.chat.update(|chat| {
            chat.apply(frame);
        });
    }

    /// The conversation's state as the relay reports it, for a conversation started in the
    /// mode the panel was mounted with.
    pub fn state(&self, id: &str, state: ConversationState, agent: Option<&str>) -> ServerFrame {
        let mode = self
            .chat
            .with_untracked(|chat| chat.mode)
            .unwrap_or(Mode::Persistent);
        state_in(mode, id, state, agent)
    }

    /// Sends a message through the composer and returns its client id.
    pub async fn write(&self, text: &str) -> String {
        self.type_text(text);
        tick().await;
        self.click(".tetap-send");
        self.frame_drawn().await;
        self.sent
            .get_untracked()
            .last()
            .expect("a message was sent")
            .client_id
            .clone()
    }

    /// Waits until the browser has drawn the next frame (the log adjusts its scroll position
    /// then).
    pub async fn frame_drawn(&self) {
        for _ in 0..2 {
            tick().await;
            let promise = js_sys::Promise::new(&mut |resolve, _| {
                let _ = window().request_animation_frame(&resolve);
            });
            JsFuture::from(promise).await.expect("a frame");
        }
        tick().await;
    }

    /// The element that scrolls the log.
    pub fn scroller(&self) -> HtmlElement {
        self.html(".tetap-scroll")
    }
}

/// A stored message of conversation `c1`.
pub fn message(seq: u64, kind: AuthorKind, text: &str) -> Message {
    Message {
        seq,
        id: format!("m{seq}"),
        client_id: None,
        author: MessageAuthor {
            kind,
            id: if kind == AuthorKind::Agent {
                "anna".into()
            } else {
                String::new()
            },
            name: (kind == AuthorKind::Agent).then(|| "Anna".into()),
        },
        system_kind: None,
        text: text.into(),
        at: "2026-11-24T09:00:00Z".into(),
    }
}

/// A message pushed by the relay in conversation `conversation`.
pub fn pushed(conversation: &str, message: Message) -> ServerFrame {
    ServerFrame::Message {
        conversation: conversation.into(),
        message,
    }
}

pub fn agent_message(seq: u64, text: &str) -> ServerFrame {
    pushed("c1", message(seq, AuthorKind::Agent, text))
}

/// A system message of `kind` in `c1`.
pub fn system_message(seq: u64, kind: &str) -> ServerFrame {
    let mut system = message(seq, AuthorKind::System, &format!("{kind} text"));
    system.system_kind = Some(kind.into());
    pushed("c1", system)
}

/// A page of agent messages `seqs` of `c1`.
pub fn page(seqs: std::ops::RangeInclusive<u64>, more_before: bool) -> ServerFrame {
    ServerFrame::Messages {
        conversation: "c1".into(),
        messages: seqs
            .map(|seq| message(seq, AuthorKind::Agent, &format!("message {seq}")))
            .collect(),
        more_before,
    }
}

/// The conversation's state as the relay reports it, for a conversation started in `mode`.
pub fn state_in(
    mode: Mode,
    id: &str,
    state: ConversationState,
    agent: Option<&str>,
) -> ServerFrame {
    ServerFrame::State {
        conversation: ConversationInfo {
            id: id.into(),
            mode,
            state,
            agent: agent.map(|name| AgentRef {
                id: name.to_lowercase(),
                name: name.into(),
            }),
            last_seq: 0,
        },
    }
}
