//! The conversation rules ([`rules::apply`], [`rules::route`]) under any sequence of events.
//!
//! Two checks per input. A lone step: any facts and any event, where `apply` must not panic, a
//! closed conversation stays closed, and facts that are sound stay sound. A small world: a few
//! conversations of one workstream and three agents with capacities and presence, driven the way
//! the relay drives them (routing through `route`, presence changes sent to every
//! conversation), checking the invariants of `shared/tests/properties.rs` after every
//! transition: an active conversation has an agent, a queued one has none, live never waits,
//! closed is final, each mode starts only its own timers, one `customer_returned` per waiting
//! period; and capacity: an agent's load never goes negative, and a queued conversation is
//! taken beyond an agent's capacity only when routing returns it to its affinity agent (R8).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use tetap_shared::rules::{self, AgentNotice, AgentSlot, Effect, Event, Facts, Queued, Timer};
use tetap_shared::{ConversationState, Mode};

const AGENTS: [&str; 3] = ["anna", "budi", "citra"];
const WORKSTREAM: &str = "support";
/// Enough conversations for agents to fill up and compete; few enough to stay fast.
const MAX_CONVERSATIONS: usize = 6;
/// Bounds one input's running time: a long step list adds little beyond this.
const MAX_STEPS: usize = 256;

#[derive(Arbitrary, Debug)]
struct Input {
    lone: (AnyFacts, AnyEvent),
    live: bool,
    keep_same_agent: bool,
    has_waiting_timeout: bool,
    capacities: [u8; 3],
    steps: Vec<Step>,
}

/// What can happen in the world, as the relay would make it happen.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Step {
    /// Something happens to one conversation (picked modulo their number).
    Event { conversation: u8, event: AnyEvent },
    /// A customer's first message starts a conversation (R9).
    Start { live: bool },
    /// Routing runs over the queue (R10), inside or outside operating hours.
    Route { workstream_open: bool },
    /// An agent signs in or out; going offline is sent to every conversation.
    Presence { agent: u8, online: bool },
}

/// An [`Event`] with agents named by index; the world replaces the flags it knows better.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum AnyEvent {
    CustomerMessage {
        agent_online: bool,
    },
    CustomerOpened,
    CustomerEnd,
    CustomerLeft,
    CustomerBack,
    AgentMessage {
        agent: u8,
        in_workstreams: bool,
        has_capacity: bool,
    },
    AgentAccept {
        agent: u8,
        in_workstreams: bool,
        has_capacity: bool,
    },
    AgentWait {
        agent: u8,
    },
    AgentEnd {
        agent: u8,
        in_workstreams: bool,
    },
    AgentOffline {
        agent: u8,
    },
    Assign {
        agent: u8,
    },
    TimerDue(AnyTimer),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum AnyTimer {
    WaitingTimeout,
    AffinityGrace,
    ReconnectGrace,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum AnyState {
    Open,
    Active,
    Waiting,
    Closed,
}

/// Any [`Facts`], sound or not.
#[derive(Arbitrary, Debug, Clone, Copy)]
struct AnyFacts {
    live: bool,
    state: AnyState,
    agent: Option<u8>,
    affinity_agent: Option<u8>,
    keep_same_agent: bool,
    has_waiting_timeout: bool,
    returned_notified: bool,
}

fn agent_name(index: u8) -> &'static str {
    AGENTS[usize::from(index) % AGENTS.len()]
}

/// The index of an agent name; every name in the world comes from [`AGENTS`].
fn slot(agent: &str) -> usize {
    AGENTS
        .iter()
        .position(|a| *a == agent)
        .unwrap_or_else(|| panic!("unknown agent {agent:?}"))
}

fn mode(live: bool) -> Mode {
    if live { Mode::Live } else { Mode::Persistent }
}

impl AnyEvent {
    fn to_event(self) -> Event {
        let name = |index: u8| agent_name(index).to_owned();
        match self {
            AnyEvent::CustomerMessage { agent_online } => Event::CustomerMessage { agent_online },
            AnyEvent::CustomerOpened => Event::CustomerOpened,
            AnyEvent::CustomerEnd => Event::CustomerEnd,
            AnyEvent::CustomerLeft => Event::CustomerLeft,
            AnyEvent::CustomerBack => Event::CustomerBack,
            AnyEvent::AgentMessage {
                agent,
                in_workstreams,
                has_capacity,
            } => Event::AgentMessage {
                agent: name(agent),
                in_workstreams,
                has_capacity,
            },
            AnyEvent::AgentAccept {
                agent,
                in_workstreams,
                has_capacity,
            } => Event::AgentAccept {
                agent: name(agent),
                in_workstreams,
                has_capacity,
            },
            AnyEvent::AgentWait { agent } => Event::AgentWait { agent: name(agent) },
            AnyEvent::AgentEnd {
                agent,
                in_workstreams,
            } => Event::AgentEnd {
                agent: name(agent),
                in_workstreams,
            },
            AnyEvent::AgentOffline { agent } => Event::AgentOffline { agent: name(agent) },
            AnyEvent::Assign { agent } => Event::Assign { agent: name(agent) },
            AnyEvent::TimerDue(timer) => Event::TimerDue(match timer {
                AnyTimer::WaitingTimeout => Timer::WaitingTimeout,
                AnyTimer::AffinityGrace => Timer::AffinityGrace,
                AnyTimer::ReconnectGrace => Timer::ReconnectGrace,
            }),
        }
    }
}

