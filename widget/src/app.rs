//! Boot and wiring: reads the URL, loads the workstream, checks the host may embed it, then ties the
//! loader bridge, the socket and the chat view together.

use crate::bridge::{self, Bridge, Inbound, Outbound};
use crate::chat::{Chat, Effect};
use crate::connection::{self, Connection, Status};
use crate::i18n::{Locale, Strings};
use crate::outbox;
use crate::params::Params;
use crate::view::{ChatView, Outgoing};
use crate::workstream::{self, WorkstreamInfo};
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use tetap_shared::Mode;
use tetap_shared::frames::{ClientFrame, PROTOCOL_VERSION, ServerFrame};
use wasm_bindgen::JsCast;

/// What the host page said about the customer.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    /// Nothing heard from the loader yet.
    Unknown,
    /// Nobody is signed in (`token: null`).
    SignedOut,
    Jwt(String),
}

/// Reads the page URL, applies theme and language, and mounts the app into `root`.
pub fn boot(root: web_sys::Element) {
    let window = window();
    let params = Params::parse(&window.location().search().unwrap_or_default());
    let languages: Vec<String> = window
        .navigator()
        .languages()
        .iter()
        .filter_map(|language| language.as_string())
        .collect();
    let locale = Locale::pick(
        params
            .locale
            .iter()
            .chain(languages.iter())
            .map(String::as_str),
    );
    if let Some(html) = document().document_element() {
        let _ = html.set_attribute("lang", locale.tag());
        let _ = html.set_attribute("data-theme", params.theme.as_str());
        if let (Some(color), Ok(html)) = (&params.color, html.dyn_into::<web_sys::HtmlElement>()) {
            // CSSOM, not a style attribute: allowed by the page's `style-src 'self'`.
            let _ = html.style().set_property("--tetap-color", color);
        }
    }
    let Ok(root) = root.dyn_into::<web_sys::HtmlElement>() else {
        return;
    };
    let strings = locale.strings();
    leptos::mount::mount_to(root, move || view! { <App params strings/> }).forget();
}

#[derive(Clone, Copy)]
enum Phase {
    Loading,
    Failed(&'static str),
    Ready(StoredValue<Rc<Session>, LocalStorage>),
}

#[component]
fn App(params: Params, strings: &'static Strings) -> impl IntoView {
    let phase = RwSignal::new(Phase::Loading);
    leptos::task::spawn_local(async move {
        let next = match workstream::fetch(&params.workstream).await {
            Ok(info) if bridge::host_allowed(&params.host, &info.allowed_origins) => {
                Phase::Ready(StoredValue::new_local(Session::start(info, params)))
            }
            Ok(_) => Phase::Failed(strings.not_allowed),
            Err(_) => Phase::Failed(strings.unavailable),
        };
        phase.set(next);
    });
    move || match phase.get() {
        Phase::Loading => view! { <p class="tetap-state">{strings.loading}</p> }.into_any(),
        Phase::Failed(text) => {
            view! { <p class="tetap-state tetap-state--error" role="alert">{text}</p> }.into_any()
        }
        Phase::Ready(session) => {
            let (chat, link, token) = session.with_value(|s| (s.chat, s.link, s.token));
            let live = chat.with_untracked(|chat| chat.mode == Some(Mode::Live));
            view! {
                <ChatView
                    chat
                    strings
                    link
                    can_write=Signal::derive(move || live || token.get() != Token::SignedOut)
                    on_send=Callback::new(move |out: Outgoing| {
                        session.with_value(|s| s.send(out))
                    })
                    on_close=Callback::new(move |()| {
                        session.with_value(|s| s.bridge.post(&Outbound::Close))
                    })
                />
            }
            .into_any()
        }
    }
}

/// One embedded chat: the loader bridge, the socket and the conversation.
struct Session {
    info: WorkstreamInfo,
    bridge: Bridge,
    chat: RwSignal<Chat>,
    link: RwSignal<Status>,
    token: RwSignal<Token>,
    /// The relay refused the current token: do not say `hello` with it again.
    stale: Cell<bool>,
    open: Cell<bool>,
    unread: Cell<u32>,
    connection: RefCell<Option<Connection>>,
    /// Where unsent messages are kept for this identity; `None` for anonymous visitors.
    outbox_key: RefCell<Option<String>>,
}

impl Session {
    fn start(info: WorkstreamInfo, params: Params) -> Rc<Self> {
        let session = Rc::new(Session {
            bridge: Bridge::new(params.host),
            chat: RwSignal::new(Chat::new(info.mode)),
            link: RwSignal::new(Status::Idle),
            token: RwSignal::new(Token::Unknown),
            stale: Cell::new(false),
            open: Cell::new(false),
            unread: Cell::new(0),
            connection: RefCell::new(None),
            outbox_key: RefCell::new(None),
            info,
        });
        let listener = Rc::clone(&session);
        session
            .bridge
            .listen(session.info.allowed_origins.clone(), move |inbound| {
                listener.on_loader(inbound)
            });
        session.bridge.post(&Outbound::Ready);
        session
    }

