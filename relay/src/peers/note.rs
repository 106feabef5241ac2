//! What one relay tells the others after a commit: ids and small facts only, never message text
//! (the tables are the truth; a note only says where to look). Typing and read receipts, which
//! are not stored as events, ride in the note itself.

use crate::decide::Decision;
use serde::{Deserialize, Serialize};
use tetap_shared::rules::AgentNotice;
use tetap_shared::{AgentRef, ConversationId, ConversationState};

/// One notification's payload.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct Note {
    /// The relay that sent it (a relay hears its own notes too, and skips them).
    pub(super) relay: String,
    pub(super) conversation: ConversationId,
    #[serde(flatten)]
    pub(super) what: What,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(super) enum What {
    /// A decision committed: messages from `first` on, maybe a new state.
    Changed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        first: Option<u64>,
        /// State and agent before the decision, when it changed them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<Before>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        started: bool,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        notices: Vec<Notice>,
        /// A timer was set: the timer tasks must look again.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        timers: bool,
    },
    CustomerTyping,
    AgentTyping {
        agent: AgentRef,
    },
    CustomerRead {
        seq: u64,
    },
    AgentRead {
        seq: u64,
    },
}

/// A conversation's state and agent before a decision.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct Before {
    pub(super) state: ConversationState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) agent: Option<String>,
}

/// An agent notification a decision sent.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct Notice {
    pub(super) agent: String,
    pub(super) kind: NoticeKind,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum NoticeKind {
    Assigned,
    CustomerReturned,
}

impl From<AgentNotice> for NoticeKind {
    fn from(notice: AgentNotice) -> Self {
        match notice {
            AgentNotice::Assigned => Self::Assigned,
            AgentNotice::CustomerReturned => Self::CustomerReturned,
        }
    }
}

impl From<NoticeKind> for AgentNotice {
    fn from(kind: NoticeKind) -> Self {
        match kind {
            NoticeKind::Assigned => Self::Assigned,
            NoticeKind::CustomerReturned => Self::CustomerReturned,
        }
    }
}

impl Note {
    /// The note of a committed decision.
    pub(super) fn of(relay: &str, decision: &Decision) -> Self {
        let (before, after) = (&decision.before, &decision.after);
        let changed = before.state != after.state || before.agent_id != after.agent_id;
        Self {
            relay: relay.to_owned(),
            conversation: after.id.clone(),
            what: What::Changed {
                first: decision.messages.first().map(|m| m.seq),
                before: changed.then(|| Before {
                    state: before.state,
                    agent: before.agent_id.clone(),
                }),
                started: decision.started,
                notices: decision
                    .notices
                    .iter()
                    .map(|(agent, notice)| Notice {
                        agent: agent.clone(),
                        kind: (*notice).into(),
                    })
                    .collect(),
                timers: decision.timers_changed,
            },
        }
    }

    pub(super) fn to_payload(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The note in a payload; `None` for anything else on the channel.
    pub(super) fn parse(payload: &str) -> Option<Self> {
        serde_json::from_str(payload).ok()
    }
}
