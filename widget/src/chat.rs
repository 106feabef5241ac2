//! The conversation as the customer sees it: messages in order, the customer's own messages from
//! "sending" to "sent" to "read", and what each relay frame changes. Pure data, no browser: the
//! view renders it, the connection feeds it, the tests drive it.
//!
//! The log holds one or more conversations ("threads"), oldest first: the current one last, the
//! closed ones above it (R9: earlier conversations stay readable). Entries are sorted by thread,
//! then by `seq`; messages not acknowledged yet stay at the end (see `merge`). Older pages and
//! earlier conversations are asked for in `history`; the relay's list of earlier conversations
//! is paged in and merged with the browser's in `earlier`. Each conversation is shown by its own
//! mode (R4 End control, R5 filter), whatever the workstream says now.

use tetap_shared::frames::{ClientFrame, ConversationInfo, Cursor, ServerFrame};
use tetap_shared::{AuthorKind, ConversationId, ConversationState, ErrorCode, Message, Mode};

pub use crate::entry::{Entry, Status};

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
    /// Ask the relay for this next (the customer is reading back and the page of earlier
    /// conversations just came: the newest of them is loaded on).
    Request(ClientFrame),
    /// A refusal that concerns no single message; shown and passed to the loader.
    Error {
        code: ErrorCode,
        message: String,
    },
}

/// The customer's view of their conversations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chat {
    /// The workstream's mode now, from `welcome` (or the workstream info before it): only for a
    /// conversation whose own mode is not known.
    pub mode: Option<Mode>,
    /// The mode of each conversation the relay named (earlier ones, and current ones that
    /// ended), since it is fixed when a conversation starts.
    pub modes: Vec<(ConversationId, Mode)>,
    /// The current conversation; `None` until the customer's first message (R9).
    pub conversation: Option<ConversationInfo>,
    pub entries: Vec<Entry>,
    /// The conversations in the log, oldest first.
    pub threads: Vec<Thread>,
    /// Earlier conversations, oldest first: those this browser saw (kept in storage) merged
    /// with the relay's pages. Their messages are loaded on demand.
    pub earlier: Vec<ConversationId>,
    /// The oldest earlier conversation the relay listed: its next page starts below it.
    pub oldest_listed: Option<ConversationId>,
    /// The relay has earlier conversations older than `oldest_listed`.
    pub more_earlier: bool,
    /// The page of earlier conversations asked for (below this one), until it comes.
    pub listing: Option<ConversationId>,
    /// The conversation an older page was asked for, until it comes.
    pub loading: Option<ConversationId>,
    /// The name of the agent who is typing right now.
    pub agent_typing: Option<String>,
    /// The offline notice of a live workstream outside its hours (R3), worded by the relay.
    pub notice: Option<String>,
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

    /// A live conversation the customer can end (R4: never a persistent one), by the
    /// conversation's own mode.
    pub fn can_end(&self) -> bool {
        self.conversation
            .as_ref()
            .is_some_and(|c| c.mode == Mode::Live && c.state != ConversationState::Closed)
    }

    /// A conversation is going on (started, not ended).
    pub fn going_on(&self) -> bool {
        self.conversation
            .as_ref()
            .is_some_and(|c| c.state != ConversationState::Closed)
    }

    /// The offline notice to show (R3): until the customer's first message is accepted, and
    /// never over a chat already going on, which carries on past closing time.
    pub fn offline_notice(&self) -> Option<&str> {
        self.notice.as_deref().filter(|_| !self.going_on())
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
                earlier_modes,
                more_earlier,
                ..
            } => {
                self.mode = Some(mode);
                // The relay knows every earlier conversation, on any device (R9).
                self.welcome_page(conversation.as_ref(), earlier, earlier_modes, more_earlier);
                // A history request died with the old socket.
                self.loading = None;
                self.listing = None;
                self.agent_typing = None;
                match conversation {
                    Some(info) => {
                        self.remember_mode(&info.id, info.mode);
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
            ServerFrame::Earlier {
                before,
                conversations,
                more,
            } => self.earlier_page(before, conversations, more),
            ServerFrame::State { conversation } => {
                self.remember_mode(&conversation.id, conversation.mode);
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
