//! Property tests with a fixed seed and case count: the frame decoder and the rules never panic,
//! and the rules' invariants hold over any sequence of events.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use tetap_shared::frames::{ClientFrame, ServerFrame};
use tetap_shared::rules::{
    self, AgentNotice, AgentSlot, Effect, Event, Facts, Queued, Timer, route,
};
use tetap_shared::{ConversationState, Mode};

fn config() -> Config {
    Config {
        cases: 512,
        rng_seed: RngSeed::Fixed(0x7e7a_2026),
        failure_persistence: None,
        ..Config::default()
    }
}

fn agent() -> impl Strategy<Value = String> {
    prop_oneof![Just("anna".to_owned()), Just("budi".to_owned())]
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        any::<bool>().prop_map(|agent_online| Event::CustomerMessage { agent_online }),
        Just(Event::CustomerOpened),
        Just(Event::CustomerEnd),
        Just(Event::CustomerLeft),
        Just(Event::CustomerBack),
        (agent(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
            |(agent, in_workstreams, has_capacity, online)| {
                Event::AgentMessage {
                    agent,
                    in_workstreams,
                    has_capacity,
                    online,
                }
            }
        ),
        (agent(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
            |(agent, in_workstreams, has_capacity, online)| {
                Event::AgentAccept {
                    agent,
                    in_workstreams,
                    has_capacity,
                    online,
                }
            }
        ),
        agent().prop_map(|agent| Event::AgentWait { agent }),
        (agent(), any::<bool>()).prop_map(|(agent, in_workstreams)| Event::AgentEnd {
            agent,
            in_workstreams
        }),
        agent().prop_map(|agent| Event::AgentOffline { agent }),
        agent().prop_map(|agent| Event::Assign { agent }),
        prop_oneof![
            Just(Timer::WaitingTimeout),
            Just(Timer::AffinityGrace),
            Just(Timer::ReconnectGrace)
        ]
        .prop_map(Event::TimerDue),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_frame_decoder_never_panics_on_any_text(text in ".{0,300}") {
        let _ = ClientFrame::decode(&text);
        let _ = ServerFrame::decode(&text);
    }

    #[test]
    fn the_frame_decoder_never_panics_on_json_like_text(
        kind in "(hello|send|history|auth|open|end|typing|read|x)",
        body in "[a-z_\":,{}0-9 \\[\\]-]{0,80}",
    ) {
        let _ = ClientFrame::decode(&format!("{{\"type\":\"{kind}\",{body}}}"));
    }

    #[test]
    fn any_send_frame_round_trips(client_id in "[A-Za-z0-9_-]{1,64}", text in ".{0,200}") {
        let frame = ClientFrame::Send { client_id, text };
        prop_assert_eq!(ClientFrame::decode(&frame.encode()), Ok(frame));
    }

    /// From the start of a conversation, any sequence of events keeps the state machine sound:
    /// an active conversation has an agent, a queued one has none, live never waits, closed is
    /// final, and `customer_returned` is sent at most once per waiting period.
    #[test]
    fn the_rules_keep_their_invariants_over_any_events(
        live in any::<bool>(),
        keep_same_agent in any::<bool>(),
        has_waiting_timeout in any::<bool>(),
        events in prop::collection::vec(event(), 0..40),
    ) {
        let mode = if live { Mode::Live } else { Mode::Persistent };
        let start = rules::start();
        let mut facts = Facts {
            mode,
            state: start.state,
            agent: start.agent,
            affinity_agent: start.affinity_agent,
            keep_same_agent,
            has_waiting_timeout,
            returned_notified: false,
        };
        let mut returned_this_period = 0;
        for event in &events {
            let before = facts.state;
            let Ok(transition) = rules::apply(&facts, event) else {
                continue;
            };
            if before == ConversationState::Closed {
                prop_assert_eq!(transition.state, ConversationState::Closed);
            }
            match transition.state {
                ConversationState::Active => prop_assert!(transition.agent.is_some()),
                ConversationState::Open => prop_assert!(transition.agent.is_none()),
                ConversationState::Waiting => {
                    prop_assert!(!live, "live never waits");
                    prop_assert!(transition.agent.is_some());
                }
                ConversationState::Closed => {}
            }
            if live {
                prop_assert!(!transition.effects.iter().any(|e| matches!(e, Effect::StartTimer(Timer::WaitingTimeout))));
            } else {
                prop_assert!(!transition.effects.iter().any(|e| matches!(e, Effect::StartTimer(Timer::ReconnectGrace))));
            }
            if transition.state == ConversationState::Waiting && before != ConversationState::Waiting {
                returned_this_period = 0;
            }
            returned_this_period += transition
                .effects
                .iter()
                .filter(|e| matches!(e, Effect::Notify { notice: AgentNotice::CustomerReturned, .. }))
                .count();
            prop_assert!(returned_this_period <= 1, "one customer_returned per waiting period");
            facts.state = transition.state;
            facts.agent = transition.agent;
            facts.affinity_agent = transition.affinity_agent;
            facts.returned_notified = transition.returned_notified;
        }
    }

    /// Routing never gives an agent more than their free capacity, except a returning
    /// conversation going back to its own agent (R8), and never assigns one twice.
    #[test]
    fn routing_never_overfills_an_agent(
        loads in prop::collection::vec((0u32..4, 0u32..4, any::<bool>()), 1..4),
        queue in prop::collection::vec((0usize..4, any::<bool>(), any::<bool>()), 0..12),
    ) {
        let agents: Vec<AgentSlot> = loads
            .iter()
            .enumerate()
            .map(|(i, &(capacity, load, online))| AgentSlot {
                agent: format!("agent-{i}"),
                online,
                capacity,
                load,
                workstreams: vec!["support".into()],
            })
            .collect();
        let queued: Vec<Queued> = queue
            .iter()
            .enumerate()
            .map(|(i, &(affinity, keep, open))| Queued {
                conversation: format!("c{i}"),
                workstream: "support".into(),
                affinity_agent: (affinity < agents.len()).then(|| format!("agent-{affinity}")),
                keep_same_agent: keep,
                workstream_open: open,
            })
            .collect();
        let assignments = route(&queued, &agents);
        let mut seen = std::collections::HashSet::new();
        for agent in &agents {
            let fresh = assignments
                .iter()
                .filter(|a| a.agent == agent.agent)
                .filter(|a| {
                    let q = queued.iter().find(|q| q.conversation == a.conversation);
                    !q.is_some_and(|q| q.keep_same_agent && q.affinity_agent.as_deref() == Some(agent.agent.as_str()))
                })
                .count() as u32;
            prop_assert!(agent.load + fresh <= agent.capacity.max(agent.load), "{} overfilled", agent.agent);
            prop_assert!(fresh == 0 || agent.online);
        }
        for assignment in &assignments {
            prop_assert!(seen.insert(assignment.conversation.clone()), "assigned twice");
            let q = queued.iter().find(|q| q.conversation == assignment.conversation);
            prop_assert!(q.is_some_and(|q| q.workstream_open), "routed outside hours");
        }
    }
}
