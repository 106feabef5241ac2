//! The conversation as the customer sees it: messages in order, the customer's own messages from
//! "sending" to "sent" to "read", and what each relay frame changes. Pure data, no browser: the
//! view renders it, the connection feeds it, the tests drive it.
//!
//! The log holds one or more conversations ("threads"), oldest first: the current one last, the
//! closed ones above it (R9: earlier conversations stay readable). Entries are sorted by thread,
//! then by `seq`; messages not acknowledged yet stay at the end (see `merge`). Older pages and
//! earlier conversations are asked for in `history`.

use tetap_shared::frames::{ConversationInfo, Cursor, ServerFrame};
use tetap_shared::{AuthorKind, ConversationId, ConversationState, ErrorCode, Message, Mode};

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

/// One conversation in the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Thread {
    pub id: ConversationId,
    /// Older messages of this conversation exist above its first entry.
    pub more_before: bool,
    /// The agent side has read the customer's messages up to this `seq`.
    pub agent_read: u64,
}

/// What a frame means outside the message log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    Nothing,
    /// The relay accepted `hello`: the socket is live, pending messages can be resent.
    Welcomed,
    /// New messages from the agent or the system, for the unread count and the loader.
    Incoming(Vec<Message>),
    /// The agent is typing: the app clears the indicator again after a while.
    AgentTyping,
    /// The token was refused or expired: ask the host page for a new one.
    TokenNeeded,
    /// A refusal that concerns no single message; shown and passed to the loader.
    Error {
        code: ErrorCode,
        message: String,
    },
}

/// The customer's view of their conversations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chat {
    /// Known from `welcome` (or set by the app from the workstream info before it).
    pub mode: Option<Mode>,
    /// The current conversation; `None` until the customer's first message (R9).
    pub conversation: Option<ConversationInfo>,
    pub entries: Vec<Entry>,
    /// The conversations in the log, oldest first.
    pub threads: Vec<Thread>,
    /// Earlier conversations this browser saw (kept in storage), oldest first: loaded on demand.
    pub earlier: Vec<ConversationId>,
    /// The conversation an older page was asked for, until it comes.
    pub loading: Option<ConversationId>,
    /// The name of the agent who is typing right now.
    pub agent_typing: Option<String>,
    /// The offline notice of a live workstream outside its hours (R3), worded by the relay.
    pub notice: Option<String>,
}

