//! The chat panel: header (agent, end control, minimise), connection and offline notices, the
//! message log, the agent's typing indicator and the composer. The components render a [`Chat`]
//! signal and report what the customer does through callbacks; the app (or a test) decides what
//! that means.

use crate::chat::Chat;
use crate::connection::Status as Link;
use crate::i18n::Strings;
use crate::log_view::MessageLog;
use crate::window::Window;
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::html::Button;
use leptos::prelude::*;
use tetap_shared::frames::{ClientFrame, MAX_TEXT_BYTES};

/// A message the customer just wrote: already shown as "sending", to be sent to the relay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    pub client_id: String,
    pub text: String,
}

/// What to do with the composer's text: `Ok(trimmed)` to send, `Err(Some(TooLong))` to refuse with
/// a notice, `Err(None)` to ignore (blank).
pub fn check_draft(draft: &str) -> Result<&str, Option<TooLong>> {
    let text = draft.trim();
    if text.is_empty() {
        Err(None)
    } else if text.len() > MAX_TEXT_BYTES {
        Err(Some(TooLong))
    } else {
        Ok(text)
    }
}

/// The draft exceeds [`MAX_TEXT_BYTES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLong;

/// What the panel reports besides the chat signal itself.
#[derive(Clone, Copy)]
pub struct Actions {
    /// Called after a new message is shown as "sending".
    pub send: Callback<Outgoing>,
    /// The customer pressed Esc or the minimise button.
    pub close: Callback<()>,
    /// The customer confirmed ending the (live) conversation.
    pub end: Callback<()>,
    /// The customer typed in the composer (the app throttles what it sends).
    pub typing: Callback<()>,
    /// A `history` frame for an older page.
    pub request: Callback<ClientFrame>,
}

