//! The signed-in console: the desk's state, the event stream and the work list; what the agent
//! does to a conversation is in `desk/conversation.rs`.

use crate::api::{self, ApiError, Me};
use crate::conversation_view::ConversationView;
use crate::events::{EventStream, Link, events_url};
use crate::i18n::Strings;
use crate::list_view::ListView;
use crate::notify::{self, Permission, Toasts};
use crate::signin::Problem;
use crate::thread::Thread;
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

mod conversation;

pub use conversation::new_client_id;

/// How long the "typing…" indicator stays after the customer's last keystroke event.
const TYPING_SHOWN_MS: u32 = 6_000;
/// The agent's typing is told to the customer at most this often.
const TYPING_EVERY_MS: f64 = 3_000.0;
/// How long a toast stays.
const TOAST_MS: u32 = 20_000;
/// How often "time since" is brought up to date.
const CLOCK_MS: u32 = 20_000;

/// The signed-in console.
#[component]
pub(crate) fn DeskView(
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
