//! Boot and wiring: reads the URL, loads the workstream, checks the host may embed it, then ties the
//! loader bridge, the socket and the chat view together.

use crate::bridge::{self, Bridge, Inbound, Outbound};
use crate::chat::{Chat, Effect};
use crate::connection::{self, Connection, Status};
use crate::i18n::{Locale, Strings};
use crate::identity;
use crate::outbox;
use crate::params::Params;
use crate::view::{ChatView, Outgoing};
use crate::workstream::{self, WorkstreamInfo};
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use tetap_shared::frames::{ClientFrame, PROTOCOL_VERSION, ServerFrame};
use wasm_bindgen::JsCast;

/// How long to wait before asking the host page again when it handed back a refused token.
const RETRY_REFUSED_MS: u32 = 30_000;

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
            // Anonymous visitors of a live workstream chat without signing in; everyone else needs
            // the host page's token.
            let anonymous = session.with_value(|s| s.info.anonymous);
            view! {
                <ChatView
                    chat
                    strings
                    link
                    can_write=Signal::derive(move || anonymous || token.get() != Token::SignedOut)
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
    /// The token the relay refused last: never said `hello` with again; a new one is asked for.
    refused: RefCell<Option<String>>,
    /// Asks the host page for a fresh token before the current one expires.
    refresh: RefCell<Option<Timeout>>,
    open: Cell<bool>,
    unread: Cell<u32>,
    connection: RefCell<Option<Connection>>,
    /// Counts connections: frames and statuses of a stopped one (another customer's) are dropped.
    generation: Cell<u32>,
    /// Where unsent messages are kept for this identity; `None` until the identity is known.
    outbox_key: RefCell<Option<String>>,
}

impl Session {
    fn start(info: WorkstreamInfo, params: Params) -> Rc<Self> {
        let session = Rc::new(Session {
            bridge: Bridge::new(params.host),
            chat: RwSignal::new(Chat::new(info.mode)),
            link: RwSignal::new(Status::Idle),
            token: RwSignal::new(Token::Unknown),
            refused: RefCell::new(None),
            refresh: RefCell::new(None),
            open: Cell::new(false),
            unread: Cell::new(0),
            connection: RefCell::new(None),
            generation: Cell::new(0),
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
                // Everything the widget kept: storage (unsent messages, the visitor id, for every
                // identity), the socket, the token and its timer, the conversation on screen.
                outbox::forget_all();
                self.stop_connection();
                self.refresh.replace(None);
                self.refused.replace(None);
                self.outbox_key.replace(None);
                self.token.set(Token::SignedOut);
                self.chat.set(Chat::new(self.info.mode));
                self.set_unread(0);
            }
        }
    }

    fn on_token(self: &Rc<Self>, token: Option<String>) {
        let key = self.identity_key(token.as_deref());
        if *self.outbox_key.borrow() != key {
            // Another customer (or none): never show one identity's messages to another, and
            // never let the previous identity's socket deliver anything more.
            self.stop_connection();
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
    fn identity_key(&self, token: Option<&str>) -> Option<String> {
        match token {
            Some(token) => identity::storage_key(token, &self.info.id),
            None if self.info.anonymous => identity::load_visitor(&self.info.id)
                .and_then(|visitor| identity::storage_key(&visitor, &self.info.id)),
            None => None,
        }
    }

    /// Asks the loader for a fresh token after `delay_ms`, replacing any earlier request.
    fn schedule_token_request(&self, delay_ms: u32) {
        let bridge = self.bridge.clone();
        let timer = Timeout::new(delay_ms, move || bridge.post(&Outbound::TokenRequest));
        self.refresh.replace(Some(timer));
    }

    fn stop_connection(&self) {
        self.generation.set(self.generation.get().wrapping_add(1));
        if let Some(connection) = self.connection.borrow_mut().take() {
            connection.stop();
        }
    }

    fn connect(self: &Rc<Self>) -> Connection {
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

    /// The token `hello` says: the host page's; for a signed-out visitor of an anonymous live
    /// workstream, the kept visitor token, or none yet (the relay then issues one).
    fn hello_token(&self) -> Option<String> {
        match self.token.get_untracked() {
            Token::Jwt(token) => Some(token),
            Token::SignedOut if self.info.anonymous => {
                Some(identity::load_visitor(&self.info.id).unwrap_or_default())
            }
            _ => None,
        }
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
