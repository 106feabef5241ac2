//! Boot and wiring: asks the relay who is signed in, shows the sign-in form or the desk, and ties
//! the agent API, the event stream, the work list, the conversation on screen and the
//! notifications together.

use crate::api::{self, Action, ApiError, Me, Presence};
use crate::conversation_view::ConversationView;
use crate::events::{EventStream, Link, events_url};
use crate::i18n::{Locale, Strings};
use crate::list_view::ListView;
use crate::notify::{self, Permission, Toasts};
use crate::signin::{Problem, SignIn};
use crate::signin_view::{Credentials, SignInView};
use crate::thread::{PAGE, Thread};
use crate::time::now_ms;
use crate::toasts::ToastsView;
use crate::topbar::TopBar;
use crate::worklist::WorkList;
use gloo_timers::callback::{Interval, Timeout};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use tetap_shared::{AgentEvent, AuthorKind, Conversation, ConversationId};
use wasm_bindgen::JsCast;

/// How long the "typing…" indicator stays after the customer's last keystroke event.
const TYPING_SHOWN_MS: u32 = 6_000;
/// The agent's typing is told to the customer at most this often.
const TYPING_EVERY_MS: f64 = 3_000.0;
/// How long a toast stays.
const TOAST_MS: u32 = 20_000;
/// How often "time since" is brought up to date.
const CLOCK_MS: u32 = 20_000;

