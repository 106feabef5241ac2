//! The customer's token from the host page: whose storage and socket it is (a new identity
//! never sees the previous one's messages; what was written before the first identity arrived
//! is that identity's), asking for a fresh token before it expires, never
//! saying `hello` again with a token the relay refused, and the anonymous visitor's relay-signed
//! id.

use crate::bridge::Outbound;
use crate::chat::Chat;
use crate::connection::Status;
use crate::identity;
use crate::outbox::{self, Kept};
use crate::session::{Session, Token, new_chat};
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use std::rc::Rc;
use tetap_shared::frames::ClientFrame;

/// How long to wait before asking the host page again when it handed back a refused token.
const RETRY_REFUSED_MS: u32 = 30_000;

impl Session {
    pub(crate) fn on_token(self: &Rc<Self>, token: Option<String>) {
        let key = self.identity_key(token.as_deref());
        let previous = self.outbox_key.borrow().clone();
        if previous != key {
            // What was written before anyone was known (the host page's token was still on its
            // way, or it said nobody yet) is this customer's: it goes with them, exactly once by
            // its client id. Only a change from one known identity (to none, or another) drops
            // what was pending: never show one customer's messages to another.
            let carried = match previous {
                None => self.chat.with_untracked(Chat::pending),
                Some(_) => Vec::new(),
            };
            // Never let the previous identity's socket deliver anything more.
            self.stop_connection();
            self.chat.set(new_chat(&self.info));
            self.read_sent.replace(None);
            self.kept.replace(Kept::default());
            if let Some(key) = &key {
                let kept = outbox::load(key);
                self.chat.update(|chat| {
                    chat.earlier = kept.conversations.clone();
                    for (client_id, text) in &kept.pending {
                        chat.push_local(client_id, text);
                    }
                });
                self.kept.replace(kept);
            }
            self.chat.update(|chat| {
                for (client_id, text) in &carried {
                    if !chat.pending().iter().any(|(kept, _)| kept == client_id) {
                        chat.push_local(client_id, text);
                    }
                }
            });
            self.outbox_key.replace(key);
            // Kept under the identity now, so a reload before the relay has it loses nothing.
            self.save_kept();
        }
        if token.is_some() && *self.refused.borrow() == token {
            // The host page handed back the token just refused: ask again later, not in a loop.
            self.schedule_token_request(RETRY_REFUSED_MS);
            return;
        }
        self.refused.replace(None);
        match token
            .as_deref()
            .and_then(|token| identity::refresh_delay_ms(token, js_sys::Date::now() / 1000.0))
        {
            Some(delay) => self.schedule_token_request(delay),
            None => {
                self.refresh.replace(None);
            }
        }
        let signed_in = token.is_some();
        self.token.set(token.map_or(Token::SignedOut, Token::Jwt));
        if !signed_in && !self.info.anonymous {
            self.stop_connection();
            return;
        }
        let connection = self.connection.borrow().clone();
        match connection {
            None => {
                let connection = self.connect();
                self.connection.replace(Some(connection));
            }
            Some(connection) if self.link.get_untracked() == Status::Online => {
                // Same customer, fresh token: the socket carries on, then what the expired token
                // left unsent goes again (idempotent by client id).
                if let Token::Jwt(token) = self.token.get_untracked() {
                    connection.send(ClientFrame::Auth { token });
                    self.resend_pending(&connection);
                }
            }
            Some(connection) => connection.reconnect(),
        }
    }

    /// Whose storage to use: the token's identity; for a signed-out visitor of an anonymous
    /// workstream, the visitor id kept from an earlier visit.
    pub(crate) fn identity_key(&self, token: Option<&str>) -> Option<String> {
        match token {
            Some(token) => identity::storage_key(token, &self.info.id),
            None if self.info.anonymous => identity::load_visitor(&self.info.id)
                .and_then(|visitor| identity::storage_key(&visitor, &self.info.id)),
            None => None,
        }
    }

    /// Asks the loader for a fresh token after `delay_ms`, replacing any earlier request.
    pub(crate) fn schedule_token_request(&self, delay_ms: u32) {
        let bridge = self.bridge.clone();
        let timer = Timeout::new(delay_ms, move || bridge.post(&Outbound::TokenRequest));
        self.refresh.replace(Some(timer));
    }

    /// The token `hello` says: the host page's; for a signed-out visitor of an anonymous live
    /// workstream, the kept visitor token, or none yet (the relay then issues one).
    pub(crate) fn hello_token(&self) -> Option<String> {
        match self.token.get_untracked() {
            Token::Jwt(token) => Some(token),
            Token::SignedOut if self.info.anonymous => {
                Some(identity::load_visitor(&self.info.id).unwrap_or_default())
            }
            _ => None,
        }
    }
}
