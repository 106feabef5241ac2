//! Telling the agent: toasts in the console (a polite live region), the tab title's count, and a
//! desktop notification when the browser allows it and the console is not in front.

use crate::i18n::Strings;
use crate::worklist::{Notice, NoticeKind};
use tetap_shared::ConversationId;
use wasm_bindgen::JsValue;

/// Most toasts shown at once; older ones go first.
pub const MAX_TOASTS: usize = 4;
/// Longest part of a message a toast quotes, in characters.
const QUOTE_CHARS: usize = 120;

/// One toast.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toast {
    pub id: u64,
    pub kind: NoticeKind,
    pub conversation: ConversationId,
    pub customer: String,
    /// The headline, in the agent's language.
    pub title: String,
    /// A quote of what the customer wrote.
    pub body: Option<String>,
}

/// The toasts on screen, newest last.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Toasts {
    next_id: u64,
    pub items: Vec<Toast>,
}

/// The headline and quote of a notice.
pub fn describe(notice: &Notice, strings: &Strings) -> (String, Option<String>) {
    let title = match notice.kind {
        NoticeKind::Assigned => strings.assigned(&notice.customer),
        NoticeKind::Returned => strings.returned(&notice.customer),
        NoticeKind::Wrote => strings.wrote(&notice.customer),
    };
    let body = notice.text.as_deref().map(quote);
    (title, body)
}

/// The start of `text`, cut at [`QUOTE_CHARS`] characters with an ellipsis.
pub fn quote(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(QUOTE_CHARS).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

impl Toasts {
    /// Shows a notice; returns the toast's id (for its timer). One toast per conversation: a new
    /// notice replaces the older one, except that "came back" does not hide what they wrote nor
    /// a "came back" already shown (R7: a return may be told again after a reconnect).
    pub fn push(&mut self, notice: &Notice, strings: &Strings) -> u64 {
        if let Some(existing) = self
            .items
            .iter()
            .find(|t| t.conversation == notice.conversation)
            && matches!(existing.kind, NoticeKind::Wrote | NoticeKind::Returned)
            && notice.kind == NoticeKind::Returned
        {
            return existing.id;
        }
        self.items.retain(|t| t.conversation != notice.conversation);
        self.next_id += 1;
        let (title, body) = describe(notice, strings);
        self.items.push(Toast {
            id: self.next_id,
            kind: notice.kind,
            conversation: notice.conversation.clone(),
            customer: notice.customer.clone(),
            title,
            body,
        });
        if self.items.len() > MAX_TOASTS {
            self.items.remove(0);
        }
        self.next_id
    }

    /// Removes a toast (dismissed, opened or expired).
    pub fn dismiss(&mut self, id: u64) {
        self.items.retain(|t| t.id != id);
    }

    /// Removes the toasts about a conversation the agent opened.
    pub fn dismiss_conversation(&mut self, conversation: &ConversationId) {
        self.items.retain(|t| &t.conversation != conversation);
    }
}

/// The tab title: the count of unread messages in the agent's conversations first, so it shows
/// in a tab strip: `(3) Tetap console`.
pub fn tab_title(base: &str, unread: u64) -> String {
    if unread == 0 {
        base.to_owned()
    } else {
        format!("({unread}) {base}")
    }
}

/// What the browser says about desktop notifications.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Not asked yet: the console offers a button (browsers ask only after a click).
    Ask,
    Granted,
    Denied,
    /// No Notification API (or not in this context).
    Unsupported,
}

fn notification_api() -> bool {
    js_sys::Reflect::has(&js_sys::global(), &JsValue::from_str("Notification")).unwrap_or(false)
}

/// The current permission.
pub fn permission() -> Permission {
    if !notification_api() {
        return Permission::Unsupported;
    }
    match web_sys::Notification::permission() {
        web_sys::NotificationPermission::Granted => Permission::Granted,
        web_sys::NotificationPermission::Denied => Permission::Denied,
        _ => Permission::Ask,
    }
}

/// Asks the browser for permission (call from a click); `done` gets the answer.
pub fn request_permission(done: impl FnOnce(Permission) + 'static) {
    if !notification_api() {
        done(Permission::Unsupported);
        return;
    }
    match web_sys::Notification::request_permission() {
        Ok(promise) => wasm_bindgen_futures::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
            done(permission());
        }),
        Err(_) => done(permission()),
    }
}

/// Whether the console's tab is hidden (another tab in front, or minimised): then nothing on it
/// counts as seen.
pub fn page_hidden() -> bool {
    leptos::prelude::document().hidden()
}

/// Whether the agent is looking elsewhere: the tab is hidden or another window has the focus.
fn out_of_sight() -> bool {
    let document = leptos::prelude::document();
    document.hidden() || !document.has_focus().unwrap_or(true)
}

/// Shows a desktop notification if allowed and the console is out of sight. The texts go in as
/// text: the notification API renders no markup.
pub fn desktop(title: &str, body: Option<&str>) {
    if permission() != Permission::Granted || !out_of_sight() {
        return;
    }
    let options = web_sys::NotificationOptions::new();
    if let Some(body) = body {
        options.set_body(body);
    }
    options.set_tag("tetap-console");
    let _ = web_sys::Notification::new_with_options(title, &options);
}