/// Picks the language, sets `<html lang>`, and mounts the console into `root`.
pub fn boot(root: web_sys::Element) {
    let languages: Vec<String> = window()
        .navigator()
        .languages()
        .iter()
        .filter_map(|language| language.as_string())
        .collect();
    let locale = Locale::pick(languages.iter().map(String::as_str));
    if let Some(html) = document().document_element() {
        let _ = html.set_attribute("lang", locale.tag());
    }
    let Ok(root) = root.dyn_into::<web_sys::HtmlElement>() else {
        return;
    };
    let strings = locale.strings();
    document().set_title(strings.app_title);
    leptos::mount::mount_to(root, move || view! { <Console strings/> }).forget();
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Phase {
    Checking,
    SignedOut,
    SignedIn(Me),
}

/// The whole console: sign-in or desk.
#[component]
fn Console(strings: &'static Strings) -> impl IntoView {
    let phase = RwSignal::new(Phase::Checking);
    let sign_in = RwSignal::new(SignIn::default());
    spawn_local(async move {
        match api::me().await {
            Ok(me) => phase.set(Phase::SignedIn(me)),
            Err(e) => {
                if !e.is_signed_out() {
                    sign_in.update(|s| s.fail(Problem::Unreachable));
                }
                phase.set(Phase::SignedOut);
            }
        }
    });
    let submit = Callback::new(move |credentials: Credentials| {
        sign_in.update(SignIn::start);
        spawn_local(async move {
            let outcome = match api::login(&credentials.agent, &credentials.password).await {
                Ok(()) => api::me().await,
                Err(e) => Err(e),
            };
            match outcome {
                Ok(me) => {
                    sign_in.set(SignIn::default());
                    phase.set(Phase::SignedIn(me));
                }
                Err(e) => {
                    let problem = match e.status {
                        401 => Problem::WrongPassword,
                        429 => Problem::TooManyAttempts,
                        _ => Problem::Unreachable,
                    };
                    sign_in.update(|s| s.fail(problem));
                    count_down(sign_in);
                }
            }
        });
    });
    let signed_out = Callback::new(move |problem: Option<Problem>| {
        sign_in.set(problem.map_or_else(SignIn::default, |_| SignIn::session_ended()));
        document().set_title(strings.app_title);
        phase.set(Phase::SignedOut);
    });
    move || match phase.get() {
        Phase::Checking => view! {
            <main class="checking" id="main">
                <h1 class="sr-only">{strings.app_title}</h1>
                <p role="status">{strings.loading}</p>
            </main>
        }
        .into_any(),
        Phase::SignedOut => {
            view! { <SignInView strings state=sign_in on_submit=submit/> }.into_any()
        }
        Phase::SignedIn(me) => view! { <DeskView strings me signed_out/> }.into_any(),
    }
}

/// Counts the sign-in pause down, one second at a time.
fn count_down(sign_in: RwSignal<SignIn>) {
    if sign_in.with_untracked(|s| s.wait_s) == 0 {
        return;
    }
    Timeout::new(1_000, move || {
        if sign_in.try_update(SignIn::tick).is_some() {
            count_down(sign_in);
        }
    })
    .forget();
}

/// The signed-in console.
#[component]
fn DeskView(
    strings: &'static Strings,
    me: Me,
    /// The session ended (`Some`) or the agent signed out (`None`).
    signed_out: Callback<Option<Problem>>,
) -> impl IntoView {
    let desk = Desk::start(strings, me.clone(), signed_out);
    let stored = StoredValue::new_local(desk.clone());
    on_cleanup(move || stored.with_value(|desk| desk.stop()));
    let d = &desk;
    let (me_signal, list, selected, current, thread) =
        (d.me, d.list, d.selected, d.current, d.thread);
    let (typing, error, busy, link, toasts, permission, now) = (
        d.typing,
        d.error,
        d.busy,
        d.link,
        d.toasts,
        d.permission,
        d.now,
    );
    Effect::new(move |_| {
        let unread = list.with(WorkList::unread_mine);
        document().set_title(&notify::tab_title(strings.app_title, unread));
    });
    view! {
        <div class="desk">
            <a class="skip" href="#main">{strings.skip_to_conversation}</a>
            <TopBar
                strings
                me=me_signal
                load=Signal::derive(move || list.with(WorkList::load))
                link
                permission
                on_presence=Callback::new(move |p| stored.with_value(|d| d.set_presence(p)))
                on_notifications=Callback::new(move |()| {
                    notify::request_permission(move |p| { let _ = permission.try_set(p); })
                })
                on_sign_out=Callback::new(move |()| stored.with_value(|d| d.sign_out()))
            />
            <div class="desk-body">
                <ListView
                    strings
                    list
                    selected
                    now_ms=now
                    on_select=Callback::new(move |id| stored.with_value(|d| d.select(id)))
                />
                <ConversationView
                    strings
                    me=me.id.clone()
                    conversation=current
                    thread
                    customer_typing=typing
                    error
                    busy
                    on_send=Callback::new(move |text| stored.with_value(|d| d.send(text)))
                    on_retry=Callback::new(move |id| stored.with_value(|d| d.retry(id)))
                    on_older=Callback::new(move |()| stored.with_value(|d| d.older()))
                    on_action=Callback::new(move |a| stored.with_value(|d| d.act(a)))
                    on_typing=Callback::new(move |()| stored.with_value(|d| d.agent_typing()))
                />
            </div>
            <ToastsView
                strings
                toasts
                on_open=Callback::new(move |id| stored.with_value(|d| d.select(id)))
            />
        </div>
    }
}

/// The desk's state and what changes it.
struct Desk {
    strings: &'static Strings,
    me: RwSignal<Option<Me>>,
    list: RwSignal<WorkList>,
    selected: RwSignal<Option<ConversationId>>,
    /// The conversation on screen (kept after it leaves the list: ended, or taken by another).
    current: RwSignal<Option<Conversation>>,
    thread: RwSignal<Option<Thread>>,
    typing: RwSignal<bool>,
    error: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
    link: RwSignal<Link>,
    toasts: RwSignal<Toasts>,
    permission: RwSignal<Permission>,
    now: RwSignal<f64>,
    signed_out: Callback<Option<Problem>>,
    stream: RefCell<Option<EventStream>>,
    clock: RefCell<Option<Interval>>,
    typing_timer: RefCell<Option<Timeout>>,
    typing_sent_at: Cell<f64>,
    stopped: Cell<bool>,
}

impl Desk {
    fn start(strings: &'static Strings, me: Me, signed_out: Callback<Option<Problem>>) -> Rc<Self> {
        let desk = Rc::new(Desk {
            strings,
            list: RwSignal::new(WorkList::new(&me.id)),
            me: RwSignal::new(Some(me)),
            selected: RwSignal::new(None),
            current: RwSignal::new(None),
            thread: RwSignal::new(None),
            typing: RwSignal::new(false),
            error: RwSignal::new(None),
            busy: RwSignal::new(false),
            link: RwSignal::new(Link::Connecting),
            toasts: RwSignal::new(Toasts::default()),
            permission: RwSignal::new(notify::permission()),
            now: RwSignal::new(now_ms()),
            signed_out,
            stream: RefCell::new(None),
            clock: RefCell::new(None),
            typing_timer: RefCell::new(None),
            typing_sent_at: Cell::new(f64::NEG_INFINITY),
            stopped: Cell::new(false),
        });
        let location = window().location();
        let url = events_url(
            &location.protocol().unwrap_or_default(),
            &location.host().unwrap_or_default(),
        );
        let (on_event, on_link) = (Rc::downgrade(&desk), Rc::downgrade(&desk));
        let stream = EventStream::start(
            url,
            move |event| with_desk(&on_event, |d| d.on_event(event)),
            move |link| with_desk(&on_link, |d| d.on_link(link)),
        );
        desk.stream.replace(Some(stream));
        let now = desk.now;
        desk.clock.replace(Some(Interval::new(CLOCK_MS, move || {
            let _ = now.try_set(now_ms());
        })));
        desk
    }

    fn stop(&self) {
        self.stopped.set(true);
        if let Some(stream) = self.stream.take() {
            stream.stop();
        }
        self.clock.take();
        self.typing_timer.take();
    }

    /// The conversation on screen, unless the tab is hidden (then nothing counts as seen).
    fn viewing(&self) -> Option<ConversationId> {
        if notify::page_hidden() {
            None
        } else {
            self.selected.get_untracked()
        }
    }

    fn on_link(self: &Rc<Self>, link: Link) {
        self.link.set(link);
        match link {
            // Opened (or opened again): fetch what the stream may have missed.
            Link::Online => self.refresh(),
            // Lost: if the session is over, the stream would never come back.
            Link::Reconnecting => {
                let desk = Rc::downgrade(self);
                spawn_local(async move {
                    if let Err(e) = api::me().await {
                        with_desk(&desk, |d| d.check_session(&e));
                    }
                });
            }
            Link::Connecting => {}
        }
    }

    /// Reloads `me`, the list and the newest page of the conversation on screen.
    fn refresh(self: &Rc<Self>) {
        let desk = Rc::downgrade(self);
        spawn_local(async move {
            let (me, list) = (api::me().await, api::conversations().await);
            with_desk(&desk, |d| match (me, list) {
                (Ok(me), Ok(list)) => {
                    d.me.set(Some(me));
                    let viewing = d.viewing();
                    d.list.update(|l| l.replace_all(list, viewing.as_ref()));
                    d.sync_current();
                    if let Some(id) = d.selected.get_untracked() {
                        d.load_page(id, None);
                    }
                }
                (Err(e), _) | (_, Err(e)) => d.check_session(&e),
            });
        });
    }

    /// A request failed: a 401 means the session is over.
    fn check_session(&self, error: &ApiError) {
        if error.is_signed_out() && !self.stopped.get() {
            self.stop();
            self.signed_out.run(Some(Problem::SessionEnded));
        }
    }

    fn on_event(self: &Rc<Self>, event: AgentEvent) {
        let viewing = self.viewing();
        let notice = self
            .list
            .try_update(|l| l.apply(&event, viewing.as_ref()))
            .flatten();
        let selected = self.selected.get_untracked();
        let concerns_selected = selected
            .as_ref()
            .is_some_and(|id| event_about(&event) == id);
        if concerns_selected {
            match &event {
                AgentEvent::Assigned { detail, .. }
                | AgentEvent::CustomerReturned { detail, .. }
                | AgentEvent::State { detail, .. } => {
                    let known = self.list.with_untracked(|l| l.get(&detail.id).cloned());
                    self.current
                        .set(Some(known.unwrap_or_else(|| detail.clone())));
                }
                AgentEvent::Message { message, .. } => {
                    if message.author.kind == AuthorKind::Customer {
                        self.typing.set(false);
                    }
                    let seq = message.seq;
                    self.thread.update(|t| {
                        if let Some(t) = t {
                            t.add(message.clone());
                        }
                    });
                    self.sync_current();
                    if viewing.is_some() {
                        self.mark_read(seq);
                    }
                }
                AgentEvent::Typing { .. } => self.show_typing(),
                AgentEvent::Read { .. } => self.sync_current(),
            }
        }
        if let Some(notice) = notice {
            let id = self.toasts.try_update(|t| t.push(&notice, self.strings));
            if let Some(id) = id {
                let toasts = self.toasts;
                Timeout::new(TOAST_MS, move || {
                    let _ = toasts.try_update(|t| t.dismiss(id));
                })
                .forget();
            }
            let (title, body) = notify::describe(&notice, self.strings);
            notify::desktop(&title, body.as_deref());
        }
    }

    /// Copies the list's view of the conversation on screen into `current` (when it has one).
    fn sync_current(&self) {
        let Some(id) = self.selected.get_untracked() else {
            return;
        };
        if let Some(known) = self.list.with_untracked(|l| l.get(&id).cloned()) {
            self.current.set(Some(known));
        }
    }

    fn show_typing(&self) {
        self.typing.set(true);
        let typing = self.typing;
        self.typing_timer
            .replace(Some(Timeout::new(TYPING_SHOWN_MS, move || {
                let _ = typing.try_set(false);
            })));
    }

    /// Opens a conversation: its newest page, then everything read.
    fn select(self: &Rc<Self>, id: ConversationId) {
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
    fn load_page(self: &Rc<Self>, id: ConversationId, before: Option<u64>) {
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
    fn mark_read(&self, seq: u64) {
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

    fn older(self: &Rc<Self>) {
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

    fn send(self: &Rc<Self>, text: String) {
        let client_id = new_client_id();
        self.thread.update(|t| {
            if let Some(t) = t {
                t.push_pending(&client_id, &text);
            }
        });
        self.deliver(client_id, text);
    }

    fn retry(self: &Rc<Self>, client_id: String) {
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
    fn deliver(self: &Rc<Self>, client_id: String, text: String) {
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
    fn act(self: &Rc<Self>, action: Action) {
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
    fn agent_typing(&self) {
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

    fn set_presence(self: &Rc<Self>, presence: Presence) {
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

    fn sign_out(self: &Rc<Self>) {
        self.stop();
        let signed_out = self.signed_out;
        spawn_local(async move {
            let _ = api::logout().await;
            signed_out.run(None);
        });
    }

    /// Shows a refused request, or goes back to sign-in when the session is over.
    fn fail(&self, error: &ApiError) {
        if error.is_signed_out() {
            self.check_session(error);
        } else {
            self.error
                .set(Some(self.strings.api_error(&error.code, &error.message)));
        }
    }
}

fn with_desk(desk: &Weak<Desk>, f: impl FnOnce(&Rc<Desk>)) {
    if let Some(desk) = desk.upgrade()
        && !desk.stopped.get()
    {
        f(&desk);
    }
}

/// The conversation an event is about.
fn event_about(event: &AgentEvent) -> &ConversationId {
    match event {
        AgentEvent::Assigned { conversation, .. }
        | AgentEvent::Message { conversation, .. }
        | AgentEvent::CustomerReturned { conversation, .. }
        | AgentEvent::State { conversation, .. }
        | AgentEvent::Typing { conversation }
        | AgentEvent::Read { conversation, .. } => conversation,
    }
}

/// Puts the keyboard focus in the reply box, if there is one.
fn focus_composer() {
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
