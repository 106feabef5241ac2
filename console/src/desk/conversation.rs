//! What the agent does to the conversation on screen: open it, page back, reply (and retry),
//! accept, ✖ or end it, say they are typing; presence and signing out.

use super::{Desk, TYPING_EVERY_MS, with_desk};
use crate::api::{self, Action, ApiError, Presence};
use crate::thread::{PAGE, Thread};
use crate::time::now_ms;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::rc::Rc;
use tetap_shared::ConversationId;
use wasm_bindgen::JsCast;

impl Desk {
    /// Opens a conversation: its newest page, then everything read.
    pub(super) fn select(self: &Rc<Self>, id: ConversationId) {
        let known = self.list.with_untracked(|l| l.get(&id).cloned());
        let Some(conversation) =
            known.or_else(|| self.current.get_untracked().filter(|c| c.id == id))
        else {
            return;
        };
        self.toasts.update(|t| t.dismiss_conversation(&id));
        self.error.set(None);
        if self.selected.get_untracked().as_ref() != Some(&id) {
            self.typing.set(false);
            self.typing_timer.take();
            self.thread
                .set(Some(Thread::new(id.clone(), conversation.mode)));
            self.selected.set(Some(id.clone()));
        }
        self.current.set(Some(conversation));
        self.load_page(id, None);
    }

    /// Fetches a page (`before` for older ones) of the conversation on screen and merges it.
    pub(super) fn load_page(self: &Rc<Self>, id: ConversationId, before: Option<u64>) {
        let desk = Rc::downgrade(self);
        spawn_local(async move {
            let page = api::messages(&id, before, PAGE).await;
            with_desk(&desk, |d| {
                if d.selected.get_untracked().as_ref() != Some(&id) {
                    return;
                }
                match page {
                    Ok(page) => {
                        let first = !d
                            .thread
                            .with_untracked(|t| t.as_ref().is_some_and(|t| t.loaded));
                        d.thread.update(|t| {
                            if let Some(t) = t {
                                t.add_page(page, PAGE, before.is_some());
                            }
                        });
                        if before.is_none() {
                            let newest = d
                                .thread
                                .with_untracked(|t| t.as_ref().map_or(0, Thread::newest_seq));
                            d.mark_read(newest);
                        }
                        if first {
                            focus_composer();
                        }
                    }
                    Err(e) => d.fail(&e),
                }
            });
        });
    }

    /// The agent has seen the conversation on screen up to `seq`.
    pub(super) fn mark_read(&self, seq: u64) {
        let Some(id) = self.selected.get_untracked() else {
            return;
        };
        self.list.update(|l| l.mark_read(&id));
        if seq == 0 {
            return;
        }
        spawn_local(async move {
            let _ = api::read(&id, seq).await;
        });
    }

    pub(super) fn older(self: &Rc<Self>) {
        let Some(id) = self.selected.get_untracked() else {
            return;
        };
        let before = self
            .thread
            .with_untracked(|t| t.as_ref().and_then(Thread::oldest_seq));
        if let Some(before) = before {
            self.load_page(id, Some(before));
        }
    }

    pub(super) fn send(self: &Rc<Self>, text: String) {
        let client_id = new_client_id();
        self.thread.update(|t| {
            if let Some(t) = t {
                t.push_pending(&client_id, &text);
            }
        });
        self.deliver(client_id, text);
    }

    pub(super) fn retry(self: &Rc<Self>, client_id: String) {
        let text = self.thread.with_untracked(|t| {
            t.as_ref()
                .and_then(|t| t.pending.iter().find(|p| p.client_id == client_id))
                .map(|p| p.text.clone())
        });
        if let Some(text) = text {
            self.thread.update(|t| {
                if let Some(t) = t {
                    t.set_failed(&client_id, false);
                }
            });
            self.deliver(client_id, text);
        }
    }