    fn on_loader(self: &Rc<Self>, inbound: Inbound) {
        match inbound {
            Inbound::Token(token) => self.on_token(token),
            Inbound::Open => {
                self.open.set(true);
                self.set_unread(0);
                // The loader moved focus into the frame: put it in the composer.
                if let Some(input) = document().query_selector(".tetap-input").ok().flatten()
                    && let Ok(input) = input.dyn_into::<web_sys::HtmlElement>()
                {
                    let _ = input.focus();
                }
            }
            Inbound::Close => self.open.set(false),
            Inbound::Logout => {
                outbox::forget_all();
                if let Some(connection) = self.connection.borrow_mut().take() {
                    connection.stop();
                }
                self.outbox_key.replace(None);
                self.token.set(Token::SignedOut);
                self.chat.set(Chat::new(self.info.mode));
                self.set_unread(0);
            }
        }
    }

    fn on_token(self: &Rc<Self>, token: Option<String>) {
        let key = token
            .as_deref()
            .and_then(|token| crate::identity::storage_key(token, &self.info.id));
        if *self.outbox_key.borrow() != key {
            // Another customer (or none): never show one identity's messages to another.
            self.chat.set(Chat::new(self.info.mode));
            if let Some(key) = &key {
                self.chat.update(|chat| {
                    for (client_id, text) in outbox::load(key) {
                        chat.push_local(&client_id, &text);
                    }
                });
            }
            self.outbox_key.replace(key);
        }
        self.stale.set(false);
        let signed_in = token.is_some();
        self.token.set(token.map_or(Token::SignedOut, Token::Jwt));
        if !signed_in && self.info.mode == Mode::Persistent {
            if let Some(connection) = self.connection.borrow_mut().take() {
                connection.stop();
            }
            return;
        }
        let connection = self.connection.borrow().clone();
        match connection {
            None => {
                let connection = self.connect();
                self.connection.replace(Some(connection));
            }
            Some(connection) if self.link.get_untracked() == Status::Online => {
                if let Token::Jwt(token) = self.token.get_untracked() {
                    connection.send(ClientFrame::Auth { token });
                    self.resend_pending(&connection);
                }
            }
            Some(connection) => connection.reconnect(),
        }
    }

    fn connect(self: &Rc<Self>) -> Connection {
        let location = window().location();
        let url = connection::socket_url(
            &location.protocol().unwrap_or_default(),
            &location.host().unwrap_or_default(),
        );
        let (for_hello, for_frames, link) = (Rc::clone(self), Rc::clone(self), self.link);
        Connection::start(
            url,
            move || for_hello.hello(),
            move |frame| for_frames.on_frame(frame),
            move |status| link.set(status),
        )
    }

    /// The `hello` for the next attempt, resuming after the last message we hold.
    fn hello(&self) -> Option<ClientFrame> {
        if self.stale.get() {
            return None;
        }
        let token = match self.token.get_untracked() {
            Token::Jwt(token) => token,
            // Anonymous visitors of a live workstream: the relay decides (`anonymous = true`).
            Token::SignedOut if self.info.mode == Mode::Live => String::new(),
            _ => return None,
        };
        Some(ClientFrame::Hello {
            protocol: PROTOCOL_VERSION,
            workstream: self.info.id.clone(),
            token,
            resume: self.chat.with_untracked(Chat::resume_cursor),
        })
    }

    fn on_frame(&self, frame: ServerFrame) {
        let effect = self.chat.try_update(|chat| chat.apply(frame));
        match effect.unwrap_or(Effect::Nothing) {
            Effect::Nothing => {}
            Effect::Welcomed => {
                if let Some(connection) = self.connection.borrow().as_ref() {
                    self.resend_pending(connection);
                }
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
                self.stale.set(true);
                self.bridge.post(&Outbound::TokenRequest);
            }
            Effect::Error { code, message } => self.bridge.post(&Outbound::Error {
                code: code.as_str().to_owned(),
                message,
            }),
        }
        self.save_outbox();
    }

    fn send(&self, out: Outgoing) {
        self.save_outbox();
        if let Some(connection) = self.connection.borrow().as_ref() {
            connection.send(ClientFrame::Send {
                client_id: out.client_id,
                text: out.text,
            });
        }
    }

    fn resend_pending(&self, connection: &Connection) {
        for (client_id, text) in self.chat.with_untracked(Chat::pending) {
            connection.send(ClientFrame::Send { client_id, text });
        }
    }

    fn save_outbox(&self) {
        if let Some(key) = self.outbox_key.borrow().as_deref() {
            outbox::save(key, &self.chat.with_untracked(Chat::pending));
        }
    }

    fn set_unread(&self, count: u32) {
        if self.unread.replace(count) != count {
            self.bridge.post(&Outbound::Unread { count });
        }
    }
}
