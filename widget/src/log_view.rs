//! The message log: a scrolling list of the rendered window of messages (see [`crate::window`])
//! with day separators and conversation dividers. Reaching the top (by scrolling, or with the
//! "earlier messages" button) brings older messages into view, from what is loaded or by asking
//! the relay for the page above, and keeps the message that was on top where it was. While the
//! customer is at the bottom, new messages scroll into view.
//!
//! The rows are built with plain DOM calls and reconciled by key here rather than by a keyed
//! `<For>`: rows never change once drawn (a new status is a new key), and the generic list and
//! view code would cost every visitor several kilobytes of wasm (DESIGN.md §4 budget).
//!
//! Message text is set as text (`append` with strings, `textContent`): markup in it stays text.
//! Only `http(s)` addresses in it become links, which open in a new tab without access to this
//! page (`rel="noopener noreferrer"`).

use crate::chat::{Chat, Entry, Status};
use crate::i18n::Strings;
use crate::links::{self, Piece};
use crate::rows::{Row, rows};
use crate::time;
use crate::window::{Up, Window};
use leptos::html::{Div, Ol};
use leptos::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;
use tetap_shared::AuthorKind;
use tetap_shared::frames::ClientFrame;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// How close to an edge (in pixels) counts as having reached it.
const EDGE_PX: i32 = 48;

/// The rows in the list, by key, in order.
type Rendered = Rc<RefCell<Vec<(String, HtmlElement)>>>;

/// The log and the button that loads earlier messages.
#[component]
pub fn MessageLog(
    chat: RwSignal<Chat>,
    strings: &'static Strings,
    /// What part of the log is rendered; the composer resets it to the newest messages.
    window: RwSignal<Window>,
    /// True while the newest message is in view: new ones count as seen.
    following: RwSignal<bool>,
    /// Receives the `history` frame for an older page.
    on_request: Callback<ClientFrame>,
) -> impl IntoView {
    let scroller = NodeRef::<Div>::new();
    let list = NodeRef::<Ol>::new();
    let rendered: Rendered = Rc::default();
    let last_top = StoredValue::new(0);
    let has_older = move || {
        chat.with(|chat| window.get().range(chat.entries.len()).start > 0 || chat.has_older())
    };

    let go_up = move || {
        let len = chat.with_untracked(|chat| chat.entries.len());
        match window.get_untracked().up(len) {
            Up::Show(next) => window.set(next),
            Up::Fetch(next) => {
                if let Some(frame) = chat.try_update(Chat::request_older).flatten() {
                    window.set(next);
                    on_request.run(frame);
                }
            }
        }
    };
    let on_scroll = move |_| {
        let Some(el) = scroller.get_untracked() else {
            return;
        };
        let top = el.scroll_top();
        // Only the customer scrolling up reads back, not the log scrolling itself down.
        let upwards = top < last_top.get_value();
        last_top.set_value(top);
        let gap = el.scroll_height() - top - el.client_height();
        let at_tail = window.get_untracked() == Window::Tail;
        let follow = gap <= EDGE_PX && at_tail;
        if following.get_untracked() != follow {
            following.set(follow);
        }
        if upwards && top <= EDGE_PX {
            go_up();
        } else if gap <= EDGE_PX && !at_tail {
            let len = chat.with_untracked(|chat| chat.entries.len());
            window.set(window.get_untracked().down(len));
        }
    };

    // Redraws the rows when the chat or the window changes, then follows the conversation or
    // puts the message that was on top back where it was.
    Effect::new(move |_| {
        let rows = chat.with(|chat| {
            let range = window.get().range(chat.entries.len());
            rows(&chat.entries[range], time::day_of, |id| chat.is_closed(id))
        });
        let (Some(el), Some(list)) = (scroller.get(), list.get()) else {
            return;
        };
        let follow = following.get_untracked();
        let anchor = (!follow)
            .then(|| top_row(&el, &rendered.borrow()))
            .flatten();
        sync(&list, &mut rendered.borrow_mut(), rows, strings);
        if follow {
            el.set_scroll_top(el.scroll_height());
        } else if let Some((key, offset)) = anchor
            && let Some((_, row)) = rendered.borrow().iter().find(|(k, _)| *k == key)
        {
            el.set_scroll_top(row.offset_top() - offset);
        }
        last_top.set_value(el.scroll_top());
    });

    // A frame loaded hidden (the loader preloads it) is laid out only when shown, and a
    // resized panel moves the bottom: keep the newest message in view then too.
    let resized = window_event_listener_untyped("resize", move |_| {
        if following.try_get_untracked() == Some(true)
            && let Some(Some(el)) = scroller.try_get_untracked()
        {
            el.set_scroll_top(el.scroll_height());
            last_top.set_value(el.scroll_top());
        }
    });
    on_cleanup(move || resized.remove());

    view! {
        <div class="tetap-scroll" node_ref=scroller on:scroll=on_scroll>
            <button
                type="button"
                class="tetap-older"
                hidden=move || !has_older()
                // Not `disabled`: that would take the focus from a keyboard user.
                aria-disabled=move || chat.with(|chat| chat.loading.is_some()).to_string()
                on:click=move |_| go_up()
            >
                {move || {
                    if chat.with(|chat| chat.loading.is_some()) {
                        strings.loading
                    } else {
                        strings.older
                    }
                }}
            </button>
            // `role="log"` is not allowed on a list: the live region wraps it.
            <div role="log" aria-live="polite" aria-label=strings.log_label>
                <ol class="tetap-log" node_ref=list></ol>
            </div>
        </div>
    }
}