impl AnyFacts {
    fn to_facts(self) -> Facts {
        Facts {
            mode: mode(self.live),
            state: match self.state {
                AnyState::Open => ConversationState::Open,
                AnyState::Active => ConversationState::Active,
                AnyState::Waiting => ConversationState::Waiting,
                AnyState::Closed => ConversationState::Closed,
            },
            agent: self.agent.map(|a| agent_name(a).to_owned()),
            affinity_agent: self.affinity_agent.map(|a| agent_name(a).to_owned()),
            keep_same_agent: self.keep_same_agent,
            has_waiting_timeout: self.has_waiting_timeout,
            returned_notified: self.returned_notified,
        }
    }
}

/// The state invariant: active and waiting have an agent, open has none, live never waits.
fn sound(mode: Mode, state: ConversationState, agent: Option<&str>) -> bool {
    match state {
        ConversationState::Active => agent.is_some(),
        ConversationState::Open => agent.is_none(),
        ConversationState::Waiting => mode == Mode::Persistent && agent.is_some(),
        ConversationState::Closed => true,
    }
}

fn returned_notices(transition: &rules::Transition) -> usize {
    transition
        .effects
        .iter()
        .filter(|e| {
            matches!(
                e,
                Effect::Notify {
                    notice: AgentNotice::CustomerReturned,
                    ..
                }
            )
        })
        .count()
}

/// What must hold of any allowed transition from sound facts.
fn check_transition(facts: &Facts, event: &Event, transition: &rules::Transition) {
    let context = || format!("{event:?} on {facts:?} gave {transition:?}");
    if facts.state == ConversationState::Closed {
        assert_eq!(
            transition.state,
            ConversationState::Closed,
            "closed is final: {}",
            context()
        );
    }
    assert!(
        sound(facts.mode, transition.state, transition.agent.as_deref()),
        "unsound state: {}",
        context()
    );
    let foreign_timer = match facts.mode {
        Mode::Live => Timer::WaitingTimeout,
        Mode::Persistent => Timer::ReconnectGrace,
    };
    assert!(
        !transition
            .effects
            .contains(&Effect::StartTimer(foreign_timer)),
        "a timer of the other mode: {}",
        context()
    );
    // R7: once per waiting period, and the flag that says so is set with it.
    let notices = returned_notices(transition);
    assert!(
        notices == 0 || (notices == 1 && !facts.returned_notified && transition.returned_notified),
        "customer_returned twice: {}",
        context()
    );
}

/// Any facts and event: no panic; closed stays closed; sound facts give a sound transition.
fn lone_step(facts: AnyFacts, event: AnyEvent) {
    let facts = facts.to_facts();
    let event = event.to_event();
    let Ok(transition) = rules::apply(&facts, &event) else {
        return;
    };
    if facts.state == ConversationState::Closed {
        assert_eq!(
            transition.state,
            ConversationState::Closed,
            "{event:?} reopened {facts:?}"
        );
    }
    if sound(facts.mode, facts.state, facts.agent.as_deref()) {
        check_transition(&facts, &event, &transition);
    }
}

struct Conversation {
    facts: Facts,
    /// `customer_returned` notices in the current waiting period (properties.rs counts the same).
    returned_this_period: usize,
}

/// One workstream's conversations and agents, with each agent's load kept from the transitions.
struct World {
    conversations: Vec<Conversation>,
    keep_same_agent: bool,
    has_waiting_timeout: bool,
    capacity: [i64; 3],
    online: [bool; 3],
    load: [i64; 3],
}

impl World {
    fn new(input: &Input) -> Self {
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

    fn step(&mut self, step: Step) {
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
                ..
            }
            | Event::AgentAccept {
                agent,
                has_capacity,
                ..
            } => {
                let i = slot(agent);
                *has_capacity = self.load[i] < self.capacity[i];
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

fuzz_target!(|input: Input| {
    lone_step(input.lone.0, input.lone.1);
    let mut world = World::new(&input);
    for step in input.steps.iter().take(MAX_STEPS) {
        world.step(*step);
    }
});
