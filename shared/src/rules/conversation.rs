//! The conversation state machine (R4, R6–R9, R11): what one event does to one conversation.

use super::RuleError;
use crate::api::{ConversationState, Mode};

/// What the rules need to know about a conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Facts {
    pub mode: Mode,
    pub state: ConversationState,
    /// The assigned agent (`active` and `waiting`).
    pub agent: Option<String>,
    /// The agent a returning conversation goes back to (R8).
    pub affinity_agent: Option<String>,
    /// The workstream's `keep_same_agent`.
    pub keep_same_agent: bool,
    /// The workstream sets `waiting_timeout`.
    pub has_waiting_timeout: bool,
    /// `customer_returned` was already sent in this waiting period (R7: once per period).
    pub returned_notified: bool,
}

/// Something that happened to a conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The customer wrote. `agent_online`: the assigned (or affinity) agent is online.
    CustomerMessage { agent_online: bool },
    /// The customer opened the widget panel (R7).
    CustomerOpened,
    /// The customer pressed End (R4).
    CustomerEnd,
    /// The customer's last socket closed (R11).
    CustomerLeft,
    /// A customer socket connected again.
    CustomerBack,
    /// An agent wrote. Writing to an `open` conversation picks it up, like `accept`.
    AgentMessage {
        agent: String,
        in_workstreams: bool,
        has_capacity: bool,
        /// The agent is online: only an online agent takes a conversation from the queue.
        online: bool,
    },
    /// An agent accepts (R7, R10).
    AgentAccept {
        agent: String,
        in_workstreams: bool,
        has_capacity: bool,
        online: bool,
    },
    /// The agent's ✖ (R6).
    AgentWait { agent: String },
    /// The agent ends the conversation (R4, R9).
    AgentEnd { agent: String, in_workstreams: bool },
    /// The agent went offline (the paragraph on presence under R11).
    AgentOffline { agent: String },
    /// Routing gave the conversation to this agent (R10).
    Assign { agent: String },
    /// A timer of this conversation came due.
    TimerDue(Timer),
}

/// The conversation timers; each is a stored row with a due time, so it survives a restart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timer {
    /// R9: closes a conversation left `waiting` this long (when the workstream sets it).
    WaitingTimeout,
    /// R8: after this, a returning conversation whose agent is offline goes to anyone.
    AffinityGrace,
    /// R11: a live conversation whose customer left closes after this.
    ReconnectGrace,
}

impl Timer {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Timer::WaitingTimeout => "waiting_timeout",
            Timer::AffinityGrace => "affinity_grace",
            Timer::ReconnectGrace => "reconnect_grace",
        }
    }

    /// Parses the stored name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "waiting_timeout" => Some(Timer::WaitingTimeout),
            "affinity_grace" => Some(Timer::AffinityGrace),
            "reconnect_grace" => Some(Timer::ReconnectGrace),
            _ => None,
        }
    }
}

/// System messages a transition writes into the conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SystemKind {
    AgentJoined,
    Ended,
}

/// Agent notifications (`/v1/agent/events`) a transition sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AgentNotice {
    Assigned,
    CustomerReturned,
}

/// What the relay must do besides storing the new state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    System(SystemKind),
    Notify {
        agent: String,
        notice: AgentNotice,
    },
    StartTimer(Timer),
    CancelTimer(Timer),
    /// The queue or an agent's free capacity changed: run routing.
    Route,
}

/// The conversation after an event, and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    pub state: ConversationState,
    pub agent: Option<String>,
    pub affinity_agent: Option<String>,
    pub returned_notified: bool,
    pub effects: Vec<Effect>,
}

impl Transition {
    fn stay(facts: &Facts) -> Self {
        Self {
            state: facts.state,
            agent: facts.agent.clone(),
            affinity_agent: facts.affinity_agent.clone(),
            returned_notified: facts.returned_notified,
            effects: Vec::new(),
        }
    }

    fn to(mut self, state: ConversationState) -> Self {
        self.state = state;
        self
    }

