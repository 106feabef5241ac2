//! After a commit: tell the customer's sockets and the agents concerned what changed, and wake
//! routing when the queue or capacity moved.

use crate::decide::Decision;
use crate::state::AppState;
use crate::store::ConversationRow;
use crate::views::{conversation_info, conversation_view};
use std::collections::BTreeSet;
use tetap_shared::rules::AgentNotice;
use tetap_shared::{AgentEvent, ConversationState, ServerFrame};

/// Publishes a committed decision to this relay's sockets and tells the other relays.
pub fn publish(state: &AppState, decision: &Decision) {
    state.peers.committed(state, decision);
}

/// Publishes a decision to this relay's sockets only.
pub(crate) fn publish_here(state: &AppState, decision: &Decision) {
    let (before, after) = (&decision.before, &decision.after);
    let changed =
        decision.started || before.state != after.state || before.agent_id != after.agent_id;
    if changed {
        let frame = ServerFrame::State {
            conversation: conversation_info(state, after),
        };
        state.hub.publish_customer(&after.identity, frame);
    }
    for message in &decision.messages {
        let frame = ServerFrame::Message {
            conversation: after.id.clone(),
            message: message.clone(),
        };
        state.hub.publish_customer(&after.identity, frame);
    }
    // Built only when an agent event carries it (most messages change no state).
    let view = std::cell::OnceCell::new();
    let detail = || view.get_or_init(|| conversation_view(state, after)).clone();
    for agent in recipients(state, decision) {
        for message in &decision.messages {
            let event = AgentEvent::Message {
                conversation: after.id.clone(),
                message: message.clone(),
            };
            state.hub.publish_agent(&agent, event);
        }
        if changed {
            let event = AgentEvent::State {
                conversation: after.id.clone(),
                detail: detail(),
            };
            state.hub.publish_agent(&agent, event);
        }
    }
    for (agent, notice) in &decision.notices {
        let event = match notice {
            AgentNotice::Assigned => AgentEvent::Assigned {
                conversation: after.id.clone(),
                detail: detail(),
            },
            AgentNotice::CustomerReturned => AgentEvent::CustomerReturned {
                conversation: after.id.clone(),
                detail: detail(),
            },
        };
        state.hub.publish_agent(agent, event);
    }
    if decision.route {
        state.wake.routing.notify_one();
    }
    if decision.timers_changed {
        state.wake.timers.notify_one();
    }
}

/// Sends the customer's typing or read receipt about `row` to the agents who see it now, on
/// every relay.
pub fn to_agents(state: &AppState, row: &ConversationRow, event: AgentEvent) {
    match &event {
        AgentEvent::Typing { .. } => state.peers.customer_typing(&row.id),
        AgentEvent::Read { seq, .. } => state.peers.customer_read(&row.id, *seq),
        _ => {}
    }
    to_agents_here(state, row, event);
}

/// Sends the agent's typing or read receipt about `row` to the customer's sockets on every
/// relay.
pub fn to_customer(state: &AppState, row: &ConversationRow, frame: ServerFrame) {
    match &frame {
        ServerFrame::Typing { agent, .. } => state.peers.agent_typing(&row.id, agent),
        ServerFrame::Read { seq, .. } => state.peers.agent_read(&row.id, *seq),
        _ => {}
    }
    state.hub.publish_customer(&row.identity, frame);
}

/// Sends an event about `row` to the agents on this relay who see it now: its agent, or, while
/// it is queued, every agent of its workstream.
pub(crate) fn to_agents_here(state: &AppState, row: &ConversationRow, event: AgentEvent) {
    let agents: Vec<&str> = match (&row.agent_id, row.state) {
        (_, ConversationState::Open) => workstream_agents(state, &row.workstream).collect(),
        (Some(agent), _) => vec![agent.as_str()],
        (None, _) => Vec::new(),
    };
    for agent in agents {
        state.hub.publish_agent(agent, event.clone());
    }
}

/// The agents who see the conversation: whoever has or had it, and, while it is queued, every
/// agent of its workstream (their queue view).
fn recipients(state: &AppState, decision: &Decision) -> BTreeSet<String> {
    let (before, after) = (&decision.before, &decision.after);
    let mut agents: BTreeSet<String> = [&before.agent_id, &after.agent_id]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let queued = |s: ConversationState| s == ConversationState::Open;
    if decision.started || queued(before.state) || queued(after.state) {
        agents.extend(workstream_agents(state, &after.workstream).map(str::to_owned));
    }
    agents
}

/// The agents of a workstream: who sees its queue.
fn workstream_agents<'a>(
    state: &'a AppState,
    workstream: &'a str,
) -> impl Iterator<Item = &'a str> {
    state
        .config
        .agents
        .iter()
        .filter(move |a| a.workstreams.iter().any(|w| w == workstream))
        .map(|a| a.id.as_str())
}
