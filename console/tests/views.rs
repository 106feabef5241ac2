//! The console's components in headless Chromium: sign-in with a wrong password, the top bar, the
//! work list, the conversation pane (replies, keyboard, ✖, end with confirmation, read state,
//! typing), the toasts and a customer's return (R7) — customer text always as text, never as
//! markup.
#![cfg(target_arch = "wasm32")]

#[path = "support/dom.rs"]
mod dom;
#[path = "support/fixtures.rs"]
mod fixtures;

use dom::Dom;
use fixtures::*;
use leptos::prelude::*;
use leptos::task::tick;
use tetap_console::api::{Me, Presence};
use tetap_console::events::Link;
use tetap_console::i18n::{Locale, LocaleStrings};
use tetap_console::list_view::ListView;
use tetap_console::notify::{Permission, Toasts};
use tetap_console::signin::{Problem, SignIn};
use tetap_console::signin_view::{Credentials, SignInView};
use tetap_console::toasts::ToastsView;
use tetap_console::topbar::TopBar;
use tetap_console::worklist::{Notice, NoticeKind, WorkList};
use tetap_shared::AuthorKind;
use tetap_shared::ConversationState::{Active, Open, Waiting};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod views {
    pub mod pane;
    pub mod returned;
}

const XSS: &str = "<img src=x onerror=alert(1)>";

#[wasm_bindgen_test]
async fn a_wrong_password_says_so_and_slows_the_next_attempt() {
    let state = RwSignal::new(SignIn::default());
    let submitted = RwSignal::new(Vec::<Credentials>::new());
    let dom = Dom::new().mount(move || {
        view! {
            <SignInView
                strings=Locale::En.strings()
                state
                on_submit=Callback::new(move |c| submitted.update(|all| all.push(c)))
            />
        }
    });
    dom.type_into(".signin-agent", " anna ");
    dom.type_into(".signin-password", "nope");
    tick().await;
    dom.click(".signin-submit");
    tick().await;
    assert_eq!(
        submitted.get_untracked(),
        [Credentials {
            agent: "anna".into(),
            password: "nope".into()
        }]
    );
    state.update(|s| {
        s.start();
        s.fail(Problem::WrongPassword);
        s.fail(Problem::WrongPassword);
    });
    tick().await;
    assert_eq!(dom.text("[role=alert]"), "Wrong agent id or password.");
    assert!(dom.disabled(".signin-submit"), "the retry is slowed");
    assert_eq!(dom.text(".signin-wait"), "Try again in 2 s.");
    dom.click(".signin-submit");
    tick().await;
    assert_eq!(
        submitted.get_untracked().len(),
        1,
        "no attempt while waiting"
    );
    state.update(|s| {
        s.tick();
        s.tick();
    });
    tick().await;
    assert!(!dom.disabled(".signin-submit"));
    assert!(dom.find(".signin-wait").is_none());
    for selector in [".signin-agent", ".signin-password"] {
        assert!(
            dom.find(&format!("label {selector}")).is_some(),
            "{selector} is labelled"
        );
    }
}

#[wasm_bindgen_test]
async fn the_sign_in_form_speaks_indonesian() {
    let state = RwSignal::new(SignIn::session_ended());
    let dom = Dom::new().mount(move || {
        view! { <SignInView strings=Locale::Id.strings() state on_submit=Callback::new(|_| {})/> }
    });
    tick().await;
    assert_eq!(dom.text(".signin-submit"), "Masuk");
    assert_eq!(
        dom.text("[role=alert]"),
        "Sesi Anda telah berakhir. Silakan masuk lagi."
    );
}

#[wasm_bindgen_test]
async fn the_top_bar_toggles_presence_and_shows_load_of_capacity() {
    let me = RwSignal::new(Some(Me {
        id: ME.into(),
        name: "Anna".into(),
        presence: Presence::Offline,
        capacity: 3,
        load: 0,
    }));
    let load = RwSignal::new(1u32);
    let asked = RwSignal::new(Vec::<Presence>::new());
    let link = RwSignal::new(Link::Online);
    let dom = Dom::new().mount(move || {
        view! {
            <TopBar
                strings=Locale::En.strings()
                me
                load
                link
                permission=Permission::Granted
                on_presence=Callback::new(move |p| asked.update(|all| all.push(p)))
                on_notifications=Callback::new(|()| {})
                on_sign_out=Callback::new(|()| {})
            />
        }
    });
    tick().await;
    assert_eq!(
        dom.attr("[role=switch]", "aria-checked").as_deref(),
        Some("false")
    );
    assert_eq!(dom.text(".capacity-text"), "1 of 3");
    assert_eq!(dom.attr("meter", "value").as_deref(), Some("1"));
    assert!(
        dom.find("label[for=capacity-meter]").is_some(),
        "the meter is labelled"
    );
    dom.click("[role=switch]");
    tick().await;
    assert_eq!(asked.get_untracked(), [Presence::Online]);
    me.update(|m| {
        if let Some(m) = m {
            m.presence = Presence::Online;
        }
    });
    load.set(3);
    link.set(Link::Reconnecting);
    tick().await;
    assert_eq!(
        dom.attr("[role=switch]", "aria-checked").as_deref(),
        Some("true")
    );
    assert_eq!(dom.text(".presence-value"), "Online");
    assert_eq!(dom.text(".capacity-text"), "3 of 3");
    assert_eq!(dom.text(".banner"), "Live updates lost: reconnecting…");
    assert!(
        dom.find(".notifications-enable").is_none(),
        "already granted"
    );
}

