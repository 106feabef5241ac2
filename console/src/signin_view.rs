//! The sign-in form: agent id and password, a clear message when they are wrong, and a submit
//! button that stays disabled while the slowed retry counts down.

use crate::i18n::Strings;
use crate::signin::{Problem, SignIn};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

/// Agent id and password as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub agent: String,
    pub password: String,
}

/// The sign-in page.
#[component]
pub fn SignInView(
    strings: &'static Strings,
    /// The form's state; the app updates it with the outcome of each attempt.
    state: RwSignal<SignIn>,
    /// The agent pressed "Sign in" (or Enter) while an attempt is allowed.
    on_submit: Callback<Credentials>,
) -> impl IntoView {
    let agent = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        if !state.get_untracked().can_submit() {
            return;
        }
        let credentials = Credentials {
            agent: agent.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
        };
        if credentials.agent.is_empty() || credentials.password.is_empty() {
            return;
        }
        on_submit.run(credentials);
    };
    let problem = move || {
        state.with(|s| s.problem).map(|problem| match problem {
            Problem::WrongPassword => strings.wrong_password,
            Problem::TooManyAttempts => strings.too_many_attempts,
            Problem::Unreachable => strings.unreachable,
            Problem::SessionEnded => strings.session_ended,
        })
    };
    let button_text = move || {
        if state.with(|s| s.busy) {
            strings.signing_in
        } else {
            strings.sign_in
        }
    };
    view! {
        <main class="signin" id="main">
            <h1 class="signin-title">{strings.sign_in_title}</h1>
            <form class="signin-form" on:submit=submit>
                <label class="field">
                    <span class="field-label">{strings.agent_label}</span>
                    <input
                        class="signin-agent"
                        name="agent"
                        type="text"
                        autocomplete="username"
                        autocapitalize="none"
                        spellcheck="false"
                        required
                        prop:value=move || agent.get()
                        on:input=move |event| agent.set(event_target_value(&event))
                    />
                </label>
                <label class="field">
                    <span class="field-label">{strings.password_label}</span>
                    <input
                        class="signin-password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                        prop:value=move || password.get()
                        on:input=move |event| password.set(event_target_value(&event))
                    />
                </label>
                <button
                    type="submit"
                    class="button button--primary signin-submit"
                    disabled=move || !state.with(SignIn::can_submit)
                >
                    {button_text}
                </button>
                <div class="signin-problem" role="alert">
                    {move || problem().map(|text| view! { <p class="problem">{text}</p> })}
                </div>
                // Outside the alert: a countdown announced every second would drown the rest.
                {move || {
                    let wait = state.with(|s| s.wait_s);
                    (wait > 0).then(|| view! { <p class="signin-wait">{strings.retry_in(wait)}</p> })
                }}
            </form>
        </main>
    }
}
