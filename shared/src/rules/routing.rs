//! Push routing (R8, R10): which queued conversation goes to which agent.

/// A conversation in the queue (`open`), oldest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Queued {
    pub conversation: String,
    pub workstream: String,
    /// The agent it should go back to (R8), while the affinity grace runs.
    pub affinity_agent: Option<String>,
    /// The workstream's `keep_same_agent`.
    pub keep_same_agent: bool,
    /// The workstream is within its operating hours (R3, R10).
    pub workstream_open: bool,
}

/// An agent's routing-relevant state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentSlot {
    pub agent: String,
    pub online: bool,
    pub capacity: u32,
    /// `active` conversations.
    pub load: u32,
    pub workstreams: Vec<String>,
}

/// One routing decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    pub conversation: String,
    pub agent: String,
}

/// Whether `agent`, as they are now, may take `queued` (R3, R8, R10): the workstream is within
/// its hours, the agent is online and serves it, and either the conversation keeps its affinity
/// agent and this is that agent (R8: even at full capacity) or it has none and the agent has free
/// capacity. Routing plans with this and the store checks it again inside the assignment's write.
pub fn may_take(queued: &Queued, agent: &AgentSlot) -> bool {
    if !queued.workstream_open || !agent.online || !agent.workstreams.contains(&queued.workstream) {
        return false;
    }
    match queued
        .affinity_agent
        .as_deref()
        .filter(|_| queued.keep_same_agent)
    {
        // Waits for its agent while they are offline or no longer serve it: the grace decides.
        Some(wanted) => agent.agent == wanted,
        None => agent.load < agent.capacity,
    }
}

/// Assigns queued conversations, FIFO, each to the least-loaded online agent of its workstream
/// with free capacity (ties: the agent listed first), during operating hours. A conversation with
/// an affinity agent goes back to that agent when online, even at full capacity, and waits for
/// them while they are offline (R8).
pub fn route(queue: &[Queued], agents: &[AgentSlot]) -> Vec<Assignment> {
    let mut slots: Vec<AgentSlot> = agents.to_vec();
    let mut assignments = Vec::new();
    for queued in queue {
        let chosen = slots
            .iter()
            .enumerate()
            .filter(|(_, agent)| may_take(queued, agent))
            .min_by_key(|(_, agent)| agent.load)
            .map(|(i, _)| i);
        if let Some(i) = chosen {
            slots[i].load += 1;
            assignments.push(Assignment {
                conversation: queued.conversation.clone(),
                agent: slots[i].agent.clone(),
            });
        }
    }
    assignments
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queued(id: &str, workstream: &str) -> Queued {
        Queued {
            conversation: id.into(),
            workstream: workstream.into(),
            affinity_agent: None,
            keep_same_agent: true,
            workstream_open: true,
        }
    }

    fn agent(id: &str, online: bool, capacity: u32, load: u32) -> AgentSlot {
        AgentSlot {
            agent: id.into(),
            online,
            capacity,
            load,
            workstreams: vec!["support".into()],
        }
    }

    fn pairs(assignments: &[Assignment]) -> Vec<(&str, &str)> {
        assignments
            .iter()
            .map(|a| (a.conversation.as_str(), a.agent.as_str()))
            .collect()
    }

    #[test]
    fn r10_the_least_loaded_online_agent_gets_the_oldest_conversation() {
        let queue = [
            queued("c1", "support"),
            queued("c2", "support"),
            queued("c3", "support"),
        ];
        let agents = [
            agent("anna", true, 3, 2),
            agent("budi", true, 3, 0),
            agent("cici", false, 3, 0),
        ];
        assert_eq!(
            pairs(&route(&queue, &agents)),
            [("c1", "budi"), ("c2", "budi"), ("c3", "anna")]
        );
    }

    #[test]
    fn r10_nobody_gets_more_than_their_capacity() {
        let queue = [queued("c1", "support"), queued("c2", "support")];
        let agents = [agent("anna", true, 1, 0)];
        assert_eq!(pairs(&route(&queue, &agents)), [("c1", "anna")]);
    }

    #[test]
    fn r10_agents_take_only_their_workstreams() {
        let queue = [queued("c1", "sales")];
        assert!(route(&queue, &[agent("anna", true, 3, 0)]).is_empty());
    }

    #[test]
    fn r3_outside_operating_hours_nothing_is_routed() {
        let mut closed = queued("c1", "support");
        closed.workstream_open = false;
        assert!(route(&[closed], &[agent("anna", true, 3, 0)]).is_empty());
    }

    #[test]
    fn r8_a_returning_conversation_goes_back_to_its_agent_even_at_full_capacity() {
        let mut returning = queued("c1", "support");
        returning.affinity_agent = Some("anna".into());
        let agents = [agent("anna", true, 2, 2), agent("budi", true, 3, 0)];
        assert_eq!(pairs(&route(&[returning], &agents)), [("c1", "anna")]);
    }

    #[test]
    fn r8_a_returning_conversation_waits_while_its_agent_is_offline() {
        let mut returning = queued("c1", "support");
        returning.affinity_agent = Some("anna".into());
        let agents = [agent("anna", false, 2, 0), agent("budi", true, 3, 0)];
        assert!(route(&[returning], &agents).is_empty());
    }

    #[test]
    fn r8_without_keep_same_agent_affinity_is_ignored() {
        let mut returning = queued("c1", "support");
        returning.affinity_agent = Some("anna".into());
        returning.keep_same_agent = false;
        let agents = [agent("anna", false, 2, 0), agent("budi", true, 3, 0)];
        assert_eq!(pairs(&route(&[returning], &agents)), [("c1", "budi")]);
    }
}