/// System messages a persistent conversation never shows (R5).
pub fn hidden_in_persistent(kind: Option<&str>) -> bool {
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
            at: None,
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

    /// The conversation new messages go to: the relay's current one, else the newest in the log.
    pub(crate) fn current_id(&self) -> Option<&ConversationId> {
        match &self.conversation {
            Some(info) => Some(&info.id),
            None => self.threads.last().map(|t| &t.id),
        }
    }

    /// "Everything after the last message we have" of the current conversation, for `hello`.
    pub fn resume_cursor(&self) -> Option<Cursor> {
        let conversation = self.current_id()?.clone();
        let after_seq = self.last_seq(&conversation)?;
        Some(Cursor {
            conversation,
            after_seq,
        })
    }

    /// The current conversation and the newest `seq` shown of it: what a `read` frame reports.
    pub fn newest_seen(&self) -> Option<(ConversationId, u64)> {
        let conversation = self.current_id()?.clone();
        let seq = self.last_seq(&conversation)?;
        Some((conversation, seq))
    }

    /// The agent's name, when one has the conversation.
    pub fn agent_name(&self) -> Option<&str> {
        let agent = self.conversation.as_ref()?.agent.as_ref()?;
        Some(agent.name.as_str())
    }

    /// Whether `id` is over: another conversation came after it, or the relay said so.
    pub fn is_closed(&self, id: &ConversationId) -> bool {
        match &self.conversation {
            Some(info) if info.id == *id => info.state == ConversationState::Closed,
            Some(_) => true,
            None => self.threads.last().is_some_and(|t| t.id != *id),
        }
    }

    /// A live conversation the customer can end (R4: never a persistent one).
    pub fn can_end(&self) -> bool {
        self.mode == Some(Mode::Live)
            && self
                .conversation
                .as_ref()
                .is_some_and(|c| c.state != ConversationState::Closed)
    }

    /// The agent side has read `conversation` up to `seq`: the customer's messages show "read".
    fn mark_agent_read(&mut self, conversation: &ConversationId, seq: u64) {
        let thread = self.thread(conversation);
        thread.agent_read = thread.agent_read.max(seq);
        for entry in &mut self.entries {
            if entry.conversation.as_ref() == Some(conversation)
                && entry.status == Status::Sent
                && entry.kind == AuthorKind::Customer
                && entry.seq.is_some_and(|s| s <= seq)
            {
                entry.status = Status::Read;
            }
        }
    }

    /// Applies one relay frame and says what else it means.
    pub fn apply(&mut self, frame: ServerFrame) -> Effect {
        match frame {
            ServerFrame::Welcome {
                mode,
                conversation,
                agent_read_seq,
                earlier,
                ..
            } => {
                self.mode = Some(mode);
                // The relay knows every earlier conversation, on any device (R9).
                if !earlier.is_empty() {
                    self.earlier = earlier;
                }
                // A history request died with the old socket.
                self.loading = None;
                self.agent_typing = None;
                match conversation {
                    Some(info) => {
                        self.thread(&info.id);
                        self.mark_agent_read(&info.id, agent_read_seq);
                        self.conversation = Some(info);
                    }
                    // Every conversation is over (closed while we were away).
                    None => {
                        if let Some(info) = &mut self.conversation {
                            info.state = ConversationState::Closed;
                        }
                    }
                }
                Effect::Welcomed
            }
            ServerFrame::Messages {
                conversation,
                messages,
                more_before,
            } => self.batch(conversation, messages, more_before),
            ServerFrame::Message {
                conversation,
                message,
            } => {
                if message.author.kind == AuthorKind::Agent {
                    self.agent_typing = None;
                }
                incoming(self.insert_all(&conversation, vec![message]))
            }
            ServerFrame::Ack {
                client_id,
                conversation,
                seq,
                at,
                ..
            } => {
                self.notice = None;
                self.thread(&conversation);
                self.settle(&client_id, &conversation, seq, Some(at));
                Effect::Nothing
            }
            ServerFrame::State { conversation } => {
                self.thread(&conversation.id);
                if conversation.state == ConversationState::Closed {
                    self.agent_typing = None;
                }
                self.conversation = Some(conversation);
                Effect::Nothing
            }
            ServerFrame::Typing {
                conversation,
                agent,
            } => {
                if self.current_id() != Some(&conversation) {
                    return Effect::Nothing;
                }
                self.agent_typing = Some(agent.name);
                Effect::AgentTyping
            }
            ServerFrame::Read { conversation, seq } => {
                self.mark_agent_read(&conversation, seq);
                Effect::Nothing
            }
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
            // An earlier conversation the relay no longer knows: forget it quietly.
            ErrorCode::UnknownConversation if client_id.is_none() => {
                if let Some(gone) = self.loading.take() {
                    self.earlier.retain(|id| *id != gone);
                    if let Some(thread) = self.threads.iter_mut().find(|t| t.id == gone) {
                        thread.more_before = false;
                    }
                    return Effect::Nothing;
                }
            }
            _ => {
                if let Some(entry) = client_id.as_deref().and_then(|id| self.by_client_id(id)) {
                    entry.status = Status::Failed;
                    if code == ErrorCode::OutsideOperatingHours {
                        self.notice = Some(message);
                    }
                    return Effect::Nothing;
                }
            }
        }
        Effect::Error { code, message }
    }
}

/// Messages not written by the customer, as an effect.
pub(crate) fn incoming(messages: impl IntoIterator<Item = Message>) -> Effect {
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
