//! The conversation as the customer sees it: messages in `seq` order, the customer's own messages
//! from "sending" to "sent", and what each relay frame changes. Pure data, no browser: the view
//! renders it, the connection feeds it, the tests drive it.

use tetap_shared::frames::{ConversationInfo, Cursor, ServerFrame};
use tetap_shared::{AuthorKind, ConversationId, ErrorCode, Message, Mode};

/// Where one of the customer's messages stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// Shown at once; not acknowledged yet. Resent after a reconnect (idempotent by `client_id`).
    Sending,
    /// Committed by the relay.
    Sent,
    /// Refused for good (too long, empty, …): resending would not help.
    Failed,
}

impl Status {
    /// The value of the message element's `data-status` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Sending => "sending",
            Status::Sent => "sent",
            Status::Failed => "failed",
        }
    }
}

/// One line of the message log.
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
}

impl Entry {
    fn from_message(conversation: &ConversationId, message: &Message) -> Self {
        Entry {
            key: message
                .client_id
                .clone()
                .unwrap_or_else(|| message.id.clone()),
            conversation: Some(conversation.clone()),
            seq: Some(message.seq),
            client_id: message.client_id.clone(),
            kind: message.author.kind,
            name: message.author.name.clone(),
            system_kind: message.system_kind.clone(),
            text: message.text.clone(),
            status: Status::Sent,
        }
    }
}

/// What a frame means outside the message log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    Nothing,
    /// The relay accepted `hello`: the socket is live, pending messages can be resent.
    Welcomed,
    /// New messages from the agent or the system, for the unread count and the loader.
    Incoming(Vec<Message>),
    /// The token was refused or expired: ask the host page for a new one.
    TokenNeeded,
    /// A refusal that concerns no single message; shown and passed to the loader.
    Error {
        code: ErrorCode,
        message: String,
    },
}

/// The customer's view of their conversation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chat {
    /// Known from `welcome` (or set by the app from the workstream info before it).
    pub mode: Option<Mode>,
    /// The current conversation; `None` until the customer's first message (R9).
    pub conversation: Option<ConversationInfo>,
    pub entries: Vec<Entry>,
    /// Older messages exist above the first entry.
    pub more_before: bool,
}

/// System messages a persistent conversation never shows (R5).
fn hidden_in_persistent(kind: Option<&str>) -> bool {
    matches!(kind, Some("wait_time" | "queue_position"))
}

impl Chat {
    /// An empty chat for a workstream of `mode`.
    pub fn new(mode: Mode) -> Self {
        Chat {
            mode: Some(mode),
            ..Chat::default()
        }
    }

    /// Shows a message the customer just wrote, before the relay has it.
    pub fn push_local(&mut self, client_id: &str, text: &str) {
        self.entries.push(Entry {
            key: client_id.to_owned(),
            conversation: None,
            seq: None,
            client_id: Some(client_id.to_owned()),
            kind: AuthorKind::Customer,
            name: None,
            system_kind: None,
            text: text.to_owned(),
            status: Status::Sending,
        });
    }

    /// The customer's messages still waiting for an ack, oldest first, as `(client_id, text)`.
    pub fn pending(&self) -> Vec<(String, String)> {
        self.entries
            .iter()
            .filter(|entry| entry.status == Status::Sending)
            .filter_map(|entry| Some((entry.client_id.clone()?, entry.text.clone())))
            .collect()
    }

    /// "Everything after the last message we have" of the current conversation, for `hello`.
    pub fn resume_cursor(&self) -> Option<Cursor> {
        let conversation = match &self.conversation {
            Some(info) => info.id.clone(),
            None => self
                .entries
                .iter()
                .rev()
                .find_map(|e| e.conversation.clone())?,
        };
        let after_seq = self.last_seq(&conversation)?;
        Some(Cursor {
            conversation,
            after_seq,
        })
    }

    /// The agent's name, when one has the conversation.
    pub fn agent_name(&self) -> Option<&str> {
        let agent = self.conversation.as_ref()?.agent.as_ref()?;
        Some(agent.name.as_str())
    }

    fn last_seq(&self, conversation: &ConversationId) -> Option<u64> {
        self.entries
            .iter()
            .filter(|e| e.conversation.as_ref() == Some(conversation))
            .filter_map(|e| e.seq)
            .max()
    }

