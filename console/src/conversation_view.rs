//! The conversation on screen: its header and actions (accept or pick up, ✖, end with a
//! confirmation), the history with paging, the customer's typing indicator, the delivered/read
//! state of the agent side's messages, and the reply box (Enter sends, Shift+Enter adds a line).
//! Every message and name is rendered as text, never as HTML.

use crate::api::Action;
use crate::i18n::Strings;
use crate::thread::{Delivery, Row, Thread};
use crate::time::clock_time;
use crate::worklist::customer_name;
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::prelude::*;
use tetap_shared::frames::MAX_TEXT_BYTES;
use tetap_shared::{AuthorKind, Conversation, ConversationState, Mode};

/// What the agent may do with a conversation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Allowed {
    /// Take it from the queue.
    pub accept: bool,
    /// Pick a waiting one up (the same `accept` call).
    pub pick_up: bool,
    /// ✖: to waiting (persistent) or back to the queue (live).
    pub wait: bool,
    pub end: bool,
    pub reply: bool,
}

/// The actions for `conversation` as agent `me` sees it (the relay checks them again).
pub fn allowed(conversation: &Conversation, me: &str) -> Allowed {
    let mine = conversation.agent.as_ref().is_some_and(|a| a.id == me);
    match conversation.state {
        ConversationState::Open => Allowed {
            accept: true,
            end: true,
            reply: true,
            ..Allowed::default()
        },
        ConversationState::Active if mine => Allowed {
            wait: true,
            end: true,
            reply: true,
            ..Allowed::default()
        },
        ConversationState::Waiting if mine => Allowed {
            pick_up: true,
            end: true,
            reply: true,
            ..Allowed::default()
        },
        _ => Allowed::default(),
    }
}

/// What to do with the reply box's text: `Some(trimmed)` to send, `None` to ignore (blank or
/// too long; the relay would refuse the latter).
pub fn check_reply(draft: &str) -> Option<&str> {
    let text = draft.trim();
    (!text.is_empty() && text.len() <= MAX_TEXT_BYTES).then_some(text)
}

