//! The conversation rules (DESIGN.md §1) as pure functions over values: no IO, no clock.
//!
//! The relay loads a conversation, asks [`apply`] what an event does to it, commits the answer
//! (state, agent, system messages, timers) in one transaction, then fans out. [`route`] decides
//! which queued conversation goes to which agent; [`system_messages`] says which system texts a
//! workstream shows; `hours` (feature `calendar`) knows the operating hours.

mod conversation;
#[cfg(feature = "calendar")]
pub mod hours;
pub mod identity;
mod routing;
pub mod system_messages;

pub use conversation::{
    AgentNotice, Effect, Event, Facts, SystemKind, Timer, Transition, apply, start,
};
pub use routing::{AgentSlot, Assignment, Queued, may_take, route};

/// Why a rule refused an action.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("the conversation is closed")]
    Closed,
    #[error("the conversation belongs to another agent")]
    NotYours,
    #[error("the conversation is not in one of your workstreams")]
    NotInYourWorkstreams,
    #[error("only an agent can end a persistent conversation")]
    CustomerCannotEnd,
    #[error("you are at full capacity")]
    AtCapacity,
    #[error("the conversation is {0} and cannot do that")]
    WrongState(&'static str),
    #[error("go online to take conversations from the queue")]
    Offline,
}

impl RuleError {
    /// The stable error code clients see.
    pub fn code(&self) -> &'static str {
        match self {
            RuleError::Closed => "conversation_closed",
            RuleError::NotYours => "not_your_conversation",
            RuleError::NotInYourWorkstreams => "not_your_workstream",
            RuleError::CustomerCannotEnd => "customer_cannot_end",
            RuleError::AtCapacity => "at_capacity",
            RuleError::WrongState(_) => "wrong_state",
            RuleError::Offline => "agent_offline",
        }
    }
}

/// A change of a conversation's state and agent that a rule allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateChange {
    pub state: crate::api::ConversationState,
    pub agent: Option<String>,
}

/// What an agent's reply does to the conversation it is written to: [`apply`] with
/// [`Event::AgentMessage`], reduced to the state and agent.
pub fn agent_reply(
    state: crate::api::ConversationState,
    assigned_agent: Option<&str>,
    agent: &str,
    in_agents_workstreams: bool,
) -> Result<Option<StateChange>, RuleError> {
    let facts = Facts {
        mode: crate::api::Mode::Persistent,
        state,
        agent: assigned_agent.map(str::to_owned),
        affinity_agent: None,
        keep_same_agent: true,
        has_waiting_timeout: false,
        returned_notified: false,
    };
    let event = Event::AgentMessage {
        agent: agent.to_owned(),
        in_workstreams: in_agents_workstreams,
        has_capacity: true,
        online: true,
    };
    let transition = apply(&facts, &event)?;
    Ok(
        (transition.state != state || transition.agent != facts.agent).then_some(StateChange {
            state: transition.state,
            agent: transition.agent,
        }),
    )
}