    fn with(mut self, effect: Effect) -> Self {
        self.effects.push(effect);
        self
    }

    /// Assigned to `agent`, who also becomes the affinity agent (R8).
    fn assigned(mut self, agent: &str) -> Self {
        self.state = ConversationState::Active;
        self.agent = Some(agent.to_owned());
        self.affinity_agent = Some(agent.to_owned());
        self
    }

    fn unassigned(mut self) -> Self {
        self.agent = None;
        self
    }

    fn closed(self) -> Self {
        let freed = self.state == ConversationState::Active;
        let mut closed = self
            .to(ConversationState::Closed)
            .with(Effect::System(SystemKind::Ended))
            .with(Effect::CancelTimer(Timer::WaitingTimeout))
            .with(Effect::CancelTimer(Timer::AffinityGrace))
            .with(Effect::CancelTimer(Timer::ReconnectGrace));
        if freed {
            closed = closed.with(Effect::Route);
        }
        closed
    }

    /// Whether the event changed nothing at all.
    pub fn is_noop(&self, facts: &Facts) -> bool {
        self.effects.is_empty()
            && self.state == facts.state
            && self.agent == facts.agent
            && self.affinity_agent == facts.affinity_agent
            && self.returned_notified == facts.returned_notified
    }
}

/// A new conversation, started by the customer's first message (R9): queued for routing.
pub fn start() -> Transition {
    Transition {
        state: ConversationState::Open,
        agent: None,
        affinity_agent: None,
        returned_notified: false,
        effects: vec![Effect::Route],
    }
}

/// What `event` does to the conversation described by `facts`.
pub fn apply(facts: &Facts, event: &Event) -> Result<Transition, RuleError> {
    use ConversationState::{Active, Closed, Open, Waiting};
    let stay = Transition::stay(facts);
    let mine = |agent: &str| facts.agent.as_deref() == Some(agent);
    let live = facts.mode == Mode::Live;
    if facts.state == Closed {
        return match event {
            Event::CustomerEnd if !live => Err(RuleError::CustomerCannotEnd),
            Event::CustomerOpened
            | Event::CustomerLeft
            | Event::CustomerBack
            | Event::AgentOffline { .. }
            | Event::TimerDue(_) => Ok(stay),
            _ => Err(RuleError::Closed),
        };
    }
    match event {
        Event::CustomerMessage { agent_online } => {
            let stay = if live {
                stay.with(Effect::CancelTimer(Timer::ReconnectGrace))
            } else {
                stay
            };
            Ok(match facts.state {
                Waiting => customer_returns(facts, stay, *agent_online),
                Active if !live && !agent_online => back_to_queue_with_affinity(facts, stay),
                _ => stay,
            })
        }
        Event::CustomerOpened => Ok(match (facts.state, &facts.agent) {
            (Waiting, Some(agent)) if !facts.returned_notified => notify_returned(stay, agent),
            _ => stay,
        }),
        Event::CustomerEnd if !live => Err(RuleError::CustomerCannotEnd),
        Event::CustomerEnd => Ok(stay.closed()),
        Event::CustomerLeft if live => Ok(stay.with(Effect::StartTimer(Timer::ReconnectGrace))),
        Event::CustomerBack if live => Ok(stay.with(Effect::CancelTimer(Timer::ReconnectGrace))),
        Event::CustomerLeft | Event::CustomerBack => Ok(stay),
        Event::AgentMessage {
            agent,
            in_workstreams,
            has_capacity,
            online,
        }
        | Event::AgentAccept {
            agent,
            in_workstreams,
            has_capacity,
            online,
        } => match facts.state {
            Open if !in_workstreams => Err(RuleError::NotInYourWorkstreams),
            Open if !online => Err(RuleError::Offline),
            Open if !has_capacity => Err(RuleError::AtCapacity),
            Open => Ok(stay
                .assigned(agent)
                .with(Effect::System(SystemKind::AgentJoined))
                .with(Effect::CancelTimer(Timer::AffinityGrace))),
            _ if !mine(agent) => Err(RuleError::NotYours),
            Waiting => Ok(stay
                .assigned(agent)
                .with(Effect::CancelTimer(Timer::WaitingTimeout))),
            _ => Ok(stay),
        },
        Event::AgentWait { agent } => match facts.state {
            Open => Err(RuleError::WrongState("open")),
            _ if !mine(agent) => Err(RuleError::NotYours),
            Waiting => Ok(stay),
            _ if live => Ok(stay.to(Open).unassigned().with(Effect::Route)),
            _ => {
                let mut waiting = stay.to(Waiting).with(Effect::Route);
                waiting.returned_notified = false;
                if facts.has_waiting_timeout {
                    waiting = waiting.with(Effect::StartTimer(Timer::WaitingTimeout));
                }
                Ok(waiting)
            }
        },
        Event::AgentEnd {
            agent,
            in_workstreams,
        } => match facts.state {
            Open if *in_workstreams => Ok(stay.closed()),
            Open => Err(RuleError::NotInYourWorkstreams),
            _ if mine(agent) => Ok(stay.closed()),
            _ => Err(RuleError::NotYours),
        },
        Event::AgentOffline { agent } => Ok(match facts.state {
            Active if live && mine(agent) => stay.to(Open).unassigned().with(Effect::Route),
            _ => stay,
        }),
        Event::Assign { agent } => match facts.state {
            Open => Ok(stay
                .assigned(agent)
                .with(Effect::System(SystemKind::AgentJoined))
                .with(Effect::Notify {
                    agent: agent.clone(),
                    notice: AgentNotice::Assigned,
                })
                .with(Effect::CancelTimer(Timer::AffinityGrace))),
            Active => Err(RuleError::WrongState("active")),
            _ => Err(RuleError::WrongState("waiting")),
        },
        Event::TimerDue(Timer::WaitingTimeout) => Ok(match facts.state {
            Waiting => stay.closed(),
            _ => stay,
        }),
        Event::TimerDue(Timer::AffinityGrace) => Ok(match facts.state {
            Open if facts.affinity_agent.is_some() => {
                let mut anyone = stay.with(Effect::Route);
                anyone.affinity_agent = None;
                anyone
            }
            _ => stay,
        }),
        Event::TimerDue(Timer::ReconnectGrace) => Ok(if live { stay.closed() } else { stay }),
    }
}

