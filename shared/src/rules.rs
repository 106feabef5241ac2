//! The conversation rules (DESIGN.md §1) as pure functions over values: no IO, no clock.
//!
//! The relay asks these functions what may happen and commits what they answer.

use crate::api::ConversationState;

/// A change of a conversation's state and agent that a rule allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateChange {
    pub state: ConversationState,
    pub agent: Option<String>,
}

/// Why a rule refused an action.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("the conversation is closed")]
    Closed,
    #[error("the conversation belongs to another agent")]
    NotYours,
    #[error("the conversation is not in one of your workstreams")]
    NotInYourWorkstreams,
}

impl RuleError {
    /// The stable error code clients see.
    pub fn code(&self) -> &'static str {
        match self {
            RuleError::Closed => "conversation_closed",
            RuleError::NotYours => "not_your_conversation",
            RuleError::NotInYourWorkstreams => "not_your_workstream",
        }
    }
}

/// What an agent's reply does to the conversation it is written to.
///
/// An agent replying to an `open` conversation of their workstreams picks it up (R10: an agent may
/// take an open conversation); replying to their own `waiting` one picks it up again (R7). Closed
/// conversations are never reopened (R9), and another agent's conversation is not theirs to answer.
pub fn agent_reply(
    state: ConversationState,
    assigned_agent: Option<&str>,
    agent: &str,
    in_agents_workstreams: bool,
) -> Result<Option<StateChange>, RuleError> {
    let take = || StateChange {
        state: ConversationState::Active,
        agent: Some(agent.to_owned()),
    };
    match state {
        ConversationState::Closed => Err(RuleError::Closed),
        ConversationState::Open if in_agents_workstreams => Ok(Some(take())),
        ConversationState::Open => Err(RuleError::NotInYourWorkstreams),
        _ if assigned_agent != Some(agent) => Err(RuleError::NotYours),
        ConversationState::Active => Ok(None),
        ConversationState::Waiting => Ok(Some(take())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConversationState::*;

    type Outcome = Result<Option<StateChange>, RuleError>;

    #[test]
    fn agent_reply_follows_the_state_table() {
        let anna_takes = Ok(Some(StateChange {
            state: Active,
            agent: Some("anna".into()),
        }));
        type Case<'a> = (ConversationState, Option<&'a str>, bool, Outcome);
        let cases: [Case; 8] = [
            (Open, None, true, anna_takes.clone()),
            (Open, None, false, Err(RuleError::NotInYourWorkstreams)),
            (Active, Some("anna"), true, Ok(None)),
            (Active, Some("budi"), true, Err(RuleError::NotYours)),
            (Waiting, Some("anna"), true, anna_takes.clone()),
            (Waiting, Some("budi"), true, Err(RuleError::NotYours)),
            (Closed, Some("anna"), true, Err(RuleError::Closed)),
            (Closed, None, true, Err(RuleError::Closed)),
        ];
        for (state, assigned, in_ws, expected) in cases {
            assert_eq!(
                agent_reply(state, assigned, "anna", in_ws),
                expected,
                "{state:?} assigned to {assigned:?}"
            );
        }
    }

    #[test]
    fn r9_a_closed_conversation_is_never_reopened_by_a_reply() {
        assert_eq!(
            agent_reply(Closed, Some("anna"), "anna", true),
            Err(RuleError::Closed)
        );
    }
}
