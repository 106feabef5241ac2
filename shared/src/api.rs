//! The objects of the public contract (DESIGN.md §3): conversations and messages as the agent API
//! returns them and as the customer's frames carry them.

use crate::ids::ConversationId;
use serde::{Deserialize, Serialize};

/// How a workstream's conversations behave (DESIGN.md §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Asynchronous, spans many sessions, needs an authenticated customer (R1, R2).
    Persistent,
    /// Classic live chat: ends with the session (R11).
    Live,
}

impl Mode {
    /// The lowercase name used in the API and the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Persistent => "persistent",
            Mode::Live => "live",
        }
    }
}

/// A conversation's place in its life (R9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConversationState {
    /// Queued, no agent.
    Open,
    /// Assigned to an agent; uses one unit of their capacity.
    Active,
    /// Parked by the agent (persistent only); uses no capacity.
    Waiting,
    /// Ended; never reopened.
    Closed,
}

impl ConversationState {
    /// The lowercase name used in the API and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationState::Open => "open",
            ConversationState::Active => "active",
            ConversationState::Waiting => "waiting",
            ConversationState::Closed => "closed",
        }
    }

    /// Parses the stored name; `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "open" => Some(Self::Open),
            "active" => Some(Self::Active),
            "waiting" => Some(Self::Waiting),
            "closed" => Some(Self::Closed),
            _ => None,
        }
    }
}

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuthorKind {
    Customer,
    Agent,
    System,
}

impl AuthorKind {
    /// The lowercase name used in the API and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthorKind::Customer => "customer",
            AuthorKind::Agent => "agent",
            AuthorKind::System => "system",
        }
    }

    /// Parses the stored name; `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "customer" => Some(Self::Customer),
            "agent" => Some(Self::Agent),
            "system" => Some(Self::System),
            _ => None,
        }
    }
}

/// The author of a message as shown to both sides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageAuthor {
    pub kind: AuthorKind,
    /// The agent id, the customer's `sub`, or empty for system messages.
    pub id: String,
    pub name: Option<String>,
}

/// One stored message. `seq` orders it within its conversation; `client_id` makes resends idempotent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    pub seq: u64,
    pub id: String,
    pub client_id: Option<String>,
    pub author: MessageAuthor,
    /// Set on system messages: `wait_time`, `queue_position`, `agent_joined`, `ended`, `offline`, `away`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_kind: Option<String>,
    pub text: String,
    /// RFC 3339, UTC.
    pub at: String,
}

/// An agent as the other side sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentRef {
    pub id: String,
    pub name: String,
}

/// A customer as the agent sees them: the token's `sub` and optional `name` and `email`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerRef {
    pub sub: String,
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A conversation as the agent API lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conversation {
    pub id: ConversationId,
    pub workstream: String,
    pub mode: Mode,
    pub state: ConversationState,
    pub agent: Option<AgentRef>,
    pub affinity_agent: Option<String>,
    pub customer: CustomerRef,
    pub last_seq: u64,
    /// Messages after the agent side's read mark.
    pub unread: u64,
    /// The customer has read up to this `seq` (the delivered/read state of agent messages).
    #[serde(default)]
    pub customer_read_seq: u64,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// When the customer came back to this `waiting` conversation (R7), RFC 3339 UTC; cleared
    /// when the conversation is picked up or the customer writes.
    #[serde(default)]
    pub returned_at: Option<String>,
    /// The newest message, for the work list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<Message>,
}

/// A frame of the agent event stream (`GET /v1/agent/events`, a WebSocket).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentEvent {
    /// Routing gave you this conversation (R10).
    Assigned {
        conversation: ConversationId,
        detail: Conversation,
    },
    /// A message was committed in one of your conversations or in your workstreams' queue.
    Message {
        conversation: ConversationId,
        message: Message,
    },
    /// The customer of one of your waiting conversations came back (R7): once per waiting period.
    CustomerReturned {
        conversation: ConversationId,
        detail: Conversation,
    },
    /// A conversation you see changed state or agent.
    State {
        conversation: ConversationId,
        detail: Conversation,
    },
    /// The customer of one of your conversations is typing.
    Typing { conversation: ConversationId },
    /// The customer has read your messages up to `seq`.
    Read {
        conversation: ConversationId,
        seq: u64,
    },
}
