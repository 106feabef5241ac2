//! Every state × event pair of the state machine, and one test per rule it carries. The facts
//! and events the submodules build their cases from live here.

mod assignment;
mod ending;
mod table;
mod waiting;

use super::*;
use ConversationState::{Active, Closed, Open, Waiting};

fn facts(mode: Mode, state: ConversationState) -> Facts {
    let assigned = matches!(state, Active | Waiting | Closed).then(|| "anna".to_owned());
    Facts {
        mode,
        state,
        agent: assigned.clone(),
        affinity_agent: assigned,
        keep_same_agent: mode == Mode::Persistent,
        has_waiting_timeout: false,
        returned_notified: false,
    }
}

fn anna() -> String {
    "anna".into()
}

fn all_events() -> Vec<(&'static str, Event)> {
    vec![
        (
            "customer message",
            Event::CustomerMessage { agent_online: true },
        ),
        ("customer opened", Event::CustomerOpened),
        ("customer end", Event::CustomerEnd),
        ("customer left", Event::CustomerLeft),
        ("customer back", Event::CustomerBack),
        (
            "agent message",
            Event::AgentMessage {
                agent: anna(),
                in_workstreams: true,
                has_capacity: true,
                online: true,
            },
        ),
        (
            "agent accept",
            Event::AgentAccept {
                agent: anna(),
                in_workstreams: true,
                has_capacity: true,
                online: true,
            },
        ),
        ("agent wait", Event::AgentWait { agent: anna() }),
        (
            "agent end",
            Event::AgentEnd {
                agent: anna(),
                in_workstreams: true,
            },
        ),
        ("agent offline", Event::AgentOffline { agent: anna() }),
        ("assign", Event::Assign { agent: anna() }),
        ("waiting timeout", Event::TimerDue(Timer::WaitingTimeout)),
        ("affinity grace", Event::TimerDue(Timer::AffinityGrace)),
        ("reconnect grace", Event::TimerDue(Timer::ReconnectGrace)),
    ]
}
