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
use tetap_shared::rules::{self, AgentNotice, Effect, Event, Facts, Timer};
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
        online: bool,
    },
    AgentAccept {
        agent: u8,
        in_workstreams: bool,
        has_capacity: bool,
        online: bool,
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
                online,
            } => Event::AgentMessage {
                agent: name(agent),
                in_workstreams,
                has_capacity,
                online,
            },
            AnyEvent::AgentAccept {
                agent,
                in_workstreams,
                has_capacity,
                online,
            } => Event::AgentAccept {
                agent: name(agent),
                in_workstreams,
                has_capacity,
                online,
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

#[path = "rules_apply/world.rs"]
mod world;

use world::World;

fuzz_target!(|input: Input| {
    lone_step(input.lone.0, input.lone.1);
    let mut world = World::new(&input);
    for step in input.steps.iter().take(MAX_STEPS) {
        world.step(*step);
    }
});
