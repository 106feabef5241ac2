//! Boot and wiring: asks the relay who is signed in, shows the sign-in form or the desk, and ties
//! the agent API, the event stream, the work list, the conversation on screen and the
//! notifications together.

use crate::api::{self, Me};
use crate::desk::DeskView;
use crate::i18n::{Locale, LocaleStrings, Strings};
use crate::signin::{Problem, SignIn};
use crate::signin_view::{Credentials, SignInView};
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

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