/// The first message whose bottom is below the scroll position, with its offset from it.
/// (Separators are keyed by the message below them, which may change: they are no anchor.)
fn top_row(el: &HtmlElement, rendered: &[(String, HtmlElement)]) -> Option<(String, i32)> {
    let top = el.scroll_top();
    rendered
        .iter()
        .filter(|(key, _)| key.starts_with('m'))
        .find(|(_, row)| row.offset_top() + row.offset_height() > top)
        .map(|(key, row)| (key.clone(), row.offset_top() - top))
}

/// Makes `list` show `rows` in order, keeping the elements of rows it already shows.
fn sync(
    list: &HtmlElement,
    rendered: &mut Vec<(String, HtmlElement)>,
    rows: Vec<Row>,
    strings: &'static Strings,
) {
    let mut old = std::mem::take(rendered);
    for row in rows {
        let key = row.key();
        let element = match old.iter().position(|(k, _)| *k == key) {
            Some(i) => old.swap_remove(i).1,
            None => build(row, strings),
        };
        rendered.push((key, element));
    }
    for (_, gone) in old {
        gone.remove();
    }
    let mut cursor = list.first_element_child();
    for (_, row) in rendered.iter() {
        match cursor {
            Some(ref current) if current.is_same_node(Some(row)) => {
                cursor = current.next_element_sibling();
            }
            _ => {
                let _ = list.insert_before(row, cursor.as_ref().map(|c| c.as_ref()));
            }
        }
    }
}

fn element(tag: &str, class: &str) -> HtmlElement {
    let element: HtmlElement = document()
        .create_element(tag)
        .expect("the tags here are valid")
        .unchecked_into();
    element.set_class_name(class);
    element
}

fn child(parent: &Element, tag: &str, class: &str, text: &str) -> HtmlElement {
    let child = element(tag, class);
    child.set_text_content(Some(text));
    let _ = parent.append_child(&child);
    child
}

/// The element of one row.
fn build(row: Row, strings: &'static Strings) -> HtmlElement {
    match row {
        Row::Day { at, .. } => {
            let li = element("li", "tetap-day");
            let label = time::day_label(&time::date(at.as_deref()), strings.lang, strings);
            child(&li, "span", "", &label);
            li
        }
        Row::Divider { .. } => {
            let li = element("li", "tetap-divider");
            child(&li, "span", "", strings.new_conversation);
            li
        }
        Row::Message(entry) => message_row(entry, strings),
    }
}

/// One message: who wrote it, the text, when, and for the customer's own, where it stands.
fn message_row(entry: Entry, strings: &'static Strings) -> HtmlElement {
    let kind = entry.kind;
    let li = element("li", &format!("tetap-msg tetap-msg--{}", kind.as_str()));
    let _ = li.set_attribute("data-status", entry.status.as_str());
    let _ = li.set_attribute("data-key", &entry.key);
    if let Some(system_kind) = &entry.system_kind {
        let _ = li.set_attribute("data-kind", system_kind);
    }
    match kind {
        AuthorKind::Customer => {
            child(&li, "span", "tetap-sr", strings.you);
        }
        AuthorKind::Agent => {
            let name = entry.name.as_deref().unwrap_or(strings.agent);
            child(&li, "span", "tetap-author", name);
        }
        AuthorKind::System => {}
    }
    let text = child(&li, "p", "tetap-text", "");
    let _ = text.set_attribute("dir", "auto");
    for piece in links::split(&entry.text) {
        match piece {
            Piece::Text(plain) => {
                let _ = text.append_with_str_1(plain);
            }
            Piece::Link(url) => {
                let link = child(&text, "a", "", url);
                let _ = link.set_attribute("href", url);
                let _ = link.set_attribute("target", "_blank");
                let _ = link.set_attribute("rel", "noopener noreferrer");
            }
        }
    }
    let meta = child(&li, "span", "tetap-meta", "");
    if let Some(at) = &entry.at {
        let label = time::time_label(&time::date(Some(at)), strings.lang);
        let _ = child(&meta, "time", "", &label).set_attribute("datetime", at);
    }
    if kind == AuthorKind::Customer {
        let status = match entry.status {
            Status::Sending => strings.sending,
            Status::Sent => strings.sent,
            Status::Read => strings.read,
            Status::Failed => strings.failed,
        };
        child(&meta, "span", "tetap-status", status);
    }
    li
}