/// The conversation pane.
#[component]
pub fn ConversationView(
    strings: &'static Strings,
    /// The signed-in agent's id.
    me: String,
    /// The conversation on screen, as the list (or the last action) knows it.
    #[prop(into)]
    conversation: Signal<Option<Conversation>>,
    #[prop(into)] thread: Signal<Option<Thread>>,
    /// The customer is typing right now.
    #[prop(into)]
    customer_typing: Signal<bool>,
    /// The last refused action or reply, in the agent's language.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// An action is under way: its buttons are disabled.
    #[prop(into)]
    busy: Signal<bool>,
    on_send: Callback<String>,
    /// Resend a reply that was not sent, by its `client_id`.
    on_retry: Callback<String>,
    on_older: Callback<()>,
    on_action: Callback<Action>,
    /// The agent typed in the reply box (the app tells the customer, throttled).
    on_typing: Callback<()>,
) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let confirming = RwSignal::new(false);
    let log = NodeRef::<leptos::html::Div>::new();
    let cancel_button = NodeRef::<leptos::html::Button>::new();
    let id = Memo::new(move |_| conversation.with(|c| c.as_ref().map(|c| c.id.clone())));
    let allowed_now = {
        let me = me.clone();
        Memo::new(move |_| {
            conversation.with(|c| c.as_ref().map(|c| allowed(c, &me)).unwrap_or_default())
        })
    };
    // A new conversation on screen: no half-written reply or open confirmation carries over.
    Effect::new(
        move |previous: Option<Option<tetap_shared::ConversationId>>| {
            let now = id.get();
            if previous.is_some_and(|p| p != now) {
                draft.set(String::new());
                confirming.set(false);
            }
            now
        },
    );
    let read_seq = move || conversation.with(|c| c.as_ref().map_or(0, |c| c.customer_read_seq));
    let rows = Memo::new(move |_| {
        let seq = read_seq();
        thread.with(|t| t.as_ref().map(|t| t.rows(seq)).unwrap_or_default())
    });
    // Keep the newest message in view when one arrives (not when older ones are prepended).
    Effect::new(move |_| {
        rows.with(|rows| rows.last().map(|r| r.key.clone()));
        if let Some(log) = log.get() {
            log.set_scroll_top(log.scroll_height());
        }
    });
    // The confirmation takes the focus, on its safe button.
    Effect::new(move |_| {
        if confirming.get()
            && let Some(button) = cancel_button.get()
        {
            let _ = button.focus();
        }
    });

    let submit = move || {
        let text = draft.get_untracked();
        if let Some(text) = check_reply(&text) {
            on_send.run(text.to_owned());
            draft.set(String::new());
        }
    };
    let composer_keydown = move |event: KeyboardEvent| {
        if event.key() == "Enter" && !event.shift_key() && !event.is_composing() {
            event.prevent_default();
            submit();
        }
    };
    let customer = move || conversation.with(|c| c.as_ref().map(customer_name).unwrap_or_default());
    let mode = move || conversation.with(|c| c.as_ref().map(|c| c.mode));
    let state = move || conversation.with(|c| c.as_ref().map(|c| c.state));

    let header = move || {
        conversation.with(|c| {
            c.as_ref().map(|c| {
                format!(
                    "{} · {} · {}",
                    c.workstream,
                    strings.mode(c.mode),
                    strings.state(c.state)
                )
            })
        })
    };
    let wait_label = move || match mode() {
        Some(Mode::Live) => strings.wait_live,
        _ => strings.wait_persistent,
    };
    let notice = move || match state() {
        Some(ConversationState::Closed) => Some(strings.ended),
        Some(_) if !allowed_now.with(|a| a.reply) => Some(strings.taken),
        _ => None,
    };
    let more_before = move || thread.with(|t| t.as_ref().is_some_and(|t| t.more_before));
    let loaded = move || thread.with(|t| t.as_ref().is_some_and(|t| t.loaded));

    let pane = move || {
        if id.with(Option::is_none) {
            return view! { <p class="pane-empty">{strings.choose_conversation}</p> }.into_any();
        }
        view! {
            <header class="pane-header">
                <h2 class="pane-title" id="pane-title">{customer}</h2>
                <p class="pane-meta">{header}</p>
                <div class="actions">
                    <Show when=move || allowed_now.with(|a| a.accept)>
                        <button type="button" class="button button--primary action-accept"
                            disabled=move || busy.get()
                            on:click=move |_| on_action.run(Action::Accept)>
                            {strings.accept}
                        </button>
                    </Show>
                    <Show when=move || allowed_now.with(|a| a.pick_up)>
                        <button type="button" class="button button--primary action-pick-up"
                            disabled=move || busy.get()
                            on:click=move |_| on_action.run(Action::Accept)>
                            {strings.pick_up}
                        </button>
                    </Show>
                    <Show when=move || allowed_now.with(|a| a.wait)>
                        <button type="button" class="button action-wait"
                            data-mode=move || mode().map(|m| m.as_str())
                            disabled=move || busy.get()
                            on:click=move |_| on_action.run(Action::Wait)>
                            <span aria-hidden="true">"✖ "</span>
                            {wait_label}
                        </button>
                    </Show>
                    <Show when=move || allowed_now.with(|a| a.end)>
                        <button type="button" class="button button--danger action-end"
                            disabled=move || busy.get() || confirming.get()
                            on:click=move |_| confirming.set(true)>
                            {strings.end}
                        </button>
                    </Show>
                </div>
                <Show when=move || confirming.get() && allowed_now.with(|a| a.end)>
                    <div class="confirm" role="alertdialog" aria-labelledby="confirm-text"
                        on:keydown=move |event: KeyboardEvent| {
                            if event.key() == "Escape" {
                                event.prevent_default();
                                confirming.set(false);
                            }
                        }>
                        <p id="confirm-text">{strings.confirm_end}</p>
                        <button type="button" class="button button--danger confirm-yes"
                            disabled=move || busy.get()
                            on:click=move |_| {
                                confirming.set(false);
                                on_action.run(Action::End);
                            }>
                            {strings.confirm_end_yes}
                        </button>
                        <button type="button" class="button confirm-cancel" node_ref=cancel_button
                            on:click=move |_| confirming.set(false)>
                            {strings.cancel}
                        </button>
                    </div>
                </Show>
            </header>
            <Show when=more_before>
                <button type="button" class="button button--quiet load-older"
                    on:click=move |_| on_older.run(())>
                    {strings.load_older}
                </button>
            </Show>
            <Show when=move || !loaded()>
                <p class="pane-loading" role="status">{strings.loading}</p>
            </Show>
            // The scrolling log takes the focus, so the keyboard can scroll it (tabindex 0).
            <div class="log" role="log" aria-live="polite" aria-labelledby="pane-title"
                tabindex="0" node_ref=log>
                <ol class="log-list">
                    <For
                        each=move || rows.get()
                        key=|row| (row.key.clone(), row.delivery)
                        children=move |row| {
                            let name = conversation.with_untracked(|c| {
                                c.as_ref().map(customer_name).unwrap_or_default()
                            });
                            message_item(row, strings, name, on_retry)
                        }
                    />
                </ol>
            </div>
            <p class="typing" role="status">
                {move || customer_typing.get().then(|| strings.typing(&customer()))}
            </p>
            {move || notice().map(|text| view! { <p class="pane-notice">{text}</p> })}
            <Show when=move || allowed_now.with(|a| a.reply)>
                <form class="composer" on:submit=move |event: SubmitEvent| {
                    event.prevent_default();
                    submit();
                }>
                    <label class="field composer-field">
                        <span class="sr-only">{strings.reply_label}</span>
                        <textarea
                            class="composer-input"
                            rows="3"
                            placeholder=strings.reply_placeholder
                            prop:value=move || draft.get()
                            on:input=move |event| {
                                draft.set(event_target_value(&event));
                                on_typing.run(());
                            }
                            on:keydown=composer_keydown
                        ></textarea>
                    </label>
                    <button type="submit" class="button button--primary composer-send">
                        {strings.send}
                    </button>
                </form>
            </Show>
        }
        .into_any()
    };

    view! {
        <main class="pane" id="main">
            {move || error.get().map(|text| view! { <p class="pane-error" role="alert">{text}</p> })}
            {pane}
        </main>
    }
}

