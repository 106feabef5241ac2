//! The agent event stream (`GET /v1/agent/events`, a WebSocket on the page's own origin; the
//! session cookie authenticates the upgrade). Each frame is decoded into the shared `AgentEvent`;
//! after a drop the stream reconnects with backoff and jitter, and every (re)opening is reported
//! so the app can refetch what it may have missed.

use crate::backoff::reconnect_delay_ms;
use gloo_timers::callback::Timeout;
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use tetap_shared::AgentEvent;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{MessageEvent, WebSocket};

/// Where the stream stands, for the banner.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Link {
    /// First attempt under way.
    #[default]
    Connecting,
    /// Open: events arrive.
    Online,
    /// Lost; retrying after a pause.
    Reconnecting,
}

/// The stream's URL on the page's own origin (`wss:` under `https:`).
pub fn events_url(protocol: &str, host: &str) -> String {
    let scheme = if protocol == "https:" { "wss" } else { "ws" };
    format!("{scheme}://{host}/v1/agent/events")
}

/// Decodes one text frame; `None` for anything that is not an event this build knows.
pub fn decode(text: &str) -> Option<AgentEvent> {
    serde_json::from_str(text).ok()
}

type Handlers = (Box<dyn Fn(AgentEvent)>, Box<dyn Fn(Link)>);
type Callback = Closure<dyn FnMut(web_sys::Event)>;

struct Inner {
    url: String,
    handlers: Handlers,
    socket: RefCell<Option<WebSocket>>,
    /// Keeps the socket's callbacks alive while it is open.
    callbacks: RefCell<Vec<Callback>>,
    retry: RefCell<Option<Timeout>>,
    attempt: Cell<u32>,
    stopped: Cell<bool>,
}

/// The running stream; it closes when [`EventStream::stop`] is called or this is dropped.
pub struct EventStream(Rc<Inner>);

impl EventStream {
    /// Opens the stream: `on_event` gets every event, `on_link` every change of [`Link`]
    /// (`Online` after each successful opening: refetch then).
    pub fn start(
        url: String,
        on_event: impl Fn(AgentEvent) + 'static,
        on_link: impl Fn(Link) + 'static,
    ) -> Self {
        let inner = Rc::new(Inner {
            url,
            handlers: (Box::new(on_event), Box::new(on_link)),
            socket: RefCell::new(None),
            callbacks: RefCell::new(Vec::new()),
            retry: RefCell::new(None),
            attempt: Cell::new(0),
            stopped: Cell::new(false),
        });
        (inner.handlers.1)(Link::Connecting);
        connect(&inner);
        EventStream(inner)
    }

    /// Closes the stream for good.
    pub fn stop(&self) {
        let inner = &self.0;
        inner.stopped.set(true);
        inner.retry.replace(None);
        if let Some(socket) = inner.socket.replace(None) {
            let _ = socket.close();
        }
        inner.callbacks.replace(Vec::new());
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.stop();
    }
}

fn connect(inner: &Rc<Inner>) {
    if inner.stopped.get() {
        return;
    }
    let Ok(socket) = WebSocket::new(&inner.url) else {
        lost(inner);
        return;
    };
    let weak = Rc::downgrade(inner);
    let on_open = callback(&weak, |inner, _| {
        inner.attempt.set(0);
        (inner.handlers.1)(Link::Online);
    });
    let on_message = callback(&weak, |inner, event| {
        let text = event
            .dyn_ref::<MessageEvent>()
            .and_then(|message| message.data().as_string());
        if let Some(event) = text.as_deref().and_then(decode) {
            (inner.handlers.0)(event);
        }
    });
    let on_close = callback(&weak, |inner, _| lost(inner));
    socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    inner.socket.replace(Some(socket));
    inner.callbacks.replace(vec![on_open, on_message, on_close]);
}

fn callback(weak: &Weak<Inner>, f: impl Fn(&Rc<Inner>, web_sys::Event) + 'static) -> Callback {
    let weak = weak.clone();
    Closure::new(move |event: web_sys::Event| {
        if let Some(inner) = weak.upgrade() {
            f(&inner, event);
        }
    })
}

/// The socket closed (or never opened): report it and try again after a pause.
fn lost(inner: &Rc<Inner>) {
    if inner.stopped.get() {
        return;
    }
    if let Some(socket) = inner.socket.replace(None) {
        socket.set_onopen(None);
        socket.set_onmessage(None);
        socket.set_onclose(None);
    }
    (inner.handlers.1)(Link::Reconnecting);
    let attempt = inner.attempt.get();
    inner.attempt.set(attempt.saturating_add(1));
    let delay = reconnect_delay_ms(attempt, js_sys::Math::random());
    let weak = Rc::downgrade(inner);
    let timer = Timeout::new(delay, move || {
        if let Some(inner) = weak.upgrade() {
            connect(&inner);
        }
    });
    inner.retry.replace(Some(timer));
}