/// The whole chat panel.
#[component]
pub fn ChatView(
    /// The conversation to show; the view adds the customer's new messages to it as "sending".
    chat: RwSignal<Chat>,
    strings: &'static Strings,
    /// The socket's state, for the "reconnecting…" banner.
    #[prop(into)]
    link: Signal<Link>,
    /// `false` shows "please sign in" instead of the composer.
    #[prop(into)]
    can_write: Signal<bool>,
    /// True while the newest message is in view.
    following: RwSignal<bool>,
    actions: Actions,
) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let too_long = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let window = RwSignal::new(Window::Tail);
    let confirm_button = NodeRef::<Button>::new();

    let submit = move || {
        let text = draft.get_untracked();
        match check_draft(&text) {
            Ok(text) => {
                let outgoing = Outgoing {
                    client_id: crate::identity::new_client_id(),
                    text: text.to_owned(),
                };
                chat.update(|chat| chat.push_local(&outgoing.client_id, &outgoing.text));
                window.set(Window::Tail);
                following.set(true);
                draft.set(String::new());
                too_long.set(false);
                actions.send.run(outgoing);
            }
            Err(notice) => too_long.set(notice.is_some()),
        }
    };

    let on_keydown = move |event: KeyboardEvent| {
        if event.key() == "Escape" {
            event.prevent_default();
            if confirming.get_untracked() {
                confirming.set(false);
            } else {
                actions.close.run(());
            }
        }
    };
    let composer_keydown = move |event: KeyboardEvent| {
        if event.key() == "Enter" && !event.shift_key() && !event.is_composing() {
            event.prevent_default();
            submit();
        }
    };
    let banner = move || match link.get() {
        Link::Connecting => Some(strings.connecting),
        Link::Reconnecting => Some(strings.reconnecting),
        Link::Idle | Link::Online => None,
    };
    let can_end = move || chat.with(Chat::can_end);
    // The question goes when there is nothing left to end.
    Effect::new(move |_| {
        if !can_end() {
            confirming.set(false);
        }
    });
    let ask = move |_| {
        confirming.set(true);
        // Focus the answer once it is shown.
        request_animation_frame(move || {
            if let Some(button) = confirm_button.get_untracked() {
                let _ = button.focus();
            }
        });
    };
    let typing = move || {
        chat.with(|chat| chat.agent_typing.clone())
            .map(|name| strings.typing.replace("{name}", &name))
    };
    let ended = move || {
        chat.with(|chat| {
            let last = chat.threads.last()?;
            let pending = chat
                .entries
                .last()
                .is_some_and(|e| e.conversation.is_none());
            (chat.is_closed(&last.id) && !pending).then_some(strings.ended)
        })
    };

    view! {
        <section
            class="tetap-panel"
            aria-label=strings.title
            data-link=move || link.get().as_str()
            on:keydown=on_keydown
        >
            <header class="tetap-header">
                <div class="tetap-heading">
                    <h1 class="tetap-title">{strings.title}</h1>
                    {move || {
                        chat.with(|chat| chat.agent_name().map(str::to_owned))
                            .map(|name| view! { <p class="tetap-agent">{name}</p> })
                    }}
                </div>
                <button
                    type="button"
                    class="tetap-end"
                    hidden=move || !can_end()
                    aria-expanded=move || confirming.get().to_string()
                    on:click=ask
                >
                    {strings.end}
                </button>
                <button
                    type="button"
                    class="tetap-minimise"
                    aria-label=strings.minimise
                    title=strings.minimise
                    on:click=move |_| actions.close.run(())
                >
                    "\u{2013}"
                </button>
            </header>
            <div
                class="tetap-confirm"
                role="group"
                aria-label=strings.end
                hidden=move || !confirming.get()
            >
                    <p>{strings.end_question}</p>
                    <button
                        type="button"
                        class="tetap-confirm-end"
                        node_ref=confirm_button
                        on:click=move |_| {
                            confirming.set(false);
                            actions.end.run(());
                        }
                    >
                        {strings.end}
                    </button>
                    <button
                        type="button"
                        class="tetap-confirm-cancel"
                        on:click=move |_| confirming.set(false)
                    >
                        {strings.cancel}
                    </button>
            </div>
            {move || banner().map(|text| view! { <p class="tetap-banner" role="status">{text}</p> })}
            {move || {
                chat.with(|chat| chat.offline_notice().map(str::to_owned))
                    .map(|text| view! { <p class="tetap-offline" role="status">{text}</p> })
            }}
            <p
                class="tetap-empty"
                // "Send us a message" would contradict the offline notice (R3).
                hidden=move || {
                    chat.with(|chat| {
                        !chat.entries.is_empty() || chat.has_older()
                            || chat.offline_notice().is_some()
                    })
                }
            >
                {strings.empty}
            </p>
            <MessageLog chat strings window following on_request=actions.request/>
            {move || ended().map(|text| view! { <p class="tetap-ended">{text}</p> })}
            <p class="tetap-typing" role="status">{typing}</p>
            // Each is rendered only when it applies: nothing finds a composer that cannot be used.
            {move || {
                (!can_write.get()).then(|| view! { <p class="tetap-signin">{strings.sign_in}</p> })
            }}
            {move || {
                can_write
                    .get()
                    .then(|| {
                        view! {
                            <form
                                class="tetap-composer"
                                on:submit=move |event: SubmitEvent| {
                                    event.prevent_default();
                                    submit();
                                }
                            >
                                <label class="tetap-field">
                                    <span class="tetap-sr">{strings.message_label}</span>
                                    <textarea
                                        class="tetap-input"
                                        rows="2"
                                        placeholder=strings.placeholder
                                        prop:value=move || draft.get()
                                        on:input=move |event| {
                                            draft.set(event_target_value(&event));
                                            actions.typing.run(());
                                        }
                                        on:keydown=composer_keydown
                                    ></textarea>
                                </label>
                                <button type="submit" class="tetap-send">{strings.send}</button>
                            </form>
                        }
                    })
            }}
            {move || {
                too_long
                    .get()
                    .then(|| view! { <p class="tetap-notice" role="alert">{strings.too_long}</p> })
            }}
        </section>
    }
}
