//! One embedded chat: the loader bridge, the socket and the conversation, and what ties them:
//! tokens from the host page, unsent messages kept per identity, resending after a reconnect.
//! What the customer does besides writing (opening, reading, typing) is in `activity`.

use crate::bridge::{Bridge, Inbound, Outbound};
use crate::chat::{Chat, Effect};
use crate::connection::{self, Connection, Status};
use crate::identity;
use crate::outbox::{self, Kept};
use crate::params::Params;
use crate::view::Outgoing;
use crate::workstream::WorkstreamInfo;
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use tetap_shared::ConversationId;
use tetap_shared::frames::{ClientFrame, PROTOCOL_VERSION, ServerFrame};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

/// How long "Anna is typing…" stays without a new notice or message.
const TYPING_SHOWN_MS: u32 = 6_000;

/// What the host page said about the customer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    /// Nothing heard from the loader yet.
    Unknown,
    /// Nobody is signed in (`token: null`).
    SignedOut,
    Jwt(String),
}

/// One embedded chat: the loader bridge, the socket and the conversation.
pub struct Session {
    pub info: WorkstreamInfo,
    pub bridge: Bridge,
    pub chat: RwSignal<Chat>,
    pub link: RwSignal<Status>,
    pub token: RwSignal<Token>,
    /// The view says whether the newest message is in view.
    pub following: RwSignal<bool>,
    /// The token the relay refused last: never said `hello` with again; a new one is asked for.
    pub(crate) refused: RefCell<Option<String>>,
    /// Asks the host page for a fresh token before the current one expires.
    pub(crate) refresh: RefCell<Option<Timeout>>,
    pub(crate) open: Cell<bool>,
    pub(crate) unread: Cell<u32>,
    pub(crate) connection: RefCell<Option<Connection>>,
    /// Counts connections: frames and statuses of a stopped one (another customer's) are dropped.
    pub(crate) generation: Cell<u32>,
    /// Where unsent messages are kept for this identity; `None` until the identity is known.
    pub(crate) outbox_key: RefCell<Option<String>>,
    /// What was last written to storage for this identity.
    pub(crate) kept: RefCell<Kept>,
    /// The panel was opened and the relay has not been told yet (R7).
    pub(crate) open_unsent: Cell<bool>,
    /// The last `read` sent: nothing is sent again until there is more to report.
    pub(crate) read_sent: RefCell<Option<(ConversationId, u64)>>,
    /// When `typing` was last sent (`Date.now()`).
    pub(crate) typing_sent: Cell<f64>,
    /// Clears the agent's typing indicator.
    pub(crate) typing_timer: RefCell<Option<Timeout>>,
}

impl Session {
    /// Starts listening to the loader and tells it the widget is ready.
    pub fn start(info: WorkstreamInfo, params: Params) -> Rc<Self> {
        let session = Rc::new(Session {
            bridge: Bridge::new(params.host),
            chat: RwSignal::new(new_chat(&info)),
            link: RwSignal::new(Status::Idle),
            token: RwSignal::new(Token::Unknown),
            refused: RefCell::new(None),
            refresh: RefCell::new(None),
            open: Cell::new(false),
            unread: Cell::new(0),
            connection: RefCell::new(None),
            generation: Cell::new(0),
            outbox_key: RefCell::new(None),
            following: RwSignal::new(true),
            kept: RefCell::new(Kept::default()),
            open_unsent: Cell::new(false),
            read_sent: RefCell::new(None),
            typing_sent: Cell::new(0.0),
            typing_timer: RefCell::new(None),
            info,
        });
        let listener = Rc::clone(&session);
        session
            .bridge
            .listen(session.info.allowed_origins.clone(), move |inbound| {
                listener.on_loader(inbound)
            });
        session.bridge.post(&Outbound::Ready);
        // Coming back to the tab, or scrolling down to the newest message, is seeing it.
        let seen = Rc::clone(&session);
        let on_visible = Closure::<dyn Fn()>::new(move || seen.report_read());
        let _ = document().add_event_listener_with_callback(
            "visibilitychange",
            on_visible.as_ref().unchecked_ref(),
        );
        on_visible.forget();
        let seen = Rc::clone(&session);
        leptos::prelude::Effect::new(move |_| {
            if seen.following.get() {
                seen.report_read();
            }
        });
        session
    }

    fn on_loader(self: &Rc<Self>, inbound: Inbound) {
        match inbound {
            Inbound::Token(token) => self.on_token(token),
            Inbound::Open => {
                self.open.set(true);
                self.open_unsent.set(true);
                self.set_unread(0);
                self.report_open();
                self.report_read();
                // The loader moved focus into the frame: put it in the composer.
                if let Some(input) = document().query_selector(".tetap-input").ok().flatten()
                    && let Ok(input) = input.dyn_into::<web_sys::HtmlElement>()
                {
                    let _ = input.focus();
                }
            }
            Inbound::Close => self.open.set(false),
            Inbound::Logout => {
                // Everything the widget kept: storage (unsent messages, the visitor id, for every
                // identity), the socket, the token and its timer, the conversation on screen.
                outbox::forget_all();
                self.stop_connection();
                self.refresh.replace(None);
                self.refused.replace(None);
                self.outbox_key.replace(None);
                self.kept.replace(Kept::default());
                self.read_sent.replace(None);
                self.token.set(Token::SignedOut);
                self.chat.set(new_chat(&self.info));
                self.set_unread(0);
            }
        }
    }

