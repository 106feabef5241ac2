//! Boot: reads the URL, applies theme and language, loads the workstream, checks the host may
//! embed it, then mounts the chat panel over a [`Session`].

use crate::bridge::{self, Outbound};
use crate::i18n::{Locale, LocaleStrings, Strings};
use crate::params::Params;
use crate::session::{Session, Token};
use crate::view::{Actions, ChatView, Outgoing};
use crate::workstream;
use leptos::prelude::*;
use std::rc::Rc;
use tetap_shared::frames::ClientFrame;
use wasm_bindgen::JsCast;

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
            let (chat, link, token, following) =
                session.with_value(|s| (s.chat, s.link, s.token, s.following));
            // Anonymous visitors of a live workstream chat without signing in; everyone else needs
            // the host page's token.
            let anonymous = session.with_value(|s| s.info.anonymous);
            let actions = Actions {
                send: Callback::new(move |out: Outgoing| session.with_value(|s| s.send(out))),
                close: Callback::new(move |()| {
                    session.with_value(|s| s.bridge.post(&Outbound::Close))
                }),
                end: Callback::new(move |()| session.with_value(|s| s.frame(ClientFrame::End))),
                typing: Callback::new(move |()| session.with_value(|s| s.typing())),
                request: Callback::new(move |frame| session.with_value(|s| s.frame(frame))),
            };
            view! {
                <ChatView
                    chat
                    strings
                    link
                    can_write=Signal::derive(move || anonymous || token.get() != Token::SignedOut)
                    following
                    actions
                />
            }
            .into_any()
        }
    }
}
