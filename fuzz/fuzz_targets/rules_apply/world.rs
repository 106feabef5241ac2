//! The small world: one workstream's conversations and three agents, driven the way the relay
//! drives them, with every invariant checked after each transition.

use super::{
    AGENTS, AnyEvent, Input, MAX_CONVERSATIONS, Step, WORKSTREAM, agent_name, check_transition,
    mode, returned_notices, slot,
};
use tetap_shared::ConversationState;
use tetap_shared::rules::{self, AgentSlot, Event, Facts, Queued};

struct Conversation {
    facts: Facts,
    /// `customer_returned` notices in the current waiting period (properties.rs counts the same).
    returned_this_period: usize,
}

/// One workstream's conversations and agents, with each agent's load kept from the transitions.
pub(crate) struct World {
    conversations: Vec<Conversation>,
    keep_same_agent: bool,
    has_waiting_timeout: bool,
    capacity: [i64; 3],
    online: [bool; 3],
    load: [i64; 3],
}

impl World {
    pub(crate) fn new(input: &Input) -> Self {
        let mut world = World {
            conversations: Vec::new(),
            keep_same_agent: input.keep_same_agent,
            has_waiting_timeout: input.has_waiting_timeout,
            capacity: input.capacities.map(|c| i64::from(c % 4)),
            online: [true; 3],
            load: [0; 3],
        };
        world.start(input.live);
        world
    }

    pub(crate) fn step(&mut self, step: Step) {
        match step {
            Step::Event {
                conversation,
                event,
            } => {
                let index = usize::from(conversation) % self.conversations.len();
                if let Some(event) = self.event(&self.conversations[index].facts, event) {
                    self.apply(index, &event);
                }
            }
            Step::Start { live } => self.start(live),
            Step::Route { workstream_open } => self.route(workstream_open),
            Step::Presence { agent, online } => self.presence(slot(agent_name(agent)), online),
        }
    }

    fn start(&mut self, live: bool) {
        if self.conversations.len() >= MAX_CONVERSATIONS {
            return;
        }
        let start = rules::start();
        assert_eq!(
            start.state,
            ConversationState::Open,
            "a new conversation is queued"
        );
        self.conversations.push(Conversation {
            facts: Facts {
                mode: mode(live),
                state: start.state,
                agent: start.agent,
                affinity_agent: start.affinity_agent,
                keep_same_agent: self.keep_same_agent,
                has_waiting_timeout: self.has_waiting_timeout,
                returned_notified: start.returned_notified,
            },
            returned_this_period: 0,
        });
    }

    /// The event with the flags the relay would compute; `None` for what only routing and
    /// presence changes send.
    fn event(&self, facts: &Facts, any: AnyEvent) -> Option<Event> {
        let mut event = any.to_event();
        match &mut event {
            Event::CustomerMessage { agent_online } => {
                let agent = facts.agent.as_deref().or(facts.affinity_agent.as_deref());
                *agent_online = agent.is_some_and(|a| self.online[slot(a)]);
            }
            Event::AgentMessage {
                agent,
                has_capacity,
                online,
                ..
            }
            | Event::AgentAccept {
                agent,
                has_capacity,
                online,
                ..
            } => {
                let i = slot(agent);
                *has_capacity = self.load[i] < self.capacity[i];
                *online = self.online[i];
            }
            Event::Assign { .. } | Event::AgentOffline { .. } => return None,
            _ => {}
        }
        Some(event)
    }

    /// Applies one event; a refusal changes nothing, as in the relay.
    fn apply(&mut self, index: usize, event: &Event) {
        let facts = self.conversations[index].facts.clone();
        let Ok(transition) = rules::apply(&facts, event) else {
            return;
        };
        check_transition(&facts, event, &transition);
        self.check_capacity(&facts, event, &transition);
        self.account(&facts, &transition);
        let conversation = &mut self.conversations[index];
        if transition.state == ConversationState::Waiting
            && facts.state != ConversationState::Waiting
        {
            conversation.returned_this_period = 0;
        }
        conversation.returned_this_period += returned_notices(&transition);
        assert!(
            conversation.returned_this_period <= 1,
            "customer_returned twice in one waiting period, the last by {event:?} on {facts:?}"
        );
        conversation.facts.state = transition.state;
        conversation.facts.agent = transition.agent;
        conversation.facts.affinity_agent = transition.affinity_agent;
        conversation.facts.returned_notified = transition.returned_notified;
    }

