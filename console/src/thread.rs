//! One conversation's messages as the console shows them: pages merged in `seq` order, older pages
//! fetched by keyset (`before` the oldest shown), the agent's replies from "sending" to "delivered"
//! to "read", and system messages filtered as the customer's widget filters them (R5).

use tetap_shared::rules::system_messages::hidden_in_widget;
use tetap_shared::{AuthorKind, ConversationId, Message, Mode};

/// Messages per page, the agent API's default.
pub const PAGE: u32 = 50;

/// A reply the agent wrote that the relay has not confirmed yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub client_id: String,
    pub text: String,
    /// The relay refused it or could not be reached: offered again with the same `client_id`
    /// (idempotent), never sent twice.
    pub failed: bool,
}

/// Where one of the agent's replies stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Delivery {
    Sending,
    Failed,
    /// Committed by the relay.
    Delivered,
    /// The customer has read it (`seq ≤ customer_read_seq`).
    Read,
}

impl Delivery {
    /// The value of the message element's `data-delivery` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Sending => "sending",
            Delivery::Failed => "failed",
            Delivery::Delivered => "delivered",
            Delivery::Read => "read",
        }
    }
}

/// A line of the log, ready to render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Stable across "sending" → "delivered": the `client_id` when there is one, else the id.
    pub key: String,
    pub kind: AuthorKind,
    pub name: Option<String>,
    pub system_kind: Option<String>,
    pub text: String,
    pub at: Option<String>,
    /// Set on the agent side's own messages.
    pub delivery: Option<Delivery>,
}

/// The messages of the conversation on screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Thread {
    pub conversation: ConversationId,
    pub mode: Mode,
    /// Committed messages, ascending `seq`, no duplicates.
    pub messages: Vec<Message>,
    pub pending: Vec<Pending>,
    /// Older messages exist above the first one shown.
    pub more_before: bool,
    /// The first page has arrived.
    pub loaded: bool,
}

/// Whether the customer's widget shows this message (R5: persistent hides queue messages).
pub fn seen_by_customer(mode: Mode, message: &Message) -> bool {
    message
        .system_kind
        .as_deref()
        .is_none_or(|kind| !hidden_in_widget(mode, kind))
}

impl Thread {
    /// An empty thread, before its first page.
    pub fn new(conversation: ConversationId, mode: Mode) -> Self {
        Thread {
            conversation,
            mode,
            messages: Vec::new(),
            pending: Vec::new(),
            more_before: false,
            loaded: false,
        }
    }

    /// The `before` of the next older page: the oldest `seq` shown.
    pub fn oldest_seq(&self) -> Option<u64> {
        self.messages.first().map(|m| m.seq)
    }

    /// The newest committed `seq` (what the agent has read when the thread is on screen).
    pub fn newest_seq(&self) -> u64 {
        self.messages.last().map_or(0, |m| m.seq)
    }

    /// Merges a page asked for with `limit`. `older` says it was asked with `before` (or is the
    /// first page): a full page means more may lie beyond it.
    pub fn add_page(&mut self, page: Vec<Message>, limit: u32, older: bool) {
        let gap =
            !older && self.loaded && page.first().is_some_and(|m| m.seq > self.newest_seq() + 1);
        if gap {
            // More was missed than one page holds (a long disconnection): start over from it.
            self.messages.clear();
        }
        if older || gap || !self.loaded {
            self.more_before =
                page.len() >= limit as usize && page.first().is_some_and(|m| m.seq > 1);
        }
        self.loaded = true;
        for message in page {
            self.add(message);
        }
    }

    /// Adds one committed message (an event, or the answer to a reply); a message already shown
    /// is ignored, and a pending reply with its `client_id` becomes the committed one.
    pub fn add(&mut self, message: Message) {
        if let Some(client_id) = &message.client_id {
            self.pending.retain(|p| &p.client_id != client_id);
        }
        match self.messages.binary_search_by_key(&message.seq, |m| m.seq) {
            Ok(_) => {}
            Err(at) => self.messages.insert(at, message),
        }
    }

    /// Shows a reply the agent just wrote as "sending".
    pub fn push_pending(&mut self, client_id: &str, text: &str) {
        self.pending.push(Pending {
            client_id: client_id.to_owned(),
            text: text.to_owned(),
            failed: false,
        });
    }

    /// Marks a pending reply as not sent, or sending again.
    pub fn set_failed(&mut self, client_id: &str, failed: bool) {
        for pending in self.pending.iter_mut().filter(|p| p.client_id == client_id) {
            pending.failed = failed;
        }
    }

    /// The log as rendered: messages the customer saw, then pending replies. `customer_read_seq`
    /// decides which of the agent side's messages show as read.
    pub fn rows(&self, customer_read_seq: u64) -> Vec<Row> {
        let committed = self
            .messages
            .iter()
            .filter(|m| seen_by_customer(self.mode, m))
            .map(|m| Row {
                key: m.client_id.clone().unwrap_or_else(|| m.id.clone()),
                kind: m.author.kind,
                name: m.author.name.clone(),
                system_kind: m.system_kind.clone(),
                text: m.text.clone(),
                at: Some(m.at.clone()),
                delivery: (m.author.kind == AuthorKind::Agent).then_some(
                    if m.seq <= customer_read_seq {
                        Delivery::Read
                    } else {
                        Delivery::Delivered
                    },
                ),
            });
        let pending = self.pending.iter().map(|p| Row {
            key: p.client_id.clone(),
            kind: AuthorKind::Agent,
            name: None,
            system_kind: None,
            text: p.text.clone(),
            at: None,
            delivery: Some(if p.failed {
                Delivery::Failed
            } else {
                Delivery::Sending
            }),
        });
        committed.chain(pending).collect()
    }
}
