//! One message of the log as the customer sees it, and where the customer's own messages stand
//! (sending, sent, read, failed).

use tetap_shared::{AuthorKind, ConversationId, Message};

/// Where one of the customer's messages stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// Shown at once; not acknowledged yet. Resent after a reconnect (idempotent by `client_id`).
    Sending,
    /// Committed by the relay.
    Sent,
    /// The agent side has read it.
    Read,
    /// Refused for good (too long, outside operating hours, …): resending would not help.
    Failed,
}

impl Status {
    /// The value of the message element's `data-status` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Sending => "sending",
            Status::Sent => "sent",
            Status::Read => "read",
            Status::Failed => "failed",
        }
    }
}

/// One message of the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Stable across "sending" → "sent": the `client_id` when there is one, else the message id.
    pub key: String,
    pub conversation: Option<ConversationId>,
    pub seq: Option<u64>,
    pub client_id: Option<String>,
    pub kind: AuthorKind,
    pub name: Option<String>,
    pub system_kind: Option<String>,
    pub text: String,
    pub status: Status,
    /// When the relay committed it (RFC 3339); `None` while sending.
    pub at: Option<String>,
}

impl Entry {
    pub(crate) fn from_message(
        conversation: &ConversationId,
        message: Message,
        read: bool,
    ) -> Self {
        let status = if read && message.author.kind == AuthorKind::Customer {
            Status::Read
        } else {
            Status::Sent
        };
        Entry {
            key: message.client_id.clone().unwrap_or(message.id),
            conversation: Some(conversation.clone()),
            seq: Some(message.seq),
            client_id: message.client_id,
            kind: message.author.kind,
            name: message.author.name,
            system_kind: message.system_kind,
            text: message.text,
            status,
            at: Some(message.at),
        }
    }
}
