//! How stored conversations look to each side: the agent API's object and the widget's summary.

use crate::state::AppState;
use crate::store::ConversationRow;
use tetap_shared::frames::ConversationInfo;
use tetap_shared::{AgentRef, Conversation, ConversationState, CustomerRef};

/// An agent by id, with their configured name.
pub fn agent_ref(state: &AppState, id: Option<&str>) -> Option<AgentRef> {
    let id = id?;
    let name = state
        .config
        .agent(id)
        .map_or_else(|| id.to_owned(), |a| a.name.clone());
    Some(AgentRef {
        id: id.to_owned(),
        name,
    })
}

/// The conversation as the agent API shows it.
pub fn conversation_view(state: &AppState, row: &ConversationRow) -> Conversation {
    Conversation {
        id: row.id.clone(),
        workstream: row.workstream.clone(),
        mode: row.mode,
        state: row.state,
        agent: agent_ref(state, row.agent_id.as_deref()),
        affinity_agent: row.affinity_agent.clone(),
        customer: CustomerRef {
            sub: row.identity.subject.clone(),
            name: row.customer_name.clone(),
            email: row.customer_email.clone(),
        },
        last_seq: row.last_seq,
        unread: row.last_seq.saturating_sub(row.agent_read_seq),
        customer_read_seq: row.customer_read_seq,
        created_at: row.created_at.clone(),
        returned_at: row.returned_at.clone(),
        last_message: None,
    }
}

/// The conversation as the customer's widget sees it.
pub fn conversation_info(state: &AppState, row: &ConversationRow) -> ConversationInfo {
    ConversationInfo {
        id: row.id.clone(),
        mode: row.mode,
        state: row.state,
        agent: match row.state {
            ConversationState::Active | ConversationState::Waiting => {
                agent_ref(state, row.agent_id.as_deref())
            }
            _ => None,
        },
        last_seq: row.last_seq,
    }
}