fn notify_returned(mut transition: Transition, agent: &str) -> Transition {
    transition.returned_notified = true;
    transition.with(Effect::Notify {
        agent: agent.to_owned(),
        notice: AgentNotice::CustomerReturned,
    })
}

/// R7 + R8: a customer writing on a `waiting` conversation.
fn customer_returns(facts: &Facts, stay: Transition, agent_online: bool) -> Transition {
    let Some(agent) = facts.agent.clone() else {
        return stay.to(ConversationState::Open).with(Effect::Route);
    };
    let stay = if facts.returned_notified {
        stay
    } else {
        notify_returned(stay, &agent)
    }
    .with(Effect::CancelTimer(Timer::WaitingTimeout));
    if !facts.keep_same_agent {
        let mut anyone = stay
            .to(ConversationState::Open)
            .unassigned()
            .with(Effect::Route);
        anyone.affinity_agent = None;
        return anyone;
    }
    if agent_online {
        // Back to the same agent even at full capacity (R8).
        return stay.assigned(&agent);
    }
    back_to_queue_with_affinity(facts, stay)
}

/// R8: the agent is offline; wait in the queue for them until the grace period ends.
fn back_to_queue_with_affinity(facts: &Facts, stay: Transition) -> Transition {
    let mut queued = stay
        .to(ConversationState::Open)
        .unassigned()
        .with(Effect::StartTimer(Timer::AffinityGrace))
        .with(Effect::Route);
    queued.affinity_agent = facts.agent.clone().or(facts.affinity_agent.clone());
    queued
}

#[cfg(test)]
mod tests;