    pub(crate) fn stop_connection(&self) {
        self.generation.set(self.generation.get().wrapping_add(1));
        if let Some(connection) = self.connection.borrow_mut().take() {
            connection.stop();
        }
    }

    pub(crate) fn connect(self: &Rc<Self>) -> Connection {
        let location = window().location();
        let url = connection::socket_url(
            &location.protocol().unwrap_or_default(),
            &location.host().unwrap_or_default(),
        );
        let generation = self.generation.get();
        let (for_hello, for_frames, for_status) =
            (Rc::clone(self), Rc::clone(self), Rc::clone(self));
        Connection::start(
            url,
            move || for_hello.hello(),
            move |frame| {
                if for_frames.generation.get() == generation {
                    for_frames.on_frame(frame);
                }
            },
            move |status| {
                if for_status.generation.get() == generation {
                    for_status.link.set(status);
                }
            },
        )
    }

    /// The `hello` for the next attempt, resuming after the last message we hold.
    fn hello(&self) -> Option<ClientFrame> {
        let token = self.hello_token()?;
        if self.refused.borrow().as_deref() == Some(token.as_str()) {
            return None;
        }
        Some(ClientFrame::Hello {
            protocol: PROTOCOL_VERSION,
            workstream: self.info.id.clone(),
            token,
            resume: self.chat.with_untracked(Chat::resume_cursor),
            // `boot` set the page's `lang` to the picked locale.
            locale: leptos::prelude::document()
                .document_element()
                .and_then(|html| html.get_attribute("lang")),
        })
    }

    fn on_frame(&self, frame: ServerFrame) {
        if let ServerFrame::Welcome {
            visitor_token: Some(visitor),
            ..
        } = &frame
            && self.info.anonymous
            && self.token.get_untracked() == Token::SignedOut
        {
            // Kept for the next visit, renewed by every welcome; unsent messages now have a home.
            identity::save_visitor(&self.info.id, visitor);
            if self.outbox_key.borrow().is_none() {
                self.outbox_key
                    .replace(identity::storage_key(visitor, &self.info.id));
            }
        }
        let effect = self.chat.try_update(|chat| chat.apply(frame));
        match effect.unwrap_or(Effect::Nothing) {
            Effect::Nothing => {}
            Effect::Welcomed => {
                if let Some(connection) = self.connection.borrow().as_ref() {
                    self.resend_pending(connection);
                }
                self.report_open();
            }
            Effect::AgentTyping => {
                let chat = self.chat;
                let clear = Timeout::new(TYPING_SHOWN_MS, move || {
                    chat.update(|chat| chat.agent_typing = None);
                });
                self.typing_timer.replace(Some(clear));
            }
            Effect::Incoming(messages) => {
                if !self.open.get() {
                    self.set_unread(self.unread.get().saturating_add(messages.len() as u32));
                    for message in messages {
                        self.bridge.post(&Outbound::Message { message });
                    }
                }
            }
            Effect::TokenNeeded => {
                let refused = self.hello_token();
                if self.token.get_untracked() == Token::SignedOut && self.info.anonymous {
                    // The kept visitor id was refused (expired, or the relay forgot it): the next
                    // attempt says hello as a new visitor.
                    identity::forget_visitor(&self.info.id);
                } else {
                    self.bridge.post(&Outbound::TokenRequest);
                }
                self.refused.replace(refused);
            }
            Effect::Request(frame) => self.frame(frame),
            Effect::Error { code, message } => self.bridge.post(&Outbound::Error {
                code: code.as_str().to_owned(),
                message,
            }),
        }
        self.save_kept();
        self.report_read();
    }

    /// Sends the customer's new message (already shown as "sending" and kept in storage).
    pub fn send(&self, out: Outgoing) {
        self.save_kept();
        // A sent message ends this bout of typing: the next keystroke is a new one, told at once.
        self.typing_sent.set(0.0);
        if let Some(connection) = self.connection.borrow().as_ref() {
            connection.send(ClientFrame::Send {
                client_id: out.client_id,
                text: out.text,
            });
        }
    }

    pub(crate) fn resend_pending(&self, connection: &Connection) {
        for (client_id, text) in self.chat.with_untracked(Chat::pending) {
            connection.send(ClientFrame::Send { client_id, text });
        }
    }

    /// Sends a frame if the socket is welcomed (dropped otherwise: see `connection`).
    pub fn frame(&self, frame: ClientFrame) {
        if let Some(connection) = self.connection.borrow().as_ref() {
            connection.send(frame);
        }
    }

    /// Keeps the unsent messages, and the ids of the conversations in the log so that earlier
    /// ones this browser saw are shown after a reload even where the relay's list does not
    /// reach yet (it is paged in as the customer reads back); writes only when that changed.
    pub(crate) fn save_kept(&self) {
        let kept = self.chat.with_untracked(|chat| Kept {
            pending: chat.pending(),
            conversations: chat.known_conversations(),
        });
        if *self.kept.borrow() == kept {
            return;
        }
        if let Some(key) = self.outbox_key.borrow().as_deref() {
            outbox::save(key, &kept);
        }
        self.kept.replace(kept);
    }
}

/// A fresh conversation model, showing the offline notice up front when the workstream is closed.
pub(crate) fn new_chat(info: &WorkstreamInfo) -> Chat {
    let mut chat = Chat::new(info.mode);
    chat.notice = info.offline_notice.clone();
    chat
}