/// One message of the log. The text goes into a text node: markup in it stays text.
fn message_item(
    row: Row,
    strings: &'static Strings,
    customer: String,
    on_retry: Callback<String>,
) -> impl IntoView {
    let kind = row.kind;
    let author = match kind {
        AuthorKind::Customer => Some(customer),
        AuthorKind::Agent => Some(row.name.unwrap_or_else(|| strings.you.to_owned())),
        AuthorKind::System => None,
    };
    let delivery = row.delivery.map(|d| match d {
        Delivery::Sending => strings.sending,
        Delivery::Failed => strings.not_sent,
        Delivery::Delivered => strings.delivered,
        Delivery::Read => strings.read,
    });
    let time = row
        .at
        .as_deref()
        .map(|at| (at.to_owned(), clock_time(at, strings.locale.tag())));
    let failed = row.delivery == Some(Delivery::Failed);
    let key = row.key.clone();
    view! {
        <li
            class=format!("msg msg--{}", kind.as_str())
            data-kind=row.system_kind
            data-delivery=row.delivery.map(Delivery::as_str)
        >
            {author.map(|name| view! { <span class="msg-author">{name}</span> })}
            <p class="msg-text">{row.text}</p>
            <span class="msg-meta">
                {time.map(|(at, shown)| view! { <time datetime=at>{shown}</time> })}
                {delivery.map(|text| view! { <span class="msg-delivery">{text}</span> })}
                {failed.then(|| view! {
                    <button type="button" class="button button--quiet msg-retry"
                        on:click=move |_| on_retry.run(key.clone())>
                        {strings.retry}
                    </button>
                })}
            </span>
        </li>
    }
}
