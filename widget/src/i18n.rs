//! The widget's strings in English and Indonesian, picked from the `locale` parameter or the
//! browser's language.

pub use tetap_shared::Locale;

/// The widget's strings of a language.
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

/// Every user-visible string of the widget.
#[derive(Debug)]
pub struct Strings {
    /// The language tag, for `Intl` dates and times.
    pub lang: &'static str,
    pub title: &'static str,
    pub minimise: &'static str,
    pub message_label: &'static str,
    pub placeholder: &'static str,
    pub send: &'static str,
    pub sending: &'static str,
    pub sent: &'static str,
    pub failed: &'static str,
    pub you: &'static str,
    pub agent: &'static str,
    pub connecting: &'static str,
    pub reconnecting: &'static str,
    pub sign_in: &'static str,
    pub loading: &'static str,
    pub not_allowed: &'static str,
    pub unavailable: &'static str,
    pub too_long: &'static str,
    pub empty: &'static str,
    pub read: &'static str,
    pub today: &'static str,
    pub yesterday: &'static str,
    pub older: &'static str,
    pub log_label: &'static str,
    pub new_conversation: &'static str,
    pub ended: &'static str,
    pub end: &'static str,
    pub end_question: &'static str,
    pub cancel: &'static str,
    /// `{name}` stands for the agent's name.
    pub typing: &'static str,
}

static EN: Strings = Strings {
    lang: "en",
    title: "Chat with us",
    minimise: "Minimise chat",
    message_label: "Message",
    placeholder: "Type a message…",
    send: "Send",
    sending: "Sending…",
    sent: "Sent",
    failed: "Not sent",
    you: "You",
    agent: "Agent",
    connecting: "Connecting…",
    reconnecting: "Reconnecting…",
    sign_in: "Please sign in to chat.",
    loading: "Loading…",
    not_allowed: "This chat cannot be used on this site.",
    unavailable: "Chat is unavailable right now.",
    too_long: "This message is too long.",
    empty: "Send us a message and we will get back to you.",
    read: "Read",
    today: "Today",
    yesterday: "Yesterday",
    older: "Show earlier messages",
    log_label: "Messages",
    new_conversation: "New conversation",
    ended: "This chat has ended. Write to start a new one.",
    end: "End chat",
    end_question: "End this chat? You can start a new one later.",
    cancel: "Cancel",
    typing: "{name} is typing…",
};

static ID: Strings = Strings {
    lang: "id",
    title: "Obrolan dengan kami",
    minimise: "Kecilkan obrolan",
    message_label: "Pesan",
    placeholder: "Ketik pesan…",
    send: "Kirim",
    sending: "Mengirim…",
    sent: "Terkirim",
    failed: "Gagal terkirim",
    you: "Anda",
    agent: "Agen",
    connecting: "Menghubungkan…",
    reconnecting: "Menyambung ulang…",
    sign_in: "Silakan masuk untuk mengobrol.",
    loading: "Memuat…",
    not_allowed: "Obrolan ini tidak dapat digunakan di situs ini.",
    unavailable: "Obrolan sedang tidak tersedia.",
    too_long: "Pesan ini terlalu panjang.",
    empty: "Kirimi kami pesan dan kami akan membalas.",
    read: "Dibaca",
    today: "Hari ini",
    yesterday: "Kemarin",
    older: "Tampilkan pesan sebelumnya",
    log_label: "Pesan",
    new_conversation: "Percakapan baru",
    ended: "Obrolan ini telah berakhir. Tulis pesan untuk memulai yang baru.",
    end: "Akhiri obrolan",
    end_question: "Akhiri obrolan ini? Anda dapat memulai yang baru nanti.",
    cancel: "Batal",
    typing: "{name} sedang mengetik…",
};
