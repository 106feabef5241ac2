//! The work list: three groups (my active conversations, my waiting ones, the queue), each row a
//! button with the customer's name, workstream and mode, the last message, how long ago, and the
//! unread count; a conversation whose customer came back is marked until that is handled (R7).
//! Customer-supplied text goes into text nodes only.

use crate::i18n::Strings;
use crate::time::{ago, parse_ms};
use crate::worklist::{Group, WorkList, customer_name, is_returned, last_activity};
use leptos::prelude::*;
use tetap_shared::{AuthorKind, ConversationId};

/// The work list.
#[component]
pub fn ListView(
    strings: &'static Strings,
    #[prop(into)] list: Signal<WorkList>,
    /// The conversation on screen (`aria-current`).
    #[prop(into)]
    selected: Signal<Option<ConversationId>>,
    /// The clock, moved by the app every few seconds, for "time since".
    #[prop(into)]
    now_ms: Signal<f64>,
    on_select: Callback<ConversationId>,
) -> impl IntoView {
    let groups = Group::ALL.map(|group| {
        let heading = match group {
            Group::Active => strings.group_active,
            Group::Waiting => strings.group_waiting,
            Group::Queue => strings.group_queue,
        };
        let heading_id = format!("group-{}", group.as_str());
        let labelled_by = heading_id.clone();
        let ids = Memo::new(move |_| list.with(|l| l.ids(group)));
        view! {
            <section class="group" data-group=group.as_str() aria-labelledby=labelled_by>
                <h2 class="group-title" id=heading_id>
                    {heading}
                    " "
                    <span class="group-count">{move || ids.with(Vec::len)}</span>
                </h2>
                <Show
                    when=move || ids.with(|ids| !ids.is_empty())
                    fallback=move || view! { <p class="group-empty">{strings.group_empty}</p> }
                >
                    <ul class="rows">
                        <For
                            each=move || ids.get()
                            key=|id| id.clone()
                            children=move |id| row(id, strings, list, selected, now_ms, on_select)
                        />
                    </ul>
                </Show>
            </section>
        }
    });
    view! {
        <nav class="worklist" aria-label=strings.conversations>
            {groups}
        </nav>
    }
}

/// One conversation of the list; every part follows the list signal, so a changed conversation
/// updates in place (and keeps keyboard focus).
fn row(
    id: ConversationId,
    strings: &'static Strings,
    list: Signal<WorkList>,
    selected: Signal<Option<ConversationId>>,
    now_ms: Signal<f64>,
    on_select: Callback<ConversationId>,
) -> impl IntoView {
    let field = {
        let id = id.clone();
        move |f: fn(&tetap_shared::Conversation, &'static Strings) -> String| {
            let id = id.clone();
            move || list.with(|l| l.get(&id).map(|c| f(c, strings)).unwrap_or_default())
        }
    };
    let name = field(|c, _| customer_name(c));
    let meta = field(|c, s| format!("{} · {}", c.workstream, s.mode(c.mode)));
    let last = field(|c, s| match &c.last_message {
        Some(m) if m.author.kind == AuthorKind::Agent => format!("{}: {}", s.you, m.text),
        Some(m) => m.text.clone(),
        None => s.no_messages.to_owned(),
    });
    let at = field(|c, _| last_activity(c).to_owned());
    let since = {
        let at = at.clone();
        move || {
            parse_ms(&at())
                .map(|then| strings.ago(ago(now_ms.get(), then)))
                .unwrap_or_default()
        }
    };
    let unread = {
        let id = id.clone();
        move || list.with(|l| l.get(&id).map_or(0, |c| c.unread))
    };
    let current = {
        let id = id.clone();
        move || selected.with(|s| s.as_ref() == Some(&id)).then_some("true")
    };
    // The mark is text inside the button, so it is part of the row's accessible name.
    let returned = {
        let id = id.clone();
        Memo::new(move |_| list.with(|l| l.get(&id).is_some_and(is_returned)))
    };
    let conversation = id.0.clone();
    view! {
        <li class="row">
            <button
                type="button"
                class="row-button"
                data-conversation=conversation
                aria-current=current
                data-returned=move || returned.get().then_some("true")
                on:click=move |_| on_select.run(id.clone())
            >
                <span class="row-top">
                    <span class="row-name">{name}</span>
                    {move || returned.get().then(|| view! {
                        <span class="row-returned">{strings.customer_back}</span>
                    })}
                    <time class="row-since" datetime=at>{since}</time>
                </span>
                <span class="row-meta">{meta}</span>
                <span class="row-bottom">
                    <span class="row-last">{last}</span>
                    {move || {
                        let count = unread();
                        (count > 0).then(|| view! {
                            <span class="row-unread">
                                <span aria-hidden="true">{count}</span>
                                <span class="sr-only">{strings.unread(count)}</span>
                            </span>
                        })
                    }}
                </span>
            </button>
        </li>
    }
}
