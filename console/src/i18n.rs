//! The console's strings in English and Indonesian (the tables in `i18n/en.rs` and `i18n/id.rs`),
//! picked from the browser's languages.

use crate::time::Ago;
use tetap_shared::{ConversationState, Mode};

pub use tetap_shared::Locale;

mod en;
mod id;

use en::EN;
use id::ID;

/// The console's strings of a language.
pub trait LocaleStrings {
    /// The strings of this language.
    fn strings(self) -> &'static Strings;
}

impl LocaleStrings for Locale {
    fn strings(self) -> &'static Strings {
        match self {
            Locale::En => &EN,
            Locale::Id => &ID,
        }
    }
}

/// Every user-visible string of the console; texts with numbers or names are methods.
#[derive(Debug)]
pub struct Strings {
    pub locale: Locale,
    pub app_title: &'static str,
    pub sign_in_title: &'static str,
    pub agent_label: &'static str,
    pub password_label: &'static str,
    pub sign_in: &'static str,
    pub signing_in: &'static str,
    pub wrong_password: &'static str,
    pub too_many_attempts: &'static str,
    pub session_ended: &'static str,
    pub unreachable: &'static str,
    pub presence: &'static str,
    pub online: &'static str,
    pub offline: &'static str,
    pub capacity: &'static str,
    pub sign_out: &'static str,
    pub connecting: &'static str,
    pub reconnecting: &'static str,
    pub enable_notifications: &'static str,
    pub conversations: &'static str,
    pub group_active: &'static str,
    pub group_waiting: &'static str,
    pub group_queue: &'static str,
    pub group_empty: &'static str,
    pub no_messages: &'static str,
    /// The work list's mark on a conversation whose customer came back (R7).
    pub customer_back: &'static str,
    pub you: &'static str,
    pub customer: &'static str,
    pub choose_conversation: &'static str,
    pub load_older: &'static str,
    pub loading: &'static str,
    pub reply_label: &'static str,
    pub reply_placeholder: &'static str,
    pub send: &'static str,
    pub sending: &'static str,
    pub delivered: &'static str,
    pub read: &'static str,
    pub not_sent: &'static str,
    pub retry: &'static str,
    pub accept: &'static str,
    pub pick_up: &'static str,
    pub wait_persistent: &'static str,
    pub wait_live: &'static str,
    pub end: &'static str,
    pub confirm_end: &'static str,
    pub confirm_end_yes: &'static str,
    pub cancel: &'static str,
    pub ended: &'static str,
    pub taken: &'static str,
    pub notifications: &'static str,
    pub open: &'static str,
    pub dismiss: &'static str,
    pub skip_to_conversation: &'static str,
    pub error_at_capacity: &'static str,
    pub error_offline: &'static str,
    pub error_closed: &'static str,
    pub error_not_yours: &'static str,
    pub error_not_your_workstream: &'static str,
    pub error_wrong_state: &'static str,
    pub error_too_long: &'static str,
}

impl Strings {
    /// "Try again in 4 s."
    pub fn retry_in(&self, seconds: u32) -> String {
        match self.locale {
            Locale::En => format!("Try again in {seconds} s."),
            Locale::Id => format!("Coba lagi dalam {seconds} detik."),
        }
    }

    /// The capacity meter's text: "1 of 3".
    pub fn load_of(&self, load: u32, capacity: u32) -> String {
        match self.locale {
            Locale::En => format!("{load} of {capacity}"),
            Locale::Id => format!("{load} dari {capacity}"),
        }
    }

    /// An unread count for screen readers: "3 unread".
    pub fn unread(&self, count: u64) -> String {
        match self.locale {
            Locale::En => format!("{count} unread"),
            Locale::Id => format!("{count} belum dibaca"),
        }
    }

    /// "5 min ago" and friends.
    pub fn ago(&self, ago: Ago) -> String {
        match (self.locale, ago) {
            (Locale::En, Ago::JustNow) => "just now".into(),
            (Locale::En, Ago::Minutes(n)) => format!("{n} min ago"),
            (Locale::En, Ago::Hours(n)) => format!("{n} h ago"),
            (Locale::En, Ago::Days(n)) => format!("{n} d ago"),
            (Locale::Id, Ago::JustNow) => "baru saja".into(),
            (Locale::Id, Ago::Minutes(n)) => format!("{n} menit lalu"),
            (Locale::Id, Ago::Hours(n)) => format!("{n} jam lalu"),
            (Locale::Id, Ago::Days(n)) => format!("{n} hari lalu"),
        }
    }

    /// "Sari is typing…"
    pub fn typing(&self, name: &str) -> String {
        match self.locale {
            Locale::En => format!("{name} is typing…"),
            Locale::Id => format!("{name} sedang mengetik…"),
        }
    }

    /// A toast: routing gave the agent a conversation.
    pub fn assigned(&self, name: &str) -> String {
        match self.locale {
            Locale::En => format!("New conversation with {name}"),
            Locale::Id => format!("Percakapan baru dengan {name}"),
        }
    }

    /// A toast: a waiting conversation's customer came back (R7).
    pub fn returned(&self, name: &str) -> String {
        match self.locale {
            Locale::En => format!("{name} came back"),
            Locale::Id => format!("{name} kembali"),
        }
    }

    /// A toast: the customer wrote.
    pub fn wrote(&self, name: &str) -> String {
        match self.locale {
            Locale::En => format!("{name} wrote"),
            Locale::Id => format!("{name} menulis"),
        }
    }

    /// The label of a toast's button that opens the conversation.
    pub fn open_with(&self, name: &str) -> String {
        match self.locale {
            Locale::En => format!("Open the conversation with {name}"),
            Locale::Id => format!("Buka percakapan dengan {name}"),
        }
    }

    /// A mode as the work list shows it.
    pub fn mode(&self, mode: Mode) -> &'static str {
        match (self.locale, mode) {
            (Locale::En, Mode::Persistent) => "persistent",
            (Locale::En, Mode::Live) => "live",
            (Locale::Id, Mode::Persistent) => "persisten",
            (Locale::Id, Mode::Live) => "langsung",
        }
    }

    /// A state as the conversation header shows it.
    pub fn state(&self, state: ConversationState) -> &'static str {
        match (self.locale, state) {
            (Locale::En, ConversationState::Open) => "Open (queue)",
            (Locale::En, ConversationState::Active) => "Active",
            (Locale::En, ConversationState::Waiting) => "Waiting",
            (Locale::En, ConversationState::Closed) => "Ended",
            (Locale::Id, ConversationState::Open) => "Terbuka (antrean)",
            (Locale::Id, ConversationState::Active) => "Aktif",
            (Locale::Id, ConversationState::Waiting) => "Menunggu",
            (Locale::Id, ConversationState::Closed) => "Berakhir",
        }
    }

    /// What to tell the agent about a refused request: a known error code in their language,
    /// otherwise the relay's own message.
    pub fn api_error(&self, code: &str, message: &str) -> String {
        match code {
            "at_capacity" => self.error_at_capacity.into(),
            "agent_offline" => self.error_offline.into(),
            "conversation_closed" => self.error_closed.into(),
            "not_your_conversation" => self.error_not_yours.into(),
            "not_your_workstream" => self.error_not_your_workstream.into(),
            "wrong_state" => self.error_wrong_state.into(),
            "message_too_long" => self.error_too_long.into(),
            "network" => self.unreachable.into(),
            _ => message.into(),
        }
    }
}