    /// Applies one relay frame and says what else it means.
    pub fn apply(&mut self, frame: ServerFrame) -> Effect {
        match frame {
            ServerFrame::Welcome {
                mode, conversation, ..
            } => {
                self.mode = Some(mode);
                if conversation.is_some() {
                    self.conversation = conversation;
                }
                Effect::Welcomed
            }
            ServerFrame::Messages {
                conversation,
                messages,
                more_before,
            } => {
                let known = self.last_seq(&conversation);
                // Only the oldest page we hold says whether there is more above it.
                let first = self.first_seq(&conversation);
                if first.is_none() || messages.first().map(|m| m.seq) < first {
                    self.more_before = more_before;
                }
                let fresh = self.insert_all(&conversation, messages);
                // A resume batch holds what was missed while offline: that counts as new.
                match known {
                    Some(known) => incoming(fresh.into_iter().filter(|m| m.seq > known)),
                    None => Effect::Nothing,
                }
            }
            ServerFrame::Message {
                conversation,
                message,
            } => incoming(self.insert_all(&conversation, vec![message])),
            ServerFrame::Ack {
                client_id,
                conversation,
                seq,
                ..
            } => {
                if let Some(entry) = self.by_client_id(&client_id) {
                    entry.status = Status::Sent;
                    entry.seq = Some(seq);
                    entry.conversation = Some(conversation);
                }
                Effect::Nothing
            }
            ServerFrame::State { conversation } => {
                self.conversation = Some(conversation);
                Effect::Nothing
            }
            ServerFrame::Typing { .. } | ServerFrame::Read { .. } => Effect::Nothing,
            ServerFrame::Error {
                code,
                message,
                client_id,
            } => self.refused(code, message, client_id),
        }
    }

    fn refused(&mut self, code: ErrorCode, message: String, client_id: Option<String>) -> Effect {
        match code {
            ErrorCode::TokenExpired | ErrorCode::Unauthorized => return Effect::TokenNeeded,
            // Transient: the message stays "sending" and is resent after the next welcome.
            ErrorCode::RateLimited | ErrorCode::Internal => {}
            _ => {
                if let Some(entry) = client_id.as_deref().and_then(|id| self.by_client_id(id)) {
                    entry.status = Status::Failed;
                    return Effect::Nothing;
                }
            }
        }
        Effect::Error { code, message }
    }

    fn by_client_id(&mut self, client_id: &str) -> Option<&mut Entry> {
        self.entries
            .iter_mut()
            .find(|e| e.client_id.as_deref() == Some(client_id))
    }

    fn first_seq(&self, conversation: &ConversationId) -> Option<u64> {
        self.entries
            .iter()
            .filter(|e| e.conversation.as_ref() == Some(conversation))
            .filter_map(|e| e.seq)
            .min()
    }

    /// Merges stored messages, skipping what we already show (by `client_id`, then by `seq`), and
    /// returns the ones that were not there before.
    fn insert_all(
        &mut self,
        conversation: &ConversationId,
        messages: Vec<Message>,
    ) -> Vec<Message> {
        let persistent = self.mode == Some(Mode::Persistent);
        let mut fresh = Vec::new();
        for message in messages {
            if persistent && hidden_in_persistent(message.system_kind.as_deref()) {
                continue;
            }
            if let Some(entry) = message
                .client_id
                .as_deref()
                .and_then(|id| self.by_client_id(id))
            {
                // Our own message, echoed (this tab) or acked late: it is stored now.
                entry.status = Status::Sent;
                entry.seq = Some(message.seq);
                entry.conversation = Some(conversation.clone());
                continue;
            }
            let duplicate = self.entries.iter().any(|e| {
                e.conversation.as_ref() == Some(conversation) && e.seq == Some(message.seq)
            });
            if duplicate {
                continue;
            }
            let at = self.position_for(conversation, message.seq);
            self.entries
                .insert(at, Entry::from_message(conversation, &message));
            fresh.push(message);
        }
        fresh
    }

    /// Before the first later message of the same conversation, else before the unsent tail.
    fn position_for(&self, conversation: &ConversationId, seq: u64) -> usize {
        let later = self.entries.iter().position(|e| {
            e.conversation.as_ref() == Some(conversation) && e.seq.is_some_and(|s| s > seq)
        });
        later.unwrap_or_else(|| {
            let tail = self
                .entries
                .iter()
                .rev()
                .take_while(|e| e.seq.is_none())
                .count();
            self.entries.len() - tail
        })
    }
}

/// Messages not written by the customer, as an effect.
fn incoming(messages: impl IntoIterator<Item = Message>) -> Effect {
    let others: Vec<Message> = messages
        .into_iter()
        .filter(|m| m.author.kind != AuthorKind::Customer)
        .collect();
    if others.is_empty() {
        Effect::Nothing
    } else {
        Effect::Incoming(others)
    }
}
