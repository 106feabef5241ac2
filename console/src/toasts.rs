//! The console's toasts: a polite live region at the corner, each toast saying what happened with
//! a button that opens the conversation and one that dismisses it.

use crate::i18n::Strings;
use crate::notify::{Toast, Toasts};
use leptos::prelude::*;
use tetap_shared::ConversationId;

/// The toast region.
#[component]
pub fn ToastsView(
    strings: &'static Strings,
    toasts: RwSignal<Toasts>,
    on_open: Callback<ConversationId>,
) -> impl IntoView {
    view! {
        <aside class="toasts" aria-label=strings.notifications>
            <div role="status" aria-live="polite">
                <ul class="toast-list">
                    <For
                        each=move || toasts.with(|t| t.items.clone())
                        key=|toast| toast.id
                        children=move |toast| toast_item(toast, strings, toasts, on_open)
                    />
                </ul>
            </div>
        </aside>
    }
}

fn toast_item(
    toast: Toast,
    strings: &'static Strings,
    toasts: RwSignal<Toasts>,
    on_open: Callback<ConversationId>,
) -> impl IntoView {
    let id = toast.id;
    let conversation = toast.conversation.clone();
    view! {
        <li class="toast" data-kind=format!("{:?}", toast.kind).to_lowercase()
            data-conversation=toast.conversation.0.clone()>
            <p class="toast-title">{toast.title}</p>
            {toast.body.map(|body| view! { <p class="toast-body">{body}</p> })}
            <div class="toast-actions">
                <button type="button" class="button button--primary toast-open"
                    aria-label=strings.open_with(&toast.customer)
                    on:click=move |_| {
                        toasts.update(|t| t.dismiss(id));
                        on_open.run(conversation.clone());
                    }>
                    {strings.open}
                </button>
                <button type="button" class="button button--quiet toast-dismiss"
                    on:click=move |_| toasts.update(|t| t.dismiss(id))>
                    {strings.dismiss}
                </button>
            </div>
        </li>
    }
}