    /// A queued conversation goes to an agent with free capacity, unless routing returns it to
    /// its affinity agent (R8). (Waiting → active is the agent's own conversation coming back,
    /// which R7 and R8 allow at any load.)
    fn check_capacity(&self, facts: &Facts, event: &Event, transition: &rules::Transition) {
        if facts.state != ConversationState::Open || transition.state != ConversationState::Active {
            return;
        }
        let Some(agent) = transition.agent.as_deref() else {
            return;
        };
        let i = slot(agent);
        let affinity_return = matches!(event, Event::Assign { .. })
            && facts.keep_same_agent
            && facts.affinity_agent.as_deref() == Some(agent);
        assert!(
            self.load[i] < self.capacity[i] || affinity_return,
            "{agent} at load {} of {} took {facts:?} by {event:?}",
            self.load[i],
            self.capacity[i]
        );
    }

    /// Moves one unit of load from the agent the conversation leaves to the one it joins.
    fn account(&mut self, facts: &Facts, transition: &rules::Transition) {
        let occupies = |state: ConversationState, agent: &Option<String>| {
            (state == ConversationState::Active)
                .then(|| agent.clone())
                .flatten()
        };
        let before = occupies(facts.state, &facts.agent);
        let after = occupies(transition.state, &transition.agent);
        if before == after {
            return;
        }
        if let Some(agent) = before {
            let i = slot(&agent);
            self.load[i] -= 1;
            assert!(
                self.load[i] >= 0,
                "{agent}'s load went negative leaving {facts:?}"
            );
        }
        if let Some(agent) = after {
            self.load[slot(&agent)] += 1;
        }
    }

    /// Routing over the queue, oldest first, then `Assign` for each decision.
    fn route(&mut self, workstream_open: bool) {
        let queue: Vec<Queued> = self
            .conversations
            .iter()
            .enumerate()
            .filter(|(_, c)| c.facts.state == ConversationState::Open)
            .map(|(i, c)| Queued {
                conversation: i.to_string(),
                workstream: WORKSTREAM.to_owned(),
                affinity_agent: c.facts.affinity_agent.clone(),
                keep_same_agent: c.facts.keep_same_agent,
                workstream_open,
            })
            .collect();
        let agents: Vec<AgentSlot> = AGENTS
            .iter()
            .enumerate()
            .map(|(i, agent)| AgentSlot {
                agent: (*agent).to_owned(),
                online: self.online[i],
                capacity: u32::try_from(self.capacity[i]).unwrap_or(0),
                load: u32::try_from(self.load[i]).unwrap_or(0),
                workstreams: vec![WORKSTREAM.to_owned()],
            })
            .collect();
        for assignment in rules::route(&queue, &agents) {
            let index: usize = assignment.conversation.parse().expect("our own index");
            let event = Event::Assign {
                agent: assignment.agent,
            };
            let facts = self.conversations[index].facts.clone();
            assert!(
                rules::apply(&facts, &event).is_ok(),
                "routing chose {facts:?} for {event:?}, which apply refuses"
            );
            self.apply(index, &event);
        }
    }

    /// An agent's presence; going offline is told to every conversation, as the relay does.
    fn presence(&mut self, agent: usize, online: bool) {
        self.online[agent] = online;
        if online {
            return;
        }
        let event = Event::AgentOffline {
            agent: AGENTS[agent].to_owned(),
        };
        for index in 0..self.conversations.len() {
            self.apply(index, &event);
        }
    }
}
