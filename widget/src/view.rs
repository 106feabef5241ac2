//! The chat's components: header, message log and composer. They render a [`Chat`] signal and
//! report what the customer does through callbacks; the app (or a test) decides what that means.
//! Every message is rendered as text, never as HTML.

use crate::chat::{Chat, Entry, Status};
use crate::connection::Status as Link;
use crate::i18n::Strings;
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::prelude::*;
use tetap_shared::AuthorKind;
use tetap_shared::frames::MAX_TEXT_BYTES;

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
    /// Called after a new message is shown as "sending".
    on_send: Callback<Outgoing>,
    /// The customer pressed Esc or the minimise button.
    on_close: Callback<()>,
) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let too_long = RwSignal::new(false);
    let log = NodeRef::<leptos::html::Ol>::new();

    let submit = move || {
        let text = draft.get_untracked();
        match check_draft(&text) {
            Ok(text) => {
                let outgoing = Outgoing {
                    client_id: crate::identity::new_client_id(),
                    text: text.to_owned(),
                };
                chat.update(|chat| chat.push_local(&outgoing.client_id, &outgoing.text));
                draft.set(String::new());
                too_long.set(false);
                on_send.run(outgoing);
            }
            Err(notice) => too_long.set(notice.is_some()),
        }
    };

    // Keep the newest message in view.
    Effect::new(move || {
        chat.with(|chat| chat.entries.len());
        if let Some(log) = log.get() {
            log.set_scroll_top(log.scroll_height());
        }
    });

    let on_keydown = move |event: KeyboardEvent| {
        if event.key() == "Escape" {
            event.prevent_default();
            on_close.run(());
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

    view! {
        <section class="tetap-panel" aria-label=strings.title on:keydown=on_keydown>
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
                    class="tetap-minimise"
                    aria-label=strings.minimise
                    title=strings.minimise
                    on:click=move |_| on_close.run(())
                >
                    "\u{2013}"
                </button>
            </header>
            {move || banner().map(|text| view! { <p class="tetap-banner" role="status">{text}</p> })}
            <Show when=move || chat.with(|chat| chat.entries.is_empty())>
                <p class="tetap-empty">{strings.empty}</p>
            </Show>
            <ol class="tetap-log" role="log" aria-live="polite" node_ref=log>
                <For
                    each=move || chat.with(|chat| chat.entries.clone())
                    key=|entry| (entry.key.clone(), entry.status)
                    children=move |entry| message_item(entry, strings)
                />
            </ol>
            <Show
                when=move || can_write.get()
                fallback=move || view! { <p class="tetap-signin">{strings.sign_in}</p> }
            >
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
                            on:input=move |event| draft.set(event_target_value(&event))
                            on:keydown=composer_keydown
                        ></textarea>
                    </label>
                    <button type="submit" class="tetap-send">{strings.send}</button>
                </form>
                {move || {
                    too_long
                        .get()
                        .then(|| view! { <p class="tetap-notice" role="alert">{strings.too_long}</p> })
                }}
            </Show>
        </section>
    }
}

/// One message of the log. The text goes into a text node: markup in it stays text.
fn message_item(entry: Entry, strings: &'static Strings) -> impl IntoView {
    let kind = entry.kind;
    let class = format!("tetap-msg tetap-msg--{}", kind.as_str());
    let author = match kind {
        AuthorKind::Customer => strings.you.to_owned(),
        AuthorKind::Agent => entry.name.unwrap_or_else(|| strings.agent.to_owned()),
        AuthorKind::System => String::new(),
    };
    let status = (kind == AuthorKind::Customer).then_some(match entry.status {
        Status::Sending => strings.sending,
        Status::Sent => strings.sent,
        Status::Failed => strings.failed,
    });
    let author_class = if kind == AuthorKind::Customer {
        "tetap-sr"
    } else {
        "tetap-author"
    };
    view! {
        <li class=class data-status=entry.status.as_str() data-kind=entry.system_kind>
            {(!author.is_empty()).then(|| view! { <span class=author_class>{author}</span> })}
            <p class="tetap-text">{entry.text}</p>
            {status.map(|status| view! { <span class="tetap-status">{status}</span> })}
        </li>
    }
}