fn mount_list(
    list: RwSignal<WorkList>,
    selected: RwSignal<Option<tetap_shared::ConversationId>>,
) -> (Dom, RwSignal<Vec<String>>) {
    let picked = RwSignal::new(Vec::<String>::new());
    let now = parse("2026-11-24T09:12:00Z");
    let dom = Dom::new().mount(move || {
        view! {
            <ListView
                strings=Locale::En.strings()
                list
                selected
                now_ms=now
                on_select=Callback::new(move |id: tetap_shared::ConversationId| {
                    picked.update(|all| all.push(id.0))
                })
            />
        }
    });
    (dom, picked)
}

fn parse(at: &str) -> f64 {
    tetap_console::time::parse_ms(at).expect("a time")
}

#[wasm_bindgen_test]
async fn the_work_list_shows_each_group_with_name_workstream_mode_last_message_time_and_unread() {
    let mut list = WorkList::new(ME);
    let mut sari = conversation("a", Active, Some(ME), "Sari");
    sari.unread = 3;
    list.replace_all(
        vec![
            sari,
            conversation("w", Waiting, Some(ME), "Dewi"),
            conversation("q", Open, None, "Rudi"),
        ],
        None,
    );
    let list = RwSignal::new(list);
    let selected = RwSignal::new(None);
    let (dom, picked) = mount_list(list, selected);
    tick().await;
    let names = |group: &str| dom.texts(&format!("[data-group={group}] .row-name"));
    assert_eq!(names("active"), ["Sari"]);
    assert_eq!(names("waiting"), ["Dewi"]);
    assert_eq!(names("queue"), ["Rudi"]);
    let row = "[data-conversation=a]";
    assert_eq!(
        dom.text(&format!("{row} .row-meta")),
        "support · persistent"
    );
    assert_eq!(dom.text(&format!("{row} .row-last")), "Hello");
    assert_eq!(dom.text(&format!("{row} .row-since")), "11 min ago");
    assert_eq!(dom.text(&format!("{row} .row-unread .sr-only")), "3 unread");
    dom.click(row);
    tick().await;
    assert_eq!(picked.get_untracked(), ["a"]);
    selected.set(Some(id("a")));
    tick().await;
    assert_eq!(dom.attr(row, "aria-current").as_deref(), Some("true"));

    // A live update moves the row between groups in place.
    list.update(|l| l.upsert(conversation("a", Waiting, Some(ME), "Sari"), None));
    tick().await;
    assert_eq!(names("waiting").len(), 2);
    assert!(dom.texts("[data-group=active] .row-name").is_empty());
    assert_eq!(dom.text("[data-group=active] .group-empty"), "None");
}

#[wasm_bindgen_test]
async fn customer_names_and_messages_in_the_list_stay_text() {
    let mut attacker = conversation("x", Open, None, XSS);
    attacker.last_message = Some(message(1, AuthorKind::Customer, XSS));
    let mut list = WorkList::new(ME);
    list.replace_all(vec![attacker], None);
    let (dom, _) = mount_list(RwSignal::new(list), RwSignal::new(None));
    tick().await;
    assert!(
        dom.find("img").is_none(),
        "no element made from customer text"
    );
    assert_eq!(dom.text(".row-name"), XSS);
    assert_eq!(dom.text(".row-last"), XSS);
}

#[wasm_bindgen_test]
async fn a_toast_names_the_customer_as_text_and_opens_the_conversation() {
    let strings = Locale::En.strings();
    let toasts = RwSignal::new(Toasts::default());
    let opened = RwSignal::new(Vec::<String>::new());
    let dom = Dom::new().mount(move || {
        view! {
            <ToastsView
                strings
                toasts
                on_open=Callback::new(move |id: tetap_shared::ConversationId| {
                    opened.update(|all| all.push(id.0))
                })
            />
        }
    });
    toasts.update(|t| {
        t.push(
            &Notice {
                kind: NoticeKind::Wrote,
                conversation: id("x"),
                customer: XSS.into(),
                text: Some(XSS.into()),
            },
            strings,
        );
    });
    tick().await;
    assert!(dom.find("img").is_none());
    assert_eq!(dom.text(".toast-title"), format!("{XSS} wrote"));
    assert_eq!(dom.text(".toast-body"), XSS);
    assert!(
        dom.find("[role=status] .toast").is_some(),
        "announced politely"
    );
    dom.click(".toast-open");
    tick().await;
    assert_eq!(opened.get_untracked(), ["x"]);
    assert!(dom.find(".toast").is_none());
}
