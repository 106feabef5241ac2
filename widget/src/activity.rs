//! What the customer does besides writing, told to the relay and the loader: the panel opened
//! (`open`, R7: the customer comes back), what they have seen (`read`), that they are typing
//! (throttled `typing`), and the unread count the loader shows while the panel is minimised.

use crate::bridge::Outbound;
use crate::chat::Chat;
use crate::connection::Status;
use crate::session::Session;
use leptos::prelude::*;
use tetap_shared::frames::ClientFrame;

/// The relay forwards `typing` at most this often; sending it more often is waste.
const TYPING_EVERY_MS: f64 = 2_000.0;

impl Session {
    pub(crate) fn online(&self) -> bool {
        self.link.get_untracked() == Status::Online
    }

    /// The customer typed: tells the agent, at most every [`TYPING_EVERY_MS`].
    pub fn typing(&self) {
        let now = js_sys::Date::now();
        if self.online() && now - self.typing_sent.get() >= TYPING_EVERY_MS {
            self.typing_sent.set(now);
            self.frame(ClientFrame::Typing);
        }
    }

    /// Tells the relay the panel was opened (R7: the customer comes back), once per opening.
    pub(crate) fn report_open(&self) {
        if self.open.get() && self.open_unsent.get() && self.online() {
            self.open_unsent.set(false);
            self.frame(ClientFrame::Open);
        }
    }

    /// Reports what the customer has seen: everything up to the newest message, while the panel
    /// is open, the tab is visible and the newest message is in view.
    pub(crate) fn report_read(&self) {
        let seen = self.open.get()
            && !document().hidden()
            && self.following.get_untracked()
            && self.online();
        if !seen {
            return;
        }
        let Some((conversation, seq)) = self.chat.with_untracked(Chat::newest_seen) else {
            return;
        };
        let known = self.read_sent.borrow().clone();
        if known.is_some_and(|(id, done)| id == conversation && done >= seq) {
            return;
        }
        self.read_sent.replace(Some((conversation.clone(), seq)));
        self.frame(ClientFrame::Read { conversation, seq });
    }

    pub(crate) fn set_unread(&self, count: u32) {
        if self.unread.replace(count) != count {
            self.bridge.post(&Outbound::Unread { count });
        }
    }
}