    /// Posts a reply; the same `client_id` on a retry makes it idempotent.
    pub(super) fn deliver(self: &Rc<Self>, client_id: String, text: String) {
        let Some(id) = self.selected.get_untracked() else {
            return;
        };
        self.typing_sent_at.set(f64::NEG_INFINITY);
        let desk = Rc::downgrade(self);
        spawn_local(async move {
            let outcome = api::reply(&id, &client_id, &text).await;
            with_desk(&desk, |d| {
                let on_screen = d.selected.get_untracked().as_ref() == Some(&id);
                match outcome {
                    Ok(message) => {
                        if on_screen {
                            let seq = message.seq;
                            d.thread.update(|t| {
                                if let Some(t) = t {
                                    t.add(message);
                                }
                            });
                            d.mark_read(seq);
                        }
                    }
                    Err(e) => {
                        if on_screen {
                            d.thread.update(|t| {
                                if let Some(t) = t {
                                    t.set_failed(&client_id, true);
                                }
                            });
                        }
                        d.fail(&e);
                    }
                }
            });
        });
    }

    /// Accept / pick up, ✖, or end the conversation on screen.
    pub(super) fn act(self: &Rc<Self>, action: Action) {
        let Some(id) = self.selected.get_untracked() else {
            return;
        };
        self.busy.set(true);
        self.error.set(None);
        let desk = Rc::downgrade(self);
        spawn_local(async move {
            let outcome = api::act(&id, action).await;
            with_desk(&desk, |d| {
                d.busy.set(false);
                match outcome {
                    Ok(conversation) => {
                        let viewing = d.viewing();
                        d.list
                            .update(|l| l.upsert(conversation.clone(), viewing.as_ref()));
                        let known = d.list.with_untracked(|l| l.get(&id).cloned());
                        d.current.set(Some(known.unwrap_or(conversation)));
                        if action != Action::End {
                            focus_composer();
                        }
                    }
                    Err(e) => {
                        d.fail(&e);
                        // The conversation moved meanwhile: show it as it is now.
                        if matches!(
                            e.code.as_str(),
                            "wrong_state" | "conversation_closed" | "not_your_conversation"
                        ) {
                            d.refresh();
                        }
                    }
                }
            });
        });
    }

    /// The agent typed: tell the customer, at most every few seconds.
    pub(super) fn agent_typing(&self) {
        let now = now_ms();
        if now - self.typing_sent_at.get() < TYPING_EVERY_MS {
            return;
        }
        let Some(id) = self.selected.get_untracked() else {
            return;
        };
        self.typing_sent_at.set(now);
        spawn_local(async move {
            let _ = api::typing(&id).await;
        });
    }

    pub(super) fn set_presence(self: &Rc<Self>, presence: Presence) {
        let desk = Rc::downgrade(self);
        spawn_local(async move {
            let outcome = api::set_presence(presence).await;
            with_desk(&desk, |d| match outcome {
                Ok(me) => {
                    d.me.set(Some(me));
                    d.error.set(None);
                }
                Err(e) => d.fail(&e),
            });
        });
    }

    pub(super) fn sign_out(self: &Rc<Self>) {
        self.stop();
        let signed_out = self.signed_out;
        spawn_local(async move {
            let _ = api::logout().await;
            signed_out.run(None);
        });
    }

    /// Shows a refused request, or goes back to sign-in when the session is over.
    pub(super) fn fail(&self, error: &ApiError) {
        if error.is_signed_out() {
            self.check_session(error);
        } else {
            self.error
                .set(Some(self.strings.api_error(&error.code, &error.message)));
        }
    }
}

/// Puts the keyboard focus in the reply box, if there is one.
pub(super) fn focus_composer() {
    if let Some(input) = document().query_selector(".composer-input").ok().flatten()
        && let Ok(input) = input.dyn_into::<web_sys::HtmlElement>()
    {
        let _ = input.focus();
    }
}

/// A random UUID v4 for a reply's `client_id` (from `crypto.getRandomValues`, which, unlike
/// `randomUUID`, works outside secure contexts too).
pub fn new_client_id() -> String {
    let mut bytes = [0u8; 16];
    let filled = window()
        .crypto()
        .is_ok_and(|crypto| crypto.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        for byte in &mut bytes {
            *byte = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
