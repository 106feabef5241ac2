//! The console's top bar: who is signed in, the presence switch, the capacity meter (load /
//! capacity), the live-updates banner, desktop notifications and sign-out.

use crate::api::{Me, Presence};
use crate::events::Link;
use crate::i18n::Strings;
use crate::notify::Permission;
use leptos::prelude::*;

/// The top bar.
#[component]
pub fn TopBar(
    strings: &'static Strings,
    /// The signed-in agent as `GET /me` last said.
    #[prop(into)]
    me: Signal<Option<Me>>,
    /// Conversations using capacity now (the work list's `active` ones).
    #[prop(into)]
    load: Signal<u32>,
    /// The event stream's state.
    #[prop(into)]
    link: Signal<Link>,
    /// Desktop notifications: the button shows only while the browser has not been asked.
    #[prop(into)]
    permission: Signal<Permission>,
    on_presence: Callback<Presence>,
    on_notifications: Callback<()>,
    on_sign_out: Callback<()>,
) -> impl IntoView {
    let online = move || me.with(|m| m.as_ref().map(|m| m.presence)) == Some(Presence::Online);
    let capacity = move || me.with(|m| m.as_ref().map_or(0, |m| m.capacity));
    let toggle = move |_| {
        let next = if online() {
            Presence::Offline
        } else {
            Presence::Online
        };
        on_presence.run(next);
    };
    let banner = move || match link.get() {
        Link::Connecting => Some(strings.connecting),
        Link::Reconnecting => Some(strings.reconnecting),
        Link::Online => None,
    };
    view! {
        <header class="topbar">
            <h1 class="topbar-title">{strings.app_title}</h1>
            <p class="topbar-agent">{move || me.with(|m| m.as_ref().map(|m| m.name.clone()))}</p>
            <button
                type="button"
                role="switch"
                class="presence"
                aria-checked=move || if online() { "true" } else { "false" }
                data-presence=move || if online() { "online" } else { "offline" }
                on:click=toggle
            >
                <span class="presence-label">{strings.presence}</span>
                <span class="presence-dot" aria-hidden="true"></span>
                <span class="presence-value">
                    {move || if online() { strings.online } else { strings.offline }}
                </span>
            </button>
            <div class="capacity">
                <label class="capacity-label" for="capacity-meter">{strings.capacity}</label>
                <meter
                    id="capacity-meter"
                    class="capacity-meter"
                    min="0"
                    max=move || capacity().max(1)
                    high=move || capacity().max(1)
                    value=move || load.get()
                ></meter>
                <span class="capacity-text">{move || strings.load_of(load.get(), capacity())}</span>
            </div>
            <Show when=move || permission.get() == Permission::Ask>
                <button
                    type="button"
                    class="button button--quiet notifications-enable"
                    on:click=move |_| on_notifications.run(())
                >
                    {strings.enable_notifications}
                </button>
            </Show>
            <button
                type="button"
                class="button button--quiet sign-out"
                on:click=move |_| on_sign_out.run(())
            >
                {strings.sign_out}
            </button>
            // Always present, so screen readers hear when it changes; hidden by CSS when empty.
            <p class="banner" role="status">{banner}</p>
        </header>
    }
}
